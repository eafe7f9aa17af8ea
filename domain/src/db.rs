//! One pool over SQLite or Postgres through sqlx's `Any` driver, so every query is written
//! once in portable SQL (`$n` placeholders, TEXT ids, BIGINT millisecond timestamps).

use crate::model::Backend;
use crate::{DomainError, DomainResult};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub type Tx = Transaction<'static, Any>;

/// The database. On SQLite, where only one writer can hold the file at a time, writes go
/// through a pool of **one** connection of their own: writers wait their turn in the pool's
/// first-come-first-served queue instead of retrying in SQLite's busy handler (sleeps that grow
/// to 100 ms, so under contention the unlucky ones waited a second), and reads run beside them
/// on the other pool (WAL). On Postgres both are the same pool.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    writer: AnyPool,
    backend: Backend,
}

/// How the pools are sized and bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbOptions {
    /// PostgreSQL: the pool's connections (each instance holds up to this many).
    pub connections: u32,
    /// How long a use case waits for a free connection (or for a connection to be made)
    /// before it gives up with [`DomainError::Unavailable`]: the bound on a request's wait
    /// while the database is away.
    pub acquire_timeout: Duration,
    /// PostgreSQL: `statement_timeout` on every connection (None: the server's own). Not for
    /// migrations and one-off commands, whose statements may rightly run for minutes.
    pub statement_timeout: Option<Duration>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            connections: 16,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: None,
        }
    }
}

impl Db {
    /// Connects to `url` (`sqlite://path`, `sqlite::memory:` or `postgres://…`). For SQLite the
    /// file and its folder are created when missing.
    pub async fn connect(url: &str) -> DomainResult<Self> {
        Self::connect_with(url, DbOptions::default()).await
    }

    /// [`Db::connect`] with the pools sized and bounded by `limits`.
    pub async fn connect_with(url: &str, limits: DbOptions) -> DomainResult<Self> {
        install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            (Backend::Sqlite, prepare_sqlite_url(url)?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(DomainError::invalid(
                "DATABASE_URL",
                "must start with sqlite: or postgres://",
            ));
        };
        let options = AnyPoolOptions::new().acquire_timeout(limits.acquire_timeout);
        match backend {
            Backend::Sqlite => {
                let pool = sqlite_options(options.clone(), SqlitePool::Read)
                    .connect(&url)
                    .await
                    .map_err(DomainError::internal)?;
                // An in-memory database is one per connection: writes must see the reads'.
                let writer = if url.contains(":memory:") || url.contains("mode=memory") {
                    pool.clone()
                } else {
                    sqlite_options(options, SqlitePool::Write)
                        .connect(&url)
                        .await
                        .map_err(DomainError::internal)?
                };
                Ok(Self {
                    pool,
                    writer,
                    backend,
                })
            }
            Backend::Postgres => {
                let statement_timeout = limits.statement_timeout.map(|d| d.as_millis());
                let pool = options
                    .max_connections(limits.connections.max(1))
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            if let Some(ms) = statement_timeout {
                                conn.execute(format!("SET statement_timeout = {ms}").as_str())
                                    .await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
                    .map_err(DomainError::internal)?;
                Ok(Self {
                    writer: pool.clone(),
                    pool,
                    backend,
                })
            }
        }
    }

    pub async fn migrate(&self) -> DomainResult<()> {
        MIGRATOR
            .run(&self.writer)
            .await
            .map_err(DomainError::internal)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction; on SQLite it waits for the write connection. It also takes
    /// the file's write lock up front (`BEGIN IMMEDIATE`), for another process on the same
    /// file (`tessera jobs run` beside the server): a deferred transaction that reads then
    /// writes fails with "database is locked" when another writer committed in between.
    pub async fn begin(&self) -> DomainResult<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        tx.map_err(DomainError::internal)
    }

    /// A connection for one write outside a transaction (a session's row), in the writers'
    /// queue on SQLite.
    pub async fn writer(&self) -> DomainResult<sqlx::pool::PoolConnection<Any>> {
        self.writer.acquire().await.map_err(DomainError::internal)
    }

    /// Refreshes SQLite's planner statistics from a bounded sample of each index
    /// (`analysis_limit`: milliseconds, however large the tables). Run at start and hourly:
    /// the hour soak found a manager's inbox three times slower on statistics taken when the
    /// database was a fifth of its size (`PRAGMA optimize` would not have run: it waits for
    /// a table to grow many times over). PostgreSQL's autovacuum analyzes by itself.
    pub async fn refresh_statistics(&self) -> DomainResult<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let mut conn = self.writer().await?;
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&mut *conn)
            .await?;
        sqlx::query("ANALYZE").execute(&mut *conn).await?;
        Ok(())
    }

    /// Whether the database answers; for `/healthz`.
    pub async fn ping(&self) -> DomainResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(DomainError::internal)
    }

    /// (pool, connections open, of which idle) for each pool: `read` and, on SQLite, `write`.
    pub fn pool_usage(&self) -> Vec<(&'static str, u32, u32)> {
        let usage = |p: &AnyPool| (p.size(), u32::try_from(p.num_idle()).unwrap_or(u32::MAX));
        let (size, idle) = usage(&self.pool);
        let mut out = vec![("read", size, idle)];
        if self.backend == Backend::Sqlite {
            let (size, idle) = usage(&self.writer);
            out.push(("write", size, idle));
        }
        out
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    /// A consistent copy of this SQLite database in the new file `to`, made while it is in
    /// use: `VACUUM INTO` reads one snapshot and writes a compact, self-contained file (a
    /// plain copy of a WAL database can miss what is still in its `-wal` file). PostgreSQL is
    /// backed up with `pg_dump`.
    pub async fn backup_into(&self, to: &std::path::Path) -> DomainResult<()> {
        if self.backend != Backend::Sqlite {
            return Err(DomainError::invalid(
                "DATABASE_URL",
                "tessera backup copies SQLite databases; back up PostgreSQL with pg_dump (see the README)",
            ));
        }
        if to.exists() {
            return Err(DomainError::invalid(
                "FILE",
                "already exists; name a new file (nothing was written)",
            ));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(to.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await
            .map_err(DomainError::internal)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))
                .map_err(DomainError::internal)?;
        }
        Ok(())
    }
}

