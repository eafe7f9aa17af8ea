//! What an access package is made of, changed through the API as on the package's pages: the
//! resource roles it grants (`resourceRoleScopes`), the packages and groups it is
//! incompatible with (Graph's `$ref` links), and its policies (`POST /assignmentPolicies`,
//! `DELETE /assignmentPolicies/{id}`). Each call runs the page's use case; each change moves
//! the package's version (its ETag).

use super::edits::{AssignmentPolicyDetail, with_etag};
use super::packages::{NewAssignmentPolicy, NewResourceRoleScope, policy_draft, resource_role};
use super::routes::{body, id_of, idempotent, path};
use super::*;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path};
use domain::model::*;
use domain::service::packages::{self, Incompatible};
use serde::Deserialize;
use uuid::Uuid;

/// A link to add: Graph's `{"@odata.id": "…/accessPackages/{id}"}` (or `…/groups/{id}`); the
/// id alone is taken too.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefLink {
    #[serde(rename = "@odata.id")]
    pub odata_id: String,
}

/// The id a link names: its last path segment, after `collection` when it is a URL.
fn linked(link: &RefLink, collection: &str) -> Answer<Uuid> {
    let text = link.odata_id.trim();
    let (before, last) = text.rsplit_once('/').unwrap_or(("", text));
    let under = before.is_empty() || before.rsplit('/').next() == Some(collection);
    Uuid::parse_str(last)
        .ok()
        .filter(|_| under)
        .ok_or_else(|| {
            Failure::field(
                "@odata.id",
                format!("@odata.id must be the URL of one of the {collection} (…/{collection}/{{id}}) or its id."),
            )
        })
}

/// `{groupId}_{Member|Owner}`, as a package's `resourceRoleScopes` give it.
fn scope_id(raw: &str) -> Option<(GroupId, ResourceRole)> {
    let (group, role) = raw.trim().split_once('_')?;
    Some((GroupId(Uuid::parse_str(group).ok()?), resource_role(role)?))
}

/// The package read back, with its new ETag, as `status`.
async fn package_after(
    state: &ApiState,
    actor: &Actor,
    id: AccessPackageId,
    status: StatusCode,
) -> Answer<Response> {
    let mut r = with_etag(&packages::detail(&state.ctx, actor, id).await?);
    *r.status_mut() = status;
    Ok(r)
}

