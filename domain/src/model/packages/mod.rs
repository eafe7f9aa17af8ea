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

fn names(list: &[Principal]) -> String {
    list.iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

// ---------------------------------------------------------------- drafts

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ApproverSpec {
    Manager,
    Specific { approvers: Vec<Principal> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    pub alternates: Vec<Principal>,
    pub after_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub approver: ApproverSpec,
    pub fallback: Vec<Principal>,
    pub decision_days: u32,
    pub require_justification: bool,
    pub forward: Option<Forward>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub text: String,
    pub format: AnswerFormat,
    pub choices: Vec<String>,
    pub required: bool,
    pub pattern: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Expiry {
    Never,
    Days(u32),
    Hours(u32),
    OnDate(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSpec {
    pub starting_on: NaiveDate,
    pub frequency: ReviewFrequency,
    pub duration_days: u32,
    pub reviewers: ReviewerKind,
    pub specific: Vec<Principal>,
    pub fallback: Vec<Principal>,
    pub if_no_response: NoResponse,
    pub decision_helpers: bool,
    pub require_justification: bool,
}

/// A validated policy, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySpec {
    pub scope: TargetScope,
    pub specific: Vec<Principal>,
    pub requestor_justification: bool,
    /// `None`: requests are granted without approval.
    pub stages: Option<Vec<Stage>>,
    pub enabled: bool,
    pub questions: Vec<Question>,
    pub expiry: Expiry,
    pub custom_timeline: bool,
    /// `Some(requires_approval)` when people may extend their access.
    pub extension: Option<bool>,
    pub review: Option<ReviewSpec>,
}

impl PolicySpec {
    /// Every principal the policy names, so the store can refresh their names in one query.
    pub fn principals_mut(&mut self) -> Vec<&mut Principal> {
        let mut all: Vec<&mut Principal> = self.specific.iter_mut().collect();
        for s in self.stages.iter_mut().flatten() {
            if let ApproverSpec::Specific { approvers } = &mut s.approver {
                all.extend(approvers.iter_mut());
            }
            all.extend(s.fallback.iter_mut());
            if let Some(f) = &mut s.forward {
                all.extend(f.alternates.iter_mut());
            }
        }
        if let Some(r) = &mut self.review {
            all.extend(r.specific.iter_mut());
            all.extend(r.fallback.iter_mut());
        }
        all
    }

    /// Back to the editor's shape (for "Edit policy").
    pub fn to_draft(&self, name: &str, description: &str, today: NaiveDate) -> PolicyDraft {
        let mut d = PolicyDraft::new(today);
        d.name = name.to_owned();
        d.description = description.to_owned();
        d.scope = self.scope;
        d.specific = self.specific.clone();
        d.require_requestor_justification = self.requestor_justification;
        d.require_approval = self.stages.is_some();
        if let Some(stages) = &self.stages {
            d.stages = stages
                .iter()
                .map(|s| StageDraft {
                    manager_as_approver: s.approver == ApproverSpec::Manager,
                    approvers: match &s.approver {
                        ApproverSpec::Specific { approvers } => approvers.clone(),
                        ApproverSpec::Manager => vec![],
                    },
                    fallback: s.fallback.clone(),
                    decision_days: s.decision_days.to_string(),
                    require_justification: s.require_justification,
                    forward: s.forward.is_some(),
                    alternates: s
                        .forward
                        .as_ref()
                        .map(|f| f.alternates.clone())
                        .unwrap_or_default(),
                    forward_after_days: s
                        .forward
                        .as_ref()
                        .map(|f| f.after_days.to_string())
                        .unwrap_or_else(|| "7".into()),
                })
                .collect();
        }
        d.enabled = self.enabled;
        d.questions = self
            .questions
            .iter()
            .zip(0u32..)
            .map(|(q, key)| QuestionDraft {
                key,
                text: q.text.clone(),
                format: q.format,
                choices: q.choices.join("\n"),
                required: q.required,
                pattern: q.pattern.clone().unwrap_or_default(),
            })
            .collect();
        match self.expiry {
            Expiry::Never => d.expiry_kind = ExpiryKind::Never,
            Expiry::Days(n) => {
                d.expiry_kind = ExpiryKind::Days;
                d.expiry_days = n.to_string();
            }
            Expiry::Hours(n) => {
                d.expiry_kind = ExpiryKind::Hours;
                d.expiry_hours = n.to_string();
            }
            Expiry::OnDate(date) => {
                d.expiry_kind = ExpiryKind::OnDate;
                d.expiry_date = date.format("%Y-%m-%d").to_string();
            }
        }
        d.custom_timeline = self.custom_timeline;
        d.allow_extension = self.extension.is_some();
        d.extension_requires_approval = self.extension.unwrap_or(true);
        if let Some(r) = &self.review {
            d.review = ReviewDraft {
                required: true,
                starting_on: r.starting_on.format("%Y-%m-%d").to_string(),
                frequency: r.frequency,
                duration_days: r.duration_days.to_string(),
                reviewers: r.reviewers,
                specific: r.specific.clone(),
                fallback: r.fallback.clone(),
                if_no_response: r.if_no_response,
                decision_helpers: r.decision_helpers,
                require_justification: r.require_justification,
            };
        }
        d
    }
}

// ---------------------------------------------------------------- validation

/// What validation needs to know beyond the draft itself.
#[derive(Debug, Clone, Copy)]
pub struct PolicyCheck {
    pub today: NaiveDate,
    /// The start of an existing review series: it cannot move once created.
    pub fixed_review_start: Option<NaiveDate>,
}

impl PolicyCheck {
    pub fn new(today: NaiveDate) -> Self {
        Self {
            today,
            fixed_review_start: None,
        }
    }
}

fn whole(raw: &str, what: &str, min: u32, max: u32) -> Result<u32, String> {
    let message = || format!("{what} must be a whole number from {min} to {max}.");
    let n: i64 = raw.trim().parse().map_err(|_| message())?;
    if n < i64::from(min) || n > i64::from(max) {
        return Err(message());
    }
    u32::try_from(n).map_err(|_| message())
}

fn date(raw: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{what} must be a date (YYYY-MM-DD)."))
}

fn principals(
    p: &mut Problems,
    field: &str,
    list: &[Principal],
    what: &str,
    required: bool,
    max: usize,
) -> Vec<Principal> {
    if required && list.is_empty() {
        p.push(field, format!("Choose at least one {what}."));
    }
    if list.len() > max {
        p.push(field, format!("Choose at most {max} {what}s."));
    }
    let mut seen = std::collections::HashSet::new();
    if list.iter().any(|x| !seen.insert(x.id)) {
        p.push(field, format!("Each {what} can be chosen only once."));
    }
    list.to_vec()
}

/// Compiles a requestor-information pattern with bounded memory: the one way both saving a
/// policy and checking an answer build it.
#[cfg(feature = "server")]
pub fn compile_pattern(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(256 * 1024)
        .dfa_size_limit(256 * 1024)
        .build()
}

/// Checks a requestor-information pattern. In the browser only its size is checked; the
/// server compiles it (with a size limit) before anything is saved.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(format!(
            "The regular expression must be at most {MAX_PATTERN_CHARS} characters."
        ));
    }
    #[cfg(feature = "server")]
    {
        compile_pattern(pattern).map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                "The regular expression is too complex; simplify it.".to_owned()
            }
            other => format!("The regular expression is not valid: {other}"),
        })?;
    }
    Ok(())
}

