//! The request flow: submit, decide (first decision per stage wins), cancel, deliver.
//! Each use case is one transaction; the database's unique keys guarantee at most one open
//! request and one live assignment per person and package.

use super::{Ctx, check_search, commit, require};
use crate::model::*;
use crate::rules::policies::{Subject, applicable, names_groups};
use crate::rules::requests::{
    ApproverSource, Lifecycle, Step, assignment_end, check_answers, check_period,
    resolve_approvers, stage_deadlines,
};
use crate::store::audit::{self, NewEvent};
use crate::store::notifications::{self, NewNotification};
use crate::store::requests::{self as store, NewRequest};
use crate::store::{Conn, groups, packages, users};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use serde_json::json;

mod admin_lists;
mod decide;
mod deliver;
mod direct;
mod extend;
mod extensions;
mod my_access;
mod reprocess;
mod stages;
mod submit;

pub use admin_lists::*;
pub use decide::*;
use deliver::*;
pub use direct::*;
pub use extend::*;
pub use extensions::{MAX_ANSWER_BYTES, answer_extension, answer_signed, expire_holds};
pub use my_access::*;
pub use reprocess::*;
use stages::*;
pub use submit::*;

/// How many members of an approver group are asked (one of them decides).
const MAX_GROUP_APPROVERS: i64 = 500;
pub use crate::model::limits::MAX_JUSTIFICATION_CHARS;

/// What a person fills in to request an access package. Dates are kept as typed
/// (YYYY-MM-DD) so a wrong one is reported against its field.
#[derive(Debug, Clone, Default)]
pub struct RequestForm {
    /// The policy to request under, when several apply.
    pub policy: Option<PolicyId>,
    pub justification: String,
    pub answers: Vec<String>,
    /// "Request for specific period?" answered Yes.
    pub specific_period: bool,
    pub start: String,
    pub end: String,
}

/// Where a request stands after a use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestOutcome {
    /// Waiting for stage n of m.
    Pending {
        stage: u32,
        of: u32,
    },
    Delivered(AssignmentId),
    Denied(String),
    Canceled,
    /// Approved, and held until blocking custom extensions answer.
    AwaitingExtension,
}

fn matches_pattern(pattern: &str, text: &str) -> bool {
    compile_pattern(pattern).is_ok_and(|re| re.is_match(text))
}

fn source_code(s: ApproverSource) -> &'static str {
    match s {
        ApproverSource::Manager => "manager",
        ApproverSource::Specific => "specific",
        ApproverSource::Fallback => "fallback",
    }
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Names the notifications of one request use.
struct Names<'a> {
    package: &'a str,
    requestor: &'a str,
}

async fn notify_requestor(
    tx: &mut Conn,
    request: RequestId,
    requestor: UserId,
    kind: NotificationKind,
    title: String,
    body: String,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let link = if kind == NotificationKind::Delivered {
        Link::ActiveAccess
    } else {
        Link::Requests
    };
    notifications::notify(
        tx,
        &NewNotification {
            user: requestor,
            kind,
            title: &title,
            body: &body,
            link,
            event: &format!("request:{request}:{kind}"),
        },
        now,
    )
    .await?;
    Ok(())
}

/// What is wrong with a requestor's business justification (trimmed), if anything: missing
/// where the policy requires one, or too long.
fn business_justification_problem(required: bool, justification: &str) -> Option<FieldError> {
    if required && justification.is_empty() {
        Some(FieldError::new(
            "justification",
            "Business justification is required.",
        ))
    } else if justification.chars().count() > MAX_JUSTIFICATION_CHARS {
        Some(FieldError::new(
            "justification",
            format!("Business justification must be at most {MAX_JUSTIFICATION_CHARS} characters."),
        ))
    } else {
        None
    }
}

/// Nothing in a disabled catalog can be requested or extended (a link still opens it).
async fn require_catalog_enabled(
    conn: &mut Conn,
    package: AccessPackageId,
    name: &str,
) -> DomainResult<()> {
    let (catalog, enabled) = crate::store::catalogs::of_package(conn, package).await?;
    if enabled {
        Ok(())
    } else {
        Err(DomainError::Conflict(catalog_disabled_reason(
            name, &catalog,
        )))
    }
}

pub(crate) fn catalog_disabled_reason(package: &str, catalog: &str) -> String {
    format!("{package} can't be requested now: its catalog {catalog} is disabled.")
}

/// The admin lists of a package (requests, assignments, their CSV) are for people with a
/// role in its catalog; their search text is bounded.
async fn check_package_read(
    conn: &mut Conn,
    actor: &Actor,
    package: AccessPackageId,
    query: &str,
) -> DomainResult<()> {
    let summary = packages::summary(conn, package).await?;
    require(
        actor.can_read_catalog(summary.catalog_id),
        "you have no role in this access package's catalog",
    )?;
    check_search(query)
}
