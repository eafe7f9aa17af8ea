//! Drills with real `tessera` processes over a real database, driven over HTTP the way the
//! pages drive it (`server::drive`):
//! - **crash:** requests, decisions and the lifecycle jobs run while the server (and a
//!   `tessera jobs run` beside it) is killed with SIGKILL at a random moment, round after
//!   round (the job run every other round); after each round `tessera check` passes and
//!   everything the client saw acknowledged is there. SQLite and PostgreSQL.
//! - **two instances** on one PostgreSQL, with a real SMTP server: requests on one, decisions
//!   on the other, the same decision sent to both at once, both schedulers and two job runs
//!   racing; every decision, delivery, expiry, review result and e-mail happens once.
//! - **database restart:** a private PostgreSQL cluster is restarted under load; requests in
//!   the gap are answered 503 "try again" within the bound, never hang, and the server
//!   recovers by itself. A statement over its time limit is answered the same way.
//! - **soak** (ignored; `TESSERA_SOAK_MINUTES`): steady mixed load, resident memory, file
//!   handles and connections sampled each minute.
//!
//! Sizes: `TESSERA_DRILL_ROUNDS` (crash rounds, default 4; docs/OPERATIONS.md runs 20).

use domain::testing::TestEnv;
use rand::{Rng, SeedableRng};
use server::drive::{self, Http};
use sqlx::Row;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = domain::service::synthetic::PASSWORD;
/// How long one HTTP exchange may take before the drill calls it a hang.
const EXCHANGE: Duration = Duration::from_secs(15);

/// The drills start servers and seed databases: one at a time, so each has the machine.
static DRILLS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn drill_turn() -> tokio::sync::MutexGuard<'static, ()> {
    DRILLS.lock().await
}

