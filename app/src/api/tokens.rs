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

/// The service account a directory administrator manages tokens for (its user id), or
/// `None`: the signed-in person's own.
#[cfg(feature = "ssr")]
fn service_account(owner: Option<String>) -> Result<Option<UserId>, AppError> {
    owner
        .filter(|o| !o.trim().is_empty())
        .map(|o| super::directory::parse_id(UserId::parse, &o, "service account"))
        .transpose()
}

#[server]
pub async fn load_api_tokens(owner: Option<String>) -> Result<ApiTokensView, AppError> {
    let (ctx, actor) = (ctx()?, actor()?);
    Ok(match service_account(owner)? {
        Some(account) => api_tokens::service_account_tokens(&ctx, &actor, account).await?,
        None => api_tokens::my_tokens(&ctx, &actor).await?,
    })
}

/// Creates a token; the answer holds its secret, shown once.
#[server]
pub async fn create_api_token(
    name: String,
    scope: String,
    days: String,
    // Absent when the person has no catalog to limit a token to (the form shows no list).
    catalog: Option<String>,
    // A service account's id, when a directory administrator makes a token for it.
    owner: Option<String>,
) -> Result<NewApiToken, AppError> {
    let form = ApiTokenForm {
        name,
        scope,
        days,
        catalog: catalog.unwrap_or_default(),
    };
    let (ctx, actor) = (ctx()?, actor()?);
    Ok(match service_account(owner)? {
        Some(account) => {
            api_tokens::create_for_service_account(&ctx, &actor, account, &form).await?
        }
        None => api_tokens::create(&ctx, &actor, &form).await?,
    })
}

#[server]
pub async fn revoke_api_token(id: String, owner: Option<String>) -> Result<(), AppError> {
    let (ctx, actor) = (ctx()?, actor()?);
    match service_account(owner)? {
        Some(account) => api_tokens::revoke_for_service_account(&ctx, &actor, account, &id).await?,
        None => api_tokens::revoke(&ctx, &actor, &id).await?,
    }
    Ok(())
}
