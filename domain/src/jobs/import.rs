//! The directory import: people (with their manager, department and title) and groups read
//! from an LDAP directory into Tessera, on the system's schedule (the `connectors` loop), when
//! an administrator asks, or from `tessera connectors import`.
//!
//! A run is claimed (two instances never import one directory at once), reads everything
//! first, plans it (`rules::directory_import`), and writes nothing when the plan would disable
//! more people than the system allows. People are then written managers first, 500 a
//! transaction, through the same store calls as SCIM provisioning, so joiners, movers (their
//! manager-review items follow the new manager; approvals re-route in the next job run) and
//! leavers (disabled: the leaver jobs end their access) are handled as for SCIM. Each group's
//! members are one transaction; a group linked to a connected system keeps the members Tessera
//! decides. Every change is audited, and the run's report is kept on the system.

use super::*;
use crate::connectors::Session;
use crate::connectors::ldap::Entry as Found;
use crate::rules::connectors::normalize_dn;
use crate::rules::directory_import::{self as planner, Entry, MAX_TEXT_CHARS};
use crate::scim::user::{ScimUser, UserRecord};
use crate::store::connectors::{self as stored, IMPORT, ImportedTable, StoredSystem};
use crate::store::groups;
use crate::store::scim::{groups as scim_groups, users as scim_users};
use std::collections::{HashMap, HashSet};

/// How long a run is claimed for.
const LEASE_MINUTES: i64 = 60;
/// Most people one run reads.
pub const MAX_PEOPLE: usize = 200_000;
/// Most groups one run reads.
pub const MAX_GROUPS: usize = 10_000;
/// People written in one transaction.
const PEOPLE_PER_TX: usize = 500;

/// Imports every directory whose import is due (the `connectors` loop).
pub(super) async fn import_due(
    ctx: &Ctx,
    now: DateTime<Utc>,
    report: &mut JobReport,
) -> DomainResult<()> {
    let due = stored::imports_due(&mut *ctx.read().await?, now).await?;
    for system in due {
        if let Some(done) = import_system(ctx, system, now, true).await? {
            report.directories_imported += 1;
            if let Some(e) = done.error {
                report.failures.push(format!("directory import: {e}"));
            }
        }
    }
    Ok(())
}

/// Runs one system's import at `now` and keeps its report; `None` when another instance is
/// running it (or, with `due_only`, when it is not due).
pub async fn import_system(
    ctx: &Ctx,
    system: SystemId,
    now: DateTime<Utc>,
    due_only: bool,
) -> DomainResult<Option<ImportReport>> {
    let lease = now + chrono::Duration::minutes(LEASE_MINUTES);
    let mut tx = ctx.db.begin().await?;
    let claimed = stored::claim_import(&mut tx, system, now, lease, due_only).await?;
    crate::service::commit(tx).await?;
    if !claimed {
        return Ok(None);
    }
    let found = stored::get(&mut *ctx.read().await?, system).await?;
    let mut report = ImportReport {
        at: Some(now),
        ..ImportReport::default()
    };
    let import = match &found.settings {
        SystemSettings::Ldap(s) => s.import.as_deref().cloned(),
        SystemSettings::Scim(_) => None,
    };
    let next = import
        .as_ref()
        .and_then(|i| i.every_minutes)
        .map(|m| now + chrono::Duration::minutes(m));
    match (&found.settings, &import) {
        (SystemSettings::Ldap(settings), Some(import)) => {
            if let Err(e) = run(ctx, &found, settings, import, now, &mut report).await {
                report.error = Some(e);
            }
        }
        _ => report.error = Some(format!("{} has no directory import set up.", found.name)),
    }
    let mut tx = ctx.db.begin().await?;
    stored::finish_import(&mut tx, system, &report, now, next).await?;
    let summary = match &report.error {
        None => format!("Imported from {}: {}", found.name, report.counts()),
        Some(e) => format!("The directory import from {} stopped: {e}", found.name),
    };
    let event = NewEvent::new(
        now,
        None,
        "connector.imported",
        "connected_system",
        system,
        summary,
    )
    .after(serde_json::to_value(&report).unwrap_or_default());
    audit::record(&mut tx, event).await?;
    crate::service::commit(tx).await?;
    Ok(Some(report))
}

