-- Blocking custom extensions (issue 16): a webhook that hears "request approved" may hold the
-- approved request's delivery until its receiver answers (the product's "launch and wait"
-- custom extension).
--
-- * webhooks.blocks: this webhook holds delivery; wait_minutes: how long it may take to answer
--   (then the request expires: fail closed, nothing is delivered).
-- * request_holds: one row per approved request and blocking webhook, written in the
--   transaction that approves the request (which then stays pendingApproval, at the stage
--   after its last, with no approver). delivery_id is the webhook delivery that asked (its
--   webhook-id). The receiver answers in the HTTP answer to that delivery or later by a signed
--   POST to /webhooks/answer; the first answer wins (answer IS NULL guards it). "continue"
--   from every hold delivers the request; one "deny" denies it; past due_at it expires.
ALTER TABLE webhooks ADD COLUMN blocks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN wait_minutes BIGINT NOT NULL DEFAULT 1440;

CREATE TABLE request_holds (
    request_id  TEXT   NOT NULL,
    webhook_id  TEXT   NOT NULL,
    delivery_id TEXT   NOT NULL,
    due_at      BIGINT NOT NULL,
    answer      TEXT,
    reason      TEXT   NOT NULL DEFAULT '',
    answered_at BIGINT,
    created_at  BIGINT NOT NULL,
    CONSTRAINT request_holds_pkey PRIMARY KEY (request_id, webhook_id),
    CONSTRAINT request_holds_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests (id) ON DELETE CASCADE,
    CONSTRAINT request_holds_webhook_fkey FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE,
    CONSTRAINT request_holds_answer_check CHECK (answer IS NULL OR answer IN ('continue', 'deny'))
);
-- The timeout job: unanswered holds by when they end.
CREATE INDEX request_holds_due_idx ON request_holds (due_at) WHERE answer IS NULL;
-- A synchronous answer finds its hold by the delivery that asked.
CREATE INDEX request_holds_delivery_idx ON request_holds (delivery_id);
