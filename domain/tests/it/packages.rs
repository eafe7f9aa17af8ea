//! Catalogs and access packages against real databases: SQLite and Postgres, fresh each.

use domain::DomainError;
use domain::model::*;
use domain::on_both_databases;
use domain::rules::grants::GrantSource;
use domain::service::catalogs::{self as cat, CatalogInput};
use domain::service::directory as dir;
use domain::service::packages::{self as pkg, Incompatible};
use domain::store::{self, groups};
use domain::testing::*;

/// A user as the browser names them, with a stale name the server must not trust.
fn stale_principal(a: &Actor) -> Principal {
    Principal {
        kind: PrincipalKind::User,
        id: a.user_id.0,
        name: "stale name from the browser".into(),
        detail: String::new(),
    }
}

/// The tutorial's package, with `fallback` as fallback approver and fallback reviewer.
fn tutorial(env: &TestEnv, office: GroupId, fallback: &Actor) -> PackageDraft {
    let mut d = package_draft(env, "Office Licenses", office, "Office Licenses");
    d.policy.stages[0].fallback = vec![stale_principal(fallback)];
    d.policy.review.required = true;
    d.policy.review.reviewers = ReviewerKind::Manager;
    d.policy.review.fallback = vec![stale_principal(fallback)];
    d
}

async fn audit_count(env: &TestEnv, target_type: &str, id: impl ToString) -> i64 {
    store::audit::count_for_target(
        &mut env.ctx.read().await.unwrap(),
        target_type,
        &id.to_string(),
    )
    .await
    .unwrap()
}

async fn package_rows(env: &TestEnv) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM access_packages")
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap()
}

/// A live assignment, as the request flow (next issue) will write it, with its grant.
async fn live_assignment(
    env: &TestEnv,
    package: AccessPackageId,
    user: UserId,
    grant_in: Option<GroupId>,
) -> AssignmentId {
    let id = AssignmentId(uuid::Uuid::now_v7());
    sqlx::query(
        "INSERT INTO access_package_assignments (id, package_id, policy_id, user_id, state, active_key, starts_at, ends_at, created_at, updated_at)
         VALUES ($1, $2, (SELECT id FROM access_package_policies WHERE package_id = $2 LIMIT 1), $3, 'delivered', $4, 0, NULL, 0, 0)",
    )
    .bind(id.to_string())
    .bind(package.to_string())
    .bind(user.to_string())
    .bind(format!("{package}/{user}"))
    .execute(env.ctx.db.pool())
    .await
    .unwrap();
    // As delivery does: the package's kept count of live assignments moves with it.
    store::packages::count_live(&mut env.ctx.read().await.unwrap(), package, 1)
        .await
        .unwrap();
    if let Some(g) = grant_in {
        let mut conn = env.ctx.read().await.unwrap();
        groups::add_grant(
            &mut conn,
            g,
            user,
            GrantSource::Assignment(id.0),
            store::from_ms(0).unwrap(),
        )
        .await
        .unwrap();
    }
    id
}

