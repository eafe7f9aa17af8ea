//! Gives each request its own correlation id (answered in X-Request-Id and recorded on audit
//! events; a caller's plain X-Request-Id is kept beside it), resolves the signed-in actor once per
//! request, sends signed-out people to the sign-in page and answers 403 on admin pages for
//! people without an admin role.

use crate::AppState;
use app::session::{CurrentActor, current};
use app::ui::encode;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path == "/healthz"
        || path == "/favicon.ico"
        || path == "/favicon.svg"
}

/// A server function posted by a plain HTML form (before the page is live, or without
/// JavaScript) answers with a redirect back to the form's page, the error in its query
/// (server_fn's form redirects, which the page reads back into the form). The use case may
/// have set the answer's status (422 for a field error), which would turn that redirect into
/// a page of JSON: such an answer stays a redirect (303).
pub async fn form_redirects(req: Request, next: Next) -> Response {
    let plain_form = req.method() == Method::POST
        && req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    let mut response = next.run(req).await;
    if plain_form
        && response
            .headers()
            .contains_key(axum::http::header::LOCATION)
        && !response.status().is_redirection()
    {
        *response.status_mut() = StatusCode::SEE_OTHER;
    }
    response
}

/// Runs the rest of the request inside its own correlation id and answers it in
/// `X-Request-Id`. A caller's plain `X-Request-Id` is kept beside it (logged and recorded on
/// audit events as the caller's), never used as the id itself.
pub async fn request_id(req: Request, next: Next) -> Response {
    let caller = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(domain::correlation::accept);
    let id = domain::correlation::new_id();
    let span = match &caller {
        Some(theirs) => tracing::info_span!("request", id = %id, caller_id = %theirs),
        None => tracing::info_span!("request", id = %id),
    };
    let mut response = {
        use tracing::Instrument;
        domain::correlation::scope(id.clone(), caller, next.run(req))
            .instrument(span)
            .await
    };
    if let Ok(value) = axum::http::HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

pub async fn current_actor(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if is_asset(&path) {
        return next.run(req).await;
    }
    let is_page = req.method() == Method::GET && !path.starts_with("/api/");
    let actor = match current(&state.ctx, &session).await {
        Ok(actor) => actor,
        Err(e) => {
            tracing::warn!(error = ?e, %path, "cannot resolve the session");
            return unavailable(is_page);
        }
    };
    if is_page {
        if path == "/" {
            return Redirect::to(if actor.is_some() {
                "/myaccess"
            } else {
                "/login"
            })
            .into_response();
        }
        let protected = path.starts_with("/myaccess") || path.starts_with("/admin");
        if protected && actor.is_none() {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| path.clone());
            return Redirect::to(&format!("/login?next={}", encode(&target))).into_response();
        }
        if path == "/login" && actor.is_some() {
            return Redirect::to("/myaccess").into_response();
        }
    }
    let forbidden = is_page
        && path.starts_with("/admin")
        && !actor.as_ref().is_some_and(|a| a.can_open_admin());
    req.extensions_mut().insert(CurrentActor(actor));
    let mut response = next.run(req).await;
    if forbidden {
        *response.status_mut() = StatusCode::FORBIDDEN;
    }
    response
}

