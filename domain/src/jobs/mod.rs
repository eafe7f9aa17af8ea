//! The lifecycle engine: what happens when time passes. Approval stages expire, go to their
//! alternate approvers and remind; assignments start, remind and expire; the outbox emails.
//!
//! Every transition is a guarded update (`… WHERE decision IS NULL`, `… AND reminders_sent =
//! n`, a claimed email), so running a tick twice, or on two instances at once, makes each
//! happen once. Work goes in bounded batches, each item in its own transaction; an item that
//! fails is recorded in `job_failures`, skipped until its backoff ends, and never stops the
//! others.

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
use crate::store::lifecycle::{self as store, DueAssignment, DueStage};
use crate::store::notifications::{self, EmailResult, NewNotification};
use crate::store::{Conn, packages, requests, users};
use chrono::{DateTime, Utc};
use serde_json::json;

pub use mail::{Mailer, redact_smtp_url};

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
/// the next; `jobs run` takes up to `batches` of each job.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    pub batches: u32,
}

impl Default for RunLimits {
    fn default() -> Self {
        Self { batches: 10 }
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
    report.requests_expired += drain(
        ctx,
        &mut report,
        "request_deadline",
        now,
        limits.batches,
        |c| Box::pin(store::overdue_stages(c, now, BATCH)),
        |ctx, s| Box::pin(expire_request(ctx, s, now)),
    )
    .await;
    report.requests_forwarded += drain(
        ctx,
        &mut report,
        "request_forward",
        now,
        limits.batches,
        |c| Box::pin(store::stages_to_forward(c, now, BATCH)),
        |ctx, s| Box::pin(forward_stage(ctx, s, now)),
    )
    .await;
    report.approvers_reminded += drain(
        ctx,
        &mut report,
        "request_reminder",
        now,
        limits.batches,
        |c| Box::pin(store::stages_to_remind(c, now, BATCH)),
        |ctx, s| Box::pin(remind_approvers(ctx, s, now)),
    )
    .await;
    report.assignments_expired += drain(
        ctx,
        &mut report,
        "assignment_expiry",
        now,
        limits.batches,
        |c| Box::pin(store::ended_assignments(c, now, BATCH)),
        |ctx, a| Box::pin(expire_assignment(ctx, a, now)),
    )
    .await;
    for _ in 0..limits.batches {
        match crate::service::requests::start_scheduled_assignments(ctx).await {
            Ok(n) => {
                report.scheduled_started += n;
                if n < crate::service::requests::SCHEDULED_BATCH as u64 {
                    break;
                }
            }
            Err(e) => {
                report.failures.push(format!("scheduled starts: {e}"));
                break;
            }
        }
    }
    for reminder in [ExpiryReminder::OneDay, ExpiryReminder::FourteenDays] {
        report.expiry_reminders += drain(
            ctx,
            &mut report,
            "assignment_reminder",
            now,
            limits.batches,
            |c| {
                Box::pin(store::assignments_to_remind(
                    c,
                    now,
                    reminder.lead(),
                    reminder.level(),
                    BATCH,
                ))
            },
            |ctx, a| Box::pin(remind_expiring(ctx, a, now)),
        )
        .await;
    }
    reviews(ctx, now, &mut report).await;
    if let Some(mailer) = mailer {
        for _ in 0..limits.batches {
            match send_emails(ctx, mailer, now, &mut report).await {
                Ok(more) if more => {}
                Ok(_) => break,
                Err(e) => {
                    report.failures.push(format!("email: {e}"));
                    break;
                }
            }
        }
    }
    report
}

/// What a job's failure record names.
trait JobItem {
    fn key(&self) -> String;
}

impl JobItem for DueStage {
    fn key(&self) -> String {
        self.request.to_string()
    }
}

impl JobItem for DueAssignment {
    fn key(&self) -> String {
        self.id.to_string()
    }
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// One job, up to `batches` batches: each finds due items and works each in its own
/// transaction, recording failures; it stops early once a batch is short or changed nothing.
/// Returns how many items changed something.
async fn drain<T: JobItem + Send + Sync + 'static>(
    ctx: &Ctx,
    report: &mut JobReport,
    job: &str,
    now: DateTime<Utc>,
    batches: u32,
    find: impl for<'a> Fn(&'a mut Conn) -> BoxFuture<'a, DomainResult<Vec<T>>>,
    work: impl for<'a> Fn(&'a Ctx, &'a T) -> BoxFuture<'a, DomainResult<bool>>,
) -> u64 {
    let mut total = 0;
    for _ in 0..batches {
        let (n, more) = batch(ctx, report, job, now, &find, &work).await;
        total += n;
        if !more {
            break;
        }
    }
    total
}

