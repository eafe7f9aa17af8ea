//! Creating an access package with its first policy (as the wizard does), in a shape close to
//! Graph's `accessPackage` and `accessPackageAssignmentPolicy`: the body becomes the wizard's
//! draft, and `domain::service::packages::create_package` checks and saves it, with the same
//! field messages the wizard shows.

use super::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Extension;
use domain::model::*;
use domain::service::packages;
use serde::Deserialize;
use uuid::Uuid;

/// A new access package, with the policy people request it under.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAccessPackage {
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    /// The catalog (default: General).
    pub catalog_id: Option<Uuid>,
    #[serde(default)]
    pub is_hidden: bool,
    /// What it grants: a role of a group (`Member` or `Owner`).
    #[serde(default)]
    pub resource_role_scopes: Vec<NewResourceRoleScope>,
    pub assignment_policy: NewAssignmentPolicy,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewResourceRoleScope {
    /// `Member` or `Owner`.
    pub role: String,
    pub group_id: Uuid,
}

/// Graph's `accessPackageAssignmentPolicy`, for the settings Tessera has.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAssignmentPolicy {
    /// The package it is for: only when adding a policy on its own (`POST
    /// /assignmentPolicies`); left out when creating a package with it.
    pub access_package_id: Option<Uuid>,
    /// Default "Initial policy".
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Who may request: `allMemberUsers`, `allDirectoryUsers`, `specificDirectoryUsers` or
    /// `notSpecified` (administrators assign directly).
    pub allowed_target_scope: String,
    /// With `specificDirectoryUsers`: the people and groups who may request.
    #[serde(default)]
    pub specific_allowed_targets: Vec<SubjectSet>,
    #[serde(default)]
    pub requestor_settings: RequestorSettings,
    #[serde(default)]
    pub request_approval_settings: ApprovalSettings,
    /// When assignments end (default: after 365 days).
    pub expiration: Option<PolicyExpiration>,
    /// Questions the requestor answers.
    #[serde(default)]
    pub questions: Vec<NewQuestion>,
    /// Periodic access reviews (default: none).
    pub review_settings: Option<super::review_settings::ReviewSettings>,
}

