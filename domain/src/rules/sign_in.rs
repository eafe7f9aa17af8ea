//! Sign-in throttling and session lifetime, as pure arithmetic on instants (ms since epoch).

/// Failures allowed before the account's sign-in is locked for a while.
pub const FREE_FAILURES: i64 = 5;
/// The first lock lasts this long; each further failure doubles it, up to the cap.
pub const BASE_LOCK_SECS: i64 = 30;
pub const MAX_LOCK_SECS: i64 = 15 * 60;
/// Failures older than this are forgotten.
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;

/// After `failures` consecutive failures, until when further attempts are refused.
pub fn locked_until(failures: i64, last_failure_ms: i64) -> Option<i64> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = u32::try_from((failures - FREE_FAILURES).min(10)).unwrap_or(10);
    let secs = (BASE_LOCK_SECS << doublings).min(MAX_LOCK_SECS);
    Some(last_failure_ms + secs * 1000)
}

/// Seconds the person must still wait (rounded up), or None when they may try.
pub fn retry_after_secs(locked_until_ms: Option<i64>, now_ms: i64) -> Option<i64> {
    match locked_until_ms {
        Some(until) if until > now_ms => Some((until - now_ms + 999) / 1000),
        _ => None,
    }
}

/// The failure count to store after a new failure at `now_ms`.
pub fn next_failure_count(previous: i64, last_failure_ms: Option<i64>, now_ms: i64) -> i64 {
    match last_failure_ms {
        Some(last) if now_ms - last <= FAILURE_WINDOW_SECS * 1000 => previous + 1,
        _ => 1,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

/// Whether a session signed in at `signed_in_ms` and last seen at `last_seen_ms` still holds.
pub fn session_alive(
    limits: SessionLimits,
    signed_in_ms: i64,
    last_seen_ms: i64,
    now_ms: i64,
) -> bool {
    now_ms - last_seen_ms <= limits.idle_secs * 1000
        && now_ms - signed_in_ms <= limits.absolute_secs * 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_the_lock_doubles_up_to_a_cap() {
        assert_eq!(locked_until(4, 0), None);
        assert_eq!(locked_until(5, 0), Some(30_000));
        assert_eq!(locked_until(6, 0), Some(60_000));
        assert_eq!(locked_until(7, 1_000), Some(121_000));
        assert_eq!(locked_until(50, 0), Some(MAX_LOCK_SECS * 1000));
    }

    #[test]
    fn retry_after_rounds_up_and_ends() {
        assert_eq!(retry_after_secs(Some(30_000), 0), Some(30));
        assert_eq!(retry_after_secs(Some(30_000), 29_001), Some(1));
        assert_eq!(retry_after_secs(Some(30_000), 30_000), None);
        assert_eq!(retry_after_secs(None, 0), None);
    }

    #[test]
    fn old_failures_are_forgotten() {
        assert_eq!(next_failure_count(4, Some(0), 1_000), 5);
        assert_eq!(
            next_failure_count(4, Some(0), (FAILURE_WINDOW_SECS + 1) * 1000),
            1
        );
        assert_eq!(next_failure_count(0, None, 5), 1);
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let l = SessionLimits {
            idle_secs: 60,
            absolute_secs: 3600,
        };
        assert!(session_alive(l, 0, 0, 60_000));
        assert!(!session_alive(l, 0, 0, 60_001));
        assert!(session_alive(l, 0, 3_590_000, 3_600_000));
        assert!(!session_alive(l, 0, 3_600_000, 3_600_001));
    }
}
