//! What the lifecycle jobs find due, and the guarded updates that make each transition
//! happen once however many runs or instances race for it.

use super::{Conn, from_ms, ms, uuid};
use crate::DomainResult;
use crate::model::*;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Skips items of `job` whose failure asked to wait (`$2` is now).
pub(super) fn not_waiting(job: &str, item: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM job_failures f WHERE f.job = '{job}' AND f.item_id = {item} AND f.next_at > $1)"
    )
}

/// An approval stage the deadline, forward or reminder job works on.
#[derive(Debug, Clone)]
pub struct DueStage {
    pub request: RequestId,
    pub stage_no: u32,
    pub due_at: DateTime<Utc>,
}

/// The stages of the current step of pending requests that meet `condition` (`$1` is now),
/// soonest due first, at most `$2`.
fn due_stages_sql(job: &str, condition: &str) -> String {
    format!(
        "SELECT s.request_id, s.stage_no, s.due_at FROM request_stages s
         JOIN access_package_requests r ON r.id = s.request_id
         WHERE s.decision IS NULL AND {condition} AND r.state = 'pendingApproval' AND r.stage_no = s.stage_no
           AND {}
         ORDER BY s.due_at, s.request_id LIMIT $2",
        not_waiting(job, "s.request_id")
    )
}

const OVERDUE: &str = "s.due_at <= $1";
const TO_FORWARD: &str = "s.forwarded_at IS NULL AND s.forward_at <= $1 AND s.due_at > $1";
const TO_REMIND: &str = "s.reminded_at IS NULL AND s.remind_at <= $1 AND s.due_at > $1";

/// Each finder of the lifecycle jobs (its SQL) with the partial index it is meant to seek:
/// migration 0029 keeps only live rows in those indexes, with predicates that are terms of
/// these queries. A test asks both databases for each plan. Their parameters are integers:
/// `$1` now, `$2` the limit, and for the expiry reminders `$3` a level and `$4` a horizon.
pub fn finders() -> Vec<(String, &'static str)> {
    vec![
        (
            due_stages_sql("request_deadline", OVERDUE),
            "request_stages_open_idx",
        ),
        (
            due_stages_sql("request_forward", TO_FORWARD),
            "request_stages_forward_idx",
        ),
        (
            due_stages_sql("request_reminder", TO_REMIND),
            "request_stages_remind_idx",
        ),
        (due_scheduled_sql(), "access_package_assignments_start_idx"),
        (
            ended_sql(AssignmentState::Delivered),
            "access_package_assignments_end_idx",
        ),
        (
            ended_sql(AssignmentState::Scheduled),
            "access_package_assignments_end_idx",
        ),
        (to_remind_sql(), "access_package_assignments_remind_idx"),
    ]
}

async fn due_stages(
    conn: &mut Conn,
    job: &str,
    condition: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<DueStage>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(&due_stages_sql(job, condition))
        .bind(ms(now))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter()
        .map(|(r, n, due)| {
            Ok(DueStage {
                request: RequestId(uuid(&r)?),
                stage_no: u32::try_from(n).map_err(super::corrupt)?,
                due_at: from_ms(due)?,
            })
        })
        .collect()
}