/// A person or a group, as Graph's `subjectSet` (`@odata.type` names which), or the
/// requestor's manager.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "@odata.type")]
pub enum SubjectSet {
    #[serde(rename = "#microsoft.graph.requestorManager")]
    RequestorManager {},
    #[serde(rename = "#microsoft.graph.singleUser", rename_all = "camelCase")]
    SingleUser { user_id: Uuid },
    #[serde(rename = "#microsoft.graph.groupMembers", rename_all = "camelCase")]
    GroupMembers { group_id: Uuid },
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestorSettings {
    /// The policy takes new requests (default); `false`: it is switched off.
    #[serde(default = "yes")]
    pub enable_targets_to_self_add_access: bool,
    /// Requestors may ask for a period of their own.
    #[serde(default)]
    pub allow_custom_assignment_schedule: bool,
    /// Holders may ask to extend their access before it ends.
    #[serde(default)]
    pub enable_targets_to_self_update_access: bool,
}

impl Default for RequestorSettings {
    fn default() -> Self {
        Self {
            enable_targets_to_self_add_access: true,
            allow_custom_assignment_schedule: false,
            enable_targets_to_self_update_access: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalSettings {
    #[serde(default = "yes")]
    pub is_approval_required_for_add: bool,
    #[serde(default = "yes")]
    pub is_approval_required_for_update: bool,
    #[serde(default = "yes")]
    pub is_requestor_justification_required: bool,
    /// One to three stages (default: one, the requestor's manager).
    #[serde(default)]
    pub stages: Vec<NewStage>,
}

fn yes() -> bool {
    true
}

impl Default for ApprovalSettings {
    fn default() -> Self {
        Self {
            is_approval_required_for_add: true,
            is_approval_required_for_update: true,
            is_requestor_justification_required: true,
            stages: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewStage {
    /// ISO 8601 days, `P1D` to `P14D` (default `P14D`).
    pub duration_before_automatic_denial: Option<String>,
    #[serde(default = "yes")]
    pub is_approver_justification_required: bool,
    #[serde(default)]
    pub primary_approvers: Vec<SubjectSet>,
    #[serde(default)]
    pub fallback_primary_approvers: Vec<SubjectSet>,
}

/// Graph's `expirationPattern`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyExpiration {
    /// `noExpiration`, `afterDuration` or `afterDateTime`.
    #[serde(rename = "type")]
    pub kind: String,
    /// With `afterDuration`: `P<n>D` (days) or `PT<n>H` (hours).
    pub duration: Option<String>,
    /// With `afterDateTime`: the day it ends (its date is used).
    pub end_date_time: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewQuestion {
    pub text: String,
    #[serde(default)]
    pub is_required: bool,
    /// A text answer on one line (default) or several; ignored with `choices`.
    #[serde(default = "yes")]
    pub is_single_line_question: bool,
    /// A multiple-choice question's choices (otherwise a short text answer).
    #[serde(default)]
    pub choices: Vec<String>,
    /// A pattern a text answer must match.
    #[serde(default)]
    pub regex_pattern: String,
}

/// The package made: its id, and its first policy's.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedPackage {
    pub id: Uuid,
    pub assignment_policy_id: Option<Uuid>,
}

pub(super) fn principals(list: &[SubjectSet], field: &str) -> Answer<(bool, Vec<Principal>)> {
    let mut manager = false;
    let mut out = Vec::new();
    for s in list {
        match s {
            SubjectSet::RequestorManager {} => manager = true,
            SubjectSet::SingleUser { user_id } => out.push(Principal {
                kind: PrincipalKind::User,
                id: *user_id,
                name: user_id.to_string(),
                detail: String::new(),
            }),
            SubjectSet::GroupMembers { group_id } => out.push(Principal {
                kind: PrincipalKind::Group,
                id: *group_id,
                name: group_id.to_string(),
                detail: String::new(),
            }),
        }
    }
    if manager && field != "primaryApprovers" {
        return Err(Failure::field(
            field,
            "The requestor's manager can only be a primary approver.",
        ));
    }
    Ok((manager, out))
}

/// `P14D` → "14"; `PT8H` → hours "8".
fn iso_days(raw: &str) -> Option<&str> {
    raw.strip_prefix('P')?
        .strip_suffix('D')
        .filter(|d| !d.starts_with('T'))
}

fn iso_hours(raw: &str) -> Option<&str> {
    raw.strip_prefix("PT")?.strip_suffix('H')
}

/// `Member` or `Owner` (as Graph names them; the stored lower-case codes too).
pub(super) fn resource_role(raw: &str) -> Option<ResourceRole> {
    match raw.trim() {
        "Member" | "member" => Some(ResourceRole::Member),
        "Owner" | "owner" => Some(ResourceRole::Owner),
        _ => None,
    }
}

/// The wizard's draft for this body; problems the shape alone shows come back by field.
fn draft(new: &NewAccessPackage, today: chrono::NaiveDate) -> Answer<PackageDraft> {
    let mut d = PackageDraft::new(today);
    d.name = new.display_name.clone();
    d.description = new.description.clone();
    d.catalog_id = new
        .catalog_id
        .map_or_else(|| CatalogId::GENERAL.to_string(), |c| c.to_string());
    d.hidden = new.is_hidden;
    for r in &new.resource_role_scopes {
        let role = resource_role(&r.role)
            .ok_or_else(|| Failure::field("resourceRoleScopes", "role must be Member or Owner."))?;
        d.resources.push(ResourceRoleDraft {
            group_id: GroupId(r.group_id),
            group_name: r.group_id.to_string(),
            role,
        });
    }
    if new.assignment_policy.access_package_id.is_some() {
        return Err(Failure::field(
            "assignmentPolicy.accessPackageId",
            "Leave accessPackageId out: the policy is for the package being created.",
        ));
    }
    policy_draft(&new.assignment_policy, &mut d.policy)?;
    Ok(d)
}

/// Sets a fresh draft from the body's policy: every part of it, given or defaulted.
pub(super) fn policy_draft(p: &NewAssignmentPolicy, policy: &mut PolicyDraft) -> Answer<()> {
    apply_policy(
        &PolicyChange {
            display_name: p.display_name.clone(),
            description: Some(p.description.clone()),
            allowed_target_scope: Some(p.allowed_target_scope.clone()),
            specific_allowed_targets: Some(p.specific_allowed_targets.clone()),
            requestor_settings: Some(p.requestor_settings.clone()),
            request_approval_settings: Some(p.request_approval_settings.clone()),
            expiration: p.expiration.clone(),
            questions: Some(p.questions.clone()),
            review_settings: p.review_settings.clone(),
        },
        policy,
    )
}

/// What `PATCH /assignmentPolicies/{id}` may change. Each part given replaces that part of
/// the policy (a list whole); what is left out stays as it is, including what the API does
/// not show (a stage's forwarding), which only the browser edits.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyChange {
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub allowed_target_scope: Option<String>,
    pub specific_allowed_targets: Option<Vec<SubjectSet>>,
    pub requestor_settings: Option<RequestorSettings>,
    pub request_approval_settings: Option<ApprovalSettings>,
    pub expiration: Option<PolicyExpiration>,
    pub questions: Option<Vec<NewQuestion>>,
    pub review_settings: Option<super::review_settings::ReviewSettings>,
}

/// Applies the parts `p` gives to `policy`; problems the shape alone shows come back by field
/// (the use case checks the rest, with the wizard's messages).
pub(super) fn apply_policy(p: &PolicyChange, policy: &mut PolicyDraft) -> Answer<()> {
    if let Some(name) = &p.display_name {
        policy.name = name.clone();
    }
    if let Some(description) = &p.description {
        policy.description = description.clone();
    }
    if let Some(scope) = &p.allowed_target_scope {
        policy.scope = TargetScope::parse(scope).map_err(|_| {
            Failure::field(
                "allowedTargetScope",
                "allowedTargetScope must be allMemberUsers, allDirectoryUsers, specificDirectoryUsers or notSpecified.",
            )
        })?;
    }
    if let Some(specific) = &p.specific_allowed_targets {
        policy.specific = principals(specific, "specificAllowedTargets")?.1;
    }
    if let Some(r) = &p.requestor_settings {
        policy.enabled = r.enable_targets_to_self_add_access;
        policy.custom_timeline = r.allow_custom_assignment_schedule;
        policy.allow_extension = r.enable_targets_to_self_update_access;
    }
    if let Some(a) = &p.request_approval_settings {
        approval(a, policy)?;
    }
    if let Some(e) = &p.expiration {
        expiration(e, policy)?;
    }
    if let Some(review) = &p.review_settings {
        review.apply(&mut policy.review)?;
    }
    if let Some(questions) = &p.questions {
        policy.questions = questions
            .iter()
            .enumerate()
            .map(|(i, q)| QuestionDraft {
                key: u32::try_from(i).unwrap_or(u32::MAX),
                text: q.text.clone(),
                format: if !q.choices.is_empty() {
                    AnswerFormat::MultipleChoice
                } else if q.is_single_line_question {
                    AnswerFormat::ShortText
                } else {
                    AnswerFormat::LongText
                },
                choices: q.choices.join("\n"),
                required: q.is_required,
                pattern: q.regex_pattern.clone(),
            })
            .collect();
    }
    Ok(())
}

fn approval(a: &ApprovalSettings, policy: &mut PolicyDraft) -> Answer<()> {
    policy.require_approval = a.is_approval_required_for_add;
    policy.extension_requires_approval = a.is_approval_required_for_update;
    policy.require_requestor_justification = a.is_requestor_justification_required;
    if !a.stages.is_empty() {
        policy.set_stage_count(a.stages.len());
        if a.stages.len() > policy.stages.len() {
            return Err(Failure::field(
                "stages",
                "A policy has at most 3 approval stages.",
            ));
        }
        for (stage, s) in policy.stages.iter_mut().zip(&a.stages) {
            let (manager, approvers) = principals(&s.primary_approvers, "primaryApprovers")?;
            stage.manager_as_approver = manager;
            stage.approvers = approvers;
            stage.fallback =
                principals(&s.fallback_primary_approvers, "fallbackPrimaryApprovers")?.1;
            stage.require_justification = s.is_approver_justification_required;
            if let Some(raw) = &s.duration_before_automatic_denial {
                stage.decision_days = iso_days(raw)
                    .ok_or_else(|| {
                        Failure::field(
                            "durationBeforeAutomaticDenial",
                            "durationBeforeAutomaticDenial must be days, like P14D.",
                        )
                    })?
                    .to_owned();
            }
        }
    }
    Ok(())
}

fn expiration(e: &PolicyExpiration, policy: &mut PolicyDraft) -> Answer<()> {
    {
        match e.kind.as_str() {
            "noExpiration" => policy.expiry_kind = ExpiryKind::Never,
            "afterDuration" => {
                let raw = e.duration.as_deref().unwrap_or_default();
                if let Some(days) = iso_days(raw) {
                    policy.expiry_kind = ExpiryKind::Days;
                    policy.expiry_days = days.to_owned();
                } else if let Some(hours) = iso_hours(raw) {
                    policy.expiry_kind = ExpiryKind::Hours;
                    policy.expiry_hours = hours.to_owned();
                } else {
                    return Err(Failure::field(
                        "expiration.duration",
                        "duration must be days (P365D) or hours (PT8H).",
                    ));
                }
            }
            "afterDateTime" => {
                let at = e.end_date_time.ok_or_else(|| {
                    Failure::field("expiration.endDateTime", "Give the endDateTime.")
                })?;
                policy.expiry_kind = ExpiryKind::OnDate;
                policy.expiry_date = at.date_naive().format("%Y-%m-%d").to_string();
            }
            _ => {
                return Err(Failure::field(
                    "expiration.type",
                    "type must be noExpiration, afterDuration or afterDateTime.",
                ));
            }
        }
    }
    Ok(())
}

#[utoipa::path(
    post, path = "/api/v1/accessPackages", tag = "accessPackages",
    summary = "Create an access package with the policy people request it under (as the wizard does)",
    description = "Send an `Idempotency-Key` header to make a retry safe: a POST repeated with the same key and body within 24 hours gets the first answer again and creates nothing more.",
    request_body = NewAccessPackage,
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique text (at most 200 characters), e.g. a UUID")),
    responses(
        (status = 201, body = CreatedPackage),
        Refused,
        RefusedChange,
    )
)]
pub(super) async fn create_package(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let path = format!("{BASE}/accessPackages");
    super::routes::idempotent(&state, &caller, &path, &headers, &bytes, || async {
        let new: NewAccessPackage = super::routes::body(&headers, &bytes)?;
        let actor = caller.writer()?;
        let d = draft(&new, state.ctx.clock.now().date_naive())?;
        let id = packages::create_package(&state.ctx, actor, &d)
            .await
            .map_err(|e| super::renamed(e, &[("name", "displayName")]))?;
        let policy = packages::detail(&state.ctx, actor, id)
            .await?
            .policies
            .first()
            .map(|p| p.id.0);
        Ok(CreatedPackage {
            id: id.0,
            assignment_policy_id: policy,
        })
    })
    .await
}

/// A person of the directory.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: Uuid,
    pub display_name: String,
    pub mail: String,
    /// `member` or `guest`.
    pub user_type: String,
    pub department: String,
    pub job_title: String,
    pub account_enabled: bool,
    pub manager: Option<Subject>,
}

impl From<&UserSummary> for User {
    fn from(u: &UserSummary) -> Self {
        Self {
            id: u.id.0,
            display_name: u.display_name.clone(),
            mail: u.email.clone(),
            user_type: u.user_type.code().to_owned(),
            department: u.department.clone(),
            job_title: u.job_title.clone(),
            account_enabled: u.enabled,
            manager: u.manager.as_ref().map(Subject::from),
        }
    }
}

/// A group of the directory.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: Uuid,
    pub display_name: String,
    pub description: String,
    /// `security` or `microsoft365`.
    pub group_type: String,
    pub member_count: i64,
    /// Licenses its members get.
    pub licenses: Vec<String>,
}

impl From<&GroupSummary> for Group {
    fn from(g: &GroupSummary) -> Self {
        Self {
            id: g.id.0,
            display_name: g.name.clone(),
            description: g.description.clone(),
            group_type: g.kind.code().to_owned(),
            member_count: g.member_count,
            licenses: g.licenses.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Words of the name (or a person's e-mail).
    search: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/users", tag = "directory",
    summary = "People of the directory, by name (directory administrators)",
    params(DirectoryQuery, super::routes::Paging),
    responses(
        (status = 200, body = Collection<User>),
        Refused,
    )
)]
pub(super) async fn list_users(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<axum::extract::Query<DirectoryQuery>, axum::extract::rejection::QueryRejection>,
    paging: Result<
        axum::extract::Query<super::routes::Paging>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Answer<Json<Collection<User>>> {
    let (q, paging) = (super::routes::query(q)?, super::routes::query(paging)?);
    let text = q.search.as_deref().map(str::trim).unwrap_or_default();
    let page =
        domain::service::directory::search_users(&state.ctx, caller.reader(), text, paging.page()?)
            .await?;
    Ok(Json(super::routes::collection(
        page,
        &format!("{BASE}/users"),
        &[("search", text)],
    )))
}

#[utoipa::path(
    get, path = "/api/v1/groups", tag = "directory",
    summary = "Groups of the directory, by name (directory administrators)",
    params(DirectoryQuery, super::routes::Paging),
    responses(
        (status = 200, body = Collection<Group>),
        Refused,
    )
)]
pub(super) async fn list_groups(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    q: Result<axum::extract::Query<DirectoryQuery>, axum::extract::rejection::QueryRejection>,
    paging: Result<
        axum::extract::Query<super::routes::Paging>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Answer<Json<Collection<Group>>> {
    let (q, paging) = (super::routes::query(q)?, super::routes::query(paging)?);
    let text = q.search.as_deref().map(str::trim).unwrap_or_default();
    let page = domain::service::directory::search_groups(
        &state.ctx,
        caller.reader(),
        text,
        paging.page()?,
    )
    .await?;
    Ok(Json(super::routes::collection(
        page,
        &format!("{BASE}/groups"),
        &[("search", text)],
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> NewAccessPackage {
        serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_graph_shaped_body_becomes_the_wizards_draft() {
        let group = Uuid::from_u128(7);
        let fiona = Uuid::from_u128(8);
        let new = body(serde_json::json!({
            "displayName": "Office Licenses",
            "resourceRoleScopes": [{"role": "Member", "groupId": group}],
            "assignmentPolicy": {
                "allowedTargetScope": "allMemberUsers",
                "requestApprovalSettings": {"stages": [{
                    "durationBeforeAutomaticDenial": "P7D",
                    "primaryApprovers": [{"@odata.type": "#microsoft.graph.requestorManager"}],
                    "fallbackPrimaryApprovers": [{"@odata.type": "#microsoft.graph.singleUser", "userId": fiona}]
                }]},
                "expiration": {"type": "afterDuration", "duration": "PT8H"},
                "questions": [{"text": "Which team?", "isRequired": true, "choices": ["Sales", "Legal"]}]
            }
        }));
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        let d = draft(&new, today).unwrap_or_else(|_| panic!("a draft"));
        assert_eq!(d.name, "Office Licenses");
        assert_eq!(d.catalog_id, CatalogId::GENERAL.to_string());
        assert_eq!(d.resources[0].group_id, GroupId(group));
        let p = &d.policy;
        assert_eq!(p.scope, TargetScope::AllMemberUsers);
        assert!(p.require_approval && p.stages[0].manager_as_approver);
        assert_eq!(p.stages[0].decision_days, "7");
        assert_eq!(p.stages[0].fallback[0].id, fiona);
        assert_eq!(
            (p.expiry_kind, p.expiry_hours.as_str()),
            (ExpiryKind::Hours, "8")
        );
        assert_eq!(p.questions[0].format, AnswerFormat::MultipleChoice);
        assert_eq!(p.questions[0].choices, "Sales\nLegal");
    }

    #[test]
    fn shapes_the_wizard_has_no_field_for_are_refused_by_name() {
        let base = |policy: serde_json::Value| {
            body(serde_json::json!({"displayName": "x", "assignmentPolicy": policy}))
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        let field = |b: NewAccessPackage| draft(&b, today).err().map(|f| f.fields[0].field.clone());
        assert_eq!(
            field(base(serde_json::json!({"allowedTargetScope": "everyone"}))).as_deref(),
            Some("allowedTargetScope")
        );
        assert_eq!(
            field(base(serde_json::json!({"allowedTargetScope": "allMemberUsers", "expiration": {"type": "afterDuration", "duration": "1 year"}}))).as_deref(),
            Some("expiration.duration")
        );
        assert_eq!(
            field(base(serde_json::json!({"allowedTargetScope": "allMemberUsers", "requestApprovalSettings": {"stages": [{"fallbackPrimaryApprovers": [{"@odata.type": "#microsoft.graph.requestorManager"}]}]}}))).as_deref(),
            Some("fallbackPrimaryApprovers")
        );
        assert!(serde_json::from_value::<NewAccessPackage>(serde_json::json!({"displayName": "x", "assignmentPolicy": {"allowedTargetScope": "allMemberUsers", "surprise": 1}})).is_err());
    }
}

/// A license and its seats: Graph's `subscribedSku`, for Tessera's licenses.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct License {
    pub id: Uuid,
    /// The license's name (Graph's `skuPartNumber`).
    pub display_name: String,
    /// Seats bought (Graph's `prepaidUnits.enabled`).
    pub seat_count: i64,
    /// Seats in use (Graph's `consumedUnits`).
    pub consumed_units: i64,
    pub available_units: i64,
    /// People who hold it through its groups, counting those beyond the seats.
    pub holder_count: i64,
    /// People beyond the seat count.
    pub over_seat_count: i64,
    /// The groups that carry it.
    pub groups: Vec<Ref>,
}

impl From<&LicenseSummary> for License {
    fn from(l: &LicenseSummary) -> Self {
        Self {
            id: l.id.0,
            display_name: l.name.clone(),
            seat_count: l.seats,
            consumed_units: l.usage.used,
            available_units: l.usage.available,
            holder_count: l.usage.holders,
            over_seat_count: l.usage.violations,
            groups: l
                .groups
                .iter()
                .map(|(id, name)| Ref {
                    id: id.0,
                    display_name: name.clone(),
                })
                .collect(),
        }
    }
}

#[utoipa::path(
    get, path = "/api/v1/licenses", tag = "directory",
    summary = "Licenses with their seats in use, by name (directory administrators; at most 500)",
    responses(
        (status = 200, body = Collection<License>),
        Refused,
    )
)]
pub(super) async fn list_licenses(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
) -> Answer<Json<Collection<License>>> {
    let all = domain::service::directory::list_licenses(&state.ctx, caller.reader()).await?;
    Ok(Json(super::routes::whole(&all)))
}
