//! The API's resources: Microsoft Graph's entitlement-management names and shapes where it
//! has them (`displayName`, `accessPackage`, `requestType`, `schedule.expiration`), made from
//! the domain's views. Nothing here decides anything.

use chrono::{DateTime, Utc};
use domain::model::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A page of a list: Graph's `value`, with `@odata.count` (all that match) and
/// `@odata.nextLink` (the next page's URL) while more remain.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collection<T: ToSchema> {
    pub value: Vec<T>,
    #[serde(rename = "@odata.count")]
    pub count: i64,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// Something named, pointed at.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ref {
    pub id: Uuid,
    pub display_name: String,
}

/// A person, pointed at.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub id: Uuid,
    pub display_name: String,
    pub mail: String,
}

impl From<&UserRef> for Subject {
    fn from(u: &UserRef) -> Self {
        Self {
            id: u.id.0,
            display_name: u.display_name.clone(),
            mail: u.email.clone(),
        }
    }
}

/// The token's person, and what the token lets it reach.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: Uuid,
    pub display_name: String,
    pub mail: String,
    /// `member` or `guest`.
    pub user_type: String,
    /// Tenant-wide roles (none for a token limited to one catalog).
    pub directory_roles: Vec<String>,
    pub catalog_roles: Vec<CatalogRoleRef>,
    /// `read` or `read_write`.
    pub token_scope: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CatalogRoleRef {
    pub catalog_id: Uuid,
    pub role: String,
}

impl Me {
    pub fn of(actor: &Actor, scope: TokenScope) -> Self {
        Self {
            id: actor.user_id.0,
            display_name: actor.display_name.clone(),
            mail: actor.email.clone(),
            user_type: actor.user_type.code().to_owned(),
            directory_roles: actor.roles.iter().map(|r| r.code().to_owned()).collect(),
            catalog_roles: actor
                .catalog_roles
                .iter()
                .map(|(c, r)| CatalogRoleRef {
                    catalog_id: c.0,
                    role: r.code().to_owned(),
                })
                .collect(),
            token_scope: scope.code().to_owned(),
        }
    }
}

/// An access package as administrators list it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessPackage {
    /// The version to send back in `If-Match` when changing it (also the `ETag` header of
    /// `GET /accessPackages/{id}`).
    #[serde(rename = "@odata.etag")]
    pub etag: String,
    pub id: Uuid,
    pub display_name: String,
    pub description: String,
    pub is_hidden: bool,
    pub catalog: Ref,
    pub modified_date_time: DateTime<Utc>,
    /// Policies it has.
    pub assignment_policy_count: i64,
    /// Live assignments.
    pub assignment_count: i64,
}

impl From<&PackageSummary> for AccessPackage {
    fn from(p: &PackageSummary) -> Self {
        Self {
            etag: super::edits::etag(p.version),
            id: p.id.0,
            display_name: p.name.clone(),
            description: p.description.clone(),
            is_hidden: p.hidden,
            catalog: Ref {
                id: p.catalog_id.0,
                display_name: p.catalog_name.clone(),
            },
            modified_date_time: p.updated_at,
            assignment_policy_count: p.policies,
            assignment_count: p.assignments,
        }
    }
}

/// One access package with what it grants, its policies and what it is incompatible with.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessPackageDetail {
    #[serde(flatten)]
    pub package: AccessPackage,
    pub created_date_time: DateTime<Utc>,
    /// Requests waiting for approval.
    pub pending_request_count: i64,
    pub resource_role_scopes: Vec<ResourceRoleScope>,
    pub assignment_policies: Vec<AssignmentPolicy>,
    pub incompatible_access_packages: Vec<Ref>,
    pub incompatible_groups: Vec<Ref>,
}

