//! Single sign-on: an identity the provider vouched for (its ID token already checked by the
//! server) becomes a signed-in person, is linked at the first sign-in, or is refused.

use super::{Ctx, commit};
use crate::model::*;
use crate::rules::sso::{self, Decision, SsoRefusal};
use crate::store::{audit, users};
use crate::{DomainError, DomainResult};

/// The longest subject OpenID Connect allows (Core 1.0, 2: "MUST NOT exceed 255 ASCII
/// characters"); the issuer is the configured one.
const MAX_SUBJECT_CHARS: usize = 255;

/// What the provider said about the person, from a verified ID token.
#[derive(Debug, Clone)]
pub struct ProviderIdentity {
    /// The provider's issuer identifier (as configured and checked in the token).
    pub issuer: String,
    pub subject: String,
    /// The configured e-mail claim's value, if the token carried it.
    pub email: Option<String>,
    /// Whether the provider vouches for the e-mail (`email_verified`, or a claim verified by
    /// nature such as Entra ID's `preferred_username`).
    pub email_verified: bool,
    pub name: Option<String>,
    /// The provider's display name, for the audit trail.
    pub provider: String,
}

/// What an administrator decided about people the provider knows and Tessera does not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SsoPolicy {
    /// Create them as members (`TESSERA_OIDC_CREATE_USERS=1`) rather than refuse them.
    pub create_users: bool,
}

/// Signs the identity in, in one transaction: the person linked to its subject; the first
/// time, the person with its verified e-mail (then linked); a new member when the policy
/// allows. A refusal changes nothing and says why ([`SsoRefusal`]).
#[cfg_attr(feature = "server", tracing::instrument(skip_all, fields(subject = %who.subject)))]
pub async fn sign_in(
    ctx: &Ctx,
    who: &ProviderIdentity,
    policy: SsoPolicy,
) -> DomainResult<Result<UserId, SsoRefusal>> {
    if who.subject.is_empty() || who.subject.chars().count() > MAX_SUBJECT_CHARS {
        return Ok(Err(SsoRefusal::Token));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let by_subject = users::by_identity(&mut tx, &who.issuer, &who.subject).await?;
    let email = sso::vouched_email(who.email.as_deref(), who.email_verified);
    let by_email = match (&by_subject, &email) {
        (None, Ok(email)) => users::by_email_for_sso(&mut tx, email).await?,
        _ => None,
    };
    let decision = sso::decide(by_subject, email.clone(), by_email, policy.create_users);
    let id = match decision {
        Decision::Refuse(refusal) => {
            tracing::info!(refusal = refusal.code(), "single sign-on refused");
            return Ok(Err(refusal));
        }
        Decision::SignIn(id) => id,
        Decision::Link(id) => {
            users::link_identity(&mut tx, id, &who.issuer, &who.subject, now).await?;
            audit::record(
                &mut tx,
                audit::NewEvent::new(
                    now,
                    Some(id),
                    "user.sso_linked",
                    "user",
                    id,
                    format!("Linked to {} at {}", who.subject, who.provider),
                ),
            )
            .await?;
            id
        }
        Decision::Create => {
            let email = email.map_err(|_| DomainError::Internal("no e-mail to create".into()))?;
            let id = UserId::new();
            let v = new_member(&email, who.name.as_deref())?;
            users::insert(&mut tx, id, &v, None, now).await?;
            users::link_identity(&mut tx, id, &who.issuer, &who.subject, now).await?;
            let event = audit::NewEvent::new(
                now,
                None,
                "user.created",
                "user",
                id,
                format!(
                    "Created user {} at their first sign-in with {}",
                    v.email, who.provider
                ),
            );
            audit::record(&mut tx, event.after(super::directory::user_json(&v))).await?;
            id
        }
    };
    let person = users::summary(&mut tx, id).await?;
    users::record_sign_in(&mut tx, id, now).await?;
    audit::record(
        &mut tx,
        audit::NewEvent::new(
            now,
            Some(id),
            "user.sign_in",
            "user",
            id,
            format!("{} signed in with {}", person.email, who.provider),
        ),
    )
    .await?;
    commit(tx).await?;
    tracing::info!(user = %id, "signed in with single sign-on");
    Ok(Ok(id))
}

/// A member created at first sign-in: the provider's name when it is a valid display name,
/// else the e-mail's local part.
fn new_member(email: &Email, name: Option<&str>) -> DomainResult<ValidUser> {
    let form = |display_name: String| UserForm {
        email: email.as_str().to_owned(),
        display_name,
        user_type: UserType::Member.code().to_owned(),
        manager_email: String::new(),
        department: String::new(),
        job_title: String::new(),
        enabled: true,
    };
    form(sso::new_display_name(name, email))
        .parse()
        .or_else(|_| form(sso::new_display_name(None, email)).parse())
        .map_err(DomainError::Invalid)
}