/// What the directory holds, read before anything is written.
struct Read {
    people: Vec<Found>,
    /// DNs (normalized) of the people the directory disabled.
    disabled: HashSet<String>,
    groups: Vec<Found>,
}

async fn read(
    session: &mut crate::connectors::ldap::LdapSession,
    settings: &LdapSettings,
    import: &LdapImport,
) -> Result<Read, String> {
    let mut attrs: Vec<String> = vec![
        import.email_attribute.clone(),
        import.name_attribute.clone(),
        "cn".into(),
        import.manager_attribute.clone(),
        import.department_attribute.clone(),
        import.title_attribute.clone(),
    ];
    attrs.sort_by_key(|a| a.to_lowercase());
    attrs.dedup_by_key(|a| a.to_lowercase());
    let people = session
        .search_all(
            &settings.user_base,
            &import.people_filter,
            &attrs,
            MAX_PEOPLE,
        )
        .await?;
    let disabled = if import.disabled_filter.is_empty() {
        HashSet::new()
    } else {
        let filter = format!("(&{}{})", import.people_filter, import.disabled_filter);
        session
            .search_all(&settings.user_base, &filter, &["1.1".into()], MAX_PEOPLE)
            .await?
            .into_iter()
            .map(|e| normalize_dn(&e.dn))
            .collect()
    };
    let groups = if import.group_base.is_empty() {
        Vec::new()
    } else {
        session
            .search_all(
                &import.group_base,
                &import.group_filter,
                &["cn".into(), settings.member_attribute.clone()],
                MAX_GROUPS,
            )
            .await?
    };
    Ok(Read {
        people,
        disabled,
        groups,
    })
}

/// A database error, as the report says it.
fn db(e: crate::DomainError) -> String {
    format!("Tessera's database: {e}")
}

async fn is_global_admin(conn: &mut Conn, id: &str) -> Result<bool, String> {
    let person = UserId(crate::store::uuid(id).map_err(db)?);
    Ok(users::roles(conn, person)
        .await
        .map_err(db)?
        .contains(&DirectoryRole::GlobalAdministrator))
}

