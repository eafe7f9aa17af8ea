//! The directory import against a real directory (OpenLDAP's slapd, started per case): a
//! thousand people with their managers, departments and titles, and groups with members, are
//! imported; a second run changes nothing; movers, leavers and people the directory disabled
//! follow; the accidental-deletion guard stops a run that would disable too many; a Global
//! Administrator is never disabled; a group linked for delivery keeps Tessera's members; two
//! instances import once; bad settings change nothing.

use domain::clock::Clock;
use domain::jobs::{self, JobReport, RunLimits};
use domain::model::*;
use domain::on_both_databases;
use domain::rules::connectors::ImportInput;
use domain::rules::grants::GrantSource;
use domain::secrets::SecretKey;
use domain::service::connectors as conn;
use domain::testing::slapd::{self, GROUPS, PEOPLE};
use domain::testing::*;

const PEOPLE_COUNT: usize = 1_000;

fn uid(i: usize) -> String {
    format!("p{i:04}")
}

fn dn_of(uid: &str) -> String {
    format!("uid={uid},{PEOPLE}")
}

fn mail(i: usize) -> String {
    format!("{}@contoso.example", uid(i))
}

/// Person `i` reports to person `(i - 1) / 5`: a tree five wide, person 0 at the top.
fn manager(i: usize) -> Option<usize> {
    (i > 0).then(|| (i - 1) / 5)
}

