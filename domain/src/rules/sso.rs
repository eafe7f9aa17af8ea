//! Single sign-on: which Tessera person a provider's verified identity is, or why nobody.
//! Pure; the service reads the candidates and carries the decision out in one transaction.

use crate::model::{Email, UserId};

/// Why a provider's identity does not sign anyone in. Each has a stable code (carried in the
/// sign-in page's address after a failed sign-in) and a message for the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoRefusal {
    /// No Tessera person has the provider's subject or e-mail, and accounts are not created.
    Unknown,
    /// The person matched is disabled (or was deleted by directory sync).
    Disabled,
    /// The provider sent no e-mail in the configured claim (first sign-in needs one).
    NoEmail,
    /// The provider did not confirm the e-mail (`email_verified` not true).
    Unverified,
    /// The e-mail's person is already linked to another identity at a provider.
    LinkedElsewhere,
    /// The sign-in was started too long ago, in another browser, or not by Tessera (`state`).
    State,
    /// The provider answered the sign-in with an error (the person canceled, or it refused).
    Denied,
    /// The provider did not accept Tessera's code (replayed, expired, or wrong client).
    Code,
    /// The ID token failed a check: signature, issuer, audience, expiry or nonce.
    Token,
    /// The provider could not be reached or answered with a server error.
    Unavailable,
    /// Too many sign-in attempts from this address.
    Throttled,
}

impl SsoRefusal {
    pub const ALL: [SsoRefusal; 11] = [
        Self::Unknown,
        Self::Disabled,
        Self::NoEmail,
        Self::Unverified,
        Self::LinkedElsewhere,
        Self::State,
        Self::Denied,
        Self::Code,
        Self::Token,
        Self::Unavailable,
        Self::Throttled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Disabled => "disabled",
            Self::NoEmail => "no-email",
            Self::Unverified => "unverified",
            Self::LinkedElsewhere => "linked",
            Self::State => "state",
            Self::Denied => "denied",
            Self::Code => "code",
            Self::Token => "token",
            Self::Unavailable => "unavailable",
            Self::Throttled => "throttled",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the person reads on the sign-in page; `provider` is the provider's display name.
    pub fn message(self, provider: &str) -> String {
        match self {
            Self::Unknown => format!(
                "There is no Tessera account for the person {provider} signed in. Ask your administrator to add you to the directory."
            ),
            Self::Disabled => "Your Tessera account is disabled. Ask your administrator.".into(),
            Self::NoEmail => format!(
                "{provider} did not tell Tessera your e-mail address, so your account cannot be found. Ask your administrator."
            ),
            Self::Unverified => format!(
                "{provider} has not confirmed your e-mail address. Confirm it there, then sign in again."
            ),
            Self::LinkedElsewhere => format!(
                "Your Tessera account is linked to another {provider} account. Sign in with that one, or ask your administrator."
            ),
            Self::State => "That sign-in expired or was started elsewhere. Sign in again.".into(),
            Self::Denied => format!("{provider} did not complete the sign-in. Sign in again."),
            Self::Code => format!(
                "{provider} did not accept the sign-in (it may have been used already). Sign in again."
            ),
            Self::Token => format!(
                "Tessera could not verify the answer from {provider}, so you were not signed in. Ask your administrator if this keeps happening."
            ),
            Self::Unavailable => format!(
                "{provider} is not answering. Try again in a few minutes, or ask your administrator."
            ),
            Self::Throttled => "Too many sign-in attempts. Wait a minute, then try again.".into(),
        }
    }
}

/// Who may sign in with a password. With single sign-on, passwords can be kept for named
/// break-glass administrators only (who must also hold an administrator role).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PasswordSignIn {
    #[default]
    Everyone,
    BreakGlassOnly(Vec<Email>),
}

impl PasswordSignIn {
    /// Whether `email` may try a password at all (the role is checked after the password).
    pub fn may_try(&self, email: &Email) -> bool {
        match self {
            Self::Everyone => true,
            Self::BreakGlassOnly(named) => named.contains(email),
        }
    }

    pub fn is_restricted(&self) -> bool {
        matches!(self, Self::BreakGlassOnly(_))
    }
}

/// A person the identity could be: found by the provider's subject or by e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: UserId,
    pub enabled: bool,
    /// Whether the person is linked to a provider identity (issuer and subject) already.
    pub linked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The person linked to this identity signs in.
    SignIn(UserId),
    /// The person with this e-mail is linked to the identity, then signs in.
    Link(UserId),
    /// A new member is created for the identity, linked, and signs in.
    Create,
    Refuse(SsoRefusal),
}

/// Matching, in order: the person linked to the provider's subject; the first time, the
/// person with the provider's verified e-mail, unless they are linked to another identity
/// already (an e-mail that moved to someone else at the provider does not take over the
/// account); else nobody, unless new people may be created. A disabled person is refused
/// however they were found.
pub fn decide(
    by_subject: Option<Candidate>,
    email: Result<Email, SsoRefusal>,
    by_email: Option<Candidate>,
    create_users: bool,
) -> Decision {
    if let Some(c) = by_subject {
        return if c.enabled {
            Decision::SignIn(c.id)
        } else {
            Decision::Refuse(SsoRefusal::Disabled)
        };
    }
    if let Err(refusal) = email {
        return Decision::Refuse(refusal);
    }
    match by_email {
        Some(c) if c.linked => Decision::Refuse(SsoRefusal::LinkedElsewhere),
        Some(c) if !c.enabled => Decision::Refuse(SsoRefusal::Disabled),
        Some(c) => Decision::Link(c.id),
        None if create_users => Decision::Create,
        None => Decision::Refuse(SsoRefusal::Unknown),
    }
}

