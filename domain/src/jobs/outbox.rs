//! Sending the notifications' e-mails, once each, with retries.

use super::*;

/// How many sent emails' results are recorded in one transaction: at most this many could be
/// sent again after a crash between sending and recording.
const RESULTS_PER_COMMIT: usize = 10;

/// How long one batch may spend sending: well inside the claim's lease (10 minutes), so no
/// other sender can take a claimed email while this one may still send it. What is left
/// unsent stays claimed and is sent once the lease ends.
const SENDING_BUDGET: std::time::Duration = std::time::Duration::from_secs(300);

/// Sends one batch of due emails; `true` when a full batch was found (more may wait).
///
/// The batch is claimed in one transaction, before anything is sent, so another sender skips
/// it; the results are recorded `RESULTS_PER_COMMIT` at a time. The mailer keeps its SMTP
/// connection between messages.
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
        let mut results = Vec::with_capacity(chunk.len());
        for email in chunk {
            results.push((&email.id, send_one(mailer, email, now, report).await));
        }
        let mut tx = ctx.db.begin().await?;
        for (id, result) in &results {
            notifications::email_done(&mut tx, id, result, now).await?;
        }
        crate::service::commit(tx).await?;
    }
    Ok(full && progressed)
}

/// Sends one claimed email, or finds it too old to send; counts it in the report.
async fn send_one(
    mailer: &Mailer,
    email: &notifications::OutgoingEmail,
    now: DateTime<Utc>,
    report: &mut JobReport,
) -> EmailResult {
    // An email whose creation can't be read is not sent (as if it were stale).
    let stale =
        crate::store::from_ms(email.created_at).map_or(true, |at| at + email_stale_after() < now);
    if stale {
        report.emails_stale += 1;
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
            if attempts >= MAX_EMAIL_ATTEMPTS {
                report.emails_failed += 1;
                EmailResult::Failed(e)
            } else {
                report.emails_retrying += 1;
                EmailResult::Retry(now + retry_delay(attempts), e)
            }
        }
    }
}
