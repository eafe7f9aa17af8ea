//! Connected systems (issue 16): an administrator connects a directory (LDAP) or an
//! application (SCIM), tests the connection, links Tessera groups to its groups, and
//! reprocesses deliveries that failed. Deliveries themselves are the job's
//! (`jobs::connectors`).

use super::{Ctx, commit, require_connector_admin};
use crate::connectors::{self, Session};
use crate::model::*;
use crate::rules::connectors::{
    ImportInput, LdapInput, MAX_SYSTEMS, ScimInput, check_dn, check_import, check_ldap, check_scim,
    check_scim_group_id,
};
use crate::secrets::SecretError;
use crate::store::audit::{self, NewEvent};
use crate::store::connectors as store;
use crate::store::groups;
use crate::{DomainError, DomainResult};
use serde_json::json;

/// Groups a connection test reads at most.
const TEST_GROUPS: usize = 20;

pub async fn list_systems(ctx: &Ctx, actor: &Actor) -> DomainResult<Vec<SystemSummary>> {
    require_connector_admin(actor)?;
    store::list(&mut *ctx.read().await?).await
}

pub async fn system_detail(ctx: &Ctx, actor: &Actor, id: SystemId) -> DomainResult<SystemDetail> {
    require_connector_admin(actor)?;
    let mut conn = ctx.read().await?;
    let system = store::list(&mut conn)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(DomainError::NotFound("connected system"))?;
    let (last_import, import_queued) = store::import_state(&mut conn, id, ctx.clock.now()).await?;
    Ok(SystemDetail {
        system,
        links: store::links_of_system(&mut conn, id).await?,
        undelivered: store::undelivered(&mut conn, id, SystemDetail::QUEUE_LIMIT).await?,
        last_import,
        import_queued,
    })
}

/// The settings as the audit trail keeps them: everything but the secret.
fn audited(name: &str, settings: &SystemSettings, secret_changed: bool) -> serde_json::Value {
    match settings {
        SystemSettings::Ldap(s) => json!({
            "name": name,
            "kind": "ldap",
            "url": s.url,
            "starttls": s.starttls,
            "bind_dn": s.bind_dn,
            "user_base": s.user_base,
            "user_attribute": s.user_attribute,
            "match_with": s.match_with.code(),
            "member_attribute": s.member_attribute,
            "owner_attribute": s.owner_attribute,
            "trusted_certificates": !s.ca_pem.is_empty(),
            "drift": s.drift.code(),
            "password_changed": secret_changed,
        }),
        SystemSettings::Scim(s) => json!({
            "name": name,
            "kind": "scim",
            "url": s.url,
            "user_attribute": s.user_attribute.code(),
            "match_with": s.match_with.code(),
            "trusted_certificates": !s.ca_pem.is_empty(),
            "drift": s.drift.code(),
            "token_changed": secret_changed,
        }),
    }
}

/// An LDAP bind DN needs a password and a SCIM application a bearer token (typed now, or
/// stored before); an anonymous LDAP bind needs none.
fn require_secret(settings: &SystemSettings, has_secret: bool) -> DomainResult<()> {
    match settings {
        _ if has_secret => Ok(()),
        SystemSettings::Ldap(s) if s.bind_dn.is_empty() => Ok(()),
        SystemSettings::Ldap(_) => Err(DomainError::invalid(
            "password",
            "Enter the bind account's password (or clear the bind DN to bind anonymously).",
        )),
        SystemSettings::Scim(_) => Err(DomainError::invalid(
            "token",
            "Enter the bearer token the application gave for Tessera.",
        )),
    }
}

/// The form field that holds a kind's secret.
fn secret_field(settings: &SystemSettings) -> &'static str {
    match settings {
        SystemSettings::Ldap(_) => "password",
        SystemSettings::Scim(_) => "token",
    }
}

/// Seals a typed secret for the system `id`, or says on its field why it can't.
fn seal(
    ctx: &Ctx,
    id: SystemId,
    settings: &SystemSettings,
    secret: Option<&str>,
) -> DomainResult<Option<String>> {
    let Some(secret) = secret else {
        return Ok(None);
    };
    let key = ctx.secrets.as_ref().ok_or_else(|| {
        DomainError::invalid(secret_field(settings), SecretError::NoKey.to_string())
    })?;
    Ok(Some(key.seal(&id.to_string(), secret)))
}