/// The e-mail the provider vouches for: present, well-formed, and verified (a provider's
/// `email_verified`, or a claim the administrator said is verified by nature).
pub fn vouched_email(raw: Option<&str>, verified: bool) -> Result<Email, SsoRefusal> {
    let raw = raw.map(str::trim).filter(|e| !e.is_empty());
    let email = raw
        .map(Email::parse)
        .transpose()
        .map_err(|_| SsoRefusal::NoEmail)?
        .ok_or(SsoRefusal::NoEmail)?;
    if verified {
        Ok(email)
    } else {
        Err(SsoRefusal::Unverified)
    }
}

/// The display name of a person created at first sign-in: the provider's name, else the
/// e-mail's local part ("jane.doe" for jane.doe@example.com).
pub fn new_display_name(name: Option<&str>, email: &Email) -> String {
    name.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            email
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: u128, enabled: bool, linked: bool) -> Candidate {
        Candidate {
            id: UserId(uuid::Uuid::from_u128(n)),
            enabled,
            linked,
        }
    }

    fn email(s: &str) -> Result<Email, SsoRefusal> {
        Ok(Email::parse(s).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn the_subject_wins_over_the_email() {
        let eric = person(1, true, true);
        let other = person(2, true, false);
        assert_eq!(
            decide(
                Some(eric.clone()),
                email("other@example.com"),
                Some(other),
                false
            ),
            Decision::SignIn(eric.id)
        );
        // Even without any e-mail: the subject is what identifies a linked person.
        assert_eq!(
            decide(Some(eric.clone()), Err(SsoRefusal::NoEmail), None, false),
            Decision::SignIn(eric.id)
        );
    }

    #[test]
    fn the_first_sign_in_links_by_verified_email() {
        let eric = person(1, true, false);
        assert_eq!(
            decide(None, email("eric@example.com"), Some(eric.clone()), false),
            Decision::Link(eric.id)
        );
        assert_eq!(
            decide(None, Err(SsoRefusal::Unverified), Some(eric.clone()), false),
            Decision::Refuse(SsoRefusal::Unverified)
        );
        assert_eq!(
            decide(None, Err(SsoRefusal::NoEmail), Some(eric), true),
            Decision::Refuse(SsoRefusal::NoEmail)
        );
    }

    #[test]
    fn an_email_never_takes_over_a_linked_account() {
        let linked = person(1, true, true);
        assert_eq!(
            decide(None, email("eric@example.com"), Some(linked), true),
            Decision::Refuse(SsoRefusal::LinkedElsewhere)
        );
    }

    #[test]
    fn disabled_people_are_refused_however_found() {
        assert_eq!(
            decide(
                Some(person(1, false, true)),
                email("a@example.com"),
                None,
                true
            ),
            Decision::Refuse(SsoRefusal::Disabled)
        );
        assert_eq!(
            decide(
                None,
                email("a@example.com"),
                Some(person(1, false, false)),
                true
            ),
            Decision::Refuse(SsoRefusal::Disabled)
        );
    }

    #[test]
    fn unknown_people_are_created_only_when_allowed() {
        assert_eq!(
            decide(None, email("new@example.com"), None, false),
            Decision::Refuse(SsoRefusal::Unknown)
        );
        assert_eq!(
            decide(None, email("new@example.com"), None, true),
            Decision::Create
        );
    }

    #[test]
    fn only_a_present_well_formed_verified_email_is_vouched_for() {
        assert_eq!(
            vouched_email(Some(" Eric@Example.com "), true).map(|e| e.as_str().to_owned()),
            Ok("eric@example.com".to_owned())
        );
        assert_eq!(vouched_email(None, true), Err(SsoRefusal::NoEmail));
        assert_eq!(vouched_email(Some("  "), true), Err(SsoRefusal::NoEmail));
        assert_eq!(
            vouched_email(Some("not-an-email"), true),
            Err(SsoRefusal::NoEmail)
        );
        assert_eq!(
            vouched_email(Some("eric@example.com"), false),
            Err(SsoRefusal::Unverified)
        );
    }

    #[test]
    fn codes_round_trip_and_messages_name_the_provider() {
        for r in SsoRefusal::ALL {
            assert_eq!(SsoRefusal::parse(r.code()), Some(r));
            assert!(!r.message("Contoso").is_empty());
        }
        assert_eq!(SsoRefusal::parse("nonsense"), None);
        assert!(
            SsoRefusal::Unavailable
                .message("Contoso")
                .contains("Contoso")
        );
    }

    #[test]
    fn only_named_people_may_try_a_password_when_restricted() {
        let alex = Email::parse("alex@example.com").unwrap_or_else(|e| panic!("{e}"));
        let eric = Email::parse("eric@example.com").unwrap_or_else(|e| panic!("{e}"));
        assert!(PasswordSignIn::Everyone.may_try(&eric));
        let restricted = PasswordSignIn::BreakGlassOnly(vec![alex.clone()]);
        assert!(restricted.may_try(&alex));
        assert!(!restricted.may_try(&eric));
        assert!(restricted.is_restricted() && !PasswordSignIn::Everyone.is_restricted());
    }

    #[test]
    fn a_new_person_is_named_by_the_provider_or_the_email() {
        let e = Email::parse("jane.doe@example.com").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(new_display_name(Some(" Jane Doe "), &e), "Jane Doe");
        assert_eq!(new_display_name(Some(""), &e), "jane.doe");
        assert_eq!(new_display_name(None, &e), "jane.doe");
    }
}
