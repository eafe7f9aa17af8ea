//! Sign-in, password hashing, and turning a session into an `Actor`.

use super::Ctx;
use crate::model::*;
use crate::rules::sign_in::{locked_until, next_failure_count, retry_after_secs};
use crate::store::{audit, throttle, users};
use crate::{DomainError, DomainResult};
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

pub const WRONG_CREDENTIALS: &str = "Email or password is incorrect.";

/// Argon2id with OWASP's minimum: 19 MiB, 2 passes, 1 lane. Explicit so an upgrade of the
/// crate never silently changes the cost.
fn argon2() -> DomainResult<Argon2<'static>> {
    let params =
        Params::new(19_456, 2, 1, None).map_err(|e| DomainError::Internal(e.to_string().into()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub async fn hash_password(ctx: &Ctx, password: &NewPassword) -> DomainResult<String> {
    let password = password.expose().to_owned();
    ctx.hashing
        .run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()?
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| DomainError::Internal(e.to_string().into()))
        })
        .await
}

/// A hash to verify against when the account does not exist, so that a wrong email costs
/// the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .and_then(|a| {
                a.hash_password(b"no such account, no such password", &salt)
                    .map(|h| h.to_string())
                    .map_err(|e| DomainError::Internal(e.to_string().into()))
            })
            .unwrap_or_default()
    })
}

async fn verify(ctx: &Ctx, password: String, hash: Option<String>) -> DomainResult<bool> {
    ctx.hashing
        .run(move || {
            let real = hash.is_some();
            let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
            let ok = match PasswordHash::new(&hash) {
                Ok(parsed) => argon2()?
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok(),
                Err(_) => false,
            };
            Ok(real && ok)
        })
        .await
}

/// Checks an email and password. Unknown email, disabled account and wrong password all give
/// the same answer after the same work; repeated failures lock the email for a while.
///
/// Every attempt is counted as a failure *before* the password is checked, in a write
/// transaction that holds the email's throttle row, and cleared only by a success. So
/// parallel guesses cannot slip past the lock: once the free attempts are taken, the rest
/// are refused without hashing anything.
#[cfg_attr(feature = "server", tracing::instrument(skip_all))]
pub async fn sign_in(ctx: &Ctx, email_raw: &str, password: &str) -> DomainResult<UserId> {
    let (key, c) = verify_credentials(ctx, email_raw, password).await?;
    let mut tx = ctx.db.begin().await?;
    throttle::clear(&mut tx, &key).await?;
    users::record_sign_in(&mut tx, c.id, ctx.clock.now()).await?;
    audit::record(
        &mut tx,
        audit::NewEvent::new(
            ctx.clock.now(),
            Some(c.id),
            "user.sign_in",
            "user",
            c.id,
            format!("{key} signed in"),
        ),
    )
    .await?;
    super::commit(tx).await?;
    tracing::info!(user = %c.id, "signed in");
    Ok(c.id)
}

/// The sign-in check itself (see [`sign_in`]): the validated email (the throttle key, to be
/// cleared by the caller's transaction) and the account, or the refusal.
async fn verify_credentials(
    ctx: &Ctx,
    email_raw: &str,
    password: &str,
) -> DomainResult<(String, users::Credentials)> {
    let mut problems = Problems::default();
    let email = problems.check("email", Email::parse(email_raw));
    if password.is_empty() {
        problems.push("password", "Password is required.");
    }
    problems.into_result()?;
    let Some(email) = email else {
        return Err(DomainError::invalid("email", "Email is required."));
    };
    if password.len() > crate::model::limits::MAX_SIGN_IN_PASSWORD_BYTES {
        return Err(DomainError::invalid("form", WRONG_CREDENTIALS));
    }
    let key = email.as_str().to_owned();
    let now = ctx.clock.now_ms();

    // Take an attempt (or be refused) atomically.
    let mut tx = ctx.db.begin().await?;
    let previous = throttle::hold(&mut tx, &key, now).await?;
    if let Some(wait) = retry_after_secs(previous.locked_until_ms, now) {
        super::commit(tx).await?;
        tracing::info!(email = %key, "sign-in refused: locked");
        return Err(DomainError::Throttled {
            retry_after_secs: wait,
        });
    }
    let failures = next_failure_count(
        previous.failures,
        (previous.failures > 0).then_some(previous.last_failure_ms),
        now,
    );
    throttle::put(
        &mut tx,
        &key,
        throttle::Failures {
            failures,
            last_failure_ms: now,
            locked_until_ms: locked_until(failures, now),
        },
    )
    .await?;
    super::commit(tx).await?;

    let creds = users::credentials(&mut *ctx.read().await?, &email).await?;
    let hash = creds
        .as_ref()
        .filter(|c| c.enabled)
        .and_then(|c| c.password_hash.clone());
    let ok = verify(ctx, password.to_owned(), hash).await?;
    match creds.filter(|_| ok) {
        Some(c) => Ok((key, c)),
        None => {
            tracing::info!(email = %key, failures, "sign-in refused");
            Err(DomainError::invalid("form", WRONG_CREDENTIALS))
        }
    }
}

