//! Webhooks and their outbox: each event written, in the transaction that made it happen, as
//! one delivery row per webhook that hears it (the body as it was then); claimed, POSTed and
//! settled by `jobs::webhooks`.

use super::bulk::{self, Val};
use super::{Conn, corrupt, flag_of, from_ms, ms, placeholders, uuid};
use crate::model::*;
use crate::rules::webhooks::{CheckedWebhook, events_code, parse_events};
use crate::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// A webhook as the delivery job and the use cases read it.
#[derive(Debug, Clone)]
pub struct StoredWebhook {
    pub id: WebhookId,
    pub name: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub catalog: Option<CatalogId>,
    /// The signing secret, sealed.
    pub secret: String,
    pub enabled: bool,
    /// Holds approved requests until the receiver answers.
    pub blocks: bool,
}

type WebhookRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

fn stored(
    (id, name, url, events, catalog, secret, enabled, blocks): WebhookRow,
) -> DomainResult<StoredWebhook> {
    Ok(StoredWebhook {
        id: WebhookId(uuid(&id)?),
        name,
        url,
        events: parse_events(&events).map_err(corrupt)?,
        catalog: catalog.map(|c| uuid(&c).map(CatalogId)).transpose()?,
        secret,
        enabled: flag_of(enabled)?,
        blocks: flag_of(blocks)?,
    })
}

pub async fn count(conn: &mut Conn) -> DomainResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM webhooks")
        .fetch_one(&mut *conn)
        .await?)
}

pub async fn insert(
    conn: &mut Conn,
    id: WebhookId,
    w: &CheckedWebhook,
    sealed_secret: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO webhooks (id, name, name_key, url, events, catalog_id, secret, enabled, blocks,
                               wait_minutes, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $11, $9, $9)",
    )
    .bind(id.to_string())
    .bind(&w.name)
    .bind(w.name.to_lowercase())
    .bind(&w.url)
    .bind(events_code(&w.events))
    .bind(w.catalog.map(|c| c.to_string()))
    .bind(sealed_secret)
    .bind(i64::from(w.enabled))
    .bind(ms(now))
    .bind(i64::from(w.blocks))
    .bind(w.wait_minutes)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Saves new settings; `false` when there is no such webhook.
