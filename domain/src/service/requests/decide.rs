//! Approvers' decisions and requestors' cancellations.

use super::*;

/// Approves or denies the request's current stage. The first decision wins; a later one is
/// refused with who decided and when, and changes nothing.
pub async fn decide(
    ctx: &Ctx,
    actor: &Actor,
    id: RequestId,
    approve: bool,
    justification: &str,
) -> DomainResult<RequestOutcome> {
    decide_stage(ctx, actor, id, None, approve, justification).await
}

/// [`decide`], for the stage the approver saw (`stage`, when given): if the request has moved
/// on from it meanwhile (someone else decided it and the request now waits on a later stage
/// the approver may also decide), the decision is refused, saying so, instead of landing on a
/// stage the approver never saw.
#[tracing::instrument(skip(ctx, actor, justification), fields(actor = %actor.user_id))]
pub async fn decide_stage(
    ctx: &Ctx,
    actor: &Actor,
    id: RequestId,
    stage: Option<u32>,
    approve: bool,
    justification: &str,
) -> DomainResult<RequestOutcome> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let store::ForDecision {
        request: r,
        package_name,
        requestor_name,
        may_decide,
        due,
    } = store::for_decision(&mut tx, id, actor.user_id).await?;
    require(
        r.requestor != actor.user_id,
        "nobody decides their own request",
    )?;
    let stage_no = r.stage_no;
    require(
        stage_no > 0 && may_decide,
        "you are not an approver of this request",
    )?;
    let earlier = || async {
        let mut conn = ctx.read().await?;
        let previous = store::stage_decision(&mut conn, id, stage_no).await?;
        Ok::<_, DomainError>(match previous {
            Some((StageDecision::Expired, _, at)) => DomainError::Conflict(format!(
                "This request expired at {}: no approver decided it in time.",
                when(at)
            )),
            Some((decision, who, at)) => DomainError::Conflict(format!(
                "This request was already {decision} by {who} at {}.",
                when(at)
            )),
            None => {
                DomainError::Conflict("This request is no longer waiting for a decision.".into())
            }
        })
    };
    if let Some(seen) = stage
        && seen != stage_no
    {
        drop(tx);
        let mut conn = ctx.read().await?;
        return Err(match store::stage_decision(&mut conn, id, seen).await? {
            Some((decision, who, at)) if decision != StageDecision::Expired => {
                DomainError::Conflict(format!(
                    "Stage {seen} of this request was already {decision} by {who} at {}; it now waits on stage {stage_no}.",
                    when(at)
                ))
            }
            _ => DomainError::Conflict(format!(
                "This request waits on stage {stage_no}, not stage {seen}."
            )),
        });
    }
    let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
    let next = Lifecycle::of(r.state, stage_no, of).and_then(|s| {
        s.after(if approve { Step::Approve } else { Step::Deny })
            .ok()
    });
    let Some(next) = next else {
        drop(tx);
        return Err(earlier().await?);
    };
    let stage = r
        .stages
        .get((stage_no - 1) as usize)
        .ok_or(DomainError::NotFound("stage"))?;
    // Past the deadline the request is expiring (the deadline job closes it): no decision.
    if let Some(due) = due
        && now >= due
    {
        return Err(DomainError::Conflict(format!(
            "The decision window closed at {}: this request expires without a decision.",
            when(due)
        )));
    }
    let justification = justification.trim();
    if stage.require_justification && justification.is_empty() {
        return Err(DomainError::invalid(
            "justification",
            "Give a reason for your decision.",
        ));
    }
    if justification.chars().count() > MAX_JUSTIFICATION_CHARS {
        return Err(DomainError::invalid(
            "justification",
            format!("The reason must be at most {MAX_JUSTIFICATION_CHARS} characters."),
        ));
    }
    let decision = if approve {
        StageDecision::Approved
    } else {
        StageDecision::Denied
    };
    if !store::decide_stage(
        &mut tx,
        id,
        stage_no,
        decision,
        actor.user_id,
        justification,
        now,
    )
    .await?
    {
        drop(tx);
        return Err(earlier().await?);
    }
    let said = if justification.is_empty() {
        String::new()
    } else {
        format!(": {justification}")
    };
    let decided = format!(
        "Stage {stage_no} {decision} by {}{said}",
        actor.display_name
    );
    let decided = store::Entry::new(decision.code(), &decided);
    if next != Lifecycle::Denied {
        // A denial's entry goes with its move to denied (below).
        store::event(&mut tx, id, decided, now).await?;
    }
    let names = Names {
        package: &package_name,
        requestor: &requestor_name,
    };
    let outcome = if next == Lifecycle::Denied {
        let reason = format!("Denied by {}{said}", actor.display_name);
        store::set_state(
            &mut tx,
            id,
            (r.state, stage_no),
            (RequestState::Denied, stage_no),
            &reason,
            decided,
            now,
        )
        .await?;
        notify_requestor(
            &mut tx,
            id,
            r.requestor,
            NotificationKind::Denied,
            format!("Request denied: {package_name}"),
            format!(
                "{} denied your request for {package_name}{said}",
                actor.display_name
            ),
            now,
        )
        .await?;
        RequestOutcome::Denied(reason)
    } else if let Lifecycle::PendingApproval { stage, .. } = next {
        start_stage(&mut tx, id, r.requestor, &r.stages, stage, &names, now).await?
    } else {
        notify_requestor(
            &mut tx,
            id,
            r.requestor,
            NotificationKind::Approved,
            format!("Request approved: {package_name}"),
            format!(
                "{} approved your request for {package_name}{said}",
                actor.display_name
            ),
            now,
        )
        .await?;
        deliver(&mut tx, &r, stage_no, &names, now).await?
    };
    audit::record(
        &mut tx,
        NewEvent::new(now, Some(actor.user_id), if approve { "request.approved" } else { "request.denied" }, "request", id, format!("{} {decision} stage {stage_no} of the request of {requestor_name} for {package_name}", actor.email))
            .after(json!({"package": package_name, "stage": stage_no, "decision": decision, "justification": justification, "outcome": format!("{outcome:?}")})),
    )
    .await?;
    commit(tx).await?;
    Ok(outcome)
}

