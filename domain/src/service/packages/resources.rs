//! A package's resource roles.

use super::*;

/// Adds a resource role; every current assignee is granted it at once. Returns how many.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_resource_role(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    group: GroupId,
    role: ResourceRole,
) -> DomainResult<u64> {
    let mut tx = ctx.db.begin().await?;
    let out = add_resource_role_in(&mut tx, ctx, actor, id, group, role).await?;
    commit(tx).await?;
    Ok(out)
}

/// [`add_resource_role`] in the caller's transaction.
pub(crate) async fn add_resource_role_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    group: GroupId,
    role: ResourceRole,
) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let package = manageable(tx, actor, id).await?;
    let g = groups::summary(tx, group)
        .await
        .map_err(|_| DomainError::invalid("group", "Choose a group that exists."))?;
    if packages::resource_roles(tx, id).await?.len() >= limits::MAX_RESOURCE_ROLES {
        return Err(DomainError::invalid(
            "group",
            format!(
                "An access package holds at most {} resource roles.",
                limits::MAX_RESOURCE_ROLES
            ),
        ));
    }
    if !catalogs::has_resource(tx, package.catalog_id, group).await? {
        if let Some(why) = may_add_group(tx, actor, package.catalog_id, group, &g.name).await? {
            return Err(DomainError::invalid("group", why));
        }
        catalogs::add_resource(tx, package.catalog_id, group, now).await?;
        audit::record(
            tx,
            NewEvent::new(
                now,
                Some(actor.user_id),
                "catalog.resource_added",
                "catalog",
                package.catalog_id,
                format!("Added group {} to catalog {}", g.name, package.catalog_name),
            )
            .after(json!({"group": g.name, "group_id": group.to_string()})),
        )
        .await?;
    }
    if !packages::add_resource_role(tx, id, group, role, now).await? {
        return Err(DomainError::invalid(
            "group",
            format!(
                "{} ({}) is already in this access package.",
                g.name,
                role.label()
            ),
        ));
    }
    let granted = packages::grant_role_to_assignees(tx, id, group, role, now).await?;
    packages::touch(tx, id, now).await?;
    let e = event(ctx, actor, "access_package.resource_role_added", id,
        format!("Added {} of {} to access package {} (granted to {granted} assignees)", role.label(), g.name, package.name))
        .after(json!({"group": g.name, "group_id": group.to_string(), "role": role.code(), "granted": granted}));
    audit::record(tx, e).await?;
    Ok(granted)
}

/// Removes a resource role; every current assignee loses the grant this package gave them
/// (grants from elsewhere stay). Returns how many grants were withdrawn.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_resource_role(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    group: GroupId,
    role: ResourceRole,
) -> DomainResult<u64> {
    let mut tx = ctx.db.begin().await?;
    let out = remove_resource_role_in(&mut tx, ctx, actor, id, group, role).await?;
    commit(tx).await?;
    Ok(out)
}

/// [`remove_resource_role`] in the caller's transaction.
pub(crate) async fn remove_resource_role_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    group: GroupId,
    role: ResourceRole,
) -> DomainResult<u64> {
    let package = manageable(tx, actor, id).await?;
    let g = groups::summary(tx, group).await?;
    if !packages::remove_resource_role(tx, id, group, role).await? {
        return Err(DomainError::NotFound("resource role"));
    }
    let revoked = packages::revoke_role_from_assignees(tx, id, group, role).await?;
    packages::touch(tx, id, ctx.clock.now()).await?;
    let e = event(
        ctx,
        actor,
        "access_package.resource_role_removed",
        id,
        format!(
            "Removed {} of {} from access package {} (revoked from {revoked} assignees)",
            role.label(),
            g.name,
            package.name
        ),
    )
    .before(json!({"group": g.name, "group_id": group.to_string(), "role": role.code()}))
    .after(json!({"revoked": revoked}));
    audit::record(tx, e).await?;
    Ok(revoked)
}
