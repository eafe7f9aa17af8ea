//! Access reviews through the API, in the shape of Graph's access reviews (`accessReviewInstance`,
//! `accessReviewInstanceDecisionItem`): a reviewer's own reviews and decisions, accepting the
//! recommendations, and, for administrators, a package's reviews, every decision of one, and
//! stopping one early. Each call runs `domain::service::reviews`' use case, as the pages do.

use super::routes::{Paging, body, collection, id_of, path, query, whole};
use super::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, Path, Query};
use chrono::{DateTime, Utc};
use domain::model::*;
use domain::service::reviews;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A review of a package's assignments: Graph's `accessReviewInstance`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessReviewInstance {
    pub id: Uuid,
    /// The policy whose review settings started it.
    pub display_name: String,
    pub start_date_time: DateTime<Utc>,
    pub end_date_time: DateTime<Utc>,
    /// `InProgress` or `Completed`.
    pub status: String,
    /// What happens to access nobody decided: `No change`, `Remove access` or `Take
    /// recommendations`.
    pub if_no_response: String,
    pub decision_counts: DecisionCounts,
    /// After it ends: access kept and removed.
    pub kept_count: i64,
    pub removed_count: i64,
    /// Who stopped it early, if someone did.
    pub stopped_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionCounts {
    pub total: i64,
    pub approved: i64,
    pub denied: i64,
    pub dont_know: i64,
    pub not_reviewed: i64,
}

impl From<&ReviewInstance> for AccessReviewInstance {
    fn from(i: &ReviewInstance) -> Self {
        Self {
            id: i.id.0,
            display_name: i.policy_name.clone(),
            start_date_time: i.starts_at,
            end_date_time: i.ends_at,
            status: match i.state {
                ReviewState::Active => "InProgress",
                ReviewState::Completed => "Completed",
            }
            .to_owned(),
            if_no_response: i.if_no_response.clone(),
            decision_counts: DecisionCounts {
                total: i.total,
                approved: i.approved,
                denied: i.denied,
                dont_know: i.dont_know,
                not_reviewed: i.undecided(),
            },
            kept_count: i.kept,
            removed_count: i.removed,
            stopped_by: i.stopped_by.clone(),
        }
    }
}

/// One person's access under review: Graph's `accessReviewInstanceDecisionItem`. Its `id` is
/// the assignment's.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessReviewDecision {
    pub id: Uuid,
    pub principal: Subject,
    /// `Approve`, `Deny`, `DontKnow` or `NotReviewed`.
    pub decision: String,
    pub justification: String,
    /// The decision helper's `Approve` or `Deny` (`NotAvailable` without helpers), and why.
    pub recommendation: String,
    pub recommendation_reason: String,
    /// Who decided last, and when.
    pub reviewed_by: Option<String>,
    pub reviewed_date_time: Option<DateTime<Utc>>,
    /// After the review: `kept` or `removed`.
    pub apply_result: Option<String>,
}

fn graph_decision(d: ReviewDecision) -> &'static str {
    match d {
        ReviewDecision::Approve => "Approve",
        ReviewDecision::Deny => "Deny",
        ReviewDecision::DontKnow => "DontKnow",
    }
}

impl From<&ReviewItemView> for AccessReviewDecision {
    fn from(v: &ReviewItemView) -> Self {
        Self {
            id: v.assignment_id.0,
            principal: Subject::from(&v.person),
            decision: v.decision.map_or("NotReviewed", graph_decision).to_owned(),
            justification: v.justification.clone(),
            recommendation: v
                .recommendation
                .as_ref()
                .map_or("NotAvailable", |(d, _)| graph_decision(*d))
                .to_owned(),
            recommendation_reason: v
                .recommendation
                .as_ref()
                .map(|(_, why)| why.clone())
                .unwrap_or_default(),
            reviewed_by: v.decided.as_ref().map(|(who, _)| who.clone()),
            reviewed_date_time: v.decided.as_ref().map(|(_, at)| *at),
            apply_result: v.result.map(|r| r.code().to_owned()),
        }
    }
}

/// A review the token's person takes part in, with the decisions that are theirs to make.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyAccessReview {
    pub id: Uuid,
    pub access_package: Ref,
    pub start_date_time: DateTime<Utc>,
    pub end_date_time: DateTime<Utc>,
    pub is_justification_required: bool,
    /// Recommendations are shown (and `acceptRecommendations` may be used).
    pub has_recommendations: bool,
    pub decided_count: i64,
    pub total_count: i64,
    pub decisions: Vec<AccessReviewDecision>,
}

impl From<&ReviewCard> for MyAccessReview {
    fn from(c: &ReviewCard) -> Self {
        Self {
            id: c.id.0,
            access_package: Ref {
                id: c.package_id.0,
                display_name: c.package_name.clone(),
            },
            start_date_time: c.starts_at,
            end_date_time: c.ends_at,
            is_justification_required: c.require_justification,
            has_recommendations: c.decision_helpers,
            decided_count: c.decided,
            total_count: c.total,
            decisions: c.items.iter().map(AccessReviewDecision::from).collect(),
        }
    }
}

