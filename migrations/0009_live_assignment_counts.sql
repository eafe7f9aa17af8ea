-- Each access package keeps the number of its live assignments (issue 13: a list must cost
-- the same at 10 and at 10,000 assignments a package). The package list showed a COUNT over
-- every package's assignments on each view: ten times slower once packages held ~730 each.
-- The count moves with the only two writes that make an assignment live or end it
-- (store::requests::deliver and end_assignment), in the same transaction.
ALTER TABLE access_packages ADD COLUMN live_assignments BIGINT NOT NULL DEFAULT 0;
UPDATE access_packages SET live_assignments = (
    SELECT COUNT(*) FROM access_package_assignments a
    WHERE a.package_id = access_packages.id AND a.active_key IS NOT NULL
);
