//! Delivering webhook events, at least once each, with retries.
//!
//! A batch is claimed in one transaction (a lease on each row), POSTed with a few requests in
//! flight, and settled in one transaction. A receiver that answers 2xx has it; anything else is
//! retried with backoff (1, 2, 4 … minutes, at most 6 h), 12 attempts in all, then waits for an
//! administrator's Reprocess. Each attempt is signed afresh (a new `webhook-timestamp`), with
//! the same `webhook-id`, so a receiver drops a repeat and refuses a replay.

use super::*;
use crate::connectors::webhooks::{self as sender, Answer};
use crate::rules::connectors::{MAX_DELIVERY_ATTEMPTS, delivery_backoff};
use crate::rules::webhooks::KEEP_DELIVERED_DAYS;
use crate::store::webhooks::{self as outbox, Claimed, StoredWebhook};
use futures_util::StreamExt;
use std::collections::BTreeMap;

/// Requests one batch keeps in flight.
const IN_FLIGHT: usize = 8;
/// How long a claim holds: well past a batch's sending budget.
const LEASE_MINUTES: i64 = 10;
/// How long one batch may spend sending; what is left stays claimed until its lease ends.
const SENDING_BUDGET: std::time::Duration = std::time::Duration::from_secs(300);

pub(super) async fn deliver(
    ctx: &Ctx,
    now: DateTime<Utc>,
    limits: &RunLimits,
    report: &mut JobReport,
) {
    for _ in 0..limits.batches {
        if limits.stop.raised() {
            break;
        }
        match deliver_batch(ctx, now, report).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                report.failures.push(format!("webhooks: {e}"));
                break;
            }
        }
    }
    let before = now - chrono::Duration::days(KEEP_DELIVERED_DAYS);
    let pruned = async {
        let mut tx = ctx.db.begin().await?;
        outbox::prune(&mut tx, before, BATCH * 5).await?;
        crate::service::commit(tx).await
    };
    if let Err(e) = pruned.await {
        report.failures.push(format!("webhooks (pruning): {e}"));
    }
}

/// One batch; `true` when a full batch was sent (more may wait).
async fn deliver_batch(
    ctx: &Ctx,
    now: DateTime<Utc>,
    report: &mut JobReport,
) -> DomainResult<bool> {
    let lease = now + chrono::Duration::minutes(LEASE_MINUTES);
    let mut tx = ctx.db.begin().await?;
    let claimed = outbox::claim_due(&mut tx, now, lease, BATCH).await?;
    crate::service::commit(tx).await?;
    if claimed.is_empty() {
        return Ok(false);
    }
    let full = claimed.len() as i64 >= BATCH;
    let results = send_and_settle(ctx, claimed, now).await?;
    for (_, answer) in &results {
        if answer.delivered {
            report.webhooks_delivered += 1;
        } else {
            report.webhooks_failed += 1;
        }
    }
    answered_in_reply(ctx, &results, report).await;
    Ok(full)
}

/// Sends claimed deliveries ([`send`]) and records, in one transaction, what each came to:
/// delivered, or failed and tried again after the backoff (none after the last attempt:
/// then only Reprocess sends it). The job and the test event settle the same way.
pub(crate) async fn send_and_settle(
    ctx: &Ctx,
    claimed: Vec<Claimed>,
    now: DateTime<Utc>,
) -> DomainResult<Vec<(Claimed, Answer)>> {
    let results = send(ctx, claimed).await?;
    let mut tx = ctx.db.begin().await?;
    for (delivery, answer) in &results {
        let attempt = delivery.attempts + 1;
        let retry_at = (attempt < MAX_DELIVERY_ATTEMPTS).then(|| now + delivery_backoff(attempt));
        outbox::settle(
            &mut tx,
            &delivery.id,
            answer.status,
            &answer.response,
            answer.error.as_deref(),
            retry_at,
            now,
        )
        .await?;
    }
    crate::service::commit(tx).await?;
    Ok(results)
}

