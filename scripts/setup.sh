#!/usr/bin/env bash
# Tessera toolchain setup (see /work/shared/TOOLCHAIN.md for why each pin exists).
#
# Usage:
#   scripts/setup.sh                  # toolchain: wasm target, cargo-leptos, wasm-bindgen-cli, npm deps
#   scripts/setup.sh --with-browser   # ... plus Chromium (/usr/bin/chromium) for the Playwright tests
#   source scripts/setup.sh           # only exports PATH and defines the functions below:
#       tessera_setup [--with-browser]   tessera_setup_browser
#       tessera_setup_wasm_target   tessera_setup_cargo_leptos   tessera_setup_wasm_bindgen
#       tessera_setup_npm           tessera_env   tessera_setup_slapd (test-only)
#
# Idempotent: every step says whether it did something or skipped.
# When executed it runs with `set -euo pipefail`; when sourced it leaves the caller's shell
# options alone (an interactive shell with `set -e` would close on the first failing command),
# so every function checks its own errors and returns non-zero on failure.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
fi

# 0.3.10: the newest that builds on rustc 1.95 (0.3.11 needs 1.96), and the first whose wasm
# splitter (wasm_split_cli_support 0.2.3) works with wasm-bindgen 0.2.128+ and with hashed file
# names: `--split` loads the admin console as a chunk of its own (issue 13).
TESSERA_CARGO_LEPTOS_VERSION="0.3.10"
TESSERA_LEPTOSFMT_VERSION="0.1.33"
TESSERA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TESSERA_ROOT

_tessera_log()  { printf '[setup] %s\n' "$*"; }
_tessera_warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
_tessera_err()  { printf '[setup] ERROR: %s\n' "$*" >&2; }

_tessera_path_prepend() {
    case ":${PATH}:" in
        *":$1:"*) ;;
        *) PATH="$1:${PATH}" ;;
    esac
}

# PATH: npm's node_modules/.bin first (wasm-opt from npm binaryen, never Debian's v108, which
# silently breaks the wasm), then ~/.cargo/bin (cargo-leptos, wasm-bindgen).
tessera_env() {
    _tessera_path_prepend "${HOME}/.cargo/bin"
    # Put node_modules/.bin in front even if already present further back.
    local bin="${TESSERA_ROOT}/end2end/node_modules/.bin" rest
    rest="$(printf '%s' "${PATH}" | tr ':' '\n' | { grep -vxF "${bin}" || true; } | paste -sd: -)"
    PATH="${bin}${rest:+:${rest}}"
    export PATH
}

_tessera_require() {
    local cmd
    for cmd in "$@"; do
        if ! command -v "${cmd}" >/dev/null 2>&1; then
            _tessera_err "'${cmd}' not found on PATH (${PATH})"
            return 1
        fi
    done
}

tessera_setup_wasm_target() {
    _tessera_require rustup || return 1
    if rustup target list --installed 2>/dev/null | grep -qx 'wasm32-unknown-unknown'; then
        _tessera_log "skip: rust target wasm32-unknown-unknown already installed"
    else
        _tessera_log "run: rustup target add wasm32-unknown-unknown"
        rustup target add wasm32-unknown-unknown || return 1
    fi
}

tessera_setup_cargo_leptos() {
    _tessera_require cargo || return 1
    local have
    have="$(cargo leptos --version 2>/dev/null || true)"
    if printf '%s\n' "${have}" | grep -Eq "(^|[^0-9.])${TESSERA_CARGO_LEPTOS_VERSION//./\\.}([^0-9.]|$)"; then
        _tessera_log "skip: cargo-leptos ${TESSERA_CARGO_LEPTOS_VERSION} already installed (${have})"
    else
        _tessera_log "run: cargo install cargo-leptos --version ${TESSERA_CARGO_LEPTOS_VERSION} --locked --features no_downloads (found: '${have:-none}'; takes ~14 min)"
        cargo install cargo-leptos --version "${TESSERA_CARGO_LEPTOS_VERSION}" --locked --features no_downloads || return 1
    fi
}

# leptosfmt formats the view! macros; only the test suite needs it (it checks the format).
tessera_setup_leptosfmt() {
    _tessera_require cargo || return 1
    local have
    have="$(leptosfmt --version 2>/dev/null || true)"
    if printf '%s\n' "${have}" | grep -Eq "(^|[^0-9.])${TESSERA_LEPTOSFMT_VERSION//./\\.}([^0-9.]|$)"; then
        _tessera_log "skip: leptosfmt ${TESSERA_LEPTOSFMT_VERSION} already installed (${have})"
    else
        _tessera_log "run: cargo install leptosfmt --version ${TESSERA_LEPTOSFMT_VERSION} --locked (found: '${have:-none}'; takes ~3 min)"
        cargo install leptosfmt --version "${TESSERA_LEPTOSFMT_VERSION}" --locked || return 1
    fi
}

