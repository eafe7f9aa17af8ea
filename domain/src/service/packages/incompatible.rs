//! Packages that may not be held together.

use super::*;

/// Which kind of holding makes a package incompatible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incompatible {
    Package(AccessPackageId),
    Group(GroupId),
}

impl Incompatible {
    fn parts(self) -> (&'static str, Uuid) {
        match self {
            Incompatible::Package(p) => ("package", p.0),
            Incompatible::Group(g) => ("group", g.0),
        }
    }
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_incompatible(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    target: Incompatible,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    add_incompatible_in(&mut tx, ctx, actor, id, target).await?;
    commit(tx).await
}

/// [`add_incompatible`] in the caller's transaction.
pub(crate) async fn add_incompatible_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    target: Incompatible,
) -> DomainResult<()> {
    let package = manageable(tx, actor, id).await?;
    let name = match target {
        Incompatible::Package(other) => {
            if other == id {
                return Err(DomainError::invalid(
                    "package",
                    "An access package cannot be incompatible with itself.",
                ));
            }
            packages::summary(tx, other)
                .await
                .map_err(|_| {
                    DomainError::invalid("package", "Choose an access package that exists.")
                })?
                .name
        }
        Incompatible::Group(g) => {
            groups::summary(tx, g)
                .await
                .map_err(|_| DomainError::invalid("group", "Choose a group that exists."))?
                .name
        }
    };
    let (kind, target_id) = target.parts();
    if !packages::add_incompatibility(tx, id, kind, target_id, ctx.clock.now()).await? {
        return Err(DomainError::invalid(
            kind,
            format!("{name} is already incompatible with {}.", package.name),
        ));
    }
    packages::touch(tx, id, ctx.clock.now()).await?;
    let e = event(
        ctx,
        actor,
        "access_package.incompatible_added",
        id,
        format!("Made {kind} {name} incompatible with {}", package.name),
    )
    .after(json!({"kind": kind, "target": name, "target_id": target_id.to_string()}));
    audit::record(tx, e).await?;
    Ok(())
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_incompatible(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    target: Incompatible,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    remove_incompatible_in(&mut tx, ctx, actor, id, target).await?;
    commit(tx).await
}

/// [`remove_incompatible`] in the caller's transaction.
pub(crate) async fn remove_incompatible_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    target: Incompatible,
) -> DomainResult<()> {
    let package = manageable(tx, actor, id).await?;
    let (kind, target_id) = target.parts();
    if !packages::remove_incompatibility(tx, id, kind, target_id).await? {
        return Err(DomainError::NotFound("incompatibility"));
    }
    packages::touch(tx, id, ctx.clock.now()).await?;
    let e = event(
        ctx,
        actor,
        "access_package.incompatible_removed",
        id,
        format!("Removed an incompatible {kind} from {}", package.name),
    )
    .before(json!({"kind": kind, "target_id": target_id.to_string()}));
    audit::record(tx, e).await?;
    Ok(())
}
