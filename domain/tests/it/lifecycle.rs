//! The lifecycle engine against real databases with a controlled clock: expiry and its
//! reminders, approval deadlines, forwarding, concurrent runs, email to a real SMTP server,
//! and the audit chain.

use chrono::Duration;
use domain::DomainError;
use domain::clock::Clock;
use domain::jobs::{self, JobReport, Mailer, RunLimits};
use domain::model::*;
use domain::on_both_databases;
use domain::service::audit as audit_log;
use domain::service::directory as dir;
use domain::service::requests::{self as req, MyAccessTab, RequestForm, RequestOutcome};
use domain::testing::*;

/// The world's package with Fiona as the first stage's fallback approver.
async fn package_with_fallback(
    env: &TestEnv,
    w: &World,
    name: &str,
    edit: impl FnOnce(&mut PolicyDraft),
) -> AccessPackageId {
    package(env, w, name, |p| {
        p.stages[0].fallback = vec![principal(&w.fiona)];
        edit(p);
    })
    .await
}

/// "Printers": no approval, no justification, access for 20 days.
async fn printers_for_twenty_days(env: &TestEnv, w: &World) -> AccessPackageId {
    package_with_fallback(env, w, "Printers", |p| {
        p.require_approval = false;
        p.require_requestor_justification = false;
        p.expiry_kind = ExpiryKind::Days;
        p.expiry_days = "20".into();
    })
    .await
}

/// `n` new people (p0@…, p1@…) whose manager is Maria.
async fn reports_of_maria(env: &TestEnv, w: &World, n: usize) -> Vec<Actor> {
    let mut people = Vec::new();
    for i in 0..n {
        people.push(
            person(
                env,
                &w.admin,
                &format!("p{i}@woodgrove.example"),
                "maria@woodgrove.example",
            )
            .await,
        );
    }
    people
}

/// The 20-day Printers package and `n` of Maria's reports who each requested it (delivered at
/// once: it needs no approval).
async fn reports_holding_printers(
    env: &TestEnv,
    w: &World,
    n: usize,
) -> (AccessPackageId, Vec<Actor>) {
    let short = printers_for_twenty_days(env, w).await;
    let people = reports_of_maria(env, w, n).await;
    for p in &people {
        req::submit_request(&env.ctx, p, short, &RequestForm::default())
            .await
            .unwrap();
    }
    (short, people)
}

/// Tessera's mailer, sending through `smtp`.
fn mailer_for(smtp: &SmtpServer) -> Mailer {
    Mailer::new(
        &smtp.url(),
        "Tessera <tessera@woodgrove.example>",
        "https://tessera.example",
        None,
        crate::href,
    )
    .unwrap()
}

async fn titles(env: &TestEnv, who: &Actor) -> Vec<String> {
    domain::service::notifications::my_notifications(&env.ctx, who)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| n.title)
        .collect()
}

fn count(list: &[String], title: &str) -> usize {
    list.iter().filter(|t| t.as_str() == title).count()
}

async fn the_tutorial_package_reminds_once_then_expires_after_a_year(env: TestEnv) {
    let w = world(&env).await;
    let e3 = dir::create_license(&env.ctx, &w.admin, "Office 365 E3", "25")
        .await
        .unwrap();
    dir::assign_license(&env.ctx, &w.admin, w.office, e3)
        .await
        .unwrap();
    let id = package_with_fallback(&env, &w, "Office Licenses", |_| {}).await;
    let start = env.clock.now();
    let (request, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("I write reports"))
        .await
        .unwrap();
    let outcome = req::decide(&env.ctx, &w.maria, request, true, "Approved for the team")
        .await
        .unwrap();
    assert!(matches!(outcome, RequestOutcome::Delivered(_)));
    let seats = |env: &TestEnv| {
        let ctx = env.ctx.clone();
        let user = w.eric.user_id;
        async move {
            domain::store::licenses::of_user(&mut ctx.read().await.unwrap(), user)
                .await
                .unwrap()
        }
    };
    assert_eq!(seats(&env).await.len(), 1, "the seat is taken");
    // The package list's kept count of live assignments follows the delivery and the expiry.
    let listed = |env: &TestEnv| {
        let (ctx, admin) = (env.ctx.clone(), w.admin.clone());
        async move {
            domain::service::packages::list(&ctx, &admin, "Office", None, PageRequest::first())
                .await
                .unwrap()
                .items[0]
                .assignments
        }
    };
    assert_eq!(listed(&env).await, 1);

    assert_eq!(
        run_at(&env, start + Duration::days(350))
            .await
            .expiry_reminders,
        0
    );
    let report = run_at(&env, start + Duration::days(351)).await;
    assert_eq!(report.expiry_reminders, 1, "{report:?}");
    assert_eq!(report.assignments_expired, 0);
    assert_eq!(
        run_at(&env, start + Duration::days(351) + Duration::hours(1)).await,
        JobReport::default(),
        "a second run the same day does nothing"
    );
    let fourteen = "Access to Office Licenses ends in 14 days";
    assert_eq!(count(&titles(&env, &w.eric).await, fourteen), 1);
    assert_eq!(
        run_at(&env, start + Duration::days(364))
            .await
            .expiry_reminders,
        1
    );
    assert_eq!(
        count(
            &titles(&env, &w.eric).await,
            "Access to Office Licenses ends tomorrow"
        ),
        1
    );
    assert!(
        member_of(&env, w.office, w.eric.user_id).await,
        "still a member"
    );

    let report = run_at(&env, start + Duration::days(365)).await;
    assert_eq!(report.assignments_expired, 1, "{report:?}");
    assert!(
        !member_of(&env, w.office, w.eric.user_id).await,
        "membership withdrawn"
    );
    assert!(seats(&env).await.is_empty(), "the seat is free");
    assert_eq!(listed(&env).await, 0, "the count followed the expiry");
    assert!(
        req::my_access(&env.ctx, &w.eric, MyAccessTab::Active, "")
            .await
            .unwrap()
            .is_empty()
    );
    let expired = req::my_access(&env.ctx, &w.eric, MyAccessTab::Expired, "")
        .await
        .unwrap();
    assert_eq!(
        (expired[0].name.as_str(), expired[0].status.label()),
        ("Office Licenses", "Expired")
    );
    assert_eq!(
        count(
            &titles(&env, &w.eric).await,
            "Access has ended: Office Licenses"
        ),
        1
    );
    assert_eq!(
        run_at(&env, start + Duration::days(366)).await,
        JobReport::default(),
        "nothing happens twice"
    );
    // The story is in the audit log, and the chain holds.
    let log = audit_log::audit_log(
        &env.ctx,
        &w.admin,
        &AuditFilter {
            target: "eric@woodgrove.example".into(),
            ..Default::default()
        },
        PageRequest::new(1, 25),
    )
    .await
    .unwrap();
    let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions[0], "assignment.expired", "{actions:?}");
    assert!(
        log.items[0].request_id.starts_with("jobs-"),
        "the job run's correlation id: {:?}",
        log.items[0].request_id
    );
    assert!(matches!(
        audit_log::verify_chain(&env.ctx).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    // The person may ask again.
    req::submit_request(&env.ctx, &w.eric, id, &ask("Still writing reports"))
        .await
        .unwrap();
}

async fn an_undecided_request_expires_after_its_deadline(env: TestEnv) {
    let w = world(&env).await;
    let id = package_with_fallback(&env, &w, "Office Licenses", |_| {}).await;
    let start = env.clock.now();
    let (request, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("reports"))
        .await
        .unwrap();
    let report = run_at(&env, start + Duration::days(7)).await;
    assert_eq!(report.approvers_reminded, 1, "reminded halfway: {report:?}");
    assert_eq!(
        count(
            &titles(&env, &w.maria).await,
            "Reminder: approve or deny Office Licenses by 2026-12-10 09:00 UTC"
        ),
        1
    );
    assert_eq!(
        run_at(&env, start + Duration::days(13)).await,
        JobReport::default()
    );
    // After the deadline, before the job ran: no decision is taken.
    env.clock
        .set(start + Duration::days(14) + Duration::minutes(5));
    let e = req::decide(&env.ctx, &w.maria, request, true, "late")
        .await
        .unwrap_err();
    assert!(
        matches!(e, DomainError::Conflict(ref m) if m.contains("decision window closed")),
        "{e:?}"
    );

    let report = run_at(&env, start + Duration::days(14) + Duration::minutes(5)).await;
    assert_eq!(report.requests_expired, 1, "{report:?}");
    let (state, timeline) = req::timeline(&env.ctx, &w.eric, request).await.unwrap();
    assert_eq!(state.code(), "expired");
    assert!(
        timeline
            .last()
            .unwrap()
            .2
            .starts_with("Expired: no approver action taken")
    );
    assert_eq!(
        count(
            &titles(&env, &w.eric).await,
            "Your request has expired: Office Licenses"
        ),
        1
    );
    assert_eq!(
        count(
            &titles(&env, &w.maria).await,
            "Request has expired: Office Licenses"
        ),
        1
    );
    let e = req::decide(&env.ctx, &w.maria, request, true, "late")
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Conflict(_)));
    assert_eq!(
        run_at(&env, start + Duration::days(15)).await,
        JobReport::default()
    );
    // The slot is free again: the request can be submitted anew.
    req::submit_request(&env.ctx, &w.eric, id, &ask("reports, again"))
        .await
        .unwrap();
    assert_invariants(&env).await;
}

