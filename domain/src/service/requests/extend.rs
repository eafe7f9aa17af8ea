//! Extending live access: at once, or through the policy's approval stages.

use super::*;

/// The end an extension asked now would give: a fresh term under the policy's expiry.
/// Refused when the policy doesn't allow extensions, the access never ends, or the policy
/// cannot make it last longer than it already does.
pub(super) fn extended_end(
    spec: &PolicySpec,
    current: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DomainResult<DateTime<Utc>> {
    if spec.extension.is_none() {
        return Err(DomainError::Conflict(
            "This access can't be extended; request it again once it ends.".into(),
        ));
    }
    let Some(current) = current else {
        return Err(DomainError::Conflict("This access never ends.".into()));
    };
    match assignment_end(spec.expiry, now) {
        Some(end) if end > current => Ok(end),
        _ => Err(DomainError::Conflict(format!(
            "Your access already lasts until {}, as long as the policy allows.",
            when(current)
        ))),
    }
}

pub(super) async fn extend_assignment(
    tx: &mut Conn,
    r: &store::RequestRow,
    stage_no: u32,
    names: &Names<'_>,
    now: DateTime<Utc>,
) -> DomainResult<RequestOutcome> {
    let ended = || {
        DomainError::Conflict(format!(
            "{}'s access to {} ended before the extension was approved; it must be requested again.",
            names.requestor, names.package
        ))
    };
    let (assignment, policy, current) = store::live_of(tx, r.package, r.requestor)
        .await?
        .ok_or_else(ended)?;
    let spec = match policy.or(r.policy) {
        Some(p) => packages::policy(tx, p).await?.spec,
        None => return Err(ended()),
    };
    let end = extended_end(&spec, current, now)?;
    if !store::extend(tx, assignment, end, now).await? {
        return Err(ended());
    }
    let text = format!("Access extended until {}", when(end));
    store::set_delivered(
        tx,
        r.id,
        (r.state, r.stage_no),
        stage_no,
        assignment,
        store::Entry::new("delivered", &text),
        now,
    )
    .await?;
    notify_requestor(
        tx,
        r.id,
        r.requestor,
        NotificationKind::Delivered,
        format!("Access extended: {}", names.package),
        format!("Your access to {} now ends {}.", names.package, when(end)),
        now,
    )
    .await?;
    Ok(RequestOutcome::Delivered(assignment))
}

/// The signed-in person extends their access to a package before it ends: at once, or
/// through the policy's approval stages when it asks for approval. They must still be in the
/// policy's scope, and the new end never passes what the policy grants.
#[tracing::instrument(skip(ctx, actor, justification), fields(actor = %actor.user_id))]
pub async fn extend_access(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    justification: &str,
) -> DomainResult<(RequestId, RequestOutcome)> {
    use crate::rules::policies::in_scope;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let name = packages::summary(&mut tx, package).await?.name;
    require_catalog_enabled(&mut tx, package, &name).await?;
    let Some((assignment, Some(policy_id), current)) =
        store::live_of(&mut tx, package, actor.user_id).await?
    else {
        return Err(DomainError::Conflict(format!(
            "You have no active access to {name} to extend."
        )));
    };
    let policy = packages::policy(&mut tx, policy_id).await?;
    let end = extended_end(&policy.spec, current, now)?;
    let my_groups = groups::group_ids_of(&mut tx, actor.user_id).await?;
    let subject = Subject {
        user: actor.user_id,
        is_guest: actor.is_guest(),
        groups: &my_groups,
    };
    if !in_scope(&policy.spec, &subject) {
        return Err(DomainError::Conflict(format!(
            "You can't extend {name}: you are no longer among the people its policy is for."
        )));
    }
    let justification = justification.trim();
    if let Some(problem) =
        business_justification_problem(policy.spec.requestor_justification, justification)
    {
        return Err(DomainError::Invalid(vec![problem]));
    }
    let stages = if policy.spec.extension == Some(true) {
        policy.spec.stages.clone().unwrap_or_default()
    } else {
        vec![]
    };
    let id = RequestId::new();
    let submitted = format!(
        "Extension requested by {} until {}",
        actor.display_name,
        when(end)
    );
    let new = NewRequest {
        id,
        package,
        policy: policy_id,
        requestor: actor.user_id,
        kind: RequestKind::UserExtend,
        created_by: actor.user_id,
        justification,
        answers: &[],
        stages: &stages,
        period: Some((now, end)),
        submitted: &submitted,
        now,
    };
    if !store::insert(&mut tx, &new).await? {
        return Err(DomainError::Conflict(format!(
            "You already have a pending request for {name}."
        )));
    }
    let names = Names {
        package: &name,
        requestor: &actor.display_name,
    };
    let outcome = if stages.is_empty() {
        deliver(&mut tx, &new.row(), 0, &names, now).await?
    } else {
        start_stage(&mut tx, id, actor.user_id, &stages, 1, &names, now).await?
    };
    audit::record(
        &mut tx,
        NewEvent::new(now, Some(actor.user_id), "assignment.extension_requested", "access_package", package, format!("{} asked to extend {name}", actor.email))
            .before(json!({"assignment": assignment.to_string(), "ends_at": current.map(|c| c.to_rfc3339())}))
            .after(json!({"request": id.to_string(), "ends_at": end.to_rfc3339(), "justification": justification, "outcome": format!("{outcome:?}")})),
    )
    .await?;
    commit(tx).await?;
    Ok((id, outcome))
}