async fn the_tutorial_package_is_created_edited_and_cleaned_up(env: TestEnv) {
    let admin = env.admin().await;
    let fiona = env.member(&admin, "fiona.fallback@woodgrove.example").await;
    let office = env.group(&admin, "Office Licenses").await;

    let draft = tutorial(&env, office, &fiona);
    let check = pkg::check_package(&env.ctx, &admin, &draft).await.unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    assert!(check.warnings.is_empty(), "{:?}", check.warnings);

    let id = pkg::create_package(&env.ctx, &admin, &draft).await.unwrap();
    let d = pkg::detail(&env.ctx, &admin, id).await.unwrap();
    assert_eq!(d.summary.name, "Office Licenses");
    assert_eq!(d.summary.catalog_id, CatalogId::GENERAL);
    assert_eq!(d.summary.catalog_name, "General");
    assert!(!d.summary.hidden);
    assert_eq!((d.summary.assignments, d.pending_requests), (0, 0));
    assert_eq!(d.resource_roles.len(), 1);
    assert_eq!(d.resource_roles[0].role, ResourceRole::Member);
    assert_eq!(d.policies.len(), 1);
    let policy = &d.policies[0];
    assert_eq!(policy.spec.scope, TargetScope::AllMemberUsers);
    assert_eq!(policy.spec.expiry, Expiry::Days(365));
    // Names come from the directory, never from what the browser sent.
    assert_eq!(
        policy.spec.stages.as_ref().unwrap()[0].fallback[0].name,
        "fiona.fallback"
    );
    assert_eq!(
        policy.spec.review.as_ref().unwrap().frequency,
        ReviewFrequency::Annually
    );
    // The group joined the catalog with the package.
    let general = cat::detail(&env.ctx, &admin, CatalogId::GENERAL)
        .await
        .unwrap();
    assert_eq!(general.resources.len(), 1);
    assert_eq!(general.resources[0].used_by, 1);
    assert_eq!(audit_count(&env, "access_package", id).await, 1);

    // A second package with the same name in the same catalog is refused on the name.
    let e = pkg::create_package(&env.ctx, &admin, &draft)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), vec!["name"]);

    // Edit basics.
    pkg::update_basics(
        &env.ctx,
        &admin,
        id,
        "Office Licenses",
        "Office apps",
        true,
        None,
    )
    .await
    .unwrap();
    let e = pkg::update_basics(&env.ctx, &admin, id, "", "x", true, None)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), vec!["name"]);
    let d = pkg::detail(&env.ctx, &admin, id).await.unwrap();
    assert_eq!(
        (d.summary.description.as_str(), d.summary.hidden),
        ("Office apps", true)
    );

    // Policies: edit keeps the review start, more can be added up to ten.
    let mut edited = d.policies[0].draft.clone();
    edited.stages[0].decision_days = "7".into();
    pkg::update_policy(&env.ctx, &admin, d.policies[0].id, &edited, None)
        .await
        .unwrap();
    edited.review.starting_on = "2030-01-01".into();
    let e = pkg::update_policy(&env.ctx, &admin, d.policies[0].id, &edited, None)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), vec!["review_starting_on"]);
    let mut extra = PolicyDraft::new(env.today());
    extra.name = "Admin only".into();
    extra.scope = TargetScope::NotSpecified;
    for _ in 1..limits::MAX_POLICIES {
        pkg::add_policy(&env.ctx, &admin, id, &extra).await.unwrap();
    }
    let e = pkg::add_policy(&env.ctx, &admin, id, &extra)
        .await
        .unwrap_err();
    assert!(conflict(&e).contains("at most 10 policies"));
    let d = pkg::detail(&env.ctx, &admin, id).await.unwrap();
    assert_eq!(d.policies.len(), 10);
    assert_eq!(
        d.policies[0].spec.stages.as_ref().unwrap()[0].decision_days,
        7
    );
    pkg::remove_policy(&env.ctx, &admin, d.policies[9].id)
        .await
        .unwrap();

    // Step 7: remove the resource role, then delete the package.
    pkg::remove_resource_role(&env.ctx, &admin, id, office, ResourceRole::Member)
        .await
        .unwrap();
    assert!(
        pkg::detail(&env.ctx, &admin, id)
            .await
            .unwrap()
            .resource_roles
            .is_empty()
    );
    // The catalog keeps the group; now unused, it can be removed from the catalog.
    pkg::delete(&env.ctx, &admin, id).await.unwrap();
    assert!(matches!(
        pkg::detail(&env.ctx, &admin, id).await,
        Err(DomainError::NotFound(_))
    ));
    assert_eq!(package_rows(&env).await, 0);
    cat::remove_resource(&env.ctx, &admin, CatalogId::GENERAL, office)
        .await
        .unwrap();
    // Created, updated, 2 policy edits (1 refused → none), 9 added, 1 removed, role removed, deleted.
    assert_eq!(
        audit_count(&env, "access_package", id).await,
        1 + 1 + 1 + 9 + 1 + 1 + 1
    );
}

async fn an_invalid_wizard_creates_nothing(env: TestEnv) {
    let admin = env.admin().await;
    let fiona = env.member(&admin, "fiona.fallback@woodgrove.example").await;
    let office = env.group(&admin, "Office Licenses").await;
    let mut draft = tutorial(&env, office, &fiona);
    draft.name = String::new();
    draft.policy.expiry_days = "0".into();
    draft.policy.stages[0].forward = true;
    draft.policy.stages[0].alternates = vec![stale_principal(&fiona)];
    draft.policy.stages[0].forward_after_days = "15".into();
    let check = pkg::check_package(&env.ctx, &admin, &draft).await.unwrap();
    let got: Vec<(String, WizardTab)> = check
        .problems
        .iter()
        .map(|p| (p.field.clone(), WizardTab::of_field(&p.field)))
        .collect();
    assert_eq!(
        got,
        vec![
            ("name".to_owned(), WizardTab::Basics),
            (
                "stages.0.forward_after_days".to_owned(),
                WizardTab::Requests
            ),
            ("expiry_days".to_owned(), WizardTab::Lifecycle),
        ]
    );
    let e = pkg::create_package(&env.ctx, &admin, &draft)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e).len(), 3);
    assert_eq!(package_rows(&env).await, 0);

    // People and groups that no longer exist are refused on their field.
    let mut draft = tutorial(&env, office, &fiona);
    draft.policy.stages[0].fallback[0].id = uuid::Uuid::now_v7();
    draft.resources[0].group_id = GroupId(uuid::Uuid::now_v7());
    let e = pkg::create_package(&env.ctx, &admin, &draft)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), vec!["stages.0.fallback", "resources"]);
    // A catalog that does not exist.
    let mut draft = tutorial(&env, office, &fiona);
    draft.catalog_id = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        field_names(
            pkg::create_package(&env.ctx, &admin, &draft)
                .await
                .unwrap_err()
        ),
        vec!["catalog"]
    );
    assert_eq!(package_rows(&env).await, 0);
    let general = cat::detail(&env.ctx, &admin, CatalogId::GENERAL)
        .await
        .unwrap();
    assert!(
        general.resources.is_empty(),
        "nothing was added to the catalog either"
    );
}

