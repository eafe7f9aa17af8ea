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
    #[error("too many attempts, retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(e))
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
        Self::internal(e)
    }
}
