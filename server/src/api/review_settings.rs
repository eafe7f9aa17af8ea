//! A policy's access-review settings in the shape of Graph's
//! `accessPackageAssignmentReviewSettings`: read from the wizard's review draft and applied
//! back to it, so a policy's reviews are set through the API as in the wizard's Lifecycle step.

use super::edits::subjects;
use super::packages::{SubjectSet, principals};
use super::*;
use chrono::{DateTime, NaiveDate, Utc};
use domain::model::*;
use serde::{Deserialize, Serialize};

/// Graph's `accessPackageAssignmentReviewSettings`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewSettings {
    /// Access given under the policy is reviewed periodically. Switched off, the rest is not
    /// kept (as in the wizard): a policy without reviews answers the wizard's defaults.
    pub is_enabled: bool,
    /// What happens to access nobody reviewed: `keepAccess`, `removeAccess` or
    /// `acceptAccessRecommendation` (default: as it is).
    pub expiration_behavior: Option<String>,
    /// Reviewers see the decision helpers' recommendations (default: as it is).
    pub is_recommendation_enabled: Option<bool>,
    /// Reviewers give a reason for each decision (default: as it is).
    pub is_reviewer_justification_required: Option<bool>,
    /// People review their own access (then `primaryReviewers` is empty).
    #[serde(default)]
    pub is_self_review: bool,
    /// When reviews start, how long each lasts and how often they come (default: as it is).
    pub schedule: Option<ReviewSchedule>,
    /// `requestorManager` alone (the person's manager), or people and groups.
    #[serde(default)]
    pub primary_reviewers: Vec<SubjectSet>,
    /// Who reviews when a person has no manager (with `requestorManager`).
    #[serde(default)]
    pub fallback_reviewers: Vec<SubjectSet>,
}

/// When reviews run: Graph's `entitlementManagementSchedule`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewSchedule {
    /// The first review's day (its date is used).
    pub start_date_time: DateTime<Utc>,
    pub expiration: ReviewDuration,
    pub recurrence: ReviewRecurrence,
}

/// How long each review lasts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewDuration {
    /// Whole days, `P<n>D`.
    pub duration: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewRecurrence {
    pub pattern: RecurrencePattern,
}

/// Graph's `recurrencePattern`, as reviews use it: every 1, 3, 6 or 12 months.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurrencePattern {
    /// `absoluteMonthly`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Months between reviews: 1 (monthly), 3 (quarterly), 6 (bi-annually) or 12 (annually).
    pub interval: u32,
}

const MANAGER_ALONE: &str =
    "The person's manager reviews alone: give requestorManager as the only primary reviewer.";

const BEHAVIOURS: [(NoResponse, &str); 3] = [
    (NoResponse::NoChange, "keepAccess"),
    (NoResponse::RemoveAccess, "removeAccess"),
    (
        NoResponse::TakeRecommendations,
        "acceptAccessRecommendation",
    ),
];

const MONTHS: [(ReviewFrequency, u32); 4] = [
    (ReviewFrequency::Monthly, 1),
    (ReviewFrequency::Quarterly, 3),
    (ReviewFrequency::BiAnnually, 6),
    (ReviewFrequency::Annually, 12),
];

