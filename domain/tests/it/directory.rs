//! Directory use cases against real databases: SQLite and Postgres, fresh each.

use domain::DomainError;
use domain::model::*;
use domain::on_both_databases;
use domain::rules::grants::GrantSource;
use domain::service::directory::{self as dir, GroupInput};
use domain::store::{self, groups};
use domain::testing::*;

async fn migrations_create_the_schema_and_the_general_catalog(env: TestEnv) {
    let name: String = sqlx::query_scalar("SELECT name FROM catalogs WHERE id = $1")
        .bind(CatalogId::GENERAL.to_string())
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(name, "General");
    // Running the migrations again is harmless.
    env.ctx.db.migrate().await.unwrap();
}

async fn users_are_created_edited_and_searched(env: TestEnv) {
    let admin = env.admin().await;
    let maria = dir::create_user(
        &env.ctx,
        &admin,
        &user_form("Maria.Manager@Woodgrove.example", "Maria Manager", ""),
    )
    .await
    .unwrap();
    let eric = dir::create_user(
        &env.ctx,
        &admin,
        &user_form(
            "eric@woodgrove.example",
            "Eric Employee",
            "maria.manager@woodgrove.example",
        ),
    )
    .await
    .unwrap();

    let detail = dir::user_detail(&env.ctx, &admin, eric).await.unwrap();
    assert_eq!(detail.user.manager.map(|m| m.id), Some(maria));
    let boss = dir::user_detail(&env.ctx, &admin, maria).await.unwrap();
    assert_eq!(
        boss.direct_reports
            .iter()
            .map(|r| r.display_name.as_str())
            .collect::<Vec<_>>(),
        ["Eric Employee"]
    );

    // Email uniqueness ignores case, and says so on the email field.
    let dup = dir::create_user(
        &env.ctx,
        &admin,
        &user_form("ERIC@woodgrove.example", "Other Eric", ""),
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&dup), ["email"]);

    // Unknown manager and manager loops are refused on the manager field, nothing changes.
    let err = dir::create_user(
        &env.ctx,
        &admin,
        &user_form("x@woodgrove.example", "X", "nobody@woodgrove.example"),
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&err), ["manager_email"]);
    let err = dir::update_user(
        &env.ctx,
        &admin,
        maria,
        &user_form(
            "maria.manager@woodgrove.example",
            "Maria Manager",
            "eric@woodgrove.example",
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&err), ["manager_email"]);

    let mut edit = user_form(
        "eric@woodgrove.example",
        "Eric Employee",
        "maria.manager@woodgrove.example",
    );
    edit.department = "Sales".into();
    edit.user_type = "guest".into();
    dir::update_user(&env.ctx, &admin, eric, &edit)
        .await
        .unwrap();
    let detail = dir::user_detail(&env.ctx, &admin, eric).await.unwrap();
    assert_eq!(
        (detail.user.department.as_str(), detail.user.user_type),
        ("Sales", UserType::Guest)
    );

    let found = dir::search_users(&env.ctx, &admin, "MARIA", PageRequest::first())
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, maria);
    let found = dir::search_users(&env.ctx, &admin, "woodgrove", PageRequest::new(2, 2))
        .await
        .unwrap();
    assert_eq!((found.total, found.items.len()), (3, 1));
    // A LIKE wildcard in the search text matches itself only.
    assert_eq!(
        dir::search_users(&env.ctx, &admin, "%", PageRequest::first())
            .await
            .unwrap()
            .total,
        0
    );

    let audited = store::audit::count_for_target(
        &mut env.ctx.read().await.unwrap(),
        "user",
        &eric.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(audited, 2, "create and update are audited");
}

