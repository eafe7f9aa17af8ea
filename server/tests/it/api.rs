//! `/api/v1` end to end in-process: the tutorial through the API alone (Eric requests, Maria
//! approves, an administrator reads the assignment), with tokens; idempotent retries; every
//! refusal as an RFC 7807 problem; the rate limit; and an independent checker (schemathesis,
//! from PyPI) against a running server, which must find no server error and no answer that
//! breaks the OpenAPI document.

use crate::helpers::*;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use domain::clock::Clock;
use domain::model::*;
use domain::on_both_databases;
use domain::service::api_tokens as tokens;
use domain::testing::*;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn token(env: &TestEnv, who: &Actor, scope: &str) -> String {
    let form = ApiTokenForm {
        name: format!("{} script", who.display_name),
        scope: scope.into(),
        days: String::new(),
        catalog: String::new(),
    };
    tokens::create(&env.ctx, who, &form).await.unwrap().secret
}

async fn send(
    app: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 8 * 1024 * 1024)
        .await
        .unwrap();
    if !status.is_success() {
        assert_eq!(
            headers.get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json",
            "{method} {path}: every refusal is a problem"
        );
    }
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn get(app: &Router, path: &str, token: &str) -> Value {
    let (status, _, body) = send(app, "GET", path, Some(token), None, &[]).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

/// The tutorial through the API alone: Eric finds and requests the package (a retry with the
/// same Idempotency-Key creates nothing more), Maria finds it among her approvals and approves
/// it (a second decision is 409), and an administrator's read-only token lists the assignment
/// and the audit events, and may change nothing.
async fn the_tutorial_through_the_api_alone(env: TestEnv) {
    let w = world(&env).await;
    let app = router(&env);
    let (eric, maria, admin) = (
        token(&env, &w.eric, "read_write").await,
        token(&env, &w.maria, "read_write").await,
        token(&env, &w.admin, "read").await,
    );
    let governance = token(&env, &w.admin, "read_write").await;
    let groups = get(&app, "/api/v1/groups?search=office", &admin).await;
    assert_eq!(groups["value"][0]["displayName"], "Office Licenses");
    let new_package = json!({
        "displayName": "Office Licenses",
        "description": "Access to licenses for Office applications",
        "resourceRoleScopes": [{"role": "Member", "groupId": groups["value"][0]["id"]}],
        "assignmentPolicy": {
            "allowedTargetScope": "allMemberUsers",
            "requestApprovalSettings": {"stages": [{
                "primaryApprovers": [{"@odata.type": "#microsoft.graph.requestorManager"}],
                "fallbackPrimaryApprovers": [{"@odata.type": "#microsoft.graph.singleUser", "userId": w.fiona.user_id.to_string()}]
            }]},
            "expiration": {"type": "afterDuration", "duration": "P365D"}
        }
    });
    // A read-only token makes nothing; a mistake is named by its field; then it is made.
    let (status, _, _) = send(
        &app,
        "POST",
        "/api/v1/accessPackages",
        Some(&admin),
        Some(new_package.clone()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut unnamed = new_package.clone();
    unnamed["displayName"] = json!("");
    let (status, _, body) = send(
        &app,
        "POST",
        "/api/v1/accessPackages",
        Some(&governance),
        Some(unnamed),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM access_packages").await,
        0
    );
    let (status, _, made) = send(
        &app,
        "POST",
        "/api/v1/accessPackages",
        Some(&governance),
        Some(new_package),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let package = AccessPackageId(made["id"].as_str().unwrap().parse().unwrap());
    assert!(made["assignmentPolicyId"].is_string());
    // Eric may not create packages.
    let (status, _, _) = send(&app, "POST", "/api/v1/accessPackages", Some(&eric), Some(json!({"displayName": "Mine", "assignmentPolicy": {"allowedTargetScope": "allMemberUsers"}})), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let me = get(&app, "/api/v1/me", &eric).await;
    assert_eq!(me["mail"], w.eric.email);
    assert_eq!(me["tokenScope"], "read_write");
    let available = get(&app, "/api/v1/me/accessPackages", &eric).await;
    assert_eq!(available["value"][0]["displayName"], "Office Licenses");
    assert_eq!(available["value"][0]["status"], "available");

    let ask = json!({
        "requestType": "userAdd",
        "accessPackageId": package.to_string(),
        "justification": "I need Office for the quarterly report",
    });
    let key = [("Idempotency-Key", "eric-office-1")];
    let (status, _, first) = send(
        &app,
        "POST",
        "/api/v1/assignmentRequests",
        Some(&eric),
        Some(ask.clone()),
        &key,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["state"], "pendingApproval");
    assert_eq!(first["approvalStage"], 1);
    let (status, headers, again) = send(
        &app,
        "POST",
        "/api/v1/assignmentRequests",
        Some(&eric),
        Some(ask.clone()),
        &key,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again, first, "a retry answers the first answer");
    assert_eq!(headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM access_package_requests").await,
        1
    );
    // Without the key, a second request for the same package is refused by the use case.
    let (status, _, dup) = send(
        &app,
        "POST",
        "/api/v1/assignmentRequests",
        Some(&eric),
        Some(ask),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{dup}");
    let mine = get(&app, "/api/v1/me/assignmentRequests", &eric).await;
    assert_eq!(mine["@odata.count"], 1);
    assert_eq!(mine["value"][0]["accessPackage"]["id"], package.to_string());
    let request_id = first["id"].as_str().unwrap().to_owned();

    let approvals = get(&app, "/api/v1/me/approvals", &maria).await;
    assert_eq!(approvals["value"][0]["id"], request_id);
    assert_eq!(approvals["value"][0]["requestor"]["mail"], w.eric.email);
    assert_eq!(
        approvals["value"][0]["accessPackage"]["id"],
        package.to_string()
    );
    let decide = format!("/api/v1/approvals/{request_id}/decision");
    let approve = json!({"reviewResult": "Approve", "justification": "Approved for the report"});
    // Eric may not decide his own request.
    let (status, _, _) = send(
        &app,
        "POST",
        &decide,
        Some(&eric),
        Some(approve.clone()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, done) = send(
        &app,
        "POST",
        &decide,
        Some(&maria),
        Some(approve.clone()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "delivered");
    let assignment = done["assignmentIds"][0].as_str().unwrap().to_owned();
    let (status, _, late) = send(&app, "POST", &decide, Some(&maria), Some(approve), &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        late["detail"]
            .as_str()
            .unwrap()
            .contains("already approved"),
        "{late}"
    );

    let timeline = get(
        &app,
        &format!("/api/v1/assignmentRequests/{request_id}"),
        &eric,
    )
    .await;
    assert_eq!(timeline["state"], "delivered");
    assert!(timeline["history"].as_array().unwrap().len() >= 2);
    let held = get(&app, "/api/v1/me/accessPackages?tab=active", &eric).await;
    assert_eq!(held["value"][0]["status"], "active");

    let assignments = get(
        &app,
        &format!("/api/v1/accessPackages/{package}/assignments"),
        &admin,
    )
    .await;
    assert_eq!(assignments["@odata.count"], 1);
    assert_eq!(assignments["value"][0]["id"], assignment);
    assert_eq!(assignments["value"][0]["target"]["mail"], w.eric.email);
    assert_eq!(assignments["value"][0]["state"], "delivered");
    let detail = get(&app, &format!("/api/v1/accessPackages/{package}"), &admin).await;
    assert_eq!(
        detail["resourceRoleScopes"][0]["scope"]["displayName"],
        "Office Licenses"
    );
    assert_eq!(
        detail["resourceRoleScopes"][0]["role"]["displayName"],
        "Member"
    );
    assert_eq!(detail["assignmentCount"], 1);
    let audit = get(&app, "/api/v1/auditEvents?activity=request", &admin).await;
    assert!(
        audit["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["activity"] == "request.approved")
    );

    // A read-only token changes nothing, through any write.
    let remove = json!({"requestType": "adminRemove", "assignmentId": assignment});
    let (status, _, refused) = send(
        &app,
        "POST",
        "/api/v1/assignmentRequests",
        Some(&admin),
        Some(remove.clone()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        refused["detail"].as_str().unwrap().contains("Read only"),
        "{refused}"
    );
    // With a read-write token the administrator removes it.
    let admin_rw = token(&env, &w.admin, "read_write").await;
    let (status, _, removed) = send(
        &app,
        "POST",
        "/api/v1/assignmentRequests",
        Some(&admin_rw),
        Some(remove),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{removed}");
    assert_eq!(removed["state"], "removed");
    let live = get(
        &app,
        &format!("/api/v1/accessPackages/{package}/assignments"),
        &admin,
    )
    .await;
    assert_eq!(live["@odata.count"], 0);
    assert_invariants(&env).await;
}

/// Lists page with `$top` and the `@odata.nextLink` they give, which leads to the rest.
async fn lists_page_with_next_links(env: TestEnv) {
    let w = world(&env).await;
    for name in ["Alpha", "Bravo", "Charlie"] {
        package(&env, &w, name, |_| {}).await;
    }
    let app = router(&env);
    let admin = token(&env, &w.admin, "read").await;
    let first = get(&app, "/api/v1/accessPackages?$top=2", &admin).await;
    assert_eq!(first["@odata.count"], 3);
    assert_eq!(first["value"].as_array().unwrap().len(), 2);
    let next = first["@odata.nextLink"].as_str().unwrap();
    let second = get(&app, next, &admin).await;
    assert_eq!(second["value"].as_array().unwrap().len(), 1);
    assert_eq!(second["value"][0]["displayName"], "Charlie");
    assert!(second.get("@odata.nextLink").is_none());
    let found = get(&app, "/api/v1/accessPackages?search=brav", &admin).await;
    assert_eq!(found["@odata.count"], 1);
}

/// Every refusal is a problem document that says what is wrong (by field for bad input), and
/// changes nothing.
async fn refusals_are_problems_that_change_nothing(env: TestEnv) {
    let w = world(&env).await;
    let package = package(&env, &w, "Office Licenses", |_| {}).await;
    let app = router(&env);
    let eric = token(&env, &w.eric, "read_write").await;

    let (status, headers, body) = send(&app, "GET", "/api/v1/me", None, None, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.get(header::WWW_AUTHENTICATE).is_some());
    assert_eq!(body["status"], 401);
    let (status, _, _) = send(&app, "GET", "/api/v1/me", Some("tsr_0000"), None, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, body) = send(&app, "GET", "/api/v1/nothing-here", Some(&eric), None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _, body) = send(
        &app,
        "GET",
        "/api/v1/accessPackages?$top=0",
        Some(&w_admin_token(&env, &w).await),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "$top");
    let (status, _, _) = send(
        &app,
        "GET",
        "/api/v1/accessPackages",
        Some(&eric),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "Eric administers nothing");
    let (status, _, _) = send(
        &app,
        "GET",
        &format!("/api/v1/accessPackages/{}", uuid::Uuid::now_v7()),
        Some(&w_admin_token(&env, &w).await),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(
        &app,
        "GET",
        "/api/v1/me/accessPackages?tab=everything",
        Some(&eric),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Bodies: not JSON, not what the call takes, the wrong type, a field the use case refuses.
    let path = "/api/v1/assignmentRequests";
    let raw = |body: &'static str, kind: &'static str| {
        let app = app.clone();
        let eric = eric.clone();
        async move {
            let resp = app
                .oneshot(
                    Request::post(path)
                        .header(header::AUTHORIZATION, format!("Bearer {eric}"))
                        .header(header::CONTENT_TYPE, kind)
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await
                .unwrap();
            resp.status()
        }
    };
    assert_eq!(
        raw("{not json", "application/json").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        raw("{}", "text/plain").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let (status, _, body) = send(
        &app,
        "POST",
        path,
        Some(&eric),
        Some(json!({"requestType": "userAdd", "surprise": 1})),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["detail"].as_str().unwrap().contains("surprise"),
        "{body}"
    );
    let (status, _, body) = send(
        &app,
        "POST",
        path,
        Some(&eric),
        Some(json!({"requestType": "userAdd"})),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "accessPackageId");
    let too_long = "x".repeat(5000);
    let (status, _, body) = send(&app, "POST", path, Some(&eric), Some(json!({"requestType": "userAdd", "accessPackageId": package.to_string(), "justification": too_long})), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "justification");
    let (status, _, _) = send(
        &app,
        "POST",
        path,
        Some(&eric),
        Some(json!({"requestType": "userAdd", "accessPackageId": package.to_string()})),
        &[("Idempotency-Key", "")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // NUL, which PostgreSQL cannot keep, is refused alike on both databases.
    let (status, _, body) = send(
        &app,
        "GET",
        "/api/v1/me/accessPackages?search=a%00b",
        Some(&eric),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, body) = send(&app, "POST", path, Some(&eric), Some(json!({"requestType": "userAdd", "accessPackageId": package.to_string(), "justification": "a\u{0}b"})), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("NUL"), "{body}");
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM access_package_requests").await,
        0
    );

    // A refusal kept under an Idempotency-Key is answered again, not re-run.
    let bad = json!({"requestType": "userAdd"});
    let key = [("Idempotency-Key", "k")];
    let (s1, _, b1) = send(&app, "POST", path, Some(&eric), Some(bad.clone()), &key).await;
    let (s2, h2, b2) = send(&app, "POST", path, Some(&eric), Some(bad), &key).await;
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    let (status, _, body) = send(
        &app,
        "POST",
        path,
        Some(&eric),
        Some(json!({"requestType": "adminAdd"})),
        &key,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the same key with another body: {body}"
    );
}

async fn w_admin_token(env: &TestEnv, w: &World) -> String {
    token(env, &w.admin, "read").await
}

/// A token over its calls a minute gets 429 with Retry-After; other tokens are not slowed.
async fn a_busy_token_is_told_when_to_come_back(env: TestEnv) {
    let w = world(&env).await;
    let mut config = config();
    config.api_per_minute = std::num::NonZeroU32::new(3).unwrap();
    let app = server::router(&config, env.ctx.clone());
    let (eric, maria) = (
        token(&env, &w.eric, "read").await,
        token(&env, &w.maria, "read").await,
    );
    for _ in 0..3 {
        assert_eq!(
            send(&app, "GET", "/api/v1/me", Some(&eric), None, &[])
                .await
                .0,
            StatusCode::OK
        );
    }
    let (status, headers, body) = send(&app, "GET", "/api/v1/me", Some(&eric), None, &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let wait: u64 = headers
        .get(header::RETRY_AFTER)
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert_eq!(
        send(&app, "GET", "/api/v1/me", Some(&maria), None, &[])
            .await
            .0,
        StatusCode::OK
    );
}

/// The document is served, OpenAPI 3.1, and the browsable page lists its operations.
async fn the_document_and_its_page_are_served(env: TestEnv) {
    let app = router(&env);
    let resp = app
        .clone()
        .oneshot(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let doc: Value = serde_json::from_slice(
        &axum::body::to_bytes(resp.into_body(), 1 << 22)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/assignmentRequests"]["post"].is_object());
    let resp = app
        .oneshot(Request::get("/api/v1/docs").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let page = String::from_utf8(
        axum::body::to_bytes(resp.into_body(), 1 << 22)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(page.contains("/api/v1/approvals/{id}/decision"), "{page}");
}

fn schemathesis() -> Option<String> {
    let bin = std::env::var("TESSERA_SCHEMATHESIS").unwrap_or_else(|_| {
        format!(
            "{}/../.tools/schemathesis/bin/schemathesis",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    if std::path::Path::new(&bin).exists() {
        return Some(bin);
    }
    assert!(
        !domain::testing::postgres_required(),
        "schemathesis is required (CI): run scripts/setup.sh or set TESSERA_SCHEMATHESIS"
    );
    eprintln!("SKIPPED: schemathesis is not installed ({bin}); run scripts/setup.sh");
    None
}

/// schemathesis (PyPI) against a running server with a package, a pending request and an
/// administrator's read-write token: every operation, generated inputs, and every answer
/// checked against the document. No server error, no answer outside the document.
async fn schemathesis_finds_no_failure(env: TestEnv) {
    let Some(bin) = schemathesis() else { return };
    let w = world(&env).await;
    let package = package(&env, &w, "Office Licenses", |_| {}).await;
    domain::service::requests::submit_request(&env.ctx, &w.eric, package, &ask("for the report"))
        .await
        .unwrap();
    let admin = token(&env, &w.admin, "read_write").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = config();
    config.public_url = url.clone();
    let app = server::router(&config, env.ctx.clone());
    let served = tokio::spawn(async move { axum::serve(listener, app).await });
    let args = vec![
        "run".to_owned(),
        format!("{url}/api/v1/openapi.json"),
        "--url".to_owned(),
        url.clone(),
        "--header".to_owned(),
        format!("Authorization: Bearer {admin}"),
        "--checks".to_owned(),
        "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance".to_owned(),
        "--max-examples".to_owned(),
        "40".to_owned(),
        "--seed".to_owned(),
        "1".to_owned(),
        "--no-color".to_owned(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&bin)
            .args(&args)
            // Its caches (.schemathesis, .hypothesis) go there, not into the repository.
            .current_dir(std::env::temp_dir())
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    served.abort();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "schemathesis: {}",
        text.lines().rev().take(12).collect::<Vec<_>>().join(" | ")
    );
}

/// Two scripts read the package and change it: the first change (If-Match with the ETag it
/// read) is made, the second, from the same ETag, is 412 and changes nothing; without
/// If-Match it is 428; a read-only token is 403.
async fn a_change_from_an_old_etag_is_refused(env: TestEnv) {
    let w = world(&env).await;
    let package = package(&env, &w, "Office Licenses", |_| {}).await;
    let app = router(&env);
    let admin = token(&env, &w.admin, "read_write").await;
    let path = format!("/api/v1/accessPackages/{package}");
    let (status, headers, read) = send(&app, "GET", &path, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        read["@odata.etag"],
        etag.as_str(),
        "the body carries it too"
    );
    assert_eq!(read["assignmentPolicies"][0]["@odata.etag"], "\"v1\"");

    let change = json!({"description": "Licenses for Office, from the script"});
    let (status, _, body) = send(
        &app,
        "PATCH",
        &path,
        Some(&admin),
        Some(change.clone()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{body}");
    let if_match = [("if-match", etag.as_str())];
    let (status, headers, body) =
        send(&app, "PATCH", &path, Some(&admin), Some(change), &if_match).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["description"], "Licenses for Office, from the script");
    assert_eq!(body["displayName"], "Office Licenses", "left out: kept");
    let newer = headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(newer, etag);

    let late = json!({"isHidden": true});
    let (status, _, body) = send(
        &app,
        "PATCH",
        &path,
        Some(&admin),
        Some(late.clone()),
        &if_match,
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("GET it again"),
        "{body}"
    );
    let now = get(&app, &path, &admin).await;
    assert_eq!(now["isHidden"], false, "nothing changed");
    let (status, _, body) = send(
        &app,
        "PATCH",
        &path,
        Some(&admin),
        Some(json!({"displayName": ""})),
        &[("if-match", newer.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "displayName", "{body}");
    let reader = token(&env, &w.admin, "read").await;
    let (status, _, _) = send(
        &app,
        "PATCH",
        &path,
        Some(&reader),
        Some(late.clone()),
        &[("if-match", newer.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let eric = token(&env, &w.eric, "read_write").await;
    let (status, _, _) = send(
        &app,
        "PATCH",
        &path,
        Some(&eric),
        Some(late.clone()),
        &[("if-match", newer.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = send(
        &app,
        "PATCH",
        &path,
        Some(&admin),
        Some(late),
        &[("if-match", newer.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["isHidden"], true);
}

/// A policy read, changed part by part from its ETag, and read back: the parts left out (its
/// access reviews, its approval stage's deadline) stay; a stale ETag is 412 and changes
/// nothing; a wrong part is 422 by field.
async fn a_policy_is_read_and_changed_from_its_etag(env: TestEnv) {
    let w = world(&env).await;
    let package = package(&env, &w, "Office Licenses", |p| {
        p.review.required = true;
        p.stages[0].decision_days = "7".into();
        p.questions = vec![QuestionDraft {
            key: 0,
            text: "Why?".into(),
            format: AnswerFormat::LongText,
            choices: String::new(),
            required: true,
            pattern: String::new(),
        }];
    })
    .await;
    let app = router(&env);
    let admin = token(&env, &w.admin, "read_write").await;
    let detail = get(&app, &format!("/api/v1/accessPackages/{package}"), &admin).await;
    let policy_etag = detail["assignmentPolicies"][0]["@odata.etag"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!(
        "/api/v1/assignmentPolicies/{}",
        detail["assignmentPolicies"][0]["id"].as_str().unwrap()
    );
    let (status, headers, read) = send(&app, "GET", &path, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(headers.get(header::ETAG).unwrap(), policy_etag.as_str());
    assert_eq!(read["accessPackageId"], package.to_string());
    assert_eq!(read["hasAccessReviews"], true);
    assert_eq!(
        read["requestorSettings"]["enableTargetsToSelfAddAccess"],
        true
    );
    let stage = &read["requestApprovalSettings"]["stages"][0];
    assert_eq!(stage["durationBeforeAutomaticDenial"], "P7D");
    assert_eq!(
        stage["primaryApprovers"][0]["@odata.type"],
        "#microsoft.graph.requestorManager"
    );
    assert_eq!(read["questions"][0]["isSingleLineQuestion"], false);
    assert_eq!(read["expiration"]["type"], "afterDuration");

    // Switch requests off and ask for 30-day assignments; nothing else is given.
    let change = json!({
        "requestorSettings": {"enableTargetsToSelfAddAccess": false},
        "expiration": {"type": "afterDuration", "duration": "P30D"},
    });
    let if_match = [("if-match", policy_etag.as_str())];
    let (status, _, body) = send(
        &app,
        "PATCH",
        &path,
        Some(&admin),
        Some(change.clone()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{body}");
    let (status, headers, body) =
        send(&app, "PATCH", &path, Some(&admin), Some(change), &if_match).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_ne!(headers.get(header::ETAG).unwrap(), policy_etag.as_str());
    assert_eq!(
        body["requestorSettings"]["enableTargetsToSelfAddAccess"],
        false
    );
    assert_eq!(body["expiration"]["duration"], "P30D");
    assert_eq!(body["hasAccessReviews"], true, "kept");
    assert_eq!(
        body["requestApprovalSettings"]["stages"][0]["durationBeforeAutomaticDenial"], "P7D",
        "kept"
    );
    assert_eq!(body["questions"][0]["text"], "Why?", "kept");
    // The use case saw it: the policy no longer takes requests.
    let stored = domain::service::packages::detail(&env.ctx, &w.admin, package)
        .await
        .unwrap();
    assert!(!stored.policies[0].draft.enabled);
    assert_eq!(stored.policies[0].draft.expiry_days, "30");
    assert!(stored.policies[0].spec.review.is_some());

    // A second script with the old ETag is refused; nothing changes.
    let late = json!({"displayName": "Renamed"});
    let (status, _, body) = send(&app, "PATCH", &path, Some(&admin), Some(late), &if_match).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
    let now = get(&app, &path, &admin).await;
    assert_ne!(now["displayName"], "Renamed");
    // A wrong part is named, with the wizard's words.
    let fresh = now["@odata.etag"].as_str().unwrap().to_owned();
    let (status, _, body) = send(
        &app,
        "PATCH",
        &path,
        Some(&admin),
        Some(json!({"allowedTargetScope": "everyone"})),
        &[("if-match", fresh.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "allowedTargetScope");
    let (status, _, body) = send(
        &app,
        "PATCH",
        &path,
        Some(&admin),
        Some(json!({"expiration": {"type": "afterDuration", "duration": "P0D"}})),
        &[("if-match", fresh.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Someone without the catalog role may neither read nor change it.
    let eric = token(&env, &w.eric, "read_write").await;
    let (status, _, _) = send(&app, "GET", &path, Some(&eric), None, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        get(&app, &path, &admin).await["@odata.etag"],
        fresh.as_str(),
        "unchanged"
    );
}

/// `$filter` as Graph writes it, percent-encoded as a client sends it.
fn filter(text: &str) -> String {
    text.replace('/', "%2F")
        .replace(' ', "%20")
        .replace('\'', "%27")
}

/// Graph's top-level lists: `/assignments` and `/assignmentRequests` filtered on one package
/// (and a state), paged with next links that keep the filter; anything else in `$filter` is
/// a 422 on `$filter` with words.
async fn graph_style_filters_list_one_packages_assignments_and_requests(env: TestEnv) {
    use domain::service::requests as req;
    let w = world(&env).await;
    let package = package(&env, &w, "Office Licenses", |_| {}).await;
    let (approved, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, approved, true, "ok")
        .await
        .unwrap();
    // A second report of Maria's asks too, and waits for her.
    let nina = person(
        &env,
        &w.admin,
        "nina@woodgrove.example",
        "maria@woodgrove.example",
    )
    .await;
    req::submit_request(&env.ctx, &nina, package, &ask("budget"))
        .await
        .unwrap();
    let app = router(&env);
    let admin = token(&env, &w.admin, "read").await;
    let one = filter(&format!("accessPackage/id eq '{package}'"));

    let live = get(&app, &format!("/api/v1/assignments?$filter={one}"), &admin).await;
    assert_eq!(live["@odata.count"], 1, "{live}");
    assert_eq!(live["value"][0]["target"]["mail"], w.eric.email.as_str());
    let ended = filter(&format!(
        "accessPackage/id eq '{package}' and state eq 'expired'"
    ));
    let none = get(
        &app,
        &format!("/api/v1/assignments?$filter={ended}"),
        &admin,
    )
    .await;
    assert_eq!(none["@odata.count"], 0);

    let all = get(
        &app,
        &format!("/api/v1/assignmentRequests?$filter={one}&$top=1"),
        &admin,
    )
    .await;
    assert_eq!(all["@odata.count"], 2, "{all}");
    let next = all["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.contains("accessPackage"),
        "the next page keeps the filter: {next}"
    );
    let second = get(&app, next, &admin).await;
    assert_eq!(second["value"].as_array().unwrap().len(), 1);
    let pending = filter(&format!(
        "accessPackage/id eq '{package}' and state eq 'pendingApproval'"
    ));
    let waiting = get(
        &app,
        &format!("/api/v1/assignmentRequests?$filter={pending}"),
        &admin,
    )
    .await;
    assert_eq!(waiting["@odata.count"], 1, "{waiting}");
    // The package's own list takes Graph's state name too.
    let own = get(
        &app,
        &format!("/api/v1/accessPackages/{package}/assignmentRequests?state=pendingApproval"),
        &admin,
    )
    .await;
    assert_eq!(own["@odata.count"], 1, "{own}");

    for (path, bad, words) in [
        (
            "/api/v1/assignments",
            String::new(),
            "Name one access package",
        ),
        (
            "/api/v1/assignments",
            filter("state eq 'expired'"),
            "Name one access package",
        ),
        (
            "/api/v1/assignments",
            filter("target/id eq 'x'"),
            "cannot filter on target/id",
        ),
        (
            "/api/v1/assignments",
            filter(&format!("accessPackage/id ne '{package}'")),
            "comparisons like",
        ),
        (
            "/api/v1/assignments",
            filter("accessPackage/id eq 'nope'"),
            "must be an access package's id",
        ),
        (
            "/api/v1/assignments",
            filter(&format!(
                "accessPackage/id eq '{package}' and state eq 'lost'"
            )),
            "delivered or expired",
        ),
        (
            "/api/v1/assignmentRequests",
            filter(&format!(
                "accessPackage/id eq '{package}' and state eq 'lost'"
            )),
            "pendingApproval",
        ),
    ] {
        let url = format!("{path}?$filter={bad}");
        let (status, _, body) = send(&app, "GET", &url, Some(&admin), None, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_eq!(body["errors"][0]["field"], "$filter", "{url}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(words), "{url}: {message}");
    }
    // Someone without a role in the package's catalog is refused, as on the package's list.
    let eric = token(&env, &w.eric, "read").await;
    let (status, _, _) = send(
        &app,
        "GET",
        &format!("/api/v1/assignments?$filter={one}"),
        Some(&eric),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A decision names the stage the approver saw; one for another stage is 409 and changes
/// nothing, and the one for the stage the request waits on is taken.
async fn a_decision_for_another_stage_is_refused(env: TestEnv) {
    let w = world(&env).await;
    let package = package(&env, &w, "Office Licenses", |_| {}).await;
    let (request, _) =
        domain::service::requests::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
            .await
            .unwrap();
    let app = router(&env);
    let maria = token(&env, &w.maria, "read_write").await;
    let waiting = get(&app, "/api/v1/me/approvals", &maria).await;
    assert_eq!(waiting["value"][0]["stage"], 1, "{waiting}");
    let path = format!("/api/v1/approvals/{request}/decision");
    let (status, _, body) = send(
        &app,
        "POST",
        &path,
        Some(&maria),
        Some(json!({"reviewResult": "Approve", "justification": "ok", "stage": 2})),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("waits on stage 1, not stage 2"),
        "{body}"
    );
    assert_eq!(
        get(&app, "/api/v1/me/approvals", &maria).await["@odata.count"],
        1
    );
    let (status, _, body) = send(
        &app,
        "POST",
        &path,
        Some(&maria),
        Some(json!({"reviewResult": "Approve", "justification": "ok", "stage": 1})),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "delivered", "{body}");
}

/// A POST with a JSON body and the given headers, answered with status, headers and body.
async fn post(
    app: &Router,
    path: &str,
    token: &str,
    body: Value,
    extra: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Value) {
    send(app, "POST", path, Some(token), Some(body), extra).await
}

/// Eric assigned `package` directly (adminAdd, under its first policy) by `admin`'s token.
async fn assign_eric(
    env: &TestEnv,
    w: &World,
    app: &Router,
    admin: &str,
    package: AccessPackageId,
) {
    let (status, _, body) = post(
        app,
        "/api/v1/assignmentRequests",
        admin,
        json!({"requestType": "adminAdd", "accessPackageId": package.0, "targetIds": [w.eric.user_id.0],
            "assignmentPolicyId": first_policy(env, &w.admin, package).await.0}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// A catalog made, filled and delegated through the API alone: a retried create makes one
/// catalog; its owner (given the role through the API) may change it, a person without a
/// role may not even read it; a group in use and a catalog with packages cannot be removed;
/// every mistake is named by the API's own field.
async fn catalogs_are_made_filled_and_delegated_through_the_api(env: TestEnv) {
    let w = world(&env).await;
    let app = router(&env);
    let admin = token(&env, &w.admin, "read_write").await;
    let reader = token(&env, &w.admin, "read").await;
    let maria = token(&env, &w.maria, "read_write").await;
    let eric = token(&env, &w.eric, "read_write").await;
    let new = json!({"displayName": "Finance", "description": "Finance applications"});
    let (status, _, _) = post(&app, "/api/v1/catalogs", &reader, new.clone(), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a read-only token");
    let (status, _, _) = post(&app, "/api/v1/catalogs", &eric, new.clone(), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not an administrator");
    for (bad, field) in [
        (json!({"displayName": ""}), "displayName"),
        (json!({"displayName": "X", "state": "open"}), "state"),
    ] {
        let (status, _, body) = post(&app, "/api/v1/catalogs", &admin, bad, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let key = [("idempotency-key", "finance-1")];
    let (status, _, made) = post(&app, "/api/v1/catalogs", &admin, new.clone(), &key).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["state"], "published");
    assert_eq!(made["catalogType"], "userManaged");
    let (status, headers, again) = post(&app, "/api/v1/catalogs", &admin, new, &key).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(again["id"], made["id"], "a retry makes nothing more");
    let listed = get(&app, "/api/v1/catalogs?search=Finance", &admin).await;
    assert_eq!(listed["@odata.count"], 1, "{listed}");
    let id = made["id"].as_str().unwrap().to_owned();
    let at = format!("/api/v1/catalogs/{id}");

    // The same key on another create is a mistake, not a replay.
    let (status, _, _) = post(
        &app,
        "/api/v1/accessPackages",
        &admin,
        json!({"displayName": "Finance", "description": "Finance applications"}),
        &key,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let resources = format!("{at}/resources");
    let group = json!({"originId": w.office.0});
    let (status, _, body) = post(&app, &resources, &admin, group.clone(), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["displayName"], "Office Licenses");
    assert_eq!(body["originSystem"], "AadGroup");
    let (status, _, body) = post(&app, &resources, &admin, group, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "originId", "{body}");
    let (status, _, body) = post(
        &app,
        &resources,
        &admin,
        json!({"originId": w.office.0, "originSystem": "SharePointOnline"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "originSystem");

    let roles = format!("{at}/roleAssignments");
    for (bad, field) in [
        (
            json!({"principalId": w.maria.user_id.0, "roleDefinition": "boss"}),
            "roleDefinition",
        ),
        (
            json!({"principalId": UserId::new().0, "roleDefinition": "catalogOwner"}),
            "principalId",
        ),
    ] {
        let (status, _, body) = post(&app, &roles, &admin, bad, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let (status, _, _) = send(&app, "GET", &at, Some(&maria), None, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no role in it yet");
    let owner = json!({"principalId": w.maria.user_id.0, "roleDefinition": "catalogOwner"});
    let (status, _, body) = post(&app, &roles, &admin, owner, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["principal"]["mail"], "maria@woodgrove.example");

    // Maria, its owner now, reads and changes it; what she leaves out stays.
    let read = get(&app, &at, &maria).await;
    assert_eq!(read["resources"][0]["originId"], w.office.0.to_string());
    assert_eq!(read["roleAssignments"][0]["roleDefinition"], "catalogOwner");
    let (status, _, body) = send(
        &app,
        "PATCH",
        &at,
        Some(&maria),
        Some(json!({"state": "unpublished"})),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "unpublished");
    assert_eq!(body["displayName"], "Finance");
    let (status, _, _) = send(
        &app,
        "PATCH",
        &at,
        Some(&eric),
        Some(json!({"state": "published"})),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A package in it uses the group: neither the group nor the catalog can go.
    let package = json!({
        "displayName": "Finance reports",
        "description": "Monthly reports",
        "catalogId": id,
        "resourceRoleScopes": [{"role": "Member", "groupId": w.office.0}],
        "assignmentPolicy": {"allowedTargetScope": "allMemberUsers"}
    });
    let (status, _, body) = post(&app, "/api/v1/accessPackages", &maria, package, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let office = format!("{resources}/{}", w.office.0);
    let (status, _, body) = send(&app, "DELETE", &office, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("Finance reports"));
    let (status, _, _) = send(&app, "DELETE", &at, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let general = format!("/api/v1/catalogs/{}", CatalogId::GENERAL.0);
    let (status, _, body) = send(&app, "DELETE", &general, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Her role taken away, she can no longer read it; a second removal finds nothing.
    let hers = format!("{roles}/catalogOwner/{}", w.maria.user_id.0);
    let (status, _, _) = send(&app, "DELETE", &hers, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = send(&app, "DELETE", &hers, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(&app, "GET", &at, Some(&maria), None, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An empty catalog goes.
    let (status, _, empty) = post(
        &app,
        "/api/v1/catalogs",
        &admin,
        json!({"displayName": "Scratch"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let scratch = format!("/api/v1/catalogs/{}", empty["id"].as_str().unwrap());
    let (status, _, _) = send(&app, "DELETE", &scratch, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = send(&app, "GET", &scratch, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let events = get(&app, "/api/v1/auditEvents?activity=catalog", &admin).await;
    assert!(events["@odata.count"].as_i64().unwrap() >= 6, "{events}");
}

/// What a package is made of, changed through the API: a resource role added reaches the
/// live assignee at once and goes again; incompatibilities are linked and unlinked as Graph's
/// `$ref`s; a policy is added (once, for a retried POST) and removed, and a policy with a live
/// assignment cannot be. Each change moves the package's ETag.
async fn a_packages_parts_change_through_the_api(env: TestEnv) {
    let w = world(&env).await;
    let app = router(&env);
    let admin = token(&env, &w.admin, "read_write").await;
    let eric = token(&env, &w.eric, "read_write").await;
    let other = package(&env, &w, "Contractor Access", |_| {}).await;
    let package = package(&env, &w, "Office Licenses", |_| {}).await;
    let sales = env.group(&w.admin, "Sales Reports").await;
    let at = format!("/api/v1/accessPackages/{package}");
    assign_eric(&env, &w, &app, &admin, package).await;
    let members = |app: Router, token: String| async move {
        let g = get(&app, "/api/v1/groups?search=Sales", &token).await;
        g["value"][0]["memberCount"].as_i64().unwrap()
    };

    let scopes = format!("{at}/resourceRoleScopes");
    let (status, headers, body) = post(
        &app,
        &scopes,
        &admin,
        json!({"role": "Member", "groupId": sales.0}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["resourceRoleScopes"].as_array().unwrap().len(), 2);
    assert_ne!(
        headers.get(header::ETAG).unwrap(),
        "\"v1\"",
        "its version moved"
    );
    assert_eq!(members(app.clone(), admin.clone()).await, 1, "Eric got it");
    let (status, _, body) = post(
        &app,
        &scopes,
        &admin,
        json!({"role": "Reader", "groupId": sales.0}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "role");
    let (status, _, _) = post(
        &app,
        &scopes,
        &eric,
        json!({"role": "Owner", "groupId": sales.0}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let scope = format!("{scopes}/{}_Member", sales.0);
    let (status, _, _) = send(&app, "DELETE", &scope, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(members(app.clone(), admin.clone()).await, 0, "and lost it");
    let (status, _, _) = send(&app, "DELETE", &scope, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(
        &app,
        "DELETE",
        &format!("{scopes}/not-a-scope"),
        Some(&admin),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Incompatibilities, as Graph's $ref links.
    let link =
        json!({"@odata.id": format!("https://tessera.example/api/v1/accessPackages/{other}")});
    let packages_ref = format!("{at}/incompatibleAccessPackages/$ref");
    let (status, _, body) = post(&app, &packages_ref, &admin, link.clone(), &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _, body) = post(&app, &packages_ref, &admin, link, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "@odata.id", "{body}");
    for bad in [
        json!({"@odata.id": package.0}),
        json!({"@odata.id": format!("https://tessera.example/api/v1/groups/{other}")}),
    ] {
        let (status, _, body) = post(&app, &packages_ref, &admin, bad, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "@odata.id", "{body}");
    }
    let groups_ref = format!("{at}/incompatibleGroups/$ref");
    let (status, _, body) = post(
        &app,
        &groups_ref,
        &admin,
        json!({"@odata.id": sales.0}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let read = get(&app, &at, &admin).await;
    assert_eq!(
        read["incompatibleAccessPackages"][0]["id"],
        other.0.to_string()
    );
    assert_eq!(
        read["incompatibleGroups"][0]["displayName"],
        "Sales Reports"
    );
    for unlink in [
        format!("{at}/incompatibleAccessPackages/{other}/$ref"),
        format!("{at}/incompatibleGroups/{}/$ref", sales.0),
    ] {
        let (status, _, body) = send(&app, "DELETE", &unlink, Some(&admin), None, &[]).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{unlink}: {body}");
    }
    let read = get(&app, &at, &admin).await;
    assert_eq!(read["incompatibleAccessPackages"], json!([]));
    assert_eq!(read["incompatibleGroups"], json!([]));

    // A second policy, made once for a retried POST, then removed; the first has Eric's
    // live assignment, so it stays.
    let policy = json!({
        "accessPackageId": package.0,
        "displayName": "Contractors",
        "allowedTargetScope": "allDirectoryUsers",
        "requestApprovalSettings": {"isApprovalRequiredForAdd": false, "isApprovalRequiredForUpdate": false},
        "expiration": {"type": "afterDuration", "duration": "P30D"},
        "reviewSettings": {
            "isEnabled": true,
            "expirationBehavior": "removeAccess",
            "isRecommendationEnabled": false,
            "isReviewerJustificationRequired": true,
            "primaryReviewers": [{"@odata.type": "#microsoft.graph.requestorManager"}],
            "fallbackReviewers": [{"@odata.type": "#microsoft.graph.singleUser", "userId": w.fiona.user_id.0}],
            "schedule": {
                "startDateTime": format!("{}T00:00:00Z", env.clock.now().date_naive()),
                "expiration": {"duration": "P14D"},
                "recurrence": {"pattern": {"type": "absoluteMonthly", "interval": 3}}
            }
        }
    });
    let mut monthly = policy.clone();
    monthly["reviewSettings"]["schedule"]["recurrence"]["pattern"]["interval"] = json!(2);
    let (status, _, body) = post(&app, "/api/v1/assignmentPolicies", &admin, monthly, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"][0]["field"],
        "reviewSettings.schedule.recurrence.pattern"
    );
    let (status, _, body) = post(
        &app,
        "/api/v1/assignmentPolicies",
        &admin,
        json!({"displayName": "Nowhere", "allowedTargetScope": "allMemberUsers"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "accessPackageId");
    let key = [("idempotency-key", "contractors-policy")];
    let (status, _, made) = post(
        &app,
        "/api/v1/assignmentPolicies",
        &admin,
        policy.clone(),
        &key,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["displayName"], "Contractors");
    assert_eq!(made["allowedTargetScope"], "allDirectoryUsers");
    assert_eq!(made["expiration"]["duration"], "P30D");
    assert_eq!(
        made["requestApprovalSettings"]["isApprovalRequiredForAdd"],
        false
    );
    assert_eq!(made["hasAccessReviews"], true);
    let reviews = &made["reviewSettings"];
    assert_eq!(reviews["expirationBehavior"], "removeAccess", "{reviews}");
    assert_eq!(reviews["isRecommendationEnabled"], false);
    assert_eq!(
        reviews["primaryReviewers"][0]["@odata.type"],
        "#microsoft.graph.requestorManager"
    );
    assert_eq!(
        reviews["fallbackReviewers"][0]["userId"],
        w.fiona.user_id.0.to_string()
    );
    assert_eq!(reviews["schedule"]["expiration"]["duration"], "P14D");
    assert_eq!(reviews["schedule"]["recurrence"]["pattern"]["interval"], 3);
    // Switched off by a PATCH from its ETag (its settings then go, as in the wizard).
    let policy_at = format!(
        "/api/v1/assignmentPolicies/{}",
        made["id"].as_str().unwrap()
    );
    let etag = made["@odata.etag"].as_str().unwrap().to_owned();
    let (status, _, off) = send(
        &app,
        "PATCH",
        &policy_at,
        Some(&admin),
        Some(json!({"reviewSettings": {"isEnabled": false}})),
        &[("if-match", etag.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["hasAccessReviews"], false);
    assert_eq!(off["reviewSettings"]["isEnabled"], false);
    assert_eq!(
        off["requestApprovalSettings"]["isApprovalRequiredForAdd"], false,
        "kept"
    );
    let (status, _, again) = post(&app, "/api/v1/assignmentPolicies", &admin, policy, &key).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again["id"], made["id"]);
    let read = get(&app, &at, &admin).await;
    let policies = read["assignmentPolicies"].as_array().unwrap();
    assert_eq!(policies.len(), 2, "one more, not two: {read}");
    let first = policies.iter().find(|p| p["id"] != made["id"]).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = send(
        &app,
        "DELETE",
        &format!("/api/v1/assignmentPolicies/{first}"),
        Some(&admin),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let second = format!(
        "/api/v1/assignmentPolicies/{}",
        made["id"].as_str().unwrap()
    );
    let (status, _, _) = send(&app, "DELETE", &second, Some(&eric), None, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(&app, "DELETE", &second, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = send(&app, "GET", &second, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let read = get(&app, &at, &admin).await;
    assert_eq!(read["assignmentPolicies"].as_array().unwrap().len(), 1);
}

/// `userExtend`: the token's person extends their own access as the policy allows — not
/// before the policy's period would end later, never under a policy without extensions;
/// `userRemove`: they give access up, once.
async fn people_extend_their_own_access_through_the_api(env: TestEnv) {
    let w = world(&env).await;
    let app = router(&env);
    let extendable = package(&env, &w, "Office Licenses", |p| {
        p.allow_extension = true;
        p.extension_requires_approval = false;
    })
    .await;
    let fixed = package(&env, &w, "Badges", |_| {}).await;
    let admin = token(&env, &w.admin, "read_write").await;
    let eric = token(&env, &w.eric, "read_write").await;
    for id in [extendable, fixed] {
        assign_eric(&env, &w, &app, &admin, id).await;
    }
    let extend = |id: AccessPackageId| json!({"requestType": "userExtend", "accessPackageId": id.0, "justification": "Quarter close"});
    let (status, _, body) = post(
        &app,
        "/api/v1/assignmentRequests",
        &eric,
        extend(extendable),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("as long as the policy allows"),
        "{body}"
    );
    env.clock.advance(chrono::Duration::days(30));
    let (status, _, body) = post(
        &app,
        "/api/v1/assignmentRequests",
        &eric,
        extend(extendable),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["state"], "delivered", "{body}");
    let (status, _, body) = post(
        &app,
        "/api/v1/assignmentRequests",
        &eric,
        extend(fixed),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("can't be extended"),
        "{body}"
    );
    let (status, _, body) = post(
        &app,
        "/api/v1/assignmentRequests",
        &eric,
        json!({"requestType": "userExtend", "justification": "Quarter close"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "accessPackageId");
    let mine = get(&app, "/api/v1/me/accessPackages?tab=active", &eric).await;
    let office = mine["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["displayName"] == "Office Licenses")
        .unwrap()
        .clone();
    let ends = office.to_string();
    let expected = (env.clock.now() + chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        ends.contains(&expected),
        "ends 365 days from the extension: {ends}"
    );

    // userRemove: he gives Badges up; it is gone at once, and a second time there is nothing.
    let give_up = json!({"requestType": "userRemove", "accessPackageId": fixed.0});
    let (status, _, body) = post(
        &app,
        "/api/v1/assignmentRequests",
        &eric,
        give_up.clone(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["state"], "removed", "{body}");
    let mine = get(&app, "/api/v1/me/accessPackages?tab=active", &eric).await;
    assert!(
        !mine.to_string().contains("Badges"),
        "no longer active: {mine}"
    );
    let (status, _, body) = post(&app, "/api/v1/assignmentRequests", &eric, give_up, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("no active access to Badges")
    );
    let removed = get(
        &app,
        "/api/v1/auditEvents?activity=assignment.removed",
        &token(&env, &w.admin, "read").await,
    )
    .await;
    assert!(
        removed
            .to_string()
            .contains("removed their own access to Badges"),
        "{removed}"
    );
}

/// An access review through the API: Maria (Eric's manager) finds it among her reviews,
/// accepts the recommendation, then changes her decision; the administrator follows its
/// progress and stops it, which applies the results; nobody else may decide or stop, and
/// nothing is decided after the end.
async fn reviews_are_decided_and_stopped_through_the_api(env: TestEnv) {
    let w = world(&env).await;
    let app = router(&env);
    let today = env.clock.now().date_naive();
    let package = package(&env, &w, "Office Licenses", |p| {
        reviewed_yearly(p, today, |r| r.fallback = vec![principal(&w.fiona)]);
    })
    .await;
    let admin = token(&env, &w.admin, "read_write").await;
    let maria = token(&env, &w.maria, "read_write").await;
    let eric = token(&env, &w.eric, "read_write").await;
    assign_eric(&env, &w, &app, &admin, package).await;
    assert_eq!(run_at(&env, env.clock.now()).await.reviews_started, 1);

    let mine = get(&app, "/api/v1/me/accessReviews", &maria).await;
    assert_eq!(mine["@odata.count"], 1, "{mine}");
    let review = mine["value"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        mine["value"][0]["accessPackage"]["displayName"],
        "Office Licenses"
    );
    let item = &mine["value"][0]["decisions"][0];
    assert_eq!(item["principal"]["mail"], "eric@woodgrove.example");
    assert_eq!(item["decision"], "NotReviewed");
    assert_eq!(item["recommendation"], "Deny", "he never signed in: {item}");
    let assignment = item["id"].as_str().unwrap().to_owned();
    let nothing = get(&app, "/api/v1/me/accessReviews", &eric).await;
    assert_eq!(nothing["@odata.count"], 0);

    let accept = format!("/api/v1/accessReviews/{review}/acceptRecommendations");
    let (status, _, _) = send(&app, "POST", &accept, Some(&eric), None, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = send(&app, "POST", &accept, Some(&maria), None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decisionsRecorded"], 1);

    let decision = format!("/api/v1/accessReviews/{review}/decisions/{assignment}");
    for (bad, field) in [
        (
            json!({"decision": "Maybe", "justification": "?"}),
            "decision",
        ),
        (json!({"decision": "Approve"}), "justification"),
    ] {
        let (status, _, body) = send(&app, "PATCH", &decision, Some(&maria), Some(bad), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let keep = json!({"decision": "Approve", "justification": "Still on the team"});
    let (status, _, _) = send(
        &app,
        "PATCH",
        &decision,
        Some(&eric),
        Some(keep.clone()),
        &[],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nobody reviews their own access here"
    );
    let (status, _, body) = send(
        &app,
        "PATCH",
        &decision,
        Some(&maria),
        Some(keep.clone()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let reviews = get(
        &app,
        &format!("/api/v1/accessPackages/{package}/accessReviews"),
        &admin,
    )
    .await;
    let instance = &reviews["value"][0];
    assert_eq!(instance["status"], "InProgress", "{instance}");
    assert_eq!(instance["decisionCounts"]["approved"], 1);
    assert_eq!(instance["decisionCounts"]["notReviewed"], 0);
    let decisions = format!("/api/v1/accessReviews/{review}/decisions");
    let all = get(&app, &decisions, &admin).await;
    assert_eq!(all["value"][0]["decision"], "Approve");
    assert_eq!(all["value"][0]["justification"], "Still on the team");
    assert!(all["value"][0]["reviewedDateTime"].is_string(), "{all}");
    let (status, _, _) = send(&app, "GET", &decisions, Some(&eric), None, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Paged like every long list: $top, and the count of all.
    let first = get(&app, &format!("{decisions}?$top=1"), &admin).await;
    assert_eq!(first["@odata.count"], 1, "{first}");
    assert_eq!(first["value"].as_array().unwrap().len(), 1);
    let (status, _, body) = send(
        &app,
        "GET",
        &format!("{decisions}?$top=0"),
        Some(&admin),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let stop = format!("/api/v1/accessReviews/{review}/stop");
    let (status, _, _) = send(&app, "POST", &stop, Some(&maria), None, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a reviewer does not stop it");
    let (status, _, body) = send(&app, "POST", &stop, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"keptCount": 1, "removedCount": 0, "completed": true})
    );
    let (status, _, _) = send(&app, "POST", &stop, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _, _) = send(&app, "PATCH", &decision, Some(&maria), Some(keep), &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "decided after the end");
    let reviews = get(
        &app,
        &format!("/api/v1/accessPackages/{package}/accessReviews"),
        &admin,
    )
    .await;
    assert_eq!(reviews["value"][0]["status"], "Completed");
    assert_eq!(reviews["value"][0]["keptCount"], 1);
}

/// Licenses are read with their seats in use, by directory administrators only.
async fn licenses_are_read_with_their_seats(env: TestEnv) {
    use domain::service::directory as dir;
    let w = world(&env).await;
    let app = router(&env);
    let e3 = dir::create_license(&env.ctx, &w.admin, "Office 365 E3", "2")
        .await
        .unwrap();
    dir::assign_license(&env.ctx, &w.admin, w.office, e3)
        .await
        .unwrap();
    for who in [
        "eric@woodgrove.example",
        "maria@woodgrove.example",
        "nora@woodgrove.example",
    ] {
        dir::add_member(&env.ctx, &w.admin, w.office, who)
            .await
            .unwrap();
    }
    let admin = token(&env, &w.admin, "read").await;
    let all = get(&app, "/api/v1/licenses", &admin).await;
    assert_eq!(all["@odata.count"], 1, "{all}");
    let l = &all["value"][0];
    assert_eq!(l["displayName"], "Office 365 E3");
    assert_eq!(
        (
            &l["seatCount"],
            &l["consumedUnits"],
            &l["availableUnits"],
            &l["holderCount"],
            &l["overSeatCount"]
        ),
        (&json!(2), &json!(2), &json!(0), &json!(3), &json!(1)),
        "{l}"
    );
    assert_eq!(l["groups"][0]["displayName"], "Office Licenses");
    let eric = token(&env, &w.eric, "read").await;
    let (status, _, _) = send(&app, "GET", "/api/v1/licenses", Some(&eric), None, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A grant a connected system could not take (Eric is not in the directory yet) is sent again
/// when an administrator reprocesses his request, and then reaches the directory; only the
/// package's assignment managers may, and only for a delivered request.
async fn a_failed_delivery_is_sent_again_for_its_request(mut env: TestEnv) {
    use domain::service::connectors as conn;
    env.ctx.secrets = Some(domain::secrets::SecretKey::generate());
    let w = world(&env).await;
    let Some(slapd) = Slapd::start().await else {
        return;
    };
    let group_dn = slapd.add_group("Office Licenses").await;
    let url = slapd.url();
    let input = domain::testing::slapd::ldap_input("Corporate directory", &url);
    let system = conn::create_ldap(&env.ctx, &w.admin, &input).await.unwrap();
    conn::link_group(&env.ctx, &w.admin, w.office, system, &group_dn)
        .await
        .unwrap();
    let package = package(&env, &w, "Office Licenses", |p| {
        p.require_approval = false;
        p.require_requestor_justification = false;
    })
    .await;
    let app = router(&env);
    let admin = token(&env, &w.admin, "read_write").await;
    let eric = token(&env, &w.eric, "read_write").await;
    let deliver = || async {
        let report = domain::jobs::deliver_due(&env.ctx, domain::jobs::RunLimits::default()).await;
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        report
    };
    let (status, _, made) = post(
        &app,
        "/api/v1/assignmentRequests",
        &eric,
        json!({"requestType": "userAdd", "accessPackageId": package.0}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(
        deliver().await.changes_failed,
        1,
        "Eric is not in the directory"
    );

    let again = format!("/api/v1/assignmentRequests/{id}/reprocess");
    let (status, _, _) = send(&app, "POST", &again, Some(&eric), None, &[]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the requestor does not reprocess"
    );
    let eric_dn = slapd.add_person("eric", "eric@woodgrove.example").await;
    let (status, _, body) = send(&app, "POST", &again, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changesDueAgain"], 1);
    assert_eq!(deliver().await.changes_delivered, 1);
    assert_eq!(slapd.members(&group_dn).await, [eric_dn.to_lowercase()]);
    let (status, _, body) = send(&app, "POST", &again, Some(&admin), None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changesDueAgain"], 0, "nothing failed any more");
    let events = get(
        &app,
        "/api/v1/auditEvents?activity=request.reprocessed",
        &admin,
    )
    .await;
    assert_eq!(events["@odata.count"], 1, "{events}");

    // A request still waiting for approval has nothing to send.
    let waiting = domain::testing::package(&env, &w, "Printers", |_| {}).await;
    let (status, _, pending) = post(
        &app,
        "/api/v1/assignmentRequests",
        &eric,
        json!({"requestType": "userAdd", "accessPackageId": waiting.0, "justification": "To print"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pending}");
    assert_eq!(pending["state"], "pendingApproval");
    let (status, _, body) = send(
        &app,
        "POST",
        &format!(
            "/api/v1/assignmentRequests/{}/reprocess",
            pending["id"].as_str().unwrap()
        ),
        Some(&admin),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

/// A call with a text body of `kind`, answering the status and the text.
async fn raw(
    app: &Router,
    method: &str,
    path: &str,
    token: &str,
    body: Option<(&str, String)>,
) -> (StatusCode, String, String) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some((kind, _)) = &body {
        req = req.header(header::CONTENT_TYPE, *kind);
    }
    let text = body.map(|(_, t)| t).unwrap_or_default();
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(text)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let kind = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(resp.into_body(), 8 * 1024 * 1024)
        .await
        .unwrap();
    (status, kind, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Policy as code through the API: an administrator's token exports the configuration as
/// YAML and applies a changed copy (a dry run first); a read-only token may export but not
/// apply; a delegated owner's refusal and a file that cannot be read are problems naming the
/// field; nothing changes on a refusal.
async fn the_configuration_is_exported_and_applied_through_the_api(env: TestEnv) {
    let w = world(&env).await;
    let app = router(&env);
    package(&env, &w, "Office Licenses", |_| {}).await;
    let admin = token(&env, &w.admin, "read_write").await;
    let (status, kind, yaml) = raw(&app, "GET", "/api/v1/export", &admin, None).await;
    assert_eq!(status, StatusCode::OK, "{yaml}");
    assert_eq!(kind, "application/yaml; charset=utf-8");
    assert!(
        yaml.contains("- name: General") && yaml.contains("name: Office Licenses"),
        "{yaml}"
    );
    assert!(
        yaml.contains("allowedTargetScope: allMemberUsers"),
        "{yaml}"
    );

    let changed = yaml.replace(
        "description: Access to licenses for Office applications",
        "description: Office apps for everyone",
    );
    let (status, _, body) = raw(
        &app,
        "POST",
        "/api/v1/apply?dryRun=true",
        &admin,
        Some(("application/yaml", changed.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        report,
        json!({"dryRun": true, "changes": ["~ access package General / Office Licenses (description)"]})
    );
    let (_, _, still) = raw(&app, "GET", "/api/v1/export", &admin, None).await;
    assert_eq!(still, yaml, "a dry run changes nothing");
    let (status, _, body) = raw(
        &app,
        "POST",
        "/api/v1/apply",
        &admin,
        Some(("application/yaml", changed.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"dryRun\":false"), "{body}");
    let (_, _, now) = raw(&app, "GET", "/api/v1/export?catalog=General", &admin, None).await;
    assert_eq!(now, changed);

    // A read-only token exports, and may not apply.
    let reader = token(&env, &w.admin, "read").await;
    let (status, _, _) = raw(&app, "GET", "/api/v1/export", &reader, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = raw(
        &app,
        "POST",
        "/api/v1/apply",
        &reader,
        Some(("application/yaml", yaml.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Fiona manages a catalog of her own; General is not hers to change.
    let fiona = give_role(&env, &w.fiona, DirectoryRole::CatalogCreator).await;
    let fiona_token = token(&env, &fiona, "read_write").await;
    let (status, _, body) = raw(
        &app,
        "POST",
        "/api/v1/apply",
        &fiona_token,
        Some(("application/yaml", yaml.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        problem["errors"][0]["field"], "catalogs.General.accessPackages.Office Licenses",
        "{problem}"
    );
    let (_, _, after) = raw(&app, "GET", "/api/v1/export", &admin, None).await;
    assert_eq!(after, changed, "nothing changed");
    let (status, _, yaml_for_fiona) = raw(&app, "GET", "/api/v1/export", &fiona_token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!yaml_for_fiona.contains("General"), "{yaml_for_fiona}");

    // What cannot be read, or is not YAML, is told.
    let (status, _, body) = raw(
        &app,
        "POST",
        "/api/v1/apply",
        &admin,
        Some(("application/yaml", "version: 1\ncatalogs: 7\n".into())),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("\"field\":\"file\""), "{body}");
    let (status, _, _) = raw(
        &app,
        "POST",
        "/api/v1/apply",
        &admin,
        Some(("text/plain", yaml.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, body) = raw(&app, "GET", "/api/v1/export?catalog=Nope", &admin, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

on_both_databases!(with crate::helpers::server_fn_turn();
    the_tutorial_through_the_api_alone,
    lists_page_with_next_links,
    a_change_from_an_old_etag_is_refused,
    a_policy_is_read_and_changed_from_its_etag,
    graph_style_filters_list_one_packages_assignments_and_requests,
    a_decision_for_another_stage_is_refused,
    catalogs_are_made_filled_and_delegated_through_the_api,
    a_packages_parts_change_through_the_api,
    people_extend_their_own_access_through_the_api,
    reviews_are_decided_and_stopped_through_the_api,
    licenses_are_read_with_their_seats,
    a_failed_delivery_is_sent_again_for_its_request,
    the_configuration_is_exported_and_applied_through_the_api,
    refusals_are_problems_that_change_nothing,
    a_busy_token_is_told_when_to_come_back,
    the_document_and_its_page_are_served,
    schemathesis_finds_no_failure,
);
