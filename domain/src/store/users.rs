use super::{Arg, Conn, contains_pattern, flag, from_ms, ms, paged, user_refs, uuid};
use crate::model::*;
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    display_name: String,
    email: String,
    user_type: String,
    department: String,
    job_title: String,
    enabled: i64,
    service_account: i64,
    manager_id: Option<String>,
    manager_name: Option<String>,
    manager_email: Option<String>,
}

impl SummaryRow {
    fn into_summary(self) -> DomainResult<UserSummary> {
        let manager = match (self.manager_id, self.manager_name, self.manager_email) {
            (Some(id), Some(display_name), Some(email)) => Some(UserRef {
                id: UserId(uuid(&id)?),
                display_name,
                email,
            }),
            _ => None,
        };
        Ok(UserSummary {
            id: UserId(uuid(&self.id)?),
            display_name: self.display_name,
            email: self.email,
            user_type: UserType::parse(&self.user_type)
                .map_err(|e| DomainError::Internal(e.into()))?,
            department: self.department,
            job_title: self.job_title,
            enabled: self.enabled != 0,
            service_account: super::flag_of(self.service_account)?,
            manager,
        })
    }
}

const SUMMARY_SELECT: &str =
    "SELECT u.id, u.display_name, u.email, u.user_type, u.department, u.job_title, u.enabled,
        u.service_account, m.id AS manager_id, m.display_name AS manager_name, m.email AS manager_email
     FROM users u LEFT JOIN users m ON m.id = u.manager_id";

const SEARCH_FILTER: &str =
    "($1 = '' OR lower(u.display_name) LIKE $2 ESCAPE '\\' OR u.email LIKE $2 ESCAPE '\\')";

