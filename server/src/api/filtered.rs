//! Graph's top-level lists, filtered as Graph filters them: `GET /assignments` and
//! `GET /assignmentRequests` with `$filter=accessPackage/id eq '…'` (and optionally
//! `state eq '…'`). They run the same use cases as a package's own lists.

use super::routes::{Paging, assignments_page, collection, query, search};
use super::*;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query};
use domain::model::*;
use domain::service::requests;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// `$filter` and `search` of a top-level list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterQuery {
    /// `accessPackage/id eq '<id>'` (required), optionally `and state eq '<state>'`.
    #[serde(rename = "$filter")]
    #[param(rename = "$filter")]
    filter: Option<String>,
    /// Words of the person's name or e-mail.
    search: Option<String>,
}

impl FilterQuery {
    /// The package the `$filter` names, and the state it asks for.
    fn package(&self) -> Answer<(AccessPackageId, Option<String>)> {
        let raw = self.filter.as_deref().map(str::trim).unwrap_or_default();
        let one_package = || {
            Failure::field(
                "$filter",
                "Name one access package: $filter=accessPackage/id eq '<id>' (optionally and state eq '<state>').",
            )
        };
        if raw.is_empty() {
            return Err(one_package());
        }
        let mut package = None;
        let mut state = None;
        for (property, value) in super::filter::parse(raw, &["accessPackage/id", "state"])
            .map_err(|e| Failure::field("$filter", e))?
        {
            if property == "state" {
                state = Some(value);
            } else {
                package = Some(value);
            }
        }
        let package = package.ok_or_else(one_package)?;
        let id = Uuid::parse_str(package.trim()).map_err(|_| {
            Failure::field(
                "$filter",
                "accessPackage/id must be an access package's id.",
            )
        })?;
        Ok((AccessPackageId(id), state))
    }

    /// The query the next page repeats.
    fn again(&self) -> [(&str, &str); 2] {
        [
            (
                "$filter",
                self.filter.as_deref().map(str::trim).unwrap_or_default(),
            ),
            ("search", search(&self.search)),
        ]
    }
}

#[utoipa::path(
    get, path = "/api/v1/assignments", tag = "accessPackages",
    summary = "One package's assignments, as Graph filters them",
    description = "`$filter=accessPackage/id eq '<id>'`, optionally `and state eq 'delivered'` (live, the default) or `'expired'` (ended).",
    params(FilterQuery, Paging),
    responses(
        (status = 200, body = Collection<Assignment>),
        Refused,
    )
)]
pub(super) async fn list_assignments(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<Query<FilterQuery>, QueryRejection>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer<Json<Collection<Assignment>>> {
    let q = query(q)?;
    let paging = query(paging)?;
    let (package, wanted) = q.package()?;
    let (page, _) = assignments_page(
        &state,
        &caller,
        package,
        (wanted.as_deref(), "$filter"),
        search(&q.search),
        &paging,
    )
    .await?;
    Ok(Json(collection(
        page,
        &format!("{BASE}/assignments"),
        &q.again(),
    )))
}

#[utoipa::path(
    get, path = "/api/v1/assignmentRequests", tag = "assignmentRequests",
    summary = "One package's requests, newest first, as Graph filters them",
    description = "`$filter=accessPackage/id eq '<id>'`, optionally `and state eq '<state>'` (`pendingApproval`, `delivered`, `denied`, `canceled` or `expired`).",
    params(FilterQuery, Paging),
    responses(
        (status = 200, body = Collection<PackageAssignmentRequest>),
        Refused,
    )
)]
pub(super) async fn list_requests(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<Query<FilterQuery>, QueryRejection>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer<Json<Collection<PackageAssignmentRequest>>> {
    let q = query(q)?;
    let paging = query(paging)?;
    let (package, wanted) = q.package()?;
    let wanted = graph_request_state(wanted.as_deref().map(str::trim).unwrap_or_default());
    // The state is the filter's here, not a field of its own.
    if !wanted.is_empty() && requests::request_states(wanted).is_err() {
        return Err(Failure::field(
            "$filter",
            "state must be pendingApproval, delivered, denied, canceled or expired.",
        ));
    }
    let page = requests::package_requests(
        &state.ctx,
        caller.reader(),
        package,
        wanted,
        search(&q.search),
        paging.page()?,
    )
    .await?;
    Ok(Json(collection(
        page,
        &format!("{BASE}/assignmentRequests"),
        &q.again(),
    )))
}

/// A request state as Graph names it (`pendingApproval`) in the words of the admin's list
/// filter (`pending`); the others are the same.
pub(super) fn graph_request_state(state: &str) -> &str {
    match state {
        "pendingApproval" => "pending",
        other => other,
    }
}
