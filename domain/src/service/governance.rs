//! Policy as code: export the governance configuration as a [`GovernanceFile`], and apply one
//! to the database in one transaction.
//!
//! Apply makes what the file names match the file, through the same use cases as the pages
//! (each checks the actor's roles and audits as it always does):
//!
//! - a catalog or access package the file names is created, or changed to match;
//! - the parts of a named catalog (roles, resources) and of a named package (resource roles,
//!   policies by name, incompatibilities) become exactly those of the file: missing ones are
//!   added, others removed (refused as on the pages, e.g. a policy that still has assignments);
//! - catalogs and packages the file does not name are left as they are.
//!
//! The first refusal or invalid value stops it and nothing is changed; the error names the
//! item (`catalogs.Sales.accessPackages.Laptops.policies.Staff.…`). A dry run does all of it
//! and rolls back, so it reports exactly what an apply would do or refuse.

use super::{Ctx, commit, require};
use crate::model::*;
use crate::service::catalogs::{self as catalog_cases, CatalogInput};
use crate::service::packages::{self as package_cases, Incompatible};
use crate::store::{Conn, catalogs, groups, packages, users};
use crate::{DomainError, DomainResult};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Bounds of one file (the server also bounds its size in bytes).
pub const MAX_CATALOGS: usize = 1_000;
pub const MAX_PACKAGES: usize = 5_000;

/// What an apply did (or, in a dry run, would do), one line a change, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    pub dry_run: bool,
    pub changes: Vec<String>,
}

/// The person `tessera export --as` / `apply --as` acts as (the operator on the host names
/// them); an unknown or disabled account is an `as` field error.
pub async fn operator_actor(ctx: &Ctx, email: &str) -> DomainResult<Actor> {
    let email = Email::parse(email).map_err(|e| DomainError::invalid("as", e))?;
    let mut conn = ctx.read().await?;
    let missing =
        || DomainError::invalid("as", format!("No enabled account has the email {email}."));
    let id = users::id_by_email(&mut conn, &email)
        .await?
        .ok_or_else(missing)?;
    users::actor(&mut conn, id).await?.ok_or_else(missing)
}

/// The configuration of every catalog `reader` may read (`None`: the operator on the host,
/// who reads all), or of the one named `only`.
pub async fn export(
    ctx: &Ctx,
    reader: Option<&Actor>,
    only: Option<&str>,
) -> DomainResult<GovernanceFile> {
    if let Some(actor) = reader {
        require(
            actor.can_open_admin(),
            "only administrators can export the configuration",
        )?;
    }
    let mut conn = ctx.read().await?;
    let today = ctx.clock.now().date_naive();
    let all = catalogs::all_names(&mut conn, MAX_CATALOGS as i64).await?;
    let mut out = Vec::new();
    for c in all {
        let id = CatalogId(c.id);
        if reader.is_some_and(|a| !a.can_read_catalog(id)) {
            continue;
        }
        if only.is_some_and(|n| n.trim().to_lowercase() != c.name.to_lowercase()) {
            continue;
        }
        out.push(export_catalog(&mut conn, id, today).await?);
    }
    if let Some(name) = only
        && out.is_empty()
    {
        return Err(DomainError::invalid(
            "catalog",
            format!("No catalog you can read is named {}.", name.trim()),
        ));
    }
    Ok(GovernanceFile {
        version: GOVERNANCE_VERSION,
        catalogs: out,
    })
}

async fn export_catalog(
    conn: &mut Conn,
    id: CatalogId,
    today: chrono::NaiveDate,
) -> DomainResult<CatalogFile> {
    let summary = catalogs::summary(conn, id).await?;
    let mut roles: Vec<CatalogRoleFile> = catalogs::role_holders(conn, id)
        .await?
        .into_iter()
        .map(|h| CatalogRoleFile {
            role: h.role.code().to_owned(),
            user: h.user.email,
        })
        .collect();
    roles.sort();
    let resources = catalogs::resources(conn, id)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let names = catalogs::package_names(conn, id, MAX_PACKAGES as i64 + 1).await?;
    if names.len() > MAX_PACKAGES {
        return Err(DomainError::Conflict(format!(
            "{} holds more than {MAX_PACKAGES} access packages; export it in parts is not possible yet.",
            summary.name
        )));
    }
    let mut access_packages = Vec::with_capacity(names.len());
    for n in names {
        access_packages.push(export_package(conn, AccessPackageId(n.id), today).await?);
    }
    Ok(CatalogFile {
        name: summary.name,
        description: summary.description,
        enabled: summary.enabled,
        roles,
        resources,
        access_packages,
    })
}

