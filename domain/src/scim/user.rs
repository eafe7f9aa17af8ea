//! A SCIM User as Tessera keeps it: read from a resource a client sends (POST, PUT), changed
//! by PATCH operations, checked, and written back as the resource a client reads.

use super::filter::{AttrPath, PatchPath};
use super::{
    ENTERPRISE_SCHEMA, PatchOp, PatchOperation, ScimError, USER_SCHEMA, bool_of, bounded, member,
    text_of,
};
use crate::model::{Department, DisplayName, Email, JobTitle};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

/// Longest userName, externalId and employeeNumber kept.
pub const MAX_USER_NAME_CHARS: usize = 254;
pub const MAX_EXTERNAL_ID_CHARS: usize = 255;
pub const MAX_EMPLOYEE_NUMBER_CHARS: usize = 64;

/// Core attributes Tessera accepts and does not keep (Microsoft Entra ID's and Okta's default
/// mappings send them). Anything not published and not here is refused by name.
const NOT_KEPT: &[&str] = &[
    "name",
    "nickname",
    "profileurl",
    "usertype",
    "preferredlanguage",
    "locale",
    "timezone",
    "password",
    "phonenumbers",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "x509certificates",
    "groups",
];
const ENTERPRISE_NOT_KEPT: &[&str] = &["costcenter", "organization", "division"];

/// What Tessera keeps of a SCIM user, as text received or stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimUser {
    pub user_name: String,
    pub external_id: Option<String>,
    pub display_name: String,
    pub email: String,
    pub active: bool,
    pub title: String,
    pub department: String,
    pub employee_number: String,
    /// The manager's SCIM id (Tessera's user id).
    pub manager: Option<String>,
}

/// A stored user with the ids and times a resource shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub user: ScimUser,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

fn text(v: &Value, attr: &str) -> Result<String, ScimError> {
    text_of(v).ok_or_else(|| ScimError::invalid_value(format!("\"{attr}\" must be text.")))
}

fn optional_text(v: Option<&Value>, attr: &str) -> Result<Option<String>, ScimError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => text(v, attr).map(Some),
    }
}

