//! The SQLite connections' settings: the one writer keeps a larger page cache and checkpoints
//! the WAL later (the expiry job at 100,000 people, docs/BENCHMARKS.md); the readers keep
//! SQLite's defaults, so the eight of them stay small.

use domain::db::{Db, SQLITE_WAL_AUTOCHECKPOINT, SQLITE_WRITER_CACHE_KIB};

async fn pragma(conn: &mut sqlx::AnyConnection, name: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(&format!("PRAGMA {name}"))
        .fetch_one(conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_writer_alone_keeps_a_larger_cache_and_checkpoints_later() {
    let dir = std::env::temp_dir().join(format!("tessera-db-{}", uuid::Uuid::now_v7().simple()));
    let db = Db::connect(&format!("sqlite://{}/tessera.db", dir.display()))
        .await
        .unwrap();
    let mut writer = db.writer().await.unwrap();
    assert_eq!(
        pragma(&mut writer, "cache_size").await,
        -SQLITE_WRITER_CACHE_KIB
    );
    assert_eq!(
        pragma(&mut writer, "wal_autocheckpoint").await,
        SQLITE_WAL_AUTOCHECKPOINT
    );
    drop(writer);
    let mut reader = db.pool().acquire().await.unwrap();
    assert_eq!(
        pragma(&mut reader, "cache_size").await,
        -2000,
        "a reader keeps SQLite's default cache"
    );
    assert_eq!(
        pragma(&mut reader, "wal_autocheckpoint").await,
        1000,
        "a reader keeps SQLite's default checkpoint"
    );
    drop(reader);
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
