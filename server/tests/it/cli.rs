//! The `tessera` binary against real SQLite files: `jobs run --at` prints what it did,
//! `audit verify` and `check` find a tampered event and exit non-zero, `backup` and
//! `restore` make a round trip, and `serve` stops cleanly on SIGTERM.

use std::process::{Command, Output};

fn tessera(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .env_remove("SMTP_URL")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn jobs_run_at_an_instant_and_audit_verify_catches_tampering() {
    let dir = std::env::temp_dir().join(format!("tessera-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = format!("sqlite://{}/tessera.db", dir.display());

    let created = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["admin", "create", "--email", "root@woodgrove.example"])
        .env("DATABASE_URL", &db)
        .env("TESSERA_ADMIN_PASSWORD", "a long test password")
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", text(&created));

    let run = tessera(&db, &["jobs", "run", "--at", "2027-11-26T09:00:00Z"]);
    assert!(run.status.success(), "{}", text(&run));
    let out = text(&run);
    assert!(
        out.contains("Running the jobs due at 2027-11-26T09:00:00+00:00"),
        "{out}"
    );
    assert!(out.contains("(no SMTP_URL: email is not sent)"), "{out}");
    assert!(out.contains("expiry: 0 assignment(s) expired"), "{out}");
    assert!(out.contains("access reviews: 0 started"), "{out}");

    let bad = tessera(&db, &["jobs", "run", "--at", "next year"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("RFC 3339"), "{}", text(&bad));

    let verify = tessera(&db, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(
        text(&verify).contains("Audit chain intact: 1 event(s)"),
        "{}",
        text(&verify)
    );
    let check = tessera(&db, &["check"]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(
        text(&check).contains("invariants hold."),
        "{}",
        text(&check)
    );

    // A backup, taken while the database is open elsewhere, restores into a new place.
    let backup = dir.join("backup.db");
    let open_elsewhere = domain::db::Db::connect(&db).await.unwrap();
    let made = tessera(&db, &["backup", backup.to_str().unwrap()]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("Backed up to"), "{}", text(&made));
    let again = tessera(&db, &["backup", backup.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    open_elsewhere.close().await;
    let restored = format!("sqlite://{}/restored/tessera.db", dir.display());
    let back = tessera(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(back.status.success(), "{}", text(&back));
    assert!(
        text(&back).contains("every invariant holds, the audit chain is intact"),
        "{}",
        text(&back)
    );
    let verify = tessera(&restored, &["audit", "verify"]);
    assert!(
        text(&verify).contains("Audit chain intact: 1 event(s)"),
        "{}",
        text(&verify)
    );
    let over = tessera(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(!over.status.success());
    assert!(text(&over).contains("--force"), "{}", text(&over));
    let forced = tessera(&restored, &["restore", backup.to_str().unwrap(), "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));

    let db_conn = domain::db::Db::connect(&db).await.unwrap();
    sqlx::query("UPDATE audit_events SET summary = 'someone else' WHERE seq = 1")
        .execute(db_conn.pool())
        .await
        .unwrap();
    db_conn.close().await;
    let verify = tessera(&db, &["audit", "verify"]);
    assert!(
        !verify.status.success(),
        "a changed event must fail the check"
    );
    assert!(
        text(&verify).contains("audit chain BROKEN at event 1: its content was changed"),
        "{}",
        text(&verify)
    );
    let check = tessera(&db, &["check"]);
    assert!(
        !check.status.success(),
        "a changed event must fail the check"
    );
    assert!(
        text(&check).contains("BROKEN  the audit log's hash chain is intact"),
        "{}",
        text(&check)
    );
    // A backup of a tampered database is refused on restore, and changes nothing.
    let bad = dir.join("tampered.db");
    assert!(
        tessera(&db, &["backup", bad.to_str().unwrap()])
            .status
            .success()
    );
    let refused = tessera(&restored, &["restore", bad.to_str().unwrap(), "--force"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains(
            "was not restored: it breaks an invariant: the audit log's hash chain is intact"
        ),
        "{}",
        text(&refused)
    );
    let verify = tessera(&restored, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Answers `GET path` on 127.0.0.1:`port` (status line and body), or None when nothing answers.
fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn serve_reports_ready_then_stops_cleanly_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("tessera-term-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tessera.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", format!("sqlite://{}", file.display()))
        .env("RUST_LOG", "info,sqlx=warn")
        .env("TESSERA_SHUTDOWN_SECONDS", "10")
        .env("NO_COLOR", "1")
        .env_remove("SMTP_URL")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut ready = None;
    while started.elapsed() < std::time::Duration::from_secs(30) {
        if let Some(answer) = get(port, "/readyz")
            && answer.contains("\"ticks\":1")
        {
            ready = Some(answer);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let ready = ready.unwrap_or_else(|| {
        let _ = child.kill();
        panic!(
            "no ready answer: {}",
            std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
        )
    });
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains("\"status\":\"ready\""), "{ready}");
    assert!(ready.contains("\"name\":\"lifecycle\""), "{ready}");
    assert!(ready.contains("\"name\":\"cleanup\""), "{ready}");
    assert!(
        !ready.contains("\"name\":\"email\""),
        "no SMTP_URL, no e-mail loop: {ready}"
    );
    assert!(
        file.with_extension("db-wal").exists(),
        "the database is open in WAL mode"
    );

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let stopping = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if stopping.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("still running 20 s after SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    assert!(status.success(), "exit {status:?}: {log}");
    assert!(
        log.contains("shutting down") && log.contains("SIGTERM"),
        "{log}"
    );
    assert!(log.contains("scheduler stopped"), "{log}");
    assert!(log.contains("Tessera stopped"), "{log}");
    // Every connection closed: SQLite checkpointed the WAL into the file and removed it.
    assert!(!file.with_extension("db-wal").exists(), "{log}");
    assert!(get(port, "/healthz").is_none(), "nothing listens any more");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tessera sync token create` prints a directory sync token once, on stdout alone (so a
/// script can capture it), stores only its hash, and audits it; without a name it says so.
#[test]
fn sync_token_create_prints_the_token_once() {
    let dir = std::env::temp_dir().join(format!("tessera-cli-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/tessera.db", dir.display());

    let missing = tessera(&db, &["sync", "token", "create"]);
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains("needs --name"),
        "{}",
        text(&missing)
    );
    let blank = tessera(&db, &["sync", "token", "create", "--name", " "]);
    assert!(!blank.status.success());
    assert!(
        text(&blank).contains("--name: Name the client"),
        "{}",
        text(&blank)
    );

    let made = tessera(&db, &["sync", "token", "create", "--name", "Okta"]);
    assert!(made.status.success(), "{}", text(&made));
    let token = String::from_utf8_lossy(&made.stdout).trim().to_owned();
    assert!(
        token.starts_with("tscim_") && token.len() == 70,
        "{token:?}"
    );
    assert!(String::from_utf8_lossy(&made.stderr).contains("shown this once"));

    let file = dir.join("tessera.db");
    let stored = Command::new("sqlite3")
        .arg(&file)
        .arg("SELECT name, token_hash, created_by IS NULL FROM scim_tokens")
        .output();
    // sqlite3 may be missing on a machine; the check below then reads the audit through the CLI.
    if let Ok(out) = stored
        && out.status.success()
    {
        let row = String::from_utf8_lossy(&out.stdout);
        assert!(row.starts_with("Okta|") && !row.contains(&token), "{row}");
    }
    let verify = tessera(&db, &["audit", "verify"]);
    assert!(
        text(&verify).contains("Audit chain intact: 1 event(s)"),
        "{}",
        text(&verify)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
