//! The outbox: one row per (group, person) saying what the connected system should hold, with
//! a version; claimed, delivered and settled by `jobs::connectors`.

use super::super::bulk::{self, Val};
use super::super::{Conn, corrupt, from_ms, ms, placeholders, uuid};
use crate::DomainResult;
use crate::model::*;
use chrono::{DateTime, Utc};

/// Records, in the caller's transaction, that memberships of linked groups began (`true`) or
/// ended: each (group, person) pair's row now wants that state, under a new version, due at
/// once. Pairs of groups without a link are skipped. One read and at most one insert.
pub async fn memberships_moved(conn: &mut Conn, moved: &[(&str, &str, bool)]) -> DomainResult<()> {
    if moved.is_empty() {
        return Ok(());
    }
    let mut groups: Vec<&str> = moved.iter().map(|(g, _, _)| *g).collect();
    groups.sort_unstable();
    groups.dedup();
    let sql = format!(
        "SELECT group_id, system_id FROM group_links WHERE group_id IN ({})",
        placeholders(groups.len())
    );
    let mut q = sqlx::query_as::<_, (String, String)>(&sql);
    for g in &groups {
        q = q.bind(*g);
    }
    let links: std::collections::BTreeMap<String, String> =
        q.fetch_all(&mut *conn).await?.into_iter().collect();
    if links.is_empty() {
        return Ok(());
    }
    let rows: Vec<Vec<Val>> = moved
        .iter()
        .filter_map(|(g, u, member)| {
            links.get(*g).map(|system| {
                vec![
                    Val::from(*g),
                    Val::from(*u),
                    Val::from(system.as_str()),
                    Val::Int(i64::from(*member)),
                    Val::Int(1),
                    Val::from("pending"),
                    Val::Int(0),
                    Val::Int(0),
                ]
            })
        })
        .collect();
    enqueue(conn, &rows).await
}

/// Inserts or renews change rows (group, user, system, member, version 1, pending, 0
/// attempts, due at 0). A renewed row keeps its claim: the instance delivering it sees the
/// version moved and leaves it for the next round.
async fn enqueue(conn: &mut Conn, rows: &[Vec<Val>]) -> DomainResult<()> {
    bulk::insert(
        conn,
        "connector_changes",
        &[
            "group_id",
            "user_id",
            "system_id",
            "member",
            "version",
            "state",
            "attempts",
            "next_attempt_at",
        ],
        rows,
        "ON CONFLICT (group_id, user_id) DO UPDATE SET
           member = excluded.member, system_id = excluded.system_id,
           version = connector_changes.version + 1, state = 'pending', attempts = 0,
           next_attempt_at = 0, last_error = NULL",
    )
    .await?;
    Ok(())
}

/// A newly linked group: every current member is to be added in the system.
pub async fn enqueue_all_members(
    conn: &mut Conn,
    group: GroupId,
    system: SystemId,
) -> DomainResult<u64> {
    let done = sqlx::query(
        "INSERT INTO connector_changes (group_id, user_id, system_id, member, version, state, attempts, next_attempt_at)
         SELECT DISTINCT group_id, user_id, $2, 1, 1, 'pending', 0, 0 FROM group_members WHERE group_id = $1
         ON CONFLICT (group_id, user_id) DO UPDATE SET
           member = 1, system_id = excluded.system_id, version = connector_changes.version + 1,
           state = 'pending', attempts = 0, next_attempt_at = 0, last_error = NULL",
    )
    .bind(group.to_string())
    .bind(system.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// A change claimed for delivery: what the system should hold for one person in one group.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub group_id: String,
    pub user_id: String,
    pub system_id: SystemId,
    pub external_group: String,
    pub member: bool,
    pub version: i64,
    pub attempts: i64,
    pub email: String,
    pub user_name: Option<String>,
}

type ClaimRow = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    String,
    Option<String>,
);

