//! `/api/v1`: the REST API (issue 17), shaped after Microsoft Graph's entitlement management.
//! HTTP only: the bearer token, the rate limit, JSON in and out, RFC 7807 problem details,
//! paging links and idempotency keys. Every call runs the same `domain` use case as the page
//! that does the same thing, as the token's person, narrowed by the token's scope
//! (`domain::service::api_tokens`).
//!
//! It sits outside the session and same-origin layers of the pages: a script has no cookie
//! and no Origin, and proves itself with its token on every call. The OpenAPI document is
//! generated from the handlers and types below (utoipa), so it cannot drift from them.

mod catalogs;
mod composition;
mod edits;
mod filter;
mod filtered;
mod governance;
mod packages;
mod resources;
mod review_settings;
mod reviews;
mod routes;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::DomainError;
use domain::model::FieldError;
use domain::service::Ctx;
use domain::service::api_tokens::{self, ApiCaller};
use serde::Serialize;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

pub use resources::*;

/// Where the API lives.
pub const BASE: &str = "/api/v1";

#[derive(Clone)]
pub struct ApiState {
    pub ctx: Ctx,
    limits: Arc<governor::DefaultKeyedRateLimiter<String>>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera API",
        version = "1",
        description = "Entitlement management: access packages, requests, approvals, assignments and the audit log. Resource and property names follow Microsoft Graph's entitlement management where it has them. Every call needs `Authorization: Bearer <API token>` (made on Your account → API tokens).",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerToken),
    tags(
        (name = "me", description = "The token's own person: requests, access, approvals"),
        (name = "catalogs", description = "Catalogs: their resources and delegated roles (administrators)"),
        (name = "accessPackages", description = "Access packages, their resource roles, policies, incompatibilities and assignments (administrators)"),
        (name = "assignmentRequests", description = "Requesting, assigning and removing access"),
        (name = "approvals", description = "Approvers' decisions"),
        (name = "accessReviews", description = "Access reviews: reviewers' decisions, and administrators' view of a package's reviews"),
        (name = "auditEvents", description = "The audit log"),
        (name = "directory", description = "People and groups (directory administrators)"),
        (name = "governance", description = "Policy as code: export the configuration as YAML, apply a file"),
    )
)]
struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (tsr_…) from Your account → API tokens"))
                    .build(),
            ),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// The API's routes and its OpenAPI document, from the same handlers.
fn parts() -> (Router<ApiState>, utoipa::openapi::OpenApi) {
    routes::register(OpenApiRouter::with_openapi(ApiDoc::openapi())).split_for_parts()
}

/// The OpenAPI 3.1 document as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

/// `/api/v1`, its document and its browsable page; `per_minute` calls a minute per token.
pub fn router(ctx: Ctx, per_minute: std::num::NonZeroU32) -> Router {
    use governor::{Quota, RateLimiter};
    let state = ApiState {
        ctx,
        limits: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
    };
    let (api, doc) = parts();
    let json: Arc<str> = doc.to_json().unwrap_or_default().into();
    let page: Arc<str> = docs_page(&doc).into();
    let documents = Router::new()
        .route(
            &format!("{BASE}/openapi.json"),
            axum::routing::get({
                let json = json.clone();
                move || async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        json.to_string(),
                    )
                }
            }),
        )
        .route(
            &format!("{BASE}/docs"),
            axum::routing::get(move || async move { axum::response::Html(page.to_string()) }),
        );
    // Not a fallback: the pages' router, which this one is merged into, has that.
    let api = api
        .route(&format!("{BASE}/{{*rest}}"), axum::routing::any(not_found))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ))
        .with_state(state);
    documents.merge(api)
}

/// An RFC 7807 problem: what went wrong, and for invalid input each field's message (the
/// same messages the pages show).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status and title say what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For invalid input: each field's problem (field names as the request spells them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

/// The refusals every operation may answer, each a [`Problem`] (one list for the document,
/// instead of six lines on every operation).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Refused {
    #[response(
        status = 400,
        description = "The query string or the body cannot be read",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "No live API token",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    #[response(
        status = 403,
        description = "The person, or the token's scope, may not do this",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such resource",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 422,
        description = "A field is wrong: `errors` names it",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(
        status = 429,
        description = "Over the token's rate limit: see Retry-After",
        content_type = "application/problem+json"
    )]
    TooMany(Problem),
}

/// What a call that changes something may answer besides [`Refused`].
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum RefusedChange {
    #[response(
        status = 409,
        description = "The state changed, or the Idempotency-Key is in use",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    #[response(
        status = 415,
        description = "The body is not application/json",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
}

/// A problem answer; `retry_after` seconds for 429 and 503.
pub struct Failure {
    status: StatusCode,
    detail: String,
    fields: Vec<FieldError>,
    retry_after: Option<u64>,
}

impl Failure {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::from(DomainError::invalid(field, message))
    }
}

