//! Every date and time a page shows is formatted here. The server renders instants in UTC,
//! marked so; once the page is live, [`When`] shows them in the viewer's own time zone (the
//! browser and the server render the same text first, so hydration matches).

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use leptos::prelude::*;

/// An instant as a person reads it. The server renders it in UTC, marked so ("2026-12-31
/// 14:05 UTC"); once the page is live the browser shows it in the viewer's time zone
/// ("2026-12-31 15:05 GMT+1"), and with `relative` how far away it is ("in 3 days"). The
/// `<time>` element carries the exact instant, and hovering shows it in UTC.
#[component]
pub fn When(at: DateTime<Utc>, #[prop(optional)] relative: bool) -> impl IntoView {
    let local = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    Effect::new(move || local.set(Some(browser::local(at, relative))));
    #[cfg(not(feature = "hydrate"))]
    let _ = relative;
    view! {
        <time datetime=at.to_rfc3339_opts(SecondsFormat::Secs, true) title=utc(at)>
            {move || local.get().unwrap_or_else(|| utc(at))}
        </time>
    }
}

/// How far `at` is from `now`, in the largest whole unit that reads well: "in 3 days",
/// "2 hours ago", "tomorrow", "just now".
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let ahead = at >= now;
    let span = if ahead { at - now } else { now - at };
    let (n, unit) = if span < Duration::minutes(1) {
        return "just now".into();
    } else if span < Duration::hours(1) {
        (span.num_minutes(), "minute")
    } else if span < Duration::days(1) {
        (span.num_hours(), "hour")
    } else if span < Duration::days(2) {
        return if ahead { "tomorrow" } else { "yesterday" }.into();
    } else if span < Duration::days(60) {
        (span.num_days(), "day")
    } else if span < Duration::days(730) {
        (span.num_days() / 30, "month")
    } else {
        (span.num_days() / 365, "year")
    };
    let plural = if n == 1 { "" } else { "s" };
    if ahead {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// The browser's side of [`When`]: the viewer's time zone, read from the browser.
#[cfg(feature = "hydrate")]
mod browser {
    use chrono::{DateTime, Duration, Utc};
    use wasm_bindgen::JsValue;

    /// "2026-12-31 15:05 GMT+1", and " (in 3 days)" after it when `relative`.
    pub fn local(at: DateTime<Utc>, relative: bool) -> String {
        let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
        // Minutes behind UTC at that instant (daylight saving included).
        let behind = date.get_timezone_offset() as i64;
        let shown = (at - Duration::minutes(behind)).format("%Y-%m-%d %H:%M");
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"timeZoneName".into(), &"short".into());
        let zone = String::from(date.to_locale_string("en-US", &options));
        let zone = zone.rsplit(' ').next().unwrap_or("UTC").to_owned();
        let mut text = format!("{shown} {zone}");
        if relative {
            let now = DateTime::<Utc>::from_timestamp_millis(js_sys::Date::now() as i64);
            if let Some(now) = now {
                text.push_str(&format!(" ({})", super::relative(at, now)));
            }
        }
        text
    }
}

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

    #[test]
    fn relative_times_use_the_largest_unit_that_reads_well() {
        let Some(now) = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).single() else {
            panic!("a valid instant")
        };
        let cases = [
            (Duration::seconds(20), "just now"),
            (Duration::seconds(-20), "just now"),
            (Duration::minutes(1), "in 1 minute"),
            (Duration::minutes(-45), "45 minutes ago"),
            (Duration::hours(5), "in 5 hours"),
            (Duration::hours(-1), "1 hour ago"),
            (Duration::hours(30), "tomorrow"),
            (Duration::hours(-30), "yesterday"),
            (Duration::days(3), "in 3 days"),
            (Duration::days(-59), "59 days ago"),
            (Duration::days(90), "in 3 months"),
            (Duration::days(-400), "13 months ago"),
            (Duration::days(800), "in 2 years"),
        ];
        for (offset, want) in cases {
            assert_eq!(relative(now + offset, now), want, "{offset}");
        }
    }
}
