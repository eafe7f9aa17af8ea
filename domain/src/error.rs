use crate::model::FieldError;

/// The errors a use case can end with. Precise for callers, safe to show once mapped.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0} was not found")]
    NotFound(&'static str),
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("you need to sign in")]
    Unauthenticated,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("conflict: {0}")]
    Conflict(String),
    /// An edit made from a version of the thing (a package, a policy) that someone else has
    /// changed since: nothing was changed; read it again and make the edit on what is there.
    #[error("the {0} was changed by someone else since it was read")]
    Stale(&'static str),
    #[error("too many attempts, retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database could not be reached or gave up (a connection refused or lost, no
    /// connection free in time, a statement over its time limit, a lock held too long).
    /// Nothing was changed: the use case's transaction did not commit. Worth trying again.
    #[error("the database is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// An error that is not the caller's; one saying the database is unreachable becomes
    /// [`DomainError::Unavailable`].
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        let e: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
        #[cfg(feature = "server")]
        if e.downcast_ref::<sqlx::Error>().is_some_and(unavailable) {
            return Self::Unavailable(e);
        }
        Self::Internal(e)
    }
}

/// Whether a database error means "not now" rather than "wrong": the pool had no connection
/// in time or was closed, the connection failed or was cut, the server is shutting down or
/// starting (PostgreSQL class 08 and 57P01–57P03), a statement ran past
/// `statement_timeout` (57014), too many connections (53300), or SQLite's file stayed locked
/// past its busy timeout.
#[cfg(feature = "server")]
pub fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    }
}

#[cfg(feature = "server")]
impl From<sqlx::Error> for DomainError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = e {
            return Self::NotFound("record");
        }
        if let Some(db) = e.as_database_error()
            && let Some(c) = crate::store::constraint_message(db)
        {
            return c;
        }
        // PostgreSQL refuses text holding the NUL character (22021): the caller's input, not
        // our failure. (SQLite stores it; every field's own rules apply there as before.)
        if e.as_database_error()
            .and_then(|db| db.code())
            .is_some_and(|code| code == "22021")
        {
            return Self::invalid("text", "Text must not contain the NUL character (\\0).");
        }
        Self::internal(e)
    }
}

/// [`unavailable`] for a database's error code: PostgreSQL's are five characters (SQLSTATE),
/// SQLite's are numbers whose low byte is the primary code (5: SQLITE_BUSY and its extended
/// codes, "database is locked").
#[cfg(feature = "server")]
fn unavailable_code(code: &str) -> bool {
    if code.len() == 5 {
        code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "57014" | "53300")
    } else {
        code.parse::<u32>().is_ok_and(|c| c & 0xff == 5)
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_cannot_answer_now_is_unavailable_not_internal() {
        for e in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
        ] {
            assert!(unavailable(&e), "{e}");
            assert!(matches!(DomainError::from(e), DomainError::Unavailable(_)));
        }
        assert!(matches!(
            DomainError::from(sqlx::Error::Protocol("garbled".into())),
            DomainError::Internal(_)
        ));
        // Lost or refused connections, shutdown, a statement over its limit, too many
        // connections; SQLite's locked file, plain and extended.
        for code in [
            "08006", "08001", "57P01", "57P03", "57014", "53300", "5", "517", "261",
        ] {
            assert!(unavailable_code(code), "{code}");
        }
        // A unique violation, a serialization failure, a syntax error; SQLite's constraint
        // failure (19, 2067) and a read-only file (8).
        for code in ["23505", "40001", "42601", "19", "2067", "8"] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
