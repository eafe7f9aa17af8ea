//! The benchmark suite: a synthetic organisation on a fresh database, the release server over
//! it, and real HTTP load through its endpoints with real sessions.
//!
//!     scripts/bench/run.sh [--db sqlite|postgres] [--users N] [--packages M] [--assignments K]
//!
//! (which builds the release server and this program, then runs it). Per scenario: a warm-up,
//! then `--runs` runs of `--seconds` each at `--connections` connections; the median run's
//! requests a second and latency percentiles, and the ratio to `/healthz` on the same server
//! in the same run. Also: the seed's time, cold start, resident memory idle / under load /
//! after a sign-in burst, and the bytes a first visit to My Access transfers. Prints a
//! Markdown table and writes every figure as JSON (`--out`). A benchmark: it asserts nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::service::synthetic::PASSWORD;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, StatusCode, header};
use serde_json::{Value, json};
use server::drive::{self, Http, decide, get, page, rss_mb, submit};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
struct Args {
    db: String,
    users: usize,
    packages: usize,
    assignments: usize,
    seed: u64,
    seconds: u64,
    runs: usize,
    connections: usize,
    requestors: usize,
    port: u16,
    out: Option<String>,
    /// `--no-scheduler`: stop after the HTTP scenarios (the scheduler's part is the longest).
    scheduler: bool,
}

