//! Personal API tokens (issue 17): a person makes, lists and revokes their own; a script
//! proves itself with one on every `/api/v1` call ([`authenticate`]) and then acts as that
//! person through the same use cases as the pages, narrowed by the token's scope (read only,
//! or read and write; optionally one catalog). Making and revoking are audited; the secret is
//! never stored, logged nor audited.

use super::{Ctx, commit};
use crate::model::*;
use crate::store::api_tokens as tokens;
use crate::store::audit::{self, NewEvent};
use crate::{DomainError, DomainResult};

/// Who calls the API: the person behind a live token, as the token's scope narrows them.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub token_id: String,
    pub scope: TokenScope,
    actor: Actor,
}

impl ApiCaller {
    /// The person, for reading.
    pub fn reader(&self) -> &Actor {
        &self.actor
    }

    /// The person, for a change; refused for a read-only token.
    pub fn writer(&self) -> DomainResult<&Actor> {
        match self.scope {
            TokenScope::ReadWrite => Ok(&self.actor),
            TokenScope::Read => Err(DomainError::Forbidden(
                "this API token may only read (its scope is Read only)",
            )),
        }
    }
}

/// The caller behind a bearer secret; `Unauthenticated` when it is unknown, revoked or
/// expired, or its person is disabled or gone.
pub async fn authenticate(ctx: &Ctx, bearer: &str) -> DomainResult<ApiCaller> {
    let bearer = bearer.trim();
    if !bearer.starts_with(API_TOKEN_PREFIX) || bearer.len() > 200 {
        return Err(DomainError::Unauthenticated);
    }
    let now = ctx.clock.now();
    let mut conn = ctx.read().await?;
    let Some(found) = tokens::find(&mut conn, bearer).await? else {
        return Err(DomainError::Unauthenticated);
    };
    if found.expires_at <= now {
        return Err(DomainError::Unauthenticated);
    }
    let Some(actor) = crate::store::users::actor(&mut conn, found.user).await? else {
        return Err(DomainError::Unauthenticated);
    };
    drop(conn);
    if found
        .last_used_at
        .is_none_or(|at| now.timestamp_millis() - at >= tokens::TOUCH_EVERY_MS)
    {
        tokens::touch(&mut *ctx.db.writer().await?, &found.id, now).await?;
    }
    let actor = match found.catalog {
        Some(c) => narrow_to_catalog(&actor, c),
        None => actor,
    };
    Ok(ApiCaller {
        token_id: found.id,
        scope: found.scope,
        actor,
    })
}

/// The signed-in person's tokens, and the catalogs a new one may be limited to.
pub async fn my_tokens(ctx: &Ctx, actor: &Actor) -> DomainResult<ApiTokensView> {
    let now = ctx.clock.now();
    let tokens = tokens::of_user(&mut *ctx.read().await?, actor.user_id, now).await?;
    let catalogs = if actor.can_open_admin() {
        super::catalogs::names(ctx, actor).await?
    } else {
        Vec::new()
    };
    Ok(ApiTokensView {
        tokens,
        catalogs,
        now,
    })
}

/// Makes a token for the signed-in person; its secret is returned this once.
#[tracing::instrument(skip(ctx, actor, form), fields(actor = %actor.user_id))]
pub async fn create(ctx: &Ctx, actor: &Actor, form: &ApiTokenForm) -> DomainResult<NewApiToken> {
    make(ctx, actor, form, By::Owner).await
}

/// `tessera api-token create --email …`: whoever runs the command line on the server's host
/// is its operator (as for `tessera admin create`) and may make a token for any enabled person.
#[tracing::instrument(skip(ctx, form))]
pub async fn create_as_operator(
    ctx: &Ctx,
    email: &str,
    form: &ApiTokenForm,
) -> DomainResult<NewApiToken> {
    let email = Email::parse(email).map_err(|m| DomainError::invalid("email", m))?;
    let mut conn = ctx.read().await?;
    let Some(id) = crate::store::users::id_by_email(&mut conn, &email).await? else {
        return Err(DomainError::invalid(
            "email",
            "Nobody in the directory has this e-mail.",
        ));
    };
    let Some(actor) = crate::store::users::actor(&mut conn, id).await? else {
        return Err(DomainError::invalid(
            "email",
            "This person's account is disabled.",
        ));
    };
    drop(conn);
    make(ctx, &actor, form, By::Operator).await
}

