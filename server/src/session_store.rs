//! tower-sessions records kept in Tessera's own database (SQLite or Postgres, through the
//! same pool), so sessions survive restarts and are shared by several instances.
//!
//! Rows are keyed by a SHA-256 of the session id, never the id itself: a copy of the database
//! (a backup, a leaked file) does not hand out live sessions.

use async_trait::async_trait;
use domain::service::Ctx;
use domain::store::sessions;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    ctx: Ctx,
}

impl DbSessionStore {
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    /// A connection for reading a session.
    async fn conn(&self) -> session_store::Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        self.ctx.db.pool().acquire().await.map_err(backend)
    }

    /// A connection for writing one (in the writers' queue on SQLite).
    async fn write_conn(&self) -> session_store::Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        self.ctx.db.writer().await.map_err(backend)
    }
}

/// The key a session's row is stored under: SHA-256 (hex) of the id the browser holds.
fn key(id: &Id) -> String {
    sessions::key(&id.to_string())
}

fn backend(e: impl std::fmt::Debug) -> session_store::Error {
    session_store::Error::Backend(format!("{e:?}"))
}

fn expiry_ms(record: &Record) -> i64 {
    i64::try_from(record.expiry_date.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = encode(record)?;
        let mut conn = self.write_conn().await?;
        // A random 128-bit id practically never collides; if it does, pick another.
        while !sessions::create(&mut conn, &key(&record.id), &data, expiry_ms(record))
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        sessions::save(
            &mut *self.write_conn().await?,
            &key(&record.id),
            &data,
            expiry_ms(record),
        )
        .await
        .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = self.ctx.clock.now_ms();
        let Some(data) = sessions::load(&mut *self.conn().await?, &key(id), now)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        // The record's own expiry is only a bound for clean-up; idle and absolute limits are
        // checked against the application clock when the session is resolved.
        let expiry_date = time::OffsetDateTime::now_utc() + time::Duration::days(14);
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::delete(&mut *self.write_conn().await?, &key(id))
            .await
            .map_err(backend)
    }
}
