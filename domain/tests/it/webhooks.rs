//! Webhooks against a receiver that checks signatures as a customer's would: each lifecycle
//! event reaches it once, signed, with the body the documentation describes; a receiver that is
//! down fails the delivery, which is retried with backoff, given up after 12 attempts, and sent
//! again by Reprocess; a webhook limited to a catalog or disabled hears nothing else; bad
//! settings are refused field by field; only governance administrators configure webhooks; the
//! secret is sealed at rest and never audited.

use chrono::Duration;
use domain::DomainError;
use domain::clock::Clock;
use domain::jobs::{self, JobReport, RunLimits};
use domain::model::*;
use domain::on_both_databases;
use domain::rules::webhooks::WebhookInput;
use domain::secrets::SecretKey;
use domain::service::catalogs::{self as cat, CatalogInput};
use domain::service::requests as req;
use domain::service::webhooks as hooks;
use domain::testing::*;
use serde_json::Value;

fn input<'a>(url: &'a str, events: Vec<&'a str>) -> WebhookInput<'a> {
    WebhookInput {
        name: "HR automation",
        url,
        events,
        catalog: "",
        enabled: true,
        blocks: false,
        wait_minutes: "",
    }
}

const ALL: [&str; 7] = [
    "request.created",
    "request.approved",
    "request.denied",
    "assignment.granted",
    "assignment.removed",
    "assignment.expiring",
    "review.completed",
];

/// Sends what is due at the clock's `at`.
async fn deliver_at(env: &TestEnv, at: chrono::DateTime<chrono::Utc>) -> JobReport {
    env.clock.set(at);
    let report = jobs::deliver_due(&env.ctx, RunLimits::default()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    report
}

fn types(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.body["type"].as_str().unwrap_or("").to_owned())
        .collect()
}

use domain::testing::webhooks::Received;

