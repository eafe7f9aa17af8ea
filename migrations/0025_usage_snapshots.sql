-- Figures the dashboards chart over time (issue 18): seats used per license and live
-- assignments per access package, one row per subject per day (UTC), written once a day by
-- the jobs (`jobs::usage`) from the kept counts. A chart reads at most its subject's days,
-- never the assignments, so it costs the same at 10 and at 10,000 assignments a package.
-- `subject_id` names a license or a package; a deleted one's rows age out (400 days).
CREATE TABLE usage_snapshots (
    subject    TEXT   NOT NULL,
    subject_id TEXT   NOT NULL,
    day        TEXT   NOT NULL,
    used       BIGINT NOT NULL,
    capacity   BIGINT,
    CONSTRAINT usage_snapshots_pkey PRIMARY KEY (subject, subject_id, day),
    CONSTRAINT usage_snapshots_subject_check CHECK (subject IN ('license', 'package'))
);
CREATE INDEX usage_snapshots_day_idx ON usage_snapshots (day);

-- A manager's "My team" counts the review items about each direct report.
CREATE INDEX review_items_user_idx ON review_items (user_id, review_id);
