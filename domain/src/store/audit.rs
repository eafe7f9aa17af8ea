use super::{Conn, ms};
use crate::DomainResult;
use crate::model::{AuditId, UserId};
use chrono::{DateTime, Utc};

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

pub async fn record(conn: &mut Conn, e: NewEvent<'_>) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_id, action, target_type, target_id, summary, before_json, after_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(AuditId::new().to_string())
    .bind(ms(e.at))
    .bind(e.actor.map(|a| a.to_string()))
    .bind(e.action)
    .bind(e.target_type)
    .bind(e.target_id)
    .bind(e.summary)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(())
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
