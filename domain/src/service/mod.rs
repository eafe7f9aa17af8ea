//! One function per user action: authorize the actor, validate, one transaction, audit.

pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod catalogs;
pub mod check;
pub mod connectors;
pub mod csv_export;
pub mod demo;
pub mod directory;
pub mod governance;
pub mod hashing;
pub mod insight;
pub mod lived_in;
pub mod notifications;
pub mod packages;
pub mod passwords;
pub mod reports;
pub mod requests;
pub mod reviews;
pub mod scim;
pub mod sso;
pub mod synthetic;
pub mod webhooks;

use crate::clock::SharedClock;
use crate::db::Db;
use crate::model::Actor;
use crate::rules::sign_in::SessionLimits;
use crate::{DomainError, DomainResult};

/// What every use case needs: the database, the clock, and deployment settings.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub db: Db,
    pub clock: SharedClock,
    pub sessions: SessionLimits,
    /// Where passwords are hashed (a few fixed threads; see [`hashing`]).
    pub hashing: hashing::Hashing,
    /// Who may sign in with a password (everyone, unless single sign-on took over).
    pub password_sign_in: crate::rules::sso::PasswordSignIn,
    /// The key connected systems' passwords are sealed with (`secrets::key_from_env`); without
    /// one, no password can be stored and none opened.
    pub secrets: Option<crate::secrets::SecretKey>,
}

impl Ctx {
    pub fn new(db: Db, clock: SharedClock) -> Self {
        Self {
            db,
            clock,
            sessions: SessionLimits {
                idle_secs: 8 * 3600,
                absolute_secs: 7 * 24 * 3600,
            },
            hashing: hashing::Hashing::per_core(),
            password_sign_in: crate::rules::sso::PasswordSignIn::Everyone,
            secrets: None,
        }
    }

    /// A pooled connection for reads outside a transaction.
    pub async fn read(&self) -> DomainResult<sqlx::pool::PoolConnection<sqlx::Any>> {
        self.db
            .pool()
            .acquire()
            .await
            .map_err(DomainError::internal)
    }
}

/// Longest search text any list accepts.
pub use crate::model::limits::MAX_SEARCH_CHARS;

/// Refuses search text longer than any list accepts, on the search field `q`.
pub(crate) fn check_search(query: &str) -> DomainResult<()> {
    if query.chars().count() > MAX_SEARCH_CHARS {
        return Err(DomainError::invalid(
            "q",
            format!("Search text must be at most {MAX_SEARCH_CHARS} characters."),
        ));
    }
    Ok(())
}

pub(crate) async fn commit(tx: crate::db::Tx) -> DomainResult<()> {
    tx.commit().await.map_err(DomainError::internal)
}

pub(crate) fn require(allowed: bool, what: &'static str) -> DomainResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(DomainError::Forbidden(what))
    }
}

pub(crate) fn require_directory_admin(actor: &Actor) -> DomainResult<()> {
    require(
        actor.can_manage_directory(),
        "only directory administrators can do this",
    )
}

pub(crate) fn require_connector_admin(actor: &Actor) -> DomainResult<()> {
    require(
        actor.can_manage_connectors(),
        "only Global Administrators and Identity Governance Administrators can manage connected systems",
    )
}
