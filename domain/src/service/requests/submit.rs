//! Submitting a request: the period asked for, the policy that applies, the answers.

use super::*;

/// Reads a requested period: both dates as YYYY-MM-DD, inside what the policy grants.
/// Access asked from today starts now; a later start begins at 00:00 UTC that day.
pub(super) fn requested_period(
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
    let (name, catalog, catalog_enabled) =
        crate::store::catalogs::package_and_catalog(&mut tx, package).await?;
    if !catalog_enabled {
        return Err(DomainError::Conflict(catalog_disabled_reason(
            &name, &catalog,
        )));
    }
    let policies = packages::policies(&mut tx, package).await?;
    // A person's groups matter only to a policy that names groups.
    let my_groups = if policies.iter().any(|p| names_groups(&p.spec)) {
        groups::group_ids_of(&mut tx, actor.user_id).await?
    } else {
        Vec::new()
    };
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
        None if let [only] = eligible.as_slice() => *only,
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
    let (holds, incompatible) = store::obstacles(&mut tx, package, actor.user_id).await?;
    if holds {
        return Err(DomainError::Conflict(format!("You already have {name}.")));
    }
    if let Some(held) = incompatible {
        return Err(DomainError::Conflict(format!(
            "You can't request {name} because you have {held}, which is incompatible with it."
        )));
    }
    let id = RequestId::new();
    let stages = policy.spec.stages.clone().unwrap_or_default();
    let answers: Vec<String> = form.answers.iter().map(|a| a.trim().to_owned()).collect();
    let submitted = match period {
        Some((start, end)) => format!(
            "Requested by {} for {} to {}",
            actor.display_name,
            start.format("%Y-%m-%d"),
            end.format("%Y-%m-%d")
        ),
        None => format!("Requested by {}", actor.display_name),
    };
    let new = NewRequest {
        id,
        package,
        policy: policy_id,
        requestor: actor.user_id,
        kind: RequestKind::UserAdd,
        created_by: actor.user_id,
        justification,
        answers: &answers,
        stages: &stages,
        period,
        submitted: &submitted,
        now,
    };
    if !store::insert(&mut tx, &new).await? {
        return Err(DomainError::Conflict(format!(
            "You already have a pending request for {name}."
        )));
    }
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
        NewEvent::new(now, Some(actor.user_id), "request.submitted", "request", id, format!("{} requested {name}", actor.email))
            .after(json!({"package": name, "policy": policy.name, "justification": justification, "outcome": format!("{outcome:?}")})),
    )
    .await?;
    commit(tx).await?;
    Ok((id, outcome))
}
