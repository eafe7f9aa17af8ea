-- Fewer bytes an audit event (issue 13, storage): each event kept the previous event's hash
-- beside its own, 64 characters that the previous row already holds. The chain stays whole
-- without the copy: an event's hash covers the previous event's hash, so `tessera audit
-- verify` recomputes each hash from the one before, and a changed event breaks its own hash
-- (or, rehashed, the next event's).
ALTER TABLE audit_events DROP COLUMN prev_hash;
