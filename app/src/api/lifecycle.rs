//! Lifecycle server functions: access reviews, extension, the audit log and the outbox.

use crate::error::AppError;
use domain::model::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::directory::parse_id,
    super::ssr::{actor, ctx},
    domain::service::{audit, requests as req, reviews},
};

#[server]
pub async fn load_my_reviews() -> Result<Vec<ReviewCard>, AppError> {
    Ok(reviews::my_reviews(&ctx()?, &actor()?).await?)
}

#[server]
pub async fn decide_review(
    review: String,
    assignment: String,
    decision: String,
    justification: String,
) -> Result<(), AppError> {
    let review = parse_id(ReviewId::parse, &review, "access review")?;
    let assignment = parse_id(AssignmentId::parse, &assignment, "assignment")?;
    Ok(reviews::decide_review(
        &ctx()?,
        &actor()?,
        review,
        assignment,
        &decision,
        &justification,
    )
    .await?)
}

#[server]
pub async fn accept_recommendations(review: String) -> Result<u64, AppError> {
    let review = parse_id(ReviewId::parse, &review, "access review")?;
    Ok(reviews::accept_recommendations(&ctx()?, &actor()?, review).await?)
}

#[server]
pub async fn load_package_reviews(id: String) -> Result<Vec<ReviewInstance>, AppError> {
    let id = parse_id(AccessPackageId::parse, &id, "access package")?;
    Ok(reviews::package_reviews(&ctx()?, &actor()?, id).await?)
}

#[server]
pub async fn load_review_items(review: String) -> Result<Vec<ReviewItemView>, AppError> {
    let review = parse_id(ReviewId::parse, &review, "access review")?;
    Ok(reviews::review_items(&ctx()?, &actor()?, review).await?)
}

#[server]
pub async fn stop_review(review: String) -> Result<(u64, u64), AppError> {
    let review = parse_id(ReviewId::parse, &review, "access review")?;
    let o = reviews::stop_review(&ctx()?, &actor()?, review).await?;
    Ok((o.kept, o.removed))
}

/// Extends the signed-in person's access, at once or through approval.
#[server]
pub async fn extend_access(
    package: String,
    justification: String,
) -> Result<domain::model::ExtendOutcome, AppError> {
    let package = parse_id(AccessPackageId::parse, &package, "access package")?;
    let (_, outcome) = req::extend_access(&ctx()?, &actor()?, package, &justification).await?;
    Ok(match outcome {
        req::RequestOutcome::Pending { .. } | req::RequestOutcome::AwaitingExtension => {
            domain::model::ExtendOutcome::Pending
        }
        _ => domain::model::ExtendOutcome::Extended,
    })
}

/// The signed-in person gives up their access to a package (it ends now); returns how many
/// group memberships it withdrew.
#[server]
pub async fn remove_my_access(package: String) -> Result<u64, AppError> {
    let package = parse_id(AccessPackageId::parse, &package, "access package")?;
    Ok(req::remove_my_access(&ctx()?, &actor()?, package).await?)
}

/// Reads a filter date typed as YYYY-MM-DD (empty: no bound).
#[cfg(feature = "ssr")]
pub fn filter_date(field: &str, text: &str) -> Result<Option<chrono::NaiveDate>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| AppError::invalid(field, "Enter a date like 2026-12-31."))
}

#[server]
pub async fn load_audit(
    actor_q: String,
    action: String,
    target: String,
    from: String,
    to: String,
    page: u32,
) -> Result<Page<AuditEntry>, AppError> {
    let filter = AuditFilter {
        actor: actor_q,
        action,
        target,
        from: filter_date("from", &from)?,
        to: filter_date("to", &to)?,
    };
    Ok(audit::audit_log(
        &ctx()?,
        &actor()?,
        &filter,
        PageRequest::new(page, PageRequest::DEFAULT_PER_PAGE),
    )
    .await?)
}

#[server]
pub async fn load_outbox() -> Result<OutboxStatus, AppError> {
    Ok(audit::outbox_status(&ctx()?, &actor()?).await?)
}
