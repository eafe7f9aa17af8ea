//! Connected systems server functions: the directories and SCIM applications Tessera delivers
//! memberships to. Form fields map one-to-one onto arguments, so the LDAP form exceeds
//! clippy's argument count by design.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use domain::model::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::directory::parse_id,
    super::ssr::{actor, ctx},
    domain::rules::connectors::{ImportInput, LdapInput, ScimInput},
    domain::service::connectors as conn,
};

#[server]
pub async fn load_connectors() -> Result<Vec<SystemSummary>, AppError> {
    Ok(conn::list_systems(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn load_connector(id: String) -> Result<SystemDetail, AppError> {
    let id = parse_id(SystemId::parse, &id, "connected system")?;
    Ok(conn::system_detail(&ctx()?, &actor()?, id).await?)
}

/// A checkbox posts its value only when ticked.
#[cfg(feature = "ssr")]
fn ticked(raw: &Option<String>) -> bool {
    raw.as_deref().is_some_and(|v| !v.is_empty() && v != "no")
}

/// Connects a directory; answers the new system's id (the page opens it).
#[server]
pub async fn create_connector(
    name: String,
    url: String,
    starttls: Option<String>,
    bind_dn: String,
    password: String,
    user_base: String,
    user_attribute: String,
    match_with: String,
    member_attribute: String,
    owner_attribute: String,
    ca_pem: String,
    drift: String,
) -> Result<String, AppError> {
    let input = LdapInput {
        name: &name,
        url: &url,
        starttls: ticked(&starttls),
        bind_dn: &bind_dn,
        password: Some(&password),
        user_base: &user_base,
        user_attribute: &user_attribute,
        match_with: &match_with,
        member_attribute: &member_attribute,
        owner_attribute: &owner_attribute,
        ca_pem: &ca_pem,
        drift: &drift,
    };
    Ok(conn::create_ldap(&ctx()?, &actor()?, &input)
        .await?
        .to_string())
}

/// Saves a system's settings; an empty password keeps the stored one.
#[server]
pub async fn update_connector(
    id: String,
    name: String,
    url: String,
    starttls: Option<String>,
    bind_dn: String,
    password: String,
    user_base: String,
    user_attribute: String,
    match_with: String,
    member_attribute: String,
    owner_attribute: String,
    ca_pem: String,
    drift: String,
) -> Result<(), AppError> {
    let id = parse_id(SystemId::parse, &id, "connected system")?;
    let input = LdapInput {
        name: &name,
        url: &url,
        starttls: ticked(&starttls),
        bind_dn: &bind_dn,
        password: Some(&password),
        user_base: &user_base,
        user_attribute: &user_attribute,
        match_with: &match_with,
        member_attribute: &member_attribute,
        owner_attribute: &owner_attribute,
        ca_pem: &ca_pem,
        drift: &drift,
    };
    Ok(conn::update_ldap(&ctx()?, &actor()?, id, &input).await?)
}

/// Connects a SCIM application; answers the new system's id (the page opens it).
#[server]
pub async fn create_scim_connector(
    name: String,
    url: String,
    token: String,
    user_attribute: String,
    match_with: String,
    ca_pem: String,
    drift: String,
) -> Result<String, AppError> {
    let input = ScimInput {
        name: &name,
        url: &url,
        token: Some(&token),
        user_attribute: &user_attribute,
        match_with: &match_with,
        ca_pem: &ca_pem,
        drift: &drift,
    };
    Ok(conn::create_scim(&ctx()?, &actor()?, &input)
        .await?
        .to_string())
}

/// Saves a SCIM application's settings; an empty token keeps the stored one.
#[server]
pub async fn update_scim_connector(
    id: String,
    name: String,
    url: String,
    token: String,
    user_attribute: String,
    match_with: String,
    ca_pem: String,
    drift: String,
) -> Result<(), AppError> {
    let id = parse_id(SystemId::parse, &id, "connected system")?;
    let input = ScimInput {
        name: &name,
        url: &url,
        token: Some(&token),
        user_attribute: &user_attribute,
        match_with: &match_with,
        ca_pem: &ca_pem,
        drift: &drift,
    };
    Ok(conn::update_scim(&ctx()?, &actor()?, id, &input).await?)
}

#[server]
pub async fn test_connector(id: String) -> Result<ConnectionTest, AppError> {
    let id = parse_id(SystemId::parse, &id, "connected system")?;
    Ok(conn::test_connection(&ctx()?, &actor()?, id).await?)
}

/// Links the Tessera group named `group` to the directory group `external_id`; answers how
/// many of its members are queued for delivery.
#[server]
pub async fn link_connector_group(
    id: String,
    group: String,
    external_id: String,
) -> Result<u64, AppError> {
    let id = parse_id(SystemId::parse, &id, "connected system")?;
    Ok(conn::link_group_named(&ctx()?, &actor()?, &group, id, &external_id).await?)
}

#[server]
pub async fn unlink_connector_group(group_id: String) -> Result<(), AppError> {
    let group = parse_id(GroupId::parse, &group_id, "group")?;
    Ok(conn::unlink_group(&ctx()?, &actor()?, group).await?)
}

/// Sends failed deliveries again: one person's in one group (both given), or all of them.
#[server]
pub async fn reprocess_connector(
    id: String,
    group_id: Option<String>,
    user_id: Option<String>,
) -> Result<u64, AppError> {
    let id = parse_id(SystemId::parse, &id, "connected system")?;
    let one = match (
        group_id.filter(|g| !g.is_empty()),
        user_id.filter(|u| !u.is_empty()),
    ) {
        (Some(g), Some(u)) => Some((
            parse_id(GroupId::parse, &g, "group")?,
            parse_id(UserId::parse, &u, "user")?,
        )),
        (None, None) => None,
        _ => {
            return Err(AppError::invalid(
                "user_id",
                "Name both the group and the person, or neither.",
            ));
        }
    };
    Ok(conn::reprocess(&ctx()?, &actor()?, id, one).await?)
}

/// Compares the system's linked groups with Tessera's grants within seconds.
#[server]
pub async fn check_connector_now(id: String) -> Result<(), AppError> {
    let id = parse_id(SystemId::parse, &id, "connected system")?;
    Ok(conn::check_now(&ctx()?, &actor()?, id).await?)
}

/// Sets up (or, unticked, turns off) the import of people and groups from a directory.
#[server]
pub async fn set_connector_import(
    id: String,
    enabled: Option<String>,
    people_filter: String,
    disabled_filter: String,
    email_attribute: String,
    name_attribute: String,
    manager_attribute: String,
    department_attribute: String,
    title_attribute: String,
    group_base: String,
    group_filter: String,
    every_minutes: String,
    max_leavers: String,
) -> Result<(), AppError> {
    let id = parse_id(SystemId::parse, &id, "connected system")?;
    let input = ImportInput {
        enabled: ticked(&enabled),
        people_filter: &people_filter,
        disabled_filter: &disabled_filter,
        email_attribute: &email_attribute,
        name_attribute: &name_attribute,
        manager_attribute: &manager_attribute,
        department_attribute: &department_attribute,
        title_attribute: &title_attribute,
        group_base: &group_base,
        group_filter: &group_filter,
        every_minutes: &every_minutes,
        max_leavers: &max_leavers,
    };
    Ok(conn::set_import(&ctx()?, &actor()?, id, &input).await?)
}

/// Runs the directory import within seconds.
#[server]
pub async fn import_connector_now(id: String) -> Result<(), AppError> {
    let id = parse_id(SystemId::parse, &id, "connected system")?;
    Ok(conn::import_now(&ctx()?, &actor()?, id).await?)
}
