-- The jobs' indexes hold only the rows the jobs look for (issue 13, expiry and storage).
--
-- Expiry, expiry reminders and scheduled starts look for live assignments with an end (or a
-- start) only; the approval deadlines, forwards and reminders look for stages nobody decided.
-- Their indexes held every row ever written, and every end of an assignment and decision of a
-- stage moved the row's entry in each of them (on PostgreSQL an update that changes an
-- indexed column adds the new row version to every index). Partial, they hold the live rows:
-- an assignment that ends and a stage that is decided leave them, and nothing is added.
--
-- Each predicate is one that the jobs' queries (this version's and the one before, which may
-- still run beside it on PostgreSQL during an upgrade) already state: SQLite uses a partial
-- index when a term of the query appears in it (`state = 'delivered'` in `state = 'delivered'
-- OR state = 'scheduled'`, `decision IS NULL`) or is a comparison of a column it requires to
-- be NOT NULL (`ends_at <= $1`); PostgreSQL proves the same implications.
DROP INDEX access_package_assignments_end_idx;
CREATE INDEX access_package_assignments_end_idx ON access_package_assignments (state, ends_at)
    WHERE ends_at IS NOT NULL AND (state = 'delivered' OR state = 'scheduled');
DROP INDEX access_package_assignments_remind_idx;
CREATE INDEX access_package_assignments_remind_idx ON access_package_assignments (reminders_sent, ends_at)
    WHERE ends_at IS NOT NULL AND state = 'delivered';
DROP INDEX access_package_assignments_start_idx;
CREATE INDEX access_package_assignments_start_idx ON access_package_assignments (starts_at)
    WHERE state = 'scheduled';

-- A person's assignments are looked up by person, then by their key or state in the row (a
-- person holds a few): the state in this index only made every end of an assignment move
-- its entry (on SQLite, which leaves an index alone when an update does not touch its
-- columns).
DROP INDEX access_package_assignments_user_idx;
CREATE INDEX access_package_assignments_user_idx ON access_package_assignments (user_id);

DROP INDEX request_stages_open_idx;
CREATE INDEX request_stages_open_idx ON request_stages (due_at) WHERE decision IS NULL;
-- The forward and reminder keys keep their "not yet" column first: a query's `IS NULL` on it
-- is an equality the planners weigh, so they seek these rather than walk every open stage
-- not due yet in `request_stages_open_idx` (which also orders by due date).
DROP INDEX request_stages_forward_idx;
CREATE INDEX request_stages_forward_idx ON request_stages (forwarded_at, forward_at)
    WHERE decision IS NULL;
DROP INDEX request_stages_remind_idx;
CREATE INDEX request_stages_remind_idx ON request_stages (reminded_at, remind_at)
    WHERE decision IS NULL;