async fn alternates_get_the_request_on_the_forward_day(env: TestEnv) {
    let w = world(&env).await;
    let id = package_with_fallback(&env, &w, "Office Licenses", |p| {
        p.stages[0].forward = true;
        p.stages[0].alternates = vec![principal(&w.fiona)];
        p.stages[0].forward_after_days = "7".into();
    })
    .await;
    let start = env.clock.now();
    let (request, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("reports"))
        .await
        .unwrap();
    assert!(
        req::my_approvals(&env.ctx, &w.fiona)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    let report = run_at(&env, start + Duration::days(7)).await;
    assert_eq!(report.requests_forwarded, 1, "{report:?}");
    assert_eq!(
        req::my_approvals(&env.ctx, &w.fiona).await.unwrap().0.len(),
        1
    );
    assert_eq!(
        req::my_approvals(&env.ctx, &w.maria).await.unwrap().0.len(),
        1,
        "the primary approver keeps it"
    );
    assert_eq!(
        count(
            &titles(&env, &w.fiona).await,
            "Approval required (forwarded): Office Licenses"
        ),
        1
    );
    assert_eq!(
        run_at(&env, start + Duration::days(8))
            .await
            .requests_forwarded,
        0
    );
    let outcome = req::decide(&env.ctx, &w.fiona, request, true, "covering for Maria")
        .await
        .unwrap();
    assert!(matches!(outcome, RequestOutcome::Delivered(_)));
    assert_eq!(
        run_at(&env, start + Duration::days(14))
            .await
            .requests_expired,
        0
    );
    assert_invariants(&env).await;
}

/// A reminder says whether the policy allows extending; a policy that cannot be read holds
/// the reminders back (recorded, retried) rather than sending them without that line. Once
/// readable again, each goes out once.
async fn a_policy_that_cannot_be_read_holds_its_reminders_back(env: TestEnv) {
    let w = world(&env).await;
    let start = env.clock.now();
    let (short, people) = reports_holding_printers(&env, &w, 3).await;
    let mut conn = env.ctx.db.writer().await.unwrap();
    let spec: String =
        sqlx::query_scalar("SELECT spec FROM access_package_policies WHERE package_id = $1")
            .bind(short.to_string())
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    sqlx::query("UPDATE access_package_policies SET spec = '{\"broken\": ' WHERE package_id = $1")
        .bind(short.to_string())
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);

    let reminder = "Access to Printers ends in 14 days";
    env.clock.set(start + Duration::days(7));
    let report = jobs::run_due(&env.ctx, None, RunLimits::default()).await;
    assert_eq!(report.expiry_reminders, 0, "{report:?}");
    assert_eq!(report.failures.len(), 3, "{report:?}");
    assert!(
        report
            .failures
            .iter()
            .all(|f| f.starts_with("assignment_reminder ") && f.contains("(attempt 1)")),
        "{report:?}"
    );
    for p in &people {
        assert_eq!(count(&titles(&env, p).await, reminder), 0);
    }

    // Readable again and past the backoff: each reminder goes out once, with the way to
    // extend the policy allows (none here).
    let mut conn = env.ctx.db.writer().await.unwrap();
    sqlx::query("UPDATE access_package_policies SET spec = $2 WHERE package_id = $1")
        .bind(short.to_string())
        .bind(&spec)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    env.clock
        .set(start + Duration::days(7) + Duration::hours(1));
    let report = jobs::run_due(&env.ctx, None, RunLimits::default()).await;
    assert_eq!(report.expiry_reminders, 3, "{report:?}");
    assert!(report.failures.is_empty(), "{report:?}");
    for p in &people {
        let inbox = domain::service::notifications::my_notifications(&env.ctx, p)
            .await
            .unwrap();
        let sent: Vec<_> = inbox.items.iter().filter(|n| n.title == reminder).collect();
        assert_eq!(sent.len(), 1);
        assert!(
            sent[0].body.contains("Request it again"),
            "{}",
            sent[0].body
        );
    }
    env.clock.set(start + Duration::days(8));
    assert_eq!(
        jobs::run_due(&env.ctx, None, RunLimits::default())
            .await
            .expiry_reminders,
        0
    );
}

