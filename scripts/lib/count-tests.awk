# Counts the tests in a `cargo test` log by step. Each crate has one integration-test binary
# (`tests/it/main.rs`), so a test's step is read from its path, not from its binary:
#   unit         unittests and doc-tests
#   http         `http::…`, `authz::…`, `scim::…` and `oidc::…` (server/tests/it: the HTTP
#                cases, the matrix, the SCIM service, single sign-on's routes)
#   cli          `cli::…` (server/tests/it: the `tessera` binary)
#   drills       `drills::…` (server/tests/it: real `tessera` processes killed, doubled, their
#                database restarted; the soak is ignored)
#   integration  every other module of an integration binary (domain/tests/it)
# integration and http are split by database: `…::sqlite`, `…::postgres`, and the rest.
# Prints "step<TAB>passed<TAB>failed<TAB>ignored" per step.
#   awk -f scripts/lib/count-tests.awk cargo-test.log
/^ *Running unittests / { section = "unit"; next }
/^ *Doc-tests /         { section = "unit"; next }
/^ *Running /           { section = "integration"; next }
/^test .* \.\.\. / {
    s = section
    if (section == "integration") {
        if ($2 ~ /^(http|authz|scim|oidc)::/) s = "http"
        else if ($2 ~ /^cli::/) s = "cli"
        else if ($2 ~ /^drills::/) s = "drills"
    }
    if (s == "integration" || s == "http") {
        if ($2 ~ /::sqlite$/) s = s " (SQLite)"
        else if ($2 ~ /::postgres$/) s = s " (PostgreSQL)"
        else s = s " (other)"
    }
    if ($NF == "ok") pass[s]++
    else if ($NF == "FAILED") fail[s]++
    else if ($NF == "ignored" || $(NF-1) ~ /^ignored,/) ign[s]++
    seen[s] = 1
}
END {
    for (s in seen) printf "%s\t%d\t%d\t%d\n", s, pass[s], fail[s], ign[s]
}
