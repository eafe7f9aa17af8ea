//! The systems Tessera delivers grants to. Each kind speaks its own protocol in its module;
//! [`Session`] is what the delivery job and the reconciliation see of any of them. What to
//! deliver and when is the delivery job's (`jobs::connectors`), what an administrator may
//! configure is `service::connectors`.

pub mod ldap;
pub mod scim;
pub mod webhooks;

use crate::model::{ResourceRole, SystemSettings};
use crate::rules::connectors::{normalize_dn, under_base};

/// A connection to a connected system of any kind. A clone shares the connection: operations
/// of several clones run at once over it.
#[derive(Clone)]
pub enum Session {
    Ldap(ldap::LdapSession),
    Scim(scim::ScimSession),
}

/// Connects to the system and signs in with its secret (an LDAP bind password, a SCIM bearer
/// token); the error says in words what failed.
pub async fn connect(settings: &SystemSettings, secret: Option<&str>) -> Result<Session, String> {
    Ok(match settings {
        SystemSettings::Ldap(s) => Session::Ldap(ldap::connect(s, secret).await?),
        SystemSettings::Scim(s) => Session::Scim(scim::connect(s, secret).await?),
    })
}

impl Session {
    /// The one person whose match value is `value` (an LDAP DN, a SCIM user id); `None` when
    /// nobody has it.
    pub async fn find_person(&mut self, value: &str) -> Result<Option<String>, String> {
        match self {
            Self::Ldap(s) => s.find_person(value).await,
            Self::Scim(s) => s.find_person(value).await,
        }
    }

    /// Gives `person` (as [`Session::find_person`] found them) `role` in `group` or takes it
    /// away; already so is success. SCIM has no standard owners of a group, so no ownership
    /// is ever queued for a SCIM system; one that reached it would fail with these words.
    pub async fn set_role(
        &mut self,
        group: &str,
        person: &str,
        role: ResourceRole,
        holds: bool,
    ) -> Result<(), String> {
        match (self, role) {
            (Self::Ldap(s), _) => s.set_role(group, person, role, holds).await,
            (Self::Scim(s), ResourceRole::Member) => s.set_member(group, person, holds).await,
            (Self::Scim(_), ResourceRole::Owner) => Err(
                "SCIM applications take no group owners; Tessera delivers only members to them"
                    .into(),
            ),
        }
    }

    /// Whether the linked group `group` exists there.
    pub async fn check_group(&mut self, group: &str) -> Result<(), String> {
        match self {
            Self::Ldap(s) => s.check_entry(group, "the group").await,
            Self::Scim(s) => s.check_group(group).await.map(drop),
        }
    }

    /// The people the group holds, as [`Session::person_key`] gives them. In LDAP only people
    /// under the people's base count, so a placeholder member elsewhere is never drift.
    pub async fn members(&mut self, group: &str) -> Result<Vec<String>, String> {
        match self {
            Self::Ldap(s) => {
                let base = s.user_base().to_owned();
                Ok(s.members(group)
                    .await?
                    .iter()
                    .filter(|dn| under_base(dn, &base))
                    .map(|dn| normalize_dn(dn))
                    .collect())
            }
            Self::Scim(s) => s.members(group).await,
        }
    }

    /// A person as members are compared: a DN lowercased without spaces; a SCIM id as it is.
    pub fn person_key(&self, person: &str) -> String {
        match self {
            Self::Ldap(_) => normalize_dn(person),
            Self::Scim(_) => person.to_owned(),
        }
    }

    /// Why nobody was found for `value`, in words.
    pub fn nobody_words(&self, system: &str, value: &str) -> String {
        match self {
            Self::Ldap(s) => format!(
                "Nobody in {system} has {}={value} under {}",
                s.attribute(),
                s.user_base()
            ),
            Self::Scim(s) => format!("No user in {system} has {} {value}", s.attribute()),
        }
    }

    /// Ends the session politely; a failure here changes nothing.
    pub async fn close(self) {
        match self {
            Self::Ldap(s) => s.close().await,
            Self::Scim(_) => {}
        }
    }
}

/// Words for an HTTP client's error below HTTP (the network, TLS, a timeout), with the
/// causes' own words; `peer` names who did not answer ("the application", "the receiver").
pub(crate) fn transport_words(e: &reqwest::Error, peer: &str) -> String {
    if e.is_timeout() {
        return format!("{peer} did not answer in time");
    }
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    let detail = causes.last().cloned().unwrap_or_else(|| e.to_string());
    if e.is_connect() && causes.iter().any(|c| c.contains("Connection refused")) {
        format!("the connection was refused (is {peer} running, and is the address right?)")
    } else if e.is_connect() {
        format!("it could not be reached ({detail})")
    } else {
        detail
    }
}