/// A job works its batch in one transaction; one item that fails does not hold back the
/// others: they are done, the failure is recorded against its item, and a later run retries
/// it (and clears the record).
async fn one_failing_item_leaves_the_rest_of_its_batch_done(env: TestEnv) {
    let w = world(&env).await;
    let start = env.clock.now();
    let (_, people) = reports_holding_printers(&env, &w, 5).await;
    // The database refuses any notification for one person: a fault of one item.
    let victim = people[2].user_id.to_string();
    let statements = match env.ctx.db.backend() {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON notifications WHEN NEW.user_id = '{victim}'
             BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )],
        Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN
                 IF NEW.user_id = '{victim}' THEN RAISE EXCEPTION 'refused for the test'; END IF;
                 RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse_one BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION refuse_one()".into(),
        ],
    };
    let run_sql = |sql: Vec<String>| async {
        let mut conn = env.ctx.db.writer().await.unwrap();
        for s in sql {
            sqlx::query(&s).execute(&mut *conn).await.unwrap();
        }
    };
    run_sql(statements).await;
    let live = |who: usize| {
        let (ctx, actor) = (env.ctx.clone(), people[who].clone());
        async move {
            req::my_access(&ctx, &actor, MyAccessTab::Active, "")
                .await
                .unwrap()
                .len()
        }
    };
    let failures = || async {
        let mut conn = env.ctx.read().await.unwrap();
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM job_failures WHERE job = 'assignment_expiry'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    };

    env.clock.set(start + Duration::days(20));
    let report = jobs::run_due(&env.ctx, None, RunLimits::default()).await;
    assert_eq!(report.assignments_expired, 4, "{report:?}");
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert!(
        report.failures[0].starts_with("assignment_expiry ")
            && report.failures[0].contains("(attempt 1)"),
        "{report:?}"
    );
    assert_eq!(live(2).await, 1, "the failed item is left as it was");
    for other in [0, 1, 3, 4] {
        assert_eq!(live(other).await, 0);
    }
    assert_eq!(failures().await, 1);

    // Mended, and past its backoff: the next run does it and clears the record.
    run_sql(
        vec!["DROP TRIGGER refuse_one".to_owned()]
            .into_iter()
            .map(|s| match env.ctx.db.backend() {
                Backend::Sqlite => s,
                Backend::Postgres => format!("{s} ON notifications"),
            })
            .collect(),
    )
    .await;
    env.clock.set(start + Duration::days(21));
    let report = jobs::run_due(&env.ctx, None, RunLimits::default()).await;
    assert_eq!(report.assignments_expired, 1, "{report:?}");
    assert!(report.failures.is_empty(), "{report:?}");
    assert_eq!(live(2).await, 0);
    assert_eq!(failures().await, 0);
    let t = titles(&env, &people[2]).await;
    assert_eq!(count(&t, "Access has ended: Printers"), 1);
    assert!(matches!(
        audit_log::verify_chain(&env.ctx).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
}

/// On PostgreSQL, holds `request`'s row so that the changes started next queue behind it in
/// the order they are started (see [`queued`]); on SQLite writers take turns, nothing to hold.
async fn hold(env: &TestEnv, request: RequestId) -> Option<domain::db::Tx> {
    if env.ctx.db.backend() != Backend::Postgres {
        return None;
    }
    let mut tx = env.ctx.db.begin().await.unwrap();
    sqlx::query("SELECT id FROM access_package_requests WHERE id = $1 FOR UPDATE")
        .bind(request.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    Some(tx)
}

/// Lets the held row go (a dropped transaction's rollback could wait for the connection's
/// next use).
async fn release(held: Option<domain::db::Tx>) {
    if let Some(tx) = held {
        tx.rollback().await.unwrap();
    }
}

/// Waits until `n` transactions of the case's PostgreSQL database wait for a lock.
async fn queued(env: &TestEnv, n: i64) {
    if env.ctx.db.backend() != Backend::Postgres {
        return;
    }
    for _ in 0..1000 {
        let mut conn = env.ctx.read().await.unwrap();
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        if waiting >= n {
            return;
        }
        drop(conn);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{n} transactions never queued for the held request");
}

/// How a request ended: its state, its closing events, and its current stage's decision.
async fn ending(env: &TestEnv, request: RequestId) -> (String, Vec<String>, Option<String>) {
    let mut conn = env.ctx.read().await.unwrap();
    let state: String =
        sqlx::query_scalar("SELECT state FROM access_package_requests WHERE id = $1")
            .bind(request.to_string())
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let mut closing: Vec<(chrono::DateTime<chrono::Utc>, String)> =
        domain::store::requests::events(&mut conn, request)
            .await
            .unwrap()
            .into_iter()
            .filter(|(_, kind, _)| {
                ["canceled", "expired", "approved", "denied", "delivered"].contains(&kind.as_str())
            })
            .map(|(at, kind, _)| (at, kind))
            .collect();
    closing.sort();
    let events: Vec<String> = closing.into_iter().map(|(_, kind)| kind).collect();
    let stage: Option<String> = sqlx::query_scalar(
        "SELECT decision FROM request_stages WHERE request_id = $1 AND stage_no = 1",
    )
    .bind(request.to_string())
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    (state, events, stage)
}

/// A requestor's cancel racing the deadline job, and racing an approval, for one request:
/// one of them wins, the other is told (or, the job, passes) and changes nothing. On
/// PostgreSQL the request's row is held while both start, so they race at the write; the
/// deadline job once overwrote a committed cancel there (found by the crash drill).
async fn a_cancel_racing_the_deadline_or_an_approval_leaves_one_outcome(env: TestEnv) {
    let w = world(&env).await;
    let id = package_with_fallback(&env, &w, "Office Licenses", |_| {}).await;
    let start = env.clock.now();
    let people = reports_of_maria(&env, &w, 3).await;
    let mut requests = Vec::new();
    for (day, p) in people.iter().enumerate() {
        env.clock.set(start + Duration::days(day as i64));
        let (r, _) = req::submit_request(&env.ctx, p, id, &ask("reports"))
            .await
            .unwrap();
        requests.push(r);
    }
    let pg = env.ctx.db.backend() == Backend::Postgres;
    let cancel = |who: usize| {
        let (ctx, actor, r) = (env.ctx.clone(), people[who].clone(), requests[who]);
        tokio::spawn(async move { req::cancel_request(&ctx, &actor, r).await })
    };
    let deadline = |who: usize| {
        env.clock
            .set(start + Duration::days(who as i64 + 14) + Duration::minutes(5));
        let ctx = env.ctx.clone();
        tokio::spawn(async move { jobs::run_due(&ctx, None, RunLimits::default()).await })
    };

    // The cancel first, the deadline behind it: the cancel stands, the job passes over it.
    let held = hold(&env, requests[0]).await;
    env.clock
        .set(start + Duration::days(14) + Duration::minutes(5));
    let canceled = cancel(0);
    queued(&env, 1).await;
    let expiring = deadline(0);
    queued(&env, 2).await;
    release(held).await;
    let (canceled, report) = (canceled.await.unwrap(), expiring.await.unwrap());
    assert!(report.failures.is_empty(), "{report:?}");
    match canceled {
        Ok(()) => {
            assert_eq!(report.requests_expired, 0, "{report:?}");
            assert_eq!(
                ending(&env, requests[0]).await,
                ("canceled".into(), vec!["canceled".into()], None),
                "the stage's expiry is undone with the request's"
            );
        }
        Err(e) => {
            assert!(!pg, "on PostgreSQL the cancel queued first: {e:?}");
            assert_eq!(report.requests_expired, 1, "{report:?}");
            assert_eq!(ending(&env, requests[0]).await.0, "expired");
        }
    }

    // The deadline first, the cancel behind it: the request expired, the cancel is refused.
    let held = hold(&env, requests[1]).await;
    let expiring = deadline(1);
    queued(&env, 1).await;
    let canceled = cancel(1);
    queued(&env, 2).await;
    release(held).await;
    let (report, canceled) = (expiring.await.unwrap(), canceled.await.unwrap());
    assert!(report.failures.is_empty(), "{report:?}");
    match canceled {
        Err(DomainError::Conflict(m)) => {
            assert!(m.contains("expired"), "{m}");
            assert_eq!(report.requests_expired, 1, "{report:?}");
            assert_eq!(
                ending(&env, requests[1]).await,
                (
                    "expired".into(),
                    vec!["expired".into()],
                    Some("expired".into())
                )
            );
        }
        Ok(()) => {
            assert!(!pg, "on PostgreSQL the deadline queued first");
            assert_eq!(report.requests_expired, 0, "{report:?}");
            assert_eq!(ending(&env, requests[1]).await.0, "canceled");
        }
        Err(e) => panic!("{e:?}"),
    }

    // The cancel first, Maria's approval behind it: nothing is delivered.
    env.clock
        .set(start + Duration::days(15) + Duration::minutes(10));
    let held = hold(&env, requests[2]).await;
    let canceled = cancel(2);
    queued(&env, 1).await;
    let (ctx, maria, r) = (env.ctx.clone(), w.maria.clone(), requests[2]);
    let approved = tokio::spawn(async move { req::decide(&ctx, &maria, r, true, "ok").await });
    queued(&env, 2).await;
    release(held).await;
    let (canceled, approved) = (canceled.await.unwrap(), approved.await.unwrap());
    match (canceled, approved) {
        (Ok(()), Err(DomainError::Conflict(m))) => {
            assert!(!pg || m.contains("canceled"), "{m}");
            assert_eq!(
                ending(&env, requests[2]).await,
                ("canceled".into(), vec!["canceled".into()], None)
            );
        }
        (Err(DomainError::Conflict(_)), Ok(outcome)) if !pg => {
            assert!(
                matches!(outcome, RequestOutcome::Delivered(_)),
                "{outcome:?}"
            );
        }
        other => panic!("one of the cancel and the approval must win: {other:?}"),
    }
    assert_invariants(&env).await;
}

/// Two runs at the same instant on one database (as two server instances would) make each
/// transition and each notification once.
async fn two_concurrent_runs_do_each_thing_once(env: TestEnv) {
    let w = world(&env).await;
    let short = printers_for_twenty_days(&env, &w).await;
    let approved = package_with_fallback(&env, &w, "Office Licenses", |_| {}).await;
    let start = env.clock.now();
    let people = reports_of_maria(&env, &w, 12).await;
    for p in &people {
        req::submit_request(&env.ctx, p, short, &RequestForm::default())
            .await
            .unwrap();
        req::submit_request(&env.ctx, p, approved, &ask("work"))
            .await
            .unwrap();
    }
    let runs = |at| {
        env.clock.set(at);
        let (a, b) = (env.ctx.clone(), env.ctx.clone());
        async move {
            let (x, y) = tokio::join!(
                tokio::spawn(async move { jobs::run_due(&a, None, RunLimits::default()).await }),
                tokio::spawn(async move { jobs::run_due(&b, None, RunLimits::default()).await })
            );
            let (x, y) = (x.unwrap(), y.unwrap());
            assert!(
                x.failures.is_empty() && y.failures.is_empty(),
                "{x:?} {y:?}"
            );
            (x, y)
        }
    };
    let (x, y) = runs(start + Duration::days(7)).await;
    assert_eq!(x.approvers_reminded + y.approvers_reminded, 12);
    assert_eq!(
        x.expiry_reminders + y.expiry_reminders,
        12,
        "20-day access: 14-day reminder"
    );
    let (x, y) = runs(start + Duration::days(14)).await;
    assert_eq!(x.requests_expired + y.requests_expired, 12);
    let (x, y) = runs(start + Duration::days(20)).await;
    assert_eq!(x.assignments_expired + y.assignments_expired, 12);
    for p in &people {
        let t = titles(&env, p).await;
        assert_eq!(count(&t, "Your request has expired: Office Licenses"), 1);
        assert_eq!(count(&t, "Access to Printers ends in 14 days"), 1);
        assert_eq!(count(&t, "Access has ended: Printers"), 1);
    }
    let mut conn = env.ctx.read().await.unwrap();
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM access_package_requests")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let mut expired_events = 0;
    for id in ids {
        let id = RequestId(id.parse().unwrap());
        let events = domain::store::requests::events(&mut conn, id)
            .await
            .unwrap();
        expired_events += events
            .iter()
            .filter(|(_, kind, _)| kind == "expired")
            .count();
    }
    assert_eq!(
        expired_events, 12,
        "each expired request says so once on its timeline"
    );
    let wrong = domain::store::counts::mismatches(&mut conn).await.unwrap();
    assert!(wrong.is_empty(), "kept counts after racing runs: {wrong:?}");
    drop(conn);
    assert!(matches!(
        audit_log::verify_chain(&env.ctx).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    assert_invariants(&env).await;
}

async fn the_audit_log_filters_exports_and_shows_tampering(env: TestEnv) {
    let w = world(&env).await;
    let id = package_with_fallback(&env, &w, "Office Licenses", |_| {}).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, false, "not now")
        .await
        .unwrap();
    let page = |f: AuditFilter| {
        let ctx = env.ctx.clone();
        let admin = w.admin.clone();
        async move {
            audit_log::audit_log(&ctx, &admin, &f, PageRequest::new(1, 25))
                .await
                .unwrap()
        }
    };
    let requests = page(AuditFilter {
        action: "request".into(),
        ..Default::default()
    })
    .await;
    let actions: Vec<&str> = requests.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["request.denied", "request.submitted"]);
    let by_maria = page(AuditFilter {
        actor: "MARIA@".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(by_maria.total, 1);
    assert_eq!(
        by_maria.items[0].actor.as_ref().unwrap().1,
        "maria@woodgrove.example"
    );
    let today = env.clock.now().date_naive();
    let none = page(AuditFilter {
        from: Some(today + Duration::days(1)),
        ..Default::default()
    })
    .await;
    assert_eq!(none.total, 0);
    let all = page(AuditFilter::default()).await;
    assert!(
        all.total >= 8,
        "users, group, package, request: {}",
        all.total
    );
    let paged = audit_log::audit_log(
        &env.ctx,
        &w.admin,
        &AuditFilter::default(),
        PageRequest::new(2, 3),
    )
    .await
    .unwrap();
    assert_eq!(paged.items[0].seq, all.items[3].seq);
    let bad = audit_log::audit_log(
        &env.ctx,
        &w.admin,
        &AuditFilter {
            from: Some(today),
            to: Some(today - Duration::days(1)),
            ..Default::default()
        },
        PageRequest::new(1, 25),
    )
    .await
    .unwrap_err();
    assert!(matches!(bad, DomainError::Invalid(ref f) if f[0].field == "to"));
    assert!(matches!(
        audit_log::audit_log(
            &env.ctx,
            &w.eric,
            &AuditFilter::default(),
            PageRequest::new(1, 25)
        )
        .await,
        Err(DomainError::Forbidden(_))
    ));
    let csv = audit_log::audit_csv(
        &env.ctx,
        &w.admin,
        &AuditFilter {
            action: "request.denied".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "Seq,Time,Actor,Action,Target type,Target,Summary,Before,After,Request id,Caller's request id"
    );
    assert_eq!(lines.len(), 2);
    assert!(lines[1].contains("maria@woodgrove.example,request.denied"));

    // Tampering: a changed summary, then a removed event, are each found.
    let ChainCheck::Intact { events, .. } = audit_log::verify_chain(&env.ctx).await.unwrap() else {
        panic!("the chain should hold");
    };
    assert_eq!(events, all.total);
    let pool = env.ctx.db.pool();
    sqlx::query("UPDATE audit_events SET summary = 'nothing happened' WHERE seq = 3")
        .execute(pool)
        .await
        .unwrap();
    assert!(matches!(
        audit_log::verify_chain(&env.ctx).await.unwrap(),
        ChainCheck::Broken { seq: 3, .. }
    ));
    sqlx::query("DELETE FROM audit_events WHERE seq = 3")
        .execute(pool)
        .await
        .unwrap();
    let ChainCheck::Broken { seq, reason } = audit_log::verify_chain(&env.ctx).await.unwrap()
    else {
        panic!("a removed event must break the chain");
    };
    assert_eq!(seq, 3, "{reason}");
    assert!(reason.contains("missing"), "{reason}");
}

async fn every_email_goes_out_once_and_a_failed_send_is_retried(env: TestEnv) {
    let Some(mut smtp) = SmtpServer::start().await else {
        return;
    };
    let mailer = mailer_for(&smtp);
    let w = world(&env).await;
    let today = env.clock.now().date_naive();
    let id = package_with_fallback(&env, &w, "Office Licenses", |p| {
        p.stages[0].forward = true;
        p.stages[0].alternates = vec![principal(&w.fiona)];
        p.stages[0].forward_after_days = "7".into();
        p.allow_extension = true;
        // Reviewed yearly: the second review (day 365) covers Eric.
        reviewed_yearly(p, today, |r| r.fallback = vec![principal(&w.fiona)]);
    })
    .await;
    let start = env.clock.now();
    let run = |at| {
        env.clock.set(at);
        let ctx = env.ctx.clone();
        let mailer = mailer.clone();
        async move { jobs::run_due(&ctx, Some(&mailer), RunLimits::default()).await }
    };
    // Approval required, reminder, forwarded, approved, you now have access.
    // The scheduler runs right after each step, as a server's would within a minute.
    let (first, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("reports"))
        .await
        .unwrap();
    run(start).await;
    run(start + Duration::days(7)).await;
    req::decide(&env.ctx, &w.fiona, first, true, "ok")
        .await
        .unwrap();
    run(start + Duration::days(7)).await;
    // Expiring (14 days, 1 day), access ended.
    run(start + Duration::days(7 + 351)).await;
    run(start + Duration::days(7 + 364)).await;
    run(start + Duration::days(7 + 365)).await;
    // Denied, then request expired.
    let (second, _) = req::submit_request(&env.ctx, &w.eric, id, &ask("again"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, second, false, "no")
        .await
        .unwrap();
    req::submit_request(&env.ctx, &w.eric, id, &ask("third"))
        .await
        .unwrap();
    run(start + Duration::days(7 + 365)).await;
    let report = run(start + Duration::days(7 + 365 + 14)).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);

    // Bodies may be quoted-printable: undo soft line breaks and the escaped "=".
    let messages: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| {
            m.replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=")
        })
        .collect();
    let subjects: Vec<String> = messages
        .iter()
        .filter_map(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("Subject: ").map(str::to_owned))
        })
        .collect();
    for subject in [
        "Approval required: Office Licenses",
        "Reminder: approve or deny Office Licenses by 2026-12-10 09:00 UTC",
        "Approval required (forwarded): Office Licenses",
        "Request approved: Office Licenses",
        "You now have access: Office Licenses",
        "Access to Office Licenses ends in 14 days",
        "Access to Office Licenses ends tomorrow",
        "Access has ended: Office Licenses",
        "Request denied: Office Licenses",
        "Your request has expired: Office Licenses",
        "Request has expired: Office Licenses",
        "Review access to Office Licenses by 2027-12-21 00:00 UTC",
        "Reminder: review access to Office Licenses by 2027-12-21 00:00 UTC",
    ] {
        assert!(
            subjects.iter().any(|s| s == subject),
            "no email {subject:?} in {subjects:?}"
        );
    }
    let ended = messages
        .iter()
        .find(|m| m.contains("Subject: Access has ended"))
        .unwrap();
    assert!(
        ended.contains("To: eric <eric@woodgrove.example>"),
        "{ended}"
    );
    assert!(ended.contains("From: Tessera <tessera@woodgrove.example>"));
    assert!(ended.contains("Content-Type: text/plain"));
    assert!(ended.contains("Content-Type: text/html"));
    assert!(ended.contains("https://tessera.example/myaccess?tab=expired"));
    let expiring = messages
        .iter()
        .find(|m| m.contains("ends in 14 days"))
        .unwrap();
    assert!(
        expiring.contains("Extend access for Office Licenses"),
        "{expiring}"
    );
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications")
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(messages.len() as i64, total, "one email per notification");
    let again = run(start + Duration::days(7 + 365 + 15)).await;
    assert_eq!(again.emails_sent, 0);
    assert_eq!(smtp.messages().len() as i64, total, "nothing sent twice");

    // The server goes down: the send fails, is visible to admins, and is retried later.
    smtp.stop();
    let at = start + Duration::days(7 + 365 + 16);
    env.clock.set(at);
    req::submit_request(&env.ctx, &w.eric, id, &ask("fourth"))
        .await
        .unwrap();
    let failed = run(at).await;
    assert_eq!(
        (failed.emails_sent, failed.emails_retrying),
        (0, 1),
        "{failed:?}"
    );
    let status = audit_log::outbox_status(&env.ctx, &w.admin).await.unwrap();
    assert_eq!(status.problems.len(), 1);
    assert_eq!(status.problems[0].to, "maria@woodgrove.example");
    assert_eq!(status.problems[0].attempts, 1);
    let Some(smtp2) = SmtpServer::start().await else {
        return;
    };
    let mailer2 = mailer_for(&smtp2);
    env.clock.set(at + Duration::seconds(30));
    let early = jobs::run_due(&env.ctx, Some(&mailer2), RunLimits::default()).await;
    assert_eq!(early.emails_sent, 0, "waits for its backoff");
    env.clock.set(at + Duration::minutes(2));
    let retried = jobs::run_due(&env.ctx, Some(&mailer2), RunLimits::default()).await;
    assert_eq!(retried.emails_sent, 1, "{retried:?}");
    assert_eq!(smtp2.messages().len(), 1);
    assert!(
        audit_log::outbox_status(&env.ctx, &w.admin)
            .await
            .unwrap()
            .problems
            .is_empty()
    );
    assert_invariants(&env).await;
}

/// The outbox sends a chunk's e-mails at once over the mailer's pool: each still goes out
/// exactly once, and one that fails is counted and retried alone while the rest of its chunk
/// goes out.
async fn a_batch_of_emails_goes_out_together_each_once(env: TestEnv) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let mailer = mailer_for(&smtp);
    let w = world(&env).await;
    let printers = printers_for_twenty_days(&env, &w).await;
    let people = reports_of_maria(&env, &w, 25).await;
    for p in &people {
        req::submit_request(&env.ctx, p, printers, &ask(""))
            .await
            .unwrap();
    }
    // An address no relay takes: its e-mails fail, the others of its chunk still go.
    sqlx::query("UPDATE users SET email = 'p7 at woodgrove' WHERE email = 'p7@woodgrove.example'")
        .execute(env.ctx.db.pool())
        .await
        .unwrap();
    let due = count_rows(
        &env,
        "SELECT COUNT(*) FROM notifications WHERE email_state = 'pending'",
    )
    .await;
    let broken = count_rows(
        &env,
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
         WHERE u.email = 'p7 at woodgrove' AND n.email_state = 'pending'",
    )
    .await;
    assert!(due >= 25 && broken >= 1, "{due} due, {broken} to p7");

    let report = jobs::run_due(&env.ctx, Some(&mailer), RunLimits::default()).await;
    assert_eq!(
        (
            report.emails_sent,
            report.emails_retrying,
            report.emails_failed
        ),
        ((due - broken) as u64, broken as u64, 0),
        "{report:?}"
    );
    assert_eq!(
        report.failures.len() as i64,
        broken,
        "{:?}",
        report.failures
    );
    assert!(
        report
            .failures
            .iter()
            .all(|f| f.contains("p7 at woodgrove"))
    );

    let messages = smtp.messages();
    assert_eq!(messages.len() as i64, due - broken);
    let ids: std::collections::HashSet<&str> = messages
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID: ")))
        .collect();
    assert_eq!(ids.len(), messages.len(), "each notification sent once");
    for i in (0..25).filter(|i| *i != 7) {
        let to = format!("<p{i}@woodgrove.example>");
        assert!(messages.iter().any(|m| m.contains(&to)), "nothing to {to}");
    }
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM notifications WHERE email_state = 'sent'"
        )
        .await,
        due - broken
    );
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM notifications WHERE email_state = 'pending' AND email_attempts = 1"
        )
        .await,
        broken,
        "the failed ones wait for their retry"
    );
    let again = jobs::run_due(&env.ctx, Some(&mailer), RunLimits::default()).await;
    assert_eq!(again.emails_sent, 0, "{again:?}");
    assert_eq!(smtp.messages().len(), messages.len(), "nothing sent twice");
}

