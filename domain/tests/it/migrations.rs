//! Migration 0008 rebuilds tables that others point at (requests, assignments) to add CHECK
//! constraints. On SQLite a careless rebuild empties the children (DROP TABLE on a parent
//! cascades); these cases migrate a database holding a row in every affected table up to 0007,
//! run the rest, and check that every row, every foreign key and the new checks are there,
//! and what the later migrations derive from those rows (0009's counts, 0013's inbox marks).
//! Migration 0017 rebuilds the connected systems' tables the same way; its case migrates up
//! to 0016 with a system, a link and an outbox row.

use domain::db::{Db, MIGRATOR};

/// One row in each table 0008 rebuilds, and the rows they hang from.
const SEED: &[&str] = &[
    "INSERT INTO users(id,email,display_name,user_type,created_at,updated_at) VALUES('u','e@x','E','member',0,0)",
    "INSERT INTO catalogs(id,name,name_key,created_at,updated_at) VALUES('c','C','c',0,0)",
    "INSERT INTO access_packages(id,catalog_id,name,name_key,description,created_at,updated_at) VALUES('p','c','P','p','',0,0)",
    "INSERT INTO access_package_policies(id,package_id,name,scope,enabled,spec,created_at,updated_at) VALUES('x','p','X','{}',1,'{}',0,0)",
    "INSERT INTO access_package_requests(id,package_id,policy_id,requestor_id,request_type,state,stage_no,created_at,updated_at) VALUES('r','p','x','u','userAdd','pendingApproval',1,0,0)",
    "INSERT INTO request_stages(request_id,stage_no,started_at,due_at) VALUES('r',1,0,1)",
    "INSERT INTO request_approvers(request_id,stage_no,user_id,source) VALUES('r',1,'u','manager')",
    "INSERT INTO access_package_requests(id,package_id,policy_id,requestor_id,request_type,state,stage_no,created_at,updated_at) VALUES('r-old','p','x','u','userAdd','denied',1,0,0)",
    "INSERT INTO request_stages(request_id,stage_no,started_at,due_at,decision,decided_at) VALUES('r-old',1,0,1,'denied',0)",
    "INSERT INTO request_approvers(request_id,stage_no,user_id,source) VALUES('r-old',1,'u','manager')",
    "INSERT INTO request_events(id,request_id,at,kind,text) VALUES('ev','r',0,'submitted','t')",
    "INSERT INTO access_package_assignments(id,package_id,policy_id,user_id,state,starts_at,created_at,updated_at) VALUES('a','p','x','u','delivered',0,0,0)",
    "INSERT INTO access_package_assignments(id,package_id,policy_id,user_id,state,active_key,starts_at,created_at,updated_at) VALUES('a-live','p','x','u','delivered','p/u',0,0,0)",
    "INSERT INTO access_reviews(id,policy_id,package_id,period_no,starts_at,ends_at,remind_at,state,settings,created_at) VALUES('rv','x','p',1,0,1,0,'active','{}',0)",
    "INSERT INTO review_items(review_id,assignment_id,user_id,recommendation) VALUES('rv','a','u','approve')",
    "INSERT INTO review_reviewers(review_id,assignment_id,reviewer_id) VALUES('rv','a','u')",
    "INSERT INTO notifications(id,user_id,kind,title,body,link,dedupe_key,created_at) VALUES('n','u','approved','t','b','/myaccess/requests','d',0)",
];

const REBUILT: &[&str] = &[
    "access_package_requests",
    "request_stages",
    "request_approvers",
    "access_package_assignments",
    "review_items",
    "review_reviewers",
    "notifications",
];

async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// Opens `url` migrated by the migrations before `first_not_run` as shipped (same text, so
/// the same checksums, from a copy), and runs `seed` there; the rest is the caller's. Returns
/// the database and the copy's folder (to remove).
async fn migrated_before(
    url: &str,
    first_not_run: &str,
    seed: &[&str],
) -> (Db, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("tessera-mig-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < first_not_run {
            std::fs::copy(&path, dir.join(&name)).unwrap();
        }
    }
    let db = Db::connect(url).await.unwrap();
    let before = sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap();
    let expected: usize = first_not_run.parse::<usize>().unwrap() - 1;
    assert_eq!(before.iter().count(), expected);
    before.run(db.pool()).await.unwrap();
    for statement in seed {
        sqlx::query(statement).execute(db.pool()).await.unwrap();
    }
    (db, dir)
}

