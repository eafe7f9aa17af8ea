//! Catalogs: containers of resources and access packages, with their own delegated roles.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogSummary {
    pub id: CatalogId,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub built_in: bool,
    pub packages: i64,
    pub resources: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogResource {
    pub group_id: GroupId,
    pub name: String,
    pub kind: GroupKind,
    /// How many of the catalog's access packages use this group.
    pub used_by: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogRoleHolder {
    pub role: CatalogRole,
    pub user: UserRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogDetail {
    pub summary: CatalogSummary,
    pub resources: Vec<CatalogResource>,
    pub roles: Vec<CatalogRoleHolder>,
    pub packages: Vec<NamedRef>,
    pub can_manage: bool,
}

/// What an admin may do in one catalog. Tenant-wide governance administrators may do all of
/// it everywhere; catalog roles act only inside their catalog; guests never get any of it.
impl Actor {
    /// Global and Identity Governance Administrators. A User Administrator manages people,
    /// not catalogs, packages or the audit log (as in the product we follow).
    pub fn is_governance_admin(&self) -> bool {
        self.has_role(DirectoryRole::GlobalAdministrator)
            || self.has_role(DirectoryRole::IdentityGovernanceAdministrator)
    }

    pub fn can_create_catalog(&self) -> bool {
        self.is_governance_admin() || self.has_role(DirectoryRole::CatalogCreator)
    }

    fn any_catalog_role(&self, c: CatalogId, roles: &[CatalogRole]) -> bool {
        roles.iter().any(|r| self.has_catalog_role(c, *r))
    }

    /// See the catalog, its resources and packages.
    pub fn can_read_catalog(&self, c: CatalogId) -> bool {
        self.is_governance_admin() || self.any_catalog_role(c, CatalogRole::ALL)
    }

    /// Rename, enable, delete the catalog; add and remove resources; assign catalog roles.
    pub fn can_manage_catalog(&self, c: CatalogId) -> bool {
        self.is_governance_admin() || self.has_catalog_role(c, CatalogRole::CatalogOwner)
    }

    /// Create, edit and delete the catalog's access packages and their policies.
    pub fn can_manage_packages(&self, c: CatalogId) -> bool {
        self.is_governance_admin()
            || self.any_catalog_role(
                c,
                &[CatalogRole::CatalogOwner, CatalogRole::AccessPackageManager],
            )
    }

    /// Assign and remove people directly, view and cancel requests.
    pub fn can_manage_assignments(&self, c: CatalogId) -> bool {
        self.can_manage_packages(c)
            || self.has_catalog_role(c, CatalogRole::AccessPackageAssignmentManager)
    }

    /// Catalogs where this person holds any role (empty for governance admins: they see all).
    pub fn catalogs_with_roles(&self) -> Vec<CatalogId> {
        let mut ids: Vec<CatalogId> = self.catalog_roles.iter().map(|(c, _)| *c).collect();
        ids.sort();
        ids.dedup();
        ids
    }
}
