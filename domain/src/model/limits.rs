//! Bounds the domain validates input with, in one place the browser can read too (the
//! `service` module is server-only), so every form's `maxlength`, `min` and `max` come from
//! the same number the validator uses.
//!
//! The text newtypes carry their own bound (`DisplayName::MAX_CHARS`, `Email::MAX_LEN`, ...);
//! the policy bounds live in `packages::limits` and are re-exported here.

use super::NewPassword;
pub use super::packages::limits::*;

/// Longest search text any list accepts (every search box, the audit filters, the picker).
pub const MAX_SEARCH_CHARS: usize = 200;

/// Longest business justification or approver's reason: on a request, an extension, an
/// approval decision and a direct assignment.
pub const MAX_JUSTIFICATION_CHARS: usize = 2000;

/// Longest reason a reviewer gives for a review decision.
pub const MAX_REVIEW_JUSTIFICATION_CHARS: usize = 2000;

/// Longest password a sign-in reads, in bytes, before refusing without hashing it.
pub const MAX_SIGN_IN_PASSWORD_BYTES: usize = NewPassword::MAX_CHARS * 4;

/// Most people one direct assignment may name.
pub const MAX_DIRECT_ASSIGNEES: usize = 50;
