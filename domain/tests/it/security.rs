//! The holes a security review found (issue 11), each reproduced against real databases:
//! every case failed before its fix.

use domain::DomainError;
use domain::model::*;
use domain::on_both_databases;
use domain::service::catalogs::{self as cat, CatalogInput};
use domain::service::directory as dir;
use domain::service::packages as pkg;
use domain::service::requests::{self as req, AssignForm, RequestForm, RequestOutcome};
use domain::testing::*;

/// A package in `catalog` granting Member of `group`.
fn draft(env: &TestEnv, catalog: CatalogId, group: GroupId, name: &str) -> PackageDraft {
    let mut d = package_draft(env, name, group, "group");
    d.catalog_id = catalog.to_string();
    d.description = "Bundle".into();
    d
}

async fn members(env: &TestEnv, group: GroupId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM group_members WHERE group_id = $1")
        .bind(group.to_string())
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap()
}

/// Hole 1: a Catalog creator owned their new catalog, added any directory group to it, put it
/// in a package and assigned the package to themselves — membership of any group, no approval.
async fn a_delegated_admin_cannot_grant_themselves_a_group_they_do_not_own(env: TestEnv) {
    let admin = env.admin().await;
    let mallory = person(&env, &admin, "mallory@woodgrove.example", "").await;
    let mallory = give_role(&env, &mallory, DirectoryRole::CatalogCreator).await;
    let domain_admins = env.group(&admin, "Domain Admins").await;
    let own_team = env.group(&admin, "Mallory's Team").await;
    dir::add_owner(&env.ctx, &admin, own_team, "mallory@woodgrove.example")
        .await
        .unwrap();

    let catalog = cat::create(
        &env.ctx,
        &mallory,
        &CatalogInput {
            name: "Mallory's",
            description: "",
            enabled: true,
        },
    )
    .await
    .unwrap();
    let mallory = actor(&env, mallory.user_id).await; // now the catalog's owner

    // The picker offers only the group she owns.
    let offered = pkg::search_principals(&env.ctx, &mallory, "", false, true, true)
        .await
        .unwrap();
    let names: Vec<&str> = offered.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Mallory's Team"]);
    // Without the resources filter (approvers, scope) every group is found.
    assert!(
        pkg::search_principals(&env.ctx, &mallory, "domain", false, true, false)
            .await
            .unwrap()
            .iter()
            .any(|p| p.name == "Domain Admins")
    );

    // Adding the group to the catalog, directly or through a package, is refused.
    let e = cat::add_resource(&env.ctx, &mallory, catalog, domain_admins)
        .await
        .unwrap_err();
    assert!(
        field_messages(&e)[0].1.contains("only if you own it"),
        "{e:?}"
    );
    let e = pkg::create_package(
        &env.ctx,
        &mallory,
        &draft(&env, catalog, domain_admins, "Escalation"),
    )
    .await
    .unwrap_err();
    assert_eq!(field_messages(&e)[0].0, "resources");

    // Her own group is fine, but she can't assign the package to herself.
    let package = pkg::create_package(&env.ctx, &mallory, &draft(&env, catalog, own_team, "Team"))
        .await
        .unwrap();
    let e = pkg::add_resource_role(
        &env.ctx,
        &mallory,
        package,
        domain_admins,
        ResourceRole::Member,
    )
    .await
    .unwrap_err();
    assert!(field_messages(&e)[0].1.contains("only if you own it"));
    let policy = first_policy(&env, &mallory, package).await;
    let e = req::assign_directly(
        &env.ctx,
        &mallory,
        package,
        &AssignForm {
            users: vec![mallory.user_id],
            policy: Some(policy),
            justification: "me".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        field_messages(&e),
        [(
            "users.0".to_owned(),
            "You can't assign access to yourself; request it from My Access instead.".to_owned()
        )]
    );
    assert_eq!(members(&env, domain_admins).await, 0);
    assert_eq!(members(&env, own_team).await, 0);

    // A directory administrator may add any group and assign themselves.
    let general = cat::list(&env.ctx, &admin, "", PageRequest::new(1, 10))
        .await
        .unwrap()
        .items[0]
        .id;
    cat::add_resource(&env.ctx, &admin, general, domain_admins)
        .await
        .unwrap();
}

/// Hole 2: delivery read "never expires" when the request's policy could not be read, and a
/// policy could be removed while requests under it were pending.
async fn access_is_never_delivered_on_terms_that_cannot_be_read(env: TestEnv) {
    let admin = env.admin().await;
    let maria = person(&env, &admin, "maria@woodgrove.example", "").await;
    let eric = person(
        &env,
        &admin,
        "eric@woodgrove.example",
        "maria@woodgrove.example",
    )
    .await;
    let office = env.group(&admin, "Office Licenses").await;
    let general = cat::list(&env.ctx, &admin, "", PageRequest::new(1, 10))
        .await
        .unwrap()
        .items[0]
        .id;
    let mut d = draft(&env, general, office, "Office");
    d.policy.require_requestor_justification = false;
    let package = pkg::create_package(&env.ctx, &admin, &d).await.unwrap();
    let policy = first_policy(&env, &admin, package).await;
    let (request, outcome) = req::submit_request(&env.ctx, &eric, package, &RequestForm::default())
        .await
        .unwrap();
    assert_eq!(outcome, RequestOutcome::Pending { stage: 1, of: 1 });

    // Removing the policy is refused while the request is open.
    let e = conflict(
        pkg::remove_policy(&env.ctx, &admin, policy)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("1 request for Office is open"), "{e}");

    // A request whose policy vanished anyway (removed before this rule) is not delivered.
    sqlx::query("UPDATE access_package_requests SET policy_id = NULL WHERE id = $1")
        .bind(request.to_string())
        .execute(env.ctx.db.pool())
        .await
        .unwrap();
    let e = conflict(
        req::decide(&env.ctx, &maria, request, true, "ok")
            .await
            .unwrap_err(),
    );
    assert!(e.contains("no longer exists"), "{e}");
    assert_eq!(members(&env, office).await, 0);
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_package_assignments WHERE active_key IS NOT NULL",
    )
    .fetch_one(env.ctx.db.pool())
    .await
    .unwrap();
    assert_eq!(live, 0);

    // A stored instant that can't be read is an error, never 1970.
    sqlx::query("UPDATE access_package_requests SET created_at = $2 WHERE id = $1")
        .bind(request.to_string())
        .bind(i64::MAX)
        .execute(env.ctx.db.pool())
        .await
        .unwrap();
    let e = req::my_requests(&env.ctx, &eric).await.unwrap_err();
    assert!(matches!(e, DomainError::Internal(_)), "{e:?}");
}

