//! Access reviews: reviewers decide in My Access, administrators follow progress and may
//! stop a review early; when a review ends its results are applied (see `jobs`).

use super::{Ctx, commit, require};
use crate::model::*;
use crate::rules::reviews::{ReviewDecision, keeps_access};
use crate::store::audit::{self, NewEvent};
use crate::store::notifications::{self, NewNotification};
use crate::store::reviews as store;
use crate::store::{lifecycle, packages, requests};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use serde_json::json;

/// How many reviews, and items per review, a page shows.
pub const REVIEWS_LIMIT: i64 = 50;
pub const ITEMS_LIMIT: i64 = 200;
pub use crate::model::limits::MAX_REVIEW_JUSTIFICATION_CHARS;

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The reviews the signed-in person takes part in, with the items they decide.
pub async fn my_reviews(ctx: &Ctx, actor: &Actor) -> DomainResult<Vec<ReviewCard>> {
    let mut conn = ctx.read().await?;
    let heads = store::active_for_reviewer(&mut conn, actor.user_id, REVIEWS_LIMIT).await?;
    let ids: Vec<String> = heads.iter().map(|h| h.id.to_string()).collect();
    let progress = store::my_progress(&mut conn, &ids, actor.user_id).await?;
    let mut cards = Vec::new();
    for h in heads {
        let items = store::items(&mut conn, h.id, Some(actor.user_id), ITEMS_LIMIT, 0).await?;
        let (decided, total) = progress.get(&h.id.to_string()).copied().unwrap_or_default();
        let helpers = h.settings.decision_helpers;
        cards.push(ReviewCard {
            id: h.id,
            package_id: h.package,
            package_name: h.package_name,
            starts_at: h.starts_at,
            ends_at: h.ends_at,
            require_justification: h.settings.require_justification,
            decision_helpers: helpers,
            items: items
                .into_iter()
                .map(|mut i| {
                    if !helpers {
                        i.recommendation = None;
                    }
                    i
                })
                .collect(),
            decided,
            total,
        });
    }
    Ok(cards)
}

async fn open_review(
    conn: &mut crate::store::Conn,
    review: ReviewId,
    now: DateTime<Utc>,
) -> DomainResult<store::ReviewHead> {
    let h = store::head(conn, review).await?;
    if h.state != ReviewState::Active || now >= h.ends_at {
        return Err(DomainError::Conflict(format!(
            "This review ended {}; decisions can no longer change.",
            when(h.ends_at)
        )));
    }
    Ok(h)
}

/// A reviewer approves, denies or says "Don't know" about one person's access. The last
/// decision counts, and it can change until the review ends.
#[tracing::instrument(skip(ctx, actor, justification), fields(actor = %actor.user_id))]
pub async fn decide_review(
    ctx: &Ctx,
    actor: &Actor,
    review: ReviewId,
    assignment: AssignmentId,
    decision: &str,
    justification: &str,
) -> DomainResult<()> {
    let now = ctx.clock.now();
    let Ok(choice) = ReviewDecision::parse(decision) else {
        return Err(DomainError::invalid(
            "decision",
            "Choose Approve, Deny or Don't know.",
        ));
    };
    let mut tx = ctx.db.begin().await?;
    require(
        store::is_reviewer(&mut tx, review, Some(assignment), actor.user_id).await?,
        "you don't review this person's access",
    )?;
    let h = open_review(&mut tx, review, now).await?;
    let justification = justification.trim();
    if h.settings.require_justification && justification.is_empty() {
        return Err(DomainError::invalid(
            "justification",
            "Give a reason for your decision.",
        ));
    }
    if justification.chars().count() > MAX_REVIEW_JUSTIFICATION_CHARS {
        return Err(DomainError::invalid(
            "justification",
            format!("The reason must be at most {MAX_REVIEW_JUSTIFICATION_CHARS} characters."),
        ));
    }
    if !store::decide(
        &mut tx,
        review,
        assignment,
        choice,
        justification,
        actor.user_id,
        now,
    )
    .await?
    {
        return Err(DomainError::Conflict(
            "This review's result was already applied.".into(),
        ));
    }
    let person = store::item_person(&mut tx, review, assignment).await?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "review.decided",
            "access_review",
            review,
            format!("{} decided {} on the access of {person} in the review of {}", actor.email, choice.label(), h.package_name),
        )
        .after(json!({"assignment": assignment.to_string(), "user": person, "decision": choice.code(), "justification": justification})),
    )
    .await?;
    commit(tx).await
}

