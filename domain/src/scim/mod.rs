//! SCIM 2.0 (RFC 7643, RFC 7644) as Tessera speaks it to an identity provider pushing its
//! directory: the resources' JSON in and out, filters, PATCH operations, the discovery
//! documents, and the error bodies. Pure: the use cases are in `service::scim`, the HTTP
//! routes in the server.
//!
//! What Tessera keeps of a SCIM user is what it publishes in `/Schemas` and nothing else, so
//! that every value a client writes reads back the same: userName, externalId, displayName,
//! one e-mail (the primary or work one), active, title, and from the enterprise extension
//! department, employeeNumber and manager. Other attributes a client sends (name, phone
//! numbers, addresses…) are accepted and not kept, as RFC 7643 §2 allows.

pub mod discovery;
pub mod filter;
pub mod group;
pub mod project;
pub mod user;

use crate::DomainError;
use serde_json::{Value, json};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Most resources one list answer holds (`count`), as `/ServiceProviderConfig` says.
pub const MAX_RESULTS: i64 = 1_000;
/// Resources per list answer when the client does not say.
pub const DEFAULT_COUNT: i64 = 100;
/// Most operations in one PATCH, and most members one request may add or remove.
pub const MAX_OPERATIONS: usize = 1_000;
pub const MAX_MEMBERS_PER_REQUEST: usize = 10_000;

/// Whether `urn` (lower-case) is the core schema of a resource: attributes under it are
/// named by their bare names too.
pub fn is_core_schema(urn: &str) -> bool {
    urn.eq_ignore_ascii_case(USER_SCHEMA) || urn.eq_ignore_ascii_case(GROUP_SCHEMA)
}

pub fn is_extension_schema(urn: &str) -> bool {
    urn.eq_ignore_ascii_case(ENTERPRISE_SCHEMA)
}

/// A SCIM error: the HTTP status, the `scimType` where RFC 7644 §3.12 names one, and a
/// sentence for the administrator reading the provider's provisioning log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidFilter"), detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidPath"), detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidValue"), detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidSyntax"), detail)
    }

    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::new(400, Some("noTarget"), detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(400, Some("mutability"), detail)
    }

    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some("uniqueness"), detail)
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(404, None, format!("No {what} has the id \"{id}\"."))
    }

    pub fn body(&self) -> Value {
        let mut v = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let (Some(t), Some(o)) = (self.scim_type, v.as_object_mut()) {
            o.insert("scimType".into(), json!(t));
        }
        v
    }
}

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.detail)
    }
}

impl From<DomainError> for ScimError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(what) => {
                Self::new(404, None, format!("The {what} was not found."))
            }
            DomainError::Forbidden(why) => Self::new(403, None, format!("Not allowed: {why}.")),
            DomainError::Unauthenticated => {
                Self::new(401, None, "A valid bearer token is required.")
            }
            DomainError::Invalid(errors) => {
                let text: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                // A unique constraint the store named ("… already exists") is a conflict.
                if errors.iter().any(|e| e.message.contains("already exists")) {
                    Self::uniqueness(text.join(" "))
                } else {
                    Self::invalid_value(text.join(" "))
                }
            }
            DomainError::Conflict(text) => Self::new(409, None, text),
            DomainError::Stale(what) => Self::new(
                412,
                None,
                format!("The {what} was changed since it was read."),
            ),
            DomainError::Throttled { retry_after_secs } => Self::new(
                429,
                None,
                format!("Too many requests; retry in {retry_after_secs} s."),
            ),
            DomainError::Unavailable(_) => {
                Self::new(503, None, "The database is unavailable; retry later.")
            }
            DomainError::Internal(_) => {
                Self::new(500, None, "Tessera failed; the cause is in its log.")
            }
        }
    }
}