/// A blocking webhook's receiver may answer in its HTTP answer (`{"decision": …}`): each such
/// answer is recorded for the request its delivery asked about. Anything else leaves the
/// request waiting for a later, signed answer or its deadline. An answer that comes too late
/// (the request closed, or the webhook answered already) changes nothing.
async fn answered_in_reply(ctx: &Ctx, results: &[(Claimed, Answer)], report: &mut JobReport) {
    for (delivery, answer) in results {
        if !answer.delivered {
            continue;
        }
        let Some((decision, reason)) = crate::rules::webhooks::parse_answer(&answer.response)
        else {
            continue;
        };
        let hold = match ctx.read().await {
            Ok(mut conn) => outbox::hold_of_delivery(&mut conn, &delivery.id).await,
            Err(e) => Err(e),
        };
        let recorded = match hold {
            Ok(Some(h)) => crate::service::requests::answer_extension(
                ctx, h.request, h.webhook, decision, &reason,
            )
            .await
            .map(drop),
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        };
        match recorded {
            Ok(()) | Err(crate::DomainError::Conflict(_)) => {}
            Err(e) => report.failures.push(format!(
                "webhooks: the answer to delivery {} could not be recorded: {e:?}",
                delivery.id
            )),
        }
    }
}

/// POSTs each claimed delivery to its webhook, `IN_FLIGHT` at a time, within the budget; what
/// the budget leaves unsent stays claimed (and is sent once its lease ends).
async fn send(ctx: &Ctx, claimed: Vec<Claimed>) -> DomainResult<Vec<(Claimed, Answer)>> {
    let mut hooks: BTreeMap<WebhookId, StoredWebhook> = BTreeMap::new();
    {
        let mut conn = ctx.read().await?;
        for c in &claimed {
            if let std::collections::btree_map::Entry::Vacant(e) = hooks.entry(c.webhook) {
                e.insert(outbox::get(&mut conn, c.webhook).await?);
            }
        }
    }
    // The secrets opened once per batch; one that can't be opened fails its deliveries (they
    // are never sent unsigned).
    let secrets: BTreeMap<WebhookId, Result<String, String>> = hooks
        .values()
        .map(|h| (h.id, open_secret(ctx, h)))
        .collect();
    let http = sender::client().map_err(|e| crate::DomainError::Internal(e.into()))?;
    let started = std::time::Instant::now();
    let results = futures_util::stream::iter(claimed)
        .map(|c| {
            let http = &http;
            let hook = hooks.get(&c.webhook);
            let secret = secrets.get(&c.webhook);
            async move {
                if started.elapsed() > SENDING_BUDGET {
                    return None;
                }
                let answer = match (hook, secret) {
                    (Some(hook), Some(Ok(secret))) => {
                        // Signed with the wall clock: the receiver checks it against its own.
                        let timestamp = chrono::Utc::now().timestamp();
                        sender::post(http, &hook.url, secret, &c.id, timestamp, &c.body).await
                    }
                    (_, Some(Err(e))) => Answer {
                        delivered: false,
                        status: None,
                        response: String::new(),
                        error: Some(e.clone()),
                    },
                    _ => return None,
                };
                Some((c, answer))
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .filter_map(|r| async move { r })
        .collect::<Vec<_>>()
        .await;
    Ok(results)
}

/// A webhook's signing secret, or why it can't be had.
pub(crate) fn open_secret(ctx: &Ctx, hook: &StoredWebhook) -> Result<String, String> {
    let key = ctx.secrets.as_ref().ok_or_else(|| {
        "no secret key is set (TESSERA_SECRET_KEY or TESSERA_SECRET_KEY_FILE), so the signing secret cannot be read".to_owned()
    })?;
    key.open(&hook.id.to_string(), &hook.secret)
        .map_err(|e| format!("the signing secret cannot be read ({e}); rotate it"))
}