async fn catalogs_are_created_renamed_and_deleted_only_when_empty(env: TestEnv) {
    let admin = env.admin().await;
    let fiona = env.member(&admin, "fiona.fallback@woodgrove.example").await;
    let office = env.group(&admin, "Office Licenses").await;
    let input = CatalogInput {
        name: "Marketing",
        description: "Campaign tools",
        enabled: true,
    };
    let id = cat::create(&env.ctx, &admin, &input).await.unwrap();
    let e = cat::create(
        &env.ctx,
        &admin,
        &CatalogInput {
            name: "marketing",
            ..input.clone()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&e), vec!["name"]);
    let e = cat::create(
        &env.ctx,
        &admin,
        &CatalogInput {
            name: " ",
            ..input.clone()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&e), vec!["name"]);
    cat::update(
        &env.ctx,
        &admin,
        id,
        &CatalogInput {
            name: "Marketing tools",
            description: "",
            enabled: false,
        },
    )
    .await
    .unwrap();
    let page = cat::list(&env.ctx, &admin, "tools", PageRequest::first())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].name, "Marketing tools");
    assert!(!page.items[0].enabled);
    // A governance administrator's catalog filter names every catalog, the built-in first.
    let names: Vec<String> = cat::names(&env.ctx, &admin)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["General", "Marketing tools"]);

    // Resources: added, refused twice, removable while unused.
    cat::add_resource(&env.ctx, &admin, id, office)
        .await
        .unwrap();
    assert_eq!(
        field_names(
            cat::add_resource(&env.ctx, &admin, id, office)
                .await
                .unwrap_err()
        ),
        vec!["group"]
    );
    let mut draft = tutorial(&env, office, &fiona);
    draft.catalog_id = id.to_string();
    let package = pkg::create_package(&env.ctx, &admin, &draft).await.unwrap();
    let e = cat::remove_resource(&env.ctx, &admin, id, office)
        .await
        .unwrap_err();
    assert!(conflict(&e).contains("Office Licenses"));
    let e = cat::delete(&env.ctx, &admin, id).await.unwrap_err();
    assert!(conflict(&e).contains("1 access package"));
    pkg::delete(&env.ctx, &admin, package).await.unwrap();
    cat::remove_resource(&env.ctx, &admin, id, office)
        .await
        .unwrap();
    cat::delete(&env.ctx, &admin, id).await.unwrap();
    assert!(matches!(
        cat::detail(&env.ctx, &admin, id).await,
        Err(DomainError::NotFound(_))
    ));
    let e = cat::delete(&env.ctx, &admin, CatalogId::GENERAL)
        .await
        .unwrap_err();
    assert!(conflict(&e).contains("built in"));
    // Created, updated, resource added, resource removed, deleted.
    assert_eq!(audit_count(&env, "catalog", id).await, 5);
}

/// Catalogs A and B; Office Licenses in A; Finance, a group nobody owns yet; the tutorial's
/// package in B; and in A a Catalog owner, a Catalog reader, an Access package manager and an
/// Access package assignment manager — each of whom may open the admin console — and someone
/// with no role at all.
struct CatalogRoles {
    admin: Actor,
    office: GroupId,
    other_group: GroupId,
    a: CatalogId,
    b: CatalogId,
    package_b: AccessPackageId,
    owner: Actor,
    reader: Actor,
    manager: Actor,
    assigner: Actor,
    nobody: Actor,
    /// The tutorial's package, in A.
    in_a: PackageDraft,
}

