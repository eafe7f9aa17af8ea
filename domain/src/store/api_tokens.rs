//! Personal API tokens, stored as SHA-256 of the secret (a random 256-bit secret needs no
//! slow hash), and the answers kept for idempotency keys.

use crate::DomainResult;
use crate::model::{ApiToken, CatalogId, TokenScope, UserId};
use crate::store::{Conn, corrupt, from_ms, ms, uuid};
use chrono::{DateTime, Utc};

pub use crate::store::scim::tokens::TOUCH_EVERY_MS;

/// Most tokens a person's list shows (live ones first).
pub const LISTED: i64 = 100;

pub fn hash(secret: &str) -> String {
    crate::store::scim::tokens::hash(secret)
}

pub struct NewRow<'a> {
    pub id: &'a str,
    pub user: UserId,
    pub name: &'a str,
    pub secret: &'a str,
    pub scope: TokenScope,
    pub catalog: Option<CatalogId>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, row: &NewRow<'_>, now: DateTime<Utc>) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, scope, catalog_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(row.id)
    .bind(row.user.to_string())
    .bind(row.name)
    .bind(hash(row.secret))
    .bind(row.scope.code())
    .bind(row.catalog.map(|c| c.to_string()))
    .bind(ms(now))
    .bind(ms(row.expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Live tokens a person holds at `now`.
pub async fn count_live(conn: &mut Conn, user: UserId, now: DateTime<Utc>) -> DomainResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(user.to_string())
    .bind(ms(now))
    .fetch_one(&mut *conn)
    .await?)
}

/// The token with this secret, if not revoked: (id, person, scope, catalog, expires, last used).
pub struct Found {
    pub id: String,
    pub user: UserId,
    pub scope: TokenScope,
    pub catalog: Option<CatalogId>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<i64>,
}

type FoundRow = (String, String, String, Option<String>, i64, Option<i64>);

pub async fn find(conn: &mut Conn, secret: &str) -> DomainResult<Option<Found>> {
    let row: Option<FoundRow> = sqlx::query_as(
        "SELECT id, user_id, scope, catalog_id, expires_at, last_used_at
         FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash(secret))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(id, user, scope, catalog, expires, used)| {
        Ok(Found {
            id,
            user: UserId(uuid(&user)?),
            // A scope that cannot be read is an error, never a wider default.
            scope: TokenScope::parse(&scope).map_err(corrupt)?,
            catalog: catalog.map(|c| uuid(&c).map(CatalogId)).transpose()?,
            expires_at: from_ms(expires)?,
            last_used_at: used,
        })
    })
    .transpose()
}

pub async fn touch(conn: &mut Conn, id: &str, now: DateTime<Utc>) -> DomainResult<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Revokes a live token of `user`; its name, or None when that person has no such live token.
pub async fn revoke(
    conn: &mut Conn,
    id: &str,
    user: UserId,
    now: DateTime<Utc>,
) -> DomainResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING name",
    )
    .bind(id)
    .bind(user.to_string())
    .bind(ms(now))
    .fetch_optional(&mut *conn)
    .await?)
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

/// A person's tokens: live ones first (newest first), then revoked and expired ones.
pub async fn of_user(
    conn: &mut Conn,
    user: UserId,
    now: DateTime<Utc>,
) -> DomainResult<Vec<ApiToken>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.id, t.name, t.scope, t.catalog_id, c.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
         FROM api_tokens t LEFT JOIN catalogs c ON c.id = t.catalog_id
         WHERE t.user_id = $1
         ORDER BY CASE WHEN t.revoked_at IS NULL AND t.expires_at > $2 THEN 0 ELSE 1 END, t.created_at DESC, t.id
         LIMIT $3",
    )
    .bind(user.to_string())
    .bind(ms(now))
    .bind(LISTED)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(
            |(id, name, scope, catalog, catalog_name, created, expires, used, revoked)| {
                Ok(ApiToken {
                    id,
                    name,
                    scope: TokenScope::parse(&scope).map_err(corrupt)?,
                    catalog: catalog
                        .map(|c| {
                            Ok::<_, crate::DomainError>((
                                CatalogId(uuid(&c)?),
                                catalog_name.unwrap_or_default(),
                            ))
                        })
                        .transpose()?,
                    created_at: from_ms(created)?,
                    expires_at: from_ms(expires)?,
                    last_used_at: used.map(from_ms).transpose()?,
                    revoked_at: revoked.map(from_ms).transpose()?,
                })
            },
        )
        .collect()
}

/// How long a kept answer counts for a retried POST.
pub const IDEMPOTENCY_KEEP_MS: i64 = 24 * 3600 * 1000;

/// What an earlier POST with this key left: (fingerprint, status, body); status 0 while it runs.
pub async fn kept_answer(
    conn: &mut Conn,
    token: &str,
    key: &str,
    now: DateTime<Utc>,
) -> DomainResult<Option<(String, i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT fingerprint, status, body FROM api_idempotency
         WHERE token_id = $1 AND idem_key = $2 AND created_at > $3",
    )
    .bind(token)
    .bind(key)
    .bind(ms(now) - IDEMPOTENCY_KEEP_MS)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Claims the key for a POST about to run; false when another holds it (running or answered
/// within the last 24 hours). An older row is taken over.
pub async fn claim_key(
    conn: &mut Conn,
    token: &str,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    sqlx::query(
        "DELETE FROM api_idempotency WHERE token_id = $1 AND idem_key = $2 AND created_at <= $3",
    )
    .bind(token)
    .bind(key)
    .bind(ms(now) - IDEMPOTENCY_KEEP_MS)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(
        "INSERT INTO api_idempotency (token_id, idem_key, fingerprint, status, body, created_at)
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (token_id, idem_key) DO NOTHING",
    )
    .bind(token)
    .bind(key)
    .bind(fingerprint)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Keeps the answer of the POST that claimed the key.
pub async fn keep_answer(
    conn: &mut Conn,
    token: &str,
    key: &str,
    status: u16,
    body: &str,
) -> DomainResult<()> {
    sqlx::query(
        "UPDATE api_idempotency SET status = $3, body = $4 WHERE token_id = $1 AND idem_key = $2",
    )
    .bind(token)
    .bind(key)
    .bind(i64::from(status))
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Lets go of a key whose POST failed on our side (a retry may run it again).
pub async fn release_key(conn: &mut Conn, token: &str, key: &str) -> DomainResult<()> {
    sqlx::query("DELETE FROM api_idempotency WHERE token_id = $1 AND idem_key = $2 AND status = 0")
        .bind(token)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets answers older than a day (the daily clean-up); how many.
pub async fn prune_answers(conn: &mut Conn, now: DateTime<Utc>) -> DomainResult<u64> {
    Ok(
        sqlx::query("DELETE FROM api_idempotency WHERE created_at <= $1")
            .bind(ms(now) - IDEMPOTENCY_KEEP_MS)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}