async fn export_package(
    conn: &mut Conn,
    id: AccessPackageId,
    today: chrono::NaiveDate,
) -> DomainResult<PackageFile> {
    let summary = packages::summary(conn, id).await?;
    let mut resource_roles: Vec<ResourceRoleFile> = packages::resource_roles(conn, id)
        .await?
        .into_iter()
        .map(|r| ResourceRoleFile {
            group: r.group_name,
            role: r.role.code().to_owned(),
        })
        .collect();
    resource_roles.sort();
    let (incompatible, groups) = packages::incompatibilities(conn, id).await?;
    let mut incompatible_access_packages = Vec::with_capacity(incompatible.len());
    for other in incompatible {
        let s = packages::summary(conn, AccessPackageId(other.id)).await?;
        incompatible_access_packages.push(PackageRefFile {
            catalog: s.catalog_name,
            name: s.name,
        });
    }
    incompatible_access_packages.sort();
    let policies = package_cases::policy_views(conn, id, today)
        .await?
        .into_iter()
        .map(|v| PolicyFile::of(&v.name, &v.description, &v.spec))
        .collect();
    Ok(PackageFile {
        name: summary.name,
        description: summary.description,
        hidden: summary.hidden,
        resource_roles,
        incompatible_access_packages,
        incompatible_groups: groups.into_iter().map(|g| g.name).collect(),
        policies,
    })
}

/// Where an item of the file is, for messages: `catalogs.Sales.accessPackages.Laptops`.
fn catalog_at(c: &CatalogFile) -> String {
    format!("catalogs.{}", c.name.trim())
}

fn package_at(c: &CatalogFile, p: &PackageFile) -> String {
    format!("{}.accessPackages.{}", catalog_at(c), p.name.trim())
}

fn policy_at(c: &CatalogFile, p: &PackageFile, policy: &PolicyFile) -> String {
    format!("{}.policies.{}", package_at(c, p), policy.name.trim())
}

/// A use case's refusal, told against the item of the file it was about.
fn at(item: &str, e: DomainError) -> DomainError {
    match e {
        DomainError::Invalid(fields) => DomainError::Invalid(
            fields
                .into_iter()
                .map(|f| FieldError::new(&format!("{item}.{}", f.field), f.message))
                .collect(),
        ),
        DomainError::Forbidden(why) => {
            DomainError::invalid(item, format!("You may not change this: {why}."))
        }
        DomainError::Conflict(why) => DomainError::Conflict(format!("{item}: {why}")),
        other => other,
    }
}

/// The people and groups a file names, found in the directory.
#[derive(Default)]
struct Directory {
    principals: HashMap<PrincipalFile, Principal>,
    groups: HashMap<String, GroupSummary>,
}

impl Directory {
    fn group(&self, name: &str) -> Option<&GroupSummary> {
        self.groups.get(&name.trim().to_lowercase())
    }

    fn principal(&self, x: &PrincipalFile) -> Option<Principal> {
        self.principals.get(x).cloned()
    }
}

async fn look_up(conn: &mut Conn, file: &GovernanceFile) -> DomainResult<Directory> {
    let mut group_names: BTreeSet<String> = BTreeSet::new();
    let mut named: BTreeSet<&PrincipalFile> = BTreeSet::new();
    for c in &file.catalogs {
        group_names.extend(c.resources.iter().cloned());
        for p in &c.access_packages {
            group_names.extend(p.resource_roles.iter().map(|r| r.group.clone()));
            group_names.extend(p.incompatible_groups.iter().cloned());
            for policy in &p.policies {
                let principals = policy.principals();
                group_names.extend(principals.iter().filter_map(|x| x.group.clone()));
                named.extend(principals);
            }
        }
    }
    let mut d = Directory::default();
    for name in group_names {
        if let Some(id) = groups::id_by_name(conn, &name).await? {
            let g = groups::summary(conn, id).await?;
            d.groups.insert(name.trim().to_lowercase(), g);
        }
    }
    for x in named {
        let found = match (&x.user, &x.group) {
            (Some(email), None) => match Email::parse(email) {
                Ok(email) => match users::id_by_email(conn, &email).await? {
                    Some(id) => {
                        let u = users::summary(conn, id).await?;
                        Some(Principal {
                            kind: PrincipalKind::User,
                            id: u.id.0,
                            name: u.display_name,
                            detail: u.email,
                        })
                    }
                    None => None,
                },
                Err(_) => None,
            },
            (None, Some(name)) => d.group(name).map(|g| Principal {
                kind: PrincipalKind::Group,
                id: g.id.0,
                name: g.name.clone(),
                detail: "Group".into(),
            }),
            _ => None,
        };
        if let Some(p) = found {
            d.principals.insert(x.clone(), p);
        }
    }
    Ok(d)
}

