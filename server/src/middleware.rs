//! Gives each request its correlation id (X-Request-Id, kept from the caller when plain, else
//! new; answered back and recorded on audit events), resolves the signed-in actor once per
//! request, sends signed-out people to the sign-in page and answers 403 on admin pages for
//! people without an admin role.

use crate::AppState;
use app::components::encode;
use app::session::{CurrentActor, current};
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

/// Runs the rest of the request inside its correlation id and answers it in `X-Request-Id`.
pub async fn request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(domain::correlation::accept)
        .unwrap_or_else(domain::correlation::new_id);
    let span = tracing::info_span!("request", id = %id);
    let mut response = {
        use tracing::Instrument;
        domain::correlation::scope(id.clone(), next.run(req))
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
    let actor = current(&state.ctx, &session).await;
    let is_page = req.method() == Method::GET && !path.starts_with("/api/");
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
