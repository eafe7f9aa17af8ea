//! Approval stages that ran out of time: expiry, forwarding to alternates, reminders.

use super::*;

impl JobItem for DueStage {
    fn key(&self) -> String {
        self.request.to_string()
    }
}

/// A stage nobody decided in time: the request ends as expired ("no approver action
/// taken"); the requestor and the stage's approvers are told.
pub(super) async fn expire_request(
    tx: &mut Conn,
    s: &DueStage,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let r = requests::get(&mut *tx, s.request).await?;
    let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
    let legal =
        Lifecycle::of(r.state, r.stage_no, of).is_some_and(|l| l.after(Step::Expire).is_ok());
    if !legal || r.stage_no != s.stage_no {
        return Ok(false);
    }
    let reason = format!(
        "Expired: no approver action taken on stage {} by {}",
        s.stage_no,
        when(s.due_at)
    );
    // The stage first, then the request: the order a decision takes them in. A decision
    // that came first leaves the stage decided; a cancel leaves the stage alone and the
    // request moved, so the stage's expiry is undone (a savepoint) and the cancel stands.
    let mut both = sqlx::Connection::begin(&mut *tx).await?;
    let expired = store::expire_stage(&mut both, s.request, s.stage_no, now).await?
        && requests::try_set_state(
            &mut both,
            s.request,
            (r.state, r.stage_no),
            (RequestState::Expired, s.stage_no),
            &reason,
            requests::Entry::new("expired", &reason),
            now,
        )
        .await?;
    if !expired {
        both.rollback().await?;
        return Ok(false);
    }
    both.commit().await?;
    let package = store::package_name(&mut *tx, r.package).await?;
    let requestor = users::summary(&mut *tx, r.requestor).await?;
    notify(
        &mut *tx,
        NewNotification {
            user: r.requestor,
            kind: NotificationKind::Expired,
            title: &format!("Your request has expired: {package}"),
            body: &format!(
                "No approver decided your request for {package} by {}. You can submit it again.",
                when(s.due_at)
            ),
            link: Link::Requests,
            event: &format!("request:{}:expired", s.request),
        },
        now,
    )
    .await?;
    let approvers = store::stage_approvers(&mut *tx, s.request, s.stage_no).await?;
    notifications::notify_each(
        &mut *tx,
        &approvers,
        &Message {
            kind: NotificationKind::RequestExpired,
            title: &format!("Request has expired: {package}"),
            body: &format!(
                "The request of {} for {package} expired because nobody decided it by {}.",
                requestor.display_name,
                when(s.due_at)
            ),
            link: Link::Approvals,
            event: &format!("request:{}:expired", s.request),
        },
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        NewEvent::new(
            now,
            None,
            "request.expired",
            "request",
            s.request,
            format!(
                "Request of {} for {package} expired (no approver action taken)",
                requestor.email
            ),
        )
        .before(json!({"state": r.state, "stage": s.stage_no}))
        .after(json!({"state": "expired", "package": package, "user": requestor.email})),
    )
    .await?;
    Ok(true)
}

/// The forward day: the stage's alternate approvers may decide too, and are told; the
/// primary approvers keep their say.
pub(super) async fn forward_stage(
    tx: &mut Conn,
    s: &DueStage,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    if !store::mark_stage(&mut *tx, s.request, s.stage_no, "forwarded_at", now).await? {
        return Ok(false);
    }
    let r = requests::get(&mut *tx, s.request).await?;
    let Some(forward) = r
        .stages
        .get((s.stage_no as usize).saturating_sub(1))
        .and_then(|stage| stage.forward.clone())
    else {
        return Ok(false);
    };
    let alternates = people_of(&mut *tx, &forward.alternates, r.requestor).await?;
    requests::add_approvers(&mut *tx, s.request, s.stage_no, &alternates, "alternate").await?;
    let text = format!(
        "Forwarded to {} alternate approver(s); decide by {}",
        alternates.len(),
        when(s.due_at)
    );
    requests::event(
        &mut *tx,
        s.request,
        requests::Entry::new("forwarded", &text),
        now,
    )
    .await?;
    let package = store::package_name(&mut *tx, r.package).await?;
    let requestor = users::summary(&mut *tx, r.requestor).await?;
    notifications::notify_each(
        &mut *tx,
        &alternates,
        &Message {
            kind: NotificationKind::Forwarded,
            title: &format!("Approval required (forwarded): {package}"),
            body: &format!(
                "{} requests {package} and the approvers have not decided yet. Approve or deny by {}.",
                requestor.display_name,
                when(s.due_at)
            ),
            link: Link::Approvals,
            event: &format!("request:{}:stage{}:forwarded", s.request, s.stage_no),
        },
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        NewEvent::new(
            now,
            None,
            "request.forwarded",
            "request",
            s.request,
            format!(
                "Request of {} for {package} forwarded to alternate approvers",
                requestor.email
            ),
        )
        .after(json!({"stage": s.stage_no, "alternates": alternates.len()})),
    )
    .await?;
    Ok(true)
}

/// Halfway through a stage, its approvers are reminded once.
pub(super) async fn remind_approvers(
    tx: &mut Conn,
    s: &DueStage,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    if !store::mark_stage(&mut *tx, s.request, s.stage_no, "reminded_at", now).await? {
        return Ok(false);
    }
    let r = requests::get(&mut *tx, s.request).await?;
    let package = store::package_name(&mut *tx, r.package).await?;
    let requestor = users::summary(&mut *tx, r.requestor).await?;
    let approvers = store::stage_approvers(&mut *tx, s.request, s.stage_no).await?;
    notifications::notify_each(
        &mut *tx,
        &approvers,
        &Message {
            kind: NotificationKind::ApprovalReminder,
            title: &format!("Reminder: approve or deny {package} by {}", when(s.due_at)),
            body: &format!(
                "{} still waits for a decision on {package}. Without one by {} the request expires.",
                requestor.display_name,
                when(s.due_at)
            ),
            link: Link::Approvals,
            event: &format!("request:{}:stage{}:reminder", s.request, s.stage_no),
        },
        now,
    )
    .await?;
    Ok(true)
}
