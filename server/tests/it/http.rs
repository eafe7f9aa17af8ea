//! The HTTP surface, end to end in-process: sign-in, sessions, redirects, 403, health.

use crate::helpers::*;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::on_both_databases;
use domain::testing::*;
use leptos::server_fn::ServerFn;
use tower::ServiceExt;

/// The server over the demo's people and packages.
async fn app(env: &TestEnv) -> Router {
    domain::service::demo::seed(&env.ctx).await.unwrap();
    router(env)
}

async fn get(
    app: &Router,
    path: &str,
    cookie: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let mut req = Request::get(path);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    // Bounded, and saying which part stalled: the hunt for the hang in docs/TESTING.md.
    let bound = std::time::Duration::from_secs(30);
    let resp = tokio::time::timeout(bound, app.clone().oneshot(req.body(Body::empty()).unwrap()))
        .await
        .unwrap_or_else(|_| panic!("GET {path}: no response head within {bound:?}"))
        .unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = tokio::time::timeout(
        bound,
        axum::body::to_bytes(resp.into_body(), 4 * 1024 * 1024),
    )
    .await
    .unwrap_or_else(|_| panic!("GET {path}: {status}, the body stalled for {bound:?}"))
    .unwrap();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// Posts JSON to a server function that takes its arguments as JSON (the wizard's drafts).
async fn call_json(
    app: &Router,
    path: &str,
    body: &serde_json::Value,
    cookie: &str,
) -> (StatusCode, String) {
    let req = Request::post(path)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie);
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 1024 * 1024)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn health_reports_the_database(env: TestEnv) {
    let app = app(&env).await;
    let (status, _, body) = get(&app, "/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    let expected = format!(
        "{{\"database\":\"{}\",\"status\":\"ok\"}}",
        env.ctx.db.backend().code()
    );
    assert_eq!(body, expected);
    env.ctx.db.close().await;
    let (status, _, body) = get(&app, "/healthz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("the database does not answer"));
}

async fn signed_out_people_are_sent_to_sign_in(env: TestEnv) {
    let app = app(&env).await;
    let (status, location, _) = get(&app, "/admin/directory/users?q=eric", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/login?next=%2Fadmin%2Fdirectory%2Fusers%3Fq%3Deric")
    );
    let (status, _, body) = get(&app, "/login", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Sign in to Tessera"));
    // Server functions refuse too, whatever the UI shows.
    let (status, _, body) = call(
        &app,
        app::api::directory::ListUsers::PATH,
        "q=&page=1",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Unauthenticated"), "{body}");
}

async fn an_admin_signs_in_and_reads_the_directory(env: TestEnv) {
    let app = app(&env).await;
    let (status, cookie, body) = sign_in(&app, "alex.admin@woodgrove.example", PASSWORD).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {body}"
    );
    let cookie = cookie.expect("a session cookie");
    let (status, _, body) = get(&app, "/admin/directory/users", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    for name in ["Alex Admin", "Maria Manager", "Eric Employee", "Gus Guest"] {
        assert!(body.contains(name), "{name} listed");
    }
    assert!(
        body.contains(">Admin<"),
        "the Admin link is shown to admins"
    );
    let (status, location, _) = get(&app, "/login", Some(&cookie)).await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/myaccess"))
    );
}

async fn wrong_credentials_fail_alike_and_are_throttled(env: TestEnv) {
    let app = app(&env).await;
    let (status, cookie, wrong_password) =
        sign_in(&app, "eric.employee@woodgrove.example", "nope").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(cookie.is_none());
    let (_, _, wrong_email) = sign_in(&app, "nobody@woodgrove.example", "nope").await;
    assert!(
        wrong_password.contains("Email or password is incorrect."),
        "{wrong_password}"
    );
    assert_eq!(wrong_password, wrong_email);
    for _ in 0..4 {
        sign_in(&app, "nobody@woodgrove.example", "nope").await;
    }
    let (status, cookie, body) = sign_in(&app, "nobody@woodgrove.example", "nope").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(cookie.is_none());
    assert!(body.contains("Throttled"), "{body}");
}

async fn people_without_an_admin_role_get_403_on_admin_pages(env: TestEnv) {
    let app = app(&env).await;
    for email in [
        "gus.guest@partner.example",
        "eric.employee@woodgrove.example",
    ] {
        let (_, cookie, _) = sign_in(&app, email, PASSWORD).await;
        let cookie = cookie.expect("signed in");
        let (status, _, body) = get(&app, "/admin", Some(&cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        assert!(body.contains("Access denied"));
        assert!(!body.contains(">Admin<"), "no Admin link for {email}");
        let (status, _, body) = call(
            &app,
            app::api::directory::ListUsers::PATH,
            "q=&page=1",
            Some(&cookie),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("Forbidden"), "{body}");
        let (status, _, _) = get(&app, "/myaccess", Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Notifications and e-mails lead to `Link` paths the domain names; each must be a page.
async fn every_notification_link_opens_a_page(env: TestEnv) {
    let app = app(&env).await;
    let (_, cookie, _) = sign_in(&app, "eric.employee@woodgrove.example", PASSWORD).await;
    let cookie = cookie.expect("signed in");
    let (status, _, _) = get(&app, "/myaccess/no-such-page", Some(&cookie)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an unknown path is not a page"
    );
    for link in domain::model::Link::ALL {
        let path = app::links::href(*link);
        let (status, _, body) = get(&app, path, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{link:?} at {path}");
        assert!(body.contains("My Access"), "{link:?}");
    }
}

/// My Access names its tabs; a tab that isn't one is a field error, not another tab.
async fn an_unknown_my_access_tab_is_refused_by_name(env: TestEnv) {
    let app = app(&env).await;
    let (_, cookie, _) = sign_in(&app, "eric.employee@woodgrove.example", PASSWORD).await;
    let cookie = cookie.expect("signed in");
    let path = app::api::requests::LoadMyAccess::PATH;
    let (status, _, body) = call(&app, path, "tab=active&q=", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = call(&app, path, "tab=admin&q=", Some(&cookie)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("Choose Available, Active or Expired."),
        "{body}"
    );
}

async fn the_wizard_creates_a_package_over_http_for_admins_only(env: TestEnv) {
    let app = app(&env).await;
    let mut conn = env.ctx.read().await.unwrap();
    let office = domain::store::groups::id_by_name(&mut conn, "Office Licenses")
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let draft = package_draft(&env, "Office Licenses", office, "Office Licenses");
    let body = serde_json::json!({ "draft": draft });

    let (_, eric, _) = sign_in(&app, "eric.employee@woodgrove.example", PASSWORD).await;
    let eric = eric.expect("signed in");
    let (status, _) = call_json(&app, app::api::packages::CreatePackage::PATH, &body, &eric).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, admin, _) = sign_in(&app, "alex.admin@woodgrove.example", PASSWORD).await;
    let admin = admin.expect("signed in");
    let mut invalid = draft.clone();
    invalid.name = String::new();
    let (status, text) = call_json(
        &app,
        app::api::packages::CreatePackage::PATH,
        &serde_json::json!({ "draft": invalid }),
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("Name is required."), "{text}");
    let (status, text) =
        call_json(&app, app::api::packages::CreatePackage::PATH, &body, &admin).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id: String = serde_json::from_str(&text).unwrap();

    let (status, _, page) = get(&app, &format!("/admin/access-packages/{id}"), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("My Access portal link"));
    assert!(
        page.contains(&format!("/myaccess/access-packages/{id}")),
        "the link is on the page"
    );
    let (status, _, page) = get(
        &app,
        &format!("/myaccess/access-packages/{id}"),
        Some(&eric),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("You can request this access package"),
        "{page}"
    );
    assert!(page.contains("25 of 25 Office 365 E3 seats available"));
    let (status, _, _) = get(&app, &format!("/admin/access-packages/{id}"), Some(&eric)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Eric requests, Maria approves, the admin downloads the assignments as CSV.
    let request = serde_json::json!({ "input": { "package": id, "justification": "Word and Excel", "answers": [],
        "policy": null, "specific_period": false, "start": "", "end": "" } });
    let (status, text) = call_json(
        &app,
        app::api::requests::SubmitRequest::PATH,
        &request,
        &eric,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let request_id: String = serde_json::from_str(&text).unwrap();
    let (_, maria, _) = sign_in(&app, "maria.manager@woodgrove.example", PASSWORD).await;
    let maria = maria.expect("signed in");
    // The inbox sends the stage it showed: a decision for a stage the request is not at is
    // refused by the server function, saying where the request stands, and changes nothing.
    let wrong_stage = Request::post(app::api::requests::DecideRequest::PATH)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &maria)
        .body(Body::from(format!(
            "id={request_id}&decision=approve&justification=OK&stage=2"
        )))
        .unwrap();
    let (status, _, text) = raw(&app, wrong_stage).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    assert!(text.contains("not stage 2"), "{text}");
    // The server answers its own X-Request-Id; the caller's is recorded beside it, never in
    // its place.
    let decide = Request::post(app::api::requests::DecideRequest::PATH)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &maria)
        .header("x-request-id", "corr-approve-1")
        .body(Body::from(format!(
            "id={request_id}&decision=approve&justification=OK&stage=1"
        )))
        .unwrap();
    let resp = app.clone().oneshot(decide).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let server_id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(server_id, "corr-approve-1");
    assert_eq!(server_id.len(), 32, "{server_id}");
    let (_, _, page) = get(&app, "/healthz", None).await;
    assert!(page.contains("ok"));
    let csv_path = format!("/admin/access-packages/{id}/assignments.csv?state=active&q=");
    let (status, _, csv) = get(&app, &csv_path, Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("Name,Email,State,Policy,Starts,Ends"));
    let row = lines.next().unwrap();
    assert!(
        row.contains("eric.employee@woodgrove.example,delivered,Initial policy,"),
        "{row}"
    );
    assert_eq!(lines.next(), None);
    let (status, _, _) = get(&app, &csv_path, Some(&eric)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, csv) = get(
        &app,
        &format!("/admin/access-packages/{id}/assignments.csv?state=ended"),
        Some(&admin),
    )
    .await;
    assert_eq!(
        (status, csv.lines().count()),
        (StatusCode::OK, 1),
        "only the header: nothing ended"
    );
    // The audit log's CSV follows the page's filter; only administrators get it.
    let (status, _, csv) = get(
        &app,
        "/admin/audit.csv?action=request&actor=maria",
        Some(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "Seq,Time,Actor,Action,Target type,Target,Summary,Before,After,Request id,Caller's request id"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains("maria.manager@woodgrove.example,request.approved"),
        "{csv}"
    );
    assert!(
        lines[1].ends_with(&format!(",{server_id},corr-approve-1")),
        "{csv}"
    );
    let (status, _, text) = get(&app, "/admin/audit.csv?from=yesterday", Some(&admin)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let (status, _, _) = get(&app, "/admin/audit.csv", Some(&eric)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The auditors' reports as CSV: Eric's access, and everyone who holds Office Licenses,
    // each naming the request and Maria's approval; only administrators get them.
    let mut conn = env.ctx.read().await.unwrap();
    let eric_id = domain::store::users::id_by_email(
        &mut conn,
        &domain::model::Email::parse("eric.employee@woodgrove.example").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    drop(conn);
    let person = format!("/admin/directory/users/{eric_id}/access.csv");
    let (status, _, csv) = get(&app, &person, Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "Kind,Name,Catalog or group,State,Since,Until,Why,How,Request ids,Justification,Approvals"
    );
    let package_row = lines
        .iter()
        .find(|l| l.starts_with("Access package,Office Licenses,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        package_row.contains("Request by Eric Employee on "),
        "{package_row}"
    );
    assert!(package_row.contains(&request_id), "{package_row}");
    assert!(package_row.contains(",Word and Excel,"), "{package_row}");
    assert!(
        package_row.contains("Stage 1 approved by Maria Manager on "),
        "{package_row}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Group,Office Licenses,,Member,")
                && l.contains("Access package Office Licenses")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("License,Office 365 E3,Office Licenses,Active")),
        "{csv}"
    );
    let resource = format!("/admin/directory/groups/{office}/access.csv");
    let (status, _, csv) = get(&app, &resource, Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let eric_row = csv
        .lines()
        .find(|l| l.starts_with("Eric Employee,eric.employee@woodgrove.example,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        eric_row.contains(",Access package,Office Licenses,") && eric_row.contains(&request_id),
        "{eric_row}"
    );
    for path in [&person, &resource] {
        let (status, _, _) = get(&app, path, Some(&eric)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _, _) = get(
        &app,
        "/admin/directory/users/not-an-id/access.csv",
        Some(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn sessions_end_when_idle_too_long_or_too_old(env: TestEnv) {
    let app = app(&env).await;
    let (_, cookie, _) = sign_in(&app, "eric.employee@woodgrove.example", PASSWORD).await;
    let cookie = cookie.unwrap();
    // Activity every 20 minutes keeps the session alive past the 30-minute idle limit...
    for _ in 0..3 {
        env.clock.advance(chrono::Duration::minutes(20));
        assert_eq!(
            get(&app, "/myaccess", Some(&cookie)).await.0,
            StatusCode::OK
        );
    }
    // ...but not 31 idle minutes.
    env.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(
        get(&app, "/myaccess", Some(&cookie)).await.0,
        StatusCode::SEE_OTHER
    );

    let (_, cookie, _) = sign_in(&app, "eric.employee@woodgrove.example", PASSWORD).await;
    let cookie = cookie.unwrap();
    for _ in 0..24 {
        env.clock.advance(chrono::Duration::minutes(20));
        assert_eq!(
            get(&app, "/myaccess", Some(&cookie)).await.0,
            StatusCode::OK
        );
    }
    // Eight hours after sign-in the session ends however active it is.
    env.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(
        get(&app, "/myaccess", Some(&cookie)).await.0,
        StatusCode::SEE_OTHER
    );
}

async fn sign_out_ends_the_session_on_the_server(env: TestEnv) {
    let app = app(&env).await;
    let (_, cookie, _) = sign_in(&app, "maria.manager@woodgrove.example", PASSWORD).await;
    let cookie = cookie.unwrap();
    assert_eq!(
        get(&app, "/myaccess", Some(&cookie)).await.0,
        StatusCode::OK
    );
    call(&app, app::api::auth::SignOut::PATH, "", Some(&cookie)).await;
    // The old cookie no longer opens anything.
    assert_eq!(
        get(&app, "/myaccess", Some(&cookie)).await.0,
        StatusCode::SEE_OTHER
    );
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}

async fn the_session_id_changes_at_sign_in(env: TestEnv) {
    let app = app(&env).await;
    let (_, first, _) = sign_in(&app, "emma.employee@woodgrove.example", PASSWORD).await;
    let first = first.unwrap();
    let form = "email=emma.employee%40woodgrove.example&password=tessera-demo&next=%2F";
    let (_, second, _) = call(&app, app::api::auth::SignIn::PATH, form, Some(&first)).await;
    let second = second.unwrap();
    assert_ne!(first, second);
    assert_eq!(
        get(&app, "/myaccess", Some(&first)).await.0,
        StatusCode::SEE_OTHER,
        "the old id is gone"
    );
    assert_eq!(
        get(&app, "/myaccess", Some(&second)).await.0,
        StatusCode::OK
    );
}

/// A raw request: method, path, headers, body; answers status, headers and body.
async fn raw(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 4 * 1024 * 1024)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn form_post(path: &str, origin: Option<&str>, cookie: Option<&str>, body: &str) -> Request<Body> {
    let mut req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html");
    if let Some(o) = origin {
        req = req.header(header::ORIGIN, o);
    }
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.body(Body::from(body.to_owned())).unwrap()
}

async fn catalogs_named(env: &TestEnv, name: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM catalogs WHERE name = $1")
        .bind(name)
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap()
}

/// Security review, hole 3: `next=/%09/evil.example` became `//evil.example` in the browser,
/// and `next=/%01` made the redirect panic and drop the connection.
async fn sign_in_never_sends_anyone_to_another_site(env: TestEnv) {
    let app = app(&env).await;
    for next in [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%01",
        "%2F%5Cevil.example",
        "%5C%5Cevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%2Fevil.example",
        "%2F%E2%80%AE%2Fevil.example",
    ] {
        let body =
            format!("email=eric.employee%40woodgrove.example&password={PASSWORD}&next={next}");
        let (status, headers, text) = raw(
            &app,
            form_post(app::api::auth::SignIn::PATH, Some(ORIGIN), None, &body),
        )
        .await;
        assert_eq!(status, StatusCode::FOUND, "{next}: {text}");
        assert_eq!(headers[header::LOCATION], "/myaccess", "{next}");
    }
    let body = format!(
        "email=eric.employee%40woodgrove.example&password={PASSWORD}&next=%2Fmyaccess%3Ftab%3Dactive"
    );
    let (_, headers, _) = raw(
        &app,
        form_post(app::api::auth::SignIn::PATH, Some(ORIGIN), None, &body),
    )
    .await;
    assert_eq!(headers[header::LOCATION], "/myaccess?tab=active");
}

/// Hole 5: state-changing requests were protected by SameSite=Lax alone.
async fn cross_site_requests_are_refused_and_change_nothing(env: TestEnv) {
    let app = app(&env).await;
    let (_, admin, _) = sign_in(&app, "alex.admin@woodgrove.example", PASSWORD).await;
    let admin = admin.unwrap();
    let create = app::api::catalogs::CreateCatalog::PATH;
    let body = "name=Forged&description=&enabled=yes";
    for origin in [
        Some("http://evil.example"),
        Some("null"),
        Some("http://127.0.0.1:3001"),
        None,
    ] {
        let (status, _, text) = raw(&app, form_post(create, origin, Some(&admin), body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}: {text}");
        assert!(
            text.contains("did not come from Tessera's own pages"),
            "{text}"
        );
    }
    // A browser that sends no Origin still sends the page as Referer.
    let mut req = form_post(create, None, Some(&admin), body);
    req.headers_mut().insert(
        header::REFERER,
        "https://evil.example/page".parse().unwrap(),
    );
    assert_eq!(raw(&app, req).await.0, StatusCode::FORBIDDEN);
    assert_eq!(catalogs_named(&env, "Forged").await, 0);
    let mut req = form_post(create, None, Some(&admin), body);
    req.headers_mut().insert(
        header::REFERER,
        "http://127.0.0.1:3000/admin/catalogs".parse().unwrap(),
    );
    let (status, _, text) = raw(&app, req).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {text}"
    );
    assert_eq!(catalogs_named(&env, "Forged").await, 1);
    // Login CSRF: signing someone in to the attacker's account is refused too.
    let login = format!("email=eric.employee%40woodgrove.example&password={PASSWORD}&next=%2F");
    let (status, headers, _) = raw(
        &app,
        form_post(
            app::api::auth::SignIn::PATH,
            Some("http://evil.example"),
            None,
            &login,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(headers.get(header::SET_COOKIE).is_none());
    // A cross-site fetch of an export is refused; a download from our own page is not.
    let csv = |site: &str| {
        Request::get("/admin/audit.csv")
            .header(header::COOKIE, &admin)
            .header("sec-fetch-site", site)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(raw(&app, csv("cross-site")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(raw(&app, csv("same-origin")).await.0, StatusCode::OK);
}

/// Hole 6: no security headers were sent.
async fn every_response_carries_security_headers_and_pages_their_nonce(env: TestEnv) {
    let app = app(&env).await;
    let page = || Request::get("/login").body(Body::empty()).unwrap();
    let (status, headers, body) = raw(&app, page()).await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned();
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration scripts carry it"
    );
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(headers[name], value, "{name}");
    }
    assert!(headers.contains_key("permissions-policy"));
    assert!(
        !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
        "not over plain HTTP"
    );
    let (_, again, _) = raw(&app, page()).await;
    assert_ne!(
        again[header::CONTENT_SECURITY_POLICY],
        headers[header::CONTENT_SECURITY_POLICY],
        "a fresh nonce per response"
    );
    // Exports are not cached either.
    let (_, admin, _) = sign_in(&app, "alex.admin@woodgrove.example", PASSWORD).await;
    let (_, headers, _) = raw(
        &app,
        Request::get("/admin/audit.csv")
            .header(header::COOKIE, admin.unwrap())
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(headers["cache-control"], "no-store");
}

/// The bundle: its hashed names cached for a year, its brotli or gzip copy to a browser that
/// takes it, no session looked up for it; pages compressed on the fly and never cached.
async fn the_bundle_is_served_precompressed_and_cached_for_good(env: TestEnv) {
    domain::service::demo::seed(&env.ctx).await.unwrap();
    let site = std::env::temp_dir().join(format!(
        "tessera-site-{}-{}",
        std::process::id(),
        env.ctx.db.backend().code()
    ));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm = "tessera.QnAd0kyx3uyPXOJ7KqnNBw.wasm";
    let plain = "wasm bytes ".repeat(500);
    std::fs::write(pkg.join(wasm), &plain).unwrap();
    std::fs::write(pkg.join(format!("{wasm}.br")), "brotli copy").unwrap();
    std::fs::write(pkg.join(format!("{wasm}.gz")), "gzip copy").unwrap();
    std::fs::write(pkg.join("tessera.css"), "body {}").unwrap();
    let mut config = config();
    config.site_root = site.to_string_lossy().into_owned();
    let mut ctx = env.ctx.clone();
    ctx.sessions = config.session_limits;
    let app = server::router(&config, ctx);
    let asset = |path: &str, encoding: Option<&str>| {
        let mut req = Request::get(path);
        if let Some(e) = encoding {
            req = req.header(header::ACCEPT_ENCODING, e);
        }
        req.body(Body::empty()).unwrap()
    };
    let path = format!("/pkg/{wasm}");
    for (accepts, body, encoding) in [
        (Some("gzip, deflate, br"), "brotli copy", Some("br")),
        (Some("gzip"), "gzip copy", Some("gzip")),
        (None, plain.as_str(), None),
    ] {
        let (status, headers, got) = raw(&app, asset(&path, accepts)).await;
        assert_eq!(status, StatusCode::OK, "{accepts:?}");
        assert_eq!(got, body, "{accepts:?}");
        assert_eq!(
            headers
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap()),
            encoding,
            "{accepts:?}"
        );
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert!(
            headers
                .get_all(header::VARY)
                .iter()
                .any(|v| v.to_str().unwrap().contains("accept-encoding")),
            "{headers:?}"
        );
        assert!(!headers.contains_key(header::SET_COOKIE));
    }
    let (status, headers, _) = raw(&app, asset("/pkg/tessera.css", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert_eq!(
        raw(&app, asset("/pkg/missing.js", None)).await.0,
        StatusCode::NOT_FOUND
    );

    let bytes = |req: Request<Body>| async {
        let resp = app.clone().oneshot(req).await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let body = axum::body::to_bytes(resp.into_body(), 4 * 1024 * 1024)
            .await
            .unwrap();
        (status, headers, body)
    };
    let (_, plain_page, plain_body) = bytes(asset("/login", None)).await;
    assert!(!plain_page.contains_key(header::CONTENT_ENCODING));
    // As Chromium asks: pages come as gzip; brotli is only for the precompressed bundle.
    let (_, chromium, _) = bytes(asset("/login", Some("gzip, deflate, br, zstd"))).await;
    assert_eq!(chromium[header::CONTENT_ENCODING], "gzip");
    let (status, page, compressed) = bytes(asset("/login", Some("gzip"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page[header::CONTENT_ENCODING], "gzip");
    assert_eq!(page[header::CACHE_CONTROL], "no-store");
    assert_eq!(&compressed[..2], &[0x1f, 0x8b], "a gzip stream");
    // Smaller, not a fixed ratio: the page streams in frames, each flushed by the encoder,
    // and how many depends on when its resources resolve (it varied between the databases).
    assert!(
        compressed.len() < plain_body.len(),
        "{} of {}",
        compressed.len(),
        plain_body.len()
    );
    std::fs::remove_dir_all(&site).unwrap();
}

/// Bad input never answers 500: malformed bodies 400, oversized ones 413.
async fn malformed_and_oversized_bodies_are_refused_cleanly(env: TestEnv) {
    let app = app(&env).await;
    let (_, admin, _) = sign_in(&app, "alex.admin@woodgrove.example", PASSWORD).await;
    let admin = admin.unwrap();
    for (path, kind, body) in [
        (
            app::api::auth::SignIn::PATH,
            "application/x-www-form-urlencoded",
            "%%%=&&==",
        ),
        (
            app::api::auth::SignIn::PATH,
            "application/x-www-form-urlencoded",
            "email=a",
        ),
        (
            app::api::catalogs::CreateCatalog::PATH,
            "application/x-www-form-urlencoded",
            "name[]=x",
        ),
        (
            app::api::packages::CreatePackage::PATH,
            "application/json",
            "{\"draft\": [1, 2",
        ),
        (
            app::api::packages::CreatePackage::PATH,
            "application/json",
            "null",
        ),
    ] {
        let req = Request::post(path)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, kind)
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, &admin)
            .body(Body::from(body))
            .unwrap();
        let (status, _, text) = raw(&app, req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {text}");
        assert!(text.contains("BadRequest"), "{text}");
    }
    let huge = "x".repeat(config().max_body_bytes + 1);
    let req = Request::post(app::api::catalogs::CreateCatalog::PATH)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, huge.len())
        .header(header::COOKIE, &admin)
        .body(Body::from(format!("name={huge}")))
        .unwrap();
    assert_eq!(raw(&app, req).await.0, StatusCode::PAYLOAD_TOO_LARGE);
}

/// Hole 4: there was no limit per client address, so password spraying across accounts was
/// unlimited. The per-address limit answers before any password is checked.
async fn sign_in_attempts_are_limited_per_client_address(env: TestEnv) {
    domain::service::demo::seed(&env.ctx).await.unwrap();
    let mut cfg = config();
    cfg.sign_in_per_minute = std::num::NonZeroU32::new(3).unwrap();
    let mut ctx = env.ctx.clone();
    ctx.sessions = cfg.session_limits;
    let app = server::router(&cfg, ctx).layer(axum::extract::connect_info::MockConnectInfo(
        std::net::SocketAddr::from(([192, 0, 2, 7], 50_000)),
    ));
    for email in ["eric", "emma", "maria"] {
        let (status, _, _) = sign_in(&app, &format!("{email}.x@woodgrove.example"), "guess").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{email}");
    }
    let (status, cookie, body) = sign_in(&app, "nora.newhire@woodgrove.example", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(cookie.is_none());
    // Nothing was counted against the account that was not even tried.
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sign_in_throttle WHERE email = 'nora.newhire@woodgrove.example'",
    )
    .fetch_one(env.ctx.db.pool())
    .await
    .unwrap();
    assert_eq!(rows, 0);
}

/// Hole 7: the session id was stored as it is, and the cookie was Secure only on request.
async fn sessions_are_stored_hashed_and_cookies_are_secure_over_https(env: TestEnv) {
    let app = app(&env).await;
    let (_, cookie, _) = sign_in(&app, "eric.employee@woodgrove.example", PASSWORD).await;
    let id = cookie
        .unwrap()
        .trim_start_matches("tessera.sid=")
        .to_owned();
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions")
        .fetch_all(env.ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, [domain::store::sessions::key(&id)]);
    assert!(!stored.contains(&id));
    drop(app);

    let mut cfg = config();
    cfg.public_url = "https://access.example.com".into();
    cfg.secure_cookies = true;
    let app = server::router(&cfg, env.ctx.clone());
    let body = format!("email=eric.employee%40woodgrove.example&password={PASSWORD}&next=%2F");
    let (_, headers, _) = raw(
        &app,
        form_post(
            app::api::auth::SignIn::PATH,
            Some("https://access.example.com"),
            None,
            &body,
        ),
    )
    .await;
    let set = headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set.starts_with("__Host-tessera.sid="), "{set}");
    assert!(
        set.contains("Secure") && set.contains("HttpOnly") && set.contains("Path=/"),
        "{set}"
    );
    assert!(!set.contains("Domain"), "{set}");
    assert!(headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
}

on_both_databases!(
    with crate::helpers::page_turn();
    sign_in_never_sends_anyone_to_another_site,
    cross_site_requests_are_refused_and_change_nothing,
    every_response_carries_security_headers_and_pages_their_nonce,
    the_bundle_is_served_precompressed_and_cached_for_good,
    malformed_and_oversized_bodies_are_refused_cleanly,
    sign_in_attempts_are_limited_per_client_address,
    sessions_are_stored_hashed_and_cookies_are_secure_over_https,
);

/// `/readyz` reports the scheduler's loops; `/metrics` is off without a token, asks for it,
/// and counts requests by route pattern, refused sign-ins and the scheduler's ticks.
async fn readiness_and_metrics_report_the_scheduler_and_requests(env: TestEnv) {
    domain::service::demo::seed(&env.ctx).await.unwrap();
    let mut ctx = env.ctx.clone();
    ctx.sessions = config().session_limits;
    // Without a scheduler: ready on the database alone; /metrics is off without a token.
    let plain = server::router(&config(), ctx.clone());
    let (status, _, body) = get(&plain, "/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"jobs\":[]"), "{body}");
    let (status, _, _) = get(&plain, "/metrics", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let token = "a-scraper-token-of-some-length";
    let cfg = server::Config {
        metrics_token: Some(token.into()),
        ..config()
    };
    let scheduler =
        server::Scheduler::start(ctx.clone(), None, std::time::Duration::from_secs(3600));
    let app = server::router_with_jobs(&cfg, ctx, scheduler.health());
    // Every loop has ticked once (lifecycle, cleanup and connectors: waiting for any two let
    // the slower lifecycle loop be counted after the scrape below).
    let ready = async {
        loop {
            let (status, _, body) = get(&app, "/readyz", None).await;
            let health: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let loops = health["jobs"].as_array().cloned().unwrap_or_default();
            if !loops.is_empty() && loops.iter().all(|l| l["ticks"].as_u64() >= Some(1)) {
                return (status, body);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let (status, body) = tokio::time::timeout(std::time::Duration::from_secs(20), ready)
        .await
        .expect("the lifecycle loop ticks at once");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"status\":\"ready\""), "{body}");

    let (status, _, _) = get(&app, "/metrics", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let wrong = Request::get("/metrics")
        .header(header::AUTHORIZATION, "Bearer not-the-token-at-all")
        .body(Body::empty())
        .unwrap();
    assert_eq!(raw(&app, wrong).await.0, StatusCode::UNAUTHORIZED);

    get(&app, "/healthz", None).await;
    get(&app, "/no/such/page", None).await;
    let (status, _, _) = sign_in(&app, "eric.employee@woodgrove.example", "nope").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let scrape = Request::get("/metrics")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (status, headers, text) = raw(&app, scrape).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    for line in [
        "tessera_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1",
        "tessera_sign_in_failures_total 1",
        "tessera_job_ticks_total{job_loop=\"lifecycle\",outcome=\"ok\"} 1",
        "tessera_job_ticks_total{job_loop=\"cleanup\",outcome=\"ok\"} 1",
        "tessera_email_backlog{state=\"failed\"} 0",
        "tessera_db_connections{pool=\"read\",state=\"idle\"}",
        "tessera_http_request_duration_seconds_count{route=\"/healthz\"} 1",
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
    // Unknown paths share one label, whatever was asked.
    assert!(!text.contains("/no/such/page"), "{text}");
    assert!(
        text.contains(&format!(
            "tessera_http_requests_total{{route=\"{}\",method=\"POST\",status=\"422\"}} 1",
            app::api::auth::SignIn::PATH
        )),
        "{text}"
    );
    assert!(scheduler.stop(std::time::Duration::from_secs(10)).await);
}

on_both_databases!(
    with crate::helpers::page_turn();
    health_reports_the_database,
    readiness_and_metrics_report_the_scheduler_and_requests,
    signed_out_people_are_sent_to_sign_in,
    an_admin_signs_in_and_reads_the_directory,
    wrong_credentials_fail_alike_and_are_throttled,
    people_without_an_admin_role_get_403_on_admin_pages,
    every_notification_link_opens_a_page,
    an_unknown_my_access_tab_is_refused_by_name,
    the_wizard_creates_a_package_over_http_for_admins_only,
    sessions_end_when_idle_too_long_or_too_old,
    sign_out_ends_the_session_on_the_server,
    the_session_id_changes_at_sign_in,
);
