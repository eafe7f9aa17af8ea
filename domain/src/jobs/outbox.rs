//! Sending the notifications' e-mails, once each, with retries.

use super::*;

/// Sends one batch of due emails; `true` when a full batch was found (more may wait).
pub(super) async fn send_emails(
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