/// What can be checked before anything is read: the version, unique names, the bounds,
/// known codes, and that every person and group named exists.
fn check_file(file: &GovernanceFile, dir: &Directory, today: chrono::NaiveDate) -> Problems {
    let mut p = Problems::default();
    if file.version != GOVERNANCE_VERSION {
        p.push(
            "version",
            format!("This Tessera reads version {GOVERNANCE_VERSION} of the file."),
        );
    }
    if file.catalogs.len() > MAX_CATALOGS {
        p.push(
            "catalogs",
            format!("At most {MAX_CATALOGS} catalogs a file."),
        );
    }
    let packages: usize = file.catalogs.iter().map(|c| c.access_packages.len()).sum();
    if packages > MAX_PACKAGES {
        p.push(
            "catalogs",
            format!("At most {MAX_PACKAGES} access packages a file."),
        );
    }
    let mut seen = HashSet::new();
    for c in &file.catalogs {
        let at_c = catalog_at(c);
        if !seen.insert(c.name.trim().to_lowercase()) {
            p.push(&at_c, "The file names this catalog twice.");
        }
        for r in &c.roles {
            p.check(&format!("{at_c}.roles"), CatalogRole::parse(&r.role));
            if Email::parse(&r.user).is_err() {
                p.push(
                    &format!("{at_c}.roles"),
                    format!("{} is not an email address.", r.user),
                );
            }
        }
        for g in &c.resources {
            if dir.group(g).is_none() {
                p.push(
                    &format!("{at_c}.resources"),
                    format!("No group is named {g}."),
                );
            }
        }
        let mut names = HashSet::new();
        for pk in &c.access_packages {
            let at_p = package_at(c, pk);
            if !names.insert(pk.name.trim().to_lowercase()) {
                p.push(&at_p, "The catalog names this access package twice.");
            }
            for r in &pk.resource_roles {
                p.check(
                    &format!("{at_p}.resourceRoles"),
                    ResourceRole::parse(&r.role),
                );
                if dir.group(&r.group).is_none() {
                    p.push(
                        &format!("{at_p}.resourceRoles"),
                        format!("No group is named {}.", r.group),
                    );
                }
            }
            for g in &pk.incompatible_groups {
                if dir.group(g).is_none() {
                    p.push(
                        &format!("{at_p}.incompatibleGroups"),
                        format!("No group is named {g}."),
                    );
                }
            }
            let mut policy_names = HashSet::new();
            for policy in &pk.policies {
                let at_policy = policy_at(c, pk, policy);
                if !policy_names.insert(policy.name.trim().to_lowercase()) {
                    p.push(&at_policy, "The access package names this policy twice.");
                }
                policy.to_draft(today, &|x| dir.principal(x), &at_policy, &mut p);
            }
        }
    }
    p
}

/// The file's policy as it would be stored, written back as a file: what is compared with
/// the stored one (so that spelling a default differently is not a change). `None`: it does
/// not validate (applying it reports why).
fn normalized(
    policy: &PolicyFile,
    dir: &Directory,
    today: chrono::NaiveDate,
) -> Option<PolicyFile> {
    let mut p = Problems::default();
    let draft = policy.to_draft(today, &|x| dir.principal(x), "", &mut p);
    let check = PolicyCheck {
        today,
        fixed_review_start: policy.review_start(),
    };
    let (name, description, spec) = draft.validate(check, &mut p)?;
    p.0.is_empty()
        .then(|| PolicyFile::of(name.as_str(), description.as_str(), &spec))
}

