//! Settings: flags over environment variables over defaults.

use domain::db::DbOptions;
use domain::rules::sign_in::SessionLimits;
use domain::rules::sso::PasswordSignIn;
use leptos::config::{Env, LeptosOptions};
use std::net::SocketAddr;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tessera.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_SITE_ROOT: &str = "target/site";

#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    pub demo: bool,
    /// With `demo`: also the lived-in organisation and its four months of history (off with
    /// `--demo=tutorial` or TESSERA_DEMO=tutorial: the tutorial's accounts only).
    pub demo_history: bool,
    pub session_limits: SessionLimits,
    pub secure_cookies: bool,
    pub site_root: String,
    pub max_body_bytes: usize,
    /// `smtp://[user:password@]host[:port]`; no email without it (the bell still works).
    pub smtp_url: Option<String>,
    /// The From of Tessera's emails.
    pub mail_from: String,
    /// The address people reach Tessera at, for links in emails.
    pub public_url: String,
    /// Whether `TESSERA_PUBLIC_URL` was set: then it is the only origin state-changing
    /// requests may come from; else the request's own Host is.
    pub public_url_set: bool,
    /// Seconds between two runs of the lifecycle jobs inside `serve`.
    pub jobs_interval_secs: u64,
    /// The bearer token `/metrics` asks for; none: `/metrics` is off.
    pub metrics_token: Option<String>,
    /// On SIGTERM or Ctrl-C: how long requests in flight and the scheduler's batch may take
    /// to finish before the server exits anyway.
    pub shutdown_grace_secs: u64,
    /// Sign-in attempts a minute from one client address (before any password is checked).
    pub sign_in_per_minute: std::num::NonZeroU32,
    /// REST API calls a minute one token may make (`TESSERA_API_PER_MINUTE`); more get 429.
    pub api_per_minute: std::num::NonZeroU32,
    /// The pools' size and bounds while serving (`TESSERA_DB_CONNECTIONS`,
    /// `TESSERA_STATEMENT_TIMEOUT_SECONDS`); one-off commands have no statement limit.
    pub database: DbOptions,
    /// Single sign-on with OpenID Connect (`TESSERA_OIDC_*`), when configured.
    pub sso: Option<std::sync::Arc<crate::oidc::Sso>>,
    /// Who may sign in with a password (`TESSERA_PASSWORD_SIGN_IN`,
    /// `TESSERA_BREAK_GLASS_ADMINS`).
    pub password_sign_in: PasswordSignIn,
    /// The key connected systems' passwords are sealed with (`TESSERA_SECRET_KEY_FILE` or
    /// `TESSERA_SECRET_KEY`); none: no connected system can store a password.
    pub secret_key: Option<domain::secrets::SecretKey>,
}

/// How long a request waits for a database connection before it is answered 503 "try
/// again": the bound on a request's wait while the database is away or restarting.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Every setting, but the SMTP password: it never reaches a log.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("demo", &self.demo)
            .field("demo_history", &self.demo_history)
            .field("session_limits", &self.session_limits)
            .field("secure_cookies", &self.secure_cookies)
            .field("site_root", &self.site_root)
            .field("max_body_bytes", &self.max_body_bytes)
            .field(
                "smtp_url",
                &self.smtp_url.as_deref().map(domain::jobs::redact_smtp_url),
            )
            .field("mail_from", &self.mail_from)
            .field("public_url", &self.public_url)
            .field("jobs_interval_secs", &self.jobs_interval_secs)
            .field("shutdown_grace_secs", &self.shutdown_grace_secs)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "(set)"),
            )
            .field("sign_in_per_minute", &self.sign_in_per_minute)
            .field("api_per_minute", &self.api_per_minute)
            .field("database", &self.database)
            .field("sso", &self.sso)
            .field("password_sign_in", &self.password_sign_in)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "(set)"))
            .finish_non_exhaustive()
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn env_flag(name: &str) -> bool {
    matches!(std::env::var(name).as_deref(), Ok("1" | "true" | "yes"))
}

fn env_number(name: &str, default: i64) -> Result<i64, String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{name} must be a positive whole number, got {v:?}")),
        _ => Ok(default),
    }
}

/// `TESSERA_METRICS_TOKEN`, or the first line of the file `TESSERA_METRICS_TOKEN_FILE`; at
/// least 16 characters.
fn metrics_token() -> Result<Option<String>, String> {
    let file = match std::env::var("TESSERA_METRICS_TOKEN_FILE") {
        Ok(path) if !path.trim().is_empty() => Some(
            std::fs::read_to_string(path.trim())
                .map_err(|e| format!("TESSERA_METRICS_TOKEN_FILE: cannot read {path:?}: {e}"))?,
        ),
        _ => None,
    };
    metrics_token_of(
        file.as_deref(),
        std::env::var("TESSERA_METRICS_TOKEN").ok().as_deref(),
    )
}

