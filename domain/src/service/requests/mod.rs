//! The request flow: submit, decide (first decision per stage wins), cancel, deliver.
//! Each use case is one transaction; the database's unique keys guarantee at most one open
//! request and one live assignment per person and package.

use super::{Ctx, check_search, commit, require};
use crate::model::*;
use crate::rules::policies::{Subject, applicable};
use crate::rules::requests::{
    ApproverSource, Lifecycle, Step, assignment_end, check_answers, check_period,
    resolve_approvers, stage_deadlines,
};
use crate::store::audit::{self, NewEvent};
use crate::store::notifications::{self, NewNotification};
use crate::store::requests::{self as store, NewRequest};
use crate::store::{Conn, groups, packages, users};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use serde_json::json;

/// How many members of an approver group are asked (one of them decides).
const MAX_GROUP_APPROVERS: i64 = 500;
pub const MAX_JUSTIFICATION_CHARS: usize = 2000;

/// What a person fills in to request an access package. Dates are kept as typed
/// (YYYY-MM-DD) so a wrong one is reported against its field.
#[derive(Debug, Clone, Default)]
pub struct RequestForm {
    /// The policy to request under, when several apply.
    pub policy: Option<PolicyId>,
    pub justification: String,
    pub answers: Vec<String>,
    /// "Request for specific period?" answered Yes.
    pub specific_period: bool,
    pub start: String,
    pub end: String,
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

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Reads a requested period: both dates as YYYY-MM-DD, inside what the policy grants.
/// Access asked from today starts now; a later start begins at 00:00 UTC that day.
fn requested_period(
    specific: bool,
    start: &str,
    end: &str,
    expiry: Expiry,
    now: DateTime<Utc>,
    problems: &mut Vec<FieldError>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if !specific {
        return None;
    }
    let date = |field: &str, text: &str, problems: &mut Vec<FieldError>| {
        let text = text.trim();
        if text.is_empty() {
            problems.push(FieldError::new(field, format!("Enter the {field} date.")));
            return None;
        }
        let parsed = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d");
        if parsed.is_err() {
            problems.push(FieldError::new(
                field,
                format!("The {field} date must look like 2026-12-31."),
            ));
        }
        parsed.ok()
    };
    let (start, end) = (date("start", start, problems), date("end", end, problems));
    let (start, end) = (start?, end?);
    let today = now.date_naive();
    if let Err(e) = check_period(expiry, today, start, end) {
        problems.push(e);
        return None;
    }
    let midnight = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let starts = if start == today {
        Some(now)
    } else {
        midnight(start)
    };
    Some((starts?, midnight(end)?))
}

/// Names the notifications of one request use.
struct Names<'a> {
    package: &'a str,
    requestor: &'a str,
}

