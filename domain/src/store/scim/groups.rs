//! Directory groups as SCIM groups, with the memberships SCIM gave (grant source `scim`).

use super::{Column, Window, windowed};
use crate::scim::ScimError;
use crate::scim::filter::{AttrPath, Filter};
use crate::scim::group::GroupRecord;
use crate::store::{Conn, counts, from_ms, ms, placeholders_after};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};

/// Ids per statement when a whole list of members is checked or read.
const IDS_PER_ROUND: usize = 500;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    external_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl Row {
    fn record(self, members: Option<Vec<String>>) -> DomainResult<GroupRecord> {
        Ok(GroupRecord {
            id: self.id,
            display_name: self.name,
            external_id: self.external_id,
            members,
            created: from_ms(self.created_at)?,
            modified: from_ms(self.updated_at)?,
        })
    }
}

const SELECT: &str =
    "SELECT g.id, g.name, g.external_id, g.created_at, g.updated_at FROM directory_groups g";

/// The grant source of a membership SCIM gave (`GrantSource::Scim`).
const SCIM: &str = "scim";

fn column(p: &AttrPath) -> Result<Column, ScimError> {
    if p.schema.is_some() {
        return Err(ScimError::invalid_filter(
            "Groups take no schema extension.",
        ));
    }
    Ok(match (p.attr.as_str(), p.sub.as_deref()) {
        ("id", None) => Column::Exact("g.id"),
        // name_key is the name lower-cased.
        ("displayname", None) => Column::Folded("g.name_key"),
        ("externalid", None) => Column::Exact("g.external_id"),
        ("members", None | Some("value")) => Column::Exists(
            "EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.source = 'scim' AND m.user_id = $)",
        ),
        (attr, _) => {
            return Err(ScimError::invalid_filter(format!(
                "Groups cannot be filtered on \"{attr}\"."
            )));
        }
    })
}

/// The SCIM members of the given groups, each list in id order.
async fn members_of(
    conn: &mut Conn,
    groups: &[&str],
) -> DomainResult<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for round in groups.chunks(IDS_PER_ROUND) {
        let sql = format!(
            "SELECT group_id, user_id FROM group_members WHERE source = 'scim' AND group_id IN ({})
             ORDER BY group_id, user_id",
            placeholders_after(0, round.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for g in round {
            q = q.bind(*g);
        }
        for (g, u) in q.fetch_all(&mut *conn).await? {
            out.entry(g).or_default().push(u);
        }
    }
    Ok(out)
}

pub async fn get(
    conn: &mut Conn,
    id: &str,
    with_members: bool,
) -> DomainResult<Option<GroupRecord>> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE g.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let members = if with_members {
        Some(
            members_of(conn, &[id])
                .await?
                .remove(id)
                .unwrap_or_default(),
        )
    } else {
        None
    };
    row.record(members).map(Some)
}

pub async fn list(
    conn: &mut Conn,
    filter: Option<&Filter>,
    window: Window,
    with_members: bool,
) -> Result<(i64, Vec<GroupRecord>), ScimError> {
    let queries = (
        SELECT,
        "SELECT COUNT(*) FROM directory_groups g",
        "1 = 1",
        "g.id",
    );
    let (total, rows): (i64, Vec<Row>) = windowed(conn, queries, filter, column, window).await?;
    let mut members = if with_members {
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        Some(members_of(conn, &ids).await?)
    } else {
        None
    };
    let records = rows
        .into_iter()
        .map(|r| {
            let m = members
                .as_mut()
                .map(|all| all.remove(&r.id).unwrap_or_default());
            r.record(m)
        })
        .collect::<DomainResult<_>>()?;
    Ok((total, records))
}

pub async fn insert(
    conn: &mut Conn,
    id: &str,
    name: &str,
    external_id: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO directory_groups (id, name, name_key, description, kind, external_id, created_at, updated_at)
         VALUES ($1, $2, $3, '', 'security', $4, $5, $5)",
    )
    .bind(id)
    .bind(name)
    .bind(name.to_lowercase())
    .bind(external_id)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn update(
    conn: &mut Conn,
    id: &str,
    name: &str,
    external_id: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE directory_groups SET name = $2, name_key = $3, external_id = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(name.to_lowercase())
    .bind(external_id)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("group"));
    }
    Ok(())
}