async fn lifecycle_events_reach_the_receiver_signed_once_each(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let receiver = WebhookReceiver::start().await;
    let url = receiver.url();
    let made = hooks::create(&env.ctx, &w.admin, &input(&url, ALL.to_vec()))
        .await
        .unwrap();
    assert!(made.secret.starts_with("whsec_"), "{}", made.secret);
    receiver.trust(&made.secret);

    // The test event says the receiver holds the secret.
    let test = hooks::send_test(&env.ctx, &w.admin, made.id).await.unwrap();
    assert!(test.ok, "{test:?}");
    assert_eq!(types(&receiver.accepted()), ["ping"]);

    let package = package(&env, &w, "Office", |_| {}).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, true, "ok")
        .await
        .unwrap();
    assert_eq!(receiver.accepted().len(), 1, "nothing before the job");
    let now = env.clock.now();
    let report = deliver_at(&env, now).await;
    assert_eq!((report.webhooks_delivered, report.webhooks_failed), (3, 0));
    let got = receiver.accepted();
    let mut kinds = types(&got[1..]);
    kinds.sort();
    assert_eq!(
        kinds,
        ["assignment.granted", "request.approved", "request.created"]
    );
    let by_type = |t: &str| -> Value {
        got.iter()
            .find(|r| r.body["type"] == t)
            .map(|r| r.body.clone())
            .unwrap()
    };
    let created = by_type("request.created");
    assert_eq!(created["data"]["request"]["id"], request.to_string());
    assert_eq!(created["data"]["request"]["requestType"], "userAdd");
    assert_eq!(created["data"]["request"]["justification"], "reports");
    assert_eq!(
        created["data"]["requestor"]["email"],
        "eric@woodgrove.example"
    );
    assert_eq!(created["data"]["accessPackage"]["displayName"], "Office");
    assert_eq!(created["data"]["catalog"]["displayName"], "General");
    assert!(created["timestamp"].as_str().is_some());
    let approved = by_type("request.approved");
    assert_eq!(approved["data"]["request"]["state"], "delivered");
    let granted = by_type("assignment.granted");
    assert_eq!(granted["data"]["assignment"]["state"], "delivered");
    assert_eq!(granted["data"]["target"]["email"], "eric@woodgrove.example");
    let assignment = granted["data"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Each event has its own webhook-id, and none is sent twice.
    let mut ids: Vec<&str> = got.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), got.len());
    assert_eq!(deliver_at(&env, now).await.webhooks_delivered, 0, "once");

    // 14 days and 1 day before the end, then the end: expiring twice, then removed.
    let ends = chrono::DateTime::parse_from_rfc3339(
        granted["data"]["assignment"]["endDateTime"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
    .with_timezone(&chrono::Utc);
    run_at(&env, ends - Duration::days(13)).await;
    run_at(&env, ends - Duration::hours(20)).await;
    run_at(&env, ends + Duration::minutes(1)).await;
    deliver_at(&env, ends + Duration::minutes(2)).await;
    // Events of one round arrive in no guaranteed order (8 are sent at once): each is found
    // by what it says.
    let got = receiver.accepted();
    let mut tail: Vec<(String, Value)> = got
        .iter()
        .skip(4)
        .map(|r| {
            (
                r.body["type"].as_str().unwrap().to_owned(),
                r.body["data"].clone(),
            )
        })
        .collect();
    tail.sort_by_key(|(t, d)| (t.clone(), -d["daysLeft"].as_i64().unwrap_or(0)));
    let kinds: Vec<&str> = tail.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "assignment.expiring",
            "assignment.expiring",
            "assignment.removed"
        ]
    );
    assert_eq!(tail[0].1["daysLeft"], 14);
    assert_eq!(tail[1].1["daysLeft"], 1);
    assert_eq!(tail[2].1["assignment"]["id"], assignment.as_str());
    assert_eq!(tail[2].1["assignment"]["state"], "expired");

    // A denied request.
    let (again, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("again"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, again, false, "no longer needed")
        .await
        .unwrap();
    deliver_at(&env, ends + Duration::minutes(3)).await;
    let got = receiver.accepted();
    let mut last = types(&got[7..]);
    last.sort();
    assert_eq!(
        last,
        ["request.created", "request.denied"],
        "{:?}",
        types(&got)
    );
    let denied = got[7..]
        .iter()
        .find(|r| r.body["type"] == "request.denied")
        .unwrap();
    assert_eq!(denied.body["data"]["request"]["state"], "denied");
    assert_eq!(denied.body["data"]["request"]["id"], again.to_string());
    assert!(receiver.received().iter().all(|r| r.verified));

    // The secret is sealed at rest and never in the audit trail.
    let leaked = count_rows(
        &env,
        &format!(
            "SELECT COUNT(*) FROM webhooks WHERE secret LIKE '%{}%'",
            &made.secret[6..]
        ),
    )
    .await;
    assert_eq!(leaked, 0);
    let audited = count_rows(
        &env,
        &format!(
            "SELECT COUNT(*) FROM audit_events WHERE COALESCE(after_json, '') LIKE '%{0}%' OR COALESCE(before_json, '') LIKE '%{0}%' OR summary LIKE '%{0}%'",
            &made.secret[6..]
        ),
    )
    .await;
    assert_eq!(audited, 0);
    assert_invariants(&env).await;
}

