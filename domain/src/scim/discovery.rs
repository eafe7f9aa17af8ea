//! The discovery documents (RFC 7644 §4): what Tessera's SCIM service supports and which
//! attributes it keeps. A client (and the compliance checker) writes only what these publish,
//! so they name exactly what [`super::user`] and [`super::group`] keep.

use super::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, MAX_RESULTS, USER_SCHEMA};
use serde_json::{Value, json};

#[derive(Clone, Copy)]
struct Attr {
    name: &'static str,
    kind: &'static str,
    multi: bool,
    required: bool,
    mutability: &'static str,
    unique: &'static str,
    case_exact: bool,
}

const fn attr(name: &'static str, kind: &'static str) -> Attr {
    Attr {
        name,
        kind,
        multi: false,
        required: false,
        mutability: "readWrite",
        unique: "none",
        case_exact: false,
    }
}

impl Attr {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn multi(mut self) -> Self {
        self.multi = true;
        self
    }
    const fn unique(mut self) -> Self {
        self.unique = "server";
        self
    }
    const fn immutable(mut self) -> Self {
        self.mutability = "immutable";
        self
    }

    fn json(&self, description: &str, extra: Value) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": self.kind,
            "multiValued": self.multi,
            "description": description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": "default",
            "uniqueness": self.unique,
        });
        if let (Some(o), Value::Object(more)) = (v.as_object_mut(), extra) {
            o.extend(more);
        }
        v
    }
}

fn reference(to: &[&str], mutable: bool) -> Value {
    let mut a = attr("$ref", "reference");
    if !mutable {
        a = a.immutable();
    }
    a.json("The URI of the resource.", json!({"referenceTypes": to}))
}

fn schema(id: &str, name: &str, description: &str, attributes: Vec<Value>, base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
    })
}

pub fn user_schema(base: &str) -> Value {
    let email_subs = vec![
        attr("value", "string")
            .required()
            .json("The e-mail address.", json!({})),
        attr("type", "string").json(
            "Tessera keeps one work e-mail.",
            json!({"canonicalValues": ["work"]}),
        ),
    ];
    schema(
        USER_SCHEMA,
        "User",
        "A person of the directory.",
        vec![
            attr("userName", "string").required().unique().json(
                "The provider's unique name for the person (often their sign-in name).",
                json!({}),
            ),
            attr("displayName", "string")
                .required()
                .json("The name shown for the person.", json!({})),
            attr("emails", "complex").required().multi().json(
                "Tessera keeps one e-mail per person: the primary one, else the work one.",
                json!({"subAttributes": email_subs}),
            ),
            attr("active", "boolean").required().json(
                "false disables the person: their sessions end and they cannot sign in.",
                json!({}),
            ),
            attr("title", "string").json("The person's job title.", json!({})),
        ],
        base,
    )
}

pub fn enterprise_schema(base: &str) -> Value {
    schema(
        ENTERPRISE_SCHEMA,
        "EnterpriseUser",
        "What Tessera keeps of the enterprise extension.",
        vec![
            attr("employeeNumber", "string").json("The person's employee number.", json!({})),
            attr("department", "string").json("The person's department.", json!({})),
            attr("manager", "complex").json(
                "The person's manager: approvals and reviews \"by the manager\" go to them.",
                json!({"subAttributes": [
                    attr("value", "string").json("The manager's id.", json!({})),
                    reference(&["User"], true),
                ]}),
            ),
        ],
        base,
    )
}

pub fn group_schema(base: &str) -> Value {
    schema(
        GROUP_SCHEMA,
        "Group",
        "A directory group; it can be a resource of access packages.",
        vec![
            attr("displayName", "string")
                .required()
                .unique()
                .json("The group's name.", json!({})),
            attr("members", "complex").multi().json(
                "The people the directory made members (not those an access package gave).",
                json!({"subAttributes": [
                    attr("value", "string").immutable().json("The member's id.", json!({})),
                    reference(&["User"], false),
                    attr("type", "string").immutable().json(
                        "What the member is: Tessera's groups hold people.",
                        json!({"canonicalValues": ["User"]}),
                    ),
                ]}),
            ),
        ],
        base,
    )
}

pub fn schemas(base: &str) -> Vec<Value> {
    vec![
        user_schema(base),
        enterprise_schema(base),
        group_schema(base),
    ]
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "People",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Groups",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

pub fn service_provider_config(base: &str, documentation: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": documentation,
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A token an administrator creates in Tessera (Admin → Directory sync).",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_schema_publishes_what_tessera_keeps() {
        let s = user_schema("b");
        let names: Vec<&str> = s["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["userName", "displayName", "emails", "active", "title"]
        );
        assert_eq!(s["attributes"][0]["uniqueness"], "server");
        assert_eq!(s["meta"]["location"], format!("b/Schemas/{USER_SCHEMA}"));
    }
}