# Prints the version of the `wasm-bindgen` package recorded in Cargo.lock.
tessera_lock_wasm_bindgen_version() {
    local lock="${TESSERA_ROOT}/Cargo.lock" versions count
    if [[ ! -f "${lock}" ]]; then
        _tessera_err "${lock} not found"
        return 1
    fi
    versions="$(awk '
        /^\[\[package\]\]/ { in_wb = 0; next }
        /^name = "wasm-bindgen"$/ { in_wb = 1; next }
        in_wb && /^version = / { gsub(/^version = "|"$/, ""); print; in_wb = 0 }
    ' "${lock}" | sort -u)"
    count="$(printf '%s' "${versions}" | grep -c . || true)"
    if [[ "${count}" -ne 1 ]]; then
        _tessera_err "expected exactly one wasm-bindgen version in Cargo.lock, found ${count}: ${versions//$'\n'/ }"
        return 1
    fi
    printf '%s\n' "${versions}"
}

tessera_setup_wasm_bindgen() {
    _tessera_require cargo || return 1
    if [[ ! -f "${TESSERA_ROOT}/Cargo.lock" ]]; then
        _tessera_log "run: cargo generate-lockfile (Cargo.lock missing)"
        (cd "${TESSERA_ROOT}" && cargo generate-lockfile) || return 1
    fi
    local want have
    want="$(tessera_lock_wasm_bindgen_version)" || return 1
    have="$(wasm-bindgen --version 2>/dev/null || true)"
    if [[ "${have}" == "wasm-bindgen ${want}" || "${have}" == "wasm-bindgen ${want} "* ]]; then
        _tessera_log "skip: wasm-bindgen-cli ${want} already installed (matches Cargo.lock)"
    else
        # No --locked: one of wasm-bindgen-cli's locked deps is missing from the registry mirror.
        _tessera_log "run: cargo install wasm-bindgen-cli --version ${want} (found: '${have:-none}'; Cargo.lock wants ${want}; takes ~3 min)"
        cargo install wasm-bindgen-cli --version "${want}" || return 1
    fi
}

tessera_setup_npm() {
    _tessera_require node npm || return 1
    local dir="${TESSERA_ROOT}/end2end"
    local marker="${dir}/node_modules/.package-lock.json"
    if [[ ! -d "${dir}/node_modules" || ! -f "${marker}" || "${dir}/package-lock.json" -nt "${marker}" ]]; then
        _tessera_log "run: npm ci in end2end/ (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1)"
        (cd "${dir}" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) || return 1
    else
        _tessera_log "skip: end2end/node_modules is up to date with package-lock.json"
    fi
    tessera_env
    local wasm_opt
    wasm_opt="$(command -v wasm-opt || true)"
    if [[ "${wasm_opt}" != "${dir}/node_modules/.bin/wasm-opt" ]]; then
        _tessera_err "wasm-opt resolves to '${wasm_opt:-nothing}', expected ${dir}/node_modules/.bin/wasm-opt (npm binaryen)"
        return 1
    fi
    _tessera_log "ok: $(wasm-opt --version) from npm binaryen"
}

