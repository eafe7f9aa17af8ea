//! Delivering membership changes to connected systems, once each, with retries (and, in the
//! same loop, webhook events: `jobs::webhooks`).
//!
//! A batch is claimed in one transaction (a lease on each row), delivered system by system
//! over one connection each, and settled in one transaction: a row whose version moved while
//! it was delivered (a newer change) is only released, and delivered again next round with
//! what it wants now.

use super::*;
use crate::connectors::Session;
use crate::rules::connectors::{
    MAX_DELIVERY_ATTEMPTS, delivery_backoff, match_value, reconcile_every,
};
use crate::store::connectors::{self as outbox, Claimed, Outcome, StoredSystem};
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet};

/// Operations one delivery keeps in flight on its connection.
const IN_FLIGHT: usize = 16;
/// How long a claim holds: well past a batch's delivery budget.
const LEASE_MINUTES: i64 = 10;
/// How long one batch may spend delivering; what is left stays claimed until its lease ends.
const DELIVERY_BUDGET: std::time::Duration = std::time::Duration::from_secs(300);

/// Delivers the changes and webhook events due at the context clock's now, up to
/// `limits.batches` batches of each, and nothing else: the server runs it apart from the other
/// jobs, so that a slow or unreachable directory or receiver cannot delay deadlines and expiry.
pub async fn deliver_due(ctx: &Ctx, limits: RunLimits) -> JobReport {
    let id = format!("connectors-{}", crate::correlation::new_id());
    let mut report = JobReport::default();
    let now = ctx.clock.now();
    crate::correlation::scope(id, None, deliver(ctx, now, &limits, &mut report)).await;
    report
}

pub(super) async fn deliver(
    ctx: &Ctx,
    now: DateTime<Utc>,
    limits: &RunLimits,
    report: &mut JobReport,
) {
    let started = std::time::Instant::now();
    for _ in 0..limits.batches {
        if limits.stop.raised() {
            break;
        }
        match deliver_batch(ctx, now, report).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                report.failures.push(format!("connected systems: {e}"));
                break;
            }
        }
    }
    if !limits.stop.raised() {
        super::webhooks::deliver(ctx, now, limits, report).await;
    }
    if !limits.stop.raised()
        && let Err(e) = reconcile(ctx, now, report).await
    {
        report.failures.push(format!("reconciliation: {e}"));
    }
    if !limits.stop.raised()
        && let Err(e) = super::import::import_due(ctx, now, report).await
    {
        report.failures.push(format!("directory import: {e}"));
    }
    if report.changes_delivered + report.changes_failed > 0 {
        tracing::info!(
            job = "connectors",
            delivered = report.changes_delivered,
            failed = report.changes_failed,
            ms = started.elapsed().as_millis() as u64,
            "job done"
        );
    }
}

