//! Connected systems against a real directory (OpenLDAP's slapd, started per case): grants
//! reach the directory's group and expiry takes them out; a directory that is down fails the
//! delivery, which is retried with backoff and delivered once it is back, once; the connection
//! test says what failed; passwords are sealed; only governance administrators configure it.

use chrono::Duration;
use domain::clock::Clock;
use domain::jobs::{self, JobReport, RunLimits};
use domain::model::*;
use domain::on_both_databases;
use domain::rules::connectors::LdapInput;
use domain::secrets::SecretKey;
use domain::service::connectors as conn;
use domain::service::directory as dir;
use domain::service::packages as pkg;
use domain::service::requests as req;
use domain::testing::slapd::{self, ADMIN_PASSWORD, PEOPLE};
use domain::testing::*;

fn ldap_input<'a>(url: &'a str, password: Option<&'a str>) -> LdapInput<'a> {
    LdapInput {
        password,
        ..slapd::ldap_input("Corporate directory", url)
    }
}

/// Delivers what is due at the clock's `at`.
async fn deliver_at(env: &TestEnv, at: chrono::DateTime<chrono::Utc>) -> JobReport {
    env.clock.set(at);
    let report = jobs::deliver_due(&env.ctx, RunLimits::default()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    report
}

/// A directory with Eric and an "Office Licenses" group linked to the world's group.
struct Linked {
    slapd: Slapd,
    system: SystemId,
    group_dn: String,
    eric_dn: String,
}

async fn linked(env: &TestEnv, w: &World) -> Option<Linked> {
    let slapd = Slapd::start().await?;
    let eric_dn = slapd.add_person("eric", "eric@woodgrove.example").await;
    let group_dn = slapd.add_group("Office Licenses").await;
    let system = conn::create_ldap(
        &env.ctx,
        &w.admin,
        &ldap_input(&slapd.url(), Some(ADMIN_PASSWORD)),
    )
    .await
    .unwrap();
    conn::link_group(&env.ctx, &w.admin, w.office, system, &group_dn)
        .await
        .unwrap();
    Some(Linked {
        slapd,
        system,
        group_dn,
        eric_dn: eric_dn.to_lowercase(),
    })
}

async fn state_of(env: &TestEnv, w: &World, l: &Linked) -> Vec<(DeliveryState, bool, i64)> {
    conn::system_detail(&env.ctx, &w.admin, l.system)
        .await
        .unwrap()
        .undelivered
        .iter()
        .map(|d| (d.state, d.holds, d.attempts))
        .collect()
}

async fn approved_grant_reaches_the_directory_and_expiry_removes_it(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w).await else {
        return;
    };
    let package = package(&env, &w, "Office", |_| {}).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, true, "ok")
        .await
        .unwrap();
    assert!(
        l.slapd.members(&l.group_dn).await.is_empty(),
        "not before the job"
    );
    assert_eq!(
        state_of(&env, &w, &l).await,
        [(DeliveryState::Delivering, true, 0)]
    );
    // Eric is told he has access only once the directory holds it.
    let told = "SELECT COUNT(*) FROM notifications WHERE title LIKE 'You now have access%'";
    assert_eq!(count_rows(&env, told).await, 0);
    let mine = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(mine[0].delivery, Some(DeliveryState::Delivering));
    // The admin's list of the package's assignments says so too.
    let admin_list = || async {
        req::package_assignments(&env.ctx, &w.admin, package, true, "", PageRequest::first())
            .await
            .unwrap()
            .items
            .iter()
            .map(|a| (a.user.email.clone(), a.delivery))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        admin_list().await,
        [(w.eric.email.clone(), Some(DeliveryState::Delivering))]
    );
    let now = env.clock.now();
    let report = deliver_at(&env, now).await;
    assert_eq!((report.changes_delivered, report.changes_failed), (1, 0));
    assert_eq!(admin_list().await, [(w.eric.email.clone(), None)]);
    assert_eq!(
        l.slapd.members(&l.group_dn).await,
        std::slice::from_ref(&l.eric_dn)
    );
    assert_eq!(count_rows(&env, told).await, 1);
    let mine = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(mine[0].delivery, None);
    assert!(
        mine[0]
            .timeline
            .iter()
            .any(|t| t.text == "Access delivered to Corporate directory"),
        "{:?}",
        mine[0].timeline
    );
    assert!(state_of(&env, &w, &l).await.is_empty(), "nothing left");
    // Delivered once: another run finds nothing.
    assert_eq!(deliver_at(&env, now).await.changes_delivered, 0);

    // A year on the assignment expires; the directory loses the member.
    let later = now + Duration::days(366);
    assert_eq!(run_at(&env, later).await.assignments_expired, 1);
    assert_eq!(
        state_of(&env, &w, &l).await,
        [(DeliveryState::Delivering, false, 0)]
    );
    assert_eq!(deliver_at(&env, later).await.changes_delivered, 1);
    assert!(l.slapd.members(&l.group_dn).await.is_empty());
    // Both deliveries are audited, without the password.
    let audit = count_rows(
        &env,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'connector.delivered'",
    )
    .await;
    assert_eq!(audit, 2);
    let leaked = count_rows(
        &env,
        &format!(
            "SELECT COUNT(*) FROM audit_events WHERE COALESCE(after_json, '') LIKE '%{ADMIN_PASSWORD}%'
             OR COALESCE(before_json, '') LIKE '%{ADMIN_PASSWORD}%'"
        ),
    )
    .await;
    assert_eq!(leaked, 0, "the password is never audited");
    let stored = count_rows(
        &env,
        &format!("SELECT COUNT(*) FROM connected_systems WHERE secret LIKE '%{ADMIN_PASSWORD}%'"),
    )
    .await;
    assert_eq!(stored, 0, "the password is sealed at rest");
    assert_invariants(&env).await;
}

