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

/// The end of an assignment: its grants are withdrawn (other grants stay), its seats free,
/// and the person is told.
pub(super) async fn expire_assignment(
    tx: &mut Conn,
    a: &DueAssignment,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let Some(revoked) =
        requests::end_assignment(&mut *tx, a.id, AssignmentState::Expired, now).await?
    else {
        return Ok(false);
    };
    let package = store::package_name(&mut *tx, a.package).await?;
    let who = users::summary(&mut *tx, a.user).await?;
    notify(
        &mut *tx,
        NewNotification {
            user: a.user,
            kind: NotificationKind::AccessEnded,
            title: &format!("Access has ended: {package}"),
            body: &format!(
            "Your access to {package} ended {}. Request it again from My Access if you still need it.",
            when(a.ends_at)
        ),
            link: Link::ExpiredAccess,
            event: &format!("assignment:{}:ended", a.id),
        },
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        NewEvent::new(
            now,
            None,
            "assignment.expired",
            "access_package",
            a.package,
            format!("Access of {} to {package} expired", who.email),
        )
        .before(json!({"assignment": a.id.to_string(), "user": who.email, "ends_at": a.ends_at.to_rfc3339()}))
        .after(json!({"state": "expired", "grants_withdrawn": revoked})),
    )
    .await?;
    Ok(true)
}

/// 14 days and 1 day before the end, the person is reminded (with the way to extend when
/// the policy allows it).
pub(super) async fn remind_expiring(
    tx: &mut Conn,
    a: &DueAssignment,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let Some(reminder) = expiry_reminder_due(a.ends_at, a.reminders_sent, now) else {
        return Ok(false);
    };
    if !store::mark_reminded(&mut *tx, a.id, a.reminders_sent, reminder.level()).await? {
        return Ok(false);
    }
    let package = store::package_name(&mut *tx, a.package).await?;
    let extendable = match a.policy {
        Some(p) => packages::policy(&mut *tx, p)
            .await
            .map(|p| p.spec.extension.is_some())
            .unwrap_or(false),
        None => false,
    };
    let title = match reminder {
        ExpiryReminder::FourteenDays => format!("Access to {package} ends in 14 days"),
        ExpiryReminder::OneDay => format!("Access to {package} ends tomorrow"),
    };
    let body = if extendable {
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
    notify(
        &mut *tx,
        NewNotification {
            user: a.user,
            kind: NotificationKind::Expiring,
            title: &title,
            body: &body,
            link: Link::ActiveAccess,
            event: &format!("assignment:{}:expiring{}", a.id, reminder.code()),
        },
        now,
    )
    .await?;
    Ok(true)
}
