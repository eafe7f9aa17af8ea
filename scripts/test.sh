#!/usr/bin/env bash
# Tessera test suite: setup, PostgreSQL check, cargo tests (SQLite + Postgres), release build,
# Playwright end-to-end tests. Prints a summary; exits non-zero if any step failed.
# Under CI=true a missing PostgreSQL or Chromium is fatal.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"
CI="${CI:-false}"

declare -a SUMMARY=()
declare -a COUNTS=()
FAILED=0
TOTAL_PASSED=0
TOTAL_FAILED=0
LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/tessera-test-logs.XXXXXX")"
echo "[test] logs of this run: ${LOG_DIR}"

announce() { printf '\n==> [test] %s\n' "$*"; }
warn()     { printf '[test] WARNING: %s\n' "$*" >&2; }
record()   { SUMMARY+=("$(printf '%-8s %s' "$1" "$2")"); [[ "$1" == FAIL ]] && FAILED=1; return 0; }

# count NAME PASSED FAILED [IGNORED]: one line of the per-step test counts.
count() {
    COUNTS+=("$(printf '%-32s %5d passed, %d failed, %d ignored' "$1" "$2" "$3" "${4:-0}")")
    TOTAL_PASSED=$((TOTAL_PASSED + $2))
    TOTAL_FAILED=$((TOTAL_FAILED + $3))
}

# Steps that must run tests: one that ran none fails the suite (it would hide a broken step).
require_ran() {
    if [[ "$2" -eq 0 ]]; then
        record FAIL "$1 ran no test"
    fi
}

summary() {
    printf '\n==> [test] summary\n'
    local line
    for line in "${SUMMARY[@]}"; do printf '  %s\n' "${line}"; done
    printf '==> [test] tests run per step (a step that ran nothing shows 0)\n'
    for line in "${COUNTS[@]}"; do printf '  %s\n' "${line}"; done
    printf 'tests: %d passed, %d failed\n' "${TOTAL_PASSED}" "${TOTAL_FAILED}"
    if [[ "${FAILED}" -ne 0 ]]; then
        printf '==> [test] RESULT: FAILED\n'
    else
        printf '==> [test] RESULT: OK\n'
    fi
}

# run_step NAME CMD...: runs CMD, records PASS/FAIL, never aborts the script.
run_step() {
    local name="$1"; shift
    local start=${SECONDS} rc=0
    "$@" || rc=$?
    if [[ ${rc} -eq 0 ]]; then
        record PASS "${name} ($((SECONDS - start))s)"
    else
        record FAIL "${name} (exit ${rc}, $((SECONDS - start))s)"
    fi
    return ${rc}
}

abort() {
    printf '[test] FATAL: %s\n' "$*" >&2
    record FAIL "$*"
    summary
    exit 1
}

is_ci() { [[ "${CI}" == "true" || "${CI}" == "1" ]]; }

# --- a. setup ---------------------------------------------------------------------------------
announce "a. setup (toolchain + Chromium)"
# shellcheck source=scripts/setup.sh
source "${REPO}/scripts/setup.sh"
if ! run_step "a. setup toolchain" tessera_setup; then
    abort "setup failed; nothing else can run"
fi
if ! tessera_setup_browser; then
    if is_ci; then
        abort "Chromium (/usr/bin/chromium) is required under CI=true and could not be installed"
    fi
    warn "Chromium could not be installed; the Playwright step will be skipped"
    record WARN "a. setup browser: Chromium unavailable"
else
    record PASS "a. setup browser (/usr/bin/chromium)"
fi

if ! tessera_setup_smtp; then
    if is_ci; then
        abort "the test SMTP server (aiosmtpd) is required under CI=true and could not be installed"
    fi
    warn "aiosmtpd could not be installed; the email tests will be skipped"
    record WARN "a. setup SMTP server: aiosmtpd unavailable"
else
    record PASS "a. setup SMTP server (aiosmtpd in .tools/smtp)"
fi

if ! tessera_setup_scim_checker; then
    if is_ci; then
        abort "the SCIM tools (scim2-cli, scim2-server) are required under CI=true and could not be installed"
    fi
    warn "the SCIM tools could not be installed; their tests will be skipped"
    record WARN "a. setup SCIM tools: scim2-cli / scim2-server unavailable"
else
    record PASS "a. setup SCIM tools (scim2-cli, scim2-server in .tools/scim)"
fi

if ! tessera_setup_schemathesis; then
    if is_ci; then
        abort "schemathesis (the API checker) is required under CI=true and could not be installed"
    fi
    warn "schemathesis could not be installed; its API test will be skipped"
    record WARN "a. setup API checker: schemathesis unavailable"
else
    record PASS "a. setup API checker (schemathesis in .tools/schemathesis)"
fi

if ! tessera_setup_slapd; then
    if is_ci; then
        abort "the test LDAP directory (slapd) is required under CI=true and could not be installed"
    fi
    warn "slapd could not be installed; the connector tests will be skipped"
    record WARN "a. setup LDAP directory: slapd unavailable"
else
    record PASS "a. setup LDAP directory (slapd)"
fi

# --- b. PostgreSQL ----------------------------------------------------------------------------
announce "b. PostgreSQL at 127.0.0.1:5432"
pg_ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
if pg_ready; then
    echo "[test] PostgreSQL is accepting connections"
