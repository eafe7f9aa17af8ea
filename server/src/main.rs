use axum::serve::ListenerExt;
use domain::clock::SystemClock;
use server::cli::{self, Command};
use server::config::Config;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tessera: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The database for a one-off command (migrated; never the demo's seed).
async fn open(
    config: Config,
    clock: domain::clock::SharedClock,
) -> Result<domain::service::Ctx, String> {
    server::prepare(
        &Config {
            demo: false,
            ..config
        },
        clock,
    )
    .await
    .map_err(|e| format!("cannot open the database: {e:?}"))
}

async fn run() -> Result<(), String> {
    let mut config = Config::from_env()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = cli::parse(&args, &mut config)?;
    let clock = Arc::new(SystemClock);
    match command {
        Command::Help => {
            print!("{}", cli::HELP);
            Ok(())
        }
        Command::Migrate => {
            let db = domain::db::Db::connect(&config.database_url)
                .await
                .map_err(|e| format!("cannot open the database: {e:?}"))?;
            db.migrate()
                .await
                .map_err(|e| format!("migration failed: {e:?}"))?;
            println!("Migrations applied to {} database.", db.backend().label());
            Ok(())
        }
        Command::AdminCreate { email, name } => {
            let ctx = open(config, clock).await?;
            let password = match std::env::var("TESSERA_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => prompt_password()?,
            };
            match domain::service::auth::create_administrator(&ctx, &email, &name, &password).await
            {
                Ok(_) => {
                    println!("{email} is a Global Administrator and can sign in.");
                    Ok(())
                }
                Err(e) => Err(cli::error_line(e, "")),
            }
        }
        Command::JobsRun { at } => {
            let mailer = config.mailer()?;
            let clock: domain::clock::SharedClock = match at {
                Some(at) => Arc::new(domain::clock::ManualClock::new(at)),
                None => clock,
            };
            let ctx = open(config, clock).await?;
            println!(
                "Running the jobs due at {}{}",
                ctx.clock.now().to_rfc3339(),
                if mailer.is_some() {
                    ""
                } else {
                    " (no SMTP_URL: email is not sent)"
                }
            );
            let report = domain::jobs::run_due(
                &ctx,
                mailer.as_ref(),
                domain::jobs::RunLimits { batches: 1_000 },
            )
            .await;
            for line in report.lines() {
                println!("  {line}");
            }
            if report.failures.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} item(s) failed; they are retried on the next run",
                    report.failures.len()
                ))
            }
        }
        Command::AuditVerify => {
            let ctx = open(config, clock).await?;
            match domain::service::audit::verify_chain(&ctx)
                .await
                .map_err(|e| format!("{e:?}"))?
            {
                domain::model::ChainCheck::Intact { events, head } => {
                    println!("Audit chain intact: {events} event(s), head {head}");
                    Ok(())
                }
                domain::model::ChainCheck::Broken { seq, reason } => {
                    Err(format!("audit chain BROKEN at event {seq}: {reason}"))
                }
            }
        }
        Command::SeedSynthetic(shape) => {
            let ctx = open(config, clock).await?;
            let started = std::time::Instant::now();
            let progress = |what: &str| eprintln!("[seed] {what} …");
            let seeded = domain::service::synthetic::seed(&ctx, &shape, &progress)
                .await
                .map_err(|e| match e {
                    domain::DomainError::Conflict(m) => m,
                    other => format!("{other:?}"),
                })?;
            for (phase, took) in &seeded.phases {
                println!("  {phase:<22} {:>8.1?}", took);
            }
            println!(
                "Seeded {} people, {} catalogs, {} groups, {} licenses, {} access packages, {} live and {} ended assignments, {} open requests in {:.1?}.",
                seeded.users,
                seeded.catalogs,
                seeded.groups,
                seeded.licenses,
                seeded.packages,
                seeded.live_assignments,
                seeded.ended_assignments,
                seeded.open_requests,
                started.elapsed()
            );
            println!(
                "Sign in as {} (or any personNNNNNN@woodgrove.example) with the password '{}'.",
                domain::service::synthetic::ADMIN_EMAIL,
                domain::service::synthetic::PASSWORD
            );
            Ok(())
        }
        Command::Serve => serve(config, clock).await,
    }
}

fn prompt_password() -> Result<String, String> {
    print!("Password for the new administrator (at least 12 characters): ");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn serve(config: Config, clock: Arc<SystemClock>) -> Result<(), String> {
    let ctx = server::prepare(&config, clock)
        .await
        .map_err(|e| format!("cannot start: {e:?}"))?;
    if !config.demo
        && !domain::service::auth::any_administrator(&ctx)
            .await
            .map_err(|e| format!("{e:?}"))?
    {
        tracing::warn!(
            "No administrator exists yet. Create one with: tessera admin create --email you@example.com"
        );
    }
    let backend = ctx.db.backend();
    let mailer = config.mailer()?;
    if mailer.is_none() {
        tracing::info!("SMTP_URL is not set: notifications stay in the app, no email is sent");
    }
    server::spawn_housekeeping(
        ctx.clone(),
        mailer,
        std::time::Duration::from_secs(config.jobs_interval_secs),
    );
    let app = server::router(&config, ctx);
    // TCP_NODELAY: a page goes out in several writes (headers, then the compressed body's
    // chunks). With Nagle's algorithm on, each write after the first waited for the browser's
    // delayed ACK: about half the pages on a kept-alive connection took 40 ms more (seen with
    // curl on /login; the bench's pages all sat at a p50 of 44 ms).
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?
        .tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY on a connection");
            }
        });
    tracing::info!(addr = %config.addr, database = backend.code(), "Tessera is listening on http://{}", config.addr);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}