impl PolicyDraft {
    /// Validates the whole policy; every problem is pushed against its field.
    pub fn validate(
        &self,
        check: PolicyCheck,
        p: &mut Problems,
    ) -> Option<(PolicyName, PolicyDescription, PolicySpec)> {
        let before = p.0.len();
        let name = p.check("policy_name", PolicyName::parse(&self.name));
        let description = p.check(
            "policy_description",
            PolicyDescription::parse(&self.description),
        );
        let specific = if self.scope == TargetScope::SpecificDirectoryUsers {
            principals(
                p,
                "specific",
                &self.specific,
                "user or group",
                true,
                MAX_SCOPE_PRINCIPALS,
            )
        } else {
            vec![]
        };
        let asks = self.asks_requests();
        let stages = if asks && self.require_approval {
            Some(self.validate_stages(p))
        } else {
            None
        };
        let questions = self.validate_questions(p);
        let expiry = self.validate_expiry(check, p);
        if self.allow_extension && self.expiry_kind == ExpiryKind::Never {
            p.push(
                "extension",
                "Assignments that never expire cannot be extended: choose when they expire, or don't allow extensions.",
            );
        }
        let review = self.validate_review(check, p);
        if p.0.len() > before {
            return None;
        }
        Some((
            name?,
            description?,
            PolicySpec {
                scope: self.scope,
                specific,
                requestor_justification: asks && self.require_requestor_justification,
                stages,
                enabled: self.enabled,
                questions,
                expiry: expiry?,
                custom_timeline: self.custom_timeline,
                extension: self
                    .allow_extension
                    .then_some(self.extension_requires_approval),
                review,
            },
        ))
    }

