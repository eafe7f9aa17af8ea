//! Licenses and the groups that carry them.

use super::*;

pub async fn list_licenses(ctx: &Ctx, actor: &Actor) -> DomainResult<Vec<LicenseSummary>> {
    require_directory_admin(actor)?;
    licenses::list(&mut *ctx.read().await?).await
}

pub async fn license_detail(
    ctx: &Ctx,
    actor: &Actor,
    id: LicenseId,
) -> DomainResult<LicenseDetail> {
    require_directory_admin(actor)?;
    let mut conn = ctx.read().await?;
    let license = licenses::summary(&mut conn, id).await?;
    let violations = licenses::violations(&mut conn, id, license.seats, DETAIL_LIST_LIMIT).await?;
    Ok(LicenseDetail {
        license,
        violations,
    })
}

pub(super) fn parse_license(name: &str, seats: &str) -> DomainResult<(LicenseName, Seats)> {
    let mut p = Problems::default();
    let name = p.check("name", LicenseName::parse(name));
    let seats = p.check("seats", Seats::parse(seats));
    p.into_result()?;
    match (name, seats) {
        (Some(n), Some(s)) => Ok((n, s)),
        _ => Err(DomainError::invalid("form", "invalid input")),
    }
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn create_license(
    ctx: &Ctx,
    actor: &Actor,
    name: &str,
    seats: &str,
) -> DomainResult<LicenseId> {
    require_directory_admin(actor)?;
    let (name, seats) = parse_license(name, seats)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let id = LicenseId::new();
    licenses::insert(&mut tx, id, &name, seats, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "license.created",
        "license",
        id,
        format!("Created license {name} with {} seats", seats.get()),
    );
    audit::record(
        &mut tx,
        event.after(json!({"name": name.as_str(), "seats": seats.get()})),
    )
    .await?;
    commit(tx).await?;
    Ok(id)
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn update_license(
    ctx: &Ctx,
    actor: &Actor,
    id: LicenseId,
    name: &str,
    seats: &str,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let (name, seats) = parse_license(name, seats)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = licenses::summary(&mut tx, id).await?;
    licenses::update(&mut tx, id, &name, seats, now).await?;
    let text = format!(
        "Updated license {name}: {} → {} seats",
        before.seats,
        seats.get()
    );
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "license.updated",
        "license",
        id,
        text,
    )
    .before(json!({"name": before.name, "seats": before.seats}))
    .after(json!({"name": name.as_str(), "seats": seats.get()}));
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn assign_license(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    license: LicenseId,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let g = groups::summary(&mut tx, group).await?;
    let l = licenses::summary(&mut tx, license).await?;
    if !licenses::assign_to_group(&mut tx, group, license).await? {
        return Err(DomainError::invalid(
            "license",
            format!("{} already carries {}.", g.name, l.name),
        ));
    }
    let text = format!("Assigned license {} to group {}", l.name, g.name);
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "group.license_assigned",
            "group",
            group,
            text,
        )
        .after(json!({"license": l.name})),
    )
    .await?;
    commit(tx).await
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_license(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    license: LicenseId,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let g = groups::summary(&mut tx, group).await?;
    let l = licenses::summary(&mut tx, license).await?;
    if !licenses::remove_from_group(&mut tx, group, license).await? {
        return Err(DomainError::Conflict(format!(
            "{} does not carry {}.",
            g.name, l.name
        )));
    }
    let text = format!("Removed license {} from group {}", l.name, g.name);
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "group.license_removed",
            "group",
            group,
            text,
        )
        .before(json!({"license": l.name})),
    )
    .await?;
    commit(tx).await
}
