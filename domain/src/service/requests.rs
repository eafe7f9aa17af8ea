//! The request flow: submit, decide (first decision per stage wins), cancel, deliver.
//! Each use case is one transaction; the database's unique keys guarantee at most one open
//! request and one live assignment per person and package.

use super::{Ctx, check_search, commit, require};
use crate::model::*;
use crate::rules::policies::{Subject, applicable};
use crate::rules::requests::{
    ApproverSource, assignment_end, check_answers, resolve_approvers, stage_deadlines,
};
use crate::store::audit::{self, NewEvent};
use crate::store::requests::{self as store, NewRequest};
use crate::store::{Conn, groups, packages, users};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use serde_json::json;

/// How many members of an approver group are asked (one of them decides).
const MAX_GROUP_APPROVERS: i64 = 500;
pub const MAX_JUSTIFICATION_CHARS: usize = 2000;

/// What a person fills in to request an access package.
#[derive(Debug, Clone, Default)]
pub struct RequestForm {
    /// The policy to request under, when several apply.
    pub policy: Option<PolicyId>,
    pub justification: String,
    pub answers: Vec<String>,
}

/// Where a request stands after a use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestOutcome {
    /// Waiting for stage n of m.
    Pending {
        stage: u32,
        of: u32,
    },
    Delivered(AssignmentId),
    Denied(String),
    Canceled,
}

fn matches_pattern(pattern: &str, text: &str) -> bool {
    compile_pattern(pattern).is_ok_and(|re| re.is_match(text))
}

fn source_code(s: ApproverSource) -> &'static str {
    match s {
        ApproverSource::Manager => "manager",
        ApproverSource::Specific => "specific",
        ApproverSource::Fallback => "fallback",
    }
}

/// Starts stage `no` (1-based) or, when nobody can decide it, denies the request at once.
async fn start_stage(
    tx: &mut Conn,
    request: RequestId,
    requestor: UserId,
    stages: &[Stage],
    no: u32,
    now: DateTime<Utc>,
) -> DomainResult<RequestOutcome> {
    let stage = &stages[(no - 1) as usize];
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
        store::set_state(tx, request, "denied", no, &reason, now).await?;
        store::event(tx, request, "denied", None, &reason, now).await?;
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
    store::set_state(tx, request, "pendingApproval", no, "", now).await?;
    let of = stages.len();
    store::event(
        tx,
        request,
        "pending",
        None,
        &format!(
            "Pending approval, stage {no} of {of}: {} approver(s), decide by {}",
            approvers.len(),
            due.format("%Y-%m-%d %H:%M UTC")
        ),
        now,
    )
    .await?;
    Ok(RequestOutcome::Pending {
        stage: no,
        of: u32::try_from(of).unwrap_or(u32::MAX),
    })
}

