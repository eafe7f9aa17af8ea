//! `/api/v1` end to end in-process: the tutorial through the API alone (Eric requests, Maria
//! approves, an administrator reads the assignment), with tokens; idempotent retries; every
//! refusal as an RFC 7807 problem; the rate limit; and an independent checker (schemathesis,
//! from PyPI) against a running server, which must find no server error and no answer that
//! breaks the OpenAPI document.

use crate::helpers::*;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
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
    assert_eq!(body["errors"][0]["field"], "name", "{body}");
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

on_both_databases!(with crate::helpers::server_fn_turn();
    the_tutorial_through_the_api_alone,
    lists_page_with_next_links,
    a_change_from_an_old_etag_is_refused,
    a_policy_is_read_and_changed_from_its_etag,
    graph_style_filters_list_one_packages_assignments_and_requests,
    a_decision_for_another_stage_is_refused,
    refusals_are_problems_that_change_nothing,
    a_busy_token_is_told_when_to_come_back,
    the_document_and_its_page_are_served,
    schemathesis_finds_no_failure,
);