/// The token from the file's first line (a file given but empty is an error), else from the
/// variable (unset or blank: none).
fn metrics_token_of(file: Option<&str>, value: Option<&str>) -> Result<Option<String>, String> {
    let token = match file {
        Some(text) => Some(text.lines().next().unwrap_or("").trim()),
        None => value.map(str::trim).filter(|t| !t.is_empty()),
    };
    match token {
        Some(t) if t.chars().count() < 16 => {
            Err("TESSERA_METRICS_TOKEN must be at least 16 characters".into())
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// `TESSERA_PASSWORD_SIGN_IN` (`on`, the default, or `off`) and, when off, the break-glass
/// administrators' e-mails in `TESSERA_BREAK_GLASS_ADMINS` (comma-separated). Off needs
/// single sign-on, or nobody but them could sign in.
fn password_sign_in_of(
    mode: Option<&str>,
    break_glass: Option<&str>,
    sso: bool,
) -> Result<PasswordSignIn, String> {
    match mode.map(str::trim).unwrap_or("") {
        "" | "on" => Ok(PasswordSignIn::Everyone),
        "off" if !sso => Err(
            "TESSERA_PASSWORD_SIGN_IN=off needs single sign-on (TESSERA_OIDC_ISSUER): otherwise only the break-glass administrators could sign in".into(),
        ),
        "off" => break_glass
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                domain::model::Email::parse(e)
                    .map_err(|why| format!("TESSERA_BREAK_GLASS_ADMINS: {e:?}: {why}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(PasswordSignIn::BreakGlassOnly),
        other => Err(format!(
            "TESSERA_PASSWORD_SIGN_IN must be on or off, got {other:?}"
        )),
    }
}

impl Config {
    /// Reads the environment; `addr` and `demo` may be overridden by flags afterwards.
    pub fn from_env() -> Result<Self, String> {
        let addr = env_or("TESSERA_ADDR", DEFAULT_ADDR);
        let public_url = env_or("TESSERA_PUBLIC_URL", "");
        let reachable_at = if public_url.is_empty() {
            format!("http://{addr}")
        } else {
            public_url.clone()
        };
        let sso = crate::oidc::OidcSettings::from_env()?
            .map(|settings| crate::oidc::Sso::new(settings, &reachable_at).map(std::sync::Arc::new))
            .transpose()?;
        let password_sign_in = password_sign_in_of(
            std::env::var("TESSERA_PASSWORD_SIGN_IN").ok().as_deref(),
            std::env::var("TESSERA_BREAK_GLASS_ADMINS").ok().as_deref(),
            sso.is_some(),
        )?;
        Ok(Self {
            sso,
            password_sign_in,
            secret_key: domain::secrets::key_from_env()?,
            addr: addr
                .parse()
                .map_err(|_| format!("TESSERA_ADDR must be host:port, got {addr:?}"))?,
            database_url: env_or("DATABASE_URL", DEFAULT_DATABASE_URL),
            demo: env_flag("TESSERA_DEMO")
                || std::env::var("TESSERA_DEMO").as_deref() == Ok("tutorial"),
            demo_history: std::env::var("TESSERA_DEMO").as_deref() != Ok("tutorial"),
            session_limits: SessionLimits {
                idle_secs: env_number("TESSERA_SESSION_IDLE_MINUTES", 8 * 60)? * 60,
                absolute_secs: env_number("TESSERA_SESSION_ABSOLUTE_HOURS", 7 * 24)? * 3600,
            },
            // Behind HTTPS the session cookie is Secure whatever the flag says.
            secure_cookies: env_flag("TESSERA_SECURE_COOKIES")
                || public_url.starts_with("https://"),
            site_root: env_or("LEPTOS_SITE_ROOT", DEFAULT_SITE_ROOT),
            max_body_bytes: 4 * 1024 * 1024,
            smtp_url: std::env::var("SMTP_URL")
                .ok()
                .filter(|v| !v.trim().is_empty()),
            mail_from: env_or("TESSERA_MAIL_FROM", "Tessera <tessera@localhost>"),
            public_url_set: !public_url.is_empty(),
            public_url: reachable_at,
            jobs_interval_secs: env_number("TESSERA_JOBS_INTERVAL_SECONDS", 60)? as u64,
            shutdown_grace_secs: env_number("TESSERA_SHUTDOWN_SECONDS", 20)? as u64,
            metrics_token: metrics_token()?,
            sign_in_per_minute: u32::try_from(env_number("TESSERA_SIGN_IN_PER_MINUTE", 20)?)
                .ok()
                .and_then(std::num::NonZeroU32::new)
                .ok_or("TESSERA_SIGN_IN_PER_MINUTE is too large")?,
            api_per_minute: u32::try_from(env_number("TESSERA_API_PER_MINUTE", 1200)?)
                .ok()
                .and_then(std::num::NonZeroU32::new)
                .ok_or("TESSERA_API_PER_MINUTE must be from 1 to 4294967295")?,
            database: DbOptions {
                connections: u32::try_from(env_number("TESSERA_DB_CONNECTIONS", 16)?)
                    .map_err(|_| "TESSERA_DB_CONNECTIONS is too large")?,
                acquire_timeout: ACQUIRE_TIMEOUT,
                statement_timeout: Some(std::time::Duration::from_secs(env_number(
                    "TESSERA_STATEMENT_TIMEOUT_SECONDS",
                    30,
                )? as u64)),
            },
        })
    }

    /// Listens on `addr` (the `--addr` flag): without `TESSERA_PUBLIC_URL`, the address in links
    /// and the single sign-on callback follow it.
    pub fn listen_on(&mut self, addr: SocketAddr) -> Result<(), String> {
        self.addr = addr;
        if !self.public_url_set {
            self.public_url = format!("http://{addr}");
            if let Some(sso) = &self.sso {
                self.sso = Some(std::sync::Arc::new(sso.at(&self.public_url)?));
            }
        }
        Ok(())
    }

    /// The session cookie's name: with the `__Host-` prefix when it is Secure, so the browser
    /// accepts it only from this host, over HTTPS, for the whole site.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-tessera.sid"
        } else {
            "tessera.sid"
        }
    }

    /// The mailer when SMTP is configured; a bad SMTP_URL, CA file or from-address is an
    /// error (whose message never repeats the SMTP password).
    pub fn mailer(&self) -> Result<Option<domain::jobs::Mailer>, String> {
        let ca_pem = match std::env::var("TESSERA_SMTP_CA_FILE") {
            Ok(path) if !path.trim().is_empty() => Some(
                std::fs::read_to_string(path.trim())
                    .map_err(|e| format!("TESSERA_SMTP_CA_FILE {path:?} cannot be read: {e}"))?,
            ),
            _ => None,
        };
        self.smtp_url
            .as_deref()
            .map(|url| {
                domain::jobs::Mailer::new(
                    url,
                    &self.mail_from,
                    &self.public_url,
                    ca_pem.as_deref(),
                    app::links::href,
                )
                .map_err(|e| crate::cli::error_line(e, ""))
            })
            .transpose()
    }

    /// Leptos's options. Asset names carry a content hash when the build wrote its hash file
    /// (cargo-leptos with `hash-files`, beside the binary: where Leptos reads it); a binary
    /// built by plain cargo (the tests) uses the plain names.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("tessera")
            .site_root(self.site_root.as_str())
            .site_pkg_dir(env_or("LEPTOS_SITE_PKG_DIR", "pkg"))
            .site_addr(self.addr)
            .hash_files(hash_file_beside_binary())
            .env(
                if std::env::var("LEPTOS_ENV").is_ok_and(|v| v.eq_ignore_ascii_case("dev")) {
                    Env::DEV
                } else {
                    Env::PROD
                },
            )
            .build()
    }
}

/// Whether cargo-leptos left `hash.txt` beside this binary.
fn hash_file_beside_binary() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").is_file()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::{PasswordSignIn, metrics_token_of, password_sign_in_of};

    #[test]
    fn passwords_are_turned_off_only_with_single_sign_on() {
        assert_eq!(
            password_sign_in_of(None, None, false),
            Ok(PasswordSignIn::Everyone)
        );
        assert_eq!(
            password_sign_in_of(Some("on"), Some("x"), true),
            Ok(PasswordSignIn::Everyone)
        );
        assert!(password_sign_in_of(Some("off"), Some("a@example.com"), false).is_err());
        assert!(password_sign_in_of(Some("maybe"), None, true).is_err());
        let off = password_sign_in_of(Some("off"), Some(" A@example.com, b@example.com ,"), true);
        let named = |s: &str| domain::model::Email::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            off,
            Ok(PasswordSignIn::BreakGlassOnly(vec![
                named("a@example.com"),
                named("b@example.com")
            ]))
        );
        assert_eq!(
            password_sign_in_of(Some("off"), None, true),
            Ok(PasswordSignIn::BreakGlassOnly(vec![]))
        );
        let bad = password_sign_in_of(Some("off"), Some("not-an-email"), true);
        assert!(bad.is_err_and(|e| e.contains("not-an-email")));
    }

    #[test]
    fn a_metrics_token_is_long_enough_or_refused_by_name() {
        let long = "0123456789abcdef";
        assert_eq!(metrics_token_of(None, None), Ok(None));
        assert_eq!(metrics_token_of(None, Some("  ")), Ok(None));
        assert_eq!(
            metrics_token_of(None, Some(&format!(" {long} "))),
            Ok(Some(long.to_owned()))
        );
        assert_eq!(
            metrics_token_of(
                Some(&format!("{long}\nignored\n")),
                Some("other-token-value-x")
            ),
            Ok(Some(long.to_owned())),
            "the file wins"
        );
        for short in [
            metrics_token_of(None, Some("short")),
            metrics_token_of(Some(""), None),
        ] {
            assert_eq!(
                short,
                Err("TESSERA_METRICS_TOKEN must be at least 16 characters".to_owned())
            );
        }
    }
}
