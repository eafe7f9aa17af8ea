//! Sign-in, password hashing, and turning a session into an `Actor`.

use super::Ctx;
use crate::model::*;
use crate::rules::sign_in::{locked_until, next_failure_count, retry_after_secs};
use crate::store::{audit, throttle, users};
use crate::{DomainError, DomainResult};
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

pub const WRONG_CREDENTIALS: &str = "Email or password is incorrect.";
/// When passwords are kept for break-glass administrators only.
pub const PASSWORDS_OFF: &str =
    "Sign-in with a password is turned off. Use your organisation's single sign-on.";

/// Argon2id with OWASP's minimum: 19 MiB, 2 passes, 1 lane. Explicit so an upgrade of the
/// crate never silently changes the cost.
fn params() -> DomainResult<Params> {
    Params::new(19_456, 2, 1, None).map_err(internal)
}

/// The most working memory a stored hash may ask for (KiB): a stored hash asking for more is
/// refused rather than allowed to take the hashing threads' memory.
const MAX_STORED_M_COST: u32 = 65_536;

fn internal(e: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(e.to_string().into())
}

/// Argon2 over the hashing thread's own working memory ([`super::hashing::with_blocks`]),
/// reused from one hash to the next while a burst lasts and let go when the thread is idle.
fn argon2_output(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    len: usize,
) -> DomainResult<Output> {
    if params.m_cost() > MAX_STORED_M_COST {
        return Err(DomainError::Internal(
            "a stored password hash asks for more memory than allowed".into(),
        ));
    }
    super::hashing::with_blocks(params.block_count(), |blocks| {
        Output::init_with(len, |out| {
            argon
                .hash_password_into_with_memory(password, salt, out, blocks)
                .map_err(|_| argon2::password_hash::Error::Crypto)
        })
        .map_err(internal)
    })
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`.
fn phc_hash(password: &[u8]) -> DomainResult<String> {
    let params = params()?;
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(internal)?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = argon2_output(
        &argon,
        &params,
        password,
        salt_raw,
        Params::DEFAULT_OUTPUT_LEN,
    )?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored`, under the stored hash's own algorithm,
/// version and parameters. A stored value that cannot be read matches nothing.
fn phc_matches(password: &[u8], stored: &str) -> DomainResult<bool> {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Ok(false);
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        parsed.version.map_or(Ok(Version::V0x13), Version::try_from),
        Params::try_from(&parsed),
    ) else {
        return Ok(false);
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Ok(false);
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else {
        return Ok(false);
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let computed = argon2_output(&argon, &params, password, salt_raw, expected.len())?;
    // `Output`'s equality is constant-time.
    Ok(computed == expected)
}

pub async fn hash_password(ctx: &Ctx, password: &NewPassword) -> DomainResult<String> {
    let password = password.expose().to_owned();
    ctx.hashing.run(move || phc_hash(password.as_bytes())).await
}

/// A hash to verify against when the account does not exist, so that a wrong email costs
/// the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| phc_hash(b"no such account, no such password").unwrap_or_default())
}

async fn verify(ctx: &Ctx, password: String, hash: Option<String>) -> DomainResult<bool> {
    ctx.hashing
        .run(move || {
            let real = hash.is_some();
            let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
            let ok = phc_matches(password.as_bytes(), &hash)?;
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
    // A named break-glass account still needs an administrator role: a name left in the
    // settings after the person changed jobs opens nothing.
    if ctx.password_sign_in.is_restricted() {
        let admin = users::actor(&mut *ctx.read().await?, c.id)
            .await?
            .is_some_and(|a| a.can_manage_directory());
        if !admin {
            tracing::info!(email = %key, "password sign-in refused: not an administrator");
            return Err(DomainError::invalid("form", PASSWORDS_OFF));
        }
    }
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
    if !ctx.password_sign_in.may_try(&email) {
        return Err(DomainError::invalid("form", PASSWORDS_OFF));
    }
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

/// Removes expired session records, throttle rows whose failures are forgotten (older
/// than the failure window, lock ended) and the API's idempotency answers older than a day;
/// run hourly by the server. Returns (sessions, rows).
pub async fn purge_stale(ctx: &Ctx) -> DomainResult<(u64, u64)> {
    let now = ctx.clock.now_ms();
    let forgotten = now - crate::rules::sign_in::FAILURE_WINDOW_SECS * 1000;
    let mut conn = ctx.db.writer().await?;
    let sessions = crate::store::sessions::delete_expired(&mut conn, now).await?;
    let rows = throttle::purge(&mut conn, forgotten, now).await?;
    // The API's kept answers for idempotency keys count as throttle-like rows: a day old, gone.
    let answers = crate::store::api_tokens::prune_answers(&mut conn, ctx.clock.now()).await?;
    Ok((sessions, rows + answers))
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
    if who.service_account {
        return Err(DomainError::invalid(
            "new_password",
            "A service account has no password: scripts use its API tokens.",
        ));
    }
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
        Some(id) if users::summary(&mut tx, id).await?.service_account => {
            return Err(DomainError::invalid(
                "email",
                "This is a service account: it cannot sign in, so it cannot be an administrator who signs in.",
            ));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn our_hashes_and_the_crates_verify_each_other() {
        let ours = phc_hash(b"correct horse").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .unwrap();
        assert!(phc_matches(b"correct horse", &ours).unwrap());
        assert!(!phc_matches(b"correct horsf", &ours).unwrap());

        // A hash made by the crate (other parameters: m=4096) is checked under its own.
        let salt = SaltString::generate(&mut OsRng);
        let crate_made = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 3, 1, None).unwrap(),
        )
        .hash_password(b"battery staple", &salt)
        .unwrap()
        .to_string();
        assert!(phc_matches(b"battery staple", &crate_made).unwrap());
        assert!(!phc_matches(b"battery stapler", &crate_made).unwrap());
    }

    #[test]
    fn a_stored_hash_that_cannot_be_read_matches_nothing() {
        for stored in [
            "",
            "plain",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$md5$abc$def",
        ] {
            assert!(!phc_matches(b"", stored).unwrap(), "{stored}");
            assert!(!phc_matches(b"anything", stored).unwrap(), "{stored}");
        }
    }

    #[test]
    fn a_stored_hash_asking_for_too_much_memory_is_refused() {
        let ours = phc_hash(b"x").unwrap();
        let greedy = ours.replace("m=19456", "m=1048576");
        assert!(phc_matches(b"x", &greedy).is_err());
    }

    #[test]
    fn the_working_memory_is_kept_and_reused_on_the_thread() {
        phc_hash(b"one").unwrap();
        let first = super::super::hashing::with_blocks(0, |b| (b.as_ptr(), b.len()));
        phc_hash(b"two").unwrap();
        let second = super::super::hashing::with_blocks(0, |b| (b.as_ptr(), b.len()));
        assert_eq!(first, second);
        assert_eq!(first.1, 19_456);
    }
}
