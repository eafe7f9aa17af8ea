//! Review items: what each reviewer sees and decides, and the results.

use super::*;

/// One review item with the person and who decided it.
#[derive(sqlx::FromRow)]
pub(super) struct ItemRow {
    assignment_id: String,
    user_id: String,
    display_name: String,
    email: String,
    recommendation: ReviewDecision,
    signed_in_at: Option<i64>,
    decision: Option<ReviewDecision>,
    justification: String,
    decided_by_name: Option<String>,
    decided_at: Option<i64>,
    result: Option<ReviewResult>,
}

/// How many items a review has (every reviewer's).
pub async fn item_count(conn: &mut Conn, review: ReviewId) -> DomainResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM review_items WHERE review_id = $1")
            .bind(review.to_string())
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Items of a review (all, or those `reviewer` decides), people by name, at most `limit`
/// from `offset`.
pub async fn items(
    conn: &mut Conn,
    review: ReviewId,
    reviewer: Option<UserId>,
    limit: i64,
    offset: i64,
) -> DomainResult<Vec<ReviewItemView>> {
    let mine = if reviewer.is_some() {
        "AND EXISTS (SELECT 1 FROM review_reviewers r WHERE r.review_id = i.review_id AND r.assignment_id = i.assignment_id AND r.reviewer_id = $4)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT i.assignment_id, u.id AS user_id, u.display_name, u.email, i.recommendation,
                i.signed_in_at, i.decision, i.justification, d.display_name AS decided_by_name,
                i.decided_at, i.result
         FROM review_items i JOIN users u ON u.id = i.user_id LEFT JOIN users d ON d.id = i.decided_by
         WHERE i.review_id = $1 {mine} ORDER BY u.display_name, i.assignment_id LIMIT $2 OFFSET $3"
    );
    let mut q = sqlx::query_as::<_, ItemRow>(&sql)
        .bind(review.to_string())
        .bind(limit)
        .bind(offset);
    if let Some(r) = reviewer {
        q = q.bind(r.to_string());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let started: Option<i64> =
        sqlx::query_scalar("SELECT starts_at FROM access_reviews WHERE id = $1")
            .bind(review.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let at = from_ms(started.ok_or(crate::DomainError::NotFound("access review"))?)?;
    rows.into_iter()
        .map(|r| {
            let last_sign_in = r.signed_in_at.map(from_ms).transpose()?;
            let (_, reason) = crate::rules::reviews::recommend(last_sign_in, at);
            Ok(ReviewItemView {
                assignment_id: AssignmentId(uuid(&r.assignment_id)?),
                person: UserRef {
                    id: UserId(uuid(&r.user_id)?),
                    display_name: r.display_name,
                    email: r.email,
                },
                recommendation: Some((r.recommendation, reason)),
                decision: r.decision,
                justification: r.justification,
                decided: match (r.decided_by_name, r.decided_at) {
                    (Some(name), Some(at)) => Some((name, from_ms(at)?)),
                    _ => None,
                },
                result: r.result,
            })
        })
        .collect()
}

/// (decided, total) of the items `reviewer` decides in each review.
pub async fn my_progress(
    conn: &mut Conn,
    reviews: &[String],
    reviewer: UserId,
) -> DomainResult<HashMap<String, (i64, i64)>> {
    if reviews.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT r.review_id, SUM(CASE WHEN i.decision IS NULL THEN 0 ELSE 1 END), COUNT(*)
         FROM review_reviewers r JOIN review_items i ON i.review_id = r.review_id AND i.assignment_id = r.assignment_id
         WHERE r.reviewer_id = $1 AND r.review_id IN ({}) GROUP BY r.review_id",
        placeholders_after(1, reviews.len())
    );
    let mut q = sqlx::query_as::<_, (String, i64, i64)>(&sql).bind(reviewer.to_string());
    for r in reviews {
        q = q.bind(r);
    }
    Ok(q.fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, d, t)| (id, (d, t)))
        .collect())
}

