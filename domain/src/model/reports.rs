//! Reports for auditors (issue 18): who has access to what, and why.

use super::*;
use crate::rules::grants::GrantSource;
use chrono::{DateTime, Utc};

/// One decision on a request's stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailDecision {
    pub stage_no: u32,
    pub decision: StageDecision,
    /// Who decided (none: the stage expired, or its decider has left the directory).
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub justification: String,
}

/// The request that gave (or extended) an assignment, with its approvals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestTrail {
    pub request_id: RequestId,
    pub kind: RequestKind,
    pub submitted_at: DateTime<Utc>,
    /// Who asked: the person themself, or the administrator who assigned it directly.
    pub by: String,
    pub justification: String,
    pub decisions: Vec<TrailDecision>,
}

/// An access package a person holds, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldPackage {
    pub assignment_id: AssignmentId,
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub catalog_name: String,
    pub state: AssignmentState,
    pub since: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    /// The requests behind it, oldest first; empty when it was loaded without one.
    pub requests: Vec<RequestTrail>,
}

/// Where a group membership comes from, in words ("Direct", "Access package Sales Tools"):
/// the package by name when `packages` holds its assignment. The report's page and its CSV
/// both say it so.
pub fn source_words(source: &GrantSource, packages: &[HeldPackage]) -> String {
    match source {
        GrantSource::Assignment(a) => packages
            .iter()
            .find(|p| p.assignment_id.0 == *a)
            .map(|p| format!("Access package {}", p.package_name))
            .unwrap_or_else(|| source.label()),
        other => other.label(),
    }
}

/// "Access of a person": every access package, group and license they hold, since when,
/// until when, and through which request and approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonAccess {
    pub person: UserSummary,
    pub packages: Vec<HeldPackage>,
    pub groups: Vec<Membership>,
    pub licenses: Vec<UserLicense>,
}

/// Why someone holds a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HoldingReason {
    /// An administrator added them (or an import did).
    Direct,
    /// The organisation's directory pushed it through SCIM.
    Scim,
    /// The directory import read it from LDAP.
    Import,
    /// An access package's assignment delivered it.
    Package(HeldPackage),
}

/// Someone who holds a group, and every reason they do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub person: UserRef,
    pub since: DateTime<Utc>,
    pub reasons: Vec<HoldingReason>,
}

/// "Access to a resource": a page of everyone who holds a group (and the licenses it
/// carries), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceAccess {
    pub group: GroupSummary,
    pub licenses: Vec<LicenseRef>,
    pub holders: Page<Holder>,
}