/// People and groups of a list; the requestor's manager is refused by `field`.
fn people(list: &[SubjectSet], field: &str) -> Answer<Vec<Principal>> {
    if list
        .iter()
        .any(|s| matches!(s, SubjectSet::RequestorManager {}))
    {
        return Err(Failure::field(field, MANAGER_ALONE));
    }
    principals(list, field).map(|(_, people)| people)
}
impl ReviewSettings {
    /// The settings of a review draft.
    pub fn of(r: &ReviewDraft) -> Self {
        let start = NaiveDate::parse_from_str(r.starting_on.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
        Self {
            is_enabled: r.required,
            expiration_behavior: BEHAVIOURS
                .iter()
                .find(|(b, _)| *b == r.if_no_response)
                .map(|(_, n)| (*n).to_owned()),
            is_recommendation_enabled: Some(r.decision_helpers),
            is_reviewer_justification_required: Some(r.require_justification),
            is_self_review: r.reviewers == ReviewerKind::SelfReview,
            schedule: start.map(|start_date_time| ReviewSchedule {
                start_date_time,
                expiration: ReviewDuration {
                    duration: format!("P{}D", r.duration_days.trim()),
                },
                recurrence: ReviewRecurrence {
                    pattern: RecurrencePattern {
                        kind: "absoluteMonthly".to_owned(),
                        interval: MONTHS
                            .iter()
                            .find(|(f, _)| *f == r.frequency)
                            .map_or(12, |(_, m)| *m),
                    },
                },
            }),
            primary_reviewers: match r.reviewers {
                ReviewerKind::Manager => vec![SubjectSet::RequestorManager {}],
                ReviewerKind::Specific => subjects(&r.specific),
                ReviewerKind::SelfReview => Vec::new(),
            },
            fallback_reviewers: subjects(&r.fallback),
        }
    }

    /// Applies these settings to a review draft; what the shape alone shows is wrong comes back
    /// by field (`reviewSettings.…`), the rest is the wizard's check.
    pub fn apply(&self, r: &mut ReviewDraft) -> Answer<()> {
        const F: &str = "reviewSettings";
        r.required = self.is_enabled;
        if let Some(b) = &self.expiration_behavior {
            r.if_no_response = BEHAVIOURS
                .iter()
                .find(|(_, n)| n == b)
                .map(|(v, _)| *v)
                .ok_or_else(|| {
                    Failure::field(
                        &format!("{F}.expirationBehavior"),
                        "expirationBehavior must be keepAccess, removeAccess or acceptAccessRecommendation.",
                    )
                })?;
        }
        if let Some(on) = self.is_recommendation_enabled {
            r.decision_helpers = on;
        }
        if let Some(on) = self.is_reviewer_justification_required {
            r.require_justification = on;
        }
        let manager = self
            .primary_reviewers
            .iter()
            .any(|s| matches!(s, SubjectSet::RequestorManager {}));
        let primary = format!("{F}.primaryReviewers");
        if self.is_self_review {
            if !self.primary_reviewers.is_empty() {
                return Err(Failure::field(
                    &primary,
                    "Leave primaryReviewers empty for a self-review.",
                ));
            }
            r.reviewers = ReviewerKind::SelfReview;
            r.specific.clear();
        } else if manager {
            if self.primary_reviewers.len() > 1 {
                return Err(Failure::field(&primary, MANAGER_ALONE));
            }
            r.reviewers = ReviewerKind::Manager;
            r.specific.clear();
        } else if self.is_enabled || !self.primary_reviewers.is_empty() {
            r.reviewers = ReviewerKind::Specific;
            r.specific = people(&self.primary_reviewers, &primary)?;
        }
        r.fallback = people(&self.fallback_reviewers, &format!("{F}.fallbackReviewers"))?;
        if let Some(s) = &self.schedule {
            r.starting_on = s
                .start_date_time
                .date_naive()
                .format("%Y-%m-%d")
                .to_string();
            r.duration_days = s
                .expiration
                .duration
                .trim()
                .strip_prefix('P')
                .and_then(|d| d.strip_suffix('D'))
                .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
                .ok_or_else(|| {
                    Failure::field(
                        &format!("{F}.schedule.expiration.duration"),
                        "duration must be whole days, like P25D.",
                    )
                })?
                .to_owned();
            let p = &s.recurrence.pattern;
            r.frequency = MONTHS
                .iter()
                .find(|(_, m)| *m == p.interval)
                .filter(|_| p.kind == "absoluteMonthly")
                .map(|(f, _)| *f)
                .ok_or_else(|| {
                    Failure::field(
                        &format!("{F}.schedule.recurrence.pattern"),
                        "Reviews recur absoluteMonthly every 1, 3, 6 or 12 months.",
                    )
                })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ReviewDraft {
        PolicyDraft::new(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()).review
    }

    #[test]
    fn settings_read_from_a_draft_apply_back_to_the_same_draft() {
        let mut r = draft();
        r.required = true;
        r.frequency = ReviewFrequency::Quarterly;
        r.duration_days = "10".into();
        r.reviewers = ReviewerKind::Specific;
        r.specific = vec![Principal {
            kind: PrincipalKind::Group,
            id: uuid::Uuid::from_u128(41),
            name: String::new(),
            detail: String::new(),
        }];
        r.if_no_response = NoResponse::TakeRecommendations;
        let settings = ReviewSettings::of(&r);
        assert_eq!(
            settings
                .schedule
                .as_ref()
                .unwrap()
                .recurrence
                .pattern
                .interval,
            3
        );
        let mut back = draft();
        settings.apply(&mut back).ok().unwrap();
        assert_eq!(back.frequency, r.frequency);
        assert_eq!(back.duration_days, r.duration_days);
        assert_eq!(back.reviewers, r.reviewers);
        assert_eq!(back.specific.len(), 1);
        assert_eq!(back.specific[0].id, r.specific[0].id);
        assert_eq!(back.if_no_response, r.if_no_response);
        assert_eq!(back.starting_on, r.starting_on);
    }

    #[test]
    fn the_manager_reviews_alone_and_a_self_review_names_nobody() {
        let mut r = draft();
        let mut s = ReviewSettings::of(&r);
        assert!(s.is_self_review, "the wizard's default");
        s.is_enabled = true;
        s.is_self_review = false;
        s.primary_reviewers = vec![SubjectSet::RequestorManager {}];
        s.apply(&mut r).ok().unwrap();
        assert_eq!(r.reviewers, ReviewerKind::Manager);
        s.primary_reviewers.push(SubjectSet::SingleUser {
            user_id: uuid::Uuid::from_u128(41),
        });
        let e = s.apply(&mut r).err().unwrap();
        assert_eq!(e.fields[0].field, "reviewSettings.primaryReviewers");
        s.is_self_review = true;
        assert!(s.apply(&mut r).is_err());
        s.primary_reviewers.clear();
        s.apply(&mut r).ok().unwrap();
        assert_eq!(r.reviewers, ReviewerKind::SelfReview);
    }

    #[test]
    fn a_schedule_recurs_every_1_3_6_or_12_months_in_whole_days() {
        let mut r = draft();
        let mut s = ReviewSettings::of(&r);
        let schedule = s.schedule.as_mut().unwrap();
        schedule.recurrence.pattern.interval = 2;
        let e = s.apply(&mut r).err().unwrap();
        assert_eq!(
            e.fields[0].field,
            "reviewSettings.schedule.recurrence.pattern"
        );
        let schedule = s.schedule.as_mut().unwrap();
        schedule.recurrence.pattern.interval = 6;
        schedule.expiration.duration = "PT8H".into();
        let e = s.apply(&mut r).err().unwrap();
        assert_eq!(
            e.fields[0].field,
            "reviewSettings.schedule.expiration.duration"
        );
    }
}
