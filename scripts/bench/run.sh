#!/usr/bin/env bash
# The benchmark suite (docs/BENCHMARKS.md): builds the release server with its precompressed
# bundle and the load generator, then runs every scenario on a fresh database:
#   scripts/bench/run.sh [--db sqlite|postgres] [--users N] [--packages M] [--assignments K]
#                        [--seconds S] [--runs R] [--connections C] [--no-build] [--no-scheduler]
# Writes docs/benchmarks/<db>-<users>.json and prints a Markdown table. A benchmark, never a
# test: it asserts nothing. Stop other work on the machine while it runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD=1
DB=sqlite
USERS=10000
ARGS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --db) DB="$2"; ARGS+=("$1" "$2"); shift ;;
        --users) USERS="$2"; ARGS+=("$1" "$2"); shift ;;
        *) ARGS+=("$1") ;;
    esac
    shift
done
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
if [[ ${BUILD} -eq 1 ]]; then
    tessera_setup
    echo "==> [bench] cargo leptos build --release --precompress --split"
    cargo leptos build --release --precompress --split
    echo "==> [bench] cargo build --release -p tessera --example bench"
    cargo build --release -p tessera --example bench
fi
# A real SMTP server that accepts and drops every message, for the scheduler's e-mail.
if tessera_setup_smtp; then
    "${TESSERA_SMTP_PYTHON}" -m aiosmtpd -n -l 127.0.0.1:2526 -c aiosmtpd.handlers.Sink &
    SINK=$!
    trap 'kill ${SINK} 2>/dev/null || true' EXIT
    export TESSERA_BENCH_SMTP_URL=smtp://127.0.0.1:2526
fi
OUT="docs/benchmarks/${DB}-${USERS}.json"
echo "==> [bench] running (results in ${OUT})"
"${CARGO_TARGET_DIR:-target}/release/examples/bench" "${ARGS[@]}" --out "${OUT}"
