-- Single sign-on with OpenID Connect (issue 15). A person is matched to their identity at the
-- provider by the provider's stable subject, stored here at their first sign-in (when they
-- were found by verified e-mail). One identity is one person: the pair is unique, and a
-- person linked to one identity is never taken over by another that shows the same e-mail.
ALTER TABLE users ADD COLUMN oidc_issuer TEXT;
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_identity_key ON users (oidc_issuer, oidc_subject);

-- Leavers and movers (issue 15). A person disabled (by an administrator, a CSV import or
-- directory sync) loses their access and open requests through the leaver jobs, which find
-- them by this index: the search costs the number of disabled people, not the directory.
CREATE INDEX users_disabled_idx ON users (id) WHERE enabled = 0;
-- An approver who left, or a manager who no longer is, stops being an approver of the stage
-- (retired_at set) when the stage goes to whoever decides now; the row stays for the history.
ALTER TABLE request_approvers ADD COLUMN retired_at BIGINT;
-- A person's undecided review items, found when their manager changes (the new manager
-- reviews them from then on).
CREATE INDEX review_items_undecided_user_idx ON review_items (user_id) WHERE decision IS NULL;