/// One batch; `true` when a full batch was delivered (more may wait).
async fn deliver_batch(
    ctx: &Ctx,
    now: DateTime<Utc>,
    report: &mut JobReport,
) -> DomainResult<bool> {
    let lease = now + chrono::Duration::minutes(LEASE_MINUTES);
    let mut tx = ctx.db.begin().await?;
    let claimed = outbox::claim_due(&mut tx, now, lease, BATCH).await?;
    crate::service::commit(tx).await?;
    if claimed.is_empty() {
        return Ok(false);
    }
    let full = claimed.len() as i64 >= BATCH;
    let mut by_system: BTreeMap<SystemId, Vec<Claimed>> = BTreeMap::new();
    for change in claimed {
        by_system.entry(change.system_id).or_default().push(change);
    }
    let started = std::time::Instant::now();
    let mut results: Vec<(StoredSystem, Vec<(Claimed, Outcome)>)> = Vec::new();
    for (system, changes) in by_system {
        if started.elapsed() > DELIVERY_BUDGET {
            tracing::warn!(
                "the delivery batch ran out of time; the rest is delivered after its lease"
            );
            break;
        }
        let stored = outbox::get(&mut *ctx.read().await?, system).await?;
        let outcomes = deliver_to(ctx, &stored, changes, now).await;
        results.push((stored, outcomes));
    }
    let mut tx = ctx.db.begin().await?;
    for (system, outcomes) in &results {
        let (mut delivered, mut failed) = (Vec::new(), Vec::new());
        for (change, outcome) in outcomes {
            if !outbox::settle(&mut tx, change, outcome, now).await? {
                continue;
            }
            let pair = json!({
                "group": change.external_group,
                "user": change.email,
                "role": change.role.code(),
                "holds": change.holds,
            });
            match outcome {
                Outcome::Delivered => {
                    if change.holds {
                        access_arrived(&mut tx, change, &system.name, now).await?;
                    }
                    delivered.push(pair);
                }
                Outcome::Failed { error, .. } => {
                    failed.push(json!({"change": pair, "error": error}));
                }
            }
        }
        report.changes_delivered += delivered.len() as u64;
        report.changes_failed += failed.len() as u64;
        if delivered.is_empty() && failed.is_empty() {
            continue;
        }
        let summary = if failed.is_empty() {
            format!(
                "Delivered {} change(s) of membership or ownership to {}",
                delivered.len(),
                system.name
            )
        } else {
            format!(
                "Delivered {} change(s) of membership or ownership to {}; {} failed",
                delivered.len(),
                system.name,
                failed.len()
            )
        };
        let event = NewEvent::new(
            now,
            None,
            "connector.delivered",
            "connected_system",
            system.id,
            summary,
        )
        .after(json!({"delivered": delivered, "failed": failed}));
        audit::record(&mut tx, event).await?;
    }
    crate::service::commit(tx).await?;
    Ok(full)
}

/// A membership or ownership reached its directory: each delivered request it completes (no other grant of
/// its package still on its way) tells its requestor "You now have access", once, and says so
/// on its timeline. The notification has the same event as at approval, so a request told then
/// (no connected system involved) is not told again.
async fn access_arrived(
    tx: &mut Conn,
    change: &Claimed,
    system: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let user = UserId(crate::store::uuid(&change.user_id)?);
    for (request, package, name) in
        outbox::requests_reaching(tx, &change.user_id, &change.group_id, change.role).await?
    {
        let waiting =
            outbox::undelivered_packages(tx, user, std::slice::from_ref(&package)).await?;
        if !waiting.is_empty() {
            continue;
        }
        let request = RequestId(crate::store::uuid(&request)?);
        let told = notifications::notify(
            tx,
            &NewNotification {
                user,
                kind: NotificationKind::Delivered,
                title: &format!("You now have access: {name}"),
                body: &format!("Your access to {name} is now in {system} too."),
                link: Link::ActiveAccess,
                event: &format!("request:{request}:{}", NotificationKind::Delivered),
            },
            now,
        )
        .await?;
        if told {
            let text = format!("Access delivered to {system}");
            requests::event(tx, request, requests::Entry::new("delivered", &text), now).await?;
        }
    }
    Ok(())
}

