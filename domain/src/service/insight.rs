//! Dashboards (issue 18): the administrator's home (what needs attention, then the figures
//! over time), a package's Overview, and a manager's "My team".
//!
//! The home reads across every catalog, so only those who may read the whole directory see
//! it; a package's figures follow the package's own read rule; "My team" is the actor's own
//! direct reports.

use super::packages::readable;
use super::{Ctx, require};
use crate::DomainResult;
use crate::model::*;
use crate::store::insight as store;

/// How many licenses the seats chart draws.
const SEAT_CHART_LICENSES: usize = 4;
/// How many reviews the completion chart draws.
const REVIEW_CHART_REVIEWS: usize = 8;
/// How many approvers a package's Overview lists.
const APPROVERS_LISTED: usize = 10;

/// The administrator's home.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn admin_dashboard(ctx: &Ctx, actor: &Actor) -> DomainResult<AdminDashboard> {
    require(
        actor.can_read_directory(),
        "only directory administrators see the organisation's dashboard",
    )?;
    let now = ctx.clock.now();
    let today = now.date_naive();
    let weeks = week_starts(today, CHART_WEEKS);
    let first = weeks.first().copied().unwrap_or(today);
    let mut conn = ctx.read().await?;
    let (waiting, waiting_total) = store::waiting(&mut conn, ATTENTION_ROWS).await?;
    let (failed_deliveries, failed_webhooks) =
        super::directory::failed_counts(&mut conn, actor).await?;
    let decided = store::decisions_since(
        &mut conn,
        first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
        None,
    )
    .await?;
    Ok(AdminDashboard {
        today,
        waiting,
        waiting_total,
        reviews_due: store::reviews(&mut conn, true, ATTENTION_ROWS).await?,
        seats: store::seat_pressure(&mut conn, ATTENTION_ROWS).await?,
        policies_at_risk: policies_at_risk(&mut conn).await?,
        failed_deliveries,
        failed_webhooks,
        requests_by_week: store::requests_by_week(&mut conn, &weeks, None).await?,
        decision_times: store::decision_times(&weeks, &decided),
        seat_history: store::seat_history(&mut conn, first, SEAT_CHART_LICENSES)
            .await?
            .into_iter()
            .map(|h| SeatHistory {
                days: with_today(h.days, today, h.used),
                ..h
            })
            .collect(),
        review_completion: store::reviews(&mut conn, false, REVIEW_CHART_REVIEWS).await?,
    })
}

/// Policies with a stage whose named approvers (and fallbacks) are disabled or gone: the
/// stage decides nothing once the last of them leaves. Group approvers count as present.
async fn policies_at_risk(conn: &mut crate::store::Conn) -> DomainResult<Vec<PolicyAtRisk>> {
    let policies = store::enabled_policies(conn).await?;
    let people: Vec<String> = policies
        .iter()
        .flat_map(|p| p.spec.stages.iter().flatten())
        .flat_map(named_deciders)
        .filter(|p| p.kind == PrincipalKind::User)
        .map(|p| p.id.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let enabled = store::enabled_people(conn, &people).await?;
    let mut out = Vec::new();
    for p in &policies {
        for (no, stage) in p.spec.stages.iter().flatten().enumerate() {
            let named: Vec<&Principal> = named_deciders(stage).collect();
            let lost: Vec<String> = named
                .iter()
                .filter(|d| d.kind == PrincipalKind::User && !enabled.contains(&d.id.to_string()))
                .map(|d| d.name.clone())
                .collect();
            if lost.is_empty() {
                continue;
            }
            out.push(PolicyAtRisk {
                package_id: p.package_id,
                package_name: p.package_name.clone(),
                policy_name: p.policy_name.clone(),
                stage_no: u32::try_from(no + 1).unwrap_or(u32::MAX),
                left: named.len() - lost.len(),
                lost,
            });
        }
    }
    // Nobody left first, then by package.
    out.sort_by_key(|p| p.left.min(1));
    out.truncate(ATTENTION_ROWS);
    Ok(out)
}

/// The people a stage names to decide: its approvers (unless the manager decides), its
/// fallbacks and its alternates.
fn named_deciders(stage: &Stage) -> impl Iterator<Item = &Principal> {
    let approvers: &[Principal] = match &stage.approver {
        ApproverSpec::Manager => &[],
        ApproverSpec::Specific { approvers } => approvers,
    };
    approvers
        .iter()
        .chain(stage.fallback.iter())
        .chain(stage.forward.iter().flat_map(|f| f.alternates.iter()))
}

/// A package's Overview figures.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn package_insight(
    ctx: &Ctx,
    actor: &Actor,
    id: AccessPackageId,
) -> DomainResult<PackageInsight> {
    let mut conn = ctx.read().await?;
    readable(&mut conn, actor, id).await?;
    let today = ctx.clock.now().date_naive();
    let weeks = week_starts(today, CHART_WEEKS);
    let first = weeks.first().copied().unwrap_or(today);
    let kept = store::snapshots(&mut conn, "package", &[id.to_string()], first)
        .await?
        .remove(&id.to_string())
        .unwrap_or_default();
    let live = crate::store::packages::active_assignments(&mut conn, id).await?;
    let assignments = with_today(kept, today, live);
    let decided = store::decisions_since(
        &mut conn,
        first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
        Some(id),
    )
    .await?;
    Ok(PackageInsight {
        today,
        assignments,
        requests_by_state: store::package_requests_by_state(&mut conn, id).await?,
        requests_by_week: store::requests_by_week(&mut conn, &weeks, Some(id)).await?,
        approvers: store::approver_speeds(&decided, APPROVERS_LISTED),
    })
}

/// The actor's direct reports, with their access and what waits on them.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn my_team(ctx: &Ctx, actor: &Actor) -> DomainResult<MyTeam> {
    let mut conn = ctx.read().await?;
    let (mut members, total) = store::direct_reports(&mut conn, actor.user_id).await?;
    store::fill_team(&mut conn, &mut members).await?;
    let ids: Vec<String> = members.iter().map(|m| m.person.id.to_string()).collect();
    let awaiting_me = store::awaiting_from(&mut conn, actor.user_id, &ids).await?;
    Ok(MyTeam {
        members,
        total,
        awaiting_me,
    })
}
