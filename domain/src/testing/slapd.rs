//! A real LDAP directory (OpenLDAP's slapd, from Debian's packages) for the connector tests:
//! a fresh database per server, plain LDAP with StartTLS and LDAPS on their own ports, with a
//! self-signed certificate for 127.0.0.1. Killed when dropped.

use super::db::postgres_required;
use ldap3::{LdapConnAsync, Mod, Scope, SearchEntry};
use std::collections::HashSet;
use std::path::PathBuf;

pub const SUFFIX: &str = "dc=example,dc=org";
pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=org";
pub const ADMIN_PASSWORD: &str = "slapd-secret";
pub const PEOPLE: &str = "ou=people,dc=example,dc=org";
pub const GROUPS: &str = "ou=groups,dc=example,dc=org";
/// Every group starts with this member: a groupOfNames must keep at least one.
pub const PLACEHOLDER: &str = "cn=placeholder,dc=example,dc=org";

/// An entry to add: its DN and its attributes with their values.
/// This directory as a connected system named `name` at `url`: bound as its administrator,
/// people matched by `mail`, members in `member`, drift reported.
pub fn ldap_input<'a>(name: &'a str, url: &'a str) -> crate::rules::connectors::LdapInput<'a> {
    crate::rules::connectors::LdapInput {
        name,
        url,
        bind_dn: ADMIN_DN,
        password: Some(ADMIN_PASSWORD),
        user_base: PEOPLE,
        user_attribute: "mail",
        match_with: "email",
        member_attribute: "member",
        owner_attribute: "",
        drift: "report",
        ..Default::default()
    }
}

pub type LdifEntry<'a> = (String, Vec<(&'a str, Vec<String>)>);

pub struct Slapd {
    child: Option<std::process::Child>,
    dir: PathBuf,
    /// Plain LDAP (StartTLS offered).
    pub port: u16,
    /// LDAP over TLS from the first byte.
    pub tls_port: u16,
    /// The server's certificate (PEM), to trust.
    pub ca_pem: String,
}

/// The slapd binary, or `None` (with a note) when it isn't installed and the run doesn't
/// require it (`CI=true` does).
fn slapd_binary() -> Option<String> {
    let bin = std::env::var("TESSERA_SLAPD").unwrap_or_else(|_| "/usr/sbin/slapd".into());
    if std::path::Path::new(&bin).exists() {
        return Some(bin);
    }
    assert!(
        !postgres_required(),
        "slapd is required (CI): run scripts/setup.sh (it installs Debian's slapd) or set TESSERA_SLAPD"
    );
    eprintln!("SKIPPED: slapd is not installed ({bin}); run scripts/setup.sh");
    None
}

pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

