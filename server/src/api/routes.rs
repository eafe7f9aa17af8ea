//! The API's operations: each reads its input, runs one `domain` use case as the token's
//! person, and answers a resource or a problem. `#[utoipa::path]` documents each from the
//! same code.

use super::edits::with_etag;
use super::packages::*;
use super::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, Path, Query};
use domain::model::*;
use domain::service::{audit, packages, requests};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn register(r: OpenApiRouter<ApiState>) -> OpenApiRouter<ApiState> {
    r.routes(routes!(me))
        .routes(routes!(my_access_packages))
        .routes(routes!(my_requests))
        .routes(routes!(my_approvals))
        .routes(routes!(list_packages, create_package))
        .routes(routes!(get_package, super::edits::update_package))
        .routes(routes!(
            super::edits::get_policy,
            super::edits::update_policy,
            super::composition::delete_policy
        ))
        .routes(routes!(super::composition::create_policy))
        .routes(routes!(super::composition::add_resource_role))
        .routes(routes!(super::composition::remove_resource_role))
        .routes(routes!(super::composition::add_incompatible_package))
        .routes(routes!(super::composition::remove_incompatible_package))
        .routes(routes!(super::composition::add_incompatible_group))
        .routes(routes!(super::composition::remove_incompatible_group))
        .routes(routes!(
            super::catalogs::list_catalogs,
            super::catalogs::create_catalog
        ))
        .routes(routes!(
            super::catalogs::get_catalog,
            super::catalogs::update_catalog,
            super::catalogs::delete_catalog
        ))
        .routes(routes!(super::catalogs::add_resource))
        .routes(routes!(super::catalogs::remove_resource))
        .routes(routes!(super::catalogs::add_role))
        .routes(routes!(super::catalogs::remove_role))
        .routes(routes!(super::reviews::my_reviews))
        .routes(routes!(super::reviews::package_reviews))
        .routes(routes!(super::reviews::review_decisions))
        .routes(routes!(super::reviews::decide))
        .routes(routes!(super::reviews::accept_recommendations))
        .routes(routes!(super::reviews::stop))
        .routes(routes!(package_assignments))
        .routes(routes!(package_requests))
        .routes(routes!(create_request, super::filtered::list_requests))
        .routes(routes!(super::filtered::list_assignments))
        .routes(routes!(get_request))
        .routes(routes!(cancel_request))
        .routes(routes!(reprocess_request))
        .routes(routes!(decide))
        .routes(routes!(audit_events))
        .routes(routes!(list_users))
        .routes(routes!(list_groups))
        .routes(routes!(super::packages::list_licenses))
        .routes(routes!(super::governance::export))
        .routes(routes!(super::governance::apply))
}

/// Paging: `$top` (1–100, default 25) and the `$skiptoken` of an `@odata.nextLink`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// How many items a page holds: 1 to 100 (default 25).
    #[serde(rename = "$top")]
    #[param(rename = "$top")]
    top: Option<String>,
    /// Where the page starts: copy it from the previous page's `@odata.nextLink`.
    #[serde(rename = "$skiptoken")]
    #[param(rename = "$skiptoken")]
    skiptoken: Option<String>,
}

impl Paging {
    pub(super) fn page(&self) -> Answer<PageRequest> {
        let top = match self.top.as_deref().map(str::trim) {
            None | Some("") => PageRequest::DEFAULT_PER_PAGE,
            Some(t) => t
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=PageRequest::MAX_PER_PAGE).contains(n))
                .ok_or_else(|| {
                    Failure::field(
                        "$top",
                        format!(
                            "$top must be a whole number from 1 to {}.",
                            PageRequest::MAX_PER_PAGE
                        ),
                    )
                })?,
        };
        let page = match self.skiptoken.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(t) => t
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or_else(|| {
                    Failure::field("$skiptoken", "Copy $skiptoken from an @odata.nextLink.")
                })?,
        };
        Ok(PageRequest::new(page, top))
    }
}

