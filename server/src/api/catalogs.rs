//! Catalogs through the API, in the shape of Graph's `accessPackageCatalog`: list, read,
//! create, change, delete; the groups a catalog holds (its resources); and who holds its
//! delegated roles. Each call runs the same `domain::service::catalogs` use case as the
//! Catalogs pages, with the token's person as the actor.

use super::routes::{body, collection, id_of, idempotent, path, query, search};
use super::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, Path, Query};
use domain::model::*;
use domain::service::catalogs;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A catalog: Graph's `accessPackageCatalog`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    pub id: Uuid,
    pub display_name: String,
    pub description: String,
    /// `published` (its packages can be requested) or `unpublished`.
    pub state: String,
    /// `serviceDefault` for the built-in General catalog, `userManaged` otherwise.
    pub catalog_type: String,
    pub access_package_count: i64,
    pub resource_count: i64,
}

impl From<&CatalogSummary> for Catalog {
    fn from(c: &CatalogSummary) -> Self {
        Self {
            id: c.id.0,
            display_name: c.name.clone(),
            description: c.description.clone(),
            state: state_code(c.enabled).to_owned(),
            catalog_type: if c.built_in {
                "serviceDefault"
            } else {
                "userManaged"
            }
            .to_owned(),
            access_package_count: c.packages,
            resource_count: c.resources,
        }
    }
}

fn state_code(enabled: bool) -> &'static str {
    if enabled { "published" } else { "unpublished" }
}

fn enabled_of(state: &str) -> Answer<bool> {
    match state {
        "published" => Ok(true),
        "unpublished" => Ok(false),
        _ => Err(Failure::field(
            "state",
            "state must be published or unpublished.",
        )),
    }
}

/// One catalog with its resources, its role holders and its packages.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CatalogDetailBody {
    #[serde(flatten)]
    pub catalog: Catalog,
    pub resources: Vec<CatalogResourceBody>,
    pub role_assignments: Vec<CatalogRoleAssignment>,
    pub access_packages: Vec<Ref>,
}

/// A group the catalog holds: Graph's `accessPackageResource`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CatalogResourceBody {
    /// The group's id.
    pub origin_id: Uuid,
    /// Always `AadGroup`.
    pub origin_system: String,
    pub display_name: String,
    /// `security` or `microsoft365`.
    pub group_type: String,
    /// How many of the catalog's access packages use it.
    pub access_package_count: i64,
}

/// A person's role in the catalog: Graph's `unifiedRoleAssignment` scoped to the catalog.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CatalogRoleAssignment {
    /// `catalogOwner`, `catalogReader`, `accessPackageManager` or
    /// `accessPackageAssignmentManager`.
    pub role_definition: String,
    pub principal: Subject,
}

/// The API's names of the catalog roles (Graph's role definitions, as camelCase words).
const ROLE_NAMES: [(CatalogRole, &str); 4] = [
    (CatalogRole::CatalogOwner, "catalogOwner"),
    (CatalogRole::CatalogReader, "catalogReader"),
    (CatalogRole::AccessPackageManager, "accessPackageManager"),
    (
        CatalogRole::AccessPackageAssignmentManager,
        "accessPackageAssignmentManager",
    ),
];

fn role_name(role: CatalogRole) -> &'static str {
    ROLE_NAMES
        .iter()
        .find(|(r, _)| *r == role)
        .map_or("", |(_, n)| n)
}

fn role_of(name: &str, field: &str) -> Answer<CatalogRole> {
    ROLE_NAMES
        .iter()
        .find(|(_, n)| *n == name.trim())
        .map(|(r, _)| *r)
        .ok_or_else(|| {
            Failure::field(
                field,
                "roleDefinition must be catalogOwner, catalogReader, accessPackageManager or accessPackageAssignmentManager.",
            )
        })
}

