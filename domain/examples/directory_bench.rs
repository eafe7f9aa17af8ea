//! Measures the directory's admin queries at the design size (100,000 people, one licensed
//! group holding all of them) on SQLite and, when reachable, on PostgreSQL.
//!
//!     cargo run --release -p domain --features testing --example directory_bench [-- PEOPLE]
//!
//! Prints the median of several runs per query. A benchmark, not a test: nothing asserts a time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::model::*;
use domain::rules::grants::GrantSource;
use domain::service::directory as dir;
use domain::store::{groups, licenses, users};
use domain::testing::TestEnv;
use std::time::{Duration, Instant};

async fn median<F, Fut, T>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(f().await);
        times.push(start.elapsed());
    }
    times.sort();
    times[runs / 2]
}

async fn bench(env: TestEnv, people: usize) {
    let admin = env.admin().await;
    let now = env.ctx.clock.now();
    let seed = Instant::now();
    let group = GroupId::new();
    let license = LicenseId::new();
    let mut tx = env.ctx.db.begin().await.unwrap();
    groups::insert(
        &mut tx,
        group,
        &GroupName::parse("Everyone").unwrap(),
        &Description::parse("").unwrap(),
        GroupKind::Security,
        now,
    )
    .await
    .unwrap();
    licenses::insert(
        &mut tx,
        license,
        &LicenseName::parse("Office 365 E3").unwrap(),
        Seats::new(90_000).unwrap(),
        now,
    )
    .await
    .unwrap();
    licenses::assign_to_group(&mut tx, group, license)
        .await
        .unwrap();
    let mut first = None;
    for i in 0..people {
        let form = UserForm {
            email: format!("person{i:06}@woodgrove.example"),
            display_name: format!("Person {i:06}"),
            user_type: "member".into(),
            department: format!("Dept {}", i % 50),
            enabled: true,
            ..Default::default()
        };
        let id = UserId::new();
        users::insert(
            &mut tx,
            id,
            &form.parse().unwrap(),
            None,
            now + chrono::Duration::milliseconds(i as i64),
        )
        .await
        .unwrap();
        groups::add_grant(
            &mut tx,
            group,
            id,
            GrantSource::Direct,
            now + chrono::Duration::milliseconds(i as i64),
        )
        .await
        .unwrap();
        first.get_or_insert(id);
    }
    tx.commit().await.unwrap();
    // Refresh planner statistics, as autovacuum (Postgres) or a periodic ANALYZE would on a
    // live system; right after a bulk load the planner would otherwise guess.
    sqlx::query("ANALYZE")
        .execute(env.ctx.db.pool())
        .await
        .unwrap();
    let last = dir::search_users(&env.ctx, &admin, "person099", PageRequest::first())
        .await
        .unwrap()
        .items
        .pop()
        .map(|u| u.id);
    println!(
        "  seeded {people} people in one group with a 90,000-seat license: {:.1?}",
        seed.elapsed()
    );

    let ctx = &env.ctx;
    let admin = &admin;
    let runs = 7;
    let report = |name: &str, d: Duration| println!("  {name:<58} {:>8.1?}", d);
    report(
        "users, first page (25, sorted by name)",
        median(runs, || {
            dir::search_users(ctx, admin, "", PageRequest::first())
        })
        .await,
    );
    report(
        "users, page 2000 (OFFSET 49,975)",
        median(runs, || {
            dir::search_users(ctx, admin, "", PageRequest::new(2000, 25))
        })
        .await,
    );
    report(
        "users, search \"person0421\"",
        median(runs, || {
            dir::search_users(ctx, admin, "person0421", PageRequest::first())
        })
        .await,
    );
    report(
        "user detail (groups, licenses with seat rank)",
        median(runs, || dir::user_detail(ctx, admin, first.unwrap())).await,
    );
    if let Some(last) = last {
        report(
            "user detail of a person in CountViolation",
            median(runs, || dir::user_detail(ctx, admin, last)).await,
        );
    }
    report(
        "group detail, first 50 of 100,000 members",
        median(runs, || {
            dir::group_detail(ctx, admin, group, PageRequest::new(1, 50))
        })
        .await,
    );
    report(
        "license list (holders counted per license)",
        median(runs, || dir::list_licenses(ctx, admin)).await,
    );
    report(
        "license detail (first 200 people without a seat)",
        median(runs, || dir::license_detail(ctx, admin, license)).await,
    );
    report(
        "admin overview counts",
        median(runs, || dir::counts(ctx, admin)).await,
    );
}

fn main() {
    let people: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("SQLite:");
        domain::testing::run_sqlite(move |env| bench(env, people)).await;
        println!("PostgreSQL:");
        domain::testing::run_postgres(move |env| bench(env, people)).await;
    });
}
