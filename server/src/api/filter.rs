//! The `$filter` subset the API takes, as Graph writes it: comparisons `property eq 'value'`
//! joined by `and` (`accessPackage/id eq '…' and state eq 'delivered'`). Each list names the
//! properties it filters on; anything else is refused by name, never ignored.

/// Longest `$filter` taken.
const MAX_CHARS: usize = 1_000;

/// The comparisons of `raw`, as (property, value), each property once; `allowed` are the
/// properties this list filters on. The error is the message for the `$filter` field.
pub fn parse(raw: &str, allowed: &[&str]) -> Result<Vec<(String, String)>, String> {
    let words = || {
        format!(
            "$filter takes comparisons like {} eq 'value', joined by and; this list filters on {}.",
            allowed.first().copied().unwrap_or("property"),
            allowed.join(", ")
        )
    };
    if raw.chars().count() > MAX_CHARS {
        return Err(format!("$filter is longer than {MAX_CHARS} characters."));
    }
    let mut rest = raw.trim();
    let mut out: Vec<(String, String)> = Vec::new();
    loop {
        let (property, after) = rest.split_once(char::is_whitespace).ok_or_else(words)?;
        let after = after.trim_start();
        let after = after
            .strip_prefix("eq")
            .filter(|a| a.starts_with(char::is_whitespace))
            .ok_or_else(words)?
            .trim_start();
        let (value, after) = quoted(after).ok_or_else(words)?;
        if !allowed.contains(&property) {
            return Err(format!(
                "$filter cannot filter on {property}; this list filters on {}.",
                allowed.join(", ")
            ));
        }
        if out.iter().any(|(p, _)| p == property) {
            return Err(format!("$filter names {property} twice."));
        }
        out.push((property.to_owned(), value));
        let after = after.trim_start();
        if after.is_empty() {
            return Ok(out);
        }
        rest = after
            .strip_prefix("and")
            .filter(|a| a.starts_with(char::is_whitespace))
            .ok_or_else(words)?
            .trim_start();
    }
}

/// A quoted literal at the start of `s` (`''` is a quote inside it) and what follows it.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('\'')?;
    let mut value = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                chars.next();
                value.push('\'');
                continue;
            }
            return body.get(i + 1..).map(|rest| (value, rest));
        }
        value.push(c);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOWED: &[&str] = &["accessPackage/id", "state"];

    #[test]
    fn comparisons_joined_by_and_are_read() {
        assert_eq!(
            parse(
                "accessPackage/id eq 'abc' and state eq 'delivered'",
                ALLOWED
            )
            .unwrap(),
            [
                ("accessPackage/id".to_owned(), "abc".to_owned()),
                ("state".to_owned(), "delivered".to_owned())
            ]
        );
        assert_eq!(
            parse("  state   eq   'it''s'  ", ALLOWED).unwrap(),
            [("state".to_owned(), "it's".to_owned())]
        );
        assert_eq!(
            parse("state eq ''", ALLOWED).unwrap(),
            [("state".to_owned(), String::new())]
        );
    }

    #[test]
    fn anything_else_is_refused_with_words() {
        for bad in [
            "",
            "state",
            "state eq",
            "state eq delivered",
            "state ne 'x'",
            "state eq 'x' or state eq 'y'",
            "state eq 'x' and",
            "state eq 'x",
            "stateeq 'x'",
        ] {
            let e = parse(bad, ALLOWED).unwrap_err();
            assert!(e.starts_with("$filter"), "{bad}: {e}");
        }
        let e = parse("target/id eq 'x'", ALLOWED).unwrap_err();
        assert!(e.contains("cannot filter on target/id"), "{e}");
        let e = parse("state eq 'x' and state eq 'y'", ALLOWED).unwrap_err();
        assert!(e.contains("twice"), "{e}");
        assert!(parse(&"x".repeat(2_000), ALLOWED).is_err());
    }
}
