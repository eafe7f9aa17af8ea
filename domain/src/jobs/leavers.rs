//! Leavers and movers: what the directory changed, carried through to access. A person who
//! is disabled — by an administrator, a CSV import or directory sync — loses their access
//! (grants withdrawn, seats freed) and their open requests; approval stages waiting on
//! someone who left, or on a manager who no longer is, go to whoever decides now (the new
//! manager, else the stage's fallback approvers). Each change is audited with its cause.
//! Found by queries, not by the use case that disabled the person, so that every path that
//! disables someone (and a run interrupted halfway) ends the same way.

use super::*;
use crate::store::lifecycle::{LeaverAssignment, LeaverRequest};

impl JobItem for LeaverRequest {
    fn key(&self) -> String {
        self.id.to_string()
    }
}

/// The live assignments of disabled people end as removed: their grants are withdrawn (other
/// grants stay), their seats free. Nobody is told (the person cannot sign in); the audit
/// trail names the cause.
pub(super) async fn remove_leavers_access(
    tx: &mut Conn,
    all: &[LeaverAssignment],
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let ended = end_and_name(&mut *tx, all, AssignmentState::Removed, now).await?;
    if ended.is_empty() {
        return Ok(0);
    }
    let events: Vec<NewEvent> = ended
        .iter()
        .map(|e| {
            NewEvent::new(
                now,
                None,
                "assignment.removed",
                "access_package",
                e.item.package,
                format!(
                    "Access of {} to {} removed: the account is disabled (leaver)",
                    e.email, e.package
                ),
            )
            .before(json!({"assignment": e.item.id.to_string(), "user": e.email}))
            .after(json!({"state": "removed", "grants_withdrawn": e.revoked, "cause": "leaver"}))
        })
        .collect();
    audit::record_all(&mut *tx, events).await?;
    Ok(ended.len() as u64)
}

/// An open request of a disabled person is canceled; its approvers no longer see it.
pub(super) async fn cancel_leavers_request(
    tx: &mut Conn,
    item: &LeaverRequest,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let r = requests::get(&mut *tx, item.id).await?;
    let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
    let legal =
        Lifecycle::of(r.state, r.stage_no, of).is_some_and(|l| l.after(Step::Cancel).is_ok());
    if !legal {
        return Ok(false);
    }
    let text = "Canceled: the requestor's account is disabled (leaver)";
    if !requests::try_set_state(
        &mut *tx,
        item.id,
        (r.state, r.stage_no),
        (RequestState::Canceled, r.stage_no),
        text,
        requests::Entry::new("canceled", text),
        now,
    )
    .await?
    {
        return Ok(false);
    }
    let package = store::package_name(&mut *tx, r.package).await?;
    let requestor = users::summary(&mut *tx, r.requestor).await?;
    audit::record(
        &mut *tx,
        NewEvent::new(
            now,
            None,
            "request.canceled",
            "request",
            item.id,
            format!(
                "Request of {} for {package} canceled: the account is disabled (leaver)",
                requestor.email
            ),
        )
        .before(json!({"state": r.state, "stage": r.stage_no}))
        .after(json!({"state": "canceled", "cause": "leaver"})),
    )
    .await?;
    Ok(true)
}

