//! A directory import's plan, before anything is written: which entries are people Tessera
//! can take (an e-mail each, once), who manages whom among them (a manager outside the import
//! or one that would close a loop is dropped, with a warning), and an order that puts every
//! manager before the people they manage, so each person can be written with their manager.

use crate::rules::connectors::normalize_dn;
use std::collections::HashMap;

/// A person as the directory holds them, before the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub dn: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub manager_dn: Option<String>,
    pub department: String,
    pub title: String,
    /// Not disabled in the directory.
    pub active: bool,
}

/// A person the import takes, with their manager as an index into [`Plan::people`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The DN normalized (`rules::connectors::normalize_dn`): how groups name their members.
    pub dn: String,
    /// Lowercased: how Tessera knows the person.
    pub email: String,
    pub name: String,
    pub manager: Option<usize>,
    pub department: String,
    pub title: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Every manager before the people they manage.
    pub people: Vec<Person>,
    pub warnings: Vec<String>,
}

/// Longest display name, department or title Tessera keeps from a directory (longer ones are
/// cut, as the directory forms' limits would refuse them).
pub const MAX_TEXT_CHARS: usize = 200;

fn bounded(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT_CHARS)
        .collect()
}

/// Whether `email` looks like an address Tessera can sign a person in with.
fn plausible_email(email: &str) -> bool {
    email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

/// Plans the import of `entries`.
pub fn plan(entries: Vec<Entry>) -> Plan {
    let mut warnings = Vec::new();
    let mut people: Vec<Person> = Vec::with_capacity(entries.len());
    let mut managers: Vec<Option<String>> = Vec::with_capacity(entries.len());
    let mut by_email: HashMap<String, String> = HashMap::new();
    let mut by_dn: HashMap<String, usize> = HashMap::new();
    for e in entries {
        let Some(email) = e.email.map(|m| m.trim().to_lowercase()) else {
            warnings.push(format!("{} has no e-mail address: not imported", e.dn));
            continue;
        };
        if !plausible_email(&email) {
            warnings.push(format!(
                "{} has the e-mail address {email:?}, which is not one: not imported",
                e.dn
            ));
            continue;
        }
        let dn = normalize_dn(&e.dn);
        if let Some(first) = by_email.get(&email) {
            warnings.push(format!(
                "{} has the e-mail address {email} of {first} too: only the first is imported",
                e.dn
            ));
            continue;
        }
        let name = e
            .name
            .map(|n| bounded(&n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| email.clone());
        by_email.insert(email.clone(), dn.clone());
        by_dn.insert(dn.clone(), people.len());
        managers.push(e.manager_dn.map(|m| normalize_dn(&m)));
        people.push(Person {
            dn,
            email,
            name,
            manager: None,
            department: bounded(&e.department),
            title: bounded(&e.title),
            active: e.active,
        });
    }
    for (i, (person, manager)) in people.iter_mut().zip(&managers).enumerate() {
        let Some(m) = manager else { continue };
        match by_dn.get(m) {
            Some(&j) if j != i => person.manager = Some(j),
            Some(_) => warnings.push(format!(
                "{} is their own manager in the directory: imported without a manager",
                person.dn
            )),
            None => warnings.push(format!(
                "The manager of {} ({m}) is not imported: imported without a manager",
                person.dn
            )),
        }
    }
    break_loops(&mut people, &mut warnings);
    Plan {
        people: managers_first(people),
        warnings,
    }
}

/// Drops one manager of each loop of managers (the one that closes it, in directory order).
fn break_loops(people: &mut [Person], warnings: &mut Vec<String>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Seen {
        No,
        OnPath,
        Done,
    }
    let mut seen = vec![Seen::No; people.len()];
    let manager_of = |people: &[Person], at: usize| people.get(at).and_then(|p| p.manager);
    for start in 0..people.len() {
        let mut path = Vec::new();
        let mut at = start;
        while seen.get(at) == Some(&Seen::No) {
            if let Some(s) = seen.get_mut(at) {
                *s = Seen::OnPath;
            }
            path.push(at);
            match manager_of(people, at) {
                Some(m) if seen.get(m) == Some(&Seen::OnPath) => {
                    let manager_dn = people.get(m).map(|p| p.dn.clone()).unwrap_or_default();
                    if let Some(p) = people.get_mut(at) {
                        warnings.push(format!(
                            "Making {manager_dn} the manager of {} would close a loop of managers: imported without that manager",
                            p.dn
                        ));
                        p.manager = None;
                    }
                    break;
                }
                Some(m) => at = m,
                None => break,
            }
        }
        for p in path {
            if let Some(s) = seen.get_mut(p) {
                *s = Seen::Done;
            }
        }
    }
}

/// The people reordered so that every manager comes before the people they manage (the
/// managers must have no loop), with the indexes renumbered.
fn managers_first(people: Vec<Person>) -> Vec<Person> {
    let mut reports: Vec<Vec<usize>> = vec![Vec::new(); people.len()];
    let mut order = Vec::with_capacity(people.len());
    for (i, p) in people.iter().enumerate() {
        match p.manager.and_then(|m| reports.get_mut(m)) {
            Some(of_manager) => of_manager.push(i),
            None => order.push(i),
        }
    }
    let mut next = 0;
    while let Some(&at) = order.get(next) {
        if let Some(r) = reports.get(at) {
            order.extend(r.iter().copied());
        }
        next += 1;
    }
    let mut new_index = vec![0; people.len()];
    for (new, &old) in order.iter().enumerate() {
        if let Some(slot) = new_index.get_mut(old) {
            *slot = new;
        }
    }
    let mut slots: Vec<Option<Person>> = people.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&old| slots.get_mut(old).and_then(Option::take))
        .map(|mut p| {
            p.manager = p.manager.and_then(|m| new_index.get(m).copied());
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(uid: &str, manager: Option<&str>) -> Entry {
        Entry {
            dn: format!("uid={uid}, ou=people,dc=example,dc=org"),
            email: Some(format!("{uid}@Example.org")),
            name: Some(format!("  {uid} name ")),
            manager_dn: manager.map(|m| format!("UID={m},ou=people,dc=example,dc=org")),
            department: "Sales".into(),
            title: String::new(),
            active: true,
        }
    }

    fn manager_of<'a>(plan: &'a Plan, email: &str) -> Option<&'a str> {
        let p = plan.people.iter().find(|p| p.email == email).unwrap();
        p.manager.map(|m| plan.people[m].email.as_str())
    }

    #[test]
    fn managers_come_first_and_are_matched_by_dn_without_case() {
        let plan = plan(vec![
            entry("eric", Some("maria")),
            entry("maria", Some("ceo")),
            entry("ceo", None),
            entry("lone", Some("nobody")),
        ]);
        assert_eq!(plan.people.len(), 4);
        for (i, p) in plan.people.iter().enumerate() {
            if let Some(m) = p.manager {
                assert!(m < i, "{} before {}", plan.people[m].email, p.email);
            }
        }
        assert_eq!(
            manager_of(&plan, "eric@example.org"),
            Some("maria@example.org")
        );
        assert_eq!(
            manager_of(&plan, "maria@example.org"),
            Some("ceo@example.org")
        );
        assert_eq!(manager_of(&plan, "lone@example.org"), None);
        assert_eq!(plan.people[0].name, "ceo name");
        assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
        assert!(plan.warnings[0].contains("is not imported"));
    }

    #[test]
    fn a_loop_of_managers_is_broken_once_and_bad_entries_are_skipped_with_words() {
        let mut no_mail = entry("ghost", None);
        no_mail.email = None;
        let mut bad_mail = entry("bad", None);
        bad_mail.email = Some("not an address".into());
        let mut twin = entry("twin", None);
        twin.email = Some("A@example.org".into());
        let plan = plan(vec![
            entry("a", Some("b")),
            entry("b", Some("c")),
            entry("c", Some("a")),
            entry("d", Some("d")),
            no_mail,
            bad_mail,
            twin,
        ]);
        assert_eq!(plan.people.len(), 4);
        let roots = plan.people.iter().filter(|p| p.manager.is_none()).count();
        assert_eq!(roots, 2, "one of a, b, c, and d");
        for (i, p) in plan.people.iter().enumerate() {
            if let Some(m) = p.manager {
                assert!(m < i);
            }
        }
        let words = plan.warnings.join("\n");
        assert!(words.contains("close a loop"), "{words}");
        assert!(words.contains("their own manager"), "{words}");
        assert!(words.contains("has no e-mail address"), "{words}");
        assert!(words.contains("which is not one"), "{words}");
        assert!(words.contains("only the first is imported"), "{words}");
    }
}