impl From<&CatalogDetail> for CatalogDetailBody {
    fn from(d: &CatalogDetail) -> Self {
        Self {
            catalog: Catalog::from(&d.summary),
            resources: d
                .resources
                .iter()
                .map(|r| CatalogResourceBody {
                    origin_id: r.group_id.0,
                    origin_system: "AadGroup".to_owned(),
                    display_name: r.name.clone(),
                    group_type: r.kind.code().to_owned(),
                    access_package_count: r.used_by,
                })
                .collect(),
            role_assignments: d
                .roles
                .iter()
                .map(|h| CatalogRoleAssignment {
                    role_definition: role_name(h.role).to_owned(),
                    principal: Subject::from(&h.user),
                })
                .collect(),
            access_packages: d
                .packages
                .iter()
                .map(|p| Ref {
                    id: p.id,
                    display_name: p.name.clone(),
                })
                .collect(),
        }
    }
}

/// A new catalog.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCatalog {
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    /// `published` (default) or `unpublished`.
    pub state: Option<String>,
}

/// What `PATCH /catalogs/{id}` may change; what is left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogChange {
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// `published` or `unpublished`.
    pub state: Option<String>,
}

/// A group to add to the catalog's resources.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCatalogResource {
    /// The group's id.
    pub origin_id: Uuid,
    /// `AadGroup` (the default, and the only kind of resource Tessera has).
    pub origin_system: Option<String>,
}

/// A role to give a person in the catalog.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCatalogRoleAssignment {
    /// The person's id.
    pub principal_id: Uuid,
    /// `catalogOwner`, `catalogReader`, `accessPackageManager` or
    /// `accessPackageAssignmentManager`.
    pub role_definition: String,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// Words of the catalog's name.
    search: Option<String>,
}

const CATALOG_FIELDS: &[(&str, &str)] = &[("name", "displayName")];

#[utoipa::path(
    get, path = "/api/v1/catalogs", tag = "catalogs",
    summary = "Catalogs the person administers or holds a role in, by name",
    params(CatalogQuery, super::routes::Paging),
    responses(
        (status = 200, body = Collection<Catalog>),
        Refused,
    )
)]
pub(super) async fn list_catalogs(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<Query<CatalogQuery>, QueryRejection>,
    paging: Result<Query<super::routes::Paging>, QueryRejection>,
) -> Answer<Json<Collection<Catalog>>> {
    let q = query(q)?;
    let paging = query(paging)?;
    let page = catalogs::list(
        &state.ctx,
        caller.reader(),
        search(&q.search),
        paging.page()?,
    )
    .await?;
    Ok(Json(collection(
        page,
        &format!("{BASE}/catalogs"),
        &[("search", search(&q.search))],
    )))
}