/// One batch of one job. Returns how many items changed something and whether a full batch
/// was found.
async fn batch<T: JobItem + Send + Sync + 'static>(
    ctx: &Ctx,
    report: &mut JobReport,
    job: &str,
    now: DateTime<Utc>,
    find: &impl for<'a> Fn(&'a mut Conn) -> BoxFuture<'a, DomainResult<Vec<T>>>,
    work: &impl for<'a> Fn(&'a Ctx, &'a T) -> BoxFuture<'a, DomainResult<bool>>,
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
    let mut changed = 0;
    for item in &items {
        match work(ctx, item).await {
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

/// Starts a write transaction for one item; clears its earlier failure inside it.
async fn item_tx(ctx: &Ctx, job: &str, item: &str) -> DomainResult<crate::db::Tx> {
    let mut tx = ctx.db.begin().await?;
    store::clear_failure(&mut tx, job, item).await?;
    Ok(tx)
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

async fn notify(tx: &mut Conn, n: NewNotification<'_>, now: DateTime<Utc>) -> DomainResult<bool> {
    notifications::notify(tx, &n, now).await
}

/// A stage nobody decided in time: the request ends as expired ("no approver action
/// taken"); the requestor and the stage's approvers are told.
async fn expire_request(ctx: &Ctx, s: &DueStage, now: DateTime<Utc>) -> DomainResult<bool> {
    let mut tx = item_tx(ctx, "request_deadline", &s.request.to_string()).await?;
    let r = requests::get(&mut tx, s.request).await?;
    let of = u32::try_from(r.stages.len()).unwrap_or(u32::MAX);
    let legal =
        Lifecycle::of(&r.state, r.stage_no, of).is_some_and(|l| l.after(Step::Expire).is_ok());
    if !legal
        || r.stage_no != s.stage_no
        || !store::expire_stage(&mut tx, s.request, s.stage_no, now).await?
    {
        return Ok(false);
    }
    let reason = format!(
        "Expired: no approver action taken on stage {} by {}",
        s.stage_no,
        when(s.due_at)
    );
    requests::set_state(&mut tx, s.request, "expired", s.stage_no, &reason, now).await?;
    requests::event(&mut tx, s.request, "expired", None, &reason, now).await?;
    let package = store::package_name(&mut tx, r.package).await?;
    let requestor = users::summary(&mut tx, r.requestor).await?;
    notify(
        &mut tx,
        NewNotification {
            user: r.requestor,
            kind: "expired",
            title: &format!("Your request has expired: {package}"),
            body: &format!(
                "No approver decided your request for {package} by {}. You can submit it again.",
                when(s.due_at)
            ),
            link: "/myaccess/requests",
            event: &format!("request:{}:expired", s.request),
        },
        now,
    )
    .await?;
    for approver in store::stage_approvers(&mut tx, s.request, s.stage_no).await? {
        notify(
            &mut tx,
            NewNotification {
                user: approver,
                kind: "requestExpired",
                title: &format!("Request has expired: {package}"),
                body: &format!(
                    "The request of {} for {package} expired because nobody decided it by {}.",
                    requestor.display_name,
                    when(s.due_at)
                ),
                link: "/myaccess/approvals",
                event: &format!("request:{}:expired", s.request),
            },
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            None,
            "request.expired",
            "request",
            s.request,
            format!(
                "Request of {} for {package} expired (no approver action taken)",
                requestor.email
            ),
        )
        .before(json!({"state": r.state, "stage": s.stage_no}))
        .after(json!({"state": "expired", "package": package, "user": requestor.email})),
    )
    .await?;
    crate::service::commit(tx).await?;
    Ok(true)
}

/// The forward day: the stage's alternate approvers may decide too, and are told; the
/// primary approvers keep their say.
async fn forward_stage(ctx: &Ctx, s: &DueStage, now: DateTime<Utc>) -> DomainResult<bool> {
    let mut tx = item_tx(ctx, "request_forward", &s.request.to_string()).await?;
    if !store::mark_stage(&mut tx, s.request, s.stage_no, "forwarded_at", now).await? {
        return Ok(false);
    }
    let r = requests::get(&mut tx, s.request).await?;
    let Some(forward) = r
        .stages
        .get((s.stage_no as usize).saturating_sub(1))
        .and_then(|stage| stage.forward.clone())
    else {
        crate::service::commit(tx).await?;
        return Ok(false);
    };
    let mut alternates = Vec::new();
    for p in &forward.alternates {
        match p.kind {
            PrincipalKind::User => alternates.push(UserId(p.id)),
            PrincipalKind::Group => {
                alternates.extend(requests::group_member_ids(&mut tx, GroupId(p.id), 500).await?)
            }
        }
    }
    alternates.retain(|u| *u != r.requestor);
    alternates.sort();
    alternates.dedup();
    requests::add_approvers(&mut tx, s.request, s.stage_no, &alternates, "alternate").await?;
    let text = format!(
        "Forwarded to {} alternate approver(s); decide by {}",
        alternates.len(),
        when(s.due_at)
    );
    requests::event(&mut tx, s.request, "forwarded", None, &text, now).await?;
    let package = store::package_name(&mut tx, r.package).await?;
    let requestor = users::summary(&mut tx, r.requestor).await?;
    for user in &alternates {
        notify(
        &mut tx,
        NewNotification {
            user: *user,
            kind: "forwarded",
            title: &format!("Approval required (forwarded): {package}"),
            body: &format!(
                "{} requests {package} and the approvers have not decided yet. Approve or deny by {}.",
                requestor.display_name,
                when(s.due_at)
            ),
            link: "/myaccess/approvals",
            event: &format!("request:{}:stage{}:forwarded", s.request, s.stage_no),
        },
        now,
    )
        .await?;
    }
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            None,
            "request.forwarded",
            "request",
            s.request,
            format!(
                "Request of {} for {package} forwarded to alternate approvers",
                requestor.email
            ),
        )
        .after(json!({"stage": s.stage_no, "alternates": alternates.len()})),
    )
    .await?;
    crate::service::commit(tx).await?;
    Ok(true)
}

/// Halfway through a stage, its approvers are reminded once.
async fn remind_approvers(ctx: &Ctx, s: &DueStage, now: DateTime<Utc>) -> DomainResult<bool> {
    let mut tx = item_tx(ctx, "request_reminder", &s.request.to_string()).await?;
    if !store::mark_stage(&mut tx, s.request, s.stage_no, "reminded_at", now).await? {
        return Ok(false);
    }
    let r = requests::get(&mut tx, s.request).await?;
    let package = store::package_name(&mut tx, r.package).await?;
    let requestor = users::summary(&mut tx, r.requestor).await?;
    for approver in store::stage_approvers(&mut tx, s.request, s.stage_no).await? {
        notify(
        &mut tx,
        NewNotification {
            user: approver,
            kind: "approvalReminder",
            title: &format!("Reminder: approve or deny {package} by {}", when(s.due_at)),
            body: &format!(
                "{} still waits for a decision on {package}. Without one by {} the request expires.",
                requestor.display_name,
                when(s.due_at)
            ),
            link: "/myaccess/approvals",
            event: &format!("request:{}:stage{}:reminder", s.request, s.stage_no),
        },
        now,
    )
        .await?;
    }
    crate::service::commit(tx).await?;
    Ok(true)
}

/// The end of an assignment: its grants are withdrawn (other grants stay), its seats free,
/// and the person is told.
async fn expire_assignment(ctx: &Ctx, a: &DueAssignment, now: DateTime<Utc>) -> DomainResult<bool> {
    let mut tx = item_tx(ctx, "assignment_expiry", &a.id.to_string()).await?;
    let Some(revoked) = requests::end_assignment(&mut tx, a.id, "expired", now).await? else {
        return Ok(false);
    };
    let package = store::package_name(&mut tx, a.package).await?;
    let who = users::summary(&mut tx, a.user).await?;
    notify(
        &mut tx,
        NewNotification {
            user: a.user,
            kind: "accessEnded",
            title: &format!("Access has ended: {package}"),
            body: &format!(
            "Your access to {package} ended {}. Request it again from My Access if you still need it.",
            when(a.ends_at)
        ),
            link: "/myaccess?tab=expired",
            event: &format!("assignment:{}:ended", a.id),
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            None,
            "assignment.expired",
            "access_package",
            a.package,
            format!("Access of {} to {package} expired", who.email),
        )
        .before(json!({"assignment": a.id.to_string(), "user": who.email, "ends_at": a.ends_at.to_rfc3339()}))
        .after(json!({"state": "expired", "grants_withdrawn": revoked})),
    )
    .await?;
    crate::service::commit(tx).await?;
    Ok(true)
}

/// 14 days and 1 day before the end, the person is reminded (with the way to extend when
/// the policy allows it).
async fn remind_expiring(ctx: &Ctx, a: &DueAssignment, now: DateTime<Utc>) -> DomainResult<bool> {
    let Some(reminder) = expiry_reminder_due(a.ends_at, a.reminders_sent, now) else {
        return Ok(false);
    };
    let mut tx = item_tx(ctx, "assignment_reminder", &a.id.to_string()).await?;
    if !store::mark_reminded(&mut tx, a.id, a.reminders_sent, reminder.level()).await? {
        return Ok(false);
    }
    let package = store::package_name(&mut tx, a.package).await?;
    let extendable = match a.policy {
        Some(p) => packages::policy(&mut tx, p)
            .await
            .map(|p| p.spec.extension.is_some())
            .unwrap_or(false),
        None => false,
    };
    let title = match reminder {
        ExpiryReminder::FourteenDays => format!("Access to {package} ends in 14 days"),
        ExpiryReminder::OneDay => format!("Access to {package} ends tomorrow"),
    };
    let body = if extendable {
        format!(
            "Your access to {package} ends {}. Extend access for {package} by then from My Access (Active tab).",
            when(a.ends_at)
        )
    } else {
        format!(
            "Your access to {package} ends {}. Request it again afterwards if you still need it.",
            when(a.ends_at)
        )
    };
    notify(
        &mut tx,
        NewNotification {
            user: a.user,
            kind: "expiring",
            title: &title,
            body: &body,
            link: "/myaccess?tab=active",
            event: &format!("assignment:{}:expiring{}", a.id, reminder.code()),
        },
        now,
    )
    .await?;
    crate::service::commit(tx).await?;
    Ok(true)
}

/// Sends one batch of due emails; `true` when a full batch was found (more may wait).
async fn send_emails(
    ctx: &Ctx,
    mailer: &Mailer,
    now: DateTime<Utc>,
    report: &mut JobReport,
) -> DomainResult<bool> {
    let due = notifications::due_emails(&mut *ctx.read().await?, now, BATCH).await?;
    let full = due.len() as i64 >= BATCH;
    let mut progressed = false;
    for email in due {
        // The claim is committed before sending, so another sender skips this email.
        let mut tx = ctx.db.begin().await?;
        let claimed = notifications::claim_email(
            &mut tx,
            &email.id,
            now,
            now + chrono::Duration::minutes(10),
        )
        .await?;
        crate::service::commit(tx).await?;
        if !claimed {
            continue;
        }
        progressed = true;
        let error: String;
        // An email whose creation can't be read is not sent (as if it were stale).
        let stale = crate::store::from_ms(email.created_at)
            .map_or(true, |at| at + email_stale_after() < now);
        let result = if stale {
            report.emails_stale += 1;
            EmailResult::Stale
        } else {
            let composed = compose_email(
                &email.display_name,
                &email.title,
                &email.body,
                &email.link,
                &mailer.base_url,
            );
            match mailer
                .send(&email.id, &email.display_name, &email.email, composed)
                .await
            {
                Ok(()) => {
                    report.emails_sent += 1;
                    EmailResult::Sent
                }
                Err(e) => {
                    let attempts = email.email_attempts + 1;
                    tracing::warn!(to = %email.email, attempts, error = %e, "email not sent");
                    report.failures.push(format!(
                        "email to {} (attempt {attempts}): {e}",
                        email.email
                    ));
                    error = e;
                    if attempts >= MAX_EMAIL_ATTEMPTS {
                        report.emails_failed += 1;
                        EmailResult::Failed(&error)
                    } else {
                        report.emails_retrying += 1;
                        EmailResult::Retry(now + retry_delay(attempts), &error)
                    }
                }
            }
        };
        let mut tx = ctx.db.begin().await?;
        notifications::email_done(&mut tx, &email.id, result, now).await?;
        crate::service::commit(tx).await?;
    }
    Ok(full && progressed)
}

/// Access reviews: those whose window closed get their results applied; a policy whose next
/// review period has begun gets its review (reviewers told); reviewers with decisions left
/// are reminded at the midpoint.
async fn reviews(ctx: &Ctx, now: DateTime<Utc>, report: &mut JobReport) {
    use crate::store::reviews as reviews_store;
    let ended = match ctx.read().await {
        Ok(mut conn) => reviews_store::ended(&mut conn, now, BATCH).await,
        Err(e) => Err(e),
    };
    match ended {
        Ok(list) => {
            for h in list {
                match crate::service::reviews::apply_results(ctx, h.id, now).await {
                    Ok(o) => {
                        report.reviews_completed += u64::from(o.completed);
                        report.review_removals += o.removed;
                    }
                    Err(e) => report
                        .failures
                        .push(format!("review_complete {}: {e}", h.id)),
                }
            }
        }
        Err(e) => report.failures.push(format!("review_complete: {e}")),
    }
    let found = match ctx.read().await {
        Ok(mut conn) => match reviews_store::review_policies(&mut conn).await {
            Ok(p) => reviews_store::latest_periods(&mut conn)
                .await
                .map(|l| (p, l)),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match found {
        Ok((policies, latest)) => {
            for (policy, package, spec) in policies {
                let Some(period) = crate::rules::reviews::period_at(&spec, now) else {
                    continue;
                };
                if latest
                    .get(&policy.to_string())
                    .is_some_and(|n| *n >= period.no)
                {
                    continue;
                }
                match start_review(ctx, policy, package, &spec, &period, now).await {
                    Ok(true) => report.reviews_started += 1,
                    Ok(false) => {}
                    Err(e) => report.failures.push(format!("review_start {policy}: {e}")),
                }
            }
        }
        Err(e) => report.failures.push(format!("review_start: {e}")),
    }
    let due = match ctx.read().await {
        Ok(mut conn) => reviews_store::to_remind(&mut conn, now, BATCH).await,
        Err(e) => Err(e),
    };
    match due {
        Ok(list) => {
            for h in list {
                match remind_reviewers(ctx, &h, now).await {
                    Ok(true) => report.reviews_reminded += 1,
                    Ok(false) => {}
                    Err(e) => report
                        .failures
                        .push(format!("review_reminder {}: {e}", h.id)),
                }
            }
        }
        Err(e) => report.failures.push(format!("review_reminder: {e}")),
    }
}

async fn start_review(
    ctx: &Ctx,
    policy: PolicyId,
    package: AccessPackageId,
    spec: &ReviewSpec,
    period: &crate::rules::reviews::ReviewPeriod,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    use crate::store::reviews as reviews_store;
    let mut tx = ctx.db.begin().await?;
    let Some((id, items)) =
        reviews_store::create(&mut tx, policy, package, spec, period, now).await?
    else {
        return Ok(false);
    };
    let name = store::package_name(&mut tx, package).await?;
    for reviewer in reviews_store::reviewers(&mut tx, id, false).await? {
        notify(
        &mut tx,
        NewNotification {
            user: reviewer,
            kind: "reviewStarted",
            title: &format!("Review access to {name} by {}", when(period.ends)),
            body: &format!(
                "An access review of {name} has started. Approve or deny each person's access by {}.",
                when(period.ends)
            ),
            link: "/myaccess/reviews",
            event: &format!("review:{id}:started"),
        },
        now,
    )
        .await?;
    }
    audit::record(
        &mut tx,
        NewEvent::new(
            now,
            None,
            "review.started",
            "access_review",
            id,
            format!("Access review of {name} started ({items} assignment(s), ends {})", when(period.ends)),
        )
        .after(json!({"package": name, "policy": policy.to_string(), "items": items, "ends_at": period.ends.to_rfc3339()})),
    )
    .await?;
    crate::service::commit(tx).await?;
    Ok(true)
}

async fn remind_reviewers(
    ctx: &Ctx,
    h: &crate::store::reviews::ReviewHead,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    use crate::store::reviews as reviews_store;
    let mut tx = ctx.db.begin().await?;
    if !reviews_store::mark_reminded(&mut tx, h.id, now).await? {
        return Ok(false);
    }
    for reviewer in reviews_store::reviewers(&mut tx, h.id, true).await? {
        notify(
            &mut tx,
            NewNotification {
                user: reviewer,
                kind: "reviewReminder",
                title: &format!(
                    "Reminder: review access to {} by {}",
                    h.package_name,
                    when(h.ends_at)
                ),
                body: &format!(
                    "You still have decisions to make in the access review of {}. It ends {}.",
                    h.package_name,
                    when(h.ends_at)
                ),
                link: "/myaccess/reviews",
                event: &format!("review:{}:reminder", h.id),
            },
            now,
        )
        .await?;
    }
    crate::service::commit(tx).await?;
    Ok(true)
}
