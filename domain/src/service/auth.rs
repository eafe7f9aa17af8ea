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

pub async fn hash_password(password: &NewPassword) -> DomainResult<String> {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DomainError::Internal(e.to_string().into()))
    })
    .await
    .map_err(DomainError::internal)?
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

async fn verify(password: String, hash: Option<String>) -> DomainResult<bool> {
    tokio::task::spawn_blocking(move || {
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
    .map_err(DomainError::internal)?
}

/// Checks an email and password. Unknown email, disabled account and wrong password all give
/// the same answer after the same work; repeated failures lock the email for a while.
#[cfg_attr(feature = "server", tracing::instrument(skip(ctx, password), fields(email = %email_raw.trim())))]
pub async fn sign_in(ctx: &Ctx, email_raw: &str, password: &str) -> DomainResult<UserId> {
    let mut problems = Problems::default();
    if email_raw.trim().is_empty() {
        problems.push("email", "Email is required.");
    }
    if password.is_empty() {
        problems.push("password", "Password is required.");
    }
    problems.into_result()?;
    if password.len() > NewPassword::MAX_CHARS * 4 {
        return Err(DomainError::invalid("form", WRONG_CREDENTIALS));
    }
    let key = email_raw.trim().to_lowercase();
    let now = ctx.clock.now_ms();

    let previous = throttle::get(&mut *ctx.read().await?, &key).await?;
    if let Some(wait) = retry_after_secs(previous.and_then(|p| p.locked_until_ms), now) {
        return Err(DomainError::Throttled {
            retry_after_secs: wait,
        });
    }

    let creds = match Email::parse(&key) {
        Ok(email) => users::credentials(&mut *ctx.read().await?, &email).await?,
        Err(_) => None,
    };
    let hash = creds
        .as_ref()
        .filter(|c| c.enabled)
        .and_then(|c| c.password_hash.clone());
    let ok = verify(password.to_owned(), hash).await?;

    let mut tx = ctx.db.begin().await?;
    match (ok, creds) {
        (true, Some(c)) => {
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
            tx.commit().await.map_err(DomainError::internal)?;
            tracing::info!(user = %c.id, "signed in");
            Ok(c.id)
        }
        _ => {
            // Re-read inside the write transaction so concurrent failures all count.
            let current = throttle::get(&mut tx, &key).await?;
            let failures = next_failure_count(
                current.map_or(0, |c| c.failures),
                current.map(|c| c.last_failure_ms),
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
            tx.commit().await.map_err(DomainError::internal)?;
            tracing::info!(failures, "sign-in refused");
            Err(DomainError::invalid("form", WRONG_CREDENTIALS))
        }
    }
}

/// The actor behind a session's user id; None when the account is gone or disabled.
pub async fn resolve_actor(ctx: &Ctx, user: UserId) -> DomainResult<Option<Actor>> {
    users::actor(&mut *ctx.read().await?, user).await
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
    let hash = hash_password(&password).await?;
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
