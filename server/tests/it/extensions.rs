//! `POST /webhooks/answer` end to end in-process: a blocking webhook's receiver answers later
//! for the approved request it holds, signed with the webhook's secret. Unsigned, forged,
//! stale or malformed answers are refused and change nothing; the signed one delivers the
//! access; a retry of it is a conflict.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use domain::clock::Clock;
use domain::on_both_databases;
use domain::rules::webhooks::WebhookInput;
use domain::secrets::SecretKey;
use domain::service::requests as req;
use domain::service::webhooks as hooks;
use domain::testing::*;
use serde_json::Value;
use tower::ServiceExt;

async fn post(
    app: &axum::Router,
    body: &str,
    signed: Option<(String, String, String)>,
) -> (StatusCode, Value) {
    let mut r = Request::builder()
        .method("POST")
        .uri("/webhooks/answer")
        .header("content-type", "application/json");
    if let Some((id, at, signature)) = signed {
        r = r
            .header("webhook-id", id)
            .header("webhook-timestamp", at)
            .header("webhook-signature", signature);
    }
    let resp = app
        .clone()
        .oneshot(r.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn a_receiver_answers_later_signed_with_the_webhooks_secret(mut env: TestEnv) {
    let key = SecretKey::generate();
    env.ctx.secrets = Some(key.clone());
    let w = world(&env).await;
    let receiver = WebhookReceiver::start().await;
    let url = receiver.url();
    let made = hooks::create(
        &env.ctx,
        &w.admin,
        &WebhookInput {
            name: "Budget gate",
            url: &url,
            events: vec!["request.approved"],
            catalog: "",
            enabled: true,
            blocks: true,
            wait_minutes: "",
        },
    )
    .await
    .unwrap();
    receiver.trust(&made.secret);
    let package = package(&env, &w, "Office", |_| {}).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, true, "ok")
        .await
        .unwrap();
    let mut ctx = env.ctx.clone();
    ctx.secrets = Some(key);
    let app = server::router(&config(), ctx);

    let body =
        format!(r#"{{"requestId":"{request}","decision":"continue","reason":"Budget approved"}}"#);
    let now = env.clock.now().timestamp();
    let (status, said) = post(&app, &body, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{said}");
    assert!(said["error"].as_str().unwrap().contains("signature"));
    let stranger = WebhookReceiver::start().await;
    stranger.trust("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let (status, _) = post(&app, &body, Some(stranger.sign(body.as_bytes(), now))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "another secret");
    let (status, _) = post(
        &app,
        &body,
        Some(receiver.sign(body.as_bytes(), now - 3_600)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an hour old");
    let bad = r#"{"requestId":"nope","decision":"continue"}"#;
    let (status, said) = post(&app, bad, Some(receiver.sign(bad.as_bytes(), now))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{said}");
    assert!(
        !member_of(&env, w.office, w.eric.user_id).await,
        "nothing changed"
    );

    let signed = receiver.sign(body.as_bytes(), now);
    let (status, said) = post(&app, &body, Some(signed.clone())).await;
    assert_eq!(status, StatusCode::OK, "{said}");
    assert_eq!(said["state"], "delivered");
    assert!(member_of(&env, w.office, w.eric.user_id).await);
    let (status, said) = post(&app, &body, Some(receiver.sign(body.as_bytes(), now))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{said}");
    assert!(
        said["error"]
            .as_str()
            .unwrap()
            .contains("first answer stands")
    );
    let (_, timeline) = req::timeline(&env.ctx, &w.eric, request).await.unwrap();
    assert!(
        timeline
            .iter()
            .any(|(_, _, t)| t == "Budget gate answered: continue: Budget approved"),
        "{timeline:?}"
    );
}

on_both_databases!(with crate::helpers::server_fn_turn();
    a_receiver_answers_later_signed_with_the_webhooks_secret,
);