impl Slapd {
    /// A fresh directory holding the suffix, `ou=people`, `ou=groups` and the placeholder.
    pub async fn start() -> Option<Self> {
        slapd_binary()?;
        let dir =
            std::env::temp_dir().join(format!("tessera-slapd-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(dir.join("db")).unwrap();
        let (cert, key) = super::self_signed_certificate(&dir);
        let conf = format!(
            "include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/nis.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             pidfile {dir}/slapd.pid\n\
             TLSCertificateFile {cert}\n\
             TLSCertificateKeyFile {key}\n\
             database mdb\n\
             maxsize 104857600\n\
             suffix \"{SUFFIX}\"\n\
             rootdn \"{ADMIN_DN}\"\n\
             rootpw {ADMIN_PASSWORD}\n\
             directory {dir}/db\n\
             index objectClass eq\n\
             index mail,uid eq\n",
            dir = dir.display(),
            cert = cert.display(),
            key = key.display(),
        );
        std::fs::write(dir.join("slapd.conf"), conf).unwrap();
        let mut server = Self {
            child: None,
            ca_pem: std::fs::read_to_string(&cert).unwrap(),
            dir,
            port: free_port(),
            tls_port: free_port(),
        };
        server.resume().await;
        server.seed().await;
        Some(server)
    }

    /// Starts (again) on the same ports and database.
    pub async fn resume(&mut self) {
        let bin = slapd_binary().unwrap();
        let child = std::process::Command::new(bin)
            .arg("-f")
            .arg(self.dir.join("slapd.conf"))
            .arg("-h")
            .arg(format!(
                "ldap://127.0.0.1:{}/ ldaps://127.0.0.1:{}/",
                self.port, self.tls_port
            ))
            .args(["-d", "0"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..100 {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("slapd exited at start: {status}");
            }
            if self.admin().await.is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("slapd did not start on port {}", self.port);
    }

    /// Stops the server (as if it went down); later connections are refused.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    pub fn tls_url(&self) -> String {
        format!("ldaps://127.0.0.1:{}", self.tls_port)
    }

    /// A session bound as the directory's administrator.
    async fn admin(&self) -> Result<ldap3::Ldap, ldap3::LdapError> {
        let (conn, mut ldap) = LdapConnAsync::new(&self.url()).await?;
        ldap3::drive!(conn);
        ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD)
            .await?
            .success()?;
        Ok(ldap)
    }

    async fn add(&self, dn: &str, attrs: Vec<(&str, Vec<&str>)>) {
        let mut ldap = self.admin().await.unwrap();
        let attrs: Vec<(&str, HashSet<&str>)> = attrs
            .into_iter()
            .map(|(a, v)| (a, v.into_iter().collect()))
            .collect();
        ldap.add(dn, attrs).await.unwrap().success().unwrap();
    }

    async fn seed(&self) {
        self.add(
            SUFFIX,
            vec![
                ("objectClass", vec!["dcObject", "organization"]),
                ("dc", vec!["example"]),
                ("o", vec!["Example"]),
            ],
        )
        .await;
        for ou in ["people", "groups"] {
            self.add(
                &format!("ou={ou},{SUFFIX}"),
                vec![
                    ("objectClass", vec!["organizationalUnit"]),
                    ("ou", vec![ou]),
                ],
            )
            .await;
        }
        self.add(
            PLACEHOLDER,
            vec![
                ("objectClass", vec!["organizationalRole"]),
                ("cn", vec!["placeholder"]),
            ],
        )
        .await;
    }

    /// Adds a person `uid=<uid>,ou=people,…` with that e-mail; returns their DN.
    pub async fn add_person(&self, uid: &str, email: &str) -> String {
        let dn = format!("uid={uid},{PEOPLE}");
        self.add(
            &dn,
            vec![
                ("objectClass", vec!["inetOrgPerson"]),
                ("uid", vec![uid]),
                ("cn", vec![uid]),
                ("sn", vec![uid]),
                ("mail", vec![email]),
            ],
        )
        .await;
        dn
    }

    /// Adds many people (uid, e-mail) over one connection (the benchmark's directory).
    pub async fn add_people(&self, people: &[(String, String)]) {
        let mut ldap = self.admin().await.unwrap();
        for (uid, email) in people {
            let dn = format!("uid={uid},{PEOPLE}");
            let attrs: Vec<(&str, HashSet<&str>)> = vec![
                ("objectClass", HashSet::from(["inetOrgPerson"])),
                ("uid", HashSet::from([uid.as_str()])),
                ("cn", HashSet::from([uid.as_str()])),
                ("sn", HashSet::from([uid.as_str()])),
                ("mail", HashSet::from([email.as_str()])),
            ];
            ldap.add(&dn, attrs).await.unwrap().success().unwrap();
        }
    }

    /// Adds a group `cn=<name>,ou=groups,…` holding only the placeholder; returns its DN.
    pub async fn add_group(&self, name: &str) -> String {
        let dn = format!("cn={name},{GROUPS}");
        self.add(
            &dn,
            vec![
                ("objectClass", vec!["groupOfNames"]),
                ("cn", vec![name]),
                ("member", vec![PLACEHOLDER]),
            ],
        )
        .await;
        dn
    }

    /// Adds entries (DN, attributes with their values) over one connection.
    pub async fn add_entries(&self, entries: &[LdifEntry<'_>]) {
        let mut ldap = self.admin().await.unwrap();
        for (dn, attrs) in entries {
            let attrs: Vec<(&str, HashSet<&str>)> = attrs
                .iter()
                .map(|(a, v)| (*a, v.iter().map(String::as_str).collect()))
                .collect();
            ldap.add(dn, attrs).await.unwrap().success().unwrap();
        }
    }

    /// Replaces an attribute's values of an entry (none: removes the attribute).
    pub async fn replace(&self, dn: &str, attr: &str, values: &[&str]) {
        let mut ldap = self.admin().await.unwrap();
        let values: HashSet<&str> = values.iter().copied().collect();
        ldap.modify(dn, vec![Mod::Replace(attr, values)])
            .await
            .unwrap()
            .success()
            .unwrap();
    }

    /// Deletes an entry.
    pub async fn delete(&self, dn: &str) {
        let mut ldap = self.admin().await.unwrap();
        ldap.delete(dn).await.unwrap().success().unwrap();
    }

    /// The group's members, lowercased, without the placeholder, sorted.
    pub async fn members(&self, group: &str) -> Vec<String> {
        self.values(group, "member").await
    }

    /// The group's owners (`owner`), lowercased, sorted.
    pub async fn owners(&self, group: &str) -> Vec<String> {
        self.values(group, "owner").await
    }

    /// An entry's values of `attr` (DNs), lowercased, sorted, without the placeholder.
    async fn values(&self, group: &str, attr: &str) -> Vec<String> {
        let mut ldap = self.admin().await.unwrap();
        let (entries, _) = ldap
            .search(group, Scope::Base, "(objectClass=*)", vec![attr])
            .await
            .unwrap()
            .success()
            .unwrap();
        let mut out: Vec<String> = entries
            .into_iter()
            .flat_map(|e| {
                let mut entry = SearchEntry::construct(e);
                entry.attrs.remove(attr).unwrap_or_default()
            })
            .map(|m| m.to_lowercase())
            .filter(|m| m != PLACEHOLDER)
            .collect();
        out.sort();
        out
    }

    /// Changes a group's members behind Tessera's back (drift).
    pub async fn set_member_outside(&self, group: &str, person: &str, member: bool) {
        let mut ldap = self.admin().await.unwrap();
        let values = HashSet::from([person]);
        let change = if member {
            Mod::Add("member", values)
        } else {
            Mod::Delete("member", values)
        };
        ldap.modify(group, vec![change])
            .await
            .unwrap()
            .success()
            .unwrap();
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
