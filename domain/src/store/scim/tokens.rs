//! Provisioning clients' bearer tokens: stored as SHA-256 of the secret (a random 256-bit
//! secret needs no slow hash), revocable, with when each was last used and its last error.

use crate::DomainResult;
use crate::model::{MAX_TOKENS_LISTED, ScimToken, SyncStatus};
use crate::store::{Conn, from_ms, hex, ms};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// How stale `last_used_at` may get before a request writes it again (a push of 10,000
/// people must not write the token's row 10,000 times).
pub const TOUCH_EVERY_MS: i64 = 60_000;

pub fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

pub async fn insert(
    conn: &mut Conn,
    id: &str,
    name: &str,
    secret: &str,
    created_by: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO scim_tokens (id, name, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(name)
    .bind(hash(secret))
    .bind(created_by)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The live token with this secret: (id, name, last used).
pub async fn find(
    conn: &mut Conn,
    secret: &str,
) -> DomainResult<Option<(String, String, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT id, name, last_used_at FROM scim_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash(secret))
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn touch(conn: &mut Conn, id: &str, now: DateTime<Utc>) -> DomainResult<()> {
    sqlx::query("UPDATE scim_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn record_error(
    conn: &mut Conn,
    id: &str,
    error: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query("UPDATE scim_tokens SET last_error = $2, last_error_at = $3 WHERE id = $1")
        .bind(id)
        .bind(error)
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Revokes a live token; false when there is none with this id.
pub async fn revoke(conn: &mut Conn, id: &str, now: DateTime<Utc>) -> DomainResult<Option<String>> {
    let name: Option<String> = sqlx::query_scalar(
        "UPDATE scim_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING name",
    )
    .bind(id)
    .bind(ms(now))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(name)
}

type Row = (
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

fn instant(v: Option<i64>) -> DomainResult<Option<DateTime<Utc>>> {
    v.map(from_ms).transpose()
}

/// Live tokens first (newest first), then revoked ones.
pub async fn list(conn: &mut Conn) -> DomainResult<Vec<ScimToken>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.id, t.name, t.created_at, u.email, t.last_used_at, t.revoked_at, t.last_error, t.last_error_at
         FROM scim_tokens t LEFT JOIN users u ON u.id = t.created_by
         ORDER BY CASE WHEN t.revoked_at IS NULL THEN 0 ELSE 1 END, t.created_at DESC, t.id
         LIMIT $1",
    )
    .bind(MAX_TOKENS_LISTED)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, name, created, by, used, revoked, error, error_at)| {
            Ok(ScimToken {
                id,
                name,
                created_at: from_ms(created)?,
                created_by: by,
                last_used_at: instant(used)?,
                revoked_at: instant(revoked)?,
                last_error: error,
                last_error_at: instant(error_at)?,
            })
        })
        .collect()
}

/// The counts of the sync page.
pub async fn status(conn: &mut Conn) -> DomainResult<SyncStatus> {
    let (people, deleted): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN deleted_at IS NULL THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END), 0)
         FROM users WHERE user_name IS NOT NULL OR external_id IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    let groups: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM directory_groups WHERE external_id IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
    let memberships: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM group_members WHERE source = 'scim'")
            .fetch_one(&mut *conn)
            .await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(last_used_at) FROM scim_tokens")
        .fetch_one(&mut *conn)
        .await?;
    Ok(SyncStatus {
        tokens: list(conn).await?,
        people,
        groups,
        memberships,
        deleted,
        last_push: instant(last)?,
    })
}