fn person(
    uid: &str,
    email: &str,
    name: &str,
    manager: Option<&str>,
    dept: &str,
) -> (String, Vec<(&'static str, Vec<String>)>) {
    let mut attrs = vec![
        ("objectClass", vec!["inetOrgPerson".to_owned()]),
        ("uid", vec![uid.to_owned()]),
        ("cn", vec![uid.to_owned()]),
        ("sn", vec![uid.to_owned()]),
        ("mail", vec![email.to_owned()]),
        ("displayName", vec![name.to_owned()]),
        ("departmentNumber", vec![dept.to_owned()]),
        ("title", vec!["Engineer".to_owned()]),
    ];
    if let Some(m) = manager {
        attrs.push(("manager", vec![dn_of(m)]));
    }
    (dn_of(uid), attrs)
}

fn group(name: &str, members: Vec<String>) -> (String, Vec<(&'static str, Vec<String>)>) {
    let mut members = members;
    members.push(slapd::PLACEHOLDER.to_owned());
    (
        format!("cn={name},{GROUPS}"),
        vec![
            ("objectClass", vec!["groupOfNames".to_owned()]),
            ("cn", vec![name.to_owned()]),
            ("member", members),
        ],
    )
}

fn import_input(every: &'static str, max_leavers: &'static str) -> ImportInput<'static> {
    ImportInput {
        enabled: true,
        disabled_filter: "(employeeType=disabled)",
        group_base: GROUPS,
        every_minutes: every,
        max_leavers,
        ..ImportInput::default()
    }
}

/// A directory holding the thousand, Eric (known to Tessera already, under person 0) and the
/// world's administrator, with the groups Engineering (persons 1–100 and Eric) and Office
/// Licenses (a name a Tessera group has); connected, with the import set up.
async fn directory(env: &TestEnv, w: &World) -> Option<(Slapd, SystemId)> {
    let slapd = Slapd::start().await?;
    let mut entries: Vec<_> = (0..PEOPLE_COUNT)
        .map(|i| {
            let m = manager(i).map(uid);
            person(
                &uid(i),
                &mail(i),
                &format!("Person {i:04}"),
                m.as_deref(),
                &format!("Dept {}", i % 10),
            )
        })
        .collect();
    entries.push(person(
        "eric",
        "Eric@Woodgrove.example",
        "Eric Solomon",
        Some("p0000"),
        "Sales",
    ));
    entries.push(person("root", &w.admin.email, "Root Admin", None, "IT"));
    entries.push(group(
        "Engineering",
        (1..=100)
            .map(|i| dn_of(&uid(i)))
            .chain([dn_of("eric")])
            .collect(),
    ));
    entries.push(group("Office Licenses", vec![dn_of("eric")]));
    slapd.add_entries(&entries).await;
    let system = conn::create_ldap(
        &env.ctx,
        &w.admin,
        &slapd::ldap_input("Corporate directory", &slapd.url()),
    )
    .await
    .unwrap();
    conn::set_import(&env.ctx, &w.admin, system, &import_input("60", ""))
        .await
        .unwrap();
    Some((slapd, system))
}

/// Runs the connectors loop at the clock's now (it imports what is due).
async fn loop_now(env: &TestEnv) -> JobReport {
    let report = jobs::deliver_due(&env.ctx, RunLimits::default()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    report
}

async fn last_import(env: &TestEnv, w: &World, system: SystemId) -> ImportReport {
    let detail = conn::system_detail(&env.ctx, &w.admin, system)
        .await
        .unwrap();
    detail.last_import.expect("an import ran")
}

async fn manager_email(env: &TestEnv, email: &str) -> String {
    sqlx::query_scalar(
        "SELECT COALESCE(m.email, '') FROM users u LEFT JOIN users m ON m.id = u.manager_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(env.ctx.db.pool())
    .await
    .unwrap()
}

async fn enabled(env: &TestEnv, email: &str) -> bool {
    let n: i64 = sqlx::query_scalar("SELECT enabled FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    n == 1
}

async fn group_named(env: &TestEnv, name: &str) -> GroupId {
    let id: String = sqlx::query_scalar("SELECT id FROM directory_groups WHERE name = $1")
        .bind(name)
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    GroupId::parse(&id).unwrap()
}

async fn a_thousand_people_with_managers_are_imported_and_kept_in_step(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some((slapd, system)) = directory(&env, &w).await else {
        return;
    };
    let detail = conn::system_detail(&env.ctx, &w.admin, system)
        .await
        .unwrap();
    assert!(detail.import_queued, "turning the import on makes it due");
    assert_eq!(detail.last_import, None);

    // The first run.
    let report = loop_now(&env).await;
    assert_eq!(report.directories_imported, 1);
    let r = last_import(&env, &w, system).await;
    assert_eq!(r.error, None, "{r:?}");
    assert_eq!(r.people_found, PEOPLE_COUNT as u64 + 2);
    assert_eq!(
        (r.created, r.updated, r.disabled),
        (PEOPLE_COUNT as u64, 2, 0)
    );
    assert_eq!((r.groups_found, r.groups_created), (2, 1));
    assert_eq!((r.members_added, r.members_removed), (101, 0));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("A group named Office Licenses exists in Tessera")),
        "{:?}",
        r.warnings
    );
    assert!(
        !conn::system_detail(&env.ctx, &w.admin, system)
            .await
            .unwrap()
            .import_queued
    );
    let imported = count_rows(
        &env,
        "SELECT COUNT(*) FROM users WHERE imported_from IS NOT NULL",
    )
    .await;
    assert_eq!(imported, PEOPLE_COUNT as i64 + 2);
    // Every manager was found, whatever the order the directory gave the people in.
    let managed = count_rows(
        &env,
        "SELECT COUNT(*) FROM users u JOIN users m ON m.id = u.manager_id
         WHERE u.email LIKE 'p%@contoso.example' AND m.email LIKE 'p%@contoso.example'",
    )
    .await;
    assert_eq!(managed, PEOPLE_COUNT as i64 - 1);
    assert_eq!(manager_email(&env, &mail(6)).await, mail(1));
    assert_eq!(manager_email(&env, &mail(999)).await, mail(199));
    assert_eq!(
        manager_email(&env, "eric@woodgrove.example").await,
        mail(0),
        "Eric moved"
    );
    let dept: String = sqlx::query_scalar("SELECT department FROM users WHERE email = $1")
        .bind(mail(13))
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(dept, "Dept 3");
    let engineering = group_named(&env, "Engineering").await;
    assert_eq!(
        grants(&env, engineering, w.eric.user_id).await,
        [GrantSource::Import]
    );
    assert!(
        !member_of(&env, w.office, w.eric.user_id).await,
        "Office Licenses left as it is"
    );
    let audited = count_rows(&env, "SELECT COUNT(*) FROM audit_events").await;

    // A second run finds nothing to change.
    conn::import_now(&env.ctx, &w.admin, system).await.unwrap();
    loop_now(&env).await;
    let r = last_import(&env, &w, system).await;
    assert_eq!(
        (
            r.created,
            r.updated,
            r.disabled,
            r.members_added,
            r.members_removed
        ),
        (0, 0, 0, 0, 0),
        "{r:?}"
    );
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM audit_events").await,
        audited + 1,
        "only the run itself is audited"
    );

    // A mover, a leaver, someone the directory disabled, the administrator disabled there,
    // a member who left a group, and a group linked for delivery.
    slapd
        .replace(&dn_of(&uid(6)), "manager", &[&dn_of(&uid(2))])
        .await;
    slapd.delete(&dn_of(&uid(999))).await;
    slapd
        .replace(&dn_of(&uid(998)), "employeeType", &["disabled"])
        .await;
    slapd
        .replace(&dn_of("root"), "employeeType", &["disabled"])
        .await;
    slapd
        .set_member_outside(&format!("cn=Engineering,{GROUPS}"), &dn_of(&uid(5)), false)
        .await;
    conn::import_now(&env.ctx, &w.admin, system).await.unwrap();
    loop_now(&env).await;
    let r = last_import(&env, &w, system).await;
    assert_eq!(r.error, None, "{r:?}");
    assert_eq!((r.created, r.updated, r.disabled), (0, 1, 2), "{r:?}");
    assert_eq!((r.members_added, r.members_removed), (0, 1));
    assert_eq!(manager_email(&env, &mail(6)).await, mail(2));
    assert!(!enabled(&env, &mail(999)).await);
    assert!(!enabled(&env, &mail(998)).await);
    assert!(enabled(&env, &w.admin.email).await);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("is a Global Administrator in Tessera")),
        "{:?}",
        r.warnings
    );
    let p5 = id_of(&env, &mail(5)).await;
    assert!(!member_of(&env, engineering, p5).await);

    // Linked for delivery: Tessera decides its members; the directory's are not imported.
    let eng_dn = format!("cn=Engineering,{GROUPS}");
    conn::link_group(&env.ctx, &w.admin, engineering, system, &eng_dn)
        .await
        .unwrap();
    slapd
        .set_member_outside(&eng_dn, &dn_of(&uid(7)), false)
        .await;
    conn::import_now(&env.ctx, &w.admin, system).await.unwrap();
    jobs::import_system(&env.ctx, system, env.clock.now(), true)
        .await
        .unwrap();
    let r = last_import(&env, &w, system).await;
    assert_eq!((r.members_added, r.members_removed), (0, 0), "{r:?}");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("Engineering is linked to Corporate directory"))
    );
    assert!(member_of(&env, engineering, id_of(&env, &mail(7)).await).await);

    // The guard: three more leavers with room for two change nothing.
    slapd.replace(&dn_of("root"), "employeeType", &[]).await;
    conn::set_import(&env.ctx, &w.admin, system, &import_input("60", "2"))
        .await
        .unwrap();
    for i in [10, 11, 12] {
        slapd.delete(&dn_of(&uid(i))).await;
    }
    let r = domain::service::connectors::operator_import(&env.ctx, "corporate DIRECTORY")
        .await
        .unwrap();
    let e = r.error.expect("stopped");
    assert!(
        e.contains("would disable 3 people, more than the 2 allowed"),
        "{e}"
    );
    for i in [10, 11, 12] {
        assert!(enabled(&env, &mail(i)).await);
    }
    assert_invariants(&env).await;
}

