//! Read models of requests and assignments for lists, inboxes and timelines.

use super::*;

#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    id: String,
    package_id: String,
    package_name: String,
    state: RequestState,
    stage_no: i64,
    stages_json: String,
    outcome: String,
    justification: String,
    created_at: i64,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    timeline: String,
}

/// The rows as summaries, each with its timeline (kept in its row).
pub(super) fn summaries(rows: Vec<SummaryRow>) -> DomainResult<Vec<RequestSummary>> {
    rows.into_iter()
        .map(|r| {
            let stages: Vec<Stage> = serde_json::from_str(&r.stages_json).map_err(corrupt)?;
            Ok(RequestSummary {
                id: RequestId(uuid(&r.id)?),
                package_id: AccessPackageId(uuid(&r.package_id)?),
                package_name: r.package_name,
                state: r.state,
                stage_no: u32::try_from(r.stage_no).map_err(corrupt)?,
                stage_count: u32::try_from(stages.len()).map_err(corrupt)?,
                outcome: r.outcome,
                justification: r.justification,
                created_at: from_ms(r.created_at)?,
                period: period(r.starts_at, r.ends_at)?,
                timeline: super::timeline::read(&r.timeline)?,
                delivery: None,
            })
        })
        .collect()
}

pub(super) const SUMMARY_SELECT: &str =
    "SELECT r.id, r.package_id, p.name AS package_name, r.state, r.stage_no, r.stages_json,
        r.outcome, r.justification, r.created_at, r.starts_at, r.ends_at, r.timeline
     FROM access_package_requests r JOIN access_packages p ON p.id = r.package_id";

/// A page of a person's requests, newest first, with their timelines.
pub async fn of_requestor(
    conn: &mut Conn,
    user: UserId,
    page: PageRequest,
) -> DomainResult<Page<RequestSummary>> {
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM access_package_requests WHERE requestor_id = $1")
            .bind(user.to_string())
            .fetch_one(&mut *conn)
            .await?;
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "{SUMMARY_SELECT} WHERE r.requestor_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(user.to_string())
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *conn)
    .await?;
    Ok(Page::of(summaries(rows)?, total, page))
}

#[derive(sqlx::FromRow)]
pub(super) struct PackageRequestRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    user_id: String,
    display_name: String,
    email: String,
    request_type: RequestKind,
}

/// A package's requests for admins, newest first: all, or those in `states`, whose requestor
/// matches `pattern`; each with its timeline.
pub async fn package_requests(
    conn: &mut Conn,
    package: AccessPackageId,
    states: &[RequestState],
    pattern: &str,
    page: PageRequest,
) -> DomainResult<Page<PackageRequestView>> {
    let state_filter = if states.is_empty() {
        String::new()
    } else {
        format!(" AND r.state IN ({})", placeholders_after(2, states.len()))
    };
    let filter = format!(
        "r.package_id = $1 AND (lower(u.display_name) LIKE $2 ESCAPE '\\' OR u.email LIKE $2 ESCAPE '\\'){state_filter}"
    );
    let package = package.to_string();
    let mut args = vec![Arg::Text(&package), Arg::Text(pattern)];
    args.extend(states.iter().map(|s| Arg::Text(s.code())));
    let (total, rows): (i64, Vec<PackageRequestRow>) = paged(
        conn,
        &format!(
            "SELECT COUNT(*) FROM access_package_requests r JOIN users u ON u.id = r.requestor_id WHERE {filter}"
        ),
        &format!(
        "SELECT r.id, r.package_id, p.name AS package_name, r.state, r.stage_no, r.stages_json,
            r.outcome, r.justification, r.created_at, r.starts_at, r.ends_at, r.timeline,
            u.id AS user_id, u.display_name, u.email, r.request_type
         FROM access_package_requests r JOIN access_packages p ON p.id = r.package_id
         JOIN users u ON u.id = r.requestor_id
         WHERE {filter} ORDER BY r.created_at DESC, r.id DESC"
        ),
        &args,
        page,
    )
    .await?;
    let mut people = Vec::with_capacity(rows.len());
    let mut summary_rows = Vec::with_capacity(rows.len());
    for r in rows {
        people.push((
            UserRef {
                id: UserId(uuid(&r.user_id)?),
                display_name: r.display_name,
                email: r.email,
            },
            r.request_type,
        ));
        summary_rows.push(r.summary);
    }
    let items = summaries(summary_rows)?
        .into_iter()
        .zip(people)
        .map(|(summary, (requestor, kind))| PackageRequestView {
            summary,
            requestor,
            direct: kind == RequestKind::AdminAdd,
        })
        .collect();
    Ok(Page::of(items, total, page))
}

#[derive(sqlx::FromRow)]
pub(super) struct ApprovalRow {
    id: String,
    package_id: String,
    package_name: String,
    user_id: String,
    display_name: String,
    email: String,
    department: String,
    manager: Option<String>,
    justification: String,
    answers_json: String,
    stages_json: String,
    policy_spec: Option<String>,
    stage_no: i64,
    due_at: i64,
    created_at: i64,
    decision: Option<StageDecision>,
    decided_at: Option<i64>,
    decision_justification: String,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
}

