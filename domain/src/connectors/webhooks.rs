//! Webhook receivers: each event POSTed as JSON and signed as the Standard Webhooks
//! specification says (<https://www.standardwebhooks.com>), so a receiver can check it with
//! that specification's libraries:
//!
//! - `webhook-id`: the delivery's id, the same on every retry (a receiver drops repeats);
//! - `webhook-timestamp`: seconds since 1970 when this attempt was signed (a receiver refuses
//!   one older than its window, 5 minutes by the specification, so a recorded POST cannot be
//!   replayed later);
//! - `webhook-signature`: `v1,` and the base64 of HMAC-SHA256 over `id.timestamp.body`, keyed
//!   with the secret's bytes (the base64 after `whsec_`).

use crate::rules::webhooks::{MAX_RESPONSE_BYTES, status_words};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use std::time::Duration;

/// How long connecting (and the TLS handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a receiver may take to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
const PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and the base64 of 24 random bytes.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` header for one attempt; `None` when the secret is not one Tessera
/// made (corrupt: the delivery fails, it is never sent unsigned).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The client every delivery uses (its connections are kept between deliveries).
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // A redirect would send the signed event somewhere the administrator did not name.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Tessera-Webhooks/1")
        .build()
        .map_err(|e| format!("the HTTP client could not be made: {e}"))
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// A 2xx status.
    pub delivered: bool,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// The start of its answer (at most 1 KB, as text).
    pub response: String,
    /// What went wrong, in words; `None` when delivered.
    pub error: Option<String>,
}

/// POSTs one event, signed now.
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &str,
) -> Answer {
    let Some(signature) = sign(secret, id, timestamp, body.as_bytes()) else {
        return failed(
            None,
            "the webhook's stored secret cannot be read; rotate it".into(),
        );
    };
    let sent = http
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .send()
        .await;
    let mut answer = match sent {
        Ok(a) => a,
        Err(e) => return failed(None, super::transport_words(&e, "the receiver")),
    };
    let status = answer.status().as_u16();
    let mut response = Vec::new();
    while response.len() < MAX_RESPONSE_BYTES {
        match answer.chunk().await {
            Ok(Some(chunk)) => response.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    response.truncate(MAX_RESPONSE_BYTES);
    let response = String::from_utf8_lossy(&response).into_owned();
    if (200..300).contains(&status) {
        Answer {
            delivered: true,
            status: Some(status),
            response,
            error: None,
        }
    } else {
        Answer {
            delivered: false,
            status: Some(status),
            response,
            error: Some(status_words(status)),
        }
    }
}

fn failed(status: Option<u16>, error: String) -> Answer {
    Answer {
        delivered: false,
        status,
        response: String::new(),
        error: Some(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() {
        // The specification's published vector: a receiver's library must accept what we send.
        assert_eq!(
            sign(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#,
            )
            .as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn a_secret_tessera_did_not_make_signs_nothing() {
        assert_eq!(sign("plain", "id", 1, b"{}"), None);
        assert_eq!(sign("whsec_not base64!", "id", 1, b"{}"), None);
    }

    #[test]
    fn new_secrets_differ_and_sign() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("whsec_") && a.len() == 6 + 32, "{a}");
        assert!(sign(&a, "id", 1, b"{}").is_some());
    }
}
