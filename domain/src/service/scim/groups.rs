//! SCIM groups: read, list, create, replace, patch, delete. Members are the memberships SCIM
//! gave; changing them never touches a membership an access package or an administrator gave.

use super::{Ctx, ScimClient, commit};
use crate::db::Tx;
use crate::model::{GroupId, GroupName};
use crate::scim::filter::Filter;
use crate::scim::group::{GroupPatch, GroupRecord, MemberChange, ScimGroup};
use crate::scim::{PatchOperation, ScimError};
use crate::store::audit::{self, NewEvent};
use crate::store::scim::{Window, groups as scim_groups};
use serde_json::json;
use std::collections::HashSet;

/// Member ids an audit event lists (the count is always there).
const AUDIT_IDS: usize = 50;

pub async fn get_group(
    ctx: &Ctx,
    _client: &ScimClient,
    id: &str,
    with_members: bool,
) -> Result<GroupRecord, ScimError> {
    scim_groups::get(&mut *ctx.read().await?, id, with_members)
        .await?
        .ok_or_else(|| ScimError::not_found("group", id))
}

pub async fn list_groups(
    ctx: &Ctx,
    _client: &ScimClient,
    filter: Option<&Filter>,
    window: Window,
    with_members: bool,
) -> Result<(i64, Vec<GroupRecord>), ScimError> {
    scim_groups::list(&mut *ctx.read().await?, filter, window, with_members).await
}

fn checked_name(raw: &str) -> Result<String, ScimError> {
    GroupName::parse(raw)
        .map(|n| n.as_str().to_owned())
        .map_err(|e| ScimError::invalid_value(format!("\"displayName\": {e}")))
}

async fn require_people(tx: &mut Tx, ids: &[String]) -> Result<(), ScimError> {
    let unknown = scim_groups::unknown_people(tx, ids).await?;
    if let Some(first) = unknown.first() {
        return Err(ScimError::invalid_value(format!(
            "{} member id(s) are not users Tessera knows, such as \"{first}\".",
            unknown.len()
        )));
    }
    Ok(())
}

/// Members added and removed by one request, for its audit event.
#[derive(Default)]
struct Moved {
    added: Vec<String>,
    removed: Vec<String>,
}

