-- The request flow: what was asked, each approval stage with its deciders and decision, and
-- a timeline. A request keeps a snapshot of its policy's stages, so editing the policy never
-- changes a request already in flight.

ALTER TABLE access_package_requests ADD COLUMN justification TEXT NOT NULL DEFAULT '';
ALTER TABLE access_package_requests ADD COLUMN answers_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE access_package_requests ADD COLUMN stages_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE access_package_requests ADD COLUMN stage_no BIGINT NOT NULL DEFAULT 0;
ALTER TABLE access_package_requests ADD COLUMN assignment_id TEXT;
ALTER TABLE access_package_requests ADD COLUMN outcome TEXT NOT NULL DEFAULT '';

CREATE TABLE request_stages (
    request_id    TEXT   NOT NULL,
    stage_no      BIGINT NOT NULL,
    started_at    BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,
    forward_at    BIGINT,
    decision      TEXT,
    decided_by    TEXT,
    decided_at    BIGINT,
    justification TEXT   NOT NULL DEFAULT '',
    CONSTRAINT request_stages_pkey PRIMARY KEY (request_id, stage_no),
    CONSTRAINT request_stages_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests (id) ON DELETE CASCADE,
    CONSTRAINT request_stages_decision_check CHECK (decision IS NULL OR decision IN ('approved', 'denied'))
);
CREATE INDEX request_stages_open_idx ON request_stages (decision, due_at);

CREATE TABLE request_approvers (
    request_id TEXT   NOT NULL,
    stage_no   BIGINT NOT NULL,
    user_id    TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    CONSTRAINT request_approvers_pkey PRIMARY KEY (request_id, stage_no, user_id),
    CONSTRAINT request_approvers_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests (id) ON DELETE CASCADE,
    CONSTRAINT request_approvers_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX request_approvers_user_idx ON request_approvers (user_id, request_id);

CREATE TABLE request_events (
    id         TEXT   NOT NULL,
    request_id TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    actor_id   TEXT,
    text       TEXT   NOT NULL,
    CONSTRAINT request_events_pkey PRIMARY KEY (id),
    CONSTRAINT request_events_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests (id) ON DELETE CASCADE
);
CREATE INDEX request_events_request_idx ON request_events (request_id, at, id);
