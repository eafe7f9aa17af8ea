//! A package's policies: checked, added, changed and removed.

use super::*;

pub(super) async fn check_policy_draft(
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

pub(super) async fn fixed_start(
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
    let mut tx = ctx.db.begin().await?;
    let out = add_policy_in(&mut tx, ctx, actor, package, draft, None).await?;
    commit(tx).await?;
    Ok(out)
}

/// [`add_policy`] in the caller's transaction. `restored_review_start`: a review series
/// restored from an export keeps its start, even a past one (see `governance::apply`).
pub(crate) async fn add_policy_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    draft: &PolicyDraft,
    restored_review_start: Option<chrono::NaiveDate>,
) -> DomainResult<PolicyId> {
    let now = ctx.clock.now();
    let summary = manageable(tx, actor, package).await?;
    if packages::policy_count(tx, package).await? >= limits::MAX_POLICIES as i64 {
        return Err(DomainError::Conflict(format!(
            "An access package has at most {} policies.",
            limits::MAX_POLICIES
        )));
    }
    let check = PolicyCheck {
        today: now.date_naive(),
        fixed_review_start: restored_review_start,
    };
    let (valid, p) = check_policy_draft(tx, draft, check).await?;
    let Some((name, description, spec)) = valid else {
        return Err(DomainError::Invalid(p.0));
    };
    let id = PolicyId::new();
    packages::insert_policy(tx, package, id, &name, &description, &spec, now).await?;
    packages::touch(tx, package, now).await?;
    let e = event(
        ctx,
        actor,
        "access_package.policy_added",
        package,
        format!("Added policy {name} to access package {}", summary.name),
    )
    .after(policy_json(&name, &description, &spec));
    audit::record(tx, e).await?;
    Ok(id)
}

/// Replaces a policy's settings. With `expected` (the version the editor read), an edit made
/// after someone else changed the policy is refused as [`DomainError::Stale`].
#[tracing::instrument(skip(ctx, actor, draft), fields(actor = %actor.user_id))]
pub async fn update_policy(
    ctx: &Ctx,
    actor: &Actor,
    policy: PolicyId,
    draft: &PolicyDraft,
    expected: Option<i64>,
) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    update_policy_in(&mut tx, ctx, actor, policy, draft, expected).await?;
    commit(tx).await
}

/// [`update_policy`] in the caller's transaction.
pub(crate) async fn update_policy_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    policy: PolicyId,
    draft: &PolicyDraft,
    expected: Option<i64>,
) -> DomainResult<()> {
    let now = ctx.clock.now();
    let before = packages::policy(tx, policy).await?;
    let summary = manageable(tx, actor, before.package).await?;
    let check = PolicyCheck {
        today: now.date_naive(),
        fixed_review_start: before.spec.review.as_ref().map(|r| r.starting_on),
    };
    let (valid, p) = check_policy_draft(tx, draft, check).await?;
    let Some((name, description, spec)) = valid else {
        return Err(DomainError::Invalid(p.0));
    };
    packages::update_policy(tx, policy, &name, &description, &spec, expected, now).await?;
    packages::touch(tx, before.package, now).await?;
    let e = event(
        ctx,
        actor,
        "access_package.policy_updated",
        before.package,
        format!("Updated policy {name} of access package {}", summary.name),
    )
    .before(json!({"name": before.name, "description": before.description, "spec": before.spec}))
    .after(policy_json(&name, &description, &spec));
    audit::record(tx, e).await?;
    Ok(())
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_policy(ctx: &Ctx, actor: &Actor, policy: PolicyId) -> DomainResult<()> {
    let mut tx = ctx.db.begin().await?;
    remove_policy_in(&mut tx, ctx, actor, policy).await?;
    commit(tx).await
}

/// [`remove_policy`] in the caller's transaction.
pub(crate) async fn remove_policy_in(
    tx: &mut Conn,
    ctx: &Ctx,
    actor: &Actor,
    policy: PolicyId,
) -> DomainResult<()> {
    let before = packages::policy(tx, policy).await?;
    let summary = manageable(tx, actor, before.package).await?;
    let active = packages::policy_active_assignments(tx, policy).await?;
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
    let open = packages::policy_open_requests(tx, policy).await?;
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
    packages::delete_policy(tx, policy).await?;
    packages::touch(tx, before.package, ctx.clock.now()).await?;
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
    audit::record(tx, e).await?;
    Ok(())
}
