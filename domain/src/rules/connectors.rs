//! Connected systems: what an administrator may enter, how long a failed delivery waits, and
//! what an LDAP server's or a SCIM application's answers mean in words.

use crate::model::{
    DriftPolicy, LdapImport, LdapSettings, MatchWith, Problems, ScimSettings, ScimUserAttribute,
};
use chrono::Duration;

/// Longest name of a connected system.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest URL, DN or attribute list an administrator may enter.
pub const MAX_DN_CHARS: usize = 1024;
/// Longest bind password.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Longest SCIM bearer token.
pub const MAX_TOKEN_CHARS: usize = 4096;
/// Longest SCIM group id.
pub const MAX_GROUP_ID_CHARS: usize = 256;
/// Longest trusted-certificates text (a few PEM certificates).
pub const MAX_CA_PEM_CHARS: usize = 32 * 1024;
/// Connected systems one Tessera holds.
pub const MAX_SYSTEMS: i64 = 100;
/// A delivery is retried by itself this many times (about a day of backoff), then waits for
/// an administrator's Reprocess.
pub const MAX_DELIVERY_ATTEMPTS: i64 = 12;

/// How long a failed delivery waits before attempt `attempts + 1`: 1, 2, 4, … minutes, at
/// most six hours (as e-mail).
pub fn delivery_backoff(attempts: i64) -> Duration {
    crate::rules::lifecycle::retry_delay(attempts)
}

/// What an administrator types for an LDAP system.
#[derive(Debug, Clone, Default)]
pub struct LdapInput<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub starttls: bool,
    pub bind_dn: &'a str,
    /// `None` or empty when editing: keep the stored password.
    pub password: Option<&'a str>,
    pub user_base: &'a str,
    pub user_attribute: &'a str,
    pub match_with: &'a str,
    pub member_attribute: &'a str,
    /// Empty: `owner`.
    pub owner_attribute: &'a str,
    pub ca_pem: &'a str,
    /// `report` (or empty) or `correct`.
    pub drift: &'a str,
}

/// The checked input: name, settings and the new password (if one was typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedLdap {
    pub name: String,
    pub settings: LdapSettings,
    pub password: Option<String>,
}

/// Checks every field of `input`, each problem against its field.
pub fn check_ldap(input: &LdapInput<'_>) -> Result<CheckedLdap, crate::DomainError> {
    let mut p = Problems::default();
    let name = p.check("name", check_name(input.name));
    let url = p.check("url", check_url(input.url));
    if let Some(url) = &url
        && input.starttls
        && url.starts_with("ldaps://")
    {
        p.push(
            "starttls",
            "StartTLS upgrades a plain ldap:// connection; an ldaps:// one is encrypted already.",
        );
    }
    let bind_dn = if input.bind_dn.trim().is_empty() {
        Some(String::new())
    } else {
        p.check("bind_dn", check_dn(input.bind_dn))
    };
    let password = match input.password.map(str::trim_end) {
        Some(pw) if !pw.is_empty() => {
            if pw.chars().count() > MAX_PASSWORD_CHARS {
                p.push(
                    "password",
                    format!("At most {MAX_PASSWORD_CHARS} characters."),
                );
            }
            Some(pw.to_owned())
        }
        _ => None,
    };
    let user_base = p.check("user_base", check_dn(input.user_base));
    let user_attribute = p.check("user_attribute", check_attribute(input.user_attribute));
    let match_with = p.check("match_with", MatchWith::parse(input.match_with));
    let member_attribute = p.check(
        "member_attribute",
        check_attribute(if input.member_attribute.trim().is_empty() {
            "member"
        } else {
            input.member_attribute
        }),
    );
    let owner_attribute = p.check(
        "owner_attribute",
        check_attribute(if input.owner_attribute.trim().is_empty() {
            "owner"
        } else {
            input.owner_attribute
        }),
    );
    let drift = p.check("drift", DriftPolicy::parse(input.drift));
    let ca_pem = p.check("ca_pem", check_ca_pem(input.ca_pem));
    p.into_result()?;
    match (
        name,
        url,
        bind_dn,
        user_base,
        user_attribute,
        match_with,
        member_attribute,
        owner_attribute,
        drift,
        ca_pem,
    ) {
        (
            Some(name),
            Some(url),
            Some(bind_dn),
            Some(user_base),
            Some(ua),
            Some(mw),
            Some(ma),
            Some(oa),
            Some(drift),
            Some(ca_pem),
        ) => Ok(CheckedLdap {
            name,
            settings: LdapSettings {
                url,
                starttls: input.starttls,
                bind_dn,
                user_base,
                user_attribute: ua,
                match_with: mw,
                member_attribute: ma,
                owner_attribute: oa,
                ca_pem,
                drift,
                import: None,
            },
            password,
        }),
        _ => Err(crate::DomainError::invalid("form", "invalid input")),
    }
}

