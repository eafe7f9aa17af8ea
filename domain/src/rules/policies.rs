//! Which of a package's policies applies to a person (the product's priority rules).

use crate::model::{GroupId, PolicySpec, PrincipalKind, TargetScope, UserId};

/// The person asking, as the policy rules see them.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub user: UserId,
    pub is_guest: bool,
    /// Groups the person is a member of.
    pub groups: &'a [GroupId],
}

/// Lower is stronger: specific users and groups (1) beat all members (2) beat all users (3).
/// A policy for administrator direct assignments only is never requestable.
pub fn priority(scope: TargetScope) -> Option<u8> {
    match scope {
        TargetScope::SpecificDirectoryUsers => Some(1),
        TargetScope::AllMemberUsers => Some(2),
        TargetScope::AllDirectoryUsers => Some(3),
        TargetScope::NotSpecified => None,
    }
}

/// Whether the person is inside the policy's "Users who can request access".
pub fn in_scope(spec: &PolicySpec, s: &Subject<'_>) -> bool {
    match spec.scope {
        TargetScope::SpecificDirectoryUsers => spec.specific.iter().any(|p| match p.kind {
            PrincipalKind::User => p.id == s.user.0,
            PrincipalKind::Group => s.groups.iter().any(|g| g.0 == p.id),
        }),
        TargetScope::AllMemberUsers => !s.is_guest,
        TargetScope::AllDirectoryUsers => true,
        TargetScope::NotSpecified => false,
    }
}

/// Whether deciding [`in_scope`] needs the person's groups: the policy is enabled and names
/// a group among its "specific users and groups". (Submitting reads the groups only then.)
pub fn names_groups(spec: &PolicySpec) -> bool {
    spec.enabled
        && spec.scope == TargetScope::SpecificDirectoryUsers
        && spec.specific.iter().any(|p| p.kind == PrincipalKind::Group)
}

/// The policies a person may request under: enabled, in scope, and of the strongest
/// priority among those (the person chooses when several share it). Keeps the input order.
pub fn applicable<K: Copy>(policies: &[(K, &PolicySpec)], s: &Subject<'_>) -> Vec<K> {
    let candidates: Vec<(K, u8)> = policies
        .iter()
        .filter(|(_, spec)| spec.enabled && in_scope(spec, s))
        .filter_map(|(k, spec)| priority(spec.scope).map(|p| (*k, p)))
        .collect();
    let Some(best) = candidates.iter().map(|(_, p)| *p).min() else {
        return vec![];
    };
    candidates
        .into_iter()
        .filter(|(_, p)| *p == best)
        .map(|(k, _)| k)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PolicyCheck, PolicyDraft, Principal, Problems};
    use chrono::NaiveDate;
    use uuid::Uuid;

    fn spec(scope: TargetScope, specific: Vec<Principal>, enabled: bool) -> PolicySpec {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        let mut d = PolicyDraft::new(today);
        d.scope = scope;
        d.specific = specific;
        d.enabled = enabled;
        d.stages[0].fallback = vec![];
        let mut p = Problems::default();
        let (_, _, spec) = d
            .validate(PolicyCheck::new(today), &mut p)
            .unwrap_or_else(|| {
                panic!("valid policy expected: {:?}", p.0);
            });
        spec
    }

    fn principal(kind: PrincipalKind, id: Uuid) -> Principal {
        Principal {
            kind,
            id,
            name: "x".into(),
            detail: String::new(),
        }
    }

    #[test]
    fn specific_beats_all_members_beats_all_users() {
        let me = UserId(Uuid::now_v7());
        let group = GroupId(Uuid::now_v7());
        let groups = [group];
        let subject = Subject {
            user: me,
            is_guest: false,
            groups: &groups,
        };
        let specific = spec(
            TargetScope::SpecificDirectoryUsers,
            vec![principal(PrincipalKind::Group, group.0)],
            true,
        );
        let members = spec(TargetScope::AllMemberUsers, vec![], true);
        let everyone = spec(TargetScope::AllDirectoryUsers, vec![], true);
        let all = [(1, &everyone), (2, &members), (3, &specific)];
        assert_eq!(applicable(&all, &subject), vec![3]);
        assert_eq!(applicable(&all[..2], &subject), vec![2]);
        assert_eq!(applicable(&all[..1], &subject), vec![1]);
    }

    #[test]
    fn groups_are_needed_only_by_an_enabled_policy_that_names_one() {
        let me = UserId(Uuid::now_v7());
        let group = GroupId(Uuid::now_v7());
        let by_group = spec(
            TargetScope::SpecificDirectoryUsers,
            vec![principal(PrincipalKind::Group, group.0)],
            true,
        );
        let by_user = spec(
            TargetScope::SpecificDirectoryUsers,
            vec![principal(PrincipalKind::User, me.0)],
            true,
        );
        let group_off = spec(
            TargetScope::SpecificDirectoryUsers,
            vec![principal(PrincipalKind::Group, group.0)],
            false,
        );
        let members = spec(TargetScope::AllMemberUsers, vec![], true);
        assert!(names_groups(&by_group));
        assert!(!names_groups(&by_user) && !names_groups(&group_off) && !names_groups(&members));
        // Where no policy names a group, the answer is the same without the person's groups.
        let groups = [group];
        let with = Subject {
            user: me,
            is_guest: false,
            groups: &groups,
        };
        let without = Subject {
            groups: &[],
            ..with
        };
        let all = [(1, &by_user), (2, &group_off), (3, &members)];
        assert_eq!(applicable(&all, &with), applicable(&all, &without));
        assert_eq!(applicable(&all, &with), vec![1]);
        // And where one does, they change it.
        let all = [(1, &by_group), (2, &members)];
        assert_ne!(applicable(&all, &with), applicable(&all, &without));
    }

    #[test]
    fn equal_priorities_are_all_offered_and_disabled_or_admin_only_never() {
        let me = UserId(Uuid::now_v7());
        let subject = Subject {
            user: me,
            is_guest: false,
            groups: &[],
        };
        let a = spec(TargetScope::AllMemberUsers, vec![], true);
        let b = spec(TargetScope::AllMemberUsers, vec![], true);
        let off = spec(
            TargetScope::SpecificDirectoryUsers,
            vec![principal(PrincipalKind::User, me.0)],
            false,
        );
        let none = spec(TargetScope::NotSpecified, vec![], true);
        assert_eq!(
            applicable(&[(1, &a), (2, &b), (3, &off), (4, &none)], &subject),
            vec![1, 2]
        );
        assert!(applicable(&[(3, &off), (4, &none)], &subject).is_empty());
    }

    #[test]
    fn guests_only_fall_under_all_users_or_when_named() {
        let guest = UserId(Uuid::now_v7());
        let subject = Subject {
            user: guest,
            is_guest: true,
            groups: &[],
        };
        let members = spec(TargetScope::AllMemberUsers, vec![], true);
        let everyone = spec(TargetScope::AllDirectoryUsers, vec![], true);
        let named = spec(
            TargetScope::SpecificDirectoryUsers,
            vec![principal(PrincipalKind::User, guest.0)],
            true,
        );
        let other = spec(
            TargetScope::SpecificDirectoryUsers,
            vec![principal(PrincipalKind::User, Uuid::now_v7())],
            true,
        );
        assert!(!in_scope(&members, &subject));
        assert!(in_scope(&everyone, &subject));
        assert!(in_scope(&named, &subject));
        assert!(!in_scope(&other, &subject));
        assert_eq!(
            applicable(&[(1, &members), (2, &everyone), (3, &other)], &subject),
            vec![2]
        );
    }
}
