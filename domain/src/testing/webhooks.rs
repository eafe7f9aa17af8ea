//! A webhook receiver for the tests, as a customer would write one: it checks each POST's
//! signature with the secret it was given and refuses one signed more than five minutes ago
//! (the Standard Webhooks replay window), keeps what it accepted, and answers with the status
//! the test sets (503 to play a receiver that is down).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One POST as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: i64,
    pub body: serde_json::Value,
    /// The status the receiver answered.
    pub status: u16,
    /// Whether the signature and the timestamp held.
    pub verified: bool,
}

#[derive(Default)]
struct State {
    secret: Option<String>,
    status: u16,
    /// What a verified POST is answered with (a blocking webhook's decision); "ok" when unset.
    reply: Option<String>,
    received: Vec<Received>,
}

pub struct WebhookReceiver {
    pub port: u16,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether `signature` (one or more `v1,…` separated by spaces) signs `id.timestamp.body`
/// with `secret` (`whsec_` and base64), computed here apart from Tessera's own signer.
pub fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Some(key) = secret
        .strip_prefix("whsec_")
        .and_then(|k| STANDARD.decode(k).ok())
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return false;
    };
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    signature
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}

impl WebhookReceiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            status: 204,
            ..State::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, state).await;
                });
            }
        });
        Self { port, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/tessera", self.port)
    }

    /// The secret the receiver checks signatures with.
    pub fn trust(&self, secret: &str) {
        self.state.lock().unwrap().secret = Some(secret.to_owned());
    }

    /// What the receiver answers from now on.
    pub fn answer(&self, status: u16) {
        self.state.lock().unwrap().status = status;
    }

    /// The body a verified POST is answered with from now on (as JSON), e.g. a blocking
    /// webhook's `{"decision": "deny", "reason": "…"}`; `None`: plain "ok".
    pub fn reply(&self, body: Option<&str>) {
        self.state.lock().unwrap().reply = body.map(str::to_owned);
    }

    /// Signs `body` as a receiver answering later does: (webhook-id, webhook-timestamp,
    /// webhook-signature) with the trusted secret, at `at` (seconds since the epoch).
    pub fn sign(&self, body: &[u8], at: i64) -> (String, String, String) {
        let secret = self
            .state
            .lock()
            .unwrap()
            .secret
            .clone()
            .unwrap_or_default();
        let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
        let key = secret
            .strip_prefix("whsec_")
            .and_then(|k| STANDARD.decode(k).ok())
            .unwrap_or_default();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{at}.").as_bytes());
        mac.update(body);
        let signature = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        (id, at.to_string(), signature)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// The events accepted (2xx and verified), in order of arrival.
    pub fn accepted(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.verified && (200..300).contains(&r.status))
            .collect()
    }
}

async fn serve(mut socket: tokio::net::TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().unwrap_or(0);
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = &buf[head_end..(head_end + length).min(buf.len())];
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let ts: i64 = timestamp.parse().unwrap_or(0);
    let fresh = (chrono::Utc::now().timestamp() - ts).abs() <= 300;
    let (status, reply) = {
        let mut s = state.lock().unwrap();
        let signed = s
            .secret
            .as_deref()
            .is_some_and(|secret| verify(secret, &id, &timestamp, body, &signature));
        let verified = signed && fresh && head.starts_with("POST ");
        let status = if verified { s.status } else { 401 };
        s.received.push(Received {
            id,
            timestamp: ts,
            body: serde_json::from_slice(body).unwrap_or(serde_json::Value::Null),
            status,
            verified,
        });
        let reply = s
            .reply
            .clone()
            .filter(|_| verified)
            .unwrap_or_else(|| "ok".to_owned());
        (status, reply)
    };
    let reply = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        reply.len()
    );
    socket.write_all(reply.as_bytes()).await?;
    socket.shutdown().await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_receiver_accepts_the_specification_vector() {
        assert!(super::verify(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "1614265330",
            br#"{"test": 2432232314}"#,
            "v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        ));
    }
}
