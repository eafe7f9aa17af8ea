//! Webhooks (issue 16): an administrator points Tessera at a receiver, chooses the lifecycle
//! events it hears, gets its signing secret once, sends it a test event, watches its
//! deliveries and reprocesses the ones that failed. Events are written by the store as they
//! happen (`store::webhooks::emit`); sending is the job's (`jobs::webhooks`).

use super::{Ctx, commit, require_connector_admin};
use crate::connectors::webhooks::new_secret;
use crate::model::*;
use crate::rules::webhooks::{CheckedWebhook, MAX_WEBHOOKS, WebhookInput, check_webhook};
use crate::secrets::SecretError;
use crate::store::audit::{self, NewEvent};
use crate::store::webhooks as store;
use crate::{DomainError, DomainResult};
use serde_json::json;

pub async fn list(ctx: &Ctx, actor: &Actor) -> DomainResult<Vec<WebhookSummary>> {
    require_connector_admin(actor)?;
    store::list(&mut *ctx.read().await?).await
}

pub async fn detail(ctx: &Ctx, actor: &Actor, id: WebhookId) -> DomainResult<WebhookDetail> {
    require_connector_admin(actor)?;
    let mut conn = ctx.read().await?;
    let webhook = store::list(&mut conn)
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or(DomainError::NotFound("webhook"))?;
    Ok(WebhookDetail {
        webhook,
        deliveries: store::deliveries(&mut conn, id, WebhookDetail::DELIVERY_LIMIT).await?,
    })
}

/// The settings as the audit trail keeps them (never the secret).
fn audited(w: &CheckedWebhook) -> serde_json::Value {
    json!({
        "name": w.name,
        "url": w.url,
        "events": w.events.iter().map(|e| e.code()).collect::<Vec<_>>(),
        "catalog": w.catalog.map(|c| c.to_string()),
        "enabled": w.enabled,
        "blocks": w.blocks,
        "wait_minutes": w.wait_minutes,
    })
}

/// A fresh secret sealed for webhook `id`, or on the name field why it can't be.
fn sealed_secret(ctx: &Ctx, id: WebhookId) -> DomainResult<(String, String)> {
    let key = ctx
        .secrets
        .as_ref()
        .ok_or_else(|| DomainError::invalid("name", SecretError::NoKey.to_string()))?;
    let secret = new_secret();
    let sealed = key.seal(&id.to_string(), &secret);
    Ok((secret, sealed))
}

/// A catalog the webhook is limited to must exist.
async fn check_catalog(conn: &mut crate::store::Conn, w: &CheckedWebhook) -> DomainResult<()> {
    if let Some(catalog) = w.catalog {
        crate::store::catalogs::summary(conn, catalog)
            .await
            .map_err(|e| match e {
                DomainError::NotFound(_) => DomainError::invalid(
                    "catalog",
                    "This catalog no longer exists; choose another.",
                ),
                other => other,
            })?;
    }
    Ok(())
}

/// Makes a webhook; its signing secret is in the answer and never shown again.
#[tracing::instrument(skip(ctx, actor, input), fields(actor = %actor.user_id))]
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    input: &WebhookInput<'_>,
) -> DomainResult<WebhookSecret> {
    require_connector_admin(actor)?;
    let checked = check_webhook(input)?;
    let id = WebhookId::new();
    let (secret, sealed) = sealed_secret(ctx, id)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    if store::count(&mut tx).await? >= MAX_WEBHOOKS {
        return Err(DomainError::invalid(
            "name",
            format!("Tessera holds at most {MAX_WEBHOOKS} webhooks."),
        ));
    }
    check_catalog(&mut tx, &checked).await?;
    store::insert(&mut tx, id, &checked, &sealed, now).await?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "webhook.created",
            "webhook",
            id,
            format!("Added the webhook {} ({})", checked.name, checked.url),
        )
        .after(audited(&checked)),
    )
    .await?;
    commit(tx).await?;
    Ok(WebhookSecret { id, secret })
}

#[tracing::instrument(skip(ctx, actor, input), fields(actor = %actor.user_id))]
pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: WebhookId,
    input: &WebhookInput<'_>,
) -> DomainResult<()> {
    require_connector_admin(actor)?;
    let checked = check_webhook(input)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    check_catalog(&mut tx, &checked).await?;
    if !store::update(&mut tx, id, &checked, now).await? {
        return Err(DomainError::NotFound("webhook"));
    }
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "webhook.updated",
            "webhook",
            id,
            format!("Changed the webhook {}", checked.name),
        )
        .after(audited(&checked)),
    )
    .await?;
    commit(tx).await
}

