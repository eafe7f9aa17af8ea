//! Access packages: the creation wizard, overview, edit (basics, resource roles, policies,
//! separation of duties) and clean-up.

use super::{Ctx, check_search, commit, require};
use crate::model::*;
use crate::store::audit::{self, NewEvent};
use crate::store::{Conn, catalogs, groups, packages};
use crate::{DomainError, DomainResult};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// How many people and groups one picker search returns.
pub const PICKER_RESULTS: i64 = 10;

fn event<'a>(
    ctx: &Ctx,
    actor: &Actor,
    action: &'a str,
    id: AccessPackageId,
    text: String,
) -> NewEvent<'a> {
    NewEvent::new(
        ctx.clock.now(),
        Some(actor.user_id),
        action,
        "access_package",
        id,
        text,
    )
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub async fn wizard_context(ctx: &Ctx, actor: &Actor) -> DomainResult<WizardContext> {
    require(
        actor.can_open_admin(),
        "only administrators can create access packages",
    )?;
    let mut conn = ctx.read().await?;
    let catalogs = catalogs::all_names(&mut conn, 1000)
        .await?
        .into_iter()
        .filter(|c| actor.can_manage_packages(CatalogId(c.id)))
        .collect();
    Ok(WizardContext {
        today: ctx.clock.now().date_naive(),
        catalogs,
    })
}

/// People and groups for the pickers, by name or email. With `resources`, the groups are
/// those the actor may put in an access package: every group for a directory administrator,
/// else the groups they own or that are already in a catalog where they manage packages.
pub async fn search_principals(
    ctx: &Ctx,
    actor: &Actor,
    query: &str,
    users: bool,
    groups: bool,
    resources: bool,
) -> DomainResult<Vec<Principal>> {
    require(
        actor.can_open_admin(),
        "only administrators can search the directory here",
    )?;
    check_search(query)?;
    let managed: Vec<CatalogId> = actor
        .catalogs_with_roles()
        .into_iter()
        .filter(|c| actor.can_manage_packages(*c))
        .collect();
    let scope = if resources && !actor.can_manage_directory() {
        packages::GroupScope::AddableBy {
            user: actor.user_id,
            catalogs: &managed,
        }
    } else {
        packages::GroupScope::All
    };
    packages::search_principals(
        &mut *ctx.read().await?,
        query,
        users,
        groups,
        scope,
        PICKER_RESULTS,
    )
    .await
}

/// Why the actor may not add `group` to `catalog`, if they may not: only the catalog's
/// owners add resources, and someone without a directory administrator role only groups they
/// own. (A catalog owner who could add any group could put it in a package and assign it to
/// themselves: membership of any group, and its licenses, without approval.)
pub(crate) async fn may_add_group(
    conn: &mut Conn,
    actor: &Actor,
    catalog: CatalogId,
    group: GroupId,
    group_name: &str,
) -> DomainResult<Option<String>> {
    if !actor.can_manage_catalog(catalog) {
        return Ok(Some(format!(
            "{group_name} is not in this catalog, and only the catalog's owners can add resources to it."
        )));
    }
    if actor.can_manage_directory() || groups::is_owner(conn, group, actor.user_id).await? {
        return Ok(None);
    }
    Ok(Some(format!(
        "You can add {group_name} to a catalog only if you own it; ask a directory administrator or one of its owners."
    )))
}

/// Every principal list of a policy draft with the field it is edited in.
fn principal_lists(d: &PolicyDraft) -> Vec<(String, &[Principal])> {
    let mut out: Vec<(String, &[Principal])> = vec![("specific".into(), &d.specific)];
    for (i, s) in d.stages.iter().enumerate() {
        out.push((format!("stages.{i}.approvers"), &s.approvers));
        out.push((format!("stages.{i}.fallback"), &s.fallback));
        out.push((format!("stages.{i}.alternates"), &s.alternates));
    }
    out.push(("review_specific".into(), &d.review.specific));
    out.push(("review_fallback".into(), &d.review.fallback));
    out
}

