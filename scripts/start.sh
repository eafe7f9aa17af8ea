#!/usr/bin/env bash
# Build and run Tessera with demo data.
#   scripts/start.sh [extra args for `tessera serve`, e.g. --addr 0.0.0.0:3000]
# The database defaults to a SQLite file under ./data/ (chosen by the binary; override with
# DATABASE_URL). Site assets are served from target/site.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"

echo "==> [start] setup (toolchain, no browser)"
# shellcheck source=scripts/setup.sh
source "${REPO}/scripts/setup.sh"
tessera_setup

echo "==> [start] cargo leptos build --release --precompress --split"
cargo leptos build --release --precompress --split

# The binary is under CARGO_TARGET_DIR when set; cargo-leptos always writes the site to target/site.
TARGET_DIR="${CARGO_TARGET_DIR:-${REPO}/target}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-${REPO}/target/site}"
echo "==> [start] exec ${TARGET_DIR}/release/tessera serve --demo $*"
exec "${TARGET_DIR}/release/tessera" serve --demo "$@"
