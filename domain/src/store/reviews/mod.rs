//! Access review persistence: instances, items, reviewers, decisions and results. Items and
//! reviewers are written set-wise (INSERT … SELECT), so starting a review over many
//! assignments is a handful of statements.

use super::{Conn, corrupt, from_ms, ms, placeholders, placeholders_after, uuid};
use crate::DomainResult;
use crate::model::*;
use crate::rules::reviews::{ReviewPeriod, recent_sign_in_cutoff};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

mod items;

pub use items::*;

/// Policies with a review series: (policy, package, settings).
pub async fn review_policies(
    conn: &mut Conn,
) -> DomainResult<Vec<(PolicyId, AccessPackageId, ReviewSpec)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, package_id, spec FROM access_package_policies WHERE reviews = 1 ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (id, package, spec) in rows {
        let spec: PolicySpec = serde_json::from_str(&spec).map_err(corrupt)?;
        if let Some(review) = spec.review {
            out.push((
                PolicyId(uuid(&id)?),
                AccessPackageId(uuid(&package)?),
                review,
            ));
        }
    }
    Ok(out)
}

/// The latest review period started per policy.
pub async fn latest_periods(conn: &mut Conn) -> DomainResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT policy_id, MAX(period_no) FROM access_reviews GROUP BY policy_id")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.into_iter().collect())
}

/// Creates the review of `period` with an item per live assignment under the policy and
/// their reviewers. `None` when this period's review exists already (another run made it).
pub async fn create(
    conn: &mut Conn,
    policy: PolicyId,
    package: AccessPackageId,
    spec: &ReviewSpec,
    period: &ReviewPeriod,
    now: DateTime<Utc>,
) -> DomainResult<Option<(ReviewId, u64)>> {
    let id = ReviewId::new();
    let done = sqlx::query(
        "INSERT INTO access_reviews (id, policy_id, package_id, period_no, starts_at, ends_at, remind_at, state, settings, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9)
         ON CONFLICT (policy_id, period_no) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(policy.to_string())
    .bind(package.to_string())
    .bind(period.no)
    .bind(ms(period.starts))
    .bind(ms(period.ends))
    .bind(ms(period.midpoint))
    .bind(serde_json::to_string(spec).map_err(corrupt)?)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    let items = sqlx::query(
        "INSERT INTO review_items (review_id, assignment_id, user_id, recommendation, signed_in_at)
         SELECT $1, a.id, a.user_id,
                CASE WHEN u.last_sign_in_at >= $3 THEN 'approve' ELSE 'deny' END, u.last_sign_in_at
         FROM access_package_assignments a JOIN users u ON u.id = a.user_id
         WHERE a.policy_id = $2 AND a.state = 'delivered'",
    )
    .bind(id.to_string())
    .bind(policy.to_string())
    .bind(ms(recent_sign_in_cutoff(now)))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    add_reviewers(conn, id, spec, None).await?;
    Ok(Some((id, items)))
}

/// Who decides each item: the person (self-review), their manager (else the fallback
/// reviewers), or the specific reviewers. Nobody but a self-reviewer reviews their own access.
/// With `only`, just those items, and only enabled people (a re-assignment).
async fn add_reviewers(
    conn: &mut Conn,
    review: ReviewId,
    spec: &ReviewSpec,
    only: Option<&[String]>,
) -> DomainResult<()> {
    let insert = "INSERT INTO review_reviewers (review_id, assignment_id, reviewer_id)";
    let (within, enabled) = match only {
        Some(ids) => (
            format!(
                "AND i.assignment_id IN ({})",
                placeholders_after(1, ids.len())
            ),
            "AND u.enabled = 1",
        ),
        None => (String::new(), ""),
    };
    let first = match spec.reviewers {
        ReviewerKind::SelfReview => Some(format!(
            "{insert} SELECT i.review_id, i.assignment_id, i.user_id FROM review_items i
             JOIN users u ON u.id = i.user_id WHERE i.review_id = $1 {enabled} {within}"
        )),
        ReviewerKind::Manager => Some(format!(
            "{insert} SELECT i.review_id, i.assignment_id, u.manager_id FROM review_items i
             JOIN users u ON u.id = i.user_id JOIN users m ON m.id = u.manager_id
             WHERE i.review_id = $1 AND m.enabled = 1 AND u.manager_id <> i.user_id {within}"
        )),
        ReviewerKind::Specific => None,
    };
    if let Some(sql) = first {
        bind_ids(sqlx::query(&sql).bind(review.to_string()), only)
            .execute(&mut *conn)
            .await?;
    }
    match spec.reviewers {
        ReviewerKind::SelfReview => {}
        ReviewerKind::Manager => add_principals(conn, review, &spec.fallback, true, only).await?,
        ReviewerKind::Specific => add_principals(conn, review, &spec.specific, false, only).await?,
    }
    Ok(())
}

/// Binds the ids of an `IN` list after the query's other parameters.
fn bind_ids<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ids: Option<&[String]>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for id in ids.unwrap_or_default() {
        q = q.bind(id.clone());
    }
    q
}