/// Stages nobody decided within their window.
pub async fn overdue_stages(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<DueStage>> {
    due_stages(conn, "request_deadline", OVERDUE, now, limit).await
}

/// Stages due to go to their alternate approvers.
pub async fn stages_to_forward(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<DueStage>> {
    due_stages(conn, "request_forward", TO_FORWARD, now, limit).await
}

/// Stages whose approvers are due a reminder.
pub async fn stages_to_remind(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<DueStage>> {
    due_stages(conn, "request_reminder", TO_REMIND, now, limit).await
}

/// Closes an undecided stage as expired; `false` when a decision (or another run) came first.
pub async fn expire_stage(
    conn: &mut Conn,
    request: RequestId,
    stage_no: u32,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE request_stages SET decision = 'expired', decided_at = $3
         WHERE request_id = $1 AND stage_no = $2 AND decision IS NULL",
    )
    .bind(request.to_string())
    .bind(i64::from(stage_no))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a stage forwarded (or reminded: `column`), once.
pub async fn mark_stage(
    conn: &mut Conn,
    request: RequestId,
    stage_no: u32,
    column: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let column = match column {
        "forwarded_at" => "forwarded_at",
        _ => "reminded_at",
    };
    let done = sqlx::query(&format!(
        "UPDATE request_stages SET {column} = $3
         WHERE request_id = $1 AND stage_no = $2 AND decision IS NULL AND {column} IS NULL"
    ))
    .bind(request.to_string())
    .bind(i64::from(stage_no))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The people who may decide a stage now.
pub async fn stage_approvers(
    conn: &mut Conn,
    request: RequestId,
    stage_no: u32,
) -> DomainResult<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT user_id FROM request_approvers WHERE request_id = $1 AND stage_no = $2 ORDER BY user_id",
    )
    .bind(request.to_string())
    .bind(i64::from(stage_no))
    .fetch_all(&mut *conn)
    .await?;
    ids.iter().map(|i| Ok(UserId(uuid(i)?))).collect()
}

/// A live assignment the expiry or reminder job works on.
#[derive(Debug, Clone)]
pub struct DueAssignment {
    pub id: AssignmentId,
    pub package: AccessPackageId,
    pub user: UserId,
    pub policy: Option<PolicyId>,
    pub ends_at: DateTime<Utc>,
    pub reminders_sent: i64,
}

/// A live assignment as the expiry and reminder queries read it.
#[derive(sqlx::FromRow)]
struct AssignmentRow {
    id: String,
    package_id: String,
    user_id: String,
    policy_id: Option<String>,
    ends_at: i64,
    reminders_sent: i64,
}

fn due_assignment(r: AssignmentRow) -> DomainResult<DueAssignment> {
    Ok(DueAssignment {
        id: AssignmentId(uuid(&r.id)?),
        package: AccessPackageId(uuid(&r.package_id)?),
        user: UserId(uuid(&r.user_id)?),
        policy: r.policy_id.map(|p| uuid(&p).map(PolicyId)).transpose()?,
        ends_at: from_ms(r.ends_at)?,
        reminders_sent: r.reminders_sent,
    })
}

/// A scheduled assignment whose start has come.
#[derive(Debug, Clone)]
pub struct DueStart {
    pub id: AssignmentId,
    pub package: AccessPackageId,
    pub user: UserId,
}

fn due_scheduled_sql() -> String {
    format!(
        "SELECT a.id, a.package_id, a.user_id FROM access_package_assignments a
         WHERE a.state = 'scheduled' AND a.starts_at <= $1 AND {}
         ORDER BY a.starts_at, a.id LIMIT $2",
        not_waiting("assignment_start", "a.id")
    )
}

/// Scheduled assignments whose start has come, except those waiting out a failure.
pub async fn due_scheduled(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<DueStart>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(&due_scheduled_sql())
        .bind(ms(now))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    assignment_refs(rows)
}

/// (assignment, package, person) rows as [`DueStart`]s.
fn assignment_refs(rows: Vec<(String, String, String)>) -> DomainResult<Vec<DueStart>> {
    rows.into_iter()
        .map(|(a, p, u)| {
            Ok(DueStart {
                id: AssignmentId(uuid(&a)?),
                package: AccessPackageId(uuid(&p)?),
                user: UserId(uuid(&u)?),
            })
        })
        .collect()
}

fn ended_sql(state: AssignmentState) -> String {
    format!(
        "SELECT a.id, a.package_id, a.user_id, a.policy_id, a.ends_at, a.reminders_sent
         FROM access_package_assignments a
         WHERE a.state = '{state}' AND a.ends_at <= $1 AND {}
         ORDER BY a.ends_at, a.id LIMIT $2",
        not_waiting("assignment_expiry", "a.id")
    )
}

/// Live (or scheduled) assignments whose end has come.
pub async fn ended_assignments(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<DueAssignment>> {
    let mut out = Vec::new();
    for state in [AssignmentState::Delivered, AssignmentState::Scheduled] {
        let rows: Vec<AssignmentRow> = sqlx::query_as(&ended_sql(state))
            .bind(ms(now))
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            out.push(due_assignment(r)?);
        }
    }
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// Live assignments with `$3` reminders that end after now (`$1`) and by `$4`.
fn to_remind_sql() -> String {
    format!(
        "SELECT a.id, a.package_id, a.user_id, a.policy_id, a.ends_at, a.reminders_sent
         FROM access_package_assignments a
         WHERE a.reminders_sent = $3 AND a.ends_at <= $4 AND a.ends_at > $1 AND a.state = 'delivered'
           AND {}
         ORDER BY a.ends_at, a.id LIMIT $2",
        not_waiting("assignment_reminder", "a.id")
    )
}

/// Live assignments ending within `lead` of now that have had fewer than `level` reminders.
pub async fn assignments_to_remind(
    conn: &mut Conn,
    now: DateTime<Utc>,
    lead: chrono::Duration,
    level: i64,
    limit: i64,
) -> DomainResult<Vec<DueAssignment>> {
    let mut out = Vec::new();
    for sent in 0..level {
        let rows: Vec<AssignmentRow> = sqlx::query_as(&to_remind_sql())
            .bind(ms(now))
            .bind(limit)
            .bind(sent)
            .bind(ms(now + lead))
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            out.push(due_assignment(r)?);
        }
    }
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// Records that reminder `level` went out for each of `ids` still live, once: returns those
/// marked now (not those whose reminder, or a later one, already went out). One statement.
pub async fn mark_reminded(
    conn: &mut Conn,
    ids: &[AssignmentId],
    level: i64,
) -> DomainResult<BTreeSet<AssignmentId>> {
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let sql = format!(
        "UPDATE access_package_assignments SET reminders_sent = $1
         WHERE reminders_sent < $1 AND active_key IS NOT NULL AND id IN ({}) RETURNING id",
        super::placeholders_after(1, ids.len())
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(level);
    for id in ids {
        q = q.bind(id.to_string());
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|id| Ok(AssignmentId(uuid(id)?)))
        .collect()
}

/// Records a failed item: it waits until `next_at`; returns the attempts so far.
pub async fn record_failure(
    conn: &mut Conn,
    job: &str,
    item: &str,
    error: &str,
    now: DateTime<Utc>,
    delay: fn(i64) -> chrono::Duration,
) -> DomainResult<i64> {
    let attempts: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(attempts), 0) FROM job_failures WHERE job = $1 AND item_id = $2",
    )
    .bind(job)
    .bind(item)
    .fetch_one(&mut *conn)
    .await?;
    let attempts = attempts + 1;
    sqlx::query(
        "INSERT INTO job_failures (job, item_id, attempts, next_at, last_error, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (job, item_id) DO UPDATE SET attempts = $3, next_at = $4, last_error = $5, updated_at = $6",
    )
    .bind(job)
    .bind(item)
    .bind(attempts)
    .bind(ms(now + delay(attempts)))
    .bind(error)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(attempts)
}

/// Forgets the failures of a job's items once they succeeded, in one statement.
pub async fn clear_failures(conn: &mut Conn, job: &str, items: &[String]) -> DomainResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "DELETE FROM job_failures WHERE job = $1 AND item_id IN ({})",
        super::placeholders_after(1, items.len())
    );
    let mut q = sqlx::query(&sql).bind(job);
    for item in items {
        q = q.bind(item.as_str());
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Items waiting for another attempt: (job, item, attempts, next attempt, last error).
pub async fn failures(
    conn: &mut Conn,
    limit: i64,
) -> DomainResult<Vec<(String, String, i64, DateTime<Utc>, String)>> {
    let rows: Vec<(String, String, i64, i64, String)> = sqlx::query_as(
        "SELECT job, item_id, attempts, next_at, last_error FROM job_failures ORDER BY updated_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| Ok((r.0, r.1, r.2, from_ms(r.3)?, r.4)))
        .collect()
}

/// A package's name (jobs name it in notifications without counting its assignments).
pub async fn package_name(conn: &mut Conn, id: AccessPackageId) -> DomainResult<String> {
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM access_packages WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    name.ok_or(crate::DomainError::NotFound("access package"))
}

/// Names of packages and e-mail addresses of people, for a batch of notifications: every
/// one asked for, or an error naming what is missing.
pub async fn names_of(
    conn: &mut Conn,
    packages: &BTreeSet<AccessPackageId>,
    people: &BTreeSet<UserId>,
) -> DomainResult<(BTreeMap<AccessPackageId, String>, BTreeMap<UserId, String>)> {
    /// `sql … IN (ids)` as id → text, every id found or an error naming `what`.
    async fn lookup<K: Ord + ToString>(
        conn: &mut Conn,
        sql: &str,
        ids: &BTreeSet<K>,
        key: fn(uuid::Uuid) -> K,
        what: &'static str,
    ) -> DomainResult<BTreeMap<K, String>> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let sql = format!("{sql} ({})", super::placeholders(ids.len()));
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for id in ids {
            q = q.bind(id.to_string());
        }
        let found = q
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(id, text)| Ok((key(uuid(&id)?), text)))
            .collect::<DomainResult<BTreeMap<K, String>>>()?;
        if found.len() != ids.len() {
            return Err(crate::DomainError::NotFound(what));
        }
        Ok(found)
    }
    let names = lookup(
        conn,
        "SELECT id, name FROM access_packages WHERE id IN",
        packages,
        AccessPackageId,
        "access package",
    )
    .await?;
    let emails = lookup(
        conn,
        "SELECT id, email FROM users WHERE id IN",
        people,
        UserId,
        "user",
    )
    .await?;
    Ok((names, emails))
}

/// A live assignment of a person who is disabled: the leaver job removes it.
pub type LeaverAssignment = DueStart;

/// Live (or scheduled) assignments of disabled people, except those waiting out a failure.
/// Found from the disabled people (a partial index), then their assignments (by person).
pub async fn leavers_assignments(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<LeaverAssignment>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(&format!(
        "SELECT a.id, a.package_id, a.user_id
         FROM users u JOIN access_package_assignments a ON a.user_id = u.id
         WHERE u.enabled = 0 AND a.state IN ('delivered', 'scheduled') AND {}
         ORDER BY a.id LIMIT $2",
        not_waiting("leaver_access", "a.id")
    ))
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    assignment_refs(rows)
}

/// An open request of a person who is disabled: the leaver job cancels it.
#[derive(Debug, Clone)]
pub struct LeaverRequest {
    pub id: RequestId,
}

/// Open requests of disabled people, except those waiting out a failure.
pub async fn leavers_requests(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<LeaverRequest>> {
    let ids: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT r.id FROM users u JOIN access_package_requests r ON r.requestor_id = u.id
         WHERE u.enabled = 0 AND r.open_key IS NOT NULL AND {}
         ORDER BY r.id LIMIT $2",
        not_waiting("leaver_request", "r.id")
    ))
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    ids.iter()
        .map(|id| {
            Ok(LeaverRequest {
                id: RequestId(uuid(id)?),
            })
        })
        .collect()
}