/// Who makes a token for its owner.
#[derive(Clone, Copy)]
enum By<'a> {
    /// The owner, for themselves.
    Owner,
    /// The operator on the server's host (`tessera api-token create`).
    Operator,
    /// A directory administrator, for a service account.
    Admin(&'a Actor),
}

/// The service account `account`, as its tokens act, for a directory administrator who manages
/// its tokens; a person (who makes their own) or a disabled account is refused.
async fn service_account(ctx: &Ctx, admin: &Actor, account: UserId) -> DomainResult<Actor> {
    super::require_directory_admin(admin)?;
    let mut conn = ctx.read().await?;
    let who = crate::store::users::summary(&mut conn, account).await?;
    if !who.service_account {
        return Err(DomainError::Conflict(format!(
            "{} is a person, not a service account: people make their own tokens on Your account.",
            who.email
        )));
    }
    crate::store::users::actor(&mut conn, account)
        .await?
        .ok_or_else(|| {
            DomainError::Conflict(format!(
                "The service account {} is disabled: enable it first.",
                who.email
            ))
        })
}

/// A service account's tokens, for a directory administrator (its user page).
pub async fn service_account_tokens(
    ctx: &Ctx,
    admin: &Actor,
    account: UserId,
) -> DomainResult<ApiTokensView> {
    let owner = service_account(ctx, admin, account).await?;
    my_tokens(ctx, &owner).await
}

/// A directory administrator makes a token for a service account; its secret is returned
/// this once. What it reaches follows the service account's own roles.
#[tracing::instrument(skip(ctx, admin, form), fields(actor = %admin.user_id))]
pub async fn create_for_service_account(
    ctx: &Ctx,
    admin: &Actor,
    account: UserId,
    form: &ApiTokenForm,
) -> DomainResult<NewApiToken> {
    let owner = service_account(ctx, admin, account).await?;
    make(ctx, &owner, form, By::Admin(admin)).await
}

