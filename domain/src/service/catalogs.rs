//! Catalogs: create, rename, enable, delete; resources; delegated catalog roles.

use super::{Ctx, check_search, commit, require};
use crate::model::*;
use crate::store::audit::{self, NewEvent};
use crate::store::{Conn, catalogs, groups, users};
use crate::{DomainError, DomainResult};
use serde_json::json;

/// What an admin types to create or edit a catalog.
#[derive(Debug, Clone)]
pub struct CatalogInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub enabled: bool,
}

fn parse(input: &CatalogInput<'_>) -> DomainResult<(CatalogName, Description)> {
    let mut p = Problems::default();
    let name = p.check("name", CatalogName::parse(input.name));
    let description = p.check("description", Description::parse(input.description));
    match (name, description) {
        (Some(n), Some(d)) if p.0.is_empty() => Ok((n, d)),
        _ => Err(DomainError::Invalid(p.0)),
    }
}

fn event<'a>(
    ctx: &Ctx,
    actor: &Actor,
    action: &'a str,
    id: CatalogId,
    text: String,
) -> NewEvent<'a> {
    NewEvent::new(
        ctx.clock.now(),
        Some(actor.user_id),
        action,
        "catalog",
        id,
        text,
    )
}

pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<CatalogSummary>> {
    require(
        actor.can_open_admin(),
        "only administrators can see catalogs",
    )?;
    check_search(query)?;
    let only = (!actor.is_governance_admin()).then_some(actor.user_id);
    catalogs::search(&mut *ctx.read().await?, query, only, page).await
}

/// How many catalogs a picker lists (catalogs are few compared with people and packages).
pub const NAMES_LIMIT: i64 = 1000;

/// The catalogs the actor may read, by name, for the pickers and filters: no counts, so it
/// costs the same however many packages and resources the catalogs hold.
pub async fn names(ctx: &Ctx, actor: &Actor) -> DomainResult<Vec<NamedRef>> {
    require(
        actor.can_open_admin(),
        "only administrators can see catalogs",
    )?;
    Ok(catalogs::all_names(&mut *ctx.read().await?, NAMES_LIMIT)
        .await?
        .into_iter()
        .filter(|c| actor.can_read_catalog(CatalogId(c.id)))
        .collect())
}

pub async fn detail(ctx: &Ctx, actor: &Actor, id: CatalogId) -> DomainResult<CatalogDetail> {
    require(
        actor.can_read_catalog(id),
        "you have no role in this catalog",
    )?;
    let mut conn = ctx.read().await?;
    Ok(CatalogDetail {
        summary: catalogs::summary(&mut conn, id).await?,
        resources: catalogs::resources(&mut conn, id).await?,
        roles: catalogs::role_holders(&mut conn, id).await?,
        packages: catalogs::package_names(&mut conn, id, 200).await?,
        can_manage: actor.can_manage_catalog(id),
    })
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn create(ctx: &Ctx, actor: &Actor, input: &CatalogInput<'_>) -> DomainResult<CatalogId> {
    let mut tx = ctx.db.begin().await?;
    let id = create_in(&mut tx, ctx, actor, input).await?;
    commit(tx).await?;
    Ok(id)
}

/// [`create`] in the caller's transaction.
pub(crate) async fn create_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    input: &CatalogInput<'_>,
) -> DomainResult<CatalogId> {
    require(
        actor.can_create_catalog(),
        "only administrators and catalog creators can create catalogs",
    )?;
    let (name, description) = parse(input)?;
    let now = ctx.clock.now();
    let id = CatalogId::new();
    catalogs::insert(tx, id, &name, &description, input.enabled, now).await?;
    // A catalog creator owns what they create (as in the product).
    if !actor.is_governance_admin() {
        catalogs::grant_role(tx, id, actor.user_id, CatalogRole::CatalogOwner).await?;
    }
    let e = event(
        ctx,
        actor,
        "catalog.created",
        id,
        format!("Created catalog {name}"),
    );
    audit::record(tx, e.after(json!({"name": name.as_str(), "description": description.as_str(), "enabled": input.enabled}))).await?;
    Ok(id)
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    input: &CatalogInput<'_>,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    update_in(&mut tx, ctx, actor, id, input).await?;
    commit(tx).await
}

