//! Single sign-on's HTTP surface without a provider: an unreachable provider, a callback
//! nobody started, the sign-in page's choices, break-glass passwords and the sign-out route.
//! The flow against a real provider, in a real browser, is end2end/tests/sso.spec.ts.

use crate::helpers::*;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::on_both_databases;
use domain::rules::sso::PasswordSignIn;
use domain::testing::*;
use leptos::server_fn::ServerFn;
use server::oidc::{EmailClaim, OidcSettings, Sso};
use tower::ServiceExt;

/// Nothing listens on port 9 (discard) here: connecting is refused at once.
const UNREACHABLE: &str = "http://127.0.0.1:9";

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1024 * 1024)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn location(headers: &axum::http::HeaderMap) -> &str {
    headers[header::LOCATION].to_str().unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// The demo, with single sign-on at a provider that does not answer, and passwords kept for
/// Alex only.
async fn app_with_sso(env: &TestEnv) -> Router {
    domain::service::demo::seed(&env.ctx).await.unwrap();
    let settings = OidcSettings {
        issuer: UNREACHABLE.into(),
        client_id: "tessera".into(),
        client_secret: Some("a client secret".into()),
        scopes: vec!["email".into()],
        email_claim: EmailClaim::Email,
        display_name: "Unreachable ID".into(),
        create_users: false,
        ca_pem: None,
    };
    let alex = domain::model::Email::parse("alex.admin@woodgrove.example").unwrap();
    let config = server::Config {
        sso: Some(std::sync::Arc::new(Sso::new(settings, ORIGIN).unwrap())),
        password_sign_in: PasswordSignIn::BreakGlassOnly(vec![alex]),
        ..config()
    };
    let mut ctx = env.ctx.clone();
    ctx.password_sign_in = config.password_sign_in.clone();
    server::router(&config, ctx)
}

async fn an_unreachable_provider_or_a_stray_callback_is_a_clear_refusal(env: TestEnv) {
    let app = app_with_sso(&env).await;
    let (status, headers, _) = send(&app, get("/auth/oidc/start?next=%2Fadmin")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/login?sso_error=unavailable");

    // A callback without a sign-in in progress (or replayed after it ended).
    let (status, headers, _) = send(&app, get("/auth/oidc/callback?code=c&state=s")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/login?sso_error=state");
    let (status, headers, _) = send(&app, get("/auth/oidc/callback?error=access_denied")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/login?sso_error=state");

    // The sign-in page renders the refusal's message.
    let (status, _, body) = send(&app, get("/login?sso_error=unavailable")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Unreachable ID is not answering."),
        "the message is on the page"
    );
    assert!(body.contains("Sign in with Unreachable ID"));
    assert!(body.contains("Administrator sign-in with a password"));

    // Forms may lead to the provider (sign-out continues there), nowhere else.
    let (_, headers, _) = send(&app, get("/login")).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:9;"),
        "{csp}"
    );
}

async fn passwords_can_be_kept_for_break_glass_administrators(env: TestEnv) {
    let app = app_with_sso(&env).await;
    let (status, _, body) = call(&app, app::api::auth::SignInOffer::PATH, "", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let choices: app::api::auth::SignInChoices = serde_json::from_str(&body).unwrap();
    assert_eq!(choices.provider.as_deref(), Some("Unreachable ID"));
    assert!(choices.passwords_restricted);

    let (status, cookie, body) = sign_in(&app, "eric.employee@woodgrove.example", PASSWORD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(cookie.is_none());
    assert!(
        body.contains(domain::service::auth::PASSWORDS_OFF),
        "{body}"
    );
    let (status, cookie, _) = sign_in(&app, "alex.admin@woodgrove.example", PASSWORD).await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    assert!(cookie.is_some());
}

async fn without_single_sign_on_sign_out_ends_the_session_and_goes_to_sign_in(env: TestEnv) {
    domain::service::demo::seed(&env.ctx).await.unwrap();
    let app = router(&env);
    let (status, _, _) = send(&app, get("/auth/oidc/start")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, body) = {
        let (s, _, b) = call(&app, app::api::auth::SignInOffer::PATH, "", None).await;
        (s, b)
    };
    let choices: app::api::auth::SignInChoices = serde_json::from_str(&body).unwrap();
    assert_eq!(choices, app::api::auth::SignInChoices::default());

    let (_, cookie, _) = sign_in(&app, "maria.manager@woodgrove.example", PASSWORD).await;
    let cookie = cookie.unwrap();
    let sign_out = |origin: &str| {
        Request::post("/auth/sign-out")
            .header(header::ORIGIN, origin)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap()
    };
    // From another site: refused, and the session goes on.
    let (status, _, _) = send(&app, sign_out("https://evil.example")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(&app, get_with(&cookie, "/myaccess")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, _) = send(&app, sign_out(ORIGIN)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/login");
    let (status, _, _) = send(&app, get_with(&cookie, "/myaccess")).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the old cookie opens nothing"
    );
}

fn get_with(cookie: &str, path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

on_both_databases!(
    with crate::helpers::page_turn();
    an_unreachable_provider_or_a_stray_callback_is_a_clear_refusal,
    passwords_can_be_kept_for_break_glass_administrators,
    without_single_sign_on_sign_out_ends_the_session_and_goes_to_sign_in,
);
