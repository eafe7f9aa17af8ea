//! Server-side session records (for tower-sessions), on the application's own database.
//! Records are keyed by [`key`] of the session id, never by the id itself.

use super::Conn;
use crate::DomainResult;
use sha2::{Digest, Sha256};

/// The key a session is stored under: SHA-256 (hex) of the id the browser holds, so a copy
/// of the database does not hand out live sessions.
pub fn key(session_id: &str) -> String {
    super::hex(&Sha256::digest(session_id.as_bytes()))
}

pub async fn save(conn: &mut Conn, id: &str, data: &str, expiry_ms: i64) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date",
    )
    .bind(id)
    .bind(data)
    .bind(expiry_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inserts a new record; false when the id is taken (the caller picks another).
pub async fn create(conn: &mut Conn, id: &str, data: &str, expiry_ms: i64) -> DomainResult<bool> {
    let done = sqlx::query("INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(data)
        .bind(expiry_ms)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn load(conn: &mut Conn, id: &str, now_ms: i64) -> DomainResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT data FROM sessions WHERE id = $1 AND expiry_date > $2")
            .bind(id)
            .bind(now_ms)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

pub async fn delete(conn: &mut Conn, id: &str) -> DomainResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete_expired(conn: &mut Conn, now_ms: i64) -> DomainResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expiry_date <= $1")
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
