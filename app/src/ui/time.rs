//! Every date and time a page shows is formatted here, in UTC, so the server and the browser
//! render the same text (no hydration mismatch).

use chrono::{DateTime, NaiveDate, Utc};

/// An instant with its time of day: "2026-12-31 14:05 UTC".
pub fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The day of an instant: "2026-12-31".
pub fn day(at: DateTime<Utc>) -> String {
    date(at.date_naive())
}

/// A calendar date as a date input takes it: "2026-12-31".
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A span of days: "2026-01-01 to 2026-12-31".
pub fn period(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    format!("{} to {}", day(from), day(to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instants_and_days_read_the_same_everywhere() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 14, 5, 9).single();
        let later = Utc.with_ymd_and_hms(2027, 1, 2, 0, 0, 0).single();
        let (Some(at), Some(later)) = (at, later) else {
            panic!("valid instants")
        };
        assert_eq!(utc(at), "2026-12-31 14:05 UTC");
        assert_eq!(day(at), "2026-12-31");
        assert_eq!(date(at.date_naive()), "2026-12-31");
        assert_eq!(period(at, later), "2026-12-31 to 2027-01-02");
    }
}