/// Checks that every chosen person and group still exists; returns their current names.
async fn check_principals(
    conn: &mut Conn,
    d: &PolicyDraft,
    p: &mut Problems,
) -> DomainResult<HashMap<Uuid, Principal>> {
    let lists = principal_lists(d);
    let mut users = Vec::new();
    let mut groups = Vec::new();
    for (_, list) in &lists {
        for x in list.iter() {
            match x.kind {
                PrincipalKind::User => users.push(x.id),
                PrincipalKind::Group => groups.push(x.id),
            }
        }
    }
    users.sort();
    users.dedup();
    groups.sort();
    groups.dedup();
    let found = packages::principal_names(conn, &users, &groups).await?;
    for (field, list) in &lists {
        for x in list.iter() {
            if found.get(&x.id).is_none_or(|f| f.kind != x.kind) {
                p.push(
                    field,
                    format!("{} no longer exists in the directory; remove it.", x.name),
                );
            }
        }
    }
    Ok(found)
}

fn refresh_names(spec: &mut PolicySpec, names: &HashMap<Uuid, Principal>) {
    for x in spec.principals_mut() {
        if let Some(current) = names.get(&x.id) {
            *x = current.clone();
        }
    }
}

/// Pure validation plus what only the database knows, for a whole package draft.
async fn check_draft(
    conn: &mut Conn,
    actor: &Actor,
    draft: &PackageDraft,
    check: PolicyCheck,
) -> DomainResult<(Result<ValidPackage, ()>, Problems)> {
    let mut p = Problems::default();
    let valid = draft.validate(check);
    if let Err(e) = &valid {
        p.0.extend(e.iter().cloned());
    }
    let names = check_principals(conn, &draft.policy, &mut p).await?;
    if let Ok(catalog) = CatalogId::parse(&draft.catalog_id) {
        let exists = catalogs::summary(conn, catalog).await.is_ok();
        if !exists {
            p.push("catalog", "Choose a catalog that exists.");
        } else if !actor.can_manage_packages(catalog) {
            p.push(
                "catalog",
                "You can't create access packages in this catalog.",
            );
        } else {
            for r in &draft.resources {
                let Ok(group) = groups::summary(conn, r.group_id).await else {
                    p.push(
                        "resources",
                        format!("{} no longer exists; remove it.", r.group_name),
                    );
                    continue;
                };
                if !catalogs::has_resource(conn, catalog, r.group_id).await?
                    && let Some(why) =
                        may_add_group(conn, actor, catalog, r.group_id, &group.name).await?
                {
                    p.push("resources", why);
                }
            }
        }
    }
    let valid = match valid {
        Ok(mut v) if p.0.is_empty() => {
            refresh_names(&mut v.policy.2, &names);
            Ok(v)
        }
        _ => Err(()),
    };
    Ok((valid, p))
}

/// The server's verdict on the wizard's draft (the Review + Create tab shows it).
pub async fn check_package(
    ctx: &Ctx,
    actor: &Actor,
    draft: &PackageDraft,
) -> DomainResult<DraftCheck> {
    require(
        actor.can_open_admin(),
        "only administrators can create access packages",
    )?;
    let check = PolicyCheck::new(ctx.clock.now().date_naive());
    let (_, p) = check_draft(&mut *ctx.read().await?, actor, draft, check).await?;
    Ok(DraftCheck {
        problems: p.0,
        warnings: draft.warnings(),
    })
}

fn policy_json(
    name: &PolicyName,
    description: &PolicyDescription,
    spec: &PolicySpec,
) -> serde_json::Value {
    json!({"name": name.as_str(), "description": description.as_str(), "spec": spec})
}

