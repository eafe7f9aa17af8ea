//! The reads behind the auditors' reports: assignments with their packages, and the requests
//! and decisions behind them.

use super::{Conn, from_ms, placeholders, uuid};
use crate::model::*;
use crate::{DomainError, DomainResult};
use std::collections::HashMap;

/// How many access packages a person's report lists (live and scheduled assignments).
pub const HELD_LIMIT: i64 = 1_000;

#[derive(sqlx::FromRow)]
struct HeldRow {
    id: String,
    package_id: String,
    package_name: String,
    catalog_name: String,
    state: AssignmentState,
    starts_at: i64,
    ends_at: Option<i64>,
}

const HELD_SELECT: &str =
    "SELECT a.id, a.package_id, p.name AS package_name, c.name AS catalog_name,
        a.state, a.starts_at, a.ends_at
     FROM access_package_assignments a
     JOIN access_packages p ON p.id = a.package_id
     JOIN catalogs c ON c.id = p.catalog_id";

fn held(r: HeldRow) -> DomainResult<HeldPackage> {
    Ok(HeldPackage {
        assignment_id: AssignmentId(uuid(&r.id)?),
        package_id: AccessPackageId(uuid(&r.package_id)?),
        package_name: r.package_name,
        catalog_name: r.catalog_name,
        state: r.state,
        since: from_ms(r.starts_at)?,
        until: r.ends_at.map(from_ms).transpose()?,
        requests: Vec::new(),
    })
}

/// The person's live (delivered or scheduled) assignments, by package name.
pub async fn held_packages(conn: &mut Conn, user: UserId) -> DomainResult<Vec<HeldPackage>> {
    let rows: Vec<HeldRow> = sqlx::query_as(&format!(
        "{HELD_SELECT} WHERE a.user_id = $1 AND a.state IN ('delivered', 'scheduled')
         ORDER BY p.name_key, a.id LIMIT $2"
    ))
    .bind(user.to_string())
    .bind(HELD_LIMIT)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(held).collect()
}

/// Assignments by id (any state), with their packages.
pub async fn assignments(
    conn: &mut Conn,
    ids: &[String],
) -> DomainResult<HashMap<String, HeldPackage>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(200) {
        let sql = format!(
            "{HELD_SELECT} WHERE a.id IN ({})",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query_as::<_, HeldRow>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.insert(row.id.clone(), held(row)?);
        }
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct TrailRow {
    id: String,
    assignment_id: String,
    request_type: RequestKind,
    created_at: i64,
    justification: String,
    requestor: String,
    creator: Option<String>,
}

/// The requests that gave or extended each of `assignments` (held by `people`), oldest
/// first, with every stage's decision; by assignment id. Read off the requestors' index.
pub async fn trails(
    conn: &mut Conn,
    people: &[String],
    assignments: &[String],
) -> DomainResult<HashMap<String, Vec<RequestTrail>>> {
    let mut out: HashMap<String, Vec<RequestTrail>> = HashMap::new();
    if people.is_empty() || assignments.is_empty() {
        return Ok(out);
    }
    let mut rows: Vec<TrailRow> = Vec::new();
    for chunk in assignments.chunks(200) {
        let sql = format!(
            "SELECT r.id, r.assignment_id, r.request_type, r.created_at, r.justification,
                    u.display_name AS requestor, c.display_name AS creator
             FROM access_package_requests r
             JOIN users u ON u.id = r.requestor_id
             LEFT JOIN users c ON c.id = r.created_by
             WHERE r.requestor_id IN ({}) AND r.state = 'delivered' AND r.assignment_id IN ({})
             ORDER BY r.created_at, r.id",
            placeholders(people.len()),
            super::placeholders_after(people.len(), chunk.len()),
        );
        let mut q = sqlx::query_as::<_, TrailRow>(&sql);
        for p in people {
            q = q.bind(p);
        }
        for a in chunk {
            q = q.bind(a);
        }
        rows.extend(q.fetch_all(&mut *conn).await?);
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut decisions = decisions(conn, &ids).await?;
    for r in rows {
        let by = match r.request_type {
            RequestKind::AdminAdd => r.creator.unwrap_or_else(|| "An administrator".into()),
            _ => r.requestor,
        };
        out.entry(r.assignment_id).or_default().push(RequestTrail {
            request_id: RequestId(uuid(&r.id)?),
            kind: r.request_type,
            submitted_at: from_ms(r.created_at)?,
            by,
            justification: r.justification,
            decisions: decisions.remove(&r.id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Every decided stage of `requests`, by request id, in stage order.
async fn decisions(
    conn: &mut Conn,
    requests: &[String],
) -> DomainResult<HashMap<String, Vec<TrailDecision>>> {
    let mut out: HashMap<String, Vec<TrailDecision>> = HashMap::new();
    for chunk in requests.chunks(200) {
        let sql = format!(
            "SELECT s.request_id, s.stage_no, s.decision, u.display_name, s.decided_at, s.justification
             FROM request_stages s LEFT JOIN users u ON u.id = s.decided_by
             WHERE s.request_id IN ({}) AND s.decision IS NOT NULL
             ORDER BY s.request_id, s.stage_no",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query_as::<
            _,
            (
                String,
                i64,
                StageDecision,
                Option<String>,
                Option<i64>,
                String,
            ),
        >(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for (request, stage_no, decision, by, at, justification) in q.fetch_all(&mut *conn).await? {
            out.entry(request).or_default().push(TrailDecision {
                stage_no: u32::try_from(stage_no)
                    .map_err(|e| DomainError::Internal(e.to_string().into()))?,
                decision,
                by,
                at: at.map(from_ms).transpose()?,
                justification,
            });
        }
    }
    Ok(out)
}
