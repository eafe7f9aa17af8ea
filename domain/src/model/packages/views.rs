//! Packages as pages show them: lists, details, the wizard's context, the portal.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageSummary {
    pub id: AccessPackageId,
    pub name: String,
    pub description: String,
    pub catalog_id: CatalogId,
    pub catalog_name: String,
    pub hidden: bool,
    pub policies: i64,
    pub assignments: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Moves with every change to the package, its policies, roles or incompatibilities: an
    /// edit made from an older version is refused (the API's ETag).
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRoleView {
    pub group_id: GroupId,
    pub group_name: String,
    pub group_kind: GroupKind,
    pub role: ResourceRole,
    pub licenses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    pub id: PolicyId,
    pub name: String,
    pub description: String,
    pub spec: PolicySpec,
    /// The same policy in the editor's shape, with current names.
    pub draft: PolicyDraft,
    pub active_assignments: i64,
    /// Moves with every change to the policy (the API's ETag).
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageDetail {
    pub summary: PackageSummary,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub pending_requests: i64,
    pub resource_roles: Vec<ResourceRoleView>,
    pub policies: Vec<PolicyView>,
    pub incompatible_packages: Vec<NamedRef>,
    pub incompatible_groups: Vec<NamedRef>,
    /// Packages that list this one as incompatible (the "Incompatible With" view).
    pub incompatible_with: Vec<NamedRef>,
    pub can_manage: bool,
    /// May assign directly, remove assignments and cancel requests.
    pub can_assign: bool,
    pub today: NaiveDate,
}

/// What the wizard needs from the server before the admin starts typing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WizardContext {
    pub today: NaiveDate,
    pub catalogs: Vec<NamedRef>,
}

/// The server's verdict on a draft: problems (field → message) and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftCheck {
    pub problems: Vec<FieldError>,
    pub warnings: Vec<(WizardTab, String)>,
}

/// One license a package's group carries, with the seats left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatInfo {
    pub license: String,
    pub seats: i64,
    pub available: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalResource {
    pub group_name: String,
    pub role: ResourceRole,
    pub licenses: Vec<SeatInfo>,
}

/// An access package as the person opening its My Access link sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalPackage {
    pub id: AccessPackageId,
    pub name: String,
    pub description: String,
    pub resources: Vec<PortalResource>,
    /// Names of the policies this person may request under (strongest priority only).
    pub policies: Vec<String>,
    /// Why this person can't request it, when `policies` is empty.
    pub reason: Option<String>,
    /// The policies to request under, with what their form asks.
    pub requestable: Vec<RequestablePolicy>,
    /// The person's open request for this package.
    pub pending_request: Option<RequestId>,
    /// The person already holds the package.
    pub assigned: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestablePolicy {
    pub id: PolicyId,
    pub name: String,
    pub description: String,
    pub requestor_justification: bool,
    pub questions: Vec<Question>,
    /// The requestor may ask for a specific period ("Request for specific period?").
    pub custom_timeline: bool,
    /// How long access lasts under the policy, in words ("365 days", "until 2027-06-30").
    pub lasts: String,
}
