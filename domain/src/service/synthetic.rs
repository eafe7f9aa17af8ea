//! A synthetic Woodgrove of any size (`tessera seed-synthetic`), for the benchmarks: the same
//! numbers give the same organisation (names, hierarchy, packages, who holds what).
//!
//! What it holds, for `users` people, `packages` packages and `assignments` assignments:
//! - **People**: one Global Administrator (`admin@woodgrove.example`), then a management tree
//!   eight wide (`person000001@…` reports to the administrator, and so on), in eight
//!   departments by subtree; every 20th person is a guest; 80% signed in within 60 days.
//!   Everyone's password is [`PASSWORD`].
//! - **Catalogs**: one per 50 packages, each with a catalog owner.
//! - **Groups and licenses**: one group per package; the 20 most popular packages' groups carry
//!   a license each, with seats a little above the members the load gives them.
//! - **Packages** (through the wizard's own use case), in seven shapes: manager approval (one
//!   year), no approval (never expires), two stages (manager then a specific approver, 180
//!   days), specific approvers with a question, hidden with manager approval, 30 days with
//!   extension, and annual manager access reviews.
//! - **Assignments**: spread over the packages with a long tail (the first package holds the
//!   most), 85% live (with their group grants) and 15% ended a while ago, each with the
//!   delivered request it came from; loaded in bulk, so they carry no audit events.
//! - **Open requests**: submitted through the real use case (stages, approvers,
//!   notifications, audit): 200 waiting for `person000001`'s decision (the approval inbox at
//!   its size), and one for each 100 assignments more (at most 10,000) spread over managers.

use super::catalogs::{self as catalog_service, CatalogInput};
use super::directory::{self as dir, GroupInput};
use super::packages as package_service;
use super::requests::{RequestForm, submit_request};
use super::{Ctx, auth};
use crate::model::*;
use crate::store::bulk::{self, Val};
use crate::store::{ms, requests::open_key, users};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Every synthetic person's password.
pub const PASSWORD: &str = "tessera-bench";
/// The administrator's email.
pub const ADMIN_EMAIL: &str = "admin@woodgrove.example";
/// The manager whose approval inbox holds [`INBOX_SIZE`] requests.
pub const INBOX_MANAGER_EMAIL: &str = "person000001@woodgrove.example";
pub const INBOX_SIZE: usize = 200;

pub(crate) const FANOUT: usize = 8;
pub(crate) const DEPARTMENTS: [&str; 8] = [
    "Finance",
    "Sales",
    "Engineering",
    "Operations",
    "Marketing",
    "Legal",
    "Human Resources",
    "Support",
];
const FIRST: [&str; 16] = [
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi",
    "Liam", "Maya", "Noah", "Olga", "Priya",
];
const LAST: [&str; 16] = [
    "Adams", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Khan", "Lopez", "Meyer", "Novak", "Okafor", "Patel",
];
const SHAPES: usize = 7;
const LICENSED: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub users: usize,
    pub packages: usize,
    pub assignments: usize,
    pub seed: u64,
}

impl Shape {
    /// Checks the numbers: enough people for a management tree and the inbox, at least one
    /// package, and no more assignments than people × packages can hold.
    pub fn check(&self) -> DomainResult<()> {
        let mut p = Problems::default();
        if !(100..=1_000_000).contains(&self.users) {
            p.push("users", "Must be between 100 and 1,000,000.");
        }
        if !(1..=10_000).contains(&self.packages) {
            p.push("packages", "Must be between 1 and 10,000.");
        }
        if self.assignments > 10_000_000 {
            p.push("assignments", "Must be at most 10,000,000.");
        } else if self.assignments > self.users.saturating_mul(self.packages) / 2 {
            p.push(
                "assignments",
                "Must be at most half of people × packages (each person holds a package once).",
            );
        }
        p.into_result()
    }
}

