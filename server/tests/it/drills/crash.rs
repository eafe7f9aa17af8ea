//! The crash drill: SIGKILL at a random moment, round after round, on SQLite and PostgreSQL;
//! `tessera check` and everything acknowledged after each round.

use super::*;

fn rounds() -> usize {
    usize::try_from(env_number("TESSERA_DRILL_ROUNDS", 4)).unwrap()
}

/// A round's kill: after a random 0.4–2.0 s of load.
fn kill_after(rng: &mut rand::rngs::StdRng) -> Duration {
    Duration::from_millis(rng.gen_range(400..2_000))
}

async fn crash(env: TestEnv) {
    let rounds = rounds();
    let dir = scratch("crash");
    let users = 400;
    seed(&env.url, users, 28, 1_500);
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let http = drive::client(64);
    let mut crew: Option<Crew> = None;
    let start = chrono::Utc::now();
    let mut jobs_finished = 0;
    for round in 0..rounds {
        let mut server = Instance::start(&env.url, &dir, "serve", &[]).await;
        // Sessions are rows in the database: signed in once, they outlive every crash.
        if crew.is_none() {
            let c = cast(env.ctx.db.pool(), &http, &server.base, users, 100).await;
            crew = Some(Crew::new(&http, c));
        }
        let Some(crew) = crew.clone() else {
            unreachable!("made above")
        };
        // The lifecycle jobs at a later day each round (expiry, deadlines, reviews opening
        // and ending), in a process of their own beside the server's scheduler.
        let at = start + chrono::Duration::days(30 * i64::try_from(round + 1).unwrap());
        let mut jobs = JobsRun::start(&env.url, at, &[]);
        let kill = kill_after(&mut rng);
        let until = Instant::now() + kill + Duration::from_secs(5);
        let drivers: Vec<_> = (0..4)
            .map(|_| {
                tokio::spawn(driver(
                    crew.clone(),
                    server.base.clone(),
                    server.base.clone(),
                    rng.r#gen(),
                    until,
                ))
            })
            .collect();
        tokio::time::sleep(kill).await;
        server.kill();
        // Every other round the job run is killed with the server; in the others it finishes
        // (so the expiry and reviews of that day surely happen, however slow the machine).
        if round % 2 == 0 || jobs.0.try_wait().unwrap().is_some() {
            jobs_finished += usize::from(jobs.wait());
        }
        drop(jobs);
        for d in drivers {
            tokio::time::timeout(EXCHANGE * 2, d)
                .await
                .expect("a driver stops once the server is gone")
                .unwrap();
        }
        let when = format!(
            "after round {} of {rounds} (killed after {kill:?})",
            round + 1
        );
        assert_check(&env.url, &when);
        let ledger = crew.ledger.lock().unwrap().clone();
        assert!(ledger.errors.is_empty(), "{when}: {:?}", ledger.errors);
        assert_acknowledged(env.ctx.db.pool(), &ledger, &when).await;
    }
    let ledger = crew
        .expect("at least one round")
        .ledger
        .lock()
        .unwrap()
        .clone();
    eprintln!(
        "crash drill: {rounds} rounds; acknowledged {}; {} exchanges cut by a kill, {} answered 503; {jobs_finished} job runs finished before their kill",
        ledger.tally(),
        ledger.lost,
        ledger.unavailable,
    );
    assert!(
        ledger.count(Seen::Submitted) > 0 && ledger.count(Seen::Approved) > 0,
        "the drill must have driven work"
    );
    assert!(
        ledger.lost > 0,
        "some exchange must have been cut by a kill"
    );
    // The jobs did their part over the rounds: time-limited assignments ended.
    let expired: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'assignment.expired'")
            .fetch_one(env.ctx.db.pool())
            .await
            .unwrap();
    assert!(expired > 0, "the job runs expired nothing");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The case time limit, raised for a long run of the crash drill (it is read as a case starts).
fn allow_rounds() {
    let rounds = rounds();
    if rounds > 4 {
        domain::testing::set_case_timeout(Duration::from_secs(60 + 25 * rounds as u64));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let _turn = drill_turn().await;
    allow_rounds();
    domain::testing::run_sqlite(crash).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let _turn = drill_turn().await;
    allow_rounds();
    domain::testing::run_postgres(crash).await;
}