/// Removes expired session records and throttle rows whose failures are forgotten (older
/// than the failure window, lock ended); run hourly by the server. Returns (sessions, rows).
pub async fn purge_stale(ctx: &Ctx) -> DomainResult<(u64, u64)> {
    let now = ctx.clock.now_ms();
    let forgotten = now - crate::rules::sign_in::FAILURE_WINDOW_SECS * 1000;
    let mut conn = ctx.read().await?;
    let sessions = crate::store::sessions::delete_expired(&mut conn, now).await?;
    let rows = throttle::purge(&mut conn, forgotten, now).await?;
    Ok((sessions, rows))
}

/// The actor behind a session's user id; None when the account is gone or disabled.
pub async fn resolve_actor(ctx: &Ctx, user: UserId) -> DomainResult<Option<Actor>> {
    users::actor(&mut *ctx.read().await?, user).await
}

/// The actor behind a session signed in at `signed_in_ms`; None when the account is gone
/// or disabled, or its sessions were ended since (password change, "Sign out all sessions").
pub async fn resolve_session(
    ctx: &Ctx,
    user: UserId,
    signed_in_ms: i64,
) -> DomainResult<Option<Actor>> {
    users::actor_signed_in_at(&mut *ctx.read().await?, user, Some(signed_in_ms)).await
}

/// The signed-in person changes their own password: the current one is required (a wrong
/// one counts toward the sign-in lock like a failed sign-in), the new one must follow the
/// password rules, and every session signed in before now ends. The caller starts a fresh
/// session for the person afterwards.
#[cfg_attr(feature = "server", tracing::instrument(skip_all, fields(actor = %actor.user_id)))]
pub async fn change_password(
    ctx: &Ctx,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
) -> DomainResult<()> {
    let mut problems = Problems::default();
    if current.is_empty() {
        problems.push("current_password", "Enter your current password.");
    }
    let new_password = super::passwords::check_new(&mut problems, new, confirm, &actor.email);
    if !current.is_empty() && current == new {
        problems.push("new_password", "Choose a password you have not been using.");
    }
    problems.into_result()?;
    let Some(new_password) = new_password else {
        return Err(DomainError::invalid(
            "new_password",
            "Choose a new password.",
        ));
    };
    // The current password is checked exactly as a sign-in is (and throttled with it).
    let key = match verify_credentials(ctx, &actor.email, current).await {
        Ok((key, c)) if c.id == actor.user_id => key,
        Ok(_) | Err(DomainError::Invalid(_)) => {
            return Err(DomainError::invalid(
                "current_password",
                "Your current password is not correct.",
            ));
        }
        Err(other) => return Err(other),
    };
    let hash = hash_password(ctx, &new_password).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    throttle::clear(&mut tx, &key).await?;
    users::reset_sessions(&mut tx, actor.user_id, Some(&hash), now).await?;
    audit::record(
        &mut tx,
        audit::NewEvent::new(
            now,
            Some(actor.user_id),
            "user.password_changed",
            "user",
            actor.user_id,
            format!(
                "{} changed their password; their other sessions were signed out",
                actor.email
            ),
        ),
    )
    .await?;
    super::commit(tx).await
}

/// Who may reset another person's password or end their sessions: a directory administrator,
/// and for anyone who holds a directory role (an administrator), only a Global Administrator.
async fn require_may_manage_access_of(
    conn: &mut crate::store::Conn,
    actor: &Actor,
    person: UserId,
) -> DomainResult<()> {
    super::require_directory_admin(actor)?;
    if actor.has_role(DirectoryRole::GlobalAdministrator) {
        return Ok(());
    }
    let theirs = users::roles(conn, person).await?;
    super::require(
        theirs.is_empty(),
        "only a Global Administrator can reset an administrator's password or sessions",
    )
}

