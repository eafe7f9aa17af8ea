//! Requests, their stages, deciders and timeline; assignments and their grants.

use super::{Arg, Conn, corrupt, from_ms, ms, paged, placeholders, placeholders_after, uuid};
use crate::model::*;
use crate::rules::grants::GrantSource;
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};

mod assignments;
mod my_access;
mod stages;
mod timeline;
mod views;

pub use assignments::*;
pub use my_access::*;
pub use stages::*;
pub use timeline::{Entry, event, events};
pub use views::*;

pub fn open_key(package: AccessPackageId, user: UserId) -> String {
    format!("{package}/{user}")
}

pub struct NewRequest<'a> {
    pub id: RequestId,
    pub package: AccessPackageId,
    pub policy: PolicyId,
    pub requestor: UserId,
    pub kind: RequestKind,
    pub created_by: UserId,
    pub justification: &'a str,
    pub answers: &'a [String],
    pub stages: &'a [Stage],
    /// The requested period, when the person asked for one.
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The first entry of its timeline ("submitted"), written with the row.
    pub submitted: &'a str,
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
            state: RequestState::Submitted,
            stage_no: 0,
            stages: self.stages.to_vec(),
            justification: self.justification.to_owned(),
            answers: self.answers.to_vec(),
            period: self.period,
            kind: self.kind,
        }
    }
}

/// Inserts an open request; `false` when the person already has one open for the package.
/// A direct assignment is never open (it is delivered in the same transaction), so it holds
/// no open slot.
pub async fn insert(conn: &mut Conn, r: &NewRequest<'_>) -> DomainResult<bool> {
    let open = r.kind.is_requested();
    let done = sqlx::query(
        "INSERT INTO access_package_requests (id, package_id, policy_id, requestor_id, request_type, state, open_key,
            justification, answers_json, stages_json, stage_no, starts_at, ends_at, created_by, created_at, updated_at, timeline)
         VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, 0, $10, $11, $12, $13, $13, $14)
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
    .bind(Entry::new("submitted", r.submitted).encoded(r.now)?)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    super::webhooks::emit(
        conn,
        WebhookEvent::RequestCreated,
        &[r.id.to_string()],
        None,
        r.now,
    )
    .await?;
    Ok(true)
}

/// What the use cases need to know about a request.
pub struct RequestRow {
    pub id: RequestId,
    pub package: AccessPackageId,
    pub policy: Option<PolicyId>,
    pub requestor: UserId,
    pub state: RequestState,
    pub stage_no: u32,
    pub stages: Vec<Stage>,
    pub justification: String,
    pub answers: Vec<String>,
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub kind: RequestKind,
}

/// A request as stored.
#[derive(sqlx::FromRow)]
struct StoredRequest {
    id: String,
    package_id: String,
    policy_id: Option<String>,
    requestor_id: String,
    state: RequestState,
    stage_no: i64,
    stages_json: String,
    justification: String,
    answers_json: String,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    request_type: RequestKind,
}

const REQUEST_COLUMNS: &str =
    "r.id, r.package_id, r.policy_id, r.requestor_id, r.state, r.stage_no, r.stages_json,
    r.justification, r.answers_json, r.starts_at, r.ends_at, r.request_type";

pub async fn get(conn: &mut Conn, id: RequestId) -> DomainResult<RequestRow> {
    let row: Option<StoredRequest> = sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS} FROM access_package_requests r WHERE r.id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or(DomainError::NotFound("request"))?.into_row()
}

impl StoredRequest {
    fn into_row(self) -> DomainResult<RequestRow> {
        let r = self;
        Ok(RequestRow {
            id: RequestId(uuid(&r.id)?),
            package: AccessPackageId(uuid(&r.package_id)?),
            policy: r.policy_id.map(|p| uuid(&p).map(PolicyId)).transpose()?,
            requestor: UserId(uuid(&r.requestor_id)?),
            state: r.state,
            stage_no: u32::try_from(r.stage_no).map_err(corrupt)?,
            stages: serde_json::from_str(&r.stages_json).map_err(corrupt)?,
            justification: r.justification,
            answers: serde_json::from_str(&r.answers_json).map_err(corrupt)?,
            period: period(r.starts_at, r.ends_at)?,
            kind: r.request_type,
        })
    }
}