async fn a_directory_that_is_down_is_retried_and_delivered_once_back(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(mut l) = linked(&env, &w).await else {
        return;
    };
    l.slapd.stop();
    dir::add_member(&env.ctx, &w.admin, w.office, &w.eric.email)
        .await
        .unwrap();
    let now = env.clock.now();
    let report = deliver_at(&env, now).await;
    assert_eq!((report.changes_delivered, report.changes_failed), (0, 1));
    let detail = conn::system_detail(&env.ctx, &w.admin, l.system)
        .await
        .unwrap();
    assert_eq!(detail.system.failed, 1);
    let failure = &detail.undelivered[0];
    assert_eq!(
        (failure.state, failure.attempts),
        (DeliveryState::Failed, 1)
    );
    let error = failure.last_error.clone().unwrap();
    assert!(error.contains("connection was refused"), "{error}");
    assert_eq!(failure.next_attempt_at, Some(now + Duration::minutes(1)));
    // Not again before its backoff ends.
    assert_eq!(
        deliver_at(&env, now + Duration::seconds(30))
            .await
            .changes_failed,
        0
    );
    // Failing again doubles the wait.
    let report = deliver_at(&env, now + Duration::minutes(1)).await;
    assert_eq!(report.changes_failed, 1);
    let detail = conn::system_detail(&env.ctx, &w.admin, l.system)
        .await
        .unwrap();
    assert_eq!(detail.undelivered[0].attempts, 2);
    assert_eq!(
        detail.undelivered[0].next_attempt_at,
        Some(now + Duration::minutes(3))
    );

    // The directory is back: two instances deliver at once, the change lands once.
    l.slapd.resume().await;
    env.clock.set(now + Duration::minutes(3));
    let (a, b) = tokio::join!(
        jobs::deliver_due(&env.ctx, RunLimits::default()),
        jobs::deliver_due(&env.ctx, RunLimits::default())
    );
    assert!(
        a.failures.is_empty() && b.failures.is_empty(),
        "{a:?} {b:?}"
    );
    assert_eq!(a.changes_delivered + b.changes_delivered, 1, "{a:?} {b:?}");
    assert_eq!(
        l.slapd.members(&l.group_dn).await,
        std::slice::from_ref(&l.eric_dn)
    );
    assert!(state_of(&env, &w, &l).await.is_empty());
}