/// Whether `user` reviews the item (or, with `None`, anything in the review).
pub async fn is_reviewer(
    conn: &mut Conn,
    review: ReviewId,
    assignment: Option<AssignmentId>,
    user: UserId,
) -> DomainResult<bool> {
    let item = if assignment.is_some() {
        " AND assignment_id = $3"
    } else {
        ""
    };
    let sql = format!(
        "SELECT COUNT(*) FROM review_reviewers WHERE review_id = $1 AND reviewer_id = $2{item}"
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql)
        .bind(review.to_string())
        .bind(user.to_string());
    if let Some(a) = assignment {
        q = q.bind(a.to_string());
    }
    Ok(q.fetch_one(&mut *conn).await? > 0)
}

/// The email of the person whose access an item is about.
pub async fn item_person(
    conn: &mut Conn,
    review: ReviewId,
    assignment: AssignmentId,
) -> DomainResult<String> {
    let email: Option<String> = sqlx::query_scalar(
        "SELECT u.email FROM review_items i JOIN users u ON u.id = i.user_id
         WHERE i.review_id = $1 AND i.assignment_id = $2",
    )
    .bind(review.to_string())
    .bind(assignment.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    email.ok_or(crate::DomainError::NotFound("review item"))
}

/// Records (or changes) a decision while the item has no result; `false` when it has one.
pub async fn decide(
    conn: &mut Conn,
    review: ReviewId,
    assignment: AssignmentId,
    decision: ReviewDecision,
    justification: &str,
    by: UserId,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE review_items SET decision = $3, justification = $4, decided_by = $5, decided_at = $6
         WHERE review_id = $1 AND assignment_id = $2 AND result IS NULL",
    )
    .bind(review.to_string())
    .bind(assignment.to_string())
    .bind(decision)
    .bind(justification)
    .bind(by.to_string())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The reviewer's undecided items take the recommendation; returns how many.
pub async fn accept_recommendations(
    conn: &mut Conn,
    review: ReviewId,
    reviewer: UserId,
    justification: &str,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    Ok(sqlx::query(
        "UPDATE review_items SET decision = recommendation, justification = $3, decided_by = $2, decided_at = $4
         WHERE review_id = $1 AND decision IS NULL AND result IS NULL
           AND assignment_id IN (SELECT assignment_id FROM review_reviewers WHERE review_id = $1 AND reviewer_id = $2)",
    )
    .bind(review.to_string())
    .bind(reviewer.to_string())
    .bind(justification)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Items whose result is not applied yet: (assignment, person, decision, recommendation).
pub async fn unapplied(
    conn: &mut Conn,
    review: ReviewId,
    limit: i64,
) -> DomainResult<Vec<(AssignmentId, UserId, Option<ReviewDecision>, ReviewDecision)>> {
    let rows: Vec<(String, String, Option<ReviewDecision>, ReviewDecision)> = sqlx::query_as(
        "SELECT assignment_id, user_id, decision, recommendation FROM review_items
         WHERE review_id = $1 AND result IS NULL ORDER BY assignment_id LIMIT $2",
    )
    .bind(review.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| Ok((AssignmentId(uuid(&r.0)?), UserId(uuid(&r.1)?), r.2, r.3)))
        .collect()
}

/// Records `result` on the items of `assignments` that have none yet; returns those it set
/// (an item already applied, by a racing run, is left out).
pub async fn set_results(
    conn: &mut Conn,
    review: ReviewId,
    assignments: &[AssignmentId],
    result: ReviewResult,
    now: DateTime<Utc>,
) -> DomainResult<std::collections::BTreeSet<AssignmentId>> {
    if assignments.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!(
        "UPDATE review_items SET result = $2, applied_at = $3
         WHERE review_id = $1 AND result IS NULL AND assignment_id IN ({})
         RETURNING assignment_id",
        placeholders_after(3, assignments.len())
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql)
        .bind(review.to_string())
        .bind(result)
        .bind(ms(now));
    for a in assignments {
        q = q.bind(a.to_string());
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|id| Ok(AssignmentId(uuid(id)?)))
        .collect()
}
