//! Directory administration: users, groups, memberships, licenses, CSV import.

use super::{Ctx, check_search, commit, require_directory_admin};
use crate::db::Tx;
use crate::model::*;
use crate::rules::grants::GrantSource;
use crate::store::audit::{self, NewEvent};
use crate::store::{groups, licenses, users};
use crate::{DomainError, DomainResult};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Bounds on one CSV import, to protect the server; larger directories import in parts.
pub const IMPORT_MAX_BYTES: usize = 2 * 1024 * 1024;
pub const IMPORT_MAX_ROWS: usize = 10_000;
/// How many direct reports and license violations a detail page shows.
pub const DETAIL_LIST_LIMIT: i64 = 200;

pub async fn counts(ctx: &Ctx, actor: &Actor) -> DomainResult<DirectoryCounts> {
    require_directory_admin(actor)?;
    let mut conn = ctx.read().await?;
    let (users, guests) = users::count(&mut conn).await?;
    let groups = groups::count(&mut conn).await?;
    let all = licenses::list(&mut conn).await?;
    Ok(DirectoryCounts {
        users,
        guests,
        groups,
        licenses: i64::try_from(all.len()).unwrap_or(i64::MAX),
        license_errors: all.iter().map(|l| l.usage.violations).sum(),
    })
}

// ---- users ----