async fn delivered(env: &TestEnv, w: &World, who: &Actor, package: AccessPackageId) {
    let (r, _) = req::submit_request(&env.ctx, who, package, &ask("work"))
        .await
        .unwrap();
    let outcome = req::decide(&env.ctx, &w.maria, r, true, "ok")
        .await
        .unwrap();
    assert!(matches!(outcome, RequestOutcome::Delivered(_)));
}

/// An annual review of Office Licenses by managers, due today: Maria reviews Eric, who never
/// signed in, and Emma, who signed in three days ago; Fiona is the fallback reviewer.
struct AnnualReview {
    w: World,
    emma: Actor,
    package: AccessPackageId,
    start: chrono::DateTime<chrono::Utc>,
}

async fn annual_review(env: &TestEnv) -> AnnualReview {
    let w = world(env).await;
    let emma = person(
        env,
        &w.admin,
        "emma@woodgrove.example",
        "maria@woodgrove.example",
    )
    .await;
    let today = env.today();
    let package = package_with_fallback(env, &w, "Office Licenses", |p| {
        reviewed_yearly(p, today, |r| {
            r.fallback = vec![principal(&w.fiona)];
            r.if_no_response = NoResponse::NoChange;
        })
    })
    .await;
    delivered(env, &w, &w.eric, package).await;
    delivered(env, &w, &emma, package).await;
    let start = env.clock.now();
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE email = 'emma@woodgrove.example'")
        .bind((start - Duration::days(3)).timestamp_millis())
        .execute(env.ctx.db.pool())
        .await
        .unwrap();
    AnnualReview {
        w,
        emma,
        package,
        start,
    }
}

