//! Requests, their stages, deciders and timeline; assignments and their grants.

use super::{Conn, corrupt, from_ms, ms, placeholders, uuid};
use crate::model::*;
use crate::rules::grants::GrantSource;
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};

pub fn open_key(package: AccessPackageId, user: UserId) -> String {
    format!("{package}/{user}")
}

pub struct NewRequest<'a> {
    pub id: RequestId,
    pub package: AccessPackageId,
    pub policy: PolicyId,
    pub requestor: UserId,
    /// "userAdd" (the person asked) or "adminAdd" (an administrator assigned directly).
    pub kind: &'a str,
    pub created_by: UserId,
    pub justification: &'a str,
    pub answers: &'a [String],
    pub stages: &'a [Stage],
    /// The requested period, when the person asked for one.
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub now: DateTime<Utc>,
}

impl NewRequest<'_> {
    /// The request as it stands once inserted (submitted, no stage started), so a use case
    /// that delivers at once needn't read it back.
    pub fn row(&self) -> RequestRow {
        RequestRow {
            id: self.id,
            package: self.package,
            policy: Some(self.policy),
            requestor: self.requestor,
            state: "submitted".into(),
            stage_no: 0,
            stages: self.stages.to_vec(),
            justification: self.justification.to_owned(),
            answers: self.answers.to_vec(),
            period: self.period,
            kind: self.kind.to_owned(),
        }
    }
}

