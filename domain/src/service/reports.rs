//! Reports for auditors (issue 18): "Access of a person" and "Access to a resource", on
//! screen and as CSV. They read across every catalog, so only those who may read the whole
//! directory (Global, Identity Governance and User Administrators) may run them.

use super::csv_export::CsvExport;
use super::{Ctx, require};
use crate::model::*;
use crate::rules::grants::GrantSource;
use crate::store::{Conn, groups, licenses, reports, users};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};

fn require_reader(actor: &Actor) -> DomainResult<()> {
    require(
        actor.can_read_directory(),
        "only directory administrators can run access reports",
    )
}

/// Everything the person holds and why.
pub async fn person_access(ctx: &Ctx, actor: &Actor, id: UserId) -> DomainResult<PersonAccess> {
    require_reader(actor)?;
    let mut conn = ctx.read().await?;
    let person = users::summary(&mut conn, id).await?;
    let mut packages = reports::held_packages(&mut conn, id).await?;
    let ids: Vec<String> = packages
        .iter()
        .map(|p| p.assignment_id.to_string())
        .collect();
    let mut trails = reports::trails(&mut conn, &[id.to_string()], &ids).await?;
    for p in &mut packages {
        p.requests = trails
            .remove(&p.assignment_id.to_string())
            .unwrap_or_default();
    }
    Ok(PersonAccess {
        person,
        packages,
        groups: groups::memberships_of(&mut conn, id).await?,
        licenses: licenses::of_user(&mut conn, id).await?,
    })
}

/// A page of everyone who holds the group, and why.
pub async fn resource_access(
    ctx: &Ctx,
    actor: &Actor,
    id: GroupId,
    page: PageRequest,
) -> DomainResult<ResourceAccess> {
    require_reader(actor)?;
    let mut conn = ctx.read().await?;
    let group = groups::summary(&mut conn, id).await?;
    let holders = holders(&mut conn, id, group.member_count, page).await?;
    Ok(ResourceAccess {
        licenses: licenses::of_group(&mut conn, id).await?,
        group,
        holders,
    })
}

