use super::{Arg, Conn, from_ms, ms};
use crate::DomainResult;
use crate::model::{AuditEntry, AuditFilter, AuditId, UserId};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// One append-only audit record, written in the same transaction as the change it records.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> NewEvent<'a> {
    pub fn new(
        at: DateTime<Utc>,
        actor: Option<UserId>,
        action: &'a str,
        target_type: &'a str,
        target_id: impl ToString,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            at,
            actor,
            action,
            target_type,
            target_id: target_id.to_string(),
            summary: summary.into(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: serde_json::Value) -> Self {
        self.before = Some(v);
        self
    }

    pub fn after(mut self, v: serde_json::Value) -> Self {
        self.after = Some(v);
        self
    }
}

/// What an event's hash covers: every stored field, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainedRow {
    pub seq: i64,
    pub id: String,
    pub at: i64,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
    pub caller_request_id: Option<String>,
}

impl ChainedRow {
    /// The stored form of a new event at place `seq` of the chain, with a fresh id.
    fn of(
        seq: i64,
        e: NewEvent<'_>,
        request_id: Option<String>,
        caller_request_id: Option<String>,
    ) -> Self {
        Self {
            seq,
            id: AuditId::new().to_string(),
            at: ms(e.at),
            actor_id: e.actor.map(|a| a.to_string()),
            action: e.action.to_owned(),
            target_type: e.target_type.to_owned(),
            target_id: e.target_id,
            summary: e.summary,
            before_json: e.before.map(|v| v.to_string()),
            after_json: e.after.map(|v| v.to_string()),
            request_id,
            caller_request_id,
        }
    }
}

/// SHA-256 (hex) of the previous event's hash and this event's fields. The fields go in as a
/// JSON array, so no separator inside a field can make two events hash alike.
///
/// The caller's request id joined the fields later: events without one hash as before, so
/// older chains still verify.
pub fn chain_hash(prev: &str, row: &ChainedRow) -> String {
    let mut fields = serde_json::json!([
        row.seq,
        row.id,
        row.at,
        row.actor_id,
        row.action,
        row.target_type,
        row.target_id,
        row.summary,
        row.before_json,
        row.after_json,
        row.request_id
    ]);
    if let (Some(caller), Some(list)) = (&row.caller_request_id, fields.as_array_mut()) {
        list.push(caller.as_str().into());
    }
    let mut digest = Sha256::new();
    digest.update(prev.as_bytes());
    digest.update(b"\n");
    digest.update(fields.to_string().as_bytes());
    super::hex(&digest.finalize())
}

/// Takes the next place in the chain. The update locks the head row until the transaction
/// ends, so appenders on Postgres queue here (SQLite's writers are serialized already).
async fn next_link(conn: &mut Conn) -> DomainResult<(i64, String)> {
    Ok(
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?,
    )
}

async fn set_head(conn: &mut Conn, hash: &str) -> DomainResult<()> {
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn record(conn: &mut Conn, e: NewEvent<'_>) -> DomainResult<()> {
    let (seq, prev) = next_link(conn).await?;
    let row = ChainedRow::of(
        seq,
        e,
        crate::correlation::current(),
        crate::correlation::caller(),
    );
    let hash = chain_hash(&prev, &row);
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_id, action, target_type, target_id, summary, before_json, after_json, seq, hash, request_id, caller_request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&row.id)
    .bind(row.at)
    .bind(&row.actor_id)
    .bind(&row.action)
    .bind(&row.target_type)
    .bind(&row.target_id)
    .bind(&row.summary)
    .bind(&row.before_json)
    .bind(&row.after_json)
    .bind(seq)
    .bind(&hash)
    .bind(&row.request_id)
    .bind(&row.caller_request_id)
    .execute(&mut *conn)
    .await?;
    set_head(conn, &hash).await
}