/// What was made, and how long each part took.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    pub users: usize,
    pub catalogs: usize,
    pub groups: usize,
    pub licenses: usize,
    pub packages: usize,
    pub live_assignments: usize,
    pub ended_assignments: usize,
    pub open_requests: usize,
    pub phases: Vec<(&'static str, std::time::Duration)>,
}

/// A v7-shaped id from the generator, so the same seed gives the same ids.
pub(crate) fn id(rng: &mut StdRng, at: DateTime<Utc>) -> uuid::Uuid {
    let bytes: [u8; 10] = rng.r#gen();
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(ms(at)).unwrap_or(0), &bytes)
        .into_uuid()
}

fn email(i: usize) -> String {
    if i == 0 {
        ADMIN_EMAIL.to_owned()
    } else {
        format!("person{i:06}@woodgrove.example")
    }
}

pub(crate) fn manager_of(i: usize) -> Option<usize> {
    (i > 0).then(|| (i - 1) / FANOUT)
}

pub(crate) fn is_guest(i: usize) -> bool {
    i % 20 == 19
}

/// The owner of catalog `c`: one of the first managers, never a guest (guests hold no catalog
/// role; person 19 is the first guest, so from 20 catalogs on a plain `1 + c` would hit one).
fn catalog_owner(c: usize, users: usize) -> usize {
    let owner = (1 + c % (FANOUT * FANOUT)).min(users.saturating_sub(2).max(1));
    if is_guest(owner) { owner - 1 } else { owner }
}

/// The `m`-th member (not guest) of the directory's order.
fn member_index(m: usize) -> usize {
    m / 19 * 20 + m % 19
}

/// How many assignments each package gets: a long tail (weight 1/√(rank+1)), at most 90% of
/// the people it may reach.
fn spread(shape: &Shape, reach: impl Fn(usize) -> usize) -> Vec<usize> {
    let weights: Vec<f64> = (0..shape.packages)
        .map(|p| 1.0 / ((p + 1) as f64).sqrt())
        .collect();
    let total: f64 = weights.iter().sum();
    let caps: Vec<usize> = (0..shape.packages).map(|p| reach(p) * 9 / 10).collect();
    let mut counts: Vec<usize> = weights
        .iter()
        .zip(&caps)
        .map(|(w, cap)| ((shape.assignments as f64 * w / total) as usize).min(*cap))
        .collect();
    let mut left = shape.assignments.saturating_sub(counts.iter().sum());
    while left > 0 {
        let before = left;
        for (c, cap) in counts.iter_mut().zip(&caps) {
            if left == 0 {
                break;
            }
            if *c < *cap {
                *c += 1;
                left -= 1;
            }
        }
        if left == before {
            break;
        }
    }
    counts
}

/// The package shape of package `p` (see the module's description).
fn shape_of(p: usize) -> usize {
    p % SHAPES
}

fn members_only(p: usize) -> bool {
    matches!(shape_of(p), 0 | 2 | 4 | 6)
}

fn person_principal(i: usize, name: &str, id: UserId) -> Principal {
    Principal {
        kind: PrincipalKind::User,
        id: id.0,
        name: name.to_owned(),
        detail: email(i),
    }
}

fn display_name(i: usize) -> String {
    if i == 0 {
        return "Woodgrove Administrator".into();
    }
    format!(
        "{} {} {i}",
        FIRST.get(i % FIRST.len()).copied().unwrap_or("Alex"),
        LAST.get(i / FIRST.len() % LAST.len())
            .copied()
            .unwrap_or("Smith"),
    )
}

