//! `/scim/v2`: the SCIM 2.0 service an identity provider pushes the directory to. HTTP only:
//! the bearer token, the JSON bodies, the query parameters, the statuses and the SCIM error
//! bodies. What a request does is decided in `domain::service::scim`.
//!
//! It sits outside the session and same-origin layers of the pages: a provisioning client
//! has no cookie and no Origin, and proves itself with its token on every request.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::scim::filter::Filter;
use domain::scim::project::Projection;
use domain::scim::{self, LIST_SCHEMA, ScimError, discovery};
use domain::service::Ctx;
use domain::service::scim::{self as sync, ScimClient};
use domain::store::scim::Window;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Clone)]
pub struct ScimState {
    ctx: Ctx,
    /// `{public URL}/scim/v2`: where resources say they live.
    base: Arc<str>,
}

const CONTENT_TYPE: &str = "application/scim+json";

pub fn router(ctx: Ctx, public_url: &str) -> Router {
    let state = ScimState {
        ctx,
        base: format!("{}/scim/v2", public_url.trim_end_matches('/')).into(),
    };
    Router::new()
        .route(
            "/ServiceProviderConfig",
            get(service_provider_config).fallback(method_not_allowed),
        )
        .route(
            "/ResourceTypes",
            get(resource_types).fallback(method_not_allowed),
        )
        .route(
            "/ResourceTypes/{id}",
            get(resource_type).fallback(method_not_allowed),
        )
        .route("/Schemas", get(schemas).fallback(method_not_allowed))
        .route("/Schemas/{id}", get(schema).fallback(method_not_allowed))
        .route(
            "/Users",
            get(list_users)
                .post(create_user)
                .fallback(method_not_allowed),
        )
        .route(
            "/Users/.search",
            post(search_users).fallback(method_not_allowed),
        )
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user)
                .fallback(method_not_allowed),
        )
        .route(
            "/Groups",
            get(list_groups)
                .post(create_group)
                .fallback(method_not_allowed),
        )
        .route("/Groups/{id}", {
            get(get_group)
                .put(replace_group)
                .patch(patch_group)
                .delete(delete_group)
                .fallback(method_not_allowed)
        })
        .route(
            "/Groups/.search",
            post(search_groups).fallback(method_not_allowed),
        )
        .route("/.search", post(search_all).fallback(method_not_allowed))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ))
        .with_state(state)
}

/// A SCIM answer: status, `application/scim+json`, the body.
fn answer(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    r
}

struct Failure(ScimError);

impl From<ScimError> for Failure {
    fn from(e: ScimError) -> Self {
        Failure(e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = answer(status, &self.0.body());
        // For `authenticate`, which keeps a client's last error.
        r.extensions_mut().insert(self.0.clone());
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tessera-scim\""),
            );
        }
        r
    }
}

type Answer = Result<Response, Failure>;

async fn not_found() -> Failure {
    Failure(ScimError::new(
        404,
        None,
        "Tessera's SCIM service has no such endpoint.",
    ))
}

async fn method_not_allowed() -> Failure {
    Failure(ScimError::new(
        405,
        None,
        "This endpoint does not take that method.",
    ))
}

/// Every request carries a live token; the client it names goes to the handler. A refused or
/// failed request is kept as the client's last error (the sync page shows it); a GET that
/// finds nothing is not an error worth keeping (clients look people up that way).
async fn authenticate(State(state): State<ScimState>, mut req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::to_owned);
    let client = match bearer {
        Some(b) => sync::authenticate(&state.ctx, &b).await,
        None => Err(domain::DomainError::Unauthenticated),
    };
    let client = match client {
        Ok(c) => c,
        Err(domain::DomainError::Unauthenticated) => {
            return Failure(ScimError::new(
                401,
                None,
                "A valid bearer token is required (Authorization: Bearer …, from Tessera's directory sync page).",
            ))
            .into_response();
        }
        Err(e) => return Failure(ScimError::from(e)).into_response(),
    };
    // The path as the client sent it (inside `/scim/v2`, the router sees it without the prefix).
    let path = req
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |u| u.path().to_owned());
    let what = format!("{} {path}", req.method());
    let quiet_miss = req.method() == Method::GET;
    req.extensions_mut().insert(client.clone());
    let response = next.run(req).await;
    let status = response.status();
    let kept = status.is_server_error()
        || (status.is_client_error() && !(quiet_miss && status == StatusCode::NOT_FOUND));
    // Every answer of ours that is an error carries its `ScimError` (see `Failure`).
    if kept && let Some(error) = response.extensions().get::<ScimError>() {
        sync::record_error(&state.ctx, &client, &what, error).await;
    }
    response
}