/// Records several events in order, as [`record`] would one by one, with one move of the
/// chain's head and one multi-row insert (the expiry job records 200 at a time).
pub async fn record_all(conn: &mut Conn, events: Vec<NewEvent<'_>>) -> DomainResult<()> {
    use super::bulk::{self, Val};
    let n = events.len() as i64;
    if n == 0 {
        return Ok(());
    }
    let (last, mut prev): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
            .bind(n)
            .fetch_one(&mut *conn)
            .await?;
    let request_id = crate::correlation::current();
    let caller_request_id = crate::correlation::caller();
    let mut rows = Vec::with_capacity(events.len());
    for (seq, e) in (last - n + 1..).zip(events) {
        let row = ChainedRow::of(seq, e, request_id.clone(), caller_request_id.clone());
        let hash = chain_hash(&prev, &row);
        rows.push(vec![
            Val::from(row.id),
            Val::from(row.at),
            Val::from(row.actor_id),
            Val::from(row.action),
            Val::from(row.target_type),
            Val::from(row.target_id),
            Val::from(row.summary),
            Val::from(row.before_json),
            Val::from(row.after_json),
            Val::from(row.seq),
            Val::from(hash.clone()),
            Val::from(row.request_id),
            Val::from(row.caller_request_id),
        ]);
        prev = hash;
    }
    bulk::insert(
        conn,
        "audit_events",
        &[
            "id",
            "at",
            "actor_id",
            "action",
            "target_type",
            "target_id",
            "summary",
            "before_json",
            "after_json",
            "seq",
            "hash",
            "request_id",
            "caller_request_id",
        ],
        &rows,
        "",
    )
    .await?;
    set_head(conn, &prev).await
}

/// Chains events written before the chain existed (oldest first), at most `limit`; returns
/// how many it chained.
pub async fn chain_unchained(conn: &mut Conn, limit: i64) -> DomainResult<u64> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM audit_events WHERE seq IS NULL ORDER BY at, id LIMIT $1")
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
    let mut done = 0;
    for (id,) in rows {
        let (seq, prev) = next_link(conn).await?;
        sqlx::query("UPDATE audit_events SET seq = $2 WHERE id = $1")
            .bind(&id)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
        let row: ChainedRow = sqlx::query_as(&format!("{CHAIN_SELECT} WHERE id = $1"))
            .bind(&id)
            .fetch_one(&mut *conn)
            .await?;
        let hash = chain_hash(&prev, &row);
        sqlx::query("UPDATE audit_events SET hash = $2 WHERE id = $1")
            .bind(&id)
            .bind(&hash)
            .execute(&mut *conn)
            .await?;
        set_head(conn, &hash).await?;
        done += 1;
    }
    Ok(done)
}

const CHAIN_SELECT: &str = "SELECT seq, id, at, actor_id, action, target_type, target_id, summary, before_json, after_json, request_id, caller_request_id FROM audit_events";

/// The chain's events after `after_seq`, in order, each with its stored hash. An event's
/// link to the one before is that event's hash, which its own hash covers. (Events once kept
/// a copy of it, `prev_hash`; it is no longer written or read, and a later migration drops
/// the column once no instance of the version before can run beside this one.)
pub async fn chain_batch(
    conn: &mut Conn,
    after_seq: i64,
    limit: i64,
) -> DomainResult<Vec<(ChainedRow, String)>> {
    #[derive(sqlx::FromRow)]
    struct Linked {
        #[sqlx(flatten)]
        row: ChainedRow,
        hash: Option<String>,
    }
    let rows: Vec<Linked> = sqlx::query_as(
        "SELECT seq, id, at, actor_id, action, target_type, target_id, summary, before_json, after_json, request_id, caller_request_id, hash
         FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after_seq)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|l| (l.row, l.hash.unwrap_or_default()))
        .collect())
}

