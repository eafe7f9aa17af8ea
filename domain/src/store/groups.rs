use super::{Arg, Conn, contains_pattern, from_ms, ms, paged, user_refs, uuid};
use crate::model::*;
use crate::rules::grants::GrantSource;
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: String,
    name: String,
    description: String,
    kind: String,
    member_count: i64,
}

/// The member count is kept on the row (see `store::counts`), not counted on each view.
const GROUP_SELECT: &str =
    "SELECT g.id, g.name, g.description, g.kind, g.member_count FROM directory_groups g";

async fn into_summaries(conn: &mut Conn, rows: Vec<GroupRow>) -> DomainResult<Vec<GroupSummary>> {
    // One query for the licenses of the whole page, not one per group.
    let mut licenses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if !rows.is_empty() {
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT gl.group_id, l.name FROM group_licenses gl JOIN licenses l ON l.id = gl.license_id
             WHERE gl.group_id IN ({}) ORDER BY l.name",
            placeholders.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for id in &ids {
            q = q.bind(*id);
        }
        for (group_id, name) in q.fetch_all(&mut *conn).await? {
            licenses.entry(group_id).or_default().push(name);
        }
    }
    rows.into_iter()
        .map(|r| {
            Ok(GroupSummary {
                id: GroupId(uuid(&r.id)?),
                licenses: licenses.remove(&r.id).unwrap_or_default(),
                name: r.name,
                description: r.description,
                kind: GroupKind::parse(&r.kind).map_err(|e| DomainError::Internal(e.into()))?,
                member_count: r.member_count,
            })
        })
        .collect()
}

pub async fn search(
    conn: &mut Conn,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<GroupSummary>> {
    let q = query.trim();
    let pattern = contains_pattern(q);
    let filter = "($1 = '' OR g.name_key LIKE $2 ESCAPE '\\')";
    let (total, rows): (i64, Vec<GroupRow>) = paged(
        conn,
        &format!("SELECT COUNT(*) FROM directory_groups g WHERE {filter}"),
        &format!("{GROUP_SELECT} WHERE {filter} ORDER BY g.name_key, g.id"),
        &[Arg::Text(q), Arg::Text(&pattern)],
        page,
    )
    .await?;
    let items = into_summaries(conn, rows).await?;
    Ok(Page::of(items, total, page))
}

pub async fn summary(conn: &mut Conn, id: GroupId) -> DomainResult<GroupSummary> {
    let row: Option<GroupRow> = sqlx::query_as(&format!("{GROUP_SELECT} WHERE g.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let row = row.ok_or(DomainError::NotFound("group"))?;
    into_summaries(conn, vec![row])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("group"))
}

pub async fn id_by_name(conn: &mut Conn, name: &str) -> DomainResult<Option<GroupId>> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT id FROM directory_groups WHERE name_key = $1")
            .bind(name.trim().to_lowercase())
            .fetch_optional(&mut *conn)
            .await?;
    id.map(|s| uuid(&s).map(GroupId)).transpose()
}

pub async fn insert(
    conn: &mut Conn,
    id: GroupId,
    name: &GroupName,
    description: &Description,
    kind: GroupKind,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO directory_groups (id, name, name_key, description, kind, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(id.to_string())
    .bind(name.as_str())
    .bind(name.as_str().to_lowercase())
    .bind(description.as_str())
    .bind(kind.code())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn update(
    conn: &mut Conn,
    id: GroupId,
    name: &GroupName,
    description: &Description,
    kind: GroupKind,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE directory_groups SET name = $2, name_key = $3, description = $4, kind = $5, updated_at = $6 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(name.as_str())
    .bind(name.as_str().to_lowercase())
    .bind(description.as_str())
    .bind(kind.code())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("group"));
    }
    Ok(())
}

/// Adds one grant; returns false when that exact grant already existed.
pub async fn add_grant(
    conn: &mut Conn,
    group: GroupId,
    user: UserId,
    source: GrantSource,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "INSERT INTO group_members (group_id, user_id, source, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id, user_id, source) DO NOTHING",
    )
    .bind(group.to_string())
    .bind(user.to_string())
    .bind(source.code())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    let added = done.rows_affected() == 1;
    if added {
        super::counts::memberships_changed(conn, &[(group.to_string(), user.to_string())], &[])
            .await?;
    }
    Ok(added)
}

/// Withdraws one grant; other grants for the same person and group stay. Returns whether it existed.
pub async fn withdraw_grant(
    conn: &mut Conn,
    group: GroupId,
    user: UserId,
    source: GrantSource,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2 AND source = $3",
    )
    .bind(group.to_string())
    .bind(user.to_string())
    .bind(source.code())
    .execute(&mut *conn)
    .await?;
    let removed = done.rows_affected() == 1;
    if removed {
        super::counts::memberships_changed(conn, &[], &[(group.to_string(), user.to_string())])
            .await?;
    }
    Ok(removed)
}

pub async fn grants(
    conn: &mut Conn,
    group: GroupId,
    user: UserId,
) -> DomainResult<Vec<GrantSource>> {
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT source FROM group_members WHERE group_id = $1 AND user_id = $2 ORDER BY source",
    )
    .bind(group.to_string())
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    codes
        .iter()
        .map(|c| GrantSource::parse(c).map_err(|e| DomainError::Internal(e.into())))
        .collect()
}

/// Above this many members a group's page is found by walking the directory in name order.
pub const LARGE_GROUP: i64 = 2_000;

