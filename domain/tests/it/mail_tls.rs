//! Email over TLS against a real SMTP server (aiosmtpd with a fresh self-signed certificate):
//! implicit TLS (smtps://) and required STARTTLS, both with AUTH; credentials never go over
//! a connection without TLS.

use domain::jobs::Mailer;
use domain::rules::lifecycle::Email;
use domain::testing::*;

fn email(subject: &str) -> Email {
    Email {
        subject: subject.into(),
        text: "Hello over TLS".into(),
        html: "<p>Hello over TLS</p>".into(),
    }
}

async fn send(mailer: &Mailer, subject: &str) -> Result<(), String> {
    mailer
        .send(
            "mail-1",
            "Eric Employee",
            "eric@woodgrove.example",
            email(subject),
        )
        .await
}

#[tokio::test]
async fn implicit_tls_with_credentials_delivers() {
    let Some(tls) = SmtpServer::start_tls(SmtpTls::Implicit).await else {
        return;
    };
    let url = format!(
        "smtps://{}:{}@127.0.0.1:{}",
        tls.user, tls.password, tls.server.port
    );
    let mailer = Mailer::new(
        &url,
        "Tessera <t@woodgrove.example>",
        "https://t.example",
        Some(&tls.ca_pem),
        crate::href,
    )
    .unwrap();
    send(&mailer, "Over smtps").await.unwrap();
    let got = tls.server.messages();
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("Subject: Over smtps"), "{}", got[0]);
}

#[tokio::test]
async fn starttls_is_required_with_credentials_and_delivers() {
    let Some(tls) = SmtpServer::start_tls(SmtpTls::StartTls).await else {
        return;
    };
    let url = format!(
        "smtp://{}:{}@127.0.0.1:{}",
        tls.user, tls.password, tls.server.port
    );
    let mailer = Mailer::new(
        &url,
        "Tessera <t@woodgrove.example>",
        "https://t.example",
        Some(&tls.ca_pem),
        crate::href,
    )
    .unwrap();
    send(&mailer, "Over STARTTLS").await.unwrap();
    assert_eq!(tls.server.messages().len(), 1);
}

#[tokio::test]
async fn a_certificate_nobody_vouches_for_is_refused() {
    let Some(tls) = SmtpServer::start_tls(SmtpTls::Implicit).await else {
        return;
    };
    let url = format!(
        "smtps://{}:{}@127.0.0.1:{}",
        tls.user, tls.password, tls.server.port
    );
    // The Mozilla roots don't know the test certificate.
    let mailer = Mailer::new(
        &url,
        "Tessera <t@woodgrove.example>",
        "https://t.example",
        None,
        crate::href,
    )
    .unwrap();
    let e = send(&mailer, "Never").await.unwrap_err();
    assert!(!e.contains(tls.password), "{e}");
    assert!(tls.server.messages().is_empty());
}

#[tokio::test]
async fn credentials_are_never_sent_where_tls_is_not_offered() {
    let Some(plain) = SmtpServer::start().await else {
        return;
    };
    let url = format!("smtp://app:plain-secret@127.0.0.1:{}", plain.port);
    let mailer = Mailer::new(
        &url,
        "Tessera <t@woodgrove.example>",
        "https://t.example",
        None,
        crate::href,
    )
    .unwrap();
    let e = send(&mailer, "Never").await.unwrap_err();
    assert!(!e.contains("plain-secret"), "{e}");
    // Refused for want of TLS, not because the server was unreachable.
    assert!(!e.to_lowercase().contains("connection refused"), "{e}");
    eprintln!("refused as expected: {e}");
    assert!(plain.messages().is_empty());
    // Without credentials a plain relay still works (STARTTLS is used only when offered).
    let relay = Mailer::new(
        &plain.url(),
        "Tessera <t@woodgrove.example>",
        "https://t.example",
        None,
        crate::href,
    )
    .unwrap();
    send(&relay, "Plain relay").await.unwrap();
    assert_eq!(plain.messages().len(), 1);
}
