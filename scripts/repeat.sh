#!/usr/bin/env bash
# Runs one step of the test suite many times in a row, to find intermittent failures.
#   scripts/repeat.sh e2e N                 # the Playwright suite N times (needs a release build)
#   scripts/repeat.sh cargo N [ARGS...]     # the tests of cargo test --release -p domain -p app -p tessera
#                                           # N times; ARGS go to the test binaries (e.g. --test-threads=1)
# The binaries (cargo: the test binaries, built once; e2e: the release server and its site)
# are copied aside first, so editing or building the tree while the runs go on changes
# nothing that runs.
# Keeps each run's log; prints one line per run and a closing "N passed, N failed" (runs).
# Exits non-zero when any run failed. See docs/TESTING.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"
# shellcheck source=scripts/setup.sh
source "${REPO}/scripts/setup.sh"   # PATH only (cargo-leptos, node_modules/.bin)

what="${1:-}"; runs="${2:-}"
[[ "${what}" == e2e || "${what}" == cargo ]] && [[ "${runs}" =~ ^[1-9][0-9]*$ ]] || {
    sed -n '2,7p' "${BASH_SOURCE[0]}" >&2; exit 2; }
shift 2
export TESSERA_TEST_POSTGRES_URL="${TESSERA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TESSERA_REQUIRE_POSTGRES=1

logs="$(mktemp -d "${TMPDIR:-/tmp}/tessera-repeat-${what}.XXXXXX")"
echo "[repeat] ${runs} × ${what} at $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'); logs in ${logs}"
if [[ "${what}" == e2e ]]; then
    # The server binary and its site, copied aside: a build during the runs changes nothing.
    mkdir -p "${logs}/target/release"
    cp "${CARGO_TARGET_DIR:-${REPO}/target}/release/tessera" "${logs}/target/release/"
    cp -r "${REPO}/target/site" "${logs}/site"
    export CARGO_TARGET_DIR="${logs}/target" TESSERA_E2E_SITE_ROOT="${logs}/site"
fi
if [[ "${what}" == cargo ]]; then
    echo "[repeat] building the test binaries once"
    mkdir -p "${logs}/bin"
    # One line per test binary: its package folder and its executable, copied aside.
    cargo test --release -p domain -p app -p tessera --no-run --message-format=json 2>/dev/null \
        | jq -r 'select(.reason == "compiler-artifact" and .executable != null and .profile.test == true)
                 | "\(.manifest_path | sub("/Cargo.toml$"; ""))\t\(.executable)"' \
        | while IFS=$'\t' read -r dir exe; do
            cp "${exe}" "${logs}/bin/"
            printf '%s\t%s\n' "${dir}" "${logs}/bin/$(basename "${exe}")"
        done >"${logs}/binaries.tsv"
    # (The CLI tests run target/release/tessera itself: don't rebuild it while they run.)
    echo "[repeat] $(wc -l <"${logs}/binaries.tsv") test binaries"
fi
ok=0; bad=0
for i in $(seq 1 "${runs}"); do
    log="${logs}/run-${i}.log"; start=${SECONDS}; rc=0
    if [[ "${what}" == e2e ]]; then
        (cd end2end && npx --no-install playwright test) >"${log}" 2>&1 || rc=$?
        tally="$(grep -E '^ +[0-9]+ (passed|failed|flaky)' "${log}" | tr -s ' ' | paste -sd, -)"
    else
        while IFS=$'\t' read -r dir exe; do
            echo "     Running ${exe}" >>"${log}"
            (cd "${dir}" && "${exe}" "$@") >>"${log}" 2>&1 || rc=$?
        done <"${logs}/binaries.tsv"
        tally="$(awk '/^test result:/ { p += $4; f += $6 } END { printf "%d passed, %d failed", p, f }' "${log}")"
    fi
    if [[ ${rc} -eq 0 ]]; then ok=$((ok + 1)); verdict=green; else bad=$((bad + 1)); verdict="RED (exit ${rc})"; fi
    echo "[repeat] run ${i}/${runs}: ${verdict} in $((SECONDS - start))s —${tally}"
    if [[ ${rc} -ne 0 ]]; then
        grep -E '✘|FAILED|panicked|Error:' "${log}" | head -20 | sed 's/^/[repeat]   /'
    fi
done
echo "runs: ${ok} passed, ${bad} failed"
[[ ${bad} -eq 0 ]]
