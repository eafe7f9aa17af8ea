//! Directory sync: the provisioning clients' tokens and what they pushed, for the admin page.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A provisioning client's token as the admin page lists it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimToken {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The last request of this client Tessera refused or failed, and when.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// A token just created: the secret is shown this once and stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewScimToken {
    pub id: String,
    pub name: String,
    pub secret: String,
}

/// What the directory sync page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub tokens: Vec<ScimToken>,
    /// People and groups a provider pushed (they carry its externalId or a userName of their own).
    pub people: i64,
    pub groups: i64,
    /// Memberships SCIM gave.
    pub memberships: i64,
    /// People the provider deleted (kept disabled).
    pub deleted: i64,
    pub last_push: Option<DateTime<Utc>>,
}

/// Longest name of a token.
pub const MAX_TOKEN_NAME_CHARS: usize = 80;
/// Most tokens listed (active and revoked).
pub const MAX_TOKENS_LISTED: i64 = 200;