/// The jobs start the review on its day (and run again an hour later); Maria's review card.
async fn started(env: &TestEnv, r: &AnnualReview) -> ReviewCard {
    run_at(env, r.start).await;
    run_at(env, r.start + Duration::hours(1)).await;
    domain::service::reviews::my_reviews(&env.ctx, &r.w.maria)
        .await
        .unwrap()
        .remove(0)
}

/// Eric's line on a review card.
fn erics(card: &ReviewCard) -> AssignmentId {
    card.items
        .iter()
        .find(|i| i.person.email == "eric@woodgrove.example")
        .unwrap()
        .assignment_id
}

/// Maria approves Eric, then denies him (the last decision counts), and accepts the
/// recommendation for Emma. Answers Eric's assignment.
async fn decided(env: &TestEnv, r: &AnnualReview) -> AssignmentId {
    use domain::service::reviews as rev;
    let card = started(env, r).await;
    let eric = erics(&card);
    for (decision, reason) in [
        ("approve", "Still in finance"),
        ("deny", "Moved to another team"),
    ] {
        rev::decide_review(&env.ctx, &r.w.maria, card.id, eric, decision, reason)
            .await
            .unwrap();
    }
    rev::accept_recommendations(&env.ctx, &r.w.maria, card.id)
        .await
        .unwrap();
    eric
}