async fn two_instances_import_once_and_bad_settings_change_nothing(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some((_slapd, system)) = directory(&env, &w).await else {
        return;
    };
    let now = env.clock.now();
    let (a, b) = tokio::join!(
        jobs::import_system(&env.ctx, system, now, true),
        jobs::import_system(&env.ctx, system, now, true),
    );
    let ran: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(ran.len(), 1, "one instance imports");
    assert_eq!(ran[0].created, PEOPLE_COUNT as u64);
    assert!(
        jobs::import_system(&env.ctx, system, now, true)
            .await
            .unwrap()
            .is_none(),
        "not due again"
    );
    let users = count_rows(&env, "SELECT COUNT(*) FROM users").await;

    // Field errors, each on its field; the stored settings stay.
    let before = conn::system_detail(&env.ctx, &w.admin, system)
        .await
        .unwrap();
    let e = conn::set_import(
        &env.ctx,
        &w.admin,
        system,
        &ImportInput {
            enabled: true,
            people_filter: "(cn=",
            email_attribute: "e mail",
            every_minutes: "1",
            ..ImportInput::default()
        },
    )
    .await
    .unwrap_err();
    let mut fields = field_names(&e);
    fields.sort();
    assert_eq!(
        fields,
        ["email_attribute", "every_minutes", "people_filter"]
    );
    let e = conn::set_import(
        &env.ctx,
        &w.admin,
        system,
        &ImportInput {
            enabled: true,
            people_filter: "(cn)",
            ..ImportInput::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&e), ["people_filter"]);
    forbidden(conn::set_import(&env.ctx, &w.eric, system, &import_input("", "")).await);
    forbidden(conn::import_now(&env.ctx, &w.eric, system).await);
    let after = conn::system_detail(&env.ctx, &w.admin, system)
        .await
        .unwrap();
    assert_eq!(before.system.settings, after.system.settings);

    // Turned off: nothing is due, "Import now" asks to set it up, and what came stays.
    conn::set_import(&env.ctx, &w.admin, system, &ImportInput::default())
        .await
        .unwrap();
    let e = conn::import_now(&env.ctx, &w.admin, system)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["import"]);
    assert!(
        jobs::import_system(&env.ctx, system, now, true)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(count_rows(&env, "SELECT COUNT(*) FROM users").await, users);
    let changed = count_rows(
        &env,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'connector.import_changed'",
    )
    .await;
    assert_eq!(changed, 2, "set up, then turned off");
}

on_both_databases!(
    a_thousand_people_with_managers_are_imported_and_kept_in_step,
    two_instances_import_once_and_bad_settings_change_nothing,
);
