//! Wires Tessera together: configuration, database, sessions, routes. Decides nothing.

pub mod api;
pub mod backup;
pub mod cli;
pub mod config;
pub mod drive;
mod export;
mod extensions;
pub mod governance;
pub mod metrics;
mod middleware;
pub mod oidc;
pub mod scheduler;
mod scim;
mod session_store;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use domain::clock::SharedClock;
use domain::db::Db;
use domain::service::Ctx;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use config::Config;
pub use scheduler::{JobsHealth, Scheduler};

#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub ctx: Ctx,
    /// The scheduler's loops, for `/readyz` (none in a router built without a scheduler).
    pub jobs: JobsHealth,
    /// What `/metrics` serves.
    pub metrics: metrics::Metrics,
    /// Single sign-on, when `TESSERA_OIDC_ISSUER` is set.
    pub sso: Option<std::sync::Arc<oidc::Sso>>,
    /// Sign-in attempts allowed per client address and overall (passwords and single sign-on).
    pub sign_in_limits: app::session::SignInLimits,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Connects, migrates, seeds the demo when asked, and returns the context every use case gets.
/// Migrations run on a connection of their own, without the statement time limit (one may
/// rightly take minutes on a large database); the pools the server uses then have it.
pub async fn prepare(config: &Config, clock: SharedClock) -> Result<Ctx, domain::DomainError> {
    let unlimited = domain::db::DbOptions {
        statement_timeout: None,
        ..config.database
    };
    let db = Db::connect_with(&config.database_url, unlimited).await?;
    db.migrate().await?;
    // SQLite has no statement limit: the pools just made are the ones to keep.
    let db = if config.database == unlimited || db.backend() == domain::model::Backend::Sqlite {
        db
    } else {
        db.close().await;
        Db::connect_with(&config.database_url, config.database).await?
    };
    let mut ctx = Ctx::new(db, clock);
    ctx.sessions = config.session_limits;
    ctx.password_sign_in = config.password_sign_in.clone();
    ctx.secrets = config.secret_key.clone();
    let chained = domain::service::audit::chain_unchained(&ctx).await?;
    if chained > 0 {
        tracing::info!(
            chained,
            "audit events recorded before the hash chain were chained"
        );
    }
    if config.demo {
        let created = domain::service::demo::seed(&ctx).await?;
        if config.demo_history {
            let started = std::time::Instant::now();
            if let Some(made) = domain::service::demo::seed_lived_in(&ctx).await? {
                tracing::info!(
                    people = made.people,
                    packages = made.packages,
                    requests = made.requests,
                    decisions = made.decisions,
                    reviews = made.reviews,
                    ms = started.elapsed().as_millis() as u64,
                    "demo: the lived-in organisation and its history were seeded"
                );
            }
        }
        tracing::warn!(
            created,
            "DEMO MODE: the Woodgrove Bank accounts use the public password 'tessera-demo'. Never use --demo with real data."
        );
    }
    Ok(ctx)
}

/// The whole HTTP application, without a scheduler (`/readyz` then checks the database only).
pub fn router(config: &Config, ctx: Ctx) -> Router {
    router_with_jobs(config, ctx, JobsHealth::default())
}

