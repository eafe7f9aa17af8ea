//! The signed-in session: who, since when, last seen. Server-only.

use domain::model::{Actor, UserId};
use domain::rules::sign_in::session_alive;
use domain::service::{Ctx, auth};
use tower_sessions::Session;

const USER: &str = "user_id";
const SIGNED_IN_AT: &str = "signed_in_at";
const LAST_SEEN_AT: &str = "last_seen_at";
/// Refresh "last seen" at most this often, so a busy page does not write on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The actor of the current request, put into the request's extensions by the server.
#[derive(Debug, Clone, Default)]
pub struct CurrentActor(pub Option<Actor>);

/// Starts a session for `user`: a fresh session id (against fixation) and the timestamps.
pub async fn establish(
    session: &Session,
    user: UserId,
    now_ms: i64,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(USER, user).await?;
    session.insert(SIGNED_IN_AT, now_ms).await?;
    session.insert(LAST_SEEN_AT, now_ms).await?;
    Ok(())
}

/// Ends the session on the server (the record is deleted) and in the browser.
pub async fn end(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

/// Resolves the session into an actor, ending it when idle or too old, or when the account
/// is gone or disabled.
pub async fn current(ctx: &Ctx, session: &Session) -> Option<Actor> {
    let user: UserId = session.get(USER).await.ok().flatten()?;
    let signed_in: i64 = session.get(SIGNED_IN_AT).await.ok().flatten().unwrap_or(0);
    let last_seen: i64 = session.get(LAST_SEEN_AT).await.ok().flatten().unwrap_or(0);
    let now = ctx.clock.now_ms();
    if !session_alive(ctx.sessions, signed_in, last_seen, now) {
        tracing::info!(%user, "session expired");
        let _ = end(session).await;
        return None;
    }
    let actor = match auth::resolve_actor(ctx, user).await {
        Ok(Some(actor)) => actor,
        Ok(None) => {
            let _ = end(session).await;
            return None;
        }
        Err(e) => {
            tracing::error!(error = ?e, "cannot resolve the session's user");
            return None;
        }
    };
    if now - last_seen > TOUCH_EVERY_MS {
        let _ = session.insert(LAST_SEEN_AT, now).await;
    }
    Some(actor)
}
