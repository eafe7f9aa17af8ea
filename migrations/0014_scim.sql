-- Directory sync in (issue 15): an identity provider or HR system pushes people and groups
-- through SCIM 2.0 (/scim/v2). What it needs beyond the directory Tessera already keeps:
--
-- * a person's SCIM userName, when it is not their e-mail (NULL: the e-mail is the userName,
--   as for everyone created in Tessera or by CSV, so a provider's first sync matches them);
--   unique over what SCIM shows, case-insensitively;
-- * the provider's own id for a person or group (externalId) and the employee number;
-- * deleted_at: a person the provider deleted. They stay, disabled, so that their requests,
--   decisions and audit trail keep a name; SCIM no longer shows them, and a new push of the
--   same userName brings the record back (a rehire);
-- * the tokens provisioning clients present (hashed; revocable; when last used; the last
--   request refused, so an administrator sees why a push fails).
--
-- A membership pushed by SCIM is a grant with the source 'scim' (group_members.source), so
-- ending an access package assignment never removes it, and a push never removes a
-- membership an assignment or an administrator gave.
ALTER TABLE users ADD COLUMN user_name TEXT;
ALTER TABLE users ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN employee_number TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
CREATE UNIQUE INDEX users_user_name_key ON users (lower(COALESCE(user_name, email)));
CREATE INDEX users_external_id_idx ON users (external_id);

ALTER TABLE directory_groups ADD COLUMN external_id TEXT;
CREATE INDEX directory_groups_external_id_idx ON directory_groups (external_id);

CREATE TABLE scim_tokens (
    id           TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL,
    created_by   TEXT,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    -- The last request of this client that Tessera refused or failed, for the sync page.
    last_error    TEXT,
    last_error_at BIGINT,
    CONSTRAINT scim_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT scim_tokens_hash_key UNIQUE (token_hash),
    CONSTRAINT scim_tokens_created_by_fkey FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
);
