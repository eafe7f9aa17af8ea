//! Assignments: delivered, scheduled, extended and ended, with their grants.

use super::*;

/// What an assignment is made of as it is delivered.
pub struct Delivery {
    pub request: RequestId,
    pub package: AccessPackageId,
    pub policy: Option<PolicyId>,
    pub user: UserId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Creates the live assignment and, unless it starts later ("scheduled"), grants every
/// resource role with it as grant source. `None` when the person already holds the package.
pub async fn deliver(
    conn: &mut Conn,
    d: &Delivery,
    now: DateTime<Utc>,
) -> DomainResult<Option<AssignmentId>> {
    let id = AssignmentId::new();
    let scheduled = d.starts_at > now;
    let done = sqlx::query(
        "INSERT INTO access_package_assignments (id, package_id, policy_id, user_id, state, active_key, starts_at, ends_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         ON CONFLICT (active_key) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(d.package.to_string())
    .bind(d.policy.map(|p| p.to_string()))
    .bind(d.user.to_string())
    .bind(if scheduled {
        AssignmentState::Scheduled
    } else {
        AssignmentState::Delivered
    })
    .bind(open_key(d.package, d.user))
    .bind(ms(d.starts_at.max(now)))
    .bind(d.ends_at.map(ms))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    super::super::packages::count_live(conn, d.package, 1).await?;
    if !scheduled {
        grant(conn, id, d.package, d.user, now).await?;
    }
    sqlx::query("UPDATE access_package_requests SET assignment_id = $2 WHERE id = $1")
        .bind(d.request.to_string())
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(Some(id))
}

/// Grants each of the package's resource roles (memberships and ownerships) with the
/// assignment as their source.
pub(super) async fn grant(
    conn: &mut Conn,
    id: AssignmentId,
    package: AccessPackageId,
    user: UserId,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    for role in ResourceRole::ALL.iter().copied() {
        sqlx::query(&format!(
            "INSERT INTO {} (group_id, user_id, source, created_at)
             SELECT rr.group_id, $2, $3, $4 FROM access_package_resource_roles rr
             WHERE rr.package_id = $1 AND rr.role = $5
             ON CONFLICT (group_id, user_id, source) DO NOTHING",
            super::super::packages::grant_table(role)
        ))
        .bind(package.to_string())
        .bind(user.to_string())
        .bind(GrantSource::Assignment(id.0).code())
        .bind(ms(now))
        .bind(role.code())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Scheduled assignments whose start has come: (assignment, package, user, request), oldest
/// first, at most `limit`.
/// Starts a scheduled assignment: it becomes delivered and its grants are given. `false`
/// when someone else started (or ended) it first, so each start happens once.
pub async fn start_scheduled(
    conn: &mut Conn,
    id: AssignmentId,
    package: AccessPackageId,
    user: UserId,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE access_package_assignments SET state = 'delivered', updated_at = $2
         WHERE id = $1 AND state = 'scheduled' AND active_key IS NOT NULL",
    )
    .bind(id.to_string())
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    grant(conn, id, package, user, now).await?;
    Ok(true)
}

/// The live assignment `id`: (package, user).
pub async fn live_assignment(
    conn: &mut Conn,
    id: AssignmentId,
) -> DomainResult<Option<(AccessPackageId, UserId)>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT package_id, user_id FROM access_package_assignments WHERE id = $1 AND active_key IS NOT NULL",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(p, u)| Ok((AccessPackageId(uuid(&p)?), UserId(uuid(&u)?))))
        .transpose()
}

/// Ends a live assignment now and withdraws every grant it gave (other grants stay).
/// Returns how many grants were withdrawn, or `None` when it was no longer live.
pub async fn end_assignment(
    conn: &mut Conn,
    id: AssignmentId,
    state: AssignmentState,
    now: DateTime<Utc>,
) -> DomainResult<Option<u64>> {
    let done = sqlx::query(
        "UPDATE access_package_assignments SET state = $2, active_key = NULL, updated_at = $3,
            ends_at = CASE WHEN ends_at IS NOT NULL AND ends_at < $3 THEN ends_at ELSE $3 END
         WHERE id = $1 AND active_key IS NOT NULL",
    )
    .bind(id.to_string())
    .bind(state)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    sqlx::query(
        "UPDATE access_packages SET live_assignments = live_assignments - 1
         WHERE id = (SELECT package_id FROM access_package_assignments WHERE id = $1)",
    )
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    let mut revoked = 0;
    for role in ResourceRole::ALL.iter().copied() {
        revoked += sqlx::query(&format!(
            "DELETE FROM {} WHERE source = $1",
            super::super::packages::grant_table(role)
        ))
        .bind(GrantSource::Assignment(id.0).code())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(Some(revoked))
}

/// The person's live assignment of a package: (assignment, policy, end).
pub async fn live_of(
    conn: &mut Conn,
    package: AccessPackageId,
    user: UserId,
) -> DomainResult<Option<(AssignmentId, Option<PolicyId>, Option<DateTime<Utc>>)>> {
    let row: Option<(String, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT id, policy_id, ends_at FROM access_package_assignments WHERE active_key = $1 AND state = 'delivered'",
    )
    .bind(open_key(package, user))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(a, p, e)| {
        Ok((
            AssignmentId(uuid(&a)?),
            p.map(|p| uuid(&p).map(PolicyId)).transpose()?,
            e.map(from_ms).transpose()?,
        ))
    })
    .transpose()
}

/// Moves a live assignment's end; its expiry reminders start over.
pub async fn extend(
    conn: &mut Conn,
    id: AssignmentId,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE access_package_assignments SET ends_at = $2, reminders_sent = 0, updated_at = $3
         WHERE id = $1 AND active_key IS NOT NULL AND state = 'delivered'",
    )
    .bind(id.to_string())
    .bind(ms(ends_at))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
