//! What one person may request and holds, for My Access.

use super::*;

pub(super) type CandidateRow = (String, String, String);

/// Visible packages with an enabled policy whose scope could include the person, matching
/// `pattern` (a LIKE pattern), in name order; `limit` bounds the scan.
pub async fn requestable_candidates(
    conn: &mut Conn,
    is_guest: bool,
    pattern: &str,
    limit: i64,
    offset: i64,
) -> DomainResult<Vec<CandidateRow>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.name, p.description FROM access_packages p JOIN catalogs c ON c.id = p.catalog_id
         WHERE p.hidden = 0 AND c.enabled = 1
           AND (p.name_key LIKE $2 ESCAPE '\\' OR lower(p.description) LIKE $2 ESCAPE '\\')
           AND EXISTS (SELECT 1 FROM access_package_policies x WHERE x.package_id = p.id AND x.enabled = 1
                 AND (x.scope = 'allDirectoryUsers' OR x.scope = 'specificDirectoryUsers' OR (x.scope = 'allMemberUsers' AND $1 = 0)))
         ORDER BY p.name_key, p.id LIMIT $3 OFFSET $4",
    )
    .bind(i64::from(is_guest))
    .bind(pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?)
}

pub(super) type AssignmentRow = (String, String, String, Option<i64>, i64, Option<String>);

/// The person's assignments (live or ended) with their packages, newest first.
pub async fn assignments_of(
    conn: &mut Conn,
    user: UserId,
    live: bool,
    pattern: &str,
    limit: i64,
) -> DomainResult<Vec<AssignmentRow>> {
    let filter = if live {
        "a.active_key IS NOT NULL"
    } else {
        "a.active_key IS NULL"
    };
    Ok(sqlx::query_as(&format!(
        "SELECT p.id, p.name, p.description, a.ends_at, a.updated_at, a.policy_id FROM access_package_assignments a
         JOIN access_packages p ON p.id = a.package_id
         WHERE a.user_id = $1 AND {filter} AND (p.name_key LIKE $2 ESCAPE '\\' OR lower(p.description) LIKE $2 ESCAPE '\\')
         ORDER BY a.updated_at DESC, a.id LIMIT $3"
    ))
    .bind(user.to_string())
    .bind(pattern)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Enabled policy specs of several packages, by package id (one query per 200 packages).
pub async fn enabled_specs(
    conn: &mut Conn,
    packages: &[String],
) -> DomainResult<std::collections::HashMap<String, Vec<PolicySpec>>> {
    let mut out: std::collections::HashMap<String, Vec<PolicySpec>> =
        std::collections::HashMap::new();
    for chunk in packages.chunks(200) {
        let list = placeholders(chunk.len());
        let sql = format!(
            "SELECT package_id, spec FROM access_package_policies WHERE enabled = 1 AND package_id IN ({list})"
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for (pkg, spec) in q.fetch_all(&mut *conn).await? {
            out.entry(pkg)
                .or_default()
                .push(serde_json::from_str(&spec).map_err(corrupt)?);
        }
    }
    Ok(out)
}

/// Packages the person holds (live) and has open requests for.
pub async fn my_package_states(
    conn: &mut Conn,
    user: UserId,
) -> DomainResult<(
    std::collections::HashSet<String>,
    std::collections::HashSet<String>,
)> {
    let held: Vec<String> = sqlx::query_scalar("SELECT package_id FROM access_package_assignments WHERE user_id = $1 AND active_key IS NOT NULL")
        .bind(user.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let open: Vec<String> = sqlx::query_scalar("SELECT package_id FROM access_package_requests WHERE requestor_id = $1 AND open_key IS NOT NULL")
        .bind(user.to_string())
        .fetch_all(&mut *conn)
        .await?;
    Ok((held.into_iter().collect(), open.into_iter().collect()))
}

/// Policy specs by id (for the cards of My Access), in one query per 200.
pub async fn policy_specs(
    conn: &mut Conn,
    ids: &[String],
) -> DomainResult<std::collections::HashMap<String, PolicySpec>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(200) {
        let sql = format!(
            "SELECT id, spec FROM access_package_policies WHERE id IN ({})",
            super::placeholders(chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for (id, spec) in q.fetch_all(&mut *conn).await? {
            out.insert(id, serde_json::from_str(&spec).map_err(corrupt)?);
        }
    }
    Ok(out)
}