fn args() -> Args {
    let mut a = Args {
        db: "sqlite".into(),
        users: 10_000,
        packages: 100,
        assignments: 50_000,
        seed: 1,
        seconds: 10,
        runs: 3,
        connections: 16,
        // 0: 256 a run (below), so that three runs of the writes leave pairs for the cycles.
        requestors: 0,
        port: 3290,
        out: None,
        scheduler: true,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        if argv[i] == "--no-scheduler" {
            a.scheduler = false;
            i += 1;
            continue;
        }
        let v = argv.get(i + 1).cloned().unwrap_or_default();
        let n = || v.replace('_', "").parse::<u64>().expect("a number");
        match argv[i].as_str() {
            "--db" => a.db = v.clone(),
            "--users" => a.users = n() as usize,
            "--packages" => a.packages = n() as usize,
            "--assignments" => a.assignments = n() as usize,
            "--seed" => a.seed = n(),
            "--seconds" => a.seconds = n(),
            "--runs" => a.runs = n() as usize,
            "--connections" => a.connections = n() as usize,
            "--requestors" => a.requestors = n() as usize,
            "--port" => a.port = n() as u16,
            "--out" => a.out = Some(v.clone()),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    if a.requestors == 0 {
        a.requestors = 256 * a.runs.max(1);
    }
    a
}

/// One scenario's figures (the median run's).
#[derive(Debug, Clone, Default, serde::Serialize)]
struct Figures {
    name: String,
    requests: u64,
    errors: u64,
    per_second: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    ratio_to_healthz: Option<f64>,
    peak_rss_mb: f64,
    note: String,
}

/// The release server, as a child process.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn rss_mb(&self) -> f64 {
        rss_mb(self.child.id())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> std::path::PathBuf {
    // target/release/examples/bench → target/release/tessera
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("tessera")
}

/// An answer, which the server always gives while the benchmark runs.
async fn send(http: &Http, req: Request<Full<Bytes>>) -> (StatusCode, hyper::HeaderMap, Bytes) {
    drive::send(http, req).await.expect("the server answers")
}

/// A sign-in's status only (the burst, where the rate limit may refuse some).
async fn sign_in_status(http: &Http, base: &str, email: &str) -> StatusCode {
    send(http, drive::sign_in_request(base, email, PASSWORD))
        .await
        .0
}

/// Signs one person in, waiting out the server's overall sign-in limit (50 a second) when
/// many are signed in one after the other.
async fn sign_in(http: &Http, base: &str, email: &str) -> String {
    for _ in 0..30 {
        match drive::sign_in(http, base, email, PASSWORD).await {
            Ok(cookie) => return cookie,
            Err(e) if e.contains("429") => tokio::time::sleep(Duration::from_secs(1)).await,
            Err(e) => panic!("{e}"),
        }
    }
    panic!("sign-in of {email}: still refused by the rate limit after 30 s")
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// One unit of work of a scenario (one request, or a cycle of several): it sends its requests
/// and says whether all succeeded; None when the scenario has run out of work.
type Work = Arc<
    dyn Fn(Http, u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<bool>> + Send>>
        + Send
        + Sync,
>;

/// Work of one request at a time, made by `make` (None: no more work).
fn each(make: impl Fn() -> Option<Request<Full<Bytes>>> + Send + Sync + 'static) -> Work {
    let make = Arc::new(make);
    Arc::new(move |http: Http, _| {
        let make = make.clone();
        Box::pin(async move {
            let req = make()?;
            Some(send(&http, req).await.0.is_success())
        })
    })
}

/// Runs `work` on `connections` tasks for `seconds`, `runs` times (after a warm-up of a
/// second), and keeps the median run by throughput.
#[allow(clippy::too_many_arguments)]
async fn measure(
    http: &Http,
    server: &Server,
    name: &str,
    connections: usize,
    seconds: u64,
    runs: usize,
    warm_up: bool,
    work: Work,
) -> Figures {
    let seq = Arc::new(AtomicU64::new(0));
    let mut results = Vec::new();
    let rounds: Vec<(u64, bool)> = if warm_up {
        std::iter::once((1, false))
            .chain(std::iter::repeat_n((seconds, true), runs))
            .collect()
    } else {
        std::iter::repeat_n((seconds, true), runs).collect()
    };
    for (secs, keep) in rounds {
        let stop = Arc::new(AtomicBool::new(false));
        let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
        let errors = Arc::new(AtomicU64::new(0));
        let peak = Arc::new(Mutex::new(0.0f64));
        let pid = server.child.id();
        let sampler = {
            let (stop, peak) = (stop.clone(), peak.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let now = rss_mb(pid);
                    {
                        let mut p = peak.lock().unwrap();
                        *p = p.max(now);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        };
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (http, work, stop, latencies, errors, seq) = (
                http.clone(),
                work.clone(),
                stop.clone(),
                latencies.clone(),
                errors.clone(),
                seq.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let Some(ok) = work(http.clone(), seq.fetch_add(1, Ordering::Relaxed)).await
                    else {
                        break;
                    };
                    if ok {
                        mine.push(t.elapsed());
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                latencies.lock().unwrap().extend(mine);
            }));
        }
        tokio::time::sleep(Duration::from_secs(secs)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let _ = sampler.await;
        if !keep {
            continue;
        }
        let mut l = std::mem::take(&mut *latencies.lock().unwrap());
        l.sort();
        let peak = *peak.lock().unwrap();
        results.push(Figures {
            name: name.into(),
            requests: l.len() as u64,
            errors: errors.load(Ordering::Relaxed),
            per_second: l.len() as f64 / elapsed,
            p50_ms: percentile(&l, 0.50),
            p90_ms: percentile(&l, 0.90),
            p99_ms: percentile(&l, 0.99),
            max_ms: l.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            ratio_to_healthz: None,
            peak_rss_mb: peak,
            note: String::new(),
        });
    }
    results.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    let median = results.get(results.len() / 2).cloned().unwrap_or_default();
    eprintln!(
        "[bench] {name}: {:.0}/s, p50 {:.1} ms, p99 {:.1} ms ({} errors), peak {:.0} MB",
        median.per_second, median.p50_ms, median.p99_ms, median.errors, median.peak_rss_mb
    );
    median
}

/// The database's size in bytes as its own connection sees it (on SQLite, committed pages
/// still in the write-ahead log included).
async fn database_bytes(pool: &sqlx::AnyPool, db: &str) -> i64 {
    let sql = if db == "sqlite" {
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
    } else {
        "SELECT pg_database_size(current_database())"
    };
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Bytes held by each table and index: what a scenario's writes add is read per object.
async fn object_bytes(pool: &sqlx::AnyPool, db: &str) -> BTreeMap<String, i64> {
    let sql = if db == "sqlite" {
        // dbstat: the bundled SQLite is built with SQLITE_ENABLE_DBSTAT_VTAB.
        "SELECT name, CAST(SUM(pgsize) AS BIGINT) FROM dbstat GROUP BY name"
    } else {
        "SELECT relname::text, pg_relation_size(oid)::bigint FROM pg_class
         WHERE relkind IN ('r', 'i', 't') AND relnamespace = 'public'::regnamespace"
    };
    match sqlx::query_as::<_, (String, i64)>(sql)
        .fetch_all(pool)
        .await
    {
        Ok(rows) => rows.into_iter().collect(),
        Err(e) => {
            eprintln!("[bench] sizes of tables and indexes not read: {e}");
            BTreeMap::new()
        }
    }
}

async fn count_requests(pool: &sqlx::AnyPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM access_package_requests")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn fresh_database(a: &Args, dir: &std::path::Path) -> String {
    match a.db.as_str() {
        "sqlite" => format!("sqlite://{}/bench.db", dir.display()),
        "postgres" => {
            let admin = std::env::var("TESSERA_BENCH_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("tessera_bench_{}", std::process::id());
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .unwrap();
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            format!("{base}/{name}")
        }
        other => panic!("--db must be sqlite or postgres, not {other}"),
    }
}

async fn drop_database(a: &Args, url: &str) {
    if a.db == "postgres" {
        let admin = std::env::var("TESSERA_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = url.rsplit('/').next().unwrap_or_default();
        if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&pool)
                .await;
        }
    }
}

fn start(a: &Args, url: &str, site_root: &str) -> (Server, Duration) {
    let started = Instant::now();
    // TESSERA_BENCH_WRAP runs the server under a profiler: "heaptrack -o /tmp/tessera" (the
    // memory figures are then the profiler's, not the server's).
    let wrap = std::env::var("TESSERA_BENCH_WRAP").unwrap_or_default();
    let mut words = wrap.split_whitespace();
    let mut command = match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(binary());
            c
        }
        None => Command::new(binary()),
    };
    let child = command
        .args(["serve", "--addr", &format!("127.0.0.1:{}", a.port)])
        .env("DATABASE_URL", url)
        .env("LEPTOS_SITE_ROOT", site_root)
        // TESSERA_BENCH_RUST_LOG, e.g. "warn,sqlx::query=debug", to see every statement.
        .env(
            "RUST_LOG",
            std::env::var("TESSERA_BENCH_RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .env("TESSERA_JOBS_INTERVAL_SECONDS", "86400")
        .env("TESSERA_SIGN_IN_PER_MINUTE", "1000000")
        .env("TESSERA_PUBLIC_URL", format!("http://127.0.0.1:{}", a.port))
        // TESSERA_BENCH_SERVER_LOG: a file for the server's log (else it is dropped).
        .stdout(match std::env::var("TESSERA_BENCH_SERVER_LOG") {
            Ok(path) => Stdio::from(std::fs::File::create(path).expect("the server log file")),
            Err(_) => Stdio::null(),
        })
        .spawn()
        .expect("target/release/tessera (cargo leptos build --release first)");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{}", a.port),
    };
    for _ in 0..600 {
        if std::net::TcpStream::connect(("127.0.0.1", a.port)).is_ok() && ureq_healthz(&server.base)
        {
            return (server, started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not start");
}

/// A blocking GET /healthz (so the start-up wait needs no runtime).
fn ureq_healthz(base: &str) -> bool {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.1 200")
}

/// Bytes a first visit to My Access transfers with brotli: the page, then every script,
/// stylesheet and wasm file it names under /pkg/.
async fn first_visit_bytes(http: &Http, base: &str, cookie: &str) -> (u64, Vec<(String, u64)>) {
    let mut req = get(base, "/myaccess", Some(cookie));
    req.headers_mut()
        .insert(header::ACCEPT_ENCODING, "br, gzip".parse().unwrap());
    let (_, _, page) = send(http, req).await;
    let mut parts = vec![("/myaccess (HTML)".to_owned(), page.len() as u64)];
    // The page is compressed; read its links from a plain copy.
    let (_, _, plain) = send(http, get(base, "/myaccess", Some(cookie))).await;
    let html = String::from_utf8_lossy(&plain).into_owned();
    let mut seen = HashSet::new();
    for piece in html.split("/pkg/").skip(1) {
        let name: String = piece
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .collect();
        if name.is_empty() || !seen.insert(name.clone()) {
            continue;
        }
        // The wasm file is not named on the page (the script imports it): found below.
        for n in [name] {
            let mut req = get(base, &format!("/pkg/{n}"), None);
            req.headers_mut()
                .insert(header::ACCEPT_ENCODING, "br, gzip".parse().unwrap());
            let (status, _, body) = send(http, req).await;
            if status.is_success() {
                parts.push((format!("/pkg/{n}"), body.len() as u64));
            }
        }
    }
    // The wasm file's name: the hydration script imports it by its own (hashed) name, which
    // the build wrote to hash.txt beside the server ("wasm: <hash>"). The console's chunks
    // (`--split`) are not part of a first visit to My Access.
    if !parts.iter().any(|(n, _)| n.ends_with(".wasm")) {
        let hash = std::fs::read_to_string("target/release/hash.txt")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("wasm:").map(|h| h.trim().to_owned()))
            });
        if let Some(h) = hash {
            let n = format!("tessera.{h}.wasm");
            let mut req = get(base, &format!("/pkg/{n}"), None);
            req.headers_mut()
                .insert(header::ACCEPT_ENCODING, "br".parse().unwrap());
            let (_, _, body) = send(http, req).await;
            parts.push((format!("/pkg/{n}"), body.len() as u64));
        }
    }
    (parts.iter().map(|(_, n)| n).sum(), parts)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let dir = std::env::temp_dir().join(format!("tessera-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = fresh_database(&a, &dir).await;
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let mut report = serde_json::Map::new();
    report.insert("database".into(), json!(a.db));
    report.insert(
        "shape".into(),
        json!({"users": a.users, "packages": a.packages, "assignments": a.assignments, "seed": a.seed}),
    );
    report.insert(
        "load".into(),
        json!({"connections": a.connections, "seconds": a.seconds, "runs": a.runs}),
    );

    // The seed, through the binary's own command.
    eprintln!(
        "[bench] seeding {} people, {} packages, {} assignments on {}",
        a.users, a.packages, a.assignments, a.db
    );
    let t = Instant::now();
    let status = Command::new(binary())
        .args([
            "seed-synthetic",
            "--users",
            &a.users.to_string(),
            "--packages",
            &a.packages.to_string(),
            "--assignments",
            &a.assignments.to_string(),
            "--seed",
            &a.seed.to_string(),
        ])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .status()
        .unwrap();
    assert!(status.success(), "seed-synthetic failed");
    let seed_secs = t.elapsed().as_secs_f64();
    report.insert("seed_seconds".into(), json!(seed_secs));
    if a.db == "sqlite" {
        let size: u64 = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        report.insert("database_mb".into(), json!(size as f64 / 1e6));
    }

    let (server, cold) = start(&a, &url, &site_root);
    eprintln!("[bench] cold start {cold:.2?}");
    report.insert("cold_start_ms".into(), json!(cold.as_secs_f64() * 1000.0));
    tokio::time::sleep(Duration::from_secs(2)).await;
    report.insert("rss_idle_mb".into(), json!(server.rss_mb()));

    let http: Http = drive::client(1024);
    let base = server.base.clone();

    // Who plays which part, from the database.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let email_of = |i: usize| {
        if i == 0 {
            domain::service::synthetic::ADMIN_EMAIL.to_owned()
        } else {
            format!("person{i:06}@woodgrove.example")
        }
    };
    let admin = sign_in(&http, &base, &email_of(0)).await;
    let inbox_manager = sign_in(
        &http,
        &base,
        domain::service::synthetic::INBOX_MANAGER_EMAIL,
    )
    .await;
    let member = sign_in(&http, &base, &email_of(a.users / 2 + 1)).await;
    let biggest: String = sqlx::query_scalar(
        "SELECT package_id FROM access_package_assignments GROUP BY package_id ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // Requestors: members deep in the tree, whose managers approve.
    let first = (a.users / 4).max(100);
    let requestors: Vec<usize> = (first..a.users)
        .filter(|i| i % 20 != 19)
        .take(a.requestors)
        .collect();
    let managers: Vec<usize> = {
        let mut m: Vec<usize> = requestors.iter().map(|i| (i - 1) / 8).collect();
        m.sort();
        m.dedup();
        m
    };
    eprintln!(
        "[bench] signing in {} requestors and {} managers",
        requestors.len(),
        managers.len()
    );
    let mut cookies: HashMap<usize, String> = HashMap::new();
    for i in requestors.iter().chain(&managers) {
        if !cookies.contains_key(i) {
            cookies.insert(*i, sign_in(&http, &base, &email_of(*i)).await);
        }
    }
    let cookies = Arc::new(cookies);
    // Packages with one stage of manager approval and no question, and what each requestor
    // holds or has asked for already.
    let packages: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM access_packages WHERE name LIKE 'Manager approved%' OR name LIKE 'Hidden%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let ids: HashMap<usize, String> = {
        let mut m = HashMap::new();
        for i in requestors.iter().chain(&managers) {
            let id: String = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(email_of(*i))
                .fetch_one(&pool)
                .await
                .unwrap();
            m.insert(*i, id);
        }
        m
    };
    let mut taken: HashSet<(String, String)> = HashSet::new();
    for row in sqlx::query(
        "SELECT package_id, user_id FROM access_package_assignments WHERE active_key IS NOT NULL
         UNION SELECT package_id, requestor_id FROM access_package_requests WHERE open_key IS NOT NULL",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    {
        taken.insert((row.get::<String, _>(0), row.get::<String, _>(1)));
    }
    let mut pairs: VecDeque<(usize, String)> = VecDeque::new();
    for p in &packages {
        for r in &requestors {
            if !taken.contains(&(p.clone(), ids[r].clone())) {
                pairs.push_back((*r, p.clone()));
            }
        }
    }
    eprintln!(
        "[bench] {} (requestor, package) pairs free to request",
        pairs.len()
    );
    let pairs = Arc::new(Mutex::new(pairs));

    let mut all = Vec::new();
    let run = |name: &str, work: Work| {
        let (http, server) = (&http, &server);
        let name = name.to_owned();
        async move {
            measure(
                http,
                server,
                &name,
                a.connections,
                a.seconds,
                a.runs,
                true,
                work,
            )
            .await
        }
    };

    let b = base.clone();
    let health = run(
        "GET /healthz",
        each(move || Some(get(&b, "/healthz", None))),
    )
    .await;
    let healthz = health.per_second;
    all.push(health);

    let (b, c) = (base.clone(), member.clone());
    all.push(
        run(
            "GET /myaccess (Available, signed in)",
            each(move || Some(page(&b, "/myaccess", &c))),
        )
        .await,
    );
    let (b, c, p) = (base.clone(), admin.clone(), biggest.clone());
    all.push(
        run(
            "GET /admin/access-packages/{id} (the largest package)",
            each(move || Some(page(&b, &format!("/admin/access-packages/{p}"), &c))),
        )
        .await,
    );
    let (b, c) = (base.clone(), admin.clone());
    all.push(
        run(
            "GET /admin/access-packages (list)",
            each(move || Some(page(&b, "/admin/access-packages", &c))),
        )
        .await,
    );
    // The other admin lists that count: members per group, seats per license. Each row's
    // count is read over its members, so these grow with the organisation.
    for (name, path) in [
        (
            "GET /admin/directory/groups (list)",
            "/admin/directory/groups",
        ),
        ("GET /admin/licenses (list)", "/admin/licenses"),
    ] {
        let (b, c) = (base.clone(), admin.clone());
        all.push(run(name, each(move || Some(page(&b, path, &c)))).await);
    }
    let (b, c) = (base.clone(), inbox_manager.clone());
    all.push(
        run(
            "GET /myaccess/approvals (200 pending)",
            each(move || Some(page(&b, "/myaccess/approvals", &c))),
        )
        .await,
    );

    // Writes: submit, then approve what was submitted, then whole cycles. What they add to
    // the database is measured around them (bytes per request).
    let size_before = database_bytes(&pool, &a.db).await;
    let objects_before = object_bytes(&pool, &a.db).await;
    let requests_before = count_requests(&pool).await;
    let (b, ck, pr) = (base.clone(), cookies.clone(), pairs.clone());
    let mut submitted = run(
        "POST submit_request",
        each(move || {
            let (r, p) = pr.lock().unwrap().pop_front()?;
            Some(submit(&b, &ck[&r], &p))
        }),
    )
    .await;
    submitted.note = "each a new request for a (person, package) pair; manager approval".into();
    all.push(submitted);

    let pending: Vec<(String, String)> = {
        let mut v = Vec::new();
        for m in &managers {
            let rows = sqlx::query(
                "SELECT r.id FROM access_package_requests r JOIN users u ON u.id = r.requestor_id
                 WHERE r.state = 'pendingApproval' AND u.manager_id = $1",
            )
            .bind(ids[m].clone())
            .fetch_all(&pool)
            .await
            .unwrap();
            for row in rows {
                v.push((cookies[m].clone(), row.get::<String, _>(0)));
            }
        }
        v
    };
    eprintln!("[bench] {} pending requests to approve", pending.len());
    let pending = Arc::new(Mutex::new(VecDeque::from(pending)));
    let (b, pe) = (base.clone(), pending.clone());
    let mut approved = run(
        "POST decide_request (approve → delivered)",
        each(move || {
            let (cookie, id) = pe.lock().unwrap().pop_front()?;
            Some(decide(&b, &cookie, &id, true))
        }),
    )
    .await;
    approved.note = "each approval delivers: assignment, group grant, notification".into();
    all.push(approved);

    // Whole cycles: submit as the person, then approve as their manager (two requests in
    // order; the cycle's latency is both).
    let (b, ck, pr) = (base.clone(), cookies.clone(), pairs.clone());
    let cycle: Work = Arc::new(move |http: Http, _| {
        let (b, ck, pr) = (b.clone(), ck.clone(), pr.clone());
        Box::pin(async move {
            let (r, p) = pr.lock().unwrap().pop_front()?;
            let (status, _, body) = send(&http, submit(&b, &ck[&r], &p)).await;
            if !status.is_success() {
                return Some(false);
            }
            let id: String = serde_json::from_slice(&body).ok()?;
            let manager = (r - 1) / 8;
            let (status, _, _) = send(&http, decide(&b, &ck[&manager], &id, true)).await;
            Some(status.is_success())
        })
    });
    let mut cycles = run("submit → approve → delivered (whole cycles)", cycle).await;
    cycles.note = "a cycle is two requests in order, by two people".into();
    all.push(cycles);

    let added = count_requests(&pool).await - requests_before;
    let grown = database_bytes(&pool, &a.db).await - size_before;
    let per_request = if added > 0 {
        grown as f64 / added as f64
    } else {
        0.0
    };
    // Where the bytes went: each table's and index's growth per request, largest first.
    let mut by_object: Vec<(String, f64)> = object_bytes(&pool, &a.db)
        .await
        .into_iter()
        .map(|(name, bytes)| {
            let grew = bytes - objects_before.get(&name).copied().unwrap_or(0);
            (name, grew as f64 / added.max(1) as f64)
        })
        .filter(|(_, b)| *b > 0.0)
        .collect();
    by_object.sort_by(|x, y| y.1.total_cmp(&x.1));
    for (name, b) in &by_object {
        eprintln!("[bench]   {b:>8.0} bytes/request  {name}");
    }
    report.insert(
        "storage".into(),
        json!({"requests_added": added, "bytes_added": grown, "bytes_per_request": per_request,
               "bytes_per_request_by_object": by_object.iter().map(|(n, b)| json!([n, b.round()])).collect::<Vec<_>>()}),
    );
    eprintln!(
        "[bench] {added} requests added {:.1} MB: {per_request:.0} bytes each (with their approvals, assignments, grants, notifications and audit)",
        grown as f64 / 1e6,
    );

    // A burst of 200 parallel sign-ins.
    let before = server.rss_mb();
    let t = Instant::now();
    let mut burst = Vec::new();
    for i in 0..200 {
        let (http, base, email) = (http.clone(), base.clone(), email_of(a.users / 3 + i));
        burst.push(tokio::spawn(async move {
            sign_in_status(&http, &base, &email).await
        }));
    }
    let mut refused = 0;
    for t in burst {
        if t.await.ok() == Some(StatusCode::TOO_MANY_REQUESTS) {
            refused += 1;
        }
    }
    let burst_secs = t.elapsed().as_secs_f64();
    let after = server.rss_mb();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled = server.rss_mb();
    report.insert(
        "sign_in_burst".into(),
        json!({"parallel": 200, "refused_by_the_rate_limit": refused, "seconds": burst_secs, "rss_before_mb": before, "rss_after_mb": after, "rss_2s_later_mb": settled}),
    );
    eprintln!(
        "[bench] 200 parallel sign-ins in {burst_secs:.1} s ({refused} refused by the sign-in rate limit): {before:.0} → {after:.0} MB ({settled:.0} MB 2 s later)"
    );

    let (total, parts) = first_visit_bytes(&http, &base, &member).await;
    report.insert(
        "first_visit".into(),
        json!({"bytes": total, "parts": parts.iter().map(|(n, b)| json!({"path": n, "bytes": b})).collect::<Vec<_>>()}),
    );
    eprintln!(
        "[bench] first visit to My Access: {} KB (brotli)",
        total / 1000
    );
    // Time to interactive in Chromium (scripts/bench/tti.cjs), when node and Chromium are
    // here.
    let tti = Command::new("node")
        .args([
            "scripts/bench/tti.cjs",
            &base,
            &email_of(a.users / 2 + 1),
            domain::service::synthetic::PASSWORD,
            "5",
        ])
        .env("NODE_PATH", "end2end/node_modules")
        .output();
    match tti {
        Ok(out) if out.status.success() => {
            let figures: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
            eprintln!(
                "[bench] Chromium, first visit to My Access: interactive at {} ms, {} bytes",
                figures["median"]["interactive_ms"], figures["median"]["bytes"]
            );
            report.insert("chromium_first_visit".into(), figures);
        }
        Ok(out) => eprintln!(
            "[bench] time to interactive not measured: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => eprintln!("[bench] time to interactive not measured (node: {e})"),
    }
    report.insert("rss_end_mb".into(), json!(server.rss_mb()));

    for f in &mut all {
        if f.name != "GET /healthz" && healthz > 0.0 {
            f.ratio_to_healthz = Some(f.per_second / healthz);
        }
    }
    println!("| scenario | req/s | p50 ms | p90 ms | p99 ms | × /healthz | errors | peak RSS MB |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for f in &all {
        println!(
            "| {} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} | {:.0} |",
            f.name,
            f.per_second,
            f.p50_ms,
            f.p90_ms,
            f.p99_ms,
            f.ratio_to_healthz.map_or("—".into(), |r| format!("{r:.2}")),
            f.errors,
            f.peak_rss_mb
        );
    }
    report.insert("scenarios".into(), serde_json::to_value(&all).unwrap());
    let save = |report: &serde_json::Map<String, Value>| {
        let text = serde_json::to_string_pretty(report).unwrap();
        if let Some(out) = &a.out {
            std::fs::write(out, &text).unwrap();
        }
        text
    };
    // Saved now, and again with the scheduler's figures, so a run cut short keeps these.
    println!("{}", save(&report));
    drop(server);

    // The scheduler over the whole organisation, through `tessera jobs run --at`: first the
    // day the yearly reviews open (60 days on), then two years on, when every time-limited
    // assignment has ended. Each day runs twice: the jobs without a relay (their e-mails wait
    // in the outbox), then again with the SMTP sink run.sh starts, when there is one, which
    // finds no job left to do and sends the e-mails: so each is timed on its own.
    let smtp = std::env::var("TESSERA_BENCH_SMTP_URL").ok();
    let mut scheduler = Vec::new();
    let runs: &[(&str, i64)] = if a.scheduler {
        &[
            ("reviews open (+61 days)", 61),
            ("everything time-limited ends (+800 days)", 800),
        ]
    } else {
        &[]
    };
    for &(label, days) in runs {
        let at = (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
        for relay in std::iter::once(None).chain(smtp.as_deref().map(Some)) {
            let t = Instant::now();
            let mut cmd = Command::new(binary());
            cmd.args(["jobs", "run", "--at", &at])
                .env("DATABASE_URL", &url)
                // TESSERA_BENCH_RUST_LOG, e.g. "warn,sqlx::query=debug", to see every statement.
                .env(
                    "RUST_LOG",
                    std::env::var("TESSERA_BENCH_RUST_LOG").unwrap_or_else(|_| "warn".into()),
                )
                .env_remove("SMTP_URL");
            if let Some(relay) = relay {
                cmd.env("SMTP_URL", relay);
            }
            let out = cmd.output().unwrap();
            let seconds = t.elapsed().as_secs_f64();
            let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .collect();
            let part = if relay.is_some() { "e-mail" } else { "jobs" };
            eprintln!("[bench] jobs run, {label}, {part}: {seconds:.1} s");
            for l in &lines {
                eprintln!("[bench]   {l}");
            }
            scheduler.push(json!({"run": label, "part": part, "seconds": seconds, "ok": out.status.success(), "report": lines}));
        }
    }
    report.insert("scheduler".into(), json!(scheduler));
    save(&report);

    pool.close().await;
    // TESSERA_BENCH_KEEP_DB=1 keeps the database to look into afterwards.
    if std::env::var_os("TESSERA_BENCH_KEEP_DB").is_some() {
        eprintln!("[bench] database kept: {url}");
        return;
    }
    drop_database(&a, &url).await;
    let _ = std::fs::remove_dir_all(&dir);
}