#[utoipa::path(
    post, path = "/api/v1/accessPackages/{id}/resourceRoleScopes", tag = "accessPackages",
    summary = "Add a resource role to a package: its live assignees get it at once",
    params(("id" = Uuid, Path, description = "The access package's id")),
    request_body = NewResourceRoleScope,
    responses(
        (status = 201, body = AccessPackageDetail, description = "Added: the package, with its new ETag",
            headers(("ETag" = String, description = "The package's new version"))),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn add_resource_role(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<Response> {
    let id = AccessPackageId(id_of(&path(id)?, "access package")?);
    let new: NewResourceRoleScope = body(&headers, &bytes)?;
    let role = resource_role(&new.role)
        .ok_or_else(|| Failure::field("role", "role must be Member or Owner."))?;
    let actor = caller.writer()?;
    packages::add_resource_role(&state.ctx, actor, id, GroupId(new.group_id), role)
        .await
        .map_err(|e| super::renamed(e, &[("group", "groupId")]))?;
    package_after(&state, actor, id, StatusCode::CREATED).await
}

#[utoipa::path(
    delete, path = "/api/v1/accessPackages/{id}/resourceRoleScopes/{scopeId}", tag = "accessPackages",
    summary = "Remove a resource role from a package: its live assignees lose it at once",
    params(
        ("id" = Uuid, Path, description = "The access package's id"),
        ("scopeId" = String, Path, description = "The resource role scope's id, `{groupId}_{Member|Owner}`"),
    ),
    responses(
        (status = 204, description = "Removed"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn remove_resource_role(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Answer<StatusCode> {
    let (id, scope) = path(ids)?;
    let id = AccessPackageId(id_of(&id, "access package")?);
    let (group, role) = scope_id(&scope).ok_or(DomainError::NotFound("resource role scope"))?;
    packages::remove_resource_role(&state.ctx, caller.writer()?, id, group, role).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn link(
    state: &ApiState,
    caller: &ApiCaller,
    id: Result<Path<String>, PathRejection>,
    headers: &HeaderMap,
    bytes: &Bytes,
    collection: &str,
) -> Answer<StatusCode> {
    let id = AccessPackageId(id_of(&path(id)?, "access package")?);
    let link: RefLink = body(headers, bytes)?;
    let other = linked(&link, collection)?;
    let target = if collection == "groups" {
        Incompatible::Group(GroupId(other))
    } else {
        Incompatible::Package(AccessPackageId(other))
    };
    packages::add_incompatible(&state.ctx, caller.writer()?, id, target)
        .await
        .map_err(|e| super::renamed(e, &[("package", "@odata.id"), ("group", "@odata.id")]))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unlink(
    state: &ApiState,
    caller: &ApiCaller,
    ids: Result<Path<(String, String)>, PathRejection>,
    groups: bool,
) -> Answer<StatusCode> {
    let (id, other) = path(ids)?;
    let id = AccessPackageId(id_of(&id, "access package")?);
    let other = id_of(&other, "incompatibility")?;
    let target = if groups {
        Incompatible::Group(GroupId(other))
    } else {
        Incompatible::Package(AccessPackageId(other))
    };
    packages::remove_incompatible(&state.ctx, caller.writer()?, id, target).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/v1/accessPackages/{id}/incompatibleAccessPackages/$ref", tag = "accessPackages",
    summary = "Make a package incompatible with another: holders of either cannot request the other",
    params(("id" = Uuid, Path, description = "The access package's id")),
    request_body = RefLink,
    responses(
        (status = 204, description = "Linked"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn add_incompatible_package(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<StatusCode> {
    link(&state, &caller, id, &headers, &bytes, "accessPackages").await
}

#[utoipa::path(
    delete, path = "/api/v1/accessPackages/{id}/incompatibleAccessPackages/{otherId}/$ref", tag = "accessPackages",
    summary = "Remove an incompatibility with another package",
    params(
        ("id" = Uuid, Path, description = "The access package's id"),
        ("otherId" = Uuid, Path, description = "The incompatible package's id"),
    ),
    responses(
        (status = 204, description = "Unlinked"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn remove_incompatible_package(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Answer<StatusCode> {
    unlink(&state, &caller, ids, false).await
}

#[utoipa::path(
    post, path = "/api/v1/accessPackages/{id}/incompatibleGroups/$ref", tag = "accessPackages",
    summary = "Make a package incompatible with a group: its members cannot request the package",
    params(("id" = Uuid, Path, description = "The access package's id")),
    request_body = RefLink,
    responses(
        (status = 204, description = "Linked"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn add_incompatible_group(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<StatusCode> {
    link(&state, &caller, id, &headers, &bytes, "groups").await
}

#[utoipa::path(
    delete, path = "/api/v1/accessPackages/{id}/incompatibleGroups/{groupId}/$ref", tag = "accessPackages",
    summary = "Remove an incompatibility with a group",
    params(
        ("id" = Uuid, Path, description = "The access package's id"),
        ("groupId" = Uuid, Path, description = "The group's id"),
    ),
    responses(
        (status = 204, description = "Unlinked"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn remove_incompatible_group(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Answer<StatusCode> {
    unlink(&state, &caller, ids, true).await
}

#[utoipa::path(
    post, path = "/api/v1/assignmentPolicies", tag = "accessPackages",
    summary = "Add a policy to a package (accessPackageId), with every setting the wizard has",
    description = "Send an `Idempotency-Key` header to make a retry safe: a POST repeated with the same key and body within 24 hours gets the first answer again and creates nothing more.",
    request_body = NewAssignmentPolicy,
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique text (at most 200 characters), e.g. a UUID")),
    responses(
        (status = 201, body = AssignmentPolicyDetail),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn create_policy(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let at = format!("{BASE}/assignmentPolicies");
    idempotent(&state, &caller, &at, &headers, &bytes, || async {
        let new: NewAssignmentPolicy = body(&headers, &bytes)?;
        let package = new.access_package_id.map(AccessPackageId).ok_or_else(|| {
            Failure::field(
                "accessPackageId",
                "Name the access package the policy is for (accessPackageId).",
            )
        })?;
        let actor = caller.writer()?;
        let mut draft = PolicyDraft::new(state.ctx.clock.now().date_naive());
        policy_draft(&new, &mut draft)?;
        let id = packages::add_policy(&state.ctx, actor, package, &draft).await?;
        let (package, view) = packages::policy_detail(&state.ctx, actor, id).await?;
        Ok(AssignmentPolicyDetail::of(package, &view))
    })
    .await
}

#[utoipa::path(
    delete, path = "/api/v1/assignmentPolicies/{id}", tag = "accessPackages",
    summary = "Remove a policy (409 while assignments given under it are live or requests under it are open)",
    params(("id" = Uuid, Path, description = "The policy's id")),
    responses(
        (status = 204, description = "Removed"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn delete_policy(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<StatusCode> {
    let id = PolicyId(id_of(&path(id)?, "policy")?);
    packages::remove_policy(&state.ctx, caller.writer()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_a_url_of_its_collection_or_an_id() {
        let id = Uuid::from_u128(41);
        let l = |t: String| RefLink { odata_id: t };
        let url = format!("https://tessera.example/api/v1/accessPackages/{id}");
        assert_eq!(linked(&l(url), "accessPackages").ok(), Some(id));
        assert_eq!(linked(&l(id.to_string()), "groups").ok(), Some(id));
        let wrong = format!("https://tessera.example/api/v1/groups/{id}");
        assert!(linked(&l(wrong), "accessPackages").is_err());
        assert!(linked(&l("…/groups/nope".into()), "groups").is_err());
    }

    #[test]
    fn a_scope_id_is_a_group_and_a_role() {
        let g = Uuid::from_u128(41);
        assert_eq!(
            scope_id(&format!("{g}_Owner")),
            Some((GroupId(g), ResourceRole::Owner))
        );
        assert_eq!(scope_id(&format!("{g}_Reader")), None);
        assert_eq!(scope_id("Member"), None);
    }
}
