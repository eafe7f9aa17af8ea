//! The lifecycle engine: what happens when time passes. Approval stages expire, go to their
//! alternate approvers and remind; assignments start, remind and expire; leavers lose their
//! access and open requests, and stages waiting on a leaver or a former manager go to who
//! decides now; the outbox emails.
//!
//! Every transition is a guarded update (`… WHERE decision IS NULL`, `… AND reminders_sent <
//! level`, a claimed email), so running a tick twice, or on two instances at once, makes each
//! happen once. Work goes in bounded batches, each batch in one transaction (one commit for
//! up to `BATCH` items, not one each); when any item of a batch fails, the batch is undone and
//! its items are worked again one transaction each, so an item that fails is recorded in
//! `job_failures`, skipped until its backoff ends, and never stops the others.

pub mod mail;

use crate::DomainResult;
use crate::model::*;
use crate::rules::lifecycle::{
    ExpiryReminder, MAX_EMAIL_ATTEMPTS, compose_email, email_stale_after, expiry_reminder_due,
    retry_delay,
};
use crate::rules::requests::{Lifecycle, Step};
use crate::service::Ctx;
use crate::store::audit::{self, NewEvent};
use crate::store::lifecycle::{self as store, DueAssignment, DueStage, DueStart};
use crate::store::notifications::{self, EmailResult, Message, NewNotification};
use crate::store::{Conn, packages, requests, users};
use chrono::{DateTime, Utc};
use serde_json::json;

pub use connectors::deliver_due;
pub use import::import_system;
pub use mail::{LinkPaths, Mailer, redact_smtp_url};
pub(crate) use webhooks::open_secret as open_webhook_secret;
pub(crate) use webhooks::send_and_settle as send_webhooks;

mod approvals;
mod assignments;
mod connectors;
mod import;
mod leavers;
mod outbox;
mod reviews;
mod webhooks;

use approvals::*;
use assignments::*;
use leavers::*;
use outbox::*;
use reviews::*;

/// Items one batch takes.
pub const BATCH: i64 = 200;

/// What one run did, per job.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct JobReport {
    pub requests_expired: u64,
    pub requests_forwarded: u64,
    pub approvers_reminded: u64,
    pub assignments_expired: u64,
    pub scheduled_started: u64,
    pub expiry_reminders: u64,
    pub reviews_started: u64,
    pub reviews_reminded: u64,
    pub reviews_completed: u64,
    pub review_removals: u64,
    pub emails_sent: u64,
    pub emails_retrying: u64,
    pub emails_failed: u64,
    pub emails_stale: u64,
    /// Live assignments of disabled people removed.
    pub leavers_access_removed: u64,
    /// Open requests of disabled people canceled.
    pub leavers_requests_canceled: u64,
    /// Approval stages given to the new manager or the fallback approvers.
    pub requests_rerouted: u64,
    /// Review items of reviewers who left, given to who reviews them now.
    pub review_items_rerouted: u64,
    /// Membership changes delivered to connected systems.
    pub changes_delivered: u64,
    /// Membership changes a connected system refused or could not be reached for (retried
    /// with backoff).
    pub changes_failed: u64,
    /// Members found added or removed outside Tessera in linked groups.
    pub drift_found: u64,
    /// Of those, put back to what Tessera grants.
    pub drift_corrected: u64,
    /// Webhook events a receiver accepted.
    pub webhooks_delivered: u64,
    /// Webhook events a receiver refused or did not answer (retried with backoff).
    pub webhooks_failed: u64,
    /// Directory imports run.
    pub directories_imported: u64,
    /// One line per item that failed this run (it is retried later).
    pub failures: Vec<String>,
}

