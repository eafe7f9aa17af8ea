-- Directory import (issue 16): people (with their manager and department) and groups read
-- from an LDAP directory into Tessera, on a schedule or when an administrator asks.
--
-- * connected_systems: when the next import is due (NULL: none is; an administrator's
--   "Import now" or the schedule sets it), the claim that keeps two instances from importing
--   one directory at once, and what the last run did (a JSON report shown on the system's
--   page). The import's settings live in the system's settings (JSON).
-- * users.imported_from / directory_groups.imported_from: the system a person or group was
--   imported from. Only people imported from a system are disabled when they leave it; only
--   groups imported from it have their members kept in step (grants with the source
--   'import', which only the import adds or withdraws). A group is known there by its DN
--   (directory_groups.external_id, lowercased without spaces).
ALTER TABLE connected_systems ADD COLUMN import_due_at BIGINT;
ALTER TABLE connected_systems ADD COLUMN import_claimed_until BIGINT;
ALTER TABLE connected_systems ADD COLUMN imported_at BIGINT;
ALTER TABLE connected_systems ADD COLUMN import_report TEXT;

ALTER TABLE users ADD COLUMN imported_from TEXT;
CREATE INDEX users_imported_from_idx ON users (imported_from) WHERE imported_from IS NOT NULL;

ALTER TABLE directory_groups ADD COLUMN imported_from TEXT;
CREATE INDEX directory_groups_imported_from_idx ON directory_groups (imported_from, external_id) WHERE imported_from IS NOT NULL;
