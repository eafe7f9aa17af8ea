//! The authorization matrix: every server function, called over HTTP as every kind of
//! person — anonymous, a guest, an employee, a manager, an approver of another stage, each
//! catalog role inside and outside its catalog, a Catalog creator, a User Administrator, an
//! Identity Governance Administrator and a Global Administrator — must be allowed or refused
//! exactly as the table below says. A server function without a row fails the test.
//!
//! Each role runs against a world of its own (fresh database), so what one role changes
//! can't hide what another may do; within a role the rows run in table order.

use crate::helpers::*;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::model::*;
use domain::on_both_databases;
use domain::service::catalogs::{self as cat, CatalogInput};
use domain::service::directory as dir;
use domain::service::packages as pkg;
use domain::service::requests::{self as req, AssignForm, RequestForm};
use domain::testing::*;
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    Guest,
    Employee,
    Manager,
    OtherStageApprover,
    CatalogOwner,
    PackageManager,
    AssignmentManager,
    CatalogReader,
    CatalogCreator,
    UserAdministrator,
    GovernanceAdministrator,
    GlobalAdministrator,
}

use Role::*;

const ROLES: [Role; 13] = [
    Anonymous,
    Guest,
    Employee,
    Manager,
    OtherStageApprover,
    CatalogOwner,
    PackageManager,
    AssignmentManager,
    CatalogReader,
    CatalogCreator,
    UserAdministrator,
    GovernanceAdministrator,
    GlobalAdministrator,
];

impl Role {
    fn email(self) -> Option<&'static str> {
        Some(match self {
            Anonymous => return None,
            Guest => "gus.guest@partner.example",
            Employee => "eric.employee@woodgrove.example",
            Manager => "maria.manager@woodgrove.example",
            OtherStageApprover => "fiona.fallback@woodgrove.example",
            CatalogOwner => "olga.owner@woodgrove.example",
            PackageManager => "paul.packages@woodgrove.example",
            AssignmentManager => "ada.assigner@woodgrove.example",
            CatalogReader => "rita.reader@woodgrove.example",
            CatalogCreator => "carl.creator@woodgrove.example",
            UserAdministrator => "uma.users@woodgrove.example",
            GovernanceAdministrator => "alex.admin@woodgrove.example",
            GlobalAdministrator => "gloria.global@woodgrove.example",
        })
    }
}

/// Who may: the sets the table is written in.
const EVERYONE: &[Role] = &ROLES;
const SIGNED_IN: &[Role] = &[
    Guest,
    Employee,
    Manager,
    OtherStageApprover,
    CatalogOwner,
    PackageManager,
    AssignmentManager,
    CatalogReader,
    CatalogCreator,
    UserAdministrator,
    GovernanceAdministrator,
    GlobalAdministrator,
];
const ADMINS: &[Role] = &[
    CatalogOwner,
    PackageManager,
    AssignmentManager,
    CatalogReader,
    CatalogCreator,
    UserAdministrator,
    GovernanceAdministrator,
    GlobalAdministrator,
];
const GOVERNANCE: &[Role] = &[GovernanceAdministrator, GlobalAdministrator];
const DIRECTORY: &[Role] = &[
    UserAdministrator,
    GovernanceAdministrator,
    GlobalAdministrator,
];
const GLOBAL: &[Role] = &[GlobalAdministrator];
const CATALOG_CREATORS: &[Role] = &[CatalogCreator, GovernanceAdministrator, GlobalAdministrator];
/// In catalog A (Finance), where the catalog roles are held.
const A_READ: &[Role] = &[
    CatalogOwner,
    PackageManager,
    AssignmentManager,
    CatalogReader,
    GovernanceAdministrator,
    GlobalAdministrator,
];
const A_PACKAGES: &[Role] = &[
    CatalogOwner,
    PackageManager,
    GovernanceAdministrator,
    GlobalAdministrator,
];
const A_ASSIGN: &[Role] = &[
    CatalogOwner,
    PackageManager,
    AssignmentManager,
    GovernanceAdministrator,
    GlobalAdministrator,
];
const A_OWNER: &[Role] = &[CatalogOwner, GovernanceAdministrator, GlobalAdministrator];

/// What the world holds, by id, for building the calls.
struct World {
    catalog_a: CatalogId,
    catalog_b: CatalogId,
    empty: CatalogId,
    package_a: AccessPackageId,
    package_b: AccessPackageId,
    /// In catalog B, with no requests or assignments: for delete.
    package_spare: AccessPackageId,
    policy_a: PolicyId,
    policy_spare: PolicyId,
    group_a: GroupId,
    owned_group: GroupId,
    request: RequestId,
    assignment_a: AssignmentId,
    assignment_b: AssignmentId,
    review: ReviewId,
    eric: UserId,
    nora: UserId,
    /// Another Global Administrator, whom only a Global Administrator may change.
    other_global: UserId,
    license: String,
}

/// A member named after their email, with the demo's password.
async fn user(env: &TestEnv, admin: &Actor, email: &str, manager: &str) -> UserId {
    let name = email.split('@').next().unwrap().replace('.', " ");
    let id = dir::create_user(&env.ctx, admin, &user_form(email, &name, manager))
        .await
        .unwrap();
    set_password(env, id, PASSWORD).await;
    id
}

/// Signs in as `email` with the demo's password; answers the session cookie.
async fn session(app: &Router, email: &str) -> String {
    let (status, cookie, _) = sign_in(app, email, PASSWORD).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{email}: {status}"
    );
    cookie.unwrap()
}

