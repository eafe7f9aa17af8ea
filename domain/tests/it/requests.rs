//! The request flow against real databases: submit, decide, deliver, cancel.

use domain::DomainError;
use domain::clock::Clock;
use domain::model::*;
use domain::on_both_databases;
use domain::rules::grants::GrantSource;
use domain::service::directory::{self as dir, GroupInput};
use domain::service::packages as pkg;
use domain::service::requests::{
    self as req, AssignForm, MyAccessTab, RequestForm, RequestOutcome,
};
use domain::store::groups;
use domain::testing::*;

async fn the_manager_approves_and_access_is_delivered(env: TestEnv) {
    let w = world(&env).await;
    let id = package(&env, &w, "Office Licenses", |p| {
        p.stages[0].fallback = vec![principal(&w.fiona)]
    })
    .await;
    let e = req::submit_request(&env.ctx, &w.eric, id, &ask(""))
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Invalid(ref f) if f[0].field == "justification"));
    let available = req::my_access(&env.ctx, &w.eric, MyAccessTab::Available, "office")
        .await
        .unwrap();
    assert_eq!(available.len(), 1);
    assert_eq!(
        (available[0].status.label(), available[0].grants.clone()),
        ("Available", vec!["Member of Office Licenses".to_owned()])
    );
    assert!(
        req::my_access(&env.ctx, &w.eric, MyAccessTab::Available, "nothing like it")
            .await
            .unwrap()
            .is_empty()
    );
    let (request, outcome) = req::submit_request(&env.ctx, &w.eric, id, &ask("I write reports"))
        .await
        .unwrap();
    assert_eq!(outcome, RequestOutcome::Pending { stage: 1, of: 1 });
    // One open request per person and package.
    let e = req::submit_request(&env.ctx, &w.eric, id, &ask("again"))
        .await
        .unwrap_err();
    assert!(conflict(e).contains("pending request"));
    // Only the manager decides (not the fallback while a manager exists, never the requestor).
    assert!(matches!(
        req::decide(&env.ctx, &w.fiona, request, true, "ok").await,
        Err(DomainError::Forbidden(_))
    ));
    assert!(matches!(
        req::decide(&env.ctx, &w.eric, request, true, "ok").await,
        Err(DomainError::Forbidden(_))
    ));
    let (pending, history) = req::my_approvals(&env.ctx, &w.maria).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert!(history.is_empty());
    let item = &pending[0];
    assert_eq!(
        (item.requestor.email.as_str(), item.justification.as_str()),
        ("eric@woodgrove.example", "I write reports")
    );
    assert_eq!(
        (item.stage_no, item.stage_count, item.manager.as_deref()),
        (1, 1, Some("maria"))
    );
    assert!(
        req::my_approvals(&env.ctx, &w.fiona)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    let portal = pkg::portal_package(&env.ctx, &w.eric, id).await.unwrap();
    assert_eq!(portal.pending_request, Some(request));
    assert!(portal.reason.unwrap().contains("pending"));
    let e = req::decide(&env.ctx, &w.maria, request, true, " ")
        .await
        .unwrap_err();
    assert!(
        matches!(e, DomainError::Invalid(_)),
        "approver justification required"
    );
    let outcome = req::decide(&env.ctx, &w.maria, request, true, "Needed for the job")
        .await
        .unwrap();
    let RequestOutcome::Delivered(assignment) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        grants(&env, w.office, w.eric.user_id).await,
        vec![GrantSource::Assignment(assignment.0)]
    );
    let detail = pkg::detail(&env.ctx, &w.admin, id).await.unwrap();
    assert_eq!(
        (detail.summary.assignments, detail.pending_requests),
        (1, 0)
    );
    // A second decision changes nothing and says who was first.
    let e = req::decide(&env.ctx, &w.maria, request, false, "late")
        .await
        .unwrap_err();
    assert!(conflict(e).starts_with("This request was already approved by maria at "));
    // Already assigned: a new request is refused.
    let e = req::submit_request(&env.ctx, &w.eric, id, &ask("more"))
        .await
        .unwrap_err();
    assert!(conflict(e).contains("already have Office Licenses"));
    let (pending, history) = req::my_approvals(&env.ctx, &w.maria).await.unwrap();
    assert!(pending.is_empty());
    assert_eq!(
        history[0].decision.as_ref().map(|d| d.0.code()),
        Some("approved")
    );
    assert!(
        pkg::portal_package(&env.ctx, &w.eric, id)
            .await
            .unwrap()
            .assigned
    );
    let active = req::my_access(&env.ctx, &w.eric, MyAccessTab::Active, "")
        .await
        .unwrap();
    assert_eq!(active.len(), 1);
    let ends = active[0].ends_at.unwrap();
    assert_eq!((ends - env.clock.now()).num_days(), 365);
    let listed = req::my_access(&env.ctx, &w.eric, MyAccessTab::Available, "")
        .await
        .unwrap();
    assert_eq!(listed[0].status, CardStatus::Active);
    assert!(
        req::my_access(&env.ctx, &w.eric, MyAccessTab::Expired, "")
            .await
            .unwrap()
            .is_empty()
    );
    let mine = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(
        (mine.len(), mine[0].state.code(), mine[0].timeline.len()),
        (1, "delivered", 4)
    );
    let (state, timeline) = req::timeline(&env.ctx, &w.eric, request).await.unwrap();
    assert_eq!(state.code(), "delivered");
    let kinds: Vec<&str> = timeline.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(kinds, vec!["submitted", "pending", "approved", "delivered"]);
    assert_invariants(&env).await;
}

