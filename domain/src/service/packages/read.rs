//! Reading packages: lists, details and the portal's view of one.

use super::*;

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

pub(crate) async fn readable(
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

pub(super) async fn manageable(
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

pub(crate) async fn policy_views(
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
            version: s.version,
        });
    }
    Ok(out)
}

/// One policy as its package's page shows it, with its package's id.
pub async fn policy_detail(
    ctx: &Ctx,
    actor: &Actor,
    id: PolicyId,
) -> DomainResult<(AccessPackageId, PolicyView)> {
    let mut conn = ctx.read().await?;
    let package = packages::policy(&mut conn, id).await?.package;
    readable(&mut conn, actor, package).await?;
    let today = ctx.clock.now().date_naive();
    policy_views(&mut conn, package, today)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .map(|p| (package, p))
        .ok_or(DomainError::NotFound("policy"))
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
    // `applicable` answers indexes into `specs`, which has one entry per stored policy.
    let chosen: Vec<_> = chosen.iter().filter_map(|i| stored.get(*i)).collect();
    let policies: Vec<String> = chosen.iter().map(|p| p.name.clone()).collect();
    let requestable = chosen
        .iter()
        .map(|p| RequestablePolicy {
            id: p.id,
            name: p.name.clone(),
            description: p.description.clone(),
            requestor_justification: p.spec.requestor_justification,
            questions: p.spec.questions.clone(),
            custom_timeline: p.spec.custom_timeline,
            lasts: p.spec.expiry.lasts(),
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
        Some(super::super::requests::catalog_disabled_reason(
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
