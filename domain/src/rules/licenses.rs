//! Group-based licensing: a license on a group reaches all its members, consumed once per
//! person however many licensed groups they are in. When holders outnumber seats, the
//! earliest holders (by their first membership in any licensed group, then by user id) get
//! the seats and the rest are in `CountViolation`. The store ranks holders by exactly this
//! key in SQL (`store::licenses`; integration tests pin the order), and these functions
//! turn ranks into states and totals.

use crate::model::LicenseState;
use serde::{Deserialize, Serialize};

/// The state of the holder ranked `rank` (1-based, by the allocation order) of a license.
pub fn state_for_rank(rank: i64, seats: i64) -> LicenseState {
    if rank <= seats {
        LicenseState::Active
    } else {
        LicenseState::CountViolation
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatUsage {
    pub holders: i64,
    pub used: i64,
    pub available: i64,
    pub violations: i64,
}

pub fn usage(holders: i64, seats: i64) -> SeatUsage {
    let used = holders.min(seats);
    SeatUsage {
        holders,
        used,
        available: seats - used,
        violations: holders - used,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_within_the_seats_are_active_the_rest_in_count_violation() {
        assert_eq!(state_for_rank(1, 2), LicenseState::Active);
        assert_eq!(state_for_rank(2, 2), LicenseState::Active);
        assert_eq!(state_for_rank(3, 2), LicenseState::CountViolation);
        assert_eq!(state_for_rank(1, 0), LicenseState::CountViolation);
    }

    #[test]
    fn usage_counts_seats_and_violations() {
        assert_eq!(
            usage(3, 25),
            SeatUsage {
                holders: 3,
                used: 3,
                available: 22,
                violations: 0
            }
        );
        assert_eq!(
            usage(27, 25),
            SeatUsage {
                holders: 27,
                used: 25,
                available: 0,
                violations: 2
            }
        );
        assert_eq!(
            usage(0, 0),
            SeatUsage {
                holders: 0,
                used: 0,
                available: 0,
                violations: 0
            }
        );
    }
}