async fn catalog_roles(env: &TestEnv) -> CatalogRoles {
    let admin = env.admin().await;
    let fiona = env.member(&admin, "fiona.fallback@woodgrove.example").await;
    let office = env.group(&admin, "Office Licenses").await;
    let other_group = env.group(&admin, "Finance").await;
    let a = cat::create(
        &env.ctx,
        &admin,
        &CatalogInput {
            name: "A",
            description: "",
            enabled: true,
        },
    )
    .await
    .unwrap();
    let b = cat::create(
        &env.ctx,
        &admin,
        &CatalogInput {
            name: "B",
            description: "",
            enabled: true,
        },
    )
    .await
    .unwrap();
    cat::add_resource(&env.ctx, &admin, a, office)
        .await
        .unwrap();
    let mut in_b = tutorial(env, office, &fiona);
    in_b.catalog_id = b.to_string();
    let package_b = pkg::create_package(&env.ctx, &admin, &in_b).await.unwrap();

    let mut people = Vec::new();
    for (email, role) in [
        ("owner@woodgrove.example", CatalogRole::CatalogOwner),
        ("reader@woodgrove.example", CatalogRole::CatalogReader),
        (
            "manager@woodgrove.example",
            CatalogRole::AccessPackageManager,
        ),
        (
            "assigner@woodgrove.example",
            CatalogRole::AccessPackageAssignmentManager,
        ),
    ] {
        env.member(&admin, email).await;
        let user = cat::add_role(&env.ctx, &admin, a, email, role)
            .await
            .unwrap();
        let actor = actor(env, user).await;
        assert!(actor.can_open_admin());
        people.push(actor);
    }
    let [owner, reader, manager, assigner] = <[Actor; 4]>::try_from(people).unwrap();
    let nobody = env.member(&admin, "nobody@woodgrove.example").await;
    let mut in_a = tutorial(env, office, &fiona);
    in_a.catalog_id = a.to_string();
    CatalogRoles {
        admin,
        office,
        other_group,
        a,
        b,
        package_b,
        owner,
        reader,
        manager,
        assigner,
        nobody,
        in_a,
    }
}

/// What the owner does in A: creates the tutorial's package there (answered), edits A, and,
/// once made an owner of Finance, adds it to A.
async fn the_owner_has_worked(env: &TestEnv, c: &CatalogRoles) -> AccessPackageId {
    let owned = pkg::create_package(&env.ctx, &c.owner, &c.in_a)
        .await
        .unwrap();
    cat::update(
        &env.ctx,
        &c.owner,
        c.a,
        &CatalogInput {
            name: "A",
            description: "owned",
            enabled: true,
        },
    )
    .await
    .unwrap();
    dir::add_owner(&env.ctx, &c.admin, c.other_group, "owner@woodgrove.example")
        .await
        .unwrap();
    cat::add_resource(&env.ctx, &c.owner, c.a, c.other_group)
        .await
        .unwrap();
    owned
}

async fn a_catalog_role_is_given_once_and_opens_the_admin_console(env: TestEnv) {
    let c = catalog_roles(&env).await;
    let e = cat::add_role(
        &env.ctx,
        &c.admin,
        c.a,
        "owner@woodgrove.example",
        CatalogRole::CatalogOwner,
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&e), vec!["email"]);
}

async fn a_catalog_owner_does_everything_inside_their_catalog_and_nothing_in_another(env: TestEnv) {
    let c = catalog_roles(&env).await;
    let (owner, a, b, in_a) = (&c.owner, c.a, c.b, &c.in_a);
    let owned = pkg::create_package(&env.ctx, owner, in_a).await.unwrap();
    cat::update(
        &env.ctx,
        owner,
        a,
        &CatalogInput {
            name: "A",
            description: "owned",
            enabled: true,
        },
    )
    .await
    .unwrap();
    // Only a group they own (security review, hole 1).
    let e = cat::add_resource(&env.ctx, owner, a, c.other_group)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), vec!["group"]);
    dir::add_owner(&env.ctx, &c.admin, c.other_group, "owner@woodgrove.example")
        .await
        .unwrap();
    cat::add_resource(&env.ctx, owner, a, c.other_group)
        .await
        .unwrap();
    forbidden(
        cat::update(
            &env.ctx,
            owner,
            b,
            &CatalogInput {
                name: "B",
                description: "",
                enabled: true,
            },
        )
        .await,
    );
    forbidden(pkg::detail(&env.ctx, owner, c.package_b).await);
    forbidden(pkg::delete(&env.ctx, owner, c.package_b).await);
    let mut owner_in_b = in_a.clone();
    owner_in_b.catalog_id = b.to_string();
    owner_in_b.name = "Other".into();
    assert_eq!(
        field_names(
            pkg::create_package(&env.ctx, owner, &owner_in_b)
                .await
                .unwrap_err()
        ),
        vec!["catalog"]
    );
    let listed = pkg::list(&env.ctx, owner, "", None, PageRequest::first())
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![owned]
    );
    let catalogs = cat::list(&env.ctx, owner, "", PageRequest::first())
        .await
        .unwrap();
    assert_eq!(
        catalogs.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![a]
    );
    // The catalog filter of the package list names the same catalogs, and no other.
    let names = cat::names(&env.ctx, owner).await.unwrap();
    assert_eq!(
        names.iter().map(|c| CatalogId(c.id)).collect::<Vec<_>>(),
        vec![a]
    );
    let ctx_for_owner = pkg::wizard_context(&env.ctx, owner).await.unwrap();
    assert_eq!(
        ctx_for_owner
            .catalogs
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        vec![a.0]
    );
}

