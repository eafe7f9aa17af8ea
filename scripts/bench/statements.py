#!/usr/bin/env python3
"""Statements per write use case, from a server log with sqlx's statement events.

    TESSERA_BENCH_RUST_LOG="warn,sqlx::query=debug,domain::service::requests=info" \
    TESSERA_BENCH_SERVER_LOG=/tmp/server.log \
      target/release/examples/bench --users 2000 --packages 20 --assignments 5000 \
        --seconds 1 --runs 1 --no-scheduler --connections 4 --out /tmp/count.json
    scripts/bench/statements.py /tmp/server.log

Each submit_request / decide_stage span (`decide` in logs before its rename) (one per call: the bench never repeats a pair or a request)
gets its statements counted and their `elapsed` summed; then each statement's count per call.
A benchmark aid, not a test.
"""
import collections
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")
EVENT = re.compile(
    r'DEBUG ((?:submit_request|decide_stage|decide)\{[^}]*\})[^:]*: sqlx::query: summary="([^"]*)".*?elapsed_secs=([0-9.e-]+)'
)


def main(path: str) -> None:
    calls = collections.defaultdict(list)
    with open(path, errors="replace") as log:
        for line in log:
            if "sqlx::query" not in line:
                continue
            m = EVENT.search(ANSI.sub("", line))
            if m:
                calls[m.group(1)].append((m.group(2), float(m.group(3))))
    for kind in ("submit_request", "decide_stage", "decide"):
        spans = [v for k, v in calls.items() if k.startswith(kind + "{")]
        if not spans:
            continue
        n = len(spans)
        shapes = collections.Counter(len(v) for v in spans)
        seconds = sum(sum(e for _, e in v) for v in spans)
        print(f"== {kind}: {n} calls; statements per call: {sorted(shapes.items())}")
        print(f"   mean time in statements {1000 * seconds / n:.2f} ms a call")
        per = collections.Counter(s for v in spans for s, _ in v)
        for statement, count in per.most_common():
            print(f"   {count / n:5.2f}  {statement}")


if __name__ == "__main__":
    main(sys.argv[1])