/// The chain's head (last seq and hash) and how many events are outside the chain.
pub async fn head(conn: &mut Conn) -> DomainResult<(i64, String, i64)> {
    let (seq, hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    let loose: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE seq IS NULL")
        .fetch_one(&mut *conn)
        .await?;
    Ok((seq, hash, loose))
}

pub async fn count_for_target(
    conn: &mut Conn,
    target_type: &str,
    target_id: &str,
) -> DomainResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE target_type = $1 AND target_id = $2",
    )
    .bind(target_type)
    .bind(target_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// The WHERE clause and its bound values for a filter (values start at `$1`).
fn filter_sql(f: &AuditFilter) -> (String, Vec<Value>) {
    let mut clauses = vec!["1 = 1".to_owned()];
    let mut values: Vec<Value> = Vec::new();
    // Each clause names its value `?`, replaced by the value's placeholder.
    let mut bind = |clause: &str, value: Value| {
        values.push(value);
        clauses.push(clause.replace('?', &format!("${}", values.len())));
    };
    if !f.actor.trim().is_empty() {
        bind(
            "LOWER(COALESCE(u.email, '')) LIKE ? ESCAPE '\\'",
            Value::Text(super::contains_pattern(&f.actor.trim().to_lowercase())),
        );
    }
    let action = f.action.trim();
    if action.contains('.') {
        bind("e.action = ?", Value::Text(action.to_owned()));
    } else if !action.is_empty() {
        // A category ("request") means all of its actions.
        let escaped = action
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        bind(
            "e.action LIKE ? ESCAPE '\\'",
            Value::Text(format!("{escaped}.%")),
        );
    }
    if !f.target.trim().is_empty() {
        bind(
            "(LOWER(e.target_id) LIKE ? ESCAPE '\\' OR LOWER(e.summary) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(e.after_json, '')) LIKE ? ESCAPE '\\')",
            Value::Text(super::contains_pattern(&f.target.trim().to_lowercase())),
        );
    }
    if let Some(from) = f.from {
        bind("e.at >= ?", Value::Int(day_ms(from)));
    }
    if let Some(to) = f.to {
        bind("e.at < ?", Value::Int(day_ms(to) + 86_400_000));
    }
    (clauses.join(" AND "), values)
}

/// A value bound to a filter's placeholder (owned: the filter builds it).
enum Value {
    Text(String),
    Int(i64),
}

impl Value {
    fn arg(&self) -> Arg<'_> {
        match self {
            Value::Text(t) => Arg::Text(t),
            Value::Int(i) => Arg::Int(*i),
        }
    }
}

fn day_ms(d: chrono::NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| ms(t.and_utc()))
        .unwrap_or_default()
}

/// One audit event with its actor's name and email.
#[derive(sqlx::FromRow)]
struct EntryRow {
    request_id: Option<String>,
    caller_request_id: Option<String>,
    seq: Option<i64>,
    at: i64,
    display_name: Option<String>,
    email: Option<String>,
    action: String,
    target_type: String,
    target_id: String,
    summary: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

/// Totals beyond this are shown as "more than".
pub const COUNT_CAP: i64 = crate::model::AUDIT_COUNT_CAP;

/// Events matching the filter, newest first: `limit` of them after skipping `offset`, and
/// the total.
pub async fn list(
    conn: &mut Conn,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
    with_total: bool,
) -> DomainResult<(Vec<AuditEntry>, i64)> {
    let (filter, values) = filter_sql(f);
    let args: Vec<Arg> = values.iter().map(Value::arg).collect();
    let from = "FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id";
    let total = if with_total {
        // Counting stops past COUNT_CAP: "10,000+" is as useful as the exact figure.
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 AS one {from} WHERE {filter} LIMIT {}) capped",
            COUNT_CAP + 1
        );
        sqlx::query_scalar_with(&sql, super::arguments(&args, &[])?)
            .fetch_one(&mut *conn)
            .await?
    } else {
        0
    };
    let n = values.len();
    let sql = format!(
        "SELECT e.request_id, e.caller_request_id, e.seq, e.at, u.display_name, u.email, e.action, e.target_type, e.target_id, e.summary, e.before_json, e.after_json
         {from} WHERE {filter} ORDER BY e.at DESC, e.id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows: Vec<EntryRow> = sqlx::query_as_with(&sql, super::arguments(&args, &[limit, offset])?)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(AuditEntry {
                seq: r.seq.unwrap_or_default(),
                at: from_ms(r.at)?,
                actor: match (r.display_name, r.email) {
                    (Some(name), Some(email)) => Some((name, email)),
                    _ => None,
                },
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                summary: r.summary,
                before: r.before_json.unwrap_or_default(),
                after: r.after_json.unwrap_or_default(),
                request_id: r.request_id.unwrap_or_default(),
                caller_request_id: r.caller_request_id.unwrap_or_default(),
            })
        })
        .collect::<DomainResult<_>>()?;
    Ok((items, total))
}