/// The one e-mail Tessera keeps from `emails`: the primary, else the work one, else the first.
fn chosen_email(v: &Value) -> Result<Option<String>, ScimError> {
    let list = match v {
        Value::Null => return Ok(None),
        Value::Array(list) => list,
        _ => return Err(ScimError::invalid_value("\"emails\" must be a list.")),
    };
    let entries: Vec<&Map<String, Value>> = list.iter().filter_map(Value::as_object).collect();
    let pick = entries
        .iter()
        .find(|e| member(e, "primary").and_then(bool_of) == Some(true))
        .or_else(|| {
            entries.iter().find(|e| {
                member(e, "type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("work"))
            })
        })
        .or(entries.first());
    pick.map(|e| {
        member(e, "value")
            .map(|v| text(v, "emails.value"))
            .transpose()?
            .ok_or_else(|| ScimError::invalid_value("Each e-mail needs a \"value\"."))
    })
    .transpose()
}

/// A manager as clients send it: the id, `{"value": id}`, or null to clear.
fn manager_of(v: &Value) -> Result<Option<String>, ScimError> {
    match v {
        Value::Null => Ok(None),
        Value::Object(o) => optional_text(member(o, "value"), "manager.value"),
        other => text(other, "manager").map(Some),
    }
    .map(|m| m.filter(|id| !id.trim().is_empty()))
}

impl ScimUser {
    /// The user a POST or PUT body describes.
    pub fn from_resource(body: &Value) -> Result<ScimUser, ScimError> {
        let obj = body
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("A user must be a JSON object."))?;
        let user_name = member(obj, "userName")
            .map(|v| text(v, "userName"))
            .transpose()?
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| ScimError::invalid_value("\"userName\" is required."))?;
        let name = member(obj, "name").and_then(Value::as_object);
        let from_name = name.and_then(|n| {
            member(n, "formatted").and_then(text_of).or_else(|| {
                let parts: Vec<String> = ["givenName", "familyName"]
                    .iter()
                    .filter_map(|k| member(n, k).and_then(text_of))
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
        });
        let display_name = optional_text(member(obj, "displayName"), "displayName")?
            .filter(|d| !d.trim().is_empty())
            .or(from_name)
            .unwrap_or_else(|| user_name.clone());
        let email = match member(obj, "emails") {
            Some(v) => chosen_email(v)?,
            None => None,
        };
        let email = email.or_else(|| Email::parse(&user_name).ok().map(|e| e.as_str().to_owned()));
        let email = email.ok_or_else(|| {
            ScimError::invalid_value(
                "Tessera needs an e-mail for every person: send \"emails\" or a userName that is one.",
            )
        })?;
        let active = match member(obj, "active") {
            None | Some(Value::Null) => true,
            Some(v) => bool_of(v)
                .ok_or_else(|| ScimError::invalid_value("\"active\" must be true or false."))?,
        };
        let ext = member(obj, ENTERPRISE_SCHEMA).and_then(Value::as_object);
        let ext_text = |k: &str| -> Result<String, ScimError> {
            Ok(optional_text(ext.and_then(|e| member(e, k)), k)?.unwrap_or_default())
        };
        Ok(ScimUser {
            user_name,
            external_id: optional_text(member(obj, "externalId"), "externalId")?,
            display_name,
            email,
            active,
            title: optional_text(member(obj, "title"), "title")?.unwrap_or_default(),
            department: ext_text("department")?,
            employee_number: ext_text("employeeNumber")?,
            manager: match ext.and_then(|e| member(e, "manager")) {
                Some(m) => manager_of(m)?,
                None => None,
            },
        })
    }

    /// Applies PATCH operations in order (RFC 7644 §3.5.2). A failing operation fails the
    /// whole request: the caller saves nothing.
    pub fn patch(&mut self, ops: &[PatchOperation]) -> Result<(), ScimError> {
        for op in ops {
            match &op.path {
                Some(path) => {
                    let target = PatchPath::parse(path)?;
                    self.set(&target.path, op.op, op.value.as_ref())?;
                }
                None => {
                    // No path: the value is an object of attributes to add or replace.
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
                        self.set(&AttrPath::parse(k)?, op.op, Some(v))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn set(
        &mut self,
        path: &AttrPath,
        op: PatchOp,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let remove = op == PatchOp::Remove;
        let value = value.unwrap_or(&Value::Null);
        let required = |attr: &str| {
            ScimError::mutability(format!("\"{attr}\" is required: it cannot be removed."))
        };
        match path.schema.as_deref() {
            None => match (path.attr.as_str(), path.sub.as_deref()) {
                ("username", None) if remove => return Err(required("userName")),
                ("username", None) => self.user_name = text(value, "userName")?,
                ("externalid", None) if remove => self.external_id = None,
                ("externalid", None) => {
                    self.external_id = optional_text(Some(value), "externalId")?
                }
                ("displayname", None) if remove => return Err(required("displayName")),
                ("displayname", None) => self.display_name = text(value, "displayName")?,
                ("active", None) if remove => return Err(required("active")),
                ("active", None) => {
                    self.active = bool_of(value).ok_or_else(|| {
                        ScimError::invalid_value("\"active\" must be true or false.")
                    })?;
                }
                ("title", None) if remove => self.title.clear(),
                ("title", None) => {
                    self.title = optional_text(Some(value), "title")?.unwrap_or_default()
                }
                ("emails", _) if remove => return Err(required("emails")),
                ("emails", None) => {
                    self.email = chosen_email(value)?.ok_or_else(|| {
                        ScimError::invalid_value("\"emails\" must hold an e-mail.")
                    })?;
                }
                ("emails", Some("value")) => self.email = text(value, "emails.value")?,
                // The one e-mail kept is the primary work one; its type and flag do not change.
                ("emails", Some("type" | "primary" | "display")) => {}
                (attr, _) if NOT_KEPT.contains(&attr) => {}
                (attr, _) => {
                    return Err(ScimError::invalid_path(format!(
                        "Tessera's users have no attribute \"{attr}\"."
                    )));
                }
            },
            Some(urn) if super::is_extension_schema(urn) => {
                match (path.attr.as_str(), path.sub.as_deref()) {
                    // The whole extension: an object of its attributes, or removed at once.
                    ("", None) if remove => {
                        self.department.clear();
                        self.employee_number.clear();
                        self.manager = None;
                    }
                    ("", None) => {
                        let obj = value.as_object().ok_or_else(|| {
                            ScimError::invalid_value("The enterprise extension must be an object.")
                        })?;
                        for (k, v) in super::settable(obj) {
                            let inner = AttrPath {
                                schema: Some(urn.to_owned()),
                                attr: k.to_ascii_lowercase(),
                                sub: None,
                            };
                            self.set(&inner, op, Some(v))?;
                        }
                    }
                    ("department", None) if remove => self.department.clear(),
                    ("department", None) => {
                        self.department =
                            optional_text(Some(value), "department")?.unwrap_or_default();
                    }
                    ("employeenumber", None) if remove => self.employee_number.clear(),
                    ("employeenumber", None) => {
                        self.employee_number =
                            optional_text(Some(value), "employeeNumber")?.unwrap_or_default();
                    }
                    ("manager", _) if remove => self.manager = None,
                    ("manager", None) => self.manager = manager_of(value)?,
                    ("manager", Some("value")) => {
                        self.manager =
                            optional_text(Some(value), "manager.value")?.filter(|m| !m.is_empty());
                    }
                    ("manager", Some("$ref" | "displayname")) => {}
                    (attr, _) if ENTERPRISE_NOT_KEPT.contains(&attr) => {}
                    (attr, _) => {
                        return Err(ScimError::invalid_path(format!(
                            "The enterprise extension has no attribute \"{attr}\"."
                        )));
                    }
                }
            }
            Some(urn) => {
                return Err(ScimError::invalid_path(format!(
                    "Tessera's users do not take the schema \"{urn}\"."
                )));
            }
        }
        Ok(())
    }

    /// Checks every value and returns them as stored: trimmed, the e-mail lower-cased.
    pub fn checked(&self) -> Result<ScimUser, ScimError> {
        let invalid = |attr: &str, e: String| ScimError::invalid_value(format!("\"{attr}\": {e}"));
        Ok(ScimUser {
            user_name: bounded(&self.user_name, "userName", MAX_USER_NAME_CHARS, true)?,
            external_id: super::external_id(self.external_id.as_deref())?,
            display_name: DisplayName::parse(&self.display_name)
                .map_err(|e| invalid("displayName", e))?
                .as_str()
                .to_owned(),
            email: Email::parse(&self.email)
                .map_err(|e| invalid("emails", e))?
                .as_str()
                .to_owned(),
            active: self.active,
            title: JobTitle::parse(&self.title)
                .map_err(|e| invalid("title", e))?
                .as_str()
                .to_owned(),
            department: Department::parse(&self.department)
                .map_err(|e| invalid("department", e))?
                .as_str()
                .to_owned(),
            employee_number: bounded(
                &self.employee_number,
                "employeeNumber",
                MAX_EMPLOYEE_NUMBER_CHARS,
                false,
            )?,
            manager: self.manager.as_deref().map(str::trim).map(str::to_owned),
        })
    }
}

pub(crate) fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl UserRecord {
    /// The resource a client reads; `base` is the SCIM base URL (…/scim/v2).
    pub fn resource(&self, base: &str) -> Value {
        let u = &self.user;
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        if let Some(x) = &u.external_id {
            o.insert("externalId".into(), json!(x));
        }
        o.insert("userName".into(), json!(u.user_name));
        o.insert("displayName".into(), json!(u.display_name));
        o.insert("emails".into(), json!([{"value": u.email, "type": "work"}]));
        o.insert("active".into(), json!(u.active));
        if !u.title.is_empty() {
            o.insert("title".into(), json!(u.title));
        }
        let mut ext = Map::new();
        if !u.department.is_empty() {
            ext.insert("department".into(), json!(u.department));
        }
        if !u.employee_number.is_empty() {
            ext.insert("employeeNumber".into(), json!(u.employee_number));
        }
        if let Some(m) = &u.manager {
            ext.insert(
                "manager".into(),
                json!({"value": m, "$ref": format!("{base}/Users/{m}")}),
            );
        }
        let mut schemas = vec![json!(USER_SCHEMA)];
        if !ext.is_empty() {
            schemas.push(json!(ENTERPRISE_SCHEMA));
            o.insert(ENTERPRISE_SCHEMA.into(), Value::Object(ext));
        }
        o.insert("schemas".into(), Value::Array(schemas));
        o.insert(
            "meta".into(),
            json!({
                "resourceType": "User",
                "created": instant(self.created),
                "lastModified": instant(self.modified),
                "location": format!("{base}/Users/{}", self.id),
            }),
        );
        Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::patch_operations;

    fn entra_user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7d2c4b6f1f2e",
            "userName": "Test_User_ab6490ee@contoso.com",
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@contoso.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Givenname Familyname", "familyName": "Familyname", "givenName": "Givenname"},
            "roles": [],
            ENTERPRISE_SCHEMA: {"department": "Finance", "employeeNumber": "701984"}
        })
    }

    #[test]
    fn an_entra_create_keeps_what_tessera_publishes_and_names_from_name() {
        let u = ScimUser::from_resource(&entra_user())
            .unwrap()
            .checked()
            .unwrap();
        assert_eq!(u.user_name, "Test_User_ab6490ee@contoso.com");
        assert_eq!(u.email, "test_user_fd0ea19b@contoso.com");
        assert_eq!(u.display_name, "Givenname Familyname");
        assert_eq!(
            (u.department.as_str(), u.employee_number.as_str()),
            ("Finance", "701984")
        );
        assert!(u.active);
    }

    #[test]
    fn a_user_without_an_email_is_refused_unless_the_user_name_is_one() {
        let e = ScimUser::from_resource(&json!({"userName": "bjensen"})).unwrap_err();
        assert!(e.detail.contains("needs an e-mail"), "{e}");
        let u = ScimUser::from_resource(&json!({"userName": "BJensen@example.com"})).unwrap();
        assert_eq!(
            (u.email.as_str(), u.display_name.as_str()),
            ("bjensen@example.com", "BJensen@example.com")
        );
        assert!(ScimUser::from_resource(&json!({"emails": []})).is_err());
    }

    #[test]
    fn entra_and_okta_patches_apply_in_order() {
        let mut u = ScimUser::from_resource(&entra_user()).unwrap();
        let ops = patch_operations(&json!({"schemas": [crate::scim::PATCH_SCHEMA], "Operations": [
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated@contoso.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "2819c223"},
            {"op": "Replace", "path": "active", "value": "False"},
        ]}))
        .unwrap();
        u.patch(&ops).unwrap();
        assert_eq!(u.email, "updated@contoso.com");
        assert_eq!(u.manager.as_deref(), Some("2819c223"));
        assert!(!u.active);
        // Okta: no path, an object of attributes.
        let okta = patch_operations(&json!({"Operations": [
            {"op": "replace", "value": {"id": "x", "active": true, "title": "Analyst"}},
            {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"},
        ]}))
        .unwrap();
        u.patch(&okta).unwrap();
        assert!(u.active);
        assert_eq!((u.title.as_str(), u.manager), ("Analyst", None));
    }

    #[test]
    fn patches_that_cannot_apply_say_why() {
        let mut u = ScimUser::from_resource(&entra_user()).unwrap();
        let remove_name =
            patch_operations(&json!({"Operations": [{"op": "remove", "path": "userName"}]}))
                .unwrap();
        assert_eq!(
            u.patch(&remove_name).unwrap_err().scim_type,
            Some("mutability")
        );
        let unknown = patch_operations(
            &json!({"Operations": [{"op": "add", "path": "shoeSize", "value": "9"}]}),
        )
        .unwrap();
        assert_eq!(
            u.patch(&unknown).unwrap_err().scim_type,
            Some("invalidPath")
        );
        let not_bool = patch_operations(
            &json!({"Operations": [{"op": "replace", "path": "active", "value": "maybe"}]}),
        )
        .unwrap();
        assert_eq!(
            u.patch(&not_bool).unwrap_err().scim_type,
            Some("invalidValue")
        );
    }

    #[test]
    fn bad_values_are_refused_by_attribute() {
        let mut u = ScimUser::from_resource(&entra_user()).unwrap();
        u.email = "not an email".into();
        assert!(u.checked().unwrap_err().detail.contains("\"emails\""));
        let mut long = ScimUser::from_resource(&entra_user()).unwrap();
        long.employee_number = "9".repeat(MAX_EMPLOYEE_NUMBER_CHARS + 1);
        assert!(
            long.checked()
                .unwrap_err()
                .detail
                .contains("employeeNumber")
        );
    }

    #[test]
    fn the_resource_shows_the_extension_only_when_it_has_values() {
        let now = Utc::now();
        let mut r = UserRecord {
            id: "u1".into(),
            user: ScimUser::from_resource(&json!({"userName": "a@b.co"})).unwrap(),
            created: now,
            modified: now,
        };
        let v = r.resource("https://t/scim/v2");
        assert_eq!(v["schemas"], json!([USER_SCHEMA]));
        assert!(v.get(ENTERPRISE_SCHEMA).is_none());
        assert_eq!(v["meta"]["location"], "https://t/scim/v2/Users/u1");
        r.user.manager = Some("m1".into());
        let v = r.resource("https://t/scim/v2");
        assert_eq!(
            v[ENTERPRISE_SCHEMA]["manager"]["$ref"],
            "https://t/scim/v2/Users/m1"
        );
    }
}
