//! Turning drafts into checked packages and policies: every field-level problem at once.

use super::*;

pub(super) fn whole(raw: &str, what: &str, min: u32, max: u32) -> Result<u32, String> {
    let message = || format!("{what} must be a whole number from {min} to {max}.");
    let n: i64 = raw.trim().parse().map_err(|_| message())?;
    if n < i64::from(min) || n > i64::from(max) {
        return Err(message());
    }
    u32::try_from(n).map_err(|_| message())
}

pub(super) fn date(raw: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{what} must be a date (YYYY-MM-DD)."))
}

pub(super) fn principals(
    p: &mut Problems,
    field: &str,
    list: &[Principal],
    what: &str,
    required: bool,
    max: usize,
) -> Vec<Principal> {
    if required && list.is_empty() {
        p.push(field, format!("Choose at least one {what}."));
    }
    if list.len() > max {
        p.push(field, format!("Choose at most {max} {what}s."));
    }
    let mut seen = std::collections::HashSet::new();
    if list.iter().any(|x| !seen.insert(x.id)) {
        p.push(field, format!("Each {what} can be chosen only once."));
    }
    list.to_vec()
}

/// Compiles a requestor-information pattern with bounded memory: the one way both saving a
/// policy and checking an answer build it.
#[cfg(feature = "server")]
pub fn compile_pattern(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(256 * 1024)
        .dfa_size_limit(256 * 1024)
        .build()
}

/// Checks a requestor-information pattern. In the browser only its size is checked; the
/// server compiles it (with a size limit) before anything is saved.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(format!(
            "The regular expression must be at most {MAX_PATTERN_CHARS} characters."
        ));
    }
    #[cfg(feature = "server")]
    {
        compile_pattern(pattern).map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                "The regular expression is too complex; simplify it.".to_owned()
            }
            other => format!("The regular expression is not valid: {other}"),
        })?;
    }
    Ok(())
}

/// Forwarding rules from the product: the window must be at least 4 days, and the forward
/// day at least half of it and before its last day.
pub fn check_forward(decision_days: u32, after_days: u32) -> Result<(), String> {
    if decision_days < MIN_DAYS_FOR_FORWARD {
        return Err(format!(
            "Forwarding to alternate approvers needs a decision window of at least {MIN_DAYS_FOR_FORWARD} days."
        ));
    }
    if after_days * 2 < decision_days {
        return Err(format!(
            "Forward after at least half of the decision window: {} days or more.",
            decision_days.div_ceil(2)
        ));
    }
    if after_days >= decision_days {
        return Err(format!(
            "Forward before the last day of the decision window: at most {} days.",
            decision_days - 1
        ));
    }
    Ok(())
}

/// A package's basics and resources, validated, with its first policy.
#[derive(Debug, Clone)]
pub struct ValidPackage {
    pub name: PackageName,
    pub description: PackageDescription,
    pub catalog: CatalogId,
    pub hidden: bool,
    pub resources: Vec<(GroupId, ResourceRole)>,
    pub policy: (PolicyName, PolicyDescription, PolicySpec),
}

impl PackageDraft {
    pub fn validate(&self, check: PolicyCheck) -> Result<ValidPackage, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.check("name", PackageName::parse(&self.name));
        let description = p.check("description", PackageDescription::parse(&self.description));
        let catalog = p.check(
            "catalog",
            CatalogId::parse(&self.catalog_id).map_err(|_| "Choose a catalog.".to_owned()),
        );
        if self.resources.len() > MAX_RESOURCE_ROLES {
            p.push(
                "resources",
                format!("An access package holds at most {MAX_RESOURCE_ROLES} resource roles."),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for r in &self.resources {
            if !seen.insert((r.group_id, r.role)) {
                p.push(
                    "resources",
                    format!("{} ({}) is listed twice.", r.group_name, r.role.label()),
                );
            }
        }
        let policy = self.policy.validate(check, &mut p);
        if !p.0.is_empty() {
            return Err(p.0);
        }
        match (name, description, catalog, policy) {
            (Some(name), Some(description), Some(catalog), Some(policy)) => Ok(ValidPackage {
                name,
                description,
                catalog,
                hidden: self.hidden,
                resources: self
                    .resources
                    .iter()
                    .map(|r| (r.group_id, r.role))
                    .collect(),
                policy,
            }),
            _ => Err(vec![FieldError::new(
                "name",
                "The access package is not valid.",
            )]),
        }
    }

    pub fn warnings(&self) -> Vec<(WizardTab, String)> {
        let mut w = Vec::new();
        if self.resources.is_empty() {
            w.push((
                WizardTab::ResourceRoles,
                "No resource roles: this access package grants nothing yet.".to_owned(),
            ));
        }
        w.extend(self.policy.warnings());
        w
    }

    pub fn describe(&self, catalog_name: &str) -> Vec<(WizardTab, Vec<String>)> {
        let mut out = vec![
            (
                WizardTab::Basics,
                vec![
                    format!("Name: {}", self.name.trim()),
                    format!("Description: {}", self.description.trim()),
                    format!("Catalog: {catalog_name}"),
                    format!("Hidden: {}", yes_no(self.hidden)),
                ],
            ),
            (
                WizardTab::ResourceRoles,
                if self.resources.is_empty() {
                    vec!["No resource roles.".to_owned()]
                } else {
                    self.resources
                        .iter()
                        .map(|r| format!("{} — {}", r.group_name, r.role.label()))
                        .collect()
                },
            ),
        ];
        out.extend(self.policy.describe());
        out
    }
}

// ---------------------------------------------------------------- views
