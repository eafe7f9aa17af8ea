//! The notification list. Each notification has a dedupe key naming the event it reports,
//! so writing the same event twice (a retry, a second server instance) adds nothing.

use super::{Conn, from_ms, ms, uuid};
use crate::DomainResult;
use crate::model::*;
use chrono::{DateTime, Utc};

/// A notification about to be written.
pub struct NewNotification<'a> {
    pub user: UserId,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    /// Names the event, e.g. "request:<id>:delivered"; the recipient is appended.
    pub event: &'a str,
}

/// Writes the notification once; `false` when this event was already notified to this person.
pub async fn notify(
    conn: &mut Conn,
    n: &NewNotification<'_>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, title, body, link, dedupe_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(NotificationId::new().to_string())
    .bind(n.user.to_string())
    .bind(n.kind)
    .bind(n.title)
    .bind(n.body)
    .bind(n.link)
    .bind(format!("{}:{}", n.event, n.user))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

type Row = (String, String, String, String, String, i64, Option<i64>);

/// The person's newest notifications and their unread count.
pub async fn inbox(conn: &mut Conn, user: UserId, limit: i64) -> DomainResult<Inbox> {
    let unread: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, title, body, link, created_at, read_at FROM notifications
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(Notification {
                id: NotificationId(uuid(&r.0)?),
                kind: r.1,
                title: r.2,
                body: r.3,
                link: r.4,
                created_at: from_ms(r.5),
                read: r.6.is_some(),
            })
        })
        .collect::<DomainResult<_>>()?;
    Ok(Inbox { unread, items })
}

/// Marks all of the person's notifications read; returns how many were unread.
pub async fn mark_read(conn: &mut Conn, user: UserId, now: DateTime<Utc>) -> DomainResult<u64> {
    let done =
        sqlx::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
            .bind(user.to_string())
            .bind(ms(now))
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected())
}
