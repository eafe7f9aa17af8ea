//! The reads behind the dashboards (issue 18) and the daily figures they chart.
//!
//! Every read is bounded: the lists by their limit, the weekly figures by the requests' ids,
//! which are UUIDv7 and so ordered by when they were made ([`made_since`]): a window of
//! twelve weeks reads that window's rows through the primary key, whatever the history holds.

use super::{Conn, corrupt, from_ms, ms, placeholders, placeholders_after, uuid};
use crate::DomainResult;
use crate::model::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::HashMap;

const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;
/// How many stage decisions a chart reads at most (the newest are enough for a median).
const DECISIONS_LIMIT: i64 = 100_000;
/// How many policies the "losing their approvers" check reads.
const POLICIES_LIMIT: i64 = 5_000;
/// How long a decision may come after its request (the longest decision deadlines, with
/// forwarding, fit well inside).
const DECISION_LAG_DAYS: i64 = 120;

/// The smallest UUIDv7 made at `at` (as stored: lowercase, hyphenated). Ids made at or after
/// `at` sort at or after it. An id made later than its row's `created_at` (a demo's history,
/// written with a clock set in the past) still passes, and the `created_at` test sorts it.
pub fn made_since(at: DateTime<Utc>) -> String {
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(ms(at)).unwrap_or(0), &[0; 10])
        .into_uuid()
        .to_string()
}

fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

fn day(text: &str) -> DomainResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(corrupt)
}

/// Requests made (by people, not direct assignments) in the weeks starting at `weeks`, by
/// where they are now; of one package when given.
pub async fn requests_by_week(
    conn: &mut Conn,
    weeks: &[NaiveDate],
    package: Option<AccessPackageId>,
) -> DomainResult<Vec<WeekOutcomes>> {
    let mut out: Vec<WeekOutcomes> = weeks
        .iter()
        .map(|w| WeekOutcomes {
            week: *w,
            ..Default::default()
        })
        .collect();
    let Some(first) = weeks.first() else {
        return Ok(out);
    };
    let start = day_start(*first);
    let sql = format!(
        "SELECT (created_at - $1) / {WEEK_MS} AS week, state, COUNT(*) AS n
         FROM access_package_requests
         WHERE created_at >= $1 AND id >= $2 AND request_type <> 'adminAdd' {}
         GROUP BY 1, 2",
        if package.is_some() {
            "AND package_id = $3"
        } else {
            ""
        }
    );
    let mut q = sqlx::query_as::<_, (i64, RequestState, i64)>(&sql)
        .bind(ms(start))
        .bind(made_since(start));
    if let Some(p) = package {
        q = q.bind(p.to_string());
    }
    for (week, state, n) in q.fetch_all(&mut *conn).await? {
        let Some(w) = usize::try_from(week).ok().and_then(|w| out.get_mut(w)) else {
            continue; // made after the last week began and past it: not charted
        };
        match state {
            RequestState::Delivered => w.delivered += n,
            RequestState::Denied => w.denied += n,
            RequestState::Canceled => w.canceled += n,
            RequestState::Expired => w.expired += n,
            RequestState::Submitted | RequestState::PendingApproval => w.open += n,
        }
    }
    Ok(out)
}

/// One decided stage: when it started and was decided, by whom, and how.
pub struct Decided {
    pub started_at: i64,
    pub decided_at: i64,
    pub decider: String,
    pub approved: bool,
}

/// Stages decided by a person since the first of `weeks` (at most [`DECISIONS_LIMIT`]); of
/// one package when given.
pub async fn decisions_since(
    conn: &mut Conn,
    since: DateTime<Utc>,
    package: Option<AccessPackageId>,
) -> DomainResult<Vec<Decided>> {
    let sql = format!(
        "SELECT s.started_at, s.decided_at, COALESCE(u.display_name, ''), s.decision
         FROM request_stages s
         LEFT JOIN users u ON u.id = s.decided_by
         {}
         WHERE s.decided_at >= $1 AND s.request_id >= $2 AND s.decided_by IS NOT NULL {}
         LIMIT {DECISIONS_LIMIT}",
        if package.is_some() {
            "JOIN access_package_requests r ON r.id = s.request_id"
        } else {
            ""
        },
        if package.is_some() {
            "AND r.package_id = $3"
        } else {
            ""
        }
    );
    let mut q = sqlx::query_as::<_, (i64, i64, String, String)>(&sql)
        .bind(ms(since))
        .bind(made_since(since - Duration::days(DECISION_LAG_DAYS)));
    if let Some(p) = package {
        q = q.bind(p.to_string());
    }
    Ok(q.fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(started_at, decided_at, decider, decision)| Decided {
            started_at,
            decided_at,
            decider,
            approved: decision == "approved",
        })
        .collect())
}

