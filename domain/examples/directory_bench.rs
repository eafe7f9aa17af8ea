//! Measures the directory's admin queries at the design size (100,000 people, one licensed
//! group holding all of them; then 1,000 access packages in 10 catalogs with 100,000 live
//! assignments) on SQLite and, when reachable, on PostgreSQL.
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
    packages_bench(&env, admin, group, people).await;
}

/// 1,000 access packages in 10 catalogs, each person assigned to one of them.
async fn packages_bench(env: &TestEnv, admin: &Actor, group: GroupId, people: usize) {
    use domain::service::{catalogs as cat, packages as pkg};
    use domain::store::packages;
    let ctx = &env.ctx;
    let now = ctx.clock.now();
    let seed = Instant::now();
    let mut catalogs = vec![CatalogId::GENERAL];
    for i in 1..10 {
        let input = cat::CatalogInput {
            name: &format!("Catalog {i:02}"),
            description: "",
            enabled: true,
        };
        catalogs.push(cat::create(ctx, admin, &input).await.unwrap());
    }
    let mut draft = PackageDraft::new(now.date_naive());
    draft.description = "Benchmark package".into();
    draft.policy.scope = TargetScope::AllMemberUsers;
    let mut ids = Vec::new();
    let mut tx = ctx.db.begin().await.unwrap();
    for i in 0..1000 {
        draft.name = format!("Package {i:04}");
        draft.catalog_id = catalogs[i % catalogs.len()].to_string();
        let v = draft.validate(PolicyCheck::new(now.date_naive())).unwrap();
        let id = AccessPackageId::new();
        packages::insert(&mut tx, id, &v, now).await.unwrap();
        packages::add_resource_role(&mut tx, id, group, ResourceRole::Member, now)
            .await
            .unwrap();
        let (n, d, spec) = &v.policy;
        packages::insert_policy(&mut tx, id, PolicyId::new(), n, d, spec, now)
            .await
            .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    let user_ids: Vec<String> = sqlx::query_scalar("SELECT id FROM users ORDER BY id")
        .fetch_all(ctx.db.pool())
        .await
        .unwrap();
    for (chunk_no, chunk) in user_ids.chunks(5000).enumerate() {
        let mut tx = ctx.db.begin().await.unwrap();
        for (i, user) in chunk.iter().enumerate() {
            let package = ids[(chunk_no * 5000 + i) % ids.len()];
            sqlx::query(
                "INSERT INTO access_package_assignments (id, package_id, policy_id, user_id, state, active_key, starts_at, ends_at, created_at, updated_at)
                 VALUES ($1, $2, NULL, $3, 'delivered', $4, 0, NULL, 0, 0)",
            )
            .bind(AssignmentId::new().to_string())
            .bind(package.to_string())
            .bind(user)
            .bind(format!("{package}/{user}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    println!(
        "  seeded 1,000 access packages in 10 catalogs and {} live assignments: {:.1?}",
        user_ids.len().min(people + 1),
        seed.elapsed()
    );
    let runs = 7;
    let report = |name: &str, d: Duration| println!("  {name:<58} {:>8.1?}", d);
    report(
        "access packages, first page (with assignment counts)",
        median(runs, || {
            pkg::list(ctx, admin, "", None, PageRequest::first())
        })
        .await,
    );
    report(
        "access packages, last page of one catalog (100 of them)",
        median(runs, || {
            pkg::list(ctx, admin, "", Some(catalogs[3]), PageRequest::new(4, 25))
        })
        .await,
    );
    report(
        "access packages, search \"package 09\"",
        median(runs, || {
            pkg::list(ctx, admin, "package 09", None, PageRequest::first())
        })
        .await,
    );
    report(
        "access package overview (counts, roles, policies)",
        median(runs, || pkg::detail(ctx, admin, ids[0])).await,
    );
    report(
        "My Access portal page (seats, policy priority)",
        median(runs, || pkg::portal_package(ctx, admin, ids[0])).await,
    );
    use domain::service::requests as req;
    // The last person holds the license beyond its seats: the Active tab names it.
    let last = UserId::parse(user_ids.last().unwrap()).unwrap();
    let person = domain::service::auth::resolve_actor(ctx, last)
        .await
        .unwrap()
        .unwrap();
    report(
        "My Access, Active tab (license seat check)",
        median(runs, || {
            req::my_access(ctx, &person, req::MyAccessTab::Active, "")
        })
        .await,
    );
    report(
        "My Access, Available tab (1,000 packages, eligibility)",
        median(runs, || {
            req::my_access(ctx, &person, req::MyAccessTab::Available, "")
        })
        .await,
    );
    report(
        "package assignments, first page",
        median(runs, || {
            req::package_assignments(ctx, admin, ids[0], true, "", PageRequest::first())
        })
        .await,
    );
    report(
        "package assignments CSV (one package's ~100)",
        median(runs, || req::assignments_csv(ctx, admin, ids[0], true, "")).await,
    );
    report(
        "package requests, first page",
        median(runs, || {
            req::package_requests(ctx, admin, ids[0], "", "", PageRequest::first())
        })
        .await,
    );
    report(
        "notifications (bell)",
        median(runs, || {
            domain::service::notifications::my_notifications(ctx, &person)
        })
        .await,
    );

    // The lifecycle engine: every assignment ends in 20 days.
    use domain::jobs::{RunLimits, run_due};
    sqlx::query("UPDATE access_package_assignments SET ends_at = $1")
        .bind((now + chrono::Duration::days(20)).timestamp_millis())
        .execute(ctx.db.pool())
        .await
        .unwrap();
    report(
        "lifecycle tick with nothing due (all jobs' scans)",
        median(runs, || run_due(ctx, None, RunLimits::default())).await,
    );
    env.clock
        .set(now + chrono::Duration::days(6) + chrono::Duration::hours(1));
    let start = Instant::now();
    let done = run_due(ctx, None, RunLimits::default()).await;
    report(
        &format!(
            "lifecycle tick: {} expiry reminders (a 100k backlog, 10 batches)",
            done.expiry_reminders
        ),
        start.elapsed(),
    );
    use domain::service::audit;
    // 100,000 audit events, appended through the chain as use cases do.
    let seed = Instant::now();
    for chunk in 0..20 {
        let mut tx = ctx.db.begin().await.unwrap();
        for i in 0..5_000 {
            let n = chunk * 5_000 + i;
            domain::store::audit::record(
                &mut tx,
                domain::store::audit::NewEvent::new(
                    now,
                    Some(last),
                    "request.submitted",
                    "request",
                    n,
                    format!(
                        "person.{n:05}@woodgrove.example requested Package {:04}",
                        n % 1000
                    ),
                )
                .after(serde_json::json!({"package": format!("Package {:04}", n % 1000)})),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    println!(
        "  seeded 100,000 chained audit events: {:.1?}",
        seed.elapsed()
    );
    let everything = AuditFilter::default();
    report(
        "audit log, first page (count capped at 10,000)",
        median(runs, || {
            audit::audit_log(ctx, admin, &everything, PageRequest::first())
        })
        .await,
    );
    let by_actor = AuditFilter {
        actor: "person.99".into(),
        ..Default::default()
    };
    let by_target = AuditFilter {
        target: "package 0421".into(),
        action: "request".into(),
        ..Default::default()
    };
    report(
        "audit log, target + category filter (~100 of 100k)",
        median(runs, || {
            audit::audit_log(ctx, admin, &by_target, PageRequest::first())
        })
        .await,
    );
    report(
        "audit log, actor filter",
        median(runs, || {
            audit::audit_log(ctx, admin, &by_actor, PageRequest::first())
        })
        .await,
    );
    let start = Instant::now();
    let check = audit::verify_chain(ctx).await.unwrap();
    report(
        &format!("audit verify ({check:?})")
            .chars()
            .take(58)
            .collect::<String>(),
        start.elapsed(),
    );
    env.clock.set(now);
}

fn main() {
    let people: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    domain::testing::set_case_timeout(Duration::from_secs(1800));
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
