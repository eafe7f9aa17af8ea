//! A package's resource roles and the grants they carry.

use super::*;

pub async fn resource_roles(
    conn: &mut Conn,
    id: AccessPackageId,
) -> DomainResult<Vec<ResourceRoleView>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT g.id, g.name, g.kind, rr.role FROM access_package_resource_roles rr
         JOIN directory_groups g ON g.id = rr.group_id
         WHERE rr.package_id = $1 ORDER BY g.name_key, g.id, rr.role",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let licenses: Vec<(String, String)> = sqlx::query_as(
        "SELECT gl.group_id, l.name FROM group_licenses gl JOIN licenses l ON l.id = gl.license_id
         WHERE gl.group_id IN (SELECT group_id FROM access_package_resource_roles WHERE package_id = $1)
         ORDER BY l.name_key",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut by_group: HashMap<String, Vec<String>> = HashMap::new();
    for (g, name) in licenses {
        by_group.entry(g).or_default().push(name);
    }
    rows.into_iter()
        .map(|(gid, name, kind, role)| {
            Ok(ResourceRoleView {
                licenses: by_group.get(&gid).cloned().unwrap_or_default(),
                group_id: GroupId(uuid(&gid)?),
                group_name: name,
                group_kind: GroupKind::parse(&kind).map_err(corrupt)?,
                role: ResourceRole::parse(&role).map_err(corrupt)?,
            })
        })
        .collect()
}

pub async fn add_resource_role(
    conn: &mut Conn,
    id: AccessPackageId,
    group: GroupId,
    role: ResourceRole,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "INSERT INTO access_package_resource_roles (package_id, group_id, role, added_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (package_id, group_id, role) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(group.to_string())
    .bind(role.code())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_resource_role(
    conn: &mut Conn,
    id: AccessPackageId,
    group: GroupId,
    role: ResourceRole,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "DELETE FROM access_package_resource_roles WHERE package_id = $1 AND group_id = $2 AND role = $3",
    )
    .bind(id.to_string())
    .bind(group.to_string())
    .bind(role.code())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The table that holds grants of `role`: memberships or ownerships.
pub fn grant_table(role: ResourceRole) -> &'static str {
    match role {
        ResourceRole::Member => "group_members",
        ResourceRole::Owner => "group_owner_grants",
    }
}

/// Grants `role` of `group` to every assignee of the package whose access has started
/// (source: their assignment). Returns how many grants were given.
pub async fn grant_role_to_assignees(
    conn: &mut Conn,
    id: AccessPackageId,
    group: GroupId,
    role: ResourceRole,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let people: Vec<String> = sqlx::query_scalar(&format!(
        "INSERT INTO {} (group_id, user_id, source, created_at)
         SELECT $2, a.user_id, 'assignment:' || a.id, $3 FROM access_package_assignments a
         WHERE a.package_id = $1 AND a.active_key IS NOT NULL AND a.state = 'delivered'
         ON CONFLICT (group_id, user_id, source) DO NOTHING RETURNING user_id",
        grant_table(role)
    ))
    .bind(id.to_string())
    .bind(group.to_string())
    .bind(ms(now))
    .fetch_all(&mut *conn)
    .await?;
    let granted = people.len() as u64;
    let added: Vec<(String, String)> = people.into_iter().map(|u| (group.to_string(), u)).collect();
    match role {
        ResourceRole::Member => {
            crate::store::counts::memberships_changed(conn, &added, &[]).await?
        }
        ResourceRole::Owner => {
            crate::store::connectors::ownerships_changed(conn, &added, &[]).await?
        }
    }
    Ok(granted)
}

/// Withdraws the grants of `role` the package's assignments hold in `group`; grants from
/// elsewhere (direct, other packages) stay. Returns how many were withdrawn.
pub async fn revoke_role_from_assignees(
    conn: &mut Conn,
    id: AccessPackageId,
    group: GroupId,
    role: ResourceRole,
) -> DomainResult<u64> {
    let people: Vec<String> = sqlx::query_scalar(&format!(
        "DELETE FROM {} WHERE group_id = $2 AND source IN
           (SELECT 'assignment:' || a.id FROM access_package_assignments a WHERE a.package_id = $1)
         RETURNING user_id",
        grant_table(role)
    ))
    .bind(id.to_string())
    .bind(group.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let revoked = people.len() as u64;
    let removed: Vec<(String, String)> =
        people.into_iter().map(|u| (group.to_string(), u)).collect();
    match role {
        ResourceRole::Member => {
            crate::store::counts::memberships_changed(conn, &[], &removed).await?
        }
        ResourceRole::Owner => {
            crate::store::connectors::ownerships_changed(conn, &[], &removed).await?
        }
    }
    Ok(revoked)
}

// ---- policies ----
