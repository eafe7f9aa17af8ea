//! Importing people from a CSV file.

use super::*;

/// Bounds on one CSV import, to protect the server; larger directories import in parts.
pub const IMPORT_MAX_BYTES: usize = 2 * 1024 * 1024;
pub const IMPORT_MAX_ROWS: usize = 10_000;
/// The columns an import file must have, in any order (header names are case-insensitive).
pub const IMPORT_COLUMNS: [&str; 6] = [
    "email",
    "display_name",
    "type",
    "manager_email",
    "department",
    "job_title",
];

pub(super) fn column_key(header: &str) -> String {
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
