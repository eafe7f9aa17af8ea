//! The directory as people see it: who is signed in, users, groups, licenses.

use super::*;
use crate::rules::grants::GrantSource;
use chrono::{DateTime, Utc};

/// The signed-in person and what they may do. Resolved on every request by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub user_type: UserType,
    pub roles: Vec<DirectoryRole>,
    pub catalog_roles: Vec<(CatalogId, CatalogRole)>,
}

impl Actor {
    pub fn is_guest(&self) -> bool {
        self.user_type == UserType::Guest
    }

    pub fn has_role(&self, role: DirectoryRole) -> bool {
        !self.is_guest() && self.roles.contains(&role)
    }

    pub fn has_catalog_role(&self, catalog: CatalogId, role: CatalogRole) -> bool {
        !self.is_guest() && self.catalog_roles.contains(&(catalog, role))
    }

    /// Guests are guests everywhere: no role opens the admin console to them.
    pub fn can_open_admin(&self) -> bool {
        !self.is_guest() && (!self.roles.is_empty() || !self.catalog_roles.is_empty())
    }

    /// The built-in directory is run by the tenant-wide administrators.
    pub fn can_manage_directory(&self) -> bool {
        self.has_role(DirectoryRole::GlobalAdministrator)
            || self.has_role(DirectoryRole::IdentityGovernanceAdministrator)
            || self.has_role(DirectoryRole::UserAdministrator)
    }

    /// Connected systems hold credentials to the organisation's directories: only the
    /// tenant-wide administrators of governance configure them (not User Administrators).
    pub fn can_manage_connectors(&self) -> bool {
        self.has_role(DirectoryRole::GlobalAdministrator)
            || self.has_role(DirectoryRole::IdentityGovernanceAdministrator)
    }

