//! Two instances on one PostgreSQL, with a real SMTP server: every decision, delivery, expiry,
//! review result and e-mail happens exactly once.

use super::*;

/// Audit events that must never be recorded twice for one subject: a second one would be an
/// expiry, a delivery, a decision or a review result done twice. An assignment's events name
/// its package as their target and the assignment in their JSON (PostgreSQL's syntax: the
/// two-instance drill runs there).
const ONCE_PER_SUBJECT: &str = "SELECT action, subject, COUNT(*) FROM (
        SELECT action, COALESCE(before_json::json->>'assignment', after_json::json->>'assignment', target_id) AS subject
        FROM audit_events
        WHERE action IN ('assignment.created', 'assignment.expired', 'assignment.removed_by_review',
                         'request.denied', 'request.canceled', 'request.expired',
                         'review.started', 'review.completed')) AS e
    GROUP BY action, subject HAVING COUNT(*) > 1";

/// The Message-IDs of the e-mails a sink received (each is `<notification id@tessera>`).
fn message_ids(messages: &[String]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| {
            m.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(|l| l["message-id:".len()..].trim().to_owned())
        })
        .collect()
}

async fn two_instances(env: TestEnv) {
    let Some(sink) = domain::testing::SmtpServer::start().await else {
        return;
    };
    let dir = scratch("twins");
    let users = 400;
    seed(&env.url, users, 28, 1_500);
    let smtp = sink.url();
    let common = [("SMTP_URL", smtp.as_str()), ("TESSERA_DB_CONNECTIONS", "6")];
    let mut a = Instance::start(&env.url, &dir, "a", &common).await;
    let mut b = Instance::start(&env.url, &dir, "b", &common).await;
    let pool = env.ctx.db.pool();
    let http = drive::client(64);
    let crew = Crew::new(&http, cast(pool, &http, &a.base, users, 100).await);
    let (cookies, pairs) = (crew.cookies.clone(), crew.pairs.clone());
    let until = Instant::now() + Duration::from_secs(6);
    // Requests on one instance, decisions on the other, both ways round.
    let drivers = drivers(
        &crew,
        4,
        |k| {
            let (front, back) = if k % 2 == 0 { (&a, &b) } else { (&b, &a) };
            (front.base.clone(), back.base.clone())
        },
        until,
    );
    // The same decision sent to both instances at once: one is taken, the other is told the
    // request was already decided.
    let mut raced = Vec::new();
    for k in 0..20 {
        let Some((who, package)) = pairs.lock().unwrap().pop_front() else {
            break;
        };
        let (status, body) = exchange(&http, drive::submit(&a.base, &cookies[&who], &package))
            .await
            .unwrap();
        if !status.is_success() {
            continue;
        }
        let id: String = serde_json::from_str(&body).unwrap();
        let manager = &cookies[&manager_of(who)];
        let approve_on_b = k % 2 == 0;
        let (on_a, on_b) = tokio::join!(
            exchange(&http, drive::decide(&a.base, manager, &id, true)),
            exchange(&http, drive::decide(&b.base, manager, &id, approve_on_b)),
        );
        let (on_a, on_b) = (on_a.unwrap().0, on_b.unwrap().0);
        let taken = [on_a, on_b].iter().filter(|s| s.is_success()).count();
        assert_eq!(taken, 1, "request {id}: A answered {on_a}, B {on_b}");
        for s in [on_a, on_b] {
            assert!(
                s.is_success() || s == hyper::StatusCode::CONFLICT,
                "request {id}: {s}"
            );
        }
        let state: String =
            sqlx::query_scalar("SELECT state FROM access_package_requests WHERE id = $1")
                .bind(&id)
                .fetch_one(pool)
                .await
                .unwrap();
        let expected = if on_a.is_success() || approve_on_b {
            "delivered"
        } else {
            "denied"
        };
        assert_eq!(state, expected, "request {id}: A {on_a}, B {on_b}");
        raced.push(id);
    }
    assert!(raced.len() >= 10, "only {} decisions raced", raced.len());
    // Both schedulers run every second; beside them, two job runs race at each later day
    // (deadlines and expiry at +40 days, the yearly reviews open at +400 and end at +430)
    // while the people go on. These runs send no e-mail: an e-mail claimed by an instance is
    // leased for 10 minutes, and a run 40 days ahead would see every lease as lapsed.
    let start = chrono::Utc::now();
    let days = [40, 400, 430];
    for d in days {
        let at = start + chrono::Duration::days(d);
        let mut one = JobsRun::start(&env.url, at, &[]);
        let mut two = JobsRun::start(&env.url, at, &[]);
        one.wait();
        two.wait();
    }
    for d in drivers {
        d.await.unwrap();
    }
    // The instances' e-mail loops send what is due now; wait until none is left.
    let waiting = "SELECT COUNT(*) FROM notifications WHERE email_state IN ('pending', 'sending') AND email_next_at <= $1";
    let settle = Instant::now();
    loop {
        let now = chrono::Utc::now().timestamp_millis();
        let left: i64 = sqlx::query_scalar(waiting)
            .bind(now)
            .fetch_one(pool)
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            settle.elapsed() < Duration::from_secs(60),
            "{left} e-mails still waiting after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    a.stop();
    b.stop();
    // Then the e-mail of those later days: two runs at the last day race for the outbox.
    let last = start + chrono::Duration::days(days[days.len() - 1]) + chrono::Duration::hours(1);
    let mut one = JobsRun::start(&env.url, last, &[("SMTP_URL", smtp.as_str())]);
    let mut two = JobsRun::start(&env.url, last, &[("SMTP_URL", smtp.as_str())]);
    one.wait();
    two.wait();

    let ledger = crew.ledger.lock().unwrap().clone();
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    assert_eq!(ledger.lost, 0, "both instances answered every exchange");
    assert!(ledger.count(Seen::Approved) > 0, "no approval was driven");
    assert_check(&env.url, "after two instances");
    assert_acknowledged(pool, &ledger, "after two instances").await;
    let twice: Vec<(String, String, i64)> = sqlx::query_as(ONCE_PER_SUBJECT)
        .fetch_all(pool)
        .await
        .unwrap();
    assert!(twice.is_empty(), "recorded twice: {twice:?}");
    // Each approval acknowledged (the requests have one stage) is recorded once.
    for id in ledger
        .seen
        .iter()
        .filter(|(_, s)| *s == Seen::Approved)
        .map(|(id, _)| id)
        .chain(&raced)
    {
        let decisions: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE target_id = $1 AND action IN ('request.approved', 'request.denied')",
        )
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(decisions, 1, "request {id} decided {decisions} times");
    }
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let expired =
        count("SELECT COUNT(*) FROM audit_events WHERE action = 'assignment.expired'").await;
    let reviews = count("SELECT COUNT(*) FROM audit_events WHERE action = 'review.started'").await;
    assert!(
        expired > 0 && reviews > 0,
        "expired {expired}, reviews {reviews}"
    );
    // Every e-mail marked sent arrived once; none arrived that is not marked sent.
    let messages = sink.messages();
    let ids = message_ids(&messages);
    assert_eq!(ids.len(), messages.len(), "an e-mail without a Message-ID");
    let arrived: std::collections::HashSet<String> = ids
        .iter()
        .map(|m| {
            m.trim_matches(['<', '>'])
                .trim_end_matches("@tessera")
                .to_owned()
        })
        .collect();
    assert_eq!(arrived.len(), ids.len(), "an e-mail arrived twice");
    let sent: std::collections::HashSet<String> =
        sqlx::query_scalar("SELECT id FROM notifications WHERE email_state = 'sent'")
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert!(!sent.is_empty(), "no e-mail was sent");
    let missing: Vec<&String> = sent.difference(&arrived).collect();
    let unmarked: Vec<&String> = arrived.difference(&sent).collect();
    if !missing.is_empty() || !unmarked.is_empty() {
        let mut rows = Vec::new();
        for id in missing.iter().chain(&unmarked).take(10) {
            let row: Option<(String, String, i64, Option<i64>, i64)> = sqlx::query_as(
                "SELECT id, kind, email_attempts, email_sent_at, created_at FROM notifications WHERE id = $1",
            )
            .bind(id.as_str())
            .fetch_optional(pool)
            .await
            .unwrap();
            rows.push(row);
        }
        panic!(
            "{} marked sent but never arrived, {} arrived but not marked sent: {:?}",
            missing.len(),
            unmarked.len(),
            rows
        );
    }
    let sent = sent.len();
    eprintln!(
        "two instances: {}, {} raced decisions, {expired} expiries, {reviews} reviews, {sent} e-mails, each once",
        ledger.tally(),
        raced.len(),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_one_postgres_do_everything_once() {
    let _turn = drill_turn().await;
    domain::testing::run_postgres(two_instances).await;
}