async fn without_manager_the_fallback_decides_and_without_anyone_it_is_denied_at_once(
    env: TestEnv,
) {
    let w = world(&env).await;
    let with_fallback = package(&env, &w, "With fallback", |p| {
        p.stages[0].fallback = vec![principal(&w.fiona)]
    })
    .await;
    let (request, _) = req::submit_request(&env.ctx, &w.nora, with_fallback, &ask("new hire"))
        .await
        .unwrap();
    assert!(matches!(
        req::decide(&env.ctx, &w.fiona, request, false, "Not yet")
            .await
            .unwrap(),
        RequestOutcome::Denied(_)
    ));
    assert!(grants(&env, w.office, w.nora.user_id).await.is_empty());
    // Denied requests free the slot: Nora may ask again.
    req::submit_request(&env.ctx, &w.nora, with_fallback, &ask("second try"))
        .await
        .unwrap();

    let bare = package(&env, &w, "Bare", |_| {}).await;
    let (_, outcome) = req::submit_request(&env.ctx, &w.nora, bare, &ask("please"))
        .await
        .unwrap();
    let RequestOutcome::Denied(reason) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(reason.contains("nobody can decide"), "{reason}");
    assert_invariants(&env).await;
}

async fn two_stages_then_delivery_and_no_approval_delivers_at_once(env: TestEnv) {
    let w = world(&env).await;
    let two = package(&env, &w, "Two stages", |p| {
        p.set_stage_count(2);
        p.stages[1].approvers = vec![principal(&w.fiona)];
        p.stages[1].require_justification = false;
    })
    .await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, two, &ask("two"))
        .await
        .unwrap();
    assert_eq!(
        req::decide(&env.ctx, &w.maria, request, true, "fine")
            .await
            .unwrap(),
        RequestOutcome::Pending { stage: 2, of: 2 }
    );
    assert!(matches!(
        req::decide(&env.ctx, &w.maria, request, true, "again").await,
        Err(DomainError::Forbidden(_))
    ));
    assert!(matches!(
        req::decide(&env.ctx, &w.fiona, request, true, "")
            .await
            .unwrap(),
        RequestOutcome::Delivered(_)
    ));

    let open = package(&env, &w, "Self-service", |p| {
        p.require_approval = false;
        p.require_requestor_justification = false;
    })
    .await;
    let (_, outcome) = req::submit_request(&env.ctx, &w.nora, open, &RequestForm::default())
        .await
        .unwrap();
    assert!(matches!(outcome, RequestOutcome::Delivered(_)));
    assert_invariants(&env).await;
}

