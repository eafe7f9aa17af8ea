//! Changing what a GET gave, without losing someone else's change: a package's and a policy's
//! representation carries its version as an ETag (`"v12"`, also `@odata.etag` in bodies), a
//! change must send it back in `If-Match`, and the use case applies the change only if the
//! version is still that one (`412 Precondition Failed` otherwise; `428 Precondition
//! Required` without one).

use super::packages::{
    ApprovalSettings, NewQuestion, NewStage, PolicyChange, PolicyExpiration, RequestorSettings,
    SubjectSet, apply_policy,
};
use super::routes::{body, id_of, path};
use super::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path};
use domain::model::*;
use domain::service::packages;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A version as an entity tag.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// The version an `If-Match` names: its one entity tag (weak or strong) of the form
/// Tessera gives. Missing is 428; `*` or a list or another form is 412 with words, since
/// Tessera cannot tell which version the caller read.
pub(super) fn if_match(headers: &HeaderMap) -> Answer<i64> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Err(Failure::new(
            StatusCode::PRECONDITION_REQUIRED,
            "Send If-Match with the ETag (or @odata.etag) of the GET you made the change from, so that no one else's change is lost.",
        ));
    };
    raw.to_str()
        .ok()
        .map(str::trim)
        .map(|t| t.strip_prefix("W/").unwrap_or(t))
        .and_then(|t| t.strip_prefix("\"v"))
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            Failure::new(
                StatusCode::PRECONDITION_FAILED,
                "If-Match must be one ETag as Tessera gave it, like \"v3\".",
            )
        })
}

