//! Creating, renaming and deleting packages.

use super::*;

/// Creates the package, its resource roles and its first policy in one transaction.
#[tracing::instrument(skip(ctx, actor, draft), fields(actor = %actor.user_id))]
pub async fn create_package(
    ctx: &Ctx,
    actor: &Actor,
    draft: &PackageDraft,
) -> DomainResult<AccessPackageId> {
    let mut tx = ctx.db.begin().await?;
    let out = create_package_in(&mut tx, ctx, actor, draft, None).await?;
    commit(tx).await?;
    Ok(out)
}

/// [`create_package`] in the caller's transaction; `restored_review_start` as in
/// [`add_policy_in`].
pub(crate) async fn create_package_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    draft: &PackageDraft,
    restored_review_start: Option<chrono::NaiveDate>,
) -> DomainResult<AccessPackageId> {
    require(
        actor.can_open_admin(),
        "only administrators can create access packages",
    )?;
    let now = ctx.clock.now();
    let check = PolicyCheck {
        today: now.date_naive(),
        fixed_review_start: restored_review_start,
    };
    let (valid, p) = check_draft(tx, actor, draft, check).await?;
    let Ok(v) = valid else {
        return Err(DomainError::Invalid(p.0));
    };
    let id = AccessPackageId::new();
    packages::insert(tx, id, &v, now).await?;
    for (group, role) in &v.resources {
        if catalogs::add_resource(tx, v.catalog, *group, now).await? {
            let g = groups::summary(tx, *group).await?;
            audit::record(
                tx,
                NewEvent::new(
                    now,
                    Some(actor.user_id),
                    "catalog.resource_added",
                    "catalog",
                    v.catalog,
                    format!(
                        "Added group {} to the catalog (for access package {})",
                        g.name, v.name
                    ),
                )
                .after(json!({"group": g.name, "group_id": group.to_string()})),
            )
            .await?;
        }
        packages::add_resource_role(tx, id, *group, *role, now).await?;
    }
    let policy_id = PolicyId::new();
    let (pname, pdesc, spec) = &v.policy;
    packages::insert_policy(tx, id, policy_id, pname, pdesc, spec, now).await?;
    let after = json!({
        "name": v.name.as_str(),
        "description": v.description.as_str(),
        "catalog_id": v.catalog.to_string(),
        "hidden": v.hidden,
        "resource_roles": draft.resources.iter().map(|r| json!({"group": r.group_name, "group_id": r.group_id.to_string(), "role": r.role.code()})).collect::<Vec<_>>(),
        "policy": policy_json(pname, pdesc, spec),
    });
    let e = event(
        ctx,
        actor,
        "access_package.created",
        id,
        format!("Created access package {}", v.name),
    );
    audit::record(tx, e.after(after)).await?;
    Ok(id)
}

/// Edits name, description and Hidden. With `expected` (the version the editor read), an edit
/// made after someone else changed the package is refused as [`DomainError::Stale`].
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn update_basics(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    name: &str,
    description: &str,
    hidden: bool,
    expected: Option<i64>,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    update_basics_in(&mut tx, ctx, actor, id, name, description, hidden, expected).await?;
    commit(tx).await
}

/// [`update_basics`] in the caller's transaction.
#[allow(clippy::too_many_arguments)] // the transaction, then `update_basics`' own seven
pub(crate) async fn update_basics_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    name: &str,
    description: &str,
    hidden: bool,
    expected: Option<i64>,
) -> DomainResult<()> {
    let mut p = Problems::default();
    let name = p.check("name", PackageName::parse(name));
    let description = p.check("description", PackageDescription::parse(description));
    let (Some(name), Some(description)) = (name, description) else {
        return Err(DomainError::Invalid(p.0));
    };
    let before = manageable(tx, actor, id).await?;
    packages::update_basics(
        tx,
        id,
        &name,
        &description,
        hidden,
        expected,
        ctx.clock.now(),
    )
    .await?;
    let e = event(
        ctx,
        actor,
        "access_package.updated",
        id,
        format!("Updated access package {name}"),
    )
    .before(
        json!({"name": before.name, "description": before.description, "hidden": before.hidden}),
    )
    .after(json!({"name": name.as_str(), "description": description.as_str(), "hidden": hidden}));
    audit::record(tx, e).await?;
    Ok(())
}

/// Deletes the package; refused while people hold it or requests are open.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn delete(ctx: &Ctx, actor: &Actor, id: AccessPackageId) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    let before = manageable(&mut tx, actor, id).await?;
    let active = packages::active_assignments(&mut tx, id).await?;
    if active > 0 {
        return Err(DomainError::Conflict(format!(
            "{} has {}. Remove them before deleting the access package.",
            before.name,
            plural(active, "active assignment", "active assignments")
        )));
    }
    let open = packages::open_requests(&mut tx, id).await?;
    if open > 0 {
        return Err(DomainError::Conflict(format!(
            "{} has {}. Cancel them before deleting the access package.",
            before.name,
            plural(open, "open request", "open requests")
        )));
    }
    let roles = packages::resource_roles(&mut tx, id).await?;
    packages::forget_as_incompatible(&mut tx, id).await?;
    packages::delete(&mut tx, id).await?;
    let e = event(ctx, actor, "access_package.deleted", id, format!("Deleted access package {}", before.name))
        .before(json!({
            "name": before.name,
            "description": before.description,
            "catalog_id": before.catalog_id.to_string(),
            "resource_roles": roles.iter().map(|r| json!({"group": r.group_name, "role": r.role.code()})).collect::<Vec<_>>(),
        }));
    audit::record(&mut tx, e).await?;
    commit(tx).await
}
