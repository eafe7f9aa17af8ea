//! Connected systems: the directories (LDAP) and applications (SCIM) Tessera delivers group
//! memberships to, and the state of each delivery.

use super::*;

/// Which of a person's values Tessera looks up in the connected directory to find their entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchWith {
    /// Their e-mail address (`mail`, `userPrincipalName`).
    Email,
    /// What comes before the @ of their e-mail address (`uid`, `sAMAccountName`).
    EmailLocalPart,
    /// Their user name as directory sync gave it (SCIM `userName`).
    UserName,
}

impl MatchWith {
    pub const ALL: [MatchWith; 3] = [Self::Email, Self::EmailLocalPart, Self::UserName];

    pub fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::EmailLocalPart => "email_local_part",
            Self::UserName => "user_name",
        }
    }

    pub fn parse(code: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|m| m.code() == code.trim())
            .ok_or_else(|| {
                "Choose the e-mail address, its part before the @, or the user name.".into()
            })
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Email => "E-mail address",
            Self::EmailLocalPart => "E-mail address before the @",
            Self::UserName => "User name (from directory sync)",
        }
    }
}

/// What the hourly reconciliation does with drift (members added or removed in the directory
/// outside Tessera).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftPolicy {
    /// Show it on the system's page and audit it; change nothing.
    #[default]
    Report,
    /// Also put the directory back to what Tessera grants (audited).
    Correct,
}

impl DriftPolicy {
    pub const ALL: [DriftPolicy; 2] = [Self::Report, Self::Correct];

    pub fn code(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Correct => "correct",
        }
    }

    pub fn parse(code: &str) -> Result<Self, String> {
        match code.trim() {
            "" | "report" => Ok(Self::Report),
            "correct" => Ok(Self::Correct),
            _ => Err("Choose Report only or Correct it.".into()),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Report => "Report only",
            Self::Correct => {
                "Correct it (remove members added outside Tessera, restore removed ones)"
            }
        }
    }
}

/// How Tessera reaches an LDAP directory (OpenLDAP, Active Directory) and finds people in it.
/// Holds no secret: the bind password is sealed apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LdapSettings {
    /// `ldap://host:port` or `ldaps://host:port`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    pub starttls: bool,
    /// The account Tessera binds as; empty binds anonymously.
    pub bind_dn: String,
    /// Where people are searched (subtree).
    pub user_base: String,
    /// The attribute that holds the value Tessera matches (`mail`, `uid`, `sAMAccountName`).
    pub user_attribute: String,
    pub match_with: MatchWith,
    /// The group attribute that lists members by DN (`member`; `uniqueMember` for
    /// `groupOfUniqueNames`).
    pub member_attribute: String,
    /// The group attribute that lists owners by DN: `owner` (groupOfNames), `managedBy`
    /// (Active Directory, which holds one: a second owner's delivery fails with the
    /// directory's words until the first is removed).
    #[serde(default = "default_owner_attribute")]
    pub owner_attribute: String,
    /// Certificates (PEM) trusted for TLS instead of the system's; empty: the system's.
    #[serde(default)]
    pub ca_pem: String,
    /// What reconciliation does with drift.
    #[serde(default)]
    pub drift: DriftPolicy,
    /// Reading people and groups from the directory into Tessera; `None`: Tessera only
    /// delivers to it.
    #[serde(default)]
    pub import: Option<Box<LdapImport>>,
}

fn default_owner_attribute() -> String {
    "owner".into()
}

/// How Tessera reads people (with their manager and department) and groups from an LDAP
/// directory: which entries, which attributes, how often, and how many leavers one run may
/// disable before it stops and asks (the accidental-deletion guard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LdapImport {
    /// Which entries under the people's base are people (`(objectClass=inetOrgPerson)`).
    pub people_filter: String,
    /// Of those, the ones the directory has disabled (Active Directory:
    /// `(userAccountControl:1.2.840.113556.1.4.803:=2)`); empty: nobody is disabled there.
    pub disabled_filter: String,
    /// The attribute holding the e-mail address a person signs in with (`mail`).
    pub email_attribute: String,
    /// The display name (`displayName`; `cn` when a person has none).
    pub name_attribute: String,
    /// The manager's DN (`manager`).
    pub manager_attribute: String,
    /// `departmentNumber` (OpenLDAP) or `department` (Active Directory).
    pub department_attribute: String,
    /// The job title (`title`).
    pub title_attribute: String,
    /// Where groups are read (subtree); empty: no groups are imported.
    pub group_base: String,
    /// Which entries there are groups (`(objectClass=groupOfNames)`).
    pub group_filter: String,
    /// Run by itself every so many minutes; `None`: only when an administrator asks.
    pub every_minutes: Option<i64>,
    /// A run that would disable more people than this stops and changes nothing.
    pub max_leavers: i64,
}