/// Creates the package, its resource roles and its first policy in one transaction.
#[tracing::instrument(skip(ctx, actor, draft), fields(actor = %actor.user_id))]
pub async fn create_package(
    ctx: &Ctx,
    actor: &Actor,
    draft: &PackageDraft,
) -> DomainResult<AccessPackageId> {
    require(
        actor.can_open_admin(),
        "only administrators can create access packages",
    )?;
    let now = ctx.clock.now();
    let check = PolicyCheck::new(now.date_naive());
    let mut tx = ctx.db.begin().await?;
    let (valid, p) = check_draft(&mut tx, actor, draft, check).await?;
    let Ok(v) = valid else {
        return Err(DomainError::Invalid(p.0));
    };
    let id = AccessPackageId::new();
    packages::insert(&mut tx, id, &v, now).await?;
    for (group, role) in &v.resources {
        if catalogs::add_resource(&mut tx, v.catalog, *group, now).await? {
            let g = groups::summary(&mut tx, *group).await?;
            audit::record(
                &mut tx,
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
        packages::add_resource_role(&mut tx, id, *group, *role, now).await?;
    }
    let policy_id = PolicyId::new();
    let (pname, pdesc, spec) = &v.policy;
    packages::insert_policy(&mut tx, id, policy_id, pname, pdesc, spec, now).await?;
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
    audit::record(&mut tx, e.after(after)).await?;
    commit(tx).await?;
    Ok(id)
}

pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    query: &str,
    catalog: Option<CatalogId>,
    page: PageRequest,
) -> DomainResult<Page<PackageSummary>> {
    require(
        actor.can_open_admin(),
        "only administrators can list access packages",
    )?;
    check_search(query)?;
    let only = (!actor.is_governance_admin()).then_some(actor.user_id);
    packages::search(&mut *ctx.read().await?, query, catalog, only, page).await
}

async fn readable(
    conn: &mut Conn,
    actor: &Actor,
    id: AccessPackageId,
) -> DomainResult<PackageSummary> {
    let summary = packages::summary(conn, id).await?;
    require(
        actor.can_read_catalog(summary.catalog_id),
        "you have no role in this access package's catalog",
    )?;
    Ok(summary)
}

async fn manageable(
    conn: &mut Conn,
    actor: &Actor,
    id: AccessPackageId,
) -> DomainResult<PackageSummary> {
    let summary = packages::summary(conn, id).await?;
    require(
        actor.can_manage_packages(summary.catalog_id),
        "only the catalog's owners and access package managers can change its access packages",
    )?;
    Ok(summary)
}

async fn policy_views(
    conn: &mut Conn,
    id: AccessPackageId,
    today: chrono::NaiveDate,
) -> DomainResult<Vec<PolicyView>> {
    let mut stored = packages::policies(conn, id).await?;
    let mut users = Vec::new();
    let mut groups = Vec::new();
    for s in &mut stored {
        for x in s.spec.principals_mut() {
            match x.kind {
                PrincipalKind::User => users.push(x.id),
                PrincipalKind::Group => groups.push(x.id),
            }
        }
    }
    users.sort();
    users.dedup();
    groups.sort();
    groups.dedup();
    let names = packages::principal_names(conn, &users, &groups).await?;
    let mut out = Vec::with_capacity(stored.len());
    for mut s in stored {
        refresh_names(&mut s.spec, &names);
        out.push(PolicyView {
            active_assignments: packages::policy_active_assignments(conn, s.id).await?,
            draft: s.spec.to_draft(&s.name, &s.description, today),
            id: s.id,
            name: s.name,
            description: s.description,
            spec: s.spec,
        });
    }
    Ok(out)
}

pub async fn detail(ctx: &Ctx, actor: &Actor, id: AccessPackageId) -> DomainResult<PackageDetail> {
    let mut conn = ctx.read().await?;
    let summary = readable(&mut conn, actor, id).await?;
    let today = ctx.clock.now().date_naive();
    let (incompatible_packages, incompatible_groups) =
        packages::incompatibilities(&mut conn, id).await?;
    Ok(PackageDetail {
        created_at: packages::created_at(&mut conn, id).await?,
        pending_requests: packages::open_requests(&mut conn, id).await?,
        resource_roles: packages::resource_roles(&mut conn, id).await?,
        policies: policy_views(&mut conn, id, today).await?,
        incompatible_packages,
        incompatible_groups,
        incompatible_with: packages::incompatible_with(&mut conn, id).await?,
        can_manage: actor.can_manage_packages(summary.catalog_id),
        can_assign: actor.can_manage_assignments(summary.catalog_id),
        summary,
        today,
    })
}

/// Edits name, description and Hidden.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn update_basics(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    name: &str,
    description: &str,
    hidden: bool,
) -> DomainResult<()> {
    let mut p = Problems::default();
    let name = p.check("name", PackageName::parse(name));
    let description = p.check("description", PackageDescription::parse(description));
    let (Some(name), Some(description)) = (name, description) else {
        return Err(DomainError::Invalid(p.0));
    };
    let mut tx = ctx.db.begin().await?;
    let before = manageable(&mut tx, actor, id).await?;
    packages::update_basics(&mut tx, id, &name, &description, hidden, ctx.clock.now()).await?;
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
    audit::record(&mut tx, e).await?;
    commit(tx).await
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

/// Adds a resource role; every current assignee is granted it at once. Returns how many.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_resource_role(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    group: GroupId,
    role: ResourceRole,
) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let package = manageable(&mut tx, actor, id).await?;
    let g = groups::summary(&mut tx, group)
        .await
        .map_err(|_| DomainError::invalid("group", "Choose a group that exists."))?;
    if packages::resource_roles(&mut tx, id).await?.len() >= limits::MAX_RESOURCE_ROLES {
        return Err(DomainError::invalid(
            "group",
            format!(
                "An access package holds at most {} resource roles.",
                limits::MAX_RESOURCE_ROLES
            ),
        ));
    }
    if !catalogs::has_resource(&mut tx, package.catalog_id, group).await? {
        if let Some(why) = may_add_group(&mut tx, actor, package.catalog_id, group, &g.name).await?
        {
            return Err(DomainError::invalid("group", why));
        }
        catalogs::add_resource(&mut tx, package.catalog_id, group, now).await?;
        audit::record(
            &mut tx,
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
    if !packages::add_resource_role(&mut tx, id, group, role, now).await? {
        return Err(DomainError::invalid(
            "group",
            format!(
                "{} ({}) is already in this access package.",
                g.name,
                role.label()
            ),
        ));
    }
    let granted = packages::grant_role_to_assignees(&mut tx, id, group, role, now).await?;
    packages::touch(&mut tx, id, now).await?;
    let e = event(ctx, actor, "access_package.resource_role_added", id,
        format!("Added {} of {} to access package {} (granted to {granted} assignees)", role.label(), g.name, package.name))
        .after(json!({"group": g.name, "group_id": group.to_string(), "role": role.code(), "granted": granted}));
    audit::record(&mut tx, e).await?;
    commit(tx).await?;
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
    let package = manageable(&mut tx, actor, id).await?;
    let g = groups::summary(&mut tx, group).await?;
    if !packages::remove_resource_role(&mut tx, id, group, role).await? {
        return Err(DomainError::NotFound("resource role"));
    }
    let revoked = packages::revoke_role_from_assignees(&mut tx, id, group, role).await?;
    packages::touch(&mut tx, id, ctx.clock.now()).await?;
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
    audit::record(&mut tx, e).await?;
    commit(tx).await?;
    Ok(revoked)
}

async fn check_policy_draft(
    conn: &mut Conn,
    draft: &PolicyDraft,
    check: PolicyCheck,
) -> DomainResult<(
    Option<(PolicyName, PolicyDescription, PolicySpec)>,
    Problems,
)> {
    let mut p = Problems::default();
    let valid = draft.validate(check, &mut p);
    let names = check_principals(conn, draft, &mut p).await?;
    let valid = match valid {
        Some((n, d, mut spec)) if p.0.is_empty() => {
            refresh_names(&mut spec, &names);
            Some((n, d, spec))
        }
        _ => None,
    };
    Ok((valid, p))
}

async fn fixed_start(
    conn: &mut Conn,
    policy: Option<PolicyId>,
) -> DomainResult<Option<chrono::NaiveDate>> {
    Ok(match policy {
        Some(id) => packages::policy(conn, id)
            .await?
            .spec
            .review
            .map(|r| r.starting_on),
        None => None,
    })
}

/// The server's verdict on a policy being added or edited.
pub async fn check_policy(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    policy: Option<PolicyId>,
    draft: &PolicyDraft,
) -> DomainResult<DraftCheck> {
    let mut conn = ctx.read().await?;
    manageable(&mut conn, actor, package).await?;
    let check = PolicyCheck {
        today: ctx.clock.now().date_naive(),
        fixed_review_start: fixed_start(&mut conn, policy).await?,
    };
    let (_, p) = check_policy_draft(&mut conn, draft, check).await?;
    Ok(DraftCheck {
        problems: p.0,
        warnings: draft.warnings(),
    })
}

#[tracing::instrument(skip(ctx, actor, draft), fields(actor = %actor.user_id))]
pub async fn add_policy(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    draft: &PolicyDraft,
) -> DomainResult<PolicyId> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = manageable(&mut tx, actor, package).await?;
    if packages::policy_count(&mut tx, package).await? >= limits::MAX_POLICIES as i64 {
        return Err(DomainError::Conflict(format!(
            "An access package has at most {} policies.",
            limits::MAX_POLICIES
        )));
    }
    let (valid, p) = check_policy_draft(&mut tx, draft, PolicyCheck::new(now.date_naive())).await?;
    let Some((name, description, spec)) = valid else {
        return Err(DomainError::Invalid(p.0));
    };
    let id = PolicyId::new();
    packages::insert_policy(&mut tx, package, id, &name, &description, &spec, now).await?;
    packages::touch(&mut tx, package, now).await?;
    let e = event(
        ctx,
        actor,
        "access_package.policy_added",
        package,
        format!("Added policy {name} to access package {}", summary.name),
    )
    .after(policy_json(&name, &description, &spec));
    audit::record(&mut tx, e).await?;
    commit(tx).await?;
    Ok(id)
}

