//! Catalog server functions: list, detail, create/edit/delete, resources, roles.

use crate::error::AppError;
use domain::model::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::directory::parse_id,
    super::ssr::{actor, ctx, yes_no},
    domain::service::catalogs as cat,
};

#[server]
pub async fn list_catalogs(q: String, page: u32) -> Result<Page<CatalogSummary>, AppError> {
    Ok(cat::list(
        &ctx()?,
        &actor()?,
        &q,
        PageRequest::new(page, PageRequest::DEFAULT_PER_PAGE),
    )
    .await?)
}

#[server]
pub async fn get_catalog(id: String) -> Result<CatalogDetail, AppError> {
    let id = parse_id(CatalogId::parse, &id, "catalog")?;
    Ok(cat::detail(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn create_catalog(
    name: String,
    description: String,
    enabled: String,
) -> Result<(), AppError> {
    let enabled = yes_no("enabled", &enabled)?;
    let input = cat::CatalogInput {
        name: &name,
        description: &description,
        enabled,
    };
    let id = cat::create(&ctx()?, &actor()?, &input).await?;
    leptos_axum::redirect(&format!("/admin/catalogs/{id}"));
    Ok(())
}

#[server]
pub async fn update_catalog(
    id: String,
    name: String,
    description: String,
    enabled: String,
) -> Result<(), AppError> {
    let id = parse_id(CatalogId::parse, &id, "catalog")?;
    let enabled = yes_no("enabled", &enabled)?;
    let input = cat::CatalogInput {
        name: &name,
        description: &description,
        enabled,
    };
    Ok(cat::update(&ctx()?, &actor()?, id, &input).await?)
}

#[server]
pub async fn delete_catalog(id: String) -> Result<(), AppError> {
    let id = parse_id(CatalogId::parse, &id, "catalog")?;
    cat::delete(&ctx()?, &actor()?, id).await?;
    Ok(())
}

#[server]
pub async fn add_catalog_resource(id: String, group_id: String) -> Result<(), AppError> {
    let id = parse_id(CatalogId::parse, &id, "catalog")?;
    let group =
        GroupId::parse(&group_id).map_err(|_| AppError::invalid("group", "Choose a group."))?;
    Ok(cat::add_resource(&ctx()?, &actor()?, id, group).await?)
}

#[server]
pub async fn remove_catalog_resource(id: String, group_id: String) -> Result<(), AppError> {
    let id = parse_id(CatalogId::parse, &id, "catalog")?;
    let group = parse_id(GroupId::parse, &group_id, "group")?;
    Ok(cat::remove_resource(&ctx()?, &actor()?, id, group).await?)
}

#[server]
pub async fn add_catalog_role(id: String, email: String, role: String) -> Result<(), AppError> {
    let id = parse_id(CatalogId::parse, &id, "catalog")?;
    let role =
        CatalogRole::parse(&role).map_err(|_| AppError::invalid("role", "Choose a role."))?;
    cat::add_role(&ctx()?, &actor()?, id, &email, role).await?;
    Ok(())
}

#[server]
pub async fn remove_catalog_role(
    id: String,
    user_id: String,
    role: String,
) -> Result<(), AppError> {
    let id = parse_id(CatalogId::parse, &id, "catalog")?;
    let user = parse_id(UserId::parse, &user_id, "user")?;
    let role = CatalogRole::parse(&role).map_err(|_| AppError::NotFound("role".into()))?;
    Ok(cat::remove_role(&ctx()?, &actor()?, id, user, role).await?)
}
