use super::{Arg, Conn, contains_pattern, corrupt, flag, from_ms, ms, paged, placeholders, uuid};
use crate::model::*;
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

mod incompatible;
mod policies;
mod resources;

pub use incompatible::*;
pub use policies::*;
pub use resources::*;

/// A package with its catalog's name and its counts.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    name: String,
    description: String,
    catalog_id: String,
    catalog_name: String,
    hidden: i64,
    policies: i64,
    assignments: i64,
    updated_at: i64,
    version: i64,
}

const SUMMARY_SELECT: &str =
    "SELECT p.id, p.name, p.description, p.catalog_id, c.name AS catalog_name, p.hidden,
        (SELECT COUNT(*) FROM access_package_policies x WHERE x.package_id = p.id) AS policies,
        p.live_assignments AS assignments,
        p.updated_at, p.version
     FROM access_packages p JOIN catalogs c ON c.id = p.catalog_id";

fn summary_of(r: SummaryRow) -> DomainResult<PackageSummary> {
    Ok(PackageSummary {
        id: AccessPackageId(uuid(&r.id)?),
        name: r.name,
        description: r.description,
        catalog_id: CatalogId(uuid(&r.catalog_id)?),
        catalog_name: r.catalog_name,
        hidden: super::flag_of(r.hidden)?,
        policies: r.policies,
        assignments: r.assignments,
        updated_at: from_ms(r.updated_at)?,
        version: r.version,
    })
}

/// Packages matching `query` (name or description), optionally in one catalog; `only_for`
/// limits them to catalogs where that person holds a role.
pub async fn search(
    conn: &mut Conn,
    query: &str,
    catalog: Option<CatalogId>,
    only_for: Option<UserId>,
    page: PageRequest,
) -> DomainResult<Page<PackageSummary>> {
    let q = query.trim();
    let pattern = contains_pattern(q);
    let scope = if only_for.is_some() {
        "p.catalog_id IN (SELECT catalog_id FROM catalog_role_assignments WHERE user_id = $4)"
    } else {
        "$4 = ''"
    };
    let filter = format!(
        "($1 = '' OR p.name_key LIKE $2 ESCAPE '\\' OR lower(p.description) LIKE $2 ESCAPE '\\')
         AND ($3 = '' OR p.catalog_id = $3) AND {scope}"
    );
    let catalog = catalog.map(|c| c.to_string()).unwrap_or_default();
    let who = only_for.map(|u| u.to_string()).unwrap_or_default();
    let (total, rows): (i64, Vec<SummaryRow>) = paged(
        conn,
        &format!("SELECT COUNT(*) FROM access_packages p WHERE {filter}"),
        &format!("{SUMMARY_SELECT} WHERE {filter} ORDER BY p.name_key, p.id"),
        &[
            Arg::Text(q),
            Arg::Text(&pattern),
            Arg::Text(&catalog),
            Arg::Text(&who),
        ],
        page,
    )
    .await?;
    let items = rows
        .into_iter()
        .map(summary_of)
        .collect::<DomainResult<_>>()?;
    Ok(Page::of(items, total, page))
}

pub async fn summary(conn: &mut Conn, id: AccessPackageId) -> DomainResult<PackageSummary> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!("{SUMMARY_SELECT} WHERE p.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    summary_of(row.ok_or(DomainError::NotFound("access package"))?)
}

pub async fn created_at(conn: &mut Conn, id: AccessPackageId) -> DomainResult<DateTime<Utc>> {
    let at: i64 = sqlx::query_scalar("SELECT created_at FROM access_packages WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    from_ms(at)
}

/// The package named `name` in `catalog` (unique there, case-insensitively).
pub async fn id_by_name(
    conn: &mut Conn,
    catalog: CatalogId,
    name: &str,
) -> DomainResult<Option<AccessPackageId>> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM access_packages WHERE catalog_id = $1 AND name_key = $2",
    )
    .bind(catalog.to_string())
    .bind(name.trim().to_lowercase())
    .fetch_optional(&mut *conn)
    .await?;
    id.map(|s| uuid(&s).map(AccessPackageId)).transpose()
}