#[tracing::instrument(skip(ctx, actor, draft), fields(actor = %actor.user_id))]
pub async fn update_policy(
    ctx: &Ctx,
    actor: &Actor,
    policy: PolicyId,
    draft: &PolicyDraft,
) -> DomainResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = packages::policy(&mut tx, policy).await?;
    let summary = manageable(&mut tx, actor, before.package).await?;
    let check = PolicyCheck {
        today: now.date_naive(),
        fixed_review_start: before.spec.review.as_ref().map(|r| r.starting_on),
    };
    let (valid, p) = check_policy_draft(&mut tx, draft, check).await?;
    let Some((name, description, spec)) = valid else {
        return Err(DomainError::Invalid(p.0));
    };
    packages::update_policy(&mut tx, policy, &name, &description, &spec, now).await?;
    packages::touch(&mut tx, before.package, now).await?;
    let e = event(
        ctx,
        actor,
        "access_package.policy_updated",
        before.package,
        format!("Updated policy {name} of access package {}", summary.name),
    )
    .before(json!({"name": before.name, "description": before.description, "spec": before.spec}))
    .after(policy_json(&name, &description, &spec));
    audit::record(&mut tx, e).await?;
    commit(tx).await
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_policy(ctx: &Ctx, actor: &Actor, policy: PolicyId) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    let before = packages::policy(&mut tx, policy).await?;
    let summary = manageable(&mut tx, actor, before.package).await?;
    let active = packages::policy_active_assignments(&mut tx, policy).await?;
    if active > 0 {
        return Err(DomainError::Conflict(format!(
            "{} of {} were given under the policy {}. Remove them before removing the policy.",
            plural(active, "active assignment", "active assignments"),
            summary.name,
            before.name
        )));
    }
    // Open requests keep their policy: approving one after the policy is gone would deliver
    // access on terms nobody can read any more (it used to mean "never expires").
    let open = packages::policy_open_requests(&mut tx, policy).await?;
    if open > 0 {
        return Err(DomainError::Conflict(format!(
            "{} for {} {} under the policy {}. Deny or cancel {} (Requests view) before removing the policy.",
            plural(open, "request", "requests"),
            summary.name,
            if open == 1 { "is open" } else { "are open" },
            before.name,
            if open == 1 { "it" } else { "them" },
        )));
    }
    packages::delete_policy(&mut tx, policy).await?;
    packages::touch(&mut tx, before.package, ctx.clock.now()).await?;
    let e = event(
        ctx,
        actor,
        "access_package.policy_removed",
        before.package,
        format!(
            "Removed policy {} from access package {}",
            before.name, summary.name
        ),
    )
    .before(json!({"name": before.name, "description": before.description, "spec": before.spec}));
    audit::record(&mut tx, e).await?;
    commit(tx).await
}

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
    let package = manageable(&mut tx, actor, id).await?;
    let name = match target {
        Incompatible::Package(other) => {
            if other == id {
                return Err(DomainError::invalid(
                    "package",
                    "An access package cannot be incompatible with itself.",
                ));
            }
            packages::summary(&mut tx, other)
                .await
                .map_err(|_| {
                    DomainError::invalid("package", "Choose an access package that exists.")
                })?
                .name
        }
        Incompatible::Group(g) => {
            groups::summary(&mut tx, g)
                .await
                .map_err(|_| DomainError::invalid("group", "Choose a group that exists."))?
                .name
        }
    };
    let (kind, target_id) = target.parts();
    if !packages::add_incompatibility(&mut tx, id, kind, target_id, ctx.clock.now()).await? {
        return Err(DomainError::invalid(
            kind,
            format!("{name} is already incompatible with {}.", package.name),
        ));
    }
    let e = event(
        ctx,
        actor,
        "access_package.incompatible_added",
        id,
        format!("Made {kind} {name} incompatible with {}", package.name),
    )
    .after(json!({"kind": kind, "target": name, "target_id": target_id.to_string()}));
    audit::record(&mut tx, e).await?;
    commit(tx).await
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_incompatible(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
    target: Incompatible,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    let package = manageable(&mut tx, actor, id).await?;
    let (kind, target_id) = target.parts();
    if !packages::remove_incompatibility(&mut tx, id, kind, target_id).await? {
        return Err(DomainError::NotFound("incompatibility"));
    }
    let e = event(
        ctx,
        actor,
        "access_package.incompatible_removed",
        id,
        format!("Removed an incompatible {kind} from {}", package.name),
    )
    .before(json!({"kind": kind, "target_id": target_id.to_string()}));
    audit::record(&mut tx, e).await?;
    commit(tx).await
}

