use axum::serve::ListenerExt;
use domain::clock::SystemClock;
use server::cli::{self, Command};
use server::config::Config;
use std::future::IntoFuture;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc, not glibc's allocator: the hashing threads let their argon2 memory go when idle
/// (`domain::service::hashing`), and mimalloc gives it back to the system; glibc kept it in
/// per-thread arenas that grew with every burst of sign-ins (docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
            database: domain::db::DbOptions::default(),
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
        Command::SyncTokenCreate { name } => {
            let ctx = open(config, clock).await?;
            match domain::service::scim::create_token_as_operator(&ctx, &name).await {
                Ok(token) => {
                    eprintln!(
                        "Token for {:?} created. It is shown this once: Tessera keeps only its hash.",
                        token.name
                    );
                    println!("{}", token.secret);
                    Ok(())
                }
                Err(e) => Err(cli::error_line(e, "--")),
            }
        }
        Command::ApiTokenCreate { email, form } => {
            let ctx = open(config, clock).await?;
            match domain::service::api_tokens::create_as_operator(&ctx, &email, &form).await {
                Ok(token) => {
                    eprintln!(
                        "API token {:?} created for {email}, valid until {}. It is shown this once: Tessera keeps only its hash.",
                        token.name,
                        token.expires_at.format("%Y-%m-%d %H:%M UTC"),
                    );
                    println!("{}", token.secret);
                    Ok(())
                }
                Err(e) => Err(cli::error_line(e, "--")),
            }
        }
        Command::ConnectorsList => {
            let ctx = open(config, clock).await?;
            let systems = domain::service::connectors::operator_list(&ctx)
                .await
                .map_err(|e| cli::error_line(e, "--"))?;
            if systems.is_empty() {
                println!("No connected system. Connect one on Administration → Connected systems.");
            }
            for s in systems {
                println!(
                    "{}\t{}\t{}\t{} linked group(s)\t{} delivering\t{} failed",
                    s.name,
                    s.settings.kind_label(),
                    s.settings.url(),
                    s.linked_groups,
                    s.delivering,
                    s.failed
                );
            }
            Ok(())
        }
        Command::ConnectorsTest { name } => {
            let ctx = open(config, clock).await?;
            let test = domain::service::connectors::operator_test(&ctx, &name)
                .await
                .map_err(|e| cli::error_line(e, ""))?;
            print_test(test, "The connection works.")
        }
        Command::ConnectorsReprocess { name } => {
            let ctx = open(config, clock).await?;
            let n = domain::service::connectors::operator_reprocess(&ctx, &name)
                .await
                .map_err(|e| cli::error_line(e, ""))?;
            println!(
                "{n} failed delivery(ies) of {name} sent again; the server delivers them within seconds."
            );
            Ok(())
        }
        Command::ConnectorsImport { name } => {
            let ctx = open(config, clock).await?;
            let r = domain::service::connectors::operator_import(&ctx, &name)
                .await
                .map_err(|e| cli::error_line(e, ""))?;
            for w in &r.warnings {
                println!("warning: {w}");
            }
            match r.error {
                Some(e) => Err(format!("The import from {name} stopped: {e}")),
                None => {
                    println!("Imported from {name}: {}", r.counts());
                    Ok(())
                }
            }
        }
        Command::WebhooksList => {
            let ctx = open(config, clock).await?;
            let hooks = domain::service::webhooks::operator_list(&ctx)
                .await
                .map_err(|e| cli::error_line(e, "--"))?;
            if hooks.is_empty() {
                println!("No webhook. Add one on Administration → Webhooks.");
            }
            for h in hooks {
                println!(
                    "{}\t{}\t{}\t{} event(s)\t{} failed",
                    h.name,
                    if h.enabled { "enabled" } else { "disabled" },
                    h.url,
                    h.events.len(),
                    h.failing
                );
            }
            Ok(())
        }
        Command::WebhooksTest { name } => {
            let ctx = open(config, clock).await?;
            let test = domain::service::webhooks::operator_test(&ctx, &name)
                .await
                .map_err(|e| cli::error_line(e, ""))?;
            print_test(test, "The receiver accepted the test event.")
        }
        Command::WebhooksReprocess { name } => {
            let ctx = open(config, clock).await?;
            let n = domain::service::webhooks::operator_reprocess(&ctx, &name)
                .await
                .map_err(|e| cli::error_line(e, ""))?;
            println!(
                "{n} failed delivery(ies) of {name} sent again; the server sends them within seconds."
            );
            Ok(())
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
            let mut report = domain::jobs::run_due(
                &ctx,
                mailer.as_ref(),
                domain::jobs::RunLimits::batches(1_000),
            )
            .await;
            // Connected systems last: they learn of what the jobs just granted and removed.
            let delivered =
                domain::jobs::deliver_due(&ctx, domain::jobs::RunLimits::batches(1_000)).await;
            report.changes_delivered = delivered.changes_delivered;
            report.changes_failed = delivered.changes_failed;
            report.failures.extend(delivered.failures);
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
        Command::Check => {
            let ctx = open(config, clock).await?;
            let findings = domain::service::check::run(&ctx)
                .await
                .map_err(|e| format!("cannot check: {e:?}"))?;
            ctx.db.close().await;
            let broken = findings.iter().filter(|f| !f.holds()).count();
            for f in &findings {
                if f.holds() {
                    println!("ok      {}", f.invariant);
                } else {
                    println!("BROKEN  {}", f.invariant);
                    for row in &f.breaking {
                        println!("          {row}");
                    }
                }
            }
            if broken == 0 {
                println!("All {} invariants hold.", findings.len());
                Ok(())
            } else {
                Err(format!(
                    "{broken} of {} invariants broken (at most {} examples each)",
                    findings.len(),
                    domain::store::check::EXAMPLES
                ))
            }
        }
        Command::Backup { file } => {
            println!(
                "{}",
                server::backup::backup(&config.database_url, &file).await?
            );
            Ok(())
        }
        Command::Restore { file, force } => {
            println!(
                "{}",
                server::backup::restore(&config.database_url, &file, force).await?
            );
            Ok(())
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
        Command::Export { catalog, as_email } => {
            let ctx = open(config, clock).await?;
            let actor = match &as_email {
                Some(email) => Some(
                    domain::service::governance::operator_actor(&ctx, email)
                        .await
                        .map_err(|e| cli::error_line(e, "--"))?,
                ),
                None => None,
            };
            let file =
                domain::service::governance::export(&ctx, actor.as_ref(), catalog.as_deref())
                    .await
                    .map_err(|e| cli::error_line(e, "--"))?;
            let yaml = server::governance::to_yaml(&file).map_err(|e| cli::error_line(e, ""))?;
            print!("{yaml}");
            Ok(())
        }
        Command::Apply {
            file,
            as_email,
            dry_run,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let parsed =
                server::governance::from_yaml(&text).map_err(|e| cli::error_line(e, ""))?;
            let ctx = open(config, clock).await?;
            let actor = domain::service::governance::operator_actor(&ctx, &as_email)
                .await
                .map_err(|e| cli::error_line(e, "--"))?;
            let report = domain::service::governance::apply(&ctx, &actor, &parsed, dry_run)
                .await
                .map_err(|e| cli::error_line(e, ""))?;
            for change in &report.changes {
                println!("{change}");
            }
            match (report.changes.len(), dry_run) {
                (0, _) => println!("Nothing to change: the configuration matches the file."),
                (n, true) => println!("Dry run: {n} change(s) found, nothing was changed."),
                (n, false) => println!("Applied {n} change(s) in one transaction."),
            }
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
    let scheduler = server::Scheduler::start(
        ctx.clone(),
        mailer,
        std::time::Duration::from_secs(config.jobs_interval_secs),
    );
    let app = server::router_with_jobs(&config, ctx.clone(), scheduler.health());
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
    // SIGTERM (systemd, Docker, Kubernetes) or Ctrl-C: stop accepting, let requests in flight
    // finish, stop the scheduler after its batch, close the database; all within the grace.
    let grace = std::time::Duration::from_secs(config.shutdown_grace_secs);
    let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
    let serving = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown({
        let mut on_signal = on_signal.clone();
        async move {
            let _ = on_signal.wait_for(|s| *s).await;
        }
    });
    let stopper = scheduler.stopper();
    let watcher = tokio::spawn(async move {
        let signal = shutdown_signal().await;
        stopper.raise();
        tracing::info!(
            signal,
            grace_seconds = grace.as_secs(),
            "shutting down: no new connections; finishing requests in flight"
        );
        let _ = signalled.send(true);
    });
    let outcome = tokio::select! {
        served = serving.into_future() => served.map_err(|e| e.to_string()),
        _ = async {
            let _ = on_signal.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_seconds = grace.as_secs(), "requests still in flight after the grace; exiting anyway");
            Ok(())
        }
    };
    watcher.abort();
    if scheduler.stop(grace).await {
        tracing::info!("scheduler stopped");
    } else {
        tracing::warn!(
            "the scheduler's batch did not finish within the grace; its transaction is undone"
        );
    }
    if tokio::time::timeout(grace, ctx.db.close()).await.is_err() {
        tracing::warn!(
            "database connections still in use after the grace; exiting anyway (an open transaction is rolled back)"
        );
    }
    tracing::info!("Tessera stopped");
    outcome
}

/// The first of SIGTERM and Ctrl-C (SIGINT), by name.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C still stops the server");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// A connection test or test event for the operator: each step, then the outcome; an error
/// (a non-zero exit) when it failed.
fn print_test(test: domain::model::ConnectionTest, worked: &str) -> Result<(), String> {
    for step in &test.steps {
        println!("ok: {step}");
    }
    match test.error {
        None => {
            println!("{worked}");
            Ok(())
        }
        Some(e) => Err(format!("failed: {e}")),
    }
}
