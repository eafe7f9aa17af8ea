//! Starting an approval stage: who decides, and telling them.

use super::*;

/// Starts stage `no` (1-based) or, when nobody can decide it, denies the request at once.
/// Everyone who may decide it is notified. The request is just submitted (stage 1) or
/// waiting at the stage before, which was just approved.
pub(super) async fn start_stage(
    tx: &mut Conn,
    request: RequestId,
    requestor: UserId,
    stages: &[Stage],
    no: u32,
    names: &Names<'_>,
    now: DateTime<Utc>,
) -> DomainResult<RequestOutcome> {
    let stage = no
        .checked_sub(1)
        .and_then(|i| stages.get(i as usize))
        .ok_or_else(|| {
            DomainError::Internal(format!("request {request} has no stage {no}").into())
        })?;
    let from = if no == 1 {
        (RequestState::Submitted, 0)
    } else {
        (RequestState::PendingApproval, no - 1)
    };
    let manager = users::summary(tx, requestor).await?.manager.map(|m| m.id);
    let mut expanded = std::collections::HashMap::new();
    for p in stage_groups(stage) {
        expanded.insert(
            p,
            store::group_member_ids(tx, p, MAX_GROUP_APPROVERS).await?,
        );
    }
    let members = |g: GroupId| expanded.get(&g).cloned().unwrap_or_default();
    let (approvers, source) = resolve_approvers(stage, requestor, manager, &members);
    if approvers.is_empty() {
        let reason = format!(
            "Denied: nobody can decide approval stage {no} (no manager and no fallback approvers)."
        );
        let entry = store::Entry::new("denied", &reason);
        store::set_state(
            tx,
            request,
            from,
            (RequestState::Denied, no),
            &reason,
            entry,
            now,
        )
        .await?;
        notify_requestor(
            tx,
            request,
            requestor,
            NotificationKind::Denied,
            format!("Request denied: {}", names.package),
            reason.clone(),
            now,
        )
        .await?;
        return Ok(RequestOutcome::Denied(reason));
    }
    let (due, forward) = stage_deadlines(now, stage);
    let start = store::StageStart {
        stage_no: no,
        started: now,
        due,
        forward,
        approvers: &approvers,
        source: source_code(source),
    };
    store::start_stage(tx, request, &start).await?;
    let of = stages.len();
    let text = format!(
        "Pending approval, stage {no} of {of}: {} approver(s), decide by {}",
        approvers.len(),
        when(due)
    );
    store::set_state(
        tx,
        request,
        from,
        (RequestState::PendingApproval, no),
        "",
        store::Entry::new("pending", &text),
        now,
    )
    .await?;
    let title = format!("Approval required: {}", names.package);
    let body = format!(
        "{} requests {}. Approve or deny by {}.",
        names.requestor,
        names.package,
        when(due)
    );
    notifications::notify_each(
        tx,
        &approvers,
        &notifications::Message {
            kind: NotificationKind::ApprovalRequired,
            title: &title,
            body: &body,
            link: Link::Approvals,
            event: &format!("request:{request}:stage{no}"),
        },
        now,
    )
    .await?;
    Ok(RequestOutcome::Pending {
        stage: no,
        of: u32::try_from(of).unwrap_or(u32::MAX),
    })
}

pub(super) fn stage_groups(stage: &Stage) -> Vec<GroupId> {
    let mut out = Vec::new();
    let lists: [&[Principal]; 2] = [
        match &stage.approver {
            ApproverSpec::Specific { approvers } => approvers,
            ApproverSpec::Manager => &[],
        },
        &stage.fallback,
    ];
    for list in lists {
        out.extend(
            list.iter()
                .filter(|p| p.kind == PrincipalKind::Group)
                .map(|p| GroupId(p.id)),
        );
    }
    out
}