/// [`update`] in the caller's transaction.
pub(crate) async fn update_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    input: &CatalogInput<'_>,
) -> DomainResult<()> {
    require(
        actor.can_manage_catalog(id),
        "only the catalog's owners can change it",
    )?;
    let (name, description) = parse(input)?;
    let before = catalogs::summary(tx, id).await?;
    catalogs::update(tx, id, &name, &description, input.enabled, ctx.clock.now()).await?;
    let e = event(ctx, actor, "catalog.updated", id, format!("Updated catalog {name}"))
        .before(json!({"name": before.name, "description": before.description, "enabled": before.enabled}))
        .after(json!({"name": name.as_str(), "description": description.as_str(), "enabled": input.enabled}));
    audit::record(tx, e).await
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn delete(ctx: &Ctx, actor: &Actor, id: CatalogId) -> DomainResult<()> {
    require(
        actor.can_manage_catalog(id),
        "only the catalog's owners can delete it",
    )?;
    let mut tx = ctx.db.begin().await?;
    let before = catalogs::summary(&mut tx, id).await?;
    if before.built_in {
        return Err(DomainError::Conflict(format!(
            "{} is built in and cannot be deleted.",
            before.name
        )));
    }
    if before.packages > 0 {
        return Err(DomainError::Conflict(format!(
            "{} still holds {} access package{}. Delete or move them first.",
            before.name,
            before.packages,
            if before.packages == 1 { "" } else { "s" }
        )));
    }
    catalogs::delete(&mut tx, id).await?;
    let e = event(
        ctx,
        actor,
        "catalog.deleted",
        id,
        format!("Deleted catalog {}", before.name),
    )
    .before(json!({"name": before.name, "description": before.description}));
    audit::record(&mut tx, e).await?;
    commit(tx).await
}

/// Adds a group to the catalog's resources.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_resource(
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    group: GroupId,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    add_resource_in(&mut tx, ctx, actor, id, group).await?;
    commit(tx).await
}

/// [`add_resource`] in the caller's transaction.
pub(crate) async fn add_resource_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    group: GroupId,
) -> DomainResult<()> {
    require(
        actor.can_manage_catalog(id),
        "only the catalog's owners can add resources",
    )?;
    let catalog = catalogs::summary(tx, id).await?;
    let g = groups::summary(tx, group)
        .await
        .map_err(|_| DomainError::invalid("group", "Choose a group that exists."))?;
    if let Some(why) = super::packages::may_add_group(tx, actor, id, group, &g.name).await? {
        return Err(DomainError::invalid("group", why));
    }
    if !catalogs::add_resource(tx, id, group, ctx.clock.now()).await? {
        return Err(DomainError::invalid(
            "group",
            format!("{} is already in {}.", g.name, catalog.name),
        ));
    }
    let e = event(
        ctx,
        actor,
        "catalog.resource_added",
        id,
        format!("Added group {} to catalog {}", g.name, catalog.name),
    );
    audit::record(
        tx,
        e.after(json!({"group": g.name, "group_id": group.to_string()})),
    )
    .await
}

/// Removes a group from the catalog; refused while one of its packages uses the group.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_resource(
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    group: GroupId,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    remove_resource_in(&mut tx, ctx, actor, id, group).await?;
    commit(tx).await
}

/// [`remove_resource`] in the caller's transaction.
pub(crate) async fn remove_resource_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    group: GroupId,
) -> DomainResult<()> {
    require(
        actor.can_manage_catalog(id),
        "only the catalog's owners can remove resources",
    )?;
    let catalog = catalogs::summary(tx, id).await?;
    let g = groups::summary(tx, group).await?;
    let using = catalogs::packages_using(tx, id, group).await?;
    if !using.is_empty() {
        return Err(DomainError::Conflict(format!(
            "{} is used by the access package{} {}. Remove it from {} first.",
            g.name,
            if using.len() == 1 { "" } else { "s" },
            using.join(", "),
            if using.len() == 1 { "it" } else { "them" }
        )));
    }
    if !catalogs::remove_resource(tx, id, group).await? {
        return Err(DomainError::NotFound("catalog resource"));
    }
    let e = event(
        ctx,
        actor,
        "catalog.resource_removed",
        id,
        format!("Removed group {} from catalog {}", g.name, catalog.name),
    );
    audit::record(
        tx,
        e.before(json!({"group": g.name, "group_id": group.to_string()})),
    )
    .await
}

