//! Server functions: thin. Each parses its input, resolves the actor, and calls one use case.

pub mod auth;
pub mod catalogs;
pub mod connectors;
pub mod directory;
pub mod lifecycle;
pub mod packages;
pub mod requests;
pub mod sync;
pub mod tokens;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::error::AppError;
    use crate::session::CurrentActor;
    use domain::model::Actor;
    use domain::service::Ctx;
    use leptos::prelude::use_context;

    /// A Yes/No form field ("yes" / "no"), or a message on `field`.
    pub fn yes_no(field: &str, raw: &str) -> Result<bool, AppError> {
        match raw {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(AppError::invalid(field, "Choose Yes or No.")),
        }
    }

    pub fn ctx() -> Result<Ctx, AppError> {
        use_context::<Ctx>().ok_or_else(|| {
            tracing::error!("the domain context was not provided");
            AppError::Internal
        })
    }

    fn parts() -> Result<http::request::Parts, AppError> {
        use_context::<http::request::Parts>().ok_or_else(|| {
            tracing::error!("request parts were not provided");
            AppError::Internal
        })
    }

    /// The signed-in actor (resolved once per request by the server's middleware).
    pub fn actor() -> Result<Actor, AppError> {
        parts()?
            .extensions
            .get::<CurrentActor>()
            .and_then(|a| a.0.clone())
            .ok_or_else(|| domain::DomainError::Unauthenticated.into())
    }

    pub fn optional_actor() -> Result<Option<Actor>, AppError> {
        Ok(parts()?
            .extensions
            .get::<CurrentActor>()
            .and_then(|a| a.0.clone()))
    }

    pub fn session() -> Result<tower_sessions::Session, AppError> {
        parts()?
            .extensions
            .get::<tower_sessions::Session>()
            .cloned()
            .ok_or_else(|| {
                tracing::error!("no session layer in front of the server functions");
                AppError::Internal
            })
    }
}
