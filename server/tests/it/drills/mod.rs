//! Drills with real `tessera` processes over a real database, driven over HTTP the way the
//! pages drive it (`server::drive`). What they share is here (starting servers and job runs,
//! seeding, the cast of requestors and managers, the drivers and what they saw acknowledged);
//! each drill is a module:
//! - [`crash`]: requests, decisions and the lifecycle jobs run while the server (and a
//!   `tessera jobs run` beside it) is killed with SIGKILL at a random moment, round after
//!   round (the job run every other round); after each round `tessera check` passes and
//!   everything the client saw acknowledged is there. SQLite and PostgreSQL.
//! - [`two_instances`] on one PostgreSQL, with a real SMTP server: requests on one, decisions
//!   on the other, the same decision sent to both at once, both schedulers and two job runs
//!   racing; every decision, delivery, expiry, review result and e-mail happens once.
//! - [`database_restart`]: a private PostgreSQL cluster is restarted under load; requests in
//!   the gap are answered 503 "try again" within the bound, never hang, and the server
//!   recovers by itself. A statement over its time limit is answered the same way.
//! - [`backup`]: a `pg_dump` taken while a server runs, restored into an empty database.
//! - [`soak`] (ignored; `TESSERA_SOAK_MINUTES`): steady mixed load, resident memory, file
//!   handles and connections sampled each minute.
//!
//! Sizes: `TESSERA_DRILL_ROUNDS` (crash rounds, default 4; docs/OPERATIONS.md runs 20).

mod backup;
mod crash;
mod database_restart;
mod soak;
mod two_instances;

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

/// A positive number from the environment variable `name`, else `default`.
fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
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

    /// "N submitted, N approved, N denied, N canceled", for a drill's closing line.
    fn tally(&self) -> String {
        format!(
            "{} submitted, {} approved, {} denied, {} canceled",
            self.count(Seen::Submitted),
            self.count(Seen::Approved),
            self.count(Seen::Denied),
            self.count(Seen::Canceled)
        )
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
