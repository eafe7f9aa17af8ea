//! Approval stages: started, approvers added, decided once.

use super::*;

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

/// Adds approvers to a stage the request waits at (already present ones stay as they were),
/// marked awaited: their inbox shows it. One statement for all of them.
pub async fn add_approvers(
    conn: &mut Conn,
    request: RequestId,
    stage_no: u32,
    users: &[UserId],
    source: &str,
) -> DomainResult<()> {
    use crate::store::bulk::{self, Val};
    let rows: Vec<Vec<Val>> = users
        .iter()
        .map(|user| {
            vec![
                Val::from(request.to_string()),
                Val::from(i64::from(stage_no)),
                Val::from(user.to_string()),
                Val::from(source),
                Val::from(1),
            ]
        })
        .collect();
    bulk::insert(
        conn,
        "request_approvers",
        &["request_id", "stage_no", "user_id", "source", "awaiting"],
        &rows,
        "ON CONFLICT (request_id, stage_no, user_id) DO NOTHING",
    )
    .await?;
    Ok(())
}

pub async fn is_approver(
    conn: &mut Conn,
    id: RequestId,
    stage_no: u32,
    user: UserId,
) -> DomainResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM request_approvers
         WHERE request_id = $1 AND stage_no = $2 AND user_id = $3 AND retired_at IS NULL",
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
    decision: StageDecision,
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
) -> DomainResult<Option<(StageDecision, String, DateTime<Utc>)>> {
    let row: Option<(Option<StageDecision>, Option<String>, Option<i64>)> = sqlx::query_as(
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