async fn run(
    ctx: &Ctx,
    system: &StoredSystem,
    settings: &LdapSettings,
    import: &LdapImport,
    now: DateTime<Utc>,
    report: &mut ImportReport,
) -> Result<(), String> {
    let read = match crate::service::connectors::connect(ctx, system).await? {
        Session::Ldap(mut session) => {
            let read = read(&mut session, settings, import).await;
            session.close().await;
            read?
        }
        other => {
            other.close().await;
            return Err("Only an LDAP directory can be imported from.".into());
        }
    };
    report.people_found = read.people.len() as u64;
    if read.people.is_empty() {
        return Err(format!(
            "No entry under {} matches {}: nothing was changed (check the people's base and the filter).",
            settings.user_base, import.people_filter
        ));
    }
    let entries = read
        .people
        .iter()
        .map(|e| Entry {
            dn: e.dn.clone(),
            email: e.first(&import.email_attribute).map(str::to_owned),
            name: e
                .first(&import.name_attribute)
                .or_else(|| e.first("cn"))
                .map(str::to_owned),
            manager_dn: e.first(&import.manager_attribute).map(str::to_owned),
            department: e
                .first(&import.department_attribute)
                .unwrap_or_default()
                .to_owned(),
            title: e
                .first(&import.title_attribute)
                .unwrap_or_default()
                .to_owned(),
            active: !read.disabled.contains(&normalize_dn(&e.dn)),
        })
        .collect();
    let plan = planner::plan(entries);
    for w in &plan.warnings {
        report.warn(w.clone());
    }
    let system_id = system.id.to_string();
    let says = format!("Directory import from {}", system.name);

    // Who Tessera knows already, and who was imported from here and is gone now.
    let emails: Vec<String> = plan.people.iter().map(|p| p.email.clone()).collect();
    let (known, imported) = {
        let mut conn = ctx.read().await.map_err(db)?;
        (
            scim_users::by_emails(&mut conn, &emails)
                .await
                .map_err(db)?,
            stored::imported_people(&mut conn, system.id)
                .await
                .map_err(db)?,
        )
    };
    let known: HashMap<String, (UserRecord, Option<String>, bool)> = known
        .into_iter()
        .map(|k| (k.0.user.email.clone(), k))
        .collect();
    let in_directory: HashSet<&str> = emails.iter().map(String::as_str).collect();
    let leavers: Vec<(String, String)> = imported
        .into_iter()
        .filter(|(_, email)| !in_directory.contains(email.as_str()))
        .collect();
    let disabled_there = plan
        .people
        .iter()
        .filter(|p| !p.active && known.get(&p.email).is_some_and(|k| k.0.user.active))
        .count();
    let to_disable = leavers.len() + disabled_there;
    if to_disable as i64 > import.max_leavers {
        return Err(format!(
            "This import would disable {to_disable} people, more than the {} allowed: nothing was changed. \
             If they did leave, raise the limit in the import's settings and import again.",
            import.max_leavers
        ));
    }

    // People, managers first.
    let ids: Vec<String> = plan
        .people
        .iter()
        .map(|p| {
            known
                .get(&p.email)
                .map_or_else(|| UserId::new().to_string(), |k| k.0.id.clone())
        })
        .collect();
    let mut skipped: HashSet<usize> = HashSet::new();
    for (i, p) in plan.people.iter().enumerate() {
        if let Some((_, from, true)) = known.get(&p.email)
            && from.as_deref() != Some(system_id.as_str())
        {
            report.warn(format!(
                "{} was deleted by directory sync (SCIM): not imported",
                p.email
            ));
            skipped.insert(i);
        }
    }
    let rows: Vec<(usize, &planner::Person, &String)> = plan
        .people
        .iter()
        .zip(&ids)
        .enumerate()
        .map(|(i, (p, id))| (i, p, id))
        .collect();
    for chunk in rows.chunks(PEOPLE_PER_TX) {
        let mut tx = ctx.db.begin().await.map_err(db)?;
        let mut newly = Vec::new();
        for &(i, p, id) in chunk {
            if skipped.contains(&i) {
                continue;
            }
            let manager = p
                .manager
                .filter(|m| !skipped.contains(m))
                .and_then(|m| ids.get(m).cloned());
            match known.get(&p.email) {
                None => {
                    let u = ScimUser {
                        user_name: p.email.clone(),
                        external_id: None,
                        display_name: p.name.clone(),
                        email: p.email.clone(),
                        active: p.active,
                        title: p.title.clone(),
                        department: p.department.clone(),
                        employee_number: String::new(),
                        manager,
                    };
                    scim_users::insert(&mut tx, id, &u, now).await.map_err(db)?;
                    let event = NewEvent::new(
                        now,
                        None,
                        "user.created",
                        "user",
                        id,
                        format!("{says} created user {}", p.email),
                    )
                    .after(person_json(&u));
                    audit::record(&mut tx, event).await.map_err(db)?;
                    report.created += 1;
                    newly.push(id.clone());
                }
                Some((record, from, deleted)) => {
                    let before = &record.user;
                    let mut after = before.clone();
                    after.display_name = p.name.clone();
                    after.title = p.title.clone();
                    after.department = p.department.clone();
                    after.manager = manager;
                    after.active = p.active;
                    if before.active && !after.active && is_global_admin(&mut tx, id).await? {
                        after.active = true;
                        report.warn(format!(
                            "{} is a Global Administrator in Tessera: the import does not disable them",
                            p.email
                        ));
                    }
                    if after != *before || *deleted {
                        scim_users::update(&mut tx, id, &after, now)
                            .await
                            .map_err(db)?;
                        let (action, verb) = if before.active && !after.active {
                            report.disabled += 1;
                            ("user.disabled", "disabled")
                        } else {
                            report.updated += 1;
                            ("user.updated", "updated")
                        };
                        let event = NewEvent::new(
                            now,
                            None,
                            action,
                            "user",
                            id,
                            format!("{says} {verb} user {}", p.email),
                        )
                        .before(person_json(before))
                        .after(person_json(&after));
                        audit::record(&mut tx, event).await.map_err(db)?;
                    }
                    if from.as_deref() != Some(system_id.as_str()) {
                        newly.push(id.clone());
                    }
                }
            }
        }
        stored::mark_imported(&mut tx, ImportedTable::Users, &newly, system.id)
            .await
            .map_err(db)?;
        crate::service::commit(tx).await.map_err(db)?;
    }

    // Leavers: imported from here, no longer in the directory.
    for chunk in leavers.chunks(PEOPLE_PER_TX) {
        let mut tx = ctx.db.begin().await.map_err(db)?;
        for (id, email) in chunk {
            if is_global_admin(&mut tx, id).await? {
                report.warn(format!(
                    "{email} is no longer in the directory but is a Global Administrator in Tessera: not disabled"
                ));
                continue;
            }
            let Some(record) = scim_users::get(&mut tx, id).await.map_err(db)? else {
                continue;
            };
            let mut after = record.user.clone();
            after.active = false;
            scim_users::update(&mut tx, id, &after, now)
                .await
                .map_err(db)?;
            let event = NewEvent::new(
                now,
                None,
                "user.disabled",
                "user",
                id,
                format!("{says} disabled user {email}: no longer in the directory"),
            )
            .before(person_json(&record.user))
            .after(person_json(&after));
            audit::record(&mut tx, event).await.map_err(db)?;
            report.disabled += 1;
        }
        crate::service::commit(tx).await.map_err(db)?;
    }

    // Groups and their members.
    let person_by_dn: HashMap<&str, &str> = plan
        .people
        .iter()
        .zip(&ids)
        .enumerate()
        .filter(|(i, _)| !skipped.contains(i))
        .map(|(_, (p, id))| (p.dn.as_str(), id.as_str()))
        .collect();
    import_groups(
        ctx,
        system,
        settings,
        &read.groups,
        &person_by_dn,
        now,
        report,
    )
    .await
}