#[tracing::instrument(skip(ctx, actor, input), fields(actor = %actor.user_id))]
pub async fn create_ldap(
    ctx: &Ctx,
    actor: &Actor,
    input: &LdapInput<'_>,
) -> DomainResult<SystemId> {
    require_connector_admin(actor)?;
    let checked = check_ldap(input)?;
    let settings = SystemSettings::Ldap(checked.settings);
    create(
        ctx,
        actor,
        &checked.name,
        &settings,
        checked.password.as_deref(),
    )
    .await
}

#[tracing::instrument(skip(ctx, actor, input), fields(actor = %actor.user_id))]
pub async fn create_scim(
    ctx: &Ctx,
    actor: &Actor,
    input: &ScimInput<'_>,
) -> DomainResult<SystemId> {
    require_connector_admin(actor)?;
    let checked = check_scim(input)?;
    let settings = SystemSettings::Scim(checked.settings);
    create(
        ctx,
        actor,
        &checked.name,
        &settings,
        checked.token.as_deref(),
    )
    .await
}

async fn create(
    ctx: &Ctx,
    actor: &Actor,
    name: &str,
    settings: &SystemSettings,
    secret: Option<&str>,
) -> DomainResult<SystemId> {
    require_secret(settings, secret.is_some())?;
    let id = SystemId::new();
    let sealed = seal(ctx, id, settings, secret)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    if store::count(&mut tx).await? >= MAX_SYSTEMS {
        return Err(DomainError::invalid(
            "name",
            format!("Tessera holds at most {MAX_SYSTEMS} connected systems."),
        ));
    }
    store::insert(&mut tx, id, name, settings, sealed.as_deref(), now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "connector.created",
        "connected_system",
        id,
        format!(
            "Connected the {} {name} ({})",
            settings.kind_label().to_lowercase(),
            settings.url()
        ),
    )
    .after(audited(name, settings, sealed.is_some()));
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(id)
}

/// Saves new settings; an empty password keeps the stored one.
#[tracing::instrument(skip(ctx, actor, input), fields(actor = %actor.user_id))]
pub async fn update_ldap(
    ctx: &Ctx,
    actor: &Actor,
    id: SystemId,
    input: &LdapInput<'_>,
) -> DomainResult<()> {
    require_connector_admin(actor)?;
    let checked = check_ldap(input)?;
    let settings = SystemSettings::Ldap(checked.settings);
    update(
        ctx,
        actor,
        id,
        &checked.name,
        &settings,
        checked.password.as_deref(),
    )
    .await
}

/// Saves new settings; an empty token keeps the stored one.
#[tracing::instrument(skip(ctx, actor, input), fields(actor = %actor.user_id))]
pub async fn update_scim(
    ctx: &Ctx,
    actor: &Actor,
    id: SystemId,
    input: &ScimInput<'_>,
) -> DomainResult<()> {
    require_connector_admin(actor)?;
    let checked = check_scim(input)?;
    let settings = SystemSettings::Scim(checked.settings);
    update(
        ctx,
        actor,
        id,
        &checked.name,
        &settings,
        checked.token.as_deref(),
    )
    .await
}

