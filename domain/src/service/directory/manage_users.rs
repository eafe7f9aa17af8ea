//! People: search, detail, create and change.

use super::*;

pub async fn search_users(
    ctx: &Ctx,
    actor: &Actor,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<UserSummary>> {
    require_directory_admin(actor)?;
    check_search(query)?;
    users::search(&mut *ctx.read().await?, query, page).await
}

pub async fn user_detail(ctx: &Ctx, actor: &Actor, id: UserId) -> DomainResult<UserDetail> {
    require_directory_admin(actor)?;
    let mut conn = ctx.read().await?;
    Ok(UserDetail {
        user: users::summary(&mut conn, id).await?,
        last_sign_in_at: users::last_sign_in(&mut conn, id).await?,
        roles: users::roles(&mut conn, id).await?,
        direct_reports: users::direct_reports(&mut conn, id, DETAIL_LIST_LIMIT).await?,
        memberships: groups::memberships_of(&mut conn, id).await?,
        licenses: licenses::of_user(&mut conn, id).await?,
    })
}

/// The person with `email`, or a message on `field` saying nobody has it.
pub(super) async fn existing_person(
    tx: &mut Tx,
    field: &str,
    email: &Email,
) -> DomainResult<UserId> {
    users::id_by_email(tx, email)
        .await?
        .ok_or_else(|| DomainError::invalid(field, format!("No user has the email {email}.")))
}

pub(super) async fn resolve_manager(
    tx: &mut Tx,
    user: Option<UserId>,
    v: &ValidUser,
) -> DomainResult<Option<UserId>> {
    let Some(email) = &v.manager_email else {
        return Ok(None);
    };
    let manager = existing_person(tx, "manager_email", email).await?;
    if let Some(user) = user
        && users::would_cycle(tx, user, manager).await?
    {
        return Err(DomainError::invalid(
            "manager_email",
            "That would make a loop of managers.",
        ));
    }
    Ok(Some(manager))
}

pub(crate) fn user_json(v: &ValidUser) -> serde_json::Value {
    json!({
        "email": v.email.as_str(), "display_name": v.display_name.as_str(), "user_type": v.user_type.code(),
        "manager_email": v.manager_email.as_ref().map(Email::as_str), "department": v.department.as_str(),
        "job_title": v.job_title.as_str(), "enabled": v.enabled,
    })
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn create_user(ctx: &Ctx, actor: &Actor, form: &UserForm) -> DomainResult<UserId> {
    require_directory_admin(actor)?;
    let v = form.parse().map_err(DomainError::Invalid)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let manager = resolve_manager(&mut tx, None, &v).await?;
    let id = UserId::new();
    users::insert(&mut tx, id, &v, manager, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "user.created",
        "user",
        id,
        format!("Created user {}", v.email),
    );
    audit::record(&mut tx, event.after(user_json(&v))).await?;
    commit(tx).await?;
    Ok(id)
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn update_user(
    ctx: &Ctx,
    actor: &Actor,
    id: UserId,
    form: &UserForm,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let v = form.parse().map_err(DomainError::Invalid)?;
    if id == actor.user_id && !v.enabled {
        return Err(DomainError::invalid(
            "enabled",
            "You cannot disable your own account.",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    require_may_change(&mut tx, actor, id).await?;
    let before = users::summary(&mut tx, id).await?;
    let manager = resolve_manager(&mut tx, Some(id), &v).await?;
    users::update(&mut tx, id, &v, manager, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "user.updated",
        "user",
        id,
        format!("Updated user {}", v.email),
    );
    let before = json!({"email": before.email, "display_name": before.display_name, "user_type": before.user_type.code(),
        "manager_email": before.manager.map(|m| m.email), "department": before.department, "job_title": before.job_title,
        "enabled": before.enabled});
    audit::record(&mut tx, event.before(before).after(user_json(&v))).await?;
    commit(tx).await
}

/// Only a Global Administrator changes a Global Administrator: anyone else who could edit,
/// disable or make a guest of one could take the tenant's highest role away.
pub(super) async fn may_change(
    conn: &mut crate::store::Conn,
    actor: &Actor,
    person: UserId,
) -> DomainResult<bool> {
    if actor.has_role(DirectoryRole::GlobalAdministrator) {
        return Ok(true);
    }
    let theirs = users::roles(conn, person).await?;
    Ok(!theirs.contains(&DirectoryRole::GlobalAdministrator))
}

pub(super) async fn require_may_change(
    conn: &mut crate::store::Conn,
    actor: &Actor,
    person: UserId,
) -> DomainResult<()> {
    crate::service::require(
        may_change(conn, actor, person).await?,
        "only a Global Administrator can change a Global Administrator",
    )
}

/// What an administrator types to create a service account.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServiceAccountForm {
    pub display_name: String,
    /// Its unique name in the directory, in an email's shape (`hr-sync@woodgrove.example`);
    /// nothing is ever sent to it.
    pub email: String,
    /// What uses it (shown as its job title).
    pub purpose: String,
}

/// Creates a service account: a member entry without a password or manager that cannot sign
/// in; scripts act as it with the API tokens directory administrators make for it, and what
/// those reach follows the catalog roles it is given.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn create_service_account(
    ctx: &Ctx,
    actor: &Actor,
    form: &ServiceAccountForm,
) -> DomainResult<UserId> {
    require_directory_admin(actor)?;
    let v = UserForm {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        user_type: UserType::Member.code().to_owned(),
        manager_email: String::new(),
        department: String::new(),
        job_title: form.purpose.clone(),
        enabled: true,
    }
    .parse()
    .map_err(|fields| {
        DomainError::Invalid(
            fields
                .into_iter()
                .map(|f| match f.field.as_str() {
                    "job_title" => FieldError::new("purpose", f.message),
                    _ => f,
                })
                .collect(),
        )
    })?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let id = UserId::new();
    users::insert(&mut tx, id, &v, None, now).await?;
    users::mark_service_account(&mut tx, id).await?;
    let mut after = user_json(&v);
    if let Some(fields) = after.as_object_mut() {
        fields.insert("service_account".into(), json!(true));
    }
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "user.service_account_created",
        "user",
        id,
        format!("Created service account {}", v.email),
    );
    audit::record(&mut tx, event.after(after)).await?;
    commit(tx).await?;
    Ok(id)
}