/// A directory administrator revokes one of a service account's live tokens.
#[tracing::instrument(skip(ctx, admin), fields(actor = %admin.user_id))]
pub async fn revoke_for_service_account(
    ctx: &Ctx,
    admin: &Actor,
    account: UserId,
    id: &str,
) -> DomainResult<()> {
    let owner = service_account(ctx, admin, account).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let name = tokens::revoke(&mut tx, id.trim(), owner.user_id, now)
        .await?
        .ok_or(DomainError::NotFound("live token of this service account"))?;
    let event = NewEvent::new(
        now,
        Some(admin.user_id),
        "api_token.revoked",
        "api_token",
        id.trim(),
        format!(
            "{} revoked the API token \"{name}\" of the service account {}",
            admin.email, owner.email
        ),
    );
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

async fn make(
    ctx: &Ctx,
    actor: &Actor,
    form: &ApiTokenForm,
    by: By<'_>,
) -> DomainResult<NewApiToken> {
    let (name, scope, days, catalog) = check_api_token_form(form).map_err(DomainError::Invalid)?;
    if let Some(c) = catalog
        && !actor.can_read_catalog(c)
    {
        return Err(DomainError::invalid(
            "catalog",
            "You have no role in this catalog; choose one of yours.",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    if tokens::count_live(&mut tx, actor.user_id, now).await? >= MAX_API_TOKENS {
        return Err(DomainError::invalid(
            "name",
            format!(
                "You hold {MAX_API_TOKENS} live tokens, the most allowed: revoke one you no longer use."
            ),
        ));
    }
    let secret = crate::secrets::bearer_secret(API_TOKEN_PREFIX);
    let id = uuid::Uuid::now_v7().to_string();
    let expires_at = now + chrono::Duration::days(days);
    tokens::insert(
        &mut tx,
        &tokens::NewRow {
            id: &id,
            user: actor.user_id,
            name: &name,
            secret: &secret,
            scope,
            catalog,
            expires_at,
        },
        now,
    )
    .await?;
    let (who, initiator) = match by {
        By::Owner => (actor.email.clone(), Some(actor.user_id)),
        By::Operator => (format!("The command line, for {}", actor.email), None),
        By::Admin(admin) => (
            format!("{}, for the service account {}", admin.email, actor.email),
            Some(admin.user_id),
        ),
    };
    let event = NewEvent::new(
        now,
        initiator,
        "api_token.created",
        "api_token",
        &id,
        format!("{who} created the API token \"{name}\" ({})", scope.label()),
    )
    .after(serde_json::json!({
        "name": name,
        "owner": actor.email,
        "scope": scope.code(),
        "catalog": catalog.map(|c| c.to_string()),
        "expires_at": expires_at.to_rfc3339(),
    }));
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(NewApiToken {
        id,
        name,
        secret,
        expires_at,
    })
}

/// Revokes one of the signed-in person's live tokens: its next call is refused.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn revoke(ctx: &Ctx, actor: &Actor, id: &str) -> DomainResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let name = tokens::revoke(&mut tx, id.trim(), actor.user_id, now)
        .await?
        .ok_or(DomainError::NotFound("live token of yours"))?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "api_token.revoked",
        "api_token",
        id.trim(),
        format!("{} revoked the API token \"{name}\"", actor.email),
    );
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

/// What a POST with an Idempotency-Key should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyedCall {
    /// Run it: the key is now held until [`keep_answer`] or [`release_key`].
    Run,
    /// It ran before with this key: answer this (status, body) again.
    Replay(u16, String),
    /// The key is in use: a POST with it is still running, or it came with another body.
    Conflict(&'static str),
}

/// Longest idempotency key.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// Looks up (or claims) an idempotency key for a POST with this body (the same key with
/// another body is a mistake, refused).
pub async fn claim_key(
    ctx: &Ctx,
    caller: &ApiCaller,
    key: &str,
    body: &[u8],
) -> DomainResult<KeyedCall> {
    use sha2::Digest;
    let fingerprint = crate::store::hex(&sha2::Sha256::digest(body));
    let fingerprint = fingerprint.as_str();
    if key.is_empty()
        || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS
        || key.chars().any(|c| c.is_control())
    {
        return Err(DomainError::invalid(
            "Idempotency-Key",
            format!(
                "The Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} visible characters."
            ),
        ));
    }
    let now = ctx.clock.now();
    let mut conn = ctx.db.writer().await?;
    if tokens::claim_key(&mut conn, &caller.token_id, key, fingerprint, now).await? {
        return Ok(KeyedCall::Run);
    }
    let kept = tokens::kept_answer(&mut conn, &caller.token_id, key, now).await?;
    Ok(match kept {
        None => {
            KeyedCall::Conflict("The Idempotency-Key was just released; send the request again.")
        }
        Some((f, _, _)) if f != fingerprint => KeyedCall::Conflict(
            "This Idempotency-Key was used with a different request; use a new key for a new request.",
        ),
        Some((_, 0, _)) => KeyedCall::Conflict(
            "A request with this Idempotency-Key is still running; wait for its answer.",
        ),
        Some((_, status, body)) => KeyedCall::Replay(u16::try_from(status).unwrap_or(500), body),
    })
}

/// Keeps the answer of a POST that held the key, for its retries.
pub async fn keep_answer(
    ctx: &Ctx,
    caller: &ApiCaller,
    key: &str,
    status: u16,
    body: &str,
) -> DomainResult<()> {
    let mut conn = ctx.db.writer().await?;
    tokens::keep_answer(&mut conn, &caller.token_id, key, status, body).await
}

/// Lets go of a key whose POST failed on Tessera's side, so that a retry runs it.
pub async fn release_key(ctx: &Ctx, caller: &ApiCaller, key: &str) -> DomainResult<()> {
    let mut conn = ctx.db.writer().await?;
    tokens::release_key(&mut conn, &caller.token_id, key).await
}
