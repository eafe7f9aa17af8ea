//! A PostgreSQL restart under load, and a statement over its time limit: answered "try
//! again" within the bound, nothing half done, back without a restart of Tessera.

use super::*;

/// A PostgreSQL cluster of the drill's own (initdb, pg_ctl from the machine's PostgreSQL), so
/// it can be restarted without touching anyone else's databases. Run as the `postgres` user
/// when the tests run as root (PostgreSQL refuses root). Stopped and removed when dropped.
struct PrivateCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivateCluster {
    /// None (with a note) when PostgreSQL's programs are not on this machine and the run
    /// does not require PostgreSQL.
    fn start() -> Option<Self> {
        let bin = pg_bin()?;
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let dir = scratch("pg");
        if root {
            let owned = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(owned, "cannot give {} to the postgres user", dir.display());
        }
        let me = Self {
            bin,
            dir,
            port: free_port(),
            as_postgres: root,
        };
        let data = me.dir.join("data");
        me.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        me.pg_ctl_start();
        Some(me)
    }

    /// PostgreSQL's `program`, as the `postgres` user when the tests run as root.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn pg_ctl_start(&self) {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
    }

    /// A fast shutdown: sessions are cut, in-flight transactions roll back.
    fn pg_ctl_stop(&self) {
        let data = self.dir.join("data");
        self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One timed exchange of the probe: when it started (since the load began), how long it took,
/// its status and whether it was the "try again" answer.
#[derive(Debug, Clone)]
struct Probe {
    at: Duration,
    took: Duration,
    status: Option<hyper::StatusCode>,
    try_again: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn is_answered_try_again_and_survived_without_a_restart() {
    let _turn = drill_turn().await;
    let Some(pg) = PrivateCluster::start() else {
        return;
    };
    let url = pg.url();
    let dir = scratch("restart");
    let users = 300;
    seed(&url, users, 14, 600);
    let db = domain::db::Db::connect(&url).await.unwrap();
    let mut server = Instance::start(&url, &dir, "serve", &[]).await;
    let http = drive::client(64);
    let crew = Crew::new(
        &http,
        cast(db.pool(), &http, &server.base, users, 120).await,
    );
    let (cookies, pairs) = (crew.cookies.clone(), crew.pairs.clone());
    // The pair the statement-limit step submits, kept aside before the writers start: a fast
    // run's writers used up every pair once (stop 30), and the step found none left.
    let (who, package) = pairs.lock().unwrap().pop_front().unwrap();
    let reader = cookies.values().next().unwrap().clone();
    let began = Instant::now();
    let until = began + Duration::from_secs(20);
    // Writers: request and decide, as people do, through the gap.
    let drivers = drivers(
        &crew,
        2,
        |_| (server.base.clone(), server.base.clone()),
        until,
    );
    // A reader: My Access every 100 ms, each answer timed.
    let probe = {
        let (http, base) = (http.clone(), server.base.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while Instant::now() < until {
                let at = began.elapsed();
                let t = Instant::now();
                let answer = exchange(&http, drive::get(&base, "/myaccess", Some(&reader))).await;
                seen.push(Probe {
                    at,
                    took: t.elapsed(),
                    status: answer.as_ref().map(|(s, _)| *s),
                    try_again: answer
                        .as_ref()
                        .is_some_and(|(_, body)| body.contains("Try again in a moment")),
                });
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stopped_at = began.elapsed();
    pg.pg_ctl_stop();
    // Longer than a request waits for a connection: a shorter gap is bridged (the request
    // waits, then succeeds), which this drill saw first.
    tokio::time::sleep(server::config::ACQUIRE_TIMEOUT + Duration::from_secs(3)).await;
    pg.pg_ctl_start();
    let back_at = began.elapsed();
    for d in drivers {
        d.await.unwrap();
    }
    let probes = probe.await.unwrap();
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited: {}",
        server.log_text()
    );

    // No answer took longer than the wait for a connection, and a little.
    let bound = server::config::ACQUIRE_TIMEOUT + Duration::from_secs(3);
    for p in &probes {
        assert!(p.status.is_some(), "no answer at {:?}: {p:?}", p.at);
        assert!(
            p.took < bound,
            "an answer took {:?} (bound {bound:?}): {p:?}",
            p.took
        );
    }
    let gap: Vec<&Probe> = probes
        .iter()
        .filter(|p| p.status != Some(hyper::StatusCode::OK))
        .collect();
    assert!(!gap.is_empty(), "the restart went unnoticed: {probes:?}");
    for p in &gap {
        assert_eq!(
            p.status,
            Some(hyper::StatusCode::SERVICE_UNAVAILABLE),
            "{p:?}"
        );
        assert!(p.try_again, "a 503 without the try-again page: {p:?}");
        assert!(
            p.at + p.took >= stopped_at && p.at <= back_at + bound,
            "a failure outside the gap ({stopped_at:?}–{back_at:?}): {p:?}"
        );
    }
    // Back by itself: the last probes are answered.
    let last = probes.iter().rev().take(10).collect::<Vec<_>>();
    assert!(
        last.iter().all(|p| p.status == Some(hyper::StatusCode::OK)),
        "not back after the restart: {last:?}"
    );
    let ledger = crew.ledger.lock().unwrap().clone();
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    assert!(ledger.count(Seen::Submitted) > 0);
    assert_acknowledged(db.pool(), &ledger, "after the restart").await;
    assert_check(&url, "after the restart");
    eprintln!(
        "database restart: {} probes, {} answered 503 in the gap ({stopped_at:?}–{back_at:?}), longest {:?}; writers: {} acknowledged, {} answered 503",
        probes.len(),
        gap.len(),
        probes.iter().map(|p| p.took).max().unwrap_or_default(),
        ledger.seen.len(),
        ledger.unavailable,
    );

    // A statement held past its limit (a lock another session keeps) is answered "try
    // again" too, and nothing of the use case stays.
    let mut limited = Instance::start(
        &url,
        &dir,
        "limited",
        &[("TESSERA_STATEMENT_TIMEOUT_SECONDS", "1")],
    )
    .await;
    let requests_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_package_requests")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let mut lock = db.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE access_package_requests IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let t = Instant::now();
    let (status, body) = exchange(
        &http,
        drive::submit(&limited.base, &cookies[&who], &package),
    )
    .await
    .unwrap();
    let took = t.elapsed();
    lock.rollback().await.unwrap();
    assert_eq!(status, hyper::StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("Unavailable"), "{body}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    let requests_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_package_requests")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(
        requests_before, requests_after,
        "a half-made request was kept"
    );
    let (status, body) = exchange(
        &http,
        drive::submit(&limited.base, &cookies[&who], &package),
    )
    .await
    .unwrap();
    assert!(status.is_success(), "{status} {body}");
    limited.stop();
    server.stop();
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
