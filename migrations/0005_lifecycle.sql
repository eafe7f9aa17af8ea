-- The lifecycle engine: approval deadlines and forwarding, assignment expiry and reminders,
-- the email outbox, per-item job retries and the tamper-evident audit chain.

-- request_stages is rebuilt so a stage can be closed as 'expired' by the deadline job through
-- the same guard the deciders use (`… WHERE decision IS NULL`): SQLite cannot change a CHECK
-- constraint in place. New columns: when to remind the approvers (the stage's midpoint) and
-- when the reminder and the forward to alternate approvers were done (each happens once).
CREATE TABLE request_stages_v2 (
    request_id    TEXT   NOT NULL,
    stage_no      BIGINT NOT NULL,
    started_at    BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,
    forward_at    BIGINT,
    decision      TEXT,
    decided_by    TEXT,
    decided_at    BIGINT,
    justification TEXT   NOT NULL DEFAULT '',
    remind_at     BIGINT,
    reminded_at   BIGINT,
    forwarded_at  BIGINT,
    CONSTRAINT request_stages_v2_pkey PRIMARY KEY (request_id, stage_no),
    CONSTRAINT request_stages_v2_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests (id) ON DELETE CASCADE,
    CONSTRAINT request_stages_v2_decision_check CHECK (decision IS NULL OR decision IN ('approved', 'denied', 'expired'))
);
INSERT INTO request_stages_v2 (request_id, stage_no, started_at, due_at, forward_at, decision, decided_by, decided_at, justification, remind_at)
    SELECT request_id, stage_no, started_at, due_at, forward_at, decision, decided_by, decided_at, justification,
           started_at + (due_at - started_at) / 2
    FROM request_stages;
DROP TABLE request_stages;
ALTER TABLE request_stages_v2 RENAME TO request_stages;
CREATE INDEX request_stages_open_idx ON request_stages (decision, due_at);
CREATE INDEX request_stages_forward_idx ON request_stages (decision, forwarded_at, forward_at);
CREATE INDEX request_stages_remind_idx ON request_stages (decision, reminded_at, remind_at);

-- Expiry and its reminders: 0 none sent, 1 the 14-day one, 2 the 1-day one.
ALTER TABLE access_package_assignments ADD COLUMN reminders_sent BIGINT NOT NULL DEFAULT 0;
CREATE INDEX access_package_assignments_end_idx ON access_package_assignments (state, ends_at);
CREATE INDEX access_package_assignments_remind_idx ON access_package_assignments (reminders_sent, ends_at);

-- The email side of the notification outbox. email_state: 'pending' (to send at
-- email_next_at), 'sending' (claimed by one sender until email_claimed_until), 'sent',
-- 'failed' (gave up after the last attempt; shown to admins), 'stale' (too old when mail
-- was first configured).
ALTER TABLE notifications ADD COLUMN email_state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE notifications ADD COLUMN email_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN email_next_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN email_claimed_until BIGINT;
ALTER TABLE notifications ADD COLUMN email_sent_at BIGINT;
ALTER TABLE notifications ADD COLUMN email_error TEXT NOT NULL DEFAULT '';
CREATE INDEX notifications_email_idx ON notifications (email_state, email_next_at);

-- A job item that failed waits here until its next attempt; the job skips it until then.
CREATE TABLE job_failures (
    job         TEXT   NOT NULL,
    item_id     TEXT   NOT NULL,
    attempts    BIGINT NOT NULL,
    next_at     BIGINT NOT NULL,
    last_error  TEXT   NOT NULL,
    updated_at  BIGINT NOT NULL,
    CONSTRAINT job_failures_pkey PRIMARY KEY (job, item_id)
);

-- The audit chain: each event carries its place (seq) and a SHA-256 over its content and the
-- previous event's hash. audit_head is the one row every appender updates first, which
-- serializes appenders on Postgres (the row lock) as BEGIN IMMEDIATE does on SQLite.
ALTER TABLE audit_events ADD COLUMN seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
-- The correlation id of the HTTP request (X-Request-Id) or job run that wrote the event.
ALTER TABLE audit_events ADD COLUMN request_id TEXT;
CREATE UNIQUE INDEX audit_events_seq_idx ON audit_events (seq);
CREATE INDEX audit_events_action_idx ON audit_events (action, at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, at);
CREATE TABLE audit_head (
    id   BIGINT NOT NULL,
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL,
    CONSTRAINT audit_head_pkey PRIMARY KEY (id)
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
