//! Directory administration: users, groups, memberships, licenses, CSV import.

use super::{Ctx, check_search, commit, require_directory_admin};
use crate::db::Tx;
use crate::model::*;
use crate::rules::grants::GrantSource;
use crate::store::audit::{self, NewEvent};
use crate::store::{groups, licenses, users};
use crate::{DomainError, DomainResult};
use serde_json::json;
use std::collections::{HashMap, HashSet};

mod import;
mod manage_groups;
mod manage_licenses;
mod manage_users;

pub use import::*;
pub use manage_groups::*;
pub use manage_licenses::*;
pub use manage_users::*;

/// How many direct reports and license violations a detail page shows.
pub const DETAIL_LIST_LIMIT: i64 = 200;

pub async fn counts(ctx: &Ctx, actor: &Actor) -> DomainResult<DirectoryCounts> {
    require_directory_admin(actor)?;
    let mut conn = ctx.read().await?;
    let (users, guests) = users::count(&mut conn).await?;
    let groups = groups::count(&mut conn).await?;
    let all = licenses::list(&mut conn).await?;
    let (failed_deliveries, failed_webhooks) = failed_counts(&mut conn, actor).await?;
    Ok(DirectoryCounts {
        users,
        guests,
        groups,
        licenses: i64::try_from(all.len()).unwrap_or(i64::MAX),
        license_errors: all.iter().map(|l| l.usage.violations).sum(),
        failed_deliveries,
        failed_webhooks,
    })
}

/// Changes to connected systems and webhook events that failed, for those who manage
/// connectors (none for the others).
pub(crate) async fn failed_counts(
    conn: &mut crate::store::Conn,
    actor: &Actor,
) -> DomainResult<(Option<i64>, Option<i64>)> {
    if !actor.can_manage_connectors() {
        return Ok((None, None));
    }
    Ok((
        Some(crate::store::connectors::count_failed(conn).await?),
        Some(crate::store::webhooks::count_failed(conn).await?),
    ))
}

// ---- users ----