pub async fn search(
    conn: &mut Conn,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<UserSummary>> {
    let q = query.trim();
    let pattern = contains_pattern(q);
    let (total, rows): (i64, Vec<SummaryRow>) = paged(
        conn,
        &format!("SELECT COUNT(*) FROM users u WHERE {SEARCH_FILTER}"),
        &format!("{SUMMARY_SELECT} WHERE {SEARCH_FILTER} ORDER BY lower(u.display_name), u.id"),
        &[Arg::Text(q), Arg::Text(&pattern)],
        page,
    )
    .await?;
    let items = rows
        .into_iter()
        .map(SummaryRow::into_summary)
        .collect::<DomainResult<_>>()?;
    Ok(Page::of(items, total, page))
}

pub async fn summary(conn: &mut Conn, id: UserId) -> DomainResult<UserSummary> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!("{SUMMARY_SELECT} WHERE u.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.ok_or(DomainError::NotFound("user"))?.into_summary()
}

pub async fn id_by_email(conn: &mut Conn, email: &Email) -> DomainResult<Option<UserId>> {
    let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    id.map(|s| uuid(&s).map(UserId)).transpose()
}

/// Marks a new entry as a service account (no password, no sign-in; API tokens only).
pub async fn mark_service_account(conn: &mut Conn, id: UserId) -> DomainResult<()> {
    sqlx::query("UPDATE users SET service_account = 1 WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn insert(
    conn: &mut Conn,
    id: UserId,
    u: &ValidUser,
    manager: Option<UserId>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, user_type, manager_id, department, job_title, enabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(id.to_string())
    .bind(u.email.as_str())
    .bind(u.display_name.as_str())
    .bind(u.user_type.code())
    .bind(manager.map(|m| m.to_string()))
    .bind(u.department.as_str())
    .bind(u.job_title.as_str())
    .bind(flag(u.enabled))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces a person's record. A new manager takes over the person's undecided
/// manager-review items (pending manager approval stages follow in the lifecycle jobs).
pub async fn update(
    conn: &mut Conn,
    id: UserId,
    u: &ValidUser,
    manager: Option<UserId>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let before = manager_of(&mut *conn, &id.to_string()).await?;
    let done = sqlx::query(
        "UPDATE users SET email = $2, display_name = $3, user_type = $4, manager_id = $5, department = $6,
                job_title = $7, enabled = $8, updated_at = $9
         WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(u.email.as_str())
    .bind(u.display_name.as_str())
    .bind(u.user_type.code())
    .bind(manager.map(|m| m.to_string()))
    .bind(u.department.as_str())
    .bind(u.job_title.as_str())
    .bind(flag(u.enabled))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("user"));
    }
    if before != manager.map(|m| m.to_string()) {
        super::reviews::follow_new_manager(&mut *conn, id).await?;
    }
    Ok(())
}

/// The person's manager (id), if any.
pub async fn manager_of(conn: &mut Conn, id: &str) -> DomainResult<Option<String>> {
    let manager: Option<Option<String>> =
        sqlx::query_scalar("SELECT manager_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(manager.flatten())
}

/// Whether making `manager` the manager of `user` would close a loop (A manages B manages A).
pub async fn would_cycle(conn: &mut Conn, user: UserId, manager: UserId) -> DomainResult<bool> {
    // Walk up from the proposed manager; bounded so a corrupt chain cannot spin forever.
    let mut current = Some(manager);
    for _ in 0..64 {
        let Some(c) = current else { return Ok(false) };
        if c == user {
            return Ok(true);
        }
        let next: Option<Option<String>> =
            sqlx::query_scalar("SELECT manager_id FROM users WHERE id = $1")
                .bind(c.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        current = next.flatten().map(|s| uuid(&s).map(UserId)).transpose()?;
    }
    Ok(true)
}

pub async fn direct_reports(conn: &mut Conn, id: UserId, limit: i64) -> DomainResult<Vec<UserRef>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, display_name, email FROM users WHERE manager_id = $1 ORDER BY lower(display_name), id LIMIT $2",
    )
    .bind(id.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    user_refs(rows)
}

pub async fn last_sign_in(conn: &mut Conn, id: UserId) -> DomainResult<Option<DateTime<Utc>>> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT last_sign_in_at FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    at.flatten().map(from_ms).transpose()
}

pub async fn roles(conn: &mut Conn, id: UserId) -> DomainResult<Vec<DirectoryRole>> {
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?;
    codes
        .iter()
        .map(|c| DirectoryRole::parse(c).map_err(|e| DomainError::Internal(e.into())))
        .collect()
}

pub async fn catalog_roles(
    conn: &mut Conn,
    id: UserId,
) -> DomainResult<Vec<(CatalogId, CatalogRole)>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT catalog_id, role FROM catalog_role_assignments WHERE user_id = $1 ORDER BY catalog_id, role")
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|(c, r)| {
            Ok((
                CatalogId(uuid(c)?),
                CatalogRole::parse(r).map_err(|e| DomainError::Internal(e.into()))?,
            ))
        })
        .collect()
}

pub async fn grant_role(conn: &mut Conn, id: UserId, role: DirectoryRole) -> DomainResult<()> {
    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT (user_id, role) DO NOTHING")
        .bind(id.to_string())
        .bind(role.code())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What sign-in needs to know about an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub id: UserId,
    pub password_hash: Option<String>,
    pub enabled: bool,
}

pub async fn credentials(conn: &mut Conn, email: &Email) -> DomainResult<Option<Credentials>> {
    let row: Option<(String, Option<String>, i64)> =
        // A service account never signs in with a password: it reads as disabled here.
        sqlx::query_as("SELECT id, password_hash, CASE WHEN service_account = 1 THEN 0 ELSE enabled END FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|(id, password_hash, enabled)| {
        Ok(Credentials {
            id: UserId(uuid(&id)?),
            password_hash,
            enabled: enabled != 0,
        })
    })
    .transpose()
}

pub async fn set_password_hash(
    conn: &mut Conn,
    id: UserId,
    hash: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(hash)
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends every session signed in before `now`, and sets the password hash when given.
pub async fn reset_sessions(
    conn: &mut Conn,
    id: UserId,
    new_hash: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE users SET sessions_valid_after = $2, password_hash = COALESCE($3, password_hash), updated_at = $2 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(ms(now))
    .bind(new_hash)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("user"));
    }
    Ok(())
}

