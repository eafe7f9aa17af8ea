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

/// A governance file using every part: a catalog with roles and a resource, a package with a
/// two-stage policy (fallback, forwarding, a question, extension, a review series that began
/// in the past) and a second policy, incompatibilities across catalogs.
const GOVERNANCE: &str = "\
version: 1
catalogs:
  - name: Marketing
    description: Campaign tools
    roles:
      - role: catalog_owner
        user: maria.manager@woodgrove.example
      - role: access_package_manager
        user: fiona.fallback@woodgrove.example
    resources:
      - Office Licenses
    accessPackages:
      - name: Campaign tools
        description: Licenses for the campaign team
        resourceRoles:
          - group: Office Licenses
            role: member
        incompatibleGroups:
          - Contractors
        incompatibleAccessPackages:
          - catalog: General
            name: Contractor access
        policies:
          - name: Staff
            allowedTargetScope: allMemberUsers
            requestorJustification: true
            approvalStages:
              - managerAsApprover: true
                fallbackApprovers:
                  - user: fiona.fallback@woodgrove.example
                decisionDays: 14
              - approvers:
                  - user: maria.manager@woodgrove.example
                decisionDays: 7
                forward:
                  alternates:
                    - user: alex.admin@woodgrove.example
                  afterDays: 4
            questions:
              - text: Which region?
                format: choice
                choices: [North, South]
                required: true
            expiration:
              type: days
              days: 180
            extension:
              requiresApproval: false
            review:
              startingOn: 2026-01-05
              frequency: quarterly
              durationDays: 14
              reviewers: manager
              fallbackReviewers:
                - user: fiona.fallback@woodgrove.example
              ifNoResponse: removeAccess
          - name: Partners
            allowedTargetScope: specificDirectoryUsers
            specificAllowedTargets:
              - user: gus.guest@partner.example
              - group: Contractors
            expiration:
              type: onDate
              date: 2030-06-30
  - name: General
    description: Where packages go unless a catalog is chosen
    accessPackages:
      - name: Contractor access
        description: For contractors
        resourceRoles:
          - group: Contractors
            role: member
        policies:
          - name: Admin assigned
            allowedTargetScope: notSpecified
            expiration:
              type: never
";

