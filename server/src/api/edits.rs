//! Changing what a GET gave, without losing someone else's change: a package's representation
//! carries its version as an ETag (`"v12"`, also `@odata.etag` in bodies), a change must send
//! it back in `If-Match`, and the use case applies the change only if the version is still
//! that one (`412 Precondition Failed` otherwise; `428 Precondition Required` without one).

use super::routes::{body, id_of, path};
use super::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path};
use domain::model::*;
use domain::service::packages;
use serde::Deserialize;

/// A version as an entity tag.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// The version an `If-Match` names: its one entity tag (weak or strong) of the form
/// Tessera gives. Missing is 428; `*` or a list or another form is 412 with words, since
/// Tessera cannot tell which version the caller read.
pub(super) fn if_match(headers: &HeaderMap) -> Answer<i64> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Err(Failure::new(
            StatusCode::PRECONDITION_REQUIRED,
            "Send If-Match with the ETag (or @odata.etag) of the GET you made the change from, so that no one else's change is lost.",
        ));
    };
    raw.to_str()
        .ok()
        .map(str::trim)
        .map(|t| t.strip_prefix("W/").unwrap_or(t))
        .and_then(|t| t.strip_prefix("\"v"))
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            Failure::new(
                StatusCode::PRECONDITION_FAILED,
                "If-Match must be one ETag as Tessera gave it, like \"v3\".",
            )
        })
}

/// A package answered with its version as the ETag header.
pub(super) fn with_etag(detail: &PackageDetail) -> Response {
    let mut r = Json(AccessPackageDetail::from(detail)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(detail.summary.version)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// What `PATCH /accessPackages/{id}` may change; what is left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageChange {
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub is_hidden: Option<bool>,
}

#[utoipa::path(
    patch, path = "/api/v1/accessPackages/{id}", tag = "accessPackages",
    summary = "Change an access package's name, description or Hidden, from the version If-Match names",
    params(
        ("id" = Uuid, Path, description = "The access package's id"),
        ("If-Match" = String, Header, description = "The ETag (or @odata.etag) of the GET the change is made from, like \"v3\""),
    ),
    request_body = PackageChange,
    responses(
        (status = 200, body = AccessPackageDetail, description = "Changed; its new ETag is in the ETag header",
            headers(("ETag" = String, description = "The package's new version"))),
        (status = 412, body = Problem, content_type = "application/problem+json",
            description = "Someone changed the package since that ETag was read, or If-Match is not one ETag"),
        (status = 428, body = Problem, content_type = "application/problem+json",
            description = "No If-Match was sent"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn update_package(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<Response> {
    let id = AccessPackageId(id_of(&path(id)?, "access package")?);
    let change: PackageChange = body(&headers, &bytes)?;
    let expected = if_match(&headers)?;
    let actor = caller.writer()?;
    let current = packages::detail(&state.ctx, actor, id).await?.summary;
    packages::update_basics(
        &state.ctx,
        actor,
        id,
        change.display_name.as_deref().unwrap_or(&current.name),
        change
            .description
            .as_deref()
            .unwrap_or(&current.description),
        change.is_hidden.unwrap_or(current.hidden),
        Some(expected),
    )
    .await?;
    Ok(with_etag(&packages::detail(&state.ctx, actor, id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn if_match_takes_the_etag_tessera_gave_weak_or_strong() {
        assert_eq!(if_match(&with("\"v3\"")).ok(), Some(3));
        assert_eq!(if_match(&with("W/\"v12\"")).ok(), Some(12));
        assert_eq!(if_match(&with(&etag(7))).ok(), Some(7));
    }

    #[test]
    fn if_match_missing_is_428_and_anything_else_412() {
        let status = |h: &HeaderMap| if_match(h).err().map(|f| f.status);
        assert_eq!(
            status(&HeaderMap::new()),
            Some(StatusCode::PRECONDITION_REQUIRED)
        );
        for bad in ["*", "\"3\"", "\"v3\", \"v4\"", "\"v-1\"", "\"v0\"", "v3"] {
            assert_eq!(
                status(&with(bad)),
                Some(StatusCode::PRECONDITION_FAILED),
                "{bad}"
            );
        }
    }
}
