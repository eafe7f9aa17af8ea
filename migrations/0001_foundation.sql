-- Tessera's foundation: the directory, sign-in, sessions, catalogs and the audit trail.
-- Portable across SQLite and PostgreSQL: ids are TEXT (UUIDv7), instants are BIGINT
-- milliseconds since the Unix epoch (UTC), flags are BIGINT 0/1. Every constraint is named
-- so the store can turn a violation into a field-level message.

CREATE TABLE users (
    id              TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    user_type       TEXT    NOT NULL,
    manager_id      TEXT,
    department      TEXT    NOT NULL DEFAULT '',
    job_title       TEXT    NOT NULL DEFAULT '',
    enabled         BIGINT  NOT NULL DEFAULT 1,
    password_hash   TEXT,
    last_sign_in_at BIGINT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_manager_fkey FOREIGN KEY (manager_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT users_user_type_check CHECK (user_type IN ('member', 'guest')),
    CONSTRAINT users_enabled_check CHECK (enabled IN (0, 1)),
    CONSTRAINT users_not_own_manager CHECK (manager_id IS NULL OR manager_id <> id)
);
CREATE INDEX users_manager_idx ON users (manager_id);
CREATE INDEX users_sort_idx ON users (lower(display_name), id);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL,
    role    TEXT NOT NULL,
    CONSTRAINT user_roles_pkey PRIMARY KEY (user_id, role),
    CONSTRAINT user_roles_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE directory_groups (
    id          TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    name_key    TEXT   NOT NULL,
    description TEXT   NOT NULL DEFAULT '',
    kind        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CONSTRAINT directory_groups_pkey PRIMARY KEY (id),
    CONSTRAINT directory_groups_name_key UNIQUE (name_key),
    CONSTRAINT directory_groups_kind_check CHECK (kind IN ('security', 'microsoft365'))
);

CREATE TABLE group_owners (
    group_id TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    CONSTRAINT group_owners_pkey PRIMARY KEY (group_id, user_id),
    CONSTRAINT group_owners_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE CASCADE,
    CONSTRAINT group_owners_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

-- One row per grant: a person is a member while at least one row holds them.
-- source is 'direct' or 'assignment:<assignment id>'.
CREATE TABLE group_members (
    group_id   TEXT   NOT NULL,
    user_id    TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT group_members_pkey PRIMARY KEY (group_id, user_id, source),
    CONSTRAINT group_members_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE CASCADE,
    CONSTRAINT group_members_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX group_members_user_idx ON group_members (user_id, group_id);

CREATE TABLE licenses (
    id         TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    name_key   TEXT   NOT NULL,
    seats      BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT licenses_pkey PRIMARY KEY (id),
    CONSTRAINT licenses_name_key UNIQUE (name_key),
    CONSTRAINT licenses_seats_check CHECK (seats >= 0)
);

CREATE TABLE group_licenses (
    group_id   TEXT NOT NULL,
    license_id TEXT NOT NULL,
    CONSTRAINT group_licenses_pkey PRIMARY KEY (group_id, license_id),
    CONSTRAINT group_licenses_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE RESTRICT,
    CONSTRAINT group_licenses_license_fkey FOREIGN KEY (license_id) REFERENCES licenses (id) ON DELETE CASCADE
);
CREATE INDEX group_licenses_license_idx ON group_licenses (license_id, group_id);

CREATE TABLE catalogs (
    id               TEXT   NOT NULL,
    name             TEXT   NOT NULL,
    name_key         TEXT   NOT NULL,
    description      TEXT   NOT NULL DEFAULT '',
    enabled          BIGINT NOT NULL DEFAULT 1,
    external_enabled BIGINT NOT NULL DEFAULT 0,
    built_in         BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    CONSTRAINT catalogs_pkey PRIMARY KEY (id),
    CONSTRAINT catalogs_name_key UNIQUE (name_key)
);
INSERT INTO catalogs (id, name, name_key, description, enabled, external_enabled, built_in, created_at, updated_at)
VALUES ('00000000-0000-7000-8000-000000000001', 'General', 'general', 'Built-in catalog', 1, 0, 1, 0, 0);

CREATE TABLE catalog_role_assignments (
    catalog_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    role       TEXT NOT NULL,
    CONSTRAINT catalog_role_assignments_pkey PRIMARY KEY (catalog_id, user_id, role),
    CONSTRAINT catalog_role_assignments_catalog_fkey FOREIGN KEY (catalog_id) REFERENCES catalogs (id) ON DELETE CASCADE,
    CONSTRAINT catalog_role_assignments_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX catalog_role_assignments_user_idx ON catalog_role_assignments (user_id);

-- Append-only: the application never updates or deletes a row here.
CREATE TABLE audit_events (
    id          TEXT   NOT NULL,
    at          BIGINT NOT NULL,
    actor_id    TEXT,
    action      TEXT   NOT NULL,
    target_type TEXT   NOT NULL,
    target_id   TEXT   NOT NULL,
    summary     TEXT   NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    CONSTRAINT audit_events_pkey PRIMARY KEY (id)
);
CREATE INDEX audit_events_at_idx ON audit_events (at, id);
CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id);

CREATE TABLE sign_in_throttle (
    email           TEXT   NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until    BIGINT,
    CONSTRAINT sign_in_throttle_pkey PRIMARY KEY (email)
);

CREATE TABLE sessions (
    id          TEXT   NOT NULL,
    data        TEXT   NOT NULL,
    expiry_date BIGINT NOT NULL,
    CONSTRAINT sessions_pkey PRIMARY KEY (id)
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry_date);
