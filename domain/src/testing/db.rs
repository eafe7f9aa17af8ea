//! A fresh database per case, on SQLite and on PostgreSQL, each case time-boxed.

use crate::clock::ManualClock;
use crate::db::Db;
use crate::service::Ctx;
use chrono::{TimeZone, Utc};
use std::future::Future;
use std::sync::Arc;

pub struct TestEnv {
    pub ctx: Ctx,
    pub clock: Arc<ManualClock>,
    /// The case's database, for a process the case starts (`tessera serve` in the drills).
    pub url: String,
}

pub fn start_instant() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

async fn env_for(url: &str) -> TestEnv {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let clock = Arc::new(ManualClock::new(start_instant()));
    TestEnv {
        ctx: Ctx::new(db, clock.clone()),
        clock,
        url: url.to_owned(),
    }
}

/// No test case may run longer than this; a hang fails loudly instead of stalling CI.
pub const CASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

static CASE_TIMEOUT_SECS: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(CASE_TIMEOUT.as_secs());

/// Lets a long run (a benchmark seeding 100,000 rows) take longer than a test case may.
pub fn set_case_timeout(limit: std::time::Duration) {
    CASE_TIMEOUT_SECS.store(limit.as_secs(), std::sync::atomic::Ordering::Relaxed);
}

async fn guarded<Fut>(case: Fut) -> Result<(), tokio::task::JoinError>
where
    Fut: Future<Output = ()> + Send + 'static,
{
    let handle = tokio::spawn(case);
    let abort = handle.abort_handle();
    let limit = std::time::Duration::from_secs(
        CASE_TIMEOUT_SECS.load(std::sync::atomic::Ordering::Relaxed),
    );
    match tokio::time::timeout(limit, handle).await {
        Ok(result) => result,
        Err(_) => {
            abort.abort();
            panic!("test case still running after {limit:?}");
        }
    }
}

/// Closes the pool, without waiting forever for a connection some task still holds.
async fn close(db: &Db) {
    if tokio::time::timeout(std::time::Duration::from_secs(10), db.close())
        .await
        .is_err()
    {
        eprintln!("a test left a database connection checked out; closing anyway");
    }
}

pub async fn run_sqlite<F, Fut>(body: F)
where
    F: FnOnce(TestEnv) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = std::env::temp_dir().join(format!("tessera-test-{}", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}/tessera.db", dir.display());
    let env = env_for(&url).await;
    let db = env.ctx.db.clone();
    let result = guarded(body(env)).await;
    close(&db).await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// How many cases hold a PostgreSQL database at once, in one test binary. Each holds a pool of
/// up to 16 connections (`Db::connect`) and the admin connection that created its database:
/// 4 × 17 = 68, under the server's default `max_connections` of 100 with room for a second
/// binary or a colleague's run. `TESSERA_TEST_POSTGRES_CASES` changes it (at least 1).
fn postgres_cases() -> &'static tokio::sync::Semaphore {
    static CASES: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    CASES.get_or_init(|| {
        let permits = std::env::var("TESSERA_TEST_POSTGRES_CASES")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(4);
        tokio::sync::Semaphore::new(permits)
    })
}

pub fn postgres_admin_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn postgres_required() -> bool {
    std::env::var("TESSERA_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

pub async fn run_postgres<F, Fut>(body: F)
where
    F: FnOnce(TestEnv) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    use sqlx::Connection;
    // Waiting for a turn is not part of the case: the permit is taken before its clock starts.
    let _permit = postgres_cases()
        .acquire()
        .await
        .expect("the semaphore is never closed");
    let admin_url = postgres_admin_url();
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) if !postgres_required() => {
            eprintln!(
                "SKIPPED: Postgres at {admin_url} is unreachable ({e}); set CI=true to make this fatal"
            );
            return;
        }
        Err(e) => panic!("Postgres at {admin_url} is unreachable and required: {e}"),
    };
    let name = format!("tessera_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(admin_url.clone());
    let env = env_for(&format!("{base}/{name}")).await;
    let db = env.ctx.db.clone();
    let result = guarded(body(env)).await;
    close(&db).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop database");
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}