fn person_json(u: &ScimUser) -> serde_json::Value {
    json!({
        "email": u.email, "display_name": u.display_name, "enabled": u.active,
        "job_title": u.title, "department": u.department, "manager_id": u.manager,
    })
}

async fn import_groups(
    ctx: &Ctx,
    system: &StoredSystem,
    settings: &LdapSettings,
    found: &[Found],
    person_by_dn: &HashMap<&str, &str>,
    now: DateTime<Utc>,
    report: &mut ImportReport,
) -> Result<(), String> {
    let says = format!("Directory import from {}", system.name);
    let before: HashMap<String, (String, String)> =
        stored::imported_groups(&mut *ctx.read().await.map_err(db)?, system.id)
            .await
            .map_err(db)?
            .into_iter()
            .map(|(id, dn, name)| (dn, (id, name)))
            .collect();
    let mut seen: HashSet<String> = HashSet::new();
    for g in found {
        let dn = normalize_dn(&g.dn);
        let Some(name) = g
            .first("cn")
            .map(|n| n.chars().take(MAX_TEXT_CHARS).collect::<String>())
        else {
            report.warn(format!("{} has no cn: not imported", g.dn));
            continue;
        };
        report.groups_found += 1;
        let mut tx = ctx.db.begin().await.map_err(db)?;
        let holder = groups::id_by_name(&mut tx, &name).await.map_err(db)?;
        let id = match before.get(&dn) {
            Some((id, old_name)) => {
                if *old_name != name {
                    if holder.is_some_and(|h| h.to_string() != *id) {
                        report.warn(format!(
                            "{} was renamed {name} in the directory, a name another Tessera group has: kept as {old_name}",
                            g.dn
                        ));
                    } else {
                        scim_groups::update(&mut tx, id, &name, Some(&dn), now)
                            .await
                            .map_err(db)?;
                    }
                }
                id.clone()
            }
            None if holder.is_some() => {
                report.warn(format!(
                    "A group named {name} exists in Tessera and was not imported from {}: left as it is",
                    system.name
                ));
                continue;
            }
            None => {
                let id = GroupId::new().to_string();
                scim_groups::insert(&mut tx, &id, &name, Some(&dn), now)
                    .await
                    .map_err(db)?;
                stored::mark_imported(
                    &mut tx,
                    ImportedTable::Groups,
                    std::slice::from_ref(&id),
                    system.id,
                )
                .await
                .map_err(db)?;
                let event = NewEvent::new(
                    now,
                    None,
                    "group.created",
                    "group",
                    &id,
                    format!("{says} created group {name}"),
                )
                .after(json!({"name": name, "dn": dn}));
                audit::record(&mut tx, event).await.map_err(db)?;
                report.groups_created += 1;
                id
            }
        };
        seen.insert(id.clone());
        let group = GroupId(crate::store::uuid(&id).map_err(db)?);
        if let Some(link) = stored::link_of(&mut tx, group).await.map_err(db)? {
            report.warn(format!(
                "{name} is linked to {}: Tessera decides its members there, so the directory's are not imported",
                link.system_name
            ));
            crate::service::commit(tx).await.map_err(db)?;
            continue;
        }
        let want: HashSet<String> = g
            .all(&settings.member_attribute)
            .iter()
            .filter_map(|m| person_by_dn.get(normalize_dn(m).as_str()))
            .map(|id| (*id).to_owned())
            .collect();
        sync_members(&mut tx, &id, &name, &want, &says, now, report).await?;
        crate::service::commit(tx).await.map_err(db)?;
    }
    for (dn, (id, name)) in &before {
        if seen.contains(id) {
            continue;
        }
        let mut tx = ctx.db.begin().await.map_err(db)?;
        let removed = sync_members(&mut tx, id, name, &HashSet::new(), &says, now, report).await?;
        crate::service::commit(tx).await.map_err(db)?;
        if removed > 0 {
            report.warn(format!(
                "{dn} is no longer in the directory: its {removed} imported member(s) were withdrawn (the group {name} stays)"
            ));
        }
    }
    Ok(())
}