/// The median decision time of each week (by when it was decided).
pub fn decision_times(weeks: &[NaiveDate], decided: &[Decided]) -> Vec<WeekDecisionTime> {
    let start = weeks.first().map(|w| ms(day_start(*w))).unwrap_or(0);
    let mut hours: Vec<Vec<f64>> = vec![Vec::new(); weeks.len()];
    for d in decided {
        let week = (d.decided_at - start).div_euclid(WEEK_MS);
        if let Some(list) = usize::try_from(week).ok().and_then(|w| hours.get_mut(w)) {
            list.push((d.decided_at - d.started_at).max(0) as f64 / 3_600_000.0);
        }
    }
    weeks
        .iter()
        .zip(hours.iter_mut())
        .map(|(week, h)| WeekDecisionTime {
            week: *week,
            decisions: h.len() as i64,
            median_hours: median(h),
        })
        .collect()
}

/// Who decided, most decisions first, with their median time.
pub fn approver_speeds(decided: &[Decided], limit: usize) -> Vec<ApproverSpeed> {
    let mut by: HashMap<&str, (i64, i64, Vec<f64>)> = HashMap::new();
    for d in decided {
        let e = by.entry(d.decider.as_str()).or_default();
        if d.approved {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
        e.2.push((d.decided_at - d.started_at).max(0) as f64 / 3_600_000.0);
    }
    let mut out: Vec<ApproverSpeed> = by
        .into_iter()
        .map(|(name, (approved, denied, mut hours))| ApproverSpeed {
            name: name.to_owned(),
            approved,
            denied,
            median_hours: median(&mut hours),
        })
        .collect();
    out.sort_by(|a, b| {
        (b.approved + b.denied)
            .cmp(&(a.approved + a.denied))
            .then_with(|| a.name.cmp(&b.name))
    });
    out.truncate(limit);
    out
}

#[derive(sqlx::FromRow)]
struct WaitingRow {
    id: String,
    package_id: String,
    package_name: String,
    requestor: String,
    stage_no: i64,
    started_at: i64,
    due_at: i64,
}

/// The requests whose current stage has waited longest, with who may decide each, and how
/// many wait in all. Read off the approvers' awaiting marks (a partial index).
pub async fn waiting(conn: &mut Conn, limit: usize) -> DomainResult<(Vec<WaitingRequest>, i64)> {
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM access_package_requests r
         WHERE r.state = 'pendingApproval'
           AND r.id IN (SELECT request_id FROM request_approvers WHERE awaiting = 1)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<WaitingRow> = sqlx::query_as(
        "SELECT r.id, r.package_id, p.name AS package_name, u.display_name AS requestor,
                s.stage_no, s.started_at, s.due_at
         FROM access_package_requests r
         JOIN request_stages s ON s.request_id = r.id AND s.stage_no = r.stage_no
         JOIN access_packages p ON p.id = r.package_id
         JOIN users u ON u.id = r.requestor_id
         WHERE r.state = 'pendingApproval' AND s.decision IS NULL
           AND r.id IN (SELECT request_id FROM request_approvers WHERE awaiting = 1)
         ORDER BY s.started_at, r.id
         LIMIT $1",
    )
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    let mut approvers: HashMap<String, Vec<String>> = HashMap::new();
    if !rows.is_empty() {
        let sql = format!(
            "SELECT ra.request_id, u.display_name FROM request_approvers ra
             JOIN users u ON u.id = ra.user_id
             WHERE ra.awaiting = 1 AND ra.request_id IN ({})
             ORDER BY u.display_name",
            placeholders(rows.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for r in &rows {
            q = q.bind(&r.id);
        }
        for (request, name) in q.fetch_all(&mut *conn).await? {
            approvers.entry(request).or_default().push(name);
        }
    }
    let list = rows
        .into_iter()
        .map(|r| {
            Ok(WaitingRequest {
                request_id: RequestId(uuid(&r.id)?),
                package_id: AccessPackageId(uuid(&r.package_id)?),
                package_name: r.package_name,
                requestor: r.requestor,
                stage_no: u32::try_from(r.stage_no).map_err(corrupt)?,
                since: from_ms(r.started_at)?,
                due: from_ms(r.due_at)?,
                approvers: approvers.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok((list, total))
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: String,
    package_id: String,
    package_name: String,
    state: ReviewState,
    starts_at: i64,
    ends_at: i64,
}

/// Active reviews ending first (`due`), or the latest reviews of any state.
pub async fn reviews(
    conn: &mut Conn,
    due: bool,
    limit: usize,
) -> DomainResult<Vec<ReviewProgress>> {
    let sql = format!(
        "SELECT rv.id, rv.package_id, p.name AS package_name, rv.state, rv.starts_at, rv.ends_at
         FROM access_reviews rv JOIN access_packages p ON p.id = rv.package_id
         {}
         LIMIT $1",
        if due {
            "WHERE rv.state = 'active' ORDER BY rv.ends_at, rv.id"
        } else {
            "ORDER BY rv.starts_at DESC, rv.id"
        }
    );
    let rows: Vec<ReviewRow> = sqlx::query_as(&sql)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await?;
    let mut progress: HashMap<String, (i64, i64)> = HashMap::new();
    if !rows.is_empty() {
        let sql = format!(
            "SELECT review_id, COUNT(*),
                    SUM(CASE WHEN decision IS NULL THEN 0 ELSE 1 END)
             FROM review_items WHERE review_id IN ({}) GROUP BY review_id",
            placeholders(rows.len())
        );
        let mut q = sqlx::query_as::<_, (String, i64, Option<i64>)>(&sql);
        for r in &rows {
            q = q.bind(&r.id);
        }
        for (id, items, decided) in q.fetch_all(&mut *conn).await? {
            progress.insert(id, (items, decided.unwrap_or(0)));
        }
    }
    rows.into_iter()
        .map(|r| {
            let (items, decided) = progress.get(&r.id).copied().unwrap_or((0, 0));
            Ok(ReviewProgress {
                review_id: ReviewId(uuid(&r.id)?),
                package_id: AccessPackageId(uuid(&r.package_id)?),
                package_name: r.package_name,
                state: r.state,
                starts_at: from_ms(r.starts_at)?,
                ends_at: from_ms(r.ends_at)?,
                decided,
                items,
            })
        })
        .collect()
}

/// Licenses with at least [`SEATS_WARNING_PERCENT`] of their seats used, fullest first.
pub async fn seat_pressure(conn: &mut Conn, limit: usize) -> DomainResult<Vec<SeatPressure>> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(&format!(
        "SELECT id, name, seats, holders FROM licenses
         WHERE holders > 0 AND holders * 100 >= seats * {SEATS_WARNING_PERCENT}
         ORDER BY holders - seats DESC, name_key
         LIMIT $1"
    ))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, name, seats, used)| {
            Ok(SeatPressure {
                license: LicenseRef {
                    id: LicenseId(uuid(&id)?),
                    name,
                },
                seats,
                used,
            })
        })
        .collect()
}

/// The licenses most used now, each with its seats used per day since `since`.
pub async fn seat_history(
    conn: &mut Conn,
    since: NaiveDate,
    limit: usize,
) -> DomainResult<Vec<SeatHistory>> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, name, seats, holders FROM licenses ORDER BY holders DESC, name_key LIMIT $1",
    )
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut days = snapshots(conn, "license", &ids, since).await?;
    rows.into_iter()
        .map(|(id, name, seats, used)| {
            Ok(SeatHistory {
                days: days.remove(&id).unwrap_or_default(),
                license: LicenseRef {
                    id: LicenseId(uuid(&id)?),
                    name,
                },
                seats,
                used,
            })
        })
        .collect()
}

/// The kept daily values of `subject`s since `since`, oldest first, by subject id.
pub async fn snapshots(
    conn: &mut Conn,
    subject: &str,
    ids: &[String],
    since: NaiveDate,
) -> DomainResult<HashMap<String, Vec<DayValue>>> {
    let mut out: HashMap<String, Vec<DayValue>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT subject_id, day, used FROM usage_snapshots
         WHERE subject = $1 AND day >= $2 AND subject_id IN ({})
         ORDER BY subject_id, day",
        placeholders_after(2, ids.len())
    );
    let mut q = sqlx::query_as::<_, (String, String, i64)>(&sql)
        .bind(subject)
        .bind(since.format("%Y-%m-%d").to_string());
    for id in ids {
        q = q.bind(id);
    }
    for (id, d, value) in q.fetch_all(&mut *conn).await? {
        out.entry(id).or_default().push(DayValue {
            day: day(&d)?,
            value,
        });
    }
    Ok(out)
}

/// Keeps today's figures (seats used per license, live assignments per package) unless
/// they are kept already, and forgets those older than `keep_days`. Safe to run from every
/// instance at once: a second writer's rows conflict and are skipped. Returns the rows added.
pub async fn keep_today(conn: &mut Conn, today: NaiveDate, keep_days: i64) -> DomainResult<u64> {
    let day = today.format("%Y-%m-%d").to_string();
    let (kept,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM usage_snapshots WHERE day = $1")
        .bind(&day)
        .fetch_one(&mut *conn)
        .await?;
    if kept > 0 {
        return Ok(0);
    }
    let mut added = 0;
    for sql in [
        "INSERT INTO usage_snapshots (subject, subject_id, day, used, capacity)
         SELECT 'license', id, $1, holders, seats FROM licenses WHERE true
         ON CONFLICT (subject, subject_id, day) DO NOTHING",
        "INSERT INTO usage_snapshots (subject, subject_id, day, used, capacity)
         SELECT 'package', id, $1, live_assignments, NULL FROM access_packages WHERE true
         ON CONFLICT (subject, subject_id, day) DO NOTHING",
    ] {
        added += sqlx::query(sql)
            .bind(&day)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    sqlx::query("DELETE FROM usage_snapshots WHERE day < $1")
        .bind(
            (today - Duration::days(keep_days))
                .format("%Y-%m-%d")
                .to_string(),
        )
        .execute(&mut *conn)
        .await?;
    Ok(added)
}

/// Every request of a package by state (through its (package, state) index).
pub async fn package_requests_by_state(
    conn: &mut Conn,
    package: AccessPackageId,
) -> DomainResult<Vec<(RequestState, i64)>> {
    let rows: Vec<(RequestState, i64)> = sqlx::query_as(
        "SELECT state, COUNT(*) FROM access_package_requests WHERE package_id = $1
         GROUP BY state",
    )
    .bind(package.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<(RequestState, i64)> = RequestState::ALL
        .iter()
        .filter(|s| **s != RequestState::Submitted)
        .map(|s| (*s, 0))
        .collect();
    for (state, n) in rows {
        let state = if state == RequestState::Submitted {
            RequestState::PendingApproval
        } else {
            state
        };
        if let Some(e) = out.iter_mut().find(|(s, _)| *s == state) {
            e.1 += n;
        }
    }
    Ok(out)
}

/// A policy with the people named to decide each of its stages.
pub struct PolicyApprovers {
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub policy_name: String,
    pub spec: PolicySpec,
}

/// Enabled policies of every package (at most [`POLICIES_LIMIT`]), by package name.
pub async fn enabled_policies(conn: &mut Conn) -> DomainResult<Vec<PolicyApprovers>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT pol.package_id, p.name, pol.name, pol.spec
         FROM access_package_policies pol JOIN access_packages p ON p.id = pol.package_id
         WHERE pol.enabled = 1
         ORDER BY p.name_key, pol.created_at, pol.id
         LIMIT $1",
    )
    .bind(POLICIES_LIMIT)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(package, package_name, policy_name, spec)| {
            Ok(PolicyApprovers {
                package_id: AccessPackageId(uuid(&package)?),
                package_name,
                policy_name,
                spec: serde_json::from_str(&spec).map_err(corrupt)?,
            })
        })
        .collect()
}

/// Which of `ids` are people who exist and are enabled.
pub async fn enabled_people(
    conn: &mut Conn,
    ids: &[String],
) -> DomainResult<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id FROM users WHERE enabled = 1 AND id IN ({})",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String,)>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(&mut *conn).await?.into_iter().map(|(id,)| id));
    }
    Ok(out)
}

