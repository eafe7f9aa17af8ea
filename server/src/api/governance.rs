//! Policy as code through the API: `GET /api/v1/export` and `POST /api/v1/apply`, the same
//! YAML and the same use cases as `tessera export` / `apply`, as the token's person.

use super::routes::{holds_nul, query};
use super::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query};
use domain::service::governance;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only this catalog (by name).
    catalog: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/export", tag = "governance",
    summary = "The governance configuration as YAML: the catalogs the person may read, with their roles, resources and access packages (resource roles, every policy setting, incompatibilities); names instead of ids",
    params(ExportQuery),
    responses(
        (status = 200, content_type = "application/yaml", body = serde_json::Value, description = "The file `tessera export` writes (a mapping: version, catalogs)"),
        Refused,
    )
)]
pub(super) async fn export(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Answer<Response> {
    let q = query(q)?;
    let only = q.catalog.as_deref().filter(|c| !c.trim().is_empty());
    let file = governance::export(&state.ctx, Some(caller.reader()), only).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/yaml; charset=utf-8")],
        crate::governance::to_yaml(&file)?,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ApplyQuery {
    /// `true`: report what applying would change (or why it is refused) and change nothing.
    dry_run: Option<bool>,
}

/// What an apply changed (or would change, in a dry run), one line a change.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    dry_run: bool,
    /// `+` added, `~` changed, `-` removed, e.g. `+ policy Staff of Sales / Laptops`.
    changes: Vec<String>,
}

#[utoipa::path(
    post, path = "/api/v1/apply", tag = "governance",
    summary = "Make the configuration match a YAML file (as export writes it), in one transaction",
    description = "Catalogs and access packages the file names are created or changed to match, with exactly the file's roles, resources, resource roles, policies (by name) and incompatibilities; those it does not name are left alone. Every change runs the same use case as the pages, with the token person's roles: the first refusal changes nothing and names the item (`errors[].field`). `dryRun=true` reports the same and rolls back.",
    params(ApplyQuery),
    request_body(content = String, content_type = "application/yaml", description = "The file (JSON is YAML too)"),
    responses(
        (status = 200, body = Applied),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn apply(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<Query<ApplyQuery>, QueryRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<Json<Applied>> {
    let q = query(q)?;
    let actor = caller.writer()?;
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = kind.split(';').next().unwrap_or_default().trim();
    let yaml = [
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "text/x-yaml",
        "application/json",
    ];
    if !yaml.iter().any(|y| essence.eq_ignore_ascii_case(y)) {
        return Err(Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the file as application/yaml (or application/json).",
        ));
    }
    if holds_nul(&bytes) {
        return Err(Failure::field(
            "file",
            "The file must not contain the NUL character.",
        ));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::field("file", "The file is not UTF-8 text."))?;
    let file = crate::governance::from_yaml(text)?;
    let report = governance::apply(&state.ctx, actor, &file, q.dry_run.unwrap_or(false)).await?;
    Ok(Json(Applied {
        dry_run: report.dry_run,
        changes: report.changes,
    }))
}