/// What still uses a group, which must let go of it before it can be deleted.
pub async fn used_by(conn: &mut Conn, id: &str) -> DomainResult<Option<&'static str>> {
    let checks: [(&str, &'static str); 3] = [
        (
            "SELECT 1 FROM access_package_resource_roles WHERE group_id = $1",
            "a resource role of an access package",
        ),
        (
            "SELECT 1 FROM catalog_resources WHERE group_id = $1",
            "a resource of a catalog",
        ),
        (
            "SELECT 1 FROM group_licenses WHERE group_id = $1",
            "assigned licenses",
        ),
    ];
    for (sql, what) in checks {
        let hit: Option<i64> = sqlx::query_scalar(&format!("{sql} LIMIT 1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        if hit.is_some() {
            return Ok(Some(what));
        }
    }
    Ok(None)
}

/// Deletes a group no package, catalog or license uses; false when it did not exist.
pub async fn delete(conn: &mut Conn, id: &str) -> DomainResult<bool> {
    let done = sqlx::query("DELETE FROM directory_groups WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The ids among `ids` that are not people SCIM shows.
pub async fn unknown_people(conn: &mut Conn, ids: &[String]) -> DomainResult<Vec<String>> {
    let mut known: HashSet<String> = HashSet::new();
    for round in ids.chunks(IDS_PER_ROUND) {
        let sql = format!(
            "SELECT id FROM users WHERE deleted_at IS NULL AND id IN ({})",
            placeholders_after(0, round.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for id in round {
            q = q.bind(id.as_str());
        }
        known.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(ids
        .iter()
        .filter(|i| !known.contains(*i))
        .cloned()
        .collect())
}

/// The group's SCIM members.
pub async fn members(conn: &mut Conn, group: &str) -> DomainResult<Vec<String>> {
    Ok(members_of(conn, &[group])
        .await?
        .remove(group)
        .unwrap_or_default())
}

/// Whether the group has more than `n` SCIM members (counting at most `n + 1`).
pub async fn more_members_than(conn: &mut Conn, group: &str, n: i64) -> DomainResult<bool> {
    let counted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM group_members WHERE group_id = $1 AND source = 'scim' LIMIT $2) t",
    )
    .bind(group)
    .bind(n + 1)
    .fetch_one(&mut *conn)
    .await?;
    Ok(counted > n)
}

/// Gives SCIM grants to `people` (all known); returns those who did not have one.
pub async fn add_members(
    conn: &mut Conn,
    group: &str,
    people: &[String],
    now: DateTime<Utc>,
) -> DomainResult<Vec<String>> {
    add_grants(conn, group, people, SCIM, now).await
}

/// Withdraws the SCIM grants of `people`; other grants stay. Returns those who had one.
pub async fn remove_members(
    conn: &mut Conn,
    group: &str,
    people: &[String],
) -> DomainResult<Vec<String>> {
    remove_grants(conn, group, people, SCIM).await
}

/// Gives grants of `source` (a sync's own: `scim`, `import`) to `people` (all known); returns
/// those who did not have one. Counts and connected systems follow.
pub async fn add_grants(
    conn: &mut Conn,
    group: &str,
    people: &[String],
    source: &str,
    now: DateTime<Utc>,
) -> DomainResult<Vec<String>> {
    let mut added = Vec::new();
    for person in people {
        let done = sqlx::query(
            "INSERT INTO group_members (group_id, user_id, source, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (group_id, user_id, source) DO NOTHING",
        )
        .bind(group)
        .bind(person.as_str())
        .bind(source)
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            added.push((group.to_owned(), person.clone()));
        }
    }
    counts::memberships_changed(conn, &added, &[]).await?;
    Ok(added.into_iter().map(|(_, u)| u).collect())
}

/// Withdraws the grants of `source` of `people`; other grants stay. Returns those who had one.
pub async fn remove_grants(
    conn: &mut Conn,
    group: &str,
    people: &[String],
    source: &str,
) -> DomainResult<Vec<String>> {
    let mut removed = Vec::new();
    for person in people {
        let done = sqlx::query(
            "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2 AND source = $3",
        )
        .bind(group)
        .bind(person.as_str())
        .bind(source)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            removed.push((group.to_owned(), person.clone()));
        }
    }
    counts::memberships_changed(conn, &[], &removed).await?;
    Ok(removed.into_iter().map(|(_, u)| u).collect())
}
