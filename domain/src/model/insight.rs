//! Dashboards (issue 18): what needs an administrator's attention first, the figures over
//! time behind the charts, a package's overview, and a manager's team.

use super::*;
use chrono::{DateTime, NaiveDate, Utc};

/// How many weeks the dashboards chart (the current week last).
pub const CHART_WEEKS: u32 = 12;
/// How many rows each list of the attention panel shows.
pub const ATTENTION_ROWS: usize = 5;
/// A license is "near its seats" from this share of them used (percent).
pub const SEATS_WARNING_PERCENT: i64 = 90;

/// Requests submitted in one week, by where they are now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekOutcomes {
    /// The week's first day (weeks end on the dashboard's day).
    pub week: NaiveDate,
    pub delivered: i64,
    pub denied: i64,
    pub canceled: i64,
    /// Nobody decided in time.
    pub expired: i64,
    pub open: i64,
}

impl WeekOutcomes {
    pub fn total(&self) -> i64 {
        self.delivered + self.denied + self.canceled + self.expired + self.open
    }
}

/// How long approvers took to decide, over the decisions of one week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekDecisionTime {
    pub week: NaiveDate,
    pub decisions: i64,
    /// The median hours from a stage's start to its decision; none without a decision.
    pub median_hours: Option<f64>,
}

/// One day's value of a figure kept daily (seats used, live assignments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayValue {
    pub day: NaiveDate,
    pub value: i64,
}

/// A license's seats used over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatHistory {
    pub license: LicenseRef,
    pub seats: i64,
    pub used: i64,
    pub days: Vec<DayValue>,
}

/// A request that has waited longest for a decision, and on whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingRequest {
    pub request_id: RequestId,
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub requestor: String,
    pub stage_no: u32,
    /// Since when the stage waits.
    pub since: DateTime<Utc>,
    pub due: DateTime<Utc>,
    /// Who may decide now (names, at most a few).
    pub approvers: Vec<String>,
}

/// An access review and how far its reviewers are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewProgress {
    pub review_id: ReviewId,
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub state: ReviewState,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub decided: i64,
    pub items: i64,
}

impl ReviewProgress {
    /// Percent of the items decided (100 for a review with nothing to review).
    pub fn percent(&self) -> i64 {
        percent_done(self.decided, self.items)
    }
}

/// `done` of `of` in whole percent, rounded down; 100 when there is nothing to do.
pub fn percent_done(done: i64, of: i64) -> i64 {
    if of == 0 { 100 } else { done * 100 / of }
}

/// Kept daily values with today's replaced by `now` (the live count, not the morning's).
pub fn with_today(mut days: Vec<DayValue>, today: NaiveDate, now: i64) -> Vec<DayValue> {
    days.retain(|d| d.day < today);
    days.push(DayValue {
        day: today,
        value: now,
    });
    days
}

/// A license near or over its seats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatPressure {
    pub license: LicenseRef,
    pub seats: i64,
    pub used: i64,
}

/// A policy whose approval stage lost (some of) the people named to decide it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyAtRisk {
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub policy_name: String,
    pub stage_no: u32,
    /// The named approvers (and fallbacks) who are disabled or gone.
    pub lost: Vec<String>,
    /// How many named people can still decide (0: nobody can).
    pub left: usize,
}

/// The administrator's home: attention first, then the charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminDashboard {
    pub today: NaiveDate,
    pub waiting: Vec<WaitingRequest>,
    /// Every request waiting for a decision.
    pub waiting_total: i64,
    pub reviews_due: Vec<ReviewProgress>,
    pub seats: Vec<SeatPressure>,
    pub policies_at_risk: Vec<PolicyAtRisk>,
    /// Changes to connected systems and webhook events that failed; none for those who do not
    /// manage connectors (User Administrators).
    pub failed_deliveries: Option<i64>,
    pub failed_webhooks: Option<i64>,
    pub requests_by_week: Vec<WeekOutcomes>,
    pub decision_times: Vec<WeekDecisionTime>,
    pub seat_history: Vec<SeatHistory>,
    /// The latest reviews (active and completed), newest first.
    pub review_completion: Vec<ReviewProgress>,
}

/// How one approver decides a package's requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApproverSpeed {
    pub name: String,
    pub approved: i64,
    pub denied: i64,
    pub median_hours: Option<f64>,
}

/// A package's Overview charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageInsight {
    pub today: NaiveDate,
    /// Live assignments, a value per day kept (oldest first).
    pub assignments: Vec<DayValue>,
    /// Every request of the package, by state.
    pub requests_by_state: Vec<(RequestState, i64)>,
    /// The package's requests of the last weeks, by week and outcome.
    pub requests_by_week: Vec<WeekOutcomes>,
    /// Who decided its requests in the last weeks, most decisions first.
    pub approvers: Vec<ApproverSpeed>,
}

/// An access package a direct report holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamAccess {
    pub package_id: AccessPackageId,
    pub package_name: String,
    pub until: Option<DateTime<Utc>>,
}

/// One direct report, their access and what waits on them or about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub person: UserRef,
    pub job_title: String,
    pub enabled: bool,
    pub access: Vec<TeamAccess>,
    /// Their requests still waiting.
    pub pending_requests: i64,
    /// Review items about their access not decided yet, in active reviews.
    pub pending_reviews: i64,
}

/// A manager's "My team": their direct reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyTeam {
    pub members: Vec<TeamMember>,
    /// How many direct reports there are (the page shows at most [`TEAM_LIMIT`]).
    pub total: i64,
    /// Requests of the team waiting for the manager's own decision.
    pub awaiting_me: i64,
}

/// How many direct reports "My team" lists.
pub const TEAM_LIMIT: i64 = 200;
/// How many access packages it lists per person.
pub const TEAM_ACCESS_LIMIT: usize = 50;

/// The first day of each of the `weeks` weeks that end on `today` (oldest first).
pub fn week_starts(today: NaiveDate, weeks: u32) -> Vec<NaiveDate> {
    (0..weeks)
        .rev()
        .map(|w| today - chrono::Duration::days(i64::from(w) * 7 + 6))
        .collect()
}

/// The median of `values` (sorted in place); none when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values.get(mid - 1).copied().unwrap_or(0.0) + values.get(mid).copied().unwrap_or(0.0))
            / 2.0
    } else {
        values.get(mid).copied().unwrap_or(0.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_end_today_and_run_oldest_first() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let weeks = week_starts(today, 3);
        assert_eq!(
            weeks,
            vec![
                NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
                NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            ]
        );
    }

    #[test]
    fn medians_of_odd_even_and_empty_lists() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn review_percent_rounds_down_and_empty_reviews_are_done() {
        let mut r = ReviewProgress {
            review_id: ReviewId(uuid::Uuid::nil()),
            package_id: AccessPackageId(uuid::Uuid::nil()),
            package_name: String::new(),
            state: ReviewState::Active,
            starts_at: Utc::now(),
            ends_at: Utc::now(),
            decided: 2,
            items: 3,
        };
        assert_eq!(r.percent(), 66);
        r.items = 0;
        assert_eq!(r.percent(), 100);
    }
}