    pub fn can_read_directory(&self) -> bool {
        self.can_manage_directory()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub user_type: UserType,
    pub department: String,
    pub job_title: String,
    pub enabled: bool,
    /// A service account: scripts act as it with API tokens; it cannot sign in.
    pub service_account: bool,
    pub manager: Option<UserRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LicenseState {
    Active,
    /// More people hold the license than it has seats: this person is beyond the count.
    CountViolation,
}

impl LicenseState {
    pub fn label(self) -> &'static str {
        match self {
            LicenseState::Active => "Active",
            LicenseState::CountViolation => "Error: not enough licenses (CountViolation)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub group_id: GroupId,
    pub group_name: String,
    pub sources: Vec<GrantSource>,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLicense {
    pub license_id: LicenseId,
    pub name: String,
    pub via_groups: Vec<String>,
    pub state: LicenseState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: UserSummary,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub roles: Vec<DirectoryRole>,
    pub direct_reports: Vec<UserRef>,
    pub memberships: Vec<Membership>,
    pub licenses: Vec<UserLicense>,
}

/// What an admin types to create or edit a user; every field raw, parsed by the domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserForm {
    pub email: String,
    pub display_name: String,
    pub user_type: String,
    pub manager_email: String,
    pub department: String,
    pub job_title: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUser {
    pub email: Email,
    pub display_name: DisplayName,
    pub user_type: UserType,
    pub manager_email: Option<Email>,
    pub department: Department,
    pub job_title: JobTitle,
    pub enabled: bool,
}

impl UserForm {
    /// Every field is checked; all problems are reported together.
    pub fn parse(&self) -> Result<ValidUser, Vec<FieldError>> {
        let mut p = Problems::default();
        let email = p.check("email", Email::parse(&self.email));
        let display_name = p.check("display_name", DisplayName::parse(&self.display_name));
        let user_type = p.check(
            "user_type",
            UserType::parse(if self.user_type.trim().is_empty() {
                "member"
            } else {
                &self.user_type
            })
            .map_err(|_| "Type must be member or guest.".to_string()),
        );
        let manager_email = if self.manager_email.trim().is_empty() {
            Some(None)
        } else {
            p.check(
                "manager_email",
                Email::parse(&self.manager_email)
                    .map(Some)
                    .map_err(|e| e.replace("Email", "Manager email")),
            )
        };
        let department = p.check("department", Department::parse(&self.department));
        let job_title = p.check("job_title", JobTitle::parse(&self.job_title));
        if let (Some(e), Some(Some(m))) = (&email, &manager_email)
            && e == m
        {
            p.push("manager_email", "A person cannot be their own manager.");
        }
        match (
            email,
            display_name,
            user_type,
            manager_email,
            department,
            job_title,
        ) {
            (
                Some(email),
                Some(display_name),
                Some(user_type),
                Some(manager_email),
                Some(department),
                Some(job_title),
            ) if p.0.is_empty() => Ok(ValidUser {
                email,
                display_name,
                user_type,
                manager_email,
                department,
                job_title,
                enabled: self.enabled,
            }),
            _ => Err(p.0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: GroupId,
    pub name: String,
    pub description: String,
    pub kind: GroupKind,
    pub member_count: i64,
    pub licenses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    pub user: UserRef,
    pub sources: Vec<GrantSource>,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseRef {
    pub id: LicenseId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetail {
    pub group: GroupSummary,
    pub owners: Vec<UserRef>,
    pub members: Page<GroupMember>,
    pub licenses: Vec<LicenseRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseSummary {
    pub id: LicenseId,
    pub name: String,
    pub seats: i64,
    pub usage: crate::rules::licenses::SeatUsage,
    pub groups: Vec<(GroupId, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseDetail {
    pub license: LicenseSummary,
    /// The people beyond the seat count, in the order they would get a freed seat.
    pub violations: Vec<UserRef>,
}

/// One line of a CSV import that failed, with every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLineError {
    pub line: usize,
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportOutcome {
    Imported { created: usize, updated: usize },
    Rejected { lines: Vec<ImportLineError> },
}

/// Counts for the admin landing page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryCounts {
    pub users: i64,
    pub guests: i64,
    pub groups: i64,
    pub licenses: i64,
    pub license_errors: i64,
    /// Memberships a connected system refused or could not be reached for; `None` for
    /// someone who may not see connected systems.
    pub failed_deliveries: Option<i64>,
    /// Webhook events that failed (retried or given up), for those who manage webhooks.
    pub failed_webhooks: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> UserForm {
        UserForm {
            email: "Eric.Employee@woodgrove.example".into(),
            display_name: "Eric Employee".into(),
            user_type: "member".into(),
            manager_email: "maria.manager@woodgrove.example".into(),
            department: "Sales".into(),
            job_title: "".into(),
            enabled: true,
        }
    }

    #[test]
    fn a_valid_user_form_parses() {
        let v = form().parse();
        assert!(
            matches!(v, Ok(ValidUser { ref email, .. }) if email.as_str() == "eric.employee@woodgrove.example")
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let f = UserForm {
            email: "nope".into(),
            display_name: " ".into(),
            user_type: "boss".into(),
            ..form()
        };
        let errs = f.parse().err().unwrap_or_default();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "display_name", "user_type"]);
    }

    #[test]
    fn nobody_manages_themselves() {
        let f = UserForm {
            manager_email: "ERIC.employee@woodgrove.example".into(),
            ..form()
        };
        assert_eq!(
            f.parse().err().map(|e| e[0].field.clone()),
            Some("manager_email".into())
        );
    }

    #[test]
    fn guests_never_open_the_admin_console() {
        let guest = Actor {
            user_id: UserId(uuid::Uuid::nil()),
            display_name: "Gus".into(),
            email: "gus@partner.example".into(),
            user_type: UserType::Guest,
            roles: vec![DirectoryRole::GlobalAdministrator],
            catalog_roles: vec![],
        };
        assert!(!guest.can_open_admin());
        assert!(!guest.can_manage_directory());
        let member = Actor {
            user_type: UserType::Member,
            ..guest.clone()
        };
        assert!(member.can_open_admin() && member.can_manage_directory());
        let plain = Actor {
            roles: vec![],
            ..member
        };
        assert!(!plain.can_open_admin() && !plain.can_read_directory());
    }

    #[test]
    fn a_user_administrator_manages_people_not_entitlements() {
        let users_admin = Actor {
            user_id: UserId(uuid::Uuid::nil()),
            display_name: "Uma".into(),
            email: "uma@woodgrove.example".into(),
            user_type: UserType::Member,
            roles: vec![DirectoryRole::UserAdministrator],
            catalog_roles: vec![],
        };
        let any_catalog = CatalogId(uuid::Uuid::nil());
        assert!(users_admin.can_open_admin() && users_admin.can_manage_directory());
        assert!(!users_admin.is_governance_admin());
        assert!(!users_admin.can_create_catalog());
        assert!(!users_admin.can_read_catalog(any_catalog));
        assert!(!users_admin.can_manage_packages(any_catalog));
        assert!(!users_admin.can_manage_assignments(any_catalog));
    }
}