pub async fn update(
    conn: &mut Conn,
    id: WebhookId,
    w: &CheckedWebhook,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE webhooks SET name = $2, name_key = $3, url = $4, events = $5, catalog_id = $6,
                enabled = $7, updated_at = $8, blocks = $9, wait_minutes = $10 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(&w.name)
    .bind(w.name.to_lowercase())
    .bind(&w.url)
    .bind(events_code(&w.events))
    .bind(w.catalog.map(|c| c.to_string()))
    .bind(i64::from(w.enabled))
    .bind(ms(now))
    .bind(i64::from(w.blocks))
    .bind(w.wait_minutes)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_secret(
    conn: &mut Conn,
    id: WebhookId,
    sealed_secret: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query("UPDATE webhooks SET secret = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(sealed_secret)
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a webhook and its deliveries; `false` when there was none.
pub async fn delete(conn: &mut Conn, id: WebhookId) -> DomainResult<bool> {
    sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut Conn, id: WebhookId) -> DomainResult<StoredWebhook> {
    let row: Option<WebhookRow> = sqlx::query_as(
        "SELECT id, name, url, events, catalog_id, secret, enabled, blocks FROM webhooks WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    stored(row.ok_or(DomainError::NotFound("webhook"))?)
}

/// (id, name, url, events, catalog id, catalog name, enabled, failing, last delivered,
/// blocks, wait minutes).
type SummaryRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Option<i64>,
    i64,
    i64,
);

/// Every webhook (at most `MAX_WEBHOOKS`), by name, with its failing deliveries and its last
/// delivery.
pub async fn list(conn: &mut Conn) -> DomainResult<Vec<WebhookSummary>> {
    let rows: Vec<SummaryRow> =
        sqlx::query_as(
            "SELECT w.id, w.name, w.url, w.events, w.catalog_id, c.name, w.enabled,
                    (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'failed'),
                    (SELECT MAX(d.delivered_at) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'delivered'),
                    w.blocks, w.wait_minutes
             FROM webhooks w LEFT JOIN catalogs c ON c.id = w.catalog_id
             ORDER BY w.name_key",
        )
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter()
        .map(
            |(
                id,
                name,
                url,
                events,
                catalog,
                catalog_name,
                enabled,
                failing,
                last,
                blocks,
                wait,
            )| {
                Ok(WebhookSummary {
                    id: WebhookId(uuid(&id)?),
                    name,
                    url,
                    events: parse_events(&events).map_err(corrupt)?,
                    catalog: match (catalog, catalog_name) {
                        (Some(id), Some(name)) => Some((CatalogId(uuid(&id)?), name)),
                        (None, _) => None,
                        (Some(_), None) => return Err(corrupt("a webhook's catalog is missing")),
                    },
                    enabled: enabled == 1,
                    failing,
                    last_delivered_at: last.map(from_ms).transpose()?,
                    blocks: flag_of(blocks)?,
                    wait_minutes: wait,
                })
            },
        )
        .collect()
}

type DeliveryRow = (
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    String,
);

/// A webhook's latest deliveries, undelivered ones first, at most `limit`.
pub async fn deliveries(
    conn: &mut Conn,
    id: WebhookId,
    limit: i64,
) -> DomainResult<Vec<WebhookDelivery>> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT id, event, state, created_at, attempts, status, response, last_error,
                next_attempt_at, delivered_at, body
         FROM webhook_deliveries WHERE webhook_id = $1
         ORDER BY CASE WHEN state = 'delivered' THEN 1 ELSE 0 END, created_at DESC, id DESC
         LIMIT $2",
    )
    .bind(id.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(
            |(
                id,
                event,
                state,
                created,
                attempts,
                status,
                response,
                error,
                next,
                delivered,
                body,
            )| {
                Ok(WebhookDelivery {
                    id,
                    event: WebhookEvent::parse(&event).map_err(corrupt)?,
                    created_at: from_ms(created)?,
                    state: DeliveryState::parse(&state).map_err(corrupt)?,
                    attempts,
                    status,
                    response,
                    error,
                    next_attempt_at: match state.as_str() {
                        "delivered" => None,
                        _ => next.map(from_ms).transpose()?,
                    },
                    delivered_at: delivered.map(from_ms).transpose()?,
                    body,
                })
            },
        )
        .collect()
}

/// The body every webhook receives: `type`, `timestamp` (when it happened) and `data`.
fn body(event: WebhookEvent, at: DateTime<Utc>, data: Value) -> String {
    json!({ "type": event.code(), "timestamp": at.to_rfc3339(), "data": data }).to_string()
}

/// A delivery's row for `insert_deliveries`, and its id (the `webhook-id` it is sent with).
fn delivery_row(
    webhook: &str,
    event: WebhookEvent,
    body: String,
    now: DateTime<Utc>,
) -> (String, Vec<Val>) {
    let id = WebhookDeliveryId::new().to_string();
    let row = vec![
        Val::from(id.clone()),
        Val::from(webhook),
        Val::from(event.code()),
        Val::from(body),
        Val::from("pending"),
        Val::Int(0),
        Val::Int(0),
        Val::from(ms(now)),
    ];
    (id, row)
}

async fn insert_deliveries(conn: &mut Conn, rows: &[Vec<Val>]) -> DomainResult<()> {
    bulk::insert(
        conn,
        "webhook_deliveries",
        &[
            "id",
            "webhook_id",
            "event",
            "body",
            "state",
            "attempts",
            "next_attempt_at",
            "created_at",
        ],
        rows,
        "",
    )
    .await?;
    Ok(())
}

/// The test event for one webhook, due at once; returns the delivery's id.
pub async fn enqueue_ping(
    conn: &mut Conn,
    webhook: WebhookId,
    now: DateTime<Utc>,
) -> DomainResult<String> {
    let (id, row) = delivery_row(
        &webhook.to_string(),
        WebhookEvent::Ping,
        body(
            WebhookEvent::Ping,
            now,
            json!({ "webhook": { "id": webhook.to_string() } }),
        ),
        now,
    );
    insert_deliveries(conn, &[row]).await?;
    Ok(id)
}

/// Records, in the caller's transaction, that `event` happened to each of `subjects` (request,
/// assignment or review ids, as the event says): one delivery per enabled webhook that hears
/// it (and, for a webhook of one catalog, only that catalog's), with the body as it is now.
/// `extra` is added to each body's `data`. One read when no webhook hears it; else one more
/// read and one insert.
pub async fn emit(
    conn: &mut Conn,
    event: WebhookEvent,
    subjects: &[String],
    extra: Option<Value>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    if subjects.is_empty() {
        return Ok(());
    }
    let hooks: Vec<(String, String, Option<String>, i64)> =
        sqlx::query_as("SELECT id, events, catalog_id, blocks FROM webhooks WHERE enabled = 1")
            .fetch_all(&mut *conn)
            .await?;
    let mut hearing = Vec::new();
    for (id, events, catalog, blocks) in hooks {
        // A blocking webhook heard "request approved" when it was asked to answer (`hold`).
        let asked = event == WebhookEvent::RequestApproved && blocks == 1;
        if !asked && parse_events(&events).map_err(corrupt)?.contains(&event) {
            hearing.push((id, catalog));
        }
    }
    if hearing.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    for (catalog, mut data) in snapshots(conn, event, subjects).await? {
        if let (Some(extra), Some(map)) = (&extra, data.as_object_mut())
            && let Some(more) = extra.as_object()
        {
            map.extend(more.clone());
        }
        let text = body(event, now, data);
        for (hook, only) in &hearing {
            if only.as_deref().is_none_or(|c| c == catalog) {
                rows.push(delivery_row(hook, event, text.clone(), now).1);
            }
        }
    }
    insert_deliveries(conn, &rows).await
}

fn rfc3339(at: i64) -> DomainResult<String> {
    Ok(from_ms(at)?.to_rfc3339())
}

/// Each subject's catalog id and its `data` as the documentation describes it.
async fn snapshots(
    conn: &mut Conn,
    event: WebhookEvent,
    subjects: &[String],
) -> DomainResult<Vec<(String, Value)>> {
    use WebhookEvent as E;
    let list = placeholders(subjects.len());
    let package = |pid: &str, pname: &str, cid: &str, cname: &str| {
        (
            json!({ "id": pid, "displayName": pname }),
            json!({ "id": cid, "displayName": cname }),
        )
    };
    let person = |id: &str, email: &str, name: &str| json!({ "id": id, "email": email, "displayName": name });
    let mut out = Vec::with_capacity(subjects.len());
    match event {
        E::RequestCreated | E::RequestApproved | E::RequestDenied => {
            let sql = format!(
                "SELECT r.id, r.request_type, r.state, r.justification, r.created_at,
                        p.id, p.name, c.id, c.name, u.id, u.email, u.display_name
                 FROM access_package_requests r
                 JOIN access_packages p ON p.id = r.package_id
                 JOIN catalogs c ON c.id = p.catalog_id
                 JOIN users u ON u.id = r.requestor_id
                 WHERE r.id IN ({list})"
            );
            let mut q = sqlx::query_as::<
                _,
                (
                    String,
                    String,
                    String,
                    String,
                    i64,
                    String,
                    String,
                    String,
                    String,
                    String,
                    String,
                    String,
                ),
            >(&sql);
            for s in subjects {
                q = q.bind(s);
            }
            for (
                id,
                kind,
                state,
                justification,
                created,
                pid,
                pname,
                cid,
                cname,
                uid,
                email,
                uname,
            ) in q.fetch_all(&mut *conn).await?
            {
                let (access_package, catalog) = package(&pid, &pname, &cid, &cname);
                out.push((
                    cid,
                    json!({
                        "request": {
                            "id": id,
                            "requestType": kind,
                            "state": state,
                            "justification": justification,
                            "createdDateTime": rfc3339(created)?,
                        },
                        "accessPackage": access_package,
                        "catalog": catalog,
                        "requestor": person(&uid, &email, &uname),
                    }),
                ));
            }
        }
        E::AssignmentGranted | E::AssignmentRemoved | E::AssignmentExpiring => {
            let sql = format!(
                "SELECT a.id, a.state, a.starts_at, a.ends_at,
                        p.id, p.name, c.id, c.name, u.id, u.email, u.display_name
                 FROM access_package_assignments a
                 JOIN access_packages p ON p.id = a.package_id
                 JOIN catalogs c ON c.id = p.catalog_id
                 JOIN users u ON u.id = a.user_id
                 WHERE a.id IN ({list})"
            );
            let mut q = sqlx::query_as::<
                _,
                (
                    String,
                    String,
                    i64,
                    Option<i64>,
                    String,
                    String,
                    String,
                    String,
                    String,
                    String,
                    String,
                ),
            >(&sql);
            for s in subjects {
                q = q.bind(s);
            }
            for (id, state, starts, ends, pid, pname, cid, cname, uid, email, uname) in
                q.fetch_all(&mut *conn).await?
            {
                let (access_package, catalog) = package(&pid, &pname, &cid, &cname);
                out.push((
                    cid,
                    json!({
                        "assignment": {
                            "id": id,
                            "state": state,
                            "startDateTime": rfc3339(starts)?,
                            "endDateTime": ends.map(rfc3339).transpose()?,
                        },
                        "accessPackage": access_package,
                        "catalog": catalog,
                        "target": person(&uid, &email, &uname),
                    }),
                ));
            }
        }
        E::ReviewCompleted => {
            let sql = format!(
                "SELECT v.id, v.starts_at, v.ends_at, p.id, p.name, c.id, c.name
                 FROM access_reviews v
                 JOIN access_packages p ON p.id = v.package_id
                 JOIN catalogs c ON c.id = p.catalog_id
                 WHERE v.id IN ({list})"
            );
            let mut q =
                sqlx::query_as::<_, (String, i64, i64, String, String, String, String)>(&sql);
            for s in subjects {
                q = q.bind(s);
            }
            for (id, starts, ends, pid, pname, cid, cname) in q.fetch_all(&mut *conn).await? {
                let (access_package, catalog) = package(&pid, &pname, &cid, &cname);
                out.push((
                    cid,
                    json!({
                        "accessReview": {
                            "id": id,
                            "startDateTime": rfc3339(starts)?,
                            "endDateTime": rfc3339(ends)?,
                        },
                        "accessPackage": access_package,
                        "catalog": catalog,
                    }),
                ));
            }
        }
        E::Ping => {}
    }
    Ok(out)
}

/// A delivery claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub webhook: WebhookId,
    pub body: String,
    pub attempts: i64,
}

/// Claims up to `limit` due deliveries of enabled webhooks until `lease`, in the caller's
/// transaction: each with a guarded update that checks again that it is due and unclaimed, so
/// one another instance took since it was read is skipped.
pub async fn claim_due(
    conn: &mut Conn,
    now: DateTime<Utc>,
    lease: DateTime<Utc>,
    limit: i64,
) -> DomainResult<Vec<Claimed>> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.state <> 'delivered' AND d.next_attempt_at <= $1
           AND (d.claimed_until IS NULL OR d.claimed_until <= $1) AND w.enabled = 1
         ORDER BY d.next_attempt_at, d.created_at LIMIT $2",
    )
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(due.len());
    for id in due {
        out.extend(claim_one(conn, &id, now, lease).await?);
    }
    Ok(out)
}

