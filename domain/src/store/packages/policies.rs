//! A package's stored policies.

use super::*;

pub async fn policy_count(conn: &mut Conn, id: AccessPackageId) -> DomainResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM access_package_policies WHERE package_id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *conn)
            .await?,
    )
}

pub async fn insert_policy(
    conn: &mut Conn,
    package: AccessPackageId,
    id: PolicyId,
    name: &PolicyName,
    description: &PolicyDescription,
    spec: &PolicySpec,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO access_package_policies (id, package_id, name, description, scope, enabled, spec, created_at, updated_at, reviews)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
    )
    .bind(id.to_string())
    .bind(package.to_string())
    .bind(name.as_str())
    .bind(description.as_str())
    .bind(spec.scope.code())
    .bind(flag(spec.enabled))
    .bind(serde_json::to_string(spec).map_err(corrupt)?)
    .bind(ms(now))
    .bind(flag(spec.review.is_some()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn update_policy(
    conn: &mut Conn,
    id: PolicyId,
    name: &PolicyName,
    description: &PolicyDescription,
    spec: &PolicySpec,
    expected: Option<i64>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE access_package_policies SET name = $2, description = $3, scope = $4, enabled = $5, spec = $6, updated_at = $7,
            reviews = $8, version = version + 1
         WHERE id = $1 AND version = COALESCE($9, version)",
    )
    .bind(id.to_string())
    .bind(name.as_str())
    .bind(description.as_str())
    .bind(spec.scope.code())
    .bind(flag(spec.enabled))
    .bind(serde_json::to_string(spec).map_err(corrupt)?)
    .bind(ms(now))
    .bind(flag(spec.review.is_some()))
    .bind(expected)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(match expected {
            Some(_) => DomainError::Stale("policy"),
            None => DomainError::NotFound("policy"),
        });
    }
    Ok(())
}

pub async fn delete_policy(conn: &mut Conn, id: PolicyId) -> DomainResult<()> {
    sqlx::query("DELETE FROM access_package_policies WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A stored policy: (package, name, description, spec).
pub struct StoredPolicy {
    pub id: PolicyId,
    pub package: AccessPackageId,
    pub name: String,
    pub description: String,
    pub spec: PolicySpec,
    /// Moves with every change (an edit's precondition).
    pub version: i64,
}

pub(super) type PolicyRow = (String, String, String, String, String, i64);

pub(super) fn policy_of(r: PolicyRow) -> DomainResult<StoredPolicy> {
    Ok(StoredPolicy {
        id: PolicyId(uuid(&r.0)?),
        package: AccessPackageId(uuid(&r.1)?),
        name: r.2,
        description: r.3,
        spec: serde_json::from_str(&r.4).map_err(corrupt)?,
        version: r.5,
    })
}

pub async fn policies(
    conn: &mut Conn,
    package: AccessPackageId,
) -> DomainResult<Vec<StoredPolicy>> {
    let rows: Vec<PolicyRow> = sqlx::query_as(
        "SELECT id, package_id, name, description, spec, version FROM access_package_policies
         WHERE package_id = $1 ORDER BY created_at, id",
    )
    .bind(package.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(policy_of).collect()
}

pub async fn policy(conn: &mut Conn, id: PolicyId) -> DomainResult<StoredPolicy> {
    let row: Option<PolicyRow> = sqlx::query_as(
        "SELECT id, package_id, name, description, spec, version FROM access_package_policies WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    policy_of(row.ok_or(DomainError::NotFound("policy"))?)
}

// ---- principals ----
