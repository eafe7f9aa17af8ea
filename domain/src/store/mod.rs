//! Persistence: plain functions over a connection or transaction. The use case owns the
//! transaction; nothing here decides business rules.

pub mod api_tokens;
pub mod audit;
pub mod bulk;
pub mod catalogs;
pub mod check;
pub mod connectors;
pub mod counts;
pub mod groups;
pub mod insight;
pub mod licenses;
pub mod lifecycle;
pub mod notifications;
pub mod packages;
pub mod reports;
pub mod requests;
pub mod reviews;
pub mod scim;
pub mod sessions;
pub mod throttle;
pub mod users;
pub mod webhooks;

use crate::{DomainError, DomainResult};
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

pub use sqlx::AnyConnection as Conn;

/// Named constraints → what the person should read, against the field they typed.
/// SQLite reports "UNIQUE constraint failed: table.column", Postgres the constraint name.
const CONSTRAINTS: &[(&str, &str, &str, &str)] = &[
    (
        "users_email_key",
        "users.email",
        "email",
        "A user with this email already exists.",
    ),
    (
        "users_user_name_key",
        "index 'users_user_name_key'",
        // A person without a SCIM userName holds their e-mail as one, so on SQLite (which
        // checks this index before the e-mail's) a repeated e-mail fails here first.
        "email",
        "A user with this email already exists.",
    ),
    (
        "connected_systems_name_key",
        "connected_systems.name_key",
        "name",
        "A connected system with this name already exists.",
    ),
    (
        "group_links_pkey",
        "group_links.group_id",
        "group",
        "This group is already linked to a connected system; unlink it first.",
    ),
    // 0017 rebuilt both tables: on PostgreSQL their constraints keep the rebuilt names.
    (
        "connected_systems_v2_name_key",
        "connected_systems.name_key",
        "name",
        "A connected system with this name already exists.",
    ),
    (
        "group_links_v2_pkey",
        "group_links.group_id",
        "group",
        "This group is already linked to a connected system; unlink it first.",
    ),
    (
        "webhooks_name_key",
        "webhooks.name_key",
        "name",
        "A webhook with this name already exists.",
    ),
    (
        "directory_groups_name_key",
        "directory_groups.name_key",
        "name",
        "A group with this name already exists.",
    ),
    (
        "licenses_name_key",
        "licenses.name_key",
        "name",
        "A license with this name already exists.",
    ),
    (
        "access_packages_name_key",
        "access_packages.catalog_id, access_packages.name_key",
        "name",
        "An access package with this name already exists in this catalog.",
    ),
    (
        "catalogs_name_key",
        "catalogs.name_key",
        "name",
        "A catalog with this name already exists.",
    ),
];

pub(crate) fn constraint_message(db: &dyn sqlx::error::DatabaseError) -> Option<DomainError> {
    let message = db.message();
    CONSTRAINTS
        .iter()
        .find_map(|(name, sqlite_cols, field, text)| {
            let hit = db.constraint() == Some(*name)
                || message.contains(&format!("UNIQUE constraint failed: {sqlite_cols}"));
            hit.then(|| DomainError::invalid(field, *text))
        })
}

pub fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// A stored instant. One outside chrono's range is corrupt: an error, never 1970.
pub fn from_ms(ms: i64) -> DomainResult<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| corrupt(format!("instant {ms} ms is out of range")))
}

pub fn uuid(text: &str) -> DomainResult<Uuid> {
    Uuid::parse_str(text).map_err(DomainError::internal)
}

/// Rows of (id, display name, email) as people references.
pub fn user_refs(rows: Vec<(String, String, String)>) -> DomainResult<Vec<crate::model::UserRef>> {
    rows.into_iter()
        .map(|(id, display_name, email)| {
            Ok(crate::model::UserRef {
                id: crate::model::UserId(uuid(&id)?),
                display_name,
                email,
            })
        })
        .collect()
}

/// `$1, $2, …, $len`: the placeholders of an IN list that starts the query's parameters.
pub fn placeholders(len: usize) -> String {
    placeholders_after(0, len)
}

/// The placeholders of an IN list that follows `before` other parameters:
/// `$before+1, …, $before+len`.
pub fn placeholders_after(before: usize, len: usize) -> String {
    (before + 1..=before + len)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value of a list's filter, bound (in order) to both its count and its page.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Text(&'a str),
    Int(i64),
}

/// A query's arguments: `args` in order, then `more` integers (a page's LIMIT and OFFSET).
pub fn arguments<'q>(args: &[Arg<'q>], more: &[i64]) -> DomainResult<sqlx::any::AnyArguments<'q>> {
    use sqlx::Arguments;
    let mut out = sqlx::any::AnyArguments::default();
    for a in args {
        match *a {
            Arg::Text(t) => out.add(t),
            Arg::Int(i) => out.add(i),
        }
        .map_err(DomainError::Internal)?;
    }
    for i in more {
        out.add(*i).map_err(DomainError::Internal)?;
    }
    Ok(out)
}

/// The rows of one page of a filtered list and how many match in all. `count_sql` and
/// `page_sql` use the same filter with the same `$1 … $n` (`args`); `page_sql` ends with its
/// ORDER BY, and gets `LIMIT $n+1 OFFSET $n+2` here.
pub async fn paged<R>(
    conn: &mut Conn,
    count_sql: &str,
    page_sql: &str,
    args: &[Arg<'_>],
    page: crate::model::PageRequest,
) -> DomainResult<(i64, Vec<R>)>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let total: i64 = sqlx::query_scalar_with(count_sql, arguments(args, &[])?)
        .fetch_one(&mut *conn)
        .await?;
    let n = args.len();
    let sql = format!("{page_sql} LIMIT ${} OFFSET ${}", n + 1, n + 2);
    let rows = sqlx::query_as_with(&sql, arguments(args, &[page.limit(), page.offset()])?)
        .fetch_all(&mut *conn)
        .await?;
    Ok((total, rows))
}

/// Lower-case hex of a digest (the audit chain's hashes, session keys).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored value the code cannot read back (a bad enum code, malformed JSON).
pub(crate) fn corrupt(e: impl ToString) -> DomainError {
    DomainError::Internal(e.to_string().into())
}

pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// A stored 0/1 flag; anything else is corrupt (never read as a permissive default).
pub(crate) fn flag_of(v: i64) -> DomainResult<bool> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(corrupt(format!("flag {other} is neither 0 nor 1"))),
    }
}

/// A LIKE pattern that matches `needle` anywhere, with its wildcards escaped (use `ESCAPE '\'`).
pub fn contains_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern(" Eric "), "%eric%");
        assert_eq!(contains_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    #[test]
    fn placeholders_number_on_from_the_parameters_before_them() {
        assert_eq!(placeholders(3), "$1, $2, $3");
        assert_eq!(placeholders_after(3, 2), "$4, $5");
        assert_eq!(placeholders_after(3, 0), "");
    }

    #[test]
    fn instants_round_trip_through_milliseconds() {
        let t = from_ms(1_700_000_000_123).unwrap();
        assert_eq!(ms(t), 1_700_000_000_123);
        assert!(from_ms(i64::MAX).is_err(), "corrupt, not 1970");
    }
}