impl LdapImport {
    /// What an OpenLDAP directory of `inetOrgPerson`s and `groupOfNames` needs.
    pub fn defaults() -> Self {
        Self {
            people_filter: "(objectClass=inetOrgPerson)".into(),
            disabled_filter: String::new(),
            email_attribute: "mail".into(),
            name_attribute: "displayName".into(),
            manager_attribute: "manager".into(),
            department_attribute: "departmentNumber".into(),
            title_attribute: "title".into(),
            group_base: String::new(),
            group_filter: "(objectClass=groupOfNames)".into(),
            every_minutes: Some(60),
            max_leavers: 500,
        }
    }
}

/// What one directory import did (or why it stopped), as the system's page shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// People the directory holds under the filter.
    pub people_found: u64,
    pub created: u64,
    /// People whose name, manager, department, title or state changed.
    pub updated: u64,
    /// People gone from the directory or disabled there, disabled in Tessera.
    pub disabled: u64,
    pub groups_found: u64,
    pub groups_created: u64,
    pub members_added: u64,
    pub members_removed: u64,
    /// What was skipped and why (a few).
    pub warnings: Vec<String>,
    /// What stopped the run; nothing was changed when it stopped before writing.
    pub error: Option<String>,
}

impl ImportReport {
    /// Warnings kept with a report.
    pub const MAX_WARNINGS: usize = 20;

    /// What the run did, in one sentence (the system's page, the command line, the audit).
    pub fn counts(&self) -> String {
        format!(
            "{} people found: {} created, {} updated, {} disabled. {} group(s) found ({} new): {} member(s) added, {} removed.",
            self.people_found,
            self.created,
            self.updated,
            self.disabled,
            self.groups_found,
            self.groups_created,
            self.members_added,
            self.members_removed,
        )
    }

    pub fn warn(&mut self, w: String) {
        if self.warnings.len() < Self::MAX_WARNINGS {
            self.warnings.push(w);
        }
    }
}

/// The SCIM attribute of a user that Tessera filters on to find a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScimUserAttribute {
    #[serde(rename = "userName")]
    UserName,
    #[serde(rename = "externalId")]
    ExternalId,
}

impl ScimUserAttribute {
    pub const ALL: [ScimUserAttribute; 2] = [Self::UserName, Self::ExternalId];

    /// The attribute's name in SCIM (RFC 7643), as a filter names it.
    pub fn code(self) -> &'static str {
        match self {
            Self::UserName => "userName",
            Self::ExternalId => "externalId",
        }
    }

    pub fn parse(code: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|a| a.code() == code.trim())
            .ok_or_else(|| "Choose userName or externalId.".into())
    }
}

/// How Tessera reaches an application that speaks SCIM 2.0 as a service provider, and finds
/// people in it. Holds no secret: the bearer token is sealed apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimSettings {
    /// The SCIM base URL (`https://app.example.com/scim/v2`), without a trailing `/`.
    pub url: String,
    /// The user attribute matched (`userName` or `externalId`).
    pub user_attribute: ScimUserAttribute,
    pub match_with: MatchWith,
    /// Certificates (PEM) trusted for TLS instead of the system's; empty: the system's.
    #[serde(default)]
    pub ca_pem: String,
    #[serde(default)]
    pub drift: DriftPolicy,
}

/// What kind of system, with its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SystemSettings {
    Ldap(LdapSettings),
    Scim(ScimSettings),
}

