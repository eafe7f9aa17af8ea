//! Dashboards and the lived-in demo (issue 18): the administrator's home names what waits
//! and on whom, licenses near their seats and policies losing their approvers, and charts
//! the weeks; a package's Overview and a manager's team; the demo's history is seeded once,
//! in every state, without touching the tutorial's accounts.

use chrono::Duration;
use domain::DomainError;
use domain::clock::Clock;
use domain::model::*;
use domain::on_both_databases;
use domain::service::directory as dir;
use domain::service::requests as req;
use domain::service::{demo, insight, lived_in};
use domain::testing::*;

async fn dashboards_show_what_waits_the_weeks_figures_and_the_team(env: TestEnv) {
    let w = world(&env).await;
    let office = package(&env, &w, "Office Licenses", |_| {}).await;
    let fiona = principal(&w.fiona);
    let finance = package(&env, &w, "Finance reports", |p| {
        p.stages[0].manager_as_approver = false;
        p.stages[0].approvers = vec![fiona.clone()];
    })
    .await;
    let seats = dir::create_license(&env.ctx, &w.admin, "Office 365 E3", "1")
        .await
        .unwrap();
    dir::assign_license(&env.ctx, &w.admin, w.office, seats)
        .await
        .unwrap();

    // Eric asks; the request waits on Maria, his manager.
    let (request, _) = req::submit_request(&env.ctx, &w.eric, office, &ask("Reports"))
        .await
        .unwrap();
    let d = insight::admin_dashboard(&env.ctx, &w.admin).await.unwrap();
    assert_eq!(d.waiting_total, 1);
    let waiting = &d.waiting[0];
    assert_eq!(
        (
            waiting.request_id,
            waiting.package_name.as_str(),
            waiting.requestor.as_str(),
            waiting.approvers.clone()
        ),
        (
            request,
            "Office Licenses",
            "eric",
            vec!["maria".to_string()]
        )
    );
    assert_eq!(d.requests_by_week.len(), CHART_WEEKS as usize);
    assert_eq!(d.requests_by_week.last().unwrap().open, 1);
    assert!(d.seats.is_empty(), "{:?}", d.seats);
    assert!(d.policies_at_risk.is_empty());
    assert_eq!((d.failed_deliveries, d.failed_webhooks), (Some(0), Some(0)));

    // Three hours later Maria approves: delivered, decided in 3 h, the seat taken.
    env.clock.advance(Duration::hours(3));
    req::decide(&env.ctx, &w.maria, request, true, "Fine")
        .await
        .unwrap();
    let d = insight::admin_dashboard(&env.ctx, &w.admin).await.unwrap();
    assert_eq!((d.waiting_total, d.waiting.len()), (0, 0));
    let week = d.requests_by_week.last().unwrap();
    assert_eq!((week.delivered, week.open, week.total()), (1, 0, 1));
    let times = d.decision_times.last().unwrap();
    assert_eq!((times.decisions, times.median_hours), (1, Some(3.0)));
    assert_eq!(
        d.seats
            .iter()
            .map(|s| (s.license.name.as_str(), s.used, s.seats))
            .collect::<Vec<_>>(),
        vec![("Office 365 E3", 1, 1)]
    );

    // Maria's team: Eric, with the package and a request waiting on Fiona.
    req::submit_request(&env.ctx, &w.eric, finance, &ask("Close"))
        .await
        .unwrap();
    let team = insight::my_team(&env.ctx, &w.maria).await.unwrap();
    assert_eq!(team.total, 1);
    let eric = &team.members[0];
    assert_eq!(eric.person.email, "eric@woodgrove.example");
    assert_eq!(
        eric.access
            .iter()
            .map(|a| a.package_name.as_str())
            .collect::<Vec<_>>(),
        vec!["Office Licenses"]
    );
    assert_eq!(eric.pending_requests, 1);
    assert_eq!(team.awaiting_me, 0);
    let nobody = insight::my_team(&env.ctx, &w.nora).await.unwrap();
    assert_eq!((nobody.total, nobody.members.len()), (0, 0));

    // Fiona leaves: the Finance policy has nobody left to decide.
    let mut form = user_form("fiona@woodgrove.example", "fiona", "");
    form.enabled = false;
    dir::update_user(&env.ctx, &w.admin, w.fiona.user_id, &form)
        .await
        .unwrap();
    let d = insight::admin_dashboard(&env.ctx, &w.admin).await.unwrap();
    let risk = &d.policies_at_risk[0];
    assert_eq!(
        (risk.package_id, risk.stage_no, risk.lost.clone(), risk.left),
        (finance, 1, vec!["fiona".to_string()], 0)
    );

    // The jobs keep the day's figures once, however often they run.
    run_at(&env, env.clock.now()).await;
    let kept = count_rows(&env, "SELECT COUNT(*) FROM usage_snapshots").await;
    assert!(kept >= 3, "{kept}"); // a license and two packages
    run_at(&env, env.clock.now() + Duration::minutes(5)).await;
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM usage_snapshots").await,
        kept
    );
    let d = insight::admin_dashboard(&env.ctx, &w.admin).await.unwrap();
    let history = &d.seat_history[0];
    assert_eq!(
        (history.license.name.as_str(), history.used, history.seats),
        ("Office 365 E3", 1, 1)
    );
    assert_eq!(
        history.days,
        vec![DayValue {
            day: env.today(),
            value: 1
        }]
    );

    // The package's Overview: one assignment today, one delivered request, Maria's speed.
    let p = insight::package_insight(&env.ctx, &w.admin, office)
        .await
        .unwrap();
    assert_eq!(p.assignments.last().map(|d| d.value), Some(1));
    assert!(p.requests_by_state.contains(&(RequestState::Delivered, 1)));
    assert_eq!(p.requests_by_week.last().unwrap().delivered, 1);
    assert_eq!(p.approvers.len(), 1);
    assert_eq!(
        (
            p.approvers[0].name.as_str(),
            p.approvers[0].approved,
            p.approvers[0].median_hours
        ),
        ("maria", 1, Some(3.0))
    );

    // Only directory administrators see the organisation; a package's figures follow it.
    for who in [&w.eric, &w.maria] {
        assert!(matches!(
            insight::admin_dashboard(&env.ctx, who).await,
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            insight::package_insight(&env.ctx, who, office).await,
            Err(DomainError::Forbidden(_))
        ));
    }
}

