//! Blocking custom extensions: a webhook that holds an approved request until its receiver
//! answers. A receiver (as a customer would write one: it checks the signature) that answers
//! "deny" stops delivery; a later signed "continue" delivers; no answer expires the request; a
//! canceled request drops its hold; an administrator's direct assignment is never held; a
//! second answer changes nothing; a webhook holding requests cannot be deleted.

use chrono::Duration;
use domain::DomainError;
use domain::clock::Clock;
use domain::jobs::{self, JobReport, RunLimits};
use domain::model::*;
use domain::on_both_databases;
use domain::rules::webhooks::WebhookInput;
use domain::secrets::SecretKey;
use domain::service::requests::{self as req, AssignForm, RequestOutcome};
use domain::service::webhooks as hooks;
use domain::testing::*;

/// Sends what is due at the clock's now.
async fn send_now(env: &TestEnv) -> JobReport {
    let report = jobs::deliver_due(&env.ctx, RunLimits::default()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    report
}

/// A blocking webhook ("Budget gate", an hour to answer) trusted by a fresh receiver.
async fn gate(env: &TestEnv, w: &World) -> (WebhookReceiver, WebhookId) {
    let receiver = WebhookReceiver::start().await;
    let url = receiver.url();
    let made = hooks::create(
        &env.ctx,
        &w.admin,
        &WebhookInput {
            name: "Budget gate",
            url: &url,
            events: vec!["request.approved", "request.created"],
            catalog: "",
            enabled: true,
            blocks: true,
            wait_minutes: "60",
        },
    )
    .await
    .unwrap();
    receiver.trust(&made.secret);
    (receiver, made.id)
}

async fn state_of(env: &TestEnv, who: &Actor, request: RequestId) -> (RequestState, String) {
    let mine = req::my_requests(&env.ctx, who).await.unwrap();
    let r = mine.iter().find(|r| r.id == request).unwrap();
    (r.state, r.outcome.clone())
}

async fn a_blocking_extension_that_denies_stops_delivery(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let (receiver, _) = gate(&env, &w).await;
    // A 2xx with a body: a 204 answer has none.
    receiver.answer(200);
    receiver.reply(Some(
        r#"{"decision":"deny","reason":"No budget left this quarter"}"#,
    ));
    let package = package(&env, &w, "Office", |_| {}).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    let outcome = req::decide(&env.ctx, &w.maria, request, true, "ok")
        .await
        .unwrap();
    assert_eq!(outcome, RequestOutcome::AwaitingExtension);
    // Approved but held: still pending, nobody's to decide, nothing granted.
    assert_eq!(
        state_of(&env, &w.eric, request).await.0,
        RequestState::PendingApproval
    );
    assert!(!member_of(&env, w.office, w.eric.user_id).await);
    assert!(
        req::my_approvals(&env.ctx, &w.maria)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    let (_, timeline) = req::timeline(&env.ctx, &w.eric, request).await.unwrap();
    assert!(
        timeline
            .iter()
            .any(|(_, _, text)| text.contains("waiting for Budget gate")),
        "{timeline:?}"
    );
    assert_invariants(&env).await;

    // The receiver hears "request approved" once, asked to answer, and answers "deny".
    send_now(&env).await;
    let got = receiver.accepted();
    let approved: Vec<_> = got
        .iter()
        .filter(|r| r.body["type"] == "request.approved")
        .collect();
    assert_eq!(approved.len(), 1, "{got:?}");
    let data = &approved[0].body["data"];
    assert_eq!(data["request"]["id"], request.to_string());
    assert_eq!(data["extension"]["awaitingAnswer"], true);
    assert_eq!(data["extension"]["answerPath"], "/webhooks/answer");
    let (state, outcome) = state_of(&env, &w.eric, request).await;
    assert_eq!(state, RequestState::Denied);
    assert_eq!(
        outcome,
        "Denied by Budget gate: No budget left this quarter"
    );
    assert!(
        !member_of(&env, w.office, w.eric.user_id).await,
        "nothing delivered"
    );
    let told = "SELECT COUNT(*) FROM notifications WHERE title = 'Request denied: Office'";
    assert_eq!(count_rows(&env, told).await, 1);
    let answered = "SELECT COUNT(*) FROM audit_events WHERE action = 'request.extension_answered'";
    assert_eq!(count_rows(&env, answered).await, 1);
    // No second "request approved", no grant.
    send_now(&env).await;
    let approved_again = receiver
        .accepted()
        .iter()
        .filter(|r| r.body["type"] == "request.approved" || r.body["type"] == "assignment.granted")
        .count();
    assert_eq!(approved_again, 1);
    assert_invariants(&env).await;
}

async fn a_later_signed_answer_delivers_and_no_answer_expires(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let (receiver, hook) = gate(&env, &w).await;
    let package = package(&env, &w, "Office", |_| {}).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, true, "ok")
        .await
        .unwrap();
    send_now(&env).await;
    assert_eq!(
        state_of(&env, &w.eric, request).await.0,
        RequestState::PendingApproval
    );

    // A later answer must be signed with the webhook's secret, and fresh.
    let body = format!(r#"{{"requestId":"{request}","decision":"continue"}}"#);
    let now = env.clock.now().timestamp();
    let (id, at, signature) = receiver.sign(body.as_bytes(), now);
    let forged = signature.replace("v1,", "v1,AAAA");
    assert!(matches!(
        req::answer_signed(&env.ctx, &id, &at, &forged, body.as_bytes()).await,
        Err(DomainError::Unauthenticated)
    ));
    let (old_id, old_at, old_signature) = receiver.sign(body.as_bytes(), now - 600);
    assert!(matches!(
        req::answer_signed(&env.ctx, &old_id, &old_at, &old_signature, body.as_bytes()).await,
        Err(DomainError::Unauthenticated)
    ));
    let tampered = body.replace("continue", "deny");
    assert!(matches!(
        req::answer_signed(&env.ctx, &id, &at, &signature, tampered.as_bytes()).await,
        Err(DomainError::Unauthenticated)
    ));
    assert_eq!(
        state_of(&env, &w.eric, request).await.0,
        RequestState::PendingApproval
    );
    let outcome = req::answer_signed(&env.ctx, &id, &at, &signature, body.as_bytes())
        .await
        .unwrap();
    assert!(
        matches!(outcome, RequestOutcome::Delivered(_)),
        "{outcome:?}"
    );
    assert!(member_of(&env, w.office, w.eric.user_id).await);
    // The first answer wins.
    let deny = body.replace("continue", "deny");
    let (id2, at2, sig2) = receiver.sign(deny.as_bytes(), now);
    assert!(
        req::answer_signed(&env.ctx, &id2, &at2, &sig2, deny.as_bytes())
            .await
            .is_err()
    );
    assert!(matches!(
        req::answer_extension(&env.ctx, request, hook, ExtensionAnswer::Deny, "").await,
        Err(DomainError::Conflict(_))
    ));
    assert_eq!(
        state_of(&env, &w.eric, request).await.0,
        RequestState::Delivered
    );

    // Without approval, the request is held at once; nobody answers: it expires at the
    // deadline and nothing is delivered.
    let open = package_with(&env, &w, "Printers").await;
    let (held, outcome) = req::submit_request(&env.ctx, &w.nora, open, &ask("printing"))
        .await
        .unwrap();
    assert_eq!(outcome, RequestOutcome::AwaitingExtension);
    // Fiona's is held too, and she cancels it.
    let (canceled, _) = req::submit_request(&env.ctx, &w.fiona, open, &ask("printing"))
        .await
        .unwrap();
    req::cancel_request(&env.ctx, &w.fiona, canceled)
        .await
        .unwrap();
    // An administrator's direct assignment is the administrator's decision: never held.
    let policy = first_policy(&env, &w.admin, open).await;
    let direct = req::assign_directly(
        &env.ctx,
        &w.admin,
        open,
        &AssignForm {
            users: vec![w.maria.user_id],
            policy: Some(policy),
            justification: "covering".into(),
            ..AssignForm::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(direct.len(), 1);
    // The webhook can't be deleted while it holds a request.
    let e = hooks::delete(&env.ctx, &w.admin, hook).await.unwrap_err();
    assert!(conflict(e).contains("holds 1 approved request"));
    let report = run_at(&env, env.clock.now() + Duration::minutes(61)).await;
    assert_eq!(report.requests_expired, 1, "{report:?}");
    let (state, outcome) = state_of(&env, &w.nora, held).await;
    assert_eq!(state, RequestState::Expired);
    assert!(outcome.contains("Budget gate did not answer"), "{outcome}");
    assert_eq!(
        state_of(&env, &w.fiona, canceled).await.0,
        RequestState::Canceled
    );
    assert!(!member_of(&env, w.office, w.nora.user_id).await);
    assert_invariants(&env).await;
    hooks::delete(&env.ctx, &w.admin, hook).await.unwrap();
}

/// A package of Office Licenses without approval.
async fn package_with(env: &TestEnv, w: &World, name: &str) -> AccessPackageId {
    package(env, w, name, |p| p.require_approval = false).await
}

on_both_databases!(
    a_blocking_extension_that_denies_stops_delivery,
    a_later_signed_answer_delivers_and_no_answer_expires,
);