/// A role of a resource the package grants: Graph's `role` and `scope`, for a group.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRoleScope {
    /// `{groupId}_{role}`: what `DELETE /accessPackages/{id}/resourceRoleScopes/{id}` takes.
    pub id: String,
    pub role: ResourceRoleRef,
    pub scope: ResourceScope,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRoleRef {
    /// `Member` or `Owner`.
    pub display_name: String,
    /// Always `AadGroup`: the resource is a group of the directory.
    pub origin_system: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceScope {
    /// The group's id.
    pub origin_id: Uuid,
    pub display_name: String,
    /// `security` or `microsoft365`.
    pub group_type: String,
    /// Licenses the group carries.
    pub licenses: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentPolicy {
    /// The version to send in `If-Match` with `PUT /assignmentPolicies/{id}`.
    #[serde(rename = "@odata.etag")]
    pub etag: String,
    pub id: Uuid,
    pub display_name: String,
    pub description: String,
    pub active_assignment_count: i64,
}

impl From<&PackageDetail> for AccessPackageDetail {
    fn from(d: &PackageDetail) -> Self {
        let named = |refs: &[NamedRef]| {
            refs.iter()
                .map(|r| Ref {
                    id: r.id,
                    display_name: r.name.clone(),
                })
                .collect()
        };
        Self {
            package: AccessPackage::from(&d.summary),
            created_date_time: d.created_at,
            pending_request_count: d.pending_requests,
            resource_role_scopes: d
                .resource_roles
                .iter()
                .map(|r| ResourceRoleScope {
                    id: format!("{}_{}", r.group_id.0, r.role.label()),
                    role: ResourceRoleRef {
                        display_name: r.role.label().to_owned(),
                        origin_system: "AadGroup".to_owned(),
                    },
                    scope: ResourceScope {
                        origin_id: r.group_id.0,
                        display_name: r.group_name.clone(),
                        group_type: r.group_kind.code().to_owned(),
                        licenses: r.licenses.clone(),
                    },
                })
                .collect(),
            assignment_policies: d
                .policies
                .iter()
                .map(|p| AssignmentPolicy {
                    etag: super::edits::etag(p.version),
                    id: p.id.0,
                    display_name: p.name.clone(),
                    description: p.description.clone(),
                    active_assignment_count: p.active_assignments,
                })
                .collect(),
            incompatible_access_packages: named(&d.incompatible_packages),
            incompatible_groups: named(&d.incompatible_groups),
        }
    }
}

/// An access package as its person sees it in My Access.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyAccessPackage {
    pub id: Uuid,
    pub display_name: String,
    pub description: String,
    /// What it grants, in words ("Member of Office Licenses").
    pub grants: Vec<String>,
    /// `available`, `pending` (a request waits), `active` or `expired`.
    pub status: String,
    /// Active: when the access ends (none: never). Expired: when it ended.
    pub end_date_time: Option<DateTime<Utc>>,
    pub warnings: Vec<String>,
}

impl From<&MyAccessCard> for MyAccessPackage {
    fn from(c: &MyAccessCard) -> Self {
        Self {
            id: c.package_id.0,
            display_name: c.name.clone(),
            description: c.description.clone(),
            grants: c.grants.clone(),
            status: c.status.code().to_owned(),
            end_date_time: c.ends_at,
            warnings: c.warnings.clone(),
        }
    }
}

/// When access starts and ends.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub start_date_time: Option<DateTime<Utc>>,
    pub expiration: Option<Expiration>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Expiration {
    pub end_date_time: Option<DateTime<Utc>>,
}

fn schedule(period: Option<(DateTime<Utc>, DateTime<Utc>)>) -> Option<Schedule> {
    period.map(|(start, end)| Schedule {
        start_date_time: Some(start),
        expiration: Some(Expiration {
            end_date_time: Some(end),
        }),
    })
}

/// A request for access, as its requestor sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentRequest {
    pub id: Uuid,
    /// `userAdd` for a person's own request.
    pub request_type: String,
    /// Graph's `state`: `submitted`, `pendingApproval`, `delivered`, `denied`, `canceled`
    /// or `expired`.
    pub state: String,
    /// Where it stands, in words ("Waiting for approval, stage 1 of 2").
    pub status: String,
    /// For a delivered request whose access a connected system does not hold yet:
    /// `pending`, `failed` or `partial`.
    pub delivery_state: Option<String>,
    pub access_package: Ref,
    pub justification: String,
    pub created_date_time: DateTime<Utc>,
    /// The period asked for, if one was.
    pub schedule: Option<Schedule>,
    /// The approval stage it waits for (0 when none), and how many there are.
    pub approval_stage: u32,
    pub approval_stage_count: u32,
}