async fn the_lived_in_demo_holds_months_of_every_state_once(env: TestEnv) {
    set_case_timeout(std::time::Duration::from_secs(600));
    demo::seed(&env.ctx).await.unwrap();
    let made = demo::seed_lived_in(&env.ctx).await.unwrap().unwrap();
    assert_eq!(made.people, lived_in::PEOPLE);
    assert!(made.requests > 200, "{made:?}");
    // Seeding again changes nothing.
    let requests = count_rows(&env, "SELECT COUNT(*) FROM access_package_requests").await;
    assert!(demo::seed_lived_in(&env.ctx).await.unwrap().is_none());
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM access_package_requests").await,
        requests
    );

    for state in [
        "delivered",
        "denied",
        "canceled",
        "expired",
        "pendingApproval",
    ] {
        let n = count_rows(
            &env,
            &format!("SELECT COUNT(*) FROM access_package_requests WHERE state = '{state}'"),
        )
        .await;
        assert!(n > 0, "no request is {state}");
    }
    for state in ["active", "completed"] {
        let n = count_rows(
            &env,
            &format!("SELECT COUNT(*) FROM access_reviews WHERE state = '{state}'"),
        )
        .await;
        assert_eq!(n, 1, "reviews {state}");
    }
    assert!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM access_package_assignments WHERE state = 'expired'"
        )
        .await
            > 0
    );

    // The tutorial starts as it always did: no Office Licenses package, nothing held or
    // waiting for its people.
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM access_packages WHERE name = 'Office Licenses'"
        )
        .await,
        0
    );
    for email in [
        "eric.employee@woodgrove.example",
        "maria.manager@woodgrove.example",
        "emma.employee@woodgrove.example",
    ] {
        let sql = format!(
            "SELECT COUNT(*) FROM access_package_requests r JOIN users u ON u.id = r.requestor_id
             WHERE u.email = '{email}'"
        );
        assert_eq!(count_rows(&env, &sql).await, 0, "{email}");
        let sql = format!(
            "SELECT COUNT(*) FROM request_approvers a JOIN users u ON u.id = a.user_id
             WHERE u.email = '{email}'"
        );
        assert_eq!(count_rows(&env, &sql).await, 0, "{email}");
    }

    // The dashboard has something to show on every panel.
    let admin = actor(&env, id_of(&env, "alex.admin@woodgrove.example").await).await;
    let d = insight::admin_dashboard(&env.ctx, &admin).await.unwrap();
    assert!(d.waiting_total > 0);
    assert!(!d.waiting[0].approvers.is_empty());
    assert_eq!(d.reviews_due.len(), 1);
    assert!(d.reviews_due[0].decided < d.reviews_due[0].items);
    assert!(!d.seats.is_empty());
    assert!(
        d.policies_at_risk
            .iter()
            .any(|p| p.package_name == "Finance reporting" && p.left == 1),
        "{:?}",
        d.policies_at_risk
    );
    let weeks_with_requests = d.requests_by_week.iter().filter(|w| w.total() > 0).count();
    assert!(weeks_with_requests >= 10, "{:?}", d.requests_by_week);
    assert!(d.decision_times.iter().any(|w| w.median_hours.is_some()));
    assert!(d.seat_history.iter().any(|h| h.days.len() > 60));
    assert_eq!(d.review_completion.len(), 2);
    assert_invariants(&env).await;
}

on_both_databases!(
    dashboards_show_what_waits_the_weeks_figures_and_the_team,
    the_lived_in_demo_holds_months_of_every_state_once
);
