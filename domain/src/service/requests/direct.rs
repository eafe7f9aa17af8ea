//! Direct assignment and removal by administrators.

use super::*;

/// How many people one direct assignment may name.
pub use crate::model::limits::MAX_DIRECT_ASSIGNEES;

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
            let was = store::get(&mut tx, open).await?;
            store::set_state(
                &mut tx,
                open,
                (was.state, was.stage_no),
                (RequestState::Canceled, 0),
                &text,
                store::Entry::new("canceled", &text),
                now,
            )
            .await?;
        }
        let id = RequestId::new();
        let submitted = format!("Assigned directly by {}", actor.display_name);
        let new = NewRequest {
            id,
            package,
            policy: policy.id,
            requestor: who.id,
            kind: RequestKind::AdminAdd,
            created_by: actor.user_id,
            justification,
            answers: &[],
            stages: &[],
            period,
            submitted: &submitted,
            now,
        };
        store::insert(&mut tx, &new).await?;
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
    let revoked = store::end_assignment(&mut tx, id, AssignmentState::Removed, now)
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

/// The signed-in person gives up their own access to a package (Graph's `userRemove`): it
/// ends now and every grant it gave them is withdrawn (membership from other grants stays).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_my_access(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let name = packages::summary(&mut tx, package).await?.name;
    let none = || DomainError::Conflict(format!("You have no active access to {name} to remove."));
    let Some((id, _, _)) = store::live_of(&mut tx, package, actor.user_id).await? else {
        return Err(none());
    };
    let revoked = store::end_assignment(&mut tx, id, AssignmentState::Removed, now)
        .await?
        .ok_or_else(none)?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "assignment.removed",
            "access_package",
            package,
            format!("{} removed their own access to {name}", actor.email),
        )
        .before(json!({"assignment": id.to_string(), "user": actor.email}))
        .after(json!({"grants_withdrawn": revoked, "by_holder": true})),
    )
    .await?;
    commit(tx).await?;
    Ok(revoked)
}
