-- Ownership delivered too (issue 16): an access package's Owner role, or an owner set directly,
-- of a group linked to an LDAP directory is written to the group's owner attribute (`owner` of
-- groupOfNames, `managedBy` on Active Directory). The outbox therefore keys its rows by role
-- as well: one row per (group, person, role) saying whether the system should hold that role
-- (`holds`, formerly `member`). SCIM 2.0 has no standard attribute for a group's owners, so
-- only LDAP systems get owner rows.
--
-- SQLite cannot change a primary key: the table is rebuilt (nothing refers to it) under new
-- constraint names, because Postgres names a key's index after its constraint and
-- `connector_changes_v2_pkey` exists since 0017.

CREATE TABLE connector_changes_v3 (
    group_id        TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    system_id       TEXT    NOT NULL,
    holds           BIGINT  NOT NULL,
    version         BIGINT  NOT NULL,
    state           TEXT    NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    claimed_until   BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT,
    CONSTRAINT connector_changes_v3_pkey PRIMARY KEY (group_id, user_id, role),
    CONSTRAINT connector_changes_v3_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE CASCADE,
    CONSTRAINT connector_changes_v3_user_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT connector_changes_v3_system_fkey FOREIGN KEY (system_id) REFERENCES connected_systems (id),
    CONSTRAINT connector_changes_v3_role_check CHECK (role IN ('member', 'owner')),
    CONSTRAINT connector_changes_v3_holds_check CHECK (holds IN (0, 1)),
    CONSTRAINT connector_changes_v3_state_check CHECK (state IN ('pending', 'delivered', 'failed'))
);
INSERT INTO connector_changes_v3 (group_id, user_id, role, system_id, holds, version, state,
        attempts, next_attempt_at, claimed_until, last_error, delivered_at)
    SELECT group_id, user_id, 'member', system_id, member, version, state,
        attempts, next_attempt_at, claimed_until, last_error, delivered_at FROM connector_changes;

DROP TABLE connector_changes;
ALTER TABLE connector_changes_v3 RENAME TO connector_changes;
CREATE INDEX connector_changes_due_idx ON connector_changes (next_attempt_at) WHERE state <> 'delivered';
CREATE INDEX connector_changes_system_idx ON connector_changes (system_id, state);
CREATE INDEX connector_changes_user_idx ON connector_changes (user_id) WHERE state <> 'delivered';
