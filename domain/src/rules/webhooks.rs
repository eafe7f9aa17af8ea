//! What an administrator types for a webhook, checked; and how a receiver's answer reads.

use super::connectors::{is_loopback, split_host_port};
use crate::model::{CatalogId, ExtensionAnswer, Problems, RequestId, WebhookEvent};

/// Webhooks Tessera holds at most.
pub const MAX_WEBHOOKS: i64 = 20;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_URL_CHARS: usize = 2_000;
/// What of a receiver's answer is kept.
pub const MAX_RESPONSE_BYTES: usize = 1_024;
/// How many days delivered rows are kept.
pub const KEEP_DELIVERED_DAYS: i64 = 30;

/// A webhook's form.
#[derive(Debug, Clone, Default)]
pub struct WebhookInput<'a> {
    pub name: &'a str,
    pub url: &'a str,
    /// Event codes as the form sent them.
    pub events: Vec<&'a str>,
    /// A catalog's id, or empty for every catalog.
    pub catalog: &'a str,
    pub enabled: bool,
    /// Hold an approved request's delivery until the receiver answers.
    pub blocks: bool,
    /// Minutes the receiver has to answer; empty: a day.
    pub wait_minutes: &'a str,
}

/// A checked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedWebhook {
    pub name: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub catalog: Option<CatalogId>,
    pub enabled: bool,
    pub blocks: bool,
    pub wait_minutes: i64,
}

/// How long a blocking webhook's receiver may take to answer, in minutes (5 minutes to 14
/// days), and the default (a day).
pub const WAIT_MINUTES: std::ops::RangeInclusive<i64> = 5..=20_160;
pub const DEFAULT_WAIT_MINUTES: i64 = 1_440;

pub fn check_webhook(input: &WebhookInput<'_>) -> Result<CheckedWebhook, crate::DomainError> {
    let mut p = Problems::default();
    let name = p.check("name", check_name(input.name));
    let url = p.check("url", check_webhook_url(input.url));
    let events = p.check("events", check_events(&input.events));
    let catalog = if input.catalog.trim().is_empty() {
        Some(None)
    } else {
        p.check(
            "catalog",
            CatalogId::parse(input.catalog)
                .map(Some)
                .map_err(|_| "Choose a catalog from the list, or every catalog.".to_owned()),
        )
    };
    if input.blocks
        && events
            .as_ref()
            .is_some_and(|e| !e.contains(&WebhookEvent::RequestApproved))
    {
        p.push(
            "blocks",
            "A webhook that holds delivery must hear \"Request approved\": tick it, or untick this.",
        );
    }
    let wait_minutes = match input.wait_minutes.trim() {
        "" => Some(DEFAULT_WAIT_MINUTES),
        m => p.check(
            "wait_minutes",
            m.parse::<i64>()
                .ok()
                .filter(|m| WAIT_MINUTES.contains(m))
                .ok_or_else(|| {
                    format!(
                        "Enter a number of minutes from {} to {} (14 days).",
                        WAIT_MINUTES.start(),
                        WAIT_MINUTES.end()
                    )
                }),
        ),
    };
    p.into_result()?;
    match (name, url, events, catalog, wait_minutes) {
        (Some(name), Some(url), Some(events), Some(catalog), Some(wait_minutes)) => {
            Ok(CheckedWebhook {
                name,
                url,
                events,
                catalog,
                enabled: input.enabled,
                blocks: input.blocks,
                wait_minutes,
            })
        }
        _ => Err(crate::DomainError::Internal(
            "a checked webhook form lost a field".into(),
        )),
    }
}

fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Enter a name, for example HR automation.".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("At most {MAX_NAME_CHARS} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("A name is one line of text.".into());
    }
    Ok(name.to_owned())
}

