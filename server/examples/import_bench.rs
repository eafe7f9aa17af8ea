//! The directory import's benchmark (issue 16): N people with managers (a tree five wide), with
//! department and title, and groups of 100 members each, imported from a real slapd; then a
//! second run that finds nothing to change.
//!
//! ```sh
//! cargo build --release -p tessera --example import_bench
//! target/release/examples/import_bench [--people 10000] [--db sqlite|postgres] \
//!     [--out docs/benchmarks/import-sqlite-10000.json]
//! ```
//!
//! Each run makes a fresh database and directory. Resident memory is read from /proc at the
//! end (the process holds Tessera and the benchmark's own directory client). PostgreSQL:
//! TESSERA_TEST_POSTGRES_URL (a fresh database is made and dropped).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::clock::Clock;
use domain::rules::connectors::ImportInput;
use domain::secrets::SecretKey;
use domain::service::connectors as conn;
use domain::testing::slapd::{self, GROUPS, PEOPLE, PLACEHOLDER};
use domain::testing::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn rss_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn one_run(env: TestEnv, people: usize) -> serde_json::Value {
    let mut env = env;
    env.ctx.secrets = Some(SecretKey::generate());
    let admin = env.admin().await;
    let slapd = Slapd::start()
        .await
        .expect("slapd is required: run scripts/setup.sh");
    let dn = |i: usize| format!("uid=p{i:06},{PEOPLE}");
    let t = Instant::now();
    let mut entries: Vec<slapd::LdifEntry> = (0..people)
        .map(|i| {
            let uid = format!("p{i:06}");
            let mut attrs = vec![
                ("objectClass", vec!["inetOrgPerson".to_owned()]),
                ("uid", vec![uid.clone()]),
                ("cn", vec![uid.clone()]),
                ("sn", vec![uid.clone()]),
                ("mail", vec![format!("{uid}@bench.example")]),
                ("displayName", vec![format!("Person {i}")]),
                ("departmentNumber", vec![format!("Dept {}", i % 50)]),
                ("title", vec!["Engineer".to_owned()]),
            ];
            if i > 0 {
                attrs.push(("manager", vec![dn((i - 1) / 5)]));
            }
            (dn(i), attrs)
        })
        .collect();
    let groups = people.div_ceil(100);
    for g in 0..groups {
        let mut members: Vec<String> = (g * 100..((g + 1) * 100).min(people)).map(dn).collect();
        members.push(PLACEHOLDER.to_owned());
        entries.push((
            format!("cn=Team {g:04},{GROUPS}"),
            vec![
                ("objectClass", vec!["groupOfNames".to_owned()]),
                ("cn", vec![format!("Team {g:04}")]),
                ("member", members),
            ],
        ));
    }
    slapd.add_entries(&entries).await;
    drop(entries);
    eprintln!(
        "[import] directory of {people} people and {groups} groups in {:.1?}",
        t.elapsed()
    );
    let url = slapd.url();
    let system = conn::create_ldap(
        &env.ctx,
        &admin,
        &slapd::ldap_input("Benchmark directory", &url),
    )
    .await
    .unwrap();
    conn::set_import(
        &env.ctx,
        &admin,
        system,
        &ImportInput {
            enabled: true,
            group_base: GROUPS,
            ..ImportInput::default()
        },
    )
    .await
    .unwrap();
    let mut timed = Vec::new();
    for run in ["first", "again"] {
        let t = Instant::now();
        let r = domain::jobs::import_system(&env.ctx, system, env.clock.now(), false)
            .await
            .unwrap()
            .unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(r.error, None, "{r:?}");
        eprintln!(
            "[import] {run}: {secs:.1} s ({} created, {} updated, {} members added)",
            r.created, r.updated, r.members_added
        );
        timed.push(json!({
            "run": run,
            "seconds": secs,
            "people_per_second": people as f64 / secs,
            "created": r.created,
            "updated": r.updated,
            "members_added": r.members_added,
            "warnings": r.warnings.len(),
        }));
    }
    json!({
        "people": people,
        "groups": groups,
        "runs": timed,
        "rss_mb": rss_mb("VmRSS:"),
        "peak_rss_mb": rss_mb("VmHWM:"),
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let (mut people, mut db, mut out) = (10_000usize, "sqlite".to_owned(), None);
    for pair in argv.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--people" => people = value.parse().expect("--people N"),
            "--db" => db = value,
            "--out" => out = Some(value),
            other => panic!("unknown argument {other}"),
        }
    }
    let result = std::sync::Arc::new(std::sync::Mutex::new(None));
    let kept = result.clone();
    let case = move |env: TestEnv| async move {
        *kept.lock().unwrap() = Some(one_run(env, people).await);
    };
    set_case_timeout(Duration::from_secs(3_600));
    if db == "postgres" {
        run_postgres(case).await;
    } else {
        run_sqlite(case).await;
    }
    let run = result
        .lock()
        .unwrap()
        .take()
        .expect("the run ended without a result");
    let report = json!({"database": db, "run": run});
    let text = serde_json::to_string_pretty(&report).unwrap();
    println!("{text}");
    if let Some(out) = out {
        std::fs::write(out, text + "\n").unwrap();
    }
}
