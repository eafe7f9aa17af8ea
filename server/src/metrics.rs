//! `GET /metrics`: Prometheus' text format (OpenMetrics), from the `prometheus-client` crate.
//! One registry per router, so tests and instances never share counts.
//!
//! - `tessera_http_requests_total{route,method,status}` and
//!   `tessera_http_request_duration_seconds{route}`: every request, by its route pattern
//!   (`/admin/access-packages/{id}`, a server function's path, or `unmatched`).
//! - `tessera_sign_in_failures_total`: refused sign-ins (wrong password, unknown, disabled,
//!   throttled).
//! - `tessera_job_ticks_total{job_loop,outcome}`: the scheduler's ticks, `ok`, `failed` (some
//!   items failed; retried later) or `crashed` (a panic).
//! - `tessera_db_connections{pool,state}`: the database pools, `idle` and `in_use`.
//! - `tessera_email_backlog{state}`: notifications whose e-mail waits (`pending`, `sending`)
//!   or gave up (`failed`).

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TickLabels {
    pub job_loop: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    pub pool: String,
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BacklogLabels {
    pub state: String,
}

/// 1 ms to about 16 s, doubling.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Every metric, cheap to clone (each family shares its values).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    requests: Family<HttpLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    sign_in_failures: Counter,
    ticks: Family<TickLabels, Counter>,
    connections: Family<PoolLabels, Gauge>,
    backlog: Family<BacklogLabels, Gauge>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tessera");
        let requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            requests.clone(),
        );
        let durations: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (until its headers), by route pattern",
            durations.clone(),
        );
        let sign_in_failures = Counter::default();
        registry.register(
            "sign_in_failures",
            "Sign-ins refused (wrong or unknown credentials, disabled account, throttled)",
            sign_in_failures.clone(),
        );
        let ticks = Family::<TickLabels, Counter>::default();
        registry.register(
            "job_ticks",
            "Scheduler ticks by loop and outcome (ok, failed: some items failed and are retried, crashed: a panic)",
            ticks.clone(),
        );
        let connections = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_connections",
            "Database connections by pool (read, write) and state (idle, in_use)",
            connections.clone(),
        );
        let backlog = Family::<BacklogLabels, Gauge>::default();
        registry.register(
            "email_backlog",
            "Notifications whose e-mail is pending, being sent, or failed for good",
            backlog.clone(),
        );
        Self {
            registry: Arc::new(registry),
            requests,
            durations,
            sign_in_failures,
            ticks,
            connections,
            backlog,
        }
    }

    /// Counts one scheduler tick of `job_loop`.
    pub fn tick(&self, job_loop: &str, outcome: &str) {
        self.ticks
            .get_or_create(&TickLabels {
                job_loop: job_loop.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts one refused sign-in.
    pub fn sign_in_failed(&self) {
        self.sign_in_failures.inc();
    }

    fn request(&self, route: String, method: &str, status: StatusCode, seconds: f64) {
        self.durations
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&HttpLabels {
                route,
                method: method.to_owned(),
                status: status.as_u16(),
            })
            .inc();
    }

    /// The text of every metric, after reading the gauges from `ctx`'s database.
    pub async fn render(&self, ctx: &domain::service::Ctx) -> Result<String, std::fmt::Error> {
        for (pool, size, idle) in ctx.db.pool_usage() {
            let set = |state: &str, n: u32| {
                self.connections
                    .get_or_create(&PoolLabels {
                        pool: pool.to_owned(),
                        state: state.to_owned(),
                    })
                    .set(i64::from(n));
            };
            set("idle", idle);
            set("in_use", size.saturating_sub(idle));
        }
        match domain::service::notifications::email_backlog(ctx).await {
            Ok(states) => {
                for (state, n) in states {
                    self.backlog
                        .get_or_create(&BacklogLabels {
                            state: state.code().to_owned(),
                        })
                        .set(n);
                }
            }
            Err(e) => tracing::warn!(error = ?e, "metrics: cannot count the e-mail backlog"),
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Counts and times every request by its route pattern (bounded: unknown paths are
/// `unmatched`), and refused sign-ins.
pub async fn observe(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    metrics.request(route, &method, status, started.elapsed().as_secs_f64());
    response
}

/// What `/metrics` needs.
#[derive(Clone)]
pub struct Scrape {
    pub metrics: Metrics,
    pub ctx: domain::service::Ctx,
    /// The bearer token scrapers send; none: `/metrics` is off (404).
    pub token: Option<String>,
}

/// `GET /metrics`: only with `Authorization: Bearer <TESSERA_METRICS_TOKEN>` (401 otherwise);
/// 404 when no token is configured.
pub async fn endpoint(State(scrape): State<Scrape>, headers: axum::http::HeaderMap) -> Response {
    let Some(token) = scrape.token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same_token(sent, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send Authorization: Bearer <TESSERA_METRICS_TOKEN>",
        )
            .into_response();
    }
    match scrape.metrics.render(&scrape.ctx).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Compares in time independent of where they differ.
fn same_token(sent: &str, token: &str) -> bool {
    let (a, b) = (sent.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