fn package_draft(
    p: usize,
    today: chrono::NaiveDate,
    catalog: CatalogId,
    group: GroupId,
    approver: &Principal,
) -> PackageDraft {
    let mut d = PackageDraft::new(today);
    let names = [
        "Manager approved",
        "Self-service",
        "Two-stage",
        "Approver with question",
        "Hidden",
        "Thirty days",
        "Reviewed yearly",
    ];
    d.name = format!(
        "{} access {p:04}",
        names.get(shape_of(p)).copied().unwrap_or("Access")
    );
    d.description = format!("Synthetic access package {p} for the benchmarks.");
    d.catalog_id = catalog.to_string();
    d.resources = vec![ResourceRoleDraft {
        group_id: group,
        group_name: format!("Resource group {p:04}"),
        role: ResourceRole::Member,
    }];
    let policy = &mut d.policy;
    policy.scope = if members_only(p) {
        TargetScope::AllMemberUsers
    } else {
        TargetScope::AllDirectoryUsers
    };
    match shape_of(p) {
        1 => {
            policy.require_approval = false;
            policy.require_requestor_justification = false;
            policy.expiry_kind = ExpiryKind::Never;
        }
        2 => {
            policy.set_stage_count(2);
            if let Some(second) = policy.stages.get_mut(1) {
                second.approvers = vec![approver.clone()];
            }
            policy.expiry_days = "180".into();
        }
        3 => {
            if let Some(first) = policy.stages.get_mut(0) {
                first.manager_as_approver = false;
                first.approvers = vec![approver.clone()];
            }
            policy.questions = vec![QuestionDraft {
                key: 1,
                text: "Which project is this for?".into(),
                format: AnswerFormat::ShortText,
                choices: String::new(),
                required: true,
                pattern: String::new(),
            }];
        }
        4 => d.hidden = true,
        5 => {
            policy.expiry_days = "30".into();
            policy.allow_extension = true;
        }
        6 => {
            policy.review.required = true;
            policy.review.reviewers = ReviewerKind::Manager;
            policy.review.fallback = vec![approver.clone()];
            // Reviews start later, so a benchmark server does not open them on its own
            // (`tessera jobs run --at` past this date does).
            policy.review.starting_on = (today + Duration::days(60)).format("%Y-%m-%d").to_string();
        }
        _ => {}
    }
    d
}

/// Days an assignment of package `p` lasts (None: never ends).
fn term_days(p: usize) -> Option<i64> {
    match shape_of(p) {
        1 => None,
        2 => Some(180),
        5 => Some(30),
        _ => Some(365),
    }
}

/// One person as the seeds write them ([`insert_people`] takes a batch): the synthetic
/// organisation and the lived-in demo build their people alike.
pub(crate) struct SeedPerson<'a> {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub guest: bool,
    /// Guests have none, whatever is given.
    pub manager: Option<UserId>,
    pub department: String,
    pub job_title: String,
    pub password_hash: &'a str,
    pub last_sign_in: Option<i64>,
    /// Also the time it was last updated.
    pub created: i64,
}