/// A database with the demo directory and a Contractors group, as the test's `url`.
async fn directory(url: &str) {
    use domain::model::*;
    let db = domain::db::Db::connect(url).await.unwrap();
    db.migrate().await.unwrap();
    let ctx =
        domain::service::Ctx::new(db.clone(), std::sync::Arc::new(domain::clock::SystemClock));
    domain::service::demo::seed(&ctx).await.unwrap();
    let mut tx = ctx.db.begin().await.unwrap();
    domain::store::groups::insert(
        &mut tx,
        GroupId::new(),
        &GroupName::parse("Contractors").unwrap(),
        &Description::parse("").unwrap(),
        GroupKind::Security,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
}

/// `tessera apply` shows (dry run) and makes the changes as a person, `tessera export` writes
/// them back; export → apply on an empty database → export gives the same file, a second
/// apply changes nothing, and a person without the roles is refused with nothing changed.
#[tokio::test]
async fn export_and_apply_make_a_round_trip_through_an_empty_database() {
    let dir = std::env::temp_dir().join(format!("tessera-cli-gov-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let a = format!("sqlite://{}/a/tessera.db", dir.display());
    let b = format!("sqlite://{}/b/tessera.db", dir.display());
    directory(&a).await;
    directory(&b).await;
    let alex = "alex.admin@woodgrove.example";
    let file = dir.join("governance.yaml");
    std::fs::write(&file, GOVERNANCE).unwrap();
    let path = file.to_str().unwrap();

    let dry = tessera(&a, &["apply", path, "--as", alex, "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    let out = text(&dry);
    for line in [
        "+ catalog Marketing",
        "+ maria.manager@woodgrove.example catalog owner of catalog Marketing",
        "+ access package Marketing / Campaign tools",
        "+ policy Partners of Marketing / Campaign tools",
        "~ catalog General (description)",
        "+ incompatible General / Contractor access with Marketing / Campaign tools",
        "+ incompatible Contractors with Marketing / Campaign tools",
        "Dry run:",
    ] {
        assert!(out.contains(line), "{line:?} in {out}");
    }
    let untouched = tessera(&a, &["export"]);
    assert!(
        !text(&untouched).contains("Marketing"),
        "{}",
        text(&untouched)
    );

    let applied = tessera(&a, &["apply", path, "--as", alex]);
    assert!(applied.status.success(), "{}", text(&applied));
    assert!(text(&applied).contains("Applied"), "{}", text(&applied));
    let first = tessera(&a, &["export"]);
    assert!(first.status.success(), "{}", text(&first));
    let exported = String::from_utf8(first.stdout).unwrap();
    for part in [
        "name: Marketing",
        "user: maria.manager@woodgrove.example",
        "startingOn: 2026-01-05",
        "date: 2030-06-30",
        "- group: Contractors",
    ] {
        assert!(exported.contains(part), "{part:?} in {exported}");
    }
    let only = tessera(&a, &["export", "--catalog", "marketing"]);
    let only = String::from_utf8(only.stdout).unwrap();
    assert!(
        only.contains("Campaign tools") && !only.contains("- name: General"),
        "{only}"
    );
    let none = tessera(&a, &["export", "--catalog", "Nope"]);
    assert!(!none.status.success());
    assert!(
        text(&none).contains("--catalog: No catalog you can read is named Nope."),
        "{}",
        text(&none)
    );

    let round = dir.join("exported.yaml");
    std::fs::write(&round, &exported).unwrap();
    let round = round.to_str().unwrap();
    let into_b = tessera(&b, &["apply", round, "--as", alex]);
    assert!(into_b.status.success(), "{}", text(&into_b));
    let again = String::from_utf8(tessera(&b, &["export"]).stdout).unwrap();
    assert_eq!(
        again, exported,
        "export → apply on an empty database → export"
    );
    let twice = tessera(&b, &["apply", round, "--as", alex]);
    assert!(
        text(&twice).contains("Nothing to change"),
        "{}",
        text(&twice)
    );

    // A change is shown, then made.
    let changed = dir.join("changed.yaml");
    std::fs::write(&changed, exported.replace("days: 180", "days: 90")).unwrap();
    let changed = changed.to_str().unwrap();
    let shown = tessera(&b, &["apply", changed, "--as", alex, "--dry-run"]);
    assert!(
        text(&shown).contains("~ policy Staff of Marketing / Campaign tools\nDry run: 1 change(s)"),
        "{}",
        text(&shown)
    );
    let made = tessera(&b, &["apply", changed, "--as", alex]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(
        String::from_utf8(tessera(&b, &["export"]).stdout)
            .unwrap()
            .contains("days: 90")
    );

    // Maria owns Marketing, not General: the whole apply is refused, naming General, and
    // her change to Marketing is not made either.
    let hers = dir.join("hers.yaml");
    std::fs::write(
        &hers,
        exported
            .replace(
                "description: Licenses for the campaign team",
                "description: Renamed by Maria",
            )
            .replace(
                "description: For contractors",
                "description: Changed by Maria",
            ),
    )
    .unwrap();
    let refused = tessera(
        &b,
        &[
            "apply",
            hers.to_str().unwrap(),
            "--as",
            "maria.manager@woodgrove.example",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused)
            .contains("catalogs.General.accessPackages.Contractor access: You may not change this"),
        "{}",
        text(&refused)
    );
    let after = String::from_utf8(tessera(&b, &["export"]).stdout).unwrap();
    assert!(!after.contains("Renamed by Maria"), "{after}");
    let eric = tessera(
        &b,
        &["apply", round, "--as", "eric.employee@woodgrove.example"],
    );
    assert!(
        text(&eric).contains("only administrators can apply"),
        "{}",
        text(&eric)
    );
    let nobody = tessera(&b, &["apply", round, "--as", "nobody@woodgrove.example"]);
    assert!(
        text(&nobody).contains("--as: No enabled account has the email"),
        "{}",
        text(&nobody)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