impl SystemSettings {
    /// The kind as stored (`connected_systems.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ldap(_) => "ldap",
            Self::Scim(_) => "scim",
        }
    }

    pub fn kind_label(&self) -> &'static str {
        match self {
            Self::Ldap(_) => "LDAP directory",
            Self::Scim(_) => "SCIM application",
        }
    }

    /// Where it is reached.
    pub fn url(&self) -> &str {
        match self {
            Self::Ldap(s) => &s.url,
            Self::Scim(s) => &s.url,
        }
    }

    pub fn match_with(&self) -> MatchWith {
        match self {
            Self::Ldap(s) => s.match_with,
            Self::Scim(s) => s.match_with,
        }
    }

    pub fn drift(&self) -> DriftPolicy {
        match self {
            Self::Ldap(s) => s.drift,
            Self::Scim(s) => s.drift,
        }
    }

    /// What a linked group is named by there: a DN, or a SCIM group's id.
    pub fn group_id_label(&self) -> &'static str {
        match self {
            Self::Ldap(_) => "Directory group DN",
            Self::Scim(_) => "SCIM group id",
        }
    }
}

/// A connected system as an administrator's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemSummary {
    pub id: SystemId,
    pub name: String,
    pub settings: SystemSettings,
    /// A bind password or bearer token is stored (sealed); it is never shown.
    pub has_password: bool,
    pub linked_groups: i64,
    /// Changes being delivered (never tried, or tried and to be tried again soon).
    pub delivering: i64,
    /// Changes whose last attempt failed.
    pub failed: i64,
}

/// A Tessera group's link to a group of a connected system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLink {
    pub group_id: GroupId,
    pub group_name: String,
    pub system_id: SystemId,
    pub system_name: String,
    /// The group's DN in the connected directory, or its id in the SCIM application.
    pub external_id: String,
    /// The last reconciliation, if any.
    pub check: Option<DriftCheck>,
}

/// What the last reconciliation of a linked group found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftCheck {
    pub at: chrono::DateTime<chrono::Utc>,
    /// People the directory group holds that Tessera does not grant.
    pub extra: i64,
    /// People Tessera grants that the directory group lacks.
    pub missing: i64,
    /// A few of them, as "+ dn" and "- dn".
    pub sample: Vec<String>,
    /// They were put back to what Tessera grants.
    pub corrected: bool,
    /// What stopped the check, if it could not be made.
    pub error: Option<String>,
}

/// Where a membership stands in its connected system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    Delivering,
    Delivered,
    /// The last attempt failed; retried with backoff until `retrying` is false.
    Failed,
    /// A package's grants: some are in their connected systems, some failed (never a stored
    /// change's state: each change is delivered or not).
    PartiallyDelivered,
}

impl DeliveryState {
    /// A failure the person and the admins must hear about (failed, or partly).
    pub fn failed(self) -> bool {
        matches!(self, Self::Failed | Self::PartiallyDelivered)
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Delivering => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::PartiallyDelivered => "partial",
        }
    }

    /// A stored change's state (`partial` is never stored, so it does not parse).
    pub fn parse(code: &str) -> Result<Self, String> {
        match code {
            "pending" => Ok(Self::Delivering),
            "delivered" => Ok(Self::Delivered),
            "failed" => Ok(Self::Failed),
            other => Err(format!("unknown delivery state {other:?}")),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Delivering => "Delivering",
            Self::Delivered => "Delivered",
            Self::Failed => "Delivery failed",
            Self::PartiallyDelivered => "Partially delivered",
        }
    }
}

/// One membership change in a connected system, as the delivery queue shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipDelivery {
    pub group_id: GroupId,
    pub group_name: String,
    pub user_id: UserId,
    pub user_email: String,
    pub system_name: String,
    /// The role delivered: membership, or ownership (LDAP systems only).
    pub role: ResourceRole,
    /// Give the role (true) or take it away.
    pub holds: bool,
    pub state: DeliveryState,
    pub attempts: i64,
    /// The system's own words about the last failure, translated where Tessera knows them.
    pub last_error: Option<String>,
    /// When it is tried again by itself; `None` once given up (only Reprocess sends it).
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A connected system's page: its settings, linked groups and undelivered changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemDetail {
    pub system: SystemSummary,
    pub links: Vec<GroupLink>,
    /// Failures first, at most `SystemDetail::QUEUE_LIMIT`.
    pub undelivered: Vec<MembershipDelivery>,
    /// The last directory import, if one ran.
    pub last_import: Option<ImportReport>,
    /// An import is waiting to run (asked for, or scheduled and due).
    pub import_queued: bool,
}

impl SystemDetail {
    pub const QUEUE_LIMIT: i64 = 200;
}

/// What "Test connection" found: each step that worked, and the one that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub ok: bool,
    pub steps: Vec<String>,
    pub error: Option<String>,
}