/// The receiver's address: `https://host[:port][/path][?query]`, or `http://` to this machine
/// only (events name people and their access: they must not cross a network in clear). No
/// credentials and no fragment.
pub fn check_webhook_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let bad = || {
        "Enter the receiver's address, for example https://hooks.example.com/tessera.".to_string()
    };
    if url.is_empty()
        || url.len() > MAX_URL_CHARS
        || url.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(bad());
    }
    let (https, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Err(bad()),
    };
    if rest.contains('#') {
        return Err("Leave out the #fragment: it is never sent to the receiver.".into());
    }
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    if authority.contains('@') {
        return Err(
            "Leave credentials out of the address: each delivery is signed with the webhook's secret instead."
                .into(),
        );
    }
    let Some((host, _port)) = split_host_port(authority) else {
        return Err(bad());
    };
    if !https && !is_loopback(&host.to_ascii_lowercase()) {
        return Err(
            "Use https:// : events name people and their access, so they must not cross the network unencrypted (http:// is accepted only for a receiver on this machine)."
                .into(),
        );
    }
    Ok(url.to_owned())
}

/// The events ticked: at least one, each a known subscribable event, each once.
pub fn check_events(codes: &[&str]) -> Result<Vec<WebhookEvent>, String> {
    let mut events = Vec::new();
    for code in codes {
        match WebhookEvent::parse(code) {
            Ok(WebhookEvent::Ping) | Err(_) => {
                return Err(format!(
                    "{code:?} is not an event a webhook can hear about."
                ));
            }
            Ok(e) if !events.contains(&e) => events.push(e),
            Ok(_) => {}
        }
    }
    if events.is_empty() {
        return Err("Choose at least one event.".into());
    }
    events.sort();
    Ok(events)
}

/// The stored form of a webhook's events: their codes, space-separated.
pub fn events_code(events: &[WebhookEvent]) -> String {
    events
        .iter()
        .map(|e| e.code())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stored events read back; an unknown code is corrupt data (an error, never ignored).
pub fn parse_events(code: &str) -> Result<Vec<WebhookEvent>, String> {
    code.split_whitespace().map(WebhookEvent::parse).collect()
}

/// A receiver's HTTP status in words: what it means for this delivery.
pub fn status_words(status: u16) -> String {
    let words = match status {
        200..=299 => return format!("HTTP {status}: delivered"),
        301 | 302 | 303 | 307 | 308 => {
            "the receiver redirects (Tessera does not follow redirects: enter the final address)"
        }
        400 | 422 => "the receiver refused the event (check what it expects of the body)",
        401 | 403 => {
            "the receiver refused the signature (check that it holds the webhook's current secret)"
        }
        404 | 405 => "no receiver at this address (check the URL)",
        408 | 429 => "the receiver is busy; retried with backoff",
        410 => "the receiver is gone (check the URL, or disable the webhook)",
        500..=599 => "the receiver failed; retried with backoff",
        _ => "the receiver did not accept the event",
    };
    format!("HTTP {status}: {words}")
}

/// A receiver's answer to a blocking event, in its HTTP answer: `{"decision": "continue" |
/// "deny", "reason": "…"}` (other members are ignored); `None` when the text is not one (the
/// receiver answers later, signed).
pub fn parse_answer(text: &str) -> Option<(ExtensionAnswer, String)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let answer = ExtensionAnswer::parse(v.get("decision")?.as_str()?).ok()?;
    let reason = v
        .get("reason")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some((answer, reason))
}