/// Approval stages waiting on someone who can no longer decide them: an approver who is
/// disabled, or a manager-stage approver who is no longer the requestor's manager. The
/// re-route job gives them to whoever decides now.
pub async fn stages_to_reroute(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<DueStage>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
        "SELECT DISTINCT s.request_id, s.stage_no, s.due_at
         FROM request_approvers ra
         JOIN access_package_requests r ON r.id = ra.request_id AND r.stage_no = ra.stage_no
         JOIN request_stages s ON s.request_id = ra.request_id AND s.stage_no = ra.stage_no
         JOIN users approver ON approver.id = ra.user_id
         JOIN users requestor ON requestor.id = r.requestor_id
         WHERE ra.awaiting = 1 AND ra.retired_at IS NULL
           AND r.state = 'pendingApproval' AND s.decision IS NULL
           AND (approver.enabled = 0
                OR (ra.source = 'manager'
                    AND (requestor.manager_id IS NULL OR requestor.manager_id <> ra.user_id)))
           AND {}
         ORDER BY s.request_id LIMIT $2",
        not_waiting("request_reroute", "s.request_id")
    ))
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(request, stage_no, due_at)| {
            Ok(DueStage {
                request: RequestId(uuid(&request)?),
                stage_no: u32::try_from(stage_no).map_err(super::corrupt)?,
                due_at: from_ms(due_at)?,
            })
        })
        .collect()
}

