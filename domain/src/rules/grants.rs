//! Why someone is in a group. A membership exists while at least one grant holds it, so
//! ending one grant (an assignment expiring, an admin removing a direct add) never strips
//! access that another grant still gives.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GrantSource {
    /// Added by an administrator (or an import) directly.
    Direct,
    /// Delivered by an access package assignment.
    Assignment(Uuid),
    /// Pushed by the organisation's directory through SCIM; only SCIM removes it.
    Scim,
    /// Read from an LDAP directory by the directory import; only the import removes it.
    Import,
}

impl GrantSource {
    pub fn code(&self) -> String {
        match self {
            GrantSource::Direct => "direct".into(),
            GrantSource::Assignment(id) => format!("assignment:{id}"),
            GrantSource::Scim => "scim".into(),
            GrantSource::Import => "import".into(),
        }
    }

    pub fn parse(code: &str) -> Result<Self, String> {
        match code.split_once(':') {
            None if code == "direct" => Ok(GrantSource::Direct),
            None if code == "scim" => Ok(GrantSource::Scim),
            None if code == "import" => Ok(GrantSource::Import),
            Some(("assignment", id)) => Uuid::parse_str(id)
                .map(GrantSource::Assignment)
                .map_err(|_| format!("bad assignment id in grant source {code:?}")),
            _ => Err(format!("unknown grant source {code:?}")),
        }
    }

    pub fn label(&self) -> String {
        match self {
            GrantSource::Direct => "Direct".into(),
            GrantSource::Assignment(id) => {
                format!("Access package assignment {}", &id.to_string()[..8])
            }
            GrantSource::Scim => "Directory sync (SCIM)".into(),
            GrantSource::Import => "Directory import (LDAP)".into(),
        }
    }
}

/// The grants left after one is withdrawn; the person stays a member while this is non-empty.
pub fn withdraw(grants: &[GrantSource], withdrawn: GrantSource) -> Vec<GrantSource> {
    grants.iter().copied().filter(|g| *g != withdrawn).collect()
}

/// Whether the grants make the person a member.
pub fn is_member(grants: &[GrantSource]) -> bool {
    !grants.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        let a = GrantSource::Assignment(Uuid::from_u128(42));
        assert_eq!(GrantSource::parse(&a.code()), Ok(a));
        assert_eq!(GrantSource::parse("direct"), Ok(GrantSource::Direct));
        assert_eq!(GrantSource::parse("scim"), Ok(GrantSource::Scim));
        assert_eq!(GrantSource::parse("import"), Ok(GrantSource::Import));
        assert!(GrantSource::parse("assignment:nope").is_err());
        assert!(GrantSource::parse("friend").is_err());
    }

    #[test]
    fn ending_one_assignment_keeps_a_direct_membership() {
        let a = GrantSource::Assignment(Uuid::from_u128(1));
        let left = withdraw(&[GrantSource::Direct, a], a);
        assert_eq!(left, vec![GrantSource::Direct]);
        assert!(is_member(&left));
    }

    #[test]
    fn ending_the_last_grant_ends_membership() {
        let a = GrantSource::Assignment(Uuid::from_u128(1));
        assert!(!is_member(&withdraw(&[a], a)));
    }

    #[test]
    fn two_assignments_are_counted_separately() {
        let a = GrantSource::Assignment(Uuid::from_u128(1));
        let b = GrantSource::Assignment(Uuid::from_u128(2));
        let left = withdraw(&[a, b], a);
        assert_eq!(left, vec![b]);
        assert!(is_member(&left));
    }
}