/// Members of a group, one entry per person with all their grants, paged by person.
/// `total` is the group's distinct member count, which the caller already has from
/// [`summary`] (counting 100,000 members again costs as much as the page itself).
pub async fn members(
    conn: &mut Conn,
    group: GroupId,
    total: i64,
    page: PageRequest,
) -> DomainResult<Page<GroupMember>> {
    // A large group is paged by walking people in name order (users_sort_idx) and keeping
    // members, which stops after one page; a small one by sorting its few members. Both give
    // the same rows in the same order.
    let sql = if total > LARGE_GROUP {
        "SELECT u.id, u.display_name, u.email,
                (SELECT MIN(m.created_at) FROM group_members m WHERE m.group_id = $1 AND m.user_id = u.id)
         FROM users u
         WHERE EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = $1 AND m.user_id = u.id)
         ORDER BY lower(u.display_name), u.id LIMIT $2 OFFSET $3"
    } else {
        "SELECT u.id, u.display_name, u.email, MIN(m.created_at)
         FROM group_members m JOIN users u ON u.id = m.user_id
         WHERE m.group_id = $1
         GROUP BY u.id, u.display_name, u.email
         ORDER BY lower(u.display_name), u.id LIMIT $2 OFFSET $3"
    };
    let people: Vec<(String, String, String, i64)> = sqlx::query_as(sql)
        .bind(group.to_string())
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&mut *conn)
        .await?;
    let mut sources: BTreeMap<String, Vec<GrantSource>> = BTreeMap::new();
    if !people.is_empty() {
        let placeholders: Vec<String> = (2..=people.len() + 1).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT user_id, source FROM group_members WHERE group_id = $1 AND user_id IN ({}) ORDER BY source",
            placeholders.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql).bind(group.to_string());
        for p in &people {
            q = q.bind(p.0.as_str());
        }
        for (user_id, source) in q.fetch_all(&mut *conn).await? {
            sources
                .entry(user_id)
                .or_default()
                .push(GrantSource::parse(&source).map_err(|e| DomainError::Internal(e.into()))?);
        }
    }
    let items = people
        .into_iter()
        .map(|(id, display_name, email, since)| {
            Ok(GroupMember {
                sources: sources.remove(&id).unwrap_or_default(),
                user: UserRef {
                    id: UserId(uuid(&id)?),
                    display_name,
                    email,
                },
                since: from_ms(since)?,
            })
        })
        .collect::<DomainResult<_>>()?;
    Ok(Page::of(items, total, page))
}

/// The groups a person is in, with the grants that hold each membership.
pub async fn memberships_of(conn: &mut Conn, user: UserId) -> DomainResult<Vec<Membership>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT g.id, g.name, m.source, m.created_at FROM group_members m JOIN directory_groups g ON g.id = m.group_id
         WHERE m.user_id = $1 ORDER BY g.name_key, g.id, m.source",
    )
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<Membership> = Vec::new();
    for (gid, name, source, at) in rows {
        let source = GrantSource::parse(&source).map_err(|e| DomainError::Internal(e.into()))?;
        let gid = GroupId(uuid(&gid)?);
        match out.last_mut() {
            Some(m) if m.group_id == gid => {
                m.sources.push(source);
                m.since = m.since.min(from_ms(at)?);
            }
            _ => out.push(Membership {
                group_id: gid,
                group_name: name,
                sources: vec![source],
                since: from_ms(at)?,
            }),
        }
    }
    Ok(out)
}

/// Whether `user` owns the group, directly or through an access package's Owner role.
pub async fn is_owner(conn: &mut Conn, group: GroupId, user: UserId) -> DomainResult<bool> {
    let owns: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM group_owners WHERE group_id = $1 AND user_id = $2
         UNION SELECT 1 FROM group_owner_grants WHERE group_id = $1 AND user_id = $2",
    )
    .bind(group.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(owns.is_some())
}

/// Owners set directly and owners through an access package's Owner role.
pub async fn owners(conn: &mut Conn, group: GroupId) -> DomainResult<Vec<UserRef>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email FROM users u
         WHERE u.id IN (SELECT user_id FROM group_owners WHERE group_id = $1
                        UNION SELECT user_id FROM group_owner_grants WHERE group_id = $1)
         ORDER BY lower(u.display_name), u.id",
    )
    .bind(group.to_string())
    .fetch_all(&mut *conn)
    .await?;
    user_refs(rows)
}

/// Makes `user` an owner; false when they already were. A linked group's system learns of it.
pub async fn add_owner(conn: &mut Conn, group: GroupId, user: UserId) -> DomainResult<bool> {
    let done = sqlx::query("INSERT INTO group_owners (group_id, user_id) VALUES ($1, $2) ON CONFLICT (group_id, user_id) DO NOTHING")
        .bind(group.to_string())
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let pair = [(group.to_string(), user.to_string())];
    super::connectors::ownerships_changed(conn, &pair, &[]).await?;
    Ok(true)
}

/// Removes an owner; false when they were not one. A linked group's system learns of it.
pub async fn remove_owner(conn: &mut Conn, group: GroupId, user: UserId) -> DomainResult<bool> {
    let done = sqlx::query("DELETE FROM group_owners WHERE group_id = $1 AND user_id = $2")
        .bind(group.to_string())
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let pair = [(group.to_string(), user.to_string())];
    super::connectors::ownerships_changed(conn, &[], &pair).await?;
    Ok(true)
}

pub async fn count(conn: &mut Conn) -> DomainResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM directory_groups")
        .fetch_one(&mut *conn)
        .await?)
}

/// The groups a person is a member of (through any grant).
pub async fn group_ids_of(conn: &mut Conn, user: UserId) -> DomainResult<Vec<GroupId>> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT group_id FROM group_members WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_all(&mut *conn)
            .await?;
    ids.iter().map(|id| Ok(GroupId(uuid(id)?))).collect()
}