async fn notify_requestor(
    tx: &mut Conn,
    request: RequestId,
    requestor: UserId,
    kind: &str,
    title: String,
    body: String,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let link = if kind == "delivered" {
        "/myaccess?tab=active".to_owned()
    } else {
        "/myaccess/requests".to_owned()
    };
    notifications::notify(
        tx,
        &NewNotification {
            user: requestor,
            kind,
            title: &title,
            body: &body,
            link: &link,
            event: &format!("request:{request}:{kind}"),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Starts stage `no` (1-based) or, when nobody can decide it, denies the request at once.
/// Everyone who may decide it is notified.
async fn start_stage(
    tx: &mut Conn,
    request: RequestId,
    requestor: UserId,
    stages: &[Stage],
    no: u32,
    names: &Names<'_>,
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
        notify_requestor(
            tx,
            request,
            requestor,
            "denied",
            format!("Request denied: {}", names.package),
            reason.clone(),
            now,
        )
        .await?;
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
            when(due)
        ),
        now,
    )
    .await?;
    let title = format!("Approval required: {}", names.package);
    let body = format!(
        "{} requests {}. Approve or deny by {}.",
        names.requestor,
        names.package,
        when(due)
    );
    for approver in &approvers {
        notifications::notify(
            tx,
            &NewNotification {
                user: *approver,
                kind: "approvalRequired",
                title: &title,
                body: &body,
                link: "/myaccess/approvals",
                event: &format!("request:{request}:stage{no}"),
            },
            now,
        )
        .await?;
    }
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

/// Creates the assignment (with its grants, unless it starts later) and tells the person;
/// for an approved extension, moves the live assignment's end instead.
async fn deliver(
    tx: &mut Conn,
    r: &store::RequestRow,
    stage_no: u32,
    names: &Names<'_>,
    now: DateTime<Utc>,
) -> DomainResult<RequestOutcome> {
    if r.kind == "userExtend" {
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
        request: r.id,
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
    store::set_state(tx, r.id, "delivered", stage_no, "", now).await?;
    store::event(tx, r.id, "delivered", None, &text, now).await?;
    notify_requestor(
        tx,
        r.id,
        r.requestor,
        "delivered",
        format!("You now have access: {}", names.package),
        body,
        now,
    )
    .await?;
    Ok(RequestOutcome::Delivered(assignment))
}

/// What is wrong with a requestor's business justification (trimmed), if anything: missing
/// where the policy requires one, or too long.
fn business_justification_problem(required: bool, justification: &str) -> Option<FieldError> {
    if required && justification.is_empty() {
        Some(FieldError::new(
            "justification",
            "Business justification is required.",
        ))
    } else if justification.chars().count() > MAX_JUSTIFICATION_CHARS {
        Some(FieldError::new(
            "justification",
            format!("Business justification must be at most {MAX_JUSTIFICATION_CHARS} characters."),
        ))
    } else {
        None
    }
}

/// The end an extension asked now would give: a fresh term under the policy's expiry.
/// Refused when the policy doesn't allow extensions, the access never ends, or the policy
/// cannot make it last longer than it already does.
fn extended_end(
    spec: &PolicySpec,
    current: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DomainResult<DateTime<Utc>> {
    if spec.extension.is_none() {
        return Err(DomainError::Conflict(
            "This access can't be extended; request it again once it ends.".into(),
        ));
    }
    let Some(current) = current else {
        return Err(DomainError::Conflict("This access never ends.".into()));
    };
    match assignment_end(spec.expiry, now) {
        Some(end) if end > current => Ok(end),
        _ => Err(DomainError::Conflict(format!(
            "Your access already lasts until {}, as long as the policy allows.",
            when(current)
        ))),
    }
}

async fn extend_assignment(
    tx: &mut Conn,
    r: &store::RequestRow,
    stage_no: u32,
    names: &Names<'_>,
    now: DateTime<Utc>,
) -> DomainResult<RequestOutcome> {
    let ended = || {
        DomainError::Conflict(format!(
            "{}'s access to {} ended before the extension was approved; it must be requested again.",
            names.requestor, names.package
        ))
    };
    let (assignment, policy, current) = store::live_of(tx, r.package, r.requestor)
        .await?
        .ok_or_else(ended)?;
    let spec = match policy.or(r.policy) {
        Some(p) => packages::policy(tx, p).await?.spec,
        None => return Err(ended()),
    };
    let end = extended_end(&spec, current, now)?;
    if !store::extend(tx, assignment, end, now).await? {
        return Err(ended());
    }
    store::set_state(tx, r.id, "delivered", stage_no, "", now).await?;
    store::event(
        tx,
        r.id,
        "delivered",
        None,
        &format!("Access extended until {}", when(end)),
        now,
    )
    .await?;
    notify_requestor(
        tx,
        r.id,
        r.requestor,
        "delivered",
        format!("Access extended: {}", names.package),
        format!("Your access to {} now ends {}.", names.package, when(end)),
        now,
    )
    .await?;
    Ok(RequestOutcome::Delivered(assignment))
}

/// The signed-in person extends their access to a package before it ends: at once, or
/// through the policy's approval stages when it asks for approval. They must still be in the
/// policy's scope, and the new end never passes what the policy grants.
#[tracing::instrument(skip(ctx, actor, justification), fields(actor = %actor.user_id))]
pub async fn extend_access(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    justification: &str,
) -> DomainResult<(RequestId, RequestOutcome)> {
    use crate::rules::policies::in_scope;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let name = packages::summary(&mut tx, package).await?.name;
    require_catalog_enabled(&mut tx, package, &name).await?;
    let Some((assignment, Some(policy_id), current)) =
        store::live_of(&mut tx, package, actor.user_id).await?
    else {
        return Err(DomainError::Conflict(format!(
            "You have no active access to {name} to extend."
        )));
    };
    let policy = packages::policy(&mut tx, policy_id).await?;
    let end = extended_end(&policy.spec, current, now)?;
    let my_groups = groups::group_ids_of(&mut tx, actor.user_id).await?;
    let subject = Subject {
        user: actor.user_id,
        is_guest: actor.is_guest(),
        groups: &my_groups,
    };
    if !in_scope(&policy.spec, &subject) {
        return Err(DomainError::Conflict(format!(
            "You can't extend {name}: you are no longer among the people its policy is for."
        )));
    }
    let justification = justification.trim();
    if let Some(problem) =
        business_justification_problem(policy.spec.requestor_justification, justification)
    {
        return Err(DomainError::Invalid(vec![problem]));
    }
    let stages = if policy.spec.extension == Some(true) {
        policy.spec.stages.clone().unwrap_or_default()
    } else {
        vec![]
    };
    let id = RequestId::new();
    let new = NewRequest {
        id,
        package,
        policy: policy_id,
        requestor: actor.user_id,
        kind: "userExtend",
        created_by: actor.user_id,
        justification,
        answers: &[],
        stages: &stages,
        period: Some((now, end)),
        now,
    };
    if !store::insert(&mut tx, &new).await? {
        return Err(DomainError::Conflict(format!(
            "You already have a pending request for {name}."
        )));
    }
    store::event(
        &mut tx,
        id,
        "submitted",
        Some(actor.user_id),
        &format!(
            "Extension requested by {} until {}",
            actor.display_name,
            when(end)
        ),
        now,
    )
    .await?;
    let names = Names {
        package: &name,
        requestor: &actor.display_name,
    };
    let outcome = if stages.is_empty() {
        deliver(&mut tx, &new.row(), 0, &names, now).await?
    } else {
        start_stage(&mut tx, id, actor.user_id, &stages, 1, &names, now).await?
    };
    audit::record(
        &mut tx,
        NewEvent::new(now, Some(actor.user_id), "assignment.extension_requested", "access_package", package, format!("{} asked to extend {name}", actor.email))
            .before(json!({"assignment": assignment.to_string(), "ends_at": current.map(|c| c.to_rfc3339())}))
            .after(json!({"request": id.to_string(), "ends_at": end.to_rfc3339(), "justification": justification, "outcome": format!("{outcome:?}")})),
    )
    .await?;
    commit(tx).await?;
    Ok((id, outcome))
}

/// Nothing in a disabled catalog can be requested or extended (a link still opens it).
async fn require_catalog_enabled(
    conn: &mut Conn,
    package: AccessPackageId,
    name: &str,
) -> DomainResult<()> {
    let (catalog, enabled) = crate::store::catalogs::of_package(conn, package).await?;
    if enabled {
        Ok(())
    } else {
        Err(DomainError::Conflict(catalog_disabled_reason(
            name, &catalog,
        )))
    }
}

pub(crate) fn catalog_disabled_reason(package: &str, catalog: &str) -> String {
    format!("{package} can't be requested now: its catalog {catalog} is disabled.")
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
    require_catalog_enabled(&mut tx, package, &summary.name).await?;
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
    problems.extend(business_justification_problem(
        policy.spec.requestor_justification,
        justification,
    ));
    if form.specific_period && !policy.spec.custom_timeline {
        problems.push(FieldError::new(
            "specific_period",
            "This policy doesn't let requestors choose a period.",
        ));
    }
    let period = requested_period(
        form.specific_period && policy.spec.custom_timeline,
        &form.start,
        &form.end,
        policy.spec.expiry,
        now,
        &mut problems,
    );
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
    let new = NewRequest {
        id,
        package,
        policy: policy_id,
        requestor: actor.user_id,
        kind: "userAdd",
        created_by: actor.user_id,
        justification,
        answers: &answers,
        stages: &stages,
        period,
        now,
    };
    if !store::insert(&mut tx, &new).await? {
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
        &match period {
            Some((start, end)) => format!(
                "Requested by {} for {} to {}",
                actor.display_name,
                start.format("%Y-%m-%d"),
                end.format("%Y-%m-%d")
            ),
            None => format!("Requested by {}", actor.display_name),
        },
        now,
    )
    .await?;
    let names = Names {
        package: &summary.name,
        requestor: &actor.display_name,
    };
    let outcome = if stages.is_empty() {
        deliver(&mut tx, &new.row(), 0, &names, now).await?
    } else {
        start_stage(&mut tx, id, actor.user_id, &stages, 1, &names, now).await?
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
            Some((decision, _, at)) if decision == "expired" => DomainError::Conflict(format!(
                "This request expired at {}: no approver decided it in time.",
                when(at)
            )),
            Some((decision, who, at)) => DomainError::Conflict(format!(
                "This request was already {decision} by {who} at {}.",
                when(at)
            )),
            None => {
                DomainError::Conflict("This request is no longer waiting for a decision.".into())
            }
        })
    };
    let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
    let next = Lifecycle::of(&r.state, stage_no, of).and_then(|s| {
        s.after(if approve { Step::Approve } else { Step::Deny })
            .ok()
    });
    let Some(next) = next else {
        drop(tx);
        return Err(earlier().await?);
    };
    let stage = r
        .stages
        .get((stage_no - 1) as usize)
        .ok_or(DomainError::NotFound("stage"))?;
    // Past the deadline the request is expiring (the deadline job closes it): no decision.
    if let Some(due) = crate::store::lifecycle::stage_due(&mut tx, id, stage_no).await?
        && now >= due
    {
        return Err(DomainError::Conflict(format!(
            "The decision window closed at {}: this request expires without a decision.",
            when(due)
        )));
    }
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
    let package_name = packages::summary(&mut tx, r.package).await?.name;
    let requestor_name = users::summary(&mut tx, r.requestor).await?.display_name;
    let names = Names {
        package: &package_name,
        requestor: &requestor_name,
    };
    let said = if justification.is_empty() {
        String::new()
    } else {
        format!(": {justification}")
    };
    let outcome = if next == Lifecycle::Denied {
        let reason = format!("Denied by {}{said}", actor.display_name);
        store::set_state(&mut tx, id, "denied", stage_no, &reason, now).await?;
        notify_requestor(
            &mut tx,
            id,
            r.requestor,
            "denied",
            format!("Request denied: {package_name}"),
            format!(
                "{} denied your request for {package_name}{said}",
                actor.display_name
            ),
            now,
        )
        .await?;
        RequestOutcome::Denied(reason)
    } else if let Lifecycle::PendingApproval { stage, .. } = next {
        start_stage(&mut tx, id, r.requestor, &r.stages, stage, &names, now).await?
    } else {
        notify_requestor(
            &mut tx,
            id,
            r.requestor,
            "approved",
            format!("Request approved: {package_name}"),
            format!(
                "{} approved your request for {package_name}{said}",
                actor.display_name
            ),
            now,
        )
        .await?;
        deliver(&mut tx, &r, stage_no, &names, now).await?
    };
    audit::record(
        &mut tx,
        NewEvent::new(now, Some(actor.user_id), if approve { "request.approved" } else { "request.denied" }, "request", id, format!("{} {decision} stage {stage_no} of the request of {requestor_name} for {package_name}", actor.email))
            .after(json!({"package": package_name, "stage": stage_no, "decision": decision, "justification": justification, "outcome": format!("{outcome:?}")})),
    )
    .await?;
    commit(tx).await?;
    Ok(outcome)
}

/// The requestor withdraws a request while it waits for approval; the package's assignment
/// managers may cancel any request not yet delivered (the requestor is told).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn cancel_request(ctx: &Ctx, actor: &Actor, id: RequestId) -> DomainResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = store::get(&mut tx, id).await?;
    let summary = packages::summary(&mut tx, r.package).await?;
    let own = r.requestor == actor.user_id;
    require(
        own || actor.can_manage_assignments(summary.catalog_id),
        "only the requestor or the package's assignment managers can cancel a request",
    )?;
    let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
    let state = Lifecycle::of(&r.state, r.stage_no, of).ok_or_else(|| {
        DomainError::Internal(format!("unknown request state {}", r.state).into())
    })?;
    if state.after(Step::Cancel).is_err() {
        return Err(DomainError::Conflict(format!(
            "Only a request waiting for approval can be canceled; this one is {}.",
            request_state_label(&r.state).to_lowercase()
        )));
    }
    let text = if own {
        "Canceled by the requestor".to_owned()
    } else {
        format!("Canceled by {} (administrator)", actor.display_name)
    };
    store::set_state(&mut tx, id, "canceled", r.stage_no, &text, now).await?;
    store::event(&mut tx, id, "canceled", Some(actor.user_id), &text, now).await?;
    if !own {
        notify_requestor(
            &mut tx,
            id,
            r.requestor,
            "canceled",
            format!("Request canceled: {}", summary.name),
            format!(
                "{} canceled your request for {}.",
                actor.display_name, summary.name
            ),
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "request.canceled",
            "request",
            id,
            format!("{} canceled a request for {}", actor.email, summary.name),
        )
        .before(json!({"state": r.state, "stage": r.stage_no})),
    )
    .await?;
    commit(tx).await
}

/// A request's state and timeline, for its requestor, one of its approvers, or someone with
/// a role in the package's catalog.
pub async fn timeline(
    ctx: &Ctx,
    actor: &Actor,
    id: RequestId,
) -> DomainResult<(String, Vec<(DateTime<Utc>, String, String)>)> {
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

/// The admin lists of a package (requests, assignments, their CSV) are for people with a
/// role in its catalog; their search text is bounded.
async fn check_package_read(
    conn: &mut Conn,
    actor: &Actor,
    package: AccessPackageId,
    query: &str,
) -> DomainResult<()> {
    let summary = packages::summary(conn, package).await?;
    require(
        actor.can_read_catalog(summary.catalog_id),
        "you have no role in this access package's catalog",
    )?;
    check_search(query)
}

/// The request states an admin filter names.
pub fn request_states(filter: &str) -> DomainResult<&'static [&'static str]> {
    Ok(match filter {
        "" | "all" => &[],
        "pending" => &["submitted", "pendingApproval"],
        "delivered" => &["delivered"],
        "denied" => &["denied"],
        "canceled" => &["canceled"],
        "expired" => &["expired"],
        _ => {
            return Err(DomainError::invalid(
                "state",
                "Choose All, Pending approval, Delivered, Denied, Canceled or Expired.",
            ));
        }
    })
}

/// A package's requests for admins, newest first, filtered by state and requestor.
pub async fn package_requests(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    state: &str,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<PackageRequestView>> {
    let mut conn = ctx.read().await?;
    check_package_read(&mut conn, actor, package, query).await?;
    let states = request_states(state)?;
    store::package_requests(
        &mut conn,
        package,
        states,
        &crate::store::contains_pattern(query),
        page,
    )
    .await
}

/// How many people one direct assignment may name.
pub const MAX_DIRECT_ASSIGNEES: usize = 50;

/// An administrator's direct assignment: who, under which policy, until when, and why.
#[derive(Debug, Clone, Default)]
pub struct AssignForm {
    pub users: Vec<UserId>,
    pub policy: Option<PolicyId>,
    pub justification: String,
    pub specific_period: bool,
    pub start: String,
    pub end: String,
}

/// Assigns the package to each person directly (no approval): one transaction, all or
/// nothing. Each person must be inside the policy's scope (any person for a policy of
/// direct assignments only), not already hold the package, and hold nothing incompatible
/// with it; every refusal is reported against that person. A pending request of theirs for
/// the package is canceled, since the access is now given.
#[tracing::instrument(skip(ctx, actor, form), fields(actor = %actor.user_id))]
pub async fn assign_directly(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    form: &AssignForm,
) -> DomainResult<Vec<AssignmentId>> {
    use crate::rules::policies::in_scope;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = packages::summary(&mut tx, package).await?;
    require(
        actor.can_manage_assignments(summary.catalog_id),
        "only the catalog's owners, access package managers and assignment managers can assign access",
    )?;
    let mut problems = Vec::new();
    let policies = packages::policies(&mut tx, package).await?;
    let policy = match form.policy {
        None => {
            problems.push(FieldError::new("policy", "Choose a policy."));
            None
        }
        Some(p) => {
            let found = policies.iter().find(|x| x.id == p);
            if found.is_none() {
                problems.push(FieldError::new(
                    "policy",
                    "This policy isn't one of the package's policies.",
                ));
            }
            found
        }
    };
    let mut users_seen = form.users.clone();
    users_seen.sort();
    users_seen.dedup();
    if form.users.is_empty() {
        problems.push(FieldError::new("users", "Choose at least one person."));
    } else if form.users.len() > MAX_DIRECT_ASSIGNEES {
        problems.push(FieldError::new(
            "users",
            format!("Assign at most {MAX_DIRECT_ASSIGNEES} people at a time."),
        ));
    } else if users_seen.len() != form.users.len() {
        problems.push(FieldError::new("users", "Each person may be chosen once."));
    }
    let justification = form.justification.trim();
    if justification.chars().count() > MAX_JUSTIFICATION_CHARS {
        problems.push(FieldError::new(
            "justification",
            format!("The justification must be at most {MAX_JUSTIFICATION_CHARS} characters."),
        ));
    }
    let expiry = policy.map_or(Expiry::Never, |p| p.spec.expiry);
    let period = requested_period(
        form.specific_period,
        &form.start,
        &form.end,
        expiry,
        now,
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(DomainError::Invalid(problems));
    }
    let Some(policy) = policy else {
        return Err(DomainError::NotFound("policy"));
    };
    let mut people = Vec::with_capacity(form.users.len());
    for (i, user) in form.users.iter().enumerate() {
        let field = format!("users.{i}");
        let who = match users::summary(&mut tx, *user).await {
            Ok(who) => who,
            Err(DomainError::NotFound(_)) => {
                problems.push(FieldError::new(&field, "This person no longer exists."));
                continue;
            }
            Err(e) => return Err(e),
        };
        let their_groups = groups::group_ids_of(&mut tx, *user).await?;
        let subject = Subject {
            user: *user,
            is_guest: who.user_type == UserType::Guest,
            groups: &their_groups,
        };
        let direct_only = policy.spec.scope == TargetScope::NotSpecified;
        if *user == actor.user_id && !actor.is_governance_admin() {
            // A delegated role gives access to others; for yourself, request it (and be
            // approved) like everyone else.
            problems.push(FieldError::new(
                &field,
                "You can't assign access to yourself; request it from My Access instead.",
            ));
        } else if !who.enabled {
            problems.push(FieldError::new(
                &field,
                format!("{}'s account is disabled.", who.display_name),
            ));
        } else if !direct_only && !in_scope(&policy.spec, &subject) {
            problems.push(FieldError::new(
                &field,
                format!(
                    "{} isn't one of the users who can request under {}.",
                    who.display_name, policy.name
                ),
            ));
        } else if store::holds_package(&mut tx, package, *user).await? {
            problems.push(FieldError::new(
                &field,
                format!("{} already has {}.", who.display_name, summary.name),
            ));
        } else if let Some(held) = store::incompatibility_held(&mut tx, package, *user).await? {
            problems.push(FieldError::new(
                &field,
                format!(
                    "{} has {held}, which is incompatible with {}.",
                    who.display_name, summary.name
                ),
            ));
        }
        people.push(who);
    }
    if !problems.is_empty() {
        return Err(DomainError::Invalid(problems));
    }
    let mut assigned = Vec::with_capacity(people.len());
    for who in &people {
        if let Some(open) = store::open_request(&mut tx, package, who.id).await? {
            let text = format!("Canceled: assigned directly by {}", actor.display_name);
            store::set_state(&mut tx, open, "canceled", 0, &text, now).await?;
            store::event(&mut tx, open, "canceled", Some(actor.user_id), &text, now).await?;
        }
        let id = RequestId::new();
        let new = NewRequest {
            id,
            package,
            policy: policy.id,
            requestor: who.id,
            kind: "adminAdd",
            created_by: actor.user_id,
            justification,
            answers: &[],
            stages: &[],
            period,
            now,
        };
        store::insert(&mut tx, &new).await?;
        store::event(
            &mut tx,
            id,
            "submitted",
            Some(actor.user_id),
            &format!("Assigned directly by {}", actor.display_name),
            now,
        )
        .await?;
        let names = Names {
            package: &summary.name,
            requestor: &who.display_name,
        };
        let RequestOutcome::Delivered(assignment) =
            deliver(&mut tx, &new.row(), 0, &names, now).await?
        else {
            return Err(DomainError::Internal(
                "direct assignment was not delivered".into(),
            ));
        };
        audit::record(
            &mut tx,
            NewEvent::new(
                now,
                Some(actor.user_id),
                "assignment.created",
                "access_package",
                package,
                format!("Assigned {} to {}", summary.name, who.email),
            )
            .after(json!({"assignment": assignment.to_string(), "user": who.email, "policy": policy.name, "justification": justification, "period": period.map(|(s, e)| [s.to_rfc3339(), e.to_rfc3339()])})),
        )
        .await?;
        assigned.push(assignment);
    }
    commit(tx).await?;
    Ok(assigned)
}

/// How many scheduled assignments one run starts.
pub const SCHEDULED_BATCH: i64 = 200;

/// Starts the assignments whose requested period has begun: their grants are given and the
/// person is told. Safe to run twice or from two instances: each starts once. Returns how
/// many this run started.
pub async fn start_scheduled_assignments(ctx: &Ctx) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let due = store::due_scheduled(&mut *ctx.read().await?, now, SCHEDULED_BATCH).await?;
    let mut started = 0;
    for (assignment, package, user) in due {
        let mut tx = ctx.db.begin().await?;
        if store::start_scheduled(&mut tx, assignment, package, user, now).await? {
            let name = packages::summary(&mut tx, package).await?.name;
            notifications::notify(
                &mut tx,
                &NewNotification {
                    user,
                    kind: "delivered",
                    title: &format!("You now have access: {name}"),
                    body: &format!("Your access to {name} has started."),
                    link: "/myaccess?tab=active",
                    event: &format!("assignment:{assignment}:started"),
                },
                now,
            )
            .await?;
            audit::record(
                &mut tx,
                NewEvent::new(
                    now,
                    None,
                    "assignment.started",
                    "access_package",
                    package,
                    format!("Scheduled access to {name} started"),
                )
                .after(json!({"assignment": assignment.to_string(), "user": user.to_string()})),
            )
            .await?;
            started += 1;
        }
        commit(tx).await?;
    }
    Ok(started)
}

/// How many notifications the bell lists.
pub const INBOX_LIMIT: i64 = 30;

/// The signed-in person's notifications, newest first, with the unread count.
pub async fn my_notifications(ctx: &Ctx, actor: &Actor) -> DomainResult<Inbox> {
    notifications::inbox(&mut *ctx.read().await?, actor.user_id, INBOX_LIMIT).await
}

/// Marks all of the signed-in person's notifications read.
pub async fn mark_notifications_read(ctx: &Ctx, actor: &Actor) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let n = notifications::mark_read(&mut tx, actor.user_id, now).await?;
    commit(tx).await?;
    Ok(n)
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
                    warnings: vec![],
                    extension: None,
                });
                if cards.len() as i64 >= CARDS_LIMIT {
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
                        "Active".into()
                    } else {
                        "Expired".into()
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
    check_package_read(&mut conn, actor, package, query).await?;
    store::package_assignments(
        &mut conn,
        package,
        live,
        &crate::store::contains_pattern(query),
        page,
    )
    .await
}

