//! Pure rules of the request flow: who decides each approval stage, by when, how long the
//! access lasts, and whether a requestor's answers fit the policy's questions. The request
//! use cases (submit, decide, deliver) build on these.

use crate::model::{
    AnswerFormat, ApproverSpec, Expiry, FieldError, GroupId, PrincipalKind, Question, RequestState,
    Stage, UserId,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Where a stage's deciders came from (shown on the request's timeline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApproverSource {
    Manager,
    Specific,
    Fallback,
}

/// The people who may decide a stage, never including the requestor. `members` expands a
/// group into its members. An empty list means nobody can decide: the request is denied at
/// once with that reason rather than left waiting.
pub fn resolve_approvers(
    stage: &Stage,
    requestor: UserId,
    manager: Option<UserId>,
    members: &dyn Fn(GroupId) -> Vec<UserId>,
) -> (Vec<UserId>, ApproverSource) {
    let expand = |list: &[crate::model::Principal]| -> Vec<UserId> {
        let mut out: Vec<UserId> = Vec::new();
        for p in list {
            match p.kind {
                PrincipalKind::User => out.push(UserId(p.id)),
                PrincipalKind::Group => out.extend(members(GroupId(p.id))),
            }
        }
        out.retain(|u| *u != requestor);
        out.sort();
        out.dedup();
        out
    };
    let (primary, source) = match &stage.approver {
        ApproverSpec::Manager => (
            manager
                .filter(|m| *m != requestor)
                .into_iter()
                .collect::<Vec<_>>(),
            ApproverSource::Manager,
        ),
        ApproverSpec::Specific { approvers } => (expand(approvers), ApproverSource::Specific),
    };
    if primary.is_empty() {
        (expand(&stage.fallback), ApproverSource::Fallback)
    } else {
        (primary, source)
    }
}

/// When a stage must be decided, and when it goes to the alternate approvers (calendar-free:
/// a day is 24 hours).
pub fn stage_deadlines(
    started: DateTime<Utc>,
    stage: &Stage,
) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    let due = started + Duration::hours(24 * i64::from(stage.decision_days));
    let forward = stage
        .forward
        .as_ref()
        .map(|f| started + Duration::hours(24 * i64::from(f.after_days)));
    (due, forward)
}

/// When access granted at `start` ends under the policy's expiry (`None`: never). A date
/// means the start of that day, UTC.
pub fn assignment_end(expiry: Expiry, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match expiry {
        Expiry::Never => None,
        Expiry::Days(n) => Some(start + Duration::hours(24 * i64::from(n))),
        Expiry::Hours(n) => Some(start + Duration::hours(i64::from(n))),
        Expiry::OnDate(d) => d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
    }
}

