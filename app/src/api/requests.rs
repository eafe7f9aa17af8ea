//! Request-flow server functions: submit, cancel, decide; the request history and the
//! approval inbox.

use crate::error::AppError;
use domain::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use {
    super::directory::parse_id,
    super::ssr::{actor, ctx},
    domain::service::requests as req,
};

/// What the request form sends.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub struct RequestInput {
    pub package: String,
    pub policy: Option<String>,
    pub justification: String,
    pub answers: Vec<String>,
    pub specific_period: bool,
    pub start: String,
    pub end: String,
}

#[cfg(feature = "ssr")]
fn optional_policy(policy: Option<String>) -> Result<Option<PolicyId>, AppError> {
    match policy.filter(|p| !p.is_empty()) {
        Some(p) => {
            Ok(Some(PolicyId::parse(&p).map_err(|_| {
                AppError::invalid("policy", "Choose a policy.")
            })?))
        }
        None => Ok(None),
    }
}

#[server(input = Json)]
pub async fn submit_request(input: RequestInput) -> Result<String, AppError> {
    let package = parse_id(AccessPackageId::parse, &input.package, "access package")?;
    if input.answers.len() > limits::MAX_QUESTIONS {
        return Err(AppError::invalid("answers", "Too many answers."));
    }
    let form = req::RequestForm {
        policy: optional_policy(input.policy)?,
        justification: input.justification,
        answers: input.answers,
        specific_period: input.specific_period,
        start: input.start,
        end: input.end,
    };
    let (id, _) = req::submit_request(&ctx()?, &actor()?, package, &form).await?;
    Ok(id.to_string())
}

/// What "Resubmit" starts from.
#[server]
pub async fn load_resubmission(id: String) -> Result<Resubmission, AppError> {
    let id = parse_id(RequestId::parse, &id, "request")?;
    Ok(req::resubmission(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn load_notifications() -> Result<Inbox, AppError> {
    Ok(domain::service::notifications::my_notifications(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn mark_notifications_read() -> Result<u64, AppError> {
    Ok(domain::service::notifications::mark_notifications_read(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn load_package_assignments(
    id: String,
    state: String,
    q: String,
    page: u32,
) -> Result<Page<AssignmentView>, AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    let live = state != "ended";
    Ok(req::package_assignments(
        &ctx()?,
        &actor()?,
        id,
        live,
        &q,
        PageRequest::new(page, PageRequest::DEFAULT_PER_PAGE),
    )
    .await?)
}

#[server]
pub async fn remove_assignment(id: String) -> Result<u64, AppError> {
    let id = parse_id(AssignmentId::parse, &id, "assignment")?;
    Ok(req::remove_assignment(&ctx()?, &actor()?, id).await?)
}

/// What the "New assignment" form sends.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub struct AssignInput {
    pub package: String,
    pub users: Vec<String>,
    pub policy: Option<String>,
    pub justification: String,
    pub specific_period: bool,
    pub start: String,
    pub end: String,
}

#[server(input = Json)]
pub async fn assign_directly(input: AssignInput) -> Result<usize, AppError> {
    let package = parse_id(AccessPackageId::parse, &input.package, "access package")?;
    if input.users.len() > req::MAX_DIRECT_ASSIGNEES {
        return Err(AppError::invalid(
            "users",
            format!(
                "Assign at most {} people at a time.",
                req::MAX_DIRECT_ASSIGNEES
            ),
        ));
    }
    let users = input
        .users
        .iter()
        .map(|u| parse_id(UserId::parse, u, "user"))
        .collect::<Result<Vec<_>, _>>()?;
    let form = req::AssignForm {
        users,
        policy: optional_policy(input.policy)?,
        justification: input.justification,
        specific_period: input.specific_period,
        start: input.start,
        end: input.end,
    };
    Ok(req::assign_directly(&ctx()?, &actor()?, package, &form)
        .await?
        .len())
}

#[server]
pub async fn load_package_requests(
    id: String,
    state: String,
    q: String,
    page: u32,
) -> Result<Page<PackageRequestView>, AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    Ok(req::package_requests(
        &ctx()?,
        &actor()?,
        id,
        &state,
        &q,
        PageRequest::new(page, PageRequest::DEFAULT_PER_PAGE),
    )
    .await?)
}

#[server]
pub async fn cancel_request(id: String) -> Result<(), AppError> {
    let id = parse_id(RequestId::parse, &id, "request")?;
    Ok(req::cancel_request(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn decide_request(
    id: String,
    decision: String,
    justification: String,
    /// The stage the approver saw; a decision for a stage the request has moved on from is
    /// refused (left out: the stage the request waits for now).
    stage: Option<u32>,
) -> Result<(), AppError> {
    let id = parse_id(RequestId::parse, &id, "request")?;
    let approve = match decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => {
            return Err(AppError::invalid("decision", "Choose Approve or Deny."));
        }
    };
    req::decide_stage(&ctx()?, &actor()?, id, stage, approve, &justification).await?;
    Ok(())
}

/// How many requests or approvals a page of the request history or the inbox shows.
pub const REQUESTS_PER_PAGE: u32 = 25;

#[server]
pub async fn load_my_requests(page: u32) -> Result<Page<RequestSummary>, AppError> {
    let page = PageRequest::new(page, REQUESTS_PER_PAGE);
    Ok(req::my_requests_page(&ctx()?, &actor()?, page).await?)
}

#[server]
pub async fn load_my_approvals(history: bool, page: u32) -> Result<ApprovalsPage, AppError> {
    let list = if history {
        ApprovalList::History
    } else {
        ApprovalList::Pending
    };
    let page = PageRequest::new(page, REQUESTS_PER_PAGE);
    Ok(req::my_approvals_page(&ctx()?, &actor()?, list, page).await?)
}

#[server]
pub async fn load_my_access(tab: String, q: String) -> Result<Vec<MyAccessCard>, AppError> {
    let Ok(tab) = MyAccessTab::parse(&tab) else {
        return Err(AppError::invalid(
            "tab",
            "Choose Available, Active or Expired.",
        ));
    };
    Ok(req::my_access(&ctx()?, &actor()?, tab, &q).await?)
}
