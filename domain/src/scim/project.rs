//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5): which attributes a resource in
//! an answer shows. `id` and `schemas` are always shown.

use super::ScimError;
use super::filter::AttrPath;
use serde_json::{Map, Value};

/// Most attribute names one request may list.
const MAX_NAMES: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    include: Vec<AttrPath>,
    exclude: Vec<AttrPath>,
}

fn names(list: Option<&str>) -> Result<Vec<AttrPath>, ScimError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let parts: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.len() > MAX_NAMES {
        return Err(ScimError::invalid_value(format!(
            "At most {MAX_NAMES} attribute names may be listed."
        )));
    }
    parts.into_iter().map(AttrPath::parse).collect()
}

impl Projection {
    pub fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ScimError> {
        Ok(Projection {
            include: names(attributes)?,
            exclude: names(excluded)?,
        })
    }

    /// Whether a core attribute will be shown (so that the caller can skip loading it).
    pub fn shows(&self, attr: &str) -> bool {
        let named = |p: &AttrPath| p.schema.is_none() && p.attr == attr;
        if self.exclude.iter().any(|p| named(p) && p.sub.is_none()) {
            return false;
        }
        self.include.is_empty() || self.include.iter().any(named)
    }

    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(obj) = resource else {
            return resource;
        };
        let mut out = Map::new();
        for (key, value) in obj {
            let lower = key.to_ascii_lowercase();
            if lower == "id" || lower == "schemas" {
                out.insert(key, value);
                continue;
            }
            let kept = if lower.starts_with("urn:") {
                self.extension(&lower, value)
            } else {
                self.core(&lower, value)
            };
            if let Some(v) = kept {
                out.insert(key, v);
            }
        }
        Value::Object(out)
    }

    fn core(&self, attr: &str, value: Value) -> Option<Value> {
        let about = |p: &&AttrPath| p.schema.is_none() && p.attr == attr;
        if self.exclude.iter().filter(about).any(|p| p.sub.is_none()) {
            return None;
        }
        if self.include.is_empty() {
            return Some(value);
        }
        let asked: Vec<&AttrPath> = self.include.iter().filter(about).collect();
        if asked.is_empty() {
            return None;
        }
        if asked.iter().any(|p| p.sub.is_none()) {
            return Some(value);
        }
        let subs: Vec<&str> = asked.iter().filter_map(|p| p.sub.as_deref()).collect();
        Some(only_subs(value, &subs))
    }

    fn extension(&self, urn: &str, value: Value) -> Option<Value> {
        let Value::Object(inner) = value else {
            return Some(value);
        };
        let about = |p: &&AttrPath| p.schema.as_deref() == Some(urn);
        let whole_excluded = self.exclude.iter().filter(about).any(|p| p.attr.is_empty());
        let whole_included = self.include.iter().filter(about).any(|p| p.attr.is_empty());
        if whole_excluded {
            return None;
        }
        let mut out = Map::new();
        for (k, v) in inner {
            let lower = k.to_ascii_lowercase();
            let excluded = self.exclude.iter().filter(about).any(|p| p.attr == lower);
            let included = self.include.is_empty()
                || whole_included
                || self.include.iter().filter(about).any(|p| p.attr == lower);
            if included && !excluded {
                out.insert(k, v);
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }
}

/// Keeps only the named sub-attributes of a complex value or of each value of a list.
fn only_subs(value: Value, subs: &[&str]) -> Value {
    let keep = |o: Map<String, Value>| -> Value {
        Value::Object(
            o.into_iter()
                .filter(|(k, _)| subs.iter().any(|s| k.eq_ignore_ascii_case(s)))
                .collect(),
        )
    };
    match value {
        Value::Object(o) => keep(o),
        Value::Array(list) => Value::Array(
            list.into_iter()
                .map(|v| match v {
                    Value::Object(o) => keep(o),
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ENTERPRISE_SCHEMA;
    use serde_json::json;

    fn user() -> Value {
        json!({"schemas": ["s"], "id": "1", "userName": "a", "title": "t",
               "emails": [{"value": "a@b.co", "type": "work"}],
               ENTERPRISE_SCHEMA: {"department": "d", "employeeNumber": "7"},
               "meta": {"location": "l"}})
    }

    #[test]
    fn attributes_keep_id_schemas_and_what_was_asked() {
        let p = Projection::parse(Some("userName,emails.value"), None).unwrap();
        assert_eq!(
            p.apply(user()),
            json!({"schemas": ["s"], "id": "1", "userName": "a", "emails": [{"value": "a@b.co"}]})
        );
        let ext =
            Projection::parse(Some(&format!("{ENTERPRISE_SCHEMA}:department")), None).unwrap();
        assert_eq!(
            ext.apply(user())[ENTERPRISE_SCHEMA],
            json!({"department": "d"})
        );
    }

    #[test]
    fn excluded_attributes_are_left_out() {
        let p = Projection::parse(None, Some("title,meta,members")).unwrap();
        let v = p.apply(user());
        assert!(v.get("title").is_none() && v.get("meta").is_none());
        assert_eq!(v["userName"], "a");
        assert!(!p.shows("members"));
        assert!(p.shows("displayname"));
        let only = Projection::parse(Some("displayName"), None).unwrap();
        assert!(!only.shows("members"));
        let whole = Projection::parse(None, Some(ENTERPRISE_SCHEMA)).unwrap();
        assert!(whole.apply(user()).get(ENTERPRISE_SCHEMA).is_none());
    }
}