async fn a_failure_given_up_waits_for_reprocess_and_the_last_change_wins(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w).await else {
        return;
    };
    // Nora is in Tessera but not in the directory: her grant cannot be delivered.
    dir::add_member(&env.ctx, &w.admin, w.office, &w.nora.email)
        .await
        .unwrap();
    let mut at = env.clock.now();
    for attempt in 1..=domain::rules::connectors::MAX_DELIVERY_ATTEMPTS {
        let report = deliver_at(&env, at).await;
        assert_eq!(report.changes_failed, 1, "attempt {attempt}");
        at += Duration::hours(7);
    }
    let detail = conn::system_detail(&env.ctx, &w.admin, l.system)
        .await
        .unwrap();
    let failure = &detail.undelivered[0];
    assert_eq!(failure.next_attempt_at, None, "given up");
    let error = failure.last_error.clone().unwrap();
    assert!(
        error.contains("Nobody in Corporate directory has mail=nora@woodgrove.example"),
        "{error}"
    );
    assert_eq!(
        deliver_at(&env, at).await.changes_failed,
        0,
        "not by itself"
    );
    // She arrives in the directory; an administrator reprocesses the failure.
    let nora_dn = l.slapd.add_person("nora", "nora@woodgrove.example").await;
    forbidden(conn::reprocess(&env.ctx, &w.eric, l.system, None).await);
    let n = conn::reprocess(
        &env.ctx,
        &w.admin,
        l.system,
        Some((w.office, w.nora.user_id)),
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(deliver_at(&env, at).await.changes_delivered, 1);
    assert_eq!(l.slapd.members(&l.group_dn).await, [nora_dn.to_lowercase()]);

    // Added and removed before any delivery: the directory gets the last state only.
    dir::add_member(&env.ctx, &w.admin, w.office, &w.eric.email)
        .await
        .unwrap();
    dir::remove_direct_member(&env.ctx, &w.admin, w.office, w.eric.user_id)
        .await
        .unwrap();
    assert_eq!(
        state_of(&env, &w, &l).await,
        [(DeliveryState::Delivering, false, 0)]
    );
    deliver_at(&env, at).await;
    assert_eq!(l.slapd.members(&l.group_dn).await, [nora_dn.to_lowercase()]);
}

async fn a_change_made_while_delivering_is_delivered_next(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w).await else {
        return;
    };
    dir::add_member(&env.ctx, &w.admin, w.office, &w.eric.email)
        .await
        .unwrap();
    let now = env.clock.now();
    // One instance claims the change (version 1: add) …
    let mut tx = env.ctx.db.begin().await.unwrap();
    let claimed =
        domain::store::connectors::claim_due(&mut tx, now, now + Duration::minutes(10), 10)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(claimed.len(), 1);
    // … Eric is removed meanwhile (version 2: remove), and a second instance skips the row.
    dir::remove_direct_member(&env.ctx, &w.admin, w.office, w.eric.user_id)
        .await
        .unwrap();
    assert_eq!(deliver_at(&env, now).await.changes_delivered, 0, "claimed");
    // The first one's outcome for version 1 is not recorded; the row stays due.
    let mut tx = env.ctx.db.begin().await.unwrap();
    let recorded = domain::store::connectors::settle(
        &mut tx,
        &claimed[0],
        &domain::store::connectors::Outcome::Delivered,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(!recorded);
    assert_eq!(
        state_of(&env, &w, &l).await,
        [(DeliveryState::Delivering, false, 0)]
    );
    // Say the first instance had added him: the next round removes him.
    l.slapd
        .set_member_outside(&l.group_dn, &l.eric_dn, true)
        .await;
    assert_eq!(deliver_at(&env, now).await.changes_delivered, 1);
    assert!(l.slapd.members(&l.group_dn).await.is_empty());
}

async fn the_connection_test_says_what_failed(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w).await else {
        return;
    };
    let ok = conn::test_connection(&env.ctx, &w.admin, l.system)
        .await
        .unwrap();
    assert!(ok.ok, "{ok:?}");
    assert_eq!(ok.steps.len(), 3, "{ok:?}");
    assert!(ok.steps[2].contains("linked to Office Licenses"), "{ok:?}");

    let update = |password, base, url: String, starttls, ca: String| {
        let ctx = env.ctx.clone();
        let admin = w.admin.clone();
        let system = l.system;
        async move {
            let input = LdapInput {
                user_base: base,
                starttls,
                ca_pem: &ca,
                ..ldap_input(&url, password)
            };
            conn::update_ldap(&ctx, &admin, system, &input)
                .await
                .unwrap();
            conn::test_connection(&ctx, &admin, system).await.unwrap()
        }
    };
    let wrong = update(Some("wrong"), PEOPLE, l.slapd.url(), false, String::new()).await;
    assert!(!wrong.ok);
    assert!(
        wrong
            .error
            .unwrap()
            .contains("refused the bind DN or password"),
        "wrong password"
    );
    let no_base = update(
        Some(ADMIN_PASSWORD),
        "ou=nobody,dc=example,dc=org",
        l.slapd.url(),
        false,
        String::new(),
    )
    .await;
    assert_eq!(no_base.steps.len(), 1);
    assert!(no_base.error.unwrap().contains("does not exist"));
    // An empty password keeps the stored one; TLS with the directory's certificate trusted.
    let ldaps = update(
        None,
        PEOPLE,
        l.slapd.tls_url(),
        false,
        l.slapd.ca_pem.clone(),
    )
    .await;
    assert!(ldaps.ok, "{ldaps:?}");
    let starttls = update(None, PEOPLE, l.slapd.url(), true, l.slapd.ca_pem.clone()).await;
    assert!(starttls.ok, "{starttls:?}");
    // An untrusted certificate is refused.
    let untrusted = update(None, PEOPLE, l.slapd.tls_url(), false, String::new()).await;
    assert!(!untrusted.ok);
    assert!(untrusted.error.unwrap().contains("Could not reach"));
    // Another key cannot open the stored password: an error, not an empty password.
    env.ctx.secrets = Some(SecretKey::generate());
    let rekeyed = conn::test_connection(&env.ctx, &w.admin, l.system)
        .await
        .unwrap();
    assert!(rekeyed.error.unwrap().contains("could not be decrypted"));
}