impl JobReport {
    /// Lines for `tessera jobs run`: every job with its count.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "approval deadlines: {} request(s) expired",
                self.requests_expired
            ),
            format!(
                "alternate approvers: {} request(s) forwarded",
                self.requests_forwarded
            ),
            format!(
                "approver reminders: {} stage(s) reminded",
                self.approvers_reminded
            ),
            format!(
                "scheduled starts: {} assignment(s) started",
                self.scheduled_started
            ),
            format!("expiry: {} assignment(s) expired", self.assignments_expired),
            format!("expiry reminders: {} sent", self.expiry_reminders),
            format!(
                "access reviews: {} started, {} reminded, {} completed ({} access removed)",
                self.reviews_started,
                self.reviews_reminded,
                self.reviews_completed,
                self.review_removals
            ),
            format!(
                "leavers: {} assignment(s) removed, {} request(s) canceled",
                self.leavers_access_removed, self.leavers_requests_canceled
            ),
            format!(
                "approvers who left or moved: {} request(s) rerouted",
                self.requests_rerouted
            ),
            format!(
                "reviewers who left: {} review item(s) rerouted",
                self.review_items_rerouted
            ),
            format!(
                "connected systems: {} change(s) delivered, {} failed; drift: {} found, {} corrected",
                self.changes_delivered, self.changes_failed, self.drift_found, self.drift_corrected
            ),
            format!(
                "webhooks: {} event(s) delivered, {} failed",
                self.webhooks_delivered, self.webhooks_failed
            ),
            format!(
                "email: {} sent, {} to retry, {} failed, {} too old",
                self.emails_sent, self.emails_retrying, self.emails_failed, self.emails_stale
            ),
        ];
        for f in &self.failures {
            out.push(format!("FAILED (will retry): {f}"));
        }
        out
    }
}

/// How far one run goes: the scheduler takes a few batches per tick and leaves the rest for
/// the next; `jobs run` takes up to `batches` of each job. A run also ends, between batches,
/// once `stop` is raised (the server is shutting down).
#[derive(Debug, Clone)]
pub struct RunLimits {
    pub batches: u32,
    pub stop: Stop,
}

impl Default for RunLimits {
    fn default() -> Self {
        Self {
            batches: 10,
            stop: Stop::default(),
        }
    }
}

impl RunLimits {
    /// Up to `batches` batches of each job.
    pub fn batches(batches: u32) -> Self {
        Self {
            batches,
            ..Self::default()
        }
    }
}

