//! Licenses and their seats. Holders of a license are the distinct members of the groups
//! carrying it; seats go to holders by (first membership in a licensed group, user id).

use super::{Conn, ms, placeholders, user_refs, uuid};
use crate::model::*;
use crate::rules::licenses::{state_for_rank, usage};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Distinct holders of license `$1` with the instant their claim to a seat began.
const HOLDERS: &str = "SELECT m.user_id, MIN(m.created_at) AS since
     FROM group_members m JOIN group_licenses gl ON gl.group_id = m.group_id
     WHERE gl.license_id = $1 GROUP BY m.user_id";

#[derive(sqlx::FromRow)]
struct LicenseRow {
    id: String,
    name: String,
    seats: i64,
    holders: i64,
}

/// The holder count is kept on the row (see `store::counts`), not counted on each view.
const LICENSE_SELECT: &str = "SELECT l.id, l.name, l.seats, l.holders FROM licenses l";

/// The licenses of `rows` with the groups carrying each: one query for all of them.
async fn into_summaries(
    conn: &mut Conn,
    rows: Vec<LicenseRow>,
) -> DomainResult<Vec<LicenseSummary>> {
    let mut groups: BTreeMap<String, Vec<(GroupId, String)>> = BTreeMap::new();
    if !rows.is_empty() {
        let sql = format!(
            "SELECT gl.license_id, g.id, g.name FROM group_licenses gl
             JOIN directory_groups g ON g.id = gl.group_id
             WHERE gl.license_id IN ({}) ORDER BY g.name_key, g.id",
            placeholders(rows.len())
        );
        let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
        for r in &rows {
            q = q.bind(r.id.as_str());
        }
        for (license, id, name) in q.fetch_all(&mut *conn).await? {
            groups
                .entry(license)
                .or_default()
                .push((GroupId(uuid(&id)?), name));
        }
    }
    rows.into_iter()
        .map(|r| {
            Ok(LicenseSummary {
                id: LicenseId(uuid(&r.id)?),
                groups: groups.remove(&r.id).unwrap_or_default(),
                name: r.name,
                seats: r.seats,
                usage: usage(r.holders, r.seats),
            })
        })
        .collect()
}

/// Every license (a tenant has few SKUs; bounded all the same).
pub async fn list(conn: &mut Conn) -> DomainResult<Vec<LicenseSummary>> {
    let rows: Vec<LicenseRow> =
        sqlx::query_as(&format!("{LICENSE_SELECT} ORDER BY l.name_key LIMIT 500"))
            .fetch_all(&mut *conn)
            .await?;
    into_summaries(conn, rows).await
}

pub async fn summary(conn: &mut Conn, id: LicenseId) -> DomainResult<LicenseSummary> {
    let row: Option<LicenseRow> = sqlx::query_as(&format!("{LICENSE_SELECT} WHERE l.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    into_summaries(conn, vec![row.ok_or(DomainError::NotFound("license"))?])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("license"))
}

/// The holders beyond the seat count, in the order a freed seat would reach them.
pub async fn violations(
    conn: &mut Conn,
    id: LicenseId,
    seats: i64,
    limit: i64,
) -> DomainResult<Vec<UserRef>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(&format!(
        "SELECT u.id, u.display_name, u.email FROM (
            SELECT h.user_id, ROW_NUMBER() OVER (ORDER BY h.since, h.user_id) AS rn FROM ({HOLDERS}) h
         ) r JOIN users u ON u.id = r.user_id
         WHERE r.rn > $2 ORDER BY r.rn LIMIT $3"
    ))
    .bind(id.to_string())
    .bind(seats)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    user_refs(rows)
}