    fn validate_stages(&self, p: &mut Problems) -> Vec<Stage> {
        if self.stages.is_empty() || self.stages.len() > MAX_STAGES {
            p.push(
                "stages",
                format!("How many stages must be 1 to {MAX_STAGES}."),
            );
        }
        let mut out = Vec::new();
        for (i, s) in self.stages.iter().take(MAX_STAGES).enumerate() {
            let f = |name: &str| format!("stages.{i}.{name}");
            let approver = if s.manager_as_approver {
                if i > 0 {
                    p.push(
                        &f("approvers"),
                        "Manager as approver is only offered in the first stage.",
                    );
                }
                ApproverSpec::Manager
            } else {
                ApproverSpec::Specific {
                    approvers: principals(
                        p,
                        &f("approvers"),
                        &s.approvers,
                        "approver",
                        true,
                        MAX_PRINCIPALS,
                    ),
                }
            };
            let fallback = principals(
                p,
                &f("fallback"),
                &s.fallback,
                "fallback approver",
                false,
                MAX_PRINCIPALS,
            );
            let days = p.check(
                &f("decision_days"),
                whole(
                    &s.decision_days,
                    "Decision must be made in how many days?",
                    1,
                    MAX_DECISION_DAYS,
                ),
            );
            let forward = if s.forward {
                let alternates = principals(
                    p,
                    &f("alternates"),
                    &s.alternates,
                    "alternate approver",
                    true,
                    MAX_PRINCIPALS,
                );
                let after = p.check(
                    &f("forward_after_days"),
                    whole(
                        &s.forward_after_days,
                        "Forward to alternate approver(s) after how many days",
                        1,
                        MAX_DECISION_DAYS,
                    ),
                );
                if let (Some(days), Some(after)) = (days, after)
                    && let Err(message) = check_forward(days, after)
                {
                    p.push(&f("forward_after_days"), message);
                }
                after.map(|after_days| Forward {
                    alternates,
                    after_days,
                })
            } else {
                None
            };
            out.push(Stage {
                approver,
                fallback,
                decision_days: days.unwrap_or(MAX_DECISION_DAYS),
                require_justification: s.require_justification,
                forward,
            });
        }
        out
    }

