//! Connected systems of the SCIM kind against a real SCIM 2.0 service provider (scim2-server,
//! started per case): grants reach the application's group and expiry takes them out; a
//! refused token fails the delivery, which is retried and delivered once, after the token is
//! fixed; drift made in the application is found and corrected; bad settings are refused
//! field by field and change nothing.

use chrono::Duration;
use domain::clock::Clock;
use domain::jobs::{self, JobReport, RunLimits};
use domain::model::*;
use domain::on_both_databases;
use domain::rules::connectors::{LdapInput, ScimInput};
use domain::secrets::SecretKey;
use domain::service::connectors as conn;
use domain::service::directory as dir;
use domain::service::requests as req;
use domain::testing::scim::TOKEN;
use domain::testing::*;

fn scim_input<'a>(url: &'a str, token: Option<&'a str>) -> ScimInput<'a> {
    ScimInput {
        name: "Ticketing",
        url,
        token,
        user_attribute: "userName",
        match_with: "email",
        ca_pem: "",
        drift: "report",
    }
}

/// Delivers what is due at the clock's `at`.
async fn deliver_at(env: &TestEnv, at: chrono::DateTime<chrono::Utc>) -> JobReport {
    env.clock.set(at);
    let report = jobs::deliver_due(&env.ctx, RunLimits::default()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    report
}

/// An application with Eric as a user and an "Office Licenses" group linked to the world's.
struct Linked {
    scim: ScimServer,
    system: SystemId,
    group: String,
    eric: String,
}

async fn linked(env: &TestEnv, w: &World, token: &str) -> Option<Linked> {
    let scim = ScimServer::start().await?;
    let eric = scim.add_user("eric@woodgrove.example", "E-1001").await;
    let group = scim.add_group("Office Licenses").await;
    let url = scim.url();
    let system = conn::create_scim(&env.ctx, &w.admin, &scim_input(&url, Some(token)))
        .await
        .unwrap();
    conn::link_group(&env.ctx, &w.admin, w.office, system, &group)
        .await
        .unwrap();
    Some(Linked {
        scim,
        system,
        group,
        eric,
    })
}

async fn undelivered(env: &TestEnv, w: &World, l: &Linked) -> Vec<MembershipDelivery> {
    conn::system_detail(&env.ctx, &w.admin, l.system)
        .await
        .unwrap()
        .undelivered
}

async fn approved_grant_reaches_the_scim_application_and_expiry_removes_it(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w, TOKEN).await else {
        return;
    };
    let ok = conn::test_connection(&env.ctx, &w.admin, l.system)
        .await
        .unwrap();
    assert!(ok.ok, "{ok:?}");
    assert_eq!(ok.steps.len(), 2, "{ok:?}");
    assert!(ok.steps[1].contains("linked to Office Licenses"), "{ok:?}");

    let package = package(&env, &w, "Office", |_| {}).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, true, "ok")
        .await
        .unwrap();
    assert!(
        l.scim.members(&l.group).await.is_empty(),
        "not before the job"
    );
    let mine = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(mine[0].delivery, Some(DeliveryState::Delivering));
    let now = env.clock.now();
    let report = deliver_at(&env, now).await;
    assert_eq!((report.changes_delivered, report.changes_failed), (1, 0));
    assert_eq!(
        l.scim.members(&l.group).await,
        std::slice::from_ref(&l.eric)
    );
    let mine = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(mine[0].delivery, None);
    assert!(
        mine[0]
            .timeline
            .iter()
            .any(|t| t.text == "Access delivered to Ticketing"),
        "{:?}",
        mine[0].timeline
    );
    assert_eq!(deliver_at(&env, now).await.changes_delivered, 0, "once");
    // SCIM has no standard owners of a group: an owner of the linked group queues nothing.
    dir::add_owner(&env.ctx, &w.admin, w.office, &w.nora.email)
        .await
        .unwrap();
    assert!(undelivered(&env, &w, &l).await.is_empty());

    let later = now + Duration::days(366);
    assert_eq!(run_at(&env, later).await.assignments_expired, 1);
    assert_eq!(deliver_at(&env, later).await.changes_delivered, 1);
    assert!(l.scim.members(&l.group).await.is_empty());
    // The token is sealed at rest and never in the audit trail.
    let leaked = count_rows(
        &env,
        &format!(
            "SELECT COUNT(*) FROM connected_systems WHERE secret LIKE '%{TOKEN}%' OR settings LIKE '%{TOKEN}%'"
        ),
    )
    .await;
    assert_eq!(leaked, 0);
    let audited = count_rows(
        &env,
        &format!("SELECT COUNT(*) FROM audit_events WHERE COALESCE(after_json, '') LIKE '%{TOKEN}%' OR COALESCE(before_json, '') LIKE '%{TOKEN}%'"),
    )
    .await;
    assert_eq!(audited, 0);
    assert_invariants(&env).await;
}

