//! The one error type of server functions: safe to show, precise enough to place on a field.

use domain::model::FieldError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You don't have permission to do this.")]
    Forbidden,
    #[error("The {0} was not found.")]
    NotFound(String),
    #[error("Please correct the highlighted fields.")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("Too many failed sign-in attempts. Try again in {0} s.")]
    Throttled(i64),
    #[error(
        "Something went wrong on our side. Please try again; if it persists, tell your administrator."
    )]
    Internal,
    #[error("The server could not read this request. Reload the page and try again.")]
    BadRequest,
    #[error(
        "Tessera cannot reach its database just now, so nothing was changed. Try again in a moment."
    )]
    Unavailable,
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    /// The message for one field, if the error names it.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors
                .iter()
                .find(|e| e.field == name)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }

    /// Messages not tied to a field shown on the form (or the whole error when it is not about fields).
    pub fn general(&self, form_fields: &[&str]) -> Vec<String> {
        match self {
            AppError::Invalid(errors) => errors
                .iter()
                .filter(|e| !form_fields.contains(&e.field.as_str()))
                .map(|e| e.message.clone())
                .collect(),
            other => vec![other.to_string()],
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server, input that can't be decoded (a malformed or hostile body, a missing
    /// argument) is the caller's mistake: 400, without echoing the decoder's words. In the
    /// browser every such error is about reaching the server.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        if matches!(
            value,
            ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_)
                | ServerFnErrorErr::Request(_)
        ) {
            tracing::info!(error = %value, "a server function's input could not be read");
            if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::BAD_REQUEST);
            }
            return AppError::BadRequest;
        }
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// A field-level problem a server function finds itself (a choice that is not one of
    /// the options): answered 422 like the domain's, never the 500 of a bare `Invalid`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::from(domain::DomainError::invalid(field, message))
    }
}

#[cfg(feature = "ssr")]
impl From<domain::DomainError> for AppError {
    fn from(e: domain::DomainError) -> Self {
        use domain::DomainError as D;
        let error = match e {
            D::NotFound(what) => AppError::NotFound(what.to_owned()),
            D::Forbidden(why) => {
                tracing::info!(reason = why, "refused");
                AppError::Forbidden
            }
            D::Unauthenticated => AppError::Unauthenticated,
            D::Invalid(fields) => AppError::Invalid(fields),
            D::Conflict(message) => AppError::Conflict(message),
            D::Stale(what) => AppError::Conflict(format!(
                "Someone else changed this {what} since you opened it. Reload the page to see their change, then make yours again."
            )),
            D::Throttled { retry_after_secs } => AppError::Throttled(retry_after_secs),
            D::Internal(source) => {
                tracing::error!(error = ?source, "internal error");
                AppError::Internal
            }
            D::Unavailable(source) => {
                tracing::warn!(error = %source, "the database is unavailable");
                AppError::Unavailable
            }
        };
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(error.status());
            if error == AppError::Unavailable {
                response.insert_header(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from_static(RETRY_AFTER_SECS),
                );
            }
        }
        error
    }
}

/// The `Retry-After` of an answer given while the database is unavailable, in seconds.
#[cfg(feature = "ssr")]
pub const RETRY_AFTER_SECS: &str = "5";

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status a server function answers with, so clients (and logs) see what kind
    /// of failure it was instead of a blanket 500.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::Unauthenticated => S::UNAUTHORIZED,
            AppError::Forbidden => S::FORBIDDEN,
            AppError::NotFound(_) => S::NOT_FOUND,
            AppError::Invalid(_) => S::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => S::CONFLICT,
            AppError::Throttled(_) => S::TOO_MANY_REQUESTS,
            AppError::BadRequest => S::BAD_REQUEST,
            AppError::Unavailable => S::SERVICE_UNAVAILABLE,
            AppError::Internal | AppError::Transport(_) => S::INTERNAL_SERVER_ERROR,
        }
    }
}