/// A JSON value as text for a SCIM string attribute: a string, or a number or boolean a
/// client sent unquoted. Objects, arrays and null are not text.
pub(crate) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A boolean as clients send it: `true`, or the text "True" (Microsoft Entra ID does).
pub(crate) fn bool_of(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The member of a JSON object whose key is `name`, case-insensitively (SCIM attribute names
/// are case-insensitive).
pub(crate) fn member<'a>(obj: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// The attributes an object sets, without `schemas`, `id` and `meta`: a PATCH without a path
/// (or of a whole extension) may carry the resource back whole, as Okta sends it.
pub(crate) fn settable(
    obj: &serde_json::Map<String, Value>,
) -> impl Iterator<Item = (&String, &Value)> {
    obj.iter().filter(|(k, _)| {
        !["schemas", "id", "meta"]
            .iter()
            .any(|s| k.eq_ignore_ascii_case(s))
    })
}

/// Text as Tessera keeps every text field: trimmed, at most `max` characters, no control
/// characters; the message names the SCIM attribute.
pub(crate) fn bounded(
    v: &str,
    attr: &str,
    max: usize,
    required: bool,
) -> Result<String, ScimError> {
    crate::model::bounded_text(v, &format!("\"{attr}\""), max, required)
        .map_err(ScimError::invalid_value)
}

/// An externalId as kept: `None` when absent or blank.
pub(crate) fn external_id(raw: Option<&str>) -> Result<Option<String>, ScimError> {
    Ok(raw
        .map(|x| bounded(x, "externalId", user::MAX_EXTERNAL_ID_CHARS, false))
        .transpose()?
        .filter(|x| !x.is_empty()))
}

/// One PATCH operation as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOp,
    pub path: Option<String>,
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOp {
    Add,
    Replace,
    Remove,
}

/// The operations of a PATCH body (`{"schemas": [PatchOp], "Operations": […]}`). The op is
/// case-insensitive: Microsoft Entra ID sends "Replace".
pub fn patch_operations(body: &Value) -> Result<Vec<PatchOperation>, ScimError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("A PATCH body must be a JSON object."))?;
    let ops = member(obj, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("A PATCH body must have \"Operations\"."))?;
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::new(
            413,
            Some("tooMany"),
            format!("A PATCH may hold at most {MAX_OPERATIONS} operations."),
        ));
    }
    ops.iter()
        .map(|o| {
            let o = o
                .as_object()
                .ok_or_else(|| ScimError::invalid_syntax("Each operation must be an object."))?;
            let op = match member(o, "op")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
            {
                Some(s) if s == "add" => PatchOp::Add,
                Some(s) if s == "replace" => PatchOp::Replace,
                Some(s) if s == "remove" => PatchOp::Remove,
                _ => {
                    return Err(ScimError::invalid_syntax(
                        "Each operation's \"op\" must be add, replace or remove.",
                    ));
                }
            };
            let path = match member(o, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => return Err(ScimError::invalid_path("\"path\" must be text.")),
            };
            let value = member(o, "value").cloned();
            if op == PatchOp::Remove && path.is_none() {
                return Err(ScimError::no_target("A remove operation needs a \"path\"."));
            }
            if op != PatchOp::Remove && value.is_none() {
                return Err(ScimError::invalid_value(
                    "An add or replace operation needs a \"value\".",
                ));
            }
            Ok(PatchOperation { op, path, value })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_bodies_take_any_case_of_op_and_need_a_target() {
        let ops = patch_operations(&json!({"schemas": [PATCH_SCHEMA], "Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "remove", "path": "title"},
        ]}))
        .unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops.first().map(|o| o.op), Some(PatchOp::Replace));
        let no_path = patch_operations(&json!({"Operations": [{"op": "remove"}]})).unwrap_err();
        assert_eq!(no_path.scim_type, Some("noTarget"));
        let bad =
            patch_operations(&json!({"Operations": [{"op": "move", "path": "a"}]})).unwrap_err();
        assert_eq!(bad.status, 400);
        assert!(patch_operations(&json!([])).is_err());
    }

    #[test]
    fn store_conflicts_become_uniqueness_errors() {
        let e = ScimError::from(DomainError::invalid(
            "email",
            "A user with this email already exists.",
        ));
        assert_eq!((e.status, e.scim_type), (409, Some("uniqueness")));
        let body = e.body();
        assert_eq!(body["status"], "409");
        assert_eq!(body["schemas"][0], ERROR_SCHEMA);
        let v = ScimError::from(DomainError::invalid(
            "email",
            "Email must look like name@example.com.",
        ));
        assert_eq!((v.status, v.scim_type), (400, Some("invalidValue")));
    }

    #[test]
    fn booleans_come_as_json_or_as_text() {
        assert_eq!(bool_of(&json!(false)), Some(false));
        assert_eq!(bool_of(&json!("True")), Some(true));
        assert_eq!(bool_of(&json!("yes")), None);
    }
}
