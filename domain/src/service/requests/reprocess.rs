//! Sending a request's access to connected systems again (Graph's `reprocess`).

use super::*;

/// A package's assignment manager makes the failed deliveries of what a delivered request
/// gave its requestor due again now (a connected system was down, or the person was not in
/// it yet). Returns how many changes are due again; none failed is 0, not an error.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn reprocess_request(ctx: &Ctx, actor: &Actor, id: RequestId) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = store::get(&mut tx, id).await?;
    let summary = packages::summary(&mut tx, r.package).await?;
    require(
        actor.can_manage_assignments(summary.catalog_id),
        "only the package's assignment managers can send a request's access again",
    )?;
    if r.state != RequestState::Delivered {
        return Err(DomainError::Conflict(format!(
            "Only a delivered request's access is sent to connected systems; this one is {}.",
            r.state.label().to_lowercase()
        )));
    }
    let n = crate::store::connectors::reprocess_access(&mut tx, r.requestor, r.package).await?;
    if n > 0 {
        let event = NewEvent::new(
            now,
            Some(actor.user_id),
            "request.reprocessed",
            "request",
            id,
            format!(
                "{} sent {n} failed change(s) of {} for this request again",
                actor.email, summary.name
            ),
        )
        .after(json!({"package": summary.name, "count": n}));
        audit::record(&mut tx, event).await?;
    }
    commit(tx).await?;
    Ok(n)
}
