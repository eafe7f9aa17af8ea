//! The server's scheduler: loops that run the lifecycle jobs, the e-mail outbox and the
//! hourly clean-up, each on its own timer, so that a slow mail relay cannot delay deadlines
//! and expiry. Each tick runs as a task of its own: an error or a panic in one tick is logged
//! and counted, and the next tick runs as usual. What each loop last did is kept for
//! `/readyz`, which fails when a loop has not finished a tick for too long (it is stuck).
//! On shutdown the loops stop between batches (`domain::jobs::Stop`), never inside one.

use crate::metrics::Metrics;
use chrono::{DateTime, Utc};
use domain::jobs::{JobReport, Mailer, RunLimits, Stop};
use domain::service::Ctx;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The longest wait between two deliveries to connected systems.
const CONNECTORS_EVERY: Duration = Duration::from_secs(5);

/// How a tick ended, as its loop reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tick {
    /// Everything due was worked (or nothing was due).
    Done,
    /// It ran, but some items or steps failed; they are retried on a later tick.
    Failed(Vec<String>),
}

impl From<JobReport> for Tick {
    fn from(report: JobReport) -> Self {
        if report.failures.is_empty() {
            Tick::Done
        } else {
            Tick::Failed(report.failures)
        }
    }
}

/// What one loop last did.
#[derive(Debug, Clone)]
struct LoopState {
    /// How long it may go without finishing a tick (`stuck_after` of its interval).
    limit: Duration,
    started: Instant,
    running_since: Option<Instant>,
    last_finished: Option<Instant>,
    last_ok_at: Option<DateTime<Utc>>,
    last_run_at: Option<DateTime<Utc>>,
    last_problem: Option<String>,
    ticks: u64,
    failed_ticks: u64,
}

/// The state of every loop, shared with `/readyz`; ticks are also counted in `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct JobsHealth {
    loops: Arc<Mutex<BTreeMap<&'static str, LoopState>>>,
    metrics: Metrics,
}

/// One loop as `/readyz` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoopReport {
    pub name: &'static str,
    pub ready: bool,
    /// When a tick last finished with nothing failed (RFC 3339), if ever.
    pub last_ok_at: Option<String>,
    /// When a tick last finished, whatever its outcome.
    pub last_run_at: Option<String>,
    pub ticks: u64,
    pub failed_ticks: u64,
    /// Why it is not ready, or what its last failed tick said.
    pub problem: Option<String>,
}

