-- Access packages: catalog resources, packages, resource roles, policies, separation of
-- duties, and the request/assignment records the request flow fills in. Same portable rules
-- as the foundation (TEXT ids, BIGINT ms instants, BIGINT 0/1 flags, named constraints).

-- The groups a catalog offers to its access packages.
CREATE TABLE catalog_resources (
    catalog_id TEXT   NOT NULL,
    group_id   TEXT   NOT NULL,
    added_at   BIGINT NOT NULL,
    CONSTRAINT catalog_resources_pkey PRIMARY KEY (catalog_id, group_id),
    CONSTRAINT catalog_resources_catalog_fkey FOREIGN KEY (catalog_id) REFERENCES catalogs (id) ON DELETE CASCADE,
    CONSTRAINT catalog_resources_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE RESTRICT
);
CREATE INDEX catalog_resources_group_idx ON catalog_resources (group_id);

CREATE TABLE access_packages (
    id          TEXT   NOT NULL,
    catalog_id  TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    name_key    TEXT   NOT NULL,
    description TEXT   NOT NULL,
    hidden      BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CONSTRAINT access_packages_pkey PRIMARY KEY (id),
    CONSTRAINT access_packages_name_key UNIQUE (catalog_id, name_key),
    CONSTRAINT access_packages_catalog_fkey FOREIGN KEY (catalog_id) REFERENCES catalogs (id) ON DELETE RESTRICT,
    CONSTRAINT access_packages_hidden_check CHECK (hidden IN (0, 1))
);
CREATE INDEX access_packages_name_idx ON access_packages (name_key, id);

-- What an assignment grants. Delivery writes one grant per (assignment, role) with the
-- assignment as grant source (group_members.source = 'assignment:<id>'), so adding or
-- removing a role here is applied to every live assignment of the package in one statement.
CREATE TABLE access_package_resource_roles (
    package_id TEXT   NOT NULL,
    group_id   TEXT   NOT NULL,
    role       TEXT   NOT NULL,
    added_at   BIGINT NOT NULL,
    CONSTRAINT access_package_resource_roles_pkey PRIMARY KEY (package_id, group_id, role),
    CONSTRAINT access_package_resource_roles_package_fkey FOREIGN KEY (package_id) REFERENCES access_packages (id) ON DELETE CASCADE,
    CONSTRAINT access_package_resource_roles_group_fkey FOREIGN KEY (group_id) REFERENCES directory_groups (id) ON DELETE RESTRICT,
    CONSTRAINT access_package_resource_roles_role_check CHECK (role IN ('member', 'owner'))
);
CREATE INDEX access_package_resource_roles_group_idx ON access_package_resource_roles (group_id);

-- A policy's settings are one validated JSON document (domain::model::PolicySpec); the
-- columns beside it are what queries filter on.
CREATE TABLE access_package_policies (
    id          TEXT   NOT NULL,
    package_id  TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    description TEXT   NOT NULL DEFAULT '',
    scope       TEXT   NOT NULL,
    enabled     BIGINT NOT NULL,
    spec        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CONSTRAINT access_package_policies_pkey PRIMARY KEY (id),
    CONSTRAINT access_package_policies_package_fkey FOREIGN KEY (package_id) REFERENCES access_packages (id) ON DELETE CASCADE,
    CONSTRAINT access_package_policies_enabled_check CHECK (enabled IN (0, 1))
);
CREATE INDEX access_package_policies_package_idx ON access_package_policies (package_id);

-- Separation of duties: holders of the target (an access package or a group) may not get
-- the package. One-directional, as in the product.
CREATE TABLE access_package_incompatibilities (
    package_id TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    target_id  TEXT   NOT NULL,
    added_at   BIGINT NOT NULL,
    CONSTRAINT access_package_incompatibilities_pkey PRIMARY KEY (package_id, kind, target_id),
    CONSTRAINT access_package_incompatibilities_package_fkey FOREIGN KEY (package_id) REFERENCES access_packages (id) ON DELETE CASCADE,
    CONSTRAINT access_package_incompatibilities_kind_check CHECK (kind IN ('package', 'group'))
);
CREATE INDEX access_package_incompatibilities_target_idx ON access_package_incompatibilities (kind, target_id);

-- Requests and assignments. open_key / active_key hold '<package>/<user>' while the request is
-- open or the assignment live, NULL otherwise: the unique constraint then guarantees at most
-- one open request and one live assignment per person and package, on both databases.
CREATE TABLE access_package_requests (
    id           TEXT   NOT NULL,
    package_id   TEXT   NOT NULL,
    policy_id    TEXT,
    requestor_id TEXT   NOT NULL,
    request_type TEXT   NOT NULL,
    state        TEXT   NOT NULL,
    open_key     TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    CONSTRAINT access_package_requests_pkey PRIMARY KEY (id),
    CONSTRAINT access_package_requests_open_key UNIQUE (open_key),
    CONSTRAINT access_package_requests_package_fkey FOREIGN KEY (package_id) REFERENCES access_packages (id) ON DELETE CASCADE,
    CONSTRAINT access_package_requests_policy_fkey FOREIGN KEY (policy_id) REFERENCES access_package_policies (id) ON DELETE SET NULL,
    CONSTRAINT access_package_requests_requestor_fkey FOREIGN KEY (requestor_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX access_package_requests_package_idx ON access_package_requests (package_id, state);
CREATE INDEX access_package_requests_requestor_idx ON access_package_requests (requestor_id, created_at);

CREATE TABLE access_package_assignments (
    id         TEXT   NOT NULL,
    package_id TEXT   NOT NULL,
    policy_id  TEXT,
    user_id    TEXT   NOT NULL,
    state      TEXT   NOT NULL,
    active_key TEXT,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT access_package_assignments_pkey PRIMARY KEY (id),
    CONSTRAINT access_package_assignments_active_key UNIQUE (active_key),
    CONSTRAINT access_package_assignments_package_fkey FOREIGN KEY (package_id) REFERENCES access_packages (id) ON DELETE CASCADE,
    CONSTRAINT access_package_assignments_policy_fkey FOREIGN KEY (policy_id) REFERENCES access_package_policies (id) ON DELETE SET NULL,
    CONSTRAINT access_package_assignments_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX access_package_assignments_package_idx ON access_package_assignments (package_id, state);
CREATE INDEX access_package_assignments_policy_idx ON access_package_assignments (policy_id, state);
CREATE INDEX access_package_assignments_user_idx ON access_package_assignments (user_id, state);
