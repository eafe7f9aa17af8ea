//! Test harness (feature `testing`): a fresh database per test, on SQLite and on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::clock::ManualClock;
use crate::db::Db;
use crate::model::*;
use crate::service::Ctx;
use chrono::{TimeZone, Utc};
use std::future::Future;
use std::sync::Arc;

pub struct TestEnv {
    pub ctx: Ctx,
    pub clock: Arc<ManualClock>,
}

impl TestEnv {
    /// A Global Administrator actor, created in the database.
    pub async fn admin(&self) -> Actor {
        let id = crate::service::auth::create_administrator(
            &self.ctx,
            "root.admin@woodgrove.example",
            "Root Admin",
            "a long test password",
        )
        .await
        .expect("create admin");
        crate::service::auth::resolve_actor(&self.ctx, id)
            .await
            .unwrap()
            .unwrap()
    }

    /// A security group.
    pub async fn group(&self, admin: &Actor, name: &str) -> crate::model::GroupId {
        let input = crate::service::directory::GroupInput {
            name,
            description: "",
            kind: "security",
        };
        crate::service::directory::create_group(&self.ctx, admin, &input)
            .await
            .unwrap()
    }

    /// A plain member actor without roles.
    pub async fn member(&self, admin: &Actor, email: &str) -> Actor {
        let form = UserForm {
            email: email.into(),
            display_name: email.split('@').next().unwrap().into(),
            user_type: "member".into(),
            enabled: true,
            ..Default::default()
        };
        let id = crate::service::directory::create_user(&self.ctx, admin, &form)
            .await
            .unwrap();
        crate::service::auth::resolve_actor(&self.ctx, id)
            .await
            .unwrap()
            .unwrap()
    }
}

pub fn start_instant() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

async fn env_for(url: &str) -> TestEnv {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let clock = Arc::new(ManualClock::new(start_instant()));
    TestEnv {
        ctx: Ctx::new(db, clock.clone()),
        clock,
    }
}

/// No test case may run longer than this; a hang fails loudly instead of stalling CI.
pub const CASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

static CASE_TIMEOUT_SECS: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(CASE_TIMEOUT.as_secs());

/// Lets a long run (a benchmark seeding 100,000 rows) take longer than a test case may.
pub fn set_case_timeout(limit: std::time::Duration) {
    CASE_TIMEOUT_SECS.store(limit.as_secs(), std::sync::atomic::Ordering::Relaxed);
}

async fn guarded<Fut>(case: Fut) -> Result<(), tokio::task::JoinError>
where
    Fut: Future<Output = ()> + Send + 'static,
{
    let handle = tokio::spawn(case);
    let abort = handle.abort_handle();
    let limit = std::time::Duration::from_secs(
        CASE_TIMEOUT_SECS.load(std::sync::atomic::Ordering::Relaxed),
    );
    match tokio::time::timeout(limit, handle).await {
        Ok(result) => result,
        Err(_) => {
            abort.abort();
            panic!("test case still running after {limit:?}");
        }
    }
}

/// Closes the pool, without waiting forever for a connection some task still holds.
async fn close(db: &Db) {
    if tokio::time::timeout(std::time::Duration::from_secs(10), db.close())
        .await
        .is_err()
    {
        eprintln!("a test left a database connection checked out; closing anyway");
    }
}

pub async fn run_sqlite<F, Fut>(body: F)
where
    F: FnOnce(TestEnv) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = std::env::temp_dir().join(format!("tessera-test-{}", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}/tessera.db", dir.display());
    let env = env_for(&url).await;
    let db = env.ctx.db.clone();
    let result = guarded(body(env)).await;
    close(&db).await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn postgres_required() -> bool {
    std::env::var("TESSERA_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

pub async fn run_postgres<F, Fut>(body: F)
where
    F: FnOnce(TestEnv) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    use sqlx::Connection;
    let admin_url = postgres_admin_url();
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) if !postgres_required() => {
            eprintln!(
                "SKIPPED: Postgres at {admin_url} is unreachable ({e}); set CI=true to make this fatal"
            );
            return;
        }
        Err(e) => panic!("Postgres at {admin_url} is unreachable and required: {e}"),
    };
    let name = format!("tessera_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(admin_url.clone());
    let env = env_for(&format!("{base}/{name}")).await;
    let db = env.ctx.db.clone();
    let result = guarded(body(env)).await;
    close(&db).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop database");
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs one async test case on a fresh SQLite database and a fresh Postgres database.
#[macro_export]
macro_rules! on_both_databases {
    ($($case:ident),+ $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::testing::run_sqlite(super::$case).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::testing::run_postgres(super::$case).await;
                }
            }
        )+
    };
}