pub(super) const APPROVAL_SELECT: &str =
    "SELECT r.id, r.package_id, p.name AS package_name, u.id AS user_id, u.display_name, u.email, u.department,
        m.display_name AS manager, r.justification, r.answers_json, r.stages_json, x.spec AS policy_spec,
        s.stage_no, s.due_at, r.created_at, s.decision, s.decided_at,
        s.justification AS decision_justification, r.starts_at, r.ends_at
     FROM request_approvers a
     JOIN access_package_requests r ON r.id = a.request_id
     JOIN request_stages s ON s.request_id = a.request_id AND s.stage_no = a.stage_no
     JOIN access_packages p ON p.id = r.package_id
     JOIN users u ON u.id = r.requestor_id
     LEFT JOIN users m ON m.id = u.manager_id
     LEFT JOIN access_package_policies x ON x.id = r.policy_id";

/// How many other deciders an approval item names.
pub(super) const OTHER_APPROVERS_SHOWN: usize = 20;

pub(super) async fn approval_items(
    conn: &mut Conn,
    me: UserId,
    rows: Vec<ApprovalRow>,
) -> DomainResult<Vec<ApprovalItem>> {
    let mut others: std::collections::HashMap<(String, i64), Vec<String>> = Default::default();
    if !rows.is_empty() {
        let sql = format!(
            "SELECT a.request_id, a.stage_no, u.display_name FROM request_approvers a JOIN users u ON u.id = a.user_id
             WHERE a.user_id <> $1 AND a.request_id IN ({}) ORDER BY lower(u.display_name)",
            (2..rows.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, i64, String)>(&sql).bind(me.to_string());
        for r in &rows {
            q = q.bind(&r.id);
        }
        for (request, stage, name) in q.fetch_all(&mut *conn).await? {
            let list = others.entry((request, stage)).or_default();
            if list.len() < OTHER_APPROVERS_SHOWN {
                list.push(name);
            }
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let stages: Vec<Stage> = serde_json::from_str(&r.stages_json).map_err(corrupt)?;
        let stage_no = u32::try_from(r.stage_no).map_err(corrupt)?;
        let answers: Vec<String> = serde_json::from_str(&r.answers_json).map_err(corrupt)?;
        let questions = match &r.policy_spec {
            Some(spec) => {
                serde_json::from_str::<PolicySpec>(spec)
                    .map_err(corrupt)?
                    .questions
            }
            None => vec![],
        };
        out.push(ApprovalItem {
            request_id: RequestId(uuid(&r.id)?),
            package_id: AccessPackageId(uuid(&r.package_id)?),
            package_name: r.package_name,
            requestor: UserRef {
                id: UserId(uuid(&r.user_id)?),
                display_name: r.display_name,
                email: r.email,
            },
            department: r.department,
            manager: r.manager,
            justification: r.justification,
            answers: questions.into_iter().map(|q| q.text).zip(answers).collect(),
            stage_no,
            stage_count: u32::try_from(stages.len()).map_err(corrupt)?,
            due_at: from_ms(r.due_at)?,
            require_justification: stages
                .get((stage_no.max(1) - 1) as usize)
                .is_some_and(|s| s.require_justification),
            other_approvers: others.remove(&(r.id, r.stage_no)).unwrap_or_default(),
            submitted_at: from_ms(r.created_at)?,
            period: period(r.starts_at, r.ends_at)?,
            decision: match (r.decision, r.decided_at) {
                (Some(d), Some(at)) => Some((d, from_ms(at)?, r.decision_justification)),
                _ => None,
            },
        });
    }
    Ok(out)
}

/// Which stages of `me`'s an approval list holds (after [`APPROVAL_SELECT`]'s joins).
const PENDING_WHERE: &str = "a.user_id = $1 AND a.awaiting = 1 AND r.state = 'pendingApproval' AND a.stage_no = r.stage_no AND s.decision IS NULL";
const DECIDED_WHERE: &str = "a.user_id = $1 AND (s.decision IS NOT NULL OR r.state <> 'pendingApproval' OR a.stage_no <> r.stage_no)";

/// How many stages `me`'s list holds (`pending`: waiting for `me`; else decided or closed).
pub async fn approvals_count(conn: &mut Conn, me: UserId, pending: bool) -> DomainResult<i64> {
    let filter = if pending {
        PENDING_WHERE
    } else {
        DECIDED_WHERE
    };
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM request_approvers a
         JOIN access_package_requests r ON r.id = a.request_id
         JOIN request_stages s ON s.request_id = a.request_id AND s.stage_no = a.stage_no
         WHERE {filter}"
    ))
    .bind(me.to_string())
    .fetch_one(&mut *conn)
    .await?)
}