pub async fn record_sign_in(conn: &mut Conn, id: UserId, now: DateTime<Utc>) -> DomainResult<()> {
    sqlx::query("UPDATE users SET last_sign_in_at = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The account behind a session, if it still exists and is enabled.
pub async fn actor(conn: &mut Conn, id: UserId) -> DomainResult<Option<Actor>> {
    actor_signed_in_at(conn, id, None).await
}

/// The actor, if the account is enabled and — when `signed_in_ms` is given — sessions from
/// that instant are still valid (no password change or "Sign out all sessions" since).
pub async fn actor_signed_in_at(
    conn: &mut Conn,
    id: UserId,
    signed_in_ms: Option<i64>,
) -> DomainResult<Option<Actor>> {
    let row: Option<(String, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT display_name, email, user_type, enabled, sessions_valid_after, service_account FROM users WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((display_name, email, user_type, enabled, valid_after, service)) = row else {
        return Ok(None);
    };
    // A service account acts only through its API tokens: no session is ever its.
    let session_of_service = signed_in_ms.is_some() && super::flag_of(service)?;
    if !super::flag_of(enabled)?
        || signed_in_ms.is_some_and(|at| at < valid_after)
        || session_of_service
    {
        return Ok(None);
    }
    Ok(Some(Actor {
        user_id: id,
        display_name,
        email,
        user_type: UserType::parse(&user_type).map_err(|e| DomainError::Internal(e.into()))?,
        roles: roles(conn, id).await?,
        catalog_roles: catalog_roles(conn, id).await?,
    }))
}

pub async fn count(conn: &mut Conn) -> DomainResult<(i64, i64)> {
    let (all, guests): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(CASE WHEN user_type = 'guest' THEN 1 END) FROM users",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((all, guests))
}

pub async fn role_holders(conn: &mut Conn) -> DomainResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(DISTINCT user_id) FROM user_roles")
            .fetch_one(&mut *conn)
            .await?,
    )
}

pub async fn set_manager_if_unset(
    conn: &mut Conn,
    id: UserId,
    manager: UserId,
) -> DomainResult<()> {
    sqlx::query("UPDATE users SET manager_id = $2 WHERE id = $1 AND manager_id IS NULL")
        .bind(id.to_string())
        .bind(manager.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

type CandidateRow = (String, i64, Option<i64>, Option<String>);

/// A service account reads as disabled: it never signs in with single sign-on.
const CANDIDATE_SELECT: &str = "SELECT id, CASE WHEN service_account = 1 THEN 0 ELSE enabled END AS enabled, deleted_at, oidc_subject FROM users";

/// A person single sign-on could match (found by the provider identity or by e-mail):
/// enabled only when neither disabled nor deleted by directory sync.
fn sso_candidate(row: Option<CandidateRow>) -> DomainResult<Option<crate::rules::sso::Candidate>> {
    row.map(|(id, enabled, deleted_at, subject)| {
        Ok(crate::rules::sso::Candidate {
            id: UserId(uuid(&id)?),
            enabled: super::flag_of(enabled)? && deleted_at.is_none(),
            linked: subject.is_some(),
        })
    })
    .transpose()
}

/// The person linked to the identity `subject` at the provider `issuer`.
pub async fn by_identity(
    conn: &mut Conn,
    issuer: &str,
    subject: &str,
) -> DomainResult<Option<crate::rules::sso::Candidate>> {
    sso_candidate(
        sqlx::query_as(&format!(
            "{CANDIDATE_SELECT} WHERE oidc_issuer = $1 AND oidc_subject = $2"
        ))
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await?,
    )
}

/// The person with this e-mail, as single sign-on sees them.
pub async fn by_email_for_sso(
    conn: &mut Conn,
    email: &Email,
) -> DomainResult<Option<crate::rules::sso::Candidate>> {
    sso_candidate(
        sqlx::query_as(&format!("{CANDIDATE_SELECT} WHERE email = $1"))
            .bind(email.as_str())
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Links the person to the identity `subject` at `issuer` (unique: one identity, one person).
pub async fn link_identity(
    conn: &mut Conn,
    id: UserId,
    issuer: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE users SET oidc_issuer = $2, oidc_subject = $3, updated_at = $4
         WHERE id = $1 AND oidc_subject IS NULL",
    )
    .bind(id.to_string())
    .bind(issuer)
    .bind(subject)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::Conflict(
            "this person was linked to another identity at the same moment".into(),
        ));
    }
    Ok(())
}