async fn an_annual_review_starts_once_on_its_day_and_asks_the_manager(env: TestEnv) {
    use domain::service::reviews as rev;
    let r = annual_review(&env).await;
    let (w, start) = (&r.w, r.start);
    assert!(
        rev::my_reviews(&env.ctx, &w.maria)
            .await
            .unwrap()
            .is_empty()
    );
    let report = run_at(&env, start).await;
    assert_eq!(report.reviews_started, 1, "{report:?}");
    assert_eq!(
        run_at(&env, start + Duration::hours(1))
            .await
            .reviews_started,
        0,
        "once"
    );
    assert_eq!(
        count(
            &titles(&env, &w.maria).await,
            "Review access to Office Licenses by 2026-12-21 00:00 UTC"
        ),
        1
    );
}

async fn a_review_recommends_denying_who_never_signed_in(env: TestEnv) {
    use domain::service::reviews as rev;
    let r = annual_review(&env).await;
    started(&env, &r).await;
    let cards = rev::my_reviews(&env.ctx, &r.w.maria).await.unwrap();
    assert_eq!(cards.len(), 1);
    let card = &cards[0];
    assert_eq!((card.decided, card.total), (0, 2));
    let eric_item = card
        .items
        .iter()
        .find(|i| i.person.email == "eric@woodgrove.example")
        .unwrap();
    assert_eq!(
        eric_item.recommendation,
        Some((ReviewDecision::Deny, "Never signed in.".to_owned()))
    );
    let emma_item = card
        .items
        .iter()
        .find(|i| i.person.email == "emma@woodgrove.example")
        .unwrap();
    assert_eq!(
        emma_item.recommendation.as_ref().unwrap().0,
        ReviewDecision::Approve
    );
}

async fn only_reviewers_decide_with_a_reason_and_the_last_decision_counts(env: TestEnv) {
    use domain::service::reviews as rev;
    let r = annual_review(&env).await;
    let w = &r.w;
    let card = started(&env, &r).await;
    let eric = erics(&card);
    let e = rev::decide_review(&env.ctx, &w.fiona, card.id, eric, "deny", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(e, DomainError::Forbidden(_)),
        "the fallback is not needed: {e:?}"
    );
    let e = rev::decide_review(&env.ctx, &w.eric, card.id, eric, "approve", "mine")
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Forbidden(_)));
    let e = rev::decide_review(&env.ctx, &w.maria, card.id, eric, "deny", " ")
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Invalid(ref f) if f[0].field == "justification"));
    let e = rev::decide_review(&env.ctx, &w.maria, card.id, eric, "maybe", "x")
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Invalid(ref f) if f[0].field == "decision"));
    rev::decide_review(
        &env.ctx,
        &w.maria,
        card.id,
        eric,
        "approve",
        "Still in finance",
    )
    .await
    .unwrap();
    rev::decide_review(
        &env.ctx,
        &w.maria,
        card.id,
        eric,
        "deny",
        "Moved to another team",
    )
    .await
    .unwrap();
    assert_eq!(
        rev::accept_recommendations(&env.ctx, &w.maria, card.id)
            .await
            .unwrap(),
        1
    );
    let card = &rev::my_reviews(&env.ctx, &w.maria).await.unwrap()[0];
    assert_eq!((card.decided, card.total), (2, 2));
    let decisions: Vec<(String, Option<String>)> = card
        .items
        .iter()
        .map(|i| {
            (
                i.person.email.clone(),
                i.decision.map(|d| d.code().to_owned()),
            )
        })
        .collect();
    assert!(decisions.contains(&("eric@woodgrove.example".into(), Some("deny".into()))));
    assert!(decisions.contains(&("emma@woodgrove.example".into(), Some("approve".into()))));
}

async fn a_decided_review_sends_no_reminder_and_removes_nothing_before_its_end(env: TestEnv) {
    let r = annual_review(&env).await;
    decided(&env, &r).await;
    let report = run_at(&env, r.start + Duration::days(13)).await;
    assert_eq!(report.reviews_reminded, 1);
    assert_eq!(
        count(
            &titles(&env, &r.w.maria).await,
            "Reminder: review access to Office Licenses by 2026-12-21 00:00 UTC"
        ),
        0,
        "nothing left to decide: no reminder"
    );
    assert!(
        member_of(&env, r.w.office, r.w.eric.user_id).await,
        "removed only at the end"
    );
}

async fn denied_access_goes_at_the_review_end_and_next_year_is_reviewed_again(env: TestEnv) {
    use domain::service::reviews as rev;
    let r = annual_review(&env).await;
    let (w, start) = (&r.w, r.start);
    let eric = decided(&env, &r).await;
    run_at(&env, start + Duration::days(13)).await;

    let report = run_at(&env, start + Duration::days(25)).await;
    assert_eq!(
        (report.reviews_completed, report.review_removals),
        (1, 1),
        "{report:?}"
    );
    assert!(!member_of(&env, w.office, w.eric.user_id).await);
    assert!(member_of(&env, w.office, r.emma.user_id).await);
    let expired = req::my_access(&env.ctx, &w.eric, MyAccessTab::Expired, "")
        .await
        .unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(
        count(
            &titles(&env, &w.eric).await,
            "Access has ended: Office Licenses"
        ),
        1
    );
    let instances = rev::package_reviews(&env.ctx, &w.admin, r.package)
        .await
        .unwrap();
    assert_eq!(instances.len(), 1);
    let i = &instances[0];
    assert_eq!(
        (
            i.state.code(),
            i.total,
            i.approved,
            i.denied,
            i.removed,
            i.kept
        ),
        ("completed", 2, 1, 1, 1, 1)
    );
    let e = rev::decide_review(&env.ctx, &w.maria, i.id, eric, "approve", "undo")
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Conflict(_)));
    assert_eq!(
        run_at(&env, start + Duration::days(26)).await,
        JobReport::default()
    );
    // The next year's review covers who has access then.
    let next = run_at(&env, start + Duration::days(365)).await;
    assert_eq!(next.reviews_started, 1);
    assert_invariants(&env).await;
}