/// A domain page as a collection; the next link repeats `query` (already encoded, without
/// paging) with the next `$skiptoken`.
pub(super) fn collection<D, T>(page: Page<D>, path: &str, query: &[(&str, &str)]) -> Collection<T>
where
    T: ToSchema + for<'a> From<&'a D>,
{
    let seen = i64::from(page.page) * i64::from(page.per_page);
    let next_link = (seen < page.total).then(|| {
        let mut q: Vec<String> = query
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::drive::urlencode(v)))
            .collect();
        q.push(format!("$top={}", page.per_page));
        q.push(format!("$skiptoken={}", page.page + 1));
        format!("{path}?{}", q.join("&"))
    });
    Collection {
        value: page.items.iter().map(T::from).collect(),
        count: page.total,
        next_link,
    }
}

/// A short list that the domain bounds as one page.
pub(super) fn whole<D, T>(items: &[D]) -> Collection<T>
where
    T: ToSchema + for<'a> From<&'a D>,
{
    Collection {
        value: items.iter().map(T::from).collect(),
        count: i64::try_from(items.len()).unwrap_or(i64::MAX),
        next_link: None,
    }
}

/// A query string that cannot be read (a repeated or badly encoded parameter): 400, as a problem.
pub(super) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Answer<T> {
    q.map(|Query(t)| t).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            format!("The query string cannot be read: {}.", e.body_text()),
        )
    })
}

/// Path segments (one `String`, or a tuple of them) that cannot be read: 400, as a problem.
pub(super) fn path<T>(p: Result<Path<T>, PathRejection>) -> Answer<T> {
    p.map(|Path(t)| t).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            format!("The path cannot be read: {}.", e.body_text()),
        )
    })
}

pub(super) fn id_of(raw: &str, what: &'static str) -> Answer<Uuid> {
    Uuid::parse_str(raw.trim()).map_err(|_| Failure::from(DomainError::NotFound(what)))
}

/// A JSON body, as `T`; a problem naming what is wrong otherwise.
pub(super) fn body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    bytes: &Bytes,
) -> Answer<T> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = kind.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the body as application/json.",
        ));
    }
    if holds_nul(bytes) {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "Text in the body must not contain the NUL character (\\u0000).",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            format!("The body is not what this call takes: {e}."),
        )
    })
}

/// A NUL character, raw or escaped: no text Tessera keeps may hold one (PostgreSQL refuses
/// it), so the API refuses it on both databases alike.
pub(super) fn holds_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
        || bytes
            .windows(6)
            .any(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].iter().all(|&c| c == b'0'))
}

pub(super) fn search(raw: &Option<String>) -> &str {
    raw.as_deref().map(str::trim).unwrap_or_default()
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "me",
    summary = "The token's person, their roles and the token's scope",
    responses(
        (status = 200, body = Me),
        Refused,
    )
)]
async fn me(Extension(caller): Extension<ApiCaller>) -> Json<Me> {
    Json(Me::of(caller.reader(), caller.scope))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyAccessQuery {
    /// `available` (what the person may request; the default), `active` or `expired`.
    tab: Option<String>,
    /// Words of a package's name or description.
    search: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/me/accessPackages", tag = "me",
    summary = "Access packages the person may request, holds, or held (My Access)",
    params(MyAccessQuery),
    responses(
        (status = 200, body = Collection<MyAccessPackage>),
        Refused,
    )
)]
async fn my_access_packages(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<Query<MyAccessQuery>, QueryRejection>,
) -> Answer<Json<Collection<MyAccessPackage>>> {
    let q = query(q)?;
    let tab = match q.tab.as_deref().map(str::trim) {
        None | Some("") => MyAccessTab::Available,
        Some(t) => MyAccessTab::parse(t)
            .map_err(|_| Failure::field("tab", "tab must be available, active or expired."))?,
    };
    let cards = requests::my_access(&state.ctx, caller.reader(), tab, search(&q.search)).await?;
    Ok(Json(whole(&cards)))
}

#[utoipa::path(
    get, path = "/api/v1/me/assignmentRequests", tag = "me",
    summary = "The person's own requests, newest first (at most 100)",
    responses(
        (status = 200, body = Collection<AssignmentRequest>),
        Refused,
    )
)]
async fn my_requests(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
) -> Answer<Json<Collection<AssignmentRequest>>> {
    let list = requests::my_requests(&state.ctx, caller.reader()).await?;
    Ok(Json(whole(&list)))
}

