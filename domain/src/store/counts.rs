//! Kept counts (issue 13): a group's members and a license's holders are shown on every row
//! of their lists, so each is kept on its row and moved, in the same transaction, by the
//! writes that change memberships, instead of being counted over every membership on each
//! view (the licenses list took 0.5 s at 10,000 people and 1.5 s at 100,000).
//!
//! A person is a member of a group while at least one grant row holds them
//! (`group_members`), and holds a license while they are a member of at least one group
//! carrying it. So a count moves only when a person's first grant in a group arrives or
//! their last one goes, and a license's only when that was their first or last licensed
//! group for it. [`memberships_changed`] works that out from the grant rows a write added or
//! removed.
//!
//! Concurrency: SQLite has one writer at a time. On Postgres (read committed) two
//! transactions changing one person's grants could each miss the other's uncommitted row;
//! [`memberships_changed`] therefore locks the people concerned (in id order) before it
//! reads, so the second one reads after the first has committed. The lock is `FOR NO KEY
//! UPDATE`: `FOR UPDATE` would also wait for the key-share locks that every insert
//! referencing the person takes, and two approvals for one person deadlocked on it. A change to which groups
//! carry a license locks the group's row first, the row [`memberships_changed`] updates
//! before it reads the group's licenses, then the license's row, which
//! [`memberships_changed`] locks before it reads who holds it. Rows are always locked in
//! that order: people, groups, licenses.

use super::{Conn, placeholders_after};
use crate::DomainResult;
use std::collections::{BTreeMap, BTreeSet};

/// One grant row of `group_members` as stored: (group id, user id).
pub type Pair = (String, String);

/// People per round of [`memberships_changed`], so a bulk change (a role added to a package
/// with 10,000 assignees) stays within every statement's argument limit.
const PEOPLE_PER_ROUND: usize = 400;

/// Moves the member counts of groups and the holder counts of licenses after grant rows
/// were inserted into `group_members` (`added`, one entry per row inserted) or deleted from
/// it (`removed`, one entry per row deleted), in the same transaction as that write.
pub async fn memberships_changed(
    conn: &mut Conn,
    added: &[Pair],
    removed: &[Pair],
) -> DomainResult<()> {
    let people: BTreeSet<&str> = added
        .iter()
        .chain(removed)
        .map(|(_, u)| u.as_str())
        .collect();
    let people: Vec<&str> = people.into_iter().collect();
    for round in people.chunks(PEOPLE_PER_ROUND) {
        let (Some(&first), Some(&last)) = (round.first(), round.last()) else {
            continue;
        };
        let inside = |(_, u): &&Pair| u.as_str() >= first && u.as_str() <= last;
        let added: Vec<&Pair> = added.iter().filter(inside).collect();
        let removed: Vec<&Pair> = removed.iter().filter(inside).collect();
        one_round(conn, round, &added, &removed).await?;
    }
    Ok(())
}