async fn a_catalog_reader_reads_their_catalog_and_changes_nothing(env: TestEnv) {
    let c = catalog_roles(&env).await;
    let owned = the_owner_has_worked(&env, &c).await;
    let reader = &c.reader;
    assert!(
        !pkg::detail(&env.ctx, reader, owned)
            .await
            .unwrap()
            .can_manage
    );
    cat::detail(&env.ctx, reader, c.a).await.unwrap();
    forbidden(pkg::update_basics(&env.ctx, reader, owned, "X", "Y", false, None).await);
    forbidden(cat::add_resource(&env.ctx, reader, c.a, c.office).await);
    let mut reader_draft = c.in_a.clone();
    reader_draft.name = "Reader's".into();
    assert_eq!(
        field_names(
            pkg::create_package(&env.ctx, reader, &reader_draft)
                .await
                .unwrap_err()
        ),
        vec!["catalog"]
    );
}

async fn an_access_package_manager_builds_packages_from_the_catalogs_resources_only(env: TestEnv) {
    let c = catalog_roles(&env).await;
    the_owner_has_worked(&env, &c).await;
    let (manager, a) = (&c.manager, c.a);
    let mut m = c.in_a.clone();
    m.name = "Manager's".into();
    let managed = pkg::create_package(&env.ctx, manager, &m).await.unwrap();
    pkg::update_basics(
        &env.ctx,
        manager,
        managed,
        "Manager's",
        "edited",
        false,
        None,
    )
    .await
    .unwrap();
    let outside = env.group(&c.admin, "Not in A").await;
    let mut m2 = c.in_a.clone();
    m2.name = "Manager's second".into();
    m2.resources[0].group_id = outside;
    assert_eq!(
        field_names(
            pkg::create_package(&env.ctx, manager, &m2)
                .await
                .unwrap_err()
        ),
        vec!["resources"]
    );
    assert_eq!(
        field_names(
            pkg::add_resource_role(&env.ctx, manager, managed, outside, ResourceRole::Member)
                .await
                .unwrap_err()
        ),
        vec!["group"]
    );
    pkg::add_resource_role(
        &env.ctx,
        manager,
        managed,
        c.other_group,
        ResourceRole::Member,
    )
    .await
    .unwrap();
    forbidden(cat::add_resource(&env.ctx, manager, a, outside).await);
    forbidden(
        cat::update(
            &env.ctx,
            manager,
            a,
            &CatalogInput {
                name: "A",
                description: "",
                enabled: true,
            },
        )
        .await,
    );
    forbidden(
        cat::add_role(
            &env.ctx,
            manager,
            a,
            "nobody@woodgrove.example",
            CatalogRole::CatalogReader,
        )
        .await,
    );
    pkg::delete(&env.ctx, manager, managed).await.unwrap();
}

async fn an_assignment_manager_sees_the_catalogs_packages_but_cannot_change_them(env: TestEnv) {
    let c = catalog_roles(&env).await;
    let owned = the_owner_has_worked(&env, &c).await;
    let assigner = &c.assigner;
    pkg::detail(&env.ctx, assigner, owned).await.unwrap();
    forbidden(pkg::update_basics(&env.ctx, assigner, owned, "X", "Y", false, None).await);
    forbidden(
        pkg::remove_resource_role(&env.ctx, assigner, owned, c.office, ResourceRole::Member).await,
    );
    forbidden(pkg::delete(&env.ctx, assigner, owned).await);
}