/// A request as an approver is about to decide it: the request, the names the decision's
/// messages use, whether `approver` may decide its current stage, and that stage's deadline.
pub struct ForDecision {
    pub request: RequestRow,
    pub package_name: String,
    pub requestor_name: String,
    pub may_decide: bool,
    pub due: Option<DateTime<Utc>>,
}

/// [`ForDecision`] in one statement (it was five: the request, the approver, the deadline,
/// the package's and the requestor's names).
pub async fn for_decision(
    conn: &mut Conn,
    id: RequestId,
    approver: UserId,
) -> DomainResult<ForDecision> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        request: StoredRequest,
        package_name: String,
        requestor_name: String,
        approvers: i64,
        due_at: Option<i64>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS}, p.name AS package_name, u.display_name AS requestor_name,
            (SELECT COUNT(*) FROM request_approvers a
              WHERE a.request_id = r.id AND a.stage_no = r.stage_no AND a.user_id = $2
                AND a.retired_at IS NULL) AS approvers,
            s.due_at
         FROM access_package_requests r
         JOIN access_packages p ON p.id = r.package_id
         JOIN users u ON u.id = r.requestor_id
         LEFT JOIN request_stages s ON s.request_id = r.id AND s.stage_no = r.stage_no
         WHERE r.id = $1"
    ))
    .bind(id.to_string())
    .bind(approver.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or(DomainError::NotFound("request"))?;
    Ok(ForDecision {
        request: row.request.into_row()?,
        package_name: row.package_name,
        requestor_name: row.requestor_name,
        may_decide: row.approvers > 0,
        due: row.due_at.map(from_ms).transpose()?,
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

/// Moves a request from `from` (its state and stage as read) to `to` (a state and stage),
/// adding `entry` to its timeline; closed states free the "one open request" slot. Whoever
/// changed the request since it was read wins: then nothing changes and the answer is a
/// conflict naming the state it is in now. (On PostgreSQL's read committed, a check on a
/// read row is no guard: the deadline job read a request as pending while its requestor's
/// cancel committed, and overwrote the cancel.)
pub async fn set_state(
    conn: &mut Conn,
    id: RequestId,
    from: (RequestState, u32),
    to: (RequestState, u32),
    outcome: &str,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    if try_set_state(&mut *conn, id, from, to, outcome, entry, now).await? {
        return Ok(());
    }
    Err(changed_meanwhile(conn, id).await?)
}

/// The conflict of a request another change moved first, naming the state it is in now.
async fn changed_meanwhile(conn: &mut Conn, id: RequestId) -> DomainResult<DomainError> {
    let now_in: Option<RequestState> =
        sqlx::query_scalar("SELECT state FROM access_package_requests WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(DomainError::Conflict(match now_in {
        Some(s) => format!(
            "This request changed at the same moment: it is now {}. Nothing was changed.",
            s.label().to_lowercase()
        ),
        None => "This request no longer exists. Nothing was changed.".to_owned(),
    }))
}

/// [`set_state`] for the jobs, which pass over a request another change got to first:
/// whether the request was still in `from` and moved.
pub async fn try_set_state(
    conn: &mut Conn,
    id: RequestId,
    from: (RequestState, u32),
    to: (RequestState, u32),
    outcome: &str,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    move_state(conn, id, from, to, outcome, entry, None, now).await
}

/// Moves a delivered request to `Delivered` and records the assignment it delivered (a new
/// one, or the one it extended), as [`set_state`] does.
pub async fn set_delivered(
    conn: &mut Conn,
    id: RequestId,
    from: (RequestState, u32),
    stage_no: u32,
    assignment: AssignmentId,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let to = (RequestState::Delivered, stage_no);
    if move_state(&mut *conn, id, from, to, "", entry, Some(assignment), now).await? {
        return Ok(());
    }
    Err(changed_meanwhile(conn, id).await?)
}

#[allow(clippy::too_many_arguments)]
async fn move_state(
    conn: &mut Conn,
    id: RequestId,
    from: (RequestState, u32),
    (state, stage_no): (RequestState, u32),
    outcome: &str,
    entry: Entry<'_>,
    assignment: Option<AssignmentId>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let open = state.is_open();
    let sql = format!(
        "UPDATE access_package_requests SET state = $2, stage_no = $3, outcome = $4, updated_at = $5,
            timeline = timeline || $8{}{}
         WHERE id = $1 AND state = $6 AND stage_no = $7",
        if open { "" } else { ", open_key = NULL" },
        if assignment.is_some() {
            ", assignment_id = $9"
        } else {
            ""
        }
    );
    let done = sqlx::query(&sql)
        .bind(id.to_string())
        .bind(state)
        .bind(i64::from(stage_no))
        .bind(outcome)
        .bind(ms(now))
        .bind(from.0)
        .bind(i64::from(from.1))
        .bind(entry.encoded(now)?);
    let done = match assignment {
        Some(a) => done.bind(a.to_string()),
        None => done,
    }
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let heard = match state {
        RequestState::Delivered => Some(WebhookEvent::RequestApproved),
        RequestState::Denied => Some(WebhookEvent::RequestDenied),
        _ => None,
    };
    if let Some(event) = heard {
        super::webhooks::emit(conn, event, &[id.to_string()], None, now).await?;
    }
    // Only the approvers of the stage it now waits at (if any) still await a decision.
    let waits = state == RequestState::PendingApproval;
    let done = sqlx::query(if waits {
        "UPDATE request_approvers SET awaiting = 0 WHERE request_id = $1 AND awaiting = 1 AND stage_no <> $2"
    } else {
        "UPDATE request_approvers SET awaiting = 0 WHERE request_id = $1 AND awaiting = 1"
    })
    .bind(id.to_string());
    let done = if waits {
        done.bind(i64::from(stage_no))
    } else {
        done
    };
    done.execute(&mut *conn).await?;
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

/// The name of the first incompatible package or group the person ($2) holds with the
/// package ($1).
const INCOMPATIBLE_HELD: &str = "SELECT p.name FROM access_package_incompatibilities i
       JOIN access_package_assignments a ON a.package_id = i.target_id AND a.user_id = $2 AND a.active_key IS NOT NULL
       JOIN access_packages p ON p.id = i.target_id
     WHERE i.package_id = $1 AND i.kind = 'package'
     UNION ALL
     SELECT g.name FROM access_package_incompatibilities i
       JOIN group_members m ON m.group_id = i.target_id AND m.user_id = $2
       JOIN directory_groups g ON g.id = i.target_id
     WHERE i.package_id = $1 AND i.kind = 'group'";

/// The first incompatible package or group the person holds, by name.
pub async fn incompatibility_held(
    conn: &mut Conn,
    package: AccessPackageId,
    user: UserId,
) -> DomainResult<Option<String>> {
    let held: Option<String> = sqlx::query_scalar(&format!("{INCOMPATIBLE_HELD} LIMIT 1"))
        .bind(package.to_string())
        .bind(user.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(held)
}

/// What stands in the way of a person's request for a package, in one statement: whether
/// they already hold it ([`holds_package`]), and the first incompatible package or group
/// they hold ([`incompatibility_held`]).
pub async fn obstacles(
    conn: &mut Conn,
    package: AccessPackageId,
    user: UserId,
) -> DomainResult<(bool, Option<String>)> {
    let (held, incompatible): (i64, Option<String>) = sqlx::query_as(&format!(
        "SELECT (SELECT COUNT(*) FROM access_package_assignments WHERE active_key = $3),
                (SELECT x.name FROM ({INCOMPATIBLE_HELD}) x LIMIT 1)"
    ))
    .bind(package.to_string())
    .bind(user.to_string())
    .bind(open_key(package, user))
    .fetch_one(&mut *conn)
    .await?;
    Ok((held > 0, incompatible))
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