/// Gives a person a role in the catalog.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_role(
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    email: &str,
    role: CatalogRole,
) -> DomainResult<UserId> {
    require(
        actor.can_manage_catalog(id),
        "only the catalog's owners can assign its roles",
    )?;
    let email = Email::parse(email).map_err(|e| DomainError::invalid("email", e))?;
    let mut tx = ctx.db.begin().await?;
    let catalog = catalogs::summary(&mut tx, id).await?;
    let user = users::id_by_email(&mut tx, &email)
        .await?
        .ok_or_else(|| DomainError::invalid("email", format!("No user has the email {email}.")))?;
    let who = users::summary(&mut tx, user).await?;
    grant_role(&mut tx, ctx, actor, &catalog, &who, role).await?;
    commit(tx).await?;
    Ok(user)
}

/// [`add_role`] for a person named by id (the API's `principalId`); a person who does not
/// exist is a `user` field error.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_role_for(
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    user: UserId,
    role: CatalogRole,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    add_role_for_in(&mut tx, ctx, actor, id, user, role).await?;
    commit(tx).await
}

/// [`add_role_for`] in the caller's transaction.
pub(crate) async fn add_role_for_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    user: UserId,
    role: CatalogRole,
) -> DomainResult<()> {
    require(
        actor.can_manage_catalog(id),
        "only the catalog's owners can assign its roles",
    )?;
    let who = match users::summary(tx, user).await {
        Err(DomainError::NotFound(_)) => {
            return Err(DomainError::invalid("user", "Choose a person who exists."));
        }
        found => found?,
    };
    let catalog = catalogs::summary(tx, id).await?;
    grant_role(tx, ctx, actor, &catalog, &who, role).await
}

/// The role given and audited, in the caller's transaction; a guest, or a person who holds
/// the role already, is an `email` field error.
async fn grant_role(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    catalog: &CatalogSummary,
    who: &UserSummary,
    role: CatalogRole,
) -> DomainResult<()> {
    if who.user_type == UserType::Guest {
        return Err(DomainError::invalid(
            "email",
            "Guests cannot hold catalog roles.",
        ));
    }
    let email = &who.email;
    if !catalogs::grant_role(tx, catalog.id, who.id, role).await? {
        return Err(DomainError::invalid(
            "email",
            format!("{email} is already {} of {}.", role.label(), catalog.name),
        ));
    }
    let e = event(
        ctx,
        actor,
        "catalog.role_added",
        catalog.id,
        format!("Made {email} {} of {}", role.label(), catalog.name),
    );
    audit::record(tx, e.after(json!({"user": email, "role": role.code()}))).await
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_role(
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    user: UserId,
    role: CatalogRole,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    remove_role_in(&mut tx, ctx, actor, id, user, role).await?;
    commit(tx).await
}

/// [`remove_role`] in the caller's transaction.
pub(crate) async fn remove_role_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: CatalogId,
    user: UserId,
    role: CatalogRole,
) -> DomainResult<()> {
    require(
        actor.can_manage_catalog(id),
        "only the catalog's owners can remove its roles",
    )?;
    let catalog = catalogs::summary(tx, id).await?;
    let who = users::summary(tx, user).await?;
    if !catalogs::revoke_role(tx, id, user, role).await? {
        return Err(DomainError::NotFound("catalog role"));
    }
    let e = event(
        ctx,
        actor,
        "catalog.role_removed",
        id,
        format!(
            "Removed {} as {} of {}",
            who.email,
            role.label(),
            catalog.name
        ),
    );
    audit::record(
        tx,
        e.before(json!({"user": who.email, "role": role.code()})),
    )
    .await
}
