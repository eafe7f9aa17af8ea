-- Fewer index entries an event (issue 13, storage and writes): two indexes of the audit log
-- that no query reads.
--
-- The audit log is listed newest first (`audit_events_at_idx`), filtered by action
-- (`audit_events_action_idx`) and walked by its chain (`audit_events_seq_idx`). Its filters by
-- who did it and by what it was done to match text (the person's e-mail, the target's id, the
-- summary) and cannot use an index on the ids; nothing refers to an event by its actor. Every
-- write of every use case and every job inserts an event and paid for both.
DROP INDEX audit_events_actor_idx;
DROP INDEX audit_events_target_idx;
