//! The directory import's side of the store: when each system's import is due, its claim and
//! report, and who and what was imported from where (`migrations/0020_directory_import.sql`).

use super::super::{Conn, corrupt, from_ms, ms, placeholders_after, uuid};
use crate::model::*;
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};

/// The grant source of a membership the import gave (`GrantSource::Import`).
pub const IMPORT: &str = "import";

/// Systems whose import is due and not claimed.
pub async fn imports_due(conn: &mut Conn, now: DateTime<Utc>) -> DomainResult<Vec<SystemId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM connected_systems
         WHERE import_due_at IS NOT NULL AND import_due_at <= $1
           AND (import_claimed_until IS NULL OR import_claimed_until <= $1)
         ORDER BY import_due_at LIMIT 100",
    )
    .bind(ms(now))
    .fetch_all(&mut *conn)
    .await?;
    ids.iter().map(|id| Ok(SystemId(uuid(id)?))).collect()
}

/// Claims a system's import until `lease`; `false` when another instance has it. `due` also
/// requires the import to be due (the scheduled run); the operator's run needs only the
/// claim.
pub async fn claim_import(
    conn: &mut Conn,
    system: SystemId,
    now: DateTime<Utc>,
    lease: DateTime<Utc>,
    due: bool,
) -> DomainResult<bool> {
    let due_clause = if due {
        "AND import_due_at IS NOT NULL AND import_due_at <= $2"
    } else {
        ""
    };
    let done = sqlx::query(&format!(
        "UPDATE connected_systems SET import_claimed_until = $3
         WHERE id = $1 AND (import_claimed_until IS NULL OR import_claimed_until <= $2) {due_clause}"
    ))
    .bind(system.to_string())
    .bind(ms(now))
    .bind(ms(lease))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends an import: its report kept, the claim released, the next run due at `next`.
pub async fn finish_import(
    conn: &mut Conn,
    system: SystemId,
    report: &ImportReport,
    now: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
) -> DomainResult<()> {
    let json = serde_json::to_string(report).map_err(corrupt)?;
    sqlx::query(
        "UPDATE connected_systems SET imported_at = $2, import_report = $3, import_claimed_until = NULL,
                import_due_at = $4
         WHERE id = $1",
    )
    .bind(system.to_string())
    .bind(ms(now))
    .bind(json)
    .bind(next.map(ms))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes (or stops making) a system's import due at `at`.
pub async fn schedule_import(
    conn: &mut Conn,
    system: SystemId,
    at: Option<DateTime<Utc>>,
) -> DomainResult<bool> {
    let done = sqlx::query("UPDATE connected_systems SET import_due_at = $2 WHERE id = $1")
        .bind(system.to_string())
        .bind(at.map(ms))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The last import's report, and whether one waits to run.
pub async fn import_state(
    conn: &mut Conn,
    system: SystemId,
    now: DateTime<Utc>,
) -> DomainResult<(Option<ImportReport>, bool)> {
    let row: Option<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT import_report, import_due_at FROM connected_systems WHERE id = $1")
            .bind(system.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let (report, due) = row.ok_or(DomainError::NotFound("connected system"))?;
    let report = report
        .map(|r| {
            serde_json::from_str::<ImportReport>(&r)
                .map_err(|e| corrupt(format!("connected system {system}: import report: {e}")))
        })
        .transpose()?;
    Ok((report, due.is_some_and(|d| d <= ms(now))))
}

/// When the system's next import is due, if one is.
pub async fn import_due_at(
    conn: &mut Conn,
    system: SystemId,
) -> DomainResult<Option<DateTime<Utc>>> {
    let due: Option<Option<i64>> =
        sqlx::query_scalar("SELECT import_due_at FROM connected_systems WHERE id = $1")
            .bind(system.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    due.flatten().map(from_ms).transpose()
}

/// People imported from `system` and enabled in Tessera: (id, e-mail).
pub async fn imported_people(
    conn: &mut Conn,
    system: SystemId,
) -> DomainResult<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, email FROM users WHERE imported_from = $1 AND enabled = 1 AND deleted_at IS NULL",
    )
    .bind(system.to_string())
    .fetch_all(&mut *conn)
    .await?)
}

/// Marks people (or groups: `table`) as imported from `system`.
pub async fn mark_imported(
    conn: &mut Conn,
    table: ImportedTable,
    ids: &[String],
    system: SystemId,
) -> DomainResult<()> {
    let table = match table {
        ImportedTable::Users => "users",
        ImportedTable::Groups => "directory_groups",
    };
    for round in ids.chunks(500) {
        let sql = format!(
            "UPDATE {table} SET imported_from = $1 WHERE id IN ({})",
            placeholders_after(1, round.len())
        );
        let mut q = sqlx::query(&sql).bind(system.to_string());
        for id in round {
            q = q.bind(id.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Which table [`mark_imported`] marks.
#[derive(Debug, Clone, Copy)]
pub enum ImportedTable {
    Users,
    Groups,
}

/// Groups imported from `system`: (id, DN as stored, name).
pub async fn imported_groups(
    conn: &mut Conn,
    system: SystemId,
) -> DomainResult<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, COALESCE(external_id, ''), name FROM directory_groups WHERE imported_from = $1",
    )
    .bind(system.to_string())
    .fetch_all(&mut *conn)
    .await?)
}

/// The people a group holds by the import's grants.
pub async fn imported_members(conn: &mut Conn, group: &str) -> DomainResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM group_members WHERE group_id = $1 AND source = $2")
            .bind(group)
            .bind(IMPORT)
            .fetch_all(&mut *conn)
            .await?,
    )
}