/// The `tessera` binary the drills run: the one cargo built for these tests, or
/// `TESSERA_BIN` (a copy, so a long soak is not disturbed by a rebuild meanwhile).
fn binary() -> PathBuf {
    std::env::var("TESSERA_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_tessera")))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tessera-drill-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tessera ARGS` on `url`, to its end; (success, what it printed).
fn tessera(url: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(binary())
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .env_remove("SMTP_URL")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `tessera check` must pass.
fn assert_check(url: &str, when: &str) {
    let (ok, text) = tessera(url, &["check"], &[]);
    assert!(ok, "tessera check failed {when}:\n{text}");
    assert!(text.contains("invariants hold"), "{when}: {text}");
}

/// The synthetic organisation (`tessera seed-synthetic`): a management tree, packages of every
/// shape (a quarter of them approved by the requestor's manager), live and ended assignments.
fn seed(url: &str, users: usize, packages: usize, assignments: usize) {
    let (ok, text) = tessera(
        url,
        &[
            "seed-synthetic",
            "--users",
            &users.to_string(),
            "--packages",
            &packages.to_string(),
            "--assignments",
            &assignments.to_string(),
            "--seed",
            "7",
        ],
        &[],
    );
    assert!(ok, "seed-synthetic failed: {text}");
}

/// One `tessera serve` over the case's database, killed when dropped.
struct Instance {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Instance {
    /// Starts it and waits until `/healthz` answers 200.
    async fn start(url: &str, dir: &Path, name: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = Command::new(binary())
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            .env("TESSERA_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("TESSERA_SIGN_IN_PER_MINUTE", "100000")
            .env("TESSERA_JOBS_INTERVAL_SECONDS", "1")
            .env_remove("SMTP_URL")
            .envs(env.iter().copied())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let mut me = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let http = drive::client(1);
        let started = Instant::now();
        loop {
            if let Some(status) = me.child.try_wait().unwrap() {
                panic!("{name} exited at start ({status}): {}", me.log_text());
            }
            let answer = tokio::time::timeout(
                Duration::from_secs(2),
                drive::send(&http, drive::get(&me.base, "/healthz", None)),
            )
            .await;
            if matches!(answer, Ok(Ok((s, _, _))) if s.is_success()) {
                return me;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{name} did not answer /healthz within 60 s: {}",
                me.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flush, as a crash or an OOM kill.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the exit.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let stopping = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            if stopping.elapsed() > Duration::from_secs(30) {
                self.kill();
                panic!("still running 30 s after SIGTERM: {}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `tessera jobs run --at AT` in the background (killed when dropped).
struct JobsRun(Child);

impl JobsRun {
    fn start(url: &str, at: chrono::DateTime<chrono::Utc>, env: &[(&str, &str)]) -> Self {
        Self(
            Command::new(binary())
                .args(["jobs", "run", "--at", &at.to_rfc3339()])
                .env("DATABASE_URL", url)
                .env("RUST_LOG", "warn")
                .env_remove("SMTP_URL")
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    /// Waits for its end; whether it finished well (false when killed or when an item failed).
    fn wait(&mut self) -> bool {
        self.0.wait().is_ok_and(|s| s.success())
    }
}

impl Drop for JobsRun {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn email(i: usize) -> String {
    format!("person{i:06}@woodgrove.example")
}

/// Who requests what: people deep in the synthetic tree (their managers approve) and the
/// packages approved by the requestor's manager, as the (person, package) pairs nobody holds
/// or has asked for yet.
struct Cast {
    /// Session cookies by person number.
    cookies: std::collections::HashMap<usize, String>,
    pairs: VecDeque<(usize, String)>,
}

fn manager_of(i: usize) -> usize {
    (i - 1) / 8
}

async fn cast(
    pool: &sqlx::AnyPool,
    http: &Http,
    base: &str,
    users: usize,
    requestors: usize,
) -> Cast {
    let first = (users / 4).max(100);
    let people: Vec<usize> = (first..users)
        .filter(|i| i % 20 != 19)
        .take(requestors)
        .collect();
    let packages: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM access_packages WHERE name LIKE 'Manager approved%' OR name LIKE 'Hidden%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(
        !packages.is_empty(),
        "the seed made no manager-approved package"
    );
    let mut taken = std::collections::HashSet::new();
    for row in sqlx::query(
        "SELECT package_id, u.email FROM access_package_assignments a JOIN users u ON u.id = a.user_id
          WHERE a.active_key IS NOT NULL
         UNION SELECT package_id, u.email FROM access_package_requests r JOIN users u ON u.id = r.requestor_id
          WHERE r.open_key IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        taken.insert((row.get::<String, _>(0), row.get::<String, _>(1)));
    }
    let mut pairs = VecDeque::new();
    for p in &packages {
        for &r in &people {
            if !taken.contains(&(p.clone(), email(r))) {
                pairs.push_back((r, p.clone()));
            }
        }
    }
    let mut cookies = std::collections::HashMap::new();
    for &i in &people {
        for who in [i, manager_of(i)] {
            if let std::collections::hash_map::Entry::Vacant(slot) = cookies.entry(who) {
                slot.insert(
                    drive::sign_in(http, base, &email(who), PASSWORD)
                        .await
                        .unwrap(),
                );
            }
        }
    }
    Cast { cookies, pairs }
}

/// What the client saw acknowledged (a 2xx answer), to find again in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Submitted,
    Approved,
    Denied,
    Canceled,
}

#[derive(Default, Clone)]
struct Ledger {
    seen: Vec<(String, Seen)>,
    /// Exchanges that got no answer (the server was killed mid-way): their outcome is unknown.
    lost: usize,
    /// Answers "try again" (503): allowed, counted.
    unavailable: usize,
    /// Answers that were neither a success, a conflict nor a 503 (none expected).
    errors: Vec<String>,
}

impl Ledger {
    /// A refusal: a conflict (already decided, already open) is the use case's answer to a
    /// race and a 503 a "try again"; anything else is an error of the drill's making or
    /// Tessera's.
    fn refused(&mut self, status: hyper::StatusCode, what: &str, body: &str) {
        match status {
            hyper::StatusCode::CONFLICT => {}
            hyper::StatusCode::SERVICE_UNAVAILABLE => self.unavailable += 1,
            _ => self.errors.push(format!("{what}: {status} {body}")),
        }
    }

    fn count(&self, what: Seen) -> usize {
        self.seen.iter().filter(|(_, s)| *s == what).count()
    }
}

/// The answer of one exchange: Some((status, body)) or None when none came (killed).
async fn exchange(
    http: &Http,
    req: hyper::Request<http_body_util::Full<hyper::body::Bytes>>,
) -> Option<(hyper::StatusCode, String)> {
    match tokio::time::timeout(EXCHANGE, drive::send(http, req)).await {
        Ok(Ok((status, _, body))) => Some((status, String::from_utf8_lossy(&body).into_owned())),
        Ok(Err(_)) => None,
        Err(_) => panic!("an exchange took longer than {EXCHANGE:?}: a hang"),
    }
}

/// One driver: submits a request for a free pair, then has it approved (a third), denied or
/// canceled by the requestor; a denied or canceled pair goes back to the pool. `front`
/// receives the requests, `back` the decisions (the same server, or the other instance).
/// Stops at the first exchange without an answer, or when `until` passes.
async fn driver(crew: Crew, front: String, back: String, seed: u64, until: Instant) {
    let Crew {
        http,
        cookies,
        pairs,
        ledger,
    } = crew;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    while Instant::now() < until {
        let Some((who, package)) = pairs.lock().unwrap().pop_front() else {
            return;
        };
        let cookie = &cookies[&who];
        let Some((status, body)) = exchange(&http, drive::submit(&front, cookie, &package)).await
        else {
            ledger.lock().unwrap().lost += 1;
            return;
        };
        if !status.is_success() {
            ledger.lock().unwrap().refused(status, "submit", &body);
            continue;
        }
        let id: String = serde_json::from_str(&body).unwrap();
        ledger
            .lock()
            .unwrap()
            .seen
            .push((id.clone(), Seen::Submitted));
        let roll = rng.gen_range(0..6);
        let (req, seen) = match roll {
            0 | 1 => (
                drive::decide(&back, &cookies[&manager_of(who)], &id, true),
                Seen::Approved,
            ),
            2..=4 => (
                drive::decide(&back, &cookies[&manager_of(who)], &id, false),
                Seen::Denied,
            ),
            _ => (drive::cancel(&back, cookie, &id), Seen::Canceled),
        };
        let Some((status, body)) = exchange(&http, req).await else {
            ledger.lock().unwrap().lost += 1;
            return;
        };
        if status.is_success() {
            ledger.lock().unwrap().seen.push((id, seen));
            if seen != Seen::Approved {
                pairs.lock().unwrap().push_back((who, package));
            }
        } else {
            ledger
                .lock()
                .unwrap()
                .refused(status, &format!("{seen:?}"), &body);
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(5..30))).await;
    }
}

/// What the drivers of one drill share: the client, the sessions, the free pairs and what
/// was acknowledged.
#[derive(Clone)]
struct Crew {
    http: Http,
    cookies: Arc<std::collections::HashMap<usize, String>>,
    pairs: Arc<Mutex<VecDeque<(usize, String)>>>,
    ledger: Arc<Mutex<Ledger>>,
}

impl Crew {
    fn new(http: &Http, cast: Cast) -> Self {
        Self {
            http: http.clone(),
            cookies: Arc::new(cast.cookies),
            pairs: Arc::new(Mutex::new(cast.pairs)),
            ledger: Arc::new(Mutex::new(Ledger::default())),
        }
    }
}

/// `n` drivers of `crew`, the k-th asking `ends(k).0` and deciding at `ends(k).1`.
fn drivers(
    crew: &Crew,
    n: u64,
    ends: impl Fn(u64) -> (String, String),
    until: Instant,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|k| {
            let (front, back) = ends(k);
            tokio::spawn(driver(crew.clone(), front, back, k, until))
        })
        .collect()
}

/// Everything acknowledged is in the database, in the state it was acknowledged in.
async fn assert_acknowledged(pool: &sqlx::AnyPool, ledger: &Ledger, when: &str) {
    for (id, seen) in &ledger.seen {
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM access_package_requests WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .unwrap();
        let Some(state) = state else {
            panic!("{when}: request {id} was acknowledged ({seen:?}) but is not there");
        };
        let expected = match seen {
            Seen::Submitted => None,
            Seen::Approved => Some("delivered"),
            Seen::Denied => Some("denied"),
            Seen::Canceled => Some("canceled"),
        };
        if let Some(expected) = expected {
            assert_eq!(
                state, expected,
                "{when}: request {id} was acknowledged {seen:?}"
            );
        }
    }
}

fn rounds() -> usize {
    std::env::var("TESSERA_DRILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(4)
}

/// A round's kill: after a random 0.4–2.0 s of load.
fn kill_after(rng: &mut rand::rngs::StdRng) -> Duration {
    Duration::from_millis(rng.gen_range(400..2_000))
}

async fn crash(env: TestEnv) {
    let rounds = rounds();
    let dir = scratch("crash");
    let users = 400;
    seed(&env.url, users, 28, 1_500);
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let http = drive::client(64);
    let mut crew: Option<Crew> = None;
    let start = chrono::Utc::now();
    let mut jobs_finished = 0;
    for round in 0..rounds {
        let mut server = Instance::start(&env.url, &dir, "serve", &[]).await;
        // Sessions are rows in the database: signed in once, they outlive every crash.
        if crew.is_none() {
            let c = cast(env.ctx.db.pool(), &http, &server.base, users, 100).await;
            crew = Some(Crew::new(&http, c));
        }
        let Some(crew) = crew.clone() else {
            unreachable!("made above")
        };
        // The lifecycle jobs at a later day each round (expiry, deadlines, reviews opening
        // and ending), in a process of their own beside the server's scheduler.
        let at = start + chrono::Duration::days(30 * i64::try_from(round + 1).unwrap());
        let mut jobs = JobsRun::start(&env.url, at, &[]);
        let kill = kill_after(&mut rng);
        let until = Instant::now() + kill + Duration::from_secs(5);
        let drivers: Vec<_> = (0..4)
            .map(|_| {
                tokio::spawn(driver(
                    crew.clone(),
                    server.base.clone(),
                    server.base.clone(),
                    rng.r#gen(),
                    until,
                ))
            })
            .collect();
        tokio::time::sleep(kill).await;
        server.kill();
        // Every other round the job run is killed with the server; in the others it finishes
        // (so the expiry and reviews of that day surely happen, however slow the machine).
        if round % 2 == 0 || jobs.0.try_wait().unwrap().is_some() {
            jobs_finished += usize::from(jobs.wait());
        }
        drop(jobs);
        for d in drivers {
            tokio::time::timeout(EXCHANGE * 2, d)
                .await
                .expect("a driver stops once the server is gone")
                .unwrap();
        }
        let when = format!(
            "after round {} of {rounds} (killed after {kill:?})",
            round + 1
        );
        assert_check(&env.url, &when);
        let ledger = crew.ledger.lock().unwrap().clone();
        assert!(ledger.errors.is_empty(), "{when}: {:?}", ledger.errors);
        assert_acknowledged(env.ctx.db.pool(), &ledger, &when).await;
    }
    let ledger = crew
        .expect("at least one round")
        .ledger
        .lock()
        .unwrap()
        .clone();
    eprintln!(
        "crash drill: {rounds} rounds; acknowledged {} submitted, {} approved, {} denied, {} canceled; {} exchanges cut by a kill, {} answered 503; {jobs_finished} job runs finished before their kill",
        ledger.count(Seen::Submitted),
        ledger.count(Seen::Approved),
        ledger.count(Seen::Denied),
        ledger.count(Seen::Canceled),
        ledger.lost,
        ledger.unavailable,
    );
    assert!(
        ledger.count(Seen::Submitted) > 0 && ledger.count(Seen::Approved) > 0,
        "the drill must have driven work"
    );
    assert!(
        ledger.lost > 0,
        "some exchange must have been cut by a kill"
    );
    // The jobs did their part over the rounds: time-limited assignments ended.
    let expired: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'assignment.expired'")
            .fetch_one(env.ctx.db.pool())
            .await
            .unwrap();
    assert!(expired > 0, "the job runs expired nothing");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The case time limit, raised for a long run of the crash drill (it is read as a case starts).
fn allow_rounds() {
    let rounds = rounds();
    if rounds > 4 {
        domain::testing::set_case_timeout(Duration::from_secs(60 + 25 * rounds as u64));
    }
}

mod crash_drill {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let _turn = super::drill_turn().await;
        super::allow_rounds();
        domain::testing::run_sqlite(super::crash).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let _turn = super::drill_turn().await;
        super::allow_rounds();
        domain::testing::run_postgres(super::crash).await;
    }
}

/// Audit events that must never be recorded twice for one subject: a second one would be an
/// expiry, a delivery, a decision or a review result done twice. An assignment's events name
/// its package as their target and the assignment in their JSON (PostgreSQL's syntax: the
/// two-instance drill runs there).
const ONCE_PER_SUBJECT: &str = "SELECT action, subject, COUNT(*) FROM (
        SELECT action, COALESCE(before_json::json->>'assignment', after_json::json->>'assignment', target_id) AS subject
        FROM audit_events
        WHERE action IN ('assignment.created', 'assignment.expired', 'assignment.removed_by_review',
                         'request.denied', 'request.canceled', 'request.expired',
                         'review.started', 'review.completed')) AS e
    GROUP BY action, subject HAVING COUNT(*) > 1";

/// The Message-IDs of the e-mails a sink received (each is `<notification id@tessera>`).
fn message_ids(messages: &[String]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| {
            m.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(|l| l["message-id:".len()..].trim().to_owned())
        })
        .collect()
}

async fn two_instances(env: TestEnv) {
    let Some(sink) = domain::testing::SmtpServer::start().await else {
        return;
    };
    let dir = scratch("twins");
    let users = 400;
    seed(&env.url, users, 28, 1_500);
    let smtp = sink.url();
    let common = [("SMTP_URL", smtp.as_str()), ("TESSERA_DB_CONNECTIONS", "6")];
    let mut a = Instance::start(&env.url, &dir, "a", &common).await;
    let mut b = Instance::start(&env.url, &dir, "b", &common).await;
    let pool = env.ctx.db.pool();
    let http = drive::client(64);
    let crew = Crew::new(&http, cast(pool, &http, &a.base, users, 100).await);
    let (cookies, pairs) = (crew.cookies.clone(), crew.pairs.clone());
    let until = Instant::now() + Duration::from_secs(6);
    // Requests on one instance, decisions on the other, both ways round.
    let drivers = drivers(
        &crew,
        4,
        |k| {
            let (front, back) = if k % 2 == 0 { (&a, &b) } else { (&b, &a) };
            (front.base.clone(), back.base.clone())
        },
        until,
    );
    // The same decision sent to both instances at once: one is taken, the other is told the
    // request was already decided.
    let mut raced = Vec::new();
    for k in 0..20 {
        let Some((who, package)) = pairs.lock().unwrap().pop_front() else {
            break;
        };
        let (status, body) = exchange(&http, drive::submit(&a.base, &cookies[&who], &package))
            .await
            .unwrap();
        if !status.is_success() {
            continue;
        }
        let id: String = serde_json::from_str(&body).unwrap();
        let manager = &cookies[&manager_of(who)];
        let approve_on_b = k % 2 == 0;
        let (on_a, on_b) = tokio::join!(
            exchange(&http, drive::decide(&a.base, manager, &id, true)),
            exchange(&http, drive::decide(&b.base, manager, &id, approve_on_b)),
        );
        let (on_a, on_b) = (on_a.unwrap().0, on_b.unwrap().0);
        let taken = [on_a, on_b].iter().filter(|s| s.is_success()).count();
        assert_eq!(taken, 1, "request {id}: A answered {on_a}, B {on_b}");
        for s in [on_a, on_b] {
            assert!(
                s.is_success() || s == hyper::StatusCode::CONFLICT,
                "request {id}: {s}"
            );
        }
        let state: String =
            sqlx::query_scalar("SELECT state FROM access_package_requests WHERE id = $1")
                .bind(&id)
                .fetch_one(pool)
                .await
                .unwrap();
        let expected = if on_a.is_success() || approve_on_b {
            "delivered"
        } else {
            "denied"
        };
        assert_eq!(state, expected, "request {id}: A {on_a}, B {on_b}");
        raced.push(id);
    }
    assert!(raced.len() >= 10, "only {} decisions raced", raced.len());
    // Both schedulers run every second; beside them, two job runs race at each later day
    // (deadlines and expiry at +40 days, the yearly reviews open at +400 and end at +430)
    // while the people go on. These runs send no e-mail: an e-mail claimed by an instance is
    // leased for 10 minutes, and a run 40 days ahead would see every lease as lapsed.
    let start = chrono::Utc::now();
    let days = [40, 400, 430];
    for d in days {
        let at = start + chrono::Duration::days(d);
        let mut one = JobsRun::start(&env.url, at, &[]);
        let mut two = JobsRun::start(&env.url, at, &[]);
        one.wait();
        two.wait();
    }
    for d in drivers {
        d.await.unwrap();
    }
    // The instances' e-mail loops send what is due now; wait until none is left.
    let waiting = "SELECT COUNT(*) FROM notifications WHERE email_state IN ('pending', 'sending') AND email_next_at <= $1";
    let settle = Instant::now();
    loop {
        let now = chrono::Utc::now().timestamp_millis();
        let left: i64 = sqlx::query_scalar(waiting)
            .bind(now)
            .fetch_one(pool)
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            settle.elapsed() < Duration::from_secs(60),
            "{left} e-mails still waiting after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    a.stop();
    b.stop();
    // Then the e-mail of those later days: two runs at the last day race for the outbox.
    let last = start + chrono::Duration::days(days[days.len() - 1]) + chrono::Duration::hours(1);
    let mut one = JobsRun::start(&env.url, last, &[("SMTP_URL", smtp.as_str())]);
    let mut two = JobsRun::start(&env.url, last, &[("SMTP_URL", smtp.as_str())]);
    one.wait();
    two.wait();

    let ledger = crew.ledger.lock().unwrap().clone();
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    assert_eq!(ledger.lost, 0, "both instances answered every exchange");
    assert!(ledger.count(Seen::Approved) > 0, "no approval was driven");
    assert_check(&env.url, "after two instances");
    assert_acknowledged(pool, &ledger, "after two instances").await;
    let twice: Vec<(String, String, i64)> = sqlx::query_as(ONCE_PER_SUBJECT)
        .fetch_all(pool)
        .await
        .unwrap();
    assert!(twice.is_empty(), "recorded twice: {twice:?}");
    // Each approval acknowledged (the requests have one stage) is recorded once.
    for id in ledger
        .seen
        .iter()
        .filter(|(_, s)| *s == Seen::Approved)
        .map(|(id, _)| id)
        .chain(&raced)
    {
        let decisions: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE target_id = $1 AND action IN ('request.approved', 'request.denied')",
        )
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(decisions, 1, "request {id} decided {decisions} times");
    }
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let expired =
        count("SELECT COUNT(*) FROM audit_events WHERE action = 'assignment.expired'").await;
    let reviews = count("SELECT COUNT(*) FROM audit_events WHERE action = 'review.started'").await;
    assert!(
        expired > 0 && reviews > 0,
        "expired {expired}, reviews {reviews}"
    );
    // Every e-mail marked sent arrived once; none arrived that is not marked sent.
    let messages = sink.messages();
    let ids = message_ids(&messages);
    assert_eq!(ids.len(), messages.len(), "an e-mail without a Message-ID");
    let arrived: std::collections::HashSet<String> = ids
        .iter()
        .map(|m| {
            m.trim_matches(['<', '>'])
                .trim_end_matches("@tessera")
                .to_owned()
        })
        .collect();
    assert_eq!(arrived.len(), ids.len(), "an e-mail arrived twice");
    let sent: std::collections::HashSet<String> =
        sqlx::query_scalar("SELECT id FROM notifications WHERE email_state = 'sent'")
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert!(!sent.is_empty(), "no e-mail was sent");
    let missing: Vec<&String> = sent.difference(&arrived).collect();
    let unmarked: Vec<&String> = arrived.difference(&sent).collect();
    if !missing.is_empty() || !unmarked.is_empty() {
        let mut rows = Vec::new();
        for id in missing.iter().chain(&unmarked).take(10) {
            let row: Option<(String, String, i64, Option<i64>, i64)> = sqlx::query_as(
                "SELECT id, kind, email_attempts, email_sent_at, created_at FROM notifications WHERE id = $1",
            )
            .bind(id.as_str())
            .fetch_optional(pool)
            .await
            .unwrap();
            rows.push(row);
        }
        panic!(
            "{} marked sent but never arrived, {} arrived but not marked sent: {:?}",
            missing.len(),
            unmarked.len(),
            rows
        );
    }
    let sent = sent.len();
    eprintln!(
        "two instances: {} submitted, {} approved, {} denied, {} canceled, {} raced decisions, {expired} expiries, {reviews} reviews, {sent} e-mails, each once",
        ledger.count(Seen::Submitted),
        ledger.count(Seen::Approved),
        ledger.count(Seen::Denied),
        ledger.count(Seen::Canceled),
        raced.len(),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_do_everything_once() {
    let _turn = drill_turn().await;
    domain::testing::run_postgres(two_instances).await;
}

/// A PostgreSQL cluster of the drill's own (initdb, pg_ctl from the machine's PostgreSQL), so
/// it can be restarted without touching anyone else's databases. Run as the `postgres` user
/// when the tests run as root (PostgreSQL refuses root). Stopped and removed when dropped.
struct PrivateCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The folder of PostgreSQL's programs (`TESSERA_PG_BIN`, else the newest under
/// /usr/lib/postgresql); None (with a note) when they are missing and PostgreSQL is not
/// required.
fn pg_bin() -> Option<PathBuf> {
    let bin = std::env::var("TESSERA_PG_BIN")
        .map(PathBuf::from)
        .ok()
        .or_else(|| {
            let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .flatten()
                .map(|e| e.path().join("bin"))
                .filter(|b| b.join("pg_ctl").exists())
                .collect();
            found.sort();
            found.pop()
        });
    let found = bin.filter(|b| b.join("initdb").exists() && b.join("pg_dump").exists());
    if found.is_none() {
        let required = std::env::var("CI").is_ok_and(|v| v == "true")
            || std::env::var("TESSERA_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "PostgreSQL's programs (initdb, pg_ctl, pg_dump) are required (set TESSERA_PG_BIN)"
        );
        eprintln!("SKIPPED: no PostgreSQL programs under /usr/lib/postgresql (TESSERA_PG_BIN)");
    }
    found
}

impl PrivateCluster {
    /// None (with a note) when PostgreSQL's programs are not on this machine and the run
    /// does not require PostgreSQL.
    fn start() -> Option<Self> {
        let bin = pg_bin()?;
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let dir = scratch("pg");
        if root {
            let owned = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(owned, "cannot give {} to the postgres user", dir.display());
        }
        let me = Self {
            bin,
            dir,
            port: free_port(),
            as_postgres: root,
        };
        let data = me.dir.join("data");
        me.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        me.pg_ctl_start();
        Some(me)
    }

    /// PostgreSQL's `program`, as the `postgres` user when the tests run as root.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn pg_ctl_start(&self) {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
    }

    /// A fast shutdown: sessions are cut, in-flight transactions roll back.
    fn pg_ctl_stop(&self) {
        let data = self.dir.join("data");
        self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One timed exchange of the probe: when it started (since the load began), how long it took,
/// its status and whether it was the "try again" answer.
#[derive(Debug, Clone)]
struct Probe {
    at: Duration,
    took: Duration,
    status: Option<hyper::StatusCode>,
    try_again: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_is_answered_try_again_and_survived_without_a_restart() {
    let _turn = drill_turn().await;
    let Some(pg) = PrivateCluster::start() else {
        return;
    };
    let url = pg.url();
    let dir = scratch("restart");
    let users = 300;
    seed(&url, users, 14, 600);
    let db = domain::db::Db::connect(&url).await.unwrap();
    let mut server = Instance::start(&url, &dir, "serve", &[]).await;
    let http = drive::client(64);
    let crew = Crew::new(
        &http,
        cast(db.pool(), &http, &server.base, users, 120).await,
    );
    let (cookies, pairs) = (crew.cookies.clone(), crew.pairs.clone());
    let reader = cookies.values().next().unwrap().clone();
    let began = Instant::now();
    let until = began + Duration::from_secs(20);
    // Writers: request and decide, as people do, through the gap.
    let drivers = drivers(
        &crew,
        2,
        |_| (server.base.clone(), server.base.clone()),
        until,
    );
    // A reader: My Access every 100 ms, each answer timed.
    let probe = {
        let (http, base) = (http.clone(), server.base.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while Instant::now() < until {
                let at = began.elapsed();
                let t = Instant::now();
                let answer = exchange(&http, drive::get(&base, "/myaccess", Some(&reader))).await;
                seen.push(Probe {
                    at,
                    took: t.elapsed(),
                    status: answer.as_ref().map(|(s, _)| *s),
                    try_again: answer
                        .as_ref()
                        .is_some_and(|(_, body)| body.contains("Try again in a moment")),
                });
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stopped_at = began.elapsed();
    pg.pg_ctl_stop();
    // Longer than a request waits for a connection: a shorter gap is bridged (the request
    // waits, then succeeds), which this drill saw first.
    tokio::time::sleep(server::config::ACQUIRE_TIMEOUT + Duration::from_secs(3)).await;
    pg.pg_ctl_start();
    let back_at = began.elapsed();
    for d in drivers {
        d.await.unwrap();
    }
    let probes = probe.await.unwrap();
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited: {}",
        server.log_text()
    );

    // No answer took longer than the wait for a connection, and a little.
    let bound = server::config::ACQUIRE_TIMEOUT + Duration::from_secs(3);
    for p in &probes {
        assert!(p.status.is_some(), "no answer at {:?}: {p:?}", p.at);
        assert!(
            p.took < bound,
            "an answer took {:?} (bound {bound:?}): {p:?}",
            p.took
        );
    }
    let gap: Vec<&Probe> = probes
        .iter()
        .filter(|p| p.status != Some(hyper::StatusCode::OK))
        .collect();
    assert!(!gap.is_empty(), "the restart went unnoticed: {probes:?}");
    for p in &gap {
        assert_eq!(
            p.status,
            Some(hyper::StatusCode::SERVICE_UNAVAILABLE),
            "{p:?}"
        );
        assert!(p.try_again, "a 503 without the try-again page: {p:?}");
        assert!(
            p.at + p.took >= stopped_at && p.at <= back_at + bound,
            "a failure outside the gap ({stopped_at:?}–{back_at:?}): {p:?}"
        );
    }
    // Back by itself: the last probes are answered.
    let last = probes.iter().rev().take(10).collect::<Vec<_>>();
    assert!(
        last.iter().all(|p| p.status == Some(hyper::StatusCode::OK)),
        "not back after the restart: {last:?}"
    );
    let ledger = crew.ledger.lock().unwrap().clone();
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    assert!(ledger.count(Seen::Submitted) > 0);
    assert_acknowledged(db.pool(), &ledger, "after the restart").await;
    assert_check(&url, "after the restart");
    eprintln!(
        "database restart: {} probes, {} answered 503 in the gap ({stopped_at:?}–{back_at:?}), longest {:?}; writers: {} acknowledged, {} answered 503",
        probes.len(),
        gap.len(),
        probes.iter().map(|p| p.took).max().unwrap_or_default(),
        ledger.seen.len(),
        ledger.unavailable,
    );

    // A statement held past its limit (a lock another session keeps) is answered "try
    // again" too, and nothing of the use case stays.
    let mut limited = Instance::start(
        &url,
        &dir,
        "limited",
        &[("TESSERA_STATEMENT_TIMEOUT_SECONDS", "1")],
    )
    .await;
    let (who, package) = pairs.lock().unwrap().pop_front().unwrap();
    let requests_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_package_requests")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let mut lock = db.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE access_package_requests IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let t = Instant::now();
    let (status, body) = exchange(
        &http,
        drive::submit(&limited.base, &cookies[&who], &package),
    )
    .await
    .unwrap();
    let took = t.elapsed();
    lock.rollback().await.unwrap();
    assert_eq!(status, hyper::StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("Unavailable"), "{body}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    let requests_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_package_requests")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(
        requests_before, requests_after,
        "a half-made request was kept"
    );
    let (status, body) = exchange(
        &http,
        drive::submit(&limited.base, &cookies[&who], &package),
    )
    .await
    .unwrap();
    assert!(status.is_success(), "{status} {body}");
    limited.stop();
    server.stop();
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// One minute of the soak.
#[derive(Debug, Default, Clone)]
struct Minute {
    latencies: Vec<Duration>,
    failed: usize,
}

/// One minute's figures of the soak.
#[derive(Debug, Clone)]
struct Sample {
    minute: usize,
    requests: usize,
    failed: usize,
    p50_ms: f64,
    p99_ms: f64,
    rss_mb: f64,
    files: f64,
    sockets: f64,
    threads: f64,
    connections: f64,
}

fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Open files (sockets apart), sockets and threads of process `pid`. Sockets follow the load
/// (the client keeps up to 64 connections open), files must not.
fn handles_and_threads(pid: u32) -> (usize, usize, usize) {
    let (mut files, mut sockets) = (0, 0);
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let target = std::fs::read_link(fd.path()).unwrap_or_default();
        if target.to_string_lossy().starts_with("socket:") {
            sockets += 1;
        } else {
            files += 1;
        }
    }
    let threads = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Threads:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0);
    (files, sockets, threads)
}

const SOAK_TOKEN: &str = "soak-metrics-token-0123456789";

/// The database connections the server holds, from its own `/metrics`.
async fn pool_connections(http: &Http, base: &str) -> f64 {
    let mut req = drive::get(base, "/metrics", None);
    req.headers_mut().insert(
        hyper::header::AUTHORIZATION,
        format!("Bearer {SOAK_TOKEN}").parse().unwrap(),
    );
    let Some((_, body)) = exchange(http, req).await else {
        return f64::NAN;
    };
    body.lines()
        .filter(|l| l.starts_with("tessera_db_connections{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// Steady mixed load for `TESSERA_SOAK_MINUTES` (60) at `TESSERA_SOAK_RATE` exchanges a
/// second (40): My Access, the approval inbox, and request cycles (submitted, then mostly
/// denied or canceled so the people can ask again; one in twenty approved). Each minute:
/// requests, failures, p50/p99, resident memory, file handles, threads, pool connections.
async fn soak(env: TestEnv) {
    let minutes = env_number("TESSERA_SOAK_MINUTES", 60);
    let rate = env_number("TESSERA_SOAK_RATE", 40);
    let dir = scratch("soak");
    let users = 2_000;
    seed(&env.url, users, 28, 8_000);
    let mut server = Instance::start(
        &env.url,
        &dir,
        "soak",
        &[
            ("TESSERA_JOBS_INTERVAL_SECONDS", "60"),
            ("TESSERA_METRICS_TOKEN", SOAK_TOKEN),
        ],
    )
    .await;
    let http = drive::client(64);
    let c = cast(env.ctx.db.pool(), &http, &server.base, users, 300).await;
    // The requestors: the people signed in whose manager is signed in too.
    let people: Vec<usize> = c
        .cookies
        .keys()
        .copied()
        .filter(|i| *i > 0 && c.cookies.contains_key(&manager_of(*i)))
        .collect();
    let (cookies, pairs) = (Arc::new(c.cookies), Arc::new(Mutex::new(c.pairs)));
    let current = Arc::new(Mutex::new(Minute::default()));
    let in_flight = Arc::new(tokio::sync::Semaphore::new(64));
    let pid = server.pid();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let began = Instant::now();
    let mut next_sample = began + Duration::from_secs(60);
    let mut rows: Vec<Sample> = Vec::new();
    eprintln!("minute requests failed p50_ms p99_ms rss_mb files sockets threads db_connections");
    while rows.len() < minutes as usize {
        ticker.tick().await;
        if Instant::now() >= next_sample {
            next_sample += Duration::from_secs(60);
            let minute = std::mem::take(&mut *current.lock().unwrap());
            let mut sorted = minute.latencies;
            sorted.sort();
            let (files, sockets, threads) = handles_and_threads(pid);
            let row = Sample {
                minute: rows.len() + 1,
                requests: sorted.len(),
                failed: minute.failed,
                p50_ms: percentile_ms(&sorted, 0.5),
                p99_ms: percentile_ms(&sorted, 0.99),
                rss_mb: drive::rss_mb(pid),
                files: files as f64,
                sockets: sockets as f64,
                threads: threads as f64,
                connections: pool_connections(&http, &server.base).await,
            };
            eprintln!(
                "{:>6} {:>8} {:>6} {:>6.1} {:>6.1} {:>6.1} {:>5} {:>7} {:>7} {:>14}",
                row.minute,
                row.requests,
                row.failed,
                row.p50_ms,
                row.p99_ms,
                row.rss_mb,
                row.files,
                row.sockets,
                row.threads,
                row.connections
            );
            rows.push(row);
        }
        let Ok(permit) = in_flight.clone().try_acquire_owned() else {
            current.lock().unwrap().failed += 1;
            continue;
        };
        let roll = rng.gen_range(0..10);
        let who = people[rng.gen_range(0..people.len())];
        let decision = rng.gen_range(0..20);
        let (http, base, cookies, pairs, current) = (
            http.clone(),
            server.base.clone(),
            cookies.clone(),
            pairs.clone(),
            current.clone(),
        );
        tokio::spawn(async move {
            let _permit = permit;
            let timed = |req| {
                let http = http.clone();
                async move {
                    let t = Instant::now();
                    let answer = exchange(&http, req).await;
                    (answer, t.elapsed())
                }
            };
            let mut outcomes = Vec::new();
            match roll {
                0..=4 => {
                    outcomes.push(timed(drive::page(&base, "/myaccess", &cookies[&who])).await)
                }
                5 | 6 => outcomes.push(
                    timed(drive::page(
                        &base,
                        "/myaccess/approvals",
                        &cookies[&manager_of(who)],
                    ))
                    .await,
                ),
                _ => {
                    let Some((asker, package)) = pairs.lock().unwrap().pop_front() else {
                        return;
                    };
                    let submitted = timed(drive::submit(&base, &cookies[&asker], &package)).await;
                    let id = match &submitted.0 {
                        Some((s, body)) if s.is_success() => {
                            serde_json::from_str::<String>(body).ok()
                        }
                        _ => None,
                    };
                    outcomes.push(submitted);
                    if let Some(id) = id {
                        let req = match decision {
                            0 => drive::decide(&base, &cookies[&manager_of(asker)], &id, true),
                            1..=13 => {
                                drive::decide(&base, &cookies[&manager_of(asker)], &id, false)
                            }
                            _ => drive::cancel(&base, &cookies[&asker], &id),
                        };
                        let decided = timed(req).await;
                        let done = decided.0.as_ref().is_some_and(|(s, _)| s.is_success());
                        outcomes.push(decided);
                        if done && decision != 0 {
                            pairs.lock().unwrap().push_back((asker, package));
                        }
                    }
                }
            }
            let mut minute = current.lock().unwrap();
            for (answer, took) in outcomes {
                minute.latencies.push(took);
                let ok = answer
                    .as_ref()
                    .is_some_and(|(s, _)| s.is_success() || *s == hyper::StatusCode::CONFLICT);
                if !ok {
                    minute.failed += 1;
                }
            }
        });
    }
    server.stop();
    assert_check(&env.url, "after the soak");
    let failed: usize = rows.iter().map(|r| r.failed).sum();
    let served: usize = rows.iter().map(|r| r.requests).sum();
    eprintln!(
        "soak: {minutes} min at {rate}/s over {:?}: {served} exchanges, {failed} failed",
        began.elapsed()
    );
    assert_eq!(
        failed, 0,
        "exchanges failed or were dropped at the in-flight cap"
    );
    // Flat after the first minutes: open files, threads and pool connections no higher at
    // the end than their highest early on (and a margin), memory within a quarter; sockets
    // within what the client and the in-flight cap can hold.
    let warm = rows.len().min(5);
    let early = &rows[..warm];
    let late = &rows[rows.len() - 1];
    let max_early = |f: fn(&Sample) -> f64| early.iter().map(f).fold(0.0, f64::max);
    assert!(
        late.files <= max_early(|r| r.files) + 4.0,
        "open files grew: {rows:?}"
    );
    assert!(
        rows.iter().all(|r| r.sockets <= 64.0 + 64.0 + 8.0),
        "more sockets than the client's connections and the requests in flight: {rows:?}"
    );
    assert!(
        late.threads <= max_early(|r| r.threads) + 8.0,
        "threads grew: {rows:?}"
    );
    assert!(
        late.connections <= max_early(|r| r.connections) + 2.0,
        "connections grew: {rows:?}"
    );
    assert!(
        late.rss_mb <= max_early(|r| r.rss_mb) * 1.25 + 8.0,
        "memory grew: {rows:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `TESSERA_SOAK_MINUTES=60 cargo test --release -p tessera --test it drills::soak -- --ignored --nocapture`
/// (`TESSERA_SOAK_DB=postgres` for PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "an hour by default; docs/OPERATIONS.md"]
async fn soak_under_steady_load() {
    let _turn = drill_turn().await;
    domain::testing::set_case_timeout(Duration::from_secs(
        env_number("TESSERA_SOAK_MINUTES", 60) * 60 + 900,
    ));
    if std::env::var("TESSERA_SOAK_DB").is_ok_and(|v| v == "postgres") {
        domain::testing::run_postgres(soak).await;
    } else {
        domain::testing::run_sqlite(soak).await;
    }
}

/// The PostgreSQL backup docs/OPERATIONS.md gives, made while a server runs and restored into
/// an empty database: `tessera check` passes there and the audit chain is the same.
async fn pg_dump_round_trip(env: TestEnv) {
    let Some(bin) = pg_bin() else {
        return;
    };
    let dir = scratch("dump");
    seed(&env.url, 200, 7, 300);
    let mut server = Instance::start(&env.url, &dir, "serve", &[]).await;
    let dump = dir.join("tessera.dump");
    let made = Command::new(bin.join("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&env.url)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    server.stop();
    let (ok, original) = tessera(&env.url, &["audit", "verify"], &[]);
    assert!(ok, "{original}");

    let restored_name = format!("tessera_restored_{}", std::process::id());
    let admin = domain::testing::postgres_admin_url();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {restored_name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let restored = format!("{base}/{restored_name}");
    let back = Command::new(bin.join("pg_restore"))
        .args(["--no-owner", "--dbname"])
        .arg(&restored)
        .arg(&dump)
        .output()
        .unwrap();
    let checked = back.status.success().then(|| {
        (
            tessera(&restored, &["check"], &[]),
            tessera(&restored, &["audit", "verify"], &[]),
        )
    });
    sqlx::query(&format!(
        "DROP DATABASE IF EXISTS {restored_name} WITH (FORCE)"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let Some(((check_ok, check), (verify_ok, verify))) = checked else {
        panic!("pg_restore: {}", String::from_utf8_lossy(&back.stderr));
    };
    assert!(check_ok && check.contains("invariants hold"), "{check}");
    assert!(verify_ok, "{verify}");
    assert_eq!(verify, original, "the restored audit chain differs");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backup_restores_with_its_invariants_and_audit_chain() {
    let _turn = drill_turn().await;
    domain::testing::run_postgres(pg_dump_round_trip).await;
}