async fn concurrent_decisions_produce_one_outcome(env: TestEnv) {
    let w = world(&env).await;
    let id = package(&env, &w, "Office Licenses", |p| {
        p.stages[0].manager_as_approver = false;
        p.stages[0].approvers = vec![principal(&w.maria), principal(&w.fiona)];
    })
    .await;
    for round in 0..5 {
        let requestor = if round % 2 == 0 { &w.eric } else { &w.nora };
        let (request, _) =
            req::submit_request(&env.ctx, requestor, id, &ask(&format!("round {round}")))
                .await
                .unwrap();
        let (a, b) = tokio::join!(
            req::decide(&env.ctx, &w.maria, request, true, "yes"),
            req::decide(&env.ctx, &w.fiona, request, false, "no"),
        );
        assert!(
            a.is_ok() != b.is_ok(),
            "exactly one decision wins: {a:?} {b:?}"
        );
        let loser = match (a, b) {
            (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
            other => panic!("exactly one decision wins: {other:?}"),
        };
        assert!(conflict(loser).starts_with("This request was already"));
        // Undo a delivery so the next round can request again.
        sqlx::query("UPDATE access_package_assignments SET state = 'expired', active_key = NULL")
            .execute(env.ctx.db.pool())
            .await
            .unwrap();
    }
}

async fn requestors_cancel_and_separation_of_duties_refuses(env: TestEnv) {
    let w = world(&env).await;
    let id = package(&env, &w, "Office Licenses", |_| {}).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("x"))
        .await
        .unwrap();
    assert!(matches!(
        req::cancel_request(&env.ctx, &w.maria, request).await,
        Err(DomainError::Forbidden(_))
    ));
    req::cancel_request(&env.ctx, &w.eric, request)
        .await
        .unwrap();
    let e = req::decide(&env.ctx, &w.maria, request, true, "late")
        .await
        .unwrap_err();
    assert!(conflict(e).contains("no longer waiting"));
    assert!(
        conflict(
            req::cancel_request(&env.ctx, &w.eric, request)
                .await
                .unwrap_err()
        )
        .contains("Only a request waiting")
    );

    let finance = dir::create_group(
        &env.ctx,
        &w.admin,
        &GroupInput {
            name: "Finance",
            description: "",
            kind: "security",
        },
    )
    .await
    .unwrap();
    pkg::add_incompatible(&env.ctx, &w.admin, id, pkg::Incompatible::Group(finance))
        .await
        .unwrap();
    dir::add_member(&env.ctx, &w.admin, finance, "eric@woodgrove.example")
        .await
        .unwrap();
    let e = req::submit_request(&env.ctx, &w.eric, id, &ask("y"))
        .await
        .unwrap_err();
    assert!(conflict(e).contains("because you have Finance"));

    // Guests are outside "All members".
    let guest = dir::create_user(
        &env.ctx,
        &w.admin,
        &UserForm {
            email: "gus@partner.example".into(),
            display_name: "Gus".into(),
            user_type: "guest".into(),
            enabled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let guest = domain::service::auth::resolve_actor(&env.ctx, guest)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        req::submit_request(&env.ctx, &guest, id, &ask("z")).await,
        Err(DomainError::Forbidden(_))
    ));
    assert!(
        req::my_access(&env.ctx, &guest, MyAccessTab::Available, "")
            .await
            .unwrap()
            .is_empty()
    );
    // Hidden packages are not listed (their link still works).
    let nora_sees = req::my_access(&env.ctx, &w.nora, MyAccessTab::Available, "")
        .await
        .unwrap();
    assert_eq!(nora_sees.len(), 1);
    pkg::update_basics(
        &env.ctx,
        &w.admin,
        id,
        "Office Licenses",
        "Hidden now",
        true,
        None,
    )
    .await
    .unwrap();
    assert!(
        req::my_access(&env.ctx, &w.nora, MyAccessTab::Available, "")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        pkg::portal_package(&env.ctx, &w.nora, id)
            .await
            .unwrap()
            .reason
            .is_none()
    );
    assert_invariants(&env).await;
}

async fn admins_list_and_remove_assignments_keeping_other_grants(env: TestEnv) {
    let w = world(&env).await;
    let id = package(&env, &w, "Self-service", |p| {
        p.require_approval = false;
        p.require_requestor_justification = false;
    })
    .await;
    dir::add_member(&env.ctx, &w.admin, w.office, "nora@woodgrove.example")
        .await
        .unwrap();
    req::submit_request(&env.ctx, &w.eric, id, &RequestForm::default())
        .await
        .unwrap();
    req::submit_request(&env.ctx, &w.nora, id, &RequestForm::default())
        .await
        .unwrap();
    let page = req::package_assignments(&env.ctx, &w.admin, id, true, "", PageRequest::first())
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(
        page.items
            .iter()
            .map(|a| a.user.display_name.as_str())
            .collect::<Vec<_>>(),
        vec!["eric", "nora"]
    );
    assert_eq!(
        req::package_assignments(&env.ctx, &w.admin, id, true, "NORA", PageRequest::first())
            .await
            .unwrap()
            .total,
        1
    );
    assert!(matches!(
        req::package_assignments(&env.ctx, &w.eric, id, true, "", PageRequest::first()).await,
        Err(DomainError::Forbidden(_))
    ));

    let nora = page.items[1].id;
    assert!(matches!(
        req::remove_assignment(&env.ctx, &w.eric, nora).await,
        Err(DomainError::Forbidden(_))
    ));
    assert_eq!(
        req::remove_assignment(&env.ctx, &w.admin, nora)
            .await
            .unwrap(),
        1
    );
    // Nora keeps the direct membership she had before.
    assert_eq!(
        grants(&env, w.office, w.nora.user_id).await,
        vec![GrantSource::Direct]
    );
    assert!(
        conflict(
            req::remove_assignment(&env.ctx, &w.admin, nora)
                .await
                .unwrap_err()
        )
        .contains("already ended")
    );
    let ended = req::package_assignments(&env.ctx, &w.admin, id, false, "", PageRequest::first())
        .await
        .unwrap();
    assert_eq!((ended.total, ended.items[0].state.code()), (1, "removed"));
    assert_eq!(
        req::my_access(&env.ctx, &w.nora, MyAccessTab::Expired, "")
            .await
            .unwrap()
            .len(),
        1
    );
    // With no live assignment left but Eric's, deleting is still refused; Eric's removal frees it.
    let eric = req::package_assignments(&env.ctx, &w.admin, id, true, "", PageRequest::first())
        .await
        .unwrap()
        .items[0]
        .id;
    req::remove_assignment(&env.ctx, &w.admin, eric)
        .await
        .unwrap();
    assert!(grants(&env, w.office, w.eric.user_id).await.is_empty());
    pkg::delete(&env.ctx, &w.admin, id).await.unwrap();
}