/// The licenses a person holds through their groups, each with its state for them.
pub async fn of_user(conn: &mut Conn, user: UserId) -> DomainResult<Vec<UserLicense>> {
    let rows: Vec<(String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT l.id, l.name, l.seats, g.name, m.created_at
         FROM group_members m
         JOIN group_licenses gl ON gl.group_id = m.group_id
         JOIN licenses l ON l.id = gl.license_id
         JOIN directory_groups g ON g.id = m.group_id
         WHERE m.user_id = $1 ORDER BY l.name_key, l.id, g.name_key",
    )
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    // (license id, name, seats, groups, first claim)
    let mut held: Vec<(String, String, i64, Vec<String>, i64)> = Vec::new();
    for (id, name, seats, group, at) in rows {
        match held.last_mut() {
            Some(h) if h.0 == id => {
                if !h.3.contains(&group) {
                    h.3.push(group);
                }
                h.4 = h.4.min(at);
            }
            _ => held.push((id, name, seats, vec![group], at)),
        }
    }
    let mut out = Vec::with_capacity(held.len());
    for (id, name, seats, via_groups, since) in held {
        let ahead: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM ({HOLDERS}) h WHERE h.since < $2 OR (h.since = $2 AND h.user_id < $3)"
        ))
        .bind(&id)
        .bind(since)
        .bind(user.to_string())
        .fetch_one(&mut *conn)
        .await?;
        out.push(UserLicense {
            license_id: LicenseId(uuid(&id)?),
            name,
            via_groups,
            state: state_for_rank(ahead + 1, seats),
        });
    }
    Ok(out)
}

pub async fn insert(
    conn: &mut Conn,
    id: LicenseId,
    name: &LicenseName,
    seats: Seats,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query("INSERT INTO licenses (id, name, name_key, seats, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
        .bind(id.to_string())
        .bind(name.as_str())
        .bind(name.as_str().to_lowercase())
        .bind(seats.get())
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn update(
    conn: &mut Conn,
    id: LicenseId,
    name: &LicenseName,
    seats: Seats,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE licenses SET name = $2, name_key = $3, seats = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(name.as_str())
    .bind(name.as_str().to_lowercase())
    .bind(seats.get())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("license"));
    }
    Ok(())
}

pub async fn id_by_name(conn: &mut Conn, name: &str) -> DomainResult<Option<LicenseId>> {
    let id: Option<String> = sqlx::query_scalar("SELECT id FROM licenses WHERE name_key = $1")
        .bind(name.trim().to_lowercase())
        .fetch_optional(&mut *conn)
        .await?;
    id.map(|s| uuid(&s).map(LicenseId)).transpose()
}

/// Makes `group` carry `license`; false when it already did. Its members become holders.
pub async fn assign_to_group(
    conn: &mut Conn,
    group: GroupId,
    license: LicenseId,
) -> DomainResult<bool> {
    super::counts::lock_group(conn, &group.to_string()).await?;
    let done = sqlx::query(
        "INSERT INTO group_licenses (group_id, license_id) VALUES ($1, $2) ON CONFLICT (group_id, license_id) DO NOTHING",
    )
    .bind(group.to_string())
    .bind(license.to_string())
    .execute(&mut *conn)
    .await?;
    let changed = done.rows_affected() == 1;
    if changed {
        super::counts::recount_license(conn, &license.to_string()).await?;
    }
    Ok(changed)
}

/// Stops `group` carrying `license`; false when it did not. Holders only through it stop.
pub async fn remove_from_group(
    conn: &mut Conn,
    group: GroupId,
    license: LicenseId,
) -> DomainResult<bool> {
    super::counts::lock_group(conn, &group.to_string()).await?;
    let done = sqlx::query("DELETE FROM group_licenses WHERE group_id = $1 AND license_id = $2")
        .bind(group.to_string())
        .bind(license.to_string())
        .execute(&mut *conn)
        .await?;
    let changed = done.rows_affected() == 1;
    if changed {
        super::counts::recount_license(conn, &license.to_string()).await?;
    }
    Ok(changed)
}

pub async fn of_group(conn: &mut Conn, group: GroupId) -> DomainResult<Vec<LicenseRef>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT l.id, l.name FROM group_licenses gl JOIN licenses l ON l.id = gl.license_id WHERE gl.group_id = $1 ORDER BY l.name_key",
    )
    .bind(group.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, name)| {
            Ok(LicenseRef {
                id: LicenseId(uuid(&id)?),
                name,
            })
        })
        .collect()
}
