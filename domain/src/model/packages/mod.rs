//! Access packages and their policies.
//!
//! Two shapes of the same thing: a *draft* is what the wizard edits (text exactly as typed,
//! so nothing is lost while the admin moves between tabs), a *spec* is what the domain stores
//! (validated, typed). `PolicyDraft::validate` turns one into the other and reports every
//! problem against the field — and so the wizard tab — it belongs to.

use super::*;
use chrono::{Days, NaiveDate};
use uuid::Uuid;

str_enum!(
    /// Who may request under a policy (Graph `allowedTargetScope`).
    TargetScope {
        SpecificDirectoryUsers = "specificDirectoryUsers" / "Specific users and groups",
        AllMemberUsers = "allMemberUsers" / "All members (excluding guests)",
        AllDirectoryUsers = "allDirectoryUsers" / "All users (including guests)",
        NotSpecified = "notSpecified" / "None (administrator direct assignments only)",
    }
);

str_enum!(ResourceRole { Member = "member" / "Member", Owner = "owner" / "Owner" });

str_enum!(
    ExpiryKind {
        OnDate = "onDate" / "On date",
        Days = "days" / "Number of days",
        Hours = "hours" / "Number of hours",
        Never = "never" / "Never",
    }
);

str_enum!(
    ReviewFrequency {
        Annually = "annually" / "Annually",
        BiAnnually = "biannually" / "Bi-annually",
        Quarterly = "quarterly" / "Quarterly",
        Monthly = "monthly" / "Monthly",
    }
);

str_enum!(
    ReviewerKind {
        SelfReview = "self" / "Self-review",
        Specific = "specific" / "Specific reviewer(s)",
        Manager = "manager" / "Manager",
    }
);

str_enum!(
    NoResponse {
        NoChange = "noChange" / "No change",
        RemoveAccess = "removeAccess" / "Remove access",
        TakeRecommendations = "takeRecommendations" / "Take recommendations",
    }
);

str_enum!(
    AnswerFormat {
        ShortText = "short" / "Short text",
        LongText = "long" / "Long text",
        MultipleChoice = "choice" / "Multiple choice",
    }
);

str_enum!(PrincipalKind { User = "user" / "User", Group = "group" / "Group" });

str_enum!(
    /// The wizard's tabs, in order.
    WizardTab {
        Basics = "basics" / "Basics",
        ResourceRoles = "resources" / "Resource roles",
        Requests = "requests" / "Requests",
        RequestorInformation = "requestor" / "Requestor information",
        Lifecycle = "lifecycle" / "Lifecycle",
        Review = "review" / "Review + Create",
    }
);

impl WizardTab {
    /// The tab holding the field a problem is reported against.
    pub fn of_field(field: &str) -> WizardTab {
        let head = field.split('.').next().unwrap_or(field);
        match head {
            "name" | "description" | "catalog" | "hidden" => WizardTab::Basics,
            "resources" => WizardTab::ResourceRoles,
            "questions" => WizardTab::RequestorInformation,
            h if h.starts_with("expiry")
                || h.starts_with("review")
                || h.starts_with("extension")
                || h == "timeline" =>
            {
                WizardTab::Lifecycle
            }
            _ => WizardTab::Requests,
        }
    }

    pub fn next(self) -> Option<WizardTab> {
        let i = WizardTab::ALL.iter().position(|t| *t == self)?;
        WizardTab::ALL.get(i + 1).copied()
    }

    pub fn previous(self) -> Option<WizardTab> {
        let i = WizardTab::ALL.iter().position(|t| *t == self)?;
        i.checked_sub(1)
            .and_then(|i| WizardTab::ALL.get(i).copied())
    }
}

impl ReviewFrequency {
    /// Days between two reviews of the series (calendar-free, as every duration here).
    pub fn period_days(self) -> u32 {
        match self {
            ReviewFrequency::Annually => 365,
            ReviewFrequency::BiAnnually => 182,
            ReviewFrequency::Quarterly => 91,
            ReviewFrequency::Monthly => 30,
        }
    }

    /// The longest a review may stay open: it must end before the next one starts, and a
    /// monthly review must fit into the shortest month.
    pub fn max_duration_days(self) -> u32 {
        match self {
            ReviewFrequency::Monthly => 28,
            other => other.period_days() - 1,
        }
    }
}

/// Bounds that protect the server and keep the product's own limits.
pub mod limits {
    /// The least a policy's day or hour count may be (decision days, forwarding, expiry, review
    /// duration).
    pub const MIN_PERIOD: u32 = 1;
    pub const MAX_STAGES: usize = 3;
    pub const MAX_DECISION_DAYS: u32 = 14;
    /// Forwarding to alternate approvers needs a decision window at least this long.
    pub const MIN_DAYS_FOR_FORWARD: u32 = 4;
    pub const MAX_PRINCIPALS: usize = 50;
    pub const MAX_SCOPE_PRINCIPALS: usize = 200;
    pub const MAX_QUESTIONS: usize = 20;
    pub const MAX_QUESTION_CHARS: usize = 500;
    pub const MAX_CHOICES: usize = 30;
    pub const MAX_CHOICE_CHARS: usize = 200;
    pub const MAX_PATTERN_CHARS: usize = 500;
    pub const MAX_EXPIRY_DAYS: u32 = 3660;
    pub const MAX_EXPIRY_HOURS: u32 = 3660 * 24;
    pub const MAX_RESOURCE_ROLES: usize = 50;
    pub const MAX_POLICIES: usize = 10;
}
use limits::*;

mod drafts;
mod policy_checks;
mod specs;
mod validate;
mod views;

pub use drafts::*;
pub use specs::*;
pub use validate::*;
pub use views::*;

#[cfg(test)]
mod tests;
