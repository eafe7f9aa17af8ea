//! Blocking custom extensions (issue 16): a webhook that holds an approved request's delivery
//! until its receiver answers (the product's "launch and wait" custom extension).
//!
//! When a requested access (a request or an extension, not an administrator's direct
//! assignment) is approved and an enabled blocking webhook of its catalog hears "request
//! approved", the request is held: it stays pending, at the stage after its last (no approver
//! has it), and each such webhook is sent "request.approved" with `extension.awaitingAnswer`.
//! A receiver answers `{"decision": "continue" | "deny", "reason": "…"}` in its HTTP answer
//! or later in a signed POST to `/webhooks/answer` ([`answer_signed`]). "continue" from every
//! webhook delivers the request; one "deny" denies it; no answer in time expires it (fail
//! closed: nothing is delivered). The first answer of each webhook wins. Every step is on the
//! request's timeline and audited.

use super::*;
use crate::store::webhooks as hooks;

/// How far a signed answer's timestamp may be from Tessera's clock.
const ANSWER_WINDOW_SECS: i64 = 300;
/// Longest body of a signed answer.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Holds the approved request `r` for the blocking webhooks that hear it, in the caller's
/// transaction; `None` when none does (it is delivered now).
pub(super) async fn hold_for_extensions(
    tx: &mut Conn,
    r: &store::RequestRow,
    now: DateTime<Utc>,
) -> DomainResult<Option<RequestOutcome>> {
    if !r.kind.is_requested() {
        return Ok(None);
    }
    let catalog = packages::summary(tx, r.package).await?.catalog_id;
    let blocking = hooks::blocking(tx, catalog).await?;
    if blocking.is_empty() {
        return Ok(None);
    }
    let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
    let held = Lifecycle::of(r.state, r.stage_no, of)
        .ok_or_else(|| DomainError::Conflict("This request is not where it can be held.".into()))?
        .after(Step::Hold)
        .map_err(|e| DomainError::Conflict(e.into()))?;
    let Lifecycle::AwaitingExtension { of } = held else {
        return Err(DomainError::Internal("a hold that does not wait".into()));
    };
    let mut asked = Vec::with_capacity(blocking.len());
    for (hook, name, wait) in &blocking {
        let due = now + chrono::Duration::minutes(*wait);
        hooks::hold(tx, hook, r.id, due, now).await?;
        asked.push(format!("{name} (by {})", when(due)));
    }
    let text = format!(
        "Approved; waiting for {} to answer before the access is delivered",
        asked.join(", ")
    );
    store::set_state(
        tx,
        r.id,
        (r.state, r.stage_no),
        (RequestState::PendingApproval, of + 1),
        "",
        store::Entry::new("held", &text),
        now,
    )
    .await?;
    Ok(Some(RequestOutcome::AwaitingExtension))
}

/// Where a held request's names come from.
async fn names_of(tx: &mut Conn, r: &store::RequestRow) -> DomainResult<(String, String)> {
    let package = packages::summary(tx, r.package).await?.name;
    let requestor = users::summary(tx, r.requestor).await?.display_name;
    Ok((package, requestor))
}

/// A blocking webhook's answer for a request it holds: "continue" (the request is delivered
/// once every webhook holding it said so) or "deny" (it is denied). A second answer, or one
/// for a request no longer held, is a conflict and changes nothing.
#[tracing::instrument(skip(ctx, reason))]
pub async fn answer_extension(
    ctx: &Ctx,
    request: RequestId,
    webhook: WebhookId,
    answer: ExtensionAnswer,
    reason: &str,
) -> DomainResult<RequestOutcome> {
    let reason: String = reason
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_JUSTIFICATION_CHARS)
        .collect();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = store::get(&mut tx, request).await?;
    let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
    if !matches!(
        Lifecycle::of(r.state, r.stage_no, of),
        Some(Lifecycle::AwaitingExtension { .. })
    ) {
        return Err(DomainError::Conflict(
            "This request is no longer waiting for an answer.".into(),
        ));
    }
    let holds = hooks::open_holds(&mut tx, request).await?;
    let Some(hold) = holds.iter().find(|h| h.webhook == webhook) else {
        return Err(DomainError::Conflict(
            "This webhook has answered for this request already.".into(),
        ));
    };
    let hook = hold.webhook_name.clone();
    if !hooks::answer_hold(&mut tx, request, webhook, answer.code(), &reason, now).await? {
        return Err(DomainError::Conflict(
            "This webhook has answered for this request already.".into(),
        ));
    }
    let (package, requestor) = names_of(&mut tx, &r).await?;
    let said = if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    };
    let outcome = match answer {
        ExtensionAnswer::Deny => {
            let why = format!("Denied by {hook}{said}");
            store::set_state(
                &mut tx,
                request,
                (r.state, r.stage_no),
                (RequestState::Denied, r.stage_no),
                &why,
                store::Entry::new("denied", &why),
                now,
            )
            .await?;
            notify_requestor(
                &mut tx,
                request,
                r.requestor,
                NotificationKind::Denied,
                format!("Request denied: {package}"),
                format!("{hook} denied your request for {package}{said}"),
                now,
            )
            .await?;
            RequestOutcome::Denied(why)
        }
        ExtensionAnswer::Continue => {
            let text = format!("{hook} answered: continue{said}");
            store::event(&mut tx, request, store::Entry::new("continued", &text), now).await?;
            if holds.len() > 1 {
                RequestOutcome::AwaitingExtension
            } else {
                let names = Names {
                    package: &package,
                    requestor: &requestor,
                };
                deliver_now(&mut tx, &r, of, &names, now).await?
            }
        }
    };
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            None,
            "request.extension_answered",
            "request",
            request,
            format!("{hook} answered {} for the request of {requestor} for {package}", answer.code()),
        )
        .after(json!({"webhook": hook, "answer": answer.code(), "reason": reason, "outcome": format!("{outcome:?}")})),
    )
    .await?;
    commit(tx).await?;
    Ok(outcome)
}

