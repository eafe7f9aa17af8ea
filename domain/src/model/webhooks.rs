//! Webhooks (issue 16): an administrator's endpoint that hears about lifecycle events, each
//! POST signed as the Standard Webhooks specification says.

use super::{CatalogId, DeliveryState, WebhookId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

str_enum!(
    #[codes]
    /// The lifecycle points a webhook can hear about; the code is the body's `type`.
    WebhookEvent {
        RequestCreated = "request.created" / "Request created",
        RequestApproved = "request.approved" / "Request approved",
        RequestDenied = "request.denied" / "Request denied",
        AssignmentGranted = "assignment.granted" / "Access granted",
        AssignmentRemoved = "assignment.removed" / "Access removed",
        AssignmentExpiring = "assignment.expiring" / "Access expiring (14 days and 1 day before)",
        ReviewCompleted = "review.completed" / "Access review completed",
        Ping = "ping" / "Test event",
    }
);

str_enum!(
    #[codes]
    /// What a blocking webhook's receiver answers for a request it holds.
    ExtensionAnswer {
        Continue = "continue" / "Continue",
        Deny = "deny" / "Deny",
    }
);

impl WebhookEvent {
    /// The events a webhook may subscribe to (the test event is sent on demand only).
    pub fn subscribable() -> impl Iterator<Item = WebhookEvent> {
        Self::ALL.iter().copied().filter(|e| *e != Self::Ping)
    }
}

/// A webhook as its list and page show it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSummary {
    pub id: WebhookId,
    pub name: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    /// Only this catalog's packages' events; `None` for every catalog.
    pub catalog: Option<(CatalogId, String)>,
    pub enabled: bool,
    /// Deliveries that failed and wait for a retry or for Reprocess.
    pub failing: i64,
    pub last_delivered_at: Option<DateTime<Utc>>,
    /// Holds an approved request's delivery until the receiver answers (a blocking custom
    /// extension), for at most `wait_minutes`.
    #[serde(default)]
    pub blocks: bool,
    #[serde(default)]
    pub wait_minutes: i64,
}

/// One POST of one event to one webhook, and what the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// The `webhook-id` header: the same on every retry, for the receiver to drop repeats.
    pub id: String,
    pub event: WebhookEvent,
    pub created_at: DateTime<Utc>,
    pub state: DeliveryState,
    pub attempts: i64,
    /// The receiver's HTTP status on the last attempt, if it answered.
    pub status: Option<i64>,
    /// The start of what the receiver answered (at most 1 KB), or why nothing was sent.
    pub response: String,
    pub error: Option<String>,
    /// When it is tried again by itself; `None` once delivered or given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The JSON body that was (or is to be) sent.
    pub body: String,
}

/// A webhook's page: its settings and its latest deliveries, failures first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDetail {
    pub webhook: WebhookSummary,
    pub deliveries: Vec<WebhookDelivery>,
}

impl WebhookDetail {
    /// Deliveries a page shows at most.
    pub const DELIVERY_LIMIT: i64 = 100;
}

/// A new webhook or a new signing secret: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecret {
    pub id: WebhookId,
    /// `whsec_` and the base64 of 24 random bytes.
    pub secret: String,
}