impl From<&RequestSummary> for AssignmentRequest {
    fn from(r: &RequestSummary) -> Self {
        Self {
            id: r.id.0,
            request_type: "userAdd".to_owned(),
            state: r.state.code().to_owned(),
            status: r.outcome.clone(),
            delivery_state: r.delivery.map(|d| d.code().to_owned()),
            access_package: Ref {
                id: r.package_id.0,
                display_name: r.package_name.clone(),
            },
            justification: r.justification.clone(),
            created_date_time: r.created_at,
            schedule: schedule(r.period),
            approval_stage: r.stage_no,
            approval_stage_count: r.stage_count,
        }
    }
}

/// A request as an administrator sees it in a package's list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageAssignmentRequest {
    #[serde(flatten)]
    pub request: AssignmentRequest,
    pub requestor: Subject,
}

impl From<&PackageRequestView> for PackageAssignmentRequest {
    fn from(v: &PackageRequestView) -> Self {
        Self {
            request: AssignmentRequest::from(&v.summary),
            requestor: Subject::from(&v.requestor),
        }
    }
}

/// A request's state and its timeline.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestTimeline {
    pub id: Uuid,
    pub state: String,
    pub history: Vec<TimelineEvent>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEvent {
    pub date_time: DateTime<Utc>,
    pub kind: String,
    pub text: String,
}

/// What a new request asks for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAssignmentRequest {
    /// `userAdd`: the token's person asks for the package. `userExtend`: they extend their
    /// access to it before it ends (at once, or through approval when the policy asks for
    /// it; `justification` is the reason). `userRemove`: they give up their access to it
    /// now. `adminAdd`: an administrator
    /// assigns it to `targetIds` directly. `adminRemove`: an administrator removes the
    /// assignment `assignmentId`.
    pub request_type: RequestType,
    pub access_package_id: Option<Uuid>,
    /// The policy to request or assign under (needed when several apply).
    pub assignment_policy_id: Option<Uuid>,
    #[serde(default)]
    pub justification: String,
    /// Answers to the policy's questions, in their order.
    #[serde(default)]
    pub answers: Vec<String>,
    /// A specific period, when the policy lets the requestor choose one (dates, UTC).
    pub schedule: Option<RequestedPeriod>,
    /// `adminAdd`: the people to assign.
    #[serde(default)]
    pub target_ids: Vec<Uuid>,
    /// `adminRemove`: the assignment to remove.
    pub assignment_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum RequestType {
    UserAdd,
    UserExtend,
    UserRemove,
    AdminAdd,
    AdminRemove,
}

/// A period by dates: access from the start of `startDate` to the start of `endDate` (UTC).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestedPeriod {
    /// YYYY-MM-DD
    pub start_date: String,
    /// YYYY-MM-DD
    pub end_date: String,
}

/// Where a request or an assignment stands after a call.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestResult {
    /// The request (none for an administrator's direct assignment or removal).
    pub id: Option<Uuid>,
    /// `pendingApproval`, `delivered`, `denied`, `canceled`; or for `adminAdd`/`adminRemove`
    /// `delivered`/`removed`.
    pub state: String,
    /// Where it stands, in words.
    pub status: String,
    /// The assignments made (a delivered request's, or `adminAdd`'s).
    pub assignment_ids: Vec<Uuid>,
    /// The approval stage it waits for, and how many there are.
    pub approval_stage: Option<u32>,
    pub approval_stage_count: Option<u32>,
}

impl RequestResult {
    pub fn of(id: Option<RequestId>, outcome: &domain::service::requests::RequestOutcome) -> Self {
        use domain::service::requests::RequestOutcome as O;
        let (state, status, assignments, stage) = match outcome {
            O::Pending { stage, of } => (
                "pendingApproval",
                format!("Waiting for approval, stage {stage} of {of}"),
                vec![],
                Some((*stage, *of)),
            ),
            O::Delivered(a) => ("delivered", "Delivered".to_owned(), vec![a.0], None),
            O::Denied(why) => ("denied", format!("Denied: {why}"), vec![], None),
            O::Canceled => ("canceled", "Canceled".to_owned(), vec![], None),
            O::AwaitingExtension => (
                "pendingApproval",
                "Approved; waiting for a custom extension's answer before delivery".to_owned(),
                vec![],
                None,
            ),
        };
        Self {
            id: id.map(|i| i.0),
            state: state.to_owned(),
            status,
            assignment_ids: assignments,
            approval_stage: stage.map(|s| s.0),
            approval_stage_count: stage.map(|s| s.1),
        }
    }
}

