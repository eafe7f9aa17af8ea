//! The notification list. Each notification has a dedupe key naming the event it reports,
//! so writing the same event twice (a retry, a second server instance) adds nothing.
//!
//! The key is stored as a digest ([`dedupe_key`]): 22 characters, where the text it stands
//! for (an event and a person, two ids in it) is about 90, in the row and again in the unique
//! index (issue 13, storage).

use super::{Conn, from_ms, ms, uuid};
use crate::DomainResult;
use crate::model::*;
use chrono::{DateTime, Utc};

/// A notification about to be written.
pub struct NewNotification<'a> {
    pub user: UserId,
    pub kind: NotificationKind,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Link,
    /// Names the event, e.g. "request:<id>:delivered"; with the recipient, it makes the
    /// notification's [`dedupe_key`].
    pub event: &'a str,
}

/// The stored dedupe key of `event` told to `user`: the first 16 bytes of the SHA-256 of
/// "event:user", in unpadded base64url. 128 bits make two events taken for one (a lost
/// notification) unthinkable at any size Tessera meets.
///
/// Keys written before migration 0026 are the text itself; an event notified then and retried
/// now would be told once more (each job also guards its own step: a reminder marks its
/// assignment, a stage its time).
pub fn dedupe_key(event: &str, user: UserId) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(event.as_bytes())
        .chain_update(b":")
        .chain_update(user.to_string().as_bytes())
        .finalize();
    let first: Vec<u8> = digest.iter().take(16).copied().collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(first)
}

