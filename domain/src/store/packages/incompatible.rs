//! Incompatible packages.

use super::*;

pub async fn incompatibilities(
    conn: &mut Conn,
    id: AccessPackageId,
) -> DomainResult<(Vec<NamedRef>, Vec<NamedRef>)> {
    let packages: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.id, p.name FROM access_package_incompatibilities i JOIN access_packages p ON p.id = i.target_id
         WHERE i.package_id = $1 AND i.kind = 'package' ORDER BY p.name_key, p.id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let groups: Vec<(String, String)> = sqlx::query_as(
        "SELECT g.id, g.name FROM access_package_incompatibilities i JOIN directory_groups g ON g.id = i.target_id
         WHERE i.package_id = $1 AND i.kind = 'group' ORDER BY g.name_key, g.id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let named = |rows: Vec<(String, String)>| -> DomainResult<Vec<NamedRef>> {
        rows.into_iter()
            .map(|(id, name)| {
                Ok(NamedRef {
                    id: uuid(&id)?,
                    name,
                })
            })
            .collect()
    };
    Ok((named(packages)?, named(groups)?))
}

/// Packages that declare `id` incompatible with themselves.
pub async fn incompatible_with(
    conn: &mut Conn,
    id: AccessPackageId,
) -> DomainResult<Vec<NamedRef>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.id, p.name FROM access_package_incompatibilities i JOIN access_packages p ON p.id = i.package_id
         WHERE i.kind = 'package' AND i.target_id = $1 ORDER BY p.name_key, p.id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, name)| {
            Ok(NamedRef {
                id: uuid(&id)?,
                name,
            })
        })
        .collect()
}

pub async fn add_incompatibility(
    conn: &mut Conn,
    id: AccessPackageId,
    kind: &str,
    target: uuid::Uuid,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "INSERT INTO access_package_incompatibilities (package_id, kind, target_id, added_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (package_id, kind, target_id) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(kind)
    .bind(target.to_string())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_incompatibility(
    conn: &mut Conn,
    id: AccessPackageId,
    kind: &str,
    target: uuid::Uuid,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "DELETE FROM access_package_incompatibilities WHERE package_id = $1 AND kind = $2 AND target_id = $3",
    )
    .bind(id.to_string())
    .bind(kind)
    .bind(target.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the package from other packages' incompatibility lists (when it is deleted).
pub async fn forget_as_incompatible(conn: &mut Conn, id: AccessPackageId) -> DomainResult<()> {
    sqlx::query(
        "DELETE FROM access_package_incompatibilities WHERE kind = 'package' AND target_id = $1",
    )
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
