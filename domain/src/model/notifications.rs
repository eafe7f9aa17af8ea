//! In-app notifications: what the bell in the shell lists.

use super::{Link, NotificationId, NotificationKind};
use serde::{Deserialize, Serialize};

/// One message to one person, with where to go to act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    /// What happened.
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    /// Where to go to act on it.
    pub link: Link,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read: bool,
}

/// The bell: the newest notifications and how many are unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Inbox {
    pub unread: i64,
    pub items: Vec<Notification>,
}
