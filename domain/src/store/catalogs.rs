use super::{Arg, Conn, contains_pattern, flag, ms, paged, user_refs, uuid};
use crate::model::*;
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};

/// A catalog with its counts.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    name: String,
    description: String,
    enabled: i64,
    built_in: i64,
    packages: i64,
    resources: i64,
}

const SUMMARY_SELECT: &str = "SELECT c.id, c.name, c.description, c.enabled, c.built_in,
        (SELECT COUNT(*) FROM access_packages p WHERE p.catalog_id = c.id) AS packages,
        (SELECT COUNT(*) FROM catalog_resources r WHERE r.catalog_id = c.id) AS resources
     FROM catalogs c";

fn summary_of(r: SummaryRow) -> DomainResult<CatalogSummary> {
    Ok(CatalogSummary {
        id: CatalogId(uuid(&r.id)?),
        name: r.name,
        description: r.description,
        enabled: super::flag_of(r.enabled)?,
        built_in: super::flag_of(r.built_in)?,
        packages: r.packages,
        resources: r.resources,
    })
}

/// Catalogs matching `query`; `only_for` limits them to those where that person holds a role.
pub async fn search(
    conn: &mut Conn,
    query: &str,
    only_for: Option<UserId>,
    page: PageRequest,
) -> DomainResult<Page<CatalogSummary>> {
    let q = query.trim();
    let pattern = contains_pattern(q);
    let scope = if only_for.is_some() {
        " AND c.id IN (SELECT catalog_id FROM catalog_role_assignments WHERE user_id = $3)"
    } else {
        " AND $3 = ''"
    };
    let filter = format!("($1 = '' OR c.name_key LIKE $2 ESCAPE '\\'){scope}");
    let who = only_for.map(|u| u.to_string()).unwrap_or_default();
    let (total, rows): (i64, Vec<SummaryRow>) = paged(
        conn,
        &format!("SELECT COUNT(*) FROM catalogs c WHERE {filter}"),
        &format!("{SUMMARY_SELECT} WHERE {filter} ORDER BY c.built_in DESC, c.name_key, c.id"),
        &[Arg::Text(q), Arg::Text(&pattern), Arg::Text(&who)],
        page,
    )
    .await?;
    let items = rows
        .into_iter()
        .map(summary_of)
        .collect::<DomainResult<_>>()?;
    Ok(Page::of(items, total, page))
}

pub async fn summary(conn: &mut Conn, id: CatalogId) -> DomainResult<CatalogSummary> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!("{SUMMARY_SELECT} WHERE c.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    summary_of(row.ok_or(DomainError::NotFound("catalog"))?)
}

/// (name, enabled) of the catalog a package belongs to.
pub async fn of_package(conn: &mut Conn, package: AccessPackageId) -> DomainResult<(String, bool)> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT c.name, c.enabled FROM access_packages p JOIN catalogs c ON c.id = p.catalog_id WHERE p.id = $1",
    )
    .bind(package.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let (name, enabled) = row.ok_or(DomainError::NotFound("access package"))?;
    Ok((name, super::flag_of(enabled)?))
}

/// A package's name, its catalog's name, and whether the catalog is enabled.
pub async fn package_and_catalog(
    conn: &mut Conn,
    package: AccessPackageId,
) -> DomainResult<(String, String, bool)> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT p.name, c.name, c.enabled FROM access_packages p JOIN catalogs c ON c.id = p.catalog_id WHERE p.id = $1",
    )
    .bind(package.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let (package, catalog, enabled) = row.ok_or(DomainError::NotFound("access package"))?;
    Ok((package, catalog, super::flag_of(enabled)?))
}

/// Every catalog by name (for pickers; catalogs are few compared with people).
pub async fn all_names(conn: &mut Conn, limit: i64) -> DomainResult<Vec<NamedRef>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, name FROM catalogs ORDER BY built_in DESC, name_key, id LIMIT $1",
    )
    .bind(limit)
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

/// The catalog named `name` (names are unique, case-insensitively; as stored, trimmed).
pub async fn id_by_name(conn: &mut Conn, name: &str) -> DomainResult<Option<CatalogId>> {
    let id: Option<String> = sqlx::query_scalar("SELECT id FROM catalogs WHERE name_key = $1")
        .bind(name.trim().to_lowercase())
        .fetch_optional(&mut *conn)
        .await?;
    id.map(|s| uuid(&s).map(CatalogId)).transpose()
}

