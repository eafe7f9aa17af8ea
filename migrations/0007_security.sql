-- Security hardening (issue 11).

-- The caller's own X-Request-Id, kept beside the server's id (request_id), never in its place.
ALTER TABLE audit_events ADD COLUMN caller_request_id TEXT;

-- Sessions are now stored under a SHA-256 of their id; records kept under the plain id are
-- dropped (their holders sign in again).
DELETE FROM sessions;

-- Removing a policy is refused while requests under it are open: find them by policy.
CREATE INDEX access_package_requests_policy_idx ON access_package_requests (policy_id, open_key);

-- A delegated administrator may add to a catalog only groups they own: find a person's groups.
CREATE INDEX group_owners_user_idx ON group_owners (user_id, group_id);
CREATE INDEX group_owner_grants_user_idx ON group_owner_grants (user_id, group_id);

-- Sessions signed in before this instant (ms) are over: a password change or "Sign out all
-- sessions" moves it to now.
ALTER TABLE users ADD COLUMN sessions_valid_after BIGINT NOT NULL DEFAULT 0;
