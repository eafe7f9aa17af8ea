//! `POST /webhooks/answer`: a blocking webhook's receiver answers, later, for an approved
//! request it holds (`domain::service::requests::answer_signed`). The answer is signed as
//! Tessera's own events are (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
//! `webhook-signature`), with the webhook's secret, so no token is needed. It sits outside the
//! pages' session and same-origin layers, like `/scim/v2`: a receiver has neither a cookie nor
//! an Origin.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use domain::DomainError;
use domain::service::Ctx;
use domain::service::requests::{RequestOutcome, answer_signed};
use serde_json::json;

pub fn router(ctx: Ctx) -> axum::Router {
    axum::Router::new()
        .route("/webhooks/answer", post(answer))
        .with_state(ctx)
}

fn said(status: StatusCode, error: impl Into<String>) -> Response {
    (status, Json(json!({ "error": error.into() }))).into_response()
}

async fn answer(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    match answer_signed(&ctx, &id, &timestamp, &signature, &body).await {
        Ok(outcome) => {
            let (state, status) = match outcome {
                RequestOutcome::Delivered(_) => {
                    ("delivered", "The access was delivered.".to_owned())
                }
                RequestOutcome::Denied(why) => ("denied", why),
                RequestOutcome::AwaitingExtension => (
                    "pendingApproval",
                    "Recorded; the request waits for the other extensions' answers.".to_owned(),
                ),
                RequestOutcome::Pending { .. } => ("pendingApproval", String::new()),
                RequestOutcome::Canceled => ("canceled", String::new()),
            };
            Json(json!({ "state": state, "status": status })).into_response()
        }
        Err(DomainError::Unauthenticated) => said(
            StatusCode::UNAUTHORIZED,
            "The signature does not hold: sign webhook-id.webhook-timestamp.body with the secret of a webhook that holds this request, within five minutes of now.",
        ),
        Err(DomainError::Invalid(problems)) => said(
            StatusCode::BAD_REQUEST,
            problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default(),
        ),
        Err(DomainError::Conflict(why)) => said(StatusCode::CONFLICT, why),
        Err(DomainError::NotFound(what)) => said(StatusCode::NOT_FOUND, format!("No such {what}.")),
        Err(e @ DomainError::Unavailable(_)) => {
            tracing::warn!(error = ?e, "a webhook's answer could not be recorded");
            said(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.")
        }
        Err(e) => {
            tracing::error!(error = ?e, "a webhook's answer failed");
            said(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Tessera could not record the answer.",
            )
        }
    }
}
