//! Email over SMTP (lettre). Configured by `SMTP_URL` and a from-address:
//! `smtps://[user:password@]host[:port]` speaks TLS from the first byte (port 465 by default);
//! `smtp://[user:password@]host[:port]` (port 25) upgrades with STARTTLS, which is required
//! when credentials are given (a password never crosses the network in clear) and used when
//! offered otherwise. Certificates are checked against the Mozilla roots, or the PEM given
//! in `TESSERA_SMTP_CA_FILE` (an internal CA).

use crate::rules::lifecycle::Email;
use crate::{DomainError, DomainResult};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How many SMTP connections the mailer keeps open, and so how many e-mails the outbox sends
/// at once: each message waits on the relay's replies (and on the 40 ms delayed ACK that
/// lettre's separate write of the final "." meets), so ten at a time go ten times faster.
pub const CONNECTIONS: u32 = 10;

/// Sends Tessera's emails.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where deep links point: "https://tessera.example.com".
    pub base_url: String,
    /// The path of each place a notification leads to (the web layer's routes).
    pub paths: LinkPaths,
}

/// The web layer's path for a notification's `Link`.
pub type LinkPaths = fn(crate::model::Link) -> &'static str;

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// The parts of an SMTP URL.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
    /// `smtps://`: TLS from the first byte.
    pub implicit_tls: bool,
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpUrl")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .field("implicit_tls", &self.implicit_tls)
            .finish()
    }
}

/// The URL with its password replaced by `***`, for messages and logs.
pub fn redact_smtp_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".into();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, hostport)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:***@{hostport}")
        }
        None => url.to_owned(),
    }
}

/// Reads `smtp[s]://[user[:password]@]host[:port]` (port 25, or 465 for smtps).
pub fn parse_smtp_url(url: &str) -> Result<SmtpUrl, String> {
    let (implicit_tls, rest) = match (url.strip_prefix("smtps://"), url.strip_prefix("smtp://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => {
            return Err(format!(
                "SMTP_URL must look like smtp://[user:password@]host[:port] or smtps://…, got {:?}",
                redact_smtp_url(url)
            ));
        }
    };
    let rest = rest.trim_end_matches('/');
    let (credentials, hostport) = match rest.rsplit_once('@') {
        Some((userinfo, hostport)) => {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            (Some((user.to_owned(), password.to_owned())), hostport)
        }
        None => (None, rest),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse::<u16>()
                .map_err(|_| format!("SMTP_URL has a bad port {port:?}"))?,
        ),
        None => (hostport, if implicit_tls { 465 } else { 25 }),
    };
    if host.is_empty() {
        return Err("SMTP_URL names no host".into());
    }
    Ok(SmtpUrl {
        host: host.to_owned(),
        port,
        credentials,
        implicit_tls,
    })
}

impl Mailer {
    /// `ca_pem`: trust only this certificate (PEM) instead of the Mozilla roots.
    pub fn new(
        smtp_url: &str,
        from: &str,
        base_url: &str,
        ca_pem: Option<&str>,
        paths: LinkPaths,
    ) -> DomainResult<Self> {
        let url = parse_smtp_url(smtp_url).map_err(|m| DomainError::invalid("SMTP_URL", m))?;
        let from: Mailbox = from.parse().map_err(|_| {
            DomainError::invalid(
                "TESSERA_MAIL_FROM",
                format!("{from:?} is not an email address (\"Tessera <tessera@example.com>\")"),
            )
        })?;
        let mut tls = TlsParameters::builder(url.host.clone());
        if let Some(pem) = ca_pem {
            let ca = Certificate::from_pem(pem.as_bytes()).map_err(|e| {
                DomainError::invalid(
                    "TESSERA_SMTP_CA_FILE",
                    format!("is not a PEM certificate: {e}"),
                )
            })?;
            tls = tls
                .certificate_store(CertificateStore::None)
                .add_root_certificate(ca);
        }
        let tls = tls
            .build()
            .map_err(|e| DomainError::invalid("SMTP_URL", format!("TLS cannot be set up: {e}")))?;
        let tls = if url.implicit_tls {
            Tls::Wrapper(tls)
        } else if url.credentials.is_some() {
            Tls::Required(tls)
        } else {
            Tls::Opportunistic(tls)
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host)
            .port(url.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)))
            .pool_config(PoolConfig::new().max_size(CONNECTIONS));
        if let Some((user, password)) = url.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Self {
            // Pooled (lettre's `pool` feature): one connection carries message after message
            // instead of a connection, greeting and TLS handshake each.
            transport: builder.build(),
            from,
            base_url: base_url.trim_end_matches('/').to_owned(),
            paths,
        })
    }

    /// Sends one email; `id` becomes its Message-ID so a receiver can tell repeats apart.
    pub async fn send(
        &self,
        id: &str,
        to_name: &str,
        to: &str,
        email: Email,
    ) -> Result<(), String> {
        let address = to
            .parse()
            .map_err(|_| format!("{to:?} is not an email address"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(to_name.to_owned()), address))
            .subject(email.subject)
            .message_id(Some(format!("<{id}@tessera>")))
            .multipart(MultiPart::alternative_plain_html(email.text, email.html))
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_read_with_their_defaults() {
        assert_eq!(
            parse_smtp_url("smtp://127.0.0.1:2525"),
            Ok(SmtpUrl {
                host: "127.0.0.1".into(),
                port: 2525,
                credentials: None,
                implicit_tls: false,
            })
        );
        assert_eq!(
            parse_smtp_url("smtp://app:s3cret@mail.example.com/"),
            Ok(SmtpUrl {
                host: "mail.example.com".into(),
                port: 25,
                credentials: Some(("app".into(), "s3cret".into())),
                implicit_tls: false,
            })
        );
        assert_eq!(
            parse_smtp_url("smtps://app:s3cret@mail.example.com").map(|u| (u.port, u.implicit_tls)),
            Ok((465, true))
        );
        assert!(parse_smtp_url("http://x").is_err());
        assert!(parse_smtp_url("smtp://host:nope").is_err());
        assert!(parse_smtp_url("smtp://").is_err());
    }

    #[test]
    fn passwords_never_appear_in_messages_or_debug_output() {
        let url = "smtp://app:hunter2-secret@mail.example.com:99999";
        let e = parse_smtp_url(url).unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let e = parse_smtp_url("ftp://app:hunter2-secret@x").unwrap_err();
        assert!(!e.contains("hunter2") && e.contains("app:***@x"), "{e}");
        let parsed = parse_smtp_url("smtps://app:hunter2-secret@mail.example.com").unwrap();
        assert!(!format!("{parsed:?}").contains("hunter2"));
        assert_eq!(
            redact_smtp_url("smtps://app:hunter2@h:465"),
            "smtps://app:***@h:465"
        );
    }
}