async fn twenty_concurrent_decisions_give_one_outcome(env: TestEnv) {
    let w = world(&env).await;
    let id = package(&env, &w, "Office Licenses", |p| {
        p.stages[0].manager_as_approver = false;
        p.stages[0].approvers = vec![principal(&w.maria), principal(&w.fiona)];
    })
    .await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("licenses"))
        .await
        .unwrap();
    let mut all = tokio::task::JoinSet::new();
    for i in 0..20 {
        let ctx = env.ctx.clone();
        let approver = if i % 2 == 0 {
            w.maria.clone()
        } else {
            w.fiona.clone()
        };
        all.spawn(async move { req::decide(&ctx, &approver, request, true, "yes").await });
    }
    let results = all.join_all().await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "exactly one decision wins: {results:?}");
    for r in results.into_iter().filter(|r| r.is_err()) {
        assert!(conflict(r.unwrap_err()).starts_with("This request was already approved by"));
    }
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM access_package_assignments").await,
        1
    );
    assert_eq!(grants(&env, w.office, w.eric.user_id).await.len(), 1);
    let (state, timeline) = req::timeline(&env.ctx, &w.eric, request).await.unwrap();
    assert_eq!(state.code(), "delivered");
    assert_eq!(timeline.iter().filter(|t| t.1 == "approved").count(), 1);
    assert_invariants(&env).await;
}

async fn twenty_concurrent_submissions_leave_one_open_request(env: TestEnv) {
    let w = world(&env).await;
    let id = package(&env, &w, "Office Licenses", |_| {}).await;
    let mut all = tokio::task::JoinSet::new();
    for i in 0..20 {
        let ctx = env.ctx.clone();
        let eric = w.eric.clone();
        all.spawn(async move {
            req::submit_request(&ctx, &eric, id, &ask(&format!("attempt {i}"))).await
        });
    }
    let results = all.join_all().await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for r in results.into_iter().filter(|r| r.is_err()) {
        assert_eq!(
            conflict(r.unwrap_err()),
            "You already have a pending request for Office Licenses."
        );
    }
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM access_package_requests").await,
        1
    );
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM notifications WHERE kind = 'approvalRequired'"
        )
        .await,
        1,
        "Maria is asked once"
    );
}

async fn denied_requests_are_resubmitted_prefilled_and_each_side_is_notified(env: TestEnv) {
    let w = world(&env).await;
    let id = package(&env, &w, "Office Licenses", |_| {}).await;
    let (first, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("I need Word"))
        .await
        .unwrap();
    let inbox = domain::service::notifications::my_notifications(&env.ctx, &w.maria)
        .await
        .unwrap();
    assert_eq!(inbox.unread, 1);
    assert_eq!(inbox.items[0].kind.code(), "approvalRequired");
    assert_eq!(inbox.items[0].title, "Approval required: Office Licenses");
    assert!(
        inbox.items[0]
            .body
            .starts_with("eric requests Office Licenses. Approve or deny by ")
    );
    assert_eq!(inbox.items[0].link, Link::Approvals);

    req::decide(&env.ctx, &w.maria, first, false, "Not this quarter")
        .await
        .unwrap();
    let eric_inbox = domain::service::notifications::my_notifications(&env.ctx, &w.eric)
        .await
        .unwrap();
    assert_eq!(eric_inbox.unread, 1);
    assert_eq!(
        eric_inbox.items[0].body,
        "maria denied your request for Office Licenses: Not this quarter"
    );
    let history = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(history[0].state.code(), "denied");
    assert_eq!(history[0].outcome, "Denied by maria: Not this quarter");

    // Resubmit starts from the earlier answers; only the requestor may read them.
    assert!(matches!(
        req::resubmission(&env.ctx, &w.maria, first).await,
        Err(DomainError::Forbidden(_))
    ));
    let again = req::resubmission(&env.ctx, &w.eric, first).await.unwrap();
    assert_eq!(again.package_id, id);
    assert_eq!(again.justification, "I need Word");
    let form = RequestForm {
        policy: again.policy_id,
        justification: format!("{} and Excel", again.justification),
        answers: again.answers,
        ..Default::default()
    };
    let (second, _) = req::submit_request(&env.ctx, &w.eric, id, &form)
        .await
        .unwrap();
    assert_ne!(first, second);
    req::decide(&env.ctx, &w.maria, second, true, "OK now")
        .await
        .unwrap();
    let eric_inbox = domain::service::notifications::my_notifications(&env.ctx, &w.eric)
        .await
        .unwrap();
    let kinds: Vec<&str> = eric_inbox.items.iter().map(|n| n.kind.code()).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(
        kinds.contains(&"approved") && kinds.contains(&"delivered") && kinds.contains(&"denied")
    );
    assert_eq!(eric_inbox.unread, 3);
    assert_eq!(
        domain::service::notifications::mark_notifications_read(&env.ctx, &w.eric)
            .await
            .unwrap(),
        3
    );
    let read = domain::service::notifications::my_notifications(&env.ctx, &w.eric)
        .await
        .unwrap();
    assert_eq!(read.unread, 0);
    assert!(read.items.iter().all(|n| n.read));
    assert_eq!(
        domain::service::notifications::my_notifications(&env.ctx, &w.maria)
            .await
            .unwrap()
            .unread,
        2
    );
    assert_invariants(&env).await;
}

