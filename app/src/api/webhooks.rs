//! Webhook server functions: receivers told about lifecycle events. Each event is one
//! checkbox (a checkbox posts only when ticked), so the forms exceed clippy's argument count
//! by design.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use domain::model::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::directory::parse_id,
    super::ssr::{actor, ctx},
    domain::rules::webhooks::WebhookInput,
    domain::service::webhooks as hooks,
};

/// The form name of an event's checkbox: `ev_` and its code with `_` for `.`.
pub fn event_field(event: WebhookEvent) -> String {
    format!("ev_{}", event.code().replace('.', "_"))
}

#[server]
pub async fn load_webhooks() -> Result<Vec<WebhookSummary>, AppError> {
    Ok(hooks::list(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn load_webhook(id: String) -> Result<WebhookDetail, AppError> {
    let id = parse_id(WebhookId::parse, &id, "webhook")?;
    Ok(hooks::detail(&ctx()?, &actor()?, id).await?)
}

/// The ticked events' codes, in the order `WebhookEvent::subscribable` lists them.
#[cfg(feature = "ssr")]
fn ticked_events(ticks: [&Option<String>; 7]) -> Vec<&'static str> {
    WebhookEvent::subscribable()
        .zip(ticks)
        .filter(|(_, t)| t.as_deref().is_some_and(|v| !v.is_empty() && v != "no"))
        .map(|(e, _)| e.code())
        .collect()
}

/// Adds a webhook; answers its id and signing secret (shown this once).
#[server]
pub async fn create_webhook(
    name: String,
    url: String,
    catalog: String,
    enabled: Option<String>,
    blocks: Option<String>,
    wait_minutes: Option<String>,
    ev_request_created: Option<String>,
    ev_request_approved: Option<String>,
    ev_request_denied: Option<String>,
    ev_assignment_granted: Option<String>,
    ev_assignment_removed: Option<String>,
    ev_assignment_expiring: Option<String>,
    ev_review_completed: Option<String>,
) -> Result<WebhookSecret, AppError> {
    let input = WebhookInput {
        name: &name,
        url: &url,
        events: ticked_events([
            &ev_request_created,
            &ev_request_approved,
            &ev_request_denied,
            &ev_assignment_granted,
            &ev_assignment_removed,
            &ev_assignment_expiring,
            &ev_review_completed,
        ]),
        catalog: &catalog,
        enabled: enabled.is_some(),
        blocks: blocks.is_some(),
        wait_minutes: wait_minutes.as_deref().unwrap_or_default(),
    };
    Ok(hooks::create(&ctx()?, &actor()?, &input).await?)
}

#[server]
pub async fn update_webhook(
    id: String,
    name: String,
    url: String,
    catalog: String,
    enabled: Option<String>,
    blocks: Option<String>,
    wait_minutes: Option<String>,
    ev_request_created: Option<String>,
    ev_request_approved: Option<String>,
    ev_request_denied: Option<String>,
    ev_assignment_granted: Option<String>,
    ev_assignment_removed: Option<String>,
    ev_assignment_expiring: Option<String>,
    ev_review_completed: Option<String>,
) -> Result<(), AppError> {
    let id = parse_id(WebhookId::parse, &id, "webhook")?;
    let input = WebhookInput {
        name: &name,
        url: &url,
        events: ticked_events([
            &ev_request_created,
            &ev_request_approved,
            &ev_request_denied,
            &ev_assignment_granted,
            &ev_assignment_removed,
            &ev_assignment_expiring,
            &ev_review_completed,
        ]),
        catalog: &catalog,
        enabled: enabled.is_some(),
        blocks: blocks.is_some(),
        wait_minutes: wait_minutes.as_deref().unwrap_or_default(),
    };
    Ok(hooks::update(&ctx()?, &actor()?, id, &input).await?)
}

#[server]
pub async fn test_webhook(id: String) -> Result<ConnectionTest, AppError> {
    let id = parse_id(WebhookId::parse, &id, "webhook")?;
    Ok(hooks::send_test(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn rotate_webhook_secret(id: String) -> Result<WebhookSecret, AppError> {
    let id = parse_id(WebhookId::parse, &id, "webhook")?;
    Ok(hooks::rotate_secret(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn reprocess_webhook(id: String) -> Result<u64, AppError> {
    let id = parse_id(WebhookId::parse, &id, "webhook")?;
    Ok(hooks::reprocess(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    let id = parse_id(WebhookId::parse, &id, "webhook")?;
    Ok(hooks::delete(&ctx()?, &actor()?, id).await?)
}
