//! SCIM users: read, list, create, replace, patch, delete.

use super::{Ctx, ScimClient, commit};
use crate::db::Tx;
use crate::model::{DirectoryRole, UserId};
use crate::scim::filter::Filter;
use crate::scim::user::{ScimUser, UserRecord};
use crate::scim::{PatchOperation, ScimError};
use crate::store::audit::{self, NewEvent};
use crate::store::scim::{Window, users as scim_users};
use crate::store::users;
use serde_json::json;

pub async fn get_user(ctx: &Ctx, _client: &ScimClient, id: &str) -> Result<UserRecord, ScimError> {
    scim_users::get(&mut *ctx.read().await?, id)
        .await?
        .ok_or_else(|| ScimError::not_found("user", id))
}

pub async fn list_users(
    ctx: &Ctx,
    _client: &ScimClient,
    filter: Option<&Filter>,
    window: Window,
) -> Result<(i64, Vec<UserRecord>), ScimError> {
    scim_users::list(&mut *ctx.read().await?, filter, window).await
}

fn audit_json(u: &ScimUser) -> serde_json::Value {
    json!({
        "user_name": u.user_name, "external_id": u.external_id, "display_name": u.display_name,
        "email": u.email, "enabled": u.active, "job_title": u.title, "department": u.department,
        "employee_number": u.employee_number, "manager_id": u.manager,
    })
}

/// The manager must be a person SCIM shows, not the person, and not below them.
async fn check_manager(tx: &mut Tx, id: &str, u: &ScimUser) -> Result<(), ScimError> {
    let Some(m) = &u.manager else { return Ok(()) };
    if m == id {
        return Err(ScimError::invalid_value(
            "A person cannot be their own manager.",
        ));
    }
    let unknown = || ScimError::invalid_value(format!("No user has the id \"{m}\" (manager)."));
    if !scim_users::exists(tx, m).await? {
        return Err(unknown());
    }
    if let (Ok(person), Ok(manager)) = (uuid::Uuid::parse_str(id), uuid::Uuid::parse_str(m))
        && users::would_cycle(tx, UserId(person), UserId(manager)).await?
    {
        return Err(ScimError::invalid_value(
            "That manager would make a loop of managers.",
        ));
    }
    Ok(())
}

/// Of a Global Administrator, a client may not change what signs them in or keeps them in:
/// userName, e-mail, `active`, or delete them (`after` None). The role is managed in Tessera.
async fn check_may_change(
    tx: &mut Tx,
    id: &str,
    before: &ScimUser,
    after: Option<&ScimUser>,
) -> Result<(), ScimError> {
    let touches = after.is_none_or(|a| {
        a.user_name != before.user_name || a.email != before.email || a.active != before.active
    });
    if !touches {
        return Ok(());
    }
    let Ok(person) = uuid::Uuid::parse_str(id) else {
        return Ok(());
    };
    if users::roles(tx, UserId(person))
        .await?
        .contains(&DirectoryRole::GlobalAdministrator)
    {
        return Err(ScimError::new(
            403,
            None,
            format!(
                "{} is a Global Administrator in Tessera: directory sync cannot change their userName, \
                 e-mail or active state, nor delete them. Remove the role in Tessera first.",
                before.email
            ),
        ));
    }
    Ok(())
}

async fn record(tx: &mut Tx, id: &str) -> Result<UserRecord, ScimError> {
    scim_users::get(tx, id)
        .await?
        .ok_or_else(|| ScimError::not_found("user", id))
}