async fn a_requested_period_is_checked_then_starts_once_on_its_day(env: TestEnv) {
    let w = world(&env).await;
    let fixed = package(&env, &w, "Fixed term", |p| {
        p.require_approval = false;
        p.require_requestor_justification = false;
    })
    .await;
    let id = package(&env, &w, "Office Licenses", |p| {
        p.require_approval = false;
        p.require_requestor_justification = false;
        p.custom_timeline = true;
        p.expiry_days = "30".into();
    })
    .await;
    let today = env.clock.now().date_naive();
    let day = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let form = |start: String, end: String| RequestForm {
        specific_period: true,
        start,
        end,
        ..Default::default()
    };
    let e = req::submit_request(&env.ctx, &w.eric, fixed, &form(day(1), day(5)))
        .await
        .unwrap_err();
    assert_eq!(field_messages(e)[0].0, "specific_period");
    let e = req::submit_request(
        &env.ctx,
        &w.eric,
        id,
        &form("31/12/2026".into(), String::new()),
    )
    .await
    .unwrap_err();
    let fields = field_messages(e);
    assert_eq!(
        fields[0],
        (
            "start".into(),
            "The start date must look like 2026-12-31.".into()
        )
    );
    assert_eq!(fields[1], ("end".into(), "Enter the end date.".into()));
    let e = req::submit_request(&env.ctx, &w.eric, id, &form(day(2), day(40)))
        .await
        .unwrap_err();
    let fields = field_messages(e);
    assert_eq!(fields[0].0, "end");
    assert!(
        fields[0]
            .1
            .starts_with("The policy grants access for at most until"),
        "{fields:?}"
    );
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM access_package_requests").await,
        0
    );

    let (request, outcome) = req::submit_request(&env.ctx, &w.eric, id, &form(day(2), day(20)))
        .await
        .unwrap();
    assert!(matches!(outcome, RequestOutcome::Delivered(_)));
    assert!(
        grants(&env, w.office, w.eric.user_id).await.is_empty(),
        "not before the start"
    );
    let history = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    let (start, end) = history[0].period.unwrap();
    assert_eq!(
        (start.date_naive().to_string(), end.date_naive().to_string()),
        (day(2), day(20))
    );
    let (_, timeline) = req::timeline(&env.ctx, &w.eric, request).await.unwrap();
    assert!(
        timeline
            .last()
            .unwrap()
            .2
            .starts_with("Access scheduled from")
    );
    assert_eq!(start_scheduled(&env).await, 0);

    env.clock.advance(chrono::Duration::days(2));
    let (a, b) = tokio::join!(start_scheduled(&env), start_scheduled(&env));
    assert_eq!(a + b, 1, "started once");
    assert_eq!(start_scheduled(&env).await, 0);
    assert_eq!(grants(&env, w.office, w.eric.user_id).await.len(), 1);
    let page = req::package_assignments(&env.ctx, &w.admin, id, true, "", PageRequest::first())
        .await
        .unwrap();
    assert_eq!(page.items[0].state.code(), "delivered");
    assert_eq!(
        page.items[0].ends_at.unwrap().date_naive().to_string(),
        day(20)
    );
}