async fn world(env: &TestEnv) -> World {
    use domain::clock::Clock;
    domain::service::demo::seed(&env.ctx).await.unwrap();
    let alex = actor(env, id_of(env, "alex.admin@woodgrove.example").await).await;
    let global = user(env, &alex, "gloria.global@woodgrove.example", "").await;
    let other_global = user(env, &alex, "gabe.global@woodgrove.example", "").await;
    for who in [global, other_global] {
        grant_role(env, who, DirectoryRole::GlobalAdministrator).await;
    }
    let root = actor(env, global).await;
    let uma = user(env, &root, "uma.users@woodgrove.example", "").await;
    let carl = user(env, &root, "carl.creator@woodgrove.example", "").await;
    grant_role(env, uma, DirectoryRole::UserAdministrator).await;
    grant_role(env, carl, DirectoryRole::CatalogCreator).await;
    let olga = user(env, &root, "olga.owner@woodgrove.example", "").await;
    for email in [
        "paul.packages@woodgrove.example",
        "ada.assigner@woodgrove.example",
        "rita.reader@woodgrove.example",
    ] {
        user(env, &root, email, "").await;
    }
    let new_catalog = |name: &'static str| CatalogInput {
        name,
        description: "",
        enabled: true,
    };
    let catalog_a = cat::create(&env.ctx, &root, &new_catalog("Finance"))
        .await
        .unwrap();
    let catalog_b = cat::create(&env.ctx, &root, &new_catalog("Sales"))
        .await
        .unwrap();
    let empty = cat::create(&env.ctx, &root, &new_catalog("Empty"))
        .await
        .unwrap();
    for (catalog, email, role) in [
        (
            catalog_a,
            "olga.owner@woodgrove.example",
            CatalogRole::CatalogOwner,
        ),
        (
            empty,
            "olga.owner@woodgrove.example",
            CatalogRole::CatalogOwner,
        ),
        (
            catalog_a,
            "paul.packages@woodgrove.example",
            CatalogRole::AccessPackageManager,
        ),
        (
            catalog_a,
            "ada.assigner@woodgrove.example",
            CatalogRole::AccessPackageAssignmentManager,
        ),
        (
            catalog_a,
            "rita.reader@woodgrove.example",
            CatalogRole::CatalogReader,
        ),
    ] {
        cat::add_role(&env.ctx, &root, catalog, email, role)
            .await
            .unwrap();
    }
    let group = |name: &'static str| dir::GroupInput {
        name,
        description: "",
        kind: "security",
    };
    let group_a = dir::create_group(&env.ctx, &root, &group("Finance Team"))
        .await
        .unwrap();
    let group_b = dir::create_group(&env.ctx, &root, &group("Sales Team"))
        .await
        .unwrap();
    let owned_group = dir::create_group(&env.ctx, &root, &group("Olga's Team"))
        .await
        .unwrap();
    dir::add_owner(&env.ctx, &root, owned_group, "olga.owner@woodgrove.example")
        .await
        .unwrap();
    let _ = olga;
    let today = env.clock.now().date_naive();
    let fiona = id_of(env, "fiona.fallback@woodgrove.example").await;
    let draft = |catalog: CatalogId, group: GroupId, name: &str| {
        let mut d = PackageDraft::new(today);
        d.catalog_id = catalog.to_string();
        d.name = name.into();
        d.description = "Bundle".into();
        d.resources = vec![ResourceRoleDraft {
            group_id: group,
            group_name: String::new(),
            role: ResourceRole::Member,
        }];
        d.policy.scope = TargetScope::AllMemberUsers;
        d.policy.require_requestor_justification = false;
        // Stage 1: the manager; stage 2: Fiona.
        let mut second = d.policy.stages[0].clone();
        second.manager_as_approver = false;
        second.approvers = vec![principal_id(fiona)];
        d.policy.stages.push(second);
        d.policy.stages[0].fallback = vec![principal_id(fiona)];
        d.policy.review.required = true;
        d.policy.review.reviewers = ReviewerKind::Manager;
        d.policy.review.fallback = vec![principal_id(fiona)];
        d.policy.review.decision_helpers = true;
        d
    };
    let package_a = pkg::create_package(&env.ctx, &root, &draft(catalog_a, group_a, "Ledger"))
        .await
        .unwrap();
    let package_b = pkg::create_package(&env.ctx, &root, &draft(catalog_b, group_b, "CRM"))
        .await
        .unwrap();
    let mut spare_package = draft(catalog_b, group_b, "Spare");
    spare_package.policy.stages.truncate(1);
    let package_spare = pkg::create_package(&env.ctx, &root, &spare_package)
        .await
        .unwrap();
    let policy_a = policies(env, &root, package_a).await[0].id;
    let policy_b = policies(env, &root, package_b).await[0].id;
    // A spare policy nobody requested under, for remove_policy.
    let mut spare = PolicyDraft::new(today);
    spare.name = "Spare".into();
    spare.scope = TargetScope::NotSpecified;
    let policy_spare = pkg::add_policy(&env.ctx, &root, package_a, &spare)
        .await
        .unwrap();
    let eric = id_of(env, "eric.employee@woodgrove.example").await;
    let emma = id_of(env, "emma.employee@woodgrove.example").await;
    let nora = id_of(env, "nora.newhire@woodgrove.example").await;
    let eric_actor = actor(env, eric).await;
    let (request, _) =
        req::submit_request(&env.ctx, &eric_actor, package_a, &RequestForm::default())
            .await
            .unwrap();
    let assign = |users: Vec<UserId>, policy| AssignForm {
        users,
        policy: Some(policy),
        justification: "matrix".into(),
        ..Default::default()
    };
    let assignment_a =
        req::assign_directly(&env.ctx, &root, package_a, &assign(vec![emma], policy_a))
            .await
            .unwrap()[0];
    let assignment_b =
        req::assign_directly(&env.ctx, &root, package_b, &assign(vec![nora], policy_b))
            .await
            .unwrap()[0];
    // The annual review of Ledger starts today: Maria reviews Emma.
    domain::jobs::run_due(&env.ctx, None, domain::jobs::RunLimits::default()).await;
    let review: String = sqlx::query_scalar("SELECT id FROM access_reviews WHERE package_id = $1")
        .bind(package_a.to_string())
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    let license: String = sqlx::query_scalar("SELECT id FROM licenses LIMIT 1")
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    World {
        catalog_a,
        catalog_b,
        empty,
        package_a,
        package_b,
        package_spare,
        policy_a,
        policy_spare,
        group_a,
        owned_group,
        request,
        assignment_a,
        assignment_b,
        review: ReviewId::parse(&review).unwrap(),
        eric,
        nora,
        other_global,
        license,
    }
}