/// The whole HTTP application; `/readyz` reports the scheduler's loops in `jobs`.
pub fn router_with_jobs(config: &Config, ctx: Ctx, jobs: JobsHealth) -> Router {
    let leptos_options = config.leptos_options();
    let limits = app::session::SignInLimits::new(
        config.sign_in_per_minute,
        std::num::NonZeroU32::new(50).unwrap_or(std::num::NonZeroU32::MIN),
    );
    let state = AppState {
        leptos_options: leptos_options.clone(),
        ctx: ctx.clone(),
        metrics: jobs.metrics(),
        jobs,
        sso: config.sso.clone(),
        sign_in_limits: limits.clone(),
    };
    let offer = oidc::offer(state.sso.as_ref(), config.password_sign_in.is_restricted());
    let routes = generate_route_list(app::App);
    let sessions = SessionManagerLayer::new(session_store::DbSessionStore::new(ctx.clone()))
        .with_name(config.cookie_name())
        .with_path("/")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnSessionEnd);
    // Every page and server function gets the domain context, the sign-in limits, and the
    // CSP nonce the security-headers layer put on this response (Leptos made its own; ours
    // replaces it so the header and the page's scripts agree).
    let refused = {
        let metrics = state.metrics.clone();
        app::session::SignInRefused(std::sync::Arc::new(move || metrics.sign_in_failed()))
    };
    let context = move || {
        provide_context(ctx.clone());
        provide_context(limits.clone());
        provide_context(refused.clone());
        provide_context(offer.clone());
        if let Some(nonce) = leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<leptos::nonce::Nonce>().cloned())
        {
            provide_context(nonce);
        }
    };
    let allowed_origin = middleware::AllowedOrigin::from_public_url(
        config.public_url_set.then_some(config.public_url.as_str()),
    );
    let headers = middleware::SecurityHeaders {
        https: config.public_url.starts_with("https://"),
        provider_origin: config
            .sso
            .as_ref()
            .map(|sso| sso.origin())
            .unwrap_or_default()
            .into(),
    };
    // The built bundle (/pkg): straight from the files (brotli or gzip copies when the browser
    // takes them), without the session and sign-in lookups a page needs.
    let pkg = std::path::Path::new(&config.site_root).join(leptos_options.site_pkg_dir.as_ref());
    let assets = Router::new().nest_service(
        &format!("/{}", leptos_options.site_pkg_dir),
        tower_http::services::ServeDir::new(pkg)
            .precompressed_br()
            .precompressed_gzip(),
    );
    let pages = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/admin/access-packages/{id}/assignments.csv",
            get(export::assignments_csv),
        )
        .route("/admin/audit.csv", get(export::audit_csv))
        .route(
            "/admin/directory/users/{id}/access.csv",
            get(export::person_access_csv),
        )
        .route(
            "/admin/directory/groups/{id}/access.csv",
            get(export::resource_access_csv),
        )
        .route("/auth/oidc/start", get(oidc::start))
        .route("/auth/oidc/callback", get(oidc::callback))
        .route("/auth/sign-out", axum::routing::post(oidc::sign_out))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::current_actor,
        ))
        .layer(axum::middleware::from_fn(middleware::form_redirects))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            allowed_origin,
            middleware::same_origin,
        ));
    let state_metrics = state.metrics.clone();
    // /metrics: without the session lookups of a page; only with TESSERA_METRICS_TOKEN.
    let scrape = Router::new()
        .route("/metrics", get(metrics::endpoint))
        .with_state(metrics::Scrape {
            metrics: state.metrics.clone(),
            ctx: state.ctx.clone(),
            token: config.metrics_token.clone(),
        });
    // /scim/v2: provisioning clients, with a bearer token and without the pages' session and
    // same-origin layers (a client has neither a cookie nor an Origin).
    let provisioning = Router::new().nest(
        "/scim/v2",
        scim::router(state.ctx.clone(), &config.public_url),
    );
    // /api/v1: scripts, with an API token and, like SCIM, without the pages' layers.
    let api = api::router(state.ctx.clone(), config.api_per_minute);
    // /webhooks/answer: blocking webhooks' receivers, signed with the webhook's secret.
    let answers = extensions::router(state.ctx.clone());
    pages
        .with_state(state)
        .merge(assets)
        .merge(scrape)
        .merge(provisioning)
        .merge(api)
        .merge(answers)
        // Per route (a layer on the router sees the matched route pattern).
        .layer(axum::middleware::from_fn_with_state(
            state_metrics,
            metrics::observe,
        ))
        .layer(axum::middleware::from_fn_with_state(
            headers,
            middleware::security_headers,
        ))
        // Pages and answers compressed on the fly (the bundle has its precompressed copies,
        // which this leaves alone): gzip. Not brotli: at its default level (its best, 11) it
        // took the largest share of a page's CPU time, and it keeps megabytes of window per
        // response in flight (measured in docs/BENCHMARKS.md).
        .layer(tower_http::compression::CompressionLayer::new().no_br())
        .layer(axum::middleware::from_fn(middleware::request_id))
        // Over the limit: 413 before anything reads the body.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            config.max_body_bytes,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(config.max_body_bytes))
}

/// Why the database is not usable, if it is not (logged as `check`'s finding).
async fn database_problem(state: &AppState, check: &str) -> Option<&'static str> {
    let e = state.ctx.db.ping().await.err()?;
    tracing::error!(error = ?e, "{check}: database unreachable");
    Some("the database does not answer")
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.ctx.db.backend().code();
    match database_problem(&state, "health check").await {
        None => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok", "database": database})),
        ),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(
                serde_json::json!({"status": "unavailable", "database": database, "reason": reason}),
            ),
        ),
    }
}

/// Ready to serve: the database answers and no scheduler loop is stuck (see
/// [`scheduler::JobsHealth::report`]). 503 with the reasons otherwise. Each loop shows when
/// it last ran, when it last ran without a failure, and its counts.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.ctx.db.backend().code();
    let db_problem = database_problem(&state, "readiness check").await;
    let loops = state.jobs.report();
    let ready = db_problem.is_none() && loops.iter().all(|l| l.ready);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(serde_json::json!({
            "status": if ready { "ready" } else { "unavailable" },
            "database": database,
            "database_problem": db_problem,
            "jobs": loops,
        })),
    )
}
