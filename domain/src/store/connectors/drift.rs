//! The reconciliation's side of the store: which systems are due, their claims, and what each
//! linked group's check found.

use super::super::{Conn, ms, uuid};
use crate::model::*;
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};

/// Systems whose reconciliation is due (never made, or made `every` ago) and not claimed.
pub async fn systems_to_reconcile(
    conn: &mut Conn,
    now: DateTime<Utc>,
    every: chrono::Duration,
) -> DomainResult<Vec<SystemId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM connected_systems
         WHERE (reconciled_at IS NULL OR reconciled_at <= $1)
           AND (reconcile_claimed_until IS NULL OR reconcile_claimed_until <= $2)
         ORDER BY id LIMIT 1000",
    )
    .bind(ms(now - every))
    .bind(ms(now))
    .fetch_all(&mut *conn)
    .await?;
    ids.iter().map(|id| Ok(SystemId(uuid(id)?))).collect()
}

/// Claims a system's reconciliation until `lease`; `false` when another instance has it or
/// it was made meanwhile.
pub async fn claim_reconcile(
    conn: &mut Conn,
    system: SystemId,
    now: DateTime<Utc>,
    every: chrono::Duration,
    lease: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE connected_systems SET reconcile_claimed_until = $4
         WHERE id = $1 AND (reconciled_at IS NULL OR reconciled_at <= $2)
           AND (reconcile_claimed_until IS NULL OR reconcile_claimed_until <= $3)",
    )
    .bind(system.to_string())
    .bind(ms(now - every))
    .bind(ms(now))
    .bind(ms(lease))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a reconciliation: made at `now`, the claim released.
pub async fn reconciled(conn: &mut Conn, system: SystemId, now: DateTime<Utc>) -> DomainResult<()> {
    sqlx::query(
        "UPDATE connected_systems SET reconciled_at = $2, reconcile_claimed_until = NULL WHERE id = $1",
    )
    .bind(system.to_string())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes a system's reconciliation due at once ("Check now").
pub async fn reconcile_soon(conn: &mut Conn, system: SystemId) -> DomainResult<bool> {
    let done = sqlx::query("UPDATE connected_systems SET reconciled_at = NULL WHERE id = $1")
        .bind(system.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records what a linked group's check found.
pub async fn record_check(conn: &mut Conn, group: GroupId, check: &DriftCheck) -> DomainResult<()> {
    sqlx::query(
        "UPDATE group_links SET checked_at = $2, drift_extra = $3, drift_missing = $4,
                drift_sample = $5, corrected = $6, check_error = $7
         WHERE group_id = $1",
    )
    .bind(group.to_string())
    .bind(ms(check.at))
    .bind(check.extra)
    .bind(check.missing)
    .bind(serde_json::to_string(&check.sample).map_err(DomainError::internal)?)
    .bind(i64::from(check.corrected))
    .bind(check.error.as_deref())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A person as reconciliation looks them up: id, e-mail, user name.
pub type Person = (String, String, Option<String>);

/// The people Tessera grants membership of `group` (at most `limit`).
pub async fn granted_members(
    conn: &mut Conn,
    group: GroupId,
    limit: i64,
) -> DomainResult<Vec<Person>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.email, u.user_name FROM users u
         WHERE u.id IN (SELECT user_id FROM group_members WHERE group_id = $1)
         ORDER BY u.id LIMIT $2",
    )
    .bind(group.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// The people of `group` with a change not yet delivered (in flight: not drift).
pub async fn in_flight(conn: &mut Conn, group: GroupId) -> DomainResult<Vec<Person>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.email, u.user_name FROM connector_changes c JOIN users u ON u.id = c.user_id
         WHERE c.group_id = $1 AND c.role = 'member' AND c.state <> 'delivered' LIMIT 100000",
    )
    .bind(group.to_string())
    .fetch_all(&mut *conn)
    .await?)
}