/// A receiver's later answer, signed: `{"requestId": "…", "decision": "continue" | "deny",
/// "reason": "…"}`; what is wrong with it, in words.
pub fn parse_signed_answer(body: &[u8]) -> Result<(RequestId, ExtensionAnswer, String), String> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        "The answer is not JSON: send {\"requestId\", \"decision\", \"reason\"}.".to_owned()
    })?;
    let request = v
        .get("requestId")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| "Name the request: \"requestId\".".to_owned())
        .and_then(|id| {
            RequestId::parse(id).map_err(|_| "\"requestId\" is not a request's id.".to_owned())
        })?;
    let text = std::str::from_utf8(body).map_err(|_| "The answer is not UTF-8.".to_owned())?;
    let (answer, reason) = parse_answer(text)
        .ok_or_else(|| "\"decision\" must be \"continue\" or \"deny\".".to_owned())?;
    Ok((request, answer, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(name: &'a str, url: &'a str, events: Vec<&'a str>) -> WebhookInput<'a> {
        WebhookInput {
            name,
            url,
            events,
            catalog: "",
            enabled: true,
            blocks: false,
            wait_minutes: "",
        }
    }

    fn fields(e: crate::DomainError) -> Vec<String> {
        match e {
            crate::DomainError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn a_good_form_is_checked_and_sorted() {
        let checked = check_webhook(&input(
            " HR automation ",
            "https://hooks.example.com/tessera?code=abc",
            vec!["request.created", "assignment.granted", "request.created"],
        ))
        .unwrap();
        assert_eq!(checked.name, "HR automation");
        assert_eq!(checked.url, "https://hooks.example.com/tessera?code=abc");
        assert_eq!(
            checked.events,
            vec![
                WebhookEvent::RequestCreated,
                WebhookEvent::AssignmentGranted
            ]
        );
        assert_eq!(checked.catalog, None);
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let e = check_webhook(&WebhookInput {
            name: "",
            url: "ftp://x",
            events: vec![],
            catalog: "nope",
            enabled: true,
            blocks: false,
            wait_minutes: "",
        })
        .unwrap_err();
        assert_eq!(fields(e), vec!["name", "url", "events", "catalog"]);
    }

    #[test]
    fn addresses_must_be_encrypted_unless_local() {
        assert!(check_webhook_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(check_webhook_url("http://localhost/hook").is_ok());
        let e = check_webhook_url("http://hooks.example.com/hook").unwrap_err();
        assert!(e.contains("https://"), "{e}");
        assert!(check_webhook_url("https://u:p@hooks.example.com/").is_err());
        assert!(check_webhook_url("https://hooks.example.com/#x").is_err());
        assert!(check_webhook_url("https://hooks.example.com:99999/").is_err());
        assert!(check_webhook_url("https://hooks example.com/").is_err());
        assert!(check_webhook_url("").is_err());
    }

    #[test]
    fn the_test_event_and_unknown_events_are_refused() {
        assert!(check_events(&["ping"]).is_err());
        assert!(check_events(&["request.exploded"]).is_err());
        assert!(check_events(&[]).is_err());
    }

    #[test]
    fn events_round_trip_and_corrupt_codes_fail() {
        let all: Vec<WebhookEvent> = WebhookEvent::subscribable().collect();
        assert_eq!(parse_events(&events_code(&all)).unwrap(), all);
        assert!(parse_events("request.created bogus").is_err());
    }

    #[test]
    fn answers_read_continue_or_deny_and_anything_else_waits() {
        assert_eq!(
            parse_answer(r#"{"decision":"deny","reason":"No budget","extra":1}"#),
            Some((ExtensionAnswer::Deny, "No budget".to_owned()))
        );
        assert_eq!(
            parse_answer(r#"{"decision":"continue"}"#),
            Some((ExtensionAnswer::Continue, String::new()))
        );
        assert_eq!(parse_answer(""), None);
        assert_eq!(parse_answer("OK"), None);
        assert_eq!(parse_answer(r#"{"decision":"maybe"}"#), None);
        let id = "0190a1b2-0000-7000-8000-000000000001";
        let (request, answer, _) = parse_signed_answer(
            format!(r#"{{"requestId":"{id}","decision":"continue"}}"#).as_bytes(),
        )
        .unwrap();
        assert_eq!(
            (request.to_string(), answer),
            (id.to_owned(), ExtensionAnswer::Continue)
        );
        assert!(parse_signed_answer(br#"{"decision":"continue"}"#).is_err());
        assert!(parse_signed_answer(br#"{"requestId":"x","decision":"continue"}"#).is_err());
        assert!(parse_signed_answer(b"not json").is_err());
    }

    #[test]
    fn a_blocking_webhook_hears_approvals_and_waits_a_bounded_time() {
        let mut i = input(
            "Approvals gate",
            "https://gate.example.com/",
            vec!["request.created"],
        );
        i.blocks = true;
        i.wait_minutes = "1";
        assert_eq!(
            fields(check_webhook(&i).unwrap_err()),
            ["blocks", "wait_minutes"]
        );
        i.events = vec!["request.approved"];
        i.wait_minutes = "";
        let checked = check_webhook(&i).unwrap();
        assert!(checked.blocks);
        assert_eq!(checked.wait_minutes, DEFAULT_WAIT_MINUTES);
    }

    #[test]
    fn statuses_read_as_what_happens_next() {
        assert!(status_words(204).ends_with("delivered"));
        assert!(status_words(401).contains("secret"));
        assert!(status_words(503).contains("retried"));
        assert!(status_words(302).contains("redirect"));
    }
}