/// Shortest and longest time between two scheduled directory imports, in minutes.
pub const IMPORT_EVERY_MINUTES: std::ops::RangeInclusive<i64> = 15..=10_080;
/// Largest accidental-deletion guard an administrator may set.
pub const MAX_LEAVERS_LIMIT: i64 = 100_000;

/// What an administrator types for a directory import.
#[derive(Debug, Clone, Default)]
pub struct ImportInput<'a> {
    /// Off: Tessera reads nothing from the directory (`import` becomes `None`).
    pub enabled: bool,
    pub people_filter: &'a str,
    pub disabled_filter: &'a str,
    pub email_attribute: &'a str,
    pub name_attribute: &'a str,
    pub manager_attribute: &'a str,
    pub department_attribute: &'a str,
    pub title_attribute: &'a str,
    pub group_base: &'a str,
    pub group_filter: &'a str,
    /// Minutes between runs; empty: only when asked.
    pub every_minutes: &'a str,
    /// Empty: 500.
    pub max_leavers: &'a str,
}

/// Checks every field of a directory import, each problem against its field; `None` when
/// the import is off. An empty attribute or filter takes the OpenLDAP default.
pub fn check_import(input: &ImportInput<'_>) -> Result<Option<LdapImport>, crate::DomainError> {
    if !input.enabled {
        return Ok(None);
    }
    let d = LdapImport::defaults();
    let or = |typed: &str, default: &str| {
        if typed.trim().is_empty() {
            default.to_owned()
        } else {
            typed.trim().to_owned()
        }
    };
    let mut p = Problems::default();
    let people_filter = p.check(
        "people_filter",
        check_filter(&or(input.people_filter, &d.people_filter)),
    );
    let disabled_filter = if input.disabled_filter.trim().is_empty() {
        Some(String::new())
    } else {
        p.check("disabled_filter", check_filter(input.disabled_filter))
    };
    let mut attribute = |field: &str, typed: &str, default: &str| {
        p.check(field, check_attribute(&or(typed, default)))
    };
    let email_attribute = attribute("email_attribute", input.email_attribute, &d.email_attribute);
    let name_attribute = attribute("name_attribute", input.name_attribute, &d.name_attribute);
    let manager_attribute = attribute(
        "manager_attribute",
        input.manager_attribute,
        &d.manager_attribute,
    );
    let department_attribute = attribute(
        "department_attribute",
        input.department_attribute,
        &d.department_attribute,
    );
    let title_attribute = attribute("title_attribute", input.title_attribute, &d.title_attribute);
    let group_base = if input.group_base.trim().is_empty() {
        Some(String::new())
    } else {
        p.check("group_base", check_dn(input.group_base))
    };
    let group_filter = p.check(
        "group_filter",
        check_filter(&or(input.group_filter, &d.group_filter)),
    );
    let every_minutes = match input.every_minutes.trim() {
        "" => Some(None),
        m => p.check(
            "every_minutes",
            m.parse::<i64>()
                .ok()
                .filter(|m| IMPORT_EVERY_MINUTES.contains(m))
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "Enter a number of minutes from {} to {} (a week), or leave it empty to import only when asked.",
                        IMPORT_EVERY_MINUTES.start(),
                        IMPORT_EVERY_MINUTES.end()
                    )
                }),
        ),
    };
    let max_leavers = match input.max_leavers.trim() {
        "" => Some(d.max_leavers),
        m => p.check(
            "max_leavers",
            m.parse::<i64>()
                .ok()
                .filter(|m| (0..=MAX_LEAVERS_LIMIT).contains(m))
                .ok_or_else(|| format!("Enter a number of people from 0 to {MAX_LEAVERS_LIMIT}.")),
        ),
    };
    p.into_result()?;
    let missing = || crate::DomainError::invalid("form", "invalid input");
    Ok(Some(LdapImport {
        people_filter: people_filter.ok_or_else(missing)?,
        disabled_filter: disabled_filter.ok_or_else(missing)?,
        email_attribute: email_attribute.ok_or_else(missing)?,
        name_attribute: name_attribute.ok_or_else(missing)?,
        manager_attribute: manager_attribute.ok_or_else(missing)?,
        department_attribute: department_attribute.ok_or_else(missing)?,
        title_attribute: title_attribute.ok_or_else(missing)?,
        group_base: group_base.ok_or_else(missing)?,
        group_filter: group_filter.ok_or_else(missing)?,
        every_minutes: every_minutes.ok_or_else(missing)?,
        max_leavers: max_leavers.ok_or_else(missing)?,
    }))
}

