//! The lived-in Woodgrove of `--demo` (issue 18): a few hundred people across departments
//! with managers, catalogs and packages of every shape, four months of requests in every
//! state, an access review completed and one in progress, licenses near their seats.
//!
//! Deterministic (one seed), and built with the benchmarks' code ([`synthetic`]: the ids,
//! the management tree, the bulk load of people) and then by the use cases themselves: the
//! packages through the wizard's use case, and the history by people submitting, approvers
//! deciding, requestors canceling and the jobs running (expiry, deadlines, reviews, the
//! daily figures), day by day on a clock set in the past. So the history holds what the real
//! engine writes: stages, approvers, notifications, audit events.
//!
//! The tutorial's accounts keep their meaning: none of them is in this organisation, and no
//! package here is the tutorial's "Office Licenses".

use super::catalogs::{self as catalog_service, CatalogInput};
use super::directory::{self as dir, GroupInput};
use super::packages as package_service;
use super::requests::{self, RequestForm, RequestOutcome, submit_request};
use super::synthetic::{DEPARTMENTS, FANOUT, SeedPerson, id, insert_people, is_guest, manager_of};
use super::{Ctx, auth, reviews};
use crate::clock::ManualClock;
use crate::jobs::{self, RunLimits};
use crate::model::*;
use crate::store::{ms, users};
use crate::{DomainError, DomainResult};
use chrono::{Datelike, Duration};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// How many people the lived-in organisation has.
pub const PEOPLE: usize = 240;
/// How far back its history goes.
pub const HISTORY_DAYS: i64 = 120;
/// The chief executive: the first person, and the mark that the organisation is seeded.
pub const CEO_EMAIL: &str = "wendy.woodgrove@woodgrove.example";
const SEED: u64 = 18;

const FIRST: [&str; 20] = [
    "Ava", "Bruno", "Carmen", "Daniel", "Esther", "Felix", "Greta", "Henrik", "Irene", "Jamal",
    "Keiko", "Lucas", "Mina", "Nils", "Oscar", "Paula", "Quinn", "Rosa", "Samir", "Tara",
];
const LAST: [&str; 20] = [
    "Alvarez", "Bauer", "Costa", "Dubois", "Eriksen", "Ferreira", "Gupta", "Hansen", "Ibrahim",
    "Jones", "Kowalski", "Larsen", "Moreau", "Nakamura", "Olsen", "Petrov", "Quist", "Rossi",
    "Silva", "Tanaka",
];
const JUSTIFICATIONS: [&str; 6] = [
    "Joining the quarterly planning project.",
    "Needed for my new role.",
    "Covering for a colleague on leave.",
    "Customer escalation this week.",
    "Onboarding to the team.",
    "Required for the audit preparation.",
];

/// What the history made, for the log.
#[derive(Debug, Default, Clone)]
pub struct LivedIn {
    pub people: usize,
    pub packages: usize,
    pub requests: usize,
    pub decisions: usize,
    pub reviews: usize,
}

fn name(i: usize) -> (String, String) {
    if i == 0 {
        return ("Wendy Woodgrove".into(), CEO_EMAIL.into());
    }
    let first = FIRST.get(i % FIRST.len()).copied().unwrap_or("Sam");
    let last = LAST
        .get(i / FIRST.len() % LAST.len())
        .copied()
        .unwrap_or("Lee");
    let domain = if is_guest(i) {
        "fabrikam.example"
    } else {
        "woodgrove.example"
    };
    (
        format!("{first} {last}"),
        format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase()),
    )
}

/// The department head of `dept` (persons 1 to 8 head the departments).
fn head(dept: usize) -> usize {
    1 + dept
}

const SALES: usize = 1;
const ENGINEERING: usize = 2;
const OPERATIONS: usize = 3;
const FINANCE: usize = 0;

/// How a package decides.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Approval {
    None,
    Manager,
    /// The manager, then the department head.
    TwoStage(usize),
    /// Named approvers (persons).
    Specific(usize, usize),
}

