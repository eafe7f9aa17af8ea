-- The REST API (issue 17): personal API tokens, and the answers kept for idempotency keys.
--
-- * api_tokens: a person's token for scripts. Stored as SHA-256 of its secret (a random
--   256-bit secret needs no slow hash); the secret is shown once. A token acts as its person,
--   narrowed by its scope: `read` (GET only) or `read_write`, and optionally one catalog (the
--   person's roles reach that catalog only; tenant-wide roles become that catalog's owner
--   role). It expires (at most a year), can be revoked, and remembers when it was last used.
-- * api_idempotency: what a POST with an Idempotency-Key answered, per token, for 24 hours:
--   a retried POST gets the same answer instead of doing the work twice. A row whose status
--   is 0 is a POST still running (a second one with the same key is refused with 409).
CREATE TABLE api_tokens (
    id           TEXT   NOT NULL,
    user_id      TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL,
    scope        TEXT   NOT NULL,
    catalog_id   TEXT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    CONSTRAINT api_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash),
    CONSTRAINT api_tokens_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT api_tokens_catalog_fkey FOREIGN KEY (catalog_id) REFERENCES catalogs (id) ON DELETE CASCADE,
    CONSTRAINT api_tokens_scope_check CHECK (scope IN ('read', 'read_write'))
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at);

CREATE TABLE api_idempotency (
    token_id    TEXT   NOT NULL,
    idem_key    TEXT   NOT NULL,
    fingerprint TEXT   NOT NULL,
    status      BIGINT NOT NULL,
    body        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT api_idempotency_pkey PRIMARY KEY (token_id, idem_key),
    CONSTRAINT api_idempotency_token_fkey FOREIGN KEY (token_id) REFERENCES api_tokens (id) ON DELETE CASCADE
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);