#[utoipa::path(
    get, path = "/api/v1/me/approvals", tag = "me",
    summary = "Requests waiting for the person's decision (at most 100)",
    responses(
        (status = 200, body = Collection<Approval>),
        Refused,
    )
)]
async fn my_approvals(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
) -> Answer<Json<Collection<Approval>>> {
    let (pending, _) = requests::my_approvals(&state.ctx, caller.reader()).await?;
    Ok(Json(whole(&pending)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackageQuery {
    /// Words of a package's name or description.
    search: Option<String>,
    /// Only this catalog's packages.
    #[serde(rename = "catalogId")]
    #[param(rename = "catalogId")]
    catalog_id: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/accessPackages", tag = "accessPackages",
    summary = "Access packages in the catalogs the person administers, by name",
    params(PackageQuery, Paging),
    responses(
        (status = 200, body = Collection<AccessPackage>),
        Refused,
    )
)]
async fn list_packages(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<Query<PackageQuery>, QueryRejection>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer<Json<Collection<AccessPackage>>> {
    let q = query(q)?;
    let paging = query(paging)?;
    let catalog = match q.catalog_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(
            CatalogId::parse(c)
                .map_err(|_| Failure::field("catalogId", "catalogId must be a catalog's id."))?,
        ),
    };
    let page = packages::list(
        &state.ctx,
        caller.reader(),
        search(&q.search),
        catalog,
        paging.page()?,
    )
    .await?;
    let catalog_text = catalog.map(|c| c.to_string()).unwrap_or_default();
    Ok(Json(collection(
        page,
        &format!("{BASE}/accessPackages"),
        &[("search", search(&q.search)), ("catalogId", &catalog_text)],
    )))
}

#[utoipa::path(
    get, path = "/api/v1/accessPackages/{id}", tag = "accessPackages",
    summary = "One access package: what it grants, its policies, its incompatibilities",
    params(("id" = Uuid, Path, description = "The access package's id")),
    responses(
        (status = 200, body = AccessPackageDetail,
            headers(("ETag" = String, description = "The package's version, for If-Match when changing it"))),
        Refused,
    )
)]
async fn get_package(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<Response> {
    let id = AccessPackageId(id_of(&path(id)?, "access package")?);
    let detail = packages::detail(&state.ctx, caller.reader(), id).await?;
    Ok(with_etag(&detail))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    /// `delivered` (live assignments, the default) or `expired` (ended ones).
    state: Option<String>,
    /// Words of the person's name or e-mail.
    search: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/accessPackages/{id}/assignments", tag = "accessPackages",
    summary = "A package's assignments, live or ended, for its administrators",
    params(("id" = Uuid, Path, description = "The access package's id"), AssignmentQuery, Paging),
    responses(
        (status = 200, body = Collection<Assignment>),
        Refused,
    )
)]
async fn package_assignments(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<AssignmentQuery>, QueryRejection>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer<Json<Collection<Assignment>>> {
    let q = query(q)?;
    let paging = query(paging)?;
    let package = AccessPackageId(id_of(&path(id)?, "access package")?);
    let (page, live) = assignments_page(
        &state,
        &caller,
        package,
        (q.state.as_deref(), "state"),
        search(&q.search),
        &paging,
    )
    .await?;
    Ok(Json(collection(
        page,
        &format!("{BASE}/accessPackages/{package}/assignments"),
        &[
            ("state", if live { "" } else { "expired" }),
            ("search", search(&q.search)),
        ],
    )))
}

/// A page of a package's live assignments, or of its ended ones when `wanted` (the state a
/// list was asked for, refused on its field) is `expired`; and whether they are the live ones.
pub(super) async fn assignments_page(
    state: &ApiState,
    caller: &ApiCaller,
    package: AccessPackageId,
    (wanted, field): (Option<&str>, &str),
    search: &str,
    paging: &Paging,
) -> Answer<(Page<AssignmentView>, bool)> {
    let live = match wanted.map(str::trim) {
        None | Some("") | Some("delivered") => true,
        Some("expired") => false,
        Some(_) => {
            return Err(Failure::field(field, "state must be delivered or expired."));
        }
    };
    let page = requests::package_assignments(
        &state.ctx,
        caller.reader(),
        package,
        live,
        search,
        paging.page()?,
    )
    .await?;
    Ok((page, live))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// `pendingApproval`, `delivered`, `denied`, `canceled` or `expired` (all by default).
    state: Option<String>,
    /// Words of the requestor's name or e-mail.
    search: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/accessPackages/{id}/assignmentRequests", tag = "accessPackages",
    summary = "A package's requests, newest first, for its administrators",
    params(("id" = Uuid, Path, description = "The access package's id"), RequestQuery, Paging),
    responses(
        (status = 200, body = Collection<PackageAssignmentRequest>),
        Refused,
    )
)]
async fn package_requests(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<RequestQuery>, QueryRejection>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer<Json<Collection<PackageAssignmentRequest>>> {
    let q = query(q)?;
    let paging = query(paging)?;
    let package = AccessPackageId(id_of(&path(id)?, "access package")?);
    let filter = super::filtered::graph_request_state(search(&q.state));
    let page = requests::package_requests(
        &state.ctx,
        caller.reader(),
        package,
        filter,
        search(&q.search),
        paging.page()?,
    )
    .await?;
    Ok(Json(collection(
        page,
        &format!("{BASE}/accessPackages/{package}/assignmentRequests"),
        &[("state", filter), ("search", search(&q.search))],
    )))
}

#[utoipa::path(
    post, path = "/api/v1/assignmentRequests", tag = "assignmentRequests",
    summary = "Request a package (userAdd), extend or give up one's access to it (userExtend, userRemove), assign it directly (adminAdd) or remove an assignment (adminRemove)",
    description = "Send an `Idempotency-Key` header to make a retry safe: a POST repeated with the same key and body within 24 hours gets the first answer again and changes nothing more.",
    request_body = NewAssignmentRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique text (at most 200 characters), e.g. a UUID")),
    responses(
        (status = 201, body = RequestResult, description = "Done: the request, its state, and any assignments made"),
        Refused,
        RefusedChange,
    )
)]
async fn create_request(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let path = format!("{BASE}/assignmentRequests");
    idempotent(&state, &caller, &path, &headers, &bytes, || {
        run_create(&state, &caller, &headers, &bytes)
    })
    .await
}

