//! Assignments: delivered, scheduled, extended and ended, with their grants.

use super::*;

/// What an assignment is made of as it is delivered.
pub struct Delivery {
    pub package: AccessPackageId,
    pub policy: Option<PolicyId>,
    pub user: UserId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Creates the live assignment and, unless it starts later ("scheduled"), grants every
/// resource role with it as grant source. `None` when the person already holds the package.
/// The request is linked to it as it moves to delivered ([`super::set_delivered`]).
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
        let groups: Vec<String> = sqlx::query_scalar(&format!(
            "INSERT INTO {} (group_id, user_id, source, created_at)
             SELECT rr.group_id, $2, $3, $4 FROM access_package_resource_roles rr
             WHERE rr.package_id = $1 AND rr.role = $5
             ON CONFLICT (group_id, user_id, source) DO NOTHING RETURNING group_id",
            super::super::packages::grant_table(role)
        ))
        .bind(package.to_string())
        .bind(user.to_string())
        .bind(GrantSource::Assignment(id.0).code())
        .bind(ms(now))
        .bind(role.code())
        .fetch_all(&mut *conn)
        .await?;
        if groups.is_empty() {
            continue;
        }
        let added: Vec<(String, String)> =
            groups.into_iter().map(|g| (g, user.to_string())).collect();
        match role {
            ResourceRole::Member => {
                super::super::counts::memberships_changed(conn, &added, &[]).await?
            }
            ResourceRole::Owner => {
                super::super::connectors::ownerships_changed(conn, &added, &[]).await?
            }
        }
    }
    super::super::webhooks::emit(
        conn,
        WebhookEvent::AssignmentGranted,
        &[id.to_string()],
        None,
        now,
    )
    .await
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
    Ok(end_assignments(conn, &[id], state, now).await?.remove(&id))
}

/// Ends the live ones of `ids` now, each in the same way as [`end_assignment`], in a few
/// statements for all of them (the expiry job ends 200 at a time). Returns, for each that
/// was still live, how many grants were withdrawn; the others are left out.
pub async fn end_assignments(
    conn: &mut Conn,
    ids: &[AssignmentId],
    state: AssignmentState,
    now: DateTime<Utc>,
) -> DomainResult<std::collections::BTreeMap<AssignmentId, u64>> {
    use std::collections::BTreeMap;
    let mut revoked: BTreeMap<AssignmentId, u64> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(revoked);
    }
    let sql = format!(
        "UPDATE access_package_assignments SET state = $1, active_key = NULL, updated_at = $2,
            ends_at = CASE WHEN ends_at IS NOT NULL AND ends_at < $2 THEN ends_at ELSE $2 END
         WHERE active_key IS NOT NULL AND id IN ({}) RETURNING id, package_id",
        placeholders_after(2, ids.len())
    );
    let mut q = sqlx::query_as::<_, (String, String)>(&sql)
        .bind(state)
        .bind(ms(now));
    for id in ids {
        q = q.bind(id.to_string());
    }
    let ended = q.fetch_all(&mut *conn).await?;
    if ended.is_empty() {
        return Ok(revoked);
    }
    let mut per_package: BTreeMap<&str, i64> = BTreeMap::new();
    let mut sources: Vec<String> = Vec::with_capacity(ended.len());
    for (id, package) in &ended {
        let id = AssignmentId(uuid(id)?);
        revoked.insert(id, 0);
        sources.push(GrantSource::Assignment(id.0).code());
        *per_package.entry(package.as_str()).or_default() -= 1;
    }
    super::super::counts::add_to(conn, "access_packages", "live_assignments", &per_package).await?;
    for role in ResourceRole::ALL.iter().copied() {
        let sql = format!(
            "DELETE FROM {} WHERE source IN ({}) RETURNING group_id, user_id, source",
            super::super::packages::grant_table(role),
            placeholders(sources.len())
        );
        let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
        for s in &sources {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(&mut *conn).await?;
        let mut removed = Vec::new();
        for (group, user, source) in rows {
            if let GrantSource::Assignment(a) =
                GrantSource::parse(&source).map_err(|e| DomainError::Internal(e.into()))?
            {
                *revoked.entry(AssignmentId(a)).or_default() += 1;
            }
            removed.push((group, user));
        }
        match role {
            ResourceRole::Member => {
                super::super::counts::memberships_changed(conn, &[], &removed).await?
            }
            ResourceRole::Owner => {
                super::super::connectors::ownerships_changed(conn, &[], &removed).await?
            }
        }
    }
    let ended: Vec<String> = ended.into_iter().map(|(id, _)| id).collect();
    super::super::webhooks::emit(conn, WebhookEvent::AssignmentRemoved, &ended, None, now).await?;
    Ok(revoked)
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