/// Claims one delivery until `lease` with a guarded update that checks again that it is due
/// and unclaimed; `None` when it is not (another instance took it since it was read).
pub async fn claim_one(
    conn: &mut Conn,
    id: &str,
    now: DateTime<Utc>,
    lease: DateTime<Utc>,
) -> DomainResult<Option<Claimed>> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "UPDATE webhook_deliveries SET claimed_until = $2
         WHERE id = $1 AND state <> 'delivered' AND next_attempt_at <= $3
           AND (claimed_until IS NULL OR claimed_until <= $3)
         RETURNING webhook_id, body, attempts",
    )
    .bind(id)
    .bind(ms(lease))
    .bind(ms(now))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(webhook, body, attempts)| {
        Ok(Claimed {
            id: id.to_owned(),
            webhook: WebhookId(uuid(&webhook)?),
            body,
            attempts,
        })
    })
    .transpose()
}

/// Records what one attempt came to: delivered, or failed and tried again at `retry_at` (or,
/// `None`, only when an administrator reprocesses it).
pub async fn settle(
    conn: &mut Conn,
    id: &str,
    status: Option<u16>,
    response: &str,
    error: Option<&str>,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let delivered = error.is_none();
    sqlx::query(
        "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, status = $3,
                response = $4, last_error = $5, next_attempt_at = $6, delivered_at = $7,
                claimed_until = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(if delivered { "delivered" } else { "failed" })
    .bind(status.map(i64::from))
    .bind(response)
    .bind(error)
    .bind(if delivered { None } else { retry_at.map(ms) })
    .bind(delivered.then(|| ms(now)))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sends a webhook's failed deliveries again at once; how many.
pub async fn reprocess(conn: &mut Conn, webhook: WebhookId) -> DomainResult<u64> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0
         WHERE webhook_id = $1 AND state = 'failed'",
    )
    .bind(webhook.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes delivered rows older than `before`, at most `limit`; how many.
pub async fn prune(conn: &mut Conn, before: DateTime<Utc>, limit: i64) -> DomainResult<u64> {
    let done = sqlx::query(
        "DELETE FROM webhook_deliveries WHERE id IN (
            SELECT id FROM webhook_deliveries WHERE state = 'delivered' AND delivered_at < $1 LIMIT $2)",
    )
    .bind(ms(before))
    .bind(limit)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deliveries that failed, of every webhook (the Admin home's count).
pub async fn count_failed(conn: &mut Conn) -> DomainResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'failed'")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The enabled webhooks that hold an approved request of `catalog` until they answer: (id,
/// name, minutes they have to answer).
pub async fn blocking(
    conn: &mut Conn,
    catalog: CatalogId,
) -> DomainResult<Vec<(String, String, i64)>> {
    let hooks: Vec<(String, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, name, events, catalog_id, wait_minutes FROM webhooks WHERE enabled = 1 AND blocks = 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let catalog = catalog.to_string();
    let mut out = Vec::new();
    for (id, name, events, only, wait) in hooks {
        let hears = parse_events(&events)
            .map_err(corrupt)?
            .contains(&WebhookEvent::RequestApproved);
        if hears && only.as_deref().is_none_or(|c| c == catalog) {
            out.push((id, name, wait));
        }
    }
    Ok(out)
}

/// Asks the blocking webhook `hook` to answer for the approved request `request`, in the
/// caller's transaction: a "request.approved" delivery whose body says how to answer, and the
/// hold, due at `due`. Returns the delivery's id (its `webhook-id`).
pub async fn hold(
    conn: &mut Conn,
    hook: &str,
    request: RequestId,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<String> {
    let event = WebhookEvent::RequestApproved;
    let (_, mut data) = snapshots(conn, event, &[request.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or(DomainError::NotFound("request"))?;
    if let Some(map) = data.as_object_mut() {
        map.insert(
            "extension".into(),
            json!({
                "awaitingAnswer": true,
                "answerBy": due.to_rfc3339(),
                "answerPath": ANSWER_PATH,
            }),
        );
    }
    let (id, row) = delivery_row(hook, event, body(event, now, data), now);
    insert_deliveries(conn, &[row]).await?;
    sqlx::query(
        "INSERT INTO request_holds (request_id, webhook_id, delivery_id, due_at, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(request.to_string())
    .bind(hook)
    .bind(&id)
    .bind(ms(due))
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Where a receiver POSTs a later answer (on Tessera's own address).
pub const ANSWER_PATH: &str = "/webhooks/answer";

/// A hold as the answer and the timeout read it.
#[derive(Debug, Clone)]
pub struct Hold {
    pub request: RequestId,
    pub webhook: WebhookId,
    pub webhook_name: String,
    pub due: DateTime<Utc>,
}

type HoldRow = (String, String, String, i64);

fn hold_of((request, webhook, name, due): HoldRow) -> DomainResult<Hold> {
    Ok(Hold {
        request: RequestId(uuid(&request)?),
        webhook: WebhookId(uuid(&webhook)?),
        webhook_name: name,
        due: from_ms(due)?,
    })
}

const HOLD_SELECT: &str = "SELECT h.request_id, h.webhook_id, w.name, h.due_at
     FROM request_holds h JOIN webhooks w ON w.id = h.webhook_id";

/// The unanswered hold the delivery `delivery` asked for, if any.
pub async fn hold_of_delivery(conn: &mut Conn, delivery: &str) -> DomainResult<Option<Hold>> {
    let row: Option<HoldRow> = sqlx::query_as(&format!(
        "{HOLD_SELECT} WHERE h.delivery_id = $1 AND h.answer IS NULL"
    ))
    .bind(delivery)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(hold_of).transpose()
}

/// The request's unanswered holds.
pub async fn open_holds(conn: &mut Conn, request: RequestId) -> DomainResult<Vec<Hold>> {
    let rows: Vec<HoldRow> = sqlx::query_as(&format!(
        "{HOLD_SELECT} WHERE h.request_id = $1 AND h.answer IS NULL ORDER BY w.name_key"
    ))
    .bind(request.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(hold_of).collect()
}

/// Every hold of the request, answered or not: (hold, answered).
pub async fn holds_of(conn: &mut Conn, request: RequestId) -> DomainResult<Vec<(Hold, bool)>> {
    let rows: Vec<(String, String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT h.request_id, h.webhook_id, w.name, h.due_at, h.answer
         FROM request_holds h JOIN webhooks w ON w.id = h.webhook_id
         WHERE h.request_id = $1 ORDER BY w.name_key",
    )
    .bind(request.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(r, w, n, d, answer)| Ok((hold_of((r, w, n, d))?, answer.is_some())))
        .collect()
}

/// Unanswered holds past their end, at most `limit`.
pub async fn holds_due(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> DomainResult<Vec<Hold>> {
    let rows: Vec<HoldRow> = sqlx::query_as(&format!(
        "{HOLD_SELECT} WHERE h.answer IS NULL AND h.due_at <= $1 ORDER BY h.due_at LIMIT $2"
    ))
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(hold_of).collect()
}

/// Records a hold's answer if it has none yet; `false` when it was answered already (the first
/// answer wins).
pub async fn answer_hold(
    conn: &mut Conn,
    request: RequestId,
    webhook: WebhookId,
    answer: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = sqlx::query(
        "UPDATE request_holds SET answer = $3, reason = $4, answered_at = $5
         WHERE request_id = $1 AND webhook_id = $2 AND answer IS NULL",
    )
    .bind(request.to_string())
    .bind(webhook.to_string())
    .bind(answer)
    .bind(reason)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many requests still waiting the webhook holds unanswered.
pub async fn holding(conn: &mut Conn, webhook: WebhookId) -> DomainResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM request_holds h JOIN access_package_requests r ON r.id = h.request_id
         WHERE h.webhook_id = $1 AND h.answer IS NULL AND r.state = 'pendingApproval'",
    )
    .bind(webhook.to_string())
    .fetch_one(&mut *conn)
    .await?)
}