/// Delivers one system's changes over one connection; every change gets an outcome.
async fn deliver_to(
    ctx: &Ctx,
    system: &StoredSystem,
    changes: Vec<Claimed>,
    now: DateTime<Utc>,
) -> Vec<(Claimed, Outcome)> {
    let failed = |change: &Claimed, error: String| {
        let attempt = change.attempts + 1;
        let retry_at = (attempt < MAX_DELIVERY_ATTEMPTS).then(|| now + delivery_backoff(attempt));
        Outcome::Failed { error, retry_at }
    };
    let session = crate::service::connectors::connect(ctx, system).await;
    let session = match session {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(system = %system.name, error = %e, "a connected system could not be reached");
            return changes
                .into_iter()
                .map(|c| {
                    let outcome = failed(&c, e.clone());
                    (c, outcome)
                })
                .collect();
        }
    };
    // Each person looked up once, then every change: up to IN_FLIGHT operations at once (on
    // the one LDAP connection, which answers by message id; over a few HTTP connections), so
    // a distant system's round trips overlap instead of adding up.
    let match_with = system.settings.match_with();
    let values: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match_value(match_with, &c.email, c.user_name.as_deref()))
        .collect();
    let people: BTreeMap<String, Result<Option<String>, String>> =
        futures_util::stream::iter(values)
            .map(|value| {
                let mut session = session.clone();
                async move {
                    let found = session.find_person(&value).await;
                    (value, found)
                }
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
    let people = &people;
    let failed = &failed;
    let out: Vec<(Claimed, Outcome)> = futures_util::stream::iter(changes)
        .map(|change| {
            let mut session = session.clone();
            async move {
                let Some(value) =
                    match_value(match_with, &change.email, change.user_name.as_deref())
                else {
                    let error = format!(
                        "{} has no {} to look up in {}",
                        change.email,
                        match_with.label().to_lowercase(),
                        system.name
                    );
                    let outcome = failed(&change, error);
                    return (change, outcome);
                };
                let person = people
                    .get(&value)
                    .cloned()
                    .unwrap_or_else(|| Err(format!("{value} was not looked up")));
                let outcome = match person {
                    Ok(Some(dn)) => match session
                        .set_role(&change.external_group, &dn, change.role, change.holds)
                        .await
                    {
                        Ok(()) => Outcome::Delivered,
                        Err(e) => failed(&change, e),
                    },
                    // Nobody to remove: the directory holds no such member or owner.
                    Ok(None) if !change.holds => Outcome::Delivered,
                    Ok(None) => failed(&change, session.nobody_words(&system.name, &value)),
                    Err(e) => failed(&change, e),
                };
                (change, outcome)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    session.close().await;
    out
}

/// How long a system's reconciliation is claimed for.
const RECONCILE_LEASE_MINUTES: i64 = 30;
/// Most members of one linked group a reconciliation compares.
const MAX_CHECKED_MEMBERS: i64 = 100_000;
/// Members named on the link and in the audit event, of each kind.
const SAMPLE: usize = 10;
const AUDITED: usize = 100;

/// Reconciles each system that is due: compares every linked group with the grants Tessera
/// holds, records and audits the drift, and corrects it when the system's policy says so.
async fn reconcile(ctx: &Ctx, now: DateTime<Utc>, report: &mut JobReport) -> DomainResult<()> {
    let every = reconcile_every();
    let due = outbox::systems_to_reconcile(&mut *ctx.read().await?, now, every).await?;
    for system in due {
        let lease = now + chrono::Duration::minutes(RECONCILE_LEASE_MINUTES);
        let mut tx = ctx.db.begin().await?;
        let claimed = outbox::claim_reconcile(&mut tx, system, now, every, lease).await?;
        crate::service::commit(tx).await?;
        if !claimed {
            continue;
        }
        let (stored, links) = {
            let mut conn = ctx.read().await?;
            (
                outbox::get(&mut conn, system).await?,
                outbox::links_of_system(&mut conn, system).await?,
            )
        };
        let session = crate::service::connectors::connect(ctx, &stored).await;
        let mut checks = Vec::with_capacity(links.len());
        match session {
            Err(e) => {
                for link in links {
                    checks.push((link, Drift::failed(now, e.clone())));
                }
            }
            Ok(mut session) => {
                for link in links {
                    let drift = check_link(ctx, &mut session, &stored, &link, now).await?;
                    checks.push((link, drift));
                }
                session.close().await;
            }
        }
        let mut tx = ctx.db.begin().await?;
        for (link, drift) in &checks {
            outbox::record_check(&mut tx, link.group_id, &drift.check).await?;
            let found = drift.extra.len() + drift.missing.len();
            report.drift_found += found as u64;
            if drift.check.corrected {
                report.drift_corrected += found as u64;
            }
            if found == 0 {
                continue;
            }
            let summary = format!(
                "{} in {}: {} member(s) added outside Tessera, {} removed outside Tessera{}",
                link.group_name,
                stored.name,
                drift.extra.len(),
                drift.missing.len(),
                if drift.check.corrected {
                    " (corrected)"
                } else {
                    ""
                }
            );
            let event = NewEvent::new(
                now,
                None,
                "connector.drift",
                "group",
                link.group_id,
                summary,
            )
            .after(json!({
                "system": stored.name,
                "group": link.external_id,
                "added_outside": drift.extra.iter().take(AUDITED).collect::<Vec<_>>(),
                "removed_outside": drift.missing.iter().take(AUDITED).collect::<Vec<_>>(),
                "corrected": drift.check.corrected,
                "error": drift.check.error,
            }));
            audit::record(&mut tx, event).await?;
        }
        outbox::reconciled(&mut tx, system, now).await?;
        crate::service::commit(tx).await?;
    }
    Ok(())
}

/// What one linked group's check found.
struct Drift {
    check: DriftCheck,
    /// DNs the directory group holds that Tessera does not grant.
    extra: Vec<String>,
    /// DNs of people Tessera grants that the directory group lacks.
    missing: Vec<String>,
}

impl Drift {
    fn failed(at: DateTime<Utc>, error: String) -> Self {
        Self {
            check: DriftCheck {
                at,
                extra: 0,
                missing: 0,
                sample: Vec::new(),
                corrected: false,
                error: Some(error),
            },
            extra: Vec::new(),
            missing: Vec::new(),
        }
    }
}

/// Compares one linked group with Tessera's grants. In LDAP people under the people's base
/// only count (a placeholder member elsewhere is never drift); people with a change in flight
/// are left to their delivery.
async fn check_link(
    ctx: &Ctx,
    session: &mut Session,
    system: &StoredSystem,
    link: &GroupLink,
    now: DateTime<Utc>,
) -> DomainResult<Drift> {
    let match_with = system.settings.match_with();
    let held: BTreeSet<String> = match session.members(&link.external_id).await {
        Ok(members) => members.into_iter().collect(),
        Err(e) => return Ok(Drift::failed(now, e)),
    };
    let (granted, flight) = {
        let mut conn = ctx.read().await?;
        (
            outbox::granted_members(&mut conn, link.group_id, MAX_CHECKED_MEMBERS).await?,
            outbox::in_flight(&mut conn, link.group_id).await?,
        )
    };
    let in_flight: BTreeSet<&str> = flight.iter().map(|(id, _, _)| id.as_str()).collect();
    let mut expected = BTreeSet::new();
    let mut ignored = BTreeSet::new();
    let mut missing = Vec::new();
    for (id, email, user_name) in granted.iter().chain(&flight) {
        let Some(value) = match_value(match_with, email, user_name.as_deref()) else {
            continue;
        };
        let dn = match session.find_person(&value).await {
            Ok(Some(dn)) => dn,
            Ok(None) => continue,
            Err(e) => return Ok(Drift::failed(now, e)),
        };
        let normal = session.person_key(&dn);
        if in_flight.contains(id.as_str()) {
            ignored.insert(normal);
        } else {
            if !held.contains(&normal) {
                missing.push(dn);
            }
            expected.insert(normal);
        }
    }
    let extra: Vec<String> = held
        .iter()
        .filter(|dn| !expected.contains(*dn) && !ignored.contains(*dn))
        .cloned()
        .collect();
    let mut corrected = false;
    let mut error = None;
    if system.settings.drift() == DriftPolicy::Correct && (!extra.is_empty() || !missing.is_empty())
    {
        corrected = true;
        let changes = extra
            .iter()
            .map(|dn| (dn, false))
            .chain(missing.iter().map(|dn| (dn, true)));
        for (dn, member) in changes {
            if let Err(e) = session
                .set_role(&link.external_id, dn, ResourceRole::Member, member)
                .await
            {
                corrected = false;
                error = Some(e);
                break;
            }
        }
    }
    let sample = extra
        .iter()
        .take(SAMPLE)
        .map(|dn| format!("+ {dn}"))
        .chain(missing.iter().take(SAMPLE).map(|dn| format!("- {dn}")))
        .collect();
    Ok(Drift {
        check: DriftCheck {
            at: now,
            extra: extra.len() as i64,
            missing: missing.len() as i64,
            sample,
            corrected,
            error,
        },
        extra,
        missing,
    })
}
