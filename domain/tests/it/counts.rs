//! Kept counts (a group's members, a license's holders, a package's live assignments) against
//! a fresh count after every kind of write that moves them.

use chrono::Duration;
use domain::clock::Clock;
use domain::model::*;
use domain::on_both_databases;
use domain::rules::grants::GrantSource;
use domain::service::directory as dir;
use domain::service::packages;
use domain::service::requests::{self as req, RequestForm};
use domain::testing::*;

/// The kept member count of a group and holder count of a license, after checking that every
/// kept count in the database equals a fresh count.
async fn kept(env: &TestEnv, group: &str, license: &str) -> (i64, i64) {
    let mut conn = env.ctx.read().await.unwrap();
    let wrong = domain::store::counts::mismatches(&mut conn).await.unwrap();
    assert!(wrong.is_empty(), "{wrong:?}");
    drop(conn);
    let members = count_rows(
        env,
        &format!("SELECT member_count FROM directory_groups WHERE name = '{group}'"),
    )
    .await;
    let holders = count_rows(
        env,
        &format!("SELECT COALESCE(MAX(holders), 0) FROM licenses WHERE name = '{license}'"),
    )
    .await;
    (members, holders)
}

async fn kept_counts_follow_every_change_of_membership(env: TestEnv) {
    let w = world(&env).await;
    let design = env.group(&w.admin, "Design").await;
    let e3 = dir::create_license(&env.ctx, &w.admin, "Office 365 E3", "25")
        .await
        .unwrap();
    dir::assign_license(&env.ctx, &w.admin, w.office, e3)
        .await
        .unwrap();
    assert_eq!(kept(&env, "Office Licenses", "Office 365 E3").await, (0, 0));

    // A direct member: the group and the license count one.
    dir::add_member(&env.ctx, &w.admin, w.office, "eric@woodgrove.example")
        .await
        .unwrap();
    assert_eq!(kept(&env, "Office Licenses", "Office 365 E3").await, (1, 1));

    // Four people get the package (Member of Office Licenses), Eric among them: he now has
    // two grants and still counts once.
    let printers = package(&env, &w, "Printers", |p| {
        p.require_approval = false;
        p.require_requestor_justification = false;
        p.expiry_kind = ExpiryKind::Days;
        p.expiry_days = "20".into();
    })
    .await;
    let start = env.clock.now();
    let mut people = vec![w.eric.clone()];
    for i in 0..3 {
        people.push(
            person(
                &env,
                &w.admin,
                &format!("p{i}@woodgrove.example"),
                "maria@woodgrove.example",
            )
            .await,
        );
    }
    for p in &people {
        req::submit_request(&env.ctx, p, printers, &RequestForm::default())
            .await
            .unwrap();
    }
    assert_eq!(kept(&env, "Office Licenses", "Office 365 E3").await, (4, 4));

    // Design joins the package: its four assignees become members of it. Design then carries
    // the same license: nobody holds it twice.
    packages::add_resource_role(&env.ctx, &w.admin, printers, design, ResourceRole::Member)
        .await
        .unwrap();
    assert_eq!(kept(&env, "Design", "Office 365 E3").await, (4, 4));
    dir::assign_license(&env.ctx, &w.admin, design, e3)
        .await
        .unwrap();
    assert_eq!(kept(&env, "Design", "Office 365 E3").await, (4, 4));
    // Office Licenses stops carrying it: all four still hold it through Design.
    dir::remove_license(&env.ctx, &w.admin, w.office, e3)
        .await
        .unwrap();
    assert_eq!(kept(&env, "Design", "Office 365 E3").await, (4, 4));
    dir::assign_license(&env.ctx, &w.admin, w.office, e3)
        .await
        .unwrap();

    // Design leaves the package: its members go, the license stays with Office Licenses'.
    packages::remove_resource_role(&env.ctx, &w.admin, printers, design, ResourceRole::Member)
        .await
        .unwrap();
    assert_eq!(kept(&env, "Design", "Office 365 E3").await, (0, 4));

    // The assignments expire together (one batch): only Eric's direct membership is left.
    let report = run_at(&env, start + Duration::days(20)).await;
    assert_eq!(report.assignments_expired, 4);
    assert_eq!(kept(&env, "Office Licenses", "Office 365 E3").await, (1, 1));
    for p in &people[1..] {
        assert!(!member_of(&env, w.office, p.user_id).await);
    }
    assert_eq!(
        grants(&env, w.office, w.eric.user_id).await,
        vec![GrantSource::Direct]
    );

    dir::remove_direct_member(&env.ctx, &w.admin, w.office, w.eric.user_id)
        .await
        .unwrap();
    assert_eq!(kept(&env, "Office Licenses", "Office 365 E3").await, (0, 0));
    // What the lists show is the kept count.
    let licenses = dir::list_licenses(&env.ctx, &w.admin).await.unwrap();
    assert_eq!(licenses.len(), 1);
    assert_eq!(licenses[0].groups.len(), 2, "{:?}", licenses[0].groups);
}

/// Two deliveries to one person at once (two packages, one group): both succeed and the
/// person counts once. On Postgres each transaction holds key-share locks on the person (its
/// inserts reference them); a count lock that conflicted with those deadlocked here.
async fn two_deliveries_to_one_person_at_once_both_count_once(env: TestEnv) {
    let w = world(&env).await;
    let open = |p: &mut PolicyDraft| {
        p.require_approval = false;
        p.require_requestor_justification = false;
    };
    let printers = package(&env, &w, "Printers", open).await;
    let scanners = package(&env, &w, "Scanners", open).await;
    for i in 0..8 {
        let who = person(
            &env,
            &w.admin,
            &format!("p{i}@woodgrove.example"),
            "maria@woodgrove.example",
        )
        .await;
        let (a, b) = (env.ctx.clone(), env.ctx.clone());
        let (x, y) = (who.clone(), who.clone());
        let (first, second) = tokio::join!(
            tokio::spawn(async move {
                req::submit_request(&a, &x, printers, &RequestForm::default()).await
            }),
            tokio::spawn(async move {
                req::submit_request(&b, &y, scanners, &RequestForm::default()).await
            })
        );
        first.unwrap().unwrap();
        second.unwrap().unwrap();
    }
    assert_eq!(kept(&env, "Office Licenses", "").await.0, 8);
}

on_both_databases!(
    kept_counts_follow_every_change_of_membership,
    two_deliveries_to_one_person_at_once_both_count_once
);