/// A reviewer's decision on one person's access.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewDecisionChange {
    /// `Approve`, `Deny` or `DontKnow`.
    pub decision: String,
    #[serde(default)]
    pub justification: String,
}

/// What accepting the recommendations did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationsAccepted {
    /// Undecided items that took their recommendation.
    pub decisions_recorded: u64,
}

/// What stopping a review did: its results, applied at once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewStopped {
    pub kept_count: u64,
    pub removed_count: u64,
    /// Every result is applied (a very large review finishes in the scheduler's next runs).
    pub completed: bool,
}

#[utoipa::path(
    get, path = "/api/v1/me/accessReviews", tag = "me",
    summary = "Reviews waiting for my decisions, with the decisions that are mine (at most 50)",
    responses(
        (status = 200, body = Collection<MyAccessReview>),
        Refused,
    )
)]
pub(super) async fn my_reviews(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
) -> Answer<Json<Collection<MyAccessReview>>> {
    let cards = reviews::my_reviews(&state.ctx, caller.reader()).await?;
    Ok(Json(whole(&cards)))
}

#[utoipa::path(
    get, path = "/api/v1/accessPackages/{id}/accessReviews", tag = "accessReviews",
    summary = "A package's reviews with their progress, newest first (its catalog's administrators; at most 50)",
    params(("id" = Uuid, Path, description = "The access package's id")),
    responses(
        (status = 200, body = Collection<AccessReviewInstance>),
        Refused,
    )
)]
pub(super) async fn package_reviews(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<Json<Collection<AccessReviewInstance>>> {
    let id = AccessPackageId(id_of(&path(id)?, "access package")?);
    let found = reviews::package_reviews(&state.ctx, caller.reader(), id).await?;
    Ok(Json(whole(&found)))
}

#[utoipa::path(
    get, path = "/api/v1/accessReviews/{id}/decisions", tag = "accessReviews",
    summary = "The decisions of one review, a page at a time, people by name (its catalog's administrators)",
    params(("id" = Uuid, Path, description = "The review's id"), Paging),
    responses(
        (status = 200, body = Collection<AccessReviewDecision>),
        Refused,
    )
)]
pub(super) async fn review_decisions(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer<Json<Collection<AccessReviewDecision>>> {
    let id = ReviewId(id_of(&path(id)?, "access review")?);
    let page = query(paging)?.page()?;
    let items = reviews::review_items_page(&state.ctx, caller.reader(), id, page).await?;
    Ok(Json(collection(
        items,
        &format!("{BASE}/accessReviews/{id}/decisions"),
        &[],
    )))
}

#[utoipa::path(
    patch, path = "/api/v1/accessReviews/{id}/decisions/{assignmentId}", tag = "accessReviews",
    summary = "Record my decision on one person's access (until the review ends; 409 after)",
    params(
        ("id" = Uuid, Path, description = "The review's id"),
        ("assignmentId" = Uuid, Path, description = "The decision's id: the assignment under review"),
    ),
    request_body = ReviewDecisionChange,
    responses(
        (status = 204, description = "Recorded"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn decide(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    ids: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<StatusCode> {
    let (id, assignment) = path(ids)?;
    let id = ReviewId(id_of(&id, "access review")?);
    let assignment = AssignmentId(id_of(&assignment, "review decision")?);
    let change: ReviewDecisionChange = body(&headers, &bytes)?;
    let code = match change.decision.as_str() {
        "Approve" => "approve",
        "Deny" => "deny",
        "DontKnow" => "dontKnow",
        _ => {
            return Err(Failure::field(
                "decision",
                "decision must be Approve, Deny or DontKnow.",
            ));
        }
    };
    reviews::decide_review(
        &state.ctx,
        caller.writer()?,
        id,
        assignment,
        code,
        &change.justification,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/v1/accessReviews/{id}/acceptRecommendations", tag = "accessReviews",
    summary = "My undecided decisions in a review take their recommendation",
    params(("id" = Uuid, Path, description = "The review's id")),
    responses(
        (status = 200, body = RecommendationsAccepted),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn accept_recommendations(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<Json<RecommendationsAccepted>> {
    let id = ReviewId(id_of(&path(id)?, "access review")?);
    let n = reviews::accept_recommendations(&state.ctx, caller.writer()?, id).await?;
    Ok(Json(RecommendationsAccepted {
        decisions_recorded: n,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/accessReviews/{id}/stop", tag = "accessReviews",
    summary = "End a review now and apply its results (the catalog's assignment managers; 409 once ended)",
    params(("id" = Uuid, Path, description = "The review's id")),
    responses(
        (status = 200, body = ReviewStopped),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn stop(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<Json<ReviewStopped>> {
    let id = ReviewId(id_of(&path(id)?, "access review")?);
    let outcome = reviews::stop_review(&state.ctx, caller.writer()?, id).await?;
    Ok(Json(ReviewStopped {
        kept_count: outcome.kept,
        removed_count: outcome.removed,
        completed: outcome.completed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_take_graphs_names() {
        assert_eq!(graph_decision(ReviewDecision::DontKnow), "DontKnow");
        for d in ReviewDecision::ALL {
            let name = graph_decision(*d);
            assert_eq!(name.to_lowercase(), d.code().to_lowercase());
        }
    }
}
