//! The `tessera` binary's lifecycle commands against a real SQLite file: `jobs run --at`
//! prints what it did, `audit verify` finds a tampered event and exits non-zero.

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
    let _ = std::fs::remove_dir_all(&dir);
}
