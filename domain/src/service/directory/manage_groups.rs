//! Groups, their members and owners.

use super::*;

pub async fn search_groups(
    ctx: &Ctx,
    actor: &Actor,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<GroupSummary>> {
    require_directory_admin(actor)?;
    check_search(query)?;
    groups::search(&mut *ctx.read().await?, query, page).await
}

pub async fn group_detail(
    ctx: &Ctx,
    actor: &Actor,
    id: GroupId,
    page: PageRequest,
) -> DomainResult<GroupDetail> {
    require_directory_admin(actor)?;
    let mut conn = ctx.read().await?;
    let group = groups::summary(&mut conn, id).await?;
    Ok(GroupDetail {
        owners: groups::owners(&mut conn, id).await?,
        members: groups::members(&mut conn, id, group.member_count, page).await?,
        licenses: licenses::of_group(&mut conn, id).await?,
        group,
    })
}

/// What an admin types for a group.
#[derive(Debug, Clone, Default)]
pub struct GroupInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub kind: &'a str,
}

pub(super) fn parse_group(
    input: &GroupInput<'_>,
) -> DomainResult<(GroupName, Description, GroupKind)> {
    let mut p = Problems::default();
    let name = p.check("name", GroupName::parse(input.name));
    let description = p.check("description", Description::parse(input.description));
    let kind = p.check(
        "kind",
        GroupKind::parse(input.kind).map_err(|_| "Choose Security or Microsoft 365.".to_string()),
    );
    p.into_result()?;
    match (name, description, kind) {
        (Some(n), Some(d), Some(k)) => Ok((n, d, k)),
        _ => Err(DomainError::invalid("form", "invalid input")),
    }
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn create_group(
    ctx: &Ctx,
    actor: &Actor,
    input: &GroupInput<'_>,
) -> DomainResult<GroupId> {
    require_directory_admin(actor)?;
    let (name, description, kind) = parse_group(input)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let id = GroupId::new();
    groups::insert(&mut tx, id, &name, &description, kind, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.created",
        "group",
        id,
        format!("Created group {name}"),
    );
    audit::record(&mut tx, event.after(json!({"name": name.as_str(), "description": description.as_str(), "kind": kind.code()}))).await?;
    commit(tx).await?;
    Ok(id)
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn update_group(
    ctx: &Ctx,
    actor: &Actor,
    id: GroupId,
    input: &GroupInput<'_>,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let (name, description, kind) = parse_group(input)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = groups::summary(&mut tx, id).await?;
    groups::update(&mut tx, id, &name, &description, kind, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.updated",
        "group",
        id,
        format!("Updated group {name}"),
    );
    let event = event
        .before(json!({"name": before.name, "description": before.description, "kind": before.kind.code()}))
        .after(json!({"name": name.as_str(), "description": description.as_str(), "kind": kind.code()}));
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

/// Adds a person to a group directly (an admin grant).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_member(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    email: &str,
) -> DomainResult<UserId> {
    require_directory_admin(actor)?;
    let email = Email::parse(email).map_err(|e| DomainError::invalid("email", e))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = groups::summary(&mut tx, group).await?;
    let user = existing_person(&mut tx, "email", &email).await?;
    if !groups::add_grant(&mut tx, group, user, GrantSource::Direct, now).await? {
        return Err(DomainError::invalid(
            "email",
            format!("{email} is already a direct member of {}.", summary.name),
        ));
    }
    let text = format!("Added {email} to {} (direct)", summary.name);
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "group.member_added",
            "group",
            group,
            text,
        )
        .after(json!({"user": email.as_str(), "source": "direct"})),
    )
    .await?;
    commit(tx).await?;
    Ok(user)
}

/// Withdraws a person's direct membership; grants from access packages stay.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_direct_member(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    user: UserId,
) -> DomainResult<Vec<GrantSource>> {
    require_directory_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = groups::summary(&mut tx, group).await?;
    let person = users::summary(&mut tx, user).await?;
    if !groups::withdraw_grant(&mut tx, group, user, GrantSource::Direct).await? {
        return Err(DomainError::Conflict(format!(
            "{} has no direct membership in {}.",
            person.display_name, summary.name
        )));
    }
    let remaining = groups::grants(&mut tx, group, user).await?;
    let text = format!(
        "Removed the direct membership of {} in {}",
        person.email, summary.name
    );
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.member_removed",
        "group",
        group,
        text,
    )
    .before(json!({"user": person.email, "source": "direct"}))
    .after(
        json!({"remaining_grants": remaining.iter().map(GrantSource::code).collect::<Vec<_>>()}),
    );
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(remaining)
}

/// Makes a person an owner of a group (owners are shown with the group; later issues let them
/// approve or review access to it).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_owner(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    email: &str,
) -> DomainResult<UserId> {
    require_directory_admin(actor)?;
    let email = Email::parse(email)
        .map_err(|e| DomainError::invalid("owner_email", e.replace("Email", "Owner email")))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = groups::summary(&mut tx, group).await?;
    let user = existing_person(&mut tx, "owner_email", &email).await?;
    if users::summary(&mut tx, user).await?.user_type == UserType::Guest {
        return Err(DomainError::invalid(
            "owner_email",
            "Guests cannot own groups.",
        ));
    }
    if !groups::add_owner(&mut tx, group, user).await? {
        return Err(DomainError::invalid(
            "owner_email",
            format!("{email} already owns {}.", summary.name),
        ));
    }
    let text = format!("Made {email} an owner of {}", summary.name);
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.owner_added",
        "group",
        group,
        text,
    )
    .after(json!({"owner": email.as_str()}));
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(user)
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_owner(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    user: UserId,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = groups::summary(&mut tx, group).await?;
    let person = users::summary(&mut tx, user).await?;
    if !groups::remove_owner(&mut tx, group, user).await? {
        return Err(DomainError::Conflict(format!(
            "{} does not own {}.",
            person.display_name, summary.name
        )));
    }
    let text = format!("Removed {} as an owner of {}", person.email, summary.name);
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.owner_removed",
        "group",
        group,
        text,
    )
    .before(json!({"owner": person.email}));
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

// ---- licenses ----
