//! Directory sync in (SCIM 2.0): the provisioning clients' tokens, and the use cases a
//! client's requests run. Directory administrators make and revoke tokens. A client is
//! authorized by its token ([`authenticate`]) and reaches what a User Administrator reaches:
//! people and groups, never roles, and of a Global Administrator nothing that would let
//! someone take the account over or lock it out (userName, e-mail, disabling, deleting).
//! Every change is one transaction with its audit event, which names the client.

mod groups;
mod users;

pub use groups::*;
pub use users::*;

use super::{Ctx, commit, require_directory_admin};
use crate::model::*;
use crate::scim::ScimError;
use crate::store::audit::{self, NewEvent};
use crate::store::scim::tokens;
use crate::{DomainError, DomainResult};

/// A provisioning client, proven by its bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimClient {
    pub token_id: String,
    pub name: String,
}

impl ScimClient {
    /// How an audit summary names the client.
    fn says(&self) -> String {
        format!("Directory sync \"{}\"", self.name)
    }
}

/// Prefix of every token secret, so that a leaked one is recognisable in logs and scanners.
pub const TOKEN_PREFIX: &str = "tscim_";

/// The client whose live token this is; `Unauthenticated` otherwise.
pub async fn authenticate(ctx: &Ctx, bearer: &str) -> DomainResult<ScimClient> {
    let bearer = bearer.trim();
    if !bearer.starts_with(TOKEN_PREFIX) || bearer.len() > 200 {
        return Err(DomainError::Unauthenticated);
    }
    let found = tokens::find(&mut *ctx.read().await?, bearer).await?;
    let Some((token_id, name, last_used)) = found else {
        return Err(DomainError::Unauthenticated);
    };
    let now = ctx.clock.now();
    if last_used.is_none_or(|at| now.timestamp_millis() - at >= tokens::TOUCH_EVERY_MS) {
        tokens::touch(&mut *ctx.db.writer().await?, &token_id, now).await?;
    }
    Ok(ScimClient { token_id, name })
}

/// Keeps the last request a client had refused, for the sync page (best effort: a failure
/// to write it is logged, not added to the client's error).
pub async fn record_error(ctx: &Ctx, client: &ScimClient, what: &str, error: &ScimError) {
    let text: String = format!("{what}: {} {}", error.status, error.detail)
        .chars()
        .take(500)
        .collect();
    let now = ctx.clock.now();
    let written = match ctx.db.writer().await {
        Ok(mut conn) => tokens::record_error(&mut conn, &client.token_id, &text, now).await,
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        tracing::warn!(error = ?e, client = %client.name, "could not keep a SCIM client's last error");
    }
}

/// Creates a token for a provisioning client; its secret is returned this once.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn create_token(ctx: &Ctx, actor: &Actor, name: &str) -> DomainResult<NewScimToken> {
    require_directory_admin(actor)?;
    make_token(ctx, Some(actor), name).await
}

/// `tessera sync token create`: whoever runs the command line on the server's host is its
/// operator (as for `tessera admin create`).
#[tracing::instrument(skip(ctx))]
pub async fn create_token_as_operator(ctx: &Ctx, name: &str) -> DomainResult<NewScimToken> {
    make_token(ctx, None, name).await
}

async fn make_token(ctx: &Ctx, actor: Option<&Actor>, name: &str) -> DomainResult<NewScimToken> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DomainError::invalid(
            "name",
            "Name the client this token is for (for example \"Microsoft Entra ID\").",
        ));
    }
    if name.chars().count() > MAX_TOKEN_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "name",
            format!(
                "The name must be at most {MAX_TOKEN_NAME_CHARS} characters, without control characters."
            ),
        ));
    }
    let secret = crate::secrets::bearer_secret(TOKEN_PREFIX);
    let id = uuid::Uuid::now_v7().to_string();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let by = actor.map(|a| a.user_id.to_string());
    tokens::insert(&mut tx, &id, name, &secret, by.as_deref(), now).await?;
    let who = actor.map_or_else(|| "The command line".to_owned(), |a| a.email.clone());
    let event = NewEvent::new(
        now,
        actor.map(|a| a.user_id),
        "scim.token_created",
        "scim_token",
        &id,
        format!("{who} created the directory sync token \"{name}\""),
    );
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(NewScimToken {
        id,
        name: name.to_owned(),
        secret,
    })
}

/// Revokes a token: its client's next request is refused.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn revoke_token(ctx: &Ctx, actor: &Actor, id: &str) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let name = tokens::revoke(&mut tx, id, now)
        .await?
        .ok_or(DomainError::NotFound("live token"))?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "scim.token_revoked",
        "scim_token",
        id,
        format!(
            "{} revoked the directory sync token \"{name}\"",
            actor.email
        ),
    );
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

/// The sync page: tokens, counts, last push, last errors.
pub async fn status(ctx: &Ctx, actor: &Actor) -> DomainResult<SyncStatus> {
    require_directory_admin(actor)?;
    tokens::status(&mut *ctx.read().await?).await
}