#[utoipa::path(
    post, path = "/api/v1/catalogs", tag = "catalogs",
    summary = "Create a catalog (administrators and catalog creators; a creator becomes its owner)",
    description = "Send an `Idempotency-Key` header to make a retry safe: a POST repeated with the same key and body within 24 hours gets the first answer again and creates nothing more.",
    request_body = NewCatalog,
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique text (at most 200 characters), e.g. a UUID")),
    responses(
        (status = 201, body = Catalog),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn create_catalog(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let at = format!("{BASE}/catalogs");
    idempotent(&state, &caller, &at, &headers, &bytes, || async {
        let new: NewCatalog = body(&headers, &bytes)?;
        let actor = caller.writer()?;
        let enabled = enabled_of(new.state.as_deref().unwrap_or("published"))?;
        let input = catalogs::CatalogInput {
            name: &new.display_name,
            description: &new.description,
            enabled,
        };
        let id = catalogs::create(&state.ctx, actor, &input)
            .await
            .map_err(|e| renamed(e, CATALOG_FIELDS))?;
        // Made from what was saved, not read back: a catalog creator's token holds no role in
        // the new catalog until its next call (roles are read when a call begins).
        let text = |t: Result<String, String>| t.unwrap_or_default();
        Ok(Catalog {
            id: id.0,
            display_name: text(CatalogName::parse(&new.display_name).map(|n| n.to_string())),
            description: text(Description::parse(&new.description).map(|d| d.to_string())),
            state: state_code(enabled).to_owned(),
            catalog_type: "userManaged".to_owned(),
            access_package_count: 0,
            resource_count: 0,
        })
    })
    .await
}

#[utoipa::path(
    get, path = "/api/v1/catalogs/{id}", tag = "catalogs",
    summary = "One catalog with its resources, role assignments and access packages",
    params(("id" = Uuid, Path, description = "The catalog's id")),
    responses(
        (status = 200, body = CatalogDetailBody),
        Refused,
    )
)]
pub(super) async fn get_catalog(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<Json<CatalogDetailBody>> {
    let id = CatalogId(id_of(&path(id)?, "catalog")?);
    let d = catalogs::detail(&state.ctx, caller.reader(), id).await?;
    Ok(Json(CatalogDetailBody::from(&d)))
}

#[utoipa::path(
    patch, path = "/api/v1/catalogs/{id}", tag = "catalogs",
    summary = "Rename a catalog, change its description, publish or unpublish it (its owners)",
    params(("id" = Uuid, Path, description = "The catalog's id")),
    request_body = CatalogChange,
    responses(
        (status = 200, body = Catalog),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn update_catalog(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<Json<Catalog>> {
    let id = CatalogId(id_of(&path(id)?, "catalog")?);
    let change: CatalogChange = body(&headers, &bytes)?;
    let actor = caller.writer()?;
    let current = catalogs::detail(&state.ctx, actor, id).await?.summary;
    let enabled = match change.state.as_deref() {
        Some(s) => enabled_of(s)?,
        None => current.enabled,
    };
    let input = catalogs::CatalogInput {
        name: change.display_name.as_deref().unwrap_or(&current.name),
        description: change
            .description
            .as_deref()
            .unwrap_or(&current.description),
        enabled,
    };
    catalogs::update(&state.ctx, actor, id, &input)
        .await
        .map_err(|e| renamed(e, CATALOG_FIELDS))?;
    let d = catalogs::detail(&state.ctx, actor, id).await?;
    Ok(Json(Catalog::from(&d.summary)))
}

#[utoipa::path(
    delete, path = "/api/v1/catalogs/{id}", tag = "catalogs",
    summary = "Delete an empty catalog (409 while it holds access packages, or for General)",
    params(("id" = Uuid, Path, description = "The catalog's id")),
    responses(
        (status = 204, description = "Deleted"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn delete_catalog(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<StatusCode> {
    let id = CatalogId(id_of(&path(id)?, "catalog")?);
    catalogs::delete(&state.ctx, caller.writer()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/v1/catalogs/{id}/resources", tag = "catalogs",
    summary = "Add a group to the catalog's resources (its owners)",
    params(("id" = Uuid, Path, description = "The catalog's id")),
    request_body = NewCatalogResource,
    responses(
        (status = 201, body = CatalogResourceBody),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn add_resource(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<(StatusCode, Json<CatalogResourceBody>)> {
    let id = CatalogId(id_of(&path(id)?, "catalog")?);
    let new: NewCatalogResource = body(&headers, &bytes)?;
    if new
        .origin_system
        .as_deref()
        .is_some_and(|s| s != "AadGroup")
    {
        return Err(Failure::field(
            "originSystem",
            "originSystem must be AadGroup: a catalog's resources are groups.",
        ));
    }
    let actor = caller.writer()?;
    let group = GroupId(new.origin_id);
    catalogs::add_resource(&state.ctx, actor, id, group)
        .await
        .map_err(|e| renamed(e, &[("group", "originId")]))?;
    let d = catalogs::detail(&state.ctx, actor, id).await?;
    let body = CatalogDetailBody::from(&d)
        .resources
        .into_iter()
        .find(|r| r.origin_id == group.0)
        .ok_or(DomainError::NotFound("catalog resource"))?;
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(
    delete, path = "/api/v1/catalogs/{id}/resources/{groupId}", tag = "catalogs",
    summary = "Remove a group from the catalog (409 while one of its packages uses it)",
    params(
        ("id" = Uuid, Path, description = "The catalog's id"),
        ("groupId" = Uuid, Path, description = "The group's id (the resource's originId)"),
    ),
    responses(
        (status = 204, description = "Removed"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn remove_resource(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Answer<StatusCode> {
    let (id, group) = path(ids)?;
    let id = CatalogId(id_of(&id, "catalog")?);
    let group = GroupId(id_of(&group, "catalog resource")?);
    catalogs::remove_resource(&state.ctx, caller.writer()?, id, group).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/v1/catalogs/{id}/roleAssignments", tag = "catalogs",
    summary = "Give a person a role in the catalog (its owners; guests cannot hold one)",
    params(("id" = Uuid, Path, description = "The catalog's id")),
    request_body = NewCatalogRoleAssignment,
    responses(
        (status = 201, body = CatalogRoleAssignment),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn add_role(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<(StatusCode, Json<CatalogRoleAssignment>)> {
    let id = CatalogId(id_of(&path(id)?, "catalog")?);
    let new: NewCatalogRoleAssignment = body(&headers, &bytes)?;
    let role = role_of(&new.role_definition, "roleDefinition")?;
    let actor = caller.writer()?;
    let user = UserId(new.principal_id);
    catalogs::add_role_for(&state.ctx, actor, id, user, role)
        .await
        .map_err(|e| renamed(e, &[("user", "principalId"), ("email", "principalId")]))?;
    let d = catalogs::detail(&state.ctx, actor, id).await?;
    let made = d
        .roles
        .iter()
        .find(|h| h.role == role && h.user.id == user)
        .ok_or(DomainError::NotFound("catalog role"))?;
    Ok((
        StatusCode::CREATED,
        Json(CatalogRoleAssignment {
            role_definition: role_name(role).to_owned(),
            principal: Subject::from(&made.user),
        }),
    ))
}

#[utoipa::path(
    delete, path = "/api/v1/catalogs/{id}/roleAssignments/{roleDefinition}/{principalId}", tag = "catalogs",
    summary = "Take a role in the catalog from a person (its owners)",
    params(
        ("id" = Uuid, Path, description = "The catalog's id"),
        ("roleDefinition" = String, Path, description = "catalogOwner, catalogReader, accessPackageManager or accessPackageAssignmentManager"),
        ("principalId" = Uuid, Path, description = "The person's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn remove_role(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    ids: Result<Path<(String, String, String)>, PathRejection>,
) -> Answer<StatusCode> {
    let (id, role, user) = path(ids)?;
    let id = CatalogId(id_of(&id, "catalog")?);
    // An unknown role or person names no role assignment: 404, as for any missing resource.
    let role = role_of(&role, "roleDefinition")
        .map_err(|_| Failure::from(DomainError::NotFound("catalog role")))?;
    let user = UserId(id_of(&user, "catalog role")?);
    catalogs::remove_role(&state.ctx, caller.writer()?, id, user, role).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_role_has_one_api_name_and_back() {
        for role in CatalogRole::ALL {
            let name = role_name(*role);
            assert!(!name.is_empty(), "{role:?}");
            assert_eq!(role_of(name, "r").ok(), Some(*role));
        }
        assert!(
            role_of("catalog_owner", "r").is_err(),
            "the stored code is not the API's"
        );
    }

    #[test]
    fn state_is_published_or_unpublished() {
        assert_eq!(enabled_of("published").ok(), Some(true));
        assert_eq!(enabled_of("unpublished").ok(), Some(false));
        assert!(enabled_of("Published").is_err());
        assert_eq!(state_code(false), "unpublished");
    }
}
