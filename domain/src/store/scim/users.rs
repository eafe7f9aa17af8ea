//! People as SCIM users. A person the provider deleted keeps their row (disabled, with
//! `deleted_at`) and is no longer shown.

use super::{Column, Window, windowed};
use crate::DomainResult;
use crate::scim::filter::{AttrPath, Filter};
use crate::scim::user::{ScimUser, UserRecord};
use crate::scim::{ENTERPRISE_SCHEMA, ScimError};
use crate::store::{Conn, flag, flag_of, from_ms, ms};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    user_name: Option<String>,
    email: String,
    external_id: Option<String>,
    display_name: String,
    enabled: i64,
    job_title: String,
    department: String,
    employee_number: String,
    manager_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl Row {
    fn record(self) -> DomainResult<UserRecord> {
        Ok(UserRecord {
            id: self.id,
            user: ScimUser {
                user_name: self.user_name.unwrap_or_else(|| self.email.clone()),
                external_id: self.external_id,
                display_name: self.display_name,
                email: self.email,
                active: flag_of(self.enabled)?,
                title: self.job_title,
                department: self.department,
                employee_number: self.employee_number,
                manager: self.manager_id,
            },
            created: from_ms(self.created_at)?,
            modified: from_ms(self.updated_at)?,
        })
    }
}

const SELECT: &str = "SELECT u.id, u.user_name, u.email, u.external_id, u.display_name, u.enabled,
        u.job_title, u.department, u.employee_number, u.manager_id, u.created_at, u.updated_at
     FROM users u";

/// The key userName is unique on (an expression index: `users_user_name_key`).
const USER_NAME_KEY: &str = "lower(COALESCE(u.user_name, u.email))";

fn column(p: &AttrPath) -> Result<Column, ScimError> {
    let enterprise = p
        .schema
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(ENTERPRISE_SCHEMA));
    Ok(match (enterprise, p.attr.as_str(), p.sub.as_deref()) {
        (false, "id", None) => Column::Exact("u.id"),
        (false, "username", None) => Column::Folded(USER_NAME_KEY),
        (false, "externalid", None) => Column::Exact("u.external_id"),
        (false, "displayname", None) => Column::Folded("lower(u.display_name)"),
        // E-mails are stored lower-cased.
        (false, "emails", None | Some("value")) => Column::Folded("u.email"),
        (false, "emails", Some("type")) => Column::Constant(true),
        (false, "emails", Some("primary")) => Column::Constant(true),
        (false, "active", None) => Column::Flag("u.enabled"),
        (false, "title", None) => Column::Folded("lower(u.job_title)"),
        (true, "department", None) => Column::Folded("lower(u.department)"),
        (true, "employeenumber", None) => Column::Exact("u.employee_number"),
        (true, "manager", None | Some("value")) => Column::Exact("u.manager_id"),
        (_, attr, _) => {
            return Err(ScimError::invalid_filter(format!(
                "Users cannot be filtered on \"{attr}\"."
            )));
        }
    })
}

pub async fn get(conn: &mut Conn, id: &str) -> DomainResult<Option<UserRecord>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE u.id = $1 AND u.deleted_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(Row::record).transpose()
}

/// One window of the users a filter matches, in id order, and how many match in all.
pub async fn list(
    conn: &mut Conn,
    filter: Option<&Filter>,
    window: Window,
) -> Result<(i64, Vec<UserRecord>), ScimError> {
    let queries = (
        SELECT,
        "SELECT COUNT(*) FROM users u",
        "u.deleted_at IS NULL",
        "u.id",
    );
    let (total, rows): (i64, Vec<Row>) = windowed(conn, queries, filter, column, window).await?;
    let records = rows
        .into_iter()
        .map(Row::record)
        .collect::<DomainResult<_>>()?;
    Ok((total, records))
}

/// Who holds `user_name` (case-insensitively, as userName or as the e-mail of someone without
/// one), and whether the provider deleted them.
pub async fn by_user_name(
    conn: &mut Conn,
    user_name: &str,
) -> DomainResult<Option<(String, bool)>> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT u.id, u.deleted_at FROM users u WHERE {USER_NAME_KEY} = $1"
    ))
    .bind(user_name.to_lowercase())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id, deleted)| (id, deleted.is_some())))
}

