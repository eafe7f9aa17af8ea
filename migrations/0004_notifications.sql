-- Requested periods and direct assignments on requests, ownership granted by assignments,
-- and the in-app notification list.

-- The period a person asked for ("Request for specific period?"); NULL: from approval on,
-- for as long as the policy grants.
ALTER TABLE access_package_requests ADD COLUMN starts_at BIGINT;
ALTER TABLE access_package_requests ADD COLUMN ends_at BIGINT;
-- Who asked: the requestor themselves, or the administrator of a direct assignment.
ALTER TABLE access_package_requests ADD COLUMN created_by TEXT;

-- Ending an assignment withdraws its grants by source.
CREATE INDEX group_members_source_idx ON group_members (source);

-- Group ownership given by an access package's Owner resource role, one row per grant
-- (source 'assignment:<id>'). group_owners keeps the owners set directly; a person owns the
-- group while either table holds them.
CREATE TABLE group_owner_grants (
    group_id   TEXT   NOT NULL,
    user_id    TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT group_owner_grants_pkey PRIMARY KEY (group_id, user_id, source),
    CONSTRAINT group_owner_grants_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE CASCADE,
    CONSTRAINT group_owner_grants_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX group_owner_grants_source_idx ON group_owner_grants (source);

-- Scheduled assignments (a requested period starting later) wait here until they start.
CREATE INDEX access_package_assignments_start_idx ON access_package_assignments (state, starts_at);

-- One row per message to one person. dedupe_key makes each notification exactly-once:
-- inserting the same event twice (a retried job, two server instances) adds nothing.
CREATE TABLE notifications (
    id         TEXT   NOT NULL,
    user_id    TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    title      TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    link       TEXT   NOT NULL,
    dedupe_key TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    CONSTRAINT notifications_pkey PRIMARY KEY (id),
    CONSTRAINT notifications_dedupe_key UNIQUE (dedupe_key),
    CONSTRAINT notifications_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);
CREATE INDEX notifications_unread_idx ON notifications (user_id, read_at);
