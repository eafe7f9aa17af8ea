//! Pure timing rules of the lifecycle engine: when approvers are reminded, which expiry
//! reminder is due, how failed work backs off, and how a notification reads as an email.

use crate::model::Link;
use chrono::{DateTime, Duration, Utc};

/// Approvers are reminded once, halfway through the stage's decision window.
pub fn approver_reminder_at(started: DateTime<Utc>, due: DateTime<Utc>) -> DateTime<Utc> {
    started + (due - started) / 2
}

/// The reminders before an assignment ends: 14 days and 1 day before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryReminder {
    FourteenDays,
    OneDay,
}

impl ExpiryReminder {
    /// How long before the end it goes out.
    pub fn lead(self) -> Duration {
        match self {
            Self::FourteenDays => Duration::days(14),
            Self::OneDay => Duration::days(1),
        }
    }

    /// The value `reminders_sent` takes once this reminder went out.
    pub fn level(self) -> i64 {
        match self {
            Self::FourteenDays => 1,
            Self::OneDay => 2,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::FourteenDays => "14d",
            Self::OneDay => "1d",
        }
    }
}

/// The reminder due for an assignment ending at `end`, given how many were sent (0, 1, 2).
/// Only the latest applicable one goes out: an assignment found a day before its end gets the
/// 1-day reminder, never both at once.
pub fn expiry_reminder_due(
    end: DateTime<Utc>,
    sent: i64,
    now: DateTime<Utc>,
) -> Option<ExpiryReminder> {
    if end <= now {
        return None;
    }
    let left = end - now;
    if left <= ExpiryReminder::OneDay.lead() && sent < ExpiryReminder::OneDay.level() {
        Some(ExpiryReminder::OneDay)
    } else if left <= ExpiryReminder::FourteenDays.lead()
        && sent < ExpiryReminder::FourteenDays.level()
    {
        Some(ExpiryReminder::FourteenDays)
    } else {
        None
    }
}

/// How long a failed job item or email waits before attempt `attempts + 1`: 1, 2, 4, …
/// minutes, at most six hours.
pub fn retry_delay(attempts: i64) -> Duration {
    let exponent = attempts.clamp(1, 20) - 1;
    Duration::minutes((1_i64 << exponent).min(6 * 60))
}

/// An email is given up after this many attempts (about a day of backoff).
pub const MAX_EMAIL_ATTEMPTS: i64 = 12;

/// A notification older than this when mail is first able to send it is not emailed.
pub fn email_stale_after() -> Duration {
    Duration::days(3)
}

/// A notification as an email: subject, plain text and HTML, with the deep link made
/// absolute against `base_url`.
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn compose_email(
    recipient: &str,
    title: &str,
    body: &str,
    link: Link,
    path: &str,
    base_url: &str,
) -> Email {
    let url = format!("{}{}", base_url.trim_end_matches('/'), path);
    let action = link.action();
    let text = format!(
        "Hello {recipient},\n\n{body}\n\n{action}: {url}\n\n-- \nTessera, your organization's access portal. You get this email because of your access or your approvals."
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1b1b1b;line-height:1.5\">\
<p>Hello {},</p><h1 style=\"font-size:1.25rem\">{}</h1><p>{}</p>\
<p><a href=\"{}\" style=\"background:#0b5cad;color:#fff;padding:.5rem 1rem;border-radius:4px;text-decoration:none\">{}</a></p>\
<p style=\"color:#555;font-size:.85rem\">Tessera, your organization's access portal. You get this email because of your access or your approvals.</p>\
</body></html>",
        escape(recipient),
        escape(title),
        escape(body),
        escape(&url),
        action
    );
    Email {
        subject: title.to_owned(),
        text,
        html,
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
            .single()
            .unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn approvers_are_reminded_halfway() {
        let start = at(2026, 1, 1);
        assert_eq!(
            approver_reminder_at(start, start + Duration::days(14)),
            at(2026, 1, 8)
        );
    }

    #[test]
    fn the_fourteen_day_reminder_comes_first_then_the_one_day_reminder() {
        let end = at(2027, 1, 1);
        assert_eq!(expiry_reminder_due(end, 0, end - Duration::days(15)), None);
        assert_eq!(
            expiry_reminder_due(end, 0, end - Duration::days(14)),
            Some(ExpiryReminder::FourteenDays)
        );
        assert_eq!(expiry_reminder_due(end, 1, end - Duration::days(14)), None);
        assert_eq!(expiry_reminder_due(end, 1, end - Duration::days(2)), None);
        assert_eq!(
            expiry_reminder_due(end, 1, end - Duration::hours(24)),
            Some(ExpiryReminder::OneDay)
        );
        assert_eq!(expiry_reminder_due(end, 2, end - Duration::hours(1)), None);
        assert_eq!(expiry_reminder_due(end, 0, end), None, "ended: nothing");
    }

    #[test]
    fn an_assignment_found_late_gets_only_the_latest_reminder() {
        let end = at(2027, 1, 1);
        assert_eq!(
            expiry_reminder_due(end, 0, end - Duration::hours(3)),
            Some(ExpiryReminder::OneDay)
        );
    }

    #[test]
    fn retries_back_off_up_to_six_hours() {
        assert_eq!(retry_delay(1), Duration::minutes(1));
        assert_eq!(retry_delay(2), Duration::minutes(2));
        assert_eq!(retry_delay(5), Duration::minutes(16));
        assert_eq!(retry_delay(30), Duration::hours(6));
        assert_eq!(retry_delay(0), Duration::minutes(1));
    }

    #[test]
    fn emails_escape_what_people_typed_and_link_absolutely() {
        let e = compose_email(
            "Eric <E>",
            "Request denied: A&B",
            "Maria said \"no\" <script>",
            Link::Requests,
            "/myaccess/requests",
            "https://tessera.example/",
        );
        assert_eq!(e.subject, "Request denied: A&B");
        assert!(
            e.text
                .contains("Open your requests: https://tessera.example/myaccess/requests")
        );
        assert!(e.text.contains("Maria said \"no\" <script>"));
        assert!(e.html.contains("Maria said &quot;no&quot; &lt;script&gt;"));
        assert!(e.html.contains("Hello Eric &lt;E&gt;"));
        assert!(
            e.html
                .contains("href=\"https://tessera.example/myaccess/requests\"")
        );
        assert!(!e.html.contains("<script>"));
    }
}
