//! The synthetic organisation of the benchmarks (`tessera seed-synthetic`) is a consistent
//! one: what the use cases would have written, on both databases.

use domain::DomainError;
use domain::model::*;
use domain::on_both_databases;
use domain::service::synthetic::{self, Shape};
use domain::testing::*;

const SHAPE: Shape = Shape {
    users: 400,
    packages: 14,
    assignments: 2_000,
    seed: 3,
};

async fn a_small_organisation_is_consistent_and_only_fills_an_empty_database(env: TestEnv) {
    let seeded = synthetic::seed(&env.ctx, &SHAPE, &|_| {}).await.unwrap();
    assert_eq!(seeded.users, 400);
    assert_eq!(seeded.packages, 14);
    assert_eq!(seeded.live_assignments + seeded.ended_assignments, 2_000);
    assert!(
        seeded.ended_assignments > 100 && seeded.live_assignments > 1_500,
        "{seeded:?}"
    );
    assert!(seeded.open_requests > 0, "{seeded:?}");

    let rows = |sql: &'static str| count_rows(&env, sql);
    assert_eq!(rows("SELECT COUNT(*) FROM users").await, 400);
    assert_eq!(
        rows("SELECT COUNT(*) FROM users WHERE user_type = 'guest'").await,
        20
    );
    assert_eq!(
        rows("SELECT COUNT(*) FROM users WHERE manager_id IS NULL AND user_type = 'member'").await,
        1,
        "one root: the administrator"
    );
    // Every live assignment has its grant, and no grant is without its live assignment.
    assert_eq!(
        rows(
            "SELECT COUNT(*) FROM access_package_assignments a WHERE a.active_key IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM group_members m WHERE m.source = 'assignment:' || a.id AND m.user_id = a.user_id)"
        )
        .await,
        0
    );
    assert_eq!(
        rows(
            "SELECT COUNT(*) FROM group_members m WHERE m.source LIKE 'assignment:%' AND NOT EXISTS (
                SELECT 1 FROM access_package_assignments a
                WHERE 'assignment:' || a.id = m.source AND a.active_key IS NOT NULL)"
        )
        .await,
        0
    );
    // Each assignment came from its delivered request; each package keeps its live count.
    assert_eq!(
        rows(
            "SELECT COUNT(*) FROM access_package_assignments a WHERE NOT EXISTS (
                SELECT 1 FROM access_package_requests r WHERE r.assignment_id = a.id AND r.state = 'delivered')"
        )
        .await,
        0
    );
    assert_eq!(
        rows(
            "SELECT COUNT(*) FROM access_packages p WHERE p.live_assignments <> (
                SELECT COUNT(*) FROM access_package_assignments a
                WHERE a.package_id = p.id AND a.active_key IS NOT NULL)"
        )
        .await,
        0
    );
    // Guests hold nothing in packages for members only.
    assert_eq!(
        rows(
            "SELECT COUNT(*) FROM access_package_assignments a JOIN users u ON u.id = a.user_id
             JOIN access_package_policies p ON p.id = a.policy_id
             WHERE u.user_type = 'guest' AND p.spec LIKE '%AllMemberUsers%'"
        )
        .await,
        0
    );
    // Open requests went through the use case: pending, with their approvers, told.
    assert_eq!(
        rows("SELECT COUNT(*) FROM access_package_requests WHERE state = 'pendingApproval'").await,
        seeded.open_requests as i64
    );
    assert!(rows("SELECT COUNT(*) FROM request_approvers").await >= seeded.open_requests as i64);
    // People sign in with the benchmark password; the administrator administers.
    let admin =
        domain::service::auth::sign_in(&env.ctx, synthetic::ADMIN_EMAIL, synthetic::PASSWORD)
            .await
            .unwrap();
    let admin = actor(&env, admin).await;
    assert!(admin.can_open_admin());
    let page = domain::service::packages::list(&env.ctx, &admin, "", None, PageRequest::first())
        .await
        .unwrap();
    assert_eq!(page.total, 14);
    assert!(page.items.iter().any(|p| p.assignments > 0));

    // A database with people in it is refused, by name, and nothing changes.
    let again = synthetic::seed(&env.ctx, &SHAPE, &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(again, DomainError::Conflict(_)), "{again:?}");
    assert_eq!(rows("SELECT COUNT(*) FROM users").await, 400);
    assert_invariants(&env).await;
}

on_both_databases!(a_small_organisation_is_consistent_and_only_fills_an_empty_database);