async fn memberships_keep_each_grant_source(env: TestEnv) {
    let admin = env.admin().await;
    let eric = dir::create_user(
        &env.ctx,
        &admin,
        &user_form("eric@woodgrove.example", "Eric", ""),
    )
    .await
    .unwrap();
    let g = dir::create_group(
        &env.ctx,
        &admin,
        &GroupInput {
            name: "Office Licenses",
            description: "",
            kind: "security",
        },
    )
    .await
    .unwrap();
    dir::add_member(&env.ctx, &admin, g, "Eric@woodgrove.example")
        .await
        .unwrap();
    let again = dir::add_member(&env.ctx, &admin, g, "eric@woodgrove.example")
        .await
        .unwrap_err();
    assert_eq!(field_names(&again), ["email"]);

    // An access package assignment also grants the membership.
    let assignment = GrantSource::Assignment(uuid::Uuid::now_v7());
    let mut tx = env.ctx.db.begin().await.unwrap();
    groups::add_grant(&mut tx, g, eric, assignment, env.ctx.clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let detail = dir::group_detail(&env.ctx, &admin, g, PageRequest::first())
        .await
        .unwrap();
    assert_eq!(
        detail.group.member_count, 1,
        "one person, however many grants"
    );
    assert_eq!(detail.members.items[0].sources.len(), 2);

    // Removing the direct grant keeps the assignment's.
    let left = dir::remove_direct_member(&env.ctx, &admin, g, eric)
        .await
        .unwrap();
    assert_eq!(left, vec![assignment]);
    let memberships = dir::user_detail(&env.ctx, &admin, eric)
        .await
        .unwrap()
        .memberships;
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].sources, vec![assignment]);
    assert!(matches!(
        dir::remove_direct_member(&env.ctx, &admin, g, eric).await,
        Err(DomainError::Conflict(_))
    ));

    let dup = dir::create_group(
        &env.ctx,
        &admin,
        &GroupInput {
            name: "office licenses",
            description: "",
            kind: "security",
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&dup), ["name"]);
    let bad = dir::create_group(
        &env.ctx,
        &admin,
        &GroupInput {
            name: " ",
            description: "",
            kind: "distribution",
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&bad), ["name", "kind"]);
}

