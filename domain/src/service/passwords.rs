//! Password rules for passwords people choose (NIST SP 800-63B): at least 12 and at most
//! 256 characters, any characters, no composition rules; refused when the password is one of
//! the most common ones, is built from one (a common word with digits or symbols around it,
//! or repeated), or contains the person's email name or the service's name.

use crate::model::{FieldError, NewPassword};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The 10,000 most common passwords (see `passwords/README.md` for where they come from).
const COMMON: &str = include_str!("passwords/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

fn is_common(candidate: &str) -> bool {
    !candidate.is_empty() && common().contains(candidate)
}

/// The shortest unit the whole text repeats, if it is a repetition ("abcabcabc" → "abc").
fn repeated_unit(text: &[char]) -> Option<String> {
    let n = text.len();
    (1..=n / 2)
        .filter(|len| n.is_multiple_of(*len))
        .find_map(|len| {
            let unit = text.get(..len)?;
            text.chunks(len)
                .all(|c| c == unit)
                .then(|| unit.iter().collect())
        })
}

/// Why `password` is refused for the person with `email`, if it is.
pub fn weakness(password: &str, email: &str) -> Option<String> {
    let lower = password.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let name = email.split('@').next().unwrap_or_default().to_lowercase();
    if is_common(&lower) || is_common(core) {
        return Some(
            "This password is one of the most common ones (or one with a few characters added); choose another."
                .into(),
        );
    }
    if let Some(unit) = repeated_unit(&chars)
        && (unit.chars().count() <= 4 || is_common(&unit))
    {
        return Some("This password repeats a short pattern; choose another.".into());
    }
    if name.chars().count() >= 4 && lower.contains(&name) {
        return Some("The password must not contain your email name.".into());
    }
    if lower.contains("tessera") {
        return Some("The password must not contain the name of this service.".into());
    }
    None
}

/// Parses a new password for `email` under the rules, or says what is wrong on `field`.
pub fn check(field: &str, password: &str, email: &str) -> Result<NewPassword, FieldError> {
    let parsed = NewPassword::parse(password).map_err(|m| FieldError::new(field, m))?;
    match weakness(password, email) {
        Some(why) => Err(FieldError::new(field, why)),
        None => Ok(parsed),
    }
}

/// A new password and its confirmation, as a form sends them: the parsed password, or its
/// problems on `new_password` / `confirm_password` added to `problems`.
pub fn check_new(
    problems: &mut crate::model::Problems,
    new: &str,
    confirm: &str,
    email: &str,
) -> Option<NewPassword> {
    let parsed = match check("new_password", new, email) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.0.push(e);
            None
        }
    };
    if new != confirm {
        problems.push(
            "confirm_password",
            "The two new passwords are not the same.",
        );
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_and_passwords_built_from_them_are_refused() {
        for weak in [
            "password1234",
            "qwerty123456",
            "Password!!!!2024",
            "123456789123456789",
            "iloveyouiloveyou",
            "abcabcabcabc",
            "xxxxxxxxxxxx",
        ] {
            assert!(weakness(weak, "eric@woodgrove.example").is_some(), "{weak}");
        }
    }

    #[test]
    fn context_words_are_refused() {
        assert!(weakness("my-eric.employee-secret", "eric.employee@woodgrove.example").is_some());
        assert!(weakness("correct tessera staple", "x@woodgrove.example").is_some());
    }

    #[test]
    fn long_unusual_passwords_of_any_characters_pass() {
        for fine in [
            "correct horse battery staple",
            "Zebra-Quartz-Lantern-91",
            "ünïcödé pässwörd ✓",
        ] {
            assert_eq!(weakness(fine, "eric@woodgrove.example"), None, "{fine}");
            assert!(check("password", fine, "eric@woodgrove.example").is_ok());
        }
        assert_eq!(
            check("new_password", "short", "e@x.example")
                .unwrap_err()
                .field,
            "new_password"
        );
    }

    #[test]
    fn the_list_is_shipped_whole() {
        assert_eq!(common().len(), 10_000);
        assert!(is_common("123456") && is_common("password"));
    }
}
