//! Real SMTP servers (aiosmtpd) for the email tests: plain, implicit TLS and STARTTLS.

use super::db::postgres_required;

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
        let (cert, key) = super::self_signed_certificate(&dir);
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
