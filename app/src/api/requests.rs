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

#[server(input = Json)]
pub async fn submit_request(
    package: String,
    policy: Option<String>,
    justification: String,
    answers: Vec<String>,
) -> Result<String, AppError> {
    let package = parse_id(AccessPackageId::parse, &package, "access package")?;
    let policy =
        match policy {
            Some(p) => Some(PolicyId::parse(&p).map_err(|_| {
                AppError::Invalid(vec![FieldError::new("policy", "Choose a policy.")])
            })?),
            None => None,
        };
    if answers.len() > limits::MAX_QUESTIONS {
        return Err(AppError::Invalid(vec![FieldError::new(
            "answers",
            "Too many answers.",
        )]));
    }
    let form = req::RequestForm {
        policy,
        justification,
        answers,
    };
    let (id, _) = req::submit_request(&ctx()?, &actor()?, package, &form).await?;
    Ok(id.to_string())
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
) -> Result<(), AppError> {
    let id = parse_id(RequestId::parse, &id, "request")?;
    let approve = match decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "decision",
                "Choose Approve or Deny.",
            )]));
        }
    };
    req::decide(&ctx()?, &actor()?, id, approve, &justification).await?;
    Ok(())
}

#[server]
pub async fn load_my_requests() -> Result<Vec<RequestSummary>, AppError> {
    Ok(req::my_requests(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn load_my_approvals() -> Result<(Vec<ApprovalItem>, Vec<ApprovalItem>), AppError> {
    Ok(req::my_approvals(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn load_my_access(tab: String, q: String) -> Result<Vec<MyAccessCard>, AppError> {
    let tab = match tab.as_str() {
        "active" => req::MyAccessTab::Active,
        "expired" => req::MyAccessTab::Expired,
        _ => req::MyAccessTab::Available,
    };
    Ok(req::my_access(&ctx()?, &actor()?, tab, &q).await?)
}
