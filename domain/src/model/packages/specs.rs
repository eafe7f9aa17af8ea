//! Checked policies as the engine reads them, and how they read in words.

use super::*;

pub(super) fn names(list: &[Principal]) -> String {
    list.iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

// ---------------------------------------------------------------- drafts

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
