//! The audit log for administrators: filtered pages, CSV, and the chain check.

use super::{Ctx, MAX_SEARCH_CHARS, commit, require};
use crate::model::*;
use crate::store::audit as store;
use crate::{DomainError, DomainResult};

/// Who may read the audit log: the tenant-wide governance administrators.
fn check_reader(actor: &Actor) -> DomainResult<()> {
    require(
        actor.is_governance_admin(),
        "only Global, Identity Governance and User Administrators can read the audit log",
    )
}

fn check_filter(f: &AuditFilter) -> DomainResult<()> {
    let mut problems = Vec::new();
    for (field, text) in [
        ("actor", &f.actor),
        ("target", &f.target),
        ("action", &f.action),
    ] {
        if text.chars().count() > MAX_SEARCH_CHARS {
            problems.push(FieldError::new(
                field,
                format!("Must be at most {MAX_SEARCH_CHARS} characters."),
            ));
        }
    }
    if let (Some(from), Some(to)) = (f.from, f.to)
        && to < from
    {
        problems.push(FieldError::new(
            "to",
            "The end date must not be before the start date.",
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(problems))
    }
}

/// One page of the audit log, newest first. `total` stops counting past
/// [`store::COUNT_CAP`] (the page shows "more than").
pub async fn audit_log(
    ctx: &Ctx,
    actor: &Actor,
    filter: &AuditFilter,
    page: PageRequest,
) -> DomainResult<Page<AuditEntry>> {
    check_reader(actor)?;
    check_filter(filter)?;
    let (items, total) = store::list(
        &mut *ctx.read().await?,
        filter,
        i64::from(page.per_page),
        page.offset(),
        true,
    )
    .await?;
    Ok(Page::of(items, total, page))
}

/// At most this many events go into one CSV export.
pub const MAX_EXPORT_ROWS: i64 = 100_000;
const EXPORT_BATCH: i64 = 1_000;

/// The filtered audit log as CSV, newest first, read in batches.
pub async fn audit_csv(ctx: &Ctx, actor: &Actor, filter: &AuditFilter) -> DomainResult<String> {
    check_reader(actor)?;
    check_filter(filter)?;
    let mut conn = ctx.read().await?;
    let mut out = super::csv_export::CsvExport::with_header(&[
        "Seq",
        "Time",
        "Actor",
        "Action",
        "Target type",
        "Target",
        "Summary",
        "Before",
        "After",
        "Request id",
        "Caller's request id",
    ])?;
    let mut offset = 0;
    loop {
        let (rows, _) = store::list(&mut conn, filter, EXPORT_BATCH, offset, false).await?;
        let n = rows.len() as i64;
        for e in rows {
            out.row([
                e.seq.to_string(),
                e.at.to_rfc3339(),
                e.actor
                    .map(|(_, email)| email)
                    .unwrap_or_else(|| "system".into()),
                e.action,
                e.target_type,
                e.target_id,
                e.summary,
                e.before,
                e.after,
                e.request_id,
                e.caller_request_id,
            ])?;
        }
        offset += n;
        if n < EXPORT_BATCH {
            break;
        }
        if offset >= MAX_EXPORT_ROWS {
            return Err(DomainError::Conflict(format!(
                "More than {MAX_EXPORT_ROWS} events match; narrow the filter to export them."
            )));
        }
    }
    out.finish()
}

/// Walks the whole chain in order and reports the first broken link: a missing or repeated
/// place, or a hash that doesn't match the event's content and the previous event's hash.
/// For `tessera audit verify` (run by whoever runs the server).
pub async fn verify_chain(ctx: &Ctx) -> DomainResult<ChainCheck> {
    let mut conn = ctx.read().await?;
    let (head_seq, head_hash, loose) = store::head(&mut conn).await?;
    let mut expected_seq = 0;
    let mut prev = String::new();
    loop {
        let rows = store::chain_batch(&mut conn, expected_seq, 1_000).await?;
        let n = rows.len();
        for (row, hash) in rows {
            let seq = row.seq;
            if seq != expected_seq + 1 {
                return Ok(ChainCheck::Broken {
                    seq: expected_seq + 1,
                    reason: format!(
                        "event {} is missing (the next one is {seq})",
                        expected_seq + 1
                    ),
                });
            }
            if store::chain_hash(&prev, &row) != hash {
                return Ok(ChainCheck::Broken {
                    seq,
                    reason: format!("its content was changed (event {})", row.id),
                });
            }
            prev = hash;
            expected_seq = seq;
        }
        if n < 1_000 {
            break;
        }
    }
    if expected_seq != head_seq || prev != head_hash {
        return Ok(ChainCheck::Broken {
            seq: expected_seq + 1,
            reason: format!(
                "the chain ends at event {expected_seq} but {head_seq} were recorded (events were removed)"
            ),
        });
    }
    if loose > 0 {
        return Ok(ChainCheck::Broken {
            seq: expected_seq + 1,
            reason: format!("{loose} event(s) are outside the chain"),
        });
    }
    Ok(ChainCheck::Intact {
        events: expected_seq,
        head: prev,
    })
}

/// Puts events recorded before the chain existed into it (oldest first); run at start-up.
pub async fn chain_unchained(ctx: &Ctx) -> DomainResult<u64> {
    let mut total = 0;
    loop {
        let mut tx = ctx.db.begin().await?;
        let n = store::chain_unchained(&mut tx, 500).await?;
        commit(tx).await?;
        total += n;
        if n < 500 {
            return Ok(total);
        }
    }
}

/// Email delivery and failing job items, for administrators.
pub async fn outbox_status(ctx: &Ctx, actor: &Actor) -> DomainResult<OutboxStatus> {
    check_reader(actor)?;
    let mut conn = ctx.read().await?;
    let counts = crate::store::notifications::email_counts(&mut conn, EmailState::ALL).await?;
    let problems = crate::store::notifications::email_problems(&mut conn, 20)
        .await?
        .into_iter()
        .map(|(to, title, attempts, state, error, at)| EmailProblem {
            to,
            title,
            attempts,
            state,
            error,
            created_at: at,
        })
        .collect();
    let failures = crate::store::lifecycle::failures(&mut conn, 20)
        .await?
        .into_iter()
        .map(|(job, item, attempts, next_at, error)| JobFailure {
            job,
            item,
            attempts,
            next_at,
            error,
        })
        .collect();
    Ok(OutboxStatus {
        counts,
        problems,
        failures,
    })
}