/// Claims up to `limit` due changes until `lease`, in one transaction of the caller's: each
/// row is taken with a guarded update that checks again that it is due and unclaimed, so a row
/// another instance claimed, or claimed and delivered, since it was read is skipped.
pub async fn claim_due(
    conn: &mut Conn,
    now: DateTime<Utc>,
    lease: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<Claimed>> {
    let rows: Vec<ClaimRow> = sqlx::query_as(
        "SELECT c.group_id, c.user_id, c.system_id, l.external_id, c.member, c.version, c.attempts,
                u.email, u.user_name
         FROM connector_changes c
         JOIN group_links l ON l.group_id = c.group_id AND l.system_id = c.system_id
         JOIN users u ON u.id = c.user_id
         WHERE c.state <> 'delivered' AND c.next_attempt_at <= $1
           AND (c.claimed_until IS NULL OR c.claimed_until <= $1)
         ORDER BY c.next_attempt_at LIMIT $2",
    )
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (
        group_id,
        user_id,
        system_id,
        external_group,
        member,
        version,
        attempts,
        email,
        user_name,
    ) in rows
    {
        let taken = sqlx::query(
            "UPDATE connector_changes SET claimed_until = $3
             WHERE group_id = $1 AND user_id = $2 AND version = $4
               AND state <> 'delivered' AND next_attempt_at <= $5
               AND (claimed_until IS NULL OR claimed_until <= $5)",
        )
        .bind(&group_id)
        .bind(&user_id)
        .bind(ms(lease))
        .bind(version)
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
        if taken.rows_affected() == 1 {
            out.push(Claimed {
                system_id: SystemId(uuid(&system_id)?),
                group_id,
                user_id,
                external_group,
                member: member == 1,
                version,
                attempts,
                email,
                user_name,
            });
        }
    }
    Ok(out)
}

/// The outcome of one claimed change.
pub enum Outcome {
    Delivered,
    /// Failed: tried again at `retry_at`, or (None) only when an administrator reprocesses it.
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Records the outcome of a claimed change if its version did not move; otherwise only
/// releases the claim (a newer change waits, due at once). Returns whether it was recorded.
pub async fn settle(
    conn: &mut Conn,
    change: &Claimed,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = match outcome {
        Outcome::Delivered => {
            sqlx::query(
                "UPDATE connector_changes SET state = 'delivered', delivered_at = $4, attempts = attempts + 1,
                        last_error = NULL, claimed_until = NULL, next_attempt_at = NULL
                 WHERE group_id = $1 AND user_id = $2 AND version = $3",
            )
            .bind(&change.group_id)
            .bind(&change.user_id)
            .bind(change.version)
            .bind(ms(now))
            .execute(&mut *conn)
            .await?
        }
        Outcome::Failed { error, retry_at } => {
            sqlx::query(
                "UPDATE connector_changes SET state = 'failed', attempts = attempts + 1, last_error = $4,
                        claimed_until = NULL, next_attempt_at = $5
                 WHERE group_id = $1 AND user_id = $2 AND version = $3",
            )
            .bind(&change.group_id)
            .bind(&change.user_id)
            .bind(change.version)
            .bind(error)
            .bind(retry_at.map(ms))
            .execute(&mut *conn)
            .await?
        }
    };
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    sqlx::query(
        "UPDATE connector_changes SET claimed_until = NULL WHERE group_id = $1 AND user_id = $2",
    )
    .bind(&change.group_id)
    .bind(&change.user_id)
    .execute(&mut *conn)
    .await?;
    Ok(false)
}

/// Sends failed changes again at once: one (group, person), or every failure of `system`.
/// Returns how many.
pub async fn reprocess(
    conn: &mut Conn,
    system: SystemId,
    one: Option<(GroupId, UserId)>,
) -> DomainResult<u64> {
    let done =
        match one {
            Some((group, user)) => sqlx::query(
                "UPDATE connector_changes SET state = 'pending', attempts = 0, next_attempt_at = 0
                 WHERE system_id = $1 AND group_id = $2 AND user_id = $3 AND state = 'failed'",
            )
            .bind(system.to_string())
            .bind(group.to_string())
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?,
            None => sqlx::query(
                "UPDATE connector_changes SET state = 'pending', attempts = 0, next_attempt_at = 0
                 WHERE system_id = $1 AND state = 'failed'",
            )
            .bind(system.to_string())
            .execute(&mut *conn)
            .await?,
        };
    Ok(done.rows_affected())
}

type DeliveryRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

const DELIVERY_SELECT: &str =
    "SELECT c.group_id, g.name, c.user_id, u.email, s.name, c.member, c.state,
        c.attempts, c.last_error, c.next_attempt_at
 FROM connector_changes c
 JOIN directory_groups g ON g.id = c.group_id
 JOIN users u ON u.id = c.user_id
 JOIN connected_systems s ON s.id = c.system_id";

fn delivery(row: DeliveryRow) -> DomainResult<MembershipDelivery> {
    let (
        group_id,
        group_name,
        user_id,
        user_email,
        system_name,
        member,
        state,
        attempts,
        last_error,
        next,
    ) = row;
    Ok(MembershipDelivery {
        group_id: GroupId(uuid(&group_id)?),
        group_name,
        user_id: UserId(uuid(&user_id)?),
        user_email,
        system_name,
        member: member == 1,
        state: DeliveryState::parse(&state).map_err(corrupt)?,
        attempts,
        last_error,
        next_attempt_at: next.map(from_ms).transpose()?,
    })
}

/// A system's changes not delivered, failures first, at most `limit`.
pub async fn undelivered(
    conn: &mut Conn,
    system: SystemId,
    limit: i64,
) -> DomainResult<Vec<MembershipDelivery>> {
    let sql = format!(
        "{DELIVERY_SELECT} WHERE c.system_id = $1 AND c.state <> 'delivered'
         ORDER BY c.state, g.name_key, u.email LIMIT $2"
    );
    let rows: Vec<DeliveryRow> = sqlx::query_as(&sql)
        .bind(system.to_string())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter().map(delivery).collect()
}

/// The packages (of `packages`) whose member grants a connected system does not hold yet for
/// `user`: Partially delivered when some of their changes failed and others were delivered,
/// Delivery failed when some failed and none was delivered, else Delivering. One indexed read
/// of the person's changes in the packages' groups.
pub async fn undelivered_packages(
    conn: &mut Conn,
    user: UserId,
    packages: &[String],
) -> DomainResult<std::collections::BTreeMap<String, DeliveryState>> {
    if packages.is_empty() {
        return Ok(std::collections::BTreeMap::new());
    }
    let sql = format!(
        "SELECT r.package_id, c.state FROM connector_changes c
         JOIN access_package_resource_roles r ON r.group_id = c.group_id AND r.role = 'member'
         WHERE c.user_id = $1 AND c.member = 1
           AND r.package_id IN ({})",
        super::super::placeholders_after(1, packages.len())
    );
    let mut q = sqlx::query_as::<_, (String, String)>(&sql).bind(user.to_string());
    for p in packages {
        q = q.bind(p);
    }
    fold_states(q.fetch_all(&mut *conn).await?)
}

/// Of a package's live assignments, the people (of `users`) whose member grants a connected
/// system does not hold yet, with the state as [`undelivered_packages`] words it. One indexed
/// read of those people's changes in the package's groups (the admin's page of assignments).
pub async fn undelivered_people(
    conn: &mut Conn,
    package: AccessPackageId,
    users: &[String],
) -> DomainResult<std::collections::BTreeMap<String, DeliveryState>> {
    if users.is_empty() {
        return Ok(std::collections::BTreeMap::new());
    }
    let sql = format!(
        "SELECT c.user_id, c.state FROM connector_changes c
         JOIN access_package_resource_roles r ON r.group_id = c.group_id AND r.role = 'member'
         WHERE r.package_id = $1 AND c.member = 1 AND c.user_id IN ({})",
        super::super::placeholders_after(1, users.len())
    );
    let mut q = sqlx::query_as::<_, (String, String)>(&sql).bind(package.to_string());
    for u in users {
        q = q.bind(u);
    }
    fold_states(q.fetch_all(&mut *conn).await?)
}

/// Changes' states by key (a package, a person) folded into one delivery state each: Partially
/// delivered when some failed and others were delivered, Delivery failed when some failed and
/// none was delivered, Delivering when some are on their way; nothing when all are delivered.
fn fold_states(
    rows: Vec<(String, String)>,
) -> DomainResult<std::collections::BTreeMap<String, DeliveryState>> {
    // Per key: (any delivered, any failed, any delivering).
    let mut seen: std::collections::BTreeMap<String, (bool, bool, bool)> =
        std::collections::BTreeMap::new();
    for (key, state) in rows {
        let state = DeliveryState::parse(&state).map_err(corrupt)?;
        let entry = seen.entry(key).or_default();
        match state {
            DeliveryState::Delivered => entry.0 = true,
            DeliveryState::Failed => entry.1 = true,
            _ => entry.2 = true,
        }
    }
    let mut out = std::collections::BTreeMap::new();
    for (key, (delivered, failed, delivering)) in seen {
        let state = match (delivered, failed, delivering) {
            (true, true, _) => DeliveryState::PartiallyDelivered,
            (false, true, _) => DeliveryState::Failed,
            (_, false, true) => DeliveryState::Delivering,
            (_, false, false) => continue,
        };
        out.insert(key, state);
    }
    Ok(out)
}

/// `user`'s delivered requests (newest first, at most 20) for packages that make them a
/// member of `group`: (request id, package id, package name).
pub async fn requests_reaching(
    conn: &mut Conn,
    user: &str,
    group: &str,
) -> DomainResult<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.package_id, p.name FROM access_package_requests r
         JOIN access_packages p ON p.id = r.package_id
         WHERE r.requestor_id = $1 AND r.state = 'delivered'
           AND r.package_id IN (SELECT package_id FROM access_package_resource_roles
                                WHERE group_id = $2 AND role = 'member')
         ORDER BY r.created_at DESC LIMIT 20",
    )
    .bind(user)
    .bind(group)
    .fetch_all(&mut *conn)
    .await?)
}

/// Changes not yet delivered, over every system (the admin home's count).
pub async fn count_failed(conn: &mut Conn) -> DomainResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM connector_changes WHERE state = 'failed'")
            .fetch_one(&mut *conn)
            .await?,
    )
}