async fn large_groups_page_their_members_in_name_order(env: TestEnv) {
    let admin = env.admin().await;
    let g = dir::create_group(
        &env.ctx,
        &admin,
        &GroupInput {
            name: "Everyone",
            description: "",
            kind: "security",
        },
    )
    .await
    .unwrap();
    let n = groups::LARGE_GROUP + 1;
    let now = env.ctx.clock.now();
    let mut tx = env.ctx.db.begin().await.unwrap();
    // Inserted out of name order, so the order must come from the query.
    for i in (0..n).rev() {
        let form = user_form(
            &format!("p{i:05}@woodgrove.example"),
            &format!("Person {i:05}"),
            "",
        );
        let id = UserId::new();
        store::users::insert(&mut tx, id, &form.parse().unwrap(), None, now)
            .await
            .unwrap();
        groups::add_grant(&mut tx, g, id, GrantSource::Direct, now)
            .await
            .unwrap();
        if i == 3 {
            groups::add_grant(
                &mut tx,
                g,
                id,
                GrantSource::Assignment(uuid::Uuid::now_v7()),
                now,
            )
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();

    let first = dir::group_detail(&env.ctx, &admin, g, PageRequest::new(1, 50))
        .await
        .unwrap();
    assert_eq!((first.members.total, first.group.member_count), (n, n));
    let names: Vec<String> = first
        .members
        .items
        .iter()
        .map(|m| m.user.display_name.clone())
        .collect();
    let expected: Vec<String> = (0..50).map(|i| format!("Person {i:05}")).collect();
    assert_eq!(names, expected);
    assert_eq!(first.members.items[3].sources.len(), 2);
    assert_eq!(first.members.items[3].since, now);
    let last = dir::group_detail(
        &env.ctx,
        &admin,
        g,
        PageRequest::new(first.members.page_count(), 50),
    )
    .await
    .unwrap();
    assert_eq!(
        last.members
            .items
            .iter()
            .map(|m| m.user.display_name.as_str())
            .collect::<Vec<_>>(),
        [format!("Person {:05}", n - 1)]
    );
}

async fn license_seats_go_to_the_earliest_members(env: TestEnv) {
    let admin = env.admin().await;
    let g1 = dir::create_group(
        &env.ctx,
        &admin,
        &GroupInput {
            name: "Office A",
            description: "",
            kind: "security",
        },
    )
    .await
    .unwrap();
    let g2 = dir::create_group(
        &env.ctx,
        &admin,
        &GroupInput {
            name: "Office B",
            description: "",
            kind: "microsoft365",
        },
    )
    .await
    .unwrap();
    let lic = dir::create_license(&env.ctx, &admin, "Office 365 E3", "2")
        .await
        .unwrap();
    dir::assign_license(&env.ctx, &admin, g1, lic)
        .await
        .unwrap();
    dir::assign_license(&env.ctx, &admin, g2, lic)
        .await
        .unwrap();

    let mut ids = Vec::new();
    for name in ["first", "second", "third"] {
        let id = dir::create_user(
            &env.ctx,
            &admin,
            &user_form(&format!("{name}@woodgrove.example"), name, ""),
        )
        .await
        .unwrap();
        ids.push(id);
    }
    // "first" is in both groups (counted once); "third" joined before "second".
    dir::add_member(&env.ctx, &admin, g1, "first@woodgrove.example")
        .await
        .unwrap();
    env.clock.advance(chrono::Duration::minutes(1));
    dir::add_member(&env.ctx, &admin, g2, "first@woodgrove.example")
        .await
        .unwrap();
    dir::add_member(&env.ctx, &admin, g2, "third@woodgrove.example")
        .await
        .unwrap();
    env.clock.advance(chrono::Duration::minutes(1));
    dir::add_member(&env.ctx, &admin, g1, "second@woodgrove.example")
        .await
        .unwrap();

    let detail = dir::license_detail(&env.ctx, &admin, lic).await.unwrap();
    assert_eq!(
        (
            detail.license.usage.holders,
            detail.license.usage.used,
            detail.license.usage.available,
            detail.license.usage.violations
        ),
        (3, 2, 0, 1)
    );
    assert_eq!(
        detail
            .violations
            .iter()
            .map(|u| u.display_name.as_str())
            .collect::<Vec<_>>(),
        ["second"]
    );

    let state = |d: UserDetail| d.licenses.iter().map(|l| l.state).collect::<Vec<_>>();
    assert_eq!(
        state(dir::user_detail(&env.ctx, &admin, ids[0]).await.unwrap()),
        [LicenseState::Active]
    );
    assert_eq!(
        state(dir::user_detail(&env.ctx, &admin, ids[1]).await.unwrap()),
        [LicenseState::CountViolation]
    );
    assert_eq!(
        state(dir::user_detail(&env.ctx, &admin, ids[2]).await.unwrap()),
        [LicenseState::Active]
    );
    let first = dir::user_detail(&env.ctx, &admin, ids[0]).await.unwrap();
    assert_eq!(first.licenses[0].via_groups, ["Office A", "Office B"]);

    // More seats clear the violation; bad seat counts are refused on the seats field.
    dir::update_license(&env.ctx, &admin, lic, "Office 365 E3", "3")
        .await
        .unwrap();
    assert_eq!(
        state(dir::user_detail(&env.ctx, &admin, ids[1]).await.unwrap()),
        [LicenseState::Active]
    );
    let err = dir::update_license(&env.ctx, &admin, lic, "Office 365 E3", "-4")
        .await
        .unwrap_err();
    assert_eq!(field_names(&err), ["seats"]);
    let counts = dir::counts(&env.ctx, &admin).await.unwrap();
    assert_eq!(
        (counts.licenses, counts.license_errors, counts.groups),
        (1, 0, 2)
    );
}

async fn csv_import_writes_everything_or_nothing(env: TestEnv) {
    let admin = env.admin().await;
    let good = "Email,Display name,Type,Manager email,Department,Job title\n\
        eric@woodgrove.example,Eric Employee,member,maria@woodgrove.example,Sales,Rep\n\
        maria@woodgrove.example,Maria Manager,member,,Sales,Manager\n\
        gus@partner.example,Gus Guest,guest,,,\n";
    let outcome = dir::import_users(&env.ctx, &admin, good).await.unwrap();
    assert_eq!(
        outcome,
        ImportOutcome::Imported {
            created: 3,
            updated: 0
        }
    );
    let eric = dir::search_users(&env.ctx, &admin, "eric@", PageRequest::first())
        .await
        .unwrap();
    assert_eq!(
        eric.items[0]
            .manager
            .as_ref()
            .map(|m| m.display_name.as_str()),
        Some("Maria Manager")
    );

    let before = dir::search_users(&env.ctx, &admin, "", PageRequest::first())
        .await
        .unwrap()
        .total;
    let bad = "email,display_name,type,manager_email,department,job_title\n\
        new.one@woodgrove.example,New One,member,,,\n\
        broken,,boss,,,\n\
        new.two@woodgrove.example,New Two,member,ghost@woodgrove.example,,\n\
        new.one@woodgrove.example,Again,member,,,\n";
    let outcome = dir::import_users(&env.ctx, &admin, bad).await.unwrap();
    let ImportOutcome::Rejected { lines } = outcome else {
        panic!("expected a rejection")
    };
    assert_eq!(lines.iter().map(|l| l.line).collect::<Vec<_>>(), [3, 4, 5]);
    assert_eq!(
        lines[0]
            .errors
            .iter()
            .map(|e| e.field.as_str())
            .collect::<Vec<_>>(),
        ["email", "display_name", "user_type"]
    );
    assert_eq!(lines[1].errors[0].field, "manager_email");
    let after = dir::search_users(&env.ctx, &admin, "", PageRequest::first())
        .await
        .unwrap()
        .total;
    assert_eq!(before, after, "nothing is written when one line is bad");

    // Re-importing updates instead of duplicating.
    let outcome = dir::import_users(&env.ctx, &admin, good).await.unwrap();
    assert_eq!(
        outcome,
        ImportOutcome::Imported {
            created: 0,
            updated: 3
        }
    );
    let err = dir::import_users(&env.ctx, &admin, "name\nfoo\n")
        .await
        .unwrap_err();
    assert_eq!(field_names(&err), ["csv"]);
    assert_eq!(
        field_names(dir::import_users(&env.ctx, &admin, "  ").await.unwrap_err()),
        ["csv"]
    );
}

async fn only_directory_administrators_may_read_or_change_it(env: TestEnv) {
    let admin = env.admin().await;
    let member = env.member(&admin, "plain@woodgrove.example").await;
    let forbidden = |r: Result<_, DomainError>| matches!(r, Err(DomainError::Forbidden(_)));
    assert!(forbidden(
        dir::search_users(&env.ctx, &member, "", PageRequest::first())
            .await
            .map(|_| ())
    ));
    assert!(forbidden(
        dir::user_detail(&env.ctx, &member, admin.user_id)
            .await
            .map(|_| ())
    ));
    assert!(forbidden(
        dir::create_user(
            &env.ctx,
            &member,
            &user_form("z@woodgrove.example", "Z", "")
        )
        .await
        .map(|_| ())
    ));
    assert!(forbidden(
        dir::import_users(&env.ctx, &member, "email,display_name\na@b.example,A\n")
            .await
            .map(|_| ())
    ));
    assert!(forbidden(
        dir::create_group(
            &env.ctx,
            &member,
            &GroupInput {
                name: "G",
                description: "",
                kind: "security"
            }
        )
        .await
        .map(|_| ())
    ));
    assert!(forbidden(
        dir::create_license(&env.ctx, &member, "L", "1")
            .await
            .map(|_| ())
    ));
    assert!(forbidden(
        dir::list_licenses(&env.ctx, &member).await.map(|_| ())
    ));
    assert!(forbidden(dir::counts(&env.ctx, &member).await.map(|_| ())));
    assert_eq!(
        dir::search_users(&env.ctx, &admin, "z@", PageRequest::first())
            .await
            .unwrap()
            .total,
        0,
        "nothing was created"
    );
}

async fn concurrent_writers_all_succeed(env: TestEnv) {
    let admin = env.admin().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let ctx = env.ctx.clone();
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let g = dir::create_group(
                &ctx,
                &admin,
                &GroupInput {
                    name: &format!("Group {i}"),
                    description: "",
                    kind: "security",
                },
            )
            .await?;
            dir::create_user(
                &ctx,
                &admin,
                &user_form(&format!("u{i}@woodgrove.example"), "U", ""),
            )
            .await?;
            dir::add_member(&ctx, &admin, g, &format!("u{i}@woodgrove.example")).await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("no writer fails");
    }
    assert_eq!(dir::counts(&env.ctx, &admin).await.unwrap().groups, 20);
}

async fn the_demo_seed_is_idempotent(env: TestEnv) {
    assert_eq!(domain::service::demo::seed(&env.ctx).await.unwrap(), 7);
    assert_eq!(domain::service::demo::seed(&env.ctx).await.unwrap(), 0);
    let alex =
        domain::service::auth::sign_in(&env.ctx, "alex.admin@woodgrove.example", "tessera-demo")
            .await
            .unwrap();
    let alex = domain::service::auth::resolve_actor(&env.ctx, alex)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        alex.roles,
        vec![DirectoryRole::IdentityGovernanceAdministrator]
    );
    let licenses = dir::list_licenses(&env.ctx, &alex).await.unwrap();
    assert_eq!(licenses.len(), 1);
    assert_eq!(
        (
            licenses[0].name.as_str(),
            licenses[0].seats,
            licenses[0].groups[0].1.as_str()
        ),
        ("Office 365 E3", 25, "Office Licenses")
    );
    let eric = dir::search_users(&env.ctx, &alex, "eric.employee", PageRequest::first())
        .await
        .unwrap();
    assert_eq!(
        eric.items[0]
            .manager
            .as_ref()
            .map(|m| m.display_name.as_str()),
        Some("Maria Manager")
    );
    let gus = dir::search_users(
        &env.ctx,
        &alex,
        "gus.guest@partner.example",
        PageRequest::first(),
    )
    .await
    .unwrap();
    assert_eq!(gus.items[0].user_type, UserType::Guest);
}

on_both_databases!(
    migrations_create_the_schema_and_the_general_catalog,
    users_are_created_edited_and_searched,
    memberships_keep_each_grant_source,
    large_groups_page_their_members_in_name_order,
    license_seats_go_to_the_earliest_members,
    csv_import_writes_everything_or_nothing,
    only_directory_administrators_may_read_or_change_it,
    concurrent_writers_all_succeed,
    the_demo_seed_is_idempotent,
);