/// The reviewer's undecided items take the decision helper's recommendation.
pub async fn accept_recommendations(
    ctx: &Ctx,
    actor: &Actor,
    review: ReviewId,
) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    require(
        store::is_reviewer(&mut tx, review, None, actor.user_id).await?,
        "you don't review anything in this review",
    )?;
    let h = open_review(&mut tx, review, now).await?;
    require(
        h.settings.decision_helpers,
        "this review has no recommendations",
    )?;
    let n = store::accept_recommendations(
        &mut tx,
        review,
        actor.user_id,
        "Accepted the recommendation",
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "review.recommendations_accepted",
            "access_review",
            review,
            format!(
                "{} accepted {n} recommendation(s) in the review of {}",
                actor.email, h.package_name
            ),
        ),
    )
    .await?;
    commit(tx).await?;
    Ok(n)
}

/// A package's reviews with their progress, for whoever may read its catalog.
pub async fn package_reviews(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
) -> DomainResult<Vec<ReviewInstance>> {
    let mut conn = ctx.read().await?;
    let catalog = packages::summary(&mut conn, package).await?.catalog_id;
    require(
        actor.can_read_catalog(catalog),
        "only the catalog's administrators can see its reviews",
    )?;
    store::of_package(&mut conn, package, REVIEWS_LIMIT).await
}

/// Refused unless the actor may read the review's catalog.
async fn require_review_reader(
    conn: &mut crate::store::Conn,
    actor: &Actor,
    review: ReviewId,
) -> DomainResult<()> {
    let h = store::head(conn, review).await?;
    let catalog = packages::summary(conn, h.package).await?.catalog_id;
    require(
        actor.can_read_catalog(catalog),
        "only the catalog's administrators can see its reviews",
    )
}

/// Every decision of one review, for whoever may read its catalog.
pub async fn review_items(
    ctx: &Ctx,
    actor: &Actor,
    review: ReviewId,
) -> DomainResult<Vec<ReviewItemView>> {
    let mut conn = ctx.read().await?;
    require_review_reader(&mut conn, actor, review).await?;
    store::items(&mut conn, review, None, ITEMS_LIMIT, 0).await
}

/// One page of a review's decisions, every reviewer's (the API pages through all of them).
pub async fn review_items_page(
    ctx: &Ctx,
    actor: &Actor,
    review: ReviewId,
    page: PageRequest,
) -> DomainResult<Page<ReviewItemView>> {
    let mut conn = ctx.read().await?;
    require_review_reader(&mut conn, actor, review).await?;
    let total = store::item_count(&mut conn, review).await?;
    let items = store::items(&mut conn, review, None, page.limit(), page.offset()).await?;
    Ok(Page::of(items, total, page))
}

/// An administrator ends a review now; its results are applied at once.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn stop_review(
    ctx: &Ctx,
    actor: &Actor,
    review: ReviewId,
) -> DomainResult<ReviewOutcome> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let h = store::head(&mut tx, review).await?;
    let catalog = packages::summary(&mut tx, h.package).await?.catalog_id;
    require(
        actor.can_manage_assignments(catalog),
        "only the catalog's owners, access package managers and assignment managers can stop a review",
    )?;
    if !store::stop(&mut tx, review, actor.user_id, now).await? {
        return Err(DomainError::Conflict(
            "This review has already ended.".into(),
        ));
    }
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "review.stopped",
            "access_review",
            review,
            format!("{} stopped the review of {}", actor.email, h.package_name),
        ),
    )
    .await?;
    commit(tx).await?;
    apply_results(ctx, review, now).await
}

/// What applying a review's results did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewOutcome {
    pub kept: u64,
    pub removed: u64,
    pub completed: bool,
}

/// How many items one transaction applies.
const APPLY_BATCH: i64 = 200;