/// A real SMTP server (aiosmtpd) the email tests send to; it stores each message in a
/// Maildir. Killed when dropped.
pub struct SmtpServer {
    child: std::process::Child,
    pub port: u16,
    dir: std::path::PathBuf,
}

/// How a TLS test server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (`smtps://`).
    Implicit,
    /// Plain until STARTTLS, which it requires.
    StartTls,
}

/// A TLS SMTP server with AUTH, its self-signed certificate (PEM, for the client's trust
/// store) and the credentials it accepts.
pub struct TlsSmtpServer {
    pub server: SmtpServer,
    pub ca_pem: String,
    pub user: &'static str,
    pub password: &'static str,
}

impl SmtpServer {
    /// A TLS server (see [`SmtpTls`]) that requires AUTH, with a fresh self-signed
    /// certificate for 127.0.0.1 made by `openssl`; `None` as for [`SmtpServer::start`].
    pub async fn start_tls(mode: SmtpTls) -> Option<TlsSmtpServer> {
        let python = smtp_python()?;
        let dir =
            std::env::temp_dir().join(format!("tessera-mail-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
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
        let port = free_port();
        let maildir = dir.join("mail");
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/lib/smtp_tls_server.py"
        );
        let (user, password) = ("tessera", "mail-secret");
        let child = std::process::Command::new(&python)
            .arg(script)
            .arg(match mode {
                SmtpTls::Implicit => "smtps",
                SmtpTls::StartTls => "starttls",
            })
            .arg(port.to_string())
            .arg(&cert)
            .arg(&key)
            .arg(&maildir)
            .args([user, password])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Self {
            child,
            port,
            dir: maildir,
        };
        // An smtps server sends its banner only after the TLS handshake.
        server.wait_until_listening(mode == SmtpTls::StartTls).await;
        let ca_pem = std::fs::read_to_string(&cert).unwrap();
        let _ = std::fs::remove_file(&key);
        Some(TlsSmtpServer {
            server,
            ca_pem,
            user,
            password,
        })
    }

    /// Starts one on a free port, or `None` (with a note) when aiosmtpd isn't installed and
    /// the run doesn't require it (`CI=true` does).
    pub async fn start() -> Option<Self> {
        let python = smtp_python()?;
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("tessera-mail-{}", uuid::Uuid::now_v7().simple()));
        let child = std::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Self { child, port, dir };
        server.wait_until_listening(true).await;
        Some(server)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

impl SmtpServer {
    /// Waits until the server accepts connections, and (with `banner`) greets with `220`.
    /// A bare TCP connect is not proof: a connect to a free port in the ephemeral range can
    /// connect to itself (the kernel picked the same port as the source), which once let a
    /// test send to a server that was not up yet (CI, stop 20).
    async fn wait_until_listening(&mut self, banner: bool) {
        use tokio::io::AsyncReadExt;
        let port = self.port;
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the SMTP server on port {port} exited at start: {status}");
            }
            if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                let self_connected = stream.local_addr().is_ok_and(|a| a.port() == port);
                if !self_connected {
                    if !banner {
                        return;
                    }
                    let mut greeting = [0u8; 3];
                    let read = tokio::time::timeout(
                        std::time::Duration::from_secs(5),
                        stream.read_exact(&mut greeting),
                    )
                    .await;
                    if matches!(read, Ok(Ok(_))) && &greeting == b"220" {
                        return;
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the SMTP server did not start on port {port}");
    }
}

/// The Python with aiosmtpd, or `None` when it isn't there and the run doesn't require it.
fn smtp_python() -> Option<String> {
    let python = std::env::var("TESSERA_SMTP_PYTHON").unwrap_or_else(|_| {
        let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/../.tools/smtp/bin/python");
        if std::path::Path::new(venv).exists() {
            venv.into()
        } else {
            "python3".into()
        }
    });
    let available = std::process::Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        assert!(
            !postgres_required(),
            "aiosmtpd is required (CI): run scripts/setup.sh or set TESSERA_SMTP_PYTHON"
        );
        eprintln!("SKIPPED: aiosmtpd is not installed ({python}); run scripts/setup.sh");
        return None;
    }
    Some(python)
}

impl SmtpServer {
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) {
                for e in entries.flatten() {
                    if let Ok(text) = std::fs::read_to_string(e.path()) {
                        out.push(text);
                    }
                }
            }
        }
        out
    }

    /// Stops the server (as if it went down); later sends fail.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
