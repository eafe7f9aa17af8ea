//! The audit log as admins read it, and what a chain verification found.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its place in the tamper-evident chain.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// (display name, email) of who did it; `None` for the system (jobs).
    pub actor: Option<(String, String)>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub summary: String,
    /// JSON as recorded ("" when none).
    pub before: String,
    pub after: String,
    /// The HTTP request (the server's own X-Request-Id) or job run that wrote it ("" for the
    /// command line).
    pub request_id: String,
    /// The X-Request-Id the caller sent, if any (its own, unchecked label).
    pub caller_request_id: String,
}

/// What the audit page filters by; empty fields don't filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Part of the actor's email.
    pub actor: String,
    /// An action ("request.approved") or a category ("request").
    pub action: String,
    /// Part of the target's id, the summary or the recorded values (a package or person name).
    pub target: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The categories of actions the filter offers.
pub const AUDIT_CATEGORIES: &[(&str, &str)] = &[
    ("request", "Requests"),
    ("assignment", "Assignments"),
    ("review", "Access reviews"),
    ("access_package", "Access packages"),
    ("catalog", "Catalogs"),
    ("group", "Groups"),
    ("user", "Users"),
    ("license", "Licenses"),
];

/// The result of walking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChainCheck {
    /// Every link holds: this many events, the last hash.
    Intact { events: i64, head: String },
    /// The first broken link: at which place, and what is wrong there.
    Broken { seq: i64, reason: String },
}

/// An email that failed or waits to be retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailProblem {
    pub to: String,
    pub title: String,
    pub attempts: i64,
    /// Pending (will be retried) or failed (given up).
    pub state: super::EmailState,
    pub error: String,
    pub created_at: DateTime<Utc>,
}

/// A job item waiting for another attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    pub job: String,
    pub item: String,
    pub attempts: i64,
    pub next_at: DateTime<Utc>,
    pub error: String,
}

/// Email delivery and failing background work, for administrators.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxStatus {
    /// Emails per state: pending, sending, sent, failed, stale.
    pub counts: Vec<(super::EmailState, i64)>,
    pub problems: Vec<EmailProblem>,
    pub failures: Vec<JobFailure>,
}

/// The audit page counts matching events up to this many ("more than" beyond).
pub const AUDIT_COUNT_CAP: i64 = 10_000;
