//! Personal API tokens (issue 17): what a script holds to call `/api/v1` as its person,
//! narrowed by the token's scope.

use super::{Actor, CatalogId, CatalogRole, FieldError, NamedRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

str_enum!(
    #[codes]
    /// What a token may do: read (GET) only, or read and change.
    TokenScope {
        Read = "read" / "Read only",
        ReadWrite = "read_write" / "Read and write",
    }
);

/// A token as its owner's list shows it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub scope: TokenScope,
    /// Only this catalog; `None` for everything the person may reach.
    pub catalog: Option<(CatalogId, String)>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Neither revoked nor expired at `now`.
    pub fn live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// A token just created: the secret is shown this once and stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub id: String,
    pub name: String,
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

/// What the account page's "API tokens" section shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokensView {
    pub tokens: Vec<ApiToken>,
    /// The catalogs a token may be limited to (those the person has a role in).
    pub catalogs: Vec<NamedRef>,
    pub now: DateTime<Utc>,
}

/// What the "New token" form (or `tessera api-token create`) asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenForm {
    pub name: String,
    pub scope: String,
    /// Days until it expires, as typed ("" for the default).
    pub days: String,
    /// A catalog id, or "" for every catalog.
    pub catalog: String,
}

/// Prefix of every API token's secret, so that a leaked one is recognisable in logs and
/// secret scanners.
pub const API_TOKEN_PREFIX: &str = "tsr_";
/// Longest name of a token.
pub const MAX_API_TOKEN_NAME_CHARS: usize = 80;
/// Live tokens one person may hold.
pub const MAX_API_TOKENS: i64 = 20;
/// Days a token lives unless its owner says otherwise, and at most.
pub const DEFAULT_API_TOKEN_DAYS: i64 = 90;
pub const MAX_API_TOKEN_DAYS: i64 = 365;

/// The form, checked: (name, scope, days, catalog), or every field's problem.
pub fn check_api_token_form(
    form: &ApiTokenForm,
) -> Result<(String, TokenScope, i64, Option<CatalogId>), Vec<FieldError>> {
    let mut problems = Vec::new();
    let name = form.name.trim();
    if name.is_empty() {
        problems.push(FieldError::new(
            "name",
            "Name the token after what will use it (for example \"HR onboarding script\").",
        ));
    } else if name.chars().count() > MAX_API_TOKEN_NAME_CHARS || name.chars().any(char::is_control)
    {
        problems.push(FieldError::new(
            "name",
            format!(
                "The name must be at most {MAX_API_TOKEN_NAME_CHARS} characters, without control characters."
            ),
        ));
    }
    let scope = match form.scope.trim() {
        "" => Some(TokenScope::Read),
        s => TokenScope::parse(s).ok(),
    };
    if scope.is_none() {
        problems.push(FieldError::new(
            "scope",
            "Choose Read only or Read and write.",
        ));
    }
    let days = match form.days.trim() {
        "" => Some(DEFAULT_API_TOKEN_DAYS),
        d => d
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=MAX_API_TOKEN_DAYS).contains(d)),
    };
    if days.is_none() {
        problems.push(FieldError::new(
            "days",
            format!("Enter a whole number of days from 1 to {MAX_API_TOKEN_DAYS}."),
        ));
    }
    let catalog = match form.catalog.trim() {
        "" => Some(None),
        c => CatalogId::parse(c).ok().map(Some),
    };
    if catalog.is_none() {
        problems.push(FieldError::new(
            "catalog",
            "Choose a catalog from the list.",
        ));
    }
    match (scope, days, catalog) {
        (Some(scope), Some(days), Some(catalog)) if problems.is_empty() => {
            Ok((name.to_owned(), scope, days, catalog))
        }
        _ => Err(problems),
    }
}

