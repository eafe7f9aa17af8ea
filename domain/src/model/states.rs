//! The states and kinds that travel from a database row to a badge. Each is stored (and sent)
//! as its code, parsed on read — a value that is not a code is an error, never a default —
//! and checked by a CHECK constraint on both databases (migration 0008).

use serde::{Deserialize, Serialize};

str_enum!(
    #[codes]
    /// Where a request is. `submitted` lasts only inside the submitting transaction;
    /// delivered, denied, canceled and expired are final.
    RequestState {
        Submitted = "submitted" / "Submitted",
        PendingApproval = "pendingApproval" / "Pending approval",
        Delivered = "delivered" / "Delivered",
        Denied = "denied" / "Denied",
        Canceled = "canceled" / "Canceled",
        Expired = "expired" / "Expired",
    }
);

impl RequestState {
    /// Still waiting for something to happen.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Submitted | Self::PendingApproval)
    }
}

str_enum!(
    #[codes]
    /// The request lists' state filter.
    RequestFilter {
        All = "all" / "All",
        Pending = "pending" / "Pending approval",
        Delivered = "delivered" / "Delivered",
        Denied = "denied" / "Denied",
        Canceled = "canceled" / "Canceled",
        Expired = "expired" / "Expired",
    }
);

impl RequestFilter {
    /// The states it lists; none for all.
    pub fn states(self) -> &'static [RequestState] {
        match self {
            Self::All => &[],
            Self::Pending => &[RequestState::Submitted, RequestState::PendingApproval],
            Self::Delivered => &[RequestState::Delivered],
            Self::Denied => &[RequestState::Denied],
            Self::Canceled => &[RequestState::Canceled],
            Self::Expired => &[RequestState::Expired],
        }
    }
}

str_enum!(
    #[codes]
    /// Who started a request and why.
    RequestKind {
        UserAdd = "userAdd" / "Request",
        UserExtend = "userExtend" / "Extension",
        AdminAdd = "adminAdd" / "Direct assignment",
    }
);

impl RequestKind {
    /// A person asked (a new assignment or an extension), so it may wait for approval.
    pub fn is_requested(self) -> bool {
        matches!(self, Self::UserAdd | Self::UserExtend)
    }
}

str_enum!(
    #[codes]
    /// Where an assignment is: scheduled and delivered are live; expired and removed ended.
    AssignmentState {
        Scheduled = "scheduled" / "Scheduled",
        Delivered = "delivered" / "Delivered",
        Expired = "expired" / "Expired",
        Removed = "removed" / "Removed",
    }
);

impl AssignmentState {
    pub const LIVE: [AssignmentState; 2] = [Self::Scheduled, Self::Delivered];

    pub fn is_live(self) -> bool {
        Self::LIVE.contains(&self)
    }
}

str_enum!(
    #[codes]
    /// A package's card in My Access, from the person's side.
    CardStatus {
        Available = "available" / "Available",
        Pending = "pending" / "Request pending",
        Active = "active" / "Active",
        Expired = "expired" / "Expired",
    }
);

str_enum!(
    #[codes]
    /// The tabs of My Access (`/myaccess?tab=…`).
    MyAccessTab {
        Available = "available" / "Available",
        Active = "active" / "Active",
        Expired = "expired" / "Expired",
    }
);

impl MyAccessTab {
    /// The tab a link names; an unknown or missing one is the first tab.
    pub fn of_query(tab: Option<&str>) -> Self {
        tab.and_then(|t| Self::parse(t).ok())
            .unwrap_or(Self::Available)
    }
}

str_enum!(
    #[codes]
    /// What asking for an extension did: extended at once, or a request waiting for approval.
    ExtendOutcome {
        Extended = "extended" / "Extended",
        Pending = "pending" / "Waiting for approval",
    }
);

str_enum!(
    #[codes]
    /// How an approval stage closed.
    StageDecision {
        Approved = "approved" / "Approved",
        Denied = "denied" / "Denied",
        Expired = "expired" / "Expired",
    }
);

