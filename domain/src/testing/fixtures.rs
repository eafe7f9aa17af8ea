//! The fixtures integration cases build their world from: people, the tutorial's world and
//! package, a request, a job run at an instant, and the readings of errors and rows the
//! cases assert on. One home for the domain's and the server's tests.

use super::db::TestEnv;
use crate::DomainError;
use crate::clock::Clock;
use crate::jobs::{self, JobReport, RunLimits};
use crate::model::*;
use crate::rules::grants::GrantSource;
use crate::service::requests::RequestForm;
use crate::service::{auth, directory, packages};
use crate::store::groups;
use std::borrow::Borrow;

impl TestEnv {
    /// A Global Administrator actor, created in the database.
    pub async fn admin(&self) -> Actor {
        let id = auth::create_administrator(
            &self.ctx,
            "root.admin@woodgrove.example",
            "Root Admin",
            "a long test password",
        )
        .await
        .expect("create admin");
        actor(self, id).await
    }

    /// A security group.
    pub async fn group(&self, admin: &Actor, name: &str) -> GroupId {
        let input = directory::GroupInput {
            name,
            description: "",
            kind: "security",
        };
        directory::create_group(&self.ctx, admin, &input)
            .await
            .unwrap()
    }

    /// A plain member actor without roles or a manager.
    pub async fn member(&self, admin: &Actor, email: &str) -> Actor {
        let form = user_form(email, local_part(email), "");
        let id = directory::create_user(&self.ctx, admin, &form)
            .await
            .unwrap();
        actor(self, id).await
    }

    /// Today on the test's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.now().date_naive()
    }
}

fn local_part(email: &str) -> &str {
    email.split('@').next().unwrap()
}

/// An enabled member's form, as the directory's "new user" page fills it.
pub fn user_form(email: &str, display_name: &str, manager: &str) -> UserForm {
    UserForm {
        email: email.into(),
        display_name: display_name.into(),
        user_type: "member".into(),
        manager_email: manager.into(),
        enabled: true,
        ..Default::default()
    }
}

/// A member named by their email's local part, with `manager` (an email, or "") as manager.
pub async fn person(env: &TestEnv, admin: &Actor, email: &str, manager: &str) -> Actor {
    let id = directory::create_user(
        &env.ctx,
        admin,
        &user_form(email, local_part(email), manager),
    )
    .await
    .unwrap();
    actor(env, id).await
}

/// The actor of a user, as the session resolves it.
pub async fn actor(env: &TestEnv, id: UserId) -> Actor {
    auth::resolve_actor(&env.ctx, id).await.unwrap().unwrap()
}

