//! Loading many rows at once, for the synthetic organisation (`tessera seed-synthetic`): one
//! multi-row `INSERT` per batch instead of a statement per row. Nothing here checks a rule;
//! the caller builds rows the use cases would have written.

use super::Conn;
use crate::DomainResult;

/// One value of a row.
#[derive(Debug, Clone)]
pub enum Val {
    Text(String),
    Int(i64),
    /// A NULL in a text column (Postgres wants the type of a NULL too).
    NullText,
    /// A NULL in an integer column.
    NullInt,
}

impl From<String> for Val {
    fn from(s: String) -> Self {
        Val::Text(s)
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Val::Text(s.to_owned())
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Self {
        Val::Int(i)
    }
}

impl From<Option<String>> for Val {
    fn from(s: Option<String>) -> Self {
        s.map_or(Val::NullText, Val::Text)
    }
}

impl From<Option<i64>> for Val {
    fn from(i: Option<i64>) -> Self {
        i.map_or(Val::NullInt, Val::Int)
    }
}

/// At most this many arguments in one statement (SQLite allows 32,766, Postgres 65,535).
const MAX_ARGUMENTS: usize = 30_000;

/// Inserts `rows` (each one value per column, in `columns`' order) into `table`, as many rows
/// a statement as the argument limit allows; `tail` ends each statement (`ON CONFLICT …` or
/// empty). Returns the rows inserted.
pub async fn insert(
    conn: &mut Conn,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Val>],
    tail: &str,
) -> DomainResult<u64> {
    use sqlx::Arguments;
    // SQLite looks each `$n` up by name among the statement's earlier ones (a linear scan,
    // so a 30,000-argument statement took a second to prepare); `?` is numbered in order.
    let numbered = conn.backend_name() != "SQLite";
    let width = columns.len().max(1);
    let per_statement = (MAX_ARGUMENTS / width).max(1);
    let mut inserted = 0;
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut args = sqlx::any::AnyArguments::default();
        let mut n = 0;
        for (r, row) in chunk.iter().enumerate() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (c, v) in row.iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                if numbered {
                    sql.push_str(&format!("${n}"));
                } else {
                    sql.push('?');
                }
                let added = match v {
                    Val::Text(t) => args.add(t.clone()),
                    Val::Int(i) => args.add(*i),
                    Val::NullText => args.add(None::<String>),
                    Val::NullInt => args.add(None::<i64>),
                };
                added.map_err(crate::DomainError::Internal)?;
            }
            sql.push(')');
        }
        if !tail.is_empty() {
            sql.push(' ');
            sql.push_str(tail);
        }
        inserted += sqlx::query_with(&sql, args)
            .persistent(false)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(inserted)
}

/// How many people the directory holds.
pub async fn people(conn: &mut Conn) -> DomainResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *conn)
        .await?)
}

/// Refreshes the planner's statistics after a bulk load (as autovacuum or a periodic
/// `ANALYZE` would on a live system).
pub async fn analyze(conn: &mut Conn) -> DomainResult<()> {
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    Ok(())
}
