//! Connected systems and their group links (here), the outbox of membership changes
//! (`outbox`; the migration `0016_connectors.sql` tells how a row is claimed and settled) and
//! the reconciliation's claims and findings (`drift`).

mod drift;
mod import;
mod outbox;

pub use drift::*;
pub use import::*;
pub use outbox::*;

use super::{Conn, corrupt, from_ms, ms, uuid};
use crate::model::*;
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};

/// A connected system as stored: its settings and sealed password.
#[derive(Debug, Clone)]
pub struct StoredSystem {
    pub id: SystemId,
    pub name: String,
    pub settings: SystemSettings,
    pub secret: Option<String>,
}

type SystemRow = (String, String, String, String, Option<String>);

fn system(row: SystemRow) -> DomainResult<StoredSystem> {
    let (id, name, kind, settings, secret) = row;
    let unreadable =
        |e: serde_json::Error| corrupt(format!("connected system {id}: settings: {e}"));
    let settings = match kind.as_str() {
        "ldap" => SystemSettings::Ldap(serde_json::from_str(&settings).map_err(unreadable)?),
        "scim" => SystemSettings::Scim(serde_json::from_str(&settings).map_err(unreadable)?),
        _ => return Err(corrupt(format!("connected system {id} has kind {kind:?}"))),
    };
    Ok(StoredSystem {
        id: SystemId(uuid(&id)?),
        name,
        settings,
        secret,
    })
}

pub async fn insert(
    conn: &mut Conn,
    id: SystemId,
    name: &str,
    settings: &SystemSettings,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO connected_systems (id, name, name_key, kind, settings, secret, created_at, updated_at)
         VALUES ($1, $2, $3, $7, $4, $5, $6, $6)",
    )
    .bind(id.to_string())
    .bind(name)
    .bind(name.to_lowercase())
    .bind(settings_json(settings)?)
    .bind(secret)
    .bind(ms(now))
    .bind(settings.kind())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The settings as stored: the kind's own settings, the kind apart.
fn settings_json(settings: &SystemSettings) -> DomainResult<String> {
    match settings {
        SystemSettings::Ldap(s) => serde_json::to_string(s),
        SystemSettings::Scim(s) => serde_json::to_string(s),
    }
    .map_err(DomainError::internal)
}

/// Saves new settings (of the same kind); the sealed secret only when `secret` is given.
pub async fn update(
    conn: &mut Conn,
    id: SystemId,
    name: &str,
    settings: &SystemSettings,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE connected_systems SET name = $2, name_key = $3, settings = $4,
                secret = COALESCE($5, secret), updated_at = $6
         WHERE id = $1 AND kind = $7",
    )
    .bind(id.to_string())
    .bind(name)
    .bind(name.to_lowercase())
    .bind(settings_json(settings)?)
    .bind(secret)
    .bind(ms(now))
    .bind(settings.kind())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("connected system"));
    }
    Ok(())
}

pub async fn get(conn: &mut Conn, id: SystemId) -> DomainResult<StoredSystem> {
    let row: Option<SystemRow> = sqlx::query_as(
        "SELECT id, name, kind, settings, secret FROM connected_systems WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    system(row.ok_or(DomainError::NotFound("connected system"))?)
}

pub async fn count(conn: &mut Conn) -> DomainResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM connected_systems")
        .fetch_one(&mut *conn)
        .await?)
}

/// Every connected system (at most `rules::connectors::MAX_SYSTEMS`) with its counts.
pub async fn list(conn: &mut Conn) -> DomainResult<Vec<SystemSummary>> {
    let rows: Vec<SystemRow> = sqlx::query_as(
        "SELECT id, name, kind, settings, secret FROM connected_systems ORDER BY name_key LIMIT 1000",
    )
    .fetch_all(&mut *conn)
    .await?;
    let links: Vec<(String, i64)> =
        sqlx::query_as("SELECT system_id, COUNT(*) FROM group_links GROUP BY system_id")
            .fetch_all(&mut *conn)
            .await?;
    let states: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT system_id, state, COUNT(*) FROM connector_changes WHERE state <> 'delivered'
         GROUP BY system_id, state",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let s = system(row)?;
            let id = s.id.to_string();
            let of = |state: &str| {
                states
                    .iter()
                    .filter(|(sys, st, _)| *sys == id && st == state)
                    .map(|(_, _, n)| *n)
                    .sum()
            };
            Ok(SystemSummary {
                linked_groups: links
                    .iter()
                    .find(|(sys, _)| *sys == id)
                    .map_or(0, |(_, n)| *n),
                delivering: of("pending"),
                failed: of("failed"),
                has_password: s.secret.is_some(),
                id: s.id,
                name: s.name,
                settings: s.settings,
            })
        })
        .collect()
}

pub async fn link(
    conn: &mut Conn,
    group: GroupId,
    system: SystemId,
    external_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO group_links (group_id, system_id, external_id, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(group.to_string())
    .bind(system.to_string())
    .bind(external_id)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a group's link and the changes not yet delivered for it; `false` if it had none.
pub async fn unlink(conn: &mut Conn, group: GroupId) -> DomainResult<bool> {
    sqlx::query("DELETE FROM connector_changes WHERE group_id = $1")
        .bind(group.to_string())
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM group_links WHERE group_id = $1")
        .bind(group.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn link_of(conn: &mut Conn, group: GroupId) -> DomainResult<Option<GroupLink>> {
    let row: Option<LinkRow> = sqlx::query_as(&format!(
        "{LINK_SELECT}
 WHERE l.group_id = $1"
    ))
    .bind(group.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(link_row).transpose()
}

/// The groups linked to `system`, by name.
pub async fn links_of_system(conn: &mut Conn, system: SystemId) -> DomainResult<Vec<GroupLink>> {
    let rows: Vec<LinkRow> = sqlx::query_as(&format!(
        "{LINK_SELECT} WHERE l.system_id = $1 ORDER BY g.name_key LIMIT 10000"
    ))
    .bind(system.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(link_row).collect()
}

type LinkRow = (
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    i64,
    i64,
    Option<String>,
    i64,
    Option<String>,
);

const LINK_SELECT: &str = "SELECT l.group_id, g.name, l.system_id, s.name, l.external_id,
        l.checked_at, l.drift_extra, l.drift_missing, l.drift_sample, l.corrected, l.check_error
 FROM group_links l
 JOIN directory_groups g ON g.id = l.group_id
 JOIN connected_systems s ON s.id = l.system_id";

fn link_row(row: LinkRow) -> DomainResult<GroupLink> {
    let (
        group_id,
        group_name,
        system_id,
        system_name,
        external_id,
        at,
        extra,
        missing,
        sample,
        corrected,
        error,
    ) = row;
    let check = match at {
        None => None,
        Some(at) => Some(DriftCheck {
            at: from_ms(at)?,
            extra,
            missing,
            sample: match sample {
                Some(s) => serde_json::from_str(&s).map_err(corrupt)?,
                None => Vec::new(),
            },
            corrected: corrected == 1,
            error,
        }),
    };
    Ok(GroupLink {
        group_id: GroupId(uuid(&group_id)?),
        group_name,
        system_id: SystemId(uuid(&system_id)?),
        system_name,
        external_id,
        check,
    })
}
