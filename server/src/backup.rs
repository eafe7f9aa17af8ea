//! `tessera backup FILE` and `tessera restore FILE` for SQLite (PostgreSQL: pg_dump and
//! pg_restore, see the README). A backup is taken online; a restore replaces the database
//! file of `DATABASE_URL` with a checked copy of the backup, while the server is stopped.

use domain::db::{Db, sqlite_file};
use std::path::Path;

/// Writes a consistent copy of the database to `file` (which must not exist yet).
pub async fn backup(database_url: &str, file: &Path) -> Result<String, String> {
    let db = Db::connect(database_url)
        .await
        .map_err(|e| format!("cannot open the database: {e:?}"))?;
    let done = db.backup_into(file).await;
    db.close().await;
    done.map_err(|e| crate::cli::error_line(e, ""))?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "Backed up to {} ({} KB). Restore it with: tessera restore {}",
        file.display(),
        size.div_ceil(1024),
        file.display()
    ))
}

/// Replaces the database of `database_url` with the backup `file`, after checking it: the
/// backup is copied beside the database, migrated to this version, and must pass every
/// invariant of `tessera check` (the audit chain among them) before it takes the database's
/// place. An existing database is only replaced with `force`. Nothing changes on a refusal.
pub async fn restore(database_url: &str, file: &Path, force: bool) -> Result<String, String> {
    let target = sqlite_file(database_url).ok_or(
        "tessera restore writes SQLite databases; restore PostgreSQL with pg_restore or psql (see the README)",
    )?;
    if !file.is_file() {
        return Err(format!("{}: no such backup file", file.display()));
    }
    let in_use = target.metadata().is_ok_and(|m| m.len() > 0);
    if in_use && !force {
        return Err(format!(
            "{} already holds a database; stop the server, then run again with --force to replace it (nothing was changed)",
            target.display()
        ));
    }
    let staging = target.with_extension("restoring");
    remove_database_files(&staging)?;
    if let Some(dir) = staging.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::copy(file, &staging)
        .map_err(|e| format!("cannot copy {} beside the database: {e}", file.display()))?;
    let checked = check_copy(&staging).await;
    if let Err(e) = checked {
        let _ = remove_database_files(&staging);
        return Err(format!("{} was not restored: {e}", file.display()));
    }
    remove_database_files(&target)?;
    std::fs::rename(&staging, &target)
        .map_err(|e| format!("cannot move the restored database into place: {e}"))?;
    Ok(format!(
        "Restored {} into {}: migrated, every invariant holds, the audit chain is intact.",
        file.display(),
        target.display()
    ))
}

/// Migrates the copy at `path` and runs every check on it.
async fn check_copy(path: &Path) -> Result<(), String> {
    let url = format!("sqlite://{}", path.display());
    let db = Db::connect(&url)
        .await
        .map_err(|e| format!("it cannot be opened as a database: {e:?}"))?;
    let outcome = async {
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(db.pool())
            .await
            .map_err(|e| format!("it cannot be read as a database: {e}"))?;
        if ok != "ok" {
            return Err(format!("SQLite's integrity check failed: {ok}"));
        }
        db.migrate()
            .await
            .map_err(|e| format!("it cannot be migrated to this version: {e:?}"))?;
        let ctx =
            domain::service::Ctx::new(db.clone(), std::sync::Arc::new(domain::clock::SystemClock));
        let findings = domain::service::check::run(&ctx)
            .await
            .map_err(|e| format!("it cannot be checked: {e:?}"))?;
        match findings.iter().find(|f| !f.holds()) {
            Some(f) => Err(format!(
                "it breaks an invariant: {} ({})",
                f.invariant,
                f.breaking.join("; ")
            )),
            None => Ok(()),
        }
    }
    .await;
    db.close().await;
    outcome
}

/// Removes a database file and its `-wal` and `-shm` companions, where they exist.
fn remove_database_files(path: &Path) -> Result<(), String> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove {}: {e}", Path::new(&name).display())),
        }
    }
    Ok(())
}