/// The file of a `sqlite:` URL (none for PostgreSQL and in-memory databases).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// The SQLite writer's page cache, in KiB (SQLite's default, which the readers keep, is
/// 2,000). A batch of the lifecycle jobs touches a few thousand pages of a large file at
/// random places (an assignment, its grant, notification and audit event, with their
/// indexes): in the default cache they were read again and spilled to the WAL before the
/// commit. The cache fills only as the writer touches pages, so it bounds the memory it adds.
pub const SQLITE_WRITER_CACHE_KIB: i64 = 16_384;

/// The pages the WAL may hold before a commit copies them into the database file (SQLite's
/// default: 1,000, which the jobs' batches passed nearly every commit). Later, a page that
/// many commits write reaches the file once; the WAL then grows to about 40 MB.
pub const SQLITE_WAL_AUTOCHECKPOINT: i64 = 10_000;

/// Which of the two SQLite pools a connection belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SqlitePool {
    /// Reads, beside the writer (WAL).
    Read,
    /// The one write connection.
    Write,
}

fn sqlite_options(options: AnyPoolOptions, role: SqlitePool) -> AnyPoolOptions {
    let connections = match role {
        SqlitePool::Read => 8,
        SqlitePool::Write => 1,
    };
    options
        .max_connections(connections)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                // WAL lets readers run beside the one writer.
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                // Only another process's writer (the queue orders this one's) waits here.
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                if role == SqlitePool::Write {
                    conn.execute(
                        format!("PRAGMA cache_size = -{SQLITE_WRITER_CACHE_KIB}").as_str(),
                    )
                    .await?;
                    conn.execute(
                        format!("PRAGMA wal_autocheckpoint = {SQLITE_WAL_AUTOCHECKPOINT}").as_str(),
                    )
                    .await?;
                }
                Ok(())
            })
        })
}

/// Creates the database's folder (owner only: 0700) and an empty database file (0600) when
/// they are missing; SQLite gives its WAL and shared-memory files the database file's mode.
/// An existing folder or file keeps the mode its owner chose.
fn create_private(db_file: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = db_file.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        builder.mode(0o700);
        builder.create(dir)?;
    }
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    file.mode(0o600);
    match file.open(db_file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

fn prepare_sqlite_url(url: &str) -> DomainResult<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_owned());
    }
    let creates = query.is_none_or(|q| !q.contains("mode=") || q.contains("mode=rwc"));
    if creates {
        create_private(std::path::Path::new(path)).map_err(DomainError::internal)?;
    }
    let query = match query {
        Some(q) if q.contains("mode=") => q.to_owned(),
        Some(q) => format!("{q}&mode=rwc"),
        None => "mode=rwc".to_owned(),
    };
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_new_database_folder_and_file_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("tessera-private-{}", uuid::Uuid::now_v7()));
        let file = dir.join("data").join("tessera.db");
        prepare_sqlite_url(&format!("sqlite://{}", file.display())).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(file.parent().unwrap()), 0o700);
        assert_eq!(mode(&file), 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = std::env::temp_dir().join("tessera-url-test");
        let url = format!("sqlite://{}/x.db", dir.display());
        assert_eq!(
            prepare_sqlite_url(&url).ok(),
            Some(format!("{url}?mode=rwc"))
        );
        assert_eq!(
            prepare_sqlite_url("sqlite::memory:").ok(),
            Some("sqlite::memory:".into())
        );
        assert_eq!(
            prepare_sqlite_url("sqlite://a.db?mode=ro").ok(),
            Some("sqlite://a.db?mode=ro".into())
        );
    }
}