struct PackageSpec {
    catalog: usize,
    name: &'static str,
    description: &'static str,
    group: &'static str,
    license: Option<(&'static str, i64)>,
    approval: Approval,
    /// Days the access lasts (none: never ends).
    days: Option<u32>,
    hidden: bool,
    guests: bool,
    question: Option<&'static str>,
    review: bool,
    extension: bool,
    /// Relative popularity (requests a day, in tenths).
    weight: u32,
}

const CATALOGS: [(&str, &str, usize); 4] = [
    ("Sales", "Tools of the sales teams", SALES),
    (
        "Engineering",
        "Source code, builds and production",
        ENGINEERING,
    ),
    ("Finance", "Reports and finance systems", FINANCE),
    ("Workplace", "Everyday tools for everyone", OPERATIONS),
];

fn packages() -> Vec<PackageSpec> {
    let base = PackageSpec {
        catalog: 0,
        name: "",
        description: "",
        group: "",
        license: None,
        approval: Approval::Manager,
        days: Some(365),
        hidden: false,
        guests: false,
        question: None,
        review: false,
        extension: false,
        weight: 10,
    };
    vec![
        PackageSpec {
            name: "Sales CRM",
            description: "Salesforce Sales Cloud with the pipeline dashboards",
            group: "Salesforce users",
            license: Some(("Salesforce Sales Cloud", 60)),
            weight: 14,
            ..base
        },
        PackageSpec {
            catalog: 1,
            name: "Engineering tools",
            description: "GitHub Enterprise, the build farm and the package registry",
            group: "GitHub Enterprise users",
            license: Some(("GitHub Enterprise", 60)),
            approval: Approval::TwoStage(ENGINEERING),
            days: Some(180),
            weight: 12,
            ..base
        },
        PackageSpec {
            catalog: 1,
            name: "Production database read",
            description: "Read-only access to the production databases, reviewed every quarter",
            group: "Production readers",
            days: Some(90),
            review: true,
            weight: 8,
            ..base
        },
        PackageSpec {
            catalog: 1,
            name: "Incident response",
            description: "The on-call runbooks and paging (hidden: shared by link)",
            group: "Incident responders",
            hidden: true,
            weight: 3,
            ..base
        },
        PackageSpec {
            catalog: 2,
            name: "Finance reporting",
            description: "The monthly close reports and cost-center dashboards",
            group: "Finance report readers",
            approval: Approval::Specific(head(FINANCE), head(FINANCE) * FANOUT + 1),
            question: Some("Which cost center is this for?"),
            weight: 6,
            ..base
        },
        PackageSpec {
            catalog: 3,
            name: "Company wiki",
            description: "Edit the company wiki (read access is for everyone)",
            group: "Wiki editors",
            approval: Approval::None,
            days: None,
            weight: 10,
            ..base
        },
        PackageSpec {
            catalog: 3,
            name: "Partner workspace",
            description: "A shared workspace with partners, for 30 days at a time",
            group: "Partner workspace members",
            days: Some(30),
            guests: true,
            extension: true,
            weight: 6,
            ..base
        },
        PackageSpec {
            catalog: 3,
            name: "Design tools",
            description: "Adobe Creative Cloud for the marketing and design teams",
            group: "Creative Cloud users",
            license: Some(("Adobe Creative Cloud", 40)),
            weight: 5,
            ..base
        },
    ]
}

fn principal(i: usize, ids: &[UserId]) -> DomainResult<Principal> {
    let (name, email) = name(i);
    Ok(Principal {
        kind: PrincipalKind::User,
        id: ids.get(i).ok_or(DomainError::NotFound("person"))?.0,
        name,
        detail: email,
    })
}

fn draft(
    spec: &PackageSpec,
    today: chrono::NaiveDate,
    catalog: CatalogId,
    group: GroupId,
    ids: &[UserId],
) -> DomainResult<PackageDraft> {
    let mut d = PackageDraft::new(today);
    d.name = spec.name.into();
    d.description = spec.description.into();
    d.catalog_id = catalog.to_string();
    d.hidden = spec.hidden;
    d.resources = vec![ResourceRoleDraft {
        group_id: group,
        group_name: spec.group.into(),
        role: ResourceRole::Member,
    }];
    let p = &mut d.policy;
    p.scope = if spec.guests {
        TargetScope::AllDirectoryUsers
    } else {
        TargetScope::AllMemberUsers
    };
    let operations = principal(head(OPERATIONS), ids)?;
    match spec.approval {
        Approval::None => {
            p.require_approval = false;
            p.require_requestor_justification = false;
        }
        Approval::Manager => {
            if let Some(s) = p.stages.get_mut(0) {
                // People without a manager (guests, the chief executive) go to Operations.
                s.fallback = vec![operations.clone()];
            }
        }
        Approval::TwoStage(dept) => {
            p.set_stage_count(2);
            if let Some(s) = p.stages.get_mut(0) {
                s.fallback = vec![operations.clone()];
            }
            if let Some(s) = p.stages.get_mut(1) {
                s.approvers = vec![principal(head(dept), ids)?];
            }
        }
        Approval::Specific(a, b) => {
            if let Some(s) = p.stages.get_mut(0) {
                s.manager_as_approver = false;
                s.approvers = vec![principal(a, ids)?, principal(b, ids)?];
            }
        }
    }
    match spec.days {
        Some(days) => p.expiry_days = days.to_string(),
        None => p.expiry_kind = ExpiryKind::Never,
    }
    p.allow_extension = spec.extension;
    if let Some(q) = spec.question {
        p.questions = vec![QuestionDraft {
            key: 1,
            text: q.into(),
            format: AnswerFormat::ShortText,
            choices: String::new(),
            required: true,
            pattern: String::new(),
        }];
    }
    if spec.review {
        p.review.required = true;
        p.review.reviewers = ReviewerKind::Manager;
        p.review.fallback = vec![principal(head(ENGINEERING), ids)?];
        p.review.frequency = ReviewFrequency::Quarterly;
        p.review.duration_days = "14".into();
        p.review.if_no_response = NoResponse::TakeRecommendations;
        p.review.require_justification = false;
        p.review.starting_on = (today + Duration::days(20)).format("%Y-%m-%d").to_string();
    }
    Ok(d)
}

/// A request on its way, and what will become of it.
struct Open {
    request: RequestId,
    package: usize,
    person: usize,
    stage: u32,
    /// The day its current stage is decided (none: it is left to expire).
    decide_on: Option<i64>,
    fate: Fate,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Approve,
    Deny,
    Cancel,
    Expire,
}

/// Seeds the organisation and its history unless it is there already (its chief executive
/// exists). `admin` builds it (an identity governance administrator of the demo).
pub async fn seed(ctx: &Ctx, admin: &Actor) -> DomainResult<Option<LivedIn>> {
    let ceo = Email::parse(CEO_EMAIL).map_err(|e| DomainError::Internal(e.into()))?;
    if users::id_by_email(&mut *ctx.read().await?, &ceo)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let now = ctx.clock.now();
    let start = now - Duration::days(HISTORY_DAYS);
    let clock = Arc::new(ManualClock::new(start));
    let past = Ctx {
        clock: clock.clone(),
        ..ctx.clone()
    };
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut made = LivedIn::default();

    // People, in one batch, managers before their reports.
    let hash = auth::hash_password(
        ctx,
        &NewPassword::parse(super::demo::DEMO_PASSWORD)
            .map_err(|e| DomainError::Internal(e.into()))?,
    )
    .await?;
    let ids: Vec<UserId> = (0..PEOPLE)
        .map(|_| UserId(id(&mut rng, start - Duration::days(400))))
        .collect();
    let mut department = vec![0usize; PEOPLE];
    let mut people = Vec::with_capacity(PEOPLE);
    for (i, id) in ids.iter().enumerate() {
        let dept = match manager_of(i) {
            None | Some(0) => i.saturating_sub(1) % DEPARTMENTS.len(),
            Some(m) => department.get(m).copied().unwrap_or(0),
        };
        if let Some(d) = department.get_mut(i) {
            *d = dept;
        }
        let dept_name = DEPARTMENTS.get(dept).copied().unwrap_or("Operations");
        let guest = is_guest(i);
        let (display_name, email) = name(i);
        // Most people signed in lately; some not for months (reviews recommend denying).
        let last_sign_in = (rng.gen_range(0..10) < 8)
            .then(|| ms(now - Duration::hours(rng.gen_range(1..24 * 20))))
            .or_else(|| Some(ms(now - Duration::days(rng.gen_range(45..200)))));
        people.push(SeedPerson {
            id: *id,
            email,
            display_name,
            guest,
            manager: manager_of(i).and_then(|m| ids.get(m)).copied(),
            department: if i == 0 {
                "Executive"
            } else if guest {
                ""
            } else {
                dept_name
            }
            .to_owned(),
            job_title: title(i, dept_name),
            password_hash: &hash,
            last_sign_in,
            created: ms(start - Duration::days(400) + Duration::minutes(i as i64)),
        });
    }
    let mut tx = ctx.db.begin().await?;
    insert_people(&mut tx, &people).await?;
    super::commit(tx).await?;
    drop(people);
    made.people = PEOPLE;
    let mut actors: HashMap<usize, Actor> = HashMap::new();

    // Catalogs, groups, licenses and packages, as the administrator made them on day one.
    let specs = packages();
    let mut catalogs = Vec::new();
    for (catalog_name, description, owner) in CATALOGS {
        let id = catalog_service::create(
            &past,
            admin,
            &CatalogInput {
                name: catalog_name,
                description,
                enabled: true,
            },
        )
        .await?;
        catalog_service::add_role(
            &past,
            admin,
            id,
            &name(head(owner)).1,
            CatalogRole::CatalogOwner,
        )
        .await?;
        catalogs.push(id);
    }
    let mut package_ids = Vec::new();
    let mut licenses = Vec::new();
    for spec in &specs {
        let group = dir::create_group(
            &past,
            admin,
            &GroupInput {
                name: spec.group,
                description: spec.description,
                kind: "security",
            },
        )
        .await?;
        if let Some((license, seats)) = spec.license {
            let l = dir::create_license(&past, admin, license, &seats.to_string()).await?;
            dir::assign_license(&past, admin, group, l).await?;
            licenses.push((l, license));
        }
        let catalog = *catalogs
            .get(spec.catalog)
            .ok_or(DomainError::NotFound("catalog"))?;
        let d = draft(spec, start.date_naive(), catalog, group, &ids)?;
        package_ids.push(package_service::create_package(&past, admin, &d).await?);
    }
    made.packages = package_ids.len();

    // Four months of requests, decisions, cancellations and jobs, a day at a time.
    let weights: Vec<u32> = specs.iter().map(|s| s.weight).collect();
    let total_weight: u32 = weights.iter().sum();
    let mut holds: HashSet<(usize, usize)> = HashSet::new();
    let mut open: Vec<Open> = Vec::new();
    let mut reviewed_by: HashSet<(ReviewId, usize)> = HashSet::new();
    let reviewed: Vec<usize> = (0..specs.len())
        .filter(|p| specs.get(*p).is_some_and(|s| s.review))
        .collect();
    for day in 0..HISTORY_DAYS {
        let morning = start + Duration::days(day) + Duration::hours(9);
        let weekend =
            (day + i64::from(start.date_naive().weekday().num_days_from_monday())) % 7 >= 5;
        let asks = if weekend { 0 } else { rng.gen_range(3..7) };
        for _ in 0..asks {
            clock.set(morning + Duration::minutes(rng.gen_range(0..480)));
            let mut pick = rng.gen_range(0..total_weight);
            let package = weights
                .iter()
                .position(|w| {
                    if pick < *w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .unwrap_or(0);
            let Some(spec) = specs.get(package) else {
                continue;
            };
            let person = rng.gen_range(9..PEOPLE);
            if (is_guest(person) && !spec.guests)
                || holds.contains(&(person, package))
                || open
                    .iter()
                    .any(|o| o.person == person && o.package == package)
            {
                continue;
            }
            let actor = actor_of(ctx, &mut actors, &ids, person).await?;
            let form = RequestForm {
                justification: JUSTIFICATIONS
                    .get(rng.gen_range(0..JUSTIFICATIONS.len()))
                    .copied()
                    .unwrap_or("Needed for my work.")
                    .into(),
                answers: spec
                    .question
                    .map(|_| vec![format!("CC-{}", rng.gen_range(1000..9999))])
                    .unwrap_or_default(),
                ..Default::default()
            };
            let Some(&package_id) = package_ids.get(package) else {
                continue;
            };
            let (request, outcome) = match submit_request(&past, &actor, package_id, &form).await {
                Ok(r) => r,
                Err(DomainError::Conflict(_)) | Err(DomainError::Invalid(_)) => continue,
                Err(e) => return Err(e),
            };
            made.requests += 1;
            match outcome {
                RequestOutcome::Delivered(_) => {
                    holds.insert((person, package));
                }
                RequestOutcome::Pending { stage, .. } => {
                    let roll = rng.gen_range(0..100);
                    let fate = match roll {
                        0..=75 => Fate::Approve,
                        76..=87 => Fate::Deny,
                        88..=93 => Fate::Cancel,
                        _ => Fate::Expire,
                    };
                    open.push(Open {
                        request,
                        package,
                        person,
                        stage,
                        decide_on: (fate != Fate::Expire).then(|| day + rng.gen_range(0..4)),
                        fate,
                    });
                }
                _ => {}
            }
        }
        // The afternoon: approvers decide, requestors cancel.
        clock.set(start + Duration::days(day) + Duration::hours(17));
        let due: Vec<usize> = (0..open.len())
            .filter(|i| open.get(*i).and_then(|o| o.decide_on) == Some(day))
            .collect();
        let mut done = Vec::new();
        for i in due {
            let Some(o) = open.get_mut(i) else { continue };
            let Some(spec) = specs.get(o.package) else {
                continue;
            };
            if o.fate == Fate::Cancel {
                let actor = actor_of(ctx, &mut actors, &ids, o.person).await?;
                if requests::cancel_request(&past, &actor, o.request)
                    .await
                    .is_ok()
                {
                    done.push(i);
                }
                continue;
            }
            let decider = match (spec.approval, o.stage) {
                (Approval::Specific(a, b), _) => {
                    if o.person % 2 == 0 {
                        a
                    } else {
                        b
                    }
                }
                (Approval::TwoStage(dept), 2) => head(dept),
                _ => manager_of(o.person)
                    .filter(|_| !is_guest(o.person))
                    .unwrap_or(head(OPERATIONS)),
            };
            if decider == o.person {
                continue; // nobody decides their own request; it expires
            }
            let actor = actor_of(ctx, &mut actors, &ids, decider).await?;
            let approve = o.fate == Fate::Approve;
            let reason = if approve {
                "Approved: fits the role."
            } else {
                "Not needed for this role; ask your manager first."
            };
            match requests::decide(&past, &actor, o.request, approve, reason).await {
                Ok(RequestOutcome::Pending { stage, .. }) => {
                    made.decisions += 1;
                    o.stage = stage;
                    o.decide_on = Some(day + 1);
                }
                Ok(RequestOutcome::Delivered(_)) => {
                    made.decisions += 1;
                    holds.insert((o.person, o.package));
                    done.push(i);
                }
                Ok(_) => {
                    made.decisions += 1;
                    done.push(i);
                }
                // Rerouted or expired meanwhile: left as the engine left it.
                Err(DomainError::Conflict(_)) | Err(DomainError::Forbidden(_)) => done.push(i),
                Err(e) => return Err(e),
            }
        }
        done.sort_unstable();
        for i in done.into_iter().rev() {
            open.remove(i);
        }
        // Reviewers decide a little every day while a review runs.
        for p in &reviewed {
            let Some(&package_id) = package_ids.get(*p) else {
                continue;
            };
            for r in reviews::package_reviews(&past, admin, package_id).await? {
                if r.state != ReviewState::Active {
                    continue;
                }
                let managers: HashSet<usize> = holds
                    .iter()
                    .filter(|(_, pkg)| pkg == p)
                    .filter_map(|(person, _)| manager_of(*person))
                    .collect();
                let mut managers: Vec<usize> = managers.into_iter().collect();
                managers.sort_unstable();
                for m in managers {
                    if reviewed_by.contains(&(r.id, m)) || rng.gen_range(0..100) >= 8 {
                        continue;
                    }
                    let actor = actor_of(ctx, &mut actors, &ids, m).await?;
                    match reviews::accept_recommendations(&past, &actor, r.id).await {
                        Ok(n) => {
                            made.decisions += n as usize;
                            reviewed_by.insert((r.id, m));
                        }
                        // Not a reviewer of this review (their team got access after it
                        // began): nothing to decide.
                        Err(DomainError::Forbidden(_)) => {
                            reviewed_by.insert((r.id, m));
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        // The night: deadlines, expiry, reviews starting and ending, the day's figures.
        clock.set(start + Duration::days(day) + Duration::hours(23));
        let report = jobs::run_due(&past, None, RunLimits::default()).await;
        if let Some(f) = report.failures.first() {
            return Err(DomainError::Internal(format!("demo history: {f}").into()));
        }
        made.reviews += report.reviews_started as usize;
        // Access that ended (expiry, reviews) may be asked for again.
        if report.assignments_expired + report.review_removals > 0 {
            holds = still_held(&past, &ids, &package_ids).await?;
        }
    }

    // Today: seats close to full, and an approver who left (the policy is losing approvers).
    for (license, name) in licenses {
        let used = dir::license_detail(ctx, admin, license)
            .await?
            .license
            .usage
            .holders;
        let seats = if name.starts_with("Adobe") {
            used.max(1)
        } else {
            used + used / 20 + 1
        };
        dir::update_license(ctx, admin, license, name, &seats.to_string()).await?;
    }
    let leaver = head(FINANCE) * FANOUT + 1;
    let (display_name, email) = name(leaver);
    let id = *ids.get(leaver).ok_or(DomainError::NotFound("person"))?;
    let dept = DEPARTMENTS.get(FINANCE).copied().unwrap_or("Finance");
    dir::update_user(
        ctx,
        admin,
        id,
        &UserForm {
            email,
            display_name,
            user_type: "member".into(),
            manager_email: manager_of(leaver).map(|m| name(m).1).unwrap_or_default(),
            department: dept.into(),
            job_title: title(leaver, dept),
            enabled: false,
        },
    )
    .await?;
    Ok(Some(made))
}

fn title(i: usize, dept: &str) -> String {
    match i {
        0 => "Chief executive".to_owned(),
        _ if is_guest(i) => "Partner consultant".to_owned(),
        1..=8 => format!("Head of {dept}"),
        _ if i * FANOUT + 1 < PEOPLE => format!("{dept} manager"),
        _ => format!("{dept} specialist"),
    }
}

async fn actor_of(
    ctx: &Ctx,
    cache: &mut HashMap<usize, Actor>,
    ids: &[UserId],
    i: usize,
) -> DomainResult<Actor> {
    if let Some(a) = cache.get(&i) {
        return Ok(a.clone());
    }
    let id = *ids.get(i).ok_or(DomainError::NotFound("person"))?;
    let actor = users::actor(&mut *ctx.read().await?, id)
        .await?
        .ok_or(DomainError::NotFound("person"))?;
    cache.insert(i, actor.clone());
    Ok(actor)
}

/// Who holds which package now (live assignments), by person and package index.
async fn still_held(
    ctx: &Ctx,
    ids: &[UserId],
    packages: &[AccessPackageId],
) -> DomainResult<HashSet<(usize, usize)>> {
    let person: HashMap<String, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, u)| (u.to_string(), i))
        .collect();
    let mut out = HashSet::new();
    let mut conn = ctx.read().await?;
    for (p, package) in packages.iter().enumerate() {
        out.extend(
            crate::store::insight::live_holders(&mut conn, *package)
                .await?
                .into_iter()
                .filter_map(|u| person.get(&u).map(|i| (*i, p))),
        );
    }
    Ok(out)
}