async fn a_refused_token_fails_is_retried_and_delivered_once_fixed(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w, "not-the-token").await else {
        return;
    };
    dir::add_member(&env.ctx, &w.admin, w.office, &w.eric.email)
        .await
        .unwrap();
    let now = env.clock.now();
    let report = deliver_at(&env, now).await;
    assert_eq!((report.changes_delivered, report.changes_failed), (0, 1));
    let failure = &undelivered(&env, &w, &l).await[0];
    assert_eq!(
        (failure.state, failure.attempts),
        (DeliveryState::Failed, 1)
    );
    let error = failure.last_error.clone().unwrap();
    assert!(error.contains("refused the bearer token"), "{error}");
    assert!(error.contains("HTTP 401"), "{error}");
    assert_eq!(failure.next_attempt_at, Some(now + Duration::minutes(1)));
    let test = conn::test_connection(&env.ctx, &w.admin, l.system)
        .await
        .unwrap();
    assert!(!test.ok && test.error.unwrap().contains("refused the bearer token"));
    // The operator's `tessera connectors test ticketing` says the same.
    let test = conn::operator_test(&env.ctx, "ticketing").await.unwrap();
    assert!(!test.ok && test.error.unwrap().contains("refused the bearer token"));
    match conn::operator_test(&env.ctx, "Nothing").await {
        Err(domain::DomainError::Invalid(e)) => assert_eq!(e[0].field, "name"),
        other => panic!("expected a field error: {other:?}"),
    }

    // Nothing listens at the address: the test says the connection was refused.
    let closed = format!("http://127.0.0.1:{}", l.scim.port + 1);
    conn::update_scim(&env.ctx, &w.admin, l.system, &scim_input(&closed, None))
        .await
        .unwrap();
    let test = conn::test_connection(&env.ctx, &w.admin, l.system)
        .await
        .unwrap();
    let error = test.error.unwrap();
    assert!(error.contains("connection was refused"), "{error}");

    // The admin enters the right token (and address); the retry delivers it, once, even with
    // two instances at it.
    let url = l.scim.url();
    conn::update_scim(&env.ctx, &w.admin, l.system, &scim_input(&url, Some(TOKEN)))
        .await
        .unwrap();
    env.clock.set(now + Duration::minutes(1));
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
        l.scim.members(&l.group).await,
        std::slice::from_ref(&l.eric)
    );
    assert!(undelivered(&env, &w, &l).await.is_empty());

    // A person the application does not know fails with words, and removing them is done.
    dir::add_member(&env.ctx, &w.admin, w.office, &w.nora.email)
        .await
        .unwrap();
    let at = now + Duration::minutes(2);
    assert_eq!(deliver_at(&env, at).await.changes_failed, 1);
    let error = undelivered(&env, &w, &l).await[0]
        .last_error
        .clone()
        .unwrap();
    assert_eq!(
        error,
        "No user in Ticketing has userName nora@woodgrove.example"
    );
    // `tessera connectors reprocess Ticketing` sends it again, audited as the operator's.
    assert_eq!(
        conn::operator_reprocess(&env.ctx, "Ticketing")
            .await
            .unwrap(),
        1
    );
    let by_operator = "SELECT COUNT(*) FROM audit_events WHERE action = 'connector.reprocessed' AND actor_id IS NULL";
    assert_eq!(count_rows(&env, by_operator).await, 1);
    let listed = conn::operator_list(&env.ctx).await.unwrap();
    assert_eq!(
        (listed[0].name.as_str(), listed[0].failed),
        ("Ticketing", 0)
    );
    dir::remove_direct_member(&env.ctx, &w.admin, w.office, w.nora.user_id)
        .await
        .unwrap();
    assert_eq!(
        deliver_at(&env, at + Duration::minutes(1))
            .await
            .changes_delivered,
        1
    );
    assert!(undelivered(&env, &w, &l).await.is_empty());
}