fn stage_groups(stage: &Stage) -> Vec<GroupId> {
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

async fn deliver(
    tx: &mut Conn,
    request: RequestId,
    package: AccessPackageId,
    policy: Option<PolicyId>,
    user: UserId,
    stage_no: u32,
    now: DateTime<Utc>,
) -> DomainResult<RequestOutcome> {
    let expiry = match policy {
        Some(p) => packages::policy(tx, p)
            .await
            .map(|p| p.spec.expiry)
            .unwrap_or(Expiry::Never),
        None => Expiry::Never,
    };
    let Some(assignment) = store::deliver(
        tx,
        request,
        package,
        policy,
        user,
        assignment_end(expiry, now),
        now,
    )
    .await?
    else {
        return Err(DomainError::Conflict(
            "You already have this access package.".into(),
        ));
    };
    store::set_state(tx, request, "delivered", stage_no, "", now).await?;
    store::event(tx, request, "delivered", None, "Access delivered", now).await?;
    Ok(RequestOutcome::Delivered(assignment))
}

/// Submits a request for the signed-in person.
#[tracing::instrument(skip(ctx, actor, form), fields(actor = %actor.user_id))]
pub async fn submit_request(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    form: &RequestForm,
) -> DomainResult<(RequestId, RequestOutcome)> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = packages::summary(&mut tx, package).await?;
    let policies = packages::policies(&mut tx, package).await?;
    let my_groups = groups::group_ids_of(&mut tx, actor.user_id).await?;
    let subject = Subject {
        user: actor.user_id,
        is_guest: actor.is_guest(),
        groups: &my_groups,
    };
    let specs: Vec<(PolicyId, &PolicySpec)> = policies.iter().map(|p| (p.id, &p.spec)).collect();
    let eligible = applicable(&specs, &subject);
    require(
        !eligible.is_empty(),
        "you can't request this access package",
    )?;
    let policy_id = match form.policy {
        Some(p) if eligible.contains(&p) => p,
        Some(_) => {
            return Err(DomainError::invalid(
                "policy",
                "You can't request under this policy.",
            ));
        }
        None if eligible.len() == 1 => eligible[0],
        None => {
            return Err(DomainError::invalid(
                "policy",
                "Choose the policy to request under.",
            ));
        }
    };
    let Some(policy) = policies.iter().find(|p| p.id == policy_id) else {
        return Err(DomainError::NotFound("policy"));
    };
    let mut problems = check_answers(&policy.spec.questions, &form.answers, &matches_pattern);
    let justification = form.justification.trim();
    if policy.spec.requestor_justification && justification.is_empty() {
        problems.push(FieldError::new(
            "justification",
            "Business justification is required.",
        ));
    } else if justification.chars().count() > MAX_JUSTIFICATION_CHARS {
        problems.push(FieldError::new(
            "justification",
            format!("Business justification must be at most {MAX_JUSTIFICATION_CHARS} characters."),
        ));
    }
    if !problems.is_empty() {
        return Err(DomainError::Invalid(problems));
    }
    if store::holds_package(&mut tx, package, actor.user_id).await? {
        return Err(DomainError::Conflict(format!(
            "You already have {}.",
            summary.name
        )));
    }
    if let Some(held) = store::incompatibility_held(&mut tx, package, actor.user_id).await? {
        return Err(DomainError::Conflict(format!(
            "You can't request {} because you have {held}, which is incompatible with it.",
            summary.name
        )));
    }
    let id = RequestId::new();
    let stages = policy.spec.stages.clone().unwrap_or_default();
    let answers: Vec<String> = form.answers.iter().map(|a| a.trim().to_owned()).collect();
    let inserted = store::insert(
        &mut tx,
        &NewRequest {
            id,
            package,
            policy: policy_id,
            requestor: actor.user_id,
            justification,
            answers: &answers,
            stages: &stages,
            now,
        },
    )
    .await?;
    if !inserted {
        return Err(DomainError::Conflict(format!(
            "You already have a pending request for {}.",
            summary.name
        )));
    }
    store::event(
        &mut tx,
        id,
        "submitted",
        Some(actor.user_id),
        &format!("Requested by {}", actor.display_name),
        now,
    )
    .await?;
    let outcome = if stages.is_empty() {
        deliver(&mut tx, id, package, Some(policy_id), actor.user_id, 0, now).await?
    } else {
        start_stage(&mut tx, id, actor.user_id, &stages, 1, now).await?
    };
    audit::record(
        &mut tx,
        NewEvent::new(now, Some(actor.user_id), "request.submitted", "request", id, format!("{} requested {}", actor.email, summary.name))
            .after(json!({"package": summary.name, "policy": policy.name, "justification": justification, "outcome": format!("{outcome:?}")})),
    )
    .await?;
    commit(tx).await?;
    Ok((id, outcome))
}