/// An LDAP search filter as RFC 4515 writes it: in parentheses, balanced, one line, bounded.
/// (The server side parses it fully before saving: `service::connectors`.)
pub fn check_filter(filter: &str) -> Result<String, String> {
    let filter = filter.trim();
    let bad = || {
        "Enter an LDAP filter in parentheses, for example (objectClass=inetOrgPerson).".to_string()
    };
    if filter.chars().count() > MAX_DN_CHARS {
        return Err(format!("At most {MAX_DN_CHARS} characters."));
    }
    if !filter.starts_with('(') || !filter.ends_with(')') || filter.chars().any(char::is_control) {
        return Err(bad());
    }
    let mut depth = 0i64;
    for c in filter.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(bad());
                }
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("The parentheses of the filter do not balance.".into());
    }
    Ok(filter.to_owned())
}

/// What an administrator types for a SCIM application.
#[derive(Debug, Clone, Default)]
pub struct ScimInput<'a> {
    pub name: &'a str,
    pub url: &'a str,
    /// `None` or empty when editing: keep the stored token.
    pub token: Option<&'a str>,
    pub user_attribute: &'a str,
    pub match_with: &'a str,
    pub ca_pem: &'a str,
    pub drift: &'a str,
}

/// The checked input: name, settings and the new bearer token (if one was typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedScim {
    pub name: String,
    pub settings: ScimSettings,
    pub token: Option<String>,
}

/// Checks every field of `input`, each problem against its field.
pub fn check_scim(input: &ScimInput<'_>) -> Result<CheckedScim, crate::DomainError> {
    let mut p = Problems::default();
    let name = p.check("name", check_name(input.name));
    let url = p.check("url", check_scim_url(input.url));
    let token = match input.token.map(str::trim) {
        Some(t) if !t.is_empty() => {
            if t.chars().count() > MAX_TOKEN_CHARS {
                p.push("token", format!("At most {MAX_TOKEN_CHARS} characters."));
            } else if !t.chars().all(|c| c.is_ascii_graphic()) {
                p.push(
                    "token",
                    "A bearer token is one word of printable characters, without spaces.",
                );
            }
            Some(t.to_owned())
        }
        _ => None,
    };
    let user_attribute = p.check(
        "user_attribute",
        ScimUserAttribute::parse(if input.user_attribute.trim().is_empty() {
            "userName"
        } else {
            input.user_attribute
        }),
    );
    let match_with = p.check("match_with", MatchWith::parse(input.match_with));
    let drift = p.check("drift", DriftPolicy::parse(input.drift));
    let ca_pem = p.check("ca_pem", check_ca_pem(input.ca_pem));
    p.into_result()?;
    match (name, url, user_attribute, match_with, drift, ca_pem) {
        (
            Some(name),
            Some(url),
            Some(user_attribute),
            Some(match_with),
            Some(drift),
            Some(ca_pem),
        ) => Ok(CheckedScim {
            name,
            settings: ScimSettings {
                url,
                user_attribute,
                match_with,
                ca_pem,
                drift,
            },
            token,
        }),
        _ => Err(crate::DomainError::invalid("form", "invalid input")),
    }
}