/// At most this many rows go into one CSV export; a search narrows a bigger list.
pub const MAX_EXPORT_ROWS: i64 = 100_000;
const EXPORT_BATCH: i64 = 1_000;

/// A package's assignments (live or ended, matching `query`) as CSV: name, email, state,
/// policy, start and end (RFC 3339, UTC). Read in batches; refused beyond
/// [`MAX_EXPORT_ROWS`] with a message saying to narrow the search.
pub async fn assignments_csv(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    live: bool,
    query: &str,
) -> DomainResult<String> {
    let mut conn = ctx.read().await?;
    check_package_read(&mut conn, actor, package, query).await?;
    let pattern = crate::store::contains_pattern(query);
    let mut out = super::csv_export::CsvExport::with_header(&[
        "Name", "Email", "State", "Policy", "Starts", "Ends",
    ])?;
    let mut offset = 0;
    loop {
        let rows = store::assignment_rows(&mut conn, package, live, &pattern, EXPORT_BATCH, offset)
            .await?;
        let n = rows.len() as i64;
        for a in rows {
            out.row([
                a.user.display_name,
                a.user.email,
                a.state,
                a.policy.unwrap_or_default(),
                a.starts_at.to_rfc3339(),
                a.ends_at.map(|e| e.to_rfc3339()).unwrap_or_default(),
            ])?;
        }
        offset += n;
        if n < EXPORT_BATCH {
            break;
        }
        if offset >= MAX_EXPORT_ROWS {
            return Err(DomainError::Conflict(format!(
                "More than {MAX_EXPORT_ROWS} assignments match; search to narrow the export."
            )));
        }
    }
    out.finish()
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
