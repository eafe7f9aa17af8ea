//! What the HTTP cases share: the configuration, a router over a case's database, signing
//! in, posting a form to a server function, and the turn a case takes before it runs.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::rules::sign_in::SessionLimits;
use domain::testing::TestEnv;
use leptos::server_fn::ServerFn;
use server::Config;
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use tower::ServiceExt;

/// The demo's password, which every seeded person has.
pub const PASSWORD: &str = "tessera-demo";
/// The origin Tessera's own pages have in these tests (the configured public URL).
pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub fn config() -> Config {
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: String::new(),
        demo: true,
        demo_history: false,
        session_limits: SessionLimits {
            idle_secs: 30 * 60,
            absolute_secs: 8 * 3600,
        },
        secure_cookies: false,
        site_root: "target/site".into(),
        max_body_bytes: 1024 * 1024,
        smtp_url: None,
        mail_from: "Tessera <tessera@localhost>".into(),
        public_url: ORIGIN.into(),
        public_url_set: true,
        jobs_interval_secs: 60,
        shutdown_grace_secs: 20,
        metrics_token: None,
        sign_in_per_minute: std::num::NonZeroU32::new(1000).unwrap(),
        api_per_minute: std::num::NonZeroU32::new(100_000).unwrap(),
        database: domain::db::DbOptions::default(),
        sso: None,
        password_sign_in: domain::rules::sso::PasswordSignIn::Everyone,
        secret_key: None,
    }
}

/// The server over the case's database, with the configuration's session limits.
pub fn router(env: &TestEnv) -> Router {
    let mut ctx = env.ctx.clone();
    ctx.sessions = config().session_limits;
    // As `server::serve` does with the configured key: connected systems can seal secrets.
    ctx.secrets = Some(domain::secrets::SecretKey::generate());
    server::router(&config(), ctx)
}

/// Server-rendered pages are read by one case at a time. Each case has its own tokio runtime
/// while Leptos keeps process-wide state (its executor, the server-function registry); when
/// several cases rendered pages at once, one page's body now and then never finished
/// (docs/TESTING.md, "The HTTP hang"; a production server has one runtime). So a case that
/// reads pages (`http`) runs alone; the authorization matrix (`authz`), which only calls
/// server functions, runs beside other matrix cases — as it did in a binary of its own — but
/// never beside a page-reading case. `TESSERA_HTTP_TESTS_PARALLEL=1` lifts both, to hunt the
/// hang. The turn is taken before the case's database is made and its timeout starts
/// (`on_both_databases!(with …)`), so waiting for it never counts against a case.
static PAGES: RwLock<()> = RwLock::const_new(());

/// What a case holds while it runs.
pub enum Turn {
    Alone {
        _pages: RwLockWriteGuard<'static, ()>,
    },
    Beside {
        _pages: RwLockReadGuard<'static, ()>,
    },
    Free,
}

fn parallel() -> bool {
    std::env::var("TESSERA_HTTP_TESTS_PARALLEL").is_ok_and(|v| v == "1")
}

/// The turn of a case that reads server-rendered pages: alone.
pub async fn page_turn() -> Turn {
    if parallel() {
        return Turn::Free;
    }
    Turn::Alone {
        _pages: PAGES.write().await,
    }
}

/// The turn of a case that only calls server functions: beside others like it.
pub async fn server_fn_turn() -> Turn {
    if parallel() {
        return Turn::Free;
    }
    Turn::Beside {
        _pages: PAGES.read().await,
    }
}

/// Posts to a server function as the browser's hydrated app does; returns status, the
/// session cookie if one was set, and the body.
pub async fn call(
    app: &Router,
    path: &str,
    form: &str,
    cookie: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let mut req = Request::post(path)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(form.to_owned())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let cookie = session_cookie(resp.headers());
    let body = axum::body::to_bytes(resp.into_body(), 1024 * 1024)
        .await
        .unwrap();
    (status, cookie, String::from_utf8_lossy(&body).into_owned())
}

/// Signs in through the sign-in server function, going on to /admin.
pub async fn sign_in(
    app: &Router,
    email: &str,
    password: &str,
) -> (StatusCode, Option<String>, String) {
    let form = format!(
        "email={}&password={}&next=%2Fadmin",
        urlencode(email),
        urlencode(password)
    );
    call(app, app::api::auth::SignIn::PATH, &form, None).await
}

pub use server::drive::{session_cookie, urlencode};