/// Approves or denies the request's current stage. The first decision wins; a later one is
/// refused with who decided and when, and changes nothing.
#[tracing::instrument(skip(ctx, actor, justification), fields(actor = %actor.user_id))]
pub async fn decide(
    ctx: &Ctx,
    actor: &Actor,
    id: RequestId,
    approve: bool,
    justification: &str,
) -> DomainResult<RequestOutcome> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = store::get(&mut tx, id).await?;
    require(
        r.requestor != actor.user_id,
        "nobody decides their own request",
    )?;
    let stage_no = r.stage_no;
    require(
        stage_no > 0 && store::is_approver(&mut tx, id, stage_no, actor.user_id).await?,
        "you are not an approver of this request",
    )?;
    let earlier = || async {
        let mut conn = ctx.read().await?;
        let previous = store::stage_decision(&mut conn, id, stage_no).await?;
        Ok::<_, DomainError>(match previous {
            Some((decision, who, at)) => DomainError::Conflict(format!(
                "This request was already {decision} by {who} at {}.",
                at.format("%Y-%m-%d %H:%M UTC")
            )),
            None => {
                DomainError::Conflict("This request is no longer waiting for a decision.".into())
            }
        })
    };
    if r.state != "pendingApproval" {
        drop(tx);
        return Err(earlier().await?);
    }
    let stage = r
        .stages
        .get((stage_no - 1) as usize)
        .ok_or(DomainError::NotFound("stage"))?;
    let justification = justification.trim();
    if stage.require_justification && justification.is_empty() {
        return Err(DomainError::invalid(
            "justification",
            "Give a reason for your decision.",
        ));
    }
    if justification.chars().count() > MAX_JUSTIFICATION_CHARS {
        return Err(DomainError::invalid(
            "justification",
            format!("The reason must be at most {MAX_JUSTIFICATION_CHARS} characters."),
        ));
    }
    let decision = if approve { "approved" } else { "denied" };
    if !store::decide_stage(
        &mut tx,
        id,
        stage_no,
        decision,
        actor.user_id,
        justification,
        now,
    )
    .await?
    {
        drop(tx);
        return Err(earlier().await?);
    }
    store::event(
        &mut tx,
        id,
        decision,
        Some(actor.user_id),
        &format!(
            "Stage {stage_no} {decision} by {}{}",
            actor.display_name,
            if justification.is_empty() {
                String::new()
            } else {
                format!(": {justification}")
            }
        ),
        now,
    )
    .await?;
    let outcome = if !approve {
        let reason = format!("Denied by {}", actor.display_name);
        store::set_state(&mut tx, id, "denied", stage_no, &reason, now).await?;
        RequestOutcome::Denied(reason)
    } else if (stage_no as usize) < r.stages.len() {
        start_stage(&mut tx, id, r.requestor, &r.stages, stage_no + 1, now).await?
    } else {
        deliver(&mut tx, id, r.package, r.policy, r.requestor, stage_no, now).await?
    };
    audit::record(
        &mut tx,
        NewEvent::new(now, Some(actor.user_id), if approve { "request.approved" } else { "request.denied" }, "request", id, format!("{} {decision} stage {stage_no}", actor.email))
            .after(json!({"stage": stage_no, "decision": decision, "justification": justification, "outcome": format!("{outcome:?}")})),
    )
    .await?;
    commit(tx).await?;
    Ok(outcome)
}

/// The requestor withdraws a request while it waits for approval.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn cancel_request(ctx: &Ctx, actor: &Actor, id: RequestId) -> DomainResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = store::get(&mut tx, id).await?;
    require(
        r.requestor == actor.user_id,
        "only the requestor can cancel their request",
    )?;
    if r.state != "pendingApproval" {
        return Err(DomainError::Conflict(
            "Only a request waiting for approval can be canceled.".into(),
        ));
    }
    store::set_state(
        &mut tx,
        id,
        "canceled",
        r.stage_no,
        "Canceled by the requestor",
        now,
    )
    .await?;
    store::event(
        &mut tx,
        id,
        "canceled",
        Some(actor.user_id),
        "Canceled by the requestor",
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "request.canceled",
            "request",
            id,
            format!("{} canceled a request", actor.email),
        ),
    )
    .await?;
    commit(tx).await
}

