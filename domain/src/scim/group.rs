//! A SCIM Group: a directory group whose members the client pushes. Tessera shows and changes
//! only the memberships SCIM gave (grant source `scim`); the ones an access package or an
//! administrator gave are not the client's to see or remove.

use super::filter::{AttrPath, Filter, Op, PatchPath, Value as FilterValue};
use super::user::instant;
use super::{
    GROUP_SCHEMA, MAX_MEMBERS_PER_REQUEST, PatchOp, PatchOperation, ScimError, member, text_of,
};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// What a POST or PUT says a group is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimGroup {
    pub display_name: String,
    pub external_id: Option<String>,
    /// The members' ids, in the order sent, without repeats.
    pub members: Vec<String>,
}

/// A change to a group's SCIM members, applied in the order a PATCH lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    Add(Vec<String>),
    Remove(Vec<String>),
    RemoveAll,
    Replace(Vec<String>),
}

/// What a PATCH changes: the name and externalId (when named) and the members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupPatch {
    pub display_name: Option<String>,
    pub external_id: Option<Option<String>>,
    pub members: Vec<MemberChange>,
}

/// A stored group with its SCIM members (none when the client excluded them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Option<Vec<String>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

/// Member ids from a list of `{"value": id}` (or bare ids). Nested groups are refused.
fn member_ids(v: &Value) -> Result<Vec<String>, ScimError> {
    let list: Vec<&Value> = match v {
        Value::Null => Vec::new(),
        Value::Array(list) => list.iter().collect(),
        one @ Value::Object(_) => vec![one],
        _ => return Err(ScimError::invalid_value("\"members\" must be a list.")),
    };
    if list.len() > MAX_MEMBERS_PER_REQUEST {
        return Err(ScimError::new(
            413,
            Some("tooMany"),
            format!("One request may name at most {MAX_MEMBERS_PER_REQUEST} members."),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    let mut seen = std::collections::HashSet::new();
    for m in list {
        let id = match m {
            Value::Object(o) => {
                if member(o, "type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("group"))
                {
                    return Err(ScimError::invalid_value(
                        "Tessera's groups hold people, not other groups.",
                    ));
                }
                member(o, "value").and_then(text_of)
            }
            other => text_of(other),
        }
        .ok_or_else(|| ScimError::invalid_value("Each member needs a \"value\" (a user id)."))?;
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The ids a `members[value eq "…"]` filter names (`or` of several allowed).
fn ids_in_filter(f: &Filter, out: &mut Vec<String>) -> Result<(), ScimError> {
    match f {
        Filter::Compare {
            path,
            op: Op::Eq,
            value: FilterValue::Str(id),
        } if path.is("value") => {
            out.push(id.clone());
            Ok(())
        }
        Filter::Or(a, b) => {
            ids_in_filter(a, out)?;
            ids_in_filter(b, out)
        }
        _ => Err(ScimError::invalid_filter(
            "A members filter must be value eq \"<user id>\" (or several joined by or).",
        )),
    }
}

impl ScimGroup {
    pub fn from_resource(body: &Value) -> Result<ScimGroup, ScimError> {
        let obj = body
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("A group must be a JSON object."))?;
        let display_name = member(obj, "displayName")
            .and_then(text_of)
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| ScimError::invalid_value("\"displayName\" is required."))?;
        let external_id = match member(obj, "externalId") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                text_of(v)
                    .ok_or_else(|| ScimError::invalid_value("\"externalId\" must be text."))?,
            ),
        };
        let members = member(obj, "members")
            .map(member_ids)
            .transpose()?
            .unwrap_or_default();
        Ok(ScimGroup {
            display_name,
            external_id,
            members,
        })
    }
}

impl GroupPatch {
    pub fn from_operations(ops: &[PatchOperation]) -> Result<GroupPatch, ScimError> {
        let mut p = GroupPatch::default();
        for op in ops {
            match &op.path {
                None => {
                    let obj = op
                        .value
                        .as_ref()
                        .and_then(Value::as_object)
                        .ok_or_else(|| {
                            ScimError::invalid_value(
                                "An operation without a path needs an object value.",
                            )
                        })?;
                    for (k, v) in super::settable(obj) {
                        p.set(
                            &PatchPath {
                                path: AttrPath::parse(k)?,
                                filter: None,
                            },
                            op.op,
                            Some(v),
                        )?;
                    }
                }
                Some(path) => p.set(&PatchPath::parse(path)?, op.op, op.value.as_ref())?,
            }
        }
        Ok(p)
    }

    fn set(
        &mut self,
        target: &PatchPath,
        op: PatchOp,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let path = &target.path;
        if path.schema.is_some() {
            return Err(ScimError::invalid_path(
                "Tessera's groups take no schema extension.",
            ));
        }
        let null = Value::Null;
        let value = value.unwrap_or(&null);
        match (path.attr.as_str(), path.sub.as_deref(), op) {
            ("displayname", None, PatchOp::Remove) => {
                return Err(ScimError::mutability(
                    "\"displayName\" is required: it cannot be removed.",
                ));
            }
            ("displayname", None, _) => {
                self.display_name =
                    Some(text_of(value).ok_or_else(|| {
                        ScimError::invalid_value("\"displayName\" must be text.")
                    })?);
            }
            ("externalid", None, PatchOp::Remove) => self.external_id = Some(None),
            ("externalid", None, _) => {
                self.external_id =
                    Some(match value {
                        Value::Null => None,
                        v => Some(text_of(v).ok_or_else(|| {
                            ScimError::invalid_value("\"externalId\" must be text.")
                        })?),
                    });
            }
            ("members", None, PatchOp::Remove) => match &target.filter {
                Some(f) => {
                    let mut ids = Vec::new();
                    ids_in_filter(f, &mut ids)?;
                    self.members.push(MemberChange::Remove(ids));
                }
                // Microsoft Entra ID removes members with a path and the members as the value.
                None if !value.is_null() => {
                    self.members.push(MemberChange::Remove(member_ids(value)?))
                }
                None => self.members.push(MemberChange::RemoveAll),
            },
            ("members", None, _) if target.filter.is_some() => {
                return Err(ScimError::invalid_path(
                    "Add or replace members without a filter.",
                ));
            }
            ("members", None, PatchOp::Add) => {
                self.members.push(MemberChange::Add(member_ids(value)?))
            }
            ("members", None, PatchOp::Replace) => {
                self.members.push(MemberChange::Replace(member_ids(value)?));
            }
            (attr, _, _) => {
                return Err(ScimError::invalid_path(format!(
                    "Tessera's groups have no attribute \"{attr}\" to change."
                )));
            }
        }
        Ok(())
    }
}

impl GroupRecord {
    pub fn resource(&self, base: &str) -> Value {
        let mut o = Map::new();
        o.insert("schemas".into(), json!([GROUP_SCHEMA]));
        o.insert("id".into(), json!(self.id));
        if let Some(x) = &self.external_id {
            o.insert("externalId".into(), json!(x));
        }
        o.insert("displayName".into(), json!(self.display_name));
        if let Some(members) = self.members.as_ref().filter(|m| !m.is_empty()) {
            let list: Vec<Value> = members
                .iter()
                .map(|m| json!({"value": m, "$ref": format!("{base}/Users/{m}"), "type": "User"}))
                .collect();
            o.insert("members".into(), Value::Array(list));
        }
        o.insert(
            "meta".into(),
            json!({
                "resourceType": "Group",
                "created": instant(self.created),
                "lastModified": instant(self.modified),
                "location": format!("{base}/Groups/{}", self.id),
            }),
        );
        Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::patch_operations;

    fn patch(body: Value) -> Result<GroupPatch, ScimError> {
        GroupPatch::from_operations(&patch_operations(&body)?)
    }

    #[test]
    fn groups_need_a_name_and_take_members_once() {
        let g = ScimGroup::from_resource(&json!({"displayName": "Sales", "members": [
            {"value": "a"}, {"value": "b"}, {"value": "a"}
        ]}))
        .unwrap();
        assert_eq!(g.members, vec!["a".to_string(), "b".to_string()]);
        assert!(ScimGroup::from_resource(&json!({"members": []})).is_err());
        let nested = ScimGroup::from_resource(
            &json!({"displayName": "X", "members": [{"value": "g", "type": "Group"}]}),
        );
        assert!(nested.unwrap_err().detail.contains("not other groups"));
    }

    #[test]
    fn the_member_patches_entra_and_okta_send_become_changes() {
        let p = patch(json!({"Operations": [
            {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u1"}]},
            {"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u2"}]},
            {"op": "remove", "path": "members[value eq \"u3\"]"},
            {"op": "replace", "value": {"id": "g", "displayName": "Renamed"}},
            {"op": "remove", "path": "members"},
        ]}))
        .unwrap();
        assert_eq!(p.display_name.as_deref(), Some("Renamed"));
        assert_eq!(
            p.members,
            vec![
                MemberChange::Add(vec!["u1".into()]),
                MemberChange::Remove(vec!["u2".into()]),
                MemberChange::Remove(vec!["u3".into()]),
                MemberChange::RemoveAll,
            ]
        );
    }

    #[test]
    fn group_patches_that_cannot_apply_say_why() {
        assert_eq!(
            patch(json!({"Operations": [{"op": "remove", "path": "displayName"}]}))
                .unwrap_err()
                .scim_type,
            Some("mutability")
        );
        assert_eq!(
            patch(json!({"Operations": [{"op": "remove", "path": "members[display eq \"x\"]"}]}))
                .unwrap_err()
                .scim_type,
            Some("invalidFilter")
        );
        assert_eq!(
            patch(json!({"Operations": [{"op": "add", "path": "owners", "value": []}]}))
                .unwrap_err()
                .scim_type,
            Some("invalidPath")
        );
    }
}
