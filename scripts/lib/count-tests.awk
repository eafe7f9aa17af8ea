# Counts the tests in a `cargo test` log by step: unit (unittests and doc-tests), integration
# per database (domain/tests: cases named `…::sqlite` / `…::postgres`, and the rest), HTTP
# (server/tests/http.rs and the authorization matrix in authz.rs)
# and CLI (server/tests). Prints "step<TAB>passed<TAB>failed<TAB>ignored" per step.
#   awk -f scripts/lib/count-tests.awk cargo-test.log
/^ *Running unittests / { step = "unit"; next }
/^ *Doc-tests /         { step = "unit"; next }
/^ *Running tests\/(http|authz)\.rs/ { step = "http"; next }
/^ *Running tests\/cli\.rs/  { step = "cli"; next }
/^ *Running tests\//    { step = "integration"; next }
/^test .* \.\.\. / {
    s = step
    if (step == "integration" || step == "http") {
        if ($2 ~ /::sqlite$/) s = step " (SQLite)"
        else if ($2 ~ /::postgres$/) s = step " (PostgreSQL)"
        else s = step " (other)"
    }
    if ($NF == "ok") pass[s]++
    else if ($NF == "FAILED") fail[s]++
    else if ($NF == "ignored") ign[s]++
    seen[s] = 1
}
END {
    for (s in seen) printf "%s\t%d\t%d\t%d\n", s, pass[s], fail[s], ign[s]
}