/// Applies `file` as `actor` in one transaction; with `dry_run`, rolls it back. Returns what
/// changed.
pub async fn apply(
    ctx: &Ctx,
    actor: &Actor,
    file: &GovernanceFile,
    dry_run: bool,
) -> DomainResult<ApplyReport> {
    require(
        actor.can_open_admin(),
        "only administrators can apply a configuration",
    )?;
    let today = ctx.clock.now().date_naive();
    let mut tx = ctx.db.begin().await?;
    let dir = look_up(&mut tx, file).await?;
    check_file(file, &dir, today).into_result()?;
    let mut run = Run {
        ctx,
        actor: actor.clone(),
        dir,
        today,
        changes: Vec::new(),
        catalogs: HashMap::new(),
        packages: HashMap::new(),
    };
    run.apply(&mut tx, file).await?;
    let changes = run.changes;
    if dry_run {
        tx.rollback().await?;
    } else {
        commit(tx).await?;
    }
    Ok(ApplyReport { dry_run, changes })
}

struct Run<'a> {
    ctx: &'a Ctx,
    /// The actor, with the roles apply gives them on the way (a catalog creator owns the
    /// catalogs they create).
    actor: Actor,
    dir: Directory,
    today: chrono::NaiveDate,
    changes: Vec<String>,
    catalogs: HashMap<String, CatalogId>,
    packages: HashMap<(String, String), AccessPackageId>,
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Run<'_> {
    async fn apply(&mut self, tx: &mut Conn, file: &GovernanceFile) -> DomainResult<()> {
        for c in &file.catalogs {
            self.catalog(tx, c)
                .await
                .map_err(|e| at(&catalog_at(c), e))?;
        }
        for c in &file.catalogs {
            for p in &c.access_packages {
                self.package(tx, c, p).await?;
            }
        }
        for c in &file.catalogs {
            for p in &c.access_packages {
                self.incompatibilities(tx, c, p)
                    .await
                    .map_err(|e| at(&package_at(c, p), e))?;
            }
        }
        for c in &file.catalogs {
            self.catalog_removals(tx, c)
                .await
                .map_err(|e| at(&catalog_at(c), e))?;
        }
        Ok(())
    }

    /// The id a catalog of the file has (found or created in the first pass).
    fn catalog_id(&self, c: &CatalogFile) -> DomainResult<CatalogId> {
        self.catalogs
            .get(&key(&c.name))
            .copied()
            .ok_or_else(|| DomainError::Internal("a catalog of the file was not applied".into()))
    }

    fn group(&self, name: &str) -> DomainResult<&GroupSummary> {
        self.dir
            .group(name)
            .ok_or_else(|| DomainError::invalid("group", format!("No group is named {name}.")))
    }

    /// Creates or updates the catalog; adds the roles and resources the file gives it.
    async fn catalog(&mut self, tx: &mut Conn, c: &CatalogFile) -> DomainResult<()> {
        let input = CatalogInput {
            name: &c.name,
            description: &c.description,
            enabled: c.enabled,
        };
        let id = match catalogs::id_by_name(tx, &c.name).await? {
            None => {
                let id = catalog_cases::create_in(tx, self.ctx, &self.actor, &input).await?;
                if !self.actor.is_governance_admin() {
                    self.actor
                        .catalog_roles
                        .push((id, CatalogRole::CatalogOwner));
                }
                self.changes.push(format!("+ catalog {}", c.name.trim()));
                id
            }
            Some(id) => {
                let s = catalogs::summary(tx, id).await?;
                let mut what = Vec::new();
                if s.name != c.name.trim() {
                    what.push("name");
                }
                if s.description != c.description.trim() {
                    what.push("description");
                }
                if s.enabled != c.enabled {
                    what.push("enabled");
                }
                if !what.is_empty() {
                    catalog_cases::update_in(tx, self.ctx, &self.actor, id, &input).await?;
                    self.changes
                        .push(format!("~ catalog {} ({})", c.name.trim(), what.join(", ")));
                }
                id
            }
        };
        self.catalogs.insert(key(&c.name), id);
        let held: HashSet<(CatalogRole, String)> = catalogs::role_holders(tx, id)
            .await?
            .into_iter()
            .map(|h| (h.role, h.user.email.to_lowercase()))
            .collect();
        for r in &c.roles {
            let role = CatalogRole::parse(&r.role).map_err(|e| DomainError::invalid("roles", e))?;
            if held.contains(&(role, r.user.trim().to_lowercase())) {
                continue;
            }
            let email = Email::parse(&r.user).map_err(|e| DomainError::invalid("roles", e))?;
            let Some(user) = users::id_by_email(tx, &email).await? else {
                return Err(DomainError::invalid(
                    "roles",
                    format!("No user has the email {email}."),
                ));
            };
            catalog_cases::add_role_for_in(tx, self.ctx, &self.actor, id, user, role)
                .await
                .map_err(|e| match e {
                    DomainError::Invalid(f) => DomainError::Invalid(
                        f.into_iter()
                            .map(|f| FieldError::new("roles", f.message))
                            .collect(),
                    ),
                    e => e,
                })?;
            if user == self.actor.user_id {
                self.actor.catalog_roles.push((id, role));
            }
            self.changes.push(format!(
                "+ {} {} of catalog {}",
                email,
                role.label().to_lowercase(),
                c.name.trim()
            ));
        }
        let present: HashSet<GroupId> = catalogs::resources(tx, id)
            .await?
            .into_iter()
            .map(|r| r.group_id)
            .collect();
        for name in &c.resources {
            let g = self.group(name)?.clone();
            if !present.contains(&g.id) {
                catalog_cases::add_resource_in(tx, self.ctx, &self.actor, id, g.id)
                    .await
                    .map_err(|e| at("resources", e))?;
                self.changes.push(format!(
                    "+ resource {} in catalog {}",
                    g.name,
                    c.name.trim()
                ));
            }
        }
        Ok(())
    }

    /// Takes away the roles and resources the file no longer gives the catalog (last, so
    /// that the packages could still use them on the way).
    async fn catalog_removals(&mut self, tx: &mut Conn, c: &CatalogFile) -> DomainResult<()> {
        let id = self.catalog_id(c)?;
        let wanted: HashSet<(String, String)> = c
            .roles
            .iter()
            .map(|r| (r.role.trim().to_owned(), r.user.trim().to_lowercase()))
            .collect();
        for h in catalogs::role_holders(tx, id).await? {
            if wanted.contains(&(h.role.code().to_owned(), h.user.email.to_lowercase())) {
                continue;
            }
            catalog_cases::remove_role_in(tx, self.ctx, &self.actor, id, h.user.id, h.role).await?;
            self.changes.push(format!(
                "- {} {} of catalog {}",
                h.user.email,
                h.role.label().to_lowercase(),
                c.name.trim()
            ));
        }
        let mut wanted: HashSet<String> = c.resources.iter().map(|g| key(g)).collect();
        for p in &c.access_packages {
            wanted.extend(p.resource_roles.iter().map(|r| key(&r.group)));
        }
        for r in catalogs::resources(tx, id).await? {
            if wanted.contains(&key(&r.name)) {
                continue;
            }
            catalog_cases::remove_resource_in(tx, self.ctx, &self.actor, id, r.group_id).await?;
            self.changes.push(format!(
                "- resource {} in catalog {}",
                r.name,
                c.name.trim()
            ));
        }
        Ok(())
    }

    fn resource_roles(&self, p: &PackageFile) -> DomainResult<Vec<(GroupSummary, ResourceRole)>> {
        p.resource_roles
            .iter()
            .map(|r| {
                let role = ResourceRole::parse(&r.role)
                    .map_err(|e| DomainError::invalid("resourceRoles", e))?;
                Ok((self.group(&r.group)?.clone(), role))
            })
            .collect()
    }

    fn draft(&self, policy: &PolicyFile) -> PolicyDraft {
        let mut p = Problems::default();
        // Checked in `check_file`: every name resolves and every code parses.
        policy.to_draft(self.today, &|x| self.dir.principal(x), "", &mut p)
    }

    async fn package(
        &mut self,
        tx: &mut Conn,
        c: &CatalogFile,
        p: &PackageFile,
    ) -> DomainResult<()> {
        let at_p = package_at(c, p);
        let catalog = self.catalog_id(c)?;
        let label = format!("{} / {}", c.name.trim(), p.name.trim());
        let roles = self.resource_roles(p).map_err(|e| at(&at_p, e))?;
        let (id, created) = match packages::id_by_name(tx, catalog, &p.name).await? {
            Some(id) => (id, false),
            None => {
                // Created with its first policy (a package is made with one); a file without
                // policies gets an assign-only one that is removed again below.
                let first = p.policies.first();
                let mut policy = match first {
                    Some(f) => self.draft(f),
                    None => {
                        let mut d = PolicyDraft::new(self.today);
                        d.scope = TargetScope::NotSpecified;
                        d.require_approval = false;
                        d
                    }
                };
                if first.is_none() {
                    policy.expiry_kind = ExpiryKind::Never;
                }
                let draft = PackageDraft {
                    name: p.name.clone(),
                    description: p.description.clone(),
                    catalog_id: catalog.to_string(),
                    hidden: p.hidden,
                    resources: roles
                        .iter()
                        .map(|(g, role)| ResourceRoleDraft {
                            group_id: g.id,
                            group_name: g.name.clone(),
                            role: *role,
                        })
                        .collect(),
                    policy,
                };
                let restored = first.and_then(PolicyFile::review_start);
                let id =
                    package_cases::create_package_in(tx, self.ctx, &self.actor, &draft, restored)
                        .await
                        .map_err(|e| match (e, first) {
                            (DomainError::Invalid(f), Some(first)) => {
                                // The wizard's fields: the package's own, or its first policy's.
                                let policy_at = policy_at(c, p, first);
                                DomainError::Invalid(
                                    f.into_iter()
                                        .map(|f| {
                                            let own = matches!(
                                                f.field.as_str(),
                                                "name"
                                                    | "description"
                                                    | "catalog"
                                                    | "hidden"
                                                    | "resources"
                                            );
                                            let item = if own { &at_p } else { &policy_at };
                                            FieldError::new(
                                                &format!("{item}.{}", f.field),
                                                f.message,
                                            )
                                        })
                                        .collect(),
                                )
                            }
                            (e, _) => at(&at_p, e),
                        })?;
                self.changes.push(format!("+ access package {label}"));
                if let Some(first) = first {
                    self.changes
                        .push(format!("+ policy {} of {label}", first.name.trim()));
                }
                (id, true)
            }
        };
        self.packages.insert((key(&c.name), key(&p.name)), id);
        if !created {
            self.package_update(tx, id, p, &roles, &label)
                .await
                .map_err(|e| at(&at_p, e))?;
        }
        self.policies(tx, c, p, id, created, &label).await
    }

    async fn package_update(
        &mut self,
        tx: &mut Conn,
        id: AccessPackageId,
        p: &PackageFile,
        roles: &[(GroupSummary, ResourceRole)],
        label: &str,
    ) -> DomainResult<()> {
        let s = packages::summary(tx, id).await?;
        let mut what = Vec::new();
        if s.name != p.name.trim() {
            what.push("name");
        }
        if s.description != p.description.trim() {
            what.push("description");
        }
        if s.hidden != p.hidden {
            what.push("hidden");
        }
        if !what.is_empty() {
            package_cases::update_basics_in(
                tx,
                self.ctx,
                &self.actor,
                id,
                &p.name,
                &p.description,
                p.hidden,
                None,
            )
            .await?;
            self.changes
                .push(format!("~ access package {label} ({})", what.join(", ")));
        }
        let held: Vec<(GroupId, ResourceRole, String)> = packages::resource_roles(tx, id)
            .await?
            .into_iter()
            .map(|r| (r.group_id, r.role, r.group_name))
            .collect();
        for (g, role) in roles {
            if !held.iter().any(|(h, r, _)| *h == g.id && r == role) {
                package_cases::add_resource_role_in(tx, self.ctx, &self.actor, id, g.id, *role)
                    .await
                    .map_err(|e| at("resourceRoles", e))?;
                self.changes.push(format!(
                    "+ resource role {} ({}) of {label}",
                    g.name,
                    role.label()
                ));
            }
        }
        for (group, role, name) in held {
            if !roles.iter().any(|(g, r)| g.id == group && *r == role) {
                package_cases::remove_resource_role_in(tx, self.ctx, &self.actor, id, group, role)
                    .await
                    .map_err(|e| at("resourceRoles", e))?;
                self.changes.push(format!(
                    "- resource role {name} ({}) of {label}",
                    role.label()
                ));
            }
        }
        Ok(())
    }

    /// Makes the package's policies those of the file, matched by name.
    async fn policies(
        &mut self,
        tx: &mut Conn,
        c: &CatalogFile,
        p: &PackageFile,
        id: AccessPackageId,
        created: bool,
        label: &str,
    ) -> DomainResult<()> {
        let stored = package_cases::policy_views(tx, id, self.today).await?;
        // A new package's first policy came with it; without one in the file, the placeholder
        // goes (below, as a stored policy the file does not name).
        let skip_first = created && !p.policies.is_empty();
        let mut kept = HashSet::new();
        for (i, policy) in p.policies.iter().enumerate() {
            let at_policy = policy_at(c, p, policy);
            if skip_first && i == 0 {
                if let Some(s) = stored.iter().find(|s| key(&s.name) == key(&policy.name)) {
                    kept.insert(s.id);
                }
                continue;
            }
            let draft = self.draft(policy);
            match stored
                .iter()
                .find(|s| !kept.contains(&s.id) && key(&s.name) == key(&policy.name))
            {
                Some(s) => {
                    kept.insert(s.id);
                    let now = PolicyFile::of(&s.name, &s.description, &s.spec);
                    if normalized(policy, &self.dir, self.today).as_ref() != Some(&now) {
                        package_cases::update_policy_in(
                            tx,
                            self.ctx,
                            &self.actor,
                            s.id,
                            &draft,
                            None,
                        )
                        .await
                        .map_err(|e| at(&at_policy, e))?;
                        self.changes
                            .push(format!("~ policy {} of {label}", policy.name.trim()));
                    }
                }
                None => {
                    let new = package_cases::add_policy_in(
                        tx,
                        self.ctx,
                        &self.actor,
                        id,
                        &draft,
                        policy.review_start(),
                    )
                    .await
                    .map_err(|e| at(&at_policy, e))?;
                    kept.insert(new);
                    self.changes
                        .push(format!("+ policy {} of {label}", policy.name.trim()));
                }
            }
        }
        for s in stored {
            if kept.contains(&s.id) {
                continue;
            }
            package_cases::remove_policy_in(tx, self.ctx, &self.actor, s.id)
                .await
                .map_err(|e| at(&format!("{}.policies.{}", package_at(c, p), s.name), e))?;
            if !(created && p.policies.is_empty()) {
                self.changes.push(format!("- policy {} of {label}", s.name));
            }
        }
        Ok(())
    }

    async fn incompatibilities(
        &mut self,
        tx: &mut Conn,
        c: &CatalogFile,
        p: &PackageFile,
    ) -> DomainResult<()> {
        let id = self
            .packages
            .get(&(key(&c.name), key(&p.name)))
            .copied()
            .ok_or_else(|| DomainError::Internal("a package of the file was not applied".into()))?;
        let label = format!("{} / {}", c.name.trim(), p.name.trim());
        let mut wanted: Vec<(Incompatible, String)> = Vec::new();
        for other in &p.incompatible_access_packages {
            let found = match self.packages.get(&(key(&other.catalog), key(&other.name))) {
                Some(id) => Some(*id),
                None => match catalogs::id_by_name(tx, &other.catalog).await? {
                    Some(catalog) => packages::id_by_name(tx, catalog, &other.name).await?,
                    None => None,
                },
            };
            let Some(other_id) = found else {
                return Err(DomainError::invalid(
                    "incompatibleAccessPackages",
                    format!(
                        "No access package {} is in a catalog {}.",
                        other.name, other.catalog
                    ),
                ));
            };
            wanted.push((
                Incompatible::Package(other_id),
                format!("{} / {}", other.catalog.trim(), other.name.trim()),
            ));
        }
        for g in &p.incompatible_groups {
            let g = self.group(g)?;
            wanted.push((Incompatible::Group(g.id), g.name.clone()));
        }
        let (held_packages, held_groups) = packages::incompatibilities(tx, id).await?;
        let held: Vec<(Incompatible, String)> = held_packages
            .into_iter()
            .map(|n| (Incompatible::Package(AccessPackageId(n.id)), n.name))
            .chain(
                held_groups
                    .into_iter()
                    .map(|n| (Incompatible::Group(GroupId(n.id)), n.name)),
            )
            .collect();
        for (target, name) in &wanted {
            if !held.iter().any(|(h, _)| h == target) {
                package_cases::add_incompatible_in(tx, self.ctx, &self.actor, id, *target).await?;
                self.changes
                    .push(format!("+ incompatible {name} with {label}"));
            }
        }
        for (target, name) in held {
            if !wanted.iter().any(|(w, _)| *w == target) {
                package_cases::remove_incompatible_in(tx, self.ctx, &self.actor, id, target)
                    .await?;
                self.changes
                    .push(format!("- incompatible {name} with {label}"));
            }
        }
        Ok(())
    }
}
