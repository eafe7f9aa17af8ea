//! Pure rules of access reviews: when each review of a series runs, what the decision
//! helper recommends, and what happens to each person's access when the review ends.

use crate::model::{NoResponse, ReviewSpec};
use chrono::{DateTime, Duration, Utc};

/// One review of a policy's series: the n-th period (0-based) and its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewPeriod {
    pub no: i64,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    /// When reviewers who still have decisions to make are reminded.
    pub midpoint: DateTime<Utc>,
}

/// The review open at `now`, if any: the series starts at 00:00 UTC on "Starting on" and
/// repeats every frequency's period (calendar-free days); each review is open for
/// "Duration (in days)".
pub fn period_at(spec: &ReviewSpec, now: DateTime<Utc>) -> Option<ReviewPeriod> {
    let first = spec.starting_on.and_hms_opt(0, 0, 0)?.and_utc();
    if now < first {
        return None;
    }
    let period = Duration::days(i64::from(spec.frequency.period_days()));
    let no = (now - first).num_seconds() / period.num_seconds();
    let starts = first + period * i32::try_from(no).ok()?;
    let ends = starts + Duration::days(i64::from(spec.duration_days));
    (now < ends).then(|| ReviewPeriod {
        no,
        starts,
        ends,
        midpoint: starts + (ends - starts) / 2,
    })
}

pub use crate::model::ReviewDecision;

/// The decision helper looks back this far for a sign-in.
pub fn recent_sign_in_days() -> i64 {
    30
}

/// Signed in since this instant counts as recent.
pub fn recent_sign_in_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(recent_sign_in_days())
}

/// The decision helper: approve someone who signed in within the last 30 days, deny
/// otherwise; with the reason shown to the reviewer.
pub fn recommend(
    last_sign_in: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> (ReviewDecision, String) {
    match last_sign_in {
        Some(t) if t >= recent_sign_in_cutoff(at) => (
            ReviewDecision::Approve,
            format!(
                "Signed in within the last 30 days (last {}).",
                t.format("%Y-%m-%d")
            ),
        ),
        Some(t) => (
            ReviewDecision::Deny,
            format!(
                "No sign-in in the last 30 days (last {}).",
                t.format("%Y-%m-%d")
            ),
        ),
        None => (ReviewDecision::Deny, "Never signed in.".to_owned()),
    }
}

/// Whether access stays when the review ends. A denial removes it; an approval keeps it;
/// without a decision (or with "Don't know") the policy's "If reviewers don't respond" rules.
pub fn keeps_access(
    decision: Option<ReviewDecision>,
    recommendation: ReviewDecision,
    no_response: NoResponse,
) -> bool {
    match decision {
        Some(ReviewDecision::Approve) => true,
        Some(ReviewDecision::Deny) => false,
        None | Some(ReviewDecision::DontKnow) => match no_response {
            NoResponse::NoChange => true,
            NoResponse::RemoveAccess => false,
            NoResponse::TakeRecommendations => recommendation != ReviewDecision::Deny,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ReviewFrequency, ReviewerKind};
    use chrono::{NaiveDate, TimeZone};

    fn spec(start: (i32, u32, u32), frequency: ReviewFrequency, days: u32) -> ReviewSpec {
        ReviewSpec {
            starting_on: NaiveDate::from_ymd_opt(start.0, start.1, start.2)
                .unwrap_or_else(|| unreachable!()),
            frequency,
            duration_days: days,
            reviewers: ReviewerKind::Manager,
            specific: vec![],
            fallback: vec![],
            if_no_response: NoResponse::NoChange,
            decision_helpers: true,
            require_justification: true,
        }
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn an_annual_series_opens_once_a_year_for_its_duration() {
        let s = spec((2026, 11, 26), ReviewFrequency::Annually, 25);
        assert_eq!(period_at(&s, at(2026, 11, 25, 23)), None, "not yet");
        let first = period_at(&s, at(2026, 11, 26, 0)).unwrap_or_else(|| unreachable!());
        assert_eq!(first.no, 0);
        assert_eq!(first.ends, at(2026, 12, 21, 0));
        assert_eq!(first.midpoint, at(2026, 12, 8, 12));
        assert_eq!(
            period_at(&s, at(2026, 12, 21, 0)),
            None,
            "closed after 25 days"
        );
        // 365 calendar-free days later: 2027-11-26 (2027 is not a leap year).
        let second = period_at(&s, at(2027, 11, 26, 9)).unwrap_or_else(|| unreachable!());
        assert_eq!((second.no, second.starts), (1, at(2027, 11, 26, 0)));
    }

    #[test]
    fn a_leap_year_shifts_the_calendar_date_not_the_period() {
        let s = spec((2027, 3, 1), ReviewFrequency::Annually, 10);
        let next = period_at(&s, at(2028, 3, 1, 0)).unwrap_or_else(|| unreachable!());
        assert_eq!(
            next.starts,
            at(2028, 2, 29, 0),
            "365 days after 2027-03-01 in a leap year"
        );
    }

    #[test]
    fn monthly_and_quarterly_series() {
        let m = spec((2026, 1, 1), ReviewFrequency::Monthly, 5);
        let p = period_at(&m, at(2026, 3, 3, 0)).unwrap_or_else(|| unreachable!());
        assert_eq!((p.no, p.starts), (2, at(2026, 3, 2, 0)));
        let q = spec((2026, 1, 1), ReviewFrequency::Quarterly, 14);
        assert_eq!(period_at(&q, at(2026, 2, 1, 0)), None);
        assert_eq!(period_at(&q, at(2026, 4, 2, 0)).map(|p| p.no), Some(1));
    }

    #[test]
    fn the_helper_recommends_by_recent_sign_in() {
        let now = at(2026, 11, 26, 9);
        assert_eq!(
            recommend(Some(now - Duration::days(3)), now).0,
            ReviewDecision::Approve
        );
        assert_eq!(
            recommend(Some(now - Duration::days(30)), now).0,
            ReviewDecision::Approve
        );
        let (r, why) = recommend(Some(now - Duration::days(31)), now);
        assert_eq!(r, ReviewDecision::Deny);
        assert!(why.starts_with("No sign-in in the last 30 days"));
        assert_eq!(
            recommend(None, now),
            (ReviewDecision::Deny, "Never signed in.".into())
        );
    }

    #[test]
    fn results_follow_the_decision_then_the_no_response_setting() {
        use ReviewDecision::*;
        assert!(keeps_access(Some(Approve), Deny, NoResponse::RemoveAccess));
        assert!(!keeps_access(Some(Deny), Approve, NoResponse::NoChange));
        assert!(keeps_access(None, Deny, NoResponse::NoChange));
        assert!(!keeps_access(None, Approve, NoResponse::RemoveAccess));
        assert!(!keeps_access(
            Some(DontKnow),
            Approve,
            NoResponse::RemoveAccess
        ));
        assert!(keeps_access(None, Approve, NoResponse::TakeRecommendations));
        assert!(!keeps_access(None, Deny, NoResponse::TakeRecommendations));
    }
}
