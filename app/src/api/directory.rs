//! Directory server functions. Form fields map one-to-one onto arguments, so the user
//! forms (seven fields plus the id) exceed clippy's argument count by design.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use domain::model::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ssr::{actor, ctx},
    domain::service::directory as dir,
};

#[cfg(feature = "ssr")]
pub(crate) fn parse_id<T>(
    parse: fn(&str) -> Result<T, String>,
    raw: &str,
    what: &str,
) -> Result<T, AppError> {
    parse(raw).map_err(|_| AppError::NotFound(what.to_owned()))
}

#[cfg(feature = "ssr")]
fn user_form(
    email: String,
    display_name: String,
    user_type: String,
    manager_email: String,
    department: String,
    job_title: String,
    enabled: String,
) -> Result<UserForm, AppError> {
    let enabled = match enabled.as_str() {
        "yes" | "" => true,
        "no" => false,
        _ => {
            return Err(AppError::invalid("enabled", "Choose Yes or No."));
        }
    };
    Ok(UserForm {
        email,
        display_name,
        user_type,
        manager_email,
        department,
        job_title,
        enabled,
    })
}

#[server]
pub async fn load_directory_counts() -> Result<DirectoryCounts, AppError> {
    Ok(dir::counts(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn list_users(q: String, page: u32) -> Result<Page<UserSummary>, AppError> {
    Ok(dir::search_users(
        &ctx()?,
        &actor()?,
        &q,
        PageRequest::new(page, PageRequest::DEFAULT_PER_PAGE),
    )
    .await?)
}

#[server]
pub async fn get_user(id: String) -> Result<UserDetail, AppError> {
    let id = parse_id(UserId::parse, &id, "user")?;
    Ok(dir::user_detail(&ctx()?, &actor()?, id).await?)
}

/// An administrator sets a new password for a person; they are signed out everywhere.
#[server]
pub async fn reset_password(
    id: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    let id = parse_id(UserId::parse, &id, "user")?;
    Ok(domain::service::auth::reset_password(
        &ctx()?,
        &actor()?,
        id,
        &new_password,
        &confirm_password,
    )
    .await?)
}

/// An administrator signs a person out of every session.
#[server]
pub async fn sign_out_everywhere(id: String) -> Result<(), AppError> {
    let id = parse_id(UserId::parse, &id, "user")?;
    Ok(domain::service::auth::sign_out_everywhere(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn create_user(
    email: String,
    display_name: String,
    user_type: String,
    manager_email: String,
    department: String,
    job_title: String,
    enabled: String,
) -> Result<(), AppError> {
    let form = user_form(
        email,
        display_name,
        user_type,
        manager_email,
        department,
        job_title,
        enabled,
    )?;
    let id = dir::create_user(&ctx()?, &actor()?, &form).await?;
    leptos_axum::redirect(&format!("/admin/directory/users/{id}"));
    Ok(())
}

/// Creates a service account and opens its page (where its API tokens are made).
#[server]
pub async fn create_service_account(
    display_name: String,
    email: String,
    purpose: String,
) -> Result<(), AppError> {
    let form = dir::ServiceAccountForm {
        display_name,
        email,
        purpose,
    };
    let id = dir::create_service_account(&ctx()?, &actor()?, &form).await?;
    leptos_axum::redirect(&format!("/admin/directory/users/{id}"));
    Ok(())
}

#[server]
pub async fn update_user(
    id: String,
    email: String,
    display_name: String,
    user_type: String,
    manager_email: String,
    department: String,
    job_title: String,
    enabled: String,
) -> Result<(), AppError> {
    let id = parse_id(UserId::parse, &id, "user")?;
    let form = user_form(
        email,
        display_name,
        user_type,
        manager_email,
        department,
        job_title,
        enabled,
    )?;
    Ok(dir::update_user(&ctx()?, &actor()?, id, &form).await?)
}

#[server]
pub async fn import_users(csv: String) -> Result<ImportOutcome, AppError> {
    Ok(dir::import_users(&ctx()?, &actor()?, &csv).await?)
}

#[server]
pub async fn list_groups(q: String, page: u32) -> Result<Page<GroupSummary>, AppError> {
    Ok(dir::search_groups(
        &ctx()?,
        &actor()?,
        &q,
        PageRequest::new(page, PageRequest::DEFAULT_PER_PAGE),
    )
    .await?)
}

#[server]
pub async fn get_group(id: String, page: u32) -> Result<GroupDetail, AppError> {
    let id = parse_id(GroupId::parse, &id, "group")?;
    Ok(dir::group_detail(&ctx()?, &actor()?, id, PageRequest::new(page, 50)).await?)
}

#[server]
pub async fn create_group(name: String, description: String, kind: String) -> Result<(), AppError> {
    let input = dir::GroupInput {
        name: &name,
        description: &description,
        kind: &kind,
    };
    let id = dir::create_group(&ctx()?, &actor()?, &input).await?;
    leptos_axum::redirect(&format!("/admin/directory/groups/{id}"));
    Ok(())
}

#[server]
pub async fn update_group(
    id: String,
    name: String,
    description: String,
    kind: String,
) -> Result<(), AppError> {
    let id = parse_id(GroupId::parse, &id, "group")?;
    let input = dir::GroupInput {
        name: &name,
        description: &description,
        kind: &kind,
    };
    Ok(dir::update_group(&ctx()?, &actor()?, id, &input).await?)
}

#[server]
pub async fn add_group_member(group_id: String, email: String) -> Result<(), AppError> {
    let group = parse_id(GroupId::parse, &group_id, "group")?;
    dir::add_member(&ctx()?, &actor()?, group, &email).await?;
    Ok(())
}

#[server]
pub async fn remove_group_member(group_id: String, user_id: String) -> Result<(), AppError> {
    let group = parse_id(GroupId::parse, &group_id, "group")?;
    let user = parse_id(UserId::parse, &user_id, "user")?;
    dir::remove_direct_member(&ctx()?, &actor()?, group, user).await?;
    Ok(())
}

#[server]
pub async fn add_group_owner(group_id: String, owner_email: String) -> Result<(), AppError> {
    let group = parse_id(GroupId::parse, &group_id, "group")?;
    dir::add_owner(&ctx()?, &actor()?, group, &owner_email).await?;
    Ok(())
}

#[server]
pub async fn remove_group_owner(group_id: String, user_id: String) -> Result<(), AppError> {
    let group = parse_id(GroupId::parse, &group_id, "group")?;
    let user = parse_id(UserId::parse, &user_id, "user")?;
    Ok(dir::remove_owner(&ctx()?, &actor()?, group, user).await?)
}

#[server]
pub async fn assign_group_license(group_id: String, license_id: String) -> Result<(), AppError> {
    let group = parse_id(GroupId::parse, &group_id, "group")?;
    let license = LicenseId::parse(&license_id)
        .map_err(|_| AppError::invalid("license_id", "Choose a license."))?;
    Ok(dir::assign_license(&ctx()?, &actor()?, group, license).await?)
}

#[server]
pub async fn remove_group_license(group_id: String, license_id: String) -> Result<(), AppError> {
    let group = parse_id(GroupId::parse, &group_id, "group")?;
    let license = parse_id(LicenseId::parse, &license_id, "license")?;
    Ok(dir::remove_license(&ctx()?, &actor()?, group, license).await?)
}

#[server]
pub async fn list_licenses() -> Result<Vec<LicenseSummary>, AppError> {
    Ok(dir::list_licenses(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn get_license(id: String) -> Result<LicenseDetail, AppError> {
    let id = parse_id(LicenseId::parse, &id, "license")?;
    Ok(dir::license_detail(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn create_license(name: String, seats: String) -> Result<(), AppError> {
    let id = dir::create_license(&ctx()?, &actor()?, &name, &seats).await?;
    leptos_axum::redirect(&format!("/admin/licenses/{id}"));
    Ok(())
}

#[server]
pub async fn update_license(id: String, name: String, seats: String) -> Result<(), AppError> {
    let id = parse_id(LicenseId::parse, &id, "license")?;
    Ok(dir::update_license(&ctx()?, &actor()?, id, &name, &seats).await?)
}

/// "Access of a person": every access package, group and license they hold, and why.
#[server]
pub async fn load_person_access(id: String) -> Result<PersonAccess, AppError> {
    let id = parse_id(UserId::parse, &id, "user")?;
    Ok(domain::service::reports::person_access(&ctx()?, &actor()?, id).await?)
}

/// "Access to a resource": a page of everyone who holds the group, and why.
#[server]
pub async fn load_resource_access(id: String, page: u32) -> Result<ResourceAccess, AppError> {
    let id = parse_id(GroupId::parse, &id, "group")?;
    let page = PageRequest::new(page, PageRequest::MAX_PER_PAGE);
    Ok(domain::service::reports::resource_access(&ctx()?, &actor()?, id, page).await?)
}

/// The administrator's home: what needs attention first, then the figures over time.
#[server]
pub async fn load_admin_dashboard() -> Result<AdminDashboard, AppError> {
    Ok(domain::service::insight::admin_dashboard(&ctx()?, &actor()?).await?)
}

/// A package's Overview figures: assignments over time, requests by state and who decides.
#[server]
pub async fn load_package_insight(id: String) -> Result<PackageInsight, AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    Ok(domain::service::insight::package_insight(&ctx()?, &actor()?, id).await?)
}

/// A manager's direct reports, their access and what waits on them.
#[server]
pub async fn load_my_team() -> Result<MyTeam, AppError> {
    Ok(domain::service::insight::my_team(&ctx()?, &actor()?).await?)
}