async fn one_round(
    conn: &mut Conn,
    people: &[&str],
    added: &[&Pair],
    removed: &[&Pair],
) -> DomainResult<()> {
    if conn.backend_name() != "SQLite" {
        let sql = format!(
            "SELECT id FROM users WHERE id IN ({}) ORDER BY id FOR NO KEY UPDATE",
            placeholders_after(0, people.len())
        );
        let mut q = sqlx::query(&sql);
        for p in people {
            q = q.bind(*p);
        }
        q.fetch_all(&mut *conn).await?;
    }
    // Grants per (group, person) before and after the write: after is read, before is after
    // less the rows added plus the rows removed.
    let mut delta: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for (g, u) in added {
        *delta.entry((g.as_str(), u.as_str())).or_default() += 1;
    }
    for (g, u) in removed {
        *delta.entry((g.as_str(), u.as_str())).or_default() -= 1;
    }
    // The pairs themselves, not people × groups: a batch of 200 people in 150 groups would
    // otherwise seek 30,000 index entries (a third of an expiry batch's time at 100,000).
    let pairs = (1..=delta.len())
        .map(|i| format!("(${}, ${})", 2 * i - 1, 2 * i))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "WITH p(g, u) AS (VALUES {pairs})
         SELECT m.group_id, m.user_id, COUNT(*) FROM p
         JOIN group_members m ON m.group_id = p.g AND m.user_id = p.u
         GROUP BY m.group_id, m.user_id"
    );
    let mut q = sqlx::query_as::<_, (String, String, i64)>(&sql);
    for (g, u) in delta.keys() {
        q = q.bind(*g).bind(*u);
    }
    let after: BTreeMap<(String, String), i64> = q
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(g, u, n)| ((g, u), n))
        .collect();
    // Memberships that began (+1) or ended (-1) with this write.
    let mut moved: Vec<(&str, &str, i64)> = Vec::new();
    for (&(g, u), d) in &delta {
        let now = after
            .get(&(g.to_owned(), u.to_owned()))
            .copied()
            .unwrap_or(0);
        let step = i64::from(now > 0) - i64::from(now - d > 0);
        if step != 0 {
            moved.push((g, u, step));
        }
    }
    if moved.is_empty() {
        return Ok(());
    }
    // Linked groups: the connected system learns of each membership that began or ended.
    let outbox: Vec<(&str, &str, bool)> =
        moved.iter().map(|&(g, u, step)| (g, u, step > 0)).collect();
    super::connectors::grants_moved(conn, crate::model::ResourceRole::Member, &outbox).await?;
    let mut by_group: BTreeMap<&str, i64> = BTreeMap::new();
    for (g, _, step) in &moved {
        *by_group.entry(g).or_default() += step;
    }
    add_to(conn, "directory_groups", "member_count", &by_group).await?;

    // Licenses: a person's holding changes when the groups they are in that carry it went
    // from none to some or from some to none.
    let moved_groups: BTreeSet<&str> = moved.iter().map(|(g, _, _)| *g).collect();
    let sql = format!(
        "SELECT group_id, license_id FROM group_licenses WHERE group_id IN ({})",
        placeholders_after(0, moved_groups.len())
    );
    let mut q = sqlx::query_as::<_, (String, String)>(&sql);
    for g in &moved_groups {
        q = q.bind(*g);
    }
    let carried: Vec<(String, String)> = q.fetch_all(&mut *conn).await?;
    if carried.is_empty() {
        return Ok(());
    }
    let mut licenses_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (g, l) in &carried {
        licenses_of.entry(g.as_str()).or_default().push(l.as_str());
    }
    // (person, license) → licensed groups joined less licensed groups left.
    let mut held_delta: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for (g, u, step) in &moved {
        for l in licenses_of.get(g).into_iter().flatten() {
            *held_delta.entry((*u, *l)).or_default() += step;
        }
    }
    let holders: BTreeSet<&str> = held_delta.keys().map(|(u, _)| *u).collect();
    let licenses: BTreeSet<&str> = held_delta.keys().map(|(_, l)| *l).collect();
    lock_licenses(conn, &licenses).await?;
    let sql = format!(
        "SELECT m.user_id, gl.license_id, COUNT(DISTINCT m.group_id)
         FROM group_members m JOIN group_licenses gl ON gl.group_id = m.group_id
         WHERE m.user_id IN ({}) AND gl.license_id IN ({}) GROUP BY m.user_id, gl.license_id",
        placeholders_after(0, holders.len()),
        placeholders_after(holders.len(), licenses.len())
    );
    let mut q = sqlx::query_as::<_, (String, String, i64)>(&sql);
    for u in &holders {
        q = q.bind(*u);
    }
    for l in &licenses {
        q = q.bind(*l);
    }
    let held: BTreeMap<(String, String), i64> = q
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(u, l, n)| ((u, l), n))
        .collect();
    let mut by_license: BTreeMap<&str, i64> = BTreeMap::new();
    for (&(u, l), d) in &held_delta {
        let now = held
            .get(&(u.to_owned(), l.to_owned()))
            .copied()
            .unwrap_or(0);
        let step = i64::from(now > 0) - i64::from(now - d > 0);
        if step != 0 {
            *by_license.entry(l).or_default() += step;
        }
    }
    add_to(conn, "licenses", "holders", &by_license).await
}