async fn scim_drift_is_reported_then_corrected(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w, TOKEN).await else {
        return;
    };
    let nora = l.scim.add_user("nora@woodgrove.example", "E-1002").await;
    let mallory = l.scim.add_user("mallory@elsewhere.example", "X-1").await;
    for who in [&w.eric, &w.nora] {
        dir::add_member(&env.ctx, &w.admin, w.office, &who.email)
            .await
            .unwrap();
    }
    let now = env.clock.now();
    let report = deliver_at(&env, now).await;
    assert_eq!((report.changes_delivered, report.drift_found), (2, 0));

    // The application's own admin adds Mallory and removes Nora.
    l.scim.set_member_outside(&l.group, &mallory, true).await;
    l.scim.set_member_outside(&l.group, &nora, false).await;
    let report = deliver_at(&env, now + Duration::minutes(61)).await;
    assert_eq!((report.drift_found, report.drift_corrected), (2, 0));
    let check = conn::system_detail(&env.ctx, &w.admin, l.system)
        .await
        .unwrap()
        .links[0]
        .check
        .clone()
        .unwrap();
    assert_eq!((check.extra, check.missing, check.corrected), (1, 1, false));
    assert_eq!(check.sample, [format!("+ {mallory}"), format!("- {nora}")]);

    let url = l.scim.url();
    let input = ScimInput {
        drift: "correct",
        ..scim_input(&url, None)
    };
    conn::update_scim(&env.ctx, &w.admin, l.system, &input)
        .await
        .unwrap();
    conn::check_now(&env.ctx, &w.admin, l.system).await.unwrap();
    let report = deliver_at(&env, now + Duration::minutes(62)).await;
    assert_eq!((report.drift_found, report.drift_corrected), (2, 2));
    let mut want = vec![l.eric.clone(), nora];
    want.sort();
    assert_eq!(l.scim.members(&l.group).await, want);
    conn::check_now(&env.ctx, &w.admin, l.system).await.unwrap();
    assert_eq!(
        deliver_at(&env, now + Duration::minutes(63))
            .await
            .drift_found,
        0
    );
}

async fn scim_settings_are_checked_field_by_field_and_change_nothing(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let systems = "SELECT COUNT(*) FROM connected_systems";
    let field_of = |e: domain::DomainError| match e {
        domain::DomainError::Invalid(errors) => errors[0].field.clone(),
        other => panic!("expected a field error, got {other:?}"),
    };
    // A token in clear across the network; no token at all.
    let clear = scim_input("http://tickets.example.com/scim", Some(TOKEN));
    let e = conn::create_scim(&env.ctx, &w.admin, &clear)
        .await
        .unwrap_err();
    assert_eq!(field_of(e), "url");
    let no_token = scim_input("https://tickets.example.com/scim", None);
    let e = conn::create_scim(&env.ctx, &w.admin, &no_token)
        .await
        .unwrap_err();
    assert_eq!(field_of(e), "token");
    // Without the key the token cannot be sealed: said on the token field.
    let mut keyless = env.ctx.clone();
    keyless.secrets = None;
    let good = scim_input("https://tickets.example.com/scim", Some(TOKEN));
    let e = conn::create_scim(&keyless, &w.admin, &good)
        .await
        .unwrap_err();
    assert_eq!(field_of(e), "token");
    // Only governance administrators connect systems.
    let user_admin = give_role(&env, &w.fiona, DirectoryRole::UserAdministrator).await;
    forbidden(conn::create_scim(&env.ctx, &user_admin, &good).await);
    forbidden(conn::create_scim(&env.ctx, &w.eric, &good).await);
    assert_eq!(count_rows(&env, systems).await, 0);

    let system = conn::create_scim(&env.ctx, &w.admin, &good).await.unwrap();
    // A SCIM group id is one path segment; a DN is refused.
    for bad in ["a/b", "cn=Office Licenses,ou=groups", ""] {
        let e = conn::link_group(&env.ctx, &w.admin, w.office, system, bad)
            .await
            .unwrap_err();
        assert_eq!(field_of(e), "external_id", "{bad}");
    }
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM group_links").await,
        0
    );
    // A system keeps its kind: LDAP settings do not apply to a SCIM application.
    let ldap = LdapInput {
        name: "Corporate directory",
        url: "ldap://127.0.0.1:389",
        user_base: "ou=people,dc=example,dc=org",
        user_attribute: "mail",
        match_with: "email",
        ..LdapInput::default()
    };
    let e = conn::update_ldap(&env.ctx, &w.admin, system, &ldap)
        .await
        .unwrap_err();
    assert_eq!(field_of(e), "form");
    let summary = &conn::list_systems(&env.ctx, &w.admin).await.unwrap()[0];
    assert_eq!(summary.name, "Ticketing");
    assert!(summary.has_password);
    let SystemSettings::Scim(settings) = &summary.settings else {
        panic!("a SCIM application: {summary:?}");
    };
    assert_eq!(settings.url, "https://tickets.example.com/scim");
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'connector.created'"
        )
        .await,
        1
    );
}