async fn a_receiver_that_is_down_is_retried_given_up_and_reprocessed(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let receiver = WebhookReceiver::start().await;
    let url = receiver.url();
    let made = hooks::create(&env.ctx, &w.admin, &input(&url, vec!["request.created"]))
        .await
        .unwrap();
    receiver.trust(&made.secret);
    receiver.answer(503);
    let package = package(&env, &w, "Office", |_| {}).await;
    req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    let now = env.clock.now();
    let report = deliver_at(&env, now).await;
    assert_eq!((report.webhooks_delivered, report.webhooks_failed), (0, 1));
    let d = hooks::detail(&env.ctx, &w.admin, made.id).await.unwrap();
    assert_eq!(d.webhook.failing, 1);
    let failure = &d.deliveries[0];
    assert_eq!(
        (failure.state, failure.attempts, failure.status),
        (DeliveryState::Failed, 1, Some(503))
    );
    let error = failure.error.clone().unwrap();
    assert!(
        error.contains("HTTP 503") && error.contains("retried"),
        "{error}"
    );
    assert_eq!(failure.next_attempt_at, Some(now + Duration::minutes(1)));
    assert_eq!(
        deliver_at(&env, now).await.webhooks_failed,
        0,
        "not due yet"
    );

    // Back up: the retry delivers it once, even with two instances at it, with the same id.
    receiver.answer(204);
    env.clock.set(now + Duration::minutes(1));
    let (a, b) = tokio::join!(
        jobs::deliver_due(&env.ctx, RunLimits::default()),
        jobs::deliver_due(&env.ctx, RunLimits::default())
    );
    assert_eq!(
        a.webhooks_delivered + b.webhooks_delivered,
        1,
        "{a:?} {b:?}"
    );
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].id, received[1].id,
        "a retry keeps its webhook-id"
    );
    assert_eq!((received[0].status, received[1].status), (503, 204));
    let d = hooks::detail(&env.ctx, &w.admin, made.id).await.unwrap();
    assert_eq!(d.deliveries[0].state, DeliveryState::Delivered);
    assert_eq!(d.webhook.failing, 0);

    // Down for good: twelve attempts, then it waits for Reprocess.
    receiver.answer(500);
    req::submit_request(&env.ctx, &w.nora, package, &ask("mine"))
        .await
        .unwrap();
    let mut at = now + Duration::minutes(2);
    for _ in 0..12 {
        deliver_at(&env, at).await;
        at += Duration::hours(7);
    }
    assert_eq!(deliver_at(&env, at).await.webhooks_failed, 0, "given up");
    let d = hooks::detail(&env.ctx, &w.admin, made.id).await.unwrap();
    let gave_up = &d.deliveries[0];
    assert_eq!(
        (gave_up.state, gave_up.attempts),
        (DeliveryState::Failed, 12)
    );
    assert_eq!(gave_up.next_attempt_at, None);
    receiver.answer(200);
    // The operator's `tessera webhooks test "hr automation"` reaches the receiver too; an
    // unknown name is a field error.
    assert!(
        hooks::operator_test(&env.ctx, "hr automation")
            .await
            .unwrap()
            .ok
    );
    match hooks::operator_test(&env.ctx, "Nothing").await {
        Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, "name"),
        other => panic!("expected a field error: {other:?}"),
    }
    assert_eq!(hooks::operator_list(&env.ctx).await.unwrap()[0].failing, 1);
    assert_eq!(
        hooks::reprocess(&env.ctx, &w.admin, made.id).await.unwrap(),
        1
    );
    assert_eq!(deliver_at(&env, at).await.webhooks_delivered, 1);
    assert_eq!(
        receiver.accepted().len(),
        3,
        "the operator's test event and the event"
    );
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.reprocessed'"
        )
        .await,
        1
    );
    assert_eq!(
        hooks::operator_reprocess(&env.ctx, "HR automation")
            .await
            .unwrap(),
        0
    );

    // A secret rotated: the receiver holding the old one refuses what is signed now.
    let rotated = hooks::rotate_secret(&env.ctx, &w.admin, made.id)
        .await
        .unwrap();
    assert_ne!(rotated.secret, made.secret);
    let test = hooks::send_test(&env.ctx, &w.admin, made.id).await.unwrap();
    assert!(!test.ok);
    assert!(
        test.error.unwrap().contains("signature"),
        "{:?}",
        test.steps
    );
    receiver.trust(&rotated.secret);
    assert!(
        hooks::send_test(&env.ctx, &w.admin, made.id)
            .await
            .unwrap()
            .ok
    );
    assert_invariants(&env).await;
}