/// Writes the notification once; `false` when this event was already notified to this person.
pub async fn notify(
    conn: &mut Conn,
    n: &NewNotification<'_>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, title, body, link, dedupe_key, created_at, email_next_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(NotificationId::new().to_string())
    .bind(n.user.to_string())
    .bind(n.kind)
    .bind(n.title)
    .bind(n.body)
    .bind(n.link)
    .bind(dedupe_key(n.event, n.user))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes each notification once, as [`notify`] would one by one, in one multi-row insert;
/// returns how many were new.
pub async fn notify_all(
    conn: &mut Conn,
    all: &[NewNotification<'_>],
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    use super::bulk::{self, Val};
    let rows: Vec<Vec<Val>> = all
        .iter()
        .map(|n| {
            vec![
                Val::from(NotificationId::new().to_string()),
                Val::from(n.user.to_string()),
                Val::from(n.kind.code()),
                Val::from(n.title),
                Val::from(n.body),
                Val::from(n.link.code()),
                Val::from(dedupe_key(n.event, n.user)),
                Val::from(ms(now)),
                Val::from(ms(now)),
            ]
        })
        .collect();
    bulk::insert(
        conn,
        "notifications",
        &[
            "id",
            "user_id",
            "kind",
            "title",
            "body",
            "link",
            "dedupe_key",
            "created_at",
            "email_next_at",
        ],
        &rows,
        "ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .await
}

/// What is said to each of several people (a stage's approvers): a [`NewNotification`]
/// without its recipient.
pub struct Message<'a> {
    pub kind: NotificationKind,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Link,
    /// Names the event; with each recipient, it makes their [`dedupe_key`].
    pub event: &'a str,
}

/// Tells each of `users` the same message, once each, in one insert ([`notify_all`]).
pub async fn notify_each(
    conn: &mut Conn,
    users: &[UserId],
    m: &Message<'_>,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let all: Vec<NewNotification<'_>> = users
        .iter()
        .map(|user| NewNotification {
            user: *user,
            kind: m.kind,
            title: m.title,
            body: m.body,
            link: m.link,
            event: m.event,
        })
        .collect();
    notify_all(conn, &all, now).await
}

#[derive(sqlx::FromRow)]
struct StoredNotification {
    id: String,
    kind: NotificationKind,
    title: String,
    body: String,
    link: Link,
    created_at: i64,
    read_at: Option<i64>,
}

/// The person's newest notifications and their unread count.
pub async fn inbox(conn: &mut Conn, user: UserId, limit: i64) -> DomainResult<Inbox> {
    let unread: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<StoredNotification> = sqlx::query_as(
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
                id: NotificationId(uuid(&r.id)?),
                kind: r.kind,
                title: r.title,
                body: r.body,
                link: r.link,
                created_at: from_ms(r.created_at)?,
                read: r.read_at.is_some(),
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

/// A notification waiting to go out by email, with its recipient.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutgoingEmail {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub link: Link,
    pub created_at: i64,
    pub email_attempts: i64,
}

/// Emails due now: waiting ones whose time has come and claimed ones whose sender vanished
/// (its claim ran out). Oldest first, at most `limit`.
pub async fn due_emails(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<OutgoingEmail>> {
    Ok(sqlx::query_as(
        "SELECT n.id, u.email, u.display_name, n.kind, n.title, n.body, n.link, n.created_at, n.email_attempts
         FROM notifications n JOIN users u ON u.id = n.user_id
         WHERE n.email_state IN ('pending', 'sending') AND n.email_next_at <= $1
         ORDER BY n.email_next_at, n.id LIMIT $2",
    )
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Claims an email for one sender until `until`; `false` when another sender has it.
pub async fn claim_email(
    conn: &mut Conn,
    id: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE notifications SET email_state = 'sending', email_next_at = $3, email_attempts = email_attempts + 1
         WHERE id = $1 AND email_state IN ('pending', 'sending') AND email_next_at <= $2",
    )
    .bind(id)
    .bind(ms(now))
    .bind(ms(until))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How a send ended.
pub enum EmailResult {
    Sent,
    /// Try again at this time.
    Retry(DateTime<Utc>, String),
    /// Given up after the last attempt.
    Failed(String),
    /// Too old to be worth sending.
    Stale,
}

pub async fn email_done(
    conn: &mut Conn,
    id: &str,
    result: &EmailResult,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let (state, next, error, sent) = match result {
        EmailResult::Sent => (EmailState::Sent, 0, "", Some(ms(now))),
        EmailResult::Retry(at, e) => (EmailState::Pending, ms(*at), e.as_str(), None),
        EmailResult::Failed(e) => (EmailState::Failed, 0, e.as_str(), None),
        EmailResult::Stale => (EmailState::Stale, 0, "", None),
    };
    sqlx::query(
        "UPDATE notifications SET email_state = $2, email_next_at = $3, email_error = $4, email_sent_at = $5
         WHERE id = $1 AND email_state = 'sending'",
    )
    .bind(id)
    .bind(state)
    .bind(next)
    .bind(error)
    .bind(sent)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Email counts of `states` (sought in `notifications_email_idx`): (state, count), states
/// without e-mail left out.
pub async fn email_counts(
    conn: &mut Conn,
    states: &[EmailState],
) -> DomainResult<Vec<(EmailState, i64)>> {
    if states.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT email_state, COUNT(*) FROM notifications WHERE email_state IN ({})
         GROUP BY email_state ORDER BY email_state",
        super::placeholders(states.len())
    );
    let mut q = sqlx::query_as(&sql);
    for state in states {
        q = q.bind(*state);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// The newest emails that failed or wait for another attempt after an error:
/// (recipient email, title, attempts, state, error, created_at).
pub async fn email_problems(
    conn: &mut Conn,
    limit: i64,
) -> DomainResult<Vec<(String, String, i64, EmailState, String, DateTime<Utc>)>> {
    let rows: Vec<(String, String, i64, EmailState, String, i64)> = sqlx::query_as(
        "SELECT u.email, n.title, n.email_attempts, n.email_state, n.email_error, n.created_at
         FROM notifications n JOIN users u ON u.id = n.user_id
         WHERE n.email_state = 'failed' OR (n.email_state = 'pending' AND n.email_attempts > 0)
         ORDER BY n.created_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| Ok((r.0, r.1, r.2, r.3, r.4, from_ms(r.5)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dedupe_key_is_short_and_names_one_event_for_one_person() {
        let (ann, bob) = (UserId::new(), UserId::new());
        let key = dedupe_key("request:0190:delivered", ann);
        assert_eq!(key.len(), 22);
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            key,
            dedupe_key("request:0190:delivered", ann),
            "the same event, the same key"
        );
        assert_ne!(
            key,
            dedupe_key("request:0190:delivered", bob),
            "another person"
        );
        assert_ne!(key, dedupe_key("request:0190:denied", ann), "another event");
    }
}