/// A receiver's later answer, POSTed to `/webhooks/answer` with the Standard Webhooks headers
/// and signed with the secret of a webhook that holds the request: `{"requestId", "decision":
/// "continue" | "deny", "reason"}`. A signature no holding webhook's secret makes, or a
/// timestamp more than five minutes off, is refused as unauthenticated; a second answer of
/// the same webhook (a retry after a lost reply), as a conflict.
pub async fn answer_signed(
    ctx: &Ctx,
    id: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
) -> DomainResult<RequestOutcome> {
    if id.is_empty() || id.len() > 200 || signature.is_empty() || signature.len() > 2_000 {
        return Err(DomainError::Unauthenticated);
    }
    if body.len() > MAX_ANSWER_BYTES {
        return Err(DomainError::invalid(
            "body",
            format!("The answer is longer than {MAX_ANSWER_BYTES} bytes."),
        ));
    }
    let sent_at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| DomainError::Unauthenticated)?;
    if (ctx.clock.now().timestamp() - sent_at).abs() > ANSWER_WINDOW_SECS {
        return Err(DomainError::Unauthenticated);
    }
    let (request, answer, reason) = crate::rules::webhooks::parse_signed_answer(body)
        .map_err(|e| DomainError::invalid("body", e))?;
    let holds = hooks::holds_of(&mut *ctx.read().await?, request).await?;
    for (hold, answered) in holds {
        let stored = hooks::get(&mut *ctx.read().await?, hold.webhook).await?;
        let Ok(secret) = crate::jobs::open_webhook_secret(ctx, &stored) else {
            continue;
        };
        let Some(expected) = crate::connectors::webhooks::sign(&secret, id, sent_at, body) else {
            continue;
        };
        let expected = expected.trim_start_matches("v1,");
        let signed = signature
            .split_whitespace()
            .filter_map(|s| s.strip_prefix("v1,"))
            .any(|s| crate::secrets::constant_time_eq(s.as_bytes(), expected.as_bytes()));
        if !signed {
            continue;
        }
        if answered {
            return Err(DomainError::Conflict(format!(
                "{} has answered for this request already; the first answer stands.",
                hold.webhook_name
            )));
        }
        return answer_extension(ctx, request, hold.webhook, answer, &reason).await;
    }
    Err(DomainError::Unauthenticated)
}

/// Holds nobody answered in time: their requests expire (nothing is delivered); what is left
/// of a request that closed meanwhile is dropped. Returns how many requests expired.
pub async fn expire_holds(ctx: &Ctx, now: DateTime<Utc>, limit: i64) -> DomainResult<u64> {
    let due = hooks::holds_due(&mut *ctx.read().await?, now, limit).await?;
    let mut expired = 0;
    for hold in due {
        let mut tx = ctx.db.begin().await?;
        let r = store::get(&mut tx, hold.request).await?;
        let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
        let waiting = matches!(
            Lifecycle::of(r.state, r.stage_no, of),
            Some(Lifecycle::AwaitingExtension { .. })
        );
        let reason = if waiting {
            format!(
                "Expired: {} did not answer by {}",
                hold.webhook_name,
                when(hold.due)
            )
        } else {
            "The request closed before an answer came".to_owned()
        };
        if !hooks::answer_hold(&mut tx, hold.request, hold.webhook, "deny", &reason, now).await? {
            continue;
        }
        if waiting {
            store::set_state(
                &mut tx,
                hold.request,
                (r.state, r.stage_no),
                (RequestState::Expired, r.stage_no),
                &reason,
                store::Entry::new("expired", &reason),
                now,
            )
            .await?;
            let (package, requestor) = names_of(&mut tx, &r).await?;
            notify_requestor(
                &mut tx,
                hold.request,
                r.requestor,
                NotificationKind::Expired,
                format!("Your request has expired: {package}"),
                format!(
                    "Your request for {package} was approved, but {} did not answer in time, so the access was not delivered. You can submit it again.",
                    hold.webhook_name
                ),
                now,
            )
            .await?;
            audit::record(
                &mut tx,
                NewEvent::new(
                    now,
                    None,
                    "request.expired",
                    "request",
                    hold.request,
                    format!("The request of {requestor} for {package} expired: {reason}"),
                ),
            )
            .await?;
            expired += 1;
        }
        commit(tx).await?;
    }
    Ok(expired)
}