/// Empty, or PEM certificates.
fn check_ca_pem(ca_pem: &str) -> Result<String, String> {
    let ca_pem = ca_pem.trim();
    if ca_pem.len() > MAX_CA_PEM_CHARS {
        Err(format!("At most {MAX_CA_PEM_CHARS} characters."))
    } else if !ca_pem.is_empty() && !ca_pem.contains("-----BEGIN CERTIFICATE-----") {
        Err(
            "Paste certificates in PEM form (-----BEGIN CERTIFICATE----- …), or leave empty."
                .into(),
        )
    } else {
        Ok(ca_pem.to_owned())
    }
}

/// Whether `host` names this machine: the one place a SCIM token may travel unencrypted.
pub(crate) fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "[::1]") || host.starts_with("127.")
}

/// A SCIM base URL: `https://host[:port][/path]`, or `http://` to this machine only (a bearer
/// token must not cross a network in clear). No query, no fragment, no credentials; the
/// trailing `/` is dropped.
pub fn check_scim_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let bad = || {
        "Enter the application's SCIM base URL, for example https://app.example.com/scim/v2."
            .to_string()
    };
    if url.len() > MAX_DN_CHARS || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad());
    }
    let (https, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Err(bad()),
    };
    if rest.contains(['?', '#', '@']) {
        return Err(bad());
    }
    let (host_port, _path) = rest.split_once('/').unwrap_or((rest, ""));
    let Some((host, _port)) = split_host_port(host_port) else {
        return Err(bad());
    };
    if !https && !is_loopback(&host.to_ascii_lowercase()) {
        return Err(
            "Use https:// : the bearer token must not cross the network unencrypted (http:// is accepted only for an application on this machine)."
                .into(),
        );
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// A SCIM group's id as the application gave it: one path segment, bounded.
pub fn check_scim_group_id(id: &str) -> Result<String, String> {
    let id = id.trim();
    if id.is_empty() {
        return Err("Enter the SCIM group's id (its \"id\", as the application shows it).".into());
    }
    if id.chars().count() > MAX_GROUP_ID_CHARS {
        return Err(format!("At most {MAX_GROUP_ID_CHARS} characters."));
    }
    if id
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '?' | '#' | '%' | '\\'))
    {
        return Err(
            "Enter the group's id alone, not its address or display name: it has no spaces, slashes, ?, # or %."
                .into(),
        );
    }
    Ok(id.to_owned())
}

/// A SCIM filter's string value: `"` and `\` escaped (RFC 7644 §3.4.2.2, JSON strings).
pub fn scim_filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What a SCIM application's HTTP status means for an administrator, with its own `detail`.
pub fn scim_status_words(status: u16, detail: &str, doing: &str) -> String {
    let words = match status {
        400 => "the application refused the request as malformed",
        401 => "the application refused the bearer token (check it, or make a new one)",
        403 => "the token may not make this change",
        404 => "the application has no such resource (check the group's id and the base URL)",
        409 => "the application reports a conflict",
        413 => "the request was too large for the application",
        429 => "the application asks to slow down; it will be tried again",
        500..=599 => "the application failed or is unavailable; it will be tried again",
        _ => "the application refused it",
    };
    let detail = detail.trim();
    if detail.is_empty() {
        format!("{doing}: {words} (HTTP {status})")
    } else {
        let detail: String = detail.chars().take(300).collect();
        format!("{doing}: {words} (HTTP {status}: {detail})")
    }
}

fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Enter a name, for example Corporate directory.".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("At most {MAX_NAME_CHARS} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("A name is one line of text.".into());
    }
    Ok(name.to_owned())
}

/// `ldap://host[:port]` or `ldaps://host[:port]`, nothing after the host but a `/`.
pub fn check_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let bad =
        || "Enter the directory's address as ldap://host:389 or ldaps://host:636.".to_string();
    if url.len() > MAX_DN_CHARS {
        return Err(bad());
    }
    let rest = url
        .strip_prefix("ldap://")
        .or_else(|| url.strip_prefix("ldaps://"))
        .ok_or_else(bad)?;
    let host_port = rest.strip_suffix('/').unwrap_or(rest);
    if split_host_port(host_port).is_none() {
        return Err(bad());
    }
    Ok(url.strip_suffix('/').unwrap_or(url).to_owned())
}

/// `host[:port]` (an IPv6 host in brackets) split into a well-formed host and its port; `None`
/// when either is malformed (a port must be 1–65535).
pub(crate) fn split_host_port(host_port: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
        _ => (host_port, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|n| *n > 0)?),
    };
    host_ok.then_some((host, port))
}

