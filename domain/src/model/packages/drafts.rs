//! What the creation wizard edits: package and policy drafts, as typed.

use super::*;

/// A person or a group chosen in a picker; the name is shown on its chip.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub id: Uuid,
    pub name: String,
    /// Email for a person, "Group" for a group.
    pub detail: String,
}

impl Principal {
    pub fn label(&self) -> String {
        if self.detail.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.detail)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDraft {
    pub manager_as_approver: bool,
    pub approvers: Vec<Principal>,
    pub fallback: Vec<Principal>,
    pub decision_days: String,
    pub require_justification: bool,
    pub forward: bool,
    pub alternates: Vec<Principal>,
    pub forward_after_days: String,
}

impl StageDraft {
    /// A new stage: the first asks the manager, later ones need specific approvers.
    pub fn new(first: bool) -> Self {
        Self {
            manager_as_approver: first,
            approvers: vec![],
            fallback: vec![],
            decision_days: MAX_DECISION_DAYS.to_string(),
            require_justification: true,
            forward: false,
            alternates: vec![],
            forward_after_days: "7".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionDraft {
    /// Stable key for the editor's list (not stored).
    pub key: u32,
    pub text: String,
    pub format: AnswerFormat,
    /// Multiple choice: one choice per line.
    pub choices: String,
    pub required: bool,
    pub pattern: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDraft {
    pub required: bool,
    pub starting_on: String,
    pub frequency: ReviewFrequency,
    pub duration_days: String,
    pub reviewers: ReviewerKind,
    pub specific: Vec<Principal>,
    pub fallback: Vec<Principal>,
    pub if_no_response: NoResponse,
    pub decision_helpers: bool,
    pub require_justification: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDraft {
    pub name: String,
    pub description: String,
    pub scope: TargetScope,
    pub specific: Vec<Principal>,
    pub require_approval: bool,
    pub require_requestor_justification: bool,
    pub stages: Vec<StageDraft>,
    pub enabled: bool,
    pub questions: Vec<QuestionDraft>,
    pub expiry_kind: ExpiryKind,
    pub expiry_days: String,
    pub expiry_hours: String,
    pub expiry_date: String,
    pub custom_timeline: bool,
    pub allow_extension: bool,
    pub extension_requires_approval: bool,
    pub review: ReviewDraft,
}

impl PolicyDraft {
    /// The product's defaults; `today` (UTC, from the server) seeds "Starting on".
    pub fn new(today: NaiveDate) -> Self {
        Self {
            name: "Initial policy".into(),
            description: String::new(),
            scope: TargetScope::SpecificDirectoryUsers,
            specific: vec![],
            require_approval: true,
            require_requestor_justification: true,
            stages: vec![StageDraft::new(true)],
            enabled: true,
            questions: vec![],
            expiry_kind: ExpiryKind::Days,
            expiry_days: "365".into(),
            expiry_hours: "8".into(),
            expiry_date: String::new(),
            custom_timeline: false,
            allow_extension: false,
            extension_requires_approval: true,
            review: ReviewDraft {
                required: false,
                starting_on: today.format("%Y-%m-%d").to_string(),
                frequency: ReviewFrequency::Annually,
                duration_days: "25".into(),
                reviewers: ReviewerKind::SelfReview,
                specific: vec![],
                fallback: vec![],
                if_no_response: NoResponse::NoChange,
                decision_helpers: true,
                require_justification: true,
            },
        }
    }

    /// Sets "How many stages", keeping what was typed into the stages that remain.
    pub fn set_stage_count(&mut self, n: usize) {
        let n = n.clamp(1, MAX_STAGES);
        while self.stages.len() < n {
            let first = self.stages.is_empty();
            self.stages.push(StageDraft::new(first));
        }
        self.stages.truncate(n);
    }

    pub fn asks_requests(&self) -> bool {
        self.scope != TargetScope::NotSpecified
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRoleDraft {
    pub group_id: GroupId,
    pub group_name: String,
    pub role: ResourceRole,
}

/// Everything the creation wizard collects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageDraft {
    pub name: String,
    pub description: String,
    pub catalog_id: String,
    pub hidden: bool,
    pub resources: Vec<ResourceRoleDraft>,
    pub policy: PolicyDraft,
}

impl PackageDraft {
    pub fn new(today: NaiveDate) -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            catalog_id: CatalogId::GENERAL.to_string(),
            hidden: false,
            resources: vec![],
            policy: PolicyDraft::new(today),
        }
    }
}

// ---------------------------------------------------------------- specs
