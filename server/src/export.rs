//! File downloads that are not pages: the CSV exports of a package's assignments, of the
//! audit log, and of the auditors' two access reports.

use crate::AppState;
use app::session::CurrentActor;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::DomainError;
use domain::model::AccessPackageId;
use std::collections::HashMap;

/// A refusal answered like a server function's: the same status and message.
fn refused(e: DomainError) -> Response {
    let e = app::error::AppError::from(e);
    (e.status(), e.to_string()).into_response()
}

/// `GET /admin/access-packages/{id}/assignments.csv?state=active|ended&q=…`
pub async fn assignments_csv(
    State(state): State<AppState>,
    Extension(CurrentActor(actor)): Extension<CurrentActor>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(actor) = actor else {
        return refused(DomainError::Unauthenticated);
    };
    let Ok(package) = AccessPackageId::parse(&id) else {
        return refused(DomainError::NotFound("access package"));
    };
    let live = params.get("state").map(String::as_str) != Some("ended");
    let query = params.get("q").map(String::as_str).unwrap_or_default();
    let csv =
        domain::service::requests::assignments_csv(&state.ctx, &actor, package, live, query).await;
    csv_download("assignments.csv", csv)
}

/// `GET /admin/audit.csv?actor=&action=&target=&from=&to=` (the audit page's filter).
pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(CurrentActor(actor)): Extension<CurrentActor>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(actor) = actor else {
        return refused(DomainError::Unauthenticated);
    };
    let text = |k: &str| params.get(k).cloned().unwrap_or_default();
    let date = |k: &str| -> Result<Option<chrono::NaiveDate>, DomainError> {
        let v = text(k);
        if v.trim().is_empty() {
            return Ok(None);
        }
        chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| DomainError::invalid(k, "Enter a date like 2026-12-31."))
    };
    let filter = match (date("from"), date("to")) {
        (Ok(from), Ok(to)) => domain::model::AuditFilter {
            actor: text("actor"),
            action: text("action"),
            target: text("target"),
            from,
            to,
        },
        (Err(e), _) | (_, Err(e)) => return refused(e),
    };
    let csv = domain::service::audit::audit_csv(&state.ctx, &actor, &filter).await;
    csv_download("audit.csv", csv)
}

/// A CSV download named `name`, or the refusal.
fn csv_download(name: &str, csv: Result<String, DomainError>) -> Response {
    match csv {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => refused(e),
    }
}

/// `GET /admin/directory/users/{id}/access.csv`: "Access of a person".
pub async fn person_access_csv(
    State(state): State<AppState>,
    Extension(CurrentActor(actor)): Extension<CurrentActor>,
    Path(id): Path<String>,
) -> Response {
    let Some(actor) = actor else {
        return refused(DomainError::Unauthenticated);
    };
    let Ok(user) = domain::model::UserId::parse(&id) else {
        return refused(DomainError::NotFound("user"));
    };
    let csv = domain::service::reports::person_access_csv(&state.ctx, &actor, user).await;
    csv_download("access-of-person.csv", csv)
}

/// `GET /admin/directory/groups/{id}/access.csv`: "Access to a resource".
pub async fn resource_access_csv(
    State(state): State<AppState>,
    Extension(CurrentActor(actor)): Extension<CurrentActor>,
    Path(id): Path<String>,
) -> Response {
    let Some(actor) = actor else {
        return refused(DomainError::Unauthenticated);
    };
    let Ok(group) = domain::model::GroupId::parse(&id) else {
        return refused(DomainError::NotFound("group"));
    };
    let csv = domain::service::reports::resource_access_csv(&state.ctx, &actor, group).await;
    csv_download("access-to-resource.csv", csv)
}