async fn rebuild_keeps_rows_children_and_adds_checks(url: &str) {
    let (db, dir) = migrated_before(url, "0008", SEED).await;
    MIGRATOR.run(db.pool()).await.unwrap();
    for table in REBUILT {
        let expected = match *table {
            "access_package_assignments"
            | "access_package_requests"
            | "request_stages"
            | "request_approvers" => 2,
            _ => 1,
        };
        assert_eq!(count(&db, table).await, expected, "{table} kept its rows");
    }
    // 0009 counted each package's live assignments (one of the two is live).
    let live: i64 =
        sqlx::query_scalar("SELECT live_assignments FROM access_packages WHERE id = 'p'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(live, 1);
    // A notification's link now names the place; the path it held is translated.
    let link: String = sqlx::query_scalar("SELECT link FROM notifications")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(link, "requests");
    // 0013 marked the approvers a request waits on, and only those.
    let marks: Vec<(String, i64)> =
        sqlx::query_as("SELECT request_id, awaiting FROM request_approvers ORDER BY request_id")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert_eq!(marks, vec![("r".into(), 1), ("r-old".into(), 0)]);
    // 0028 moved the request's event into its row.
    let timeline: String =
        sqlx::query_scalar("SELECT timeline FROM access_package_requests WHERE id = 'r'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(timeline, "0 submitted 1:t");
    // The children point at the rebuilt parents: deleting a request takes its stages,
    // approvers and events; deleting an assignment takes its review item and reviewers.
    sqlx::query("DELETE FROM access_package_requests")
        .execute(db.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM access_package_assignments")
        .execute(db.pool())
        .await
        .unwrap();
    for table in REBUILT.iter().filter(|t| **t != "notifications") {
        assert_eq!(count(&db, table).await, 0, "{table} followed its parent");
    }
    // The new checks refuse what no code writes.
    for bad in [
        "INSERT INTO access_package_requests(id,package_id,policy_id,requestor_id,request_type,state,created_at,updated_at) VALUES('r2','p','x','u','userAdd','delivering',0,0)",
        "INSERT INTO access_package_requests(id,package_id,policy_id,requestor_id,request_type,state,created_at,updated_at) VALUES('r3','p','x','u','selfAdd','submitted',0,0)",
        "INSERT INTO access_package_assignments(id,package_id,policy_id,user_id,state,starts_at,created_at,updated_at) VALUES('a2','p','x','u','Delivered',0,0,0)",
        "INSERT INTO notifications(id,user_id,kind,title,body,link,dedupe_key,created_at) VALUES('n2','u','assigned','t','b','requests','d2',0)",
        "INSERT INTO notifications(id,user_id,kind,title,body,link,dedupe_key,created_at) VALUES('n3','u','approved','t','b','/myaccess/requests','d3',0)",
    ] {
        let e = sqlx::query(bad).execute(db.pool()).await.unwrap_err();
        assert!(e.to_string().to_lowercase().contains("check"), "{bad}: {e}");
    }
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A connected system, a linked group and an outbox row, as 0016 stored them.
const CONNECTOR_SEED: &[&str] = &[
    "INSERT INTO users(id,email,display_name,user_type,created_at,updated_at) VALUES('u','e@x','E','member',0,0)",
    "INSERT INTO directory_groups(id,name,name_key,kind,created_at,updated_at) VALUES('g','G','g','security',0,0)",
    "INSERT INTO connected_systems(id,name,name_key,kind,settings,secret,created_at,updated_at) VALUES('s','S','s','ldap','{}','sealed',0,0)",
    "INSERT INTO group_links(group_id,system_id,external_id,created_at) VALUES('g','s','cn=g',0)",
    "INSERT INTO connector_changes(group_id,user_id,system_id,member,version,state) VALUES('g','u','s',1,1,'failed')",
];

async fn connector_rebuild_keeps_rows_and_takes_scim(url: &str) {
    let (db, dir) = migrated_before(url, "0017", CONNECTOR_SEED).await;
    MIGRATOR.run(db.pool()).await.unwrap();
    for table in ["connected_systems", "group_links", "connector_changes"] {
        assert_eq!(count(&db, table).await, 1, "{table} kept its row");
    }
    let secret: String = sqlx::query_scalar("SELECT secret FROM connected_systems")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(secret, "sealed");
    // 0022 keyed the outbox by role: the old row is a membership still wanted, still failed.
    let change: (String, i64, String) =
        sqlx::query_as("SELECT role, holds, state FROM connector_changes")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(change, ("member".into(), 1, "failed".into()));
    sqlx::query("INSERT INTO connected_systems(id,name,name_key,kind,settings,created_at,updated_at) VALUES('s2','T','t','scim','{}',0,0)")
        .execute(db.pool())
        .await
        .unwrap();
    let e = sqlx::query("INSERT INTO connected_systems(id,name,name_key,kind,settings,created_at,updated_at) VALUES('s3','U','u','webdav','{}',0,0)")
        .execute(db.pool())
        .await
        .unwrap_err();
    assert!(e.to_string().to_lowercase().contains("check"), "{e}");
    // The children point at the rebuilt tables: a deleted group takes its link and changes.
    sqlx::query("DELETE FROM directory_groups")
        .execute(db.pool())
        .await
        .unwrap();
    for table in ["group_links", "connector_changes"] {
        assert_eq!(count(&db, table).await, 0, "{table} followed its group");
    }
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two requests as 0027 stored them: one with three timeline events (two at the same time,
/// written out of id order, and texts that hold quotes, line breaks, a colon after digits and
/// letters outside ASCII), one with none.
const TIMELINE_SEED: &[&str] = &[
    "INSERT INTO users(id,email,display_name,user_type,created_at,updated_at) VALUES('u','e@x','E','member',0,0)",
    "INSERT INTO catalogs(id,name,name_key,created_at,updated_at) VALUES('c','C','c',0,0)",
    "INSERT INTO access_packages(id,catalog_id,name,name_key,description,created_at,updated_at) VALUES('p','c','P','p','',0,0)",
    "INSERT INTO access_package_policies(id,package_id,name,scope,enabled,spec,created_at,updated_at) VALUES('x','p','X','{}',1,'{}',0,0)",
    "INSERT INTO access_package_requests(id,package_id,policy_id,requestor_id,request_type,state,stage_no,created_at,updated_at) VALUES('0190a000-0000-7000-8000-000000000001','p','x','u','userAdd','delivered',1,0,0)",
    "INSERT INTO access_package_requests(id,package_id,policy_id,requestor_id,request_type,state,stage_no,created_at,updated_at) VALUES('0190a000-0000-7000-8000-000000000002','p','x','u','userAdd','pendingApproval',1,0,0)",
    "INSERT INTO request_events(id,request_id,at,kind,actor_id,text) VALUES('e3','0190a000-0000-7000-8000-000000000001',1733580000500,'delivered',NULL,'Delivered')",
    "INSERT INTO request_events(id,request_id,at,kind,actor_id,text) VALUES('e2','0190a000-0000-7000-8000-000000000001',1733580000000,'approved','u','Approved by Zoë 🦀: \"fine\" 12:3\nsecond line\r\tend')",
    "INSERT INTO request_events(id,request_id,at,kind,actor_id,text) VALUES('e1','0190a000-0000-7000-8000-000000000001',1733580000000,'submitted','u','Requested by E')",
];

async fn timelines_move_into_their_requests(url: &str) {
    use domain::model::RequestId;
    let (db, dir) = migrated_before(url, "0028", TIMELINE_SEED).await;
    MIGRATOR.run(db.pool()).await.unwrap();
    let mut conn = db.pool().acquire().await.unwrap();
    let one = RequestId("0190a000-0000-7000-8000-000000000001".parse().unwrap());
    let events = domain::store::requests::events(&mut conn, one)
        .await
        .unwrap();
    let read: Vec<(i64, &str, &str)> = events
        .iter()
        .map(|(at, kind, text)| (at.timestamp_millis(), kind.as_str(), text.as_str()))
        .collect();
    assert_eq!(
        read,
        vec![
            (1733580000000, "submitted", "Requested by E"),
            (
                1733580000000,
                "approved",
                "Approved by Zoë 🦀: \"fine\" 12:3\nsecond line\r\tend"
            ),
            (1733580000500, "delivered", "Delivered"),
        ],
        "every event, in order (time, then id), each text whole"
    );
    let none = RequestId("0190a000-0000-7000-8000-000000000002".parse().unwrap());
    assert!(
        domain::store::requests::events(&mut conn, none)
            .await
            .unwrap()
            .is_empty()
    );
    // New entries go after the moved ones.
    let later = chrono::DateTime::from_timestamp_millis(1733580001000).unwrap();
    let canceled = domain::store::requests::Entry::new("canceled", "Canceled");
    domain::store::requests::event(&mut conn, one, canceled, later)
        .await
        .unwrap();
    let events = domain::store::requests::events(&mut conn, one)
        .await
        .unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(events.last().map(|e| e.1.as_str()), Some("canceled"));
    // The old table stays, empty, for an instance of the version before during an upgrade.
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM request_events")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(left, 0, "the moved entries left the old table");
    drop(conn);
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

mod rebuilt_tables_keep_their_rows_and_children {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let dir =
            std::env::temp_dir().join(format!("tessera-mig-db-{}", uuid::Uuid::now_v7().simple()));
        let url = format!("sqlite://{}/tessera.db", dir.display());
        super::rebuild_keeps_rows_children_and_adds_checks(&url).await;
        let url = format!("sqlite://{}/connectors.db", dir.display());
        super::connector_rebuild_keeps_rows_and_takes_scim(&url).await;
        let url = format!("sqlite://{}/timelines.db", dir.display());
        super::timelines_move_into_their_requests(&url).await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        use sqlx::Connection;
        let admin_url = domain::testing::postgres_admin_url();
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) if std::env::var("CI").is_err() => {
                eprintln!("SKIPPED: Postgres at {admin_url} is unreachable ({e})");
                return;
            }
            Err(e) => panic!("Postgres at {admin_url} is required: {e}"),
        };
        let name = format!("tessera_mig_{}", uuid::Uuid::now_v7().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        super::rebuild_keeps_rows_children_and_adds_checks(&format!("{base}/{name}")).await;
        sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let name = format!("tessera_mig_{}", uuid::Uuid::now_v7().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        super::connector_rebuild_keeps_rows_and_takes_scim(&format!("{base}/{name}")).await;
        sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let name = format!("tessera_mig_{}", uuid::Uuid::now_v7().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        super::timelines_move_into_their_requests(&format!("{base}/{name}")).await;
        sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
    }
}