/// Hole 8: a package in a disabled catalog could still be requested by its link.
async fn nothing_in_a_disabled_catalog_can_be_requested(env: TestEnv) {
    let admin = env.admin().await;
    let eric = person(&env, &admin, "eric@woodgrove.example", "").await;
    let office = env.group(&admin, "Office Licenses").await;
    let catalog = cat::create(
        &env.ctx,
        &admin,
        &CatalogInput {
            name: "Finance",
            description: "",
            enabled: true,
        },
    )
    .await
    .unwrap();
    let mut d = draft(&env, catalog, office, "Ledger");
    d.policy.require_requestor_justification = false;
    d.policy.require_approval = false;
    let package = pkg::create_package(&env.ctx, &admin, &d).await.unwrap();
    cat::update(
        &env.ctx,
        &admin,
        catalog,
        &CatalogInput {
            name: "Finance",
            description: "",
            enabled: false,
        },
    )
    .await
    .unwrap();
    let portal = pkg::portal_package(&env.ctx, &eric, package).await.unwrap();
    let why = "Ledger can't be requested now: its catalog Finance is disabled.";
    assert_eq!(portal.reason.as_deref(), Some(why));
    assert!(portal.requestable.is_empty());
    let e = req::submit_request(&env.ctx, &eric, package, &RequestForm::default())
        .await
        .unwrap_err();
    assert_eq!(conflict(e), why);
    let e = req::extend_access(&env.ctx, &eric, package, "more")
        .await
        .unwrap_err();
    assert_eq!(conflict(e), why);
    assert_eq!(members(&env, office).await, 0);
}

/// Hole 10: a User Administrator counted as an entitlement-management administrator, and any
/// directory administrator could disable or demote a Global Administrator.
async fn a_user_administrator_manages_people_but_not_global_administrators(env: TestEnv) {
    let root = env.admin().await;
    let uma = person(&env, &root, "uma@woodgrove.example", "").await;
    let uma = give_role(&env, &uma, DirectoryRole::UserAdministrator).await;
    let other_root = person(&env, &root, "other.root@woodgrove.example", "").await;
    let other_root = give_role(&env, &other_root, DirectoryRole::GlobalAdministrator).await;
    let eric = person(&env, &root, "eric@woodgrove.example", "").await;

    // People: yes.
    let form = |email: &str, enabled: bool| UserForm {
        email: email.into(),
        display_name: "Renamed".into(),
        user_type: "member".into(),
        enabled,
        ..Default::default()
    };
    dir::update_user(
        &env.ctx,
        &uma,
        eric.user_id,
        &form("eric@woodgrove.example", true),
    )
    .await
    .unwrap();
    // A Global Administrator: no, by form or by import.
    let e = dir::update_user(
        &env.ctx,
        &uma,
        other_root.user_id,
        &form("other.root@woodgrove.example", false),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, DomainError::Forbidden(_)), "{e:?}");
    let csv = "email,display_name,type,manager_email,department,job_title\n\
               other.root@woodgrove.example,Demoted,guest,,,\n";
    match dir::import_users(&env.ctx, &uma, csv).await.unwrap() {
        ImportOutcome::Rejected { lines } => assert_eq!(lines[0].line, 2),
        other => panic!("expected the line refused, got {other:?}"),
    }
    let still = actor(&env, other_root.user_id).await;
    assert!(still.has_role(DirectoryRole::GlobalAdministrator) && !still.is_guest());
    // Another Global Administrator may.
    dir::update_user(
        &env.ctx,
        &root,
        other_root.user_id,
        &form("other.root@woodgrove.example", true),
    )
    .await
    .unwrap();
    // Catalogs, packages and the audit log: no.
    let e = cat::create(
        &env.ctx,
        &uma,
        &CatalogInput {
            name: "Mine",
            description: "",
            enabled: true,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, DomainError::Forbidden(_)));
    let e = domain::service::audit::audit_log(
        &env.ctx,
        &uma,
        &AuditFilter::default(),
        PageRequest::new(1, 10),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, DomainError::Forbidden(_)));
}

on_both_databases!(
    a_delegated_admin_cannot_grant_themselves_a_group_they_do_not_own,
    access_is_never_delivered_on_terms_that_cannot_be_read,
    nothing_in_a_disabled_catalog_can_be_requested,
    a_user_administrator_manages_people_but_not_global_administrators,
);