async fn bad_input_and_other_people_change_nothing(mut env: TestEnv) {
    let w = world(&env).await;
    let input = ldap_input("ldap://127.0.0.1:389", Some("secret"));
    // No key: the password cannot be stored.
    let e = conn::create_ldap(&env.ctx, &w.admin, &input)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["password"]);
    env.ctx.secrets = Some(SecretKey::generate());
    // Only Global and Identity Governance Administrators.
    forbidden(conn::create_ldap(&env.ctx, &w.eric, &input).await);
    let user_admin = give_role(&env, &w.nora, DirectoryRole::UserAdministrator).await;
    forbidden(conn::create_ldap(&env.ctx, &user_admin, &input).await);
    forbidden(conn::list_systems(&env.ctx, &user_admin).await);
    let bad = LdapInput {
        url: "http://x",
        user_base: "people",
        ..input.clone()
    };
    let e = conn::create_ldap(&env.ctx, &w.admin, &bad)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["url", "user_base"]);
    let no_password = LdapInput {
        password: None,
        ..input.clone()
    };
    let e = conn::create_ldap(&env.ctx, &w.admin, &no_password)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["password"]);
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM connected_systems").await,
        0
    );

    let governance = give_role(
        &env,
        &w.fiona,
        DirectoryRole::IdentityGovernanceAdministrator,
    )
    .await;
    let system = conn::create_ldap(&env.ctx, &governance, &input)
        .await
        .unwrap();
    let e = conn::create_ldap(&env.ctx, &w.admin, &input)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["name"], "names are unique");
    let e = conn::link_group(&env.ctx, &w.admin, w.office, system, "Office")
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["external_id"]);
    forbidden(conn::link_group(&env.ctx, &user_admin, w.office, system, "cn=x,dc=y").await);
    conn::link_group(&env.ctx, &w.admin, w.office, system, "cn=x,dc=y")
        .await
        .unwrap();
    let e = conn::link_group(&env.ctx, &w.admin, w.office, system, "cn=z,dc=y")
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["group"], "one link a group");
    conn::unlink_group(&env.ctx, &w.admin, w.office)
        .await
        .unwrap();
    let listed = conn::list_systems(&env.ctx, &w.admin).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].has_password);
    assert_eq!(listed[0].linked_groups, 0);
    for action in [
        "connector.created",
        "connector.group_linked",
        "connector.group_unlinked",
    ] {
        let n = count_rows(
            &env,
            &format!("SELECT COUNT(*) FROM audit_events WHERE action = '{action}'"),
        )
        .await;
        assert_eq!(n, 1, "{action}");
    }
}

