#!/usr/bin/env bash
# A directory pushed through SCIM (issue 15), against the release server on a fresh database:
#   scripts/bench/scim-push.sh [--db sqlite|postgres] [--users N] [--groups G] [--workers W]
# (defaults: sqlite, 10000 people, 200 groups, 8 parallel requests). Creates every person,
# sets every manager by PATCH, creates the groups and adds five memberships per person in
# batches of 100, as a provider's first sync does. Prints each phase's time and rate, the
# server's resident memory, and runs `tessera check` on the result. Needs
# `cargo leptos build --release --split` and the SCIM checker's venv (scripts/setup.sh). A benchmark,
# never a test; stop other work on the machine while it runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
DB=sqlite; USERS=10000; NGROUPS=200; WORKERS=8
while [[ $# -gt 0 ]]; do
    case "$1" in
        --db) DB="$2"; shift ;;
        --users) USERS="$2"; shift ;;
        --groups) NGROUPS="$2"; shift ;;
        --workers) WORKERS="$2"; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
tessera_setup_scim_checker >/dev/null
BIN="${CARGO_TARGET_DIR:-target}/release/tessera"
PORT=3191; BASE="http://127.0.0.1:${PORT}"
DIR="$(mktemp -d)"
PGDB="tessera_scim_push_$$"
if [[ "${DB}" == postgres ]]; then
    psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE ${PGDB}"
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${PGDB}"
else
    export DATABASE_URL="sqlite://${DIR}/tessera.db"
fi
cleanup() {
    kill "${PID:-0}" 2>/dev/null || true
    wait "${PID:-0}" 2>/dev/null || true
    [[ "${DB}" == postgres ]] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS ${PGDB}" || true
    rm -rf "${DIR}"
}
trap cleanup EXIT
export LEPTOS_SITE_ROOT=target/site RUST_LOG=warn TESSERA_PUBLIC_URL="${BASE}"
"${BIN}" migrate >/dev/null
TOKEN="$("${BIN}" sync token create --name "scim-push benchmark" 2>/dev/null)"
"${BIN}" serve --addr "127.0.0.1:${PORT}" &
PID=$!
for _ in $(seq 1 100); do curl -sf "${BASE}/healthz" >/dev/null && break; sleep 0.2; done
rss() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/${PID}/status"; }
echo "==> [scim-push] ${DB}: ${USERS} people, ${NGROUPS} groups, ${WORKERS} parallel requests; server ${BIN}"
echo "    resident memory before: $(rss) MB"
START=${SECONDS}
.tools/scim/bin/python scripts/bench/scim_push.py "${BASE}/scim/v2" "${TOKEN}" "${USERS}" "${NGROUPS}" "${WORKERS}" \
    > "${DIR}/result.json"
echo "    total: $((SECONDS - START)) s; resident memory after: $(rss) MB"
cat "${DIR}/result.json"
kill "${PID}"; wait "${PID}" 2>/dev/null || true; PID=0
"${BIN}" check