/// Checks a requested specific period against the policy: it starts today or later, ends
/// after it starts, and never ends later than the policy itself would let access last.
pub fn check_period(
    expiry: Expiry,
    today: NaiveDate,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<(), FieldError> {
    if start < today {
        return Err(FieldError::new(
            "start",
            "The start date must be today or later.",
        ));
    }
    if end <= start {
        return Err(FieldError::new(
            "end",
            "The end date must be after the start date.",
        ));
    }
    let start_at = start.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let end_at = end.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    if let (Some(start_at), Some(end_at)) = (start_at, end_at)
        && let Some(limit) = assignment_end(expiry, start_at)
        && end_at > limit
    {
        return Err(FieldError::new(
            "end",
            format!(
                "The policy grants access for at most until {}.",
                limit.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    Ok(())
}

/// The longest answer a requestor may give.
pub const MAX_ANSWER_CHARS: usize = 2000;

/// Checks the answers (one per question, in order) against the questions; every problem is
/// reported on `answers.<n>`. `matches` tells whether a text matches a pattern (the server
/// passes a compiled regular expression).
pub fn check_answers(
    questions: &[Question],
    answers: &[String],
    matches: &dyn Fn(&str, &str) -> bool,
) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if answers.len() > questions.len() {
        problems.push(FieldError::new(
            "answers",
            "There are more answers than questions.",
        ));
    }
    for (i, q) in questions.iter().enumerate() {
        let field = format!("answers.{i}");
        let answer = answers.get(i).map(|a| a.trim()).unwrap_or("");
        if answer.is_empty() {
            if q.required {
                problems.push(FieldError::new(&field, format!("Answer “{}”.", q.text)));
            }
            continue;
        }
        if answer.chars().count() > MAX_ANSWER_CHARS {
            problems.push(FieldError::new(
                &field,
                format!("An answer must be at most {MAX_ANSWER_CHARS} characters."),
            ));
            continue;
        }
        match q.format {
            AnswerFormat::MultipleChoice => {
                if !q.choices.iter().any(|c| c == answer) {
                    problems.push(FieldError::new(&field, "Choose one of the listed answers."));
                }
            }
            AnswerFormat::ShortText if answer.contains('\n') => {
                problems.push(FieldError::new(&field, "Answer on one line."));
            }
            _ => {
                if let Some(pattern) = &q.pattern
                    && !matches(pattern, answer)
                {
                    problems.push(FieldError::new(
                        &field,
                        format!("The answer doesn't have the expected form ({pattern})."),
                    ));
                }
            }
        }
    }
    problems
}

/// Where a request is in its life. Closed states (delivered, denied, canceled, expired)
/// never change again, so a request has at most one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Just stored; `of` approval stages to go (0: delivered without approval).
    Submitted {
        of: u32,
    },
    PendingApproval {
        stage: u32,
        of: u32,
    },
    /// Approved (every one of its `of` stages), and held until the blocking custom extensions
    /// answer; stored as pending approval at stage `of + 1`, which no approver has.
    AwaitingExtension {
        of: u32,
    },
    Delivered,
    Denied,
    Canceled,
    Expired,
}

/// What can happen to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The flow starts after submission.
    Start,
    Approve,
    Deny,
    Cancel,
    /// Nobody decided the stage (or answered for the extension) in time.
    Expire,
    /// What would deliver it (the last stage's approval, or the start of a request without
    /// approval), while a blocking custom extension holds it until it answers.
    Hold,
    /// Every blocking custom extension answered "continue".
    Resume,
}

impl Lifecycle {
    /// Where a request in `state` stands, at stage `stage` of `of`; `None` when the stage
    /// doesn't fit the state (a pending request's stage must be one of its stages).
    pub fn of(state: RequestState, stage: u32, of: u32) -> Option<Self> {
        Some(match state {
            RequestState::Submitted => Self::Submitted { of },
            RequestState::PendingApproval if (1..=of).contains(&stage) => {
                Self::PendingApproval { stage, of }
            }
            RequestState::PendingApproval if stage == of.saturating_add(1) => {
                Self::AwaitingExtension { of }
            }
            RequestState::PendingApproval => return None,
            RequestState::Delivered => Self::Delivered,
            RequestState::Denied => Self::Denied,
            RequestState::Canceled => Self::Canceled,
            RequestState::Expired => Self::Expired,
        })
    }

    /// The state stored for it.
    pub fn state(self) -> RequestState {
        match self {
            Self::Submitted { .. } => RequestState::Submitted,
            Self::PendingApproval { .. } | Self::AwaitingExtension { .. } => {
                RequestState::PendingApproval
            }
            Self::Delivered => RequestState::Delivered,
            Self::Denied => RequestState::Denied,
            Self::Canceled => RequestState::Canceled,
            Self::Expired => RequestState::Expired,
        }
    }

    pub fn is_open(self) -> bool {
        self.state().is_open()
    }

    /// The stage number stored with it (0 when it waits at none).
    pub fn stored_stage(self) -> u32 {
        match self {
            Self::PendingApproval { stage, .. } => stage,
            Self::AwaitingExtension { of } => of.saturating_add(1),
            _ => 0,
        }
    }

    /// The state after `step`, or why the step can't happen now.
    pub fn after(self, step: Step) -> Result<Self, &'static str> {
        match (self, step) {
            (Self::Submitted { of: 0 }, Step::Start) => Ok(Self::Delivered),
            (Self::Submitted { of }, Step::Start) => Ok(Self::PendingApproval { stage: 1, of }),
            (Self::Submitted { .. } | Self::PendingApproval { .. }, Step::Cancel) => {
                Ok(Self::Canceled)
            }
            (Self::PendingApproval { stage, of }, Step::Approve) if stage < of => {
                Ok(Self::PendingApproval {
                    stage: stage + 1,
                    of,
                })
            }
            (Self::PendingApproval { .. }, Step::Approve) => Ok(Self::Delivered),
            (Self::PendingApproval { .. }, Step::Deny) => Ok(Self::Denied),
            (Self::PendingApproval { .. }, Step::Expire) => Ok(Self::Expired),
            (Self::Submitted { of: 0 }, Step::Hold) => Ok(Self::AwaitingExtension { of: 0 }),
            (Self::PendingApproval { stage, of }, Step::Hold) if stage == of => {
                Ok(Self::AwaitingExtension { of })
            }
            (Self::AwaitingExtension { .. }, Step::Resume) => Ok(Self::Delivered),
            (Self::AwaitingExtension { .. }, Step::Deny) => Ok(Self::Denied),
            (Self::AwaitingExtension { .. }, Step::Expire) => Ok(Self::Expired),
            (Self::AwaitingExtension { .. }, Step::Cancel) => Ok(Self::Canceled),
            (Self::AwaitingExtension { .. }, _) => {
                Err("This request is approved and waits for a connected system's answer.")
            }
            (Self::Submitted { .. }, _) => Err("This request hasn't started yet."),
            (Self::PendingApproval { .. }, Step::Start) => Err("This request has already started."),
            _ => Err("This request is no longer waiting for a decision."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Forward, Principal};
    use uuid::Uuid;

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn principal(kind: PrincipalKind, n: u128) -> Principal {
        Principal {
            kind,
            id: Uuid::from_u128(n),
            name: format!("p{n}"),
            detail: String::new(),
        }
    }

    fn stage(approver: ApproverSpec, fallback: Vec<Principal>) -> Stage {
        Stage {
            approver,
            fallback,
            decision_days: 14,
            require_justification: true,
            forward: None,
        }
    }

    fn no_groups(_: GroupId) -> Vec<UserId> {
        vec![]
    }

    #[test]
    fn the_manager_decides_and_the_fallback_only_without_one() {
        let s = stage(
            ApproverSpec::Manager,
            vec![principal(PrincipalKind::User, 9)],
        );
        assert_eq!(
            resolve_approvers(&s, user(1), Some(user(2)), &no_groups),
            (vec![user(2)], ApproverSource::Manager)
        );
        assert_eq!(
            resolve_approvers(&s, user(1), None, &no_groups),
            (vec![user(9)], ApproverSource::Fallback)
        );
        // Nobody: no manager, no fallback.
        let bare = stage(ApproverSpec::Manager, vec![]);
        assert!(
            resolve_approvers(&bare, user(1), None, &no_groups)
                .0
                .is_empty()
        );
    }

    #[test]
    fn nobody_decides_their_own_request() {
        // The fallback approver requests: they are not their own approver.
        let s = stage(
            ApproverSpec::Manager,
            vec![principal(PrincipalKind::User, 1)],
        );
        assert!(
            resolve_approvers(&s, user(1), None, &no_groups)
                .0
                .is_empty()
        );
        let s = stage(
            ApproverSpec::Specific {
                approvers: vec![
                    principal(PrincipalKind::User, 1),
                    principal(PrincipalKind::User, 3),
                ],
            },
            vec![],
        );
        assert_eq!(
            resolve_approvers(&s, user(1), None, &no_groups).0,
            vec![user(3)]
        );
    }

    #[test]
    fn groups_expand_to_their_members_once_each() {
        let members = |g: GroupId| {
            if g.0 == Uuid::from_u128(50) {
                vec![user(3), user(4), user(1)]
            } else {
                vec![]
            }
        };
        let s = stage(
            ApproverSpec::Specific {
                approvers: vec![
                    principal(PrincipalKind::Group, 50),
                    principal(PrincipalKind::User, 3),
                ],
            },
            vec![principal(PrincipalKind::User, 9)],
        );
        assert_eq!(
            resolve_approvers(&s, user(1), None, &members),
            (vec![user(3), user(4)], ApproverSource::Specific)
        );
        // An empty approver group falls back.
        let s = stage(
            ApproverSpec::Specific {
                approvers: vec![principal(PrincipalKind::Group, 51)],
            },
            vec![principal(PrincipalKind::User, 9)],
        );
        assert_eq!(
            resolve_approvers(&s, user(1), None, &members),
            (vec![user(9)], ApproverSource::Fallback)
        );
    }

    #[test]
    fn deadlines_count_whole_days_of_24_hours() {
        let start = DateTime::parse_from_rfc3339("2026-03-28T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut s = stage(ApproverSpec::Manager, vec![]);
        s.forward = Some(Forward {
            alternates: vec![],
            after_days: 7,
        });
        let (due, forward) = stage_deadlines(start, &s);
        assert_eq!(due.to_rfc3339(), "2026-04-11T10:00:00+00:00");
        assert_eq!(forward.unwrap().to_rfc3339(), "2026-04-04T10:00:00+00:00");
    }

    #[test]
    fn expiry_arithmetic() {
        let start = DateTime::parse_from_rfc3339("2027-11-26T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        // 365 days across a leap day (2028-02-29) is still 365 × 24 h.
        assert_eq!(
            assignment_end(Expiry::Days(365), start)
                .unwrap()
                .to_rfc3339(),
            "2028-11-25T09:00:00+00:00"
        );
        assert_eq!(
            assignment_end(Expiry::Hours(8), start)
                .unwrap()
                .to_rfc3339(),
            "2027-11-26T17:00:00+00:00"
        );
        let date = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(
            assignment_end(Expiry::OnDate(date), start)
                .unwrap()
                .to_rfc3339(),
            "2028-02-29T00:00:00+00:00"
        );
        assert_eq!(assignment_end(Expiry::Never, start), None);
    }

    #[test]
    fn a_requested_period_stays_inside_the_policy() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(check_period(Expiry::Days(30), today, d("2026-12-01"), d("2026-12-31")).is_ok());
        assert_eq!(
            check_period(Expiry::Days(30), today, d("2026-12-01"), d("2027-01-01"))
                .unwrap_err()
                .field,
            "end"
        );
        assert_eq!(
            check_period(Expiry::Days(30), today, d("2026-11-25"), d("2026-12-01"))
                .unwrap_err()
                .field,
            "start"
        );
        assert_eq!(
            check_period(Expiry::Never, today, d("2026-12-01"), d("2026-12-01"))
                .unwrap_err()
                .field,
            "end"
        );
        assert!(check_period(Expiry::Never, today, today, d("2036-01-01")).is_ok());
    }

    #[test]
    fn answers_are_checked_against_their_questions() {
        let q = |text: &str, format, choices: &[&str], required, pattern: Option<&str>| Question {
            text: text.into(),
            format,
            choices: choices.iter().map(|c| c.to_string()).collect(),
            required,
            pattern: pattern.map(str::to_owned),
        };
        let questions = vec![
            q(
                "Cost center",
                AnswerFormat::ShortText,
                &[],
                true,
                Some("four digits"),
            ),
            q(
                "Suite",
                AnswerFormat::MultipleChoice,
                &["Standard", "Premium"],
                true,
                None,
            ),
            q("Anything else?", AnswerFormat::LongText, &[], false, None),
        ];
        let digits = |_: &str, a: &str| a.len() == 4 && a.chars().all(|c| c.is_ascii_digit());
        let ok = vec!["1234".to_owned(), "Premium".to_owned(), String::new()];
        assert!(check_answers(&questions, &ok, &digits).is_empty());
        let bad = vec!["12a4".to_owned(), "Gold".to_owned(), "x".repeat(2001)];
        let fields: Vec<String> = check_answers(&questions, &bad, &digits)
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, vec!["answers.0", "answers.1", "answers.2"]);
        let missing: Vec<String> = check_answers(&questions, &[], &digits)
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(missing, vec!["Answer “Cost center”.", "Answer “Suite”."]);
        let too_many = vec![String::new(); 4];
        assert!(
            check_answers(&questions, &too_many, &digits)
                .iter()
                .any(|f| f.field == "answers")
        );
    }
}

#[cfg(test)]
mod lifecycle_tests {
    use super::{Lifecycle, RequestState, Step};

    /// A small deterministic generator (xorshift), so every run checks the same sequences.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    const STEPS: [Step; 7] = [
        Step::Start,
        Step::Approve,
        Step::Deny,
        Step::Cancel,
        Step::Expire,
        Step::Hold,
        Step::Resume,
    ];

    #[test]
    fn no_sequence_of_steps_reaches_an_illegal_state_or_two_outcomes() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let of = (rng.next() % 4) as u32;
            let mut state = Lifecycle::Submitted { of };
            let mut outcome: Option<Lifecycle> = None;
            let mut approvals = 0;
            for _ in 0..12 {
                let step = STEPS[(rng.next() % 7) as usize];
                match state.after(step) {
                    Ok(next) => {
                        assert!(outcome.is_none(), "{state:?} closed but moved on {step:?}");
                        // Holding approves the last stage (if any) and waits for the answer.
                        if step == Step::Approve
                            || (step == Step::Hold
                                && matches!(state, Lifecycle::PendingApproval { .. }))
                        {
                            approvals += 1;
                        }
                        if let Lifecycle::AwaitingExtension { of: o } = next {
                            assert_eq!((o, approvals), (of, of), "held only once approved");
                        }
                        if let Lifecycle::PendingApproval { stage, of: o } = next {
                            assert!(stage >= 1 && stage <= o && o == of, "{next:?}");
                            assert_eq!(stage, approvals + 1, "one stage per approval");
                        }
                        if next == Lifecycle::Delivered {
                            assert_eq!(approvals, of, "delivered only after every stage approved");
                        }
                        if !next.is_open() {
                            outcome = Some(next);
                        }
                        assert_eq!(
                            Lifecycle::of(next.state(), next.stored_stage(), of),
                            Some(next),
                            "stored code reads back"
                        );
                        state = next;
                    }
                    Err(_) => assert!(
                        !state.is_open()
                            || matches!(
                                (state, step),
                                (
                                    Lifecycle::Submitted { .. },
                                    Step::Approve
                                        | Step::Deny
                                        | Step::Expire
                                        | Step::Hold
                                        | Step::Resume
                                ) | (
                                    Lifecycle::PendingApproval { .. },
                                    Step::Start | Step::Hold | Step::Resume
                                ) | (
                                    Lifecycle::AwaitingExtension { .. },
                                    Step::Start | Step::Approve | Step::Hold
                                )
                            ),
                        "{state:?} refused {step:?}"
                    ),
                }
            }
            if let Some(o) = outcome {
                assert_eq!(state, o, "the outcome never changes");
            }
        }
    }

    #[test]
    fn closed_requests_refuse_every_step_and_open_ones_can_be_canceled() {
        for closed in [
            Lifecycle::Delivered,
            Lifecycle::Denied,
            Lifecycle::Canceled,
            Lifecycle::Expired,
        ] {
            for step in STEPS {
                assert!(closed.after(step).is_err(), "{closed:?} {step:?}");
            }
        }
        assert_eq!(
            Lifecycle::Submitted { of: 2 }.after(Step::Cancel),
            Ok(Lifecycle::Canceled)
        );
        assert_eq!(
            Lifecycle::PendingApproval { stage: 2, of: 2 }.after(Step::Approve),
            Ok(Lifecycle::Delivered)
        );
        assert_eq!(
            Lifecycle::PendingApproval { stage: 1, of: 2 }.after(Step::Approve),
            Ok(Lifecycle::PendingApproval { stage: 2, of: 2 })
        );
        assert_eq!(
            Lifecycle::of(RequestState::PendingApproval, 3, 2),
            Some(Lifecycle::AwaitingExtension { of: 2 }),
            "the stage after the last: held for an extension"
        );
        assert_eq!(
            Lifecycle::of(RequestState::PendingApproval, 4, 2),
            None,
            "a stage further on is corrupt"
        );
        // Held: approved, waiting for the extension's answer, which delivers, denies or lets it
        // expire; the requestor may still cancel; nobody can approve it again.
        let held = Lifecycle::PendingApproval { stage: 2, of: 2 }
            .after(Step::Hold)
            .unwrap();
        assert_eq!(held, Lifecycle::AwaitingExtension { of: 2 });
        assert_eq!(held.after(Step::Resume), Ok(Lifecycle::Delivered));
        assert_eq!(held.after(Step::Deny), Ok(Lifecycle::Denied));
        assert_eq!(held.after(Step::Expire), Ok(Lifecycle::Expired));
        assert_eq!(held.after(Step::Cancel), Ok(Lifecycle::Canceled));
        assert!(held.after(Step::Approve).is_err());
        assert!(
            Lifecycle::PendingApproval { stage: 1, of: 2 }
                .after(Step::Hold)
                .is_err(),
            "only the last stage's approval is held"
        );
        assert_eq!(
            Lifecycle::Submitted { of: 0 }.after(Step::Hold),
            Ok(Lifecycle::AwaitingExtension { of: 0 })
        );
    }
}