impl JobsHealth {
    /// The metrics this scheduler counts its ticks in (the router serves them).
    pub fn metrics(&self) -> Metrics {
        self.metrics.clone()
    }

    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<&'static str, LoopState>) -> T) -> T {
        let mut loops = self
            .loops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut loops)
    }

    fn register(&self, name: &'static str, every: Duration) {
        self.with(|loops| {
            loops.insert(
                name,
                LoopState {
                    limit: stuck_after(every),
                    started: Instant::now(),
                    running_since: None,
                    last_finished: None,
                    last_ok_at: None,
                    last_run_at: None,
                    last_problem: None,
                    ticks: 0,
                    failed_ticks: 0,
                },
            );
        });
    }

    fn begin(&self, name: &'static str) {
        self.with(|loops| {
            if let Some(l) = loops.get_mut(name) {
                l.running_since = Some(Instant::now());
            }
        });
    }

    fn finish(&self, name: &'static str, outcome: Result<Tick, String>) {
        self.metrics.tick(
            name,
            match &outcome {
                Ok(Tick::Done) => "ok",
                Ok(Tick::Failed(_)) => "failed",
                Err(_) => "crashed",
            },
        );
        self.with(|loops| {
            let Some(l) = loops.get_mut(name) else {
                return;
            };
            let now = Utc::now();
            l.running_since = None;
            l.last_finished = Some(Instant::now());
            l.last_run_at = Some(now);
            l.ticks += 1;
            match outcome {
                Ok(Tick::Done) => {
                    l.last_ok_at = Some(now);
                    l.last_problem = None;
                }
                Ok(Tick::Failed(lines)) => {
                    l.failed_ticks += 1;
                    l.last_problem = Some(format!(
                        "{} failure(s) in the last tick, retried later; first: {}",
                        lines.len(),
                        lines.first().map(String::as_str).unwrap_or("")
                    ));
                }
                Err(crash) => {
                    l.failed_ticks += 1;
                    l.last_problem = Some(crash);
                }
            }
        });
    }

    /// Every loop, ready or not: a loop is stuck when none of its ticks has finished within
    /// `stuck_after(every)` (since it started, or since its last tick finished).
    pub fn report(&self) -> Vec<LoopReport> {
        self.with(|loops| {
            loops
                .iter()
                .map(|(name, l)| {
                    let limit = l.limit;
                    let since = l.last_finished.unwrap_or(l.started);
                    let stuck = since.elapsed() > limit;
                    let problem = if stuck {
                        Some(match l.running_since {
                            Some(t) => format!(
                                "stuck: a tick has been running for {} s (limit {} s)",
                                t.elapsed().as_secs(),
                                limit.as_secs()
                            ),
                            None => format!(
                                "stuck: no tick has finished for {} s (limit {} s)",
                                since.elapsed().as_secs(),
                                limit.as_secs()
                            ),
                        })
                    } else {
                        l.last_problem.clone()
                    };
                    LoopReport {
                        name,
                        ready: !stuck,
                        last_ok_at: l.last_ok_at.map(|t| t.to_rfc3339()),
                        last_run_at: l.last_run_at.map(|t| t.to_rfc3339()),
                        ticks: l.ticks,
                        failed_ticks: l.failed_ticks,
                        problem,
                    }
                })
                .collect()
        })
    }
}

/// How long a loop may go without finishing a tick before it counts as stuck: three of its
/// intervals and ten minutes (a tick is bounded by its batches, and e-mail by its budget).
pub fn stuck_after(every: Duration) -> Duration {
    every.saturating_mul(3) + Duration::from_secs(600)
}

/// The running loops.
pub struct Scheduler {
    health: JobsHealth,
    stopper: Stopper,
    loops: Vec<JoinHandle<()>>,
}

/// Tells every loop of a scheduler to stop after the batch it is in; cheap to clone.
#[derive(Clone)]
pub struct Stopper {
    stop: Stop,
    wake: Arc<watch::Sender<bool>>,
}

impl Stopper {
    pub fn raise(&self) {
        self.stop.raise();
        let _ = self.wake.send(true);
    }
}