/// A distinguished name: `attr=value` parts separated by commas, one line, bounded.
pub fn check_dn(dn: &str) -> Result<String, String> {
    let dn = dn.trim();
    if dn.is_empty() {
        return Err("Enter a distinguished name, for example ou=people,dc=example,dc=org.".into());
    }
    if dn.chars().count() > MAX_DN_CHARS {
        return Err(format!("At most {MAX_DN_CHARS} characters."));
    }
    if dn.chars().any(char::is_control) {
        return Err("A distinguished name is one line of text.".into());
    }
    let first = dn.split(',').next().unwrap_or_default();
    match first.split_once('=') {
        Some((attr, value)) if check_attribute(attr).is_ok() && !value.trim().is_empty() => {
            Ok(dn.to_owned())
        }
        _ => Err(
            "A distinguished name reads attribute=value,…, for example cn=Office Licenses,ou=groups,dc=example,dc=org."
                .into(),
        ),
    }
}

/// An LDAP attribute name: a letter, then letters, digits or hyphens (at most 64).
pub fn check_attribute(name: &str) -> Result<String, String> {
    let name = name.trim();
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.len() <= 64;
    if ok {
        Ok(name.to_owned())
    } else {
        Err("Enter an attribute name such as mail, uid or sAMAccountName.".into())
    }
}

/// The value of a person Tessera looks up, by `match_with`; `None` when they have none.
pub fn match_value(match_with: MatchWith, email: &str, user_name: Option<&str>) -> Option<String> {
    let value = match match_with {
        MatchWith::Email => email,
        MatchWith::EmailLocalPart => email.split_once('@').map(|(l, _)| l).unwrap_or(email),
        MatchWith::UserName => user_name?,
    };
    (!value.is_empty()).then(|| value.to_owned())
}

/// A DN as reconciliation compares it: lowercase, without spaces around `,` and `=`.
pub fn normalize_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.split('=').map(str::trim).collect::<Vec<_>>().join("="))
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

/// Whether `dn` lies under `base` (both normalized): reconciliation manages only people under
/// the people's base, so a placeholder member elsewhere is never drift.
pub fn under_base(dn: &str, base: &str) -> bool {
    let (dn, base) = (normalize_dn(dn), normalize_dn(base));
    dn.len() > base.len() && dn.ends_with(&format!(",{base}"))
}

/// How often each connected system is reconciled.
pub fn reconcile_every() -> Duration {
    Duration::hours(1)
}

/// An LDAP filter value with its special characters escaped (RFC 4515).
pub fn escape_filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            c => out.push(c),
        }
    }
    out
}