/// A new signing secret, shown once; the old one stops signing at once.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn rotate_secret(ctx: &Ctx, actor: &Actor, id: WebhookId) -> DomainResult<WebhookSecret> {
    require_connector_admin(actor)?;
    let (secret, sealed) = sealed_secret(ctx, id)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let hook = store::get(&mut tx, id).await?;
    store::set_secret(&mut tx, id, &sealed, now).await?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "webhook.secret_rotated",
            "webhook",
            id,
            format!("Made a new signing secret for the webhook {}", hook.name),
        ),
    )
    .await?;
    commit(tx).await?;
    Ok(WebhookSecret { id, secret })
}

/// Deletes a webhook and its deliveries (those not sent are never sent).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn delete(ctx: &Ctx, actor: &Actor, id: WebhookId) -> DomainResult<()> {
    require_connector_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let hook = store::get(&mut tx, id).await?;
    let holding = store::holding(&mut tx, id).await?;
    if holding > 0 {
        return Err(DomainError::Conflict(format!(
            "{} holds {holding} approved request(s) until it answers: they would never be delivered. \
             Let it answer (or the requests expire at its deadline), or untick \"Hold delivery\" so new ones are not held, then delete it.",
            hook.name
        )));
    }
    store::delete(&mut tx, id).await?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "webhook.deleted",
            "webhook",
            id,
            format!("Deleted the webhook {} ({})", hook.name, hook.url),
        ),
    )
    .await?;
    commit(tx).await
}

/// Sends every failed delivery of a webhook again at once; how many.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn reprocess(ctx: &Ctx, actor: &Actor, id: WebhookId) -> DomainResult<u64> {
    require_connector_admin(actor)?;
    send_again(ctx, Some(actor.user_id), id).await
}

/// [`reprocess`], audited as `by` (`None`: the operator on the host).
async fn send_again(ctx: &Ctx, by: Option<UserId>, id: WebhookId) -> DomainResult<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let hook = store::get(&mut tx, id).await?;
    let n = store::reprocess(&mut tx, id).await?;
    if n > 0 {
        audit::record(
            &mut tx,
            NewEvent::new(
                now,
                by,
                "webhook.reprocessed",
                "webhook",
                id,
                format!(
                    "Sent {n} failed event(s) of the webhook {} again",
                    hook.name
                ),
            ),
        )
        .await?;
    }
    commit(tx).await?;
    Ok(n)
}

/// Sends a test event (`ping`) at once and says what the receiver answered. The event is one
/// of the webhook's deliveries, listed with the others (and retried like them if it failed).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn send_test(ctx: &Ctx, actor: &Actor, id: WebhookId) -> DomainResult<ConnectionTest> {
    require_connector_admin(actor)?;
    test_event(ctx, id).await
}

async fn test_event(ctx: &Ctx, id: WebhookId) -> DomainResult<ConnectionTest> {
    let now = ctx.clock.now();
    let lease = now + chrono::Duration::minutes(10);
    let mut tx = ctx.db.begin().await?;
    let hook = store::get(&mut tx, id).await?;
    let delivery = store::enqueue_ping(&mut tx, id, now).await?;
    let claimed = store::claim_one(&mut tx, &delivery, now, lease).await?;
    commit(tx).await?;
    let sent = crate::jobs::send_webhooks(ctx, claimed.into_iter().collect(), now).await?;
    let mut steps = vec![format!("Sent a test event to {}", hook.url)];
    let mut error =
        Some("the test event was not sent in time; it is sent by the delivery job".to_owned());
    for (_, answer) in &sent {
        if let Some(status) = answer.status {
            steps.push(crate::rules::webhooks::status_words(status));
        }
        error = answer.error.clone();
    }
    Ok(ConnectionTest {
        ok: error.is_none(),
        steps,
        error,
    })
}

/// `tessera webhooks list`: every webhook, for the operator on the host (who holds the
/// database, so no role is checked).
pub async fn operator_list(ctx: &Ctx) -> DomainResult<Vec<WebhookSummary>> {
    store::list(&mut *ctx.read().await?).await
}

/// The webhook named `name` (without regard to case), or a field error on `name`.
async fn named(ctx: &Ctx, name: &str) -> DomainResult<WebhookSummary> {
    let key = name.trim().to_lowercase();
    operator_list(ctx)
        .await?
        .into_iter()
        .find(|w| w.name.to_lowercase() == key)
        .ok_or_else(|| DomainError::invalid("name", format!("No webhook is named {name:?}.")))
}

/// `tessera webhooks test NAME`: [`send_test`] for the operator.
pub async fn operator_test(ctx: &Ctx, name: &str) -> DomainResult<ConnectionTest> {
    let hook = named(ctx, name).await?;
    test_event(ctx, hook.id).await
}

/// `tessera webhooks reprocess NAME`: every failed delivery sent again now, audited as the
/// operator's.
pub async fn operator_reprocess(ctx: &Ctx, name: &str) -> DomainResult<u64> {
    let hook = named(ctx, name).await?;
    send_again(ctx, None, hook.id).await
}
