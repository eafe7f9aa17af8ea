//! Policy as code: the governance configuration (catalogs, their roles and resources, access
//! packages with their resource roles, policies and incompatibilities) as a file with stable
//! names instead of ids. The server reads and writes it as YAML (`tessera export` / `apply`,
//! `/api/v1/export` / `apply`); `service::governance` reads it from and applies it to the
//! database.
//!
//! A policy in the file is every setting of the wizard. It is written from the stored
//! [`PolicySpec`] and read back into a [`PolicyDraft`], so an applied file goes through the
//! same validation as the wizard.

use super::*;
use chrono::NaiveDate;

/// The file format's version; a file of another version is refused.
pub const GOVERNANCE_VERSION: u32 = 1;

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GovernanceFile {
    pub version: u32,
    #[serde(default)]
    pub catalogs: Vec<CatalogFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogFile {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Whether its packages can be requested.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Delegated roles, by the person's email.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<CatalogRoleFile>,
    /// Groups in the catalog, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_packages: Vec<PackageFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogRoleFile {
    /// `catalog_owner`, `catalog_reader`, `access_package_manager` or
    /// `access_package_assignment_manager`.
    pub role: String,
    pub user: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageFile {
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub hidden: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_roles: Vec<ResourceRoleFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incompatible_access_packages: Vec<PackageRefFile>,
    /// Groups whose members may not hold the package, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incompatible_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceRoleFile {
    pub group: String,
    /// `member` or `owner`.
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageRefFile {
    pub catalog: String,
    pub name: String,
}

/// A person (by email) or a group (by name): exactly one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrincipalFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl PrincipalFile {
    pub fn of(p: &Principal) -> Self {
        match p.kind {
            PrincipalKind::User => Self {
                user: Some(p.detail.clone()),
                group: None,
            },
            PrincipalKind::Group => Self {
                user: None,
                group: Some(p.name.clone()),
            },
        }
    }

    /// What the file names, for messages.
    pub fn label(&self) -> String {
        match (&self.user, &self.group) {
            (Some(u), None) => format!("user {u}"),
            (None, Some(g)) => format!("group {g}"),
            _ => "an entry".into(),
        }
    }
}

fn refs(list: &[Principal]) -> Vec<PrincipalFile> {
    list.iter().map(PrincipalFile::of).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyFile {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Who may request: `specificDirectoryUsers`, `allMemberUsers`, `allDirectoryUsers` or
    /// `notSpecified` (administrators assign).
    pub allowed_target_scope: String,
    /// With `specificDirectoryUsers`: the people and groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specific_allowed_targets: Vec<PrincipalFile>,
    /// Whether new requests are accepted.
    #[serde(default = "yes")]
    pub accept_requests: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub requestor_justification: bool,
    /// Approval stages; none: requests are granted without approval.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approval_stages: Vec<StageFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<QuestionFile>,
    pub expiration: ExpirationFile,
    /// Requestors may choose when their access starts and ends.
    #[serde(default, skip_serializing_if = "is_false")]
    pub custom_timeline: bool,
    /// Present when people may extend their access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<ExtensionFile>,
    /// Present when the policy's assignments are reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageFile {
    #[serde(default, skip_serializing_if = "is_false")]
    pub manager_as_approver: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvers: Vec<PrincipalFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback_approvers: Vec<PrincipalFile>,
    pub decision_days: u32,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub require_justification: bool,
    /// Forward to alternate approvers when nobody decided in time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward: Option<ForwardFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardFile {
    pub alternates: Vec<PrincipalFile>,
    pub after_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuestionFile {
    pub text: String,
    /// `short`, `long` or `choice`.
    pub format: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// When assignments end: `never`, after `days` or `hours`, or `onDate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpirationFile {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtensionFile {
    #[serde(default = "yes")]
    pub requires_approval: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewFile {
    pub starting_on: String,
    /// `annually`, `biannually`, `quarterly` or `monthly`.
    pub frequency: String,
    pub duration_days: u32,
    /// `self`, `specific` or `manager`.
    pub reviewers: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specific_reviewers: Vec<PrincipalFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback_reviewers: Vec<PrincipalFile>,
    /// `noChange`, `removeAccess` or `takeRecommendations`.
    pub if_no_response: String,
    #[serde(default = "yes")]
    pub decision_helpers: bool,
    #[serde(default = "yes")]
    pub require_justification: bool,
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl PolicyFile {
    /// A stored policy as the file writes it.
    pub fn of(name: &str, description: &str, spec: &PolicySpec) -> Self {
        let (kind, days, hours, date) = match spec.expiry {
            Expiry::Never => (ExpiryKind::Never, None, None, None),
            Expiry::Days(n) => (ExpiryKind::Days, Some(n), None, None),
            Expiry::Hours(n) => (ExpiryKind::Hours, None, Some(n), None),
            Expiry::OnDate(d) => (ExpiryKind::OnDate, None, None, Some(day(d))),
        };
        Self {
            name: name.to_owned(),
            description: description.to_owned(),
            allowed_target_scope: spec.scope.code().to_owned(),
            specific_allowed_targets: refs(&spec.specific),
            accept_requests: spec.enabled,
            requestor_justification: spec.requestor_justification,
            approval_stages: spec
                .stages
                .iter()
                .flatten()
                .map(|s| StageFile {
                    manager_as_approver: s.approver == ApproverSpec::Manager,
                    approvers: match &s.approver {
                        ApproverSpec::Specific { approvers } => refs(approvers),
                        ApproverSpec::Manager => vec![],
                    },
                    fallback_approvers: refs(&s.fallback),
                    decision_days: s.decision_days,
                    require_justification: s.require_justification,
                    forward: s.forward.as_ref().map(|f| ForwardFile {
                        alternates: refs(&f.alternates),
                        after_days: f.after_days,
                    }),
                })
                .collect(),
            questions: spec
                .questions
                .iter()
                .map(|q| QuestionFile {
                    text: q.text.clone(),
                    format: q.format.code().to_owned(),
                    choices: q.choices.clone(),
                    required: q.required,
                    pattern: q.pattern.clone(),
                })
                .collect(),
            expiration: ExpirationFile {
                kind: kind.code().to_owned(),
                days,
                hours,
                date,
            },
            custom_timeline: spec.custom_timeline,
            extension: spec
                .extension
                .map(|requires_approval| ExtensionFile { requires_approval }),
            review: spec.review.as_ref().map(|r| ReviewFile {
                starting_on: day(r.starting_on),
                frequency: r.frequency.code().to_owned(),
                duration_days: r.duration_days,
                reviewers: r.reviewers.code().to_owned(),
                specific_reviewers: refs(&r.specific),
                fallback_reviewers: refs(&r.fallback),
                if_no_response: r.if_no_response.code().to_owned(),
                decision_helpers: r.decision_helpers,
                require_justification: r.require_justification,
            }),
        }
    }

    /// Every person and group the policy names.
    pub fn principals(&self) -> Vec<&PrincipalFile> {
        let mut all: Vec<&PrincipalFile> = self.specific_allowed_targets.iter().collect();
        for s in &self.approval_stages {
            all.extend(&s.approvers);
            all.extend(&s.fallback_approvers);
            all.extend(s.forward.iter().flat_map(|f| &f.alternates));
        }
        if let Some(r) = &self.review {
            all.extend(&r.specific_reviewers);
            all.extend(&r.fallback_reviewers);
        }
        all
    }

    /// The wizard's draft of this policy. `resolve` finds a named person or group (`None`:
    /// not in the directory, reported against its field under `at`); unknown codes are
    /// reported the same way. The draft is then validated as the wizard's is.
    pub fn to_draft(
        &self,
        today: NaiveDate,
        resolve: &dyn Fn(&PrincipalFile) -> Option<Principal>,
        at: &str,
        p: &mut Problems,
    ) -> PolicyDraft {
        let list = |field: &str, l: &[PrincipalFile], p: &mut Problems| -> Vec<Principal> {
            l.iter()
                .filter_map(|x| {
                    let found = resolve(x);
                    if found.is_none() {
                        p.push(
                            &format!("{at}.{field}"),
                            format!("{} is not in the directory.", x.label()),
                        );
                    }
                    found
                })
                .collect()
        };
        let mut d = PolicyDraft::new(today);
        d.name = self.name.clone();
        d.description = self.description.clone();
        if let Some(scope) = p.check(
            &format!("{at}.allowedTargetScope"),
            TargetScope::parse(&self.allowed_target_scope),
        ) {
            d.scope = scope;
        }
        d.specific = list("specificAllowedTargets", &self.specific_allowed_targets, p);
        d.enabled = self.accept_requests;
        d.require_requestor_justification = self.requestor_justification;
        d.require_approval = !self.approval_stages.is_empty();
        if d.require_approval {
            d.stages = self
                .approval_stages
                .iter()
                .enumerate()
                .map(|(i, s)| StageDraft {
                    manager_as_approver: s.manager_as_approver,
                    approvers: list(&format!("approvalStages.{i}.approvers"), &s.approvers, p),
                    fallback: list(
                        &format!("approvalStages.{i}.fallbackApprovers"),
                        &s.fallback_approvers,
                        p,
                    ),
                    decision_days: s.decision_days.to_string(),
                    require_justification: s.require_justification,
                    forward: s.forward.is_some(),
                    alternates: s
                        .forward
                        .as_ref()
                        .map(|f| {
                            list(
                                &format!("approvalStages.{i}.forward.alternates"),
                                &f.alternates,
                                p,
                            )
                        })
                        .unwrap_or_default(),
                    forward_after_days: s
                        .forward
                        .as_ref()
                        .map_or_else(|| "7".into(), |f| f.after_days.to_string()),
                })
                .collect();
        }
        d.questions = self
            .questions
            .iter()
            .zip(0u32..)
            .map(|(q, key)| QuestionDraft {
                key,
                text: q.text.clone(),
                format: p
                    .check(
                        &format!("{at}.questions.{key}.format"),
                        AnswerFormat::parse(&q.format),
                    )
                    .unwrap_or(AnswerFormat::ShortText),
                choices: q.choices.join("\n"),
                required: q.required,
                pattern: q.pattern.clone().unwrap_or_default(),
            })
            .collect();
        let e = &self.expiration;
        if let Some(kind) = p.check(&format!("{at}.expiration.type"), ExpiryKind::parse(&e.kind)) {
            d.expiry_kind = kind;
        }
        let text = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        match d.expiry_kind {
            ExpiryKind::Days => d.expiry_days = text(e.days),
            ExpiryKind::Hours => d.expiry_hours = text(e.hours),
            ExpiryKind::OnDate => d.expiry_date = e.date.clone().unwrap_or_default(),
            ExpiryKind::Never => {}
        }
        d.custom_timeline = self.custom_timeline;
        d.allow_extension = self.extension.is_some();
        d.extension_requires_approval = self.extension.as_ref().is_none_or(|x| x.requires_approval);
        if let Some(r) = &self.review {
            let at_r = format!("{at}.review");
            d.review = ReviewDraft {
                required: true,
                starting_on: r.starting_on.clone(),
                frequency: p
                    .check(
                        &format!("{at_r}.frequency"),
                        ReviewFrequency::parse(&r.frequency),
                    )
                    .unwrap_or(ReviewFrequency::Annually),
                duration_days: r.duration_days.to_string(),
                reviewers: p
                    .check(
                        &format!("{at_r}.reviewers"),
                        ReviewerKind::parse(&r.reviewers),
                    )
                    .unwrap_or(ReviewerKind::SelfReview),
                specific: list("review.specificReviewers", &r.specific_reviewers, p),
                fallback: list("review.fallbackReviewers", &r.fallback_reviewers, p),
                if_no_response: p
                    .check(
                        &format!("{at_r}.ifNoResponse"),
                        NoResponse::parse(&r.if_no_response),
                    )
                    .unwrap_or(NoResponse::NoChange),
                decision_helpers: r.decision_helpers,
                require_justification: r.require_justification,
            };
        }
        d
    }

    /// The review series' start the file names, if it parses (a restored series keeps it).
    pub fn review_start(&self) -> Option<NaiveDate> {
        let r = self.review.as_ref()?;
        NaiveDate::parse_from_str(r.starting_on.trim(), "%Y-%m-%d").ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn person(name: &str, email: &str, n: u128) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            id: uuid::Uuid::from_u128(n),
            name: name.into(),
            detail: email.into(),
        }
    }

    fn group(name: &str, n: u128) -> Principal {
        Principal {
            kind: PrincipalKind::Group,
            id: uuid::Uuid::from_u128(n),
            name: name.into(),
            detail: "Group".into(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    /// A policy using every setting: two stages with forwarding, questions, extension, review.
    fn full_spec() -> (PolicyName, PolicyDescription, PolicySpec) {
        let maria = person("Maria", "maria@woodgrove.example", 1);
        let sales = group("Sales", 2);
        let mut d = PolicyDraft::new(today());
        d.name = "Sales staff".into();
        d.description = "For the sales team".into();
        d.specific = vec![sales.clone()];
        d.set_stage_count(2);
        d.stages[0].fallback = vec![maria.clone()];
        d.stages[1].approvers = vec![maria.clone()];
        d.stages[1].forward = true;
        d.stages[1].alternates = vec![sales.clone()];
        d.stages[1].decision_days = "10".into();
        d.questions = vec![QuestionDraft {
            key: 0,
            text: "Which region?".into(),
            format: AnswerFormat::MultipleChoice,
            choices: "North\nSouth".into(),
            required: true,
            pattern: String::new(),
        }];
        d.expiry_kind = ExpiryKind::Hours;
        d.expiry_hours = "12".into();
        d.allow_extension = true;
        d.extension_requires_approval = false;
        d.review.required = true;
        d.review.reviewers = ReviewerKind::Specific;
        d.review.specific = vec![maria];
        d.review.frequency = ReviewFrequency::Quarterly;
        let mut p = Problems::default();
        let v = d.validate(PolicyCheck::new(today()), &mut p);
        assert!(p.0.is_empty(), "{:?}", p.0);
        v.unwrap()
    }

    #[test]
    fn a_policy_reads_back_from_its_file_as_the_same_policy() {
        let (name, description, spec) = full_spec();
        let file = PolicyFile::of(name.as_str(), description.as_str(), &spec);
        assert_eq!(file.approval_stages.len(), 2);
        assert_eq!(file.expiration.hours, Some(12));
        assert_eq!(file.expiration.days, None);
        let known: HashMap<PrincipalFile, Principal> = spec
            .clone()
            .principals_mut()
            .into_iter()
            .map(|x| (PrincipalFile::of(x), x.clone()))
            .collect();
        let mut p = Problems::default();
        let draft = file.to_draft(today(), &|x| known.get(x).cloned(), "p", &mut p);
        assert!(p.0.is_empty(), "{:?}", p.0);
        let back = draft.validate(PolicyCheck::new(today()), &mut p).unwrap();
        assert!(p.0.is_empty(), "{:?}", p.0);
        assert_eq!(back, (name, description, spec));
    }

    #[test]
    fn unknown_names_and_codes_are_reported_at_their_field() {
        let (name, description, spec) = full_spec();
        let mut file = PolicyFile::of(name.as_str(), description.as_str(), &spec);
        file.allowed_target_scope = "everyone".into();
        file.expiration.kind = "weeks".into();
        let mut p = Problems::default();
        file.to_draft(today(), &|_| None, "catalogs.General", &mut p);
        let fields: Vec<&str> = p.0.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"catalogs.General.allowedTargetScope"),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"catalogs.General.expiration.type"),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"catalogs.General.specificAllowedTargets"),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"catalogs.General.approvalStages.1.approvers"),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"catalogs.General.review.specificReviewers"),
            "{fields:?}"
        );
        let unknown = p.0.iter().find(|e| e.field.ends_with("approvers")).unwrap();
        assert_eq!(
            unknown.message,
            "user maria@woodgrove.example is not in the directory."
        );
    }
}