/// Puts a group's imported grants to `want`; returns how many were withdrawn.
async fn sync_members(
    tx: &mut Conn,
    id: &str,
    name: &str,
    want: &HashSet<String>,
    says: &str,
    now: DateTime<Utc>,
    report: &mut ImportReport,
) -> Result<u64, String> {
    let have: HashSet<String> = stored::imported_members(tx, id)
        .await
        .map_err(db)?
        .into_iter()
        .collect();
    let mut add: Vec<String> = want.difference(&have).cloned().collect();
    let mut remove: Vec<String> = have.difference(want).cloned().collect();
    add.sort();
    remove.sort();
    let added = scim_groups::add_grants(tx, id, &add, IMPORT, now)
        .await
        .map_err(db)?;
    let removed = scim_groups::remove_grants(tx, id, &remove, IMPORT)
        .await
        .map_err(db)?;
    report.members_added += added.len() as u64;
    report.members_removed += removed.len() as u64;
    if !added.is_empty() || !removed.is_empty() {
        let event = NewEvent::new(
            now,
            None,
            "group.members_imported",
            "group",
            id,
            format!(
                "{says}: {} member(s) added to {name}, {} removed",
                added.len(),
                removed.len()
            ),
        )
        .after(json!({
            "added": added.iter().take(100).collect::<Vec<_>>(),
            "removed": removed.iter().take(100).collect::<Vec<_>>(),
        }));
        audit::record(tx, event).await.map_err(db)?;
    }
    Ok(removed.len() as u64)
}
