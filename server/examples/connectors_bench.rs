//! The connected-systems benchmark (issue 16): N membership changes delivered to a real slapd,
//! then their removal, at the directory's own speed and behind a slow link.
//!
//! ```sh
//! cargo build --release -p tessera --example connectors_bench
//! target/release/examples/connectors_bench [--people 10000] [--db sqlite|postgres] \
//!     [--latency-ms 0,2] [--out docs/benchmarks/connectors.json]
//! ```
//!
//! For each latency: a fresh database and directory with N people, one linked group; N people
//! are granted membership in one transaction (N changes to the outbox); the delivery job runs
//! until the outbox is empty (time, changes a second, batches); then every grant is withdrawn
//! and delivered again. A latency above 0 puts a TCP relay between Tessera and slapd that holds
//! every read and write for that long (a directory across a WAN). Resident memory is read from
//! /proc at the end. PostgreSQL: TESSERA_TEST_POSTGRES_URL (a fresh database is made and
//! dropped).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::clock::Clock;
use domain::jobs::{self, RunLimits};
use domain::model::*;
use domain::rules::grants::GrantSource;
use domain::secrets::SecretKey;
use domain::service::connectors as conn;
use domain::testing::slapd::ldap_input;
use domain::testing::*;
use serde_json::json;
use std::time::{Duration, Instant};

struct Args {
    people: usize,
    db: String,
    latencies: Vec<u64>,
    out: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        people: 10_000,
        db: "sqlite".into(),
        latencies: vec![0, 2],
        out: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--people" => a.people = value.parse().expect("--people N"),
            "--db" => a.db = value,
            "--latency-ms" => {
                a.latencies = value
                    .split(',')
                    .map(|v| v.trim().parse().expect("--latency-ms 0,2"))
                    .collect()
            }
            "--out" => a.out = Some(value),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// A TCP relay to `target` that delivers every chunk `delay` after it arrived, each way.
async fn slow_relay(target: u16, delay: Duration) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((inbound, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let Ok(outbound) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                else {
                    return;
                };
                let (ri, wi) = inbound.into_split();
                let (ro, wo) = outbound.into_split();
                tokio::join!(pipe(ri, wo, delay), pipe(ro, wi, delay));
            });
        }
    });
    port
}

/// Passes bytes on `delay` after they arrived: latency, not a bandwidth limit (a reader queues
/// each chunk with its due time; the writer sends each when due).
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let due = tokio::time::Instant::now() + delay;
                    if tx.send((due, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    };
    let writer = async move {
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}

fn rss_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Runs the delivery job until nothing is due; returns (seconds, changes, runs).
async fn drain(env: &TestEnv) -> (f64, u64, u64) {
    let started = Instant::now();
    let (mut changes, mut runs) = (0, 0);
    loop {
        let report = jobs::deliver_due(&env.ctx, RunLimits::batches(1_000)).await;
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!(report.changes_failed, 0, "{report:?}");
        runs += 1;
        changes += report.changes_delivered;
        if report.changes_delivered == 0 {
            break;
        }
    }
    (started.elapsed().as_secs_f64(), changes, runs)
}

async fn one_run(env: TestEnv, people: usize, latency_ms: u64) -> serde_json::Value {
    let mut env = env;
    env.ctx.secrets = Some(SecretKey::generate());
    let admin = env.admin().await;
    let slapd = Slapd::start()
        .await
        .expect("slapd is required: run scripts/setup.sh");
    let group_dn = slapd.add_group("Office Licenses").await;
    eprintln!("[connectors] {people} people in the directory and in Tessera…");
    let t = Instant::now();
    let list: Vec<(String, String)> = (0..people)
        .map(|i| (format!("p{i:06}"), format!("p{i:06}@bench.example")))
        .collect();
    slapd.add_people(&list).await;
    let mut ids = Vec::with_capacity(people);
    for chunk in list.chunks(1_000) {
        let mut tx = env.ctx.db.begin().await.unwrap();
        for (uid, email) in chunk {
            let id = UserId::new();
            sqlx::query(
                "INSERT INTO users (id, email, display_name, user_type, created_at, updated_at)
                 VALUES ($1, $2, $3, 'member', 0, 0)",
            )
            .bind(id.to_string())
            .bind(email)
            .bind(uid)
            .execute(&mut *tx)
            .await
            .unwrap();
            ids.push(id);
        }
        tx.commit().await.unwrap();
    }
    let group = env.group(&admin, "Office Licenses").await;
    eprintln!("[connectors] set up in {:.1?}", t.elapsed());

    let port = if latency_ms == 0 {
        slapd.port
    } else {
        slow_relay(slapd.port, Duration::from_millis(latency_ms)).await
    };
    let url = format!("ldap://127.0.0.1:{port}");
    let input = ldap_input("Benchmark directory", &url);
    let system = conn::create_ldap(&env.ctx, &admin, &input).await.unwrap();
    conn::link_group(&env.ctx, &admin, group, system, &group_dn)
        .await
        .unwrap();

    // N grants in one transaction: N changes in the outbox.
    let t = Instant::now();
    let mut tx = env.ctx.db.begin().await.unwrap();
    for id in &ids {
        domain::store::groups::add_grant(&mut tx, group, *id, GrantSource::Direct, env.clock.now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let grant_secs = t.elapsed().as_secs_f64();
    let (add_secs, added, add_runs) = drain(&env).await;
    assert_eq!(added as usize, people);
    assert_eq!(slapd.members(&group_dn).await.len(), people);
    eprintln!("[connectors] {latency_ms} ms: {added} added in {add_secs:.1} s");

    let mut tx = env.ctx.db.begin().await.unwrap();
    for id in &ids {
        domain::store::groups::withdraw_grant(&mut tx, group, *id, GrantSource::Direct)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let (remove_secs, removed, remove_runs) = drain(&env).await;
    assert_eq!(removed as usize, people);
    assert!(slapd.members(&group_dn).await.is_empty());
    eprintln!("[connectors] {latency_ms} ms: {removed} removed in {remove_secs:.1} s");
    json!({
        "latency_ms": latency_ms,
        "people": people,
        "grants_to_outbox_seconds": grant_secs,
        "add": {"seconds": add_secs, "changes": added, "per_second": added as f64 / add_secs, "job_runs": add_runs},
        "remove": {"seconds": remove_secs, "changes": removed, "per_second": removed as f64 / remove_secs, "job_runs": remove_runs},
        "rss_mb": rss_mb("VmRSS:"),
        "peak_rss_mb": rss_mb("VmHWM:"),
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let mut runs = Vec::new();
    for latency in a.latencies.clone() {
        let people = a.people;
        let result = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out = result.clone();
        let case = move |env: TestEnv| async move {
            let r = one_run(env, people, latency).await;
            *out.lock().unwrap() = Some(r);
        };
        set_case_timeout(Duration::from_secs(3_600));
        if a.db == "postgres" {
            run_postgres(case).await;
        } else {
            run_sqlite(case).await;
        }
        let r = result
            .lock()
            .unwrap()
            .take()
            .expect("the run ended without a result");
        runs.push(r);
    }
    let report = json!({"database": a.db, "runs": runs});
    let text = serde_json::to_string_pretty(&report).unwrap();
    println!("{text}");
    if let Some(out) = a.out {
        std::fs::write(out, text + "\n").unwrap();
    }
}