/// A person as the directory import finds them: the record, the connected system they were
/// imported from, and whether a provider deleted them.
#[derive(sqlx::FromRow)]
struct ImportRow {
    #[sqlx(flatten)]
    row: Row,
    imported_from: Option<String>,
    deleted_at: Option<i64>,
}

/// The people whose e-mail (stored lowercased) is among `emails`, deleted ones included.
pub async fn by_emails(
    conn: &mut Conn,
    emails: &[String],
) -> DomainResult<Vec<(UserRecord, Option<String>, bool)>> {
    let mut out = Vec::with_capacity(emails.len());
    for round in emails.chunks(500) {
        let sql = format!(
            "SELECT u.id, u.user_name, u.email, u.external_id, u.display_name, u.enabled,
                    u.job_title, u.department, u.employee_number, u.manager_id, u.created_at,
                    u.updated_at, u.imported_from, u.deleted_at
             FROM users u WHERE u.email IN ({})",
            crate::store::placeholders_after(0, round.len())
        );
        let mut q = sqlx::query_as::<_, ImportRow>(&sql);
        for email in round {
            q = q.bind(email.as_str());
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push((r.row.record()?, r.imported_from, r.deleted_at.is_some()));
        }
    }
    Ok(out)
}

/// Whether `id` is a person SCIM shows (so it can be a manager or a member).
pub async fn exists(conn: &mut Conn, id: &str) -> DomainResult<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

pub async fn insert(
    conn: &mut Conn,
    id: &str,
    u: &ScimUser,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, user_type, manager_id, department, job_title, enabled,
                            user_name, external_id, employee_number, created_at, updated_at)
         VALUES ($1, $2, $3, 'member', $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(id)
    .bind(&u.email)
    .bind(&u.display_name)
    .bind(u.manager.as_deref())
    .bind(&u.department)
    .bind(&u.title)
    .bind(flag(u.active))
    .bind(&u.user_name)
    .bind(u.external_id.as_deref())
    .bind(&u.employee_number)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces what SCIM keeps of a person; brings back a person the provider deleted. A new
/// manager takes over the person's undecided manager-review items.
pub async fn update(
    conn: &mut Conn,
    id: &str,
    u: &ScimUser,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let before = crate::store::users::manager_of(&mut *conn, id).await?;
    let done = sqlx::query(
        "UPDATE users SET email = $2, display_name = $3, manager_id = $4, department = $5, job_title = $6,
                enabled = $7, user_name = $8, external_id = $9, employee_number = $10, deleted_at = NULL,
                updated_at = $11
         WHERE id = $1",
    )
    .bind(id)
    .bind(&u.email)
    .bind(&u.display_name)
    .bind(u.manager.as_deref())
    .bind(&u.department)
    .bind(&u.title)
    .bind(flag(u.active))
    .bind(&u.user_name)
    .bind(u.external_id.as_deref())
    .bind(&u.employee_number)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::DomainError::NotFound("user"));
    }
    if before.as_deref() != u.manager.as_deref() {
        let person = crate::model::UserId(crate::store::uuid(id)?);
        crate::store::reviews::follow_new_manager(&mut *conn, person).await?;
    }
    Ok(())
}

/// The provider deleted the person: disabled and hidden from SCIM; the memberships SCIM gave
/// them are withdrawn. Returns false when they were already deleted.
pub async fn mark_deleted(conn: &mut Conn, id: &str, now: DateTime<Utc>) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE users SET enabled = 0, deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let groups: Vec<String> = sqlx::query_scalar(
        "SELECT group_id FROM group_members WHERE user_id = $1 AND source = 'scim'",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM group_members WHERE user_id = $1 AND source = 'scim'")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let removed: Vec<(String, String)> = groups.into_iter().map(|g| (g, id.to_owned())).collect();
    crate::store::counts::memberships_changed(conn, &[], &removed).await?;
    Ok(true)
}