async fn policies(env: &TestEnv, root: &Actor, package: AccessPackageId) -> Vec<PolicyView> {
    pkg::detail(&env.ctx, root, package).await.unwrap().policies
}

/// How a call is sent: form fields or a JSON body.
enum Body_ {
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

/// One row of the table: a server function, its arguments (valid, so that an allowed
/// caller succeeds), and who may call it.
struct Row {
    path: &'static str,
    body: Body_,
    allowed: &'static [Role],
    /// What an allowed caller's answer may be besides success (e.g. 409 "nothing to extend").
    also_ok: &'static [StatusCode],
    /// What a refused caller's answer may be besides 401/403/404 (e.g. a field error naming
    /// the catalog they can't create in).
    also_refused: &'static [StatusCode],
}

fn form(fields: &[(&'static str, &str)]) -> Body_ {
    Body_::Form(fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
}

fn row(path: &'static str, body: Body_, allowed: &'static [Role]) -> Row {
    Row {
        path,
        body,
        allowed,
        also_ok: &[],
        also_refused: &[],
    }
}

/// A public server function (sign-in itself): listed so that the table is complete.
const PUBLIC: &[&str] = &[];

fn table(w: &World, me: Role) -> Vec<Row> {
    use app::api::{
        auth, catalogs as c, connectors as k, directory as d, lifecycle as l, packages as p,
        requests as r, sync as y, tokens as tk, webhooks as wh,
    };
    let s = |v: &dyn ToString| v.to_string();
    let (ca, cb, pa, pb) = (
        s(&w.catalog_a),
        s(&w.catalog_b),
        s(&w.package_a),
        s(&w.package_b),
    );
    let tag = format!("{me:?}").to_lowercase();
    let draft_in = |catalog: &str, name: &str| {
        let mut d = PackageDraft::new(chrono::Utc::now().date_naive());
        d.catalog_id = catalog.to_owned();
        d.name = name.to_owned();
        d.description = "Matrix".into();
        d.policy.scope = TargetScope::NotSpecified;
        json!({ "draft": d })
    };
    let policy_draft = {
        let mut d = PolicyDraft::new(chrono::Utc::now().date_naive());
        d.name = format!("Extra {tag}");
        d.scope = TargetScope::NotSpecified;
        d
    };
    vec![
        // Who am I, and my own things: anyone signed in (anonymous: nothing, or 401).
        row(auth::Me::PATH, form(&[]), EVERYONE),
        row(r::LoadMyRequests::PATH, form(&[("page", "1")]), SIGNED_IN),
        row(
            r::LoadMyApprovals::PATH,
            form(&[("history", "false"), ("page", "1")]),
            SIGNED_IN,
        ),
        row(r::LoadNotifications::PATH, form(&[]), SIGNED_IN),
        row(r::MarkNotificationsRead::PATH, form(&[]), SIGNED_IN),
        row(
            r::LoadMyAccess::PATH,
            form(&[("tab", "available"), ("q", "")]),
            SIGNED_IN,
        ),
        row(l::LoadMyReviews::PATH, form(&[]), SIGNED_IN),
        row(p::LoadPortalPackage::PATH, form(&[("id", &pa)]), SIGNED_IN),
        // Another person's request: only its requestor sees it for resubmission (a pending
        // one can't be resubmitted yet: 409 for them).
        Row {
            also_ok: &[StatusCode::CONFLICT],
            ..row(
                r::LoadResubmission::PATH,
                form(&[("id", &s(&w.request))]),
                &[Employee],
            )
        },
        // Giving up one's own access: anyone signed in; nobody holds the spare package, so
        // an allowed caller is told there is nothing to remove (404 once it is deleted).
        Row {
            also_ok: &[StatusCode::CONFLICT, StatusCode::NOT_FOUND],
            ..row(
                l::RemoveMyAccess::PATH,
                form(&[("package", &s(&w.package_spare))]),
                SIGNED_IN,
            )
        },
        Row {
            also_ok: &[StatusCode::CONFLICT],
            ..row(
                l::ExtendAccess::PATH,
                form(&[("package", &pa), ("justification", "more")]),
                SIGNED_IN,
            )
        },
        Row {
            // Guests aren't in the policy's scope; members may request (Eric has a request).
            also_ok: &[StatusCode::CONFLICT],
            ..row(
                r::SubmitRequest::PATH,
                Body_::Json(
                    json!({ "input": { "package": pb, "policy": null, "justification": "x",
                    "answers": [], "specific_period": false, "start": "", "end": "" } }),
                ),
                &[
                    Employee,
                    Manager,
                    OtherStageApprover,
                    CatalogOwner,
                    PackageManager,
                    AssignmentManager,
                    CatalogReader,
                    CatalogCreator,
                    UserAdministrator,
                    GovernanceAdministrator,
                    GlobalAdministrator,
                ],
            )
        },
        // Approvals: only the current stage's approver decides; an approver of another
        // stage, an administrator or the requestor may not.
        row(
            r::DecideRequest::PATH,
            form(&[
                ("id", &s(&w.request)),
                ("decision", "approve"),
                ("justification", "ok"),
            ]),
            &[Manager],
        ),
        // Reviews: only the reviewer decides; catalog readers and up see the items.
        row(
            l::DecideReview::PATH,
            form(&[
                ("review", &s(&w.review)),
                ("assignment", &s(&w.assignment_a)),
                ("decision", "approve"),
                ("justification", "still needed"),
            ]),
            &[Manager],
        ),
        row(
            l::AcceptRecommendations::PATH,
            form(&[("review", &s(&w.review))]),
            &[Manager],
        ),
        row(l::LoadPackageReviews::PATH, form(&[("id", &pa)]), A_READ),
        row(
            l::LoadPackageReviews::PATH,
            form(&[("id", &pb)]),
            GOVERNANCE,
        ),
        row(
            l::LoadReviewItems::PATH,
            form(&[("review", &s(&w.review))]),
            A_READ,
        ),
        // The admin console's lists (scoped to the caller's catalogs inside).
        row(
            c::ListCatalogs::PATH,
            form(&[("q", ""), ("page", "1")]),
            ADMINS,
        ),
        row(
            p::ListPackages::PATH,
            form(&[("q", ""), ("catalog", ""), ("page", "1")]),
            ADMINS,
        ),
        row(p::ListCatalogNames::PATH, form(&[]), ADMINS),
        row(p::PackageNames::PATH, form(&[]), ADMINS),
        row(p::LoadWizard::PATH, form(&[]), ADMINS),
        row(
            p::SearchPrincipals::PATH,
            form(&[
                ("q", "e"),
                ("users", "true"),
                ("groups", "true"),
                ("resources", "true"),
            ]),
            ADMINS,
        ),
        row(
            p::CheckPackage::PATH,
            Body_::Json(draft_in(&ca, "Checked")),
            ADMINS,
        ),
        // Catalogs: read inside, manage as owner; nothing outside.
        row(c::GetCatalog::PATH, form(&[("id", &ca)]), A_READ),
        row(c::GetCatalog::PATH, form(&[("id", &cb)]), GOVERNANCE),
        row(
            c::CreateCatalog::PATH,
            form(&[
                ("name", &format!("New {tag}")),
                ("description", ""),
                ("enabled", "yes"),
            ]),
            CATALOG_CREATORS,
        ),
        row(
            c::UpdateCatalog::PATH,
            form(&[
                ("id", &ca),
                ("name", "Finance"),
                ("description", "Money"),
                ("enabled", "yes"),
            ]),
            A_OWNER,
        ),
        row(
            c::UpdateCatalog::PATH,
            form(&[
                ("id", &cb),
                ("name", "Sales"),
                ("description", "Deals"),
                ("enabled", "yes"),
            ]),
            GOVERNANCE,
        ),
        row(
            c::AddCatalogResource::PATH,
            form(&[("id", &ca), ("group_id", &s(&w.owned_group))]),
            A_OWNER,
        ),
        row(
            c::RemoveCatalogResource::PATH,
            form(&[("id", &ca), ("group_id", &s(&w.owned_group))]),
            A_OWNER,
        ),
        row(
            c::AddCatalogResource::PATH,
            form(&[("id", &cb), ("group_id", &s(&w.owned_group))]),
            GOVERNANCE,
        ),
        row(
            c::AddCatalogRole::PATH,
            form(&[
                ("id", &ca),
                ("email", "nora.newhire@woodgrove.example"),
                ("role", "catalog_reader"),
            ]),
            A_OWNER,
        ),
        row(
            c::RemoveCatalogRole::PATH,
            form(&[
                ("id", &ca),
                ("user_id", &s(&w.nora)),
                ("role", "catalog_reader"),
            ]),
            A_OWNER,
        ),
        row(
            c::AddCatalogRole::PATH,
            form(&[
                ("id", &cb),
                ("email", "nora.newhire@woodgrove.example"),
                ("role", "catalog_reader"),
            ]),
            GOVERNANCE,
        ),
        // Packages: read inside, manage as owner or package manager; nothing outside.
        row(p::GetPackage::PATH, form(&[("id", &pa)]), A_READ),
        row(p::GetPackage::PATH, form(&[("id", &pb)]), GOVERNANCE),
        row(d::LoadPackageInsight::PATH, form(&[("id", &pa)]), A_READ),
        row(
            d::LoadPackageInsight::PATH,
            form(&[("id", &pb)]),
            GOVERNANCE,
        ),
        Row {
            also_refused: &[StatusCode::UNPROCESSABLE_ENTITY],
            ..row(
                p::CreatePackage::PATH,
                Body_::Json(draft_in(&ca, &format!("Made by {tag}"))),
                A_PACKAGES,
            )
        },
        Row {
            also_refused: &[StatusCode::UNPROCESSABLE_ENTITY],
            ..row(
                p::CreatePackage::PATH,
                Body_::Json(draft_in(&cb, &format!("Made by {tag}"))),
                GOVERNANCE,
            )
        },
        row(
            p::UpdatePackage::PATH,
            form(&[
                ("id", &pa),
                ("name", "Ledger"),
                ("description", "Books"),
                ("hidden", "no"),
            ]),
            A_PACKAGES,
        ),
        row(
            p::UpdatePackage::PATH,
            form(&[
                ("id", &pb),
                ("name", "CRM"),
                ("description", "Deals"),
                ("hidden", "no"),
            ]),
            GOVERNANCE,
        ),
        row(
            p::AddResourceRole::PATH,
            form(&[("id", &pa), ("group_id", &s(&w.group_a)), ("role", "owner")]),
            A_PACKAGES,
        ),
        row(
            p::RemoveResourceRole::PATH,
            form(&[("id", &pa), ("group_id", &s(&w.group_a)), ("role", "owner")]),
            A_PACKAGES,
        ),
        row(
            p::CheckPolicy::PATH,
            Body_::Json(json!({ "package": pa, "policy": null, "draft": policy_draft })),
            A_PACKAGES,
        ),
        row(
            p::SavePolicy::PATH,
            Body_::Json(json!({ "package": pa, "policy": null, "draft": policy_draft })),
            A_PACKAGES,
        ),
        row(
            p::SavePolicy::PATH,
            Body_::Json(json!({ "package": pb, "policy": null, "draft": policy_draft })),
            GOVERNANCE,
        ),
        row(
            p::AddIncompatible::PATH,
            form(&[("id", &pa), ("kind", "package"), ("target", &pb)]),
            A_PACKAGES,
        ),
        row(
            p::RemoveIncompatible::PATH,
            form(&[("id", &pa), ("kind", "package"), ("target", &pb)]),
            A_PACKAGES,
        ),
        // Assignments and requests of a package: assignment managers and up.
        row(
            r::LoadPackageAssignments::PATH,
            form(&[("id", &pa), ("state", "active"), ("q", ""), ("page", "1")]),
            A_READ,
        ),
        row(
            r::LoadPackageAssignments::PATH,
            form(&[("id", &pb), ("state", "active"), ("q", ""), ("page", "1")]),
            GOVERNANCE,
        ),
        row(
            r::LoadPackageRequests::PATH,
            form(&[("id", &pa), ("state", ""), ("q", ""), ("page", "1")]),
            A_READ,
        ),
        row(
            r::AssignDirectly::PATH,
            Body_::Json(
                json!({ "input": { "package": pa, "users": [s(&w.nora)], "policy": s(&w.policy_a),
                "justification": "matrix", "specific_period": false, "start": "", "end": "" } }),
            ),
            A_ASSIGN,
        ),
        row(
            r::RemoveAssignment::PATH,
            form(&[("id", &s(&w.assignment_b))]),
            GOVERNANCE,
        ),
        row(
            l::StopReview::PATH,
            form(&[("review", &s(&w.review))]),
            A_ASSIGN,
        ),
        row(
            r::CancelRequest::PATH,
            form(&[("id", &s(&w.request))]),
            &[
                Employee,
                CatalogOwner,
                PackageManager,
                AssignmentManager,
                GovernanceAdministrator,
                GlobalAdministrator,
            ],
        ),
        row(
            r::RemoveAssignment::PATH,
            form(&[("id", &s(&w.assignment_a))]),
            A_ASSIGN,
        ),
        row(
            p::RemovePolicy::PATH,
            form(&[("policy", &s(&w.policy_spare))]),
            A_PACKAGES,
        ),
        row(
            c::DeleteCatalog::PATH,
            form(&[("id", &s(&w.empty))]),
            A_OWNER,
        ),
        // The directory: directory administrators; a Global Administrator only by another.
        row(d::LoadDirectoryCounts::PATH, form(&[]), DIRECTORY),
        // Directory sync tokens: directory administrators.
        row(y::LoadSyncStatus::PATH, form(&[]), DIRECTORY),
        row(
            y::CreateSyncToken::PATH,
            form(&[("name", &format!("Matrix {tag}"))]),
            DIRECTORY,
        ),
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                y::RevokeSyncToken::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                DIRECTORY,
            )
        },
        // Connected systems hold directory credentials: governance administrators only. The
        // ids below name no system, so an allowed caller is answered 404.
        row(k::LoadConnectors::PATH, form(&[]), GOVERNANCE),
        row(
            k::CreateConnector::PATH,
            form(&[
                ("name", &format!("Directory {tag}")),
                ("url", "ldap://127.0.0.1:1"),
                ("bind_dn", ""),
                ("password", ""),
                ("user_base", "ou=people,dc=example,dc=org"),
                ("user_attribute", "mail"),
                ("match_with", "email"),
                ("member_attribute", "member"),
                ("owner_attribute", "owner"),
                ("ca_pem", ""),
                ("drift", "report"),
            ]),
            GOVERNANCE,
        ),
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::LoadConnector::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::UpdateConnector::PATH,
                form(&[
                    ("id", "00000000-0000-7000-8000-000000000000"),
                    ("name", "Other"),
                    ("url", "ldap://127.0.0.1:1"),
                    ("bind_dn", ""),
                    ("password", ""),
                    ("user_base", "ou=people,dc=example,dc=org"),
                    ("user_attribute", "mail"),
                    ("match_with", "email"),
                    ("member_attribute", "member"),
                    ("owner_attribute", "owner"),
                    ("ca_pem", ""),
                    ("drift", "correct"),
                ]),
                GOVERNANCE,
            )
        },
        row(
            k::CreateScimConnector::PATH,
            form(&[
                ("name", &format!("Application {tag}")),
                ("url", "https://scim.example.invalid/scim/v2"),
                ("token", "t0ken"),
                ("user_attribute", "userName"),
                ("match_with", "email"),
                ("ca_pem", ""),
                ("drift", "report"),
            ]),
            GOVERNANCE,
        ),
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::UpdateScimConnector::PATH,
                form(&[
                    ("id", "00000000-0000-7000-8000-000000000000"),
                    ("name", "Other application"),
                    ("url", "https://scim.example.invalid/scim/v2"),
                    ("token", ""),
                    ("user_attribute", "externalId"),
                    ("match_with", "user_name"),
                    ("ca_pem", ""),
                    ("drift", "correct"),
                ]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::TestConnector::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::LinkConnectorGroup::PATH,
                form(&[
                    ("id", "00000000-0000-7000-8000-000000000000"),
                    ("group", "Finance Team"),
                    ("external_id", "cn=finance,dc=example,dc=org"),
                ]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::UnlinkConnectorGroup::PATH,
                form(&[("group_id", &s(&w.group_a))]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::CheckConnectorNow::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::SetConnectorImport::PATH,
                form(&[
                    ("id", "00000000-0000-7000-8000-000000000000"),
                    ("people_filter", ""),
                    ("disabled_filter", ""),
                    ("email_attribute", ""),
                    ("name_attribute", ""),
                    ("manager_attribute", ""),
                    ("department_attribute", ""),
                    ("title_attribute", ""),
                    ("group_base", ""),
                    ("group_filter", ""),
                    ("every_minutes", ""),
                    ("max_leavers", ""),
                ]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::ImportConnectorNow::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                k::ReprocessConnector::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        // API tokens are each person's own: everyone signed in lists, makes and revokes
        // theirs. The id below names no token of the caller's, so revoking it is 404.
        row(tk::LoadApiTokens::PATH, form(&[]), SIGNED_IN),
        row(
            tk::CreateApiToken::PATH,
            form(&[
                ("name", &format!("Script {tag}")),
                ("scope", "read"),
                ("days", "30"),
                ("catalog", ""),
            ]),
            SIGNED_IN,
        ),
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                tk::RevokeApiToken::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                SIGNED_IN,
            )
        },
        // A service account's tokens: directory administrators only. Eric is a person, so an
        // allowed caller is told so (409) and nothing is made.
        Row {
            also_ok: &[StatusCode::CONFLICT],
            ..row(
                tk::CreateApiToken::PATH,
                form(&[
                    ("name", &format!("Service {tag}")),
                    ("scope", "read"),
                    ("days", "30"),
                    ("catalog", ""),
                    ("owner", &s(&w.eric)),
                ]),
                DIRECTORY,
            )
        },
        Row {
            also_ok: &[StatusCode::CONFLICT],
            ..row(
                tk::LoadApiTokens::PATH,
                form(&[("owner", &s(&w.eric))]),
                DIRECTORY,
            )
        },
        // Webhooks send people's access to another system: governance administrators only.
        // The ids below name no webhook, so an allowed caller is answered 404.
        row(wh::LoadWebhooks::PATH, form(&[]), GOVERNANCE),
        row(
            wh::CreateWebhook::PATH,
            form(&[
                ("name", &format!("Hook {tag}")),
                ("url", "https://hooks.example.invalid/tessera"),
                ("catalog", ""),
                ("enabled", "yes"),
                ("ev_request_created", "yes"),
            ]),
            GOVERNANCE,
        ),
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                wh::LoadWebhook::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                wh::UpdateWebhook::PATH,
                form(&[
                    ("id", "00000000-0000-7000-8000-000000000000"),
                    ("name", "Other hook"),
                    ("url", "https://hooks.example.invalid/other"),
                    ("catalog", ""),
                    ("ev_request_denied", "yes"),
                ]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                wh::TestWebhook::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                wh::RotateWebhookSecret::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                wh::ReprocessWebhook::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        Row {
            also_ok: &[StatusCode::NOT_FOUND],
            ..row(
                wh::DeleteWebhook::PATH,
                form(&[("id", "00000000-0000-7000-8000-000000000000")]),
                GOVERNANCE,
            )
        },
        row(
            d::ListUsers::PATH,
            form(&[("q", ""), ("page", "1")]),
            DIRECTORY,
        ),
        row(d::GetUser::PATH, form(&[("id", &s(&w.eric))]), DIRECTORY),
        row(d::LoadAdminDashboard::PATH, form(&[]), DIRECTORY),
        row(d::LoadMyTeam::PATH, form(&[]), SIGNED_IN),
        row(
            d::LoadPersonAccess::PATH,
            form(&[("id", &s(&w.eric))]),
            DIRECTORY,
        ),
        row(
            d::CreateServiceAccount::PATH,
            form(&[
                ("display_name", "Script"),
                ("email", &format!("svc.{tag}@woodgrove.example")),
                ("purpose", "Matrix"),
            ]),
            DIRECTORY,
        ),
        row(
            d::CreateUser::PATH,
            form(&[
                ("email", &format!("new.{tag}@woodgrove.example")),
                ("display_name", "New"),
                ("user_type", "member"),
                ("manager_email", ""),
                ("department", ""),
                ("job_title", ""),
                ("enabled", "yes"),
            ]),
            DIRECTORY,
        ),
        row(
            d::UpdateUser::PATH,
            form(&[
                ("id", &s(&w.eric)),
                ("email", "eric.employee@woodgrove.example"),
                ("display_name", "Eric Employee"),
                ("user_type", "member"),
                ("manager_email", "maria.manager@woodgrove.example"),
                ("department", "Finance"),
                ("job_title", "Analyst"),
                ("enabled", "yes"),
            ]),
            DIRECTORY,
        ),
        row(
            d::UpdateUser::PATH,
            form(&[
                ("id", &s(&w.other_global)),
                ("email", "gabe.global@woodgrove.example"),
                ("display_name", "Gabe Global"),
                ("user_type", "member"),
                ("manager_email", ""),
                ("department", ""),
                ("job_title", ""),
                ("enabled", "yes"),
            ]),
            GLOBAL,
        ),
        row(
            d::ImportUsers::PATH,
            form(&[(
                "csv",
                &format!(
                    "email,display_name,type,manager_email,department,job_title\nimported.{tag}@woodgrove.example,Imported,member,,,\n"
                ),
            )]),
            DIRECTORY,
        ),
        row(
            d::ListGroups::PATH,
            form(&[("q", ""), ("page", "1")]),
            DIRECTORY,
        ),
        row(
            d::GetGroup::PATH,
            form(&[("id", &s(&w.group_a)), ("page", "1")]),
            DIRECTORY,
        ),
        row(
            d::LoadResourceAccess::PATH,
            form(&[("id", &s(&w.group_a)), ("page", "1")]),
            DIRECTORY,
        ),
        row(
            d::CreateGroup::PATH,
            form(&[
                ("name", &format!("Group {tag}")),
                ("description", ""),
                ("kind", "security"),
            ]),
            DIRECTORY,
        ),
        row(
            d::UpdateGroup::PATH,
            form(&[
                ("id", &s(&w.group_a)),
                ("name", "Finance Team"),
                ("description", "Money"),
                ("kind", "security"),
            ]),
            DIRECTORY,
        ),
        row(
            d::AddGroupMember::PATH,
            form(&[
                ("group_id", &s(&w.group_a)),
                ("email", "nora.newhire@woodgrove.example"),
            ]),
            DIRECTORY,
        ),
        row(
            d::RemoveGroupMember::PATH,
            form(&[("group_id", &s(&w.group_a)), ("user_id", &s(&w.nora))]),
            DIRECTORY,
        ),
        row(
            d::AddGroupOwner::PATH,
            form(&[
                ("group_id", &s(&w.group_a)),
                ("owner_email", "nora.newhire@woodgrove.example"),
            ]),
            DIRECTORY,
        ),
        row(
            d::RemoveGroupOwner::PATH,
            form(&[("group_id", &s(&w.group_a)), ("user_id", &s(&w.nora))]),
            DIRECTORY,
        ),
        row(
            d::AssignGroupLicense::PATH,
            form(&[("group_id", &s(&w.group_a)), ("license_id", &w.license)]),
            DIRECTORY,
        ),
        row(
            d::RemoveGroupLicense::PATH,
            form(&[("group_id", &s(&w.group_a)), ("license_id", &w.license)]),
            DIRECTORY,
        ),
        row(d::ListLicenses::PATH, form(&[]), DIRECTORY),
        row(d::GetLicense::PATH, form(&[("id", &w.license)]), DIRECTORY),
        row(
            d::CreateLicense::PATH,
            form(&[("name", &format!("License {tag}")), ("seats", "5")]),
            DIRECTORY,
        ),
        row(
            d::UpdateLicense::PATH,
            form(&[
                ("id", &w.license),
                ("name", "Office 365 E3"),
                ("seats", "25"),
            ]),
            DIRECTORY,
        ),
        // Audit and email status: governance administrators.
        row(
            l::LoadAudit::PATH,
            form(&[
                ("actor_q", ""),
                ("action", ""),
                ("target", ""),
                ("from", ""),
                ("to", ""),
                ("page", "1"),
            ]),
            GOVERNANCE,
        ),
        row(l::LoadOutbox::PATH, form(&[]), GOVERNANCE),
        // Accounts: a person's own password; an administrator's reset and sign-out.
        row(
            d::ResetPassword::PATH,
            form(&[
                ("id", &s(&w.eric)),
                ("new_password", "lantern over the orchard 7"),
                ("confirm_password", "lantern over the orchard 7"),
            ]),
            DIRECTORY,
        ),
        row(
            d::ResetPassword::PATH,
            form(&[
                ("id", &s(&w.other_global)),
                ("new_password", "lantern over the orchard 7"),
                ("confirm_password", "lantern over the orchard 7"),
            ]),
            GLOBAL,
        ),
        row(
            d::SignOutEverywhere::PATH,
            form(&[("id", &s(&w.nora))]),
            DIRECTORY,
        ),
        row(
            p::DeletePackage::PATH,
            form(&[("id", &s(&w.package_spare))]),
            GOVERNANCE,
        ),
        row(auth::SignInOffer::PATH, form(&[]), EVERYONE),
        // Last: these end or change the caller's own session.
        row(
            auth::ChangePassword::PATH,
            form(&[
                ("current_password", PASSWORD),
                ("new_password", "quiet harbour at dawn 42"),
                ("confirm_password", "quiet harbour at dawn 42"),
            ]),
            SIGNED_IN,
        ),
        row(auth::SignOut::PATH, form(&[]), EVERYONE),
    ]
}

/// Server functions every row set must cover; sign-in is public (it is how one signs in).
fn covered_paths(rows: &[Row]) -> std::collections::BTreeSet<&'static str> {
    let mut paths: std::collections::BTreeSet<&'static str> = rows.iter().map(|r| r.path).collect();
    paths.insert(app::api::auth::SignIn::PATH);
    paths.extend(PUBLIC);
    paths
}

async fn call(app: &Router, row: &Row, cookie: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::post(row.path)
        .header(header::ORIGIN, ORIGIN)
        .header(header::ACCEPT, "application/json");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let req = match &row.body {
        Body_::Form(fields) => req
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            )),
        Body_::Json(v) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
    }
    .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 4 * 1024 * 1024)
        .await
        .unwrap();
    (
        status,
        String::from_utf8_lossy(&body).chars().take(300).collect(),
    )
}