impl Moved {
    fn json(&self) -> serde_json::Value {
        let some = |v: &[String]| v.iter().take(AUDIT_IDS).cloned().collect::<Vec<_>>();
        json!({"added": self.added.len(), "added_ids": some(&self.added),
               "removed": self.removed.len(), "removed_ids": some(&self.removed)})
    }

    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

async fn apply(
    tx: &mut Tx,
    group: &str,
    change: &MemberChange,
    moved: &mut Moved,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ScimError> {
    match change {
        MemberChange::Add(ids) => {
            require_people(tx, ids).await?;
            moved
                .added
                .extend(scim_groups::add_members(tx, group, ids, now).await?);
        }
        MemberChange::Remove(ids) => {
            moved
                .removed
                .extend(scim_groups::remove_members(tx, group, ids).await?);
        }
        MemberChange::RemoveAll => {
            let all = scim_groups::members(tx, group).await?;
            moved
                .removed
                .extend(scim_groups::remove_members(tx, group, &all).await?);
        }
        MemberChange::Replace(ids) => {
            require_people(tx, ids).await?;
            let wanted: HashSet<&String> = ids.iter().collect();
            // In id order, so that removals take their locks in a stable order.
            let current = scim_groups::members(tx, group).await?;
            let have: HashSet<&String> = current.iter().collect();
            let gone: Vec<String> = current
                .iter()
                .filter(|m| !wanted.contains(m))
                .cloned()
                .collect();
            // Only the new ones: a PUT of 10,000 unchanged members writes nothing.
            let new: Vec<String> = ids.iter().filter(|i| !have.contains(i)).cloned().collect();
            moved
                .removed
                .extend(scim_groups::remove_members(tx, group, &gone).await?);
            moved
                .added
                .extend(scim_groups::add_members(tx, group, &new, now).await?);
        }
    }
    Ok(())
}

async fn audit_members(
    tx: &mut Tx,
    client: &ScimClient,
    id: &str,
    name: &str,
    moved: &Moved,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ScimError> {
    if moved.is_empty() {
        return Ok(());
    }
    let event = NewEvent::new(
        now,
        None,
        "group.members_synced",
        "group",
        id,
        format!(
            "{} added {} and removed {} member(s) of group {name}",
            client.says(),
            moved.added.len(),
            moved.removed.len()
        ),
    )
    .after(moved.json());
    audit::record(tx, event).await?;
    Ok(())
}

async fn record(tx: &mut Tx, id: &str, with_members: bool) -> Result<GroupRecord, ScimError> {
    scim_groups::get(tx, id, with_members)
        .await?
        .ok_or_else(|| ScimError::not_found("group", id))
}

/// POST /Groups.
#[tracing::instrument(skip_all, fields(client = %client.name))]
pub async fn create_group(
    ctx: &Ctx,
    client: &ScimClient,
    body: &serde_json::Value,
) -> Result<GroupRecord, ScimError> {
    let g = ScimGroup::from_resource(body)?;
    let name = checked_name(&g.display_name)?;
    let external_id = crate::scim::external_id(g.external_id.as_deref())?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let id = GroupId::new().to_string();
    scim_groups::insert(&mut tx, &id, &name, external_id.as_deref(), now).await?;
    let event = NewEvent::new(
        now,
        None,
        "group.created",
        "group",
        &id,
        format!("{} created group {name}", client.says()),
    )
    .after(json!({"name": name, "external_id": external_id}));
    audit::record(&mut tx, event).await?;
    let mut moved = Moved::default();
    apply(&mut tx, &id, &MemberChange::Add(g.members), &mut moved, now).await?;
    audit_members(&mut tx, client, &id, &name, &moved, now).await?;
    let out = record(&mut tx, &id, true).await?;
    commit(tx).await?;
    Ok(out)
}

async fn rename(
    tx: &mut Tx,
    client: &ScimClient,
    before: &GroupRecord,
    name: Option<&str>,
    external_id: Option<Option<&str>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, ScimError> {
    let name = match name {
        Some(n) => checked_name(n)?,
        None => before.display_name.clone(),
    };
    let external_id = match external_id {
        Some(x) => crate::scim::external_id(x)?,
        None => before.external_id.clone(),
    };
    if name != before.display_name || external_id != before.external_id {
        scim_groups::update(tx, &before.id, &name, external_id.as_deref(), now).await?;
        let event = NewEvent::new(
            now,
            None,
            "group.updated",
            "group",
            &before.id,
            format!("{} updated group {name}", client.says()),
        )
        .before(json!({"name": before.display_name, "external_id": before.external_id}))
        .after(json!({"name": name, "external_id": external_id}));
        audit::record(tx, event).await?;
    }
    Ok(name)
}

/// PUT /Groups/{id}: name, externalId and the whole list of SCIM members.
#[tracing::instrument(skip_all, fields(client = %client.name, id))]
pub async fn replace_group(
    ctx: &Ctx,
    client: &ScimClient,
    id: &str,
    body: &serde_json::Value,
) -> Result<GroupRecord, ScimError> {
    let g = ScimGroup::from_resource(body)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = record(&mut tx, id, false).await?;
    let name = rename(
        &mut tx,
        client,
        &before,
        Some(&g.display_name),
        Some(g.external_id.as_deref()),
        now,
    )
    .await?;
    let mut moved = Moved::default();
    apply(
        &mut tx,
        id,
        &MemberChange::Replace(g.members),
        &mut moved,
        now,
    )
    .await?;
    audit_members(&mut tx, client, id, &name, &moved, now).await?;
    let out = record(&mut tx, id, true).await?;
    commit(tx).await?;
    Ok(out)
}

/// Most members a PATCH answer sends back.
pub const MAX_MEMBERS_ECHOED: i64 = 1_000;

/// PATCH /Groups/{id}. The group as it is after the change, with its members when the
/// client wants them (`with_members`); `None` when it wants them and the group has more than
/// [`MAX_MEMBERS_ECHOED`]: the server then answers 204 (RFC 7644 §3.5.2 allows it), so that a
/// group of 100,000 is not sent back for each member added.
#[tracing::instrument(skip_all, fields(client = %client.name, id))]
pub async fn patch_group(
    ctx: &Ctx,
    client: &ScimClient,
    id: &str,
    ops: &[PatchOperation],
    with_members: bool,
) -> Result<Option<GroupRecord>, ScimError> {
    let patch = GroupPatch::from_operations(ops)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = record(&mut tx, id, false).await?;
    let name = rename(
        &mut tx,
        client,
        &before,
        patch.display_name.as_deref(),
        patch.external_id.as_ref().map(|x| x.as_deref()),
        now,
    )
    .await?;
    let mut moved = Moved::default();
    for change in &patch.members {
        apply(&mut tx, id, change, &mut moved, now).await?;
    }
    audit_members(&mut tx, client, id, &name, &moved, now).await?;
    let out =
        if with_members && scim_groups::more_members_than(&mut tx, id, MAX_MEMBERS_ECHOED).await? {
            None
        } else {
            Some(record(&mut tx, id, with_members).await?)
        };
    commit(tx).await?;
    Ok(out)
}

/// DELETE /Groups/{id}: refused while an access package, a catalog or a license uses it.
#[tracing::instrument(skip_all, fields(client = %client.name, id))]
pub async fn delete_group(ctx: &Ctx, client: &ScimClient, id: &str) -> Result<(), ScimError> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = record(&mut tx, id, false).await?;
    if let Some(what) = scim_groups::used_by(&mut tx, id).await? {
        return Err(ScimError::new(
            409,
            None,
            format!(
                "The group \"{}\" is {what} in Tessera; an administrator must remove it there before it can be deleted.",
                before.display_name
            ),
        ));
    }
    scim_groups::delete(&mut tx, id).await?;
    let event = NewEvent::new(
        now,
        None,
        "group.deleted",
        "group",
        id,
        format!("{} deleted group {}", client.says(), before.display_name),
    )
    .before(json!({"name": before.display_name, "external_id": before.external_id}));
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(())
}