async fn without_responses_remove_access_removes_and_admins_stop_early(env: TestEnv) {
    use domain::service::reviews as rev;
    let w = world(&env).await;
    let today = env.clock.now().date_naive();
    let id = package_with_fallback(&env, &w, "Office Licenses", |p| {
        reviewed_yearly(p, today, |r| {
            r.reviewers = ReviewerKind::Specific;
            r.specific = vec![principal(&w.fiona)];
            r.if_no_response = NoResponse::RemoveAccess;
        })
    })
    .await;
    delivered(&env, &w, &w.eric, id).await;
    let start = env.clock.now();
    assert_eq!(run_at(&env, start).await.reviews_started, 1);
    assert_eq!(
        run_at(&env, start + Duration::days(13))
            .await
            .reviews_reminded,
        1
    );
    assert_eq!(
        count(
            &titles(&env, &w.fiona).await,
            "Reminder: review access to Office Licenses by 2026-12-21 00:00 UTC"
        ),
        1
    );
    let review_id = rev::package_reviews(&env.ctx, &w.admin, id).await.unwrap()[0].id;
    assert!(matches!(
        rev::stop_review(&env.ctx, &w.eric, review_id).await,
        Err(DomainError::Forbidden(_))
    ));
    let outcome = rev::stop_review(&env.ctx, &w.admin, review_id)
        .await
        .unwrap();
    assert_eq!((outcome.removed, outcome.completed), (1, true));
    assert!(
        !member_of(&env, w.office, w.eric.user_id).await,
        "no response: removed"
    );
    let i = &rev::package_reviews(&env.ctx, &w.admin, id).await.unwrap()[0];
    assert_eq!(
        (i.state.code(), i.stopped_by.as_deref()),
        ("completed", Some("Root Admin"))
    );
    assert!(matches!(
        rev::stop_review(&env.ctx, &w.admin, review_id).await,
        Err(DomainError::Conflict(_))
    ));
    assert_eq!(
        run_at(&env, start + Duration::days(25)).await,
        JobReport::default()
    );
    assert_invariants(&env).await;
}

async fn people_extend_their_access_within_the_policy(env: TestEnv) {
    let w = world(&env).await;
    let finance = env.group(&w.admin, "Finance").await;
    dir::add_member(&env.ctx, &w.admin, finance, "eric@woodgrove.example")
        .await
        .unwrap();
    let direct = package_with_fallback(&env, &w, "Office Licenses", |p| {
        p.allow_extension = true;
        p.extension_requires_approval = false;
    })
    .await;
    let approved = package_with_fallback(&env, &w, "Printers", |p| {
        p.allow_extension = true;
        p.extension_requires_approval = true;
        p.scope = TargetScope::SpecificDirectoryUsers;
        p.specific = vec![Principal {
            kind: PrincipalKind::Group,
            id: finance.0,
            name: "Finance".into(),
            detail: String::new(),
        }];
    })
    .await;
    let fixed = package_with_fallback(&env, &w, "Badges", |_| {}).await;
    for id in [direct, approved, fixed] {
        delivered(&env, &w, &w.eric, id).await;
    }
    let start = env.clock.now();
    let cards = req::my_access(&env.ctx, &w.eric, MyAccessTab::Active, "")
        .await
        .unwrap();
    let ext = |name: &str| cards.iter().find(|c| c.name == name).unwrap().extension;
    assert_eq!(
        (ext("Office Licenses"), ext("Printers"), ext("Badges")),
        (Some(false), Some(true), None)
    );
    let e = req::extend_access(&env.ctx, &w.eric, fixed, "more")
        .await
        .unwrap_err();
    assert!(
        matches!(e, DomainError::Conflict(ref m) if m.contains("can't be extended")),
        "{e:?}"
    );
    let e = req::extend_access(&env.ctx, &w.eric, direct, "more")
        .await
        .unwrap_err();
    assert!(
        matches!(e, DomainError::Conflict(ref m) if m.contains("as long as the policy allows")),
        "{e:?}"
    );

    // Reminded 14 days before the end with the way to extend; extended at once.
    run_at(&env, start + Duration::days(351)).await;
    let inbox = domain::service::notifications::my_notifications(&env.ctx, &w.eric)
        .await
        .unwrap();
    let reminder = inbox
        .items
        .iter()
        .find(|n| n.title == "Access to Office Licenses ends in 14 days")
        .unwrap();
    assert!(
        reminder.body.contains("Extend access for Office Licenses"),
        "{}",
        reminder.body
    );
    let e = req::extend_access(&env.ctx, &w.eric, direct, "")
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Invalid(ref f) if f[0].field == "justification"));
    let (_, outcome) = req::extend_access(&env.ctx, &w.eric, direct, "Quarter close")
        .await
        .unwrap();
    assert!(matches!(outcome, RequestOutcome::Delivered(_)));
    let cards = req::my_access(&env.ctx, &w.eric, MyAccessTab::Active, "office")
        .await
        .unwrap();
    assert_eq!(cards[0].ends_at, Some(start + Duration::days(351 + 365)));
    let report = run_at(&env, start + Duration::days(365)).await;
    assert_eq!(
        report.assignments_expired, 2,
        "the other two end: {report:?}"
    );
    assert!(
        member_of(&env, w.office, w.eric.user_id).await,
        "the extended one holds"
    );
    assert_eq!(
        run_at(&env, start + Duration::days(351 + 351))
            .await
            .expiry_reminders,
        1,
        "reminders start over for the new end"
    );

    // With approval the extension goes through the stages; out of scope it is refused.
    let emma = person(
        &env,
        &w.admin,
        "emma@woodgrove.example",
        "maria@woodgrove.example",
    )
    .await;
    dir::add_member(&env.ctx, &w.admin, finance, "emma@woodgrove.example")
        .await
        .unwrap();
    env.clock.set(start);
    delivered(&env, &w, &emma, approved).await;
    env.clock.set(start + Duration::days(360));
    let (request, outcome) = req::extend_access(&env.ctx, &emma, approved, "audit season")
        .await
        .unwrap();
    assert_eq!(outcome, RequestOutcome::Pending { stage: 1, of: 1 });
    let e = req::extend_access(&env.ctx, &emma, approved, "again")
        .await
        .unwrap_err();
    assert!(matches!(e, DomainError::Conflict(ref m) if m.contains("pending")));
    let outcome = req::decide(&env.ctx, &w.maria, request, true, "fine")
        .await
        .unwrap();
    assert!(matches!(outcome, RequestOutcome::Delivered(_)));
    let cards = req::my_access(&env.ctx, &emma, MyAccessTab::Active, "printers")
        .await
        .unwrap();
    assert_eq!(cards[0].ends_at, Some(start + Duration::days(360 + 365)));
    assert_eq!(
        count(&titles(&env, &emma).await, "Access extended: Printers"),
        1
    );
    dir::remove_direct_member(&env.ctx, &w.admin, finance, emma.user_id)
        .await
        .unwrap();
    env.clock.set(start + Duration::days(370));
    let e = req::extend_access(&env.ctx, &emma, approved, "more")
        .await
        .unwrap_err();
    assert!(
        matches!(e, DomainError::Conflict(ref m) if m.contains("no longer among")),
        "out of scope: {e:?}"
    );
    assert_invariants(&env).await;
}

/// A raised stop (the server shutting down) ends a run before its next batch and leaves the
/// work for the next run; e-mail goes out by `send_due`, apart from the other jobs.
async fn a_raised_stop_ends_a_run_and_mail_goes_apart(env: TestEnv) {
    let w = world(&env).await;
    let start = env.clock.now();
    reports_holding_printers(&env, &w, 3).await;
    env.clock.set(start + Duration::days(20));
    let stopped = RunLimits::default();
    stopped.stop.raise();
    assert_eq!(
        jobs::run_due(&env.ctx, None, stopped).await,
        JobReport::default()
    );
    let report = jobs::run_due(&env.ctx, None, RunLimits::default()).await;
    assert_eq!(report.assignments_expired, 3, "{report:?}");
    assert_eq!(report.emails_sent, 0);

    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let mailer = mailer_for(&smtp);
    let stopped = RunLimits::default();
    stopped.stop.raise();
    assert_eq!(
        jobs::send_due(&env.ctx, &mailer, stopped).await,
        JobReport::default()
    );
    let mail = jobs::send_due(&env.ctx, &mailer, RunLimits::default()).await;
    assert!(mail.failures.is_empty(), "{mail:?}");
    // "Access has ended" for each of the three; their "you now have access" of 20 days ago
    // are too old to e-mail now.
    assert_eq!((mail.emails_sent, mail.emails_stale), (3, 3), "{mail:?}");
    assert_eq!(
        JobReport {
            emails_sent: 0,
            emails_stale: 0,
            ..mail
        },
        JobReport::default(),
        "send_due runs no other job"
    );
    assert_eq!(smtp.messages().len(), 3);
    let again = jobs::send_due(&env.ctx, &mailer, RunLimits::default()).await;
    assert_eq!(again, JobReport::default());
}

