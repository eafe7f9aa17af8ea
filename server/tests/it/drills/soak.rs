//! The soak: steady mixed load for an hour; memory, files, sockets, threads and the pool's
//! connections sampled each minute and checked flat.

use super::*;

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
    // 600 requestors: each approval retires a (person, package) pair for good; 300 ran dry at
    // minute 58 of an hour at 40 a second.
    let c = cast(env.ctx.db.pool(), &http, &server.base, users, 600).await;
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
    // Flat: a leak grows for as long as the load runs, so the last quarter of the run is
    // compared with the second (the first fills caches and grows the pool to what the load
    // needs, at any minute it likes). Pool connections never pass the pool's maximum. Each
    // SQLite connection holds a thread of its own and two files (the database and its WAL);
    // SQLite keeps a closed connection's database file open for the next one (its POSIX locks
    // are the process's), so threads are counted net of the connections open and files net
    // of the most connections open so far.
    let sqlite = env.ctx.db.backend() == domain::model::Backend::Sqlite;
    // The server reads its pool size from the environment it inherits from this process.
    let pool_max = if sqlite {
        9.0 // 8 readers and the writer
    } else {
        f64::from(server::Config::from_env().unwrap().database.connections)
    };
    let (per_connection_files, per_connection_threads) =
        if sqlite { (2.0, 1.0) } else { (0.0, 0.0) };
    let mut most = 0.0_f64;
    let files: Vec<f64> = rows
        .iter()
        .map(|r| {
            most = most.max(r.connections);
            r.files - per_connection_files * most
        })
        .collect();
    let threads: Vec<f64> = rows
        .iter()
        .map(|r| r.threads - per_connection_threads * r.connections)
        .collect();
    let memory: Vec<f64> = rows.iter().map(|r| r.rss_mb).collect();
    let quarter = (rows.len() / 4).max(1);
    let second = quarter.min(rows.len() - 1)..(2 * quarter).min(rows.len());
    let last = rows.len() - quarter..rows.len();
    let highest = |of: &[f64], minutes: std::ops::Range<usize>| {
        of[minutes].iter().copied().fold(f64::MIN, f64::max)
    };
    assert!(
        highest(&files, last.clone()) <= highest(&files, second.clone()) + 4.0,
        "open files grew: {rows:?}"
    );
    assert!(
        highest(&threads, last.clone()) <= highest(&threads, second.clone()) + 4.0,
        "threads grew: {rows:?}"
    );
    assert!(
        highest(&memory, last) <= highest(&memory, second) * 1.10 + 8.0,
        "memory grew: {rows:?}"
    );
    assert!(
        rows.iter().all(|r| r.connections <= pool_max),
        "more database connections than the pool's {pool_max}: {rows:?}"
    );
    assert!(
        rows.iter().all(|r| r.sockets <= 64.0 + 64.0 + 8.0),
        "more sockets than the client's connections and the requests in flight: {rows:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `TESSERA_SOAK_MINUTES=60 cargo test --release -p tessera --test it drills::soak -- --ignored --nocapture`
/// (`TESSERA_SOAK_DB=postgres` for PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "an hour by default; docs/OPERATIONS.md"]
async fn under_steady_load() {
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