async fn someone_without_a_catalog_role_has_no_admin_console_and_reads_nothing(env: TestEnv) {
    let c = catalog_roles(&env).await;
    let owned = the_owner_has_worked(&env, &c).await;
    let nobody = &c.nobody;
    assert!(!nobody.can_open_admin());
    forbidden(pkg::list(&env.ctx, nobody, "", None, PageRequest::first()).await);
    forbidden(cat::list(&env.ctx, nobody, "", PageRequest::first()).await);
    forbidden(cat::names(&env.ctx, nobody).await);
    forbidden(pkg::detail(&env.ctx, nobody, owned).await);
    forbidden(
        cat::create(
            &env.ctx,
            nobody,
            &CatalogInput {
                name: "Mine",
                description: "",
                enabled: true,
            },
        )
        .await,
    );
}

async fn removing_a_catalog_role_takes_its_rights_away(env: TestEnv) {
    let c = catalog_roles(&env).await;
    let owned = the_owner_has_worked(&env, &c).await;
    cat::remove_role(
        &env.ctx,
        &c.admin,
        c.a,
        c.owner.user_id,
        CatalogRole::CatalogOwner,
    )
    .await
    .unwrap();
    let owner = actor(&env, c.owner.user_id).await;
    forbidden(pkg::delete(&env.ctx, &owner, owned).await);
}

async fn assignments_block_deletion_and_follow_resource_roles(env: TestEnv) {
    let admin = env.admin().await;
    let fiona = env.member(&admin, "fiona.fallback@woodgrove.example").await;
    let eric = env.member(&admin, "eric.employee@woodgrove.example").await;
    let office = env.group(&admin, "Office Licenses").await;
    let teams = env.group(&admin, "Teams Rooms").await;
    let id = pkg::create_package(&env.ctx, &admin, &tutorial(&env, office, &fiona))
        .await
        .unwrap();
    let assignment = live_assignment(&env, id, eric.user_id, Some(office)).await;
    // Eric also holds Teams Rooms directly.
    dir::add_member(&env.ctx, &admin, teams, "eric.employee@woodgrove.example")
        .await
        .unwrap();

    let d = pkg::detail(&env.ctx, &admin, id).await.unwrap();
    assert_eq!(d.summary.assignments, 1);
    assert_eq!(d.policies[0].active_assignments, 1);
    let e = pkg::delete(&env.ctx, &admin, id).await.unwrap_err();
    assert_eq!(
        conflict(&e),
        "Office Licenses has 1 active assignment. Remove them before deleting the access package."
    );
    let e = pkg::remove_policy(&env.ctx, &admin, d.policies[0].id)
        .await
        .unwrap_err();
    assert!(conflict(&e).contains("1 active assignment"));

    // Adding a role grants it to the assignee (beside the direct grant); removing it
    // withdraws only the package's grant.
    assert_eq!(
        pkg::add_resource_role(&env.ctx, &admin, id, teams, ResourceRole::Member)
            .await
            .unwrap(),
        1
    );
    let mut conn = env.ctx.read().await.unwrap();
    let sources = groups::grants(&mut conn, teams, eric.user_id)
        .await
        .unwrap();
    assert_eq!(sources.len(), 2, "{sources:?}");
    drop(conn);
    assert_eq!(
        pkg::remove_resource_role(&env.ctx, &admin, id, teams, ResourceRole::Member)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        pkg::remove_resource_role(&env.ctx, &admin, id, office, ResourceRole::Member)
            .await
            .unwrap(),
        1
    );
    let mut conn = env.ctx.read().await.unwrap();
    assert_eq!(
        groups::grants(&mut conn, teams, eric.user_id)
            .await
            .unwrap(),
        vec![GrantSource::Direct]
    );
    assert!(
        groups::grants(&mut conn, office, eric.user_id)
            .await
            .unwrap()
            .is_empty()
    );
    drop(conn);

    // Once the assignment has ended (as expiry ends it), the package can go.
    store::requests::end_assignment(
        &mut env.ctx.read().await.unwrap(),
        assignment,
        AssignmentState::Expired,
        store::from_ms(0).unwrap(),
    )
    .await
    .unwrap();
    pkg::delete(&env.ctx, &admin, id).await.unwrap();
    assert_eq!(package_rows(&env).await, 0);
}

