//! A client that drives a running Tessera over HTTP the way its pages do: it signs in with
//! the sign-in form, and submits, decides and cancels requests through the same server
//! functions the hydrated app posts to, with the session cookie and the `Origin` a browser
//! sends. The load generator (`examples/bench.rs`) and the process drills (crash, two
//! instances, database restart, soak: `tests/it/drills/`) share it.

use app::api::auth::SignIn;
use app::api::requests::{CancelRequest, DecideRequest, SubmitRequest};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{HeaderMap, Method, Request, StatusCode, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use leptos::server_fn::ServerFn;

pub type Http = Client<HttpConnector, Full<Bytes>>;

/// An answer: its status, headers and whole body.
pub type Answer = (StatusCode, HeaderMap, Bytes);

/// A client keeping up to `idle` connections per host open for reuse.
pub fn client(idle: usize) -> Http {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(idle)
        .build_http()
}

/// Sends `req` and reads the whole answer; an error when the server cannot be reached or
/// the connection breaks (a server killed mid-answer).
pub async fn send(http: &Http, req: Request<Full<Bytes>>) -> Result<Answer, String> {
    let resp = http.request(req).await.map_err(|e| format!("{e:?}"))?;
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map_err(|e| format!("{e:?}"))?
        .to_bytes();
    Ok((parts.status, parts.headers, bytes))
}

pub fn get(base: &str, path: &str, cookie: Option<&str>) -> Request<Full<Bytes>> {
    let mut r = Request::get(format!("{base}{path}"));
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Full::new(Bytes::new()))
        .unwrap_or_else(|e| panic!("a GET of {path}: {e}"))
}

/// A page as Chromium asks for it: with the encodings it accepts, so a figure includes the
/// server's compression as a person's browser gets it.
pub fn page(base: &str, path: &str, cookie: &str) -> Request<Full<Bytes>> {
    let mut req = get(base, path, Some(cookie));
    req.headers_mut().insert(
        header::ACCEPT_ENCODING,
        header::HeaderValue::from_static("gzip, deflate, br, zstd"),
    );
    req
}

/// A server function's POST, as JSON or as a form.
pub fn post(
    base: &str,
    path: &str,
    cookie: &str,
    body: String,
    json: bool,
) -> Request<Full<Bytes>> {
    let mut r = Request::builder()
        .method(Method::POST)
        .uri(format!("{base}{path}"))
        .header(header::ORIGIN, base)
        .header(header::ACCEPT, "application/json")
        .header(
            header::CONTENT_TYPE,
            if json {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            },
        );
    if !cookie.is_empty() {
        r = r.header(header::COOKIE, cookie);
    }
    r.body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|e| panic!("a POST to {path}: {e}"))
}

/// A request for `package` with a justification (the My Access form's JSON). Answered with
/// the new request's id, as a JSON string.
pub fn submit(base: &str, cookie: &str, package: &str) -> Request<Full<Bytes>> {
    let input = serde_json::json!({"input": {"package": package, "policy": null,
        "justification": "Driven", "answers": [], "specific_period": false,
        "start": "", "end": ""}});
    post(base, SubmitRequest::PATH, cookie, input.to_string(), true)
}

/// An approval or a denial of request `id` at its current stage (the inbox's form).
pub fn decide(base: &str, cookie: &str, id: &str, approve: bool) -> Request<Full<Bytes>> {
    let decision = if approve { "approve" } else { "deny" };
    let body = format!("id={id}&decision={decision}&justification=Driven");
    post(base, DecideRequest::PATH, cookie, body, false)
}

/// The requestor's cancellation of their request `id`.
pub fn cancel(base: &str, cookie: &str, id: &str) -> Request<Full<Bytes>> {
    post(base, CancelRequest::PATH, cookie, format!("id={id}"), false)
}

pub fn sign_in_request(base: &str, email: &str, password: &str) -> Request<Full<Bytes>> {
    let body = format!(
        "email={}&password={}&next=%2F",
        urlencode(email),
        urlencode(password)
    );
    post(base, SignIn::PATH, "", body, false)
}

/// Signs `email` in; the session cookie (`tessera.sid=…`), or why not.
pub async fn sign_in(
    http: &Http,
    base: &str,
    email: &str,
    password: &str,
) -> Result<String, String> {
    let (status, headers, body) = send(http, sign_in_request(base, email, password)).await?;
    if !status.is_success() {
        return Err(format!(
            "sign-in of {email}: {status} {}",
            String::from_utf8_lossy(&body)
        ));
    }
    session_cookie(&headers).ok_or_else(|| format!("sign-in of {email}: no session cookie"))
}

/// The session cookie (`tessera.sid=…`) an answer sets, if it sets one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("tessera.sid="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// Percent-encodes a form value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The resident memory of process `pid` in MB (VmRSS), 0 when it cannot be read.
pub fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(
            urlencode("a b+c@d.example/é"),
            "a%20b%2Bc%40d.example%2F%C3%A9"
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(header::SET_COOKIE, "other=1; Path=/".parse().unwrap());
        h.append(
            header::SET_COOKIE,
            "tessera.sid=abc; HttpOnly; Path=/".parse().unwrap(),
        );
        assert_eq!(session_cookie(&h).as_deref(), Some("tessera.sid=abc"));
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }
}
