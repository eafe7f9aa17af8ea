//! The outbox: one row per (group, person) saying what the connected system should hold, with
//! a version; claimed, delivered and settled by `jobs::connectors`.

use super::super::bulk::{self, Val};
use super::super::{Conn, corrupt, from_ms, ms, placeholders, uuid};
use crate::DomainResult;
use crate::model::*;
use chrono::{DateTime, Utc};

/// Records, in the caller's transaction, that grants of `role` in linked groups began (`true`)
/// or ended: each (group, person) pair's row for that role now wants that state, under a new
/// version, due at once. Pairs of groups without a link are skipped, and so are ownerships in
/// systems that take none (SCIM has no standard owners of a group). One read and at most one
/// insert.
pub async fn grants_moved(
    conn: &mut Conn,
    role: ResourceRole,
    moved: &[(&str, &str, bool)],
) -> DomainResult<()> {
    if moved.is_empty() {
        return Ok(());
    }
    let mut groups: Vec<&str> = moved.iter().map(|(g, _, _)| *g).collect();
    groups.sort_unstable();
    groups.dedup();
    let links = linked_systems(conn, role, &groups).await?;
    if links.is_empty() {
        return Ok(());
    }
    let rows: Vec<Vec<Val>> = moved
        .iter()
        .filter_map(|(g, u, holds)| {
            links.get(*g).map(|system| {
                vec![
                    Val::from(*g),
                    Val::from(*u),
                    Val::from(role.code()),
                    Val::from(system.as_str()),
                    Val::Int(i64::from(*holds)),
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

/// Pairs per round of [`ownerships_changed`] (two arguments each).
const PAIRS_PER_ROUND: usize = 400;

/// Records in the outbox the ownerships of linked groups that began or ended after owner rows
/// were inserted (`added`) into or deleted (`removed`) from `group_owners` or
/// `group_owner_grants`, in the same transaction as that write: a person owns a group while
/// at least one such row holds them, so only their first row arriving or their last one going
/// moves what the system should hold. Groups that are not linked to a system taking owners
/// cost one read. On Postgres the people concerned are locked first, as
/// `counts::memberships_changed` locks them, so two writes about one person see each other.
pub async fn ownerships_changed(
    conn: &mut Conn,
    added: &[(String, String)],
    removed: &[(String, String)],
) -> DomainResult<()> {
    let mut groups: Vec<&str> = added
        .iter()
        .chain(removed)
        .map(|(g, _)| g.as_str())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let links = linked_systems(conn, ResourceRole::Owner, &groups).await?;
    if links.is_empty() {
        return Ok(());
    }
    // Rows per linked (group, person) the write added less the rows it removed.
    let mut delta: std::collections::BTreeMap<(&str, &str), i64> =
        std::collections::BTreeMap::new();
    for ((g, u), step) in added
        .iter()
        .map(|p| (p, 1))
        .chain(removed.iter().map(|p| (p, -1)))
    {
        if links.contains_key(g) {
            *delta.entry((g.as_str(), u.as_str())).or_default() += step;
        }
    }
    let pairs: Vec<((&str, &str), i64)> = delta.into_iter().collect();
    for round in pairs.chunks(PAIRS_PER_ROUND) {
        if conn.backend_name() != "SQLite" {
            let people: std::collections::BTreeSet<&str> =
                round.iter().map(|((_, u), _)| *u).collect();
            let sql = format!(
                "SELECT id FROM users WHERE id IN ({}) ORDER BY id FOR NO KEY UPDATE",
                placeholders(people.len())
            );
            let mut q = sqlx::query(&sql);
            for p in &people {
                q = q.bind(*p);
            }
            q.fetch_all(&mut *conn).await?;
        }
        let values = (1..=round.len())
            .map(|i| format!("(${}, ${})", 2 * i - 1, 2 * i))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH p(g, u) AS (VALUES {values})
             SELECT p.g, p.u,
                    (SELECT COUNT(*) FROM group_owners o WHERE o.group_id = p.g AND o.user_id = p.u)
                  + (SELECT COUNT(*) FROM group_owner_grants o WHERE o.group_id = p.g AND o.user_id = p.u)
             FROM p"
        );
        let mut q = sqlx::query_as::<_, (String, String, i64)>(&sql);
        for ((g, u), _) in round {
            q = q.bind(*g).bind(*u);
        }
        let after: std::collections::BTreeMap<(String, String), i64> = q
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(g, u, n)| ((g, u), n))
            .collect();
        let mut moved: Vec<(&str, &str, bool)> = Vec::new();
        for &((g, u), d) in round {
            let now = after
                .get(&(g.to_owned(), u.to_owned()))
                .copied()
                .unwrap_or(0);
            match (now - d > 0, now > 0) {
                (false, true) => moved.push((g, u, true)),
                (true, false) => moved.push((g, u, false)),
                _ => {}
            }
        }
        grants_moved(conn, ResourceRole::Owner, &moved).await?;
    }
    Ok(())
}

/// Of `groups`, those linked to a system that takes grants of `role`: group id → system id.
pub async fn linked_systems(
    conn: &mut Conn,
    role: ResourceRole,
    groups: &[&str],
) -> DomainResult<std::collections::BTreeMap<String, String>> {
    if groups.is_empty() {
        return Ok(std::collections::BTreeMap::new());
    }
    let takes = match role {
        ResourceRole::Member => "",
        ResourceRole::Owner => " AND s.kind = 'ldap'",
    };
    let sql = format!(
        "SELECT l.group_id, l.system_id FROM group_links l
         JOIN connected_systems s ON s.id = l.system_id
         WHERE l.group_id IN ({}){takes}",
        placeholders(groups.len())
    );
    let mut q = sqlx::query_as::<_, (String, String)>(&sql);
    for g in groups {
        q = q.bind(*g);
    }
    Ok(q.fetch_all(&mut *conn).await?.into_iter().collect())
}

/// Inserts or renews change rows (group, user, role, system, holds, version 1, pending, 0
/// attempts, due at 0). A renewed row keeps its claim: the instance delivering it sees the
/// version moved and leaves it for the next round.
async fn enqueue(conn: &mut Conn, rows: &[Vec<Val>]) -> DomainResult<()> {
    bulk::insert(
        conn,
        "connector_changes",
        &[
            "group_id",
            "user_id",
            "role",
            "system_id",
            "holds",
            "version",
            "state",
            "attempts",
            "next_attempt_at",
        ],
        rows,
        "ON CONFLICT (group_id, user_id, role) DO UPDATE SET
           holds = excluded.holds, system_id = excluded.system_id,
           version = connector_changes.version + 1, state = 'pending', attempts = 0,
           next_attempt_at = 0, last_error = NULL",
    )
    .await?;
    Ok(())
}

/// A newly linked group: every current member is to be added in the system, and, when
/// `owners` (an LDAP system), every current owner too. Returns (members, owners) queued.
pub async fn enqueue_all_grants(
    conn: &mut Conn,
    group: GroupId,
    system: SystemId,
    owners: bool,
) -> DomainResult<(u64, u64)> {
    const RENEW: &str = "ON CONFLICT (group_id, user_id, role) DO UPDATE SET
           holds = 1, system_id = excluded.system_id, version = connector_changes.version + 1,
           state = 'pending', attempts = 0, next_attempt_at = 0, last_error = NULL";
    let members = sqlx::query(&format!(
        "INSERT INTO connector_changes (group_id, user_id, role, system_id, holds, version, state, attempts, next_attempt_at)
         SELECT DISTINCT group_id, user_id, 'member', $2, 1, 1, 'pending', 0, 0 FROM group_members WHERE group_id = $1
         {RENEW}"
    ))
    .bind(group.to_string())
    .bind(system.to_string())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if !owners {
        return Ok((members, 0));
    }
    // `WHERE true`: SQLite would otherwise read the upsert's ON as the subquery's join.
    let owners = sqlx::query(&format!(
        "INSERT INTO connector_changes (group_id, user_id, role, system_id, holds, version, state, attempts, next_attempt_at)
         SELECT $1, o.user_id, 'owner', $2, 1, 1, 'pending', 0, 0 FROM
           (SELECT user_id FROM group_owners WHERE group_id = $1
            UNION SELECT user_id FROM group_owner_grants WHERE group_id = $1) o
         WHERE true {RENEW}"
    ))
    .bind(group.to_string())
    .bind(system.to_string())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok((members, owners))
}

/// A change claimed for delivery: whether the system should hold one person in one role
/// (member, owner) of one group.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub group_id: String,
    pub user_id: String,
    pub role: ResourceRole,
    pub system_id: SystemId,
    pub external_group: String,
    pub holds: bool,
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
        "SELECT c.group_id, c.user_id, c.role, c.system_id, l.external_id, c.holds, c.version, c.attempts,
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
        role,
        system_id,
        external_group,
        holds,
        version,
        attempts,
        email,
        user_name,
    ) in rows
    {
        let taken = sqlx::query(
            "UPDATE connector_changes SET claimed_until = $3
             WHERE group_id = $1 AND user_id = $2 AND role = $6 AND version = $4
               AND state <> 'delivered' AND next_attempt_at <= $5
               AND (claimed_until IS NULL OR claimed_until <= $5)",
        )
        .bind(&group_id)
        .bind(&user_id)
        .bind(ms(lease))
        .bind(version)
        .bind(ms(now))
        .bind(&role)
        .execute(&mut *conn)
        .await?;
        if taken.rows_affected() == 1 {
            out.push(Claimed {
                system_id: SystemId(uuid(&system_id)?),
                role: ResourceRole::parse(&role).map_err(corrupt)?,
                group_id,
                user_id,
                external_group,
                holds: holds == 1,
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
                 WHERE group_id = $1 AND user_id = $2 AND role = $5 AND version = $3",
            )
            .bind(&change.group_id)
            .bind(&change.user_id)
            .bind(change.version)
            .bind(ms(now))
            .bind(change.role.code())
            .execute(&mut *conn)
            .await?
        }
        Outcome::Failed { error, retry_at } => {
            sqlx::query(
                "UPDATE connector_changes SET state = 'failed', attempts = attempts + 1, last_error = $4,
                        claimed_until = NULL, next_attempt_at = $5
                 WHERE group_id = $1 AND user_id = $2 AND role = $6 AND version = $3",
            )
            .bind(&change.group_id)
            .bind(&change.user_id)
            .bind(change.version)
            .bind(error)
            .bind(retry_at.map(ms))
            .bind(change.role.code())
            .execute(&mut *conn)
            .await?
        }
    };
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    sqlx::query(
        "UPDATE connector_changes SET claimed_until = NULL
         WHERE group_id = $1 AND user_id = $2 AND role = $3",
    )
    .bind(&change.group_id)
    .bind(&change.user_id)
    .bind(change.role.code())
    .execute(&mut *conn)
    .await?;
    Ok(false)
}

/// Failed changes made due again at once, with their attempts counted afresh (reprocess); the
/// caller adds which ones (`AND …`).
const DUE_AGAIN: &str =
    "UPDATE connector_changes SET state = 'pending', attempts = 0, next_attempt_at = 0
     WHERE state = 'failed'";

/// Sends failed changes again at once: one (group, person)'s (as member and as owner), or
/// every failure of `system`.
/// Returns how many.
pub async fn reprocess(
    conn: &mut Conn,
    system: SystemId,
    one: Option<(GroupId, UserId)>,
) -> DomainResult<u64> {
    let done = match one {
        Some((group, user)) => {
            sqlx::query(&format!(
                "{DUE_AGAIN} AND system_id = $1 AND group_id = $2 AND user_id = $3"
            ))
            .bind(system.to_string())
            .bind(group.to_string())
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(&format!("{DUE_AGAIN} AND system_id = $1"))
                .bind(system.to_string())
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(done.rows_affected())
}

/// The failed changes of what `package` grants `user`, due again at once (a request's
/// reprocess).
pub async fn reprocess_access(
    conn: &mut Conn,
    user: UserId,
    package: AccessPackageId,
) -> DomainResult<u64> {
    let done = sqlx::query(&format!(
        "{DUE_AGAIN} AND user_id = $1
           AND EXISTS (SELECT 1 FROM access_package_resource_roles r
                       WHERE r.package_id = $2 AND r.group_id = connector_changes.group_id
                         AND r.role = connector_changes.role)"
    ))
    .bind(user.to_string())
    .bind(package.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

type DeliveryRow = (
    String,
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
    "SELECT c.group_id, g.name, c.user_id, u.email, s.name, c.role, c.holds, c.state,
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
        role,
        holds,
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
        role: ResourceRole::parse(&role).map_err(corrupt)?,
        holds: holds == 1,
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
         ORDER BY c.state, g.name_key, u.email, c.role LIMIT $2"
    );
    let rows: Vec<DeliveryRow> = sqlx::query_as(&sql)
        .bind(system.to_string())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter().map(delivery).collect()
}

/// The packages (of `packages`) whose grants (memberships, ownerships) a connected system does
/// not hold yet for
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
         JOIN access_package_resource_roles r ON r.group_id = c.group_id AND r.role = c.role
         WHERE c.user_id = $1 AND c.holds = 1
           AND r.package_id IN ({})",
        super::super::placeholders_after(1, packages.len())
    );
    let mut q = sqlx::query_as::<_, (String, String)>(&sql).bind(user.to_string());
    for p in packages {
        q = q.bind(p);
    }
    fold_states(q.fetch_all(&mut *conn).await?)
}

/// Of a package's live assignments, the people (of `users`) whose grants a connected
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
         JOIN access_package_resource_roles r ON r.group_id = c.group_id AND r.role = c.role
         WHERE r.package_id = $1 AND c.holds = 1 AND c.user_id IN ({})",
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

/// `user`'s delivered requests (newest first, at most 20) for packages that give them `role`
/// in `group`: (request id, package id, package name).
pub async fn requests_reaching(
    conn: &mut Conn,
    user: &str,
    group: &str,
    role: ResourceRole,
) -> DomainResult<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.package_id, p.name FROM access_package_requests r
         JOIN access_packages p ON p.id = r.package_id
         WHERE r.requestor_id = $1 AND r.state = 'delivered'
           AND r.package_id IN (SELECT package_id FROM access_package_resource_roles
                                WHERE group_id = $2 AND role = $3)
         ORDER BY r.created_at DESC LIMIT 20",
    )
    .bind(user)
    .bind(group)
    .bind(role.code())
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