str_enum!(
    #[codes]
    /// A reviewer's choice on one person's access.
    ReviewDecision {
        Approve = "approve" / "Approve",
        Deny = "deny" / "Deny",
        DontKnow = "dontKnow" / "Don't know",
    }
);

impl ReviewDecision {
    /// The decision once made, as a review's history shows it.
    pub fn decided(self) -> &'static str {
        match self {
            Self::Approve => "Approved",
            Self::Deny => "Denied",
            Self::DontKnow => "Don't know",
        }
    }
}

str_enum!(
    #[codes]
    /// What a finished review did to one person's access.
    ReviewResult {
        Kept = "kept" / "Access kept",
        Removed = "removed" / "Access removed",
    }
);

str_enum!(
    #[codes]
    /// An access review: open for decisions, or ended with its results applied.
    ReviewState {
        Active = "active" / "Active",
        Completed = "completed" / "Completed",
    }
);

str_enum!(
    #[codes]
    /// What a notification tells.
    NotificationKind {
        ApprovalRequired = "approvalRequired" / "Approval required",
        ApprovalReminder = "approvalReminder" / "Approval reminder",
        Forwarded = "forwarded" / "Forwarded to you",
        Approved = "approved" / "Request approved",
        Denied = "denied" / "Request denied",
        Canceled = "canceled" / "Request canceled",
        Delivered = "delivered" / "Access delivered",
        Expired = "expired" / "Request expired",
        RequestExpired = "requestExpired" / "Request expired",
        Expiring = "expiring" / "Access expiring",
        AccessEnded = "accessEnded" / "Access ended",
        ReviewStarted = "reviewStarted" / "Review started",
        ReviewReminder = "reviewReminder" / "Review reminder",
    }
);

str_enum!(
    #[codes]
    /// A notification's e-mail: waiting (or retrying), claimed by a sender, sent, given up,
    /// or too old to send once mail could.
    EmailState {
        Pending = "pending" / "Waiting to send",
        Sending = "sending" / "Sending",
        Sent = "sent" / "Sent",
        Failed = "failed" / "Failed",
        Stale = "stale" / "Not sent (too old)",
    }
);

str_enum!(
    #[codes]
    /// Where a notification takes its reader: a page, named, not a URL. The web layer owns the
    /// paths (`app::links::href`, matched exhaustively, so a new place or a renamed route is a
    /// compile error there) and hands them to the mailer; the e-mail's button reads
    /// `action()`.
    Link {
        ActiveAccess = "activeAccess" / "Open My Access",
        ExpiredAccess = "expiredAccess" / "Open My Access",
        Requests = "requests" / "Open your requests",
        Approvals = "approvals" / "Open your approvals",
        Reviews = "reviews" / "Open your access reviews",
    }
);

impl Link {
    /// The e-mail button's text.
    pub fn action(self) -> &'static str {
        self.label()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.code()), Ok(*s));
        }
        for s in AssignmentState::ALL {
            assert_eq!(AssignmentState::parse(s.code()), Ok(*s));
        }
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.code()), Ok(*k));
        }
        assert!(RequestState::parse("delivering").is_err());
        assert!(AssignmentState::parse("Delivered").is_err());
        assert!(Link::parse("/myaccess/approvals").is_err());
    }

    #[test]
    fn states_travel_as_their_codes() {
        assert_eq!(
            serde_json::to_string(&RequestState::PendingApproval).unwrap_or_default(),
            "\"pendingApproval\""
        );
        assert_eq!(
            serde_json::from_str::<RequestKind>("\"userExtend\"").ok(),
            Some(RequestKind::UserExtend)
        );
    }

    #[test]
    fn only_scheduled_and_delivered_assignments_are_live() {
        assert!(AssignmentState::Scheduled.is_live());
        assert!(AssignmentState::Delivered.is_live());
        assert!(!AssignmentState::Expired.is_live());
        assert!(!AssignmentState::Removed.is_live());
    }
}
