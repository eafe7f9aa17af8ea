//! Joiners, movers and leavers carried through to access, against real databases: a person
//! disabled loses their access and open requests; a stage waiting on a leaver or a former
//! manager goes to whoever decides now. Each by the lifecycle jobs, once however often run.

use chrono::Duration;
use domain::clock::Clock;
use domain::model::*;
use domain::on_both_databases;
use domain::service::directory as dir;
use domain::service::requests::{self as req, RequestOutcome};
use domain::testing::*;

/// Disables (or enables) `who` as an administrator would.
async fn set_enabled(env: &TestEnv, w: &World, who: &Actor, manager: &str, enabled: bool) {
    let form = UserForm {
        enabled,
        ..user_form(&who.email, &who.display_name, manager)
    };
    dir::update_user(&env.ctx, &w.admin, who.user_id, &form)
        .await
        .unwrap();
}

/// The world's package with manager approval and Fiona as fallback approver.
async fn office(env: &TestEnv, w: &World) -> AccessPackageId {
    package(env, w, "Office", |p| {
        p.stages[0].fallback = vec![principal(&w.fiona)];
    })
    .await
}

async fn a_leaver_loses_access_and_open_requests_once(env: TestEnv) {
    let w = world(&env).await;
    let e3 = dir::create_license(&env.ctx, &w.admin, "Office 365 E3", "25")
        .await
        .unwrap();
    dir::assign_license(&env.ctx, &w.admin, w.office, e3)
        .await
        .unwrap();
    let package = office(&env, &w).await;
    let second = package_for(&env, &w, "Visio").await;
    // Eric holds Office (approved by Maria) and waits for Visio.
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, true, "ok")
        .await
        .unwrap();
    let (pending, _) = req::submit_request(&env.ctx, &w.eric, second, &ask("diagrams"))
        .await
        .unwrap();
    assert!(member_of(&env, w.office, w.eric.user_id).await);
    let now = env.clock.now();
    assert_eq!(
        run_at(&env, now).await.leavers_access_removed,
        0,
        "nobody left yet"
    );

    set_enabled(&env, &w, &w.eric, "maria@woodgrove.example", false).await;
    let report = run_at(&env, now + Duration::minutes(1)).await;
    assert_eq!(report.leavers_access_removed, 1, "{report:?}");
    assert_eq!(report.leavers_requests_canceled, 1, "{report:?}");
    assert!(
        !member_of(&env, w.office, w.eric.user_id).await,
        "the grant is withdrawn"
    );
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM access_package_assignments WHERE state = 'removed'"
        )
        .await,
        1
    );
    let (state, _) = req::timeline(&env.ctx, &w.admin, pending).await.unwrap();
    assert_eq!(state, RequestState::Canceled);
    // The approver's inbox no longer shows it.
    assert!(!waits_for(&env, &w.maria, pending).await);
    for action in ["assignment.removed", "request.canceled"] {
        assert_eq!(
            count_rows(
                &env,
                &format!(
                    "SELECT COUNT(*) FROM audit_events WHERE action = '{action}' AND summary LIKE '%(leaver)'"
                )
            )
            .await,
            1,
            "{action}"
        );
    }
    assert_invariants(&env).await;

    // Run again (or on a second instance): nothing more happens.
    let again = run_at(&env, now + Duration::minutes(2)).await;
    assert_eq!(
        (
            again.leavers_access_removed,
            again.leavers_requests_canceled
        ),
        (0, 0)
    );
    // Rehired: enabled again, nothing comes back by itself; they request again.
    set_enabled(&env, &w, &w.eric, "maria@woodgrove.example", true).await;
    assert!(
        req::submit_request(&env.ctx, &w.eric, package, &ask("back"))
            .await
            .is_ok()
    );
}

/// Whether `request` waits in `who`'s approval inbox.
async fn waits_for(env: &TestEnv, who: &Actor, request: RequestId) -> bool {
    let (pending, _) = req::my_approvals(&env.ctx, who).await.unwrap();
    pending.iter().any(|i| i.request_id == request)
}

/// A second package like the world's, in the same group.
async fn package_for(env: &TestEnv, w: &World, name: &str) -> AccessPackageId {
    package(env, w, name, |p| {
        p.stages[0].fallback = vec![principal(&w.fiona)];
    })
    .await
}

async fn a_new_manager_takes_over_pending_manager_stages(env: TestEnv) {
    let w = world(&env).await;
    let package = office(&env, &w).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    // Eric moves to Nora's team.
    set_enabled(&env, &w, &w.eric, "nora@woodgrove.example", true).await;
    let report = run_at(&env, env.clock.now() + Duration::minutes(1)).await;
    assert_eq!(report.requests_rerouted, 1, "{report:?}");
    assert_eq!(
        run_at(&env, env.clock.now() + Duration::minutes(1))
            .await
            .requests_rerouted,
        0,
        "once"
    );
    // Maria no longer decides it; Nora does, and sees it in her inbox.
    forbidden(req::decide(&env.ctx, &w.maria, request, true, "mine").await);
    assert!(waits_for(&env, &w.nora, request).await);
    assert!(!waits_for(&env, &w.maria, request).await);
    let outcome = req::decide(&env.ctx, &w.nora, request, true, "welcome to the team")
        .await
        .unwrap();
    assert!(matches!(outcome, RequestOutcome::Delivered(_)));
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'request.rerouted' AND summary LIKE '%is no longer the manager'"
        )
        .await,
        1
    );
    assert_invariants(&env).await;
}

async fn a_stage_waiting_on_a_leaver_goes_to_the_fallback_approvers(env: TestEnv) {
    let w = world(&env).await;
    let package = office(&env, &w).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, package, &ask("reports"))
        .await
        .unwrap();
    // Maria leaves; Eric's record still names her as manager.
    set_enabled(&env, &w, &w.maria, "", false).await;
    let report = run_at(&env, env.clock.now() + Duration::minutes(1)).await;
    assert_eq!(report.requests_rerouted, 1, "{report:?}");
    assert!(waits_for(&env, &w.fiona, request).await, "Fiona has it");
    let outcome = req::decide(&env.ctx, &w.fiona, request, false, "not needed")
        .await
        .unwrap();
    assert!(matches!(outcome, RequestOutcome::Denied(_)));
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'request.rerouted' AND summary LIKE '%left (account disabled)'"
        )
        .await,
        1
    );
    assert_invariants(&env).await;
}

on_both_databases!(
    a_leaver_loses_access_and_open_requests_once,
    a_new_manager_takes_over_pending_manager_stages,
    a_stage_waiting_on_a_leaver_goes_to_the_fallback_approvers,
);
