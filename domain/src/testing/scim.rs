//! A real SCIM 2.0 service provider (scim2-server, from PyPI, installed by
//! `scripts/setup.sh` in `.tools/scim`) for the connector tests: resources in memory, one
//! server per case on its own port, a static bearer token. Killed when dropped.

use super::db::postgres_required;
use serde_json::{Value, json};

/// The token the test server accepts.
pub const TOKEN: &str = "scim-test-token";

/// The scim2-server program, or `None` (with a note) when it isn't installed and the run
/// doesn't require it (`CI=true` does).
fn server_binary() -> Option<String> {
    let bin = std::env::var("TESSERA_SCIM_SERVER").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../.tools/scim/bin/scim2-server"
        )
        .into()
    });
    if std::path::Path::new(&bin).exists() {
        return Some(bin);
    }
    assert!(
        !postgres_required(),
        "scim2-server is required (CI): run `source scripts/setup.sh; tessera_setup_scim_checker` or set TESSERA_SCIM_SERVER"
    );
    eprintln!("SKIPPED: scim2-server is not installed ({bin}); run scripts/setup.sh");
    None
}

pub struct ScimServer {
    child: std::process::Child,
    pub port: u16,
    http: reqwest::Client,
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ScimServer {
    /// A fresh server with no resources, accepting [`TOKEN`].
    pub async fn start() -> Option<Self> {
        let bin = server_binary()?;
        let port = super::slapd::free_port();
        let child = std::process::Command::new(bin)
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
            .args(["--bearer-token", TOKEN])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Self {
            child,
            port,
            http: reqwest::Client::new(),
        };
        for _ in 0..200 {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("scim2-server exited at start: {status}");
            }
            let ready = server
                .http
                .get(format!("{}/ServiceProviderConfig", server.url()))
                .bearer_auth(TOKEN)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return Some(server);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = server.child.kill();
        panic!("scim2-server did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/{path}", self.url()))
            .bearer_auth(TOKEN)
            .header("Content-Type", "application/scim+json");
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Adds a user; returns its id.
    pub async fn add_user(&self, user_name: &str, external_id: &str) -> String {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "externalId": external_id,
        });
        let made = self.call(reqwest::Method::POST, "Users", Some(user)).await;
        made["id"].as_str().unwrap().to_owned()
    }

    /// Adds an empty group; returns its id.
    pub async fn add_group(&self, name: &str) -> String {
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
        });
        let made = self
            .call(reqwest::Method::POST, "Groups", Some(group))
            .await;
        made["id"].as_str().unwrap().to_owned()
    }

    /// The ids of the group's members, sorted.
    pub async fn members(&self, group: &str) -> Vec<String> {
        let found = self
            .call(
                reqwest::Method::GET,
                &format!("Groups/{group}?attributes=members"),
                None,
            )
            .await;
        let mut ids: Vec<String> = found["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|v| v["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// Adds or removes a member the way an application's own admin would: behind Tessera's
    /// back.
    pub async fn set_member_outside(&self, group: &str, user: &str, member: bool) {
        let operation = if member {
            json!({"op": "add", "path": "members", "value": [{"value": user}]})
        } else {
            json!({"op": "remove", "path": format!("members[value eq \"{user}\"]")})
        };
        let patch = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [operation],
        });
        self.call(
            reqwest::Method::PATCH,
            &format!("Groups/{group}"),
            Some(patch),
        )
        .await;
    }
}