/// The requestor withdraws a request while it waits for approval; the package's assignment
/// managers may cancel any request not yet delivered (the requestor is told).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn cancel_request(ctx: &Ctx, actor: &Actor, id: RequestId) -> DomainResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = store::get(&mut tx, id).await?;
    let summary = packages::summary(&mut tx, r.package).await?;
    let own = r.requestor == actor.user_id;
    require(
        own || actor.can_manage_assignments(summary.catalog_id),
        "only the requestor or the package's assignment managers can cancel a request",
    )?;
    let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
    let state = Lifecycle::of(r.state, r.stage_no, of).ok_or_else(|| {
        DomainError::Internal(format!("request {id} is {} at stage {}", r.state, r.stage_no).into())
    })?;
    if state.after(Step::Cancel).is_err() {
        return Err(DomainError::Conflict(format!(
            "Only a request waiting for approval can be canceled; this one is {}.",
            r.state.label().to_lowercase()
        )));
    }
    let text = if own {
        "Canceled by the requestor".to_owned()
    } else {
        format!("Canceled by {} (administrator)", actor.display_name)
    };
    store::set_state(
        &mut tx,
        id,
        (r.state, r.stage_no),
        (RequestState::Canceled, r.stage_no),
        &text,
        store::Entry::new("canceled", &text),
        now,
    )
    .await?;
    if !own {
        notify_requestor(
            &mut tx,
            id,
            r.requestor,
            NotificationKind::Canceled,
            format!("Request canceled: {}", summary.name),
            format!(
                "{} canceled your request for {}.",
                actor.display_name, summary.name
            ),
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "request.canceled",
            "request",
            id,
            format!("{} canceled a request for {}", actor.email, summary.name),
        )
        .before(json!({"state": r.state, "stage": r.stage_no})),
    )
    .await?;
    commit(tx).await
}
