//! Assignments that end or are about to: expiry and reminders.

use super::*;

impl JobItem for DueStart {
    fn key(&self) -> String {
        self.id.to_string()
    }
}

/// The start of a scheduled assignment: it becomes delivered, its grants are given, and
/// the person is told. `false` when another run started it first.
pub(super) async fn start_assignment(
    tx: &mut Conn,
    a: &DueStart,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    if !requests::start_scheduled(&mut *tx, a.id, a.package, a.user, now).await? {
        return Ok(false);
    }
    let name = store::package_name(&mut *tx, a.package).await?;
    notify(
        &mut *tx,
        NewNotification {
            user: a.user,
            kind: NotificationKind::Delivered,
            title: &format!("You now have access: {name}"),
            body: &format!("Your access to {name} has started."),
            link: Link::ActiveAccess,
            event: &format!("assignment:{}:started", a.id),
        },
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        NewEvent::new(
            now,
            None,
            "assignment.started",
            "access_package",
            a.package,
            format!("Scheduled access to {name} started"),
        )
        .after(json!({"assignment": a.id.to_string(), "user": a.user.to_string()})),
    )
    .await?;
    Ok(true)
}

impl JobItem for DueAssignment {
    fn key(&self) -> String {
        self.id.to_string()
    }
}

/// The end of assignments: their grants are withdrawn (other grants stay), their seats free,
/// and each person is told. A whole batch takes a few statements (ending them, their
/// grants, the counts, one insert of notifications, one of audit events), not a dozen each.
pub(super) async fn expire_assignments(
    tx: &mut Conn,
    all: &[DueAssignment],
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let ended = end_and_name(&mut *tx, all, AssignmentState::Expired, now).await?;
    if ended.is_empty() {
        return Ok(0);
    }
    let texts: Vec<(String, String, String)> = ended
        .iter()
        .map(|e| {
            let package = &e.package;
            (
                format!("Access has ended: {package}"),
                format!(
                    "Your access to {package} ended {}. Request it again from My Access if you still need it.",
                    when(e.item.ends_at)
                ),
                format!("assignment:{}:ended", e.item.id),
            )
        })
        .collect();
    let notes: Vec<NewNotification> = ended
        .iter()
        .zip(&texts)
        .map(|(e, (title, body, event))| NewNotification {
            user: e.item.user,
            kind: NotificationKind::AccessEnded,
            title,
            body,
            link: Link::ExpiredAccess,
            event,
        })
        .collect();
    notifications::notify_all(&mut *tx, &notes, now).await?;
    let events: Vec<NewEvent> = ended
        .iter()
        .map(|e| {
            let a = e.item;
            NewEvent::new(
                now,
                None,
                "assignment.expired",
                "access_package",
                a.package,
                format!("Access of {} to {} expired", e.email, e.package),
            )
            .before(json!({"assignment": a.id.to_string(), "user": e.email, "ends_at": a.ends_at.to_rfc3339()}))
            .after(json!({"state": "expired", "grants_withdrawn": e.revoked}))
        })
        .collect();
    audit::record_all(&mut *tx, events).await?;
    Ok(ended.len() as u64)
}

/// 14 days and 1 day before the end, the person is reminded (with the way to extend when
/// the policy allows it). A whole batch takes a few statements: one update per reminder
/// marking those not reminded yet, one read of the packages' names, one of each policy, one
/// insert of notifications and one of webhook deliveries per reminder.
pub(super) async fn remind_expiring(
    tx: &mut Conn,
    all: &[DueAssignment],
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut marked: Vec<(&DueAssignment, ExpiryReminder)> = Vec::with_capacity(all.len());
    for reminder in [ExpiryReminder::OneDay, ExpiryReminder::FourteenDays] {
        let due: Vec<&DueAssignment> = all
            .iter()
            .filter(|a| expiry_reminder_due(a.ends_at, a.reminders_sent, now) == Some(reminder))
            .collect();
        let ids: Vec<AssignmentId> = due.iter().map(|a| a.id).collect();
        let now_marked = store::mark_reminded(&mut *tx, &ids, reminder.level()).await?;
        marked.extend(
            due.into_iter()
                .filter(|a| now_marked.contains(&a.id))
                .map(|a| (a, reminder)),
        );
    }
    if marked.is_empty() {
        return Ok(0);
    }
    let packages: BTreeSet<AccessPackageId> = marked.iter().map(|(a, _)| a.package).collect();
    let (names, _) = store::names_of(&mut *tx, &packages, &BTreeSet::new()).await?;
    let mut extendable: BTreeMap<PolicyId, bool> = BTreeMap::new();
    for policy in marked.iter().filter_map(|(a, _)| a.policy) {
        if extendable.contains_key(&policy) {
            continue;
        }
        let allows = match packages::policy(&mut *tx, policy).await {
            Ok(p) => p.spec.extension.is_some(),
            // A policy deleted since: nothing to extend by.
            Err(crate::DomainError::NotFound(_)) => false,
            Err(e) => return Err(e),
        };
        extendable.insert(policy, allows);
    }
    let mut texts: Vec<(String, String, String)> = Vec::with_capacity(marked.len());
    for (a, reminder) in &marked {
        let package = names
            .get(&a.package)
            .ok_or(crate::DomainError::NotFound("access package"))?;
        let title = match reminder {
            ExpiryReminder::FourteenDays => format!("Access to {package} ends in 14 days"),
            ExpiryReminder::OneDay => format!("Access to {package} ends tomorrow"),
        };
        let extend = a
            .policy
            .and_then(|p| extendable.get(&p).copied())
            .unwrap_or(false);
        let body = if extend {
            format!(
                "Your access to {package} ends {}. Extend access for {package} by then from My Access (Active tab).",
                when(a.ends_at)
            )
        } else {
            format!(
                "Your access to {package} ends {}. Request it again afterwards if you still need it.",
                when(a.ends_at)
            )
        };
        let event = format!("assignment:{}:expiring{}", a.id, reminder.code());
        texts.push((title, body, event));
    }
    let notes: Vec<NewNotification> = marked
        .iter()
        .zip(&texts)
        .map(|((a, _), (title, body, event))| NewNotification {
            user: a.user,
            kind: NotificationKind::Expiring,
            title,
            body,
            link: Link::ActiveAccess,
            event,
        })
        .collect();
    notifications::notify_all(&mut *tx, &notes, now).await?;
    for reminder in [ExpiryReminder::OneDay, ExpiryReminder::FourteenDays] {
        let subjects: Vec<String> = marked
            .iter()
            .filter(|(_, r)| *r == reminder)
            .map(|(a, _)| a.id.to_string())
            .collect();
        crate::store::webhooks::emit(
            &mut *tx,
            WebhookEvent::AssignmentExpiring,
            &subjects,
            Some(json!({ "daysLeft": reminder.lead().num_days() })),
            now,
        )
        .await?;
    }
    Ok(marked.len() as u64)
}