/// Applies an ended review's results: denied access (and, per "If reviewers don't respond",
/// undecided access) is removed with its grants; the rest is kept. Each item is applied once
/// (guarded by its result); the review is completed when every item has its result.
pub async fn apply_results(
    ctx: &Ctx,
    review: ReviewId,
    now: DateTime<Utc>,
) -> DomainResult<ReviewOutcome> {
    let mut outcome = ReviewOutcome::default();
    let h = store::head(&mut *ctx.read().await?, review).await?;
    loop {
        let mut tx = ctx.db.begin().await?;
        let items = store::unapplied(&mut tx, review, APPLY_BATCH).await?;
        if items.is_empty() {
            outcome.completed = store::complete(&mut tx, review, now).await?;
            if outcome.completed {
                audit::record(
                    &mut tx,
                    NewEvent::new(
                        now,
                        None,
                        "review.completed",
                        "access_review",
                        review,
                        format!("The review of {} ended; results applied", h.package_name),
                    ),
                )
                .await?;
                crate::store::webhooks::emit(
                    &mut tx,
                    WebhookEvent::ReviewCompleted,
                    &[review.to_string()],
                    None,
                    now,
                )
                .await?;
            }
            commit(tx).await?;
            return Ok(outcome);
        }
        // Fail closed: a stored decision or recommendation that can't be read fails the
        // batch's query (it is retried next tick and reported), it never means "approve".
        let (kept, removed): (Vec<_>, Vec<_>) =
            items
                .into_iter()
                .partition(|(_, _, decision, recommendation)| {
                    keeps_access(*decision, *recommendation, h.settings.if_no_response)
                });
        let ids = |list: &[(AssignmentId, UserId, Option<ReviewDecision>, ReviewDecision)]| {
            list.iter().map(|i| i.0).collect::<Vec<_>>()
        };
        outcome.kept += store::set_results(&mut tx, review, &ids(&kept), ReviewResult::Kept, now)
            .await?
            .len() as u64;
        let set =
            store::set_results(&mut tx, review, &ids(&removed), ReviewResult::Removed, now).await?;
        let removed: Vec<_> = removed.into_iter().filter(|i| set.contains(&i.0)).collect();
        let revoked =
            requests::end_assignments(&mut tx, &ids(&removed), AssignmentState::Removed, now)
                .await?;
        let ended: Vec<_> = removed
            .iter()
            .filter_map(|i| revoked.get(&i.0).map(|r| (i, *r)))
            .collect();
        outcome.removed += ended.len() as u64;
        let (_, emails) = lifecycle::names_of(
            &mut tx,
            &Default::default(),
            &ended.iter().map(|(i, _)| i.1).collect(),
        )
        .await?;
        let why_of = |decision: Option<ReviewDecision>| match decision {
            Some(ReviewDecision::Deny) => "a reviewer denied it".to_owned(),
            _ => format!(
                "nobody approved it and the policy says \"{}\"",
                h.settings.if_no_response.label()
            ),
        };
        let title = format!("Access has ended: {}", h.package_name);
        let texts: Vec<(String, String, String)> = ended
            .iter()
            .map(|((assignment, _, decision, _), _)| {
                let why = why_of(*decision);
                let body = format!(
                    "Your access to {} was removed after an access review: {why}.",
                    h.package_name
                );
                (why, body, format!("assignment:{assignment}:ended"))
            })
            .collect();
        let notes: Vec<NewNotification> = ended
            .iter()
            .zip(&texts)
            .map(|(((_, user, _, _), _), (_, body, event))| NewNotification {
                user: *user,
                kind: NotificationKind::AccessEnded,
                title: &title,
                body,
                link: Link::ExpiredAccess,
                event,
            })
            .collect();
        notifications::notify_all(&mut tx, &notes, now).await?;
        // Audit events are written after the batch's changes, so this transaction takes the
        // audit chain's lock last, as every use case does (no lock-order deadlock on Postgres).
        let events = ended
            .iter()
            .zip(&texts)
            .map(|(((assignment, user, _, _), revoked), (why, _, _))| {
                // names_of returns every person asked for, or an error naming who is missing.
                let email = emails.get(user).ok_or(DomainError::NotFound("user"))?;
                Ok(NewEvent::new(
                    now,
                    None,
                    "assignment.removed_by_review",
                    "access_package",
                    h.package,
                    format!("Access of {email} to {} removed by the access review ({why})", h.package_name),
                )
                .before(json!({"assignment": assignment.to_string(), "user": email, "review": review.to_string()}))
                .after(json!({"state": "removed", "grants_withdrawn": revoked})))
            })
            .collect::<DomainResult<Vec<_>>>()?;
        audit::record_all(&mut tx, events).await?;
        commit(tx).await?;
    }
}
