//! `tessera` command line: serve (default), migrate, admin create.

use crate::config::Config;

pub const HELP: &str = "\
Tessera — self-hosted entitlement management

USAGE:
    tessera [serve] [--addr HOST:PORT] [--demo | --demo=tutorial]
    tessera migrate
    tessera admin create --email EMAIL [--name \"Display Name\"]
    tessera jobs run [--at 2027-11-26T09:00:00Z]
    tessera audit verify
    tessera sync token create --name \"Client name\"
    tessera api-token create --email EMAIL --name NAME [--scope read|read_write] [--days N]
    tessera connectors list | test NAME | reprocess NAME | import NAME
    tessera webhooks list | test NAME | reprocess NAME
    tessera export [--catalog NAME] [--as EMAIL] > governance.yaml
    tessera apply FILE --as EMAIL [--dry-run]
    tessera check
    tessera backup FILE
    tessera restore FILE [--force]
    tessera seed-synthetic [--users N] [--packages M] [--assignments K] [--seed S]
    tessera --help

COMMANDS:
    serve           Run the web server (default). Migrates the database first.
    migrate         Apply database migrations and exit.
    admin create    Create a Global Administrator (or give an existing account the role
                    and a new password). The password is read from TESSERA_ADMIN_PASSWORD,
                    or asked for on the terminal.
    jobs run        Run every lifecycle job due now (or at --at, an RFC 3339 instant):
                    approval deadlines, forwarding and reminders, scheduled starts,
                    expiry and its reminders, email. Prints counts per job and exits.
    audit verify    Check the audit log's hash chain; names the first broken link and
                    exits non-zero when there is one.
    sync token create
                    Create a bearer token for a directory sync (SCIM) client and print it
                    (once; Tessera keeps only its hash). Tokens are listed and revoked on
                    Administration → Directory sync.
    api-token create
                    Create an API token (for /api/v1) acting as the person EMAIL and print it
                    (once; Tessera keeps only its hash). --scope read (default) or read_write;
                    --days until it expires (default 90, at most 365). People make, list and
                    revoke their own tokens on Your account → API tokens.
    connectors list Print the connected systems (LDAP directories, SCIM applications) with
                    their linked groups and deliveries in flight or failed.
    connectors test NAME
                    Test the connection of the system NAME as its page does (signs in,
                    reads the people's base or the SCIM configuration and each linked
                    group; changes nothing). Prints each step; exits non-zero on failure.
    connectors reprocess NAME
                    Send every failed delivery of the system NAME again now (audited).
    connectors import NAME
                    Import people and groups from the directory NAME now, as its page's
                    Import now does, and wait for it: prints what it did; exits non-zero
                    when it stopped (nothing is changed when a run would disable more
                    people than the system allows).
    webhooks list   Print the webhooks with their receivers, events and failed deliveries.
    webhooks test NAME
                    Send the webhook NAME a signed test event now, as its page does, and
                    print what the receiver answered; exits non-zero on failure.
    webhooks reprocess NAME
                    Send every failed delivery of the webhook NAME again now (audited).
    export          Print the governance configuration as YAML: catalogs (roles, resources),
                    access packages (resource roles, every policy setting, incompatibilities),
                    with people by email and everything else by name, no ids. --catalog: only
                    that one; --as: only what the person EMAIL may read (default: all).
    apply FILE      Make the configuration match the YAML FILE (as export writes it), as the
                    person EMAIL: their roles decide what may change and the audit log names
                    them. Prints each change. Catalogs and packages the file names are created
                    or changed to match, with exactly the file's roles, resources, resource
                    roles, policies (by name) and incompatibilities; those it does not name are
                    left alone. All in one transaction: the first refusal changes nothing.
                    --dry-run: show the changes (or the refusal) and change nothing.
    check           Prove the invariants: every live assignment has exactly the grants of
                    its package's roles and no grant outlives its assignment, kept counts
                    (license seats used among them) equal fresh counts, at most one open
                    request and one live assignment per person and package, request states
                    agree with their stages, e-mail states agree with their times, the audit
                    chain is intact. Names what breaks each and exits non-zero on any.
    backup FILE     Write a consistent copy of the SQLite database to the new FILE while
                    Tessera runs (SQLite's VACUUM INTO; a plain copy of a WAL database is
                    not safe). PostgreSQL: use pg_dump.
    restore FILE    Replace the SQLite database with the backup FILE, checked first (it is
                    migrated and must pass `tessera check`). Stop the server first; an
                    existing database is only replaced with --force.
    seed-synthetic  Fill an EMPTY database with a synthetic organisation for benchmarks
                    (deterministic for a seed; defaults: 10000 people, 100 packages,
                    50000 assignments, seed 1). Everyone's password is 'tessera-bench';
                    the administrator is admin@woodgrove.example.

OPTIONS:
    --addr HOST:PORT   Listen address (env TESSERA_ADDR, default 127.0.0.1:3000)
    --at INSTANT       With jobs run: the time to run at (2027-11-26T09:00:00Z).
    --demo             Seed the Woodgrove Bank demo directory (env TESSERA_DEMO=1): the
                       tutorial's accounts, and a lived-in organisation of 240 people
                       with four months of requests, reviews and licenses.
    --demo=tutorial    Only the tutorial's accounts (env TESSERA_DEMO=tutorial).
                       Demo accounts share the PUBLIC password 'tessera-demo'.
    -h, --help         Show this help

ENVIRONMENT:
    DATABASE_URL                    sqlite://data/tessera.db (default) or postgres://user@host/db
    TESSERA_SESSION_IDLE_MINUTES    sign out after this much inactivity (default 480)
    TESSERA_SESSION_ABSOLUTE_HOURS  sign out this long after sign-in at the latest (default 168)
    TESSERA_SECURE_COOKIES          1 to mark the session cookie Secure (on when the public URL is https)
    TESSERA_SIGN_IN_PER_MINUTE      sign-in attempts a minute per client address (default 20)
    TESSERA_API_PER_MINUTE          REST API (/api/v1) calls a minute per API token (default 1200)
    TESSERA_OIDC_ISSUER             single sign-on (OpenID Connect): the provider's issuer; with
                                    TESSERA_OIDC_CLIENT_ID, TESSERA_OIDC_CLIENT_SECRET[_FILE],
                                    _SCOPES, _EMAIL_CLAIM, _NAME, _CREATE_USERS, _CA_FILE
    TESSERA_PASSWORD_SIGN_IN        off: passwords only for TESSERA_BREAK_GLASS_ADMINS (e-mails)
    SMTP_URL                        smtps://[user:password@]host[:port] (TLS) or smtp://… (STARTTLS,
                                    required with credentials): send email (none without)
    TESSERA_SMTP_CA_FILE            PEM certificate to trust for the SMTP relay
    TESSERA_MAIL_FROM               From of the emails (default \"Tessera <tessera@localhost>\")
    TESSERA_PUBLIC_URL              Tessera's address: email links, the one origin allowed to
                                    change anything (default http://ADDR / the request's Host)
    TESSERA_JOBS_INTERVAL_SECONDS   how often serve runs the lifecycle jobs and sends email (default 60)
    TESSERA_SHUTDOWN_SECONDS        on SIGTERM or Ctrl-C, how long requests in flight may take
                                    to finish before the server exits anyway (default 20)
    TESSERA_METRICS_TOKEN           bearer token for GET /metrics (Prometheus); unset: /metrics is off
                                    (or TESSERA_METRICS_TOKEN_FILE: a file holding it)
    LEPTOS_SITE_ROOT                where the built site assets are (default target/site)
    RUST_LOG                        log filter (default info)
";

/// A domain error as one line for the terminal: each field's message (`{prefix}field: message`,
/// joined by "; ") when the input was refused, else the error itself.
pub fn error_line(e: domain::DomainError, prefix: &str) -> String {
    match e {
        domain::DomainError::Invalid(fields) => fields
            .iter()
            .map(|f| format!("{prefix}{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => format!("{other:?}"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    AdminCreate {
        email: String,
        name: String,
    },
    JobsRun {
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
    AuditVerify,
    SyncTokenCreate {
        name: String,
    },
    ApiTokenCreate {
        email: String,
        form: domain::model::ApiTokenForm,
    },
    ConnectorsList,
    ConnectorsTest {
        name: String,
    },
    ConnectorsReprocess {
        name: String,
    },
    ConnectorsImport {
        name: String,
    },
    WebhooksList,
    WebhooksTest {
        name: String,
    },
    WebhooksReprocess {
        name: String,
    },
    Check,
    Backup {
        file: std::path::PathBuf,
    },
    Restore {
        file: std::path::PathBuf,
        force: bool,
    },
    SeedSynthetic(domain::service::synthetic::Shape),
    Export {
        catalog: Option<String>,
        as_email: Option<String>,
    },
    Apply {
        file: std::path::PathBuf,
        as_email: String,
        dry_run: bool,
    },
    Help,
}

/// Parses arguments (without the program name) into a command, adjusting `config`.
pub fn parse(args: &[String], config: &mut Config) -> Result<Command, String> {
    let mut command = None;
    let mut email = None;
    let mut name = None;
    let mut at = None;
    let mut file: Option<String> = None;
    let mut force = false;
    let mut shape = domain::service::synthetic::Shape {
        users: 10_000,
        packages: 100,
        assignments: 50_000,
        seed: 1,
    };
    let mut sized = false;
    let mut scope: Option<String> = None;
    let mut days: Option<String> = None;
    let mut catalog: Option<String> = None;
    let mut as_email: Option<String> = None;
    let mut dry_run = false;
    let mut i = 0;
    let value = |i: usize, flag: &str| {
        args.get(i + 1)
            .cloned()
            .ok_or_else(|| format!("{flag} needs a value"))
    };
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" | "help" => return Ok(Command::Help),
            "serve" if command.is_none() => command = Some("serve"),
            "migrate" if command.is_none() => command = Some("migrate"),
            "admin" if command.is_none() => {
                match args.get(i + 1).map(String::as_str) {
                    Some("create") => command = Some("admin create"),
                    _ => return Err("expected `tessera admin create --email EMAIL`".into()),
                }
                i += 1;
            }
            "jobs" if command.is_none() => {
                match args.get(i + 1).map(String::as_str) {
                    Some("run") => command = Some("jobs run"),
                    _ => return Err("expected `tessera jobs run [--at INSTANT]`".into()),
                }
                i += 1;
            }
            "sync" if command.is_none() => {
                match (
                    args.get(i + 1).map(String::as_str),
                    args.get(i + 2).map(String::as_str),
                ) {
                    (Some("token"), Some("create")) => command = Some("sync token create"),
                    _ => return Err("expected `tessera sync token create --name NAME`".into()),
                }
                i += 2;
            }
            "api-token" if command.is_none() => {
                match args.get(i + 1).map(String::as_str) {
                    Some("create") => command = Some("api-token create"),
                    _ => {
                        return Err(
                            "expected `tessera api-token create --email EMAIL --name NAME`".into(),
                        );
                    }
                }
                i += 1;
            }
            "--scope" => {
                scope = Some(value(i, "--scope")?);
                i += 1;
            }
            "--days" => {
                days = Some(value(i, "--days")?);
                i += 1;
            }
            group @ ("connectors" | "webhooks") if command.is_none() => {
                let verb = args.get(i + 1).map(String::as_str);
                command = Some(match (group, verb) {
                    ("connectors", Some("list")) => "connectors list",
                    ("connectors", Some("test")) => "connectors test",
                    ("connectors", Some("reprocess")) => "connectors reprocess",
                    ("connectors", Some("import")) => "connectors import",
                    ("webhooks", Some("list")) => "webhooks list",
                    ("webhooks", Some("test")) => "webhooks test",
                    ("webhooks", Some("reprocess")) => "webhooks reprocess",
                    _ => {
                        return Err(format!(
                            "expected `tessera {group} list`, `tessera {group} test NAME` or `tessera {group} reprocess NAME`"
                        ));
                    }
                });
                i += 1;
                if verb != Some("list") {
                    file = Some(
                        args.get(i + 1)
                            .filter(|n| !n.starts_with("--"))
                            .cloned()
                            .ok_or_else(|| {
                                format!(
                                    "expected `tessera {group} {} NAME` (its name, as on its page)",
                                    verb.unwrap_or_default()
                                )
                            })?,
                    );
                    i += 1;
                }
            }
            "audit" if command.is_none() => {
                match args.get(i + 1).map(String::as_str) {
                    Some("verify") => command = Some("audit verify"),
                    _ => return Err("expected `tessera audit verify`".into()),
                }
                i += 1;
            }
            "--at" => {
                let v = value(i, "--at")?;
                at = Some(
                    chrono::DateTime::parse_from_rfc3339(&v)
                        .map_err(|_| {
                            format!("--at must be an RFC 3339 instant like 2027-11-26T09:00:00Z, got {v:?}")
                        })?
                        .with_timezone(&chrono::Utc),
                );
                i += 1;
            }
            "seed-synthetic" if command.is_none() => command = Some("seed-synthetic"),
            "check" if command.is_none() => command = Some("check"),
            verb @ ("backup" | "restore") if command.is_none() => {
                command = Some(if verb == "backup" {
                    "backup"
                } else {
                    "restore"
                });
                file = Some(
                    args.get(i + 1)
                        .filter(|f| !f.starts_with("--"))
                        .cloned()
                        .ok_or_else(|| format!("expected `tessera {verb} FILE`"))?,
                );
                i += 1;
            }
            "--force" => force = true,
            "export" if command.is_none() => command = Some("export"),
            "apply" if command.is_none() => {
                command = Some("apply");
                file = Some(
                    args.get(i + 1)
                        .filter(|f| !f.starts_with("--"))
                        .cloned()
                        .ok_or("expected `tessera apply FILE --as EMAIL [--dry-run]`")?,
                );
                i += 1;
            }
            "--catalog" => {
                catalog = Some(value(i, "--catalog")?);
                i += 1;
            }
            "--as" => {
                as_email = Some(value(i, "--as")?);
                i += 1;
            }
            "--dry-run" => dry_run = true,
            flag @ ("--users" | "--packages" | "--assignments" | "--seed") => {
                let v = value(i, flag)?;
                let n: u64 = v
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("{flag} must be a whole number, got {v:?}"))?;
                let size = usize::try_from(n).map_err(|_| format!("{flag} is too large"))?;
                match flag {
                    "--users" => shape.users = size,
                    "--packages" => shape.packages = size,
                    "--assignments" => shape.assignments = size,
                    _ => shape.seed = n,
                }
                sized = true;
                i += 1;
            }
            "--demo" => {
                config.demo = true;
                config.demo_history = true;
            }
            "--demo=tutorial" => {
                config.demo = true;
                config.demo_history = false;
            }
            "--addr" => {
                let v = value(i, "--addr")?;
                config.listen_on(
                    v.parse()
                        .map_err(|_| format!("--addr must be HOST:PORT, got {v:?}"))?,
                )?;
                i += 1;
            }
            "--email" => {
                email = Some(value(i, "--email")?);
                i += 1;
            }
            "--name" => {
                name = Some(value(i, "--name")?);
                i += 1;
            }
            other => return Err(format!("unknown argument {other:?}; see `tessera --help`")),
        }
        i += 1;
    }
    if (scope.is_some() || days.is_some()) && command != Some("api-token create") {
        return Err("--scope and --days only go with `tessera api-token create`".into());
    }
    if force && command != Some("restore") {
        return Err("--force only goes with `tessera restore FILE`".into());
    }
    if catalog.is_some() && command != Some("export") {
        return Err("--catalog only goes with `tessera export`".into());
    }
    if as_email.is_some() && !matches!(command, Some("export" | "apply")) {
        return Err("--as only goes with `tessera export` and `tessera apply`".into());
    }
    if dry_run && command != Some("apply") {
        return Err("--dry-run only goes with `tessera apply FILE`".into());
    }
    if at.is_some() && command != Some("jobs run") {
        return Err("--at only goes with `tessera jobs run`".into());
    }
    if sized && command != Some("seed-synthetic") {
        return Err(
            "--users, --packages, --assignments and --seed only go with `tessera seed-synthetic`"
                .into(),
        );
    }
    match command.unwrap_or("serve") {
        "migrate" => Ok(Command::Migrate),
        "jobs run" => Ok(Command::JobsRun { at }),
        "audit verify" => Ok(Command::AuditVerify),
        "sync token create" => Ok(Command::SyncTokenCreate {
            name: name.ok_or("sync token create needs --name NAME (the client, e.g. \"Okta\")")?,
        }),
        "api-token create" => Ok(Command::ApiTokenCreate {
            email: email.ok_or("api-token create needs --email EMAIL (whose token it is)")?,
            form: domain::model::ApiTokenForm {
                name: name.ok_or("api-token create needs --name NAME (what will use it)")?,
                scope: scope.unwrap_or_default(),
                days: days.unwrap_or_default(),
                catalog: String::new(),
            },
        }),
        "connectors list" => Ok(Command::ConnectorsList),
        "connectors test" => Ok(Command::ConnectorsTest {
            name: file.unwrap_or_default(),
        }),
        "connectors reprocess" => Ok(Command::ConnectorsReprocess {
            name: file.unwrap_or_default(),
        }),
        "connectors import" => Ok(Command::ConnectorsImport {
            name: file.unwrap_or_default(),
        }),
        "webhooks list" => Ok(Command::WebhooksList),
        "webhooks test" => Ok(Command::WebhooksTest {
            name: file.unwrap_or_default(),
        }),
        "webhooks reprocess" => Ok(Command::WebhooksReprocess {
            name: file.unwrap_or_default(),
        }),
        "check" => Ok(Command::Check),
        "export" => Ok(Command::Export { catalog, as_email }),
        "apply" => Ok(Command::Apply {
            file: file.unwrap_or_default().into(),
            as_email: as_email.ok_or(
                "apply needs --as EMAIL: the person whose roles decide what may change (the audit log names them)",
            )?,
            dry_run,
        }),
        "backup" => Ok(Command::Backup {
            file: file.unwrap_or_default().into(),
        }),
        "restore" => Ok(Command::Restore {
            file: file.unwrap_or_default().into(),
            force,
        }),
        "seed-synthetic" => {
            shape.check().map_err(|e| error_line(e, "--"))?;
            Ok(Command::SeedSynthetic(shape))
        }
        "admin create" => {
            let email = email.ok_or("admin create needs --email EMAIL")?;
            let name = name.unwrap_or_else(|| {
                email
                    .split('@')
                    .next()
                    .unwrap_or("Administrator")
                    .to_owned()
            });
            Ok(Command::AdminCreate { email, name })
        }
        _ => Ok(Command::Serve),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config {
            addr: "127.0.0.1:3000".parse().unwrap_or_else(|_| unreachable!()),
            database_url: "sqlite::memory:".into(),
            demo: false,
            demo_history: true,
            session_limits: domain::rules::sign_in::SessionLimits {
                idle_secs: 1,
                absolute_secs: 2,
            },
            secure_cookies: false,
            site_root: "target/site".into(),
            max_body_bytes: 1,
            smtp_url: None,
            mail_from: "t@localhost".into(),
            public_url: "http://127.0.0.1:3000".into(),
            public_url_set: false,
            jobs_interval_secs: 60,
            shutdown_grace_secs: 20,
            metrics_token: None,
            sign_in_per_minute: std::num::NonZeroU32::new(20).unwrap_or(std::num::NonZeroU32::MIN),
            api_per_minute: std::num::NonZeroU32::new(1200).unwrap_or(std::num::NonZeroU32::MIN),
            database: domain::db::DbOptions::default(),
            sso: None,
            password_sign_in: domain::rules::sso::PasswordSignIn::Everyone,
            secret_key: None,
        }
    }

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn serve_is_the_default_and_takes_addr_and_demo() {
        let mut c = cfg();
        assert_eq!(
            parse(&args("--demo --addr 127.0.0.1:3100"), &mut c),
            Ok(Command::Serve)
        );
        assert!(c.demo);
        assert_eq!(c.addr.port(), 3100);
        assert_eq!(
            c.public_url, "http://127.0.0.1:3100",
            "links and the single sign-on callback follow the address when no public URL is set"
        );
    }

    #[test]
    fn seed_synthetic_takes_its_sizes_and_refuses_them_elsewhere() {
        let mut c = cfg();
        assert_eq!(
            parse(
                &args(
                    "seed-synthetic --users 100_000 --packages 1000 --assignments 1000000 --seed 7"
                ),
                &mut c
            ),
            Ok(Command::SeedSynthetic(domain::service::synthetic::Shape {
                users: 100_000,
                packages: 1_000,
                assignments: 1_000_000,
                seed: 7,
            }))
        );
        assert!(matches!(
            parse(&args("seed-synthetic"), &mut c),
            Ok(Command::SeedSynthetic(s)) if s.users == 10_000 && s.packages == 100
        ));
        let too_few = parse(&args("seed-synthetic --users 5"), &mut c).unwrap_err();
        assert!(too_few.contains("--users"), "{too_few}");
        assert!(parse(&args("seed-synthetic --users many"), &mut c).is_err());
        assert!(parse(&args("serve --users 100"), &mut c).is_err());
    }

    #[test]
    fn api_token_create_takes_a_person_a_name_a_scope_and_days() {
        let mut c = cfg();
        assert_eq!(
            parse(
                &args(
                    "api-token create --email eric@example.com --name ci --scope read_write --days 7"
                ),
                &mut c
            ),
            Ok(Command::ApiTokenCreate {
                email: "eric@example.com".into(),
                form: domain::model::ApiTokenForm {
                    name: "ci".into(),
                    scope: "read_write".into(),
                    days: "7".into(),
                    catalog: String::new(),
                },
            })
        );
        let no_email = parse(&args("api-token create --name ci"), &mut c).unwrap_err();
        assert!(no_email.contains("--email"), "{no_email}");
        let no_name = parse(&args("api-token create --email a@b.c"), &mut c).unwrap_err();
        assert!(no_name.contains("--name"), "{no_name}");
        assert!(parse(&args("api-token revoke"), &mut c).is_err());
        assert!(parse(&args("serve --scope read"), &mut c).is_err());
    }

    #[test]
    fn connectors_take_a_verb_and_a_system_name() {
        let mut c = cfg();
        assert_eq!(
            parse(&args("connectors list"), &mut c),
            Ok(Command::ConnectorsList)
        );
        let named = [
            "connectors".to_owned(),
            "test".into(),
            "Corporate directory".into(),
        ];
        assert_eq!(
            parse(&named, &mut c),
            Ok(Command::ConnectorsTest {
                name: "Corporate directory".into()
            })
        );
        assert_eq!(
            parse(&args("connectors reprocess Ticketing"), &mut c),
            Ok(Command::ConnectorsReprocess {
                name: "Ticketing".into()
            })
        );
        assert_eq!(
            parse(&args("connectors import Corporate"), &mut c),
            Ok(Command::ConnectorsImport {
                name: "Corporate".into()
            })
        );
        for bad in [
            "connectors",
            "connectors test",
            "connectors delete x",
            "connectors reprocess --demo",
        ] {
            assert!(
                parse(&args(bad), &mut c)
                    .unwrap_err()
                    .contains("connectors"),
                "{bad}"
            );
        }
    }

    #[test]
    fn webhooks_take_a_verb_and_a_webhook_name() {
        let mut c = cfg();
        assert_eq!(
            parse(&args("webhooks list"), &mut c),
            Ok(Command::WebhooksList)
        );
        let named = ["webhooks".to_owned(), "test".into(), "HR automation".into()];
        assert_eq!(
            parse(&named, &mut c),
            Ok(Command::WebhooksTest {
                name: "HR automation".into()
            })
        );
        assert_eq!(
            parse(&args("webhooks reprocess Tickets"), &mut c),
            Ok(Command::WebhooksReprocess {
                name: "Tickets".into()
            })
        );
        for bad in ["webhooks", "webhooks test", "webhooks delete x"] {
            assert!(
                parse(&args(bad), &mut c).unwrap_err().contains("webhooks"),
                "{bad}"
            );
        }
    }

    #[test]
    fn admin_create_needs_an_email() {
        let mut c = cfg();
        assert!(parse(&args("admin create"), &mut c).is_err());
        assert_eq!(
            parse(&args("admin create --email a@b.example --name Ann"), &mut c),
            Ok(Command::AdminCreate {
                email: "a@b.example".into(),
                name: "Ann".into()
            })
        );
    }

    #[test]
    fn bad_arguments_are_explained() {
        let mut c = cfg();
        assert!(
            parse(&args("--addr nowhere"), &mut c)
                .unwrap_err()
                .contains("HOST:PORT")
        );
        assert!(
            parse(&args("--frobnicate"), &mut c)
                .unwrap_err()
                .contains("unknown argument")
        );
        assert_eq!(parse(&args("migrate"), &mut c), Ok(Command::Migrate));
        assert_eq!(parse(&args("serve --help"), &mut c), Ok(Command::Help));
    }

    #[test]
    fn export_and_apply_take_a_catalog_a_person_and_a_dry_run() {
        let mut c = cfg();
        assert_eq!(
            parse(&args("export --catalog Sales"), &mut c),
            Ok(Command::Export {
                catalog: Some("Sales".into()),
                as_email: None
            })
        );
        assert_eq!(
            parse(&args("apply g.yaml --as a@b.example --dry-run"), &mut c),
            Ok(Command::Apply {
                file: "g.yaml".into(),
                as_email: "a@b.example".into(),
                dry_run: true
            })
        );
        assert!(
            parse(&args("apply g.yaml"), &mut c)
                .unwrap_err()
                .contains("--as EMAIL")
        );
        assert!(parse(&args("apply --as a@b.example"), &mut c).is_err());
        assert!(
            parse(&args("export --dry-run"), &mut c)
                .unwrap_err()
                .contains("--dry-run only goes with")
        );
        assert!(
            parse(&args("check --catalog Sales"), &mut c)
                .unwrap_err()
                .contains("--catalog only goes with")
        );
    }

    #[test]
    fn check_backup_and_restore_take_their_arguments() {
        let mut c = cfg();
        assert_eq!(parse(&args("check"), &mut c), Ok(Command::Check));
        assert_eq!(
            parse(&args("backup /tmp/b.db"), &mut c),
            Ok(Command::Backup {
                file: "/tmp/b.db".into()
            })
        );
        assert_eq!(
            parse(&args("restore /tmp/b.db --force"), &mut c),
            Ok(Command::Restore {
                file: "/tmp/b.db".into(),
                force: true
            })
        );
        assert!(
            parse(&args("backup"), &mut c)
                .unwrap_err()
                .contains("tessera backup FILE")
        );
        assert!(parse(&args("restore --force"), &mut c).is_err());
        assert!(
            parse(&args("backup /tmp/b.db --force"), &mut c)
                .unwrap_err()
                .contains("--force only goes with")
        );
    }

    #[test]
    fn jobs_run_takes_an_instant_and_audit_verify_nothing() {
        let mut c = cfg();
        assert_eq!(
            parse(&args("jobs run"), &mut c),
            Ok(Command::JobsRun { at: None })
        );
        let Ok(Command::JobsRun { at: Some(at) }) =
            parse(&args("jobs run --at 2027-11-26T09:00:00+01:00"), &mut c)
        else {
            panic!("jobs run --at not understood");
        };
        assert_eq!(at.to_rfc3339(), "2027-11-26T08:00:00+00:00");
        assert!(
            parse(&args("jobs run --at tomorrow"), &mut c)
                .unwrap_err()
                .contains("RFC 3339")
        );
        assert!(parse(&args("jobs"), &mut c).is_err());
        assert!(parse(&args("serve --at 2027-11-26T09:00:00Z"), &mut c).is_err());
        assert_eq!(
            parse(&args("audit verify"), &mut c),
            Ok(Command::AuditVerify)
        );
    }
}
