//! SCIM filters (RFC 7644 §3.4.2.2) and attribute paths, parsed into a tree the store turns
//! into SQL with bound values. Nothing here knows a column: [`AttrPath`] only says which
//! attribute of which schema a filter or a PATCH names.

use super::ScimError;

/// Longest filter accepted, and the most comparisons in one.
pub const MAX_FILTER_CHARS: usize = 2_000;
pub const MAX_FILTER_TERMS: usize = 20;

/// A comparison's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }
}

/// A comparison's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Bool(bool),
    Null,
    Num(String),
}

/// Which attribute a filter, a PATCH or `attributes=` names: its schema (`None` for the
/// resource's core schema), the attribute and a sub-attribute, all lower-cased (attribute
/// names are case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub schema: Option<String>,
    pub attr: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// `userName`, `emails.value`, `urn:…:enterprise:2.0:User:manager.value`. A core schema's
    /// URN prefix is dropped: it names the same attribute as the bare name.
    pub fn parse(raw: &str) -> Result<AttrPath, ScimError> {
        let raw = raw.trim();
        let lower = raw.to_ascii_lowercase();
        let (schema, rest) = if lower.starts_with("urn:") {
            match lower.rfind(':') {
                Some(i) => {
                    let (urn, rest) = lower.split_at(i);
                    let rest = rest.trim_start_matches(':');
                    if super::is_core_schema(urn) {
                        (None, rest.to_owned())
                    } else {
                        (Some(urn.to_owned()), rest.to_owned())
                    }
                }
                None => (None, lower.clone()),
            }
        } else {
            (None, lower.clone())
        };
        // A bare extension URN (no attribute after it) names the whole extension.
        if let Some(urn) = &schema
            && super::is_extension_schema(&format!("{urn}:{rest}"))
        {
            return Ok(AttrPath {
                schema: Some(format!("{urn}:{rest}")),
                attr: String::new(),
                sub: None,
            });
        }
        let (attr, sub) = match rest.split_once('.') {
            Some((a, s)) => (a.to_owned(), Some(s.to_owned())),
            None => (rest, None),
        };
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        };
        if !ok(&attr) || sub.as_deref().is_some_and(|s| !ok(s)) {
            return Err(ScimError::invalid_path(format!(
                "\"{raw}\" is not an attribute path."
            )));
        }
        Ok(AttrPath { schema, attr, sub })
    }

    /// Whether this path names `attr` (and no sub-attribute) of the core schema.
    pub fn is(&self, attr: &str) -> bool {
        self.schema.is_none() && self.attr == attr && self.sub.is_none()
    }
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: Op,
        value: Value,
    },
    Present(AttrPath),
    /// `emails[type eq "work"]`: the inner filter is about the attribute's sub-attributes.
    Within {
        path: AttrPath,
        filter: Box<Filter>,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

impl Filter {
    pub fn parse(text: &str) -> Result<Filter, ScimError> {
        if text.chars().count() > MAX_FILTER_CHARS {
            return Err(ScimError::invalid_filter(format!(
                "A filter must be at most {MAX_FILTER_CHARS} characters."
            )));
        }
        let tokens = tokenize(text)?;
        let mut p = Parser {
            tokens,
            at: 0,
            terms: 0,
        };
        let f = p.or()?;
        if p.at != p.tokens.len() {
            return Err(ScimError::invalid_filter(format!(
                "Unexpected text in the filter after term {}.",
                p.terms
            )));
        }
        Ok(f)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Str(String),
    Word(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, ScimError> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                // A JSON string: find its closing quote (not escaped), then let serde decode it.
                chars.next();
                let mut escaped = false;
                let mut end = None;
                for (j, d) in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        end = Some(j);
                        break;
                    }
                }
                let end = end.ok_or_else(|| {
                    ScimError::invalid_filter("A quoted value in the filter is not closed.")
                })?;
                let literal = text.get(i..=end).unwrap_or_default();
                let s: String = serde_json::from_str(literal).map_err(|_| {
                    ScimError::invalid_filter("A quoted value in the filter is not valid JSON.")
                })?;
                out.push(Token::Str(s));
            }
            _ => {
                let start = i;
                let mut end = text.len();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace() || matches!(d, '(' | ')' | '[' | ']' | '"') {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                out.push(Token::Word(
                    text.get(start..end).unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.not()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Filter, ScimError> {
        if self.keyword("not") {
            self.at += 1;
            if self.next() != Some(Token::Open) {
                return Err(ScimError::invalid_filter(
                    "\"not\" must be followed by \"(\".",
                ));
            }
            let inner = self.or()?;
            if self.next() != Some(Token::Close) {
                return Err(ScimError::invalid_filter(
                    "A \"(\" in the filter is not closed.",
                ));
            }
            return Ok(Filter::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Filter, ScimError> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                if self.next() != Some(Token::Close) {
                    return Err(ScimError::invalid_filter(
                        "A \"(\" in the filter is not closed.",
                    ));
                }
                Ok(inner)
            }
            Some(Token::Word(path)) => {
                self.terms += 1;
                if self.terms > MAX_FILTER_TERMS {
                    return Err(ScimError::invalid_filter(format!(
                        "A filter may compare at most {MAX_FILTER_TERMS} attributes."
                    )));
                }
                let path =
                    AttrPath::parse(&path).map_err(|e| ScimError::invalid_filter(e.detail))?;
                if self.peek() == Some(&Token::OpenBracket) {
                    self.at += 1;
                    let inner = self.or()?;
                    if self.next() != Some(Token::CloseBracket) {
                        return Err(ScimError::invalid_filter(
                            "A \"[\" in the filter is not closed.",
                        ));
                    }
                    return Ok(Filter::Within {
                        path,
                        filter: Box::new(inner),
                    });
                }
                let op = match self.next() {
                    Some(Token::Word(w)) if w.eq_ignore_ascii_case("pr") => {
                        return Ok(Filter::Present(path));
                    }
                    Some(Token::Word(w)) => Op::parse(&w).ok_or_else(|| {
                        ScimError::invalid_filter(format!("\"{w}\" is not a filter operator."))
                    })?,
                    _ => {
                        return Err(ScimError::invalid_filter(
                            "An attribute in the filter must be followed by an operator.",
                        ));
                    }
                };
                let value = match self.next() {
                    Some(Token::Str(s)) => Value::Str(s),
                    Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        "null" => Value::Null,
                        _ if w.parse::<f64>().is_ok() => Value::Num(w),
                        _ => {
                            return Err(ScimError::invalid_filter(format!(
                                "\"{w}\" is not a value: quote text values."
                            )));
                        }
                    },
                    _ => {
                        return Err(ScimError::invalid_filter(
                            "An operator in the filter must be followed by a value.",
                        ));
                    }
                };
                Ok(Filter::Compare { path, op, value })
            }
            _ => Err(ScimError::invalid_filter(
                "A filter term must start with an attribute or \"(\".",
            )),
        }
    }
}

/// A PATCH operation's target: an attribute path, optionally narrowed by a filter on a
/// multi-valued attribute's values, then a sub-attribute (`emails[type eq "work"].value`,
/// `members[value eq "2819c223"]`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub path: AttrPath,
    pub filter: Option<Filter>,
}

impl PatchPath {
    pub fn parse(raw: &str) -> Result<PatchPath, ScimError> {
        let raw = raw.trim();
        let Some(open) = raw.find('[') else {
            return Ok(PatchPath {
                path: AttrPath::parse(raw)?,
                filter: None,
            });
        };
        let close = raw
            .rfind(']')
            .filter(|c| *c > open)
            .ok_or_else(|| ScimError::invalid_path(format!("\"{raw}\": a \"[\" is not closed.")))?;
        let attr = raw.get(..open).unwrap_or_default();
        let inner = raw.get(open + 1..close).unwrap_or_default();
        let after = raw.get(close + 1..).unwrap_or_default();
        let mut path = AttrPath::parse(attr)?;
        if path.sub.is_some() {
            return Err(ScimError::invalid_path(format!(
                "\"{raw}\": a filter applies to an attribute, not a sub-attribute."
            )));
        }
        if let Some(sub) = after.strip_prefix('.') {
            path.sub = Some(sub.to_ascii_lowercase());
        } else if !after.is_empty() {
            return Err(ScimError::invalid_path(format!(
                "\"{raw}\" is not an attribute path."
            )));
        }
        let filter = Filter::parse(inner).map_err(|e| ScimError::invalid_path(e.detail))?;
        Ok(PatchPath {
            path,
            filter: Some(filter),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> AttrPath {
        AttrPath::parse(s).unwrap()
    }

    #[test]
    fn attribute_paths_are_case_insensitive_and_drop_the_core_urn() {
        assert_eq!(
            path("userName"),
            path("urn:ietf:params:scim:schemas:core:2.0:User:USERNAME")
        );
        let m = path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
        assert_eq!(
            m.schema.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user")
        );
        assert_eq!(
            (m.attr.as_str(), m.sub.as_deref()),
            ("manager", Some("value"))
        );
        let whole = path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
        assert_eq!(whole.attr, "");
        assert!(AttrPath::parse("user name").is_err());
        assert!(AttrPath::parse("").is_err());
    }

    #[test]
    fn filters_parse_with_and_binding_tighter_than_or() {
        let f =
            Filter::parse(r#"userName eq "a" or displayName sw "B" and active eq true"#).unwrap();
        let Filter::Or(left, right) = f else {
            panic!("{f:?}")
        };
        assert_eq!(
            *left,
            Filter::Compare {
                path: path("username"),
                op: Op::Eq,
                value: Value::Str("a".into())
            }
        );
        assert!(matches!(*right, Filter::And(_, _)));
    }

    #[test]
    fn filters_take_value_paths_not_presence_and_escaped_quotes() {
        let f = Filter::parse(r#"emails[type eq "work" and value co "@x"] and not (title pr)"#)
            .unwrap();
        let Filter::And(left, right) = f else {
            panic!()
        };
        assert!(matches!(*left, Filter::Within { .. }));
        assert_eq!(
            *right,
            Filter::Not(Box::new(Filter::Present(path("title"))))
        );
        let q = Filter::parse(r#"displayName eq "say \"hi\"""#).unwrap();
        assert_eq!(
            q,
            Filter::Compare {
                path: path("displayName"),
                op: Op::Eq,
                value: Value::Str("say \"hi\"".into())
            }
        );
    }

    #[test]
    fn broken_filters_say_what_is_wrong() {
        for (bad, says) in [
            (r#"userName eq "open"#, "not closed"),
            ("userName eq bob", "quote text values"),
            (r#"userName is "a""#, "not a filter operator"),
            (r#"(userName eq "a""#, "not closed"),
            (r#"userName eq "a" extra"#, "Unexpected text"),
            ("", "must start with"),
        ] {
            let e = Filter::parse(bad).unwrap_err();
            assert_eq!(e.scim_type, Some("invalidFilter"), "{bad}");
            assert!(e.detail.contains(says), "{bad}: {}", e.detail);
        }
        let many = vec![r#"userName eq "a""#; MAX_FILTER_TERMS + 1].join(" or ");
        assert!(Filter::parse(&many).unwrap_err().detail.contains("at most"));
    }

    #[test]
    fn patch_paths_take_a_value_filter_and_a_sub_attribute() {
        let p = PatchPath::parse(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(
            (p.path.attr.as_str(), p.path.sub.as_deref()),
            ("emails", Some("value"))
        );
        assert!(p.filter.is_some());
        let m = PatchPath::parse(r#"members[value eq "2819c223"]"#).unwrap();
        assert_eq!(m.path, path("members"));
        assert!(PatchPath::parse(r#"members[value eq "x""#).is_err());
        assert_eq!(PatchPath::parse("active").unwrap().filter, None);
    }
}
