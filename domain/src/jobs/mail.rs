//! Email over SMTP (lettre). Configured by `SMTP_URL` (`smtp://[user[:password]@]host[:port]`,
//! plain SMTP to a relay) and a from-address.

use crate::rules::lifecycle::Email;
use crate::{DomainError, DomainResult};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Sends Tessera's emails.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where deep links point: "https://tessera.example.com".
    pub base_url: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// The parts of an SMTP URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
}

/// Reads `smtp://[user[:password]@]host[:port]` (port 25 by default).
pub fn parse_smtp_url(url: &str) -> Result<SmtpUrl, String> {
    let rest = url.strip_prefix("smtp://").ok_or_else(|| {
        format!("SMTP_URL must look like smtp://[user:password@]host[:port], got {url:?}")
    })?;
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
        None => (hostport, 25),
    };
    if host.is_empty() {
        return Err("SMTP_URL names no host".into());
    }
    Ok(SmtpUrl {
        host: host.to_owned(),
        port,
        credentials,
    })
}

impl Mailer {
    pub fn new(smtp_url: &str, from: &str, base_url: &str) -> DomainResult<Self> {
        let url = parse_smtp_url(smtp_url).map_err(|m| DomainError::invalid("SMTP_URL", m))?;
        let from: Mailbox = from.parse().map_err(|_| {
            DomainError::invalid(
                "TESSERA_MAIL_FROM",
                format!("{from:?} is not an email address (\"Tessera <tessera@example.com>\")"),
            )
        })?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host)
            .port(url.port)
            .timeout(Some(Duration::from_secs(20)));
        if let Some((user, password)) = url.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            base_url: base_url.trim_end_matches('/').to_owned(),
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
                credentials: None
            })
        );
        assert_eq!(
            parse_smtp_url("smtp://app:s3cret@mail.example.com/"),
            Ok(SmtpUrl {
                host: "mail.example.com".into(),
                port: 25,
                credentials: Some(("app".into(), "s3cret".into()))
            })
        );
        assert!(parse_smtp_url("http://x").is_err());
        assert!(parse_smtp_url("smtp://host:nope").is_err());
        assert!(parse_smtp_url("smtp://").is_err());
    }
}