impl Scheduler {
    /// Starts the lifecycle jobs every `every`, the outbox (when there is a mailer) every
    /// `every`, the deliveries to connected systems every `every` or 5 s if sooner, and hourly (the first at start) the removal of expired sessions and sign-in
    /// throttles and a refresh of SQLite's planner statistics.
    pub fn start(ctx: Ctx, mailer: Option<Mailer>, every: Duration) -> Self {
        let mut s = Self::empty();
        let jobs = ctx.clone();
        s.spawn("lifecycle", every, move |stop| {
            let ctx = jobs.clone();
            async move {
                let limits = RunLimits {
                    stop,
                    ..RunLimits::default()
                };
                let report = domain::jobs::run_due(&ctx, None, limits).await;
                if report != JobReport::default() {
                    tracing::info!(?report, "lifecycle jobs ran");
                }
                Tick::from(report)
            }
        });
        if let Some(mailer) = mailer {
            let outbox = ctx.clone();
            s.spawn("email", every, move |stop| {
                let (ctx, mailer) = (outbox.clone(), mailer.clone());
                async move {
                    let limits = RunLimits {
                        stop,
                        ..RunLimits::default()
                    };
                    let report = domain::jobs::send_due(&ctx, &mailer, limits).await;
                    if report != JobReport::default() {
                        tracing::info!(
                            sent = report.emails_sent,
                            retrying = report.emails_retrying,
                            failed = report.emails_failed,
                            stale = report.emails_stale,
                            "email sent"
                        );
                    }
                    Tick::from(report)
                }
            });
        }
        // Connected systems and webhooks: a few seconds between rounds, so a grant reaches the
        // directory (and an event its receivers) soon after it happens; a round with nothing due
        // is a few indexed reads.
        let connectors = ctx.clone();
        s.spawn("connectors", every.min(CONNECTORS_EVERY), move |stop| {
            let ctx = connectors.clone();
            async move {
                let limits = RunLimits {
                    stop,
                    ..RunLimits::default()
                };
                let report = domain::jobs::deliver_due(&ctx, limits).await;
                if report != JobReport::default() {
                    tracing::info!(
                        delivered = report.changes_delivered,
                        failed = report.changes_failed,
                        webhooks_delivered = report.webhooks_delivered,
                        webhooks_failed = report.webhooks_failed,
                        "connected systems and webhooks: delivered"
                    );
                }
                Tick::from(report)
            }
        });
        s.spawn("cleanup", Duration::from_secs(3600), move |_| {
            let ctx = ctx.clone();
            async move {
                if let Err(e) = ctx.db.refresh_statistics().await {
                    return Tick::Failed(vec![format!(
                        "cannot refresh the planner's statistics: {e}"
                    )]);
                }
                match domain::service::auth::purge_stale(&ctx).await {
                    Ok((sessions, throttles)) => {
                        if sessions + throttles > 0 {
                            tracing::info!(
                                sessions,
                                throttles,
                                "expired sessions and sign-in throttles removed"
                            );
                        }
                        Tick::Done
                    }
                    Err(e) => Tick::Failed(vec![format!(
                        "cannot remove expired sessions and throttles: {e}"
                    )]),
                }
            }
        });
        s
    }

    /// A scheduler with no loop yet.
    pub fn empty() -> Self {
        Self {
            health: JobsHealth::default(),
            stopper: Stopper {
                stop: Stop::default(),
                wake: Arc::new(watch::channel(false).0),
            },
            loops: Vec::new(),
        }
    }

    pub fn health(&self) -> JobsHealth {
        self.health.clone()
    }

    /// Adds a loop that runs `tick` every `every`, the first time at once.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, every: Duration, tick: F)
    where
        F: Fn(Stop) -> Fut + Send + 'static,
        Fut: Future<Output = Tick> + Send + 'static,
    {
        self.health.register(name, every);
        let handle = tokio::spawn(supervise(
            name,
            every,
            self.health.clone(),
            self.stopper.stop.clone(),
            self.stopper.wake.subscribe(),
            tick,
        ));
        self.loops.push(handle);
    }

    /// What stops the loops, for a signal handler.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Stops the loops and waits for them, at most `within`; says whether all stopped.
    pub async fn stop(self, within: Duration) -> bool {
        self.stopper.raise();
        let all = async {
            for handle in self.loops {
                let _ = handle.await;
            }
        };
        tokio::time::timeout(within, all).await.is_ok()
    }
}

