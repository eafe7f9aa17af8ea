//! The invariants `tessera check` proves on a database: each is one query that returns the
//! rows breaking it (a few, as examples), so an empty answer is a pass. They read every row
//! of the tables they check, through indexes where a row points at another.

use super::Conn;
use crate::DomainResult;

/// How many rows breaking one invariant are shown.
pub const EXAMPLES: i64 = 20;

/// One invariant: its name and the query returning up to `EXAMPLES` rows that break it, as
/// one text column each.
pub struct Invariant {
    pub name: &'static str,
    sql: &'static str,
}

/// Every invariant, in the order they are reported.
pub const INVARIANTS: &[Invariant] = &[
    Invariant {
        name: "a live assignment has exactly one live key, an ended one none",
        sql: "SELECT 'assignment ' || id || ' (' || state || ')' FROM access_package_assignments
              WHERE (state IN ('scheduled', 'delivered')) <> (active_key IS NOT NULL)",
    },
    Invariant {
        name: "a person holds at most one live assignment of a package",
        sql: "SELECT 'person ' || user_id || ', package ' || package_id || ': ' || COUNT(*)
              FROM access_package_assignments WHERE state IN ('scheduled', 'delivered')
              GROUP BY user_id, package_id HAVING COUNT(*) > 1",
    },
    Invariant {
        name: "a delivered assignment has every grant its package's resource roles give",
        sql: "SELECT 'assignment ' || a.id || ' lacks ' || rr.role || ' of group ' || rr.group_id
              FROM access_package_assignments a
              JOIN access_package_resource_roles rr ON rr.package_id = a.package_id
              WHERE a.state = 'delivered'
                AND NOT EXISTS (SELECT 1 FROM group_members m
                    WHERE rr.role = 'member' AND m.group_id = rr.group_id
                      AND m.user_id = a.user_id AND m.source = 'assignment:' || a.id)
                AND NOT EXISTS (SELECT 1 FROM group_owner_grants o
                    WHERE rr.role = 'owner' AND o.group_id = rr.group_id
                      AND o.user_id = a.user_id AND o.source = 'assignment:' || a.id)",
    },
    Invariant {
        name: "every membership granted by an assignment has its delivered assignment and role",
        sql: "SELECT 'member ' || m.user_id || ' of group ' || m.group_id || ' from ' || m.source
              FROM group_members m
              WHERE m.source LIKE 'assignment:%'
                AND NOT EXISTS (SELECT 1 FROM access_package_assignments a
                    JOIN access_package_resource_roles rr ON rr.package_id = a.package_id
                    WHERE a.id = substr(m.source, 12) AND a.state = 'delivered'
                      AND a.user_id = m.user_id AND rr.role = 'member' AND rr.group_id = m.group_id)",
    },
    Invariant {
        name: "every ownership granted by an assignment has its delivered assignment and role",
        sql: "SELECT 'owner ' || o.user_id || ' of group ' || o.group_id || ' from ' || o.source
              FROM group_owner_grants o
              WHERE NOT EXISTS (SELECT 1 FROM access_package_assignments a
                    JOIN access_package_resource_roles rr ON rr.package_id = a.package_id
                    WHERE a.id = substr(o.source, 12) AND a.state = 'delivered'
                      AND a.user_id = o.user_id AND rr.role = 'owner' AND rr.group_id = o.group_id)",
    },
    Invariant {
        name: "an open request has its open key, a closed one none",
        sql: "SELECT 'request ' || id || ' (' || state || ')' FROM access_package_requests
              WHERE (state IN ('submitted', 'pendingApproval')) <> (open_key IS NOT NULL)",
    },
    Invariant {
        name: "a person has at most one open request for a package",
        sql: "SELECT 'person ' || requestor_id || ', package ' || package_id || ': ' || COUNT(*)
              FROM access_package_requests WHERE state IN ('submitted', 'pendingApproval')
              GROUP BY requestor_id, package_id HAVING COUNT(*) > 1",
    },
    Invariant {
        name: "a request pending approval waits on its current stage, undecided, or for an extension's answer",
        sql: "SELECT 'request ' || r.id || ' at stage ' || r.stage_no FROM access_package_requests r
              WHERE r.state = 'pendingApproval'
                AND NOT EXISTS (SELECT 1 FROM request_stages s
                    WHERE s.request_id = r.id AND s.stage_no = r.stage_no AND s.decision IS NULL)
                AND NOT EXISTS (SELECT 1 FROM request_holds h
                    WHERE h.request_id = r.id AND h.answer IS NULL
                      AND r.stage_no = 1 + (SELECT COUNT(*) FROM request_stages s2 WHERE s2.request_id = r.id))",
    },
    Invariant {
        name: "every approver of a pending request's current stage finds it in their inbox",
        sql: "SELECT 'request ' || r.id || ', approver ' || a.user_id FROM access_package_requests r
              JOIN request_approvers a ON a.request_id = r.id AND a.stage_no = r.stage_no
              WHERE r.state = 'pendingApproval' AND a.awaiting <> 1",
    },
    Invariant {
        name: "only a pending request's current stage, or a canceled request's last, is undecided",
        sql: "SELECT 'request ' || r.id || ' (' || r.state || '), stage ' || s.stage_no
              FROM request_stages s JOIN access_package_requests r ON r.id = s.request_id
              WHERE s.decision IS NULL
                AND (r.state NOT IN ('pendingApproval', 'canceled')
                     OR (r.state = 'pendingApproval' AND s.stage_no <> r.stage_no)
                     OR EXISTS (SELECT 1 FROM request_stages later
                        WHERE later.request_id = s.request_id AND later.stage_no > s.stage_no))",
    },
    Invariant {
        name: "a delivered request had no stage denied or expired, and has its assignment",
        sql: "SELECT 'request ' || r.id FROM access_package_requests r
              WHERE r.state = 'delivered'
                AND (EXISTS (SELECT 1 FROM request_stages s
                        WHERE s.request_id = r.id AND s.decision IN ('denied', 'expired'))
                     OR NOT EXISTS (SELECT 1 FROM access_package_assignments a
                        WHERE a.id = r.assignment_id))",
    },
    Invariant {
        name: "an e-mail is marked sent exactly when it has a time it was sent",
        sql: "SELECT 'notification ' || id || ' (' || email_state || ')' FROM notifications
              WHERE (email_state = 'sent') <> (email_sent_at IS NOT NULL)",
    },
];

/// The rows breaking `invariant`, at most `EXAMPLES`.
pub async fn breaking(conn: &mut Conn, invariant: &Invariant) -> DomainResult<Vec<String>> {
    Ok(
        sqlx::query_scalar(&format!("{} LIMIT {EXAMPLES}", invariant.sql))
            .fetch_all(&mut *conn)
            .await?,
    )
}