/// The answer while the database is away: 503 with `Retry-After`, as a short page that tries
/// again by itself for a browser's page, or as the server functions' error (which the
/// hydrated app shows where the action was) for anything else.
fn unavailable(is_page: bool) -> Response {
    use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
    let retry = app::error::RETRY_AFTER_SECS;
    let status = StatusCode::SERVICE_UNAVAILABLE;
    if is_page {
        let message = app::error::AppError::Unavailable.to_string();
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta http-equiv=\"refresh\" content=\"{retry}\">\
             <title>Try again in a moment · Tessera</title></head><body><main>\
             <h1>Try again in a moment</h1><p>{message}</p>\
             <p>This page tries again by itself every {retry} seconds.</p>\
             <p><a href=\"\">Try again now</a></p></main></body></html>"
        );
        (
            status,
            [
                (RETRY_AFTER, retry),
                (CONTENT_TYPE, "text/html; charset=utf-8"),
            ],
            page,
        )
            .into_response()
    } else {
        let body = serde_json::to_string(&app::error::AppError::Unavailable)
            .unwrap_or_else(|_| "\"Unavailable\"".to_owned());
        (
            status,
            [(RETRY_AFTER, retry), (CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

/// The origin state-changing requests must come from: `TESSERA_PUBLIC_URL`'s when it is set,
/// else the request's own `Host` (scheme and port as the browser sees them).
#[derive(Debug, Clone)]
pub struct AllowedOrigin(pub Option<String>);

/// `scheme://host[:port]` of a URL, lower-cased; None when it has no host.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

impl AllowedOrigin {
    pub fn from_public_url(public_url: Option<&str>) -> Self {
        Self(public_url.and_then(origin_of))
    }

    /// Whether a request carrying `origin` (its Origin header, or its Referer's origin) for
    /// `host` (its Host header) comes from Tessera's own pages.
    pub fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let Some(origin) = origin_of(origin) else {
            return false;
        };
        match (&self.0, host) {
            (Some(allowed), _) => origin == *allowed,
            // Without a configured public URL the page's origin must name this very host.
            (None, Some(host)) => origin
                .split_once("://")
                .is_some_and(|(_, authority)| authority == host.to_ascii_lowercase()),
            (None, None) => false,
        }
    }
}

/// Cross-site request forgery: every request that may change something (anything but GET,
/// HEAD and OPTIONS) must come from Tessera's own origin, by its `Origin` header or, when a
/// browser sends none, its `Referer`. Requests with neither are refused too: every browser
/// sends one of them on a form or fetch POST. The CSV exports are GETs; a browser marks a
/// cross-site fetch of them `Sec-Fetch-Site: cross-site`, and those are refused as well.
pub async fn same_origin(
    State(allowed): State<AllowedOrigin>,
    req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    let text = |name: axum::http::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let refused = if safe {
        req.uri().path().ends_with(".csv")
            && text(axum::http::HeaderName::from_static("sec-fetch-site")).as_deref()
                == Some("cross-site")
    } else {
        let host = text(axum::http::header::HOST);
        let from = text(axum::http::header::ORIGIN)
            .filter(|o| o != "null")
            .or_else(|| text(axum::http::header::REFERER));
        !from.is_some_and(|o| allowed.allows(&o, host.as_deref()))
    };
    if refused {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-site request refused");
        return (
            StatusCode::FORBIDDEN,
            "This request did not come from Tessera's own pages, so it was refused. Reload the page and try again.",
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_origin_is_allowed() {
        let allowed = AllowedOrigin::from_public_url(Some("https://access.example.com/"));
        assert!(allowed.allows("https://access.example.com", None));
        assert!(allowed.allows("https://ACCESS.example.com/myaccess?x=1", Some("x")));
        assert!(!allowed.allows("http://access.example.com", None));
        assert!(!allowed.allows("https://access.example.com.evil.example", None));
        assert!(!allowed.allows("https://evil.example", Some("access.example.com")));
        assert!(!allowed.allows("null", None));
        assert!(!allowed.allows("https://user@access.example.com", None));
    }

    #[test]
    fn without_a_public_url_the_origin_must_name_the_host() {
        let allowed = AllowedOrigin::from_public_url(None);
        assert!(allowed.allows("http://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(allowed.allows("http://127.0.0.1:3000/login", Some("127.0.0.1:3000")));
        assert!(!allowed.allows("http://127.0.0.1:3001", Some("127.0.0.1:3000")));
        assert!(!allowed.allows("http://evil.example", Some("127.0.0.1:3000")));
        assert!(!allowed.allows("http://127.0.0.1:3000", None));
    }

    #[test]
    fn only_names_with_a_content_hash_are_cached_for_good() {
        assert!(is_hashed_asset("/pkg/tessera.QnAd0kyx3uyPXOJ7KqnNBw.wasm"));
        assert!(is_hashed_asset("/pkg/tessera.a-b_cdefghijklmnopqrst.js"));
        assert!(!is_hashed_asset("/pkg/tessera.wasm"));
        assert!(!is_hashed_asset("/pkg/tessera.css"));
        assert!(!is_hashed_asset("/pkg/.QnAd0kyx3uyPXOJ7KqnNBw.wasm"));
        assert!(!is_hashed_asset("/pkg/tessera.QnAd0kyx3uyPXOJ7KqnN/w.wasm"));
        assert!(!is_hashed_asset("/pkg/tessera.QnAd0kyx3uyPXOJ7KqnNB.wasm"));
    }
}

/// What the security headers depend on: whether responses carry HSTS (only when Tessera is
/// reached over HTTPS), and the origin forms may also go to (the single sign-on provider,
/// where sign-out continues; empty without one).
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    pub https: bool,
    pub provider_origin: std::sync::Arc<str>,
}

/// The Content-Security-Policy for one response: scripts only from this origin or carrying
/// this response's nonce (Leptos puts it on its hydration scripts), WebAssembly compiled
/// from our own bundle, nothing framed, no plug-ins, forms only to ourselves (and, with
/// single sign-on, to the provider: the browser checks the sign-out form's redirect to it).
pub fn content_security_policy(nonce: &str, provider_origin: &str) -> String {
    let provider = if provider_origin.is_empty() {
        String::new()
    } else {
        format!(" {provider_origin}")
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'{provider}; frame-ancestors 'none'"
    )
}

/// Security headers on every response, and a fresh CSP nonce for every page: the nonce is
/// put in the request's extensions, where the Leptos context picks it up (see `router`).
/// Whether `path`'s file name carries cargo-leptos's content hash: `name.<hash>.ext`, the hash
/// 22 characters of unpadded base64url (MD5).
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let mut parts = file.rsplit('.');
    let (_ext, hash, name) = (parts.next(), parts.next(), parts.next());
    name.is_some_and(|n| !n.is_empty())
        && hash.is_some_and(|h| {
            h.len() == 22
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

pub async fn security_headers(
    State(settings): State<SecurityHeaders>,
    mut req: Request,
    next: Next,
) -> Response {
    use axum::http::HeaderValue;
    use axum::http::header;
    let nonce = leptos::nonce::Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let path = req.uri().path().to_owned();
    let asset = path.starts_with("/pkg/");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if let Ok(csp) =
        HeaderValue::from_str(&content_security_policy(&nonce, &settings.provider_origin))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        axum::http::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ),
    );
    headers.insert(
        axum::http::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if asset {
        // A name with its content's hash never changes content: cached for a year. Another
        // (a build without hashing) is checked each time.
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if is_hashed_asset(&path) {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            }),
        );
        // The bundle comes as brotli, gzip or plain after the browser's Accept-Encoding.
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    } else {
        // Pages, server function answers and exports hold people's data: never cached.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if settings.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}