/// Pairs checked, over every role (reported by the whole-table test).
async fn matrix_for(env: TestEnv, me: Role) {
    let w = world(&env).await;
    let app = router(&env);
    let cookie = match me.email() {
        Some(email) => Some(session(&app, email).await),
        None => None,
    };
    let mut wrong = Vec::new();
    for r in table(&w, me) {
        let (status, body) = call(&app, &r, cookie.as_deref()).await;
        let allowed = r.allowed.contains(&me);
        let fine = if allowed {
            status.is_success() || status.is_redirection() || r.also_ok.contains(&status)
        } else if me == Anonymous {
            status == StatusCode::UNAUTHORIZED
        } else {
            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                || r.also_refused.contains(&status)
        };
        if !fine {
            let expected = if allowed { "allowed" } else { "refused" };
            wrong.push(format!(
                "{} as {me:?}: expected {expected}, got {status} {body}",
                r.path
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Every registered server function has a row (or is public); the table's size is printed
/// for docs/SECURITY.md.
#[test]
fn every_server_function_is_in_the_table() {
    let w = World {
        catalog_a: CatalogId::new(),
        catalog_b: CatalogId::new(),
        empty: CatalogId::new(),
        package_a: AccessPackageId::new(),
        package_b: AccessPackageId::new(),
        package_spare: AccessPackageId::new(),
        policy_a: PolicyId::new(),
        policy_spare: PolicyId::new(),
        group_a: GroupId::new(),
        owned_group: GroupId::new(),
        request: RequestId::new(),
        assignment_a: AssignmentId::new(),
        assignment_b: AssignmentId::new(),
        review: ReviewId::new(),
        eric: UserId::new(),
        nora: UserId::new(),
        other_global: UserId::new(),
        license: String::new(),
    };
    let rows = table(&w, Employee);
    let covered = covered_paths(&rows);
    let missing: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .filter(|p| !covered.contains(p))
        .collect();
    assert!(
        missing.is_empty(),
        "server functions without a row in the authorization table: {missing:?}"
    );
    println!(
        "authorization matrix: {} rows × {} roles = {} pairs per database",
        rows.len(),
        ROLES.len(),
        rows.len() * ROLES.len()
    );
}

async fn anonymous(env: TestEnv) {
    matrix_for(env, Anonymous).await
}
async fn guest(env: TestEnv) {
    matrix_for(env, Guest).await
}
async fn employee(env: TestEnv) {
    matrix_for(env, Employee).await
}
async fn manager(env: TestEnv) {
    matrix_for(env, Manager).await
}
async fn approver_of_another_stage(env: TestEnv) {
    matrix_for(env, OtherStageApprover).await
}
async fn catalog_owner(env: TestEnv) {
    matrix_for(env, CatalogOwner).await
}
async fn access_package_manager(env: TestEnv) {
    matrix_for(env, PackageManager).await
}
async fn assignment_manager(env: TestEnv) {
    matrix_for(env, AssignmentManager).await
}
async fn catalog_reader(env: TestEnv) {
    matrix_for(env, CatalogReader).await
}
async fn catalog_creator(env: TestEnv) {
    matrix_for(env, CatalogCreator).await
}
async fn user_administrator(env: TestEnv) {
    matrix_for(env, UserAdministrator).await
}
async fn governance_administrator(env: TestEnv) {
    matrix_for(env, GovernanceAdministrator).await
}
async fn global_administrator(env: TestEnv) {
    matrix_for(env, GlobalAdministrator).await
}

on_both_databases!(
    with crate::helpers::server_fn_turn();
    anonymous,
    guest,
    employee,
    manager,
    approver_of_another_stage,
    catalog_owner,
    access_package_manager,
    assignment_manager,
    catalog_reader,
    catalog_creator,
    user_administrator,
    governance_administrator,
    global_administrator,
);

/// Random and hostile bodies, as form fields and as JSON, sent to every server function as
/// a Global Administrator (who gets furthest): none answers 500. Bounded here; a longer run:
///   PROPTEST_CASES=200 cargo test --release -p tessera --test it authz::hostile
async fn hostile_bodies_never_answer_500(env: TestEnv) {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let cases: usize = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(6);
    let _w = world(&env).await;
    let app = server::router(&config(), env.ctx.clone());
    let cookie = session(&app, GlobalAdministrator.email().unwrap()).await;
    let bodies: Vec<(bool, String)> = {
        let mut runner = TestRunner::deterministic();
        let field = prop_oneof![
            "[a-z_]{1,12}",
            Just("id".to_owned()),
            Just("q".to_owned()),
            Just("page".to_owned())
        ];
        let value = prop_oneof![
            "\\PC{0,30}",
            "-?[0-9]{1,22}",
            Just("%".to_owned()),
            Just("yes".to_owned())
        ];
        let form = proptest::collection::vec((field, value), 0..5).prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={}", urlencode(&v)))
                .collect::<Vec<_>>()
                .join("&")
        });
        let json = prop_oneof![
            "\\PC{0,40}",
            Just("{\"input\":{}}".to_owned()),
            Just("{\"draft\":{\"name\":1}}".to_owned()),
            Just("[[[[[[[[[[[[[[[[[[[[".to_owned()),
        ];
        let mut out = Vec::new();
        for _ in 0..cases {
            out.push((false, form.new_tree(&mut runner).unwrap().current()));
            out.push((true, json.new_tree(&mut runner).unwrap().current()));
        }
        out
    };
    let mut broken = Vec::new();
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        if path == app::api::auth::SignOut::PATH || path == app::api::auth::ChangePassword::PATH {
            continue; // they end the session the rest of the loop uses
        }
        for (json, body) in &bodies {
            let req = Request::post(path)
                .header(header::ORIGIN, ORIGIN)
                .header(header::ACCEPT, "application/json")
                .header(header::COOKIE, &cookie)
                .header(
                    header::CONTENT_TYPE,
                    if *json {
                        "application/json"
                    } else {
                        "application/x-www-form-urlencoded"
                    },
                )
                .body(Body::from(body.clone()))
                .unwrap();
            let resp = app.clone().oneshot(req).await.unwrap();
            if resp.status().is_server_error() {
                broken.push(format!("{path} {} ← {body:?}", resp.status()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} answered 5xx:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

on_both_databases!(with crate::helpers::server_fn_turn(); hostile_bodies_never_answer_500);