/// The JSON body of a request (`application/scim+json` or `application/json`).
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Failure> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(CONTENT_TYPE);
    let essence = kind.split(';').next().unwrap_or_default().trim();
    if !(essence.eq_ignore_ascii_case(CONTENT_TYPE)
        || essence.eq_ignore_ascii_case("application/json"))
    {
        return Err(Failure(ScimError::new(
            415,
            None,
            "Send the body as application/scim+json.",
        )));
    }
    serde_json::from_slice(body).map_err(|e| {
        Failure(ScimError::invalid_syntax(format!(
            "The body is not valid JSON: {e}."
        )))
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

fn number(raw: Option<&str>, name: &str) -> Result<Option<i64>, Failure> {
    raw.map(|r| {
        r.trim().parse::<i64>().map_err(|_| {
            Failure(ScimError::invalid_value(format!(
                "\"{name}\" must be a whole number."
            )))
        })
    })
    .transpose()
}

/// What a list request asks: filter, window, projection.
struct Listing {
    filter: Option<Filter>,
    window: Window,
    projection: Projection,
}

impl Listing {
    fn of(q: &ListQuery) -> Result<Listing, Failure> {
        Ok(Listing {
            filter: q.filter.as_deref().map(Filter::parse).transpose()?,
            window: Window::new(
                number(q.start_index.as_deref(), "startIndex")?,
                number(q.count.as_deref(), "count")?,
            ),
            projection: projection(q)?,
        })
    }

    /// A POST …/.search body (RFC 7644 §3.4.3).
    fn of_search(body: &Value) -> Result<Listing, Failure> {
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        let list = |k: &str| match body.get(k) {
            Some(Value::Array(a)) => Some(
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let int = |k: &str| body.get(k).and_then(Value::as_i64).map(|n| n.to_string());
        Listing::of(&ListQuery {
            filter: text("filter"),
            start_index: int("startIndex"),
            count: int("count"),
            attributes: list("attributes"),
            excluded_attributes: list("excludedAttributes"),
        })
    }

    fn answer(&self, total: i64, resources: Vec<Value>) -> Response {
        let shown: Vec<Value> = resources
            .into_iter()
            .map(|r| self.projection.apply(r))
            .collect();
        answer(
            StatusCode::OK,
            &json!({
                "schemas": [LIST_SCHEMA],
                "totalResults": total,
                "startIndex": self.window.offset + 1,
                "itemsPerPage": shown.len(),
                "Resources": shown,
            }),
        )
    }
}

/// The listing a POST …/.search body asks for.
async fn search_request(req: Request) -> Result<Listing, Failure> {
    Listing::of_search(&write(req).await?)
}

fn projection(q: &ListQuery) -> Result<Projection, Failure> {
    Ok(Projection::parse(
        q.attributes.as_deref(),
        q.excluded_attributes.as_deref(),
    )?)
}

// ---- discovery ----

async fn service_provider_config(State(s): State<ScimState>) -> Response {
    answer(
        StatusCode::OK,
        &discovery::service_provider_config(
            &s.base,
            "https://github.com/tessera/docs/INTEGRATION.md",
        ),
    )
}

fn listed(items: Vec<Value>) -> Response {
    answer(
        StatusCode::OK,
        &json!({"schemas": [LIST_SCHEMA], "totalResults": items.len(), "startIndex": 1,
                "itemsPerPage": items.len(), "Resources": items}),
    )
}

async fn resource_types(State(s): State<ScimState>) -> Response {
    listed(discovery::resource_types(&s.base))
}

async fn resource_type(State(s): State<ScimState>, Path(id): Path<String>) -> Answer {
    discovery::resource_types(&s.base)
        .into_iter()
        .find(|t| t.get("id").and_then(Value::as_str) == Some(id.as_str()))
        .map(|t| answer(StatusCode::OK, &t))
        .ok_or_else(|| Failure(ScimError::not_found("resource type", &id)))
}

async fn schemas(State(s): State<ScimState>) -> Response {
    listed(discovery::schemas(&s.base))
}

async fn schema(State(s): State<ScimState>, Path(id): Path<String>) -> Answer {
    discovery::schemas(&s.base)
        .into_iter()
        .find(|t| {
            t.get("id")
                .and_then(Value::as_str)
                .is_some_and(|x| x.eq_ignore_ascii_case(&id))
        })
        .map(|t| answer(StatusCode::OK, &t))
        .ok_or_else(|| Failure(ScimError::not_found("schema", &id)))
}

// ---- users ----

fn created(resource: Value) -> Response {
    let location = resource
        .pointer("/meta/location")
        .and_then(Value::as_str)
        .and_then(|l| HeaderValue::from_str(l).ok());
    let mut r = answer(StatusCode::CREATED, &resource);
    if let Some(l) = location {
        r.headers_mut().insert(header::LOCATION, l);
    }
    r
}

async fn list_users(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Query(q): Query<ListQuery>,
) -> Answer {
    let l = Listing::of(&q)?;
    let (total, users) = sync::list_users(&s.ctx, &client, l.filter.as_ref(), l.window).await?;
    Ok(l.answer(total, users.iter().map(|u| u.resource(&s.base)).collect()))
}

async fn search_users(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    req: Request,
) -> Answer {
    let l = search_request(req).await?;
    let (total, users) = sync::list_users(&s.ctx, &client, l.filter.as_ref(), l.window).await?;
    Ok(l.answer(total, users.iter().map(|u| u.resource(&s.base)).collect()))
}

async fn get_user(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Answer {
    let p = projection(&q)?;
    let user = sync::get_user(&s.ctx, &client, &id).await?;
    Ok(answer(StatusCode::OK, &p.apply(user.resource(&s.base))))
}

/// The JSON body of a write (or of a search).
async fn write(req: Request) -> Result<Value, Failure> {
    let (parts, body) = req.into_parts();
    // The whole server's body limit already applies (413 before this reads it).
    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|_| {
        Failure(ScimError::new(
            413,
            None,
            "The body is larger than Tessera accepts.",
        ))
    })?;
    json_body(&parts.headers, &bytes)
}

async fn create_user(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    req: Request,
) -> Answer {
    let user = sync::create_user(&s.ctx, &client, &write(req).await?).await?;
    Ok(created(user.resource(&s.base)))
}

async fn replace_user(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Path(id): Path<String>,
    req: Request,
) -> Answer {
    let user = sync::replace_user(&s.ctx, &client, &id, &write(req).await?).await?;
    Ok(answer(StatusCode::OK, &user.resource(&s.base)))
}

async fn patch_user(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Path(id): Path<String>,
    req: Request,
) -> Answer {
    let ops = scim::patch_operations(&write(req).await?)?;
    let user = sync::patch_user(&s.ctx, &client, &id, &ops).await?;
    Ok(answer(StatusCode::OK, &user.resource(&s.base)))
}

async fn delete_user(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Path(id): Path<String>,
) -> Answer {
    sync::delete_user(&s.ctx, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- groups ----

async fn list_groups(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Query(q): Query<ListQuery>,
) -> Answer {
    let l = Listing::of(&q)?;
    let with_members = l.projection.shows("members");
    let (total, groups) =
        sync::list_groups(&s.ctx, &client, l.filter.as_ref(), l.window, with_members).await?;
    Ok(l.answer(total, groups.iter().map(|g| g.resource(&s.base)).collect()))
}

async fn search_groups(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    req: Request,
) -> Answer {
    let l = search_request(req).await?;
    let with_members = l.projection.shows("members");
    let (total, groups) =
        sync::list_groups(&s.ctx, &client, l.filter.as_ref(), l.window, with_members).await?;
    Ok(l.answer(total, groups.iter().map(|g| g.resource(&s.base)).collect()))
}

/// POST /.search at the root: users, then groups, in one window (RFC 7644 §3.4.3). A filter
/// naming an attribute only one of them has finds nothing of the other.
async fn search_all(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    req: Request,
) -> Answer {
    let l = search_request(req).await?;
    let Window { offset, limit } = l.window;
    let users = sync::list_users(&s.ctx, &client, l.filter.as_ref(), l.window).await;
    let (user_total, mut found): (i64, Vec<Value>) = match &users {
        Ok((total, page)) => (*total, page.iter().map(|u| u.resource(&s.base)).collect()),
        Err(_) => (0, Vec::new()),
    };
    // The groups come after the users: from where the window is past them, in the room left.
    let shown = i64::try_from(found.len()).unwrap_or(limit);
    let rest = Window {
        offset: (offset - user_total).max(0),
        limit: limit - shown,
    };
    let with_members = l.projection.shows("members");
    let groups = sync::list_groups(&s.ctx, &client, l.filter.as_ref(), rest, with_members).await;
    let group_total = match (users, groups) {
        (Err(e), Err(_)) => return Err(e.into()),
        (_, Ok((total, page))) => {
            found.extend(page.iter().map(|g| g.resource(&s.base)));
            total
        }
        (Ok(_), Err(_)) => 0,
    };
    Ok(l.answer(user_total + group_total, found))
}

async fn get_group(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Answer {
    let p = projection(&q)?;
    let group = sync::get_group(&s.ctx, &client, &id, p.shows("members")).await?;
    Ok(answer(StatusCode::OK, &p.apply(group.resource(&s.base))))
}

async fn create_group(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    req: Request,
) -> Answer {
    let group = sync::create_group(&s.ctx, &client, &write(req).await?).await?;
    Ok(created(group.resource(&s.base)))
}

async fn replace_group(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Path(id): Path<String>,
    req: Request,
) -> Answer {
    let group = sync::replace_group(&s.ctx, &client, &id, &write(req).await?).await?;
    Ok(answer(StatusCode::OK, &group.resource(&s.base)))
}

/// 200 with the group as it is now, or 204 for a group too large to send back whole
/// (`sync::MAX_MEMBERS_ECHOED` members) unless the client leaves the members out.
async fn patch_group(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
    req: Request,
) -> Answer {
    let ops = scim::patch_operations(&write(req).await?)?;
    let p = projection(&q)?;
    match sync::patch_group(&s.ctx, &client, &id, &ops, p.shows("members")).await? {
        Some(group) => Ok(answer(StatusCode::OK, &p.apply(group.resource(&s.base)))),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn delete_group(
    State(s): State<ScimState>,
    Extension(client): Extension<ScimClient>,
    Path(id): Path<String>,
) -> Answer {
    sync::delete_group(&s.ctx, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
