//! The PostgreSQL backup of docs/OPERATIONS.md, round trip.

use super::*;

/// The PostgreSQL backup docs/OPERATIONS.md gives, made while a server runs and restored into
/// an empty database: `tessera check` passes there and the audit chain is the same.
async fn pg_dump_round_trip(env: TestEnv) {
    let Some(bin) = pg_bin() else {
        return;
    };
    let dir = scratch("dump");
    seed(&env.url, 200, 7, 300);
    let mut server = Instance::start(&env.url, &dir, "serve", &[]).await;
    let dump = dir.join("tessera.dump");
    let made = Command::new(bin.join("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&env.url)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    server.stop();
    let (ok, original) = tessera(&env.url, &["audit", "verify"], &[]);
    assert!(ok, "{original}");

    let restored_name = format!("tessera_restored_{}", std::process::id());
    let admin = domain::testing::postgres_admin_url();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {restored_name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let restored = format!("{base}/{restored_name}");
    let back = Command::new(bin.join("pg_restore"))
        .args(["--no-owner", "--dbname"])
        .arg(&restored)
        .arg(&dump)
        .output()
        .unwrap();
    let checked = back.status.success().then(|| {
        (
            tessera(&restored, &["check"], &[]),
            tessera(&restored, &["audit", "verify"], &[]),
        )
    });
    sqlx::query(&format!(
        "DROP DATABASE IF EXISTS {restored_name} WITH (FORCE)"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let Some(((check_ok, check), (verify_ok, verify))) = checked else {
        panic!("pg_restore: {}", String::from_utf8_lossy(&back.stderr));
    };
    assert!(check_ok && check.contains("invariants hold"), "{check}");
    assert!(verify_ok, "{verify}");
    assert_eq!(verify, original, "the restored audit chain differs");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restores_with_its_invariants_and_audit_chain() {
    let _turn = drill_turn().await;
    domain::testing::run_postgres(pg_dump_round_trip).await;
}