/// Inserts people in bulk, enabled, managers before their reports.
pub(crate) async fn insert_people(
    tx: &mut crate::store::Conn,
    people: &[SeedPerson<'_>],
) -> DomainResult<()> {
    let rows: Vec<Vec<Val>> = people
        .iter()
        .map(|p| {
            vec![
                Val::from(p.id.to_string()),
                Val::from(p.email.as_str()),
                Val::from(p.display_name.as_str()),
                Val::from(if p.guest { "guest" } else { "member" }),
                Val::from(p.manager.filter(|_| !p.guest).map(|m| m.to_string())),
                Val::from(p.department.as_str()),
                Val::from(p.job_title.as_str()),
                Val::Int(1),
                Val::from(p.password_hash),
                Val::from(p.last_sign_in),
                Val::Int(p.created),
                Val::Int(p.created),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "users",
        &[
            "id",
            "email",
            "display_name",
            "user_type",
            "manager_id",
            "department",
            "job_title",
            "enabled",
            "password_hash",
            "last_sign_in_at",
            "created_at",
            "updated_at",
        ],
        &rows,
        "",
    )
    .await
    .map(|_| ())
}

/// Builds the organisation into an empty database (one that holds no people yet), telling
/// `progress` what it is doing.
pub async fn seed(
    ctx: &Ctx,
    shape: &Shape,
    progress: &(dyn Fn(&str) + Sync),
) -> DomainResult<Seeded> {
    shape.check()?;
    if bulk::people(&mut *ctx.read().await?).await? > 0 {
        return Err(DomainError::Conflict(
            "The database already holds people: seed-synthetic only fills an empty one.".into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(shape.seed);
    let now = ctx.clock.now();
    let mut seeded = Seeded::default();
    let mut phase = std::time::Instant::now();
    let mut done = |seeded: &mut Seeded, name: &'static str| {
        seeded.phases.push((name, phase.elapsed()));
        phase = std::time::Instant::now();
    };

    // People, managers before their reports.
    progress(&format!("{} people", shape.users));
    let hash = auth::hash_password(
        ctx,
        &NewPassword::parse(PASSWORD).map_err(|e| DomainError::Internal(e.into()))?,
    )
    .await?;
    let ids: Vec<UserId> = (0..shape.users)
        .map(|_| UserId(id(&mut rng, now - Duration::days(800))))
        .collect();
    let mut department = vec![String::new(); shape.users];
    let mut people = Vec::with_capacity(shape.users);
    for (i, id) in ids.iter().enumerate() {
        let dept = match manager_of(i) {
            None => "Executive".to_owned(),
            Some(0) => DEPARTMENTS
                .get((i - 1) % DEPARTMENTS.len())
                .copied()
                .unwrap_or("Operations")
                .to_owned(),
            Some(m) => department.get(m).cloned().unwrap_or_default(),
        };
        if let Some(d) = department.get_mut(i) {
            d.clone_from(&dept);
        }
        let guest = is_guest(i);
        let created = ms(now - Duration::days(800) + Duration::milliseconds(i as i64));
        people.push(SeedPerson {
            id: *id,
            email: email(i),
            display_name: display_name(i),
            guest,
            manager: manager_of(i).and_then(|m| ids.get(m)).copied(),
            department: dept,
            job_title: if guest {
                "Guest"
            } else if i * FANOUT + 1 < shape.users {
                "Manager"
            } else {
                "Specialist"
            }
            .to_owned(),
            password_hash: &hash,
            last_sign_in: (rng.gen_range(0..10) < 8)
                .then(|| ms(now - Duration::minutes(rng.gen_range(0..60 * 24 * 60)))),
            created,
        });
    }
    let mut tx = ctx.db.begin().await?;
    insert_people(&mut tx, &people).await?;
    drop(people);
    let admin_id = *ids.first().ok_or(DomainError::NotFound("administrator"))?;
    users::grant_role(&mut tx, admin_id, DirectoryRole::GlobalAdministrator).await?;
    super::commit(tx).await?;
    seeded.users = shape.users;
    done(&mut seeded, "people");

    let admin = users::actor(&mut *ctx.read().await?, admin_id)
        .await?
        .ok_or(DomainError::NotFound("administrator"))?;
    let name_of = |i: usize| display_name(i);

    // Catalogs, each with an owner (a manager of the second level).
    let catalog_count = shape.packages.div_ceil(50).max(1);
    progress(&format!("{catalog_count} catalogs"));
    let mut catalogs = Vec::with_capacity(catalog_count);
    for c in 0..catalog_count {
        let name = format!("Catalog {c:03}");
        let description = format!("Synthetic catalog {c}");
        let id = catalog_service::create(
            ctx,
            &admin,
            &CatalogInput {
                name: &name,
                description: &description,
                enabled: true,
            },
        )
        .await?;
        let owner = catalog_owner(c, shape.users);
        catalog_service::add_role(ctx, &admin, id, &email(owner), CatalogRole::CatalogOwner)
            .await?;
        catalogs.push(id);
    }
    seeded.catalogs = catalog_count;
    done(&mut seeded, "catalogs");

    // Resource groups, and licenses on the popular ones.
    progress(&format!(
        "{} groups and {LICENSED} licenses",
        shape.packages
    ));
    let reach = |p: usize| {
        if members_only(p) {
            shape.users - shape.users / 20
        } else {
            shape.users
        }
    };
    let counts = spread(shape, reach);
    let mut groups = Vec::with_capacity(shape.packages);
    for p in 0..shape.packages {
        let name = format!("Resource group {p:04}");
        let description = format!("Members of access package {p}");
        let g = dir::create_group(
            ctx,
            &admin,
            &GroupInput {
                name: &name,
                description: &description,
                kind: if p % 3 == 0 {
                    "microsoft365"
                } else {
                    "security"
                },
            },
        )
        .await?;
        groups.push(g);
    }
    for (p, group) in groups.iter().enumerate().take(LICENSED) {
        let live = counts.get(p).copied().unwrap_or(0) * 85 / 100;
        let seats = (live + live / 20 + 10).to_string();
        let license = dir::create_license(ctx, &admin, &format!("License {p:02}"), &seats).await?;
        dir::assign_license(ctx, &admin, *group, license).await?;
    }
    seeded.groups = groups.len();
    seeded.licenses = LICENSED.min(groups.len());
    done(&mut seeded, "groups and licenses");

    // Packages through the wizard's use case.
    progress(&format!("{} access packages", shape.packages));
    let today = now.date_naive();
    let approver_index = 2.min(shape.users - 1);
    let approver = person_principal(
        approver_index,
        &name_of(approver_index),
        *ids.get(approver_index)
            .ok_or(DomainError::NotFound("approver"))?,
    );
    let mut packages = Vec::with_capacity(shape.packages);
    for (p, group) in groups.iter().enumerate() {
        let catalog = *catalogs
            .get(p % catalogs.len())
            .ok_or(DomainError::NotFound("catalog"))?;
        let draft = package_draft(p, today, catalog, *group, &approver);
        let id = package_service::create_package(ctx, &admin, &draft).await?;
        let policy = package_service::detail(ctx, &admin, id)
            .await?
            .policies
            .first()
            .map(|p| p.id)
            .ok_or(DomainError::NotFound("policy"))?;
        packages.push((id, policy));
    }
    seeded.packages = packages.len();
    done(&mut seeded, "packages");

    // Assignments in bulk, with the requests they came from and their grants.
    progress(&format!("{} assignments", shape.assignments));
    let mut first_user = Vec::with_capacity(shape.packages);
    for (p, ((package, policy), group)) in packages.iter().zip(&groups).enumerate() {
        let count = counts.get(p).copied().unwrap_or(0);
        let start = rng.gen_range(0..reach(p));
        first_user.push(start);
        let mut requests = Vec::with_capacity(count.min(20_000));
        let mut assignments = Vec::with_capacity(count.min(20_000));
        let mut grants = Vec::with_capacity(count.min(20_000));
        for j in 0..count {
            let slot = (start + j) % reach(p);
            let user = if members_only(p) {
                member_index(slot)
            } else {
                slot
            };
            let Some(user_id) = ids.get(user).copied() else {
                continue;
            };
            let live = rng.gen_range(0..100) < 85;
            let term = term_days(p);
            let (created, ends) = match (live, term) {
                (true, Some(days)) => {
                    let c = now - Duration::minutes(rng.gen_range(60..(days - 1) * 24 * 60));
                    (c, Some(c + Duration::days(days)))
                }
                (true, None) => (
                    now - Duration::minutes(rng.gen_range(60..730 * 24 * 60)),
                    None,
                ),
                (false, term) => {
                    let days = term.unwrap_or(365);
                    let c = now
                        - Duration::days(days)
                        - Duration::minutes(rng.gen_range(60..365 * 24 * 60));
                    (c, Some(c + Duration::days(days)))
                }
            };
            let assignment = AssignmentId(id(&mut rng, created));
            let request = RequestId(id(&mut rng, created));
            requests.push(vec![
                Val::from(request.to_string()),
                Val::from(package.to_string()),
                Val::from(policy.to_string()),
                Val::from(user_id.to_string()),
                Val::from(RequestKind::UserAdd.code()),
                Val::from(RequestState::Delivered.code()),
                Val::Int(ms(created)),
                Val::Int(ms(created)),
                Val::from(if shape_of(p) == 1 {
                    ""
                } else {
                    "Needed for my work."
                }),
                Val::from(assignment.to_string()),
                Val::from(user_id.to_string()),
            ]);
            assignments.push(vec![
                Val::from(assignment.to_string()),
                Val::from(package.to_string()),
                Val::from(policy.to_string()),
                Val::from(user_id.to_string()),
                Val::from(if live {
                    AssignmentState::Delivered.code()
                } else {
                    AssignmentState::Expired.code()
                }),
                Val::from(live.then(|| open_key(*package, user_id))),
                Val::Int(ms(created)),
                Val::from(ends.map(ms)),
                Val::Int(ms(created)),
                Val::Int(ms(ends.filter(|_| !live).unwrap_or(created))),
            ]);
            if live {
                grants.push(vec![
                    Val::from(group.to_string()),
                    Val::from(user_id.to_string()),
                    Val::from(crate::rules::grants::GrantSource::Assignment(assignment.0).code()),
                    Val::Int(ms(created)),
                ]);
                seeded.live_assignments += 1;
            } else {
                seeded.ended_assignments += 1;
            }
            if requests.len() >= 20_000 || j + 1 == count {
                let mut tx = ctx.db.begin().await?;
                bulk::insert(
                    &mut tx,
                    "access_package_requests",
                    &[
                        "id",
                        "package_id",
                        "policy_id",
                        "requestor_id",
                        "request_type",
                        "state",
                        "created_at",
                        "updated_at",
                        "justification",
                        "assignment_id",
                        "created_by",
                    ],
                    &requests,
                    "",
                )
                .await?;
                bulk::insert(
                    &mut tx,
                    "access_package_assignments",
                    &[
                        "id",
                        "package_id",
                        "policy_id",
                        "user_id",
                        "state",
                        "active_key",
                        "starts_at",
                        "ends_at",
                        "created_at",
                        "updated_at",
                    ],
                    &assignments,
                    "",
                )
                .await?;
                bulk::insert(
                    &mut tx,
                    "group_members",
                    &["group_id", "user_id", "source", "created_at"],
                    &grants,
                    "",
                )
                .await?;
                super::commit(tx).await?;
                requests.clear();
                assignments.clear();
                grants.clear();
            }
        }
    }
    let mut tx = ctx.db.begin().await?;
    crate::store::counts::recount_all(&mut tx).await?;
    super::commit(tx).await?;
    done(&mut seeded, "assignments");
    bulk::analyze(&mut *ctx.db.writer().await?).await?;

    // Open requests through the real use case: the inbox manager's reports first.
    let wanted = INBOX_SIZE + (shape.assignments / 100).min(10_000);
    progress(&format!("{wanted} open requests"));
    let form = RequestForm {
        justification: "Starting on the new project.".into(),
        ..Default::default()
    };
    let manager_approved: Vec<usize> = (0..shape.packages)
        .filter(|p| matches!(shape_of(*p), 0 | 4))
        .collect();
    // People who hold nothing in package p: outside [start, start + count).
    let holds = |p: usize, user: usize| {
        let slot = if members_only(p) {
            if is_guest(user) {
                return true; // out of scope: never asked
            }
            user / 20 * 19 + user % 20
        } else {
            user
        };
        let (start, count, reach) = (
            first_user.get(p).copied().unwrap_or(0),
            counts.get(p).copied().unwrap_or(0),
            reach(p),
        );
        (slot + reach - start) % reach < count
    };
    // The inbox manager's reports ask for each package in turn, then everyone else for one
    // or two packages each.
    let approved_count = manager_approved.len().max(1);
    let inbox = manager_approved
        .iter()
        .flat_map(|p| (FANOUT + 1..=2 * FANOUT).map(move |u| (u, *p, true)));
    let others = (2 * FANOUT + 1..shape.users).flat_map(|u| {
        let approved = &manager_approved;
        (0..2).filter_map(move |k| {
            approved
                .get((u * 31 + k) % approved_count)
                .map(|p| (u, *p, false))
        })
    });
    let mut inbox_filled = 0;
    for (user, p, for_inbox) in inbox.chain(others) {
        if seeded.open_requests >= wanted {
            break;
        }
        if for_inbox && inbox_filled >= INBOX_SIZE {
            continue;
        }
        if user >= shape.users || is_guest(user) || holds(p, user) {
            continue;
        }
        let (Some(user_id), Some((package, _))) = (ids.get(user), packages.get(p)) else {
            continue;
        };
        let Some(actor) = users::actor(&mut *ctx.read().await?, *user_id).await? else {
            continue;
        };
        match submit_request(ctx, &actor, *package, &form).await {
            Ok(_) => {
                seeded.open_requests += 1;
                if for_inbox {
                    inbox_filled += 1;
                }
            }
            // Out of the policy's reach, or asked already: the next one.
            Err(DomainError::Conflict(_)) | Err(DomainError::Invalid(_)) => {}
            Err(e) => return Err(e),
        }
    }
    done(&mut seeded, "open requests");
    bulk::analyze(&mut *ctx.db.writer().await?).await?;
    Ok(seeded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_eight_wide_and_guests_have_no_manager_role() {
        assert_eq!(manager_of(0), None);
        assert_eq!(manager_of(1), Some(0));
        assert_eq!(manager_of(8), Some(0));
        assert_eq!(manager_of(9), Some(1));
        assert_eq!(manager_of(16), Some(1));
        assert!(is_guest(19) && is_guest(39) && !is_guest(20));
    }

    #[test]
    fn catalog_owners_are_never_guests_and_exist() {
        for users in [3, 10, 20, 21, 100, 10_000, 100_000] {
            for c in 0..200 {
                let owner = catalog_owner(c, users);
                assert!(
                    !is_guest(owner),
                    "catalog {c} of {users}: {owner} is a guest"
                );
                assert!(
                    owner >= 1 && owner < users,
                    "catalog {c} of {users}: {owner}"
                );
            }
        }
    }

    #[test]
    fn member_indices_skip_guests_and_cover_every_member_once() {
        let members: Vec<usize> = (0..95).map(member_index).collect();
        assert!(members.iter().all(|i| !is_guest(*i)));
        let mut sorted = members.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 95);
        assert_eq!(members.last(), Some(&98));
    }

    #[test]
    fn the_spread_gives_every_assignment_within_each_packages_reach() {
        let shape = Shape {
            users: 1_000,
            packages: 50,
            assignments: 20_000,
            seed: 1,
        };
        let counts = spread(&shape, |_| 1_000);
        assert_eq!(counts.iter().sum::<usize>(), 20_000);
        assert!(counts.iter().all(|c| *c <= 900));
        assert!(counts.first() >= counts.last());
    }

    #[test]
    fn shapes_refuse_impossible_numbers_by_field() {
        let bad = Shape {
            users: 10,
            packages: 0,
            assignments: 1,
            seed: 0,
        };
        let DomainError::Invalid(problems) = bad.check().unwrap_err() else {
            panic!("not a field error");
        };
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert!(
            fields.contains(&"users") && fields.contains(&"packages"),
            "{fields:?}"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_ids() {
        let at = Utc::now();
        let a = id(&mut StdRng::seed_from_u64(7), at);
        let b = id(&mut StdRng::seed_from_u64(7), at);
        assert_eq!(a, b);
        assert_eq!(a.get_version_num(), 7);
    }
}
