//! Sending the notifications' e-mails, once each, with retries.

use super::*;

/// How many emails are sent at once (one per pooled connection) and have their results
/// recorded in one transaction: at most this many could be sent again after a crash between
/// sending and recording.
const RESULTS_PER_COMMIT: usize = super::mail::CONNECTIONS as usize;

/// How long one batch may spend sending: well inside the claim's lease (10 minutes), so no
/// other sender can take a claimed email while this one may still send it. What is left
/// unsent stays claimed and is sent once the lease ends.
const SENDING_BUDGET: std::time::Duration = std::time::Duration::from_secs(300);

/// Sends one batch of due emails; `true` when a full batch was found (more may wait).
///
/// The batch is claimed in one transaction, before anything is sent, so another sender skips
/// it; the results are recorded `RESULTS_PER_COMMIT` at a time. The emails of one such chunk
/// are sent together, each on its own connection of the mailer's pool (which keeps them open
/// between messages): one message waits on the relay's replies, not on the others.
pub(super) async fn send_emails(
    ctx: &Ctx,
    mailer: &Mailer,
    now: DateTime<Utc>,
    report: &mut JobReport,
) -> DomainResult<bool> {
    let due = notifications::due_emails(&mut *ctx.read().await?, now, BATCH).await?;
    let full = due.len() as i64 >= BATCH;
    let lease = now + chrono::Duration::minutes(10);
    let mut claimed = Vec::with_capacity(due.len());
    let mut tx = ctx.db.begin().await?;
    for email in due {
        if notifications::claim_email(&mut tx, &email.id, now, lease).await? {
            claimed.push(email);
        }
    }
    crate::service::commit(tx).await?;
    let progressed = !claimed.is_empty();
    let started = std::time::Instant::now();
    for chunk in claimed.chunks(RESULTS_PER_COMMIT) {
        if started.elapsed() > SENDING_BUDGET {
            tracing::warn!("the email batch ran out of time; the rest is sent after its lease");
            break;
        }
        let results =
            futures_util::future::join_all(chunk.iter().map(|email| send_one(mailer, email, now)))
                .await;
        let mut tx = ctx.db.begin().await?;
        for (email, result) in chunk.iter().zip(&results) {
            report.count_email(&email.email, email.email_attempts, result);
            notifications::email_done(&mut tx, &email.id, result, now).await?;
        }
        crate::service::commit(tx).await?;
    }
    Ok(full && progressed)
}

/// Sends one claimed email, or finds it too old to send.
async fn send_one(
    mailer: &Mailer,
    email: &notifications::OutgoingEmail,
    now: DateTime<Utc>,
) -> EmailResult {
    // An email whose creation can't be read is not sent (as if it were stale).
    let stale =
        crate::store::from_ms(email.created_at).map_or(true, |at| at + email_stale_after() < now);
    if stale {
        return EmailResult::Stale;
    }
    let composed = compose_email(
        &email.display_name,
        &email.title,
        &email.body,
        email.link,
        (mailer.paths)(email.link),
        &mailer.base_url,
    );
    match mailer
        .send(&email.id, &email.display_name, &email.email, composed)
        .await
    {
        Ok(()) => EmailResult::Sent,
        Err(e) => {
            let attempts = email.email_attempts + 1;
            if attempts >= MAX_EMAIL_ATTEMPTS {
                EmailResult::Failed(e)
            } else {
                EmailResult::Retry(now + retry_delay(attempts), e)
            }
        }
    }
}

impl JobReport {
    /// Counts one email's result; a failure also gets its line (`attempts` made before this one).
    fn count_email(&mut self, to: &str, attempts: i64, result: &EmailResult) {
        let error = match result {
            EmailResult::Sent => {
                self.emails_sent += 1;
                return;
            }
            EmailResult::Stale => {
                self.emails_stale += 1;
                return;
            }
            EmailResult::Retry(_, e) => {
                self.emails_retrying += 1;
                e
            }
            EmailResult::Failed(e) => {
                self.emails_failed += 1;
                e
            }
        };
        // This send was attempt number `attempts + 1`.
        let attempt = attempts + 1;
        tracing::warn!(to, attempt, error = %error, "email not sent");
        self.failures
            .push(format!("email to {to} (attempt {attempt}): {error}"));
    }
}