/// A flag a run reads between batches: once raised, the run finishes the batch it is in (one
/// transaction, committed or undone as a whole) and starts no other.
#[derive(Debug, Clone, Default)]
pub struct Stop(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Stop {
    pub fn raise(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn raised(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Runs every job due at the context clock's now, in order: deadlines before forwards and
/// reminders (an overdue stage is not forwarded), expiry before scheduled starts, then mail.
pub async fn run_due(ctx: &Ctx, mailer: Option<&Mailer>, limits: RunLimits) -> JobReport {
    let id = format!("jobs-{}", crate::correlation::new_id());
    crate::correlation::scope(id, None, run_jobs(ctx, mailer, limits)).await
}

async fn run_jobs(ctx: &Ctx, mailer: Option<&Mailer>, limits: RunLimits) -> JobReport {
    let mut report = JobReport::default();
    let now = ctx.clock.now();
    // Leavers first: a disabled person's requests are canceled, not expired or forwarded.
    report.leavers_requests_canceled += drain(
        ctx,
        &mut report,
        "leaver_request",
        now,
        &limits,
        Batching::PerItem,
        |c| Box::pin(store::leavers_requests(c, now, BATCH)),
        |tx, all| {
            Box::pin(each(tx, all, move |tx, r| {
                Box::pin(cancel_leavers_request(tx, r, now))
            }))
        },
    )
    .await;
    report.requests_rerouted += drain(
        ctx,
        &mut report,
        "request_reroute",
        now,
        &limits,
        Batching::PerItem,
        |c| Box::pin(store::stages_to_reroute(c, now, BATCH)),
        |tx, all| {
            Box::pin(each(tx, all, move |tx, s| {
                Box::pin(reroute_stage(tx, s, now))
            }))
        },
    )
    .await;
    report.requests_expired += drain(
        ctx,
        &mut report,
        "request_deadline",
        now,
        &limits,
        Batching::PerItem,
        |c| Box::pin(store::overdue_stages(c, now, BATCH)),
        |tx, all| {
            Box::pin(each(tx, all, move |tx, s| {
                Box::pin(expire_request(tx, s, now))
            }))
        },
    )
    .await;
    // Approved requests whose blocking custom extension did not answer in time.
    if !limits.stop.raised() {
        match crate::service::requests::expire_holds(ctx, now, BATCH).await {
            Ok(n) => report.requests_expired += n,
            Err(e) => report.failures.push(format!("extension answers: {e}")),
        }
    }
    report.requests_forwarded += drain(
        ctx,
        &mut report,
        "request_forward",
        now,
        &limits,
        Batching::PerItem,
        |c| Box::pin(store::stages_to_forward(c, now, BATCH)),
        |tx, all| {
            Box::pin(each(tx, all, move |tx, s| {
                Box::pin(forward_stage(tx, s, now))
            }))
        },
    )
    .await;
    report.approvers_reminded += drain(
        ctx,
        &mut report,
        "request_reminder",
        now,
        &limits,
        Batching::PerItem,
        |c| Box::pin(store::stages_to_remind(c, now, BATCH)),
        |tx, all| {
            Box::pin(each(tx, all, move |tx, s| {
                Box::pin(remind_approvers(tx, s, now))
            }))
        },
    )
    .await;
    report.assignments_expired += drain(
        ctx,
        &mut report,
        "assignment_expiry",
        now,
        &limits,
        Batching::Whole,
        |c| Box::pin(store::ended_assignments(c, now, BATCH)),
        |tx, all| Box::pin(expire_assignments(tx, all, now)),
    )
    .await;
    report.leavers_access_removed += drain(
        ctx,
        &mut report,
        "leaver_access",
        now,
        &limits,
        Batching::Whole,
        |c| Box::pin(store::leavers_assignments(c, now, BATCH)),
        |tx, all| Box::pin(remove_leavers_access(tx, all, now)),
    )
    .await;
    report.review_items_rerouted += drain(
        ctx,
        &mut report,
        "review_reroute",
        now,
        &limits,
        Batching::Whole,
        |c| Box::pin(crate::store::reviews::leaving_reviewers(c, now, BATCH)),
        |tx, all| Box::pin(reroute_reviews(tx, all, now)),
    )
    .await;
    report.scheduled_started += drain(
        ctx,
        &mut report,
        "assignment_start",
        now,
        &limits,
        Batching::PerItem,
        |c| Box::pin(store::due_scheduled(c, now, BATCH)),
        |tx, all| {
            Box::pin(each(tx, all, move |tx, a| {
                Box::pin(start_assignment(tx, a, now))
            }))
        },
    )
    .await;
    for reminder in [ExpiryReminder::OneDay, ExpiryReminder::FourteenDays] {
        report.expiry_reminders += drain(
            ctx,
            &mut report,
            "assignment_reminder",
            now,
            &limits,
            Batching::Whole,
            |c| {
                Box::pin(store::assignments_to_remind(
                    c,
                    now,
                    reminder.lead(),
                    reminder.level(),
                    BATCH,
                ))
            },
            |tx, all| Box::pin(remind_expiring(tx, all, now)),
        )
        .await;
    }
    if !limits.stop.raised() {
        let started = std::time::Instant::now();
        reviews(ctx, now, &mut report).await;
        if report.reviews_started + report.reviews_reminded + report.reviews_completed > 0 {
            tracing::info!(
                job = "reviews",
                started = report.reviews_started,
                completed = report.reviews_completed,
                ms = started.elapsed().as_millis() as u64,
                "job done"
            );
        }
    }
    if !limits.stop.raised() {
        keep_usage(ctx, now, &mut report).await;
    }
    if let Some(mailer) = mailer {
        send_mail(ctx, mailer, now, &limits, &mut report).await;
    }
    report
}

/// How long the dashboards' daily figures are kept.
const USAGE_KEEP_DAYS: i64 = 400;

/// Keeps today's seats used and live assignments for the dashboards' charts, once a day.
async fn keep_usage(ctx: &Ctx, now: DateTime<Utc>, report: &mut JobReport) {
    let kept = async {
        let mut tx = ctx.db.begin().await?;
        let added =
            crate::store::insight::keep_today(&mut tx, now.date_naive(), USAGE_KEEP_DAYS).await?;
        crate::service::commit(tx).await?;
        DomainResult::Ok(added)
    }
    .await;
    match kept {
        Ok(0) => {}
        Ok(added) => tracing::info!(job = "usage", added, "daily figures kept"),
        Err(e) => report.failures.push(format!("usage figures: {e}")),
    }
}

/// Sends the e-mail due at the context clock's now, up to `limits.batches` batches, and
/// nothing else: the server runs it apart from the other jobs, so that a slow relay cannot
/// delay deadlines and expiry.
pub async fn send_due(ctx: &Ctx, mailer: &Mailer, limits: RunLimits) -> JobReport {
    let id = format!("mail-{}", crate::correlation::new_id());
    let mut report = JobReport::default();
    let now = ctx.clock.now();
    crate::correlation::scope(id, None, send_mail(ctx, mailer, now, &limits, &mut report)).await;
    report
}

async fn send_mail(
    ctx: &Ctx,
    mailer: &Mailer,
    now: DateTime<Utc>,
    limits: &RunLimits,
    report: &mut JobReport,
) {
    for _ in 0..limits.batches {
        if limits.stop.raised() {
            break;
        }
        match send_emails(ctx, mailer, now, report).await {
            Ok(more) if more => {}
            Ok(_) => break,
            Err(e) => {
                report.failures.push(format!("email: {e}"));
                break;
            }
        }
    }
}

/// What a job's failure record names.
trait JobItem {
    fn key(&self) -> String;
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// One job, up to `batches` batches: each finds due items and works them (see `batch`); it
/// stops early once a batch is short or changed nothing. Returns how many items changed
/// something.
#[allow(clippy::too_many_arguments)] // one job's name, clock, limits, batching and two steps
async fn drain<T: JobItem + Send + Sync + 'static>(
    ctx: &Ctx,
    report: &mut JobReport,
    job: &str,
    now: DateTime<Utc>,
    limits: &RunLimits,
    batching: Batching,
    find: impl for<'a> Fn(&'a mut Conn) -> BoxFuture<'a, DomainResult<Vec<T>>>,
    work: impl for<'a> Fn(&'a mut Conn, &'a [T]) -> BoxFuture<'a, DomainResult<u64>>,
) -> u64 {
    let started = std::time::Instant::now();
    let mut total = 0;
    for _ in 0..limits.batches {
        if limits.stop.raised() {
            break;
        }
        let (n, more) = batch(ctx, report, job, now, batching, &find, &work).await;
        total += n;
        if !more {
            break;
        }
    }
    if total > 0 {
        tracing::info!(
            job,
            items = total,
            ms = started.elapsed().as_millis() as u64,
            "job done"
        );
    }
    total
}

/// How a job's batch may be worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Batching {
    /// By statements over the whole batch, which take their locks in the order every use
    /// case takes them (the rows, people → groups → licenses, the audit chain last): always
    /// in one transaction.
    Whole,
    /// Item after item. On SQLite in one transaction (one writer: nothing to deadlock with);
    /// on PostgreSQL one transaction per item: items of one transaction would hold the audit
    /// chain (and rows) of the first items while taking the rows of the next, against the
    /// order of the use cases running beside them. The two-instance drill found it: a manager's
    /// denial deadlocked with a batch of approval deadlines and was answered 500.
    PerItem,
}

/// One batch of one job: all its items in one transaction (see [`Batching`]); if any fails,
/// that transaction is undone and each item is worked alone, a failure recorded against its
/// item. Returns how many items changed something and whether a full batch was found.
async fn batch<T: JobItem + Send + Sync + 'static>(
    ctx: &Ctx,
    report: &mut JobReport,
    job: &str,
    now: DateTime<Utc>,
    batching: Batching,
    find: &impl for<'a> Fn(&'a mut Conn) -> BoxFuture<'a, DomainResult<Vec<T>>>,
    work: &impl for<'a> Fn(&'a mut Conn, &'a [T]) -> BoxFuture<'a, DomainResult<u64>>,
) -> (u64, bool) {
    let items = match ctx.read().await {
        Ok(mut conn) => find(&mut conn).await,
        Err(e) => Err(e),
    };
    let items = match items {
        Ok(items) => items,
        Err(e) => {
            report
                .failures
                .push(format!("{job}: cannot find due items: {e}"));
            return (0, false);
        }
    };
    let full = items.len() as i64 >= BATCH;
    let alone_only = batching == Batching::PerItem && ctx.db.backend() == Backend::Postgres;
    if !alone_only {
        match together(ctx, job, &items, work).await {
            Ok(changed) => return (changed, full && changed > 0),
            Err(e) => {
                tracing::info!(job, error = %e, "a batch failed; its items are worked one by one")
            }
        }
    }
    let mut changed = 0;
    for item in &items {
        match alone(ctx, job, item, work).await {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(e) => {
                let id = item.key();
                tracing::warn!(job, item = %id, error = %e, "job item failed; it will be retried");
                let attempts = match ctx.db.begin().await {
                    Ok(mut tx) => {
                        let n = store::record_failure(
                            &mut tx,
                            job,
                            &id,
                            &e.to_string(),
                            now,
                            retry_delay,
                        )
                        .await;
                        match (n, crate::service::commit(tx).await) {
                            (Ok(n), Ok(())) => n,
                            _ => 0,
                        }
                    }
                    Err(_) => 0,
                };
                report
                    .failures
                    .push(format!("{job} {id} (attempt {attempts}): {e}"));
            }
        }
    }
    (changed, full && changed > 0)
}

