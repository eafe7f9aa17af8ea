#!/usr/bin/env bash
# Sign-in under a burst, against the release server on a fresh demo database:
#   scripts/bench/sign-in-burst.sh [PARALLEL] [ATTEMPTS]     (default 200 and 1000)
# 1. PARALLEL parallel wrong guesses for one account: how many were checked (422) and how
#    many refused by the lock (429) — at most the 5 free attempts may be checked.
# 2. ATTEMPTS sign-ins for as many different (unknown) emails, PARALLEL at a time: each one
#    costs a full argon2 hash (a wrong email costs what a wrong password does), nothing locks —
#    the worst case for memory. The server's resident memory (VmRSS) before and after.
# Needs `cargo leptos build --release --split` first. Prints a summary; starts and stops its server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PARALLEL="${1:-200}"; ATTEMPTS="${2:-1000}"
PORT=3190; BASE="http://127.0.0.1:${PORT}"
DIR="$(mktemp -d)"; trap 'kill "${PID:-0}" 2>/dev/null || true; rm -rf "${DIR}"' EXIT
DATABASE_URL="sqlite://${DIR}/tessera.db" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn \
    TESSERA_SIGN_IN_PER_MINUTE=100000 \
    "${CARGO_TARGET_DIR:-target}/release/tessera" serve --demo --addr "127.0.0.1:${PORT}" &
PID=$!
for _ in $(seq 1 100); do curl -sf "${BASE}/healthz" >/dev/null && break; sleep 0.2; done
rss() { awk '/VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/${PID}/status"; }
ACTION="$(curl -s "${BASE}/login" | grep -o 'action="/api/sign_in[^"]*"' | head -1 | cut -d'"' -f2)"
attempt() { # email password -> HTTP status
    curl -s -o /dev/null -w '%{http_code}\n' -X POST "${BASE}${ACTION}" \
        -H "Origin: ${BASE}" -H 'Accept: application/json' \
        --data-urlencode "email=$1" --data-urlencode "password=$2" --data-urlencode "next=/"
}
export -f attempt; export BASE ACTION
echo "[burst] idle: $(rss)"
seq 1 "${PARALLEL}" | xargs -P "${PARALLEL}" -I{} bash -c 'attempt eric.employee@woodgrove.example wrong-guess-{}' \
    | sort | uniq -c | awk '{ printf "[burst] %d parallel wrong guesses for one account: %s answered %s\n", '"${PARALLEL}"', $1, $2 }'
echo "[burst] after the guesses: $(rss)"
START=${SECONDS}
seq 1 "${ATTEMPTS}" | xargs -P "${PARALLEL}" -I{} bash -c 'attempt person{}@woodgrove.example tessera-demo' \
    | sort | uniq -c | awk '{ printf "[burst] %s sign-ins answered %s\n", $1, $2 }'
echo "[burst] after ${ATTEMPTS} sign-ins (each hashed), ${PARALLEL} at a time, in $((SECONDS - START)) s: $(rss)"
