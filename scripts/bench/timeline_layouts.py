#!/usr/bin/env python3
"""Bytes a request before and after migration 0028 (the timeline in the request's row) and
audit events without their previous hash, measured on the same rows.

    DATABASE_URL=sqlite:///tmp/demo/after.db LEPTOS_SITE_ROOT=target/site \
      target/release/tessera serve --addr 127.0.0.1:3999 --demo    # stop it once /healthz answers
    python3 scripts/bench/timeline_layouts.py /tmp/demo/after.db /tmp/demo/before.db

The first database holds the lived-in demo as the use cases wrote it (each request's timeline in
its row, `request_events` empty, each audit event with its own hash only). The script copies it and puts the same rows
back in the layout before: the timeline entries as `request_events` rows (with an id,
and the actor where the old code named one) and each audit event's previous hash in
`prev_hash`. It `VACUUM`s both and prints SQLite's `dbstat` bytes per request for each object
that differs. A benchmark aid, not a test; it changes both files.
"""
import shutil, sqlite3, sys, uuid

def decode(s):
    out = []
    while s:
        at, s = s.split(' ', 1)
        kind, s = s.split(' ', 1)
        n, s = s.split(':', 1)
        n = int(n)
        out.append((int(at), kind, s[:n]))
        s = s[n:]
    return out

after, before = sys.argv[1], sys.argv[2]
shutil.copy(after, before)
c = sqlite3.connect(before)
c.executescript("""
DROP TABLE IF EXISTS request_events;
CREATE TABLE request_events (
    id         TEXT   NOT NULL,
    request_id TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    actor_id   TEXT,
    text       TEXT   NOT NULL,
    CONSTRAINT request_events_pkey PRIMARY KEY (request_id, at, id),
    CONSTRAINT request_events_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests (id) ON DELETE CASCADE
);
""")
rows = c.execute("SELECT id, requestor_id, timeline FROM access_package_requests").fetchall()
n = 0
for rid, requestor, tl in rows:
    for at, kind, text in decode(tl):
        # The old code named the person who acted: the requestor, a decider, an administrator.
        actor = requestor if kind in ('submitted', 'approved', 'denied', 'canceled') else None
        c.execute("INSERT INTO request_events VALUES (?,?,?,?,?,?)", (str(uuid.uuid4()), rid, at, kind, actor, text))
        n += 1
c.execute("UPDATE access_package_requests SET timeline = ''")
if "prev_hash" not in [r[1] for r in c.execute("PRAGMA table_info(audit_events)")]:
    c.execute("ALTER TABLE audit_events ADD COLUMN prev_hash TEXT")
c.execute("UPDATE audit_events SET prev_hash = COALESCE((SELECT p.hash FROM audit_events p WHERE p.seq = audit_events.seq - 1), '')")
c.commit()
print(f"{len(rows)} requests, {n} timeline entries moved back into rows")
for path in (after, before):
    d = sqlite3.connect(path)
    d.execute("VACUUM")
    d.close()

def sizes(path):
    d = sqlite3.connect(path)
    return dict(d.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())

a, b = sizes(after), sizes(before)
requests = c.execute("SELECT COUNT(*) FROM access_package_requests").fetchone()[0]
print(f"{'object':45} {'before':>10} {'after':>10}   (bytes a request, {requests} requests)")
for name in sorted(set(a) | set(b), key=lambda k: -(b.get(k, 0) - a.get(k, 0))):
    x, y = b.get(name, 0), a.get(name, 0)
    if x != y:
        print(f"{name:45} {x/requests:10.0f} {y/requests:10.0f}")
print(f"{'whole database':45} {sum(b.values())/requests:10.0f} {sum(a.values())/requests:10.0f}")
print(f"whole database, bytes: before {sum(b.values())}, after {sum(a.values())}")
