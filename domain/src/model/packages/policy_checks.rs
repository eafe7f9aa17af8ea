//! The checks of one policy draft, field by field.

use super::*;

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
                    MIN_PERIOD,
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
                        MIN_PERIOD,
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
                        MIN_PERIOD,
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
                        MIN_PERIOD,
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
            whole(&r.duration_days, "Duration (in days)", MIN_PERIOD, max).map_err(|_| {
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
