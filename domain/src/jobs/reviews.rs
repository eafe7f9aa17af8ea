//! Access reviews: started on their schedule, reviewers reminded, results applied.

use super::*;

/// Access reviews: those whose window closed get their results applied; a policy whose next
/// review period has begun gets its review (reviewers told); reviewers with decisions left
/// are reminded at the midpoint.
pub(super) async fn reviews(ctx: &Ctx, now: DateTime<Utc>, report: &mut JobReport) {
    use crate::store::reviews as reviews_store;
    let ended = match ctx.read().await {
        Ok(mut conn) => reviews_store::ended(&mut conn, now, BATCH).await,
        Err(e) => Err(e),
    };
    match ended {
        Ok(list) => {
            for h in list {
                match crate::service::reviews::apply_results(ctx, h.id, now).await {
                    Ok(o) => {
                        report.reviews_completed += u64::from(o.completed);
                        report.review_removals += o.removed;
                    }
                    Err(e) => report
                        .failures
                        .push(format!("review_complete {}: {e}", h.id)),
                }
            }
        }
        Err(e) => report.failures.push(format!("review_complete: {e}")),
    }
    let found = match ctx.read().await {
        Ok(mut conn) => match reviews_store::review_policies(&mut conn).await {
            Ok(p) => reviews_store::latest_periods(&mut conn)
                .await
                .map(|l| (p, l)),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match found {
        Ok((policies, latest)) => {
            for (policy, package, spec) in policies {
                let Some(period) = crate::rules::reviews::period_at(&spec, now) else {
                    continue;
                };
                if latest
                    .get(&policy.to_string())
                    .is_some_and(|n| *n >= period.no)
                {
                    continue;
                }
                match start_review(ctx, policy, package, &spec, &period, now).await {
                    Ok(true) => report.reviews_started += 1,
                    Ok(false) => {}
                    Err(e) => report.failures.push(format!("review_start {policy}: {e}")),
                }
            }
        }
        Err(e) => report.failures.push(format!("review_start: {e}")),
    }
    let due = match ctx.read().await {
        Ok(mut conn) => reviews_store::to_remind(&mut conn, now, BATCH).await,
        Err(e) => Err(e),
    };
    match due {
        Ok(list) => {
            for h in list {
                match remind_reviewers(ctx, &h, now).await {
                    Ok(true) => report.reviews_reminded += 1,
                    Ok(false) => {}
                    Err(e) => report
                        .failures
                        .push(format!("review_reminder {}: {e}", h.id)),
                }
            }
        }
        Err(e) => report.failures.push(format!("review_reminder: {e}")),
    }
}

pub(super) async fn start_review(
    ctx: &Ctx,
    policy: PolicyId,
    package: AccessPackageId,
    spec: &ReviewSpec,
    period: &crate::rules::reviews::ReviewPeriod,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    use crate::store::reviews as reviews_store;
    let mut tx = ctx.db.begin().await?;
    let Some((id, items)) =
        reviews_store::create(&mut tx, policy, package, spec, period, now).await?
    else {
        return Ok(false);
    };
    let name = store::package_name(&mut tx, package).await?;
    let title = format!("Review access to {name} by {}", when(period.ends));
    let body = format!(
        "An access review of {name} has started. Approve or deny each person's access by {}.",
        when(period.ends)
    );
    let event = format!("review:{id}:started");
    tell_reviewers(&mut tx, id, false, now, |user| NewNotification {
        user,
        kind: NotificationKind::ReviewStarted,
        title: &title,
        body: &body,
        link: Link::Reviews,
        event: &event,
    })
    .await?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            None,
            "review.started",
            "access_review",
            id,
            format!("Access review of {name} started ({items} assignment(s), ends {})", when(period.ends)),
        )
        .after(json!({"package": name, "policy": policy.to_string(), "items": items, "ends_at": period.ends.to_rfc3339()})),
    )
    .await?;
    crate::service::commit(tx).await?;
    Ok(true)
}

pub(super) async fn remind_reviewers(
    ctx: &Ctx,
    h: &crate::store::reviews::ReviewHead,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    use crate::store::reviews as reviews_store;
    let mut tx = ctx.db.begin().await?;
    if !reviews_store::mark_reminded(&mut tx, h.id, now).await? {
        return Ok(false);
    }
    let title = format!(
        "Reminder: review access to {} by {}",
        h.package_name,
        when(h.ends_at)
    );
    let body = format!(
        "You still have decisions to make in the access review of {}. It ends {}.",
        h.package_name,
        when(h.ends_at)
    );
    let event = format!("review:{}:reminder", h.id);
    tell_reviewers(&mut tx, h.id, true, now, |user| NewNotification {
        user,
        kind: NotificationKind::ReviewReminder,
        title: &title,
        body: &body,
        link: Link::Reviews,
        event: &event,
    })
    .await?;
    crate::service::commit(tx).await?;
    Ok(true)
}

/// Tells a review's reviewers (with `undecided`, only those with decisions left), one
/// notification each in one multi-row insert: a review over 100,000 assignments has
/// thousands of reviewers (their managers), so not a statement each.
async fn tell_reviewers<'a>(
    tx: &mut Conn,
    review: ReviewId,
    undecided: bool,
    now: DateTime<Utc>,
    note: impl Fn(UserId) -> NewNotification<'a>,
) -> DomainResult<u64> {
    let notes: Vec<NewNotification> = crate::store::reviews::reviewers(&mut *tx, review, undecided)
        .await?
        .into_iter()
        .map(note)
        .collect();
    notifications::notify_all(tx, &notes, now).await
}