/// Every item of a batch in one transaction (each item's earlier failure cleared in it).
async fn together<T: JobItem>(
    ctx: &Ctx,
    job: &str,
    items: &[T],
    work: &impl for<'a> Fn(&'a mut Conn, &'a [T]) -> BoxFuture<'a, DomainResult<u64>>,
) -> DomainResult<u64> {
    if items.is_empty() {
        return Ok(0);
    }
    let mut tx = ctx.db.begin().await?;
    let keys: Vec<String> = items.iter().map(JobItem::key).collect();
    store::clear_failures(&mut tx, job, &keys).await?;
    let changed = work(&mut tx, items).await?;
    crate::service::commit(tx).await?;
    Ok(changed)
}

/// Works a batch's items one after the other, for the jobs that have no statement for many
/// at once; how many changed something.
async fn each<T>(
    tx: &mut Conn,
    items: &[T],
    work: impl for<'a> Fn(&'a mut Conn, &'a T) -> BoxFuture<'a, DomainResult<bool>>,
) -> DomainResult<u64> {
    let mut changed = 0;
    for item in items {
        if work(&mut *tx, item).await? {
            changed += 1;
        }
    }
    Ok(changed)
}

/// One item in its own transaction: a batch of one.
async fn alone<T: JobItem>(
    ctx: &Ctx,
    job: &str,
    item: &T,
    work: &impl for<'a> Fn(&'a mut Conn, &'a [T]) -> BoxFuture<'a, DomainResult<u64>>,
) -> DomainResult<bool> {
    Ok(together(ctx, job, std::slice::from_ref(item), work).await? > 0)
}

