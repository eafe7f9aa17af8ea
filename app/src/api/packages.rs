//! Access package server functions: the wizard, overview, edits and clean-up. Drafts travel
//! as JSON (they are nested); everything else as form fields.

use crate::error::AppError;
use domain::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::directory::parse_id,
    super::ssr::{actor, ctx, yes_no},
    domain::service::packages as pkg,
};

/// The overview's data plus the shareable My Access link, made absolute by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageOverview {
    pub detail: PackageDetail,
    pub portal_link: String,
}

#[cfg(feature = "ssr")]
fn origin() -> String {
    let parts = use_context::<http::request::Parts>();
    let header = |name: &str| {
        parts
            .as_ref()
            .and_then(|p| p.headers.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if let Ok(url) = std::env::var("TESSERA_PUBLIC_URL") {
        return url.trim_end_matches('/').to_owned();
    }
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let scheme = header("x-forwarded-proto").unwrap_or_else(|| "http".into());
    format!("{scheme}://{host}")
}

#[server]
pub async fn load_wizard() -> Result<WizardContext, AppError> {
    Ok(pkg::wizard_context(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn search_principals(
    q: String,
    users: bool,
    groups: bool,
    resources: bool,
) -> Result<Vec<Principal>, AppError> {
    Ok(pkg::search_principals(&ctx()?, &actor()?, &q, users, groups, resources).await?)
}

#[server(input = Json)]
pub async fn check_package(draft: PackageDraft) -> Result<DraftCheck, AppError> {
    Ok(pkg::check_package(&ctx()?, &actor()?, &draft).await?)
}

#[server(input = Json)]
pub async fn create_package(draft: PackageDraft) -> Result<String, AppError> {
    Ok(pkg::create_package(&ctx()?, &actor()?, &draft)
        .await?
        .to_string())
}

#[server]
pub async fn list_packages(
    q: String,
    catalog: String,
    page: u32,
) -> Result<Page<PackageSummary>, AppError> {
    let catalog = if catalog.is_empty() {
        None
    } else {
        Some(parse_id(CatalogId::parse, &catalog, "catalog")?)
    };
    Ok(pkg::list(
        &ctx()?,
        &actor()?,
        &q,
        catalog,
        PageRequest::new(page, PageRequest::DEFAULT_PER_PAGE),
    )
    .await?)
}

#[server]
pub async fn list_catalog_names() -> Result<Vec<NamedRef>, AppError> {
    Ok(domain::service::catalogs::names(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn get_package(id: String) -> Result<PackageOverview, AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    let detail = pkg::detail(&ctx()?, &actor()?, id).await?;
    Ok(PackageOverview {
        portal_link: format!("{}/myaccess/access-packages/{id}", origin()),
        detail,
    })
}

#[server]
pub async fn update_package(
    id: String,
    name: String,
    description: String,
    hidden: String,
    /// The version the form was read at: a save after someone else's change is refused.
    version: Option<i64>,
) -> Result<(), AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    let hidden = yes_no("hidden", &hidden)?;
    Ok(pkg::update_basics(&ctx()?, &actor()?, id, &name, &description, hidden, version).await?)
}

#[server]
pub async fn delete_package(id: String) -> Result<(), AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    Ok(pkg::delete(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn add_resource_role(
    id: String,
    group_id: String,
    role: String,
) -> Result<u64, AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    let group =
        GroupId::parse(&group_id).map_err(|_| AppError::invalid("group", "Choose a group."))?;
    let role =
        ResourceRole::parse(&role).map_err(|_| AppError::invalid("role", "Choose a role."))?;
    Ok(pkg::add_resource_role(&ctx()?, &actor()?, id, group, role).await?)
}

#[server]
pub async fn remove_resource_role(
    id: String,
    group_id: String,
    role: String,
) -> Result<u64, AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    let group = parse_id(GroupId::parse, &group_id, "group")?;
    let role = ResourceRole::parse(&role).map_err(|_| AppError::NotFound("role".into()))?;
    Ok(pkg::remove_resource_role(&ctx()?, &actor()?, id, group, role).await?)
}

#[server(input = Json)]
pub async fn check_policy(
    package: String,
    policy: Option<String>,
    draft: PolicyDraft,
) -> Result<DraftCheck, AppError> {
    let package = parse_id(AccessPackageId::parse, &package, "access package")?;
    let policy = policy
        .map(|p| parse_id(PolicyId::parse, &p, "policy"))
        .transpose()?;
    Ok(pkg::check_policy(&ctx()?, &actor()?, package, policy, &draft).await?)
}

#[server(input = Json)]
pub async fn save_policy(
    package: String,
    policy: Option<String>,
    draft: PolicyDraft,
    /// The policy's version the editor was opened at: a save after someone else's change is
    /// refused.
    version: Option<i64>,
) -> Result<(), AppError> {
    let package = parse_id(AccessPackageId::parse, &package, "access package")?;
    match policy {
        Some(p) => {
            let p = parse_id(PolicyId::parse, &p, "policy")?;
            pkg::update_policy(&ctx()?, &actor()?, p, &draft, version).await?;
        }
        None => {
            pkg::add_policy(&ctx()?, &actor()?, package, &draft).await?;
        }
    }
    Ok(())
}

#[server]
pub async fn remove_policy(policy: String) -> Result<(), AppError> {
    let policy = parse_id(PolicyId::parse, &policy, "policy")?;
    Ok(pkg::remove_policy(&ctx()?, &actor()?, policy).await?)
}

#[cfg(feature = "ssr")]
fn incompatible(kind: &str, target: &str) -> Result<pkg::Incompatible, AppError> {
    let invalid = |f: &str| AppError::invalid(f, "Choose one from the list.");
    match kind {
        "package" => AccessPackageId::parse(target)
            .map(pkg::Incompatible::Package)
            .map_err(|_| invalid("package")),
        "group" => GroupId::parse(target)
            .map(pkg::Incompatible::Group)
            .map_err(|_| invalid("group")),
        _ => Err(AppError::NotFound("kind".into())),
    }
}

#[server]
pub async fn add_incompatible(id: String, kind: String, target: String) -> Result<(), AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    Ok(pkg::add_incompatible(&ctx()?, &actor()?, id, incompatible(&kind, &target)?).await?)
}

#[server]
pub async fn remove_incompatible(id: String, kind: String, target: String) -> Result<(), AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    Ok(pkg::remove_incompatible(&ctx()?, &actor()?, id, incompatible(&kind, &target)?).await?)
}

#[server]
pub async fn package_names() -> Result<Vec<NamedRef>, AppError> {
    Ok(pkg::package_names(&ctx()?, &actor()?).await?)
}

/// The package behind a My Access link, for any signed-in person.
#[server]
pub async fn load_portal_package(id: String) -> Result<PortalPackage, AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    Ok(pkg::portal_package(&ctx()?, &actor()?, id).await?)
}
