//! What a person sees of their own requests, approvals and access.

use super::*;

/// A request's state and timeline, for its requestor, one of its approvers, or someone with
/// a role in the package's catalog.
pub async fn timeline(
    ctx: &Ctx,
    actor: &Actor,
    id: RequestId,
) -> DomainResult<(RequestState, Vec<(DateTime<Utc>, String, String)>)> {
    let mut conn = ctx.read().await?;
    let r = store::get(&mut conn, id).await?;
    let catalog = packages::summary(&mut conn, r.package).await?.catalog_id;
    let allowed = r.requestor == actor.user_id || actor.can_read_catalog(catalog) || {
        let mut any = false;
        for no in 1..=r.stages.len() {
            any |= store::is_approver(&mut conn, id, u32::try_from(no).unwrap_or(0), actor.user_id)
                .await?;
        }
        any
    };
    require(allowed, "this request is not yours to see")?;
    Ok((r.state, store::events(&mut conn, id).await?))
}

/// What "Resubmit" pre-fills: the person's earlier request, once it is closed.
pub async fn resubmission(ctx: &Ctx, actor: &Actor, id: RequestId) -> DomainResult<Resubmission> {
    let mut conn = ctx.read().await?;
    let r = store::get(&mut conn, id).await?;
    require(
        r.requestor == actor.user_id,
        "only the requestor can resubmit their request",
    )?;
    Ok(Resubmission {
        package_id: r.package,
        policy_id: r.policy,
        justification: r.justification,
        answers: r.answers,
        period: r
            .period
            .map(|(start, end)| (start.date_naive(), end.date_naive())),
    })
}

/// How many requests or approvals [`my_requests`] and [`my_approvals`] give (the first page).
pub const LIST_LIMIT: u32 = 100;

/// The first [`LIST_LIMIT`] of the signed-in person's requests (see [`my_requests_page`]).
pub async fn my_requests(ctx: &Ctx, actor: &Actor) -> DomainResult<Vec<RequestSummary>> {
    Ok(
        my_requests_page(ctx, actor, PageRequest::new(1, LIST_LIMIT))
            .await?
            .items,
    )
}

/// A page of the signed-in person's requests, newest first, with their timelines and, for
/// delivered ones, whether a connected system still has to deliver them.
pub async fn my_requests_page(
    ctx: &Ctx,
    actor: &Actor,
    page: PageRequest,
) -> DomainResult<Page<RequestSummary>> {
    let mut conn = ctx.read().await?;
    let mut list = store::of_requestor(&mut conn, actor.user_id, page).await?;
    let delivered: Vec<String> = list
        .items
        .iter()
        .filter(|r| r.state == RequestState::Delivered)
        .map(|r| r.package_id.to_string())
        .collect();
    let waiting =
        crate::store::connectors::undelivered_packages(&mut conn, actor.user_id, &delivered)
            .await?;
    for r in &mut list.items {
        if r.state == RequestState::Delivered {
            r.delivery = waiting.get(&r.package_id.to_string()).copied();
        }
    }
    Ok(list)
}

/// What waits for the signed-in person's decision, and what they could decide before: the
/// first [`LIST_LIMIT`] of each.
pub async fn my_approvals(
    ctx: &Ctx,
    actor: &Actor,
) -> DomainResult<(Vec<ApprovalItem>, Vec<ApprovalItem>)> {
    let first = PageRequest::new(1, LIST_LIMIT);
    let pending = my_approvals_page(ctx, actor, ApprovalList::Pending, first).await?;
    let history = my_approvals_page(ctx, actor, ApprovalList::History, first).await?;
    Ok((pending.items.items, history.items.items))
}

/// One page of the signed-in person's approvals: those waiting for their decision (oldest
/// deadline first), or their history (newest request first); with how many wait in all.
pub async fn my_approvals_page(
    ctx: &Ctx,
    actor: &Actor,
    list: ApprovalList,
    page: PageRequest,
) -> DomainResult<ApprovalsPage> {
    let mut conn = ctx.read().await?;
    let (items, waiting) = match list {
        ApprovalList::Pending => {
            let items = store::pending_for(&mut conn, actor.user_id, page).await?;
            let waiting = items.total;
            (items, waiting)
        }
        ApprovalList::History => (
            store::history_for(&mut conn, actor.user_id, page).await?,
            store::approvals_count(&mut conn, actor.user_id, true).await?,
        ),
    };
    Ok(ApprovalsPage { items, waiting })
}

pub use crate::model::MyAccessTab;

/// How many cards a My Access tab shows; a search narrows the rest.
pub const CARDS_LIMIT: i64 = 100;

/// How many requestable packages the Available tab looks through to fill its cards (most of
/// them are usually in the person's scope; a search finds the rest).
pub const CANDIDATES_LIMIT: i64 = CARDS_LIMIT * 5;