async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: SystemId,
    name: &str,
    settings: &SystemSettings,
    secret: Option<&str>,
) -> DomainResult<()> {
    let sealed = seal(ctx, id, settings, secret)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = store::get(&mut tx, id).await?;
    if before.settings.kind() != settings.kind() {
        return Err(DomainError::invalid(
            "form",
            format!(
                "{} is a {}; its kind cannot change (connect a new system instead).",
                before.name,
                before.settings.kind_label().to_lowercase()
            ),
        ));
    }
    require_secret(settings, sealed.is_some() || before.secret.is_some())?;
    // The connection's form does not hold the import's settings: they stay as they are.
    let mut settings = settings.clone();
    if let (SystemSettings::Ldap(new), SystemSettings::Ldap(old)) =
        (&mut settings, &before.settings)
    {
        new.import = old.import.clone();
    }
    let settings = &settings;
    store::update(&mut tx, id, name, settings, sealed.as_deref(), now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "connector.updated",
        "connected_system",
        id,
        format!("Changed the connected system {name}"),
    )
    .before(audited(&before.name, &before.settings, false))
    .after(audited(name, settings, sealed.is_some()));
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

/// A bound session to a stored system, its password opened with the context's key: the one way
/// the connection test, the deliveries and the reconciliation connect. An error in words when
/// the password cannot be opened or the directory refuses.
pub(crate) async fn connect(ctx: &Ctx, system: &store::StoredSystem) -> Result<Session, String> {
    let password = match &system.secret {
        None => None,
        Some(sealed) => {
            let key = ctx
                .secrets
                .as_ref()
                .ok_or_else(|| SecretError::NoKey.to_string())?;
            Some(
                key.open(&system.id.to_string(), sealed)
                    .map_err(|e| e.to_string())?,
            )
        }
    };
    connectors::connect(&system.settings, password.as_deref()).await
}

/// Connects and signs in, reads the people's base (LDAP) or the application's configuration
/// (SCIM) and the linked groups, and says what worked and what failed, in words. Changes
/// nothing.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn test_connection(
    ctx: &Ctx,
    actor: &Actor,
    id: SystemId,
) -> DomainResult<ConnectionTest> {
    require_connector_admin(actor)?;
    check_connection(ctx, id).await
}

async fn check_connection(ctx: &Ctx, id: SystemId) -> DomainResult<ConnectionTest> {
    let (system, links) = {
        let mut conn = ctx.read().await?;
        (
            store::get(&mut conn, id).await?,
            store::links_of_system(&mut conn, id).await?,
        )
    };
    let mut steps = Vec::new();
    let failed = |steps: Vec<String>, error: String| ConnectionTest {
        ok: false,
        steps,
        error: Some(error),
    };
    let mut session = match connect(ctx, &system).await {
        Ok(s) => s,
        Err(e) => return Ok(failed(steps, e)),
    };
    match &system.settings {
        SystemSettings::Ldap(s) => {
            steps.push(if s.bind_dn.is_empty() {
                format!("Connected to {} anonymously", s.url)
            } else {
                format!("Connected to {} and signed in as {}", s.url, s.bind_dn)
            });
            if let Session::Ldap(ldap) = &mut session
                && let Err(e) = ldap.check_entry(&s.user_base, "the people's base").await
            {
                session.close().await;
                return Ok(failed(steps, e));
            }
            steps.push(format!("Found the people's base {}", s.user_base));
        }
        SystemSettings::Scim(s) => {
            steps.push(format!(
                "Reached {} and the bearer token was accepted (it supports PATCH)",
                s.url
            ));
        }
    }
    for link in links.iter().take(TEST_GROUPS) {
        if let Err(e) = session.check_group(&link.external_id).await {
            session.close().await;
            return Ok(failed(steps, e));
        }
        steps.push(format!(
            "Found {} (linked to {})",
            link.external_id, link.group_name
        ));
    }
    session.close().await;
    Ok(ConnectionTest {
        ok: true,
        steps,
        error: None,
    })
}

/// Links a Tessera group to a group of a connected system; its current members are queued to
/// be added there. Returns how many.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn link_group(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    system: SystemId,
    external_id: &str,
) -> DomainResult<u64> {
    require_connector_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = groups::summary(&mut tx, group).await?;
    let stored = store::get(&mut tx, system).await?;
    let dn = match stored.settings {
        SystemSettings::Ldap(_) => check_dn(external_id),
        SystemSettings::Scim(_) => check_scim_group_id(external_id),
    }
    .map_err(|e| DomainError::invalid("external_id", e))?;
    store::link(&mut tx, group, system, &dn, now).await?;
    let owners = matches!(stored.settings, SystemSettings::Ldap(_));
    let (queued, owners) = store::enqueue_all_grants(&mut tx, group, system, owners).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "connector.group_linked",
        "group",
        group,
        format!(
            "Linked {} to {} in {} ({queued} member(s) and {owners} owner(s) to deliver)",
            summary.name, dn, stored.name
        ),
    )
    .after(
        json!({"system": stored.name, "system_id": system.to_string(), "external_id": dn,
                  "members": queued, "owners": owners}),
    );
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(queued)
}