/// What an LDAP result code (RFC 4511) means for an administrator, with the server's own text.
pub fn ldap_result_words(code: u32, server_text: &str, doing: &str) -> String {
    let words = match code {
        32 => "the entry does not exist in the directory (check the DN)",
        49 => "the directory refused the bind DN or password",
        50 => "the bind account may not make this change (insufficient access rights)",
        53 => "the directory is unwilling to make this change",
        65 => {
            "the directory refused it as against the group's schema (a groupOfNames must keep at least one member: give the group a placeholder member)"
        }
        51 | 52 => "the directory is busy or unavailable; it will be tried again",
        34 => "the DN is not valid",
        8 => "the directory requires an encrypted connection (use ldaps:// or StartTLS)",
        13 => "the directory requires an encrypted connection (use ldaps:// or StartTLS)",
        _ => "the directory refused it",
    };
    let server_text = server_text.trim();
    if server_text.is_empty() {
        format!("{doing}: {words} (LDAP result {code})")
    } else {
        format!("{doing}: {words} (LDAP result {code}: {server_text})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> LdapInput<'static> {
        LdapInput {
            name: "Corporate directory",
            url: "ldap://127.0.0.1:389",
            starttls: false,
            bind_dn: "cn=admin,dc=example,dc=org",
            password: Some("secret"),
            user_base: "ou=people,dc=example,dc=org",
            user_attribute: "mail",
            match_with: "email",
            member_attribute: "",
            owner_attribute: "",
            ca_pem: "",
            drift: "",
        }
    }

    #[test]
    fn a_good_input_is_taken_with_member_and_owner_as_the_default_attributes() {
        let checked = check_ldap(&input()).unwrap();
        assert_eq!(checked.name, "Corporate directory");
        assert_eq!(checked.settings.member_attribute, "member");
        assert_eq!(checked.settings.owner_attribute, "owner");
        assert_eq!(checked.password.as_deref(), Some("secret"));
        let keep = check_ldap(&LdapInput {
            password: Some(""),
            ..input()
        })
        .unwrap();
        assert_eq!(keep.password, None);
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad = LdapInput {
            name: " ",
            url: "http://example.org",
            starttls: false,
            bind_dn: "admin",
            password: None,
            user_base: "",
            user_attribute: "mail;x",
            match_with: "phone",
            member_attribute: "1member",
            owner_attribute: "managed By",
            ca_pem: "not a certificate",
            drift: "sometimes",
        };
        let Err(crate::DomainError::Invalid(errors)) = check_ldap(&bad) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "url",
                "bind_dn",
                "user_base",
                "user_attribute",
                "match_with",
                "member_attribute",
                "owner_attribute",
                "drift",
                "ca_pem"
            ]
        );
        let starttls_on_ldaps = LdapInput {
            url: "ldaps://dc1.corp.example:636",
            starttls: true,
            ..input()
        };
        let Err(crate::DomainError::Invalid(errors)) = check_ldap(&starttls_on_ldaps) else {
            panic!("expected a field error");
        };
        assert_eq!(errors[0].field, "starttls");
    }

    #[test]
    fn urls_are_ldap_or_ldaps_with_a_host_and_a_port() {
        assert_eq!(
            check_url("ldap://dc1.corp:389/").unwrap(),
            "ldap://dc1.corp:389"
        );
        assert!(check_url("ldaps://[::1]:636").is_ok());
        assert!(check_url("ldap://host").is_ok());
        for bad in [
            "ldap://",
            "ldap://host:0",
            "ldap://host:99999",
            "ldap://a b",
            "host:389",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn people_are_matched_by_the_value_chosen_and_filters_are_escaped() {
        let e = "eric.solomon@example.org";
        assert_eq!(match_value(MatchWith::Email, e, None).unwrap(), e);
        assert_eq!(
            match_value(MatchWith::EmailLocalPart, e, None).unwrap(),
            "eric.solomon"
        );
        assert_eq!(
            match_value(MatchWith::UserName, e, Some("esolomon")).unwrap(),
            "esolomon"
        );
        assert_eq!(match_value(MatchWith::UserName, e, None), None);
        assert_eq!(escape_filter_value("a*(b)\\"), "a\\2a\\28b\\29\\5c");
    }

    #[test]
    fn result_codes_read_as_words_with_the_server_text() {
        let w = ldap_result_words(65, "object class violation", "Removing eric from cn=x");
        assert!(w.starts_with("Removing eric from cn=x: "));
        assert!(w.contains("placeholder member"));
        assert!(w.contains("(LDAP result 65: object class violation)"));
        assert!(ldap_result_words(49, "", "Signing in").ends_with("(LDAP result 49)"));
    }

    #[test]
    fn dns_compare_without_case_or_spaces_and_only_people_under_the_base_count() {
        assert_eq!(
            normalize_dn("UID=Eric, OU=People ,dc=Example,dc=org"),
            "uid=eric,ou=people,dc=example,dc=org"
        );
        let base = "ou=people,dc=example,dc=org";
        assert!(under_base("uid=eric, ou=People,dc=example,dc=org", base));
        assert!(!under_base("cn=placeholder,dc=example,dc=org", base));
        assert!(!under_base("ou=people,dc=example,dc=org", base));
        assert!(!under_base("uid=x,ou=otherpeople,dc=example,dc=org", base));
    }

    fn scim() -> ScimInput<'static> {
        ScimInput {
            name: "Ticketing",
            url: "https://tickets.example.com/scim/v2/",
            token: Some("tok3n"),
            user_attribute: "",
            match_with: "email",
            ca_pem: "",
            drift: "correct",
        }
    }

    #[test]
    fn a_scim_application_needs_https_off_this_machine_and_each_bad_field_is_named() {
        let checked = check_scim(&scim()).unwrap();
        assert_eq!(checked.settings.url, "https://tickets.example.com/scim/v2");
        assert_eq!(checked.settings.user_attribute, ScimUserAttribute::UserName);
        assert_eq!(checked.settings.drift, DriftPolicy::Correct);
        assert_eq!(checked.token.as_deref(), Some("tok3n"));
        assert!(check_scim_url("http://127.0.0.1:8080").is_ok());
        assert!(check_scim_url("http://localhost:8080/scim").is_ok());
        let clear = check_scim_url("http://tickets.example.com/scim").unwrap_err();
        assert!(clear.contains("https://"), "{clear}");
        for bad in [
            "ftp://x",
            "https://",
            "https://a b/x",
            "https://user:pw@host/scim",
            "https://host/scim?x=1",
            "https://host:0/",
        ] {
            assert!(check_scim_url(bad).is_err(), "{bad}");
        }
        let bad = ScimInput {
            name: "",
            url: "tickets",
            token: Some("two words"),
            user_attribute: "mail",
            match_with: "phone",
            ca_pem: "x",
            drift: "maybe",
        };
        let Err(crate::DomainError::Invalid(errors)) = check_scim(&bad) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "url",
                "token",
                "user_attribute",
                "match_with",
                "drift",
                "ca_pem"
            ]
        );
    }

    #[test]
    fn scim_group_ids_are_one_path_segment_and_filter_values_are_quoted() {
        assert_eq!(check_scim_group_id(" 9f2c-11 ").unwrap(), "9f2c-11");
        for bad in [
            "",
            "a/b",
            "a b",
            "a?b",
            "%2e%2e",
            &"x".repeat(MAX_GROUP_ID_CHARS + 1),
        ] {
            assert!(check_scim_group_id(bad).is_err(), "{bad}");
        }
        assert_eq!(scim_filter_value(r#"a"b\c"#), r#""a\"b\\c""#);
        let w = scim_status_words(401, "bad token", "Adding eric to 42");
        assert!(w.starts_with("Adding eric to 42: the application refused the bearer token"));
        assert!(w.ends_with("(HTTP 401: bad token)"));
    }

    #[test]
    fn an_import_takes_the_openldap_defaults_and_names_each_bad_field() {
        let off = check_import(&ImportInput::default()).unwrap();
        assert_eq!(off, None);
        let on = check_import(&ImportInput {
            enabled: true,
            ..ImportInput::default()
        })
        .unwrap()
        .unwrap();
        // Every field left empty takes its default, but the schedule: empty is "when asked"
        // (the form shows the default, 60, to begin with).
        assert_eq!(
            on,
            LdapImport {
                every_minutes: None,
                ..LdapImport::defaults()
            }
        );
        let e = check_import(&ImportInput {
            enabled: true,
            people_filter: "objectClass=person",
            disabled_filter: "(a=b",
            email_attribute: "mail address",
            group_base: "people",
            group_filter: "(|(objectClass=group)(objectClass=groupOfNames)))",
            every_minutes: "5",
            max_leavers: "-1",
            ..ImportInput::default()
        })
        .unwrap_err();
        let mut fields: Vec<String> = match e {
            crate::DomainError::Invalid(p) => p.into_iter().map(|p| p.field).collect(),
            other => panic!("{other:?}"),
        };
        fields.sort();
        assert_eq!(
            fields,
            [
                "disabled_filter",
                "email_attribute",
                "every_minutes",
                "group_base",
                "group_filter",
                "max_leavers",
                "people_filter"
            ]
        );
        let weekly = check_import(&ImportInput {
            enabled: true,
            every_minutes: " 10080 ",
            max_leavers: "0",
            disabled_filter: "(userAccountControl:1.2.840.113556.1.4.803:=2)",
            ..ImportInput::default()
        })
        .unwrap()
        .unwrap();
        assert_eq!(weekly.every_minutes, Some(10_080));
        assert_eq!(weekly.max_leavers, 0);
        assert!(check_filter("(&(a=b)(c=d))").is_ok());
        assert!(check_filter("(a=b))(").is_err());
    }

    #[test]
    fn failed_deliveries_back_off() {
        assert_eq!(delivery_backoff(1), Duration::minutes(1));
        assert_eq!(delivery_backoff(3), Duration::minutes(4));
        assert_eq!(delivery_backoff(MAX_DELIVERY_ATTEMPTS), Duration::hours(6));
    }
}
