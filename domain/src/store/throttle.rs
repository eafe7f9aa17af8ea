use super::Conn;
use crate::DomainResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub failures: i64,
    pub last_failure_ms: i64,
    pub locked_until_ms: Option<i64>,
}

/// The email's throttle row, created (no failures) when missing and locked until the
/// transaction ends, so concurrent attempts for one email take their turn.
pub async fn hold(conn: &mut Conn, key: &str, now_ms: i64) -> DomainResult<Failures> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (email, failures, last_failure_at, locked_until) VALUES ($1, 0, $2, NULL)
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(key)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    // A no-op update takes the row lock on Postgres (SQLite's writer holds the database).
    let (failures, last_failure_ms, locked_until_ms): (i64, i64, Option<i64>) = sqlx::query_as(
        "UPDATE sign_in_throttle SET failures = failures WHERE email = $1
         RETURNING failures, last_failure_at, locked_until",
    )
    .bind(key)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Failures {
        failures,
        last_failure_ms,
        locked_until_ms,
    })
}

/// Forgets rows whose failures are older than `before_ms` and whose lock has ended.
pub async fn purge(conn: &mut Conn, before_ms: i64, now_ms: i64) -> DomainResult<u64> {
    let done = sqlx::query(
        "DELETE FROM sign_in_throttle WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(before_ms)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

pub async fn put(conn: &mut Conn, key: &str, f: Failures) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (email, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
             locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(f.failures)
    .bind(f.last_failure_ms)
    .bind(f.locked_until_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn clear(conn: &mut Conn, key: &str) -> DomainResult<()> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE email = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
