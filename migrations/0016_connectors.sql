-- Connected systems (issue 16): Tessera's grants delivered to the directories where they matter.
--
-- * connected_systems: a directory (LDAP / Active Directory) an administrator connected, with
--   its settings (JSON, no secret) and its bind password sealed with the key from the
--   environment (TESSERA_SECRET_KEY or TESSERA_SECRET_KEY_FILE); the password is never shown
--   again nor logged.
-- * group_links: a Tessera group linked to a group of a connected system (its DN). Every
--   membership of a linked group that begins or ends is written, in the same transaction, to
-- * connector_changes: the outbox. One row per (group, person): what the connected system
--   should hold now (member 1 or 0) and a version that every change moves. The delivery job
--   claims a row (claimed_until), sets the membership in the system, and records the outcome
--   only if the version did not move meanwhile; a newer change is delivered next. So a change
--   is never lost, two instances never deliver one row at once, and the system ends with the
--   last state whatever the order of the changes.
--   state: pending (being delivered), delivered, failed (retried with backoff until
--   next_attempt_at is NULL: then only an administrator's Reprocess sends it again).
--
-- Reconciliation: every hour each system's linked groups are compared with the grants Tessera
-- holds (drift: members added or removed outside Tessera), reported on the link and, when the
-- system's policy says so, corrected. A system is claimed for it (reconcile_claimed_until) so
-- two instances never check one system at once.
CREATE TABLE connected_systems (
    id         TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    name_key   TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    settings   TEXT   NOT NULL,
    secret     TEXT,
    reconciled_at           BIGINT,
    reconcile_claimed_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT connected_systems_pkey PRIMARY KEY (id),
    CONSTRAINT connected_systems_name_key UNIQUE (name_key),
    CONSTRAINT connected_systems_kind_check CHECK (kind IN ('ldap'))
);

CREATE TABLE group_links (
    group_id    TEXT   NOT NULL,
    system_id   TEXT   NOT NULL,
    external_id TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    -- The last reconciliation: when, what it found (members the directory holds that Tessera
    -- does not grant; members Tessera grants that the directory lacks), a few of them by
    -- name, whether they were corrected, and the error that stopped it.
    checked_at    BIGINT,
    drift_extra   BIGINT NOT NULL DEFAULT 0,
    drift_missing BIGINT NOT NULL DEFAULT 0,
    drift_sample  TEXT,
    corrected     BIGINT NOT NULL DEFAULT 0,
    check_error   TEXT,
    CONSTRAINT group_links_pkey PRIMARY KEY (group_id),
    CONSTRAINT group_links_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE CASCADE,
    CONSTRAINT group_links_system_fkey FOREIGN KEY (system_id) REFERENCES connected_systems (id)
);
CREATE INDEX group_links_system_idx ON group_links (system_id);

CREATE TABLE connector_changes (
    group_id        TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    system_id       TEXT    NOT NULL,
    member          BIGINT  NOT NULL,
    version         BIGINT  NOT NULL,
    state           TEXT    NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    claimed_until   BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT,
    CONSTRAINT connector_changes_pkey PRIMARY KEY (group_id, user_id),
    CONSTRAINT connector_changes_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE CASCADE,
    CONSTRAINT connector_changes_user_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT connector_changes_system_fkey FOREIGN KEY (system_id) REFERENCES connected_systems (id),
    CONSTRAINT connector_changes_member_check CHECK (member IN (0, 1)),
    CONSTRAINT connector_changes_state_check CHECK (state IN ('pending', 'delivered', 'failed'))
);
-- What the delivery job takes next: undelivered rows by when they are due.
CREATE INDEX connector_changes_due_idx ON connector_changes (next_attempt_at) WHERE state <> 'delivered';
-- A system's failures and a person's undelivered changes (the queue, the request's state).
CREATE INDEX connector_changes_system_idx ON connector_changes (system_id, state);
CREATE INDEX connector_changes_user_idx ON connector_changes (user_id) WHERE state <> 'delivered';
