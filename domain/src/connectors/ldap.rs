//! An LDAP directory (OpenLDAP, Active Directory) as a connected system: people are found by
//! the attribute the administrator chose, memberships are the group's `member` values (DNs).

use crate::model::{LdapSettings, ResourceRole};
use crate::rules::connectors::{escape_filter_value, ldap_result_words};
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapConnAsync, LdapConnSettings, LdapError, Mod, Scope, SearchEntry};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// How long connecting (and the TLS handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one operation may wait for the directory's answer.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Most members read from one group (reconciliation and tests); a larger group is refused.
pub const MAX_GROUP_MEMBERS: usize = 100_000;

/// Entries a paged search asks for at once (Active Directory's MaxPageSize is 1,000).
const PAGE_SIZE: i32 = 500;

/// One entry as an import reads it: its DN and the values of the attributes asked for, by
/// lowercased attribute name.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub dn: String,
    pub attrs: HashMap<String, Vec<String>>,
}

impl Entry {
    /// The first value of `attr`, trimmed; `None` when it has none (or only blanks).
    pub fn first(&self, attr: &str) -> Option<&str> {
        self.attrs
            .get(&attr.to_lowercase())?
            .iter()
            .map(|v| v.trim())
            .find(|v| !v.is_empty())
    }

    /// Every value of `attr`.
    pub fn all(&self, attr: &str) -> &[String] {
        self.attrs
            .get(&attr.to_lowercase())
            .map_or(&[], Vec::as_slice)
    }
}

/// A bound connection to one directory. A clone shares the connection: operations of several
/// clones run at once over it.
#[derive(Clone)]
pub struct LdapSession {
    ldap: ldap3::Ldap,
    settings: Box<LdapSettings>,
}

/// Connects to the directory and binds as its account (anonymously with no bind DN). The
/// error says in words what failed: reaching it, TLS, or the bind.
pub async fn connect(
    settings: &LdapSettings,
    password: Option<&str>,
) -> Result<LdapSession, String> {
    let mut conn_settings = LdapConnSettings::new()
        .set_conn_timeout(CONNECT_TIMEOUT)
        .set_starttls(settings.starttls);
    if !settings.ca_pem.is_empty() {
        conn_settings = conn_settings.set_config(tls_config(&settings.ca_pem)?);
    }
    let url = &settings.url;
    let (conn, mut ldap) = LdapConnAsync::with_settings(conn_settings, url)
        .await
        .map_err(|e| format!("Could not reach {url}: {}", connect_words(&e)))?;
    ldap3::drive!(conn);
    let bound = if settings.bind_dn.is_empty() {
        Ok(None)
    } else {
        ldap.with_timeout(OPERATION_TIMEOUT)
            .simple_bind(&settings.bind_dn, password.unwrap_or_default())
            .await
            .map(Some)
    };
    match bound {
        Ok(None) => {}
        Ok(Some(result)) if result.rc == 0 => {}
        Ok(Some(result)) => {
            return Err(ldap_result_words(
                result.rc,
                &result.text,
                &format!("Signing in to {url} as {}", settings.bind_dn),
            ));
        }
        Err(e) => return Err(format!("Signing in to {url}: {}", connect_words(&e))),
    }
    Ok(LdapSession {
        ldap,
        settings: Box::new(settings.clone()),
    })
}

/// A rustls configuration trusting only the certificates in `ca_pem`.
fn tls_config(ca_pem: &str) -> Result<Arc<rustls::ClientConfig>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let cert = cert.map_err(|e| format!("The trusted certificates could not be read: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("A trusted certificate was refused: {e}"))?;
    }
    if roots.is_empty() {
        return Err("The trusted certificates hold no certificate.".into());
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS could not be set up: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Words for an error below LDAP itself: the network, TLS, a timeout.
fn connect_words(e: &LdapError) -> String {
    match e {
        LdapError::Io { source } => match source.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "the connection was refused (is the directory running, and is the port right?)"
                    .into()
            }
            std::io::ErrorKind::TimedOut => "no answer in time".into(),
            _ => source.to_string(),
        },
        LdapError::Timeout { .. } => "no answer in time".into(),
        other => other.to_string(),
    }
}

impl LdapSession {
    /// Where people are looked up.
    pub fn user_base(&self) -> &str {
        &self.settings.user_base
    }

    /// The attribute people are matched on.
    pub fn attribute(&self) -> &str {
        &self.settings.user_attribute
    }

    /// The DN of the one person whose match attribute holds `value`; `None` when nobody's
    /// does. Several is an error: Tessera changes none of them.
    pub async fn find_person(&mut self, value: &str) -> Result<Option<String>, String> {
        let attr = &self.settings.user_attribute;
        let filter = format!("({attr}={})", escape_filter_value(value));
        let base = self.settings.user_base.clone();
        let doing = format!("Looking up {attr}={value} under {base}");
        let (entries, result) = self
            .ldap
            .with_timeout(OPERATION_TIMEOUT)
            .search(&base, Scope::Subtree, &filter, vec!["1.1"])
            .await
            .map_err(|e| format!("{doing}: {}", connect_words(&e)))?
            .non_error()
            .map_err(|e| error_words(&e, &doing))?;
        if result.rc != 0 {
            return Err(ldap_result_words(result.rc, &result.text, &doing));
        }
        let mut dns = entries.into_iter().map(|e| SearchEntry::construct(e).dn);
        match (dns.next(), dns.next()) {
            (Some(dn), None) => Ok(Some(dn)),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(format!(
                "{doing}: several entries have {attr}={value}; Tessera changes none of them"
            )),
        }
    }