    fn validate_questions(&self, p: &mut Problems) -> Vec<Question> {
        if self.questions.len() > MAX_QUESTIONS {
            p.push(
                "questions",
                format!("Ask at most {MAX_QUESTIONS} questions."),
            );
        }
        let mut out = Vec::new();
        for (i, q) in self.questions.iter().take(MAX_QUESTIONS).enumerate() {
            let f = |name: &str| format!("questions.{i}.{name}");
            let text = q.text.trim();
            if text.is_empty() {
                p.push(&f("text"), "Question is required.");
            } else if text.chars().count() > MAX_QUESTION_CHARS {
                p.push(
                    &f("text"),
                    format!("Question must be at most {MAX_QUESTION_CHARS} characters."),
                );
            }
            let mut choices = Vec::new();
            if q.format == AnswerFormat::MultipleChoice {
                choices = q
                    .choices
                    .lines()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect();
                if choices.len() < 2 {
                    p.push(&f("choices"), "Give at least two choices, one per line.");
                } else if choices.len() > MAX_CHOICES {
                    p.push(
                        &f("choices"),
                        format!("Give at most {MAX_CHOICES} choices."),
                    );
                } else if choices.iter().any(|c| c.chars().count() > MAX_CHOICE_CHARS) {
                    p.push(
                        &f("choices"),
                        format!("Each choice must be at most {MAX_CHOICE_CHARS} characters."),
                    );
                } else {
                    let mut seen = std::collections::HashSet::new();
                    if choices.iter().any(|c| !seen.insert(c.to_lowercase())) {
                        p.push(&f("choices"), "Each choice can be given only once.");
                    }
                }
            }
            let pattern = q.pattern.trim();
            let pattern = if pattern.is_empty() {
                None
            } else if q.format == AnswerFormat::MultipleChoice {
                p.push(
                    &f("pattern"),
                    "A regular expression applies only to text answers.",
                );
                None
            } else {
                p.check(&f("pattern"), check_pattern(pattern));
                Some(pattern.to_owned())
            };
            out.push(Question {
                text: text.to_owned(),
                format: q.format,
                choices,
                required: q.required,
                pattern,
            });
        }
        out
    }

    fn validate_expiry(&self, check: PolicyCheck, p: &mut Problems) -> Option<Expiry> {
        match self.expiry_kind {
            ExpiryKind::Never => Some(Expiry::Never),
            ExpiryKind::Days => p
                .check(
                    "expiry_days",
                    whole(
                        &self.expiry_days,
                        "Assignments expire after (days)",
                        1,
                        MAX_EXPIRY_DAYS,
                    ),
                )
                .map(Expiry::Days),
            ExpiryKind::Hours => p
                .check(
                    "expiry_hours",
                    whole(
                        &self.expiry_hours,
                        "Assignments expire after (hours)",
                        1,
                        MAX_EXPIRY_HOURS,
                    ),
                )
                .map(Expiry::Hours),
            ExpiryKind::OnDate => {
                let d = p.check(
                    "expiry_date",
                    date(&self.expiry_date, "Assignments expire on"),
                )?;
                let last = check
                    .today
                    .checked_add_days(Days::new(u64::from(MAX_EXPIRY_DAYS)))
                    .unwrap_or(check.today);
                if d <= check.today {
                    p.push("expiry_date", "The expiry date must be after today.");
                    None
                } else if d > last {
                    p.push(
                        "expiry_date",
                        format!(
                            "The expiry date must be at most {MAX_EXPIRY_DAYS} days from today."
                        ),
                    );
                    None
                } else {
                    Some(Expiry::OnDate(d))
                }
            }
        }
    }

    fn validate_review(&self, check: PolicyCheck, p: &mut Problems) -> Option<ReviewSpec> {
        let r = &self.review;
        if !r.required {
            return None;
        }
        let start = p.check("review_starting_on", date(&r.starting_on, "Starting on"));
        if let Some(start) = start {
            match check.fixed_review_start {
                Some(fixed) if fixed != start => p.push(
                    "review_starting_on",
                    format!(
                        "Starting on can't change once the review series exists (it started on {fixed})."
                    ),
                ),
                None if start < check.today => {
                    p.push("review_starting_on", "Starting on must be today or later.")
                }
                _ => {}
            }
        }
        let max = r.frequency.max_duration_days();
        let duration = p.check(
            "review_duration",
            whole(&r.duration_days, "Duration (in days)", 1, max).map_err(|_| {
                format!(
                    "Duration (in days) must be a whole number from 1 to {max}, so each {} review ends before the next one starts.",
                    r.frequency.label().to_lowercase()
                )
            }),
        );
        let specific = if r.reviewers == ReviewerKind::Specific {
            principals(
                p,
                "review_specific",
                &r.specific,
                "reviewer",
                true,
                MAX_PRINCIPALS,
            )
        } else {
            vec![]
        };
        let fallback = if r.reviewers == ReviewerKind::Manager {
            principals(
                p,
                "review_fallback",
                &r.fallback,
                "fallback reviewer",
                true,
                MAX_PRINCIPALS,
            )
        } else {
            vec![]
        };
        Some(ReviewSpec {
            starting_on: start?,
            frequency: r.frequency,
            duration_days: duration?,
            reviewers: r.reviewers,
            specific,
            fallback,
            if_no_response: r.if_no_response,
            decision_helpers: r.decision_helpers,
            require_justification: r.require_justification,
        })
    }