impl From<DomainError> for Failure {
    fn from(e: DomainError) -> Self {
        use DomainError as D;
        match e {
            D::NotFound(what) => {
                Failure::new(StatusCode::NOT_FOUND, format!("The {what} was not found."))
            }
            D::Forbidden(why) => {
                Failure::new(StatusCode::FORBIDDEN, format!("Not allowed: {why}."))
            }
            D::Unauthenticated => Failure::new(
                StatusCode::UNAUTHORIZED,
                "A valid API token is required: Authorization: Bearer tsr_… (Your account → API tokens). This one is unknown, expired or revoked, or its person can no longer sign in.",
            ),
            D::Invalid(fields) => Failure {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                detail: "Please correct the fields named in errors.".into(),
                fields,
                retry_after: None,
            },
            D::Conflict(message) => Failure::new(StatusCode::CONFLICT, message),
            D::Stale(what) => Failure::new(
                StatusCode::PRECONDITION_FAILED,
                format!(
                    "The {what} was changed since the ETag you sent (If-Match) was read; GET it again and make the change on what is there."
                ),
            ),
            D::Throttled { retry_after_secs } => Failure {
                retry_after: Some(u64::try_from(retry_after_secs).unwrap_or(1).max(1)),
                ..Failure::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts; try again later.",
                )
            },
            D::Internal(source) => {
                tracing::error!(error = ?source, "internal error in an API call");
                Failure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on Tessera's side; nothing was changed. Try again; if it persists, tell your administrator.",
                )
            }
            D::Unavailable(source) => {
                tracing::warn!(error = %source, "the database is unavailable");
                Failure {
                    retry_after: Some(5),
                    ..Failure::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Tessera cannot reach its database just now, so nothing was changed. Try again in a moment.",
                    )
                }
            }
        }
    }
}

/// The use case's field names as the API's body names them.
fn renamed(e: DomainError, names: &[(&str, &str)]) -> Failure {
    match e {
        DomainError::Invalid(mut fields) => {
            for f in &mut fields {
                if let Some((_, to)) = names.iter().find(|(from, _)| *from == f.field) {
                    f.field = (*to).to_owned();
                }
            }
            Failure::from(DomainError::Invalid(fields))
        }
        other => Failure::from(other),
    }
}

impl Failure {
    fn problem(&self) -> Problem {
        Problem {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self
                .fields
                .iter()
                .map(|f| ProblemField {
                    field: f.field.clone(),
                    message: f.message.clone(),
                })
                .collect(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = serde_json::to_string(&self.problem()).unwrap_or_default();
        let mut r = (self.status, body).into_response();
        let headers = r.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tessera-api\""),
            );
        }
        r
    }
}

pub type Answer<T> = Result<T, Failure>;

async fn not_found() -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        "The API has no such endpoint; /api/v1/openapi.json lists them.",
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
}

/// Every call carries a live token; its caller goes to the handler. Per token: at most the
/// configured calls a minute (429 with Retry-After beyond), and a read-only token reads only.
async fn authenticate(State(state): State<ApiState>, mut req: Request, next: Next) -> Response {
    let query = req.uri().query().unwrap_or_default();
    if query.contains("%00") || query.contains('\0') {
        return Failure::new(
            StatusCode::BAD_REQUEST,
            "The query string must not contain the NUL character (%00).",
        )
        .into_response();
    }
    let caller = match bearer(req.headers()) {
        Some(b) => api_tokens::authenticate(&state.ctx, b).await,
        None => Err(DomainError::Unauthenticated),
    };
    let caller = match caller {
        Ok(c) => c,
        Err(e) => return Failure::from(e).into_response(),
    };
    if let Err(not_until) = state.limits.check_key(&caller.token_id) {
        use governor::clock::{Clock, DefaultClock};
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Failure {
            retry_after: Some(secs.max(1)),
            ..Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "This token made too many calls; wait for the seconds in Retry-After.",
            )
        }
        .into_response();
    }
    if state.limits.len() > 10_000 {
        state.limits.retain_recent();
    }
    if req.method() != Method::GET
        && req.method() != Method::HEAD
        && let Err(e) = caller.writer()
    {
        return Failure::from(e).into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// The browsable page: every operation with its method, path, summary and parameters.
fn docs_page(doc: &utoipa::openapi::OpenApi) -> String {
    fn esc(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }
    let mut rows = String::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PATCH", &item.patch),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let params = op
                .parameters
                .iter()
                .flatten()
                .map(|p| format!("<code>{}</code>", esc(&p.name)))
                .collect::<Vec<_>>()
                .join(" ");
            rows.push_str(&format!(
                "<tr><td><code>{method}</code></td><td><code>{}</code></td><td>{}</td><td>{params}</td></tr>\n",
                esc(path),
                esc(op.summary.as_deref().unwrap_or_default()),
            ));
        }
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Tessera API</title>\
</head>\
<body><h1>Tessera API <small>v1</small></h1><p>{}</p><p>The machine-readable description: <a href=\"{BASE}/openapi.json\">openapi.json</a> (OpenAPI 3.1). Send <code>Authorization: Bearer tsr_…</code> with every call; make a token on <a href=\"/myaccess/account\">Your account</a>.</p>\
<table><caption>Operations</caption><thead><tr><th scope=\"col\">Method</th><th scope=\"col\">Path</th><th scope=\"col\">What it does</th><th scope=\"col\">Parameters</th></tr></thead><tbody>\n{rows}</tbody></table></body></html>\n",
        esc(doc.info.description.as_deref().unwrap_or_default()),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_is_openapi_3_1_with_every_operation_secured() {
        let doc = super::openapi();
        let json = serde_json::to_value(&doc).unwrap_or_default();
        assert_eq!(json["openapi"], "3.1.0");
        let paths = json["paths"].as_object().cloned().unwrap_or_default();
        assert!(paths.len() >= 10, "{} paths", paths.len());
        assert!(paths.keys().all(|p| p.starts_with("/api/v1/")));
        assert_eq!(
            json["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        for (path, item) in &paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let responses = op["responses"].as_object().cloned().unwrap_or_default();
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents 401"
                );
                assert!(op["summary"].is_string(), "{method} {path} has a summary");
            }
        }
    }
}