pub async fn search_users(
    ctx: &Ctx,
    actor: &Actor,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<UserSummary>> {
    require_directory_admin(actor)?;
    check_search(query)?;
    users::search(&mut *ctx.read().await?, query, page).await
}

pub async fn user_detail(ctx: &Ctx, actor: &Actor, id: UserId) -> DomainResult<UserDetail> {
    require_directory_admin(actor)?;
    let mut conn = ctx.read().await?;
    Ok(UserDetail {
        user: users::summary(&mut conn, id).await?,
        last_sign_in_at: users::last_sign_in(&mut conn, id).await?,
        roles: users::roles(&mut conn, id).await?,
        direct_reports: users::direct_reports(&mut conn, id, DETAIL_LIST_LIMIT).await?,
        memberships: groups::memberships_of(&mut conn, id).await?,
        licenses: licenses::of_user(&mut conn, id).await?,
    })
}

/// The person with `email`, or a message on `field` saying nobody has it.
async fn existing_person(tx: &mut Tx, field: &str, email: &Email) -> DomainResult<UserId> {
    users::id_by_email(tx, email)
        .await?
        .ok_or_else(|| DomainError::invalid(field, format!("No user has the email {email}.")))
}

async fn resolve_manager(
    tx: &mut Tx,
    user: Option<UserId>,
    v: &ValidUser,
) -> DomainResult<Option<UserId>> {
    let Some(email) = &v.manager_email else {
        return Ok(None);
    };
    let manager = existing_person(tx, "manager_email", email).await?;
    if let Some(user) = user
        && users::would_cycle(tx, user, manager).await?
    {
        return Err(DomainError::invalid(
            "manager_email",
            "That would make a loop of managers.",
        ));
    }
    Ok(Some(manager))
}

fn user_json(v: &ValidUser) -> serde_json::Value {
    json!({
        "email": v.email.as_str(), "display_name": v.display_name.as_str(), "user_type": v.user_type.code(),
        "manager_email": v.manager_email.as_ref().map(Email::as_str), "department": v.department.as_str(),
        "job_title": v.job_title.as_str(), "enabled": v.enabled,
    })
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn create_user(ctx: &Ctx, actor: &Actor, form: &UserForm) -> DomainResult<UserId> {
    require_directory_admin(actor)?;
    let v = form.parse().map_err(DomainError::Invalid)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let manager = resolve_manager(&mut tx, None, &v).await?;
    let id = UserId::new();
    users::insert(&mut tx, id, &v, manager, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "user.created",
        "user",
        id,
        format!("Created user {}", v.email),
    );
    audit::record(&mut tx, event.after(user_json(&v))).await?;
    commit(tx).await?;
    Ok(id)
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn update_user(
    ctx: &Ctx,
    actor: &Actor,
    id: UserId,
    form: &UserForm,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let v = form.parse().map_err(DomainError::Invalid)?;
    if id == actor.user_id && !v.enabled {
        return Err(DomainError::invalid(
            "enabled",
            "You cannot disable your own account.",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    require_may_change(&mut tx, actor, id).await?;
    let before = users::summary(&mut tx, id).await?;
    let manager = resolve_manager(&mut tx, Some(id), &v).await?;
    users::update(&mut tx, id, &v, manager, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "user.updated",
        "user",
        id,
        format!("Updated user {}", v.email),
    );
    let before = json!({"email": before.email, "display_name": before.display_name, "user_type": before.user_type.code(),
        "manager_email": before.manager.map(|m| m.email), "department": before.department, "job_title": before.job_title,
        "enabled": before.enabled});
    audit::record(&mut tx, event.before(before).after(user_json(&v))).await?;
    commit(tx).await
}

/// Only a Global Administrator changes a Global Administrator: anyone else who could edit,
/// disable or make a guest of one could take the tenant's highest role away.
async fn may_change(
    conn: &mut crate::store::Conn,
    actor: &Actor,
    person: UserId,
) -> DomainResult<bool> {
    if actor.has_role(DirectoryRole::GlobalAdministrator) {
        return Ok(true);
    }
    let theirs = users::roles(conn, person).await?;
    Ok(!theirs.contains(&DirectoryRole::GlobalAdministrator))
}

async fn require_may_change(
    conn: &mut crate::store::Conn,
    actor: &Actor,
    person: UserId,
) -> DomainResult<()> {
    crate::service::require(
        may_change(conn, actor, person).await?,
        "only a Global Administrator can change a Global Administrator",
    )
}

/// The columns an import file must have, in any order (header names are case-insensitive).
pub const IMPORT_COLUMNS: [&str; 6] = [
    "email",
    "display_name",
    "type",
    "manager_email",
    "department",
    "job_title",
];

fn column_key(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// Validates the whole file before writing anything: every line's errors are listed; nothing
/// is written unless every line is valid. Existing users (same email) are updated.
#[tracing::instrument(skip(ctx, actor, csv_text), fields(actor = %actor.user_id, bytes = csv_text.len()))]
pub async fn import_users(ctx: &Ctx, actor: &Actor, csv_text: &str) -> DomainResult<ImportOutcome> {
    require_directory_admin(actor)?;
    if csv_text.len() > IMPORT_MAX_BYTES {
        return Err(DomainError::invalid(
            "csv",
            format!(
                "The file is larger than {} MB; split it into parts.",
                IMPORT_MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    if csv_text.trim().is_empty() {
        return Err(DomainError::invalid(
            "csv",
            "The file is empty. It needs a header line and at least one user.",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| DomainError::invalid("csv", format!("The header line cannot be read: {e}")))?
        .iter()
        .map(column_key)
        .collect();
    let position: HashMap<&str, usize> = IMPORT_COLUMNS
        .iter()
        .filter_map(|c| {
            headers
                .iter()
                .position(|h| h == c || (*c == "type" && h == "user_type"))
                .map(|i| (*c, i))
        })
        .collect();
    let missing: Vec<&str> = IMPORT_COLUMNS
        .iter()
        .copied()
        .filter(|c| !position.contains_key(c))
        .collect();
    if missing.contains(&"email") || missing.contains(&"display_name") {
        return Err(DomainError::invalid(
            "csv",
            format!(
                "The header line must name the columns {}; missing: {}.",
                IMPORT_COLUMNS.join(", "),
                missing.join(", ")
            ),
        ));
    }

    let mut rows: Vec<(usize, ValidUser)> = Vec::new();
    let mut problems: Vec<ImportLineError> = Vec::new();
    let mut seen: HashMap<Email, usize> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        if index >= IMPORT_MAX_ROWS {
            return Err(DomainError::invalid(
                "csv",
                format!("The file has more than {IMPORT_MAX_ROWS} users; split it into parts."),
            ));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(ImportLineError {
                    line,
                    errors: vec![FieldError::new("line", format!("cannot be read: {e}"))],
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |c: &str| {
            position
                .get(c)
                .and_then(|i| record.get(*i))
                .unwrap_or("")
                .to_owned()
        };
        let form = UserForm {
            email: get("email"),
            display_name: get("display_name"),
            user_type: get("type"),
            manager_email: get("manager_email"),
            department: get("department"),
            job_title: get("job_title"),
            enabled: true,
        };
        match form.parse() {
            Ok(v) => {
                if let Some(first) = seen.insert(v.email.clone(), line) {
                    problems.push(ImportLineError {
                        line,
                        errors: vec![FieldError::new(
                            "email",
                            format!("{} also appears on line {first}.", v.email),
                        )],
                    });
                }
                rows.push((line, v));
            }
            Err(errors) => problems.push(ImportLineError { line, errors }),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        return Err(DomainError::invalid(
            "csv",
            "The file has a header but no users.",
        ));
    }

    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    // Managers must exist already or be in the file.
    let in_file: HashSet<&Email> = rows.iter().map(|(_, v)| &v.email).collect();
    for (line, v) in &rows {
        if let Some(m) = &v.manager_email
            && !in_file.contains(m)
            && users::id_by_email(&mut tx, m).await?.is_none()
        {
            problems.push(ImportLineError {
                line: *line,
                errors: vec![FieldError::new(
                    "manager_email",
                    format!("No user has the email {m}, here or in the directory."),
                )],
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Ok(ImportOutcome::Rejected { lines: problems });
    }

    // Pass 1: create or update people; pass 2: link managers (they may be later in the file).
    let (mut created, mut updated) = (0, 0);
    let mut ids: HashMap<Email, UserId> = HashMap::new();
    for (line, v) in &rows {
        let id = match users::id_by_email(&mut tx, &v.email).await? {
            Some(id) if !may_change(&mut tx, actor, id).await? => {
                problems.push(ImportLineError {
                    line: *line,
                    errors: vec![FieldError::new(
                        "email",
                        format!("{} is a Global Administrator; only a Global Administrator can change them.", v.email),
                    )],
                });
                continue;
            }
            Some(id) => {
                let current_manager = users::summary(&mut tx, id).await?.manager.map(|m| m.id);
                users::update(&mut tx, id, v, current_manager, now).await?;
                updated += 1;
                id
            }
            None => {
                let id = UserId::new();
                users::insert(&mut tx, id, v, None, now).await?;
                created += 1;
                id
            }
        };
        ids.insert(v.email.clone(), id);
    }
    if !problems.is_empty() {
        // Nothing is written: the transaction is dropped, so everything above rolls back.
        return Ok(ImportOutcome::Rejected { lines: problems });
    }
    for (line, v) in &rows {
        let Some(id) = ids.get(&v.email).copied() else {
            continue;
        };
        let manager = match &v.manager_email {
            Some(m) => match ids.get(m) {
                Some(mid) => Some(*mid),
                None => users::id_by_email(&mut tx, m).await?,
            },
            None => None,
        };
        if let Some(mid) = manager
            && users::would_cycle(&mut tx, id, mid).await?
        {
            return Ok(ImportOutcome::Rejected {
                lines: vec![ImportLineError {
                    line: *line,
                    errors: vec![FieldError::new(
                        "manager_email",
                        "This makes a loop of managers.",
                    )],
                }],
            });
        }
        users::update(&mut tx, id, v, manager, now).await?;
    }
    let summary = format!("Imported users from CSV: {created} created, {updated} updated");
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "user.imported",
        "directory",
        "users",
        summary,
    );
    audit::record(
        &mut tx,
        event.after(json!({"created": created, "updated": updated})),
    )
    .await?;
    commit(tx).await?;
    Ok(ImportOutcome::Imported { created, updated })
}

// ---- groups ----

pub async fn search_groups(
    ctx: &Ctx,
    actor: &Actor,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<GroupSummary>> {
    require_directory_admin(actor)?;
    check_search(query)?;
    groups::search(&mut *ctx.read().await?, query, page).await
}

pub async fn group_detail(
    ctx: &Ctx,
    actor: &Actor,
    id: GroupId,
    page: PageRequest,
) -> DomainResult<GroupDetail> {
    require_directory_admin(actor)?;
    let mut conn = ctx.read().await?;
    let group = groups::summary(&mut conn, id).await?;
    Ok(GroupDetail {
        owners: groups::owners(&mut conn, id).await?,
        members: groups::members(&mut conn, id, group.member_count, page).await?,
        licenses: licenses::of_group(&mut conn, id).await?,
        group,
    })
}

/// What an admin types for a group.
#[derive(Debug, Clone, Default)]
pub struct GroupInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub kind: &'a str,
}

fn parse_group(input: &GroupInput<'_>) -> DomainResult<(GroupName, Description, GroupKind)> {
    let mut p = Problems::default();
    let name = p.check("name", GroupName::parse(input.name));
    let description = p.check("description", Description::parse(input.description));
    let kind = p.check(
        "kind",
        GroupKind::parse(input.kind).map_err(|_| "Choose Security or Microsoft 365.".to_string()),
    );
    p.into_result()?;
    match (name, description, kind) {
        (Some(n), Some(d), Some(k)) => Ok((n, d, k)),
        _ => Err(DomainError::invalid("form", "invalid input")),
    }
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn create_group(
    ctx: &Ctx,
    actor: &Actor,
    input: &GroupInput<'_>,
) -> DomainResult<GroupId> {
    require_directory_admin(actor)?;
    let (name, description, kind) = parse_group(input)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let id = GroupId::new();
    groups::insert(&mut tx, id, &name, &description, kind, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.created",
        "group",
        id,
        format!("Created group {name}"),
    );
    audit::record(&mut tx, event.after(json!({"name": name.as_str(), "description": description.as_str(), "kind": kind.code()}))).await?;
    commit(tx).await?;
    Ok(id)
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn update_group(
    ctx: &Ctx,
    actor: &Actor,
    id: GroupId,
    input: &GroupInput<'_>,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let (name, description, kind) = parse_group(input)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = groups::summary(&mut tx, id).await?;
    groups::update(&mut tx, id, &name, &description, kind, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.updated",
        "group",
        id,
        format!("Updated group {name}"),
    );
    let event = event
        .before(json!({"name": before.name, "description": before.description, "kind": before.kind.code()}))
        .after(json!({"name": name.as_str(), "description": description.as_str(), "kind": kind.code()}));
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

/// Adds a person to a group directly (an admin grant).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_member(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    email: &str,
) -> DomainResult<UserId> {
    require_directory_admin(actor)?;
    let email = Email::parse(email).map_err(|e| DomainError::invalid("email", e))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = groups::summary(&mut tx, group).await?;
    let user = existing_person(&mut tx, "email", &email).await?;
    if !groups::add_grant(&mut tx, group, user, GrantSource::Direct, now).await? {
        return Err(DomainError::invalid(
            "email",
            format!("{email} is already a direct member of {}.", summary.name),
        ));
    }
    let text = format!("Added {email} to {} (direct)", summary.name);
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "group.member_added",
            "group",
            group,
            text,
        )
        .after(json!({"user": email.as_str(), "source": "direct"})),
    )
    .await?;
    commit(tx).await?;
    Ok(user)
}

/// Withdraws a person's direct membership; grants from access packages stay.
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_direct_member(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    user: UserId,
) -> DomainResult<Vec<GrantSource>> {
    require_directory_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = groups::summary(&mut tx, group).await?;
    let person = users::summary(&mut tx, user).await?;
    if !groups::withdraw_grant(&mut tx, group, user, GrantSource::Direct).await? {
        return Err(DomainError::Conflict(format!(
            "{} has no direct membership in {}.",
            person.display_name, summary.name
        )));
    }
    let remaining = groups::grants(&mut tx, group, user).await?;
    let text = format!(
        "Removed the direct membership of {} in {}",
        person.email, summary.name
    );
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.member_removed",
        "group",
        group,
        text,
    )
    .before(json!({"user": person.email, "source": "direct"}))
    .after(
        json!({"remaining_grants": remaining.iter().map(GrantSource::code).collect::<Vec<_>>()}),
    );
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(remaining)
}

/// Makes a person an owner of a group (owners are shown with the group; later issues let them
/// approve or review access to it).
#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn add_owner(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    email: &str,
) -> DomainResult<UserId> {
    require_directory_admin(actor)?;
    let email = Email::parse(email)
        .map_err(|e| DomainError::invalid("owner_email", e.replace("Email", "Owner email")))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = groups::summary(&mut tx, group).await?;
    let user = existing_person(&mut tx, "owner_email", &email).await?;
    if users::summary(&mut tx, user).await?.user_type == UserType::Guest {
        return Err(DomainError::invalid(
            "owner_email",
            "Guests cannot own groups.",
        ));
    }
    if !groups::add_owner(&mut tx, group, user).await? {
        return Err(DomainError::invalid(
            "owner_email",
            format!("{email} already owns {}.", summary.name),
        ));
    }
    let text = format!("Made {email} an owner of {}", summary.name);
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.owner_added",
        "group",
        group,
        text,
    )
    .after(json!({"owner": email.as_str()}));
    audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(user)
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_owner(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    user: UserId,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let summary = groups::summary(&mut tx, group).await?;
    let person = users::summary(&mut tx, user).await?;
    if !groups::remove_owner(&mut tx, group, user).await? {
        return Err(DomainError::Conflict(format!(
            "{} does not own {}.",
            person.display_name, summary.name
        )));
    }
    let text = format!("Removed {} as an owner of {}", person.email, summary.name);
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "group.owner_removed",
        "group",
        group,
        text,
    )
    .before(json!({"owner": person.email}));
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

// ---- licenses ----

pub async fn list_licenses(ctx: &Ctx, actor: &Actor) -> DomainResult<Vec<LicenseSummary>> {
    require_directory_admin(actor)?;
    licenses::list(&mut *ctx.read().await?).await
}

pub async fn license_detail(
    ctx: &Ctx,
    actor: &Actor,
    id: LicenseId,
) -> DomainResult<LicenseDetail> {
    require_directory_admin(actor)?;
    let mut conn = ctx.read().await?;
    let license = licenses::summary(&mut conn, id).await?;
    let violations = licenses::violations(&mut conn, id, license.seats, DETAIL_LIST_LIMIT).await?;
    Ok(LicenseDetail {
        license,
        violations,
    })
}

fn parse_license(name: &str, seats: &str) -> DomainResult<(LicenseName, Seats)> {
    let mut p = Problems::default();
    let name = p.check("name", LicenseName::parse(name));
    let seats = p.check("seats", Seats::parse(seats));
    p.into_result()?;
    match (name, seats) {
        (Some(n), Some(s)) => Ok((n, s)),
        _ => Err(DomainError::invalid("form", "invalid input")),
    }
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn create_license(
    ctx: &Ctx,
    actor: &Actor,
    name: &str,
    seats: &str,
) -> DomainResult<LicenseId> {
    require_directory_admin(actor)?;
    let (name, seats) = parse_license(name, seats)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let id = LicenseId::new();
    licenses::insert(&mut tx, id, &name, seats, now).await?;
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "license.created",
        "license",
        id,
        format!("Created license {name} with {} seats", seats.get()),
    );
    audit::record(
        &mut tx,
        event.after(json!({"name": name.as_str(), "seats": seats.get()})),
    )
    .await?;
    commit(tx).await?;
    Ok(id)
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn update_license(
    ctx: &Ctx,
    actor: &Actor,
    id: LicenseId,
    name: &str,
    seats: &str,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let (name, seats) = parse_license(name, seats)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let before = licenses::summary(&mut tx, id).await?;
    licenses::update(&mut tx, id, &name, seats, now).await?;
    let text = format!(
        "Updated license {name}: {} → {} seats",
        before.seats,
        seats.get()
    );
    let event = NewEvent::new(
        now,
        Some(actor.user_id),
        "license.updated",
        "license",
        id,
        text,
    )
    .before(json!({"name": before.name, "seats": before.seats}))
    .after(json!({"name": name.as_str(), "seats": seats.get()}));
    audit::record(&mut tx, event).await?;
    commit(tx).await
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn assign_license(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    license: LicenseId,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let g = groups::summary(&mut tx, group).await?;
    let l = licenses::summary(&mut tx, license).await?;
    if !licenses::assign_to_group(&mut tx, group, license).await? {
        return Err(DomainError::invalid(
            "license",
            format!("{} already carries {}.", g.name, l.name),
        ));
    }
    let text = format!("Assigned license {} to group {}", l.name, g.name);
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "group.license_assigned",
            "group",
            group,
            text,
        )
        .after(json!({"license": l.name})),
    )
    .await?;
    commit(tx).await
}

#[tracing::instrument(skip(ctx, actor), fields(actor = %actor.user_id))]
pub async fn remove_license(
    ctx: &Ctx,
    actor: &Actor,
    group: GroupId,
    license: LicenseId,
) -> DomainResult<()> {
    require_directory_admin(actor)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let g = groups::summary(&mut tx, group).await?;
    let l = licenses::summary(&mut tx, license).await?;
    if !licenses::remove_from_group(&mut tx, group, license).await? {
        return Err(DomainError::Conflict(format!(
            "{} does not carry {}.",
            g.name, l.name
        )));
    }
    let text = format!("Removed license {} from group {}", l.name, g.name);
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            Some(actor.user_id),
            "group.license_removed",
            "group",
            group,
            text,
        )
        .before(json!({"license": l.name})),
    )
    .await?;
    commit(tx).await
}