/// One approver a stage waits on, as the re-route job reads them.
#[derive(Debug, Clone)]
pub struct StageApprover {
    pub user: UserId,
    pub email: String,
    /// `manager`, `specific`, `fallback` or `alternate`.
    pub source: String,
    pub enabled: bool,
}

/// The approvers stage `stage_no` of the request still waits on (not retired).
pub async fn awaiting_approvers(
    conn: &mut Conn,
    request: RequestId,
    stage_no: u32,
) -> DomainResult<Vec<StageApprover>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT ra.user_id, u.email, ra.source, u.enabled
         FROM request_approvers ra JOIN users u ON u.id = ra.user_id
         WHERE ra.request_id = $1 AND ra.stage_no = $2 AND ra.awaiting = 1 AND ra.retired_at IS NULL
         ORDER BY ra.user_id",
    )
    .bind(request.to_string())
    .bind(i64::from(stage_no))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(user, email, source, enabled)| {
            Ok(StageApprover {
                user: UserId(uuid(&user)?),
                email,
                source,
                enabled: super::flag_of(enabled)?,
            })
        })
        .collect()
}

/// The approvers who can no longer decide the stage stop being its approvers (their rows
/// stay, retired, for the history). Returns how many were still current.
pub async fn retire_approvers(
    conn: &mut Conn,
    request: RequestId,
    stage_no: u32,
    users: &[UserId],
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    if users.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE request_approvers SET retired_at = $3, awaiting = 0
         WHERE request_id = $1 AND stage_no = $2 AND retired_at IS NULL AND user_id IN ({})",
        super::placeholders_after(3, users.len())
    );
    let mut q = sqlx::query(&sql)
        .bind(request.to_string())
        .bind(i64::from(stage_no))
        .bind(ms(now));
    for u in users {
        q = q.bind(u.to_string());
    }
    Ok(q.execute(&mut *conn).await?.rows_affected())
}

/// Those of `people` who are enabled (and not deleted by directory sync).
pub async fn enabled_among(conn: &mut Conn, people: &[UserId]) -> DomainResult<Vec<UserId>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM users WHERE enabled = 1 AND deleted_at IS NULL AND id IN ({}) ORDER BY id",
        super::placeholders(people.len())
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql);
    for p in people {
        q = q.bind(p.to_string());
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|id| Ok(UserId(uuid(id)?)))
        .collect()
}