/// A create call (`POST` at `path`), answered `201` with what `run` made; with an
/// `Idempotency-Key` header, a retry with the same key, path and body within 24 hours gets
/// the first answer again (`Idempotent-Replayed: true`) and `run` is not called again. A key
/// used with another body (or path) is 409; a server error releases the key so a retry runs.
pub(super) async fn idempotent<T, Fut>(
    state: &ApiState,
    caller: &ApiCaller,
    path: &str,
    headers: &HeaderMap,
    bytes: &Bytes,
    run: impl FnOnce() -> Fut,
) -> Response
where
    T: serde::Serialize,
    Fut: std::future::Future<Output = Answer<T>>,
{
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_owned));
    let key = match key {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(_)) => {
            return Failure::field(
                "Idempotency-Key",
                "The Idempotency-Key header must be visible ASCII text.",
            )
            .into_response();
        }
    };
    let Some(key) = key else {
        return match run().await {
            Ok(done) => (StatusCode::CREATED, Json(done)).into_response(),
            Err(f) => f.into_response(),
        };
    };
    use domain::service::api_tokens::KeyedCall;
    let call = [path.as_bytes(), b"\n", bytes.as_ref()].concat();
    match api_tokens::claim_key(&state.ctx, caller, &key, &call).await {
        Err(e) => return Failure::from(e).into_response(),
        Ok(KeyedCall::Conflict(why)) => {
            return Failure::new(StatusCode::CONFLICT, why).into_response();
        }
        Ok(KeyedCall::Replay(status, body)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut r = kept_answer(status, body);
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return r;
        }
        Ok(KeyedCall::Run) => {}
    }
    let (status, text) = match run().await {
        Ok(done) => (
            StatusCode::CREATED,
            serde_json::to_string(&done).unwrap_or_default(),
        ),
        Err(f) if f.status.is_server_error() => {
            if let Err(e) = api_tokens::release_key(&state.ctx, caller, &key).await {
                tracing::warn!(error = ?e, "could not release an idempotency key");
            }
            return f.into_response();
        }
        Err(f) => (
            f.status,
            serde_json::to_string(&f.problem()).unwrap_or_default(),
        ),
    };
    if let Err(e) = api_tokens::keep_answer(&state.ctx, caller, &key, status.as_u16(), &text).await
    {
        // The work is done; the answer will say so even if a retry cannot replay it.
        tracing::warn!(error = ?e, "could not keep an idempotent answer");
    }
    kept_answer(status, text)
}

