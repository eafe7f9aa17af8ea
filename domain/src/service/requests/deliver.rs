//! Delivering an approved request: the assignment, its grants, the people told.

use super::*;

/// Delivers an approved request ([`deliver_now`]), unless a blocking custom extension holds it
/// until it answers (`extensions::hold_for_extensions`).
pub(super) async fn deliver(
    tx: &mut Conn,
    r: &store::RequestRow,
    stage_no: u32,
    names: &Names<'_>,
    now: DateTime<Utc>,
) -> DomainResult<RequestOutcome> {
    if let Some(held) = super::extensions::hold_for_extensions(tx, r, now).await? {
        return Ok(held);
    }
    deliver_now(tx, r, stage_no, names, now).await
}

/// Creates the assignment (with its grants, unless it starts later) and tells the person;
/// for an approved extension, moves the live assignment's end instead.
pub(super) async fn deliver_now(
    tx: &mut Conn,
    r: &store::RequestRow,
    stage_no: u32,
    names: &Names<'_>,
    now: DateTime<Utc>,
) -> DomainResult<RequestOutcome> {
    if r.kind == RequestKind::UserExtend {
        return extend_assignment(tx, r, stage_no, names, now).await;
    }
    // Fail closed: access is delivered only on terms that can be read. A request whose
    // policy is gone (removed before this rule existed) is refused, never made permanent.
    let Some(policy) = r.policy else {
        return Err(DomainError::Conflict(format!(
            "The policy {}'s request for {} was made under no longer exists, so the access can't be delivered. Deny or cancel the request.",
            names.requestor, names.package
        )));
    };
    let expiry = packages::policy(tx, policy).await?.spec.expiry;
    let (starts_at, ends_at) = match r.period {
        Some((start, end)) => (start, Some(end)),
        None => (now, assignment_end(expiry, now)),
    };
    let delivery = store::Delivery {
        package: r.package,
        policy: r.policy,
        user: r.requestor,
        starts_at,
        ends_at,
    };
    let Some(assignment) = store::deliver(tx, &delivery, now).await? else {
        return Err(DomainError::Conflict(format!(
            "{} already has this access package.",
            names.requestor
        )));
    };
    let ends = ends_at.map_or_else(
        || "It does not expire.".to_owned(),
        |e| format!("It ends {}.", when(e)),
    );
    let (text, body) = if starts_at > now {
        (
            format!("Access scheduled from {}", when(starts_at)),
            format!(
                "Your access to {} starts {}. {ends}",
                names.package,
                when(starts_at)
            ),
        )
    } else {
        (
            "Access delivered".to_owned(),
            format!("You now have access to {}. {ends}", names.package),
        )
    };
    // A grant on its way to a connected directory: the requestor is told once it is there
    // (jobs::connectors), not before.
    let on_its_way = starts_at <= now
        && !crate::store::connectors::undelivered_packages(
            tx,
            r.requestor,
            &[r.package.to_string()],
        )
        .await?
        .is_empty();
    let text = if on_its_way {
        "Access granted; being delivered to connected directories"
    } else {
        &text
    };
    let entry = store::Entry::new("delivered", text);
    store::set_delivered(
        tx,
        r.id,
        (r.state, r.stage_no),
        stage_no,
        assignment,
        entry,
        now,
    )
    .await?;
    if on_its_way {
        return Ok(RequestOutcome::Delivered(assignment));
    }
    notify_requestor(
        tx,
        r.id,
        r.requestor,
        NotificationKind::Delivered,
        format!("You now have access: {}", names.package),
        body,
        now,
    )
    .await?;
    Ok(RequestOutcome::Delivered(assignment))
}
