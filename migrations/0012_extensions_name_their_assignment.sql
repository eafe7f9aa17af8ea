-- A delivered extension request names the assignment it extended, as every other delivered
-- request names the assignment it made (`tessera check`: a delivered request has its
-- assignment). Before, extensions left assignment_id empty. Each gets the person's latest
-- assignment of the package made before the extension was delivered: the one it extended.
UPDATE access_package_requests
SET assignment_id = (
    SELECT a.id FROM access_package_assignments a
    WHERE a.package_id = access_package_requests.package_id
      AND a.user_id = access_package_requests.requestor_id
      AND a.created_at <= access_package_requests.updated_at
    ORDER BY a.created_at DESC, a.id DESC
    LIMIT 1
)
WHERE request_type = 'userExtend' AND state = 'delivered' AND assignment_id IS NULL;