/// `UPDATE table SET column = column + CASE id … END` for each id's amount, one statement.
pub(crate) async fn add_to(
    conn: &mut Conn,
    table: &str,
    column: &str,
    amounts: &BTreeMap<&str, i64>,
) -> DomainResult<()> {
    let amounts: Vec<(&str, i64)> = amounts
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(id, n)| (*id, *n))
        .collect();
    if amounts.is_empty() {
        return Ok(());
    }
    let cases: String = (0..amounts.len())
        .map(|i| format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2))
        .collect();
    let ids: Vec<String> = (0..amounts.len())
        .map(|i| format!("${}", 2 * i + 1))
        .collect();
    let sql = format!(
        "UPDATE {table} SET {column} = {column} + CASE id{cases} ELSE 0 END WHERE id IN ({})",
        ids.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for (id, n) in &amounts {
        q = q.bind(*id).bind(*n);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Locks a group's row until the transaction ends; a change to the licenses it carries takes
/// this first (see the module's note on concurrency).
pub async fn lock_group(conn: &mut Conn, group: &str) -> DomainResult<()> {
    sqlx::query("UPDATE directory_groups SET member_count = member_count WHERE id = $1")
        .bind(group)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Locks licenses' rows until the transaction ends, before their holders are read.
async fn lock_licenses(conn: &mut Conn, licenses: &BTreeSet<&str>) -> DomainResult<()> {
    let sql = format!(
        "UPDATE licenses SET holders = holders WHERE id IN ({})",
        placeholders_after(0, licenses.len())
    );
    let mut q = sqlx::query(&sql);
    for l in licenses {
        q = q.bind(*l);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// A group's distinct members, counted from its grants (the row is `directory_groups`).
const MEMBERS_COUNTED: &str = "(SELECT COUNT(DISTINCT m.user_id) FROM group_members m
    WHERE m.group_id = directory_groups.id)";

/// A license's distinct holders: members of any group carrying it (the row is `licenses`).
const HOLDERS_COUNTED: &str = "(SELECT COUNT(DISTINCT m.user_id) FROM group_members m
    JOIN group_licenses gl ON gl.group_id = m.group_id WHERE gl.license_id = licenses.id)";

/// A package's live assignments (the row is `access_packages`).
const LIVE_COUNTED: &str = "(SELECT COUNT(*) FROM access_package_assignments a
    WHERE a.package_id = access_packages.id AND a.active_key IS NOT NULL)";

/// Counts a license's holders again, after the groups carrying it changed (call
/// [`lock_group`] on that group before changing them). The count is its own statement after
/// the lock, so it sees every change committed before the lock was had.
pub async fn recount_license(conn: &mut Conn, license: &str) -> DomainResult<()> {
    lock_licenses(conn, &BTreeSet::from([license])).await?;
    sqlx::query(&format!(
        "UPDATE licenses SET holders = {HOLDERS_COUNTED} WHERE id = $1"
    ))
    .bind(license)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Counts every kept count again (after a bulk load that wrote rows directly).
pub async fn recount_all(conn: &mut Conn) -> DomainResult<()> {
    for sql in [
        format!("UPDATE directory_groups SET member_count = {MEMBERS_COUNTED}"),
        format!("UPDATE licenses SET holders = {HOLDERS_COUNTED}"),
        format!("UPDATE access_packages SET live_assignments = {LIVE_COUNTED}"),
    ] {
        sqlx::query(&sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Every kept count that differs from a count of its rows, as "what: kept K, counted C".
/// Empty when all agree.
pub async fn mismatches(conn: &mut Conn) -> DomainResult<Vec<String>> {
    let checks = [
        (
            "group",
            format!("SELECT name, member_count, {MEMBERS_COUNTED} FROM directory_groups"),
        ),
        (
            "license",
            format!("SELECT name, holders, {HOLDERS_COUNTED} FROM licenses"),
        ),
        (
            "access package",
            format!("SELECT name, live_assignments, {LIVE_COUNTED} FROM access_packages"),
        ),
    ];
    let mut out = Vec::new();
    for (what, sql) in checks {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
        for (name, kept, counted) in rows {
            if kept != counted {
                out.push(format!("{what} {name}: kept {kept}, counted {counted}"));
            }
        }
    }
    Ok(out)
}