async fn webhooks_hear_only_their_catalog_and_only_admins_configure_them(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let receiver = WebhookReceiver::start().await;
    let url = receiver.url();
    let other = cat::create(
        &env.ctx,
        &w.admin,
        &CatalogInput {
            name: "Engineering",
            description: "",
            enabled: true,
        },
    )
    .await
    .unwrap();
    let other_text = other.to_string();
    let elsewhere = hooks::create(
        &env.ctx,
        &w.admin,
        &WebhookInput {
            name: "Engineering only",
            catalog: &other_text,
            ..input(&url, vec!["request.created"])
        },
    )
    .await
    .unwrap();
    let disabled = hooks::create(
        &env.ctx,
        &w.admin,
        &WebhookInput {
            name: "Paused",
            enabled: false,
            blocks: false,
            wait_minutes: "",
            ..input(&url, vec!["request.created"])
        },
    )
    .await
    .unwrap();
    let package = package(&env, &w, "Office", |_| {}).await;
    req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    deliver_at(&env, env.clock.now()).await;
    assert!(receiver.received().is_empty());
    for id in [elsewhere.id, disabled.id] {
        let d = hooks::detail(&env.ctx, &w.admin, id).await.unwrap();
        assert!(d.deliveries.is_empty(), "{d:?}");
    }

    // Bad settings: every field named, nothing changed.
    match hooks::create(
        &env.ctx,
        &w.admin,
        &WebhookInput {
            name: "",
            url: "http://hooks.example.com/x",
            events: vec!["ping"],
            catalog: "00000000-0000-7000-8000-000000000000",
            enabled: true,
            blocks: false,
            wait_minutes: "",
        },
    )
    .await
    {
        Err(DomainError::Invalid(e)) => {
            let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, ["name", "url", "events"], "{e:?}");
        }
        other => panic!("expected field errors: {other:?}"),
    }
    match hooks::create(
        &env.ctx,
        &w.admin,
        &WebhookInput {
            catalog: "00000000-0000-7000-8000-000000000000",
            name: "Nowhere",
            ..input(&url, vec!["request.created"])
        },
    )
    .await
    {
        Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, "catalog"),
        other => panic!("expected a field error: {other:?}"),
    }
    match hooks::create(&env.ctx, &w.admin, &input(&url, vec!["request.created"])).await {
        Ok(_) => {}
        other => panic!("{other:?}"),
    }
    match hooks::create(&env.ctx, &w.admin, &input(&url, vec!["request.created"])).await {
        Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, "name"),
        other => panic!("a repeated name: {other:?}"),
    }
    assert_eq!(hooks::list(&env.ctx, &w.admin).await.unwrap().len(), 3);

    // Only governance administrators.
    for who in [&w.eric, &w.maria] {
        assert!(matches!(
            hooks::create(&env.ctx, who, &input(&url, vec!["request.created"])).await,
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            hooks::list(&env.ctx, who).await,
            Err(DomainError::Forbidden(_))
        ));
    }
    // No key, no webhook: the secret could not be sealed.
    env.ctx.secrets = None;
    match hooks::create(
        &env.ctx,
        &w.admin,
        &WebhookInput {
            name: "Keyless",
            ..input(&url, vec!["request.created"])
        },
    )
    .await
    {
        Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, "name"),
        other => panic!("{other:?}"),
    }
    hooks::delete(&env.ctx, &w.admin, disabled.id)
        .await
        .unwrap();
    assert_eq!(hooks::list(&env.ctx, &w.admin).await.unwrap().len(), 2);
    assert_invariants(&env).await;
}

on_both_databases!(
    lifecycle_events_reach_the_receiver_signed_once_each,
    a_receiver_that_is_down_is_retried_given_up_and_reprocessed,
    webhooks_hear_only_their_catalog_and_only_admins_configure_them,
);