/// A page of the requests waiting for `me` to decide their current stage, oldest deadline
/// first.
pub async fn pending_for(
    conn: &mut Conn,
    me: UserId,
    page: PageRequest,
) -> DomainResult<Page<ApprovalItem>> {
    let total = approvals_count(conn, me, true).await?;
    let rows: Vec<ApprovalRow> = sqlx::query_as(&format!(
        "{APPROVAL_SELECT} WHERE {PENDING_WHERE} ORDER BY s.due_at, r.id LIMIT $2 OFFSET $3"
    ))
    .bind(me.to_string())
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *conn)
    .await?;
    Ok(Page::of(approval_items(conn, me, rows).await?, total, page))
}

/// A page of the stages `me` could decide that are decided (by anyone) or closed, newest
/// request first: request ids are time-ordered (UUIDv7), so the page is read off `me`'s
/// index in order.
pub async fn history_for(
    conn: &mut Conn,
    me: UserId,
    page: PageRequest,
) -> DomainResult<Page<ApprovalItem>> {
    let total = approvals_count(conn, me, false).await?;
    let rows: Vec<ApprovalRow> = sqlx::query_as(&format!(
        "{APPROVAL_SELECT} WHERE {DECIDED_WHERE}
         ORDER BY a.request_id DESC, a.stage_no DESC LIMIT $2 OFFSET $3"
    ))
    .bind(me.to_string())
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *conn)
    .await?;
    Ok(Page::of(approval_items(conn, me, rows).await?, total, page))
}

/// Resource roles of several packages in words, by package id.
pub async fn grants_in_words(
    conn: &mut Conn,
    packages: &[String],
) -> DomainResult<std::collections::HashMap<String, Vec<String>>> {
    let mut out: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for chunk in packages.chunks(200) {
        let list = placeholders(chunk.len());
        let sql = format!(
            "SELECT rr.package_id, rr.role, g.name FROM access_package_resource_roles rr JOIN directory_groups g ON g.id = rr.group_id
             WHERE rr.package_id IN ({list}) ORDER BY g.name_key"
        );
        let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for (pkg, role, group) in q.fetch_all(&mut *conn).await? {
            let role = ResourceRole::parse(&role).map_err(corrupt)?;
            out.entry(pkg)
                .or_default()
                .push(format!("{} of {group}", role.label()));
        }
    }
    Ok(out)
}

/// One row of a package's assignment list.
#[derive(sqlx::FromRow)]
pub(super) struct AssignmentListRow {
    id: String,
    user_id: String,
    display_name: String,
    email: String,
    state: AssignmentState,
    starts_at: i64,
    ends_at: Option<i64>,
    policy_name: Option<String>,
}

pub(super) fn assignments_filter(live: bool) -> String {
    format!(
        "a.package_id = $1 AND a.active_key IS {} NULL AND (lower(u.display_name) LIKE $2 ESCAPE '\\' OR u.email LIKE $2 ESCAPE '\\')",
        if live { "NOT" } else { "" }
    )
}

/// A package's assignments (live or ended), people in name order, matching `pattern`.
pub async fn package_assignments(
    conn: &mut Conn,
    package: AccessPackageId,
    live: bool,
    pattern: &str,
    page: PageRequest,
) -> DomainResult<Page<AssignmentView>> {
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM access_package_assignments a JOIN users u ON u.id = a.user_id WHERE {}",
        assignments_filter(live)
    ))
    .bind(package.to_string())
    .bind(pattern)
    .fetch_one(&mut *conn)
    .await?;
    let mut items =
        assignment_rows(conn, package, live, pattern, page.limit(), page.offset()).await?;
    if live {
        let people: Vec<String> = items.iter().map(|a| a.user.id.to_string()).collect();
        let states = crate::store::connectors::undelivered_people(conn, package, &people).await?;
        for a in &mut items {
            a.delivery = states.get(&a.user.id.to_string()).copied();
        }
    }
    Ok(Page::of(items, total, page))
}

/// One slice of a package's assignments in name order (pages and the CSV export).
pub async fn assignment_rows(
    conn: &mut Conn,
    package: AccessPackageId,
    live: bool,
    pattern: &str,
    limit: i64,
    offset: i64,
) -> DomainResult<Vec<AssignmentView>> {
    let rows: Vec<AssignmentListRow> = sqlx::query_as(&format!(
        "SELECT a.id, u.id AS user_id, u.display_name, u.email, a.state, a.starts_at, a.ends_at,
            x.name AS policy_name
         FROM access_package_assignments a JOIN users u ON u.id = a.user_id
         LEFT JOIN access_package_policies x ON x.id = a.policy_id
         WHERE {} ORDER BY lower(u.display_name), a.id LIMIT $3 OFFSET $4",
        assignments_filter(live)
    ))
    .bind(package.to_string())
    .bind(pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(AssignmentView {
                id: AssignmentId(uuid(&r.id)?),
                user: UserRef {
                    id: UserId(uuid(&r.user_id)?),
                    display_name: r.display_name,
                    email: r.email,
                },
                state: r.state,
                starts_at: from_ms(r.starts_at)?,
                ends_at: r.ends_at.map(from_ms).transpose()?,
                policy: r.policy_name,
                delivery: None,
            })
        })
        .collect()
}