/// Movers and leavers in a review: Eric's new manager reviews his access at once; when
/// Maria leaves, what she had left to review goes to the fallback reviewer.
async fn review_items_follow_a_new_manager_and_leave_with_a_reviewer(env: TestEnv) {
    use domain::service::reviews as rev;
    let r = annual_review(&env).await;
    started(&env, &r).await;
    let w = &r.w;
    let reviews_of = |who: Actor| {
        let ctx = env.ctx.clone();
        async move {
            rev::my_reviews(&ctx, &who)
                .await
                .unwrap()
                .into_iter()
                .flat_map(|c| c.items.into_iter().map(|i| i.person.email))
                .collect::<Vec<_>>()
        }
    };
    let mut both = reviews_of(w.maria.clone()).await;
    both.sort();
    assert_eq!(both, ["emma@woodgrove.example", "eric@woodgrove.example"]);

    // Eric moves to Nora's team: Nora reviews him from now on, Maria no longer does.
    let moved = UserForm {
        enabled: true,
        ..user_form("eric@woodgrove.example", "Eric", "nora@woodgrove.example")
    };
    dir::update_user(&env.ctx, &w.admin, w.eric.user_id, &moved)
        .await
        .unwrap();
    assert_eq!(reviews_of(w.nora.clone()).await, ["eric@woodgrove.example"]);
    assert_eq!(
        reviews_of(w.maria.clone()).await,
        ["emma@woodgrove.example"]
    );

    // Maria leaves: Emma's item goes to Fiona, the fallback reviewer, once.
    let gone = UserForm {
        enabled: false,
        ..user_form("maria@woodgrove.example", "Maria", "")
    };
    dir::update_user(&env.ctx, &w.admin, w.maria.user_id, &gone)
        .await
        .unwrap();
    let report = run_at(&env, r.start + Duration::hours(2)).await;
    assert_eq!(report.review_items_rerouted, 1, "{report:?}");
    assert_eq!(
        reviews_of(w.fiona.clone()).await,
        ["emma@woodgrove.example"]
    );
    assert_eq!(
        run_at(&env, r.start + Duration::hours(3))
            .await
            .review_items_rerouted,
        0
    );
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'review.rerouted' AND summary LIKE '%maria@woodgrove.example left (account disabled)'"
        )
        .await,
        1
    );
    let card = rev::my_reviews(&env.ctx, &w.fiona).await.unwrap().remove(0);
    let emma = card.items[0].assignment_id;
    rev::decide_review(&env.ctx, &w.fiona, card.id, emma, "approve", "Still needed")
        .await
        .unwrap();
    assert_invariants(&env).await;
}

/// A notification is written once per event and person (its dedupe key, a digest since
/// migration 0026): the same event again adds nothing, in one insert or many; another person
/// or another event is new.
async fn an_event_is_notified_once_to_each_person(env: TestEnv) {
    use domain::store::notifications::{Message, NewNotification, notify, notify_all, notify_each};
    let w = world(&env).await;
    let now = env.ctx.clock.now();
    let told = |user, event| NewNotification {
        user,
        kind: NotificationKind::Delivered,
        title: "You now have access: Office Licenses",
        body: "Your access has started.",
        link: Link::ActiveAccess,
        event,
    };
    let mut tx = env.ctx.db.begin().await.unwrap();
    let eric = w.eric.user_id;
    let nora = w.nora.user_id;
    assert!(
        notify(&mut tx, &told(eric, "request:r1:delivered"), now)
            .await
            .unwrap()
    );
    assert!(
        !notify(&mut tx, &told(eric, "request:r1:delivered"), now)
            .await
            .unwrap(),
        "the same event again"
    );
    let batch = [
        told(eric, "request:r1:delivered"),
        told(nora, "request:r1:delivered"),
        told(eric, "request:r2:delivered"),
        told(eric, "request:r2:delivered"),
    ];
    assert_eq!(
        notify_all(&mut tx, &batch, now).await.unwrap(),
        2,
        "Nora's and the second event's"
    );
    let message = Message {
        kind: NotificationKind::Delivered,
        title: "t",
        body: "b",
        link: Link::ActiveAccess,
        event: "request:r2:delivered",
    };
    assert_eq!(
        notify_each(&mut tx, &[eric, nora, w.maria.user_id], &message, now)
            .await
            .unwrap(),
        2
    );
    tx.commit().await.unwrap();
    assert_eq!(
        count(
            &titles(&env, &w.eric).await,
            "You now have access: Office Licenses"
        ),
        2
    );
}

/// The jobs' finders seek the partial indexes of migration 0029 (which hold live rows only):
/// each database, asked for each finder's plan, names its index. SQLite's planner picks it
/// as it is. PostgreSQL weighs an empty table by guesses, so it is asked whether the index
/// can serve the query at all: sequential scans off and the other finders' indexes dropped
/// for the question (and put back), it would otherwise walk a primary key, as it must when
/// the query does not imply the index's predicate.
async fn the_jobs_finders_seek_their_partial_indexes(env: TestEnv) {
    let finders = domain::store::lifecycle::finders();
    let mut tx = env.ctx.db.pool().begin().await.unwrap();
    if env.ctx.db.backend() == Backend::Postgres {
        sqlx::query("SET LOCAL enable_seqscan = off")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    for (sql, index) in &finders {
        let (sql, index) = (sql.as_str(), *index);
        let params = (1..=4).filter(|n| sql.contains(&format!("${n}"))).count();
        let plan: Vec<String> = match env.ctx.db.backend() {
            Backend::Sqlite => {
                let explain = format!("EXPLAIN QUERY PLAN {sql}");
                let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
                for _ in 0..params {
                    q = q.bind(1_i64);
                }
                q.fetch_all(&mut *tx)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| r.3)
                    .collect()
            }
            Backend::Postgres => {
                sqlx::query("SAVEPOINT plan")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                let others: std::collections::BTreeSet<&str> = finders
                    .iter()
                    .map(|f| f.1)
                    .filter(|other| *other != index)
                    .collect();
                for other in &others {
                    sqlx::query(&format!("DROP INDEX {other}"))
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                let explain = format!("EXPLAIN {sql}");
                let mut q = sqlx::query_scalar::<_, String>(&explain);
                for _ in 0..params {
                    q = q.bind(1_i64);
                }
                let plan = q.fetch_all(&mut *tx).await.unwrap();
                sqlx::query("ROLLBACK TO SAVEPOINT plan")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                plan
            }
        };
        assert!(
            plan.iter().any(|line| line.contains(index)),
            "{index} serves\n{sql}\nplan:\n{}",
            plan.join("\n")
        );
    }
    tx.rollback().await.unwrap();
}

on_both_databases!(
    the_jobs_finders_seek_their_partial_indexes,
    people_extend_their_access_within_the_policy,
    a_raised_stop_ends_a_run_and_mail_goes_apart,
    an_annual_review_starts_once_on_its_day_and_asks_the_manager,
    review_items_follow_a_new_manager_and_leave_with_a_reviewer,
    a_review_recommends_denying_who_never_signed_in,
    only_reviewers_decide_with_a_reason_and_the_last_decision_counts,
    a_decided_review_sends_no_reminder_and_removes_nothing_before_its_end,
    denied_access_goes_at_the_review_end_and_next_year_is_reviewed_again,
    without_responses_remove_access_removes_and_admins_stop_early,
    the_tutorial_package_reminds_once_then_expires_after_a_year,
    an_undecided_request_expires_after_its_deadline,
    alternates_get_the_request_on_the_forward_day,
    two_concurrent_runs_do_each_thing_once,
    a_cancel_racing_the_deadline_or_an_approval_leaves_one_outcome,
    one_failing_item_leaves_the_rest_of_its_batch_done,
    a_policy_that_cannot_be_read_holds_its_reminders_back,
    the_audit_log_filters_exports_and_shows_tampering,
    every_email_goes_out_once_and_a_failed_send_is_retried,
    a_batch_of_emails_goes_out_together_each_once,
    an_event_is_notified_once_to_each_person,
);
