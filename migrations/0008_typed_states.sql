-- States and kinds are checked by the database too (issue 12): a request's state and kind,
-- an assignment's state, a notification's kind, link and e-mail state. The codes are those of
-- domain::model::states; the application refuses to read any other value. A notification's
-- link becomes the name of the place (`approvals`) instead of its path: the web layer owns
-- the paths.
--
-- SQLite cannot add a CHECK constraint to a table, so each table is rebuilt (as 0005 did for
-- request_stages). A parent cannot simply be dropped: with foreign keys on, DROP TABLE deletes
-- its rows first and ON DELETE CASCADE would empty the children. So the children are rebuilt
-- too, pointing at the new parent (`…_v2`); the old children go first, then the old parent
-- (nothing refers to it any more), and the renames make SQLite rewrite the children's
-- references to the parent's final name. PostgreSQL runs the same statements; there the
-- rebuilt tables keep their `…_v2`/`…_v3` constraint and index names (as request_stages did
-- after 0005): nothing names them, and `ON CONFLICT (column)` finds its index by column.

-- Requests and their children ------------------------------------------------------------
CREATE TABLE access_package_requests_v2 (
    id                TEXT   NOT NULL,
    package_id        TEXT   NOT NULL,
    policy_id         TEXT,
    requestor_id      TEXT   NOT NULL,
    request_type      TEXT   NOT NULL,
    state             TEXT   NOT NULL,
    open_key          TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    justification     TEXT   NOT NULL DEFAULT '',
    answers_json      TEXT   NOT NULL DEFAULT '[]',
    stages_json       TEXT   NOT NULL DEFAULT '[]',
    stage_no          BIGINT NOT NULL DEFAULT 0,
    assignment_id     TEXT,
    outcome           TEXT   NOT NULL DEFAULT '',
    starts_at         BIGINT,
    ends_at           BIGINT,
    created_by        TEXT,
    CONSTRAINT access_package_requests_v2_pkey PRIMARY KEY (id),
    CONSTRAINT access_package_requests_v2_open_key UNIQUE (open_key),
    CONSTRAINT access_package_requests_v2_package_fkey FOREIGN KEY (package_id) REFERENCES access_packages (id) ON DELETE CASCADE,
    CONSTRAINT access_package_requests_v2_policy_fkey FOREIGN KEY (policy_id) REFERENCES access_package_policies (id) ON DELETE SET NULL,
    CONSTRAINT access_package_requests_v2_requestor_fkey FOREIGN KEY (requestor_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT access_package_requests_state_check CHECK (state IN ('submitted', 'pendingApproval', 'delivered', 'denied', 'canceled', 'expired')),
    CONSTRAINT access_package_requests_type_check CHECK (request_type IN ('userAdd', 'userExtend', 'adminAdd'))
);
INSERT INTO access_package_requests_v2 (id, package_id, policy_id, requestor_id, request_type, state, open_key,
        created_at, updated_at, justification, answers_json, stages_json, stage_no, assignment_id, outcome,
        starts_at, ends_at, created_by)
    SELECT id, package_id, policy_id, requestor_id, request_type, state, open_key,
        created_at, updated_at, justification, answers_json, stages_json, stage_no, assignment_id, outcome,
        starts_at, ends_at, created_by
    FROM access_package_requests;

CREATE TABLE request_stages_v3 (
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
    CONSTRAINT request_stages_v3_pkey PRIMARY KEY (request_id, stage_no),
    CONSTRAINT request_stages_v3_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests_v2 (id) ON DELETE CASCADE,
    CONSTRAINT request_stages_v3_decision_check CHECK (decision IS NULL OR decision IN ('approved', 'denied', 'expired'))
);
INSERT INTO request_stages_v3 (request_id, stage_no, started_at, due_at, forward_at, decision, decided_by,
        decided_at, justification, remind_at, reminded_at, forwarded_at)
    SELECT request_id, stage_no, started_at, due_at, forward_at, decision, decided_by,
        decided_at, justification, remind_at, reminded_at, forwarded_at
    FROM request_stages;

CREATE TABLE request_approvers_v2 (
    request_id TEXT   NOT NULL,
    stage_no   BIGINT NOT NULL,
    user_id    TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    CONSTRAINT request_approvers_v2_pkey PRIMARY KEY (request_id, stage_no, user_id),
    CONSTRAINT request_approvers_v2_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests_v2 (id) ON DELETE CASCADE,
    CONSTRAINT request_approvers_v2_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
INSERT INTO request_approvers_v2 (request_id, stage_no, user_id, source)
    SELECT request_id, stage_no, user_id, source FROM request_approvers;

CREATE TABLE request_events_v2 (
    id         TEXT   NOT NULL,
    request_id TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    actor_id   TEXT,
    text       TEXT   NOT NULL,
    CONSTRAINT request_events_v2_pkey PRIMARY KEY (id),
    CONSTRAINT request_events_v2_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests_v2 (id) ON DELETE CASCADE
);
INSERT INTO request_events_v2 (id, request_id, at, kind, actor_id, text)
    SELECT id, request_id, at, kind, actor_id, text FROM request_events;

DROP TABLE request_stages;
DROP TABLE request_approvers;
DROP TABLE request_events;
DROP TABLE access_package_requests;
ALTER TABLE access_package_requests_v2 RENAME TO access_package_requests;
ALTER TABLE request_stages_v3 RENAME TO request_stages;
ALTER TABLE request_approvers_v2 RENAME TO request_approvers;
ALTER TABLE request_events_v2 RENAME TO request_events;
CREATE INDEX access_package_requests_package_idx ON access_package_requests (package_id, state);
CREATE INDEX access_package_requests_requestor_idx ON access_package_requests (requestor_id, created_at);
CREATE INDEX access_package_requests_policy_idx ON access_package_requests (policy_id, open_key);
CREATE INDEX request_stages_open_idx ON request_stages (decision, due_at);
CREATE INDEX request_stages_forward_idx ON request_stages (decision, forwarded_at, forward_at);
CREATE INDEX request_stages_remind_idx ON request_stages (decision, reminded_at, remind_at);
CREATE INDEX request_approvers_user_idx ON request_approvers (user_id, request_id);
CREATE INDEX request_events_request_idx ON request_events (request_id, at, id);

-- Assignments and the review items that point at them ---------------------------------------
CREATE TABLE access_package_assignments_v2 (
    id             TEXT   NOT NULL,
    package_id     TEXT   NOT NULL,
    policy_id      TEXT,
    user_id        TEXT   NOT NULL,
    state          TEXT   NOT NULL,
    active_key     TEXT,
    starts_at      BIGINT NOT NULL,
    ends_at        BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    reminders_sent BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT access_package_assignments_v2_pkey PRIMARY KEY (id),
    CONSTRAINT access_package_assignments_v2_active_key UNIQUE (active_key),
    CONSTRAINT access_package_assignments_v2_package_fkey FOREIGN KEY (package_id) REFERENCES access_packages (id) ON DELETE CASCADE,
    CONSTRAINT access_package_assignments_v2_policy_fkey FOREIGN KEY (policy_id) REFERENCES access_package_policies (id) ON DELETE SET NULL,
    CONSTRAINT access_package_assignments_v2_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT access_package_assignments_state_check CHECK (state IN ('scheduled', 'delivered', 'expired', 'removed'))
);
INSERT INTO access_package_assignments_v2 (id, package_id, policy_id, user_id, state, active_key, starts_at,
        ends_at, created_at, updated_at, reminders_sent)
    SELECT id, package_id, policy_id, user_id, state, active_key, starts_at,
        ends_at, created_at, updated_at, reminders_sent
    FROM access_package_assignments;

CREATE TABLE review_items_v2 (
    review_id      TEXT   NOT NULL,
    assignment_id  TEXT   NOT NULL,
    user_id        TEXT   NOT NULL,
    recommendation TEXT   NOT NULL,
    signed_in_at   BIGINT,
    decision       TEXT,
    justification  TEXT   NOT NULL DEFAULT '',
    decided_by     TEXT,
    decided_at     BIGINT,
    result         TEXT,
    applied_at     BIGINT,
    CONSTRAINT review_items_v2_pkey PRIMARY KEY (review_id, assignment_id),
    CONSTRAINT review_items_v2_review_fkey FOREIGN KEY (review_id) REFERENCES access_reviews (id) ON DELETE CASCADE,
    CONSTRAINT review_items_v2_assignment_fkey FOREIGN KEY (assignment_id) REFERENCES access_package_assignments_v2 (id) ON DELETE CASCADE,
    CONSTRAINT review_items_v2_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT review_items_v2_recommendation_check CHECK (recommendation IN ('approve', 'deny')),
    CONSTRAINT review_items_v2_decision_check CHECK (decision IS NULL OR decision IN ('approve', 'deny', 'dontKnow')),
    CONSTRAINT review_items_v2_result_check CHECK (result IS NULL OR result IN ('kept', 'removed'))
);
INSERT INTO review_items_v2 (review_id, assignment_id, user_id, recommendation, signed_in_at, decision,
        justification, decided_by, decided_at, result, applied_at)
    SELECT review_id, assignment_id, user_id, recommendation, signed_in_at, decision,
        justification, decided_by, decided_at, result, applied_at
    FROM review_items;

CREATE TABLE review_reviewers_v2 (
    review_id     TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    reviewer_id   TEXT NOT NULL,
    CONSTRAINT review_reviewers_v2_pkey PRIMARY KEY (review_id, assignment_id, reviewer_id),
    CONSTRAINT review_reviewers_v2_item_fkey FOREIGN KEY (review_id, assignment_id) REFERENCES review_items_v2 (review_id, assignment_id) ON DELETE CASCADE,
    CONSTRAINT review_reviewers_v2_user_fkey FOREIGN KEY (reviewer_id) REFERENCES users (id) ON DELETE CASCADE
);
INSERT INTO review_reviewers_v2 (review_id, assignment_id, reviewer_id)
    SELECT review_id, assignment_id, reviewer_id FROM review_reviewers;

DROP TABLE review_reviewers;
DROP TABLE review_items;
DROP TABLE access_package_assignments;
ALTER TABLE access_package_assignments_v2 RENAME TO access_package_assignments;
ALTER TABLE review_items_v2 RENAME TO review_items;
ALTER TABLE review_reviewers_v2 RENAME TO review_reviewers;
CREATE INDEX access_package_assignments_package_idx ON access_package_assignments (package_id, state);
CREATE INDEX access_package_assignments_policy_idx ON access_package_assignments (policy_id, state);
CREATE INDEX access_package_assignments_user_idx ON access_package_assignments (user_id, state);
CREATE INDEX access_package_assignments_start_idx ON access_package_assignments (state, starts_at);
CREATE INDEX access_package_assignments_end_idx ON access_package_assignments (state, ends_at);
CREATE INDEX access_package_assignments_remind_idx ON access_package_assignments (reminders_sent, ends_at);
CREATE INDEX review_items_result_idx ON review_items (review_id, result);
CREATE INDEX review_reviewers_reviewer_idx ON review_reviewers (reviewer_id, review_id);

-- Notifications (nothing points at them) ----------------------------------------------------
CREATE TABLE notifications_v2 (
    id                  TEXT   NOT NULL,
    user_id             TEXT   NOT NULL,
    kind                TEXT   NOT NULL,
    title               TEXT   NOT NULL,
    body                TEXT   NOT NULL,
    link                TEXT   NOT NULL,
    dedupe_key          TEXT   NOT NULL,
    created_at          BIGINT NOT NULL,
    read_at             BIGINT,
    email_state         TEXT   NOT NULL DEFAULT 'pending',
    email_attempts      BIGINT NOT NULL DEFAULT 0,
    email_next_at       BIGINT NOT NULL DEFAULT 0,
    email_claimed_until BIGINT,
    email_sent_at       BIGINT,
    email_error         TEXT   NOT NULL DEFAULT '',
    CONSTRAINT notifications_v2_pkey PRIMARY KEY (id),
    CONSTRAINT notifications_v2_dedupe_key UNIQUE (dedupe_key),
    CONSTRAINT notifications_v2_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT notifications_kind_check CHECK (kind IN ('approvalRequired', 'approvalReminder', 'forwarded',
        'approved', 'denied', 'canceled', 'delivered', 'expired', 'requestExpired', 'expiring', 'accessEnded',
        'reviewStarted', 'reviewReminder')),
    CONSTRAINT notifications_link_check CHECK (link IN ('activeAccess', 'expiredAccess', 'requests',
        'approvals', 'reviews')),
    CONSTRAINT notifications_email_state_check CHECK (email_state IN ('pending', 'sending', 'sent', 'failed', 'stale'))
);
INSERT INTO notifications_v2 (id, user_id, kind, title, body, link, dedupe_key, created_at, read_at,
        email_state, email_attempts, email_next_at, email_claimed_until, email_sent_at, email_error)
    SELECT id, user_id, kind, title, body,
        CASE link
            WHEN '/myaccess?tab=active' THEN 'activeAccess'
            WHEN '/myaccess?tab=expired' THEN 'expiredAccess'
            WHEN '/myaccess/requests' THEN 'requests'
            WHEN '/myaccess/approvals' THEN 'approvals'
            WHEN '/myaccess/reviews' THEN 'reviews'
            ELSE link
        END,
        dedupe_key, created_at, read_at,
        email_state, email_attempts, email_next_at, email_claimed_until, email_sent_at, email_error
    FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_v2 RENAME TO notifications;
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);
CREATE INDEX notifications_unread_idx ON notifications (user_id, read_at);
CREATE INDEX notifications_email_idx ON notifications (email_state, email_next_at);