    /// Risky but allowed choices, each with the tab it concerns.
    pub fn warnings(&self) -> Vec<(WizardTab, String)> {
        let mut w = Vec::new();
        if self.asks_requests() {
            if self.require_approval {
                if let Some(first) = self.stages.first()
                    && first.manager_as_approver
                    && first.fallback.is_empty()
                {
                    {
                        w.push((WizardTab::Requests, "Manager as approver has no fallback approvers: requests from people without a manager would be denied.".to_owned()));
                    }
                }
            } else {
                w.push((
                    WizardTab::Requests,
                    "Requests are granted without approval.".to_owned(),
                ));
            }
            if self.scope == TargetScope::AllDirectoryUsers {
                w.push((
                    WizardTab::Requests,
                    "Guests can request this access package.".to_owned(),
                ));
            }
        }
        if !self.enabled {
            w.push((WizardTab::Requests, "New requests and assignments are disabled: nobody can get this access package until you enable them.".to_owned()));
        }
        if self.expiry_kind == ExpiryKind::Never && !self.review.required {
            w.push((
                WizardTab::Lifecycle,
                "Assignments never expire and are never reviewed.".to_owned(),
            ));
        }
        w
    }

    /// Every setting in plain words, grouped by the tab it is set on.
    pub fn describe(&self) -> Vec<(WizardTab, Vec<String>)> {
        let mut requests = Vec::new();
        requests.push(format!("Users who can request access: {}", {
            let mut s = self.scope.label().to_owned();
            if self.scope == TargetScope::SpecificDirectoryUsers {
                s = format!("{s}: {}", names(&self.specific));
            }
            s
        }));
        if self.asks_requests() {
            requests.push(format!(
                "Require approval: {}",
                yes_no(self.require_approval)
            ));
            requests.push(format!(
                "Require requestor justification: {}",
                yes_no(self.require_requestor_justification)
            ));
            if self.require_approval {
                requests.push(format!("How many stages: {}", self.stages.len()));
                for (i, s) in self.stages.iter().enumerate() {
                    let who = if s.manager_as_approver {
                        "Manager as approver".to_owned()
                    } else {
                        format!("approvers {}", names(&s.approvers))
                    };
                    let mut line = format!(
                        "Stage {}: {who}; fallback approvers: {}; decision within {} days; approver justification {}",
                        i + 1,
                        if s.fallback.is_empty() {
                            "none".to_owned()
                        } else {
                            names(&s.fallback)
                        },
                        s.decision_days.trim(),
                        if s.require_justification {
                            "required"
                        } else {
                            "optional"
                        },
                    );
                    if s.forward {
                        line.push_str(&format!(
                            "; forwarded to {} after {} days without action",
                            names(&s.alternates),
                            s.forward_after_days.trim()
                        ));
                    }
                    requests.push(line);
                }
            }
        }
        requests.push(format!(
            "Enable new requests and assignments: {}",
            yes_no(self.enabled)
        ));

        let questions = if self.questions.is_empty() {
            vec!["No questions.".to_owned()]
        } else {
            self.questions
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let mut line = format!(
                        "{}. {} ({}, {})",
                        i + 1,
                        q.text.trim(),
                        q.format.label(),
                        if q.required { "required" } else { "optional" }
                    );
                    if q.format == AnswerFormat::MultipleChoice {
                        let choices: Vec<&str> = q
                            .choices
                            .lines()
                            .map(str::trim)
                            .filter(|c| !c.is_empty())
                            .collect();
                        line.push_str(&format!(": {}", choices.join(" / ")));
                    } else if !q.pattern.trim().is_empty() {
                        line.push_str(&format!(", must match {}", q.pattern.trim()));
                    }
                    line
                })
                .collect()
        };

        let mut lifecycle = vec![match self.expiry_kind {
            ExpiryKind::Never => "Access package assignments expire: Never".to_owned(),
            ExpiryKind::Days => {
                format!("Assignments expire after {} days", self.expiry_days.trim())
            }
            ExpiryKind::Hours => {
                format!(
                    "Assignments expire after {} hours",
                    self.expiry_hours.trim()
                )
            }
            ExpiryKind::OnDate => format!("Assignments expire on {}", self.expiry_date.trim()),
        }];
        lifecycle.push(format!(
            "Users can request specific timeline: {}",
            yes_no(self.custom_timeline)
        ));
        lifecycle.push(if self.allow_extension {
            format!(
                "Allow users to extend access: Yes, {}",
                if self.extension_requires_approval {
                    "with approval"
                } else {
                    "without approval"
                }
            )
        } else {
            "Allow users to extend access: No".to_owned()
        });
        let r = &self.review;
        if r.required {
            let reviewers = match r.reviewers {
                ReviewerKind::SelfReview => "Self-review".to_owned(),
                ReviewerKind::Specific => format!("Specific reviewer(s): {}", names(&r.specific)),
                ReviewerKind::Manager => {
                    format!("Manager (fallback reviewers: {})", names(&r.fallback))
                }
            };
            lifecycle.push(format!(
                "Access reviews: {} starting on {}, each open {} days; reviewers: {reviewers}",
                r.frequency.label(),
                r.starting_on.trim(),
                r.duration_days.trim()
            ));
            lifecycle.push(format!(
                "If reviewers don't respond: {}; decision helpers: {}; reviewer justification: {}",
                r.if_no_response.label(),
                if r.decision_helpers {
                    "shown"
                } else {
                    "hidden"
                },
                if r.require_justification {
                    "required"
                } else {
                    "optional"
                }
            ));
        } else {
            lifecycle.push("Require access reviews: No".to_owned());
        }

        vec![
            (WizardTab::Requests, requests),
            (WizardTab::RequestorInformation, questions),
            (WizardTab::Lifecycle, lifecycle),
        ]
    }
}

