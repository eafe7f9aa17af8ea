//! The signed-in person's notifications: the bell's inbox and marking it read.

use super::{Ctx, commit};
use crate::DomainResult;
use crate::model::*;
use crate::store::notifications;

/// How many notifications the bell lists.
pub const INBOX_LIMIT: i64 = 30;

/// The signed-in person's notifications, newest first, with the unread count.
pub async fn my_notifications(ctx: &Ctx, actor: &Actor) -> DomainResult<Inbox> {
    notifications::inbox(&mut *ctx.read().await?, actor.user_id, INBOX_LIMIT).await
}

/// Marks all of the signed-in person's notifications read.
pub async fn mark_notifications_read(ctx: &Ctx, actor: &Actor) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let n = notifications::mark_read(&mut tx, actor.user_id, now).await?;
    commit(tx).await?;
    Ok(n)
}

/// The e-mail states operators watch: waiting (`pending`, `sending`) or given up (`failed`).
pub const BACKLOG: [EmailState; 3] = [EmailState::Pending, EmailState::Sending, EmailState::Failed];

/// How many notifications' e-mails are in each state of [`BACKLOG`] (0 included), for the
/// operators' metrics (no person acts).
pub async fn email_backlog(ctx: &Ctx) -> DomainResult<Vec<(EmailState, i64)>> {
    let counts = notifications::email_counts(&mut *ctx.read().await?, &BACKLOG).await?;
    Ok(BACKLOG
        .iter()
        .map(|s| (*s, counts.iter().find(|c| c.0 == *s).map_or(0, |c| c.1)))
        .collect())
}