/// One loop: a tick every `every` until stopped, each tick a task of its own so that its
/// panic is caught here.
async fn supervise<F, Fut>(
    name: &'static str,
    every: Duration,
    health: JobsHealth,
    stop: Stop,
    mut wake: watch::Receiver<bool>,
    tick: F,
) where
    F: Fn(Stop) -> Fut + Send + 'static,
    Fut: Future<Output = Tick> + Send + 'static,
{
    let mut timer = tokio::time::interval(every);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = timer.tick() => {}
            _ = wake.wait_for(|stopping| *stopping) => {}
        }
        if stop.raised() {
            break;
        }
        health.begin(name);
        let outcome = match tokio::spawn(tick(stop.clone())).await {
            Ok(tick) => {
                if let Tick::Failed(lines) = &tick {
                    let first = lines.first().map(String::as_str).unwrap_or("");
                    tracing::warn!(
                        job_loop = name,
                        failures = lines.len(),
                        first,
                        "a tick had failures; they are retried later"
                    );
                }
                Ok(tick)
            }
            Err(e) => {
                let why = if e.is_panic() {
                    let payload = e.into_panic();
                    let text = payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "(no message)".into());
                    format!("the last tick panicked: {text}")
                } else {
                    "the last tick was cancelled".to_owned()
                };
                tracing::error!(job_loop = name, problem = %why, "a scheduler tick crashed; the next runs as usual");
                Err(why)
            }
        };
        health.finish(name, outcome);
    }
    tracing::info!(job_loop = name, "scheduler loop stopped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Until a loop's tick has been called `n` times, 10 s at most.
    async fn wait_for_calls(calls: &AtomicU32, n: u32) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while calls.load(Ordering::SeqCst) < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_panicking_tick_is_reported_and_the_next_one_runs() {
        let mut s = Scheduler::empty();
        let calls = Arc::new(AtomicU32::new(0));
        let seen = calls.clone();
        s.spawn("flaky", Duration::from_millis(10), move |_| {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    panic!("first tick breaks");
                }
                Tick::Done
            }
        });
        let health = s.health();
        wait_for_calls(&calls, 3).await;
        assert!(s.stop(Duration::from_secs(5)).await, "the loop stops");
        let report = health.report();
        assert_eq!(report.len(), 1);
        let flaky = &report[0];
        assert!(flaky.ticks >= 3, "{flaky:?}");
        assert_eq!(flaky.failed_ticks, 1, "{flaky:?}");
        assert!(flaky.ready && flaky.last_ok_at.is_some(), "{flaky:?}");
        // A later good tick clears the problem.
        assert_eq!(flaky.problem, None);
    }

    #[test]
    fn failures_are_kept_until_a_tick_succeeds() {
        let health = JobsHealth::default();
        health.register("lifecycle", Duration::from_secs(60));
        health.begin("lifecycle");
        health.finish(
            "lifecycle",
            Ok(Tick::Failed(vec![
                "assignment_expiry x (attempt 1): boom".into(),
            ])),
        );
        let r = &health.report()[0];
        assert!(r.ready);
        assert_eq!(r.last_ok_at, None);
        assert!(r.last_run_at.is_some());
        assert_eq!(
            r.problem.as_deref(),
            Some(
                "1 failure(s) in the last tick, retried later; first: assignment_expiry x (attempt 1): boom"
            )
        );
        health.finish("lifecycle", Ok(Tick::Done));
        let r = &health.report()[0];
        assert!(r.last_ok_at.is_some() && r.problem.is_none());
        assert_eq!((r.ticks, r.failed_ticks), (2, 1));
    }

    #[test]
    fn a_tick_that_never_ends_makes_its_loop_stuck() {
        let health = JobsHealth::default();
        health.register("lifecycle", Duration::from_secs(60));
        assert!(
            health.report()[0].ready,
            "a new loop has its limit to finish a tick"
        );
        health.with(|loops| {
            if let Some(l) = loops.get_mut("lifecycle") {
                l.limit = Duration::from_millis(1);
            }
        });
        health.begin("lifecycle");
        std::thread::sleep(Duration::from_millis(5));
        let r = &health.report()[0];
        assert!(!r.ready, "{r:?}");
        assert!(
            r.problem
                .as_deref()
                .is_some_and(|p| p.starts_with("stuck: a tick has been running for")),
            "{r:?}"
        );
        assert_eq!(
            stuck_after(Duration::from_secs(60)),
            Duration::from_secs(780)
        );
    }

    #[tokio::test]
    async fn stop_ends_a_loop_waiting_for_its_next_tick() {
        let mut s = Scheduler::empty();
        let calls = Arc::new(AtomicU32::new(0));
        let seen = calls.clone();
        s.spawn("hourly", Duration::from_secs(3600), move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
            async { Tick::Done }
        });
        wait_for_calls(&calls, 1).await;
        let started = Instant::now();
        assert!(s.stop(Duration::from_secs(5)).await);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
