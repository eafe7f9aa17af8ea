use super::Conn;
use crate::DomainResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub failures: i64,
    pub last_failure_ms: i64,
    pub locked_until_ms: Option<i64>,
}

pub async fn get(conn: &mut Conn, key: &str) -> DomainResult<Option<Failures>> {
    let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT failures, last_failure_at, locked_until FROM sign_in_throttle WHERE email = $1",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(
        row.map(|(failures, last_failure_ms, locked_until_ms)| Failures {
            failures,
            last_failure_ms,
            locked_until_ms,
        }),
    )
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