/// A stage waiting on an approver who left, or on a manager who no longer is: they stop
/// being its approvers; a manager stage goes to the requestor's manager now, and a stage
/// nobody current can decide goes to its fallback approvers. The new approvers are told.
/// With nobody left at all, the stage waits for its alternates or its deadline.
pub(super) async fn reroute_stage(
    tx: &mut Conn,
    s: &DueStage,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let r = requests::get(&mut *tx, s.request).await?;
    if r.state != RequestState::PendingApproval || r.stage_no != s.stage_no {
        return Ok(false);
    }
    let Some(stage) = r.stages.get((s.stage_no as usize).saturating_sub(1)) else {
        return Ok(false);
    };
    let requestor = users::summary(&mut *tx, r.requestor).await?;
    let manager = requestor.manager.as_ref().map(|m| m.id);
    let current = store::awaiting_approvers(&mut *tx, s.request, s.stage_no).await?;
    let (gone, staying): (Vec<_>, Vec<_>) = current
        .iter()
        .partition(|a| !a.enabled || (a.source == "manager" && Some(a.user) != manager));
    if gone.is_empty() {
        return Ok(false);
    }
    let gone_ids: Vec<UserId> = gone.iter().map(|a| a.user).collect();
    store::retire_approvers(&mut *tx, s.request, s.stage_no, &gone_ids, now).await?;

    let mut added: Vec<UserId> = Vec::new();
    let mut source = "manager";
    if let (ApproverSpec::Manager, Some(m)) = (
        &stage.approver,
        manager.filter(|m| *m != r.requestor && !gone_ids.contains(m)),
    ) {
        added = store::enabled_among(&mut *tx, &[m]).await?;
    }
    if added.is_empty() && staying.is_empty() {
        source = "fallback";
        let fallback = people_of(&mut *tx, &stage.fallback, r.requestor).await?;
        added = store::enabled_among(&mut *tx, &fallback).await?;
    }
    added.retain(|u| !staying.iter().any(|a| a.user == *u));
    requests::add_approvers(&mut *tx, s.request, s.stage_no, &added, source).await?;

    let left: Vec<&str> = gone.iter().map(|a| a.email.as_str()).collect();
    let cause = if gone.iter().all(|a| !a.enabled) {
        "left (account disabled)"
    } else {
        "is no longer the manager"
    };
    let text = if added.is_empty() && staying.is_empty() {
        format!(
            "{} {cause}; nobody else can decide stage {} (it waits for its alternates or expires {})",
            left.join(", "),
            s.stage_no,
            when(s.due_at)
        )
    } else {
        format!(
            "{} {cause}; stage {} goes to {} {} approver(s); decide by {}",
            left.join(", "),
            s.stage_no,
            added.len(),
            source,
            when(s.due_at)
        )
    };
    requests::event(
        &mut *tx,
        s.request,
        requests::Entry::new("rerouted", &text),
        now,
    )
    .await?;
    let package = store::package_name(&mut *tx, r.package).await?;
    let title = format!("Approval required: {package}");
    let body = format!(
        "{} requests {package}. Approve or deny by {}.",
        requestor.display_name,
        when(s.due_at)
    );
    // Each added approver's event names them (kept so, for the notifications' dedupe keys).
    let events: Vec<String> = added
        .iter()
        .map(|user| format!("request:{}:stage{}:rerouted:{user}", s.request, s.stage_no))
        .collect();
    let told: Vec<NewNotification<'_>> = added
        .iter()
        .zip(&events)
        .map(|(user, event)| NewNotification {
            user: *user,
            kind: NotificationKind::ApprovalRequired,
            title: &title,
            body: &body,
            link: Link::Approvals,
            event,
        })
        .collect();
    notifications::notify_all(&mut *tx, &told, now).await?;
    audit::record(
        &mut *tx,
        NewEvent::new(
            now,
            None,
            "request.rerouted",
            "request",
            s.request,
            format!(
                "Request of {} for {package}: approval moved, {} {cause}",
                requestor.email,
                left.join(", ")
            ),
        )
        .before(json!({"stage": s.stage_no, "approvers": left}))
        .after(json!({"stage": s.stage_no, "added": added.len(), "source": source})),
    )
    .await?;
    Ok(true)
}

impl JobItem for crate::store::reviews::LeavingReviewer {
    fn key(&self) -> String {
        self.item.to_string()
    }
}

/// Review items a disabled person was to decide go to whoever reviews them now (the
/// person's manager, else the fallback reviewers; or the specific reviewers still there).
/// The reviewers who take items over are told; the audit trail names who left.
pub(super) async fn reroute_reviews(
    tx: &mut Conn,
    all: &[crate::store::reviews::LeavingReviewer],
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    use crate::store::reviews as store_reviews;
    let mut per_review: std::collections::BTreeMap<ReviewId, Vec<&store_reviews::LeavingReviewer>> =
        std::collections::BTreeMap::new();
    for item in all {
        per_review.entry(item.review).or_default().push(item);
    }
    let mut moved = 0;
    for (review, items) in per_review {
        let head = store_reviews::head(&mut *tx, review).await?;
        let mut ids: Vec<AssignmentId> = items.iter().map(|i| i.item).collect();
        ids.sort();
        ids.dedup();
        let mut left: Vec<UserId> = items.iter().map(|i| i.reviewer).collect();
        left.sort();
        left.dedup();
        let now_reviewing = store_reviews::reassign(&mut *tx, review, &head.settings, &ids).await?;
        let (_, emails) = store::names_of(
            &mut *tx,
            &std::collections::BTreeSet::new(),
            &left.iter().copied().collect(),
        )
        .await?;
        let left_emails: Vec<&str> = emails.values().map(String::as_str).collect();
        let title = format!("Review access to {}", head.package_name);
        let body = format!(
            "You now review access to {} in place of a reviewer who left. Decide by {}.",
            head.package_name,
            when(head.ends_at)
        );
        let first = ids.first().map(ToString::to_string).unwrap_or_default();
        let events: Vec<String> = now_reviewing
            .iter()
            .map(|u| format!("review:{review}:rerouted:{first}:{u}"))
            .collect();
        let notes: Vec<NewNotification> = now_reviewing
            .iter()
            .zip(&events)
            .filter(|(u, _)| !left.contains(u))
            .map(|(u, event)| NewNotification {
                user: *u,
                kind: NotificationKind::ReviewStarted,
                title: &title,
                body: &body,
                link: Link::Reviews,
                event,
            })
            .collect();
        notifications::notify_all(&mut *tx, &notes, now).await?;
        audit::record(
            &mut *tx,
            NewEvent::new(
                now,
                None,
                "review.rerouted",
                "access_review",
                review,
                format!(
                    "{} item(s) of the review of {} moved: {} left (account disabled)",
                    ids.len(),
                    head.package_name,
                    left_emails.join(", ")
                ),
            )
            .after(
                json!({"items": ids.len(), "reviewers": now_reviewing.len(), "cause": "leaver"}),
            ),
        )
        .await?;
        moved += ids.len() as u64;
    }
    Ok(moved)
}