/// POST /Users. A userName the provider deleted before brings that person back (a rehire
/// keeps their history); one held by anyone else is a conflict.
#[tracing::instrument(skip_all, fields(client = %client.name))]
pub async fn create_user(
    ctx: &Ctx,
    client: &ScimClient,
    body: &serde_json::Value,
) -> Result<UserRecord, ScimError> {
    let u = ScimUser::from_resource(body)?.checked()?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let (id, action, summary) = match scim_users::by_user_name(&mut tx, &u.user_name).await? {
        Some((_, false)) => {
            return Err(ScimError::uniqueness(format!(
                "A user with the userName \"{}\" already exists.",
                u.user_name
            )));
        }
        Some((id, true)) => {
            check_manager(&mut tx, &id, &u).await?;
            scim_users::update(&mut tx, &id, &u, now).await?;
            (
                id,
                "user.restored",
                format!("{} brought back user {}", client.says(), u.email),
            )
        }
        None => {
            let id = UserId::new().to_string();
            check_manager(&mut tx, &id, &u).await?;
            scim_users::insert(&mut tx, &id, &u, now).await?;
            (
                id,
                "user.created",
                format!("{} created user {}", client.says(), u.email),
            )
        }
    };
    let event = NewEvent::new(now, None, action, "user", &id, summary).after(audit_json(&u));
    audit::record(&mut tx, event).await?;
    let out = record(&mut tx, &id).await?;
    commit(tx).await?;
    Ok(out)
}

async fn save(
    ctx: &Ctx,
    client: &ScimClient,
    id: &str,
    change: impl FnOnce(&ScimUser) -> Result<ScimUser, ScimError>,
) -> Result<UserRecord, ScimError> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = record(&mut tx, id).await?.user;
    let after = change(&before)?.checked()?;
    if let Some((holder, _)) = scim_users::by_user_name(&mut tx, &after.user_name).await?
        && holder != id
    {
        return Err(ScimError::uniqueness(format!(
            "A user with the userName \"{}\" already exists.",
            after.user_name
        )));
    }
    check_manager(&mut tx, id, &after).await?;
    check_may_change(&mut tx, id, &before, Some(&after)).await?;
    if after != before {
        scim_users::update(&mut tx, id, &after, now).await?;
        let what = if before.active && !after.active {
            ("user.disabled", "disabled")
        } else {
            ("user.updated", "updated")
        };
        let event = NewEvent::new(
            now,
            None,
            what.0,
            "user",
            id,
            format!("{} {} user {}", client.says(), what.1, after.email),
        )
        .before(audit_json(&before))
        .after(audit_json(&after));
        audit::record(&mut tx, event).await?;
    }
    let out = record(&mut tx, id).await?;
    commit(tx).await?;
    Ok(out)
}

/// PUT /Users/{id}: the body is the whole user.
#[tracing::instrument(skip_all, fields(client = %client.name, id))]
pub async fn replace_user(
    ctx: &Ctx,
    client: &ScimClient,
    id: &str,
    body: &serde_json::Value,
) -> Result<UserRecord, ScimError> {
    let replacement = ScimUser::from_resource(body)?;
    save(ctx, client, id, |_| Ok(replacement)).await
}

/// PATCH /Users/{id}: the operations apply in order; if one fails nothing changes.
#[tracing::instrument(skip_all, fields(client = %client.name, id))]
pub async fn patch_user(
    ctx: &Ctx,
    client: &ScimClient,
    id: &str,
    ops: &[PatchOperation],
) -> Result<UserRecord, ScimError> {
    save(ctx, client, id, |before| {
        let mut u = before.clone();
        u.patch(ops)?;
        Ok(u)
    })
    .await
}

/// DELETE /Users/{id}: the person is disabled and hidden from SCIM; their history stays.
#[tracing::instrument(skip_all, fields(client = %client.name, id))]
pub async fn delete_user(ctx: &Ctx, client: &ScimClient, id: &str) -> Result<(), ScimError> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = record(&mut tx, id).await?.user;
    check_may_change(&mut tx, id, &before, None).await?;
    scim_users::mark_deleted(&mut tx, id, now).await?;
    let event = NewEvent::new(
        now,
        None,
        "user.deleted",
        "user",
        id,
        format!(
            "{} deleted user {} (kept disabled, with their history)",
            client.says(),
            before.email
        ),
    )
    .before(audit_json(&before));
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(())
}