async fn drift_outside_tessera_is_reported_then_corrected(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w).await else {
        return;
    };
    let nora_dn = l
        .slapd
        .add_person("nora", "nora@woodgrove.example")
        .await
        .to_lowercase();
    let mallory_dn = l
        .slapd
        .add_person("mallory", "mallory@elsewhere.example")
        .await
        .to_lowercase();
    for who in [&w.eric, &w.nora] {
        dir::add_member(&env.ctx, &w.admin, w.office, &who.email)
            .await
            .unwrap();
    }
    let now = env.clock.now();
    let report = deliver_at(&env, now).await;
    assert_eq!(report.changes_delivered, 2);
    assert_eq!(report.drift_found, 0, "{report:?}");
    let link = |env: &TestEnv| {
        let (ctx, admin, group) = (env.ctx.clone(), w.admin.clone(), w.office);
        async move {
            conn::system_detail(&ctx, &admin, l.system)
                .await
                .unwrap()
                .links
                .into_iter()
                .find(|k| k.group_id == group)
                .unwrap()
                .check
                .unwrap()
        }
    };
    assert_eq!((link(&env).await.extra, link(&env).await.missing), (0, 0));

    // Someone adds Mallory and removes Nora in the directory, behind Tessera's back.
    l.slapd
        .set_member_outside(&l.group_dn, &mallory_dn, true)
        .await;
    l.slapd
        .set_member_outside(&l.group_dn, &nora_dn, false)
        .await;
    // Not checked again before the hour is up.
    assert_eq!(
        deliver_at(&env, now + Duration::minutes(30))
            .await
            .drift_found,
        0
    );
    let report = deliver_at(&env, now + Duration::minutes(61)).await;
    assert_eq!((report.drift_found, report.drift_corrected), (2, 0));
    let check = link(&env).await;
    assert_eq!((check.extra, check.missing, check.corrected), (1, 1, false));
    assert_eq!(
        check.sample,
        [format!("+ {mallory_dn}"), format!("- {nora_dn}")]
    );
    // Report only: the directory keeps the drift (the placeholder never counts).
    let mut held = vec![l.eric_dn.clone(), mallory_dn.clone()];
    held.sort();
    assert_eq!(l.slapd.members(&l.group_dn).await, held);

    // The policy becomes "correct"; "Check now" makes it due at once.
    let url = l.slapd.url();
    let input = LdapInput {
        drift: "correct",
        ..ldap_input(&url, None)
    };
    conn::update_ldap(&env.ctx, &w.admin, l.system, &input)
        .await
        .unwrap();
    let user_admin = give_role(&env, &w.fiona, DirectoryRole::UserAdministrator).await;
    forbidden(conn::check_now(&env.ctx, &user_admin, l.system).await);
    conn::check_now(&env.ctx, &w.admin, l.system).await.unwrap();
    let report = deliver_at(&env, now + Duration::minutes(62)).await;
    assert_eq!((report.drift_found, report.drift_corrected), (2, 2));
    assert!(link(&env).await.corrected);
    let mut want = vec![l.eric_dn.clone(), nora_dn.clone()];
    want.sort();
    assert_eq!(l.slapd.members(&l.group_dn).await, want);
    let drift_events = count_rows(
        &env,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'connector.drift'",
    )
    .await;
    assert_eq!(drift_events, 2);
    // Corrected: the next check finds nothing.
    conn::check_now(&env.ctx, &w.admin, l.system).await.unwrap();
    assert_eq!(
        deliver_at(&env, now + Duration::minutes(63))
            .await
            .drift_found,
        0
    );
}

/// The undelivered changes as (person's e-mail, role, holds).
async fn changes_of(env: &TestEnv, w: &World, l: &Linked) -> Vec<(String, ResourceRole, bool)> {
    conn::system_detail(&env.ctx, &w.admin, l.system)
        .await
        .unwrap()
        .undelivered
        .iter()
        .map(|d| (d.user_email.clone(), d.role, d.holds))
        .collect()
}

