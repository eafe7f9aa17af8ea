//! Access reviews as reviewers and administrators see them.

use super::{
    AccessPackageId, AssignmentId, ReviewDecision, ReviewId, ReviewResult, ReviewState, UserRef,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One person's access under review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItemView {
    pub assignment_id: AssignmentId,
    pub person: UserRef,
    /// "approve" or "deny", with the reason (shown when decision helpers are on).
    pub recommendation: Option<(ReviewDecision, String)>,
    /// "approve", "deny", "dontKnow", or `None` while not reviewed.
    pub decision: Option<ReviewDecision>,
    pub justification: String,
    /// Who decided last, and when.
    pub decided: Option<(String, DateTime<Utc>)>,
    /// After the review: "kept" or "removed".
    pub result: Option<ReviewResult>,
}

/// A review a person takes part in, with the items they decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCard {
    pub id: ReviewId,
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub require_justification: bool,
    pub decision_helpers: bool,
    /// Items shown, and how many of them are decided.
    pub items: Vec<ReviewItemView>,
    pub decided: i64,
    pub total: i64,
}

/// One review of a package's series, for administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInstance {
    pub id: ReviewId,
    pub policy_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// "active" or "completed".
    pub state: ReviewState,
    pub if_no_response: String,
    pub total: i64,
    pub approved: i64,
    pub denied: i64,
    pub dont_know: i64,
    pub kept: i64,
    pub removed: i64,
    /// Who stopped it early.
    pub stopped_by: Option<String>,
}

impl ReviewInstance {
    pub fn undecided(&self) -> i64 {
        self.total - self.approved - self.denied - self.dont_know
    }

    /// Decided share, 0–100.
    pub fn progress(&self) -> i64 {
        if self.total == 0 {
            100
        } else {
            (self.approved + self.denied + self.dont_know) * 100 / self.total
        }
    }
}
