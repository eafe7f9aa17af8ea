use super::*;

/// One request as its requestor sees it in the request history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub id: RequestId,
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub state: RequestState,
    pub stage_no: u32,
    pub stage_count: u32,
    pub outcome: String,
    pub justification: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The period asked for ("Request for specific period?"), start and end.
    pub period: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
    pub timeline: Vec<TimelineEntry>,
    /// A delivered request whose access a connected system does not hold yet: Delivering, or
    /// Delivery failed. `None` once every connected system holds it (or none is involved).
    #[serde(default)]
    pub delivery: Option<DeliveryState>,
}

impl RequestSummary {
    /// Where a pending request waits, in words: "Stage 1 of 2", or, once approved and held by
    /// a blocking custom extension, that it waits for that answer; `None` when it is closed.
    pub fn waiting_at(&self) -> Option<String> {
        (self.state == RequestState::PendingApproval).then(|| {
            if self.stage_no > self.stage_count {
                "Approved; waiting for a connected system's answer before delivery".to_owned()
            } else {
                format!("Stage {} of {}", self.stage_no, self.stage_count)
            }
        })
    }
}

/// One request of a package, as its admins list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRequestView {
    pub summary: RequestSummary,
    pub requestor: UserRef,
    /// Made by an administrator's direct assignment rather than asked for.
    pub direct: bool,
}

/// What a "Resubmit" form starts from: the earlier request's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resubmission {
    pub package_id: AccessPackageId,
    pub policy_id: Option<PolicyId>,
    pub justification: String,
    pub answers: Vec<String>,
    pub period: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub kind: String,
    pub text: String,
}

/// An approver's two lists: what waits for their decision, and what they decided before (or
/// could have: decided by another approver, or closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApprovalList {
    Pending,
    History,
}

/// A page of one of an approver's lists, and how many requests wait for them in all (the
/// Pending tab's count, shown on both tabs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalsPage {
    pub items: super::Page<ApprovalItem>,
    pub waiting: i64,
}

/// A request waiting for (or decided by) an approver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalItem {
    pub request_id: RequestId,
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub requestor: UserRef,
    pub department: String,
    pub manager: Option<String>,
    pub justification: String,
    pub answers: Vec<(String, String)>,
    pub stage_no: u32,
    pub stage_count: u32,
    pub due_at: chrono::DateTime<chrono::Utc>,
    pub require_justification: bool,
    pub other_approvers: Vec<String>,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub period: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
    /// For history: "approved"/"denied", when, and the reason given.
    pub decision: Option<(StageDecision, chrono::DateTime<chrono::Utc>, String)>,
}

/// One access package card in My Access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAccessCard {
    pub package_id: AccessPackageId,
    pub name: String,
    pub description: String,
    /// What it grants, in words ("Member of Office Licenses").
    pub grants: Vec<String>,
    /// Available, request pending, active or expired (the page shows `label()`).
    pub status: CardStatus,
    /// Active: when the access ends (None: never). Expired: when it ended.
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Problems with what it grants, e.g. a license waiting for a free seat.
    pub warnings: Vec<String>,
    /// Active: the policy lets the person extend it (with approval when `Some(true)`).
    pub extension: Option<bool>,
}

/// One assignment of a package, as admins list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentView {
    pub id: AssignmentId,
    pub user: UserRef,
    pub state: AssignmentState,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    pub policy: Option<String>,
    /// A live assignment whose grants a connected system does not hold yet (Delivering,
    /// Delivery failed, Partially delivered); `None` when they are all there or none is
    /// delivered anywhere.
    #[serde(default)]
    pub delivery: Option<DeliveryState>,
}