/// A request's state and timeline, for its requestor or one of its approvers.
pub async fn timeline(
    ctx: &Ctx,
    actor: &Actor,
    id: RequestId,
) -> DomainResult<(String, Vec<(DateTime<Utc>, String, String)>)> {
    let mut conn = ctx.read().await?;
    let r = store::get(&mut conn, id).await?;
    let allowed = r.requestor == actor.user_id || actor.is_governance_admin() || {
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

/// How many requests and approvals a list shows (newest first).
pub const LIST_LIMIT: i64 = 100;

/// The signed-in person's requests with their timelines.
pub async fn my_requests(ctx: &Ctx, actor: &Actor) -> DomainResult<Vec<RequestSummary>> {
    store::of_requestor(&mut *ctx.read().await?, actor.user_id, LIST_LIMIT).await
}

/// What waits for the signed-in person's decision, and what they could decide before.
pub async fn my_approvals(
    ctx: &Ctx,
    actor: &Actor,
) -> DomainResult<(Vec<ApprovalItem>, Vec<ApprovalItem>)> {
    let mut conn = ctx.read().await?;
    let pending = store::pending_for(&mut conn, actor.user_id, LIST_LIMIT).await?;
    let history = store::history_for(&mut conn, actor.user_id, LIST_LIMIT).await?;
    Ok((pending, history))
}

/// The My Access tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MyAccessTab {
    Available,
    Active,
    Expired,
}

/// How many cards a My Access tab shows; a search narrows the rest.
pub const CARDS_LIMIT: i64 = 100;

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
            let candidates = store::requestable_candidates(
                &mut conn,
                actor.is_guest(),
                &pattern,
                CARDS_LIMIT * 5,
            )
            .await?;
            let ids: Vec<String> = candidates.iter().map(|c| c.0.clone()).collect();
            let specs = store::enabled_specs(&mut conn, &ids).await?;
            let (held, open) = store::my_package_states(&mut conn, actor.user_id).await?;
            for (id, name, description) in candidates {
                let eligible = specs
                    .get(&id)
                    .is_some_and(|list| list.iter().any(|spec| in_scope(spec, &subject)));
                if !eligible {
                    continue;
                }
                let status = if held.contains(&id) {
                    "Active"
                } else if open.contains(&id) {
                    "Request pending"
                } else {
                    "Available"
                };
                let package_id = AccessPackageId(crate::store::uuid(&id)?);
                cards.push(MyAccessCard {
                    package_id,
                    name,
                    description,
                    grants: vec![],
                    status: status.into(),
                    ends_at: None,
                });
                if cards.len() as i64 >= CARDS_LIMIT {
                    break;
                }
            }
        }
        MyAccessTab::Active | MyAccessTab::Expired => {
            let live = tab == MyAccessTab::Active;
            for (id, name, description, ends_at, updated_at) in
                store::assignments_of(&mut conn, actor.user_id, live, &pattern, CARDS_LIMIT).await?
            {
                cards.push(MyAccessCard {
                    package_id: AccessPackageId(crate::store::uuid(&id)?),
                    name,
                    description,
                    grants: vec![],
                    status: if live {
                        "Active".into()
                    } else {
                        "Expired".into()
                    },
                    ends_at: if live {
                        ends_at.map(crate::store::from_ms)
                    } else {
                        Some(crate::store::from_ms(updated_at))
                    },
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
    Ok(cards)
}

/// A package's assignments for admins: live ones (or ended ones), searchable, paged.
pub async fn package_assignments(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    live: bool,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<AssignmentView>> {
    let mut conn = ctx.read().await?;
    let summary = packages::summary(&mut conn, package).await?;
    require(
        actor.can_read_catalog(summary.catalog_id),
        "you have no role in this access package's catalog",
    )?;
    check_search(query)?;
    store::package_assignments(
        &mut conn,
        package,
        live,
        &crate::store::contains_pattern(query),
        page,
    )
    .await
}

/// An administrator removes someone's assignment: access ends now and every grant it gave is
/// withdrawn (membership from other grants stays).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_assignment(ctx: &Ctx, actor: &Actor, id: AssignmentId) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some((package, user)) = store::live_assignment(&mut tx, id).await? else {
        return Err(DomainError::Conflict(
            "This assignment has already ended.".into(),
        ));
    };
    let summary = packages::summary(&mut tx, package).await?;
    require(
        actor.can_manage_assignments(summary.catalog_id),
        "only the catalog's owners, access package managers and assignment managers can remove assignments",
    )?;
    let who = users::summary(&mut tx, user).await?;
    let revoked = store::end_assignment(&mut tx, id, "removed", now)
        .await?
        .ok_or_else(|| DomainError::Conflict("This assignment has already ended.".into()))?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "assignment.removed",
            "access_package",
            package,
            format!("Removed {} from {}", who.email, summary.name),
        )
        .before(json!({"assignment": id.to_string(), "user": who.email}))
        .after(json!({"grants_withdrawn": revoked})),
    )
    .await?;
    commit(tx).await?;
    Ok(revoked)
}