/// Inserts an open request; `false` when the person already has one open for the package.
/// A direct assignment is never open (it is delivered in the same transaction), so it holds
/// no open slot.
pub async fn insert(conn: &mut Conn, r: &NewRequest<'_>) -> DomainResult<bool> {
    let open = matches!(r.kind, "userAdd" | "userExtend");
    let done = sqlx::query(
        "INSERT INTO access_package_requests (id, package_id, policy_id, requestor_id, request_type, state, open_key,
            justification, answers_json, stages_json, stage_no, starts_at, ends_at, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, 0, $10, $11, $12, $13, $13)
         ON CONFLICT (open_key) DO NOTHING",
    )
    .bind(r.id.to_string())
    .bind(r.package.to_string())
    .bind(r.policy.to_string())
    .bind(r.requestor.to_string())
    .bind(r.kind)
    .bind(open.then(|| open_key(r.package, r.requestor)))
    .bind(r.justification)
    .bind(serde_json::to_string(r.answers).map_err(corrupt)?)
    .bind(serde_json::to_string(r.stages).map_err(corrupt)?)
    .bind(r.period.map(|p| ms(p.0)))
    .bind(r.period.map(|p| ms(p.1)))
    .bind(r.created_by.to_string())
    .bind(ms(r.now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What the use cases need to know about a request.
pub struct RequestRow {
    pub id: RequestId,
    pub package: AccessPackageId,
    pub policy: Option<PolicyId>,
    pub requestor: UserId,
    pub state: String,
    pub stage_no: u32,
    pub stages: Vec<Stage>,
    pub justification: String,
    pub answers: Vec<String>,
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// "userAdd", "userExtend" or "adminAdd".
    pub kind: String,
}

type RequestTuple = (
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    String,
);

pub async fn get(conn: &mut Conn, id: RequestId) -> DomainResult<RequestRow> {
    let row: Option<RequestTuple> = sqlx::query_as(
        "SELECT id, package_id, policy_id, requestor_id, state, stage_no, stages_json, justification, answers_json,
            starts_at, ends_at, request_type
         FROM access_package_requests WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let r = row.ok_or(DomainError::NotFound("request"))?;
    Ok(RequestRow {
        id: RequestId(uuid(&r.0)?),
        package: AccessPackageId(uuid(&r.1)?),
        policy: r.2.map(|p| uuid(&p).map(PolicyId)).transpose()?,
        requestor: UserId(uuid(&r.3)?),
        state: r.4,
        stage_no: u32::try_from(r.5).map_err(corrupt)?,
        stages: serde_json::from_str(&r.6).map_err(corrupt)?,
        justification: r.7,
        answers: serde_json::from_str(&r.8).map_err(corrupt)?,
        period: period(r.9, r.10)?,
        kind: r.11,
    })
}

/// A requested period: both instants or neither; one without the other is corrupt.
fn period(
    start: Option<i64>,
    end: Option<i64>,
) -> DomainResult<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    match (start, end) {
        (Some(start), Some(end)) => Ok(Some((from_ms(start)?, from_ms(end)?))),
        (None, None) => Ok(None),
        _ => Err(corrupt("a requested period with one end only")),
    }
}

/// Moves a request to `state`; closed states free the "one open request" slot.
pub async fn set_state(
    conn: &mut Conn,
    id: RequestId,
    state: &str,
    stage_no: u32,
    outcome: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let open = matches!(state, "submitted" | "pendingApproval" | "delivering");
    sqlx::query(
        &format!(
            "UPDATE access_package_requests SET state = $2, stage_no = $3, outcome = $4, updated_at = $5{}
             WHERE id = $1",
            if open { "" } else { ", open_key = NULL" }
        ),
    )
    .bind(id.to_string())
    .bind(state)
    .bind(i64::from(stage_no))
    .bind(outcome)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One approval stage as it starts: when, its deadlines, and who may decide it.
pub struct StageStart<'a> {
    pub stage_no: u32,
    pub started: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub forward: Option<DateTime<Utc>>,
    pub approvers: &'a [UserId],
    pub source: &'a str,
}

pub async fn start_stage(conn: &mut Conn, id: RequestId, s: &StageStart<'_>) -> DomainResult<()> {
    let StageStart {
        stage_no,
        started,
        due,
        forward,
        approvers,
        source,
    } = *s;
    sqlx::query(
        "INSERT INTO request_stages (request_id, stage_no, started_at, due_at, forward_at, remind_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(i64::from(stage_no))
    .bind(ms(started))
    .bind(ms(due))
    .bind(forward.map(ms))
    .bind(ms(crate::rules::lifecycle::approver_reminder_at(started, due)))
    .execute(&mut *conn)
    .await?;
    add_approvers(conn, id, stage_no, approvers, source).await
}

/// Adds approvers to a stage (already present ones stay as they were).
pub async fn add_approvers(
    conn: &mut Conn,
    request: RequestId,
    stage_no: u32,
    users: &[UserId],
    source: &str,
) -> DomainResult<()> {
    for user in users {
        sqlx::query(
            "INSERT INTO request_approvers (request_id, stage_no, user_id, source) VALUES ($1, $2, $3, $4)
             ON CONFLICT (request_id, stage_no, user_id) DO NOTHING",
        )
        .bind(request.to_string())
        .bind(i64::from(stage_no))
        .bind(user.to_string())
        .bind(source)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn is_approver(
    conn: &mut Conn,
    id: RequestId,
    stage_no: u32,
    user: UserId,
) -> DomainResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM request_approvers WHERE request_id = $1 AND stage_no = $2 AND user_id = $3",
    )
    .bind(id.to_string())
    .bind(i64::from(stage_no))
    .bind(user.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Records a stage's decision if nobody decided it yet; `false` when someone was first.
pub async fn decide_stage(
    conn: &mut Conn,
    id: RequestId,
    stage_no: u32,
    decision: &str,
    by: UserId,
    justification: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE request_stages SET decision = $3, decided_by = $4, decided_at = $5, justification = $6
         WHERE request_id = $1 AND stage_no = $2 AND decision IS NULL",
    )
    .bind(id.to_string())
    .bind(i64::from(stage_no))
    .bind(decision)
    .bind(by.to_string())
    .bind(ms(now))
    .bind(justification)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Who decided a stage, how, and when.
pub async fn stage_decision(
    conn: &mut Conn,
    id: RequestId,
    stage_no: u32,
) -> DomainResult<Option<(String, String, DateTime<Utc>)>> {
    let row: Option<(Option<String>, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT s.decision, u.display_name, s.decided_at FROM request_stages s
         LEFT JOIN users u ON u.id = s.decided_by WHERE s.request_id = $1 AND s.stage_no = $2",
    )
    .bind(id.to_string())
    .bind(i64::from(stage_no))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some((Some(decision), name, Some(at))) => {
            Some((decision, name.unwrap_or_default(), from_ms(at)?))
        }
        _ => None,
    })
}

pub async fn event(
    conn: &mut Conn,
    id: RequestId,
    kind: &str,
    actor: Option<UserId>,
    text: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query("INSERT INTO request_events (id, request_id, at, kind, actor_id, text) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(AuditId::new().to_string())
        .bind(id.to_string())
        .bind(ms(now))
        .bind(kind)
        .bind(actor.map(|a| a.to_string()))
        .bind(text)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The timeline of a request: (at, kind, text), oldest first.
pub async fn events(
    conn: &mut Conn,
    id: RequestId,
) -> DomainResult<Vec<(DateTime<Utc>, String, String)>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT at, kind, text FROM request_events WHERE request_id = $1 ORDER BY at, id LIMIT 200",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(at, k, t)| Ok((from_ms(at)?, k, t)))
        .collect()
}

/// What an assignment is made of as it is delivered.
pub struct Delivery {
    pub request: RequestId,
    pub package: AccessPackageId,
    pub policy: Option<PolicyId>,
    pub user: UserId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Creates the live assignment and, unless it starts later ("scheduled"), grants every
/// resource role with it as grant source. `None` when the person already holds the package.
pub async fn deliver(
    conn: &mut Conn,
    d: &Delivery,
    now: DateTime<Utc>,
) -> DomainResult<Option<AssignmentId>> {
    let id = AssignmentId::new();
    let scheduled = d.starts_at > now;
    let done = sqlx::query(
        "INSERT INTO access_package_assignments (id, package_id, policy_id, user_id, state, active_key, starts_at, ends_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         ON CONFLICT (active_key) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(d.package.to_string())
    .bind(d.policy.map(|p| p.to_string()))
    .bind(d.user.to_string())
    .bind(if scheduled { "scheduled" } else { "delivered" })
    .bind(open_key(d.package, d.user))
    .bind(ms(d.starts_at.max(now)))
    .bind(d.ends_at.map(ms))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    if !scheduled {
        grant(conn, id, d.package, d.user, now).await?;
    }
    sqlx::query("UPDATE access_package_requests SET assignment_id = $2 WHERE id = $1")
        .bind(d.request.to_string())
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(Some(id))
}

/// Grants each of the package's resource roles (memberships and ownerships) with the
/// assignment as their source.
async fn grant(
    conn: &mut Conn,
    id: AssignmentId,
    package: AccessPackageId,
    user: UserId,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    for role in ResourceRole::ALL.iter().copied() {
        sqlx::query(&format!(
            "INSERT INTO {} (group_id, user_id, source, created_at)
             SELECT rr.group_id, $2, $3, $4 FROM access_package_resource_roles rr
             WHERE rr.package_id = $1 AND rr.role = $5
             ON CONFLICT (group_id, user_id, source) DO NOTHING",
            super::packages::grant_table(role)
        ))
        .bind(package.to_string())
        .bind(user.to_string())
        .bind(GrantSource::Assignment(id.0).code())
        .bind(ms(now))
        .bind(role.code())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Scheduled assignments whose start has come: (assignment, package, user, request), oldest
/// first, at most `limit`.
pub async fn due_scheduled(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<(AssignmentId, AccessPackageId, UserId)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, package_id, user_id FROM access_package_assignments
         WHERE state = 'scheduled' AND starts_at <= $1 ORDER BY starts_at, id LIMIT $2",
    )
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(a, p, u)| {
            Ok((
                AssignmentId(uuid(&a)?),
                AccessPackageId(uuid(&p)?),
                UserId(uuid(&u)?),
            ))
        })
        .collect()
}

/// Starts a scheduled assignment: it becomes delivered and its grants are given. `false`
/// when someone else started (or ended) it first, so each start happens once.
pub async fn start_scheduled(
    conn: &mut Conn,
    id: AssignmentId,
    package: AccessPackageId,
    user: UserId,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE access_package_assignments SET state = 'delivered', updated_at = $2
         WHERE id = $1 AND state = 'scheduled' AND active_key IS NOT NULL",
    )
    .bind(id.to_string())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    grant(conn, id, package, user, now).await?;
    Ok(true)
}

pub async fn holds_package(
    conn: &mut Conn,
    package: AccessPackageId,
    user: UserId,
) -> DomainResult<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM access_package_assignments WHERE active_key = $1")
            .bind(open_key(package, user))
            .fetch_one(&mut *conn)
            .await?;
    Ok(n > 0)
}

/// The first incompatible package or group the person holds, by name.
pub async fn incompatibility_held(
    conn: &mut Conn,
    package: AccessPackageId,
    user: UserId,
) -> DomainResult<Option<String>> {
    let held: Option<String> = sqlx::query_scalar(
        "SELECT p.name FROM access_package_incompatibilities i
           JOIN access_package_assignments a ON a.package_id = i.target_id AND a.user_id = $2 AND a.active_key IS NOT NULL
           JOIN access_packages p ON p.id = i.target_id
         WHERE i.package_id = $1 AND i.kind = 'package'
         UNION ALL
         SELECT g.name FROM access_package_incompatibilities i
           JOIN group_members m ON m.group_id = i.target_id AND m.user_id = $2
           JOIN directory_groups g ON g.id = i.target_id
         WHERE i.package_id = $1 AND i.kind = 'group'
         LIMIT 1",
    )
    .bind(package.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(held)
}

/// Members of a group, for approver resolution (bounded: a stage is decided by one person).
pub async fn group_member_ids(
    conn: &mut Conn,
    group: GroupId,
    limit: i64,
) -> DomainResult<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT m.user_id FROM group_members m JOIN users u ON u.id = m.user_id
         WHERE m.group_id = $1 AND u.enabled = 1 ORDER BY m.user_id LIMIT $2",
    )
    .bind(group.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    ids.iter().map(|i| Ok(UserId(uuid(i)?))).collect()
}

pub async fn open_request(
    conn: &mut Conn,
    package: AccessPackageId,
    user: UserId,
) -> DomainResult<Option<RequestId>> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT id FROM access_package_requests WHERE open_key = $1")
            .bind(open_key(package, user))
            .fetch_optional(&mut *conn)
            .await?;
    id.map(|i| uuid(&i).map(RequestId)).transpose()
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    package_id: String,
    package_name: String,
    state: String,
    stage_no: i64,
    stages_json: String,
    outcome: String,
    justification: String,
    created_at: i64,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
}

/// The timelines of several requests in one query, by request id.
async fn timelines(
    conn: &mut Conn,
    ids: &[String],
) -> DomainResult<std::collections::HashMap<String, Vec<TimelineEntry>>> {
    let mut out: std::collections::HashMap<String, Vec<TimelineEntry>> = Default::default();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT request_id, at, kind, text FROM request_events WHERE request_id IN ({}) ORDER BY at, id",
        placeholders(ids.len())
    );
    let mut q = sqlx::query_as::<_, (String, i64, String, String)>(&sql);
    for id in ids {
        q = q.bind(id);
    }
    for (request, at, kind, text) in q.fetch_all(&mut *conn).await? {
        out.entry(request).or_default().push(TimelineEntry {
            at: from_ms(at)?,
            kind,
            text,
        });
    }
    Ok(out)
}

async fn summaries(conn: &mut Conn, rows: Vec<SummaryRow>) -> DomainResult<Vec<RequestSummary>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut lines = timelines(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let stages: Vec<Stage> = serde_json::from_str(&r.stages_json).map_err(corrupt)?;
            Ok(RequestSummary {
                id: RequestId(uuid(&r.id)?),
                package_id: AccessPackageId(uuid(&r.package_id)?),
                package_name: r.package_name,
                state: r.state,
                stage_no: u32::try_from(r.stage_no).map_err(corrupt)?,
                stage_count: u32::try_from(stages.len()).map_err(corrupt)?,
                outcome: r.outcome,
                justification: r.justification,
                created_at: from_ms(r.created_at)?,
                period: period(r.starts_at, r.ends_at)?,
                timeline: lines.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

const SUMMARY_SELECT: &str =
    "SELECT r.id, r.package_id, p.name AS package_name, r.state, r.stage_no, r.stages_json,
        r.outcome, r.justification, r.created_at, r.starts_at, r.ends_at
     FROM access_package_requests r JOIN access_packages p ON p.id = r.package_id";

/// A person's requests, newest first, with their timelines (bounded).
pub async fn of_requestor(
    conn: &mut Conn,
    user: UserId,
    limit: i64,
) -> DomainResult<Vec<RequestSummary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "{SUMMARY_SELECT} WHERE r.requestor_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2"
    ))
    .bind(user.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    summaries(conn, rows).await
}

#[derive(sqlx::FromRow)]
struct PackageRequestRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    user_id: String,
    display_name: String,
    email: String,
    request_type: String,
}

/// A package's requests for admins, newest first: all, or those in `states`, whose requestor
/// matches `pattern`; each with its timeline.
pub async fn package_requests(
    conn: &mut Conn,
    package: AccessPackageId,
    states: &[&str],
    pattern: &str,
    page: PageRequest,
) -> DomainResult<Page<PackageRequestView>> {
    let state_filter = if states.is_empty() {
        String::new()
    } else {
        format!(
            " AND r.state IN ({})",
            (3..states.len() + 3)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let filter = format!(
        "r.package_id = $1 AND (lower(u.display_name) LIKE $2 ESCAPE '\\' OR u.email LIKE $2 ESCAPE '\\'){state_filter}"
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM access_package_requests r JOIN users u ON u.id = r.requestor_id WHERE {filter}"
    );
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql)
        .bind(package.to_string())
        .bind(pattern);
    for s in states {
        count = count.bind(*s);
    }
    let total = count.fetch_one(&mut *conn).await?;
    let n = states.len() + 3;
    let sql = format!(
        "SELECT r.id, r.package_id, p.name AS package_name, r.state, r.stage_no, r.stages_json,
            r.outcome, r.justification, r.created_at, r.starts_at, r.ends_at,
            u.id AS user_id, u.display_name, u.email, r.request_type
         FROM access_package_requests r JOIN access_packages p ON p.id = r.package_id
         JOIN users u ON u.id = r.requestor_id
         WHERE {filter} ORDER BY r.created_at DESC, r.id DESC LIMIT ${n} OFFSET ${}",
        n + 1
    );
    let mut q = sqlx::query_as::<_, PackageRequestRow>(&sql)
        .bind(package.to_string())
        .bind(pattern);
    for s in states {
        q = q.bind(*s);
    }
    let rows = q
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&mut *conn)
        .await?;
    let mut people = Vec::with_capacity(rows.len());
    let mut summary_rows = Vec::with_capacity(rows.len());
    for r in rows {
        people.push((
            UserRef {
                id: UserId(uuid(&r.user_id)?),
                display_name: r.display_name,
                email: r.email,
            },
            r.request_type,
        ));
        summary_rows.push(r.summary);
    }
    let items = summaries(conn, summary_rows)
        .await?
        .into_iter()
        .zip(people)
        .map(|(summary, (requestor, kind))| PackageRequestView {
            summary,
            requestor,
            direct: kind == "adminAdd",
        })
        .collect();
    Ok(Page::of(items, total, page))
}

#[derive(sqlx::FromRow)]
struct ApprovalRow {
    id: String,
    package_name: String,
    user_id: String,
    display_name: String,
    email: String,
    department: String,
    manager: Option<String>,
    justification: String,
    answers_json: String,
    stages_json: String,
    policy_spec: Option<String>,
    stage_no: i64,
    due_at: i64,
    created_at: i64,
    decision: Option<String>,
    decided_at: Option<i64>,
    decision_justification: String,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
}

const APPROVAL_SELECT: &str =
    "SELECT r.id, p.name AS package_name, u.id AS user_id, u.display_name, u.email, u.department,
        m.display_name AS manager, r.justification, r.answers_json, r.stages_json, x.spec AS policy_spec,
        s.stage_no, s.due_at, r.created_at, s.decision, s.decided_at,
        s.justification AS decision_justification, r.starts_at, r.ends_at
     FROM request_approvers a
     JOIN access_package_requests r ON r.id = a.request_id
     JOIN request_stages s ON s.request_id = a.request_id AND s.stage_no = a.stage_no
     JOIN access_packages p ON p.id = r.package_id
     JOIN users u ON u.id = r.requestor_id
     LEFT JOIN users m ON m.id = u.manager_id
     LEFT JOIN access_package_policies x ON x.id = r.policy_id";

/// How many other deciders an approval item names.
const OTHER_APPROVERS_SHOWN: usize = 20;

async fn approval_items(
    conn: &mut Conn,
    me: UserId,
    rows: Vec<ApprovalRow>,
) -> DomainResult<Vec<ApprovalItem>> {
    let mut others: std::collections::HashMap<(String, i64), Vec<String>> = Default::default();
    if !rows.is_empty() {
        let sql = format!(
            "SELECT a.request_id, a.stage_no, u.display_name FROM request_approvers a JOIN users u ON u.id = a.user_id
             WHERE a.user_id <> $1 AND a.request_id IN ({}) ORDER BY lower(u.display_name)",
            (2..rows.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, i64, String)>(&sql).bind(me.to_string());
        for r in &rows {
            q = q.bind(&r.id);
        }
        for (request, stage, name) in q.fetch_all(&mut *conn).await? {
            let list = others.entry((request, stage)).or_default();
            if list.len() < OTHER_APPROVERS_SHOWN {
                list.push(name);
            }
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let stages: Vec<Stage> = serde_json::from_str(&r.stages_json).map_err(corrupt)?;
        let stage_no = u32::try_from(r.stage_no).map_err(corrupt)?;
        let answers: Vec<String> = serde_json::from_str(&r.answers_json).map_err(corrupt)?;
        let questions = match &r.policy_spec {
            Some(spec) => {
                serde_json::from_str::<PolicySpec>(spec)
                    .map_err(corrupt)?
                    .questions
            }
            None => vec![],
        };
        out.push(ApprovalItem {
            request_id: RequestId(uuid(&r.id)?),
            package_name: r.package_name,
            requestor: UserRef {
                id: UserId(uuid(&r.user_id)?),
                display_name: r.display_name,
                email: r.email,
            },
            department: r.department,
            manager: r.manager,
            justification: r.justification,
            answers: questions.into_iter().map(|q| q.text).zip(answers).collect(),
            stage_no,
            stage_count: u32::try_from(stages.len()).map_err(corrupt)?,
            due_at: from_ms(r.due_at)?,
            require_justification: stages
                .get((stage_no.max(1) - 1) as usize)
                .is_some_and(|s| s.require_justification),
            other_approvers: others.remove(&(r.id, r.stage_no)).unwrap_or_default(),
            submitted_at: from_ms(r.created_at)?,
            period: period(r.starts_at, r.ends_at)?,
            decision: match (r.decision, r.decided_at) {
                (Some(d), Some(at)) => Some((d, from_ms(at)?, r.decision_justification)),
                _ => None,
            },
        });
    }
    Ok(out)
}

/// Requests waiting for `me` to decide their current stage, oldest deadline first.
pub async fn pending_for(
    conn: &mut Conn,
    me: UserId,
    limit: i64,
) -> DomainResult<Vec<ApprovalItem>> {
    let rows: Vec<ApprovalRow> = sqlx::query_as(&format!(
        "{APPROVAL_SELECT} WHERE a.user_id = $1 AND r.state = 'pendingApproval' AND a.stage_no = r.stage_no AND s.decision IS NULL
         ORDER BY s.due_at, r.id LIMIT $2"
    ))
    .bind(me.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    approval_items(conn, me, rows).await
}

/// Stages `me` could decide that are decided (by anyone) or closed, newest first.
pub async fn history_for(
    conn: &mut Conn,
    me: UserId,
    limit: i64,
) -> DomainResult<Vec<ApprovalItem>> {
    let rows: Vec<ApprovalRow> = sqlx::query_as(&format!(
        "{APPROVAL_SELECT} WHERE a.user_id = $1 AND (s.decision IS NOT NULL OR r.state <> 'pendingApproval' OR a.stage_no <> r.stage_no)
         ORDER BY r.updated_at DESC, r.id LIMIT $2"
    ))
    .bind(me.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    approval_items(conn, me, rows).await
}

/// Resource roles of several packages in words, by package id.
pub async fn grants_in_words(
    conn: &mut Conn,
    packages: &[String],
) -> DomainResult<std::collections::HashMap<String, Vec<String>>> {
    let mut out: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for chunk in packages.chunks(200) {
        let list = placeholders(chunk.len());
        let sql = format!(
            "SELECT rr.package_id, rr.role, g.name FROM access_package_resource_roles rr JOIN directory_groups g ON g.id = rr.group_id
             WHERE rr.package_id IN ({list}) ORDER BY g.name_key"
        );
        let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for (pkg, role, group) in q.fetch_all(&mut *conn).await? {
            let role = ResourceRole::parse(&role).map_err(corrupt)?;
            out.entry(pkg)
                .or_default()
                .push(format!("{} of {group}", role.label()));
        }
    }
    Ok(out)
}

type CandidateRow = (String, String, String);

/// Visible packages with an enabled policy whose scope could include the person, matching
/// `pattern` (a LIKE pattern), in name order; `limit` bounds the scan.
pub async fn requestable_candidates(
    conn: &mut Conn,
    is_guest: bool,
    pattern: &str,
    limit: i64,
) -> DomainResult<Vec<CandidateRow>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.name, p.description FROM access_packages p JOIN catalogs c ON c.id = p.catalog_id
         WHERE p.hidden = 0 AND c.enabled = 1
           AND (p.name_key LIKE $2 ESCAPE '\\' OR lower(p.description) LIKE $2 ESCAPE '\\')
           AND EXISTS (SELECT 1 FROM access_package_policies x WHERE x.package_id = p.id AND x.enabled = 1
                 AND (x.scope = 'allDirectoryUsers' OR x.scope = 'specificDirectoryUsers' OR (x.scope = 'allMemberUsers' AND $1 = 0)))
         ORDER BY p.name_key, p.id LIMIT $3",
    )
    .bind(i64::from(is_guest))
    .bind(pattern)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

type AssignmentRow = (String, String, String, Option<i64>, i64, Option<String>);

/// The person's assignments (live or ended) with their packages, newest first.
pub async fn assignments_of(
    conn: &mut Conn,
    user: UserId,
    live: bool,
    pattern: &str,
    limit: i64,
) -> DomainResult<Vec<AssignmentRow>> {
    let filter = if live {
        "a.active_key IS NOT NULL"
    } else {
        "a.active_key IS NULL"
    };
    Ok(sqlx::query_as(&format!(
        "SELECT p.id, p.name, p.description, a.ends_at, a.updated_at, a.policy_id FROM access_package_assignments a
         JOIN access_packages p ON p.id = a.package_id
         WHERE a.user_id = $1 AND {filter} AND (p.name_key LIKE $2 ESCAPE '\\' OR lower(p.description) LIKE $2 ESCAPE '\\')
         ORDER BY a.updated_at DESC, a.id LIMIT $3"
    ))
    .bind(user.to_string())
    .bind(pattern)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Enabled policy specs of several packages, by package id (one query per 200 packages).
pub async fn enabled_specs(
    conn: &mut Conn,
    packages: &[String],
) -> DomainResult<std::collections::HashMap<String, Vec<PolicySpec>>> {
    let mut out: std::collections::HashMap<String, Vec<PolicySpec>> =
        std::collections::HashMap::new();
    for chunk in packages.chunks(200) {
        let list = placeholders(chunk.len());
        let sql = format!(
            "SELECT package_id, spec FROM access_package_policies WHERE enabled = 1 AND package_id IN ({list})"
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for (pkg, spec) in q.fetch_all(&mut *conn).await? {
            out.entry(pkg)
                .or_default()
                .push(serde_json::from_str(&spec).map_err(corrupt)?);
        }
    }
    Ok(out)
}

/// Packages the person holds (live) and has open requests for.
pub async fn my_package_states(
    conn: &mut Conn,
    user: UserId,
) -> DomainResult<(
    std::collections::HashSet<String>,
    std::collections::HashSet<String>,
)> {
    let held: Vec<String> = sqlx::query_scalar("SELECT package_id FROM access_package_assignments WHERE user_id = $1 AND active_key IS NOT NULL")
        .bind(user.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let open: Vec<String> = sqlx::query_scalar("SELECT package_id FROM access_package_requests WHERE requestor_id = $1 AND open_key IS NOT NULL")
        .bind(user.to_string())
        .fetch_all(&mut *conn)
        .await?;
    Ok((held.into_iter().collect(), open.into_iter().collect()))
}

type AssignmentListRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
);

fn assignments_filter(live: bool) -> String {
    format!(
        "a.package_id = $1 AND a.active_key IS {} NULL AND (lower(u.display_name) LIKE $2 ESCAPE '\\' OR u.email LIKE $2 ESCAPE '\\')",
        if live { "NOT" } else { "" }
    )
}

/// A package's assignments (live or ended), people in name order, matching `pattern`.
pub async fn package_assignments(
    conn: &mut Conn,
    package: AccessPackageId,
    live: bool,
    pattern: &str,
    page: PageRequest,
) -> DomainResult<Page<AssignmentView>> {
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM access_package_assignments a JOIN users u ON u.id = a.user_id WHERE {}",
        assignments_filter(live)
    ))
    .bind(package.to_string())
    .bind(pattern)
    .fetch_one(&mut *conn)
    .await?;
    let items = assignment_rows(conn, package, live, pattern, page.limit(), page.offset()).await?;
    Ok(Page::of(items, total, page))
}

/// One slice of a package's assignments in name order (pages and the CSV export).
pub async fn assignment_rows(
    conn: &mut Conn,
    package: AccessPackageId,
    live: bool,
    pattern: &str,
    limit: i64,
    offset: i64,
) -> DomainResult<Vec<AssignmentView>> {
    let rows: Vec<AssignmentListRow> = sqlx::query_as(&format!(
        "SELECT a.id, u.id, u.display_name, u.email, a.state, a.starts_at, a.ends_at, x.name
         FROM access_package_assignments a JOIN users u ON u.id = a.user_id
         LEFT JOIN access_package_policies x ON x.id = a.policy_id
         WHERE {} ORDER BY lower(u.display_name), a.id LIMIT $3 OFFSET $4",
        assignments_filter(live)
    ))
    .bind(package.to_string())
    .bind(pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(AssignmentView {
                id: AssignmentId(uuid(&r.0)?),
                user: UserRef {
                    id: UserId(uuid(&r.1)?),
                    display_name: r.2,
                    email: r.3,
                },
                state: r.4,
                starts_at: from_ms(r.5)?,
                ends_at: r.6.map(from_ms).transpose()?,
                policy: r.7,
            })
        })
        .collect()
}

/// The live assignment `id`: (package, user).
pub async fn live_assignment(
    conn: &mut Conn,
    id: AssignmentId,
) -> DomainResult<Option<(AccessPackageId, UserId)>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT package_id, user_id FROM access_package_assignments WHERE id = $1 AND active_key IS NOT NULL",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(p, u)| Ok((AccessPackageId(uuid(&p)?), UserId(uuid(&u)?))))
        .transpose()
}

/// Ends a live assignment now and withdraws every grant it gave (other grants stay).
/// Returns how many grants were withdrawn, or `None` when it was no longer live.
pub async fn end_assignment(
    conn: &mut Conn,
    id: AssignmentId,
    state: &str,
    now: DateTime<Utc>,
) -> DomainResult<Option<u64>> {
    let done = sqlx::query(
        "UPDATE access_package_assignments SET state = $2, active_key = NULL, updated_at = $3,
            ends_at = CASE WHEN ends_at IS NOT NULL AND ends_at < $3 THEN ends_at ELSE $3 END
         WHERE id = $1 AND active_key IS NOT NULL",
    )
    .bind(id.to_string())
    .bind(state)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    let mut revoked = 0;
    for role in ResourceRole::ALL.iter().copied() {
        revoked += sqlx::query(&format!(
            "DELETE FROM {} WHERE source = $1",
            super::packages::grant_table(role)
        ))
        .bind(GrantSource::Assignment(id.0).code())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(Some(revoked))
}

/// The person's live assignment of a package: (assignment, policy, end).
pub async fn live_of(
    conn: &mut Conn,
    package: AccessPackageId,
    user: UserId,
) -> DomainResult<Option<(AssignmentId, Option<PolicyId>, Option<DateTime<Utc>>)>> {
    let row: Option<(String, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT id, policy_id, ends_at FROM access_package_assignments WHERE active_key = $1 AND state = 'delivered'",
    )
    .bind(open_key(package, user))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(a, p, e)| {
        Ok((
            AssignmentId(uuid(&a)?),
            p.map(|p| uuid(&p).map(PolicyId)).transpose()?,
            e.map(from_ms).transpose()?,
        ))
    })
    .transpose()
}

/// Moves a live assignment's end; its expiry reminders start over.
pub async fn extend(
    conn: &mut Conn,
    id: AssignmentId,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE access_package_assignments SET ends_at = $2, reminders_sent = 0, updated_at = $3
         WHERE id = $1 AND active_key IS NOT NULL AND state = 'delivered'",
    )
    .bind(id.to_string())
    .bind(ms(ends_at))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Policy specs by id (for the cards of My Access), in one query per 200.
pub async fn policy_specs(
    conn: &mut Conn,
    ids: &[String],
) -> DomainResult<std::collections::HashMap<String, PolicySpec>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(200) {
        let sql = format!(
            "SELECT id, spec FROM access_package_policies WHERE id IN ({})",
            super::placeholders(chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for (id, spec) in q.fetch_all(&mut *conn).await? {
            out.insert(id, serde_json::from_str(&spec).map_err(corrupt)?);
        }
    }
    Ok(out)
}
