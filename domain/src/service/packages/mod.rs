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

mod create;
mod incompatible;
mod policies;
mod read;
mod resources;

pub use create::*;
pub use incompatible::*;
pub use policies::*;
pub use read::*;
pub use resources::*;

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
    // Managing a catalog's packages needs a role in it, so these are among the readable ones.
    let catalogs = super::catalogs::names(ctx, actor)
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