else
    echo "[test] PostgreSQL not reachable; trying to start the local cluster"
    if command -v pg_ctlcluster >/dev/null 2>&1 && [[ -d /etc/postgresql ]]; then
        for pgver in $(ls /etc/postgresql); do
            echo "[test] run: pg_ctlcluster --skip-systemctl-redirect ${pgver} main start"
            pg_ctlcluster --skip-systemctl-redirect "${pgver}" main start || true
        done
        for _ in $(seq 1 20); do pg_ready && break; sleep 1; done
    else
        echo "[test] pg_ctlcluster or /etc/postgresql not available"
    fi
fi
if pg_ready; then
    record PASS "b. PostgreSQL reachable at 127.0.0.1:5432"
elif is_ci; then
    abort "b. PostgreSQL is not reachable at 127.0.0.1:5432 and could not be started (required under CI=true)"
else
    warn "PostgreSQL is not reachable at 127.0.0.1:5432; Postgres-backed tests may skip or fail"
    record WARN "b. PostgreSQL not reachable (not CI: continuing)"
fi
export TESSERA_TEST_POSTGRES_URL="${TESSERA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
echo "[test] TESSERA_TEST_POSTGRES_URL=${TESSERA_TEST_POSTGRES_URL}"
if is_ci; then
    export TESSERA_REQUIRE_POSTGRES=1
    echo "[test] TESSERA_REQUIRE_POSTGRES=1 (CI)"
fi

# --- c0. formatting ---------------------------------------------------------------------------
announce "c0. cargo fmt --check"
run_step "c0. cargo fmt --check" cargo fmt --all --check || true
announce "c0. leptosfmt --check app/src (the view! macros)"
if tessera_setup_leptosfmt; then
    run_step "c0. leptosfmt --check" leptosfmt --check --quiet app/src || true
else
    record FAIL "c0. leptosfmt could not be installed"
fi

# --- c. cargo tests ---------------------------------------------------------------------------
announce "c. cargo test --release --no-fail-fast -p domain -p app -p tessera"
# --release on purpose: shares dependency builds with `cargo leptos build --release`.
# --no-fail-fast: a failing binary must not stop the others, whose counts would read 0.
CARGO_LOG="${LOG_DIR}/cargo-test.log"
run_step "c. cargo test --release --no-fail-fast -p domain -p app -p tessera" \
    bash -c 'set -o pipefail; cargo test --release --no-fail-fast -p domain -p app -p tessera 2>&1 | tee "$1"' _ "${CARGO_LOG}" || true
for step in "unit" "integration (SQLite)" "integration (PostgreSQL)" "integration (other)" \
            "http (SQLite)" "http (PostgreSQL)" "http (other)" "cli" "drills"; do
    read -r passed failed ignored < <(awk -f "${REPO}/scripts/lib/count-tests.awk" "${CARGO_LOG}" \
        | awk -F '\t' -v s="${step}" '$1 == s { print $2, $3, $4; found = 1 } END { if (!found) print 0, 0, 0 }')
    count "cargo: ${step}" "${passed}" "${failed}" "${ignored}"
    case "${step}" in
        *other*) ;;
        "integration (PostgreSQL)"|"http (PostgreSQL)")
            if is_ci; then require_ran "cargo: ${step}" "$((passed + failed))"; fi ;;
        *) require_ran "cargo: ${step}" "$((passed + failed))" ;;
    esac
done

# --- d. release build -------------------------------------------------------------------------
announce "d. cargo leptos build --release --precompress --split"
BUILD_OK=0
# --precompress: gzip and brotli copies of the site's files, served to browsers that take them.
if run_step "d. cargo leptos build --release --precompress --split" cargo leptos build --release --precompress --split; then
    BUILD_OK=1
fi

# --- e. Playwright ----------------------------------------------------------------------------
announce "e. Playwright end-to-end tests"
if [[ ${BUILD_OK} -ne 1 ]]; then
    echo "[test] skipping: the release build failed"
    record SKIP "e. playwright (release build failed)"
elif [[ ! -x /usr/bin/chromium ]]; then
    if is_ci; then
        echo "[test] ERROR: /usr/bin/chromium is missing; the end-to-end tests cannot run under CI=true" >&2
        record FAIL "e. playwright (/usr/bin/chromium missing)"
    else
        warn "/usr/bin/chromium is missing; skipping the end-to-end tests"
        record SKIP "e. playwright (/usr/bin/chromium missing)"
    fi
else
    # playwright.config.ts starts target/release/tessera itself on 127.0.0.1:3100 with a fresh
    # SQLite database in a temp directory.
    E2E_LOG="${LOG_DIR}/playwright.log"
    run_step "e. playwright (end2end)" \
        bash -c 'set -o pipefail; cd end2end && npx --no-install playwright test 2>&1 | tee "$1"' _ "${E2E_LOG}" || true
    # The list reporter closes with "  N passed (…)" and, when any did, "  N failed".
    e2e_passed="$(sed -nE 's/^ *([0-9]+) passed.*/\1/p' "${E2E_LOG}" | tail -1)"
    e2e_failed="$(sed -nE 's/^ *([0-9]+) failed.*/\1/p' "${E2E_LOG}" | tail -1)"
    e2e_flaky="$(sed -nE 's/^ *([0-9]+) flaky.*/\1/p' "${E2E_LOG}" | tail -1)"
    count "playwright" "${e2e_passed:-0}" "$(( ${e2e_failed:-0} + ${e2e_flaky:-0} ))"
    require_ran "playwright" "$(( ${e2e_passed:-0} + ${e2e_failed:-0} + ${e2e_flaky:-0} ))"
fi

# --- f. summary -------------------------------------------------------------------------------
summary
exit "${FAILED}"