/// [`link_group`] for the group an administrator named (the form's text field).
pub async fn link_group_named(
    ctx: &Ctx,
    actor: &Actor,
    group_name: &str,
    system: SystemId,
    external_id: &str,
) -> DomainResult<u64> {
    require_connector_admin(actor)?;
    let name = group_name.trim();
    if name.is_empty() || name.chars().count() > crate::model::limits::MAX_SEARCH_CHARS {
        return Err(DomainError::invalid(
            "group",
            "Enter the name of a Tessera group.",
        ));
    }
    let group = groups::id_by_name(&mut *ctx.read().await?, name)
        .await?
        .ok_or_else(|| DomainError::invalid("group", format!("No group is named {name}.")))?;
    link_group(ctx, actor, group, system, external_id).await
}

/// Ends a group's link: Tessera stops delivering its memberships (what the connected group
/// holds stays as it is) and drops the changes not yet delivered.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn unlink_group(ctx: &Ctx, actor: &Actor, group: GroupId) -> DomainResult<()> {
    require_connector_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let link = store::link_of(&mut tx, group)
        .await?
        .ok_or(DomainError::NotFound("group link"))?;
    store::unlink(&mut tx, group).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "connector.group_unlinked",
        "group",
        group,
        format!(
            "Unlinked {} from {} in {}",
            link.group_name, link.external_id, link.system_name
        ),
    )
    .before(json!({"system": link.system_name, "external_id": link.external_id}));
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

/// Makes the system's reconciliation due at once: the delivery job compares its linked groups
/// within seconds.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn check_now(ctx: &Ctx, actor: &Actor, system: SystemId) -> DomainResult<()> {
    require_connector_admin(actor)?;
    let mut tx = ctx.db.begin().await?;
    if !store::reconcile_soon(&mut tx, system).await? {
        return Err(DomainError::NotFound("connected system"));
    }
    commit(tx).await
}

/// Sends failed deliveries again now: one person's in one group, or all of the system's.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn reprocess(
    ctx: &Ctx,
    actor: &Actor,
    system: SystemId,
    one: Option<(GroupId, UserId)>,
) -> DomainResult<u64> {
    require_connector_admin(actor)?;
    send_again(ctx, Some(actor.user_id), system, one).await
}

/// Sends failed deliveries again, audited as `by` (`None`: the operator on the host).
async fn send_again(
    ctx: &Ctx,
    by: Option<UserId>,
    system: SystemId,
    one: Option<(GroupId, UserId)>,
) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let stored = store::get(&mut tx, system).await?;
    let n = store::reprocess(&mut tx, system, one).await?;
    if n > 0 {
        let event = NewEvent::new(
            now,
            by,
            "connector.reprocessed",
            "connected_system",
            system,
            format!(
                "Sent {n} failed membership change(s) to {} again",
                stored.name
            ),
        )
        .after(json!({
            "count": n,
            "group": one.map(|(g, _)| g.to_string()),
            "user": one.map(|(_, u)| u.to_string()),
        }));
        audit::record(&mut tx, event).await?;
    }
    commit(tx).await?;
    Ok(n)
}

/// Every connected system's undelivered changes, for the Admin home: failed ones.
pub async fn failed_count(ctx: &Ctx, actor: &Actor) -> DomainResult<i64> {
    require_connector_admin(actor)?;
    store::count_failed(&mut *ctx.read().await?).await
}

// `tessera connectors …`: whoever runs the command line on the server's host is its operator
// (as for `tessera admin create`), so these take no actor; a system is named as on its page.

/// `tessera connectors list`: every connected system with its counts.
pub async fn operator_list(ctx: &Ctx) -> DomainResult<Vec<SystemSummary>> {
    store::list(&mut *ctx.read().await?).await
}

/// The system named `name` (without regard to case), or a field error on `name`.
async fn named(ctx: &Ctx, name: &str) -> DomainResult<SystemSummary> {
    let key = name.trim().to_lowercase();
    operator_list(ctx)
        .await?
        .into_iter()
        .find(|s| s.name.to_lowercase() == key)
        .ok_or_else(|| {
            DomainError::invalid("name", format!("No connected system is named {name:?}."))
        })
}