/// A request's field errors under the body's names.
fn request_fields(e: DomainError) -> Failure {
    super::renamed(
        e,
        &[
            ("policy", "assignmentPolicyId"),
            ("users", "targetIds"),
            ("start", "schedule.startDate"),
            ("end", "schedule.endDate"),
        ],
    )
}

/// An answer as an Idempotency-Key keeps it (status and JSON text): the result, or a problem.
fn kept_answer(status: StatusCode, text: String) -> Response {
    let kind = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut r = (status, text).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r
}

async fn run_create(
    state: &ApiState,
    caller: &ApiCaller,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> Answer<RequestResult> {
    let new: NewAssignmentRequest = body(headers, bytes)?;
    let actor = caller.writer()?;
    let package = || {
        new.access_package_id.map(AccessPackageId).ok_or_else(|| {
            Failure::field(
                "accessPackageId",
                "Name the access package (accessPackageId).",
            )
        })
    };
    let (specific, start, end) = match &new.schedule {
        Some(p) => (true, p.start_date.clone(), p.end_date.clone()),
        None => (false, String::new(), String::new()),
    };
    match new.request_type {
        RequestType::UserAdd => {
            let form = requests::RequestForm {
                policy: new.assignment_policy_id.map(PolicyId),
                justification: new.justification.clone(),
                answers: new.answers.clone(),
                specific_period: specific,
                start,
                end,
            };
            let (id, outcome) = requests::submit_request(&state.ctx, actor, package()?, &form)
                .await
                .map_err(request_fields)?;
            Ok(RequestResult::of(Some(id), &outcome))
        }
        RequestType::AdminAdd => {
            let form = requests::AssignForm {
                users: new.target_ids.iter().copied().map(UserId).collect(),
                policy: new.assignment_policy_id.map(PolicyId),
                justification: new.justification.clone(),
                specific_period: specific,
                start,
                end,
            };
            let made = requests::assign_directly(&state.ctx, actor, package()?, &form)
                .await
                .map_err(request_fields)?;
            Ok(RequestResult {
                id: None,
                state: "delivered".into(),
                status: format!("Assigned to {} people", made.len()),
                assignment_ids: made.iter().map(|a| a.0).collect(),
                approval_stage: None,
                approval_stage_count: None,
            })
        }
        RequestType::UserExtend => {
            let (id, outcome) =
                requests::extend_access(&state.ctx, actor, package()?, &new.justification).await?;
            Ok(RequestResult::of(Some(id), &outcome))
        }
        RequestType::UserRemove => {
            let package = package()?;
            let withdrawn = requests::remove_my_access(&state.ctx, actor, package).await?;
            Ok(RequestResult {
                id: None,
                state: "removed".into(),
                status: format!("Removed; {withdrawn} grant(s) withdrawn"),
                assignment_ids: Vec::new(),
                approval_stage: None,
                approval_stage_count: None,
            })
        }
        RequestType::AdminRemove => {
            let id = new.assignment_id.map(AssignmentId).ok_or_else(|| {
                Failure::field(
                    "assignmentId",
                    "Name the assignment to remove (assignmentId).",
                )
            })?;
            requests::remove_assignment(&state.ctx, actor, id).await?;
            Ok(RequestResult {
                id: None,
                state: "removed".into(),
                status: "Removed".into(),
                assignment_ids: vec![id.0],
                approval_stage: None,
                approval_stage_count: None,
            })
        }
    }
}

#[utoipa::path(
    get, path = "/api/v1/assignmentRequests/{id}", tag = "assignmentRequests",
    summary = "A request's state and timeline (its requestor, approvers and catalog administrators)",
    params(("id" = Uuid, Path, description = "The request's id")),
    responses(
        (status = 200, body = RequestTimeline),
        Refused,
    )
)]
async fn get_request(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<Json<RequestTimeline>> {
    let id = RequestId(id_of(&path(id)?, "request")?);
    let (request_state, events) = requests::timeline(&state.ctx, caller.reader(), id).await?;
    Ok(Json(RequestTimeline {
        id: id.0,
        state: request_state.code().to_owned(),
        history: events
            .into_iter()
            .map(|(at, kind, text)| TimelineEvent {
                date_time: at,
                kind,
                text,
            })
            .collect(),
    }))
}

#[utoipa::path(
    post, path = "/api/v1/assignmentRequests/{id}/cancel", tag = "assignmentRequests",
    summary = "Cancel a request still waiting for approval (its requestor, or an assignment manager)",
    params(("id" = Uuid, Path, description = "The request's id")),
    responses(
        (status = 204, description = "Canceled"),
        Refused,
        RefusedChange,
    )
)]
async fn cancel_request(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<StatusCode> {
    let id = RequestId(id_of(&path(id)?, "request")?);
    requests::cancel_request(&state.ctx, caller.writer()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/v1/assignmentRequests/{id}/reprocess", tag = "assignmentRequests",
    summary = "Send a delivered request's failed deliveries to connected systems again (the package's assignment managers)",
    params(("id" = Uuid, Path, description = "The request's id")),
    responses(
        (status = 200, body = Reprocessed, description = "The failed changes are due again (0: none had failed)"),
        Refused,
        RefusedChange,
    )
)]
async fn reprocess_request(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<Json<Reprocessed>> {
    let id = RequestId(id_of(&path(id)?, "request")?);
    let n = requests::reprocess_request(&state.ctx, caller.writer()?, id).await?;
    Ok(Json(Reprocessed {
        changes_due_again: n,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/approvals/{id}/decision", tag = "approvals",
    summary = "Approve or deny the stage a request waits for; 409 when it was decided already",
    params(("id" = Uuid, Path, description = "The request's id")),
    request_body = Decision,
    responses(
        (status = 200, body = RequestResult, description = "Decided: where the request stands now"),
        Refused,
        RefusedChange,
    )
)]
async fn decide(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<Json<RequestResult>> {
    let id = RequestId(id_of(&path(id)?, "request")?);
    let decision: Decision = body(&headers, &bytes)?;
    let approve = decision.review_result == StageResult::Approve;
    let outcome = requests::decide_stage(
        &state.ctx,
        caller.writer()?,
        id,
        decision.stage,
        approve,
        &decision.justification,
    )
    .await?;
    Ok(Json(RequestResult::of(Some(id), &outcome)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An action (`request.approved`) or a category (`request`).
    activity: Option<String>,
    /// Part of the e-mail of who did it.
    initiator: Option<String>,
    /// Part of the target's id, the summary or the recorded values.
    target: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/auditEvents", tag = "auditEvents",
    summary = "The audit log, newest first (auditors and administrators)",
    params(AuditQuery, Paging),
    responses(
        (status = 200, body = Collection<AuditEvent>),
        Refused,
    )
)]
async fn audit_events(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<Query<AuditQuery>, QueryRejection>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer<Json<Collection<AuditEvent>>> {
    let q = query(q)?;
    let paging = query(paging)?;
    let filter = AuditFilter {
        actor: search(&q.initiator).to_owned(),
        action: search(&q.activity).to_owned(),
        target: search(&q.target).to_owned(),
        from: None,
        to: None,
    };
    let page = audit::audit_log(&state.ctx, caller.reader(), &filter, paging.page()?).await?;
    Ok(Json(collection(
        page,
        &format!("{BASE}/auditEvents"),
        &[
            ("activity", &filter.action),
            ("initiator", &filter.actor),
            ("target", &filter.target),
        ],
    )))
}