async fn separation_of_duties_is_kept_and_shown_both_ways(env: TestEnv) {
    let admin = env.admin().await;
    let fiona = env.member(&admin, "fiona.fallback@woodgrove.example").await;
    let office = env.group(&admin, "Office Licenses").await;
    let finance = env.group(&admin, "Finance").await;
    let first = pkg::create_package(&env.ctx, &admin, &tutorial(&env, office, &fiona))
        .await
        .unwrap();
    let mut second = tutorial(&env, office, &fiona);
    second.name = "Finance tools".into();
    let second = pkg::create_package(&env.ctx, &admin, &second)
        .await
        .unwrap();
    pkg::add_incompatible(&env.ctx, &admin, first, Incompatible::Package(second))
        .await
        .unwrap();
    pkg::add_incompatible(&env.ctx, &admin, first, Incompatible::Group(finance))
        .await
        .unwrap();
    let e = pkg::add_incompatible(&env.ctx, &admin, first, Incompatible::Group(finance))
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), vec!["group"]);
    let e = pkg::add_incompatible(&env.ctx, &admin, first, Incompatible::Package(first))
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), vec!["package"]);
    let d = pkg::detail(&env.ctx, &admin, first).await.unwrap();
    assert_eq!(d.incompatible_packages.len(), 1);
    assert_eq!(d.incompatible_groups[0].name, "Finance");
    let other = pkg::detail(&env.ctx, &admin, second).await.unwrap();
    assert_eq!(other.incompatible_with[0].name, "Office Licenses");
    pkg::remove_incompatible(&env.ctx, &admin, first, Incompatible::Group(finance))
        .await
        .unwrap();
    // Deleting the second package removes it from the first one's list.
    pkg::delete(&env.ctx, &admin, second).await.unwrap();
    let d = pkg::detail(&env.ctx, &admin, first).await.unwrap();
    assert!(d.incompatible_packages.is_empty() && d.incompatible_groups.is_empty());
}

async fn pickers_find_people_and_groups(env: TestEnv) {
    let admin = env.admin().await;
    env.member(&admin, "fiona.fallback@woodgrove.example").await;
    env.group(&admin, "Fin_ance").await;
    let found = pkg::search_principals(&env.ctx, &admin, "FIONA", true, true, false)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, PrincipalKind::User);
    let found = pkg::search_principals(&env.ctx, &admin, "n_a", true, true, false)
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        vec!["Fin_ance"]
    );
    assert!(
        pkg::search_principals(&env.ctx, &admin, "fiona", false, true, false)
            .await
            .unwrap()
            .is_empty()
    );
    let e = pkg::search_principals(&env.ctx, &admin, &"x".repeat(201), true, true, false)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), vec!["q"]);
}

