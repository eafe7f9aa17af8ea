//! The signed-in session: who, since when, last seen. Server-only.

use domain::DomainError;
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

/// Resolves the session into an actor, ending it when idle or too old, when the account is
/// gone or disabled, or when its sessions were ended since it signed in.
///
/// An error only when the session or the person cannot be read (the database is away): the
/// caller answers "try again" rather than treating the person as signed out.
pub async fn current(ctx: &Ctx, session: &Session) -> Result<Option<Actor>, DomainError> {
    let Some(user) = session.get::<UserId>(USER).await.map_err(unreadable)? else {
        return Ok(None);
    };
    let signed_in: i64 = session
        .get(SIGNED_IN_AT)
        .await
        .map_err(unreadable)?
        .unwrap_or(0);
    let last_seen: i64 = session
        .get(LAST_SEEN_AT)
        .await
        .map_err(unreadable)?
        .unwrap_or(0);
    let now = ctx.clock.now_ms();
    if !session_alive(ctx.sessions, signed_in, last_seen, now) {
        tracing::info!(%user, "session expired");
        let _ = end(session).await;
        return Ok(None);
    }
    let Some(actor) = auth::resolve_session(ctx, user, signed_in).await? else {
        let _ = end(session).await;
        return Ok(None);
    };
    if now - last_seen > TOUCH_EVERY_MS {
        let _ = session.insert(LAST_SEEN_AT, now).await;
    }
    Ok(Some(actor))
}

/// A session that cannot be read or stored: its store is the database, so the database is
/// away ([`DomainError::Unavailable`]); a record that cannot be decoded is internal.
pub fn unreadable(e: tower_sessions::session::Error) -> DomainError {
    match e {
        tower_sessions::session::Error::Store(e) => DomainError::Unavailable(Box::new(e)),
        other => DomainError::internal(other),
    }
}

/// Told of each refused sign-in (throttled, or refused by the domain): the server counts
/// them for `/metrics`.
#[derive(Clone)]
pub struct SignInRefused(pub std::sync::Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for SignInRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignInRefused")
    }
}

/// Tells the server's observer, if any, of a refused sign-in.
pub fn sign_in_refused() {
    if let Some(observer) = leptos::prelude::use_context::<SignInRefused>() {
        (observer.0)();
    }
}

/// Sign-in attempts allowed per client address and overall, before any password is checked:
/// password spraying across many accounts from one address, and floods from many, are cut
/// off here (each account also locks after repeated failures; see `domain::service::auth`).
/// In memory, per instance; the keyed limiter is pruned when it holds many addresses.
#[derive(Clone)]
pub struct SignInLimits {
    per_address: std::sync::Arc<governor::DefaultKeyedRateLimiter<std::net::IpAddr>>,
    overall: std::sync::Arc<governor::DefaultDirectRateLimiter>,
}

impl std::fmt::Debug for SignInLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignInLimits")
    }
}

/// Twice the per-second rate may come at once.
const TWO: std::num::NonZeroU32 = std::num::NonZeroU32::MIN.saturating_add(1);

impl SignInLimits {
    /// Addresses remembered before idle ones are forgotten.
    const PRUNE_ABOVE: usize = 10_000;

    /// `per_address_per_minute` attempts a minute from one address (as a burst, refilled
    /// evenly), `overall_per_second` from everyone together.
    pub fn new(
        per_address_per_minute: std::num::NonZeroU32,
        overall_per_second: std::num::NonZeroU32,
    ) -> Self {
        use governor::{Quota, RateLimiter};
        Self {
            per_address: std::sync::Arc::new(RateLimiter::keyed(Quota::per_minute(
                per_address_per_minute,
            ))),
            overall: std::sync::Arc::new(RateLimiter::direct(
                Quota::per_second(overall_per_second)
                    .allow_burst(overall_per_second.saturating_mul(TWO)),
            )),
        }
    }

    /// Takes one attempt for `peer` (unknown in in-process calls: then only the overall
    /// limit applies), or says how many seconds to wait.
    pub fn check(&self, peer: Option<std::net::IpAddr>) -> Result<(), i64> {
        use governor::clock::{Clock, DefaultClock};
        let wait = |until: governor::NotUntil<governor::clock::QuantaInstant>| {
            let secs = until
                .wait_time_from(DefaultClock::default().now())
                .as_secs();
            i64::try_from(secs).unwrap_or(i64::MAX).max(1)
        };
        if let Some(ip) = peer {
            if self.per_address.len() > Self::PRUNE_ABOVE {
                self.per_address.retain_recent();
            }
            self.per_address.check_key(&ip).map_err(wait)?;
        }
        self.overall.check().map_err(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::SignInLimits;
    use std::num::NonZeroU32;

    #[test]
    fn one_address_gets_its_quota_others_still_get_theirs() {
        let limits = SignInLimits::new(NonZeroU32::new(3).unwrap(), NonZeroU32::new(1000).unwrap());
        let a = Some("10.0.0.1".parse().unwrap());
        let b = Some("10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(limits.check(a), Ok(()));
        }
        let wait = limits.check(a).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(limits.check(b), Ok(()));
    }

    #[test]
    fn the_overall_limit_holds_for_everyone_together() {
        let limits = SignInLimits::new(NonZeroU32::new(1000).unwrap(), NonZeroU32::new(2).unwrap());
        let mut allowed = 0;
        for n in 0..50u8 {
            if limits
                .check(Some(std::net::IpAddr::from([10, 0, 1, n])))
                .is_ok()
            {
                allowed += 1;
            }
        }
        assert!((2..=5).contains(&allowed), "{allowed}");
    }
}