// ---- a manager's team ----

/// The manager's direct reports (at most [`TEAM_LIMIT`]), by name, and how many there are.
pub async fn direct_reports(
    conn: &mut Conn,
    manager: UserId,
) -> DomainResult<(Vec<TeamMember>, i64)> {
    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE manager_id = $1")
        .bind(manager.to_string())
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, display_name, email, job_title, enabled FROM users
         WHERE manager_id = $1 ORDER BY display_name, id LIMIT $2",
    )
    .bind(manager.to_string())
    .bind(TEAM_LIMIT)
    .fetch_all(&mut *conn)
    .await?;
    let members = rows
        .into_iter()
        .map(|(id, display_name, email, job_title, enabled)| {
            Ok(TeamMember {
                person: UserRef {
                    id: UserId(uuid(&id)?),
                    display_name,
                    email,
                },
                job_title,
                enabled: enabled == 1,
                access: Vec::new(),
                pending_requests: 0,
                pending_reviews: 0,
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok((members, total))
}

/// Fills in each member's live access packages, open requests and undecided review items.
pub async fn fill_team(conn: &mut Conn, members: &mut [TeamMember]) -> DomainResult<()> {
    if members.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = members.iter().map(|m| m.person.id.to_string()).collect();
    let list = placeholders(ids.len());
    let sql = format!(
        "SELECT a.user_id, a.package_id, p.name, a.ends_at
         FROM access_package_assignments a JOIN access_packages p ON p.id = a.package_id
         WHERE a.user_id IN ({list}) AND a.state IN ('delivered', 'scheduled')
         ORDER BY p.name_key, a.id"
    );
    let mut q = sqlx::query_as::<_, (String, String, String, Option<i64>)>(&sql);
    for id in &ids {
        q = q.bind(id);
    }
    let access = q.fetch_all(&mut *conn).await?;
    let requests = count_by(
        conn,
        &format!(
            "SELECT requestor_id, COUNT(*) FROM access_package_requests
             WHERE requestor_id IN ({list}) AND state IN ('submitted', 'pendingApproval')
             GROUP BY requestor_id"
        ),
        &ids,
    )
    .await?;
    let reviews = count_by(
        conn,
        &format!(
            "SELECT i.user_id, COUNT(*) FROM review_items i
             JOIN access_reviews rv ON rv.id = i.review_id
             WHERE i.user_id IN ({list}) AND rv.state = 'active' AND i.decision IS NULL
             GROUP BY i.user_id"
        ),
        &ids,
    )
    .await?;
    let mut by: HashMap<String, Vec<TeamAccess>> = HashMap::new();
    for (user, package, name, ends_at) in access {
        let list = by.entry(user).or_default();
        if list.len() < TEAM_ACCESS_LIMIT {
            list.push(TeamAccess {
                package_id: AccessPackageId(uuid(&package)?),
                package_name: name,
                until: ends_at.map(from_ms).transpose()?,
            });
        }
    }
    for m in members {
        let id = m.person.id.to_string();
        m.access = by.remove(&id).unwrap_or_default();
        m.pending_requests = requests.get(&id).copied().unwrap_or(0);
        m.pending_reviews = reviews.get(&id).copied().unwrap_or(0);
    }
    Ok(())
}

async fn count_by(
    conn: &mut Conn,
    sql: &str,
    ids: &[String],
) -> DomainResult<HashMap<String, i64>> {
    let mut q = sqlx::query_as::<_, (String, i64)>(sql);
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&mut *conn).await?.into_iter().collect())
}

/// Requests of `people` waiting for `approver`'s decision now.
pub async fn awaiting_from(
    conn: &mut Conn,
    approver: UserId,
    people: &[String],
) -> DomainResult<i64> {
    if people.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "SELECT COUNT(DISTINCT r.id) FROM request_approvers ra
         JOIN access_package_requests r ON r.id = ra.request_id AND r.stage_no = ra.stage_no
         WHERE ra.user_id = $1 AND ra.awaiting = 1 AND r.state = 'pendingApproval'
           AND r.requestor_id IN ({})",
        placeholders_after(1, people.len())
    );
    let mut q = sqlx::query_as::<_, (i64,)>(&sql).bind(approver.to_string());
    for p in people {
        q = q.bind(p);
    }
    Ok(q.fetch_one(&mut *conn).await?.0)
}

/// The people who hold the package now (live assignments), by id.
pub async fn live_holders(conn: &mut Conn, package: AccessPackageId) -> DomainResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT user_id FROM access_package_assignments
         WHERE package_id = $1 AND state IN ('delivered', 'scheduled')",
    )
    .bind(package.to_string())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}