/// The signed-in person's access packages: those they may request (hidden ones excluded),
/// those they hold, and those that ended. Search covers names and descriptions.
pub async fn my_access(
    ctx: &Ctx,
    actor: &Actor,
    tab: MyAccessTab,
    query: &str,
) -> DomainResult<Vec<MyAccessCard>> {
    use crate::rules::policies::in_scope;
    check_search(query)?;
    let pattern = crate::store::contains_pattern(query);
    let mut conn = ctx.read().await?;
    let mut cards = Vec::new();
    match tab {
        MyAccessTab::Available => {
            let my_groups = groups::group_ids_of(&mut conn, actor.user_id).await?;
            let subject = Subject {
                user: actor.user_id,
                is_guest: actor.is_guest(),
                groups: &my_groups,
            };
            let (held, open) = store::my_package_states(&mut conn, actor.user_id).await?;
            // Most packages a person can see are theirs to request, so the candidates are
            // read in rounds a little larger than a page, not all at once: each round's
            // policies are parsed and checked against the person before the next is read.
            let round = CARDS_LIMIT + CARDS_LIMIT / 2;
            let mut offset = 0;
            while (cards.len() as i64) < CARDS_LIMIT && offset < CANDIDATES_LIMIT {
                let candidates = store::requestable_candidates(
                    &mut conn,
                    actor.is_guest(),
                    &pattern,
                    round,
                    offset,
                )
                .await?;
                let last_round = (candidates.len() as i64) < round;
                offset += round;
                let ids: Vec<String> = candidates.iter().map(|c| c.0.clone()).collect();
                let specs = store::enabled_specs(&mut conn, &ids).await?;
                for (id, name, description) in candidates {
                    let eligible = specs
                        .get(&id)
                        .is_some_and(|list| list.iter().any(|spec| in_scope(spec, &subject)));
                    if !eligible {
                        continue;
                    }
                    let status = if held.contains(&id) {
                        CardStatus::Active
                    } else if open.contains(&id) {
                        CardStatus::Pending
                    } else {
                        CardStatus::Available
                    };
                    let package_id = AccessPackageId(crate::store::uuid(&id)?);
                    cards.push(MyAccessCard {
                        package_id,
                        name,
                        description,
                        grants: vec![],
                        status,
                        ends_at: None,
                        warnings: vec![],
                        extension: None,
                    });
                    if cards.len() as i64 >= CARDS_LIMIT {
                        break;
                    }
                }
                if last_round {
                    break;
                }
            }
        }
        MyAccessTab::Active | MyAccessTab::Expired => {
            let live = tab == MyAccessTab::Active;
            let rows = store::assignments_of(&mut conn, actor.user_id, live, &pattern, CARDS_LIMIT)
                .await?;
            let policy_ids: Vec<String> = rows.iter().filter_map(|r| r.5.clone()).collect();
            let specs = if live {
                store::policy_specs(&mut conn, &policy_ids).await?
            } else {
                Default::default()
            };
            for (id, name, description, ends_at, updated_at, policy) in rows {
                let extension = policy
                    .and_then(|p| specs.get(&p))
                    .filter(|_| ends_at.is_some())
                    .and_then(|spec| spec.extension);
                cards.push(MyAccessCard {
                    package_id: AccessPackageId(crate::store::uuid(&id)?),
                    name,
                    description,
                    grants: vec![],
                    status: if live {
                        CardStatus::Active
                    } else {
                        CardStatus::Expired
                    },
                    ends_at: if live {
                        ends_at.map(crate::store::from_ms).transpose()?
                    } else {
                        Some(crate::store::from_ms(updated_at)?)
                    },
                    warnings: vec![],
                    extension,
                });
            }
        }
    }
    let ids: Vec<String> = cards.iter().map(|c| c.package_id.to_string()).collect();
    let words = store::grants_in_words(&mut conn, &ids).await?;
    for c in &mut cards {
        c.grants = words
            .get(&c.package_id.to_string())
            .cloned()
            .unwrap_or_default();
    }
    if tab == MyAccessTab::Active && !cards.is_empty() {
        // A grant a connected system does not hold yet is named on its card.
        let waiting =
            crate::store::connectors::undelivered_packages(&mut conn, actor.user_id, &ids).await?;
        for c in &mut cards {
            match waiting.get(&c.package_id.to_string()) {
                Some(DeliveryState::PartiallyDelivered) => c.warnings.push(
                    "Partially delivered: part of this access is there, but a connected directory has not given you the rest yet. Your administrators see the failure, and it is tried again."
                        .into(),
                ),
                Some(DeliveryState::Failed) => c.warnings.push(
                    "Delivery failed: a connected directory has not given you this access yet. Your administrators see the failure, and it is tried again."
                        .into(),
                ),
                Some(_) => c.warnings.push(
                    "Delivering: this access is being added in a connected directory; it is usually there within a minute."
                        .into(),
                ),
                None => {}
            }
        }
        // A license beyond its seats (CountViolation) is named on the package that gives it.
        let waiting: Vec<_> = crate::store::licenses::of_user(&mut conn, actor.user_id)
            .await?
            .into_iter()
            .filter(|l| l.state == LicenseState::CountViolation)
            .collect();
        for c in &mut cards {
            for l in &waiting {
                let through = l.via_groups.iter().any(|g| {
                    c.grants
                        .iter()
                        .any(|words| words == &format!("Member of {g}"))
                });
                if through {
                    c.warnings.push(format!(
                        "{}: no seat is free yet (CountViolation). You are in the group; ask your administrator to free or add a seat.",
                        l.name
                    ));
                }
            }
        }
    }
    Ok(cards)
}