/// The user with this email.
pub async fn id_of(env: &TestEnv, email: &str) -> UserId {
    let mut conn = env.ctx.read().await.unwrap();
    crate::store::users::id_by_email(&mut conn, &Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
}

/// Gives `who` a directory role; answers their actor with it.
pub async fn give_role(env: &TestEnv, who: &Actor, role: DirectoryRole) -> Actor {
    grant_role(env, who.user_id, role).await;
    actor(env, who.user_id).await
}

/// Gives a user a directory role, straight in the store (no use case grants one).
pub async fn grant_role(env: &TestEnv, who: UserId, role: DirectoryRole) {
    let mut tx = env.ctx.db.begin().await.unwrap();
    crate::store::users::grant_role(&mut tx, who, role)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Sets a user's password (so that they can sign in over HTTP).
pub async fn set_password(env: &TestEnv, who: UserId, password: &str) {
    let hash = auth::hash_password(&env.ctx, &NewPassword::parse(password).unwrap())
        .await
        .unwrap();
    let mut tx = env.ctx.db.begin().await.unwrap();
    crate::store::users::set_password_hash(&mut tx, who, &hash, env.ctx.clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// A user as a picker names them (an approver, a reviewer, a fallback).
pub fn principal(a: &Actor) -> Principal {
    Principal {
        kind: PrincipalKind::User,
        id: a.user_id.0,
        name: a.display_name.clone(),
        detail: a.email.clone(),
    }
}

/// A user as a picker names them, by id alone (the server fills in the rest).
pub fn principal_id(id: UserId) -> Principal {
    Principal {
        kind: PrincipalKind::User,
        id: id.0,
        name: String::new(),
        detail: String::new(),
    }
}

/// The tutorial's world: an administrator; Maria, who manages Eric; Nora and Fiona, who
/// manage nobody and have no manager; and the Office Licenses group.
pub struct World {
    pub admin: Actor,
    pub maria: Actor,
    pub eric: Actor,
    pub nora: Actor,
    pub fiona: Actor,
    pub office: GroupId,
}

pub async fn world(env: &TestEnv) -> World {
    let admin = env.admin().await;
    let maria = person(env, &admin, "maria@woodgrove.example", "").await;
    let eric = person(
        env,
        &admin,
        "eric@woodgrove.example",
        "maria@woodgrove.example",
    )
    .await;
    let nora = person(env, &admin, "nora@woodgrove.example", "").await;
    let fiona = person(env, &admin, "fiona@woodgrove.example", "").await;
    let office = env.group(&admin, "Office Licenses").await;
    World {
        admin,
        maria,
        eric,
        nora,
        fiona,
        office,
    }
}

/// The tutorial's package draft: Member of `group`, for all member users, manager approval;
/// named `name`, starting today.
pub fn package_draft(env: &TestEnv, name: &str, group: GroupId, group_name: &str) -> PackageDraft {
    let mut d = PackageDraft::new(env.today());
    d.name = name.into();
    d.description = "Access to licenses for Office applications".into();
    d.resources = vec![ResourceRoleDraft {
        group_id: group,
        group_name: group_name.into(),
        role: ResourceRole::Member,
    }];
    d.policy.scope = TargetScope::AllMemberUsers;
    d
}

/// The tutorial's package in the world's Office Licenses group, its policy as `edit` leaves
/// it, created by the world's administrator.
pub async fn package(
    env: &TestEnv,
    w: &World,
    name: &str,
    edit: impl FnOnce(&mut PolicyDraft),
) -> AccessPackageId {
    let mut d = package_draft(env, name, w.office, "Office Licenses");
    edit(&mut d.policy);
    packages::create_package(&env.ctx, &w.admin, &d)
        .await
        .unwrap()
}

/// The first policy of a package, as `who` sees it.
pub async fn first_policy(env: &TestEnv, who: &Actor, package: AccessPackageId) -> PolicyId {
    packages::detail(&env.ctx, who, package)
        .await
        .unwrap()
        .policies[0]
        .id
}

/// Every invariant of `tessera check` holds on the case's database.
pub async fn assert_invariants(env: &TestEnv) {
    let broken: Vec<_> = crate::service::check::run(&env.ctx)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| !f.holds())
        .collect();
    assert!(broken.is_empty(), "{broken:#?}");
}

/// A request's form with only a justification.
pub fn ask(justification: &str) -> RequestForm {
    RequestForm {
        justification: justification.into(),
        ..Default::default()
    }
}

/// Sets the clock to `at` and runs the jobs due then, none of which may fail.
pub async fn run_at(env: &TestEnv, at: chrono::DateTime<chrono::Utc>) -> JobReport {
    env.clock.set(at);
    let report = jobs::run_due(&env.ctx, None, RunLimits::default()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    report
}

/// Why `user` is in `group` (empty: not a member).
pub async fn grants(env: &TestEnv, group: GroupId, user: UserId) -> Vec<GrantSource> {
    groups::grants(&mut env.ctx.read().await.unwrap(), group, user)
        .await
        .unwrap()
}

pub async fn member_of(env: &TestEnv, group: GroupId, user: UserId) -> bool {
    !grants(env, group, user).await.is_empty()
}

/// The number a `SELECT COUNT(*) …` answers.
pub async fn count_rows(env: &TestEnv, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap()
}

/// The fields an `Invalid` error names; panics on any other error.
pub fn field_names(e: impl Borrow<DomainError>) -> Vec<String> {
    field_messages(e)
        .into_iter()
        .map(|(field, _)| field)
        .collect()
}

/// The fields an `Invalid` error names, each with its message; panics on any other error.
pub fn field_messages(e: impl Borrow<DomainError>) -> Vec<(String, String)> {
    match e.borrow() {
        DomainError::Invalid(f) => f
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// The message of a `Conflict`; panics on any other error.
pub fn conflict(e: impl Borrow<DomainError>) -> String {
    match e.borrow() {
        DomainError::Conflict(m) => m.clone(),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// Asserts that a use case refused with `Forbidden`.
pub fn forbidden<T: std::fmt::Debug>(r: Result<T, DomainError>) {
    assert!(
        matches!(r, Err(DomainError::Forbidden(_))),
        "expected Forbidden, got {r:?}"
    );
}

/// Access reviews on the policy: yearly from `today`, 25 days each, by the person's manager,
/// with decision helpers and a reason for every decision; `edit` changes the rest.
pub fn reviewed_yearly(
    p: &mut PolicyDraft,
    today: chrono::NaiveDate,
    edit: impl FnOnce(&mut ReviewDraft),
) {
    p.review.required = true;
    p.review.starting_on = today.format("%Y-%m-%d").to_string();
    p.review.frequency = ReviewFrequency::Annually;
    p.review.duration_days = "25".into();
    p.review.reviewers = ReviewerKind::Manager;
    p.review.decision_helpers = true;
    p.review.require_justification = true;
    edit(&mut p.review);
}