/// A page of the group's holders (it has `member_count` members), each with the grants that
/// make them hold it and, for an access package, the assignment and its requests.
async fn holders(
    conn: &mut Conn,
    id: GroupId,
    member_count: i64,
    page: PageRequest,
) -> DomainResult<Page<Holder>> {
    let members = groups::members(&mut *conn, id, member_count, page).await?;
    let assignments: Vec<String> = members
        .items
        .iter()
        .flat_map(|m| m.sources.iter())
        .filter_map(|s| match s {
            GrantSource::Assignment(a) => Some(a.to_string()),
            _ => None,
        })
        .collect();
    let mut held = reports::assignments(&mut *conn, &assignments).await?;
    let people: Vec<String> = members
        .items
        .iter()
        .map(|m| m.user.id.to_string())
        .collect();
    let mut trails = reports::trails(&mut *conn, &people, &assignments).await?;
    let mut holders = Vec::with_capacity(members.items.len());
    for m in members.items {
        let mut reasons = Vec::with_capacity(m.sources.len());
        for source in m.sources {
            reasons.push(match source {
                GrantSource::Direct => HoldingReason::Direct,
                GrantSource::Scim => HoldingReason::Scim,
                GrantSource::Import => HoldingReason::Import,
                GrantSource::Assignment(a) => {
                    let key = a.to_string();
                    // A membership naming an assignment that is not there is unreadable:
                    // the report says so rather than leave the reason out.
                    let mut h = held.remove(&key).ok_or_else(|| {
                        DomainError::Internal(
                            format!("a membership names assignment {key}, which is not there")
                                .into(),
                        )
                    })?;
                    h.requests = trails.remove(&key).unwrap_or_default();
                    HoldingReason::Package(h)
                }
            });
        }
        holders.push(Holder {
            person: m.user,
            since: m.since,
            reasons,
        });
    }
    Ok(Page {
        items: holders,
        total: members.total,
        page: members.page,
        per_page: members.per_page,
    })
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The request trail in the CSV's four columns: how it came (request, extension or direct
/// assignment, by whom and when), the request id, the justification, and the approvals.
fn trail_cells(requests: &[RequestTrail]) -> [String; 4] {
    let how = requests
        .iter()
        .map(|r| {
            format!(
                "{} by {} on {}",
                r.kind.label(),
                r.by,
                instant(r.submitted_at)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let ids = requests
        .iter()
        .map(|r| r.request_id.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let why = requests
        .iter()
        .map(|r| r.justification.clone())
        .filter(|j| !j.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let approvals = requests
        .iter()
        .flat_map(|r| r.decisions.iter())
        .map(decision_words)
        .collect::<Vec<_>>()
        .join("; ");
    [how, ids, why, approvals]
}

/// "Stage 1 approved by Maria Manager on 2026-12-06T10:00:00Z: needed for reports".
pub fn decision_words(d: &TrailDecision) -> String {
    let mut s = format!("Stage {} {}", d.stage_no, d.decision.label().to_lowercase());
    if let Some(by) = &d.by {
        s.push_str(&format!(" by {by}"));
    }
    if let Some(at) = d.at {
        s.push_str(&format!(" on {}", instant(at)));
    }
    if !d.justification.is_empty() {
        s.push_str(&format!(": {}", d.justification));
    }
    s
}

const HEADER: [&str; 11] = [
    "Kind",
    "Name",
    "Catalog or group",
    "State",
    "Since",
    "Until",
    "Why",
    "How",
    "Request ids",
    "Justification",
    "Approvals",
];

/// "Access of a person" as CSV: one row per access package, group and license.
pub async fn person_access_csv(ctx: &Ctx, actor: &Actor, id: UserId) -> DomainResult<String> {
    let r = person_access(ctx, actor, id).await?;
    let mut out = CsvExport::with_header(&HEADER)?;
    for p in &r.packages {
        let [how, ids, why, approvals] = trail_cells(&p.requests);
        out.row([
            "Access package".to_owned(),
            p.package_name.clone(),
            p.catalog_name.clone(),
            p.state.label().to_owned(),
            instant(p.since),
            p.until.map(instant).unwrap_or_default(),
            "Assignment".to_owned(),
            how,
            ids,
            why,
            approvals,
        ])?;
    }
    for g in &r.groups {
        let why = g
            .sources
            .iter()
            .map(|s| source_words(s, &r.packages))
            .collect::<Vec<_>>()
            .join("; ");
        out.row([
            "Group".to_owned(),
            g.group_name.clone(),
            String::new(),
            "Member".to_owned(),
            instant(g.since),
            String::new(),
            why,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ])?;
    }
    for l in &r.licenses {
        out.row([
            "License".to_owned(),
            l.name.clone(),
            l.via_groups.join("; "),
            l.state.label().to_owned(),
            String::new(),
            String::new(),
            format!("Through {}", l.via_groups.join(", ")),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ])?;
    }
    out.finish()
}

/// At most this many holders go into one CSV export of a resource.
pub const MAX_EXPORT_HOLDERS: u32 = 100_000;

/// "Access to a resource" as CSV: one row per holder and reason, read a page at a time.
pub async fn resource_access_csv(ctx: &Ctx, actor: &Actor, id: GroupId) -> DomainResult<String> {
    require_reader(actor)?;
    let mut out = CsvExport::with_header(&[
        "Person",
        "Email",
        "Since",
        "Why",
        "Access package",
        "Until",
        "How",
        "Request ids",
        "Justification",
        "Approvals",
    ])?;
    let mut conn = ctx.read().await?;
    // Read once: the group's member count bounds the pages and picks how they are walked.
    let member_count = groups::summary(&mut conn, id).await?.member_count;
    // A grant that names no package: its words alone.
    let plain = |source: GrantSource| (source.label(), String::new(), String::new(), None);
    let per = PageRequest::MAX_PER_PAGE;
    for page in 1..=MAX_EXPORT_HOLDERS / per {
        let holders = holders(&mut conn, id, member_count, PageRequest::new(page, per)).await?;
        let last = holders.items.len() < per as usize;
        for h in &holders.items {
            for reason in &h.reasons {
                let (why, package, until, cells) = match reason {
                    HoldingReason::Direct => plain(GrantSource::Direct),
                    HoldingReason::Scim => plain(GrantSource::Scim),
                    HoldingReason::Import => plain(GrantSource::Import),
                    HoldingReason::Package(p) => (
                        "Access package".to_owned(),
                        p.package_name.clone(),
                        p.until.map(instant).unwrap_or_default(),
                        Some(trail_cells(&p.requests)),
                    ),
                };
                let [how, ids, justification, approvals] = cells.unwrap_or_default();
                out.row([
                    h.person.display_name.clone(),
                    h.person.email.clone(),
                    instant(h.since),
                    why,
                    package,
                    until,
                    how,
                    ids,
                    justification,
                    approvals,
                ])?;
            }
        }
        if last {
            break;
        }
    }
    out.finish()
}
