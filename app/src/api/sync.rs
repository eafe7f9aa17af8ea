//! Directory sync server functions: the provisioning clients' tokens and the sync status.

use crate::error::AppError;
use domain::model::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ssr::{actor, ctx},
    domain::service::scim as sync,
};

#[server]
pub async fn load_sync_status() -> Result<SyncStatus, AppError> {
    Ok(sync::status(&ctx()?, &actor()?).await?)
}

/// Creates a token; the answer holds its secret, shown once.
#[server]
pub async fn create_sync_token(name: String) -> Result<NewScimToken, AppError> {
    Ok(sync::create_token(&ctx()?, &actor()?, &name).await?)
}

#[server]
pub async fn revoke_sync_token(id: String) -> Result<(), AppError> {
    Ok(sync::revoke_token(&ctx()?, &actor()?, &id).await?)
}