pub async fn insert(
    conn: &mut Conn,
    id: AccessPackageId,
    v: &ValidPackage,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO access_packages (id, catalog_id, name, name_key, description, hidden, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id.to_string())
    .bind(v.catalog.to_string())
    .bind(v.name.as_str())
    .bind(v.name.as_str().to_lowercase())
    .bind(v.description.as_str())
    .bind(flag(v.hidden))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn update_basics(
    conn: &mut Conn,
    id: AccessPackageId,
    name: &PackageName,
    description: &PackageDescription,
    hidden: bool,
    expected: Option<i64>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE access_packages SET name = $2, name_key = $3, description = $4, hidden = $5, updated_at = $6,
            version = version + 1
         WHERE id = $1 AND version = COALESCE($7, version)",
    )
    .bind(id.to_string())
    .bind(name.as_str())
    .bind(name.as_str().to_lowercase())
    .bind(description.as_str())
    .bind(flag(hidden))
    .bind(ms(now))
    .bind(expected)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(match expected {
            Some(_) => DomainError::Stale("access package"),
            None => DomainError::NotFound("access package"),
        });
    }
    Ok(())
}

pub async fn touch(conn: &mut Conn, id: AccessPackageId, now: DateTime<Utc>) -> DomainResult<()> {
    sqlx::query("UPDATE access_packages SET updated_at = $2, version = version + 1 WHERE id = $1")
        .bind(id.to_string())
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, id: AccessPackageId) -> DomainResult<()> {
    sqlx::query("DELETE FROM access_packages WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Live assignments of the package (its kept count).
pub async fn active_assignments(conn: &mut Conn, id: AccessPackageId) -> DomainResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT live_assignments FROM access_packages WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Moves the package's count of live assignments by `by` (an assignment made live: 1).
pub async fn count_live(conn: &mut Conn, id: AccessPackageId, by: i64) -> DomainResult<()> {
    sqlx::query(
        "UPDATE access_packages SET live_assignments = live_assignments + $2 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn policy_active_assignments(conn: &mut Conn, id: PolicyId) -> DomainResult<i64> {
    Ok(sqlx::query_scalar(
        // Live is "scheduled" or "delivered" (exactly when active_key is set): the count reads
        // the (policy_id, state) index alone, not every row of a package's 10,000 assignments.
        "SELECT COUNT(*) FROM access_package_assignments WHERE policy_id = $1 AND state IN ('scheduled', 'delivered')",
    )
    .bind(id.to_string())
    .fetch_one(&mut *conn)
    .await?)
}

/// Requests made under the policy that are still open (pending approval or delivery).
pub async fn policy_open_requests(conn: &mut Conn, id: PolicyId) -> DomainResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_package_requests WHERE policy_id = $1 AND open_key IS NOT NULL",
    )
    .bind(id.to_string())
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn open_requests(conn: &mut Conn, id: AccessPackageId) -> DomainResult<i64> {
    Ok(sqlx::query_scalar(
        // Open is "submitted" or "pendingApproval" (exactly when open_key is set): the count
        // reads the (package_id, state) index alone.
        "SELECT COUNT(*) FROM access_package_requests WHERE package_id = $1 AND state IN ('submitted', 'pendingApproval')",
    )
    .bind(id.to_string())
    .fetch_one(&mut *conn)
    .await?)
}

// ---- resource roles ----

/// Current names of the given people and groups: id → (kind, name, detail). Missing ids are
/// people or groups that no longer exist.
pub async fn principal_names(
    conn: &mut Conn,
    users: &[uuid::Uuid],
    groups: &[uuid::Uuid],
) -> DomainResult<HashMap<uuid::Uuid, Principal>> {
    let mut out = HashMap::new();
    for chunk in users.chunks(500) {
        let sql = format!(
            "SELECT id, display_name, email FROM users WHERE id IN ({})",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
        for id in chunk {
            q = q.bind(id.to_string());
        }
        for (id, name, email) in q.fetch_all(&mut *conn).await? {
            let id = uuid(&id)?;
            out.insert(
                id,
                Principal {
                    kind: PrincipalKind::User,
                    id,
                    name,
                    detail: email,
                },
            );
        }
    }
    for chunk in groups.chunks(500) {
        let sql = format!(
            "SELECT id, name FROM directory_groups WHERE id IN ({})",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for id in chunk {
            q = q.bind(id.to_string());
        }
        for (id, name) in q.fetch_all(&mut *conn).await? {
            let id = uuid(&id)?;
            out.insert(
                id,
                Principal {
                    kind: PrincipalKind::Group,
                    id,
                    name,
                    detail: "Group".into(),
                },
            );
        }
    }
    Ok(out)
}

/// People (enabled) and groups whose name or email matches, for the pickers.
/// Which groups a picker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupScope<'a> {
    /// Every group (approvers, scope, reviewers; directory administrators' resources).
    All,
    /// Groups `user` owns, or already in one of `catalogs`: what a delegated administrator
    /// may put in an access package.
    AddableBy {
        user: UserId,
        catalogs: &'a [CatalogId],
    },
}

pub async fn search_principals(
    conn: &mut Conn,
    query: &str,
    users: bool,
    groups: bool,
    group_scope: GroupScope<'_>,
    limit: i64,
) -> DomainResult<Vec<Principal>> {
    let pattern = contains_pattern(query);
    let mut out = Vec::new();
    if users {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, display_name, email FROM users
             WHERE enabled = 1 AND (lower(display_name) LIKE $1 ESCAPE '\\' OR email LIKE $1 ESCAPE '\\')
             ORDER BY lower(display_name), id LIMIT $2",
        )
        .bind(&pattern)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        for (id, name, email) in rows {
            out.push(Principal {
                kind: PrincipalKind::User,
                id: uuid(&id)?,
                name,
                detail: email,
            });
        }
    }
    if groups {
        let rows: Vec<(String, String)> = match group_scope {
            GroupScope::All => {
                sqlx::query_as(
                    "SELECT id, name FROM directory_groups WHERE name_key LIKE $1 ESCAPE '\\'
                     ORDER BY name_key, id LIMIT $2",
                )
                .bind(&pattern)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
            }
            GroupScope::AddableBy { user, catalogs } => {
                let in_catalogs = if catalogs.is_empty() {
                    String::new()
                } else {
                    let list = super::placeholders_after(3, catalogs.len());
                    format!(
                        " UNION SELECT group_id FROM catalog_resources WHERE catalog_id IN ({list})"
                    )
                };
                let sql = format!(
                    "SELECT id, name FROM directory_groups WHERE name_key LIKE $1 ESCAPE '\\'
                       AND id IN (SELECT group_id FROM group_owners WHERE user_id = $3
                                  UNION SELECT group_id FROM group_owner_grants WHERE user_id = $3{in_catalogs})
                     ORDER BY name_key, id LIMIT $2"
                );
                let mut q = sqlx::query_as(&sql)
                    .bind(&pattern)
                    .bind(limit)
                    .bind(user.to_string());
                for c in catalogs {
                    q = q.bind(c.to_string());
                }
                q.fetch_all(&mut *conn).await?
            }
        };
        for (id, name) in rows {
            out.push(Principal {
                kind: PrincipalKind::Group,
                id: uuid(&id)?,
                name,
                detail: "Group".into(),
            });
        }
    }
    Ok(out)
}

// ---- separation of duties ----

pub async fn exists(conn: &mut Conn, id: AccessPackageId) -> DomainResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_packages WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}