    /// Gives `person` `role` in `group` (`holds`) or takes it away: a value of the member
    /// attribute, or of the owner attribute. Already so is success: a change delivered twice
    /// (a retry after a lost answer) does no harm.
    pub async fn set_role(
        &mut self,
        group: &str,
        person: &str,
        role: ResourceRole,
        holds: bool,
    ) -> Result<(), String> {
        let (attr, giving, taking) = match role {
            ResourceRole::Member => (
                self.settings.member_attribute.clone(),
                format!("Adding {person} to {group}"),
                format!("Removing {person} from {group}"),
            ),
            ResourceRole::Owner => (
                self.settings.owner_attribute.clone(),
                format!("Making {person} an owner of {group}"),
                format!("Removing {person} from the owners of {group}"),
            ),
        };
        let values = HashSet::from([person]);
        let (change, doing) = if holds {
            (Mod::Add(attr.as_str(), values), giving)
        } else {
            (Mod::Delete(attr.as_str(), values), taking)
        };
        let result = self
            .ldap
            .with_timeout(OPERATION_TIMEOUT)
            .modify(group, vec![change])
            .await
            .map_err(|e| format!("{doing}: {}", connect_words(&e)))?;
        match (result.rc, holds) {
            // attributeOrValueExists on add, noSuchAttribute on delete: already so.
            (0, _) | (20, true) | (16, false) => Ok(()),
            (rc, _) => Err(ldap_result_words(rc, &result.text, &doing)),
        }
    }

    /// Whether `dn` exists (a group an administrator links, the people's base).
    pub async fn check_entry(&mut self, dn: &str, what: &str) -> Result<(), String> {
        let doing = format!("Reading {what} {dn}");
        let (_, result) = self
            .ldap
            .with_timeout(OPERATION_TIMEOUT)
            .search(dn, Scope::Base, "(objectClass=*)", vec!["1.1"])
            .await
            .map_err(|e| format!("{doing}: {}", connect_words(&e)))?
            .non_error()
            .map_err(|e| error_words(&e, &doing))?;
        if result.rc == 0 {
            Ok(())
        } else {
            Err(ldap_result_words(result.rc, &result.text, &doing))
        }
    }

    /// The DNs the group lists as members, lowercased (DNs compare without case).
    pub async fn members(&mut self, group: &str) -> Result<Vec<String>, String> {
        let attr = self.settings.member_attribute.clone();
        let doing = format!("Reading the members of {group}");
        let (entries, _) = self
            .ldap
            .with_timeout(OPERATION_TIMEOUT)
            .search(group, Scope::Base, "(objectClass=*)", vec![attr.as_str()])
            .await
            .map_err(|e| format!("{doing}: {}", connect_words(&e)))?
            .success()
            .map_err(|e| error_words(&e, &doing))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = SearchEntry::construct(entry);
            for (name, values) in entry.attrs {
                if name.eq_ignore_ascii_case(&attr) {
                    out.extend(values.into_iter().map(|v| v.to_lowercase()));
                }
            }
        }
        if out.len() > MAX_GROUP_MEMBERS {
            return Err(format!("{doing}: more than {MAX_GROUP_MEMBERS} members"));
        }
        Ok(out)
    }

    /// Every entry under `base` (subtree) that `filter` matches, with `attrs`, read a page at a
    /// time (the Paged Results control, so a directory's size limit per page does not cut the
    /// list short). More than `limit` entries is an error: nothing is read half.
    pub async fn search_all(
        &mut self,
        base: &str,
        filter: &str,
        attrs: &[String],
        limit: usize,
    ) -> Result<Vec<Entry>, String> {
        let doing = format!("Searching {base} for {filter}");
        let adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(PAGE_SIZE)),
        ];
        let mut stream = self
            .ldap
            .with_timeout(OPERATION_TIMEOUT)
            .streaming_search_with(adapters, base, Scope::Subtree, filter, attrs.to_vec())
            .await
            .map_err(|e| error_words(&e, &doing))?;
        let mut out = Vec::new();
        loop {
            match stream.next().await {
                Ok(Some(entry)) => {
                    if out.len() == limit {
                        let _ = stream.finish().await;
                        return Err(format!("{doing}: more than {limit} entries"));
                    }
                    let entry = SearchEntry::construct(entry);
                    out.push(Entry {
                        dn: entry.dn,
                        attrs: entry
                            .attrs
                            .into_iter()
                            .map(|(k, v)| (k.to_lowercase(), v))
                            .collect(),
                    });
                }
                Ok(None) => break,
                Err(e) => return Err(error_words(&e, &doing)),
            }
        }
        let result = stream.finish().await;
        if result.rc != 0 {
            return Err(ldap_result_words(result.rc, &result.text, &doing));
        }
        Ok(out)
    }

    /// Ends the session politely; a failure here changes nothing.
    pub async fn close(mut self) {
        let _ = self.ldap.unbind().await;
    }
}

/// Words for an LDAP error that carries a result.
fn error_words(e: &LdapError, doing: &str) -> String {
    match e {
        LdapError::LdapResult { result } => ldap_result_words(result.rc, &result.text, doing),
        other => format!("{doing}: {}", connect_words(other)),
    }
}