async fn admins_assign_directly_within_scope_and_separation_of_duties(env: TestEnv) {
    let w = world(&env).await;
    let id = package(&env, &w, "Office Licenses", |p| {
        p.scope = TargetScope::SpecificDirectoryUsers;
        p.specific = vec![principal(&w.eric), principal(&w.nora)];
        p.stages[0].fallback = vec![principal(&w.fiona)];
    })
    .await;
    let policy = first_policy(&env, &w.admin, id).await;
    let form = |users: Vec<UserId>| AssignForm {
        users,
        policy: Some(policy),
        justification: "Project Contoso".into(),
        ..Default::default()
    };
    // Nora asked already: the direct assignment answers her request.
    let (noras, _) = req::submit_request(&env.ctx, &w.nora, id, &ask("please"))
        .await
        .unwrap();
    assert!(matches!(
        req::assign_directly(&env.ctx, &w.maria, id, &form(vec![w.eric.user_id])).await,
        Err(DomainError::Forbidden(_))
    ));
    let e = req::assign_directly(
        &env.ctx,
        &w.admin,
        id,
        &form(vec![w.eric.user_id, w.fiona.user_id]),
    )
    .await
    .unwrap_err();
    assert_eq!(
        field_messages(e),
        vec![(
            "users.1".to_owned(),
            "fiona isn't one of the users who can request under Initial policy.".to_owned()
        )]
    );
    assert!(
        grants(&env, w.office, w.eric.user_id).await.is_empty(),
        "all or nothing"
    );
    let e = req::assign_directly(&env.ctx, &w.admin, id, &AssignForm::default())
        .await
        .unwrap_err();
    let fields: Vec<String> = field_messages(e).into_iter().map(|f| f.0).collect();
    assert_eq!(fields, vec!["policy", "users"]);

    let done = req::assign_directly(
        &env.ctx,
        &w.admin,
        id,
        &form(vec![w.eric.user_id, w.nora.user_id]),
    )
    .await
    .unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(grants(&env, w.office, w.nora.user_id).await.len(), 1);
    let (state, timeline) = req::timeline(&env.ctx, &w.nora, noras).await.unwrap();
    assert_eq!(state.code(), "canceled");
    assert_eq!(
        timeline.last().unwrap().2,
        "Canceled: assigned directly by Root Admin"
    );
    let e = req::assign_directly(&env.ctx, &w.admin, id, &form(vec![w.eric.user_id]))
        .await
        .unwrap_err();
    assert_eq!(field_messages(e)[0].1, "eric already has Office Licenses.");
    let eric_inbox = domain::service::notifications::my_notifications(&env.ctx, &w.eric)
        .await
        .unwrap();
    assert_eq!(
        eric_inbox.items[0].title,
        "You now have access: Office Licenses"
    );

    // Separation of duties: a package incompatible with Office Licenses can't be assigned to
    // its holders; a policy for direct assignments only takes anyone else.
    let other = package(&env, &w, "Contractor tools", |p| {
        p.scope = TargetScope::NotSpecified;
    })
    .await;
    pkg::add_incompatible(&env.ctx, &w.admin, other, pkg::Incompatible::Package(id))
        .await
        .unwrap();
    let other_policy = first_policy(&env, &w.admin, other).await;
    let e = req::assign_directly(
        &env.ctx,
        &w.admin,
        other,
        &AssignForm {
            users: vec![w.fiona.user_id, w.eric.user_id],
            policy: Some(other_policy),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        field_messages(e),
        vec![(
            "users.1".to_owned(),
            "eric has Office Licenses, which is incompatible with Contractor tools.".to_owned()
        )]
    );

    // The package's Requests view: filters and admin cancel with the requestor told.
    assert!(
        matches!(
            req::submit_request(&env.ctx, &w.fiona, other, &ask("x")).await,
            Err(DomainError::Forbidden(_))
        ),
        "a policy for direct assignments only can't be requested"
    );
    let all = req::package_requests(&env.ctx, &w.admin, id, "", "", PageRequest::first())
        .await
        .unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(all.items.iter().filter(|r| r.direct).count(), 2);
    let canceled = req::package_requests(
        &env.ctx,
        &w.admin,
        id,
        "canceled",
        "nora",
        PageRequest::first(),
    )
    .await
    .unwrap();
    assert_eq!(canceled.items.len(), 1);
    assert_eq!(canceled.items[0].requestor.display_name, "nora");
    assert!(matches!(
        req::package_requests(&env.ctx, &w.admin, id, "weird", "", PageRequest::first()).await,
        Err(DomainError::Invalid(_))
    ));
    assert!(matches!(
        req::package_requests(&env.ctx, &w.eric, id, "", "", PageRequest::first()).await,
        Err(DomainError::Forbidden(_))
    ));
    req::remove_assignment(&env.ctx, &w.admin, done[0])
        .await
        .unwrap();
    let (pending, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("back again"))
        .await
        .unwrap();
    assert!(matches!(
        req::cancel_request(&env.ctx, &w.maria, pending).await,
        Err(DomainError::Forbidden(_))
    ));
    req::cancel_request(&env.ctx, &w.admin, pending)
        .await
        .unwrap();
    let (_, timeline) = req::timeline(&env.ctx, &w.eric, pending).await.unwrap();
    assert_eq!(
        timeline.last().unwrap().2,
        "Canceled by Root Admin (administrator)"
    );
    assert_eq!(
        domain::service::notifications::my_notifications(&env.ctx, &w.eric)
            .await
            .unwrap()
            .items[0]
            .title,
        "Request canceled: Office Licenses"
    );
    let e = req::cancel_request(&env.ctx, &w.admin, pending)
        .await
        .unwrap_err();
    assert_eq!(
        conflict(e),
        "Only a request waiting for approval can be canceled; this one is canceled."
    );
    assert_invariants(&env).await;
}

async fn owners(env: &TestEnv, group: GroupId) -> Vec<String> {
    groups::owners(&mut env.ctx.read().await.unwrap(), group)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.display_name)
        .collect()
}