pub async fn insert(
    conn: &mut Conn,
    id: CatalogId,
    name: &CatalogName,
    description: &Description,
    enabled: bool,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO catalogs (id, name, name_key, description, enabled, external_enabled, built_in, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $6)",
    )
    .bind(id.to_string())
    .bind(name.as_str())
    .bind(name.as_str().to_lowercase())
    .bind(description.as_str())
    .bind(flag(enabled))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn update(
    conn: &mut Conn,
    id: CatalogId,
    name: &CatalogName,
    description: &Description,
    enabled: bool,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE catalogs SET name = $2, name_key = $3, description = $4, enabled = $5, updated_at = $6 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(name.as_str())
    .bind(name.as_str().to_lowercase())
    .bind(description.as_str())
    .bind(flag(enabled))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("catalog"));
    }
    Ok(())
}

pub async fn delete(conn: &mut Conn, id: CatalogId) -> DomainResult<()> {
    sqlx::query("DELETE FROM catalogs WHERE id = $1 AND built_in = 0")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn resources(conn: &mut Conn, id: CatalogId) -> DomainResult<Vec<CatalogResource>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT g.id, g.name, g.kind,
            (SELECT COUNT(DISTINCT rr.package_id) FROM access_package_resource_roles rr
               JOIN access_packages p ON p.id = rr.package_id
              WHERE rr.group_id = g.id AND p.catalog_id = r.catalog_id)
         FROM catalog_resources r JOIN directory_groups g ON g.id = r.group_id
         WHERE r.catalog_id = $1 ORDER BY g.name_key, g.id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(gid, name, kind, used_by)| {
            Ok(CatalogResource {
                group_id: GroupId(uuid(&gid)?),
                name,
                kind: GroupKind::parse(&kind).map_err(|e| DomainError::Internal(e.into()))?,
                used_by,
            })
        })
        .collect()
}

pub async fn has_resource(conn: &mut Conn, id: CatalogId, group: GroupId) -> DomainResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM catalog_resources WHERE catalog_id = $1 AND group_id = $2",
    )
    .bind(id.to_string())
    .bind(group.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

pub async fn add_resource(
    conn: &mut Conn,
    id: CatalogId,
    group: GroupId,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "INSERT INTO catalog_resources (catalog_id, group_id, added_at) VALUES ($1, $2, $3)
         ON CONFLICT (catalog_id, group_id) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(group.to_string())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_resource(conn: &mut Conn, id: CatalogId, group: GroupId) -> DomainResult<bool> {
    let done = sqlx::query("DELETE FROM catalog_resources WHERE catalog_id = $1 AND group_id = $2")
        .bind(id.to_string())
        .bind(group.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many of the catalog's packages grant a role in `group`.
pub async fn packages_using(
    conn: &mut Conn,
    id: CatalogId,
    group: GroupId,
) -> DomainResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT p.name FROM access_package_resource_roles rr JOIN access_packages p ON p.id = rr.package_id
         WHERE p.catalog_id = $1 AND rr.group_id = $2 ORDER BY p.name LIMIT 20",
    )
    .bind(id.to_string())
    .bind(group.to_string())
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn role_holders(conn: &mut Conn, id: CatalogId) -> DomainResult<Vec<CatalogRoleHolder>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT a.role, u.id, u.display_name, u.email FROM catalog_role_assignments a
         JOIN users u ON u.id = a.user_id WHERE a.catalog_id = $1
         ORDER BY a.role, lower(u.display_name), u.id LIMIT 500",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (role, id, name, email) in rows {
        let role = CatalogRole::parse(&role).map_err(|e| DomainError::Internal(e.into()))?;
        let user = user_refs(vec![(id, name, email)])?.remove(0);
        out.push(CatalogRoleHolder { role, user });
    }
    Ok(out)
}

pub async fn grant_role(
    conn: &mut Conn,
    id: CatalogId,
    user: UserId,
    role: CatalogRole,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "INSERT INTO catalog_role_assignments (catalog_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (catalog_id, user_id, role) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(user.to_string())
    .bind(role.code())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke_role(
    conn: &mut Conn,
    id: CatalogId,
    user: UserId,
    role: CatalogRole,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "DELETE FROM catalog_role_assignments WHERE catalog_id = $1 AND user_id = $2 AND role = $3",
    )
    .bind(id.to_string())
    .bind(user.to_string())
    .bind(role.code())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn package_names(
    conn: &mut Conn,
    id: CatalogId,
    limit: i64,
) -> DomainResult<Vec<NamedRef>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, name FROM access_packages WHERE catalog_id = $1 ORDER BY name_key, id LIMIT $2",
    )
    .bind(id.to_string())
    .bind(limit)
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