async fn ownership_reaches_the_owner_attribute_from_packages_and_directly(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w).await else {
        return;
    };
    let nora_dn = l
        .slapd
        .add_person("nora", "nora@woodgrove.example")
        .await
        .to_lowercase();
    // A package making its assignees members and owners of the linked group.
    let package = package(&env, &w, "Office", |_| {}).await;
    pkg::add_resource_role(&env.ctx, &w.admin, package, w.office, ResourceRole::Owner)
        .await
        .unwrap();
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, true, "ok")
        .await
        .unwrap();
    let eric = w.eric.email.clone();
    assert_eq!(
        changes_of(&env, &w, &l).await,
        [
            (eric.clone(), ResourceRole::Member, true),
            (eric.clone(), ResourceRole::Owner, true)
        ]
    );
    let now = env.clock.now();
    assert_eq!(deliver_at(&env, now).await.changes_delivered, 2);
    assert_eq!(
        l.slapd.members(&l.group_dn).await,
        std::slice::from_ref(&l.eric_dn)
    );
    assert_eq!(
        l.slapd.owners(&l.group_dn).await,
        std::slice::from_ref(&l.eric_dn)
    );
    let mine = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(mine[0].delivery, None, "both roles delivered");

    // An owner set directly is delivered, and so is their removal.
    dir::add_owner(&env.ctx, &w.admin, w.office, &w.nora.email)
        .await
        .unwrap();
    assert_eq!(
        changes_of(&env, &w, &l).await,
        [(w.nora.email.clone(), ResourceRole::Owner, true)]
    );
    deliver_at(&env, now).await;
    let mut both = vec![l.eric_dn.clone(), nora_dn.clone()];
    both.sort();
    assert_eq!(l.slapd.owners(&l.group_dn).await, both);
    assert!(
        !l.slapd.members(&l.group_dn).await.contains(&nora_dn),
        "an owner is not made a member"
    );
    dir::remove_owner(&env.ctx, &w.admin, w.office, w.nora.user_id)
        .await
        .unwrap();
    deliver_at(&env, now).await;
    assert_eq!(
        l.slapd.owners(&l.group_dn).await,
        std::slice::from_ref(&l.eric_dn)
    );

    // Eric also made owner directly: the package's Owner role going changes nothing there,
    // since he still owns the group; his direct ownership going then removes him.
    dir::add_owner(&env.ctx, &w.admin, w.office, &eric)
        .await
        .unwrap();
    assert!(
        changes_of(&env, &w, &l).await.is_empty(),
        "already an owner: nothing to deliver"
    );
    assert_eq!(
        pkg::remove_resource_role(&env.ctx, &w.admin, package, w.office, ResourceRole::Owner)
            .await
            .unwrap(),
        1
    );
    assert!(changes_of(&env, &w, &l).await.is_empty());
    dir::remove_owner(&env.ctx, &w.admin, w.office, w.eric.user_id)
        .await
        .unwrap();
    assert_eq!(
        changes_of(&env, &w, &l).await,
        [(eric.clone(), ResourceRole::Owner, false)]
    );
    deliver_at(&env, now).await;
    assert!(l.slapd.owners(&l.group_dn).await.is_empty());

    // The role back on the package: the assignee owns it again; expiry takes both away.
    pkg::add_resource_role(&env.ctx, &w.admin, package, w.office, ResourceRole::Owner)
        .await
        .unwrap();
    deliver_at(&env, now).await;
    assert_eq!(
        l.slapd.owners(&l.group_dn).await,
        std::slice::from_ref(&l.eric_dn)
    );
    let later = now + Duration::days(366);
    assert_eq!(run_at(&env, later).await.assignments_expired, 1);
    assert_eq!(
        changes_of(&env, &w, &l).await,
        [
            (eric.clone(), ResourceRole::Member, false),
            (eric.clone(), ResourceRole::Owner, false)
        ]
    );
    assert_eq!(deliver_at(&env, later).await.changes_delivered, 2);
    assert!(l.slapd.members(&l.group_dn).await.is_empty());
    assert!(l.slapd.owners(&l.group_dn).await.is_empty());

    // A group linked while it has owners queues them with its members.
    let team = env.group(&w.admin, "Reporting team").await;
    dir::add_owner(&env.ctx, &w.admin, team, &w.nora.email)
        .await
        .unwrap();
    dir::add_member(&env.ctx, &w.admin, team, &eric)
        .await
        .unwrap();
    let team_dn = l.slapd.add_group("Reporting team").await;
    assert_eq!(
        conn::link_group(&env.ctx, &w.admin, team, l.system, &team_dn)
            .await
            .unwrap(),
        1
    );
    assert_eq!(deliver_at(&env, later).await.changes_delivered, 2);
    assert_eq!(
        l.slapd.owners(&team_dn).await,
        std::slice::from_ref(&nora_dn)
    );
    assert_eq!(
        l.slapd.members(&team_dn).await,
        std::slice::from_ref(&l.eric_dn)
    );
    assert_invariants(&env).await;
}

on_both_databases!(
    drift_outside_tessera_is_reported_then_corrected,
    approved_grant_reaches_the_directory_and_expiry_removes_it,
    a_directory_that_is_down_is_retried_and_delivered_once_back,
    a_failure_given_up_waits_for_reprocess_and_the_last_change_wins,
    a_change_made_while_delivering_is_delivered_next,
    the_connection_test_says_what_failed,
    bad_input_and_other_people_change_nothing,
    ownership_reaches_the_owner_attribute_from_packages_and_directly,
);