/// A package of two linked groups, one of which the application has no such group for: one
/// grant arrives, the other fails, and the request reads Partially delivered (not Delivered,
/// not Delivering), the person is not told "You now have access", and once the link is fixed
/// and the failure reprocessed it reads delivered.
async fn a_package_half_delivered_reads_partially_delivered(mut env: TestEnv) {
    env.ctx.secrets = Some(SecretKey::generate());
    let w = world(&env).await;
    let Some(l) = linked(&env, &w, TOKEN).await else {
        return;
    };
    let visio = env.group(&w.admin, "Visio").await;
    conn::link_group(&env.ctx, &w.admin, visio, l.system, "no-such-group")
        .await
        .unwrap();
    let mut d = package_draft(&env, "Office and Visio", w.office, "Office Licenses");
    d.resources.push(ResourceRoleDraft {
        group_id: visio,
        group_name: "Visio".into(),
        role: ResourceRole::Member,
    });
    let package = domain::service::packages::create_package(&env.ctx, &w.admin, &d)
        .await
        .unwrap();
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("both"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, true, "ok")
        .await
        .unwrap();
    let now = env.clock.now();
    let report = deliver_at(&env, now).await;
    assert_eq!((report.changes_delivered, report.changes_failed), (1, 1));
    assert_eq!(
        l.scim.members(&l.group).await,
        std::slice::from_ref(&l.eric)
    );
    let mine = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(mine[0].delivery, Some(DeliveryState::PartiallyDelivered));
    assert!(
        !mine[0]
            .timeline
            .iter()
            .any(|t| t.text.starts_with("Access delivered to"))
    );
    let told = count_rows(
        &env,
        "SELECT COUNT(*) FROM notifications WHERE title LIKE 'You now have access%'",
    )
    .await;
    assert_eq!(told, 0);

    // The admin links Visio to the right group and reprocesses: delivered, and Eric is told.
    let right = l.scim.add_group("Visio").await;
    conn::unlink_group(&env.ctx, &w.admin, visio).await.unwrap();
    conn::link_group(&env.ctx, &w.admin, visio, l.system, &right)
        .await
        .unwrap();
    let report = deliver_at(&env, now).await;
    assert_eq!((report.changes_delivered, report.changes_failed), (1, 0));
    let mine = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(mine[0].delivery, None);
    assert_eq!(l.scim.members(&right).await, std::slice::from_ref(&l.eric));
    assert_invariants(&env).await;
}

on_both_databases!(
    a_package_half_delivered_reads_partially_delivered,
    approved_grant_reaches_the_scim_application_and_expiry_removes_it,
    a_refused_token_fails_is_retried_and_delivered_once_fixed,
    scim_drift_is_reported_then_corrected,
    scim_settings_are_checked_field_by_field_and_change_nothing,
);