/// A request waiting for the token's person to decide it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    /// The request's id (decide it with POST /approvals/{id}/decision).
    pub id: Uuid,
    pub access_package: Ref,
    pub requestor: Subject,
    pub department: String,
    pub justification: String,
    pub answers: Vec<QuestionAnswer>,
    pub stage: u32,
    pub stage_count: u32,
    pub due_date_time: DateTime<Utc>,
    /// A decision must give its reason.
    pub justification_required: bool,
    pub created_date_time: DateTime<Utc>,
    pub schedule: Option<Schedule>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionAnswer {
    pub question: String,
    pub answer: String,
}

impl From<&ApprovalItem> for Approval {
    fn from(a: &ApprovalItem) -> Self {
        Self {
            id: a.request_id.0,
            access_package: Ref {
                id: a.package_id.0,
                display_name: a.package_name.clone(),
            },
            requestor: Subject::from(&a.requestor),
            department: a.department.clone(),
            justification: a.justification.clone(),
            answers: a
                .answers
                .iter()
                .map(|(q, ans)| QuestionAnswer {
                    question: q.clone(),
                    answer: ans.clone(),
                })
                .collect(),
            stage: a.stage_no,
            stage_count: a.stage_count,
            due_date_time: a.due_at,
            justification_required: a.require_justification,
            created_date_time: a.submitted_at,
            schedule: schedule(a.period),
        }
    }
}

/// An approver's decision on the stage a request waits for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Decision {
    /// Graph's `reviewResult`: `Approve` or `Deny`.
    pub review_result: StageResult,
    #[serde(default)]
    pub justification: String,
    /// The stage the decision is for (`stage` of `/me/approvals`). When given and the request
    /// has moved on to another stage meanwhile, the answer is 409 and nothing changes.
    pub stage: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum StageResult {
    Approve,
    Deny,
}

/// A person's assignment of a package.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    pub id: Uuid,
    pub target: Subject,
    /// `scheduled`, `delivered`, `expired` or `removed`; for a live assignment whose grants a
    /// connected system does not hold yet, Graph's `delivering`, `deliveryFailed` or
    /// `partiallyDelivered`.
    pub state: String,
    pub schedule: Schedule,
    /// The policy it was given under, by name.
    pub assignment_policy: Option<String>,
}

impl From<&AssignmentView> for Assignment {
    fn from(a: &AssignmentView) -> Self {
        Self {
            id: a.id.0,
            target: Subject::from(&a.user),
            state: match a.delivery {
                Some(DeliveryState::Delivering) => "delivering".to_owned(),
                Some(DeliveryState::Failed) => "deliveryFailed".to_owned(),
                Some(DeliveryState::PartiallyDelivered) => "partiallyDelivered".to_owned(),
                Some(DeliveryState::Delivered) | None => a.state.code().to_owned(),
            },
            schedule: Schedule {
                start_date_time: Some(a.starts_at),
                expiration: Some(Expiration {
                    end_date_time: a.ends_at,
                }),
            },
            assignment_policy: a.policy.clone(),
        }
    }
}

/// One event of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Its place in the tamper-evident chain.
    pub id: i64,
    pub activity_date_time: DateTime<Utc>,
    /// Who did it (none for Tessera's own jobs).
    pub initiated_by: Option<Initiator>,
    /// The action, e.g. `request.approved`.
    pub activity: String,
    pub target_type: String,
    pub target_id: String,
    pub summary: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Initiator {
    pub display_name: String,
    pub mail: String,
}

impl From<&AuditEntry> for AuditEvent {
    fn from(e: &AuditEntry) -> Self {
        Self {
            id: e.seq,
            activity_date_time: e.at,
            initiated_by: e.actor.as_ref().map(|(name, mail)| Initiator {
                display_name: name.clone(),
                mail: mail.clone(),
            }),
            activity: e.action.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.clone(),
            summary: e.summary.clone(),
        }
    }
}

/// What reprocessing a request did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reprocessed {
    /// Failed changes to connected systems, due again now (the delivery job sends them within
    /// seconds).
    pub changes_due_again: u64,
}