/// Gives undecided `items` of a review to whoever reviews them now, after a reviewer left or
/// a person's manager changed: their reviewers are replaced by the person (self-review),
/// their manager now (else the fallback reviewers), or the specific reviewers, enabled people
/// only. Returns the reviewers the items have afterwards.
pub async fn reassign(
    conn: &mut Conn,
    review: ReviewId,
    spec: &ReviewSpec,
    items: &[AssignmentId],
) -> DomainResult<Vec<UserId>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = items.iter().map(ToString::to_string).collect();
    let list = placeholders_after(1, ids.len());
    let delete =
        format!("DELETE FROM review_reviewers WHERE review_id = $1 AND assignment_id IN ({list})");
    bind_ids(sqlx::query(&delete).bind(review.to_string()), Some(&ids))
        .execute(&mut *conn)
        .await?;
    add_reviewers(conn, review, spec, Some(&ids)).await?;
    let sql = format!(
        "SELECT DISTINCT r.reviewer_id FROM review_reviewers r
         WHERE r.review_id = $1 AND r.assignment_id IN ({list})"
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(review.to_string());
    for id in &ids {
        q = q.bind(id.clone());
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|id| Ok(UserId(uuid(id)?)))
        .collect()
}

/// Adds users and group members as reviewers of every item (`only_unreviewed`: only items
/// without a reviewer yet, for fallback reviewers). With `only`, just those items, and only
/// enabled people (a re-assignment).
async fn add_principals(
    conn: &mut Conn,
    review: ReviewId,
    principals: &[Principal],
    only_unreviewed: bool,
    only: Option<&[String]>,
) -> DomainResult<()> {
    let unreviewed = if only_unreviewed {
        "AND NOT EXISTS (SELECT 1 FROM review_reviewers r WHERE r.review_id = i.review_id AND r.assignment_id = i.assignment_id)"
    } else {
        ""
    };
    let within = only
        .map(|ids| {
            format!(
                "AND i.assignment_id IN ({})",
                placeholders_after(1, ids.len())
            )
        })
        .unwrap_or_default();
    // Fallback reviewers apply to the items without a manager, all of them at once: the
    // candidates are chosen first, then inserted.
    let sql = format!(
        "SELECT i.assignment_id FROM review_items i WHERE i.review_id = $1 {unreviewed} {within}"
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(review.to_string());
    for id in only.unwrap_or_default() {
        q = q.bind(id.clone());
    }
    let targets: Vec<String> = q.fetch_all(&mut *conn).await?;
    if targets.is_empty() {
        return Ok(());
    }
    let mut people: Vec<String> = Vec::new();
    for p in principals {
        match p.kind {
            PrincipalKind::User => people.push(p.id.to_string()),
            PrincipalKind::Group => {
                let members: Vec<String> = sqlx::query_scalar(
                    "SELECT DISTINCT m.user_id FROM group_members m JOIN users u ON u.id = m.user_id
                     WHERE m.group_id = $1 AND u.enabled = 1 ORDER BY m.user_id LIMIT 500",
                )
                .bind(p.id.to_string())
                .fetch_all(&mut *conn)
                .await?;
                people.extend(members);
            }
        }
    }
    people.sort();
    people.dedup();
    if only.is_some() {
        let ids: Vec<UserId> = people
            .iter()
            .map(|p| uuid(p).map(UserId))
            .collect::<DomainResult<_>>()?;
        people = super::lifecycle::enabled_among(conn, &ids)
            .await?
            .iter()
            .map(ToString::to_string)
            .collect();
    }
    for chunk in targets.chunks(500) {
        for person in &people {
            let sql = format!(
                "INSERT INTO review_reviewers (review_id, assignment_id, reviewer_id)
                 SELECT i.review_id, i.assignment_id, $2 FROM review_items i
                 WHERE i.review_id = $1 AND i.user_id <> $2 AND i.assignment_id IN ({})
                 ON CONFLICT (review_id, assignment_id, reviewer_id) DO NOTHING",
                placeholders_after(2, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(review.to_string()).bind(person);
            for a in chunk {
                q = q.bind(a);
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Everyone who reviews something in the review.
pub async fn reviewers(
    conn: &mut Conn,
    review: ReviewId,
    undecided_only: bool,
) -> DomainResult<Vec<UserId>> {
    let filter = if undecided_only {
        "AND EXISTS (SELECT 1 FROM review_items i WHERE i.review_id = r.review_id AND i.assignment_id = r.assignment_id AND i.decision IS NULL)"
    } else {
        ""
    };
    let ids: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT DISTINCT r.reviewer_id FROM review_reviewers r WHERE r.review_id = $1 {filter} ORDER BY r.reviewer_id"
    ))
    .bind(review.to_string())
    .fetch_all(&mut *conn)
    .await?;
    ids.iter().map(|i| Ok(UserId(uuid(i)?))).collect()
}

/// A review's header: (policy, package, ends_at, state, settings, package name).
pub struct ReviewHead {
    pub id: ReviewId,
    pub policy: PolicyId,
    pub package: AccessPackageId,
    pub package_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: ReviewState,
    pub settings: ReviewSpec,
}

/// A review with its package's name.
#[derive(sqlx::FromRow)]
struct HeadRow {
    id: String,
    policy_id: String,
    package_id: String,
    package_name: String,
    starts_at: i64,
    ends_at: i64,
    state: ReviewState,
    settings: String,
}

const HEAD_SELECT: &str = "SELECT r.id, r.policy_id, r.package_id, p.name AS package_name,
        r.starts_at, r.ends_at, r.state, r.settings
     FROM access_reviews r JOIN access_packages p ON p.id = r.package_id";

fn head_of(r: HeadRow) -> DomainResult<ReviewHead> {
    Ok(ReviewHead {
        id: ReviewId(uuid(&r.id)?),
        policy: PolicyId(uuid(&r.policy_id)?),
        package: AccessPackageId(uuid(&r.package_id)?),
        package_name: r.package_name,
        starts_at: from_ms(r.starts_at)?,
        ends_at: from_ms(r.ends_at)?,
        state: r.state,
        settings: serde_json::from_str(&r.settings).map_err(corrupt)?,
    })
}

pub async fn head(conn: &mut Conn, id: ReviewId) -> DomainResult<ReviewHead> {
    let row: Option<HeadRow> = sqlx::query_as(&format!("{HEAD_SELECT} WHERE r.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    head_of(row.ok_or(crate::DomainError::NotFound("access review"))?)
}

/// Active reviews the person reviews something in, soonest deadline first.
pub async fn active_for_reviewer(
    conn: &mut Conn,
    user: UserId,
    limit: i64,
) -> DomainResult<Vec<ReviewHead>> {
    let rows: Vec<HeadRow> = sqlx::query_as(&format!(
        "{HEAD_SELECT} WHERE r.state = 'active' AND r.id IN (SELECT DISTINCT review_id FROM review_reviewers WHERE reviewer_id = $1)
         ORDER BY r.ends_at, r.id LIMIT $2"
    ))
    .bind(user.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(head_of).collect()
}

/// Reviews whose window has closed and whose results are not applied yet.
pub async fn ended(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<ReviewHead>> {
    let rows: Vec<HeadRow> = sqlx::query_as(&format!(
        "{HEAD_SELECT} WHERE r.state = 'active' AND r.ends_at <= $1 ORDER BY r.ends_at, r.id LIMIT $2"
    ))
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(head_of).collect()
}

/// Reviews past their midpoint whose reviewers were not reminded yet.
pub async fn to_remind(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<ReviewHead>> {
    let rows: Vec<HeadRow> = sqlx::query_as(&format!(
        "{HEAD_SELECT} WHERE r.state = 'active' AND r.reminded_at IS NULL AND r.remind_at <= $1 AND r.ends_at > $1
         ORDER BY r.remind_at, r.id LIMIT $2"
    ))
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(head_of).collect()
}

pub async fn mark_reminded(
    conn: &mut Conn,
    id: ReviewId,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE access_reviews SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL AND state = 'active'",
    )
    .bind(id.to_string())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the review completed once every item has its result; `false` otherwise.
pub async fn complete(conn: &mut Conn, review: ReviewId, now: DateTime<Utc>) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE access_reviews SET state = 'completed', completed_at = $2
         WHERE id = $1 AND state = 'active'
           AND NOT EXISTS (SELECT 1 FROM review_items WHERE review_id = $1 AND result IS NULL)",
    )
    .bind(review.to_string())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends an active review now (an administrator's Stop); `false` when it had ended.
pub async fn stop(
    conn: &mut Conn,
    review: ReviewId,
    by: UserId,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE access_reviews SET ends_at = $3, stopped_by = $2 WHERE id = $1 AND state = 'active' AND ends_at > $3",
    )
    .bind(review.to_string())
    .bind(by.to_string())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A review of a package with its policy's name and who stopped it.
#[derive(sqlx::FromRow)]
struct InstanceRow {
    id: String,
    policy_name: String,
    starts_at: i64,
    ends_at: i64,
    state: ReviewState,
    settings: String,
    stopped_by: Option<String>,
}

/// A package's reviews, newest first, with their counts.
pub async fn of_package(
    conn: &mut Conn,
    package: AccessPackageId,
    limit: i64,
) -> DomainResult<Vec<ReviewInstance>> {
    let rows: Vec<InstanceRow> = sqlx::query_as(
        "SELECT r.id, p.name AS policy_name, r.starts_at, r.ends_at, r.state, r.settings,
            s.display_name AS stopped_by
         FROM access_reviews r JOIN access_package_policies p ON p.id = r.policy_id
         LEFT JOIN users s ON s.id = r.stopped_by
         WHERE r.package_id = $1 ORDER BY r.starts_at DESC, r.id LIMIT $2",
    )
    .bind(package.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<&String> = rows.iter().map(|r| &r.id).collect();
    let sql = format!(
        "SELECT review_id, decision, result, COUNT(*) FROM review_items
         WHERE review_id IN ({}) GROUP BY review_id, decision, result",
        placeholders(ids.len())
    );
    let mut q =
        sqlx::query_as::<_, (String, Option<ReviewDecision>, Option<ReviewResult>, i64)>(&sql);
    for id in &ids {
        q = q.bind(*id);
    }
    let counts = q.fetch_all(&mut *conn).await?;
    rows.into_iter()
        .map(|r| {
            let settings: ReviewSpec = serde_json::from_str(&r.settings).map_err(corrupt)?;
            let mut v = ReviewInstance {
                id: ReviewId(uuid(&r.id)?),
                policy_name: r.policy_name,
                starts_at: from_ms(r.starts_at)?,
                ends_at: from_ms(r.ends_at)?,
                state: r.state,
                if_no_response: settings.if_no_response.label().to_owned(),
                total: 0,
                approved: 0,
                denied: 0,
                dont_know: 0,
                kept: 0,
                removed: 0,
                stopped_by: r.stopped_by,
            };
            for (review, decision, result, n) in counts.iter().filter(|c| c.0 == r.id) {
                let _ = review;
                v.total += n;
                match decision {
                    Some(ReviewDecision::Approve) => v.approved += n,
                    Some(ReviewDecision::Deny) => v.denied += n,
                    Some(ReviewDecision::DontKnow) => v.dont_know += n,
                    None => {}
                }
                match result {
                    Some(ReviewResult::Kept) => v.kept += n,
                    Some(ReviewResult::Removed) => v.removed += n,
                    None => {}
                }
            }
            Ok(v)
        })
        .collect()
}

/// An undecided item of an active review that a disabled person reviews.
#[derive(Debug, Clone)]
pub struct LeavingReviewer {
    pub review: ReviewId,
    pub item: AssignmentId,
    pub reviewer: UserId,
}

/// Undecided items of active reviews reviewed by disabled people, found from the disabled
/// people (a partial index), except those waiting out a failure.
pub async fn leaving_reviewers(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<LeavingReviewer>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(&format!(
        "SELECT rr.review_id, rr.assignment_id, rr.reviewer_id
         FROM users u
         JOIN review_reviewers rr ON rr.reviewer_id = u.id
         JOIN review_items i ON i.review_id = rr.review_id AND i.assignment_id = rr.assignment_id
         JOIN access_reviews r ON r.id = rr.review_id
         WHERE u.enabled = 0 AND r.state = 'active' AND i.decision IS NULL AND {}
         ORDER BY rr.review_id, rr.assignment_id LIMIT $2",
        super::lifecycle::not_waiting("review_reroute", "rr.assignment_id")
    ))
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(review, item, reviewer)| {
            Ok(LeavingReviewer {
                review: ReviewId(uuid(&review)?),
                item: AssignmentId(uuid(&item)?),
                reviewer: UserId(uuid(&reviewer)?),
            })
        })
        .collect()
}

/// A person's manager changed: their undecided items in active manager reviews go to the
/// new manager (else the fallback reviewers). Returns how many items moved.
pub async fn follow_new_manager(conn: &mut Conn, person: UserId) -> DomainResult<u64> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT i.review_id, i.assignment_id, r.settings FROM review_items i
         JOIN access_reviews r ON r.id = i.review_id
         WHERE i.user_id = $1 AND i.decision IS NULL AND r.state = 'active'
         ORDER BY i.review_id, i.assignment_id",
    )
    .bind(person.to_string())
    .fetch_all(&mut *conn)
    .await?;
    // Per review: its items, or None when it is not a manager review.
    let mut per_review: std::collections::BTreeMap<&str, Option<(ReviewSpec, Vec<AssignmentId>)>> =
        std::collections::BTreeMap::new();
    let mut moved = 0;
    for (review, item, settings) in &rows {
        if !per_review.contains_key(review.as_str()) {
            let spec: ReviewSpec = serde_json::from_str(settings).map_err(corrupt)?;
            let manager = spec.reviewers == ReviewerKind::Manager;
            per_review.insert(review, manager.then(|| (spec, Vec::new())));
        }
        if let Some(Some((_, items))) = per_review.get_mut(review.as_str()) {
            items.push(AssignmentId(uuid(item)?));
            moved += 1;
        }
    }
    for (review, entry) in per_review {
        let Some((spec, items)) = entry else { continue };
        let review = ReviewId(uuid(review)?);
        for chunk in items.chunks(200) {
            reassign(conn, review, &spec, chunk).await?;
        }
    }
    Ok(moved)
}