/// `tessera connectors test NAME`: [`test_connection`] for the operator.
pub async fn operator_test(ctx: &Ctx, name: &str) -> DomainResult<ConnectionTest> {
    let system = named(ctx, name).await?;
    check_connection(ctx, system.id).await
}

/// `tessera connectors reprocess NAME`: every failed delivery of the system sent again now,
/// audited as the operator's.
pub async fn operator_reprocess(ctx: &Ctx, name: &str) -> DomainResult<u64> {
    let system = named(ctx, name).await?;
    send_again(ctx, None, system.id, None).await
}

/// Sets up (or turns off) the import of people and groups from an LDAP directory. Turning it
/// on makes the first import due at once; turning it off stops the schedule (what was
/// imported stays).
#[tracing::instrument(skip(ctx, actor, input), fields(actor = %actor.user_id))]
pub async fn set_import(
    ctx: &Ctx,
    actor: &Actor,
    id: SystemId,
    input: &ImportInput<'_>,
) -> DomainResult<()> {
    require_connector_admin(actor)?;
    let import = check_import(input)?;
    if let Some(i) = &import {
        let mut problems = Vec::new();
        for (field, filter) in [
            ("people_filter", &i.people_filter),
            ("disabled_filter", &i.disabled_filter),
            ("group_filter", &i.group_filter),
        ] {
            if !filter.is_empty() && ldap3::parse_filter(filter).is_err() {
                problems.push(FieldError::new(
                    field,
                    "This is not an LDAP filter (RFC 4515): check each (attribute=value) and the &, | and ! before groups.",
                ));
            }
        }
        if !problems.is_empty() {
            return Err(DomainError::Invalid(problems));
        }
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = store::get(&mut tx, id).await?;
    let SystemSettings::Ldap(old) = &before.settings else {
        return Err(DomainError::invalid(
            "form",
            format!(
                "{} is a SCIM application: only an LDAP directory can be imported from.",
                before.name
            ),
        ));
    };
    let mut settings = old.clone();
    settings.import = import.clone().map(Box::new);
    store::update(
        &mut tx,
        id,
        &before.name,
        &SystemSettings::Ldap(settings),
        None,
        now,
    )
    .await?;
    let due = store::import_due_at(&mut tx, id).await?;
    let next = match (old.import.as_deref(), &import) {
        (_, None) => None,
        (None, Some(_)) => Some(now),
        (Some(_), Some(i)) => due.or(i.every_minutes.map(|_| now)),
    };
    store::schedule_import(&mut tx, id, next).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "connector.import_changed",
        "connected_system",
        id,
        match &import {
            Some(_) => format!("Set up the directory import from {}", before.name),
            None => format!("Turned off the directory import from {}", before.name),
        },
    )
    .before(json!(old.import.as_deref()))
    .after(json!(import));
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

/// Makes the system's import due at once: the `connectors` loop runs it within seconds.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn import_now(ctx: &Ctx, actor: &Actor, id: SystemId) -> DomainResult<()> {
    require_connector_admin(actor)?;
    let mut tx = ctx.db.begin().await?;
    let system = store::get(&mut tx, id).await?;
    if !matches!(&system.settings, SystemSettings::Ldap(s) if s.import.is_some()) {
        return Err(DomainError::invalid(
            "import",
            "Set up the directory import first.",
        ));
    }
    store::schedule_import(&mut tx, id, Some(ctx.clock.now())).await?;
    commit(tx).await
}

/// `tessera connectors import NAME`: the system's import, run now and waited for. A conflict
/// when another instance is running it.
pub async fn operator_import(ctx: &Ctx, name: &str) -> DomainResult<ImportReport> {
    let system = named(ctx, name).await?;
    crate::jobs::import_system(ctx, system.id, ctx.clock.now(), false)
        .await?
        .ok_or_else(|| {
            DomainError::Conflict(format!(
                "{} is being imported by another Tessera instance now; try again when it is done.",
                system.name
            ))
        })
}
