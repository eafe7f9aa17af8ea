-- Access reviews: one instance per policy and review period, one item per assignment under
-- review, and who may decide each item.

-- Which policies ask for reviews (their spec has a review series), so the review job reads
-- only those.
ALTER TABLE access_package_policies ADD COLUMN reviews BIGINT NOT NULL DEFAULT 0;
UPDATE access_package_policies SET reviews = 1 WHERE spec LIKE '%"review":{%';
CREATE INDEX access_package_policies_reviews_idx ON access_package_policies (reviews);

-- state: 'active' (open for decisions until ends_at), 'completed' (results applied).
-- settings: the policy's review settings when the review started (a snapshot).
CREATE TABLE access_reviews (
    id           TEXT   NOT NULL,
    policy_id    TEXT   NOT NULL,
    package_id   TEXT   NOT NULL,
    period_no    BIGINT NOT NULL,
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL,
    remind_at    BIGINT NOT NULL,
    state        TEXT   NOT NULL,
    settings     TEXT   NOT NULL,
    reminded_at  BIGINT,
    stopped_by   TEXT,
    completed_at BIGINT,
    created_at   BIGINT NOT NULL,
    CONSTRAINT access_reviews_pkey PRIMARY KEY (id),
    CONSTRAINT access_reviews_period_key UNIQUE (policy_id, period_no),
    CONSTRAINT access_reviews_policy_fkey FOREIGN KEY (policy_id) REFERENCES access_package_policies (id) ON DELETE CASCADE,
    CONSTRAINT access_reviews_package_fkey FOREIGN KEY (package_id) REFERENCES access_packages (id) ON DELETE CASCADE,
    CONSTRAINT access_reviews_state_check CHECK (state IN ('active', 'completed'))
);
CREATE INDEX access_reviews_state_idx ON access_reviews (state, ends_at);
CREATE INDEX access_reviews_remind_idx ON access_reviews (state, reminded_at, remind_at);
CREATE INDEX access_reviews_package_idx ON access_reviews (package_id, starts_at);

-- decision: NULL (not reviewed), 'approve', 'deny', 'dontKnow'; the last decision counts.
-- recommendation: 'approve' (signed in within 30 days of the start) or 'deny'.
-- result: NULL until the review ends, then 'kept' or 'removed'.
CREATE TABLE review_items (
    review_id      TEXT   NOT NULL,
    assignment_id  TEXT   NOT NULL,
    user_id        TEXT   NOT NULL,
    recommendation TEXT   NOT NULL,
    signed_in_at   BIGINT,
    decision       TEXT,
    justification  TEXT   NOT NULL DEFAULT '',
    decided_by     TEXT,
    decided_at     BIGINT,
    result         TEXT,
    applied_at     BIGINT,
    CONSTRAINT review_items_pkey PRIMARY KEY (review_id, assignment_id),
    CONSTRAINT review_items_review_fkey FOREIGN KEY (review_id) REFERENCES access_reviews (id) ON DELETE CASCADE,
    CONSTRAINT review_items_assignment_fkey FOREIGN KEY (assignment_id) REFERENCES access_package_assignments (id) ON DELETE CASCADE,
    CONSTRAINT review_items_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT review_items_decision_check CHECK (decision IS NULL OR decision IN ('approve', 'deny', 'dontKnow')),
    CONSTRAINT review_items_result_check CHECK (result IS NULL OR result IN ('kept', 'removed'))
);
CREATE INDEX review_items_result_idx ON review_items (review_id, result);

CREATE TABLE review_reviewers (
    review_id     TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    reviewer_id   TEXT NOT NULL,
    CONSTRAINT review_reviewers_pkey PRIMARY KEY (review_id, assignment_id, reviewer_id),
    CONSTRAINT review_reviewers_item_fkey FOREIGN KEY (review_id, assignment_id) REFERENCES review_items (review_id, assignment_id) ON DELETE CASCADE,
    CONSTRAINT review_reviewers_user_fkey FOREIGN KEY (reviewer_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX review_reviewers_reviewer_idx ON review_reviewers (reviewer_id, review_id);
