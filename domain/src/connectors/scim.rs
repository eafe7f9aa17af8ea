//! An application that speaks SCIM 2.0 as a service provider (RFC 7643, RFC 7644) as a
//! connected system: people are found by a filter on `userName` or `externalId`, memberships
//! are the group's `members`, changed with PATCH.

use crate::model::ScimSettings;
use crate::rules::connectors::{scim_filter_value, scim_status_words};
use serde_json::{Value, json};
use std::time::Duration;

/// How long connecting (and the TLS handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may wait for the whole answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest answer read (a group of 100,000 members is about 6 MB); a larger one is refused.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Most members read from one group.
pub const MAX_GROUP_MEMBERS: usize = 100_000;
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SCIM_JSON: &str = "application/scim+json";

/// A client of one SCIM application. A clone shares its connections.
#[derive(Clone)]
pub struct ScimSession {
    http: reqwest::Client,
    settings: ScimSettings,
    token: Option<String>,
}

/// Builds the client and reads the application's ServiceProviderConfig with the token: the
/// error says in words what failed (reaching it, TLS, the token), or that the application
/// cannot PATCH, which Tessera needs.
pub async fn connect(settings: &ScimSettings, token: Option<&str>) -> Result<ScimSession, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // The token is for this application only: never follow it elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Tessera");
    if !settings.ca_pem.is_empty() {
        let certs = reqwest::Certificate::from_pem_bundle(settings.ca_pem.as_bytes())
            .map_err(|e| format!("The trusted certificates could not be read: {e}"))?;
        if certs.is_empty() {
            return Err("The trusted certificates hold no certificate.".into());
        }
        builder = builder.tls_built_in_root_certs(false);
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    let http = builder
        .build()
        .map_err(|e| format!("The HTTP client could not be set up: {e}"))?;
    let session = ScimSession {
        http,
        settings: settings.clone(),
        token: token.map(str::to_owned),
    };
    let doing = format!("Reading {}/ServiceProviderConfig", settings.url);
    let config = session
        .send(
            session
                .http
                .get(format!("{}/ServiceProviderConfig", settings.url)),
            &doing,
        )
        .await?;
    if config.pointer("/patch/supported") == Some(&Value::Bool(false)) {
        return Err(format!(
            "{doing}: the application does not support PATCH, which Tessera uses to change a group's members"
        ));
    }
    Ok(session)
}

impl ScimSession {
    /// Sends a request with the token and reads its JSON answer (`Null` for none); a status
    /// other than 2xx is an error in words with the application's own `detail`.
    async fn send(&self, request: reqwest::RequestBuilder, doing: &str) -> Result<Value, String> {
        let mut request = request.header(reqwest::header::ACCEPT, SCIM_JSON);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| format!("{doing}: {}", super::transport_words(&e, "the application")))?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("{doing}: {}", super::transport_words(&e, "the application")))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(format!(
                    "{doing}: the answer is larger than {} MB",
                    MAX_BODY_BYTES / 1024 / 1024
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        if status.is_success() {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Value::Null);
            }
            return json.ok_or_else(|| format!("{doing}: the answer is not JSON"));
        }
        if status.is_redirection() {
            return Err(format!(
                "{doing}: the application redirects (HTTP {}); enter the address it redirects to",
                status.as_u16()
            ));
        }
        let detail = json
            .as_ref()
            .and_then(|j| j.get("detail"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        Err(scim_status_words(status.as_u16(), detail, doing))
    }

    /// The attribute people are matched on.
    pub fn attribute(&self) -> &'static str {
        self.settings.user_attribute.code()
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.settings.url)
    }

    /// The id of the one user whose match attribute is `value`; `None` when nobody's is.
    /// Several is an error: Tessera changes none of them.
    pub async fn find_person(&mut self, value: &str) -> Result<Option<String>, String> {
        let attr = self.settings.user_attribute.code();
        let doing = format!("Looking up the user with {attr} {value}");
        let filter = format!("{attr} eq {}", scim_filter_value(value));
        let found = self
            .send(
                self.http.get(self.url("Users")).query(&[
                    ("filter", filter.as_str()),
                    ("attributes", "id"),
                    ("count", "2"),
                ]),
                &doing,
            )
            .await?;
        let resources = found
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let total = found
            .get("totalResults")
            .and_then(Value::as_u64)
            .unwrap_or(resources.len() as u64);
        if total > 1 || resources.len() > 1 {
            return Err(format!(
                "{doing}: several users have {attr} {value}; Tessera changes none of them"
            ));
        }
        match resources.first() {
            None => Ok(None),
            Some(user) => user
                .get("id")
                .and_then(Value::as_str)
                .map(|id| Some(id.to_owned()))
                .ok_or_else(|| format!("{doing}: the application answered a user without an id")),
        }
    }

    /// Makes the user `person` a member of the group `group` or not, with PATCH. Already so is
    /// success: adding a member twice changes nothing (RFC 7644 §3.5.2.1), and removing one
    /// that is not there is answered `noTarget` by some applications.
    pub async fn set_member(
        &mut self,
        group: &str,
        person: &str,
        member: bool,
    ) -> Result<(), String> {
        let (operation, doing) = if member {
            (
                json!({"op": "add", "path": "members", "value": [{"value": person}]}),
                format!("Adding the user {person} to the group {group}"),
            )
        } else {
            (
                json!({
                    "op": "remove",
                    "path": format!("members[value eq {}]", scim_filter_value(person)),
                }),
                format!("Removing the user {person} from the group {group}"),
            )
        };
        let body = json!({"schemas": [PATCH_OP], "Operations": [operation]});
        let request = self
            .http
            .patch(self.url(&format!("Groups/{group}")))
            .header(reqwest::header::CONTENT_TYPE, SCIM_JSON)
            .body(body.to_string());
        match self.send(request, &doing).await {
            Ok(_) => Ok(()),
            Err(e) if !member && e.contains("(HTTP 400") && e.contains("noTarget") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Whether the group `id` exists (a group an administrator links).
    pub async fn check_group(&mut self, id: &str) -> Result<String, String> {
        let doing = format!("Reading the group {id}");
        let group = self
            .send(
                self.http
                    .get(self.url(&format!("Groups/{id}")))
                    .query(&[("attributes", "displayName")]),
                &doing,
            )
            .await?;
        Ok(group
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_owned())
    }

    /// The ids of the users the group lists as members (members that are groups are left
    /// out: Tessera manages people).
    pub async fn members(&mut self, group: &str) -> Result<Vec<String>, String> {
        let doing = format!("Reading the members of the group {group}");
        let found = self
            .send(
                self.http
                    .get(self.url(&format!("Groups/{group}")))
                    .query(&[("attributes", "members")]),
                &doing,
            )
            .await?;
        let members = found
            .get("members")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if members.len() > MAX_GROUP_MEMBERS {
            return Err(format!("{doing}: more than {MAX_GROUP_MEMBERS} members"));
        }
        Ok(members
            .iter()
            .filter(|m| m.get("type").and_then(Value::as_str) != Some("Group"))
            .filter_map(|m| m.get("value").and_then(Value::as_str))
            .map(str::to_owned)
            .collect())
    }
}