/// The people `principals` name (a group by its members, up to 500), but `except` (the
/// requestor), sorted, each once.
async fn people_of(
    tx: &mut Conn,
    principals: &[Principal],
    except: UserId,
) -> DomainResult<Vec<UserId>> {
    let mut people = Vec::new();
    for p in principals {
        match p.kind {
            PrincipalKind::User => people.push(UserId(p.id)),
            PrincipalKind::Group => {
                people.extend(requests::group_member_ids(&mut *tx, GroupId(p.id), 500).await?)
            }
        }
    }
    people.retain(|u| *u != except);
    people.sort();
    people.dedup();
    Ok(people)
}

/// An assignment a job ends.
trait EndsAssignment {
    fn assignment(&self) -> (AssignmentId, AccessPackageId, UserId);
}

impl EndsAssignment for DueAssignment {
    fn assignment(&self) -> (AssignmentId, AccessPackageId, UserId) {
        (self.id, self.package, self.user)
    }
}

impl EndsAssignment for DueStart {
    fn assignment(&self) -> (AssignmentId, AccessPackageId, UserId) {
        (self.id, self.package, self.user)
    }
}

/// One assignment a job ended: how many grants were withdrawn, its package's name and its
/// person's e-mail.
struct Ended<'a, T> {
    item: &'a T,
    revoked: u64,
    package: String,
    email: String,
}

/// Ends the live ones of `all` as `state` (grants withdrawn, seats freed: a few statements for
/// the whole batch) and names them; those no longer live are left out.
async fn end_and_name<'a, T: EndsAssignment>(
    tx: &mut Conn,
    all: &'a [T],
    state: AssignmentState,
    now: DateTime<Utc>,
) -> DomainResult<Vec<Ended<'a, T>>> {
    let ids: Vec<AssignmentId> = all.iter().map(|a| a.assignment().0).collect();
    let revoked = requests::end_assignments(&mut *tx, &ids, state, now).await?;
    let ended: Vec<(&T, u64)> = all
        .iter()
        .filter_map(|a| revoked.get(&a.assignment().0).map(|r| (a, *r)))
        .collect();
    if ended.is_empty() {
        return Ok(Vec::new());
    }
    let (names, emails) = store::names_of(
        &mut *tx,
        &ended.iter().map(|(a, _)| a.assignment().1).collect(),
        &ended.iter().map(|(a, _)| a.assignment().2).collect(),
    )
    .await?;
    // names_of returns every key asked for, or an error naming what is missing.
    ended
        .into_iter()
        .map(|(item, revoked)| {
            let (_, package, user) = item.assignment();
            Ok(Ended {
                item,
                revoked,
                package: names
                    .get(&package)
                    .ok_or(crate::DomainError::NotFound("access package"))?
                    .clone(),
                email: emails
                    .get(&user)
                    .ok_or(crate::DomainError::NotFound("user"))?
                    .clone(),
            })
        })
        .collect()
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

async fn notify(tx: &mut Conn, n: NewNotification<'_>, now: DateTime<Utc>) -> DomainResult<bool> {
    notifications::notify(tx, &n, now).await
}