async fn the_owner_role_is_granted_and_withdrawn_with_the_assignment(env: TestEnv) {
    let w = world(&env).await;
    let team = env.group(&w.admin, "Reporting team").await;
    dir::add_owner(&env.ctx, &w.admin, team, "maria@woodgrove.example")
        .await
        .unwrap();
    let id = package(&env, &w, "Team owners", |p| {
        p.require_approval = false;
        p.require_requestor_justification = false;
    })
    .await;
    pkg::add_resource_role(&env.ctx, &w.admin, id, team, ResourceRole::Owner)
        .await
        .unwrap();
    let (_, outcome) = req::submit_request(&env.ctx, &w.eric, id, &RequestForm::default())
        .await
        .unwrap();
    let RequestOutcome::Delivered(assignment) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(owners(&env, team).await, vec!["eric", "maria"]);
    assert_eq!(grants(&env, w.office, w.eric.user_id).await.len(), 1);

    // Removing the Owner role withdraws it from the assignee; adding it back grants it again.
    assert_eq!(
        pkg::remove_resource_role(&env.ctx, &w.admin, id, team, ResourceRole::Owner)
            .await
            .unwrap(),
        1
    );
    assert_eq!(owners(&env, team).await, vec!["maria"]);
    assert_eq!(
        pkg::add_resource_role(&env.ctx, &w.admin, id, team, ResourceRole::Owner)
            .await
            .unwrap(),
        1
    );
    assert_eq!(owners(&env, team).await, vec!["eric", "maria"]);

    // Ending the assignment withdraws both grants; Maria, an owner set directly, stays.
    assert_eq!(
        req::remove_assignment(&env.ctx, &w.admin, assignment)
            .await
            .unwrap(),
        2
    );
    assert_eq!(owners(&env, team).await, vec!["maria"]);
    assert!(grants(&env, w.office, w.eric.user_id).await.is_empty());
    assert_invariants(&env).await;
}

async fn a_license_beyond_its_seats_is_named_on_the_active_card(env: TestEnv) {
    let w = world(&env).await;
    let e3 = dir::create_license(&env.ctx, &w.admin, "Office 365 E3", "1")
        .await
        .unwrap();
    dir::assign_license(&env.ctx, &w.admin, w.office, e3)
        .await
        .unwrap();
    dir::add_member(&env.ctx, &w.admin, w.office, "maria@woodgrove.example")
        .await
        .unwrap();
    let id = package(&env, &w, "Office Licenses", |p| {
        p.require_approval = false;
        p.require_requestor_justification = false;
    })
    .await;
    let portal = pkg::portal_package(&env.ctx, &w.eric, id).await.unwrap();
    assert_eq!(
        portal.resources[0].licenses[0].available, 0,
        "warned beforehand"
    );
    req::submit_request(&env.ctx, &w.eric, id, &RequestForm::default())
        .await
        .unwrap();
    assert_eq!(
        grants(&env, w.office, w.eric.user_id).await.len(),
        1,
        "the membership is granted"
    );
    let cards = req::my_access(&env.ctx, &w.eric, MyAccessTab::Active, "")
        .await
        .unwrap();
    assert_eq!(
        cards[0].warnings,
        vec![
            "Office 365 E3: no seat is free yet (CountViolation). You are in the group; ask your administrator to free or add a seat."
        ]
    );
    let maria = req::my_access(&env.ctx, &w.maria, MyAccessTab::Active, "")
        .await
        .unwrap();
    assert!(maria.is_empty());
}

/// The Available tab reads its candidates in rounds: packages past the first round are found
/// when the first round's are out of the person's scope, and a page holds at most
/// `CARDS_LIMIT` cards, in name order.
async fn available_cards_fill_from_later_rounds_of_candidates(env: TestEnv) {
    let w = world(&env).await;
    let round = req::CARDS_LIMIT + req::CARDS_LIMIT / 2;
    for i in 0..round {
        package(&env, &w, &format!("Aa {i:03}"), |p| {
            p.scope = TargetScope::SpecificDirectoryUsers;
            p.specific = vec![principal(&w.nora)];
        })
        .await;
    }
    for i in 0..5 {
        package(&env, &w, &format!("Zz {i}"), |_| {}).await;
    }
    let eric_sees = req::my_access(&env.ctx, &w.eric, MyAccessTab::Available, "")
        .await
        .unwrap();
    let names: Vec<&str> = eric_sees.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Zz 0", "Zz 1", "Zz 2", "Zz 3", "Zz 4"]);
    let nora_sees = req::my_access(&env.ctx, &w.nora, MyAccessTab::Available, "")
        .await
        .unwrap();
    assert_eq!(nora_sees.len() as i64, req::CARDS_LIMIT);
    assert_eq!(nora_sees[0].name, "Aa 000");
    assert_eq!(nora_sees[99].name, "Aa 099");
}