/// A package answered with its version as the ETag header.
pub(super) fn with_etag(detail: &PackageDetail) -> Response {
    let mut r = Json(AccessPackageDetail::from(detail)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(detail.summary.version)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// What `PATCH /accessPackages/{id}` may change; what is left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageChange {
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub is_hidden: Option<bool>,
}

#[utoipa::path(
    patch, path = "/api/v1/accessPackages/{id}", tag = "accessPackages",
    summary = "Change an access package's name, description or Hidden, from the version If-Match names",
    params(
        ("id" = Uuid, Path, description = "The access package's id"),
        ("If-Match" = String, Header, description = "The ETag (or @odata.etag) of the GET the change is made from, like \"v3\""),
    ),
    request_body = PackageChange,
    responses(
        (status = 200, body = AccessPackageDetail, description = "Changed; its new ETag is in the ETag header",
            headers(("ETag" = String, description = "The package's new version"))),
        (status = 412, body = Problem, content_type = "application/problem+json",
            description = "Someone changed the package since that ETag was read, or If-Match is not one ETag"),
        (status = 428, body = Problem, content_type = "application/problem+json",
            description = "No If-Match was sent"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn update_package(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<Response> {
    let id = AccessPackageId(id_of(&path(id)?, "access package")?);
    let change: PackageChange = body(&headers, &bytes)?;
    let expected = if_match(&headers)?;
    let actor = caller.writer()?;
    let current = packages::detail(&state.ctx, actor, id).await?.summary;
    packages::update_basics(
        &state.ctx,
        actor,
        id,
        change.display_name.as_deref().unwrap_or(&current.name),
        change
            .description
            .as_deref()
            .unwrap_or(&current.description),
        change.is_hidden.unwrap_or(current.hidden),
        Some(expected),
    )
    .await
    .map_err(|e| super::renamed(e, &[("name", "displayName")]))?;
    Ok(with_etag(&packages::detail(&state.ctx, actor, id).await?))
}

/// A policy's settings in the API's shape: what `PATCH /assignmentPolicies/{id}` takes back,
/// part by part.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentPolicyDetail {
    /// The version to send in `If-Match` when changing it (also the `ETag` header).
    #[serde(rename = "@odata.etag")]
    pub etag: String,
    pub id: Uuid,
    pub access_package_id: Uuid,
    pub display_name: String,
    pub description: String,
    /// `allMemberUsers`, `allDirectoryUsers`, `specificDirectoryUsers` or `notSpecified`.
    pub allowed_target_scope: String,
    pub specific_allowed_targets: Vec<SubjectSet>,
    pub requestor_settings: RequestorSettings,
    pub request_approval_settings: ApprovalSettings,
    pub expiration: PolicyExpiration,
    pub questions: Vec<NewQuestion>,
    /// Access reviews are set on it (`reviewSettings.isEnabled`).
    pub has_access_reviews: bool,
    pub review_settings: super::review_settings::ReviewSettings,
    /// Live assignments given under it.
    pub active_assignment_count: i64,
}

pub(super) fn subjects(list: &[Principal]) -> Vec<SubjectSet> {
    list.iter()
        .map(|p| match p.kind {
            PrincipalKind::User => SubjectSet::SingleUser { user_id: p.id },
            PrincipalKind::Group => SubjectSet::GroupMembers { group_id: p.id },
        })
        .collect()
}

impl AssignmentPolicyDetail {
    pub(super) fn of(package: AccessPackageId, v: &PolicyView) -> Self {
        let d = &v.draft;
        let stages = d
            .stages
            .iter()
            .map(|s| NewStage {
                duration_before_automatic_denial: Some(format!("P{}D", s.decision_days.trim())),
                is_approver_justification_required: s.require_justification,
                primary_approvers: s
                    .manager_as_approver
                    .then_some(SubjectSet::RequestorManager {})
                    .into_iter()
                    .chain(subjects(&s.approvers))
                    .collect(),
                fallback_primary_approvers: subjects(&s.fallback),
            })
            .collect();
        let (kind, duration, end) = match d.expiry_kind {
            ExpiryKind::Never => ("noExpiration", None, None),
            ExpiryKind::Days => (
                "afterDuration",
                Some(format!("P{}D", d.expiry_days.trim())),
                None,
            ),
            ExpiryKind::Hours => (
                "afterDuration",
                Some(format!("PT{}H", d.expiry_hours.trim())),
                None,
            ),
            ExpiryKind::OnDate => (
                "afterDateTime",
                None,
                chrono::NaiveDate::parse_from_str(d.expiry_date.trim(), "%Y-%m-%d")
                    .ok()
                    .and_then(|day| day.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc()),
            ),
        };
        Self {
            etag: etag(v.version),
            id: v.id.0,
            access_package_id: package.0,
            display_name: v.name.clone(),
            description: v.description.clone(),
            allowed_target_scope: d.scope.code().to_owned(),
            specific_allowed_targets: subjects(&d.specific),
            requestor_settings: RequestorSettings {
                enable_targets_to_self_add_access: d.enabled,
                allow_custom_assignment_schedule: d.custom_timeline,
                enable_targets_to_self_update_access: d.allow_extension,
            },
            request_approval_settings: ApprovalSettings {
                is_approval_required_for_add: d.require_approval,
                is_approval_required_for_update: d.extension_requires_approval,
                is_requestor_justification_required: d.require_requestor_justification,
                stages,
            },
            expiration: PolicyExpiration {
                kind: kind.to_owned(),
                duration,
                end_date_time: end,
            },
            questions: d
                .questions
                .iter()
                .map(|q| NewQuestion {
                    text: q.text.clone(),
                    is_required: q.required,
                    is_single_line_question: q.format != AnswerFormat::LongText,
                    choices: if q.format == AnswerFormat::MultipleChoice {
                        q.choices
                            .lines()
                            .map(str::trim)
                            .filter(|c| !c.is_empty())
                            .map(str::to_owned)
                            .collect()
                    } else {
                        Vec::new()
                    },
                    regex_pattern: q.pattern.clone(),
                })
                .collect(),
            has_access_reviews: v.spec.review.is_some(),
            review_settings: super::review_settings::ReviewSettings::of(&d.review),
            active_assignment_count: v.active_assignments,
        }
    }
}

/// A policy answered with its version as the ETag header.
fn policy_with_etag(package: AccessPackageId, v: &PolicyView) -> Response {
    let mut r = Json(AssignmentPolicyDetail::of(package, v)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(v.version)) {
        r.headers_mut().insert(header::ETAG, value);
    }
    r
}

#[utoipa::path(
    get, path = "/api/v1/assignmentPolicies/{id}", tag = "accessPackages",
    summary = "One policy with its settings (who may request, approval stages, expiry, questions)",
    params(("id" = Uuid, Path, description = "The policy's id")),
    responses(
        (status = 200, body = AssignmentPolicyDetail,
            headers(("ETag" = String, description = "The policy's version, for If-Match when changing it"))),
        Refused,
    )
)]
pub(super) async fn get_policy(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Answer<Response> {
    let id = PolicyId(id_of(&path(id)?, "policy")?);
    let (package, view) = packages::policy_detail(&state.ctx, caller.reader(), id).await?;
    Ok(policy_with_etag(package, &view))
}

#[utoipa::path(
    patch, path = "/api/v1/assignmentPolicies/{id}", tag = "accessPackages",
    summary = "Change parts of a policy, from the version If-Match names; parts left out stay",
    params(
        ("id" = Uuid, Path, description = "The policy's id"),
        ("If-Match" = String, Header, description = "The ETag (or @odata.etag) of the GET the change is made from, like \"v3\""),
    ),
    request_body = PolicyChange,
    responses(
        (status = 200, body = AssignmentPolicyDetail, description = "Changed; its new ETag is in the ETag header",
            headers(("ETag" = String, description = "The policy's new version"))),
        (status = 412, body = Problem, content_type = "application/problem+json",
            description = "Someone changed the policy since that ETag was read, or If-Match is not one ETag"),
        (status = 428, body = Problem, content_type = "application/problem+json",
            description = "No If-Match was sent"),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn update_policy(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer<Response> {
    let id = PolicyId(id_of(&path(id)?, "policy")?);
    let change: PolicyChange = body(&headers, &bytes)?;
    let expected = if_match(&headers)?;
    let actor = caller.writer()?;
    let (_, current) = packages::policy_detail(&state.ctx, actor, id).await?;
    let mut draft = current.draft;
    apply_policy(&change, &mut draft)?;
    packages::update_policy(&state.ctx, actor, id, &draft, Some(expected)).await?;
    let (package, view) = packages::policy_detail(&state.ctx, actor, id).await?;
    Ok(policy_with_etag(package, &view))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn if_match_takes_the_etag_tessera_gave_weak_or_strong() {
        assert_eq!(if_match(&with("\"v3\"")).ok(), Some(3));
        assert_eq!(if_match(&with("W/\"v12\"")).ok(), Some(12));
        assert_eq!(if_match(&with(&etag(7))).ok(), Some(7));
    }

    #[test]
    fn if_match_missing_is_428_and_anything_else_412() {
        let status = |h: &HeaderMap| if_match(h).err().map(|f| f.status);
        assert_eq!(
            status(&HeaderMap::new()),
            Some(StatusCode::PRECONDITION_REQUIRED)
        );
        for bad in ["*", "\"3\"", "\"v3\", \"v4\"", "\"v-1\"", "\"v0\"", "v3"] {
            assert_eq!(
                status(&with(bad)),
                Some(StatusCode::PRECONDITION_FAILED),
                "{bad}"
            );
        }
    }
}