async fn the_portal_link_says_what_it_grants_and_who_may_request(env: TestEnv) {
    let admin = env.admin().await;
    let fiona = env.member(&admin, "fiona.fallback@woodgrove.example").await;
    let eric = env.member(&admin, "eric.employee@woodgrove.example").await;
    let guest_id = dir::create_user(
        &env.ctx,
        &admin,
        &UserForm {
            email: "gus.guest@partner.example".into(),
            display_name: "Gus Guest".into(),
            user_type: "guest".into(),
            enabled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let guest = domain::service::auth::resolve_actor(&env.ctx, guest_id)
        .await
        .unwrap()
        .unwrap();
    let office = env.group(&admin, "Office Licenses").await;
    let e3 = dir::create_license(&env.ctx, &admin, "Office 365 E3", "25")
        .await
        .unwrap();
    dir::assign_license(&env.ctx, &admin, office, e3)
        .await
        .unwrap();
    dir::add_member(&env.ctx, &admin, office, "fiona.fallback@woodgrove.example")
        .await
        .unwrap();
    let mut draft = tutorial(&env, office, &fiona);
    draft.hidden = true;
    let id = pkg::create_package(&env.ctx, &admin, &draft).await.unwrap();

    let view = pkg::portal_package(&env.ctx, &eric, id).await.unwrap();
    assert_eq!(view.name, "Office Licenses");
    assert_eq!(view.policies, vec!["Initial policy"]);
    assert_eq!(view.reason, None);
    assert_eq!(view.resources[0].licenses[0].license, "Office 365 E3");
    assert_eq!(
        (
            view.resources[0].licenses[0].available,
            view.resources[0].licenses[0].seats
        ),
        (24, 25)
    );

    let view = pkg::portal_package(&env.ctx, &guest, id).await.unwrap();
    assert!(view.policies.is_empty());
    assert!(view.reason.unwrap().starts_with("Guests can't request"));

    // A specific-people policy for Eric's group beats "all members" (and names him alone).
    let d = pkg::detail(&env.ctx, &admin, id).await.unwrap();
    let mut specific = d.policies[0].draft.clone();
    specific.name = "Finance team".into();
    specific.scope = TargetScope::SpecificDirectoryUsers;
    specific.review.required = false;
    specific.specific = vec![stale_principal(&eric)];
    pkg::add_policy(&env.ctx, &admin, id, &specific)
        .await
        .unwrap();
    assert_eq!(
        pkg::portal_package(&env.ctx, &eric, id)
            .await
            .unwrap()
            .policies,
        vec!["Finance team"]
    );
    assert_eq!(
        pkg::portal_package(&env.ctx, &fiona, id)
            .await
            .unwrap()
            .policies,
        vec!["Initial policy"]
    );

    // Requests switched off: eligible people are told so.
    for p in pkg::detail(&env.ctx, &admin, id).await.unwrap().policies {
        let mut off = p.draft.clone();
        off.enabled = false;
        pkg::update_policy(&env.ctx, &admin, p.id, &off, None)
            .await
            .unwrap();
    }
    let view = pkg::portal_package(&env.ctx, &eric, id).await.unwrap();
    assert!(view.reason.unwrap().contains("turned off"));
}

async fn an_edit_made_from_an_older_version_is_refused_and_changes_nothing(env: TestEnv) {
    let admin = env.admin().await;
    let office = env.group(&admin, "Office Licenses").await;
    let draft = tutorial(&env, office, &admin);
    let id = pkg::create_package(&env.ctx, &admin, &draft).await.unwrap();
    let read = pkg::detail(&env.ctx, &admin, id).await.unwrap();
    let (v, policy) = (read.summary.version, &read.policies[0]);
    // Two admins read version v; the first one's edit moves it …
    pkg::update_basics(
        &env.ctx,
        &admin,
        id,
        "Office Licenses",
        "First edit",
        false,
        Some(v),
    )
    .await
    .unwrap();
    // … so the second one's, made from v, is refused and changes nothing.
    let e = pkg::update_basics(
        &env.ctx,
        &admin,
        id,
        "Office Licenses",
        "Second",
        true,
        Some(v),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, DomainError::Stale("access package")), "{e:?}");
    let now = pkg::detail(&env.ctx, &admin, id).await.unwrap();
    assert_eq!(
        (now.summary.description.as_str(), now.summary.hidden),
        ("First edit", false)
    );
    assert_eq!(now.summary.version, v + 1);
    assert_eq!(
        audit_count(&env, "access_package", id).await,
        2,
        "created, edited once"
    );
    // Everything the package's page shows moves its version: a policy, a resource role.
    let mut edited = policy.draft.clone();
    edited.stages[0].decision_days = "7".into();
    pkg::update_policy(&env.ctx, &admin, policy.id, &edited, Some(policy.version))
        .await
        .unwrap();
    let e = pkg::update_policy(&env.ctx, &admin, policy.id, &edited, Some(policy.version))
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Stale("policy")), "{e:?}");
    let after_policy = pkg::detail(&env.ctx, &admin, id).await.unwrap();
    assert_eq!(after_policy.policies[0].version, policy.version + 1);
    assert_eq!(after_policy.summary.version, v + 2);
    let team = env.group(&admin, "Reporting team").await;
    pkg::add_resource_role(&env.ctx, &admin, id, team, ResourceRole::Member)
        .await
        .unwrap();
    let e = pkg::update_basics(
        &env.ctx,
        &admin,
        id,
        "Office Licenses",
        "x",
        false,
        Some(after_policy.summary.version),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, DomainError::Stale(_)), "{e:?}");
    // Without a version (the command line) the edit is made whatever was read.
    pkg::update_basics(&env.ctx, &admin, id, "Office Licenses", "Last", false, None)
        .await
        .unwrap();
    // A version given for a package that does not exist is Not found, not Stale.
    let e = pkg::update_basics(
        &env.ctx,
        &admin,
        AccessPackageId(uuid::Uuid::now_v7()),
        "X",
        "Y",
        false,
        Some(1),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, DomainError::NotFound(_)), "{e:?}");
}

on_both_databases!(
    an_edit_made_from_an_older_version_is_refused_and_changes_nothing,
    the_portal_link_says_what_it_grants_and_who_may_request,
    the_tutorial_package_is_created_edited_and_cleaned_up,
    an_invalid_wizard_creates_nothing,
    catalogs_are_created_renamed_and_deleted_only_when_empty,
    a_catalog_role_is_given_once_and_opens_the_admin_console,
    a_catalog_owner_does_everything_inside_their_catalog_and_nothing_in_another,
    a_catalog_reader_reads_their_catalog_and_changes_nothing,
    an_access_package_manager_builds_packages_from_the_catalogs_resources_only,
    an_assignment_manager_sees_the_catalogs_packages_but_cannot_change_them,
    someone_without_a_catalog_role_has_no_admin_console_and_reads_nothing,
    removing_a_catalog_role_takes_its_rights_away,
    assignments_block_deletion_and_follow_resource_roles,
    separation_of_duties_is_kept_and_shown_both_ways,
    pickers_find_people_and_groups,
);