# _tessera_apt_install PACKAGE BINARY: installs a Debian package (as root, or with sudo) and
# checks that BINARY is there afterwards; the package lists are refreshed first (`update`).
_tessera_apt_install() {
    local package="$1" binary="$2" sudo=""
    if [[ "$(id -u)" -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            _tessera_err "${binary} missing and not root (no sudo) to apt-get install ${package}"
            return 1
        fi
    fi
    _tessera_log "run: apt-get update && apt-get install -y ${package}"
    ${sudo} env DEBIAN_FRONTEND=noninteractive apt-get update || return 1
    ${sudo} env DEBIAN_FRONTEND=noninteractive apt-get install -y "${package}" || return 1
    if [[ ! -x "${binary}" ]]; then
        _tessera_err "apt-get install ${package} finished but ${binary} is missing"
        return 1
    fi
}

# Test-only dependency: Debian's Chromium at /usr/bin/chromium (Playwright never downloads browsers).
tessera_setup_browser() {
    if [[ -x /usr/bin/chromium ]]; then
        _tessera_log "skip: /usr/bin/chromium already installed"
        return 0
    fi
    _tessera_apt_install chromium /usr/bin/chromium
}

# Test-only dependency: a real LDAP directory (OpenLDAP's slapd, from Debian's packages) for the
# connector tests, which start their own slapd per case on free ports (never the system's).
# Debian's package also starts no service here (policy-rc.d), and the tests do not need one.
tessera_setup_slapd() {
    if [[ -x /usr/sbin/slapd && -f /etc/ldap/schema/inetorgperson.schema ]]; then
        _tessera_log "skip: slapd already installed (/usr/sbin/slapd)"
        return 0
    fi
    _tessera_apt_install slapd /usr/sbin/slapd
}

# Test-only dependency: a real SMTP server (aiosmtpd from PyPI) in a venv under .tools/smtp; the
# email tests start it and read the messages it stores. TESSERA_SMTP_PYTHON points at it.
tessera_setup_smtp() {
    local venv="${TESSERA_ROOT}/.tools/smtp"
    export TESSERA_SMTP_PYTHON="${venv}/bin/python"
    if [[ -x "${TESSERA_SMTP_PYTHON}" ]] && "${TESSERA_SMTP_PYTHON}" -c 'import aiosmtpd' 2>/dev/null; then
        _tessera_log "skip: aiosmtpd already installed in .tools/smtp"
        return 0
    fi
    _tessera_require python3 || return 1
    _tessera_log "run: python3 -m venv .tools/smtp && pip install aiosmtpd==1.4.6 (test SMTP server)"
    python3 -m venv "${venv}" || return 1
    "${venv}/bin/pip" install --quiet --disable-pip-version-check aiosmtpd==1.4.6 || return 1
}

# The SCIM tools the tests run, from PyPI, in their own venv: the independent compliance
# checkers run against Tessera's SCIM server, scim2-cli (its `test` command runs scim2-tester)
# and scim-sanity (`probe`); and scim2-server, the SCIM application the SCIM connector delivers
# memberships to.
tessera_setup_scim_checker() {
    local venv="${TESSERA_ROOT}/.tools/scim"
    export TESSERA_SCIM_CHECKER="${venv}/bin/scim"
    export TESSERA_SCIM_SERVER="${venv}/bin/scim2-server"
    if [[ -x "${TESSERA_SCIM_CHECKER}" && -x "${venv}/bin/scim-sanity" && -x "${TESSERA_SCIM_SERVER}" ]] \
        && "${venv}/bin/python" -c 'import scim2_tester, scim2_server' 2>/dev/null; then
        _tessera_log "skip: the SCIM tools (scim2-cli with scim2-tester, scim-sanity, scim2-server) are already installed in .tools/scim"
        return 0
    fi
    _tessera_require python3 || return 1
    _tessera_log "run: python3 -m venv .tools/scim && pip install scim2-cli==0.6.0 scim2-tester==0.5.2 scim-sanity==0.7.4 scim2-server==0.8.3 (SCIM tools)"
    python3 -m venv "${venv}" || return 1
    "${venv}/bin/pip" install --quiet --disable-pip-version-check \
        scim2-cli==0.6.0 scim2-tester==0.5.2 scim2-client==0.13.2 scim2-models==0.12.3 \
        scim-sanity==0.7.4 scim2-server==0.8.3 || return 1
}

# Test-only dependency: schemathesis (PyPI), the independent checker the API tests run against
# a running server's OpenAPI document, in its own venv. TESSERA_SCHEMATHESIS points at it.
tessera_setup_schemathesis() {
    local venv="${TESSERA_ROOT}/.tools/schemathesis"
    export TESSERA_SCHEMATHESIS="${venv}/bin/schemathesis"
    if [[ -x "${TESSERA_SCHEMATHESIS}" ]] && "${venv}/bin/python" -c 'import schemathesis' 2>/dev/null; then
        _tessera_log "skip: schemathesis already installed in .tools/schemathesis"
        return 0
    fi
    _tessera_require python3 || return 1
    _tessera_log "run: python3 -m venv .tools/schemathesis && pip install schemathesis==4.32.5 (API checker)"
    python3 -m venv "${venv}" || return 1
    "${venv}/bin/pip" install --quiet --disable-pip-version-check schemathesis==4.32.5 || return 1
}

tessera_setup() {
    local with_browser=0 arg
    for arg in "$@"; do
        case "${arg}" in
            --with-browser) with_browser=1 ;;
            -h|--help) sed -n '2,16p' "${TESSERA_ROOT}/scripts/setup.sh"; return 0 ;;
            *) _tessera_err "unknown argument: ${arg}"; return 2 ;;
        esac
    done
    tessera_env
    _tessera_log "PATH starts with ${TESSERA_ROOT}/end2end/node_modules/.bin and includes ${HOME}/.cargo/bin"
    tessera_setup_wasm_target || return 1
    tessera_setup_npm || return 1
    tessera_setup_wasm_bindgen || return 1
    tessera_setup_cargo_leptos || return 1
    if [[ "${with_browser}" -eq 1 ]]; then
        tessera_setup_browser || return 1
    else
        _tessera_log "skip: browser not requested (--with-browser installs Chromium for the e2e tests)"
    fi
    _tessera_log "done"
}

tessera_env

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    tessera_setup "$@"
fi
