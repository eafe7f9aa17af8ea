-- Connected systems of a second kind (issue 16): applications that speak SCIM 2.0 as a service
-- provider, beside LDAP directories. `connected_systems.kind` may now be 'scim'; its settings
-- are the SCIM base URL and how people are matched, its secret the sealed bearer token, and a
-- linked group's external_id is the SCIM group's id.
--
-- SQLite cannot change a CHECK constraint, so the three tables are rebuilt as 0008 rebuilt
-- its own: the children first point at the new parent (`…_v2`), the old tables go children
-- first (nothing refers to the old parent any more), and the renames make SQLite rewrite the
-- children's references to the parent's final name.

CREATE TABLE connected_systems_v2 (
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
    CONSTRAINT connected_systems_v2_pkey PRIMARY KEY (id),
    CONSTRAINT connected_systems_v2_name_key UNIQUE (name_key),
    CONSTRAINT connected_systems_kind_check_v2 CHECK (kind IN ('ldap', 'scim'))
);
INSERT INTO connected_systems_v2 (id, name, name_key, kind, settings, secret, reconciled_at,
        reconcile_claimed_until, created_at, updated_at)
    SELECT id, name, name_key, kind, settings, secret, reconciled_at,
        reconcile_claimed_until, created_at, updated_at FROM connected_systems;

CREATE TABLE group_links_v2 (
    group_id    TEXT   NOT NULL,
    system_id   TEXT   NOT NULL,
    external_id TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    checked_at    BIGINT,
    drift_extra   BIGINT NOT NULL DEFAULT 0,
    drift_missing BIGINT NOT NULL DEFAULT 0,
    drift_sample  TEXT,
    corrected     BIGINT NOT NULL DEFAULT 0,
    check_error   TEXT,
    CONSTRAINT group_links_v2_pkey PRIMARY KEY (group_id),
    CONSTRAINT group_links_v2_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE CASCADE,
    CONSTRAINT group_links_v2_system_fkey FOREIGN KEY (system_id) REFERENCES connected_systems_v2 (id)
);
INSERT INTO group_links_v2 (group_id, system_id, external_id, created_at, checked_at, drift_extra,
        drift_missing, drift_sample, corrected, check_error)
    SELECT group_id, system_id, external_id, created_at, checked_at, drift_extra,
        drift_missing, drift_sample, corrected, check_error FROM group_links;

CREATE TABLE connector_changes_v2 (
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
    CONSTRAINT connector_changes_v2_pkey PRIMARY KEY (group_id, user_id),
    CONSTRAINT connector_changes_v2_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE CASCADE,
    CONSTRAINT connector_changes_v2_user_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT connector_changes_v2_system_fkey FOREIGN KEY (system_id) REFERENCES connected_systems_v2 (id),
    CONSTRAINT connector_changes_v2_member_check CHECK (member IN (0, 1)),
    CONSTRAINT connector_changes_v2_state_check CHECK (state IN ('pending', 'delivered', 'failed'))
);
INSERT INTO connector_changes_v2 (group_id, user_id, system_id, member, version, state, attempts,
        next_attempt_at, claimed_until, last_error, delivered_at)
    SELECT group_id, user_id, system_id, member, version, state, attempts,
        next_attempt_at, claimed_until, last_error, delivered_at FROM connector_changes;

DROP TABLE connector_changes;
DROP TABLE group_links;
DROP TABLE connected_systems;
ALTER TABLE connected_systems_v2 RENAME TO connected_systems;
ALTER TABLE group_links_v2 RENAME TO group_links;
ALTER TABLE connector_changes_v2 RENAME TO connector_changes;
CREATE INDEX group_links_system_idx ON group_links (system_id);
CREATE INDEX connector_changes_due_idx ON connector_changes (next_attempt_at) WHERE state <> 'delivered';
CREATE INDEX connector_changes_system_idx ON connector_changes (system_id, state);
CREATE INDEX connector_changes_user_idx ON connector_changes (user_id) WHERE state <> 'delivered';
