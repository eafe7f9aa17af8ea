-- An approver's inbox and history cost the same at 100 and at 100,000 decided requests.
--
-- `awaiting` marks the approver rows of the stage a request waits at (1), so that the inbox
-- reads those rows only, through a partial index, instead of all the rows the person was
-- ever an approver on. A request's change of state clears it (`store::requests::set_state`);
-- a stage's approvers are added with it set. The inbox still checks the request and the
-- stage, so a mark left set costs a lookup and never shows a closed request; a mark missing
-- would hide one. Hence the default of 1: during a rolling upgrade the instance still on the
-- version before adds approvers without naming the column, and they must be seen.
--
-- The history (newest first) walks the person's rows by request id, which is time-ordered
-- (UUIDv7), and stops at its page: the index gains the stage so that no sort is needed.
ALTER TABLE request_approvers ADD COLUMN awaiting BIGINT NOT NULL DEFAULT 1;

UPDATE request_approvers SET awaiting = 0
WHERE NOT EXISTS (
    SELECT 1 FROM access_package_requests r
    JOIN request_stages s ON s.request_id = r.id AND s.stage_no = r.stage_no
    WHERE r.id = request_approvers.request_id
      AND r.stage_no = request_approvers.stage_no
      AND r.state = 'pendingApproval'
      AND s.decision IS NULL
);

CREATE INDEX request_approvers_awaiting_idx ON request_approvers (user_id) WHERE awaiting = 1;
DROP INDEX request_approvers_user_idx;
CREATE INDEX request_approvers_user_idx ON request_approvers (user_id, request_id, stage_no);
