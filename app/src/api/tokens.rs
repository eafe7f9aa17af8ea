//! The signed-in person's API tokens (for `/api/v1`): list, create (the secret is shown
//! once), revoke.

use crate::error::AppError;
use domain::model::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ssr::{actor, ctx},
    domain::service::api_tokens,
};

#[server]
pub async fn load_api_tokens() -> Result<ApiTokensView, AppError> {
    Ok(api_tokens::my_tokens(&ctx()?, &actor()?).await?)
}

/// Creates a token; the answer holds its secret, shown once.
#[server]
pub async fn create_api_token(
    name: String,
    scope: String,
    days: String,
    // Absent when the person has no catalog to limit a token to (the form shows no list).
    catalog: Option<String>,
) -> Result<NewApiToken, AppError> {
    let form = ApiTokenForm {
        name,
        scope,
        days,
        catalog: catalog.unwrap_or_default(),
    };
    Ok(api_tokens::create(&ctx()?, &actor()?, &form).await?)
}

#[server]
pub async fn revoke_api_token(id: String) -> Result<(), AppError> {
    Ok(api_tokens::revoke(&ctx()?, &actor()?, &id).await?)
}