/// An administrator sets a new password for someone (who is signed out everywhere).
#[cfg_attr(feature = "server", tracing::instrument(skip_all, fields(actor = %actor.user_id, person = %person)))]
pub async fn reset_password(
    ctx: &Ctx,
    actor: &Actor,
    person: UserId,
    new: &str,
    confirm: &str,
) -> DomainResult<()> {
    let mut conn = ctx.read().await?;
    require_may_manage_access_of(&mut conn, actor, person).await?;
    let who = users::summary(&mut conn, person).await?;
    drop(conn);
    let mut problems = Problems::default();
    let new_password = super::passwords::check_new(&mut problems, new, confirm, &who.email);
    problems.into_result()?;
    let Some(new_password) = new_password else {
        return Err(DomainError::invalid(
            "new_password",
            "Choose a new password.",
        ));
    };
    let hash = hash_password(ctx, &new_password).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    users::reset_sessions(&mut tx, person, Some(&hash), now).await?;
    throttle::clear(&mut tx, who.email.as_str()).await?;
    audit::record(
        &mut tx,
        audit::NewEvent::new(
            now,
            Some(actor.user_id),
            "user.password_reset",
            "user",
            person,
            format!(
                "{} set a new password for {}; their sessions were signed out",
                actor.email, who.email
            ),
        ),
    )
    .await?;
    super::commit(tx).await
}

/// An administrator signs someone out of every session (a leaver, a lost laptop).
#[cfg_attr(feature = "server", tracing::instrument(skip_all, fields(actor = %actor.user_id, person = %person)))]
pub async fn sign_out_everywhere(ctx: &Ctx, actor: &Actor, person: UserId) -> DomainResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    require_may_manage_access_of(&mut tx, actor, person).await?;
    let who = users::summary(&mut tx, person).await?;
    users::reset_sessions(&mut tx, person, None, now).await?;
    audit::record(
        &mut tx,
        audit::NewEvent::new(
            now,
            Some(actor.user_id),
            "user.sessions_revoked",
            "user",
            person,
            format!("{} signed {} out of every session", actor.email, who.email),
        ),
    )
    .await?;
    super::commit(tx).await
}

/// Creates (or promotes) a Global Administrator with a password; for `tessera admin create`.
#[cfg_attr(feature = "server", tracing::instrument(skip(ctx, password)))]
pub async fn create_administrator(
    ctx: &Ctx,
    email: &str,
    display_name: &str,
    password: &str,
) -> DomainResult<UserId> {
    let mut p = Problems::default();
    let email = p.check("email", Email::parse(email));
    let display_name = p.check("display_name", DisplayName::parse(display_name));
    let password = p.check("password", NewPassword::parse(password));
    p.into_result()?;
    let (Some(email), Some(display_name), Some(password)) = (email, display_name, password) else {
        return Err(DomainError::invalid("form", "invalid input"));
    };
    let hash = hash_password(ctx, &password).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let id = match users::id_by_email(&mut tx, &email).await? {
        Some(id) => id,
        None => {
            let id = UserId::new();
            let user = ValidUser {
                email: email.clone(),
                display_name,
                user_type: UserType::Member,
                manager_email: None,
                department: Department::parse("").map_err(|e| DomainError::Internal(e.into()))?,
                job_title: JobTitle::parse("").map_err(|e| DomainError::Internal(e.into()))?,
                enabled: true,
            };
            users::insert(&mut tx, id, &user, None, now).await?;
            id
        }
    };
    users::set_password_hash(&mut tx, id, &hash, now).await?;
    users::grant_role(&mut tx, id, DirectoryRole::GlobalAdministrator).await?;
    let summary = format!("{email} made Global Administrator from the command line");
    audit::record(
        &mut tx,
        audit::NewEvent::new(now, None, "user.administrator_created", "user", id, summary),
    )
    .await?;
    tx.commit().await.map_err(DomainError::internal)?;
    Ok(id)
}

/// Whether any account can sign in yet (first start explains how to create one if not).
pub async fn any_administrator(ctx: &Ctx) -> DomainResult<bool> {
    Ok(users::role_holders(&mut *ctx.read().await?).await? > 0)
}
