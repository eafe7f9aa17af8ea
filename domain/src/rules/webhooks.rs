//! What an administrator types for a webhook, checked; and how a receiver's answer reads.

use super::connectors::{is_loopback, split_host_port};
use crate::model::{CatalogId, Problems, WebhookEvent};

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
}

/// A checked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedWebhook {
    pub name: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub catalog: Option<CatalogId>,
    pub enabled: bool,
}

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
    p.into_result()?;
    match (name, url, events, catalog) {
        (Some(name), Some(url), Some(events), Some(catalog)) => Ok(CheckedWebhook {
            name,
            url,
            events,
            catalog,
            enabled: input.enabled,
        }),
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
    fn statuses_read_as_what_happens_next() {
        assert!(status_words(204).ends_with("delivered"));
        assert!(status_words(401).contains("secret"));
        assert!(status_words(503).contains("retried"));
        assert!(status_words(302).contains("redirect"));
    }
}