async fn a_decision_for_a_stage_that_moved_on_is_refused(env: TestEnv) {
    let w = world(&env).await;
    // Stage 1: Maria or Fiona; stage 2: Maria again.
    let two = package(&env, &w, "Two stages", |p| {
        p.set_stage_count(2);
        p.stages[0].manager_as_approver = false;
        p.stages[0].approvers = vec![principal(&w.maria), principal(&w.fiona)];
        p.stages[1].approvers = vec![principal(&w.maria)];
        p.stages[1].require_justification = false;
    })
    .await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, two, &ask("two"))
        .await
        .unwrap();
    // Maria opens stage 1; Fiona approves it first.
    req::decide_stage(&env.ctx, &w.fiona, request, Some(1), true, "fine")
        .await
        .unwrap();
    // Maria's decision for stage 1 does not land on stage 2.
    let e = req::decide_stage(&env.ctx, &w.maria, request, Some(1), false, "no")
        .await
        .unwrap_err();
    let words = conflict(&e);
    assert!(
        words.contains("Stage 1 of this request was already approved by")
            && words.contains("it now waits on stage 2"),
        "{words}"
    );
    let e = req::decide_stage(&env.ctx, &w.maria, request, Some(3), false, "no")
        .await
        .unwrap_err();
    assert!(conflict(&e).contains("waits on stage 2, not stage 3"));
    let mine = req::my_requests(&env.ctx, &w.eric).await.unwrap();
    assert_eq!(
        mine[0].state,
        RequestState::PendingApproval,
        "nothing changed"
    );
    // For the stage she sees now, it is taken.
    let outcome = req::decide_stage(&env.ctx, &w.maria, request, Some(2), true, "")
        .await
        .unwrap();
    assert!(
        matches!(outcome, RequestOutcome::Delivered(_)),
        "{outcome:?}"
    );
}

/// The request history and the approval lists page past the first hundred (issue 18).
async fn histories_and_approval_lists_page_past_a_hundred(env: TestEnv) {
    let w = world(&env).await;
    let id = package(&env, &w, "Office Licenses", |_| {}).await;
    let mut ids = Vec::new();
    for n in 0..104 {
        let (request, _) = req::submit_request(&env.ctx, &w.eric, id, &ask(&format!("#{n}")))
            .await
            .unwrap();
        if n < 103 {
            req::cancel_request(&env.ctx, &w.eric, request)
                .await
                .unwrap();
        }
        ids.push(request);
    }
    let page = |n| PageRequest::new(n, 25);
    // Newest first: the open request heads page 1, the very first one ends page 5.
    let first = req::my_requests_page(&env.ctx, &w.eric, page(1))
        .await
        .unwrap();
    assert_eq!(
        (first.total, first.page_count(), first.items.len()),
        (104, 5, 25)
    );
    assert_eq!(first.items[0].id, ids[103]);
    let last = req::my_requests_page(&env.ctx, &w.eric, page(5))
        .await
        .unwrap();
    assert_eq!(last.items.len(), 4);
    assert_eq!(last.items[3].id, ids[0]);
    assert_eq!(last.items[3].justification, "#0");
    // Someone else's history holds none of them.
    assert_eq!(
        req::my_requests_page(&env.ctx, &w.nora, page(1))
            .await
            .unwrap()
            .total,
        0
    );

    let pending = req::my_approvals_page(&env.ctx, &w.maria, ApprovalList::Pending, page(1))
        .await
        .unwrap();
    assert_eq!((pending.waiting, pending.items.total), (1, 1));
    assert_eq!(pending.items.items[0].request_id, ids[103]);
    let history = req::my_approvals_page(&env.ctx, &w.maria, ApprovalList::History, page(5))
        .await
        .unwrap();
    assert_eq!((history.waiting, history.items.total), (1, 103));
    assert_eq!(history.items.items.len(), 3);
    assert_eq!(history.items.items[2].request_id, ids[0]);
    // A page past the end is empty, not an error.
    let beyond = req::my_approvals_page(&env.ctx, &w.maria, ApprovalList::History, page(9))
        .await
        .unwrap();
    assert!(beyond.items.items.is_empty());
}

on_both_databases!(
    a_decision_for_a_stage_that_moved_on_is_refused,
    histories_and_approval_lists_page_past_a_hundred,
    admins_list_and_remove_assignments_keeping_other_grants,
    available_cards_fill_from_later_rounds_of_candidates,
    the_manager_approves_and_access_is_delivered,
    without_manager_the_fallback_decides_and_without_anyone_it_is_denied_at_once,
    two_stages_then_delivery_and_no_approval_delivers_at_once,
    concurrent_decisions_produce_one_outcome,
    requestors_cancel_and_separation_of_duties_refuses,
    twenty_concurrent_decisions_give_one_outcome,
    twenty_concurrent_submissions_leave_one_open_request,
    denied_requests_are_resubmitted_prefilled_and_each_side_is_notified,
    a_requested_period_is_checked_then_starts_once_on_its_day,
    admins_assign_directly_within_scope_and_separation_of_duties,
    the_owner_role_is_granted_and_withdrawn_with_the_assignment,
    a_license_beyond_its_seats_is_named_on_the_active_card,
);

/// Runs the scheduler's jobs once and says how many scheduled assignments it started.
async fn start_scheduled(env: &TestEnv) -> u64 {
    let report = domain::jobs::run_due(&env.ctx, None, domain::jobs::RunLimits::default()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    report.scheduled_started
}