/// Forwarding rules from the product: the window must be at least 4 days, and the forward
/// day at least half of it and before its last day.
pub fn check_forward(decision_days: u32, after_days: u32) -> Result<(), String> {
    if decision_days < MIN_DAYS_FOR_FORWARD {
        return Err(format!(
            "Forwarding to alternate approvers needs a decision window of at least {MIN_DAYS_FOR_FORWARD} days."
        ));
    }
    if after_days * 2 < decision_days {
        return Err(format!(
            "Forward after at least half of the decision window: {} days or more.",
            decision_days.div_ceil(2)
        ));
    }
    if after_days >= decision_days {
        return Err(format!(
            "Forward before the last day of the decision window: at most {} days.",
            decision_days - 1
        ));
    }
    Ok(())
}

/// A package's basics and resources, validated, with its first policy.
#[derive(Debug, Clone)]
pub struct ValidPackage {
    pub name: PackageName,
    pub description: PackageDescription,
    pub catalog: CatalogId,
    pub hidden: bool,
    pub resources: Vec<(GroupId, ResourceRole)>,
    pub policy: (PolicyName, PolicyDescription, PolicySpec),
}

impl PackageDraft {
    pub fn validate(&self, check: PolicyCheck) -> Result<ValidPackage, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.check("name", PackageName::parse(&self.name));
        let description = p.check("description", PackageDescription::parse(&self.description));
        let catalog = p.check(
            "catalog",
            CatalogId::parse(&self.catalog_id).map_err(|_| "Choose a catalog.".to_owned()),
        );
        if self.resources.len() > MAX_RESOURCE_ROLES {
            p.push(
                "resources",
                format!("An access package holds at most {MAX_RESOURCE_ROLES} resource roles."),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for r in &self.resources {
            if !seen.insert((r.group_id, r.role)) {
                p.push(
                    "resources",
                    format!("{} ({}) is listed twice.", r.group_name, r.role.label()),
                );
            }
        }
        let policy = self.policy.validate(check, &mut p);
        if !p.0.is_empty() {
            return Err(p.0);
        }
        match (name, description, catalog, policy) {
            (Some(name), Some(description), Some(catalog), Some(policy)) => Ok(ValidPackage {
                name,
                description,
                catalog,
                hidden: self.hidden,
                resources: self
                    .resources
                    .iter()
                    .map(|r| (r.group_id, r.role))
                    .collect(),
                policy,
            }),
            _ => Err(vec![FieldError::new(
                "name",
                "The access package is not valid.",
            )]),
        }
    }

    pub fn warnings(&self) -> Vec<(WizardTab, String)> {
        let mut w = Vec::new();
        if self.resources.is_empty() {
            w.push((
                WizardTab::ResourceRoles,
                "No resource roles: this access package grants nothing yet.".to_owned(),
            ));
        }
        w.extend(self.policy.warnings());
        w
    }

    pub fn describe(&self, catalog_name: &str) -> Vec<(WizardTab, Vec<String>)> {
        let mut out = vec![
            (
                WizardTab::Basics,
                vec![
                    format!("Name: {}", self.name.trim()),
                    format!("Description: {}", self.description.trim()),
                    format!("Catalog: {catalog_name}"),
                    format!("Hidden: {}", yes_no(self.hidden)),
                ],
            ),
            (
                WizardTab::ResourceRoles,
                if self.resources.is_empty() {
                    vec!["No resource roles.".to_owned()]
                } else {
                    self.resources
                        .iter()
                        .map(|r| format!("{} — {}", r.group_name, r.role.label()))
                        .collect()
                },
            ),
        ];
        out.extend(self.policy.describe());
        out
    }
}

// ---------------------------------------------------------------- views

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

impl Expiry {
    /// How long access lasts, in words.
    pub fn lasts(self) -> String {
        match self {
            Expiry::Never => "with no end date".into(),
            Expiry::Days(n) => format!("for {n} day{}", if n == 1 { "" } else { "s" }),
            Expiry::Hours(n) => format!("for {n} hour{}", if n == 1 { "" } else { "s" }),
            Expiry::OnDate(d) => format!("until {}", d.format("%Y-%m-%d")),
        }
    }
}

/// One request as its requestor sees it in the request history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub id: RequestId,
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub state: String,
    pub stage_no: u32,
    pub stage_count: u32,
    pub outcome: String,
    pub justification: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The period asked for ("Request for specific period?"), start and end.
    pub period: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
    pub timeline: Vec<TimelineEntry>,
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

/// A request waiting for (or decided by) an approver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalItem {
    pub request_id: RequestId,
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
    pub decision: Option<(String, chrono::DateTime<chrono::Utc>, String)>,
}

/// One access package card in My Access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAccessCard {
    pub package_id: AccessPackageId,
    pub name: String,
    pub description: String,
    /// What it grants, in words ("Member of Office Licenses").
    pub grants: Vec<String>,
    /// "Available", "Request pending", "Active", "Expired".
    pub status: String,
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
    pub state: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    pub policy: Option<String>,
}

/// Text for a request state, as the requestor reads it.
pub fn request_state_label(state: &str) -> &'static str {
    match state {
        "submitted" => "Submitted",
        "pendingApproval" => "Pending approval",
        "delivering" => "Delivering",
        "delivered" => "Delivered",
        "denied" => "Denied",
        "canceled" => "Canceled",
        "expired" => "Expired",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests;