/// Names of packages the actor can see, for the separation-of-duties picker.
pub async fn package_names(ctx: &Ctx, actor: &Actor) -> DomainResult<Vec<NamedRef>> {
    let page = list(
        ctx,
        actor,
        "",
        None,
        PageRequest::new(1, PageRequest::MAX_PER_PAGE),
    )
    .await?;
    Ok(page
        .items
        .into_iter()
        .map(|p| NamedRef {
            id: p.id.0,
            name: format!("{} ({})", p.name, p.catalog_name),
        })
        .collect())
}

/// The package behind a My Access link: what it grants, seats left, and whether the person
/// may request it (and if not, why). Hidden packages open by link too.
pub async fn portal_package(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
) -> DomainResult<PortalPackage> {
    use crate::rules::policies::{Subject, applicable, in_scope};
    let mut conn = ctx.read().await?;
    let summary = packages::summary(&mut conn, id).await?;
    let roles = packages::resource_roles(&mut conn, id).await?;
    let mut resources = Vec::with_capacity(roles.len());
    for r in roles {
        let mut licenses = Vec::new();
        for l in crate::store::licenses::of_group(&mut conn, r.group_id).await? {
            let s = crate::store::licenses::summary(&mut conn, l.id).await?;
            licenses.push(SeatInfo {
                license: s.name,
                seats: s.seats,
                available: s.usage.available,
            });
        }
        resources.push(PortalResource {
            group_name: r.group_name,
            role: r.role,
            licenses,
        });
    }
    let stored = packages::policies(&mut conn, id).await?;
    let my_groups = groups::group_ids_of(&mut conn, actor.user_id).await?;
    let subject = Subject {
        user: actor.user_id,
        is_guest: actor.is_guest(),
        groups: &my_groups,
    };
    let specs: Vec<(usize, &PolicySpec)> = stored
        .iter()
        .enumerate()
        .map(|(i, p)| (i, &p.spec))
        .collect();
    let (catalog, catalog_enabled) = crate::store::catalogs::of_package(&mut conn, id).await?;
    let chosen = if catalog_enabled {
        applicable(&specs, &subject)
    } else {
        vec![]
    };
    let policies: Vec<String> = chosen.iter().map(|i| stored[*i].name.clone()).collect();
    let requestable = chosen
        .iter()
        .map(|i| {
            let p = &stored[*i];
            RequestablePolicy {
                id: p.id,
                name: p.name.clone(),
                description: p.description.clone(),
                requestor_justification: p.spec.requestor_justification,
                questions: p.spec.questions.clone(),
                custom_timeline: p.spec.custom_timeline,
                lasts: p.spec.expiry.lasts(),
            }
        })
        .collect();
    let assigned = crate::store::requests::holds_package(&mut conn, id, actor.user_id).await?;
    let pending_request =
        crate::store::requests::open_request(&mut conn, id, actor.user_id).await?;
    let reason = if assigned {
        Some("You already have this access package.".to_owned())
    } else if pending_request.is_some() {
        Some("Your request for this access package is pending.".to_owned())
    } else if !catalog_enabled {
        Some(super::requests::catalog_disabled_reason(
            &summary.name,
            &catalog,
        ))
    } else if !policies.is_empty() {
        None
    } else if stored.is_empty()
        || stored
            .iter()
            .all(|p| p.spec.scope == TargetScope::NotSpecified)
    {
        Some("Only administrators assign this access package; it can't be requested.".to_owned())
    } else if stored.iter().any(|p| in_scope(&p.spec, &subject)) {
        Some("Requests for this access package are turned off at the moment.".to_owned())
    } else if actor.is_guest()
        && stored
            .iter()
            .any(|p| p.spec.scope == TargetScope::AllMemberUsers)
    {
        Some(
            "Guests can't request this access package; it is for members of the organization."
                .to_owned(),
        )
    } else {
        Some("You are not among the people who can request this access package.".to_owned())
    };
    Ok(PortalPackage {
        id,
        name: summary.name,
        description: summary.description,
        resources,
        policies,
        reason,
        requestable,
        pending_request,
        assigned,
    })
}