/// The person as a token limited to `catalog` sees them: their roles in that catalog only,
/// and a tenant-wide governance role (Global or Identity Governance Administrator) as that
/// catalog's owner. Every other directory role is dropped, so such a token reaches nothing
/// outside the catalog but the person's own requests, approvals and reviews.
pub fn narrow_to_catalog(actor: &Actor, catalog: CatalogId) -> Actor {
    let mut catalog_roles: Vec<(CatalogId, CatalogRole)> = actor
        .catalog_roles
        .iter()
        .filter(|(c, _)| *c == catalog)
        .copied()
        .collect();
    if actor.is_governance_admin() && !catalog_roles.contains(&(catalog, CatalogRole::CatalogOwner))
    {
        catalog_roles.push((catalog, CatalogRole::CatalogOwner));
    }
    Actor {
        roles: Vec::new(),
        catalog_roles,
        ..actor.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DirectoryRole, UserId, UserType};

    fn form(name: &str, scope: &str, days: &str, catalog: &str) -> ApiTokenForm {
        ApiTokenForm {
            name: name.into(),
            scope: scope.into(),
            days: days.into(),
            catalog: catalog.into(),
        }
    }

    fn fields(
        r: Result<(String, TokenScope, i64, Option<CatalogId>), Vec<FieldError>>,
    ) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_form_takes_defaults_and_refuses_each_bad_field_by_name() {
        assert_eq!(
            check_api_token_form(&form(" HR script ", "", "", "")),
            Ok((
                "HR script".into(),
                TokenScope::Read,
                DEFAULT_API_TOKEN_DAYS,
                None
            ))
        );
        assert_eq!(
            check_api_token_form(&form("x", "read_write", "365", "")).map(|t| (t.1, t.2)),
            Ok((TokenScope::ReadWrite, 365))
        );
        assert_eq!(
            fields(check_api_token_form(&form("", "admin", "0", "nope"))),
            ["name", "scope", "days", "catalog"]
        );
        assert_eq!(
            fields(check_api_token_form(&form("x", "read", "366", ""))),
            ["days"]
        );
        assert_eq!(
            fields(check_api_token_form(&form("x", "read", "ten", ""))),
            ["days"]
        );
        assert_eq!(
            fields(check_api_token_form(&form(
                &"x".repeat(81),
                "read",
                "1",
                ""
            ))),
            ["name"]
        );
        assert_eq!(
            fields(check_api_token_form(&form("a\u{7}b", "read", "1", ""))),
            ["name"]
        );
    }

    fn actor(roles: Vec<DirectoryRole>, catalog_roles: Vec<(CatalogId, CatalogRole)>) -> Actor {
        Actor {
            user_id: UserId(uuid::Uuid::from_u128(3)),
            display_name: "A".into(),
            email: "a@example.com".into(),
            user_type: UserType::Member,
            roles,
            catalog_roles,
        }
    }

    #[test]
    fn a_catalog_token_reaches_that_catalog_only() {
        let (mine, other) = (
            CatalogId(uuid::Uuid::from_u128(1)),
            CatalogId(uuid::Uuid::from_u128(2)),
        );
        let manager = actor(
            vec![DirectoryRole::UserAdministrator],
            vec![
                (mine, CatalogRole::AccessPackageManager),
                (other, CatalogRole::CatalogOwner),
            ],
        );
        let narrowed = narrow_to_catalog(&manager, mine);
        assert!(narrowed.roles.is_empty(), "directory roles are dropped");
        assert!(narrowed.can_manage_packages(mine));
        assert!(!narrowed.can_read_catalog(other));
        assert!(!narrowed.can_manage_directory());

        let admin = actor(vec![DirectoryRole::IdentityGovernanceAdministrator], vec![]);
        let narrowed = narrow_to_catalog(&admin, mine);
        assert!(!narrowed.is_governance_admin());
        assert!(narrowed.can_manage_catalog(mine));
        assert!(!narrowed.can_read_catalog(other));
        assert_eq!(narrowed.user_id, admin.user_id);

        let nobody = actor(vec![DirectoryRole::CatalogCreator], vec![]);
        let narrowed = narrow_to_catalog(&nobody, mine);
        assert!(!narrowed.can_read_catalog(mine));
        assert!(!narrowed.can_create_catalog());
    }
}
