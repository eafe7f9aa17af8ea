#!/usr/bin/env bash
# The scheduler's run at 100,000 people with the jobs' indexes of migration 0029 (partial: live
# rows only) against the same database with the indexes before it, on the same rows.
#
#   scripts/bench/live_indexes.sh sqlite /tmp/bench100k.db      # a seeded file at migration 0028
#   scripts/bench/live_indexes.sh postgres bench100k            # a seeded database at 0028
#
# The seeded source is made once as in docs/BENCHMARKS.md ("The scheduler at 100,000 people"),
# with the binary of the version before (it stops at 0028). Each variant is a fresh copy of it,
# migrated by this version's binary; "before" then puts the 0028 indexes back. Then
# `jobs run --at +61 days`, its job lines and `time -v`'s figures. A benchmark aid, not a test.
set -euo pipefail
backend=$1 source=$2
bin=${TESSERA_BIN:-target/release/tessera}
at=$(date -u -d '+61 days' +%FT%TZ)
before_sql="
DROP INDEX access_package_assignments_end_idx;
CREATE INDEX access_package_assignments_end_idx ON access_package_assignments (state, ends_at);
DROP INDEX access_package_assignments_remind_idx;
CREATE INDEX access_package_assignments_remind_idx ON access_package_assignments (reminders_sent, ends_at);
DROP INDEX access_package_assignments_start_idx;
CREATE INDEX access_package_assignments_start_idx ON access_package_assignments (state, starts_at);
DROP INDEX access_package_assignments_user_idx;
CREATE INDEX access_package_assignments_user_idx ON access_package_assignments (user_id, state);
DROP INDEX request_stages_open_idx;
CREATE INDEX request_stages_open_idx ON request_stages (decision, due_at);
DROP INDEX request_stages_forward_idx;
CREATE INDEX request_stages_forward_idx ON request_stages (decision, forwarded_at, forward_at);
DROP INDEX request_stages_remind_idx;
CREATE INDEX request_stages_remind_idx ON request_stages (decision, reminded_at, remind_at);
"
for variant in ${VARIANTS:-after before}; do
  echo "== $backend, $variant"
  case $backend in
    sqlite)
      copy=/tmp/live-indexes-$variant.db
      rm -f "$copy" "$copy-wal" "$copy-shm"
      python3 -c "import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d)" "$source" "$copy"
      export DATABASE_URL=sqlite://$copy
      "$bin" migrate >/dev/null 2>&1
      if [ "$variant" = before ]; then python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)')" "$copy" "$before_sql"; fi
      ;;
    postgres)
      copy=live_indexes_$variant
      psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $copy" -c "CREATE DATABASE $copy TEMPLATE $source" 2>/dev/null
      export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$copy
      "$bin" migrate >/dev/null 2>&1
      if [ "$variant" = before ]; then psql -q -h 127.0.0.1 -U postgres -d "$copy" -c "$before_sql" >/dev/null; fi
      psql -q -h 127.0.0.1 -U postgres -d "$copy" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
      ;;
  esac
  RUST_LOG=info,sqlx=warn NO_COLOR=1 /usr/bin/time -v "$bin" jobs run --at "$at" 2>&1 \
    | grep -E 'job done|Elapsed|Maximum resident|System time|User time' | sed -E 's/^.*INFO domain::jobs: //'
done
