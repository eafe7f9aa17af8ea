//! Test harness (built with `server`; see `lib.rs`), shared by the domain's and the server's integration
//! tests: a fresh database per case on SQLite and on PostgreSQL ([`db`]), the fixtures the
//! cases build their world from ([`fixtures`]), real SMTP servers ([`smtp`]), a real LDAP
//! directory ([`slapd`]) and a real SCIM application ([`scim`]).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod db;
pub mod fixtures;
pub mod scim;
pub mod slapd;
pub mod smtp;
pub mod webhooks;

pub use db::{
    CASE_TIMEOUT, TestEnv, postgres_admin_url, postgres_required, run_postgres, run_sqlite,
    set_case_timeout, start_instant,
};
pub use fixtures::*;
pub use scim::ScimServer;
pub use slapd::Slapd;
pub use smtp::{SmtpServer, SmtpTls, TlsSmtpServer};
pub use webhooks::WebhookReceiver;

/// A fresh self-signed certificate for 127.0.0.1 and localhost, made by `openssl` in `dir`:
/// (certificate, key) paths, PEM. The test TLS servers (SMTP, LDAP) present it and the tests
/// trust it.
pub fn self_signed_certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "openssl could not make a test certificate");
    (cert, key)
}

/// What a case holds while it runs when nothing else has to stand still for it.
pub struct NoTurn;

/// The turn of a case that needs none (see [`on_both_databases!`]'s `with`).
pub async fn no_turn() -> NoTurn {
    NoTurn
}

/// Runs one async test case on a fresh SQLite database and a fresh Postgres database.
///
/// `on_both_databases!(with some_turn(); a, b)` first awaits `some_turn()` and holds what it
/// returns while the case runs, databases and all: the HTTP tests take their turn this way,
/// before the case's database is made and its timeout starts.
#[macro_export]
macro_rules! on_both_databases {
    (with $turn:expr; $($case:ident),+ $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let _turn = $turn.await;
                    $crate::testing::run_sqlite(super::$case).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let _turn = $turn.await;
                    $crate::testing::run_postgres(super::$case).await;
                }
            }
        )+
    };
    ($($case:ident),+ $(,)?) => {
        $crate::on_both_databases!(with $crate::testing::no_turn(); $($case),+);
    };
}
