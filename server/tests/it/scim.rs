//! `/scim/v2` end to end in-process: the request sequences Microsoft Entra ID's and Okta's
//! provisioning clients are documented to send, tokens, filters and paging, errors; and an
//! independent compliance checker (`scim2-tester`, from PyPI) against a running server.

use crate::helpers::*;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::model::*;
use domain::on_both_databases;
use domain::service::scim as sync;
use domain::testing::*;
use serde_json::{Value, json};
use tower::ServiceExt;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

struct Scim {
    app: Router,
    token: String,
    admin: Actor,
}

async fn scim_app(env: &TestEnv) -> Scim {
    let admin = env.admin().await;
    let token = sync::create_token(&env.ctx, &admin, "Microsoft Entra ID")
        .await
        .unwrap();
    Scim {
        app: router(env),
        token: token.secret,
        admin,
    }
}

impl Scim {
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (status, _, body) = send(&self.app, method, path, Some(&self.token), body).await;
        (status, body)
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send("GET", path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }
}

async fn send(
    app: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("/scim/v2{path}"))
        .header(header::CONTENT_TYPE, "application/scim+json");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 8 * 1024 * 1024)
        .await
        .unwrap();
    if !bytes.is_empty() {
        assert_eq!(
            headers.get(header::CONTENT_TYPE).unwrap(),
            "application/scim+json",
            "{method} {path}"
        );
    }
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, json)
}

fn q(filter: &str) -> String {
    urlencode(filter)
}

fn entra_user(user_name: &str, email: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": format!("ext-{user_name}"),
        "userName": user_name,
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": email}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
        "roles": [],
        ENTERPRISE: {"department": "Research", "employeeNumber": "1815"}
    })
}

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

async fn audit_actions(env: &TestEnv, target: &str) -> Vec<String> {
    let mut conn = env.ctx.read().await.unwrap();
    sqlx::query_scalar("SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq")
        .bind(target)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
}

/// Microsoft Entra ID's user sequence: look up by userName, create, look up again, update the
/// e-mail and name, set the manager, disable, delete; then the same userName again (a rehire).
async fn an_entra_user_is_created_managed_disabled_and_deleted(env: TestEnv) {
    let s = scim_app(&env).await;
    let name = "Test_User_ab6490ee@contoso.com";
    let filter = format!("/Users?filter={}", q(&format!("userName eq \"{name}\"")));
    assert_eq!(s.get(&filter).await["totalResults"], 0);

    let (status, headers, user) = send(
        &s.app,
        "POST",
        "/Users",
        Some(&s.token),
        Some(entra_user(name, "Ada@Contoso.com")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(
        headers.get(header::LOCATION).unwrap().to_str().unwrap(),
        format!("{ORIGIN}/scim/v2/Users/{id}")
    );
    assert_eq!(user["userName"], name);
    assert_eq!(user["displayName"], "Ada Lovelace");
    assert_eq!(
        user["emails"],
        json!([{"value": "ada@contoso.com", "type": "work"}])
    );
    assert_eq!(
        user[ENTERPRISE],
        json!({"department": "Research", "employeeNumber": "1815"})
    );

    // Case-insensitive, as userName is.
    let upper = format!(
        "/Users?filter={}",
        q(&format!("userName eq \"{}\"", name.to_uppercase()))
    );
    assert_eq!(s.get(&upper).await["Resources"][0]["id"], id.as_str());
    let by_external = format!(
        "/Users?filter={}",
        q(&format!("externalId eq \"ext-{name}\""))
    );
    assert_eq!(s.get(&by_external).await["totalResults"], 1);

    let (status, updated) = s
        .send("PATCH", &format!("/Users/{id}"), Some(patch(json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ada.lovelace@contoso.com"},
            {"op": "Replace", "path": "name.familyName", "value": "King"},
        ]))))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["emails"][0]["value"], "ada.lovelace@contoso.com");

    // The manager, as Entra sends it: the id as a plain value.
    let (_, boss) = s
        .send(
            "POST",
            "/Users",
            Some(entra_user("boss@contoso.com", "boss@contoso.com")),
        )
        .await;
    let boss_id = boss["id"].as_str().unwrap();
    let (status, managed) = s
        .send(
            "PATCH",
            &format!("/Users/{id}"),
            Some(patch(json!([
                {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": boss_id},
            ]))),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{managed}");
    assert_eq!(managed[ENTERPRISE]["manager"]["value"], boss_id);
    let person =
        domain::service::directory::user_detail(&env.ctx, &s.admin, UserId::parse(&id).unwrap())
            .await
            .unwrap();
    assert_eq!(person.user.manager.unwrap().email, "boss@contoso.com");
    assert_eq!(person.user.department, "Research");

    // Disabled ("False" as text, as Entra sends it): sign-in and sessions end.
    let user_id = UserId::parse(&id).unwrap();
    set_password(&env, user_id, "a long test password").await;
    domain::service::auth::sign_in(&env.ctx, "ada.lovelace@contoso.com", "a long test password")
        .await
        .unwrap();
    let (status, disabled) = s
        .send(
            "PATCH",
            &format!("/Users/{id}"),
            Some(patch(
                json!([{"op": "Replace", "path": "active", "value": "False"}]),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{disabled}");
    assert_eq!(disabled["active"], false);
    assert!(
        domain::service::auth::sign_in(
            &env.ctx,
            "ada.lovelace@contoso.com",
            "a long test password"
        )
        .await
        .is_err()
    );
    assert!(
        domain::service::auth::resolve_actor(&env.ctx, user_id)
            .await
            .unwrap()
            .is_none()
    );

    let (status, _) = s.send("DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = s.send("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(
        (status, gone["status"].as_str()),
        (StatusCode::NOT_FOUND, Some("404"))
    );
    assert_eq!(s.get(&filter).await["totalResults"], 0);
    // Kept, disabled, with their history.
    assert_eq!(
        count_rows(
            &env,
            &format!("SELECT COUNT(*) FROM users WHERE id = '{id}' AND enabled = 0")
        )
        .await,
        1
    );
    assert_eq!(
        audit_actions(&env, &id).await,
        [
            "user.created",
            "user.updated",
            "user.updated",
            "user.sign_in",
            "user.disabled",
            "user.deleted"
        ]
    );

    // A rehire: the same userName brings the same person back.
    let (status, again) = s
        .send("POST", "/Users", Some(entra_user(name, "ada@contoso.com")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["active"], true);
    assert_invariants(&env).await;
}

/// A group pushed and its members added and removed the ways Entra ID and Okta do it; the
/// membership an administrator gave is not SCIM's to remove.
async fn pushed_members_are_grants_of_their_own(env: TestEnv) {
    let s = scim_app(&env).await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        let (status, u) = s
            .send(
                "POST",
                "/Users",
                Some(json!({"userName": format!("p{n}@contoso.com")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{u}");
        ids.push(u["id"].as_str().unwrap().to_owned());
    }
    let (status, group) = s
        .send(
            "POST",
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "Office Licenses Sync",
                "meta": {"resourceType": "Group"},
                "members": [],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let look = format!(
        "/Groups?filter={}&excludedAttributes=members",
        q("displayName eq \"office licenses sync\"")
    );
    let found = s.get(&look).await;
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none());

    let add = patch(json!([{"op": "Add", "path": "members", "value": [
        {"$ref": null, "value": ids[0]}, {"$ref": null, "value": ids[1]}, {"value": ids[2]}
    ]}]));
    // The answer is the group as it is now (204 only for a group of over 1,000 members).
    let (status, body) = s.send("PATCH", &format!("/Groups/{gid}"), Some(add)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["members"].as_array().unwrap().len(), 3);
    let members = s.get(&format!("/Groups/{gid}")).await["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(members, 3);
    // Entra's membership check.
    let check = format!(
        "/Groups?filter={}&excludedAttributes=members",
        q(&format!("id eq \"{gid}\" and members eq \"{}\"", ids[0]))
    );
    assert_eq!(s.get(&check).await["totalResults"], 1);

    // An administrator also adds p1 directly.
    let group_id = GroupId::parse(&gid).unwrap();
    let p1 = UserId::parse(&ids[0]).unwrap();
    domain::service::directory::add_member(&env.ctx, &s.admin, group_id, "p1@contoso.com")
        .await
        .unwrap();

    // Okta removes by filter; Entra with the members as the value.
    let (status, _) = s
        .send(
            "PATCH",
            &format!("/Groups/{gid}?excludedAttributes=members"),
            Some(patch(
                json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])}]),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .send(
            "PATCH",
            &format!("/Groups/{gid}"),
            Some(patch(
                json!([{"op": "Remove", "path": "members", "value": [{"value": ids[1]}]}]),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let left: Vec<Value> = s.get(&format!("/Groups/{gid}")).await["members"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        left,
        vec![
            json!({"value": ids[2], "$ref": format!("{ORIGIN}/scim/v2/Users/{}", ids[2]), "type": "User"})
        ]
    );
    // p1 is still a member, by the administrator's grant.
    assert_eq!(
        grants(&env, group_id, p1).await,
        vec![domain::rules::grants::GrantSource::Direct]
    );
    assert_eq!(
        domain::service::directory::group_detail(
            &env.ctx,
            &s.admin,
            group_id,
            PageRequest::first()
        )
        .await
        .unwrap()
        .group
        .member_count,
        2
    );

    // Okta renames with no path.
    let (status, body) = s
        .send(
            "PATCH",
            &format!("/Groups/{gid}?attributes=displayName"),
            Some(patch(
                json!([{"op": "replace", "value": {"id": gid, "displayName": "Office Licenses"}}]),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["displayName"], "Office Licenses");
    assert_eq!(
        audit_actions(&env, &gid).await,
        [
            "group.created",
            "group.members_synced",
            "group.member_added",
            "group.members_synced",
            "group.members_synced",
            "group.updated"
        ]
    );

    // A group an access package uses cannot be deleted; an unused one can.
    let (_, used) = s
        .send(
            "POST",
            "/Groups",
            Some(json!({"displayName": "Used By A Package"})),
        )
        .await;
    let used_id = GroupId::parse(used["id"].as_str().unwrap()).unwrap();
    let draft = package_draft(&env, "Uses it", used_id, "Used By A Package");
    domain::service::packages::create_package(&env.ctx, &s.admin, &draft)
        .await
        .unwrap();
    let (status, refused) = s.send("DELETE", &format!("/Groups/{used_id}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("access package")
    );
    let (status, _) = s.send("DELETE", &format!("/Groups/{gid}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.send("GET", &format!("/Groups/{gid}"), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_invariants(&env).await;
}

/// Only a live token opens the service; only a Global Administrator makes and revokes them;
/// the sync page shows when each was used and its last refusal.
async fn only_live_tokens_open_the_service(env: TestEnv) {
    let s = scim_app(&env).await;
    let (status, headers, body) = send(&s.app, "GET", "/Users", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.get(header::WWW_AUTHENTICATE).is_some());
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    let (status, _, _) = send(&s.app, "GET", "/Users", Some("tscim_0000"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Only directory administrators make tokens and read the sync page.
    let eric = person(&env, &s.admin, "eric@woodgrove.example", "").await;
    forbidden(sync::create_token(&env.ctx, &eric, "Okta").await);
    forbidden(sync::status(&env.ctx, &eric).await);
    forbidden(sync::revoke_token(&env.ctx, &eric, "anything").await);
    let helpdesk = person(&env, &s.admin, "helpdesk@woodgrove.example", "").await;
    let helpdesk = give_role(&env, &helpdesk, DirectoryRole::UserAdministrator).await;
    sync::create_token(&env.ctx, &helpdesk, "Okta")
        .await
        .unwrap();
    assert!(
        field_names(
            sync::create_token(&env.ctx, &s.admin, "  ")
                .await
                .unwrap_err()
        )
        .contains(&"name".to_string())
    );

    // Used, then refused once: the sync page says so.
    let (status, _) = s
        .send("POST", "/Users", Some(json!({"userName": "no-email"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let page = sync::status(&env.ctx, &s.admin).await.unwrap();
    let token = page
        .tokens
        .iter()
        .find(|t| t.name == "Microsoft Entra ID")
        .unwrap();
    assert!(token.last_used_at.is_some());
    assert!(
        token
            .last_error
            .as_deref()
            .unwrap()
            .contains("POST /scim/v2/Users: 400"),
        "{token:?}"
    );
    // The secret is stored only as its hash.
    assert_eq!(
        count_rows(
            &env,
            &format!(
                "SELECT COUNT(*) FROM scim_tokens WHERE token_hash = '{}'",
                s.token
            )
        )
        .await,
        0
    );

    sync::revoke_token(&env.ctx, &s.admin, &token.id)
        .await
        .unwrap();
    assert_eq!(
        s.send("GET", "/Users", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        audit_actions(&env, &token.id).await,
        ["scim.token_created", "scim.token_revoked"]
    );
}

/// Filters, paging and attribute selection, on GET and on POST /.search.
async fn filters_pages_and_attributes(env: TestEnv) {
    let s = scim_app(&env).await;
    for n in 1..=5 {
        let (status, _) = s
            .send("POST", "/Users", Some(json!({"userName": format!("scim-{n}@fabrikam.com"), "title": if n % 2 == 0 { "Engineer" } else { "Analyst" }})))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let sw = q("userName sw \"scim-\"");
    let page = s
        .get(&format!("/Users?filter={sw}&startIndex=2&count=2"))
        .await;
    assert_eq!(
        (
            page["totalResults"].as_i64(),
            page["startIndex"].as_i64(),
            page["itemsPerPage"].as_i64()
        ),
        (Some(5), Some(2), Some(2))
    );
    assert_eq!(page["Resources"][0]["userName"], "scim-2@fabrikam.com");
    let counted = s.get(&format!("/Users?filter={sw}&count=0")).await;
    assert_eq!(
        (
            counted["totalResults"].as_i64(),
            counted["Resources"].as_array().map(Vec::len)
        ),
        (Some(5), Some(0))
    );

    let both = q("userName co \"fabrikam\" and title eq \"engineer\"");
    assert_eq!(
        s.get(&format!("/Users?filter={both}")).await["totalResults"],
        2
    );
    let within = q("emails[type eq \"work\" and value co \"scim-3\"]");
    assert_eq!(
        s.get(&format!("/Users?filter={within}")).await["totalResults"],
        1
    );
    let either = q(
        "not (title eq \"Analyst\") and (userName ew \"2@fabrikam.com\" or userName ew \"4@fabrikam.com\")",
    );
    assert_eq!(
        s.get(&format!("/Users?filter={either}")).await["totalResults"],
        2
    );

    let only = s
        .get(&format!("/Users?filter={sw}&attributes=userName"))
        .await;
    let first = &only["Resources"][0];
    assert!(first.get("userName").is_some() && first.get("id").is_some());
    assert!(first.get("emails").is_none() && first.get("meta").is_none());
    let without = s
        .get(&format!(
            "/Users?filter={sw}&excludedAttributes=emails,title"
        ))
        .await;
    assert!(
        without["Resources"][0].get("emails").is_none()
            && without["Resources"][0].get("title").is_none()
    );

    let (status, searched) = s
        .send("POST", "/Users/.search", Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName sw \"scim-\"", "attributes": ["displayName"], "startIndex": 1, "count": 10
        })))
        .await;
    assert_eq!(status, StatusCode::OK, "{searched}");
    assert_eq!(searched["totalResults"], 5);
    assert!(searched["Resources"][0].get("emails").is_none());

    for bad in [
        "userName eq",
        "shoeSize eq \"9\"",
        "userName eq \"a\" extra",
    ] {
        let (status, e) = s
            .send("GET", &format!("/Users?filter={}", q(bad)), None)
            .await;
        assert_eq!(
            (status, e["scimType"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalidFilter")),
            "{bad}: {e}"
        );
    }
    let (status, _) = s.send("GET", "/Users?count=many", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Bad requests get a SCIM error naming the problem and change nothing.
async fn bad_requests_are_refused_by_name_and_change_nothing(env: TestEnv) {
    let s = scim_app(&env).await;
    let (_, ada) = s
        .send(
            "POST",
            "/Users",
            Some(entra_user("ada@contoso.com", "ada@contoso.com")),
        )
        .await;
    let id = ada["id"].as_str().unwrap().to_owned();
    let users_before = count_rows(&env, "SELECT COUNT(*) FROM users").await;
    let events_before = count_rows(&env, "SELECT COUNT(*) FROM audit_events").await;

    let cases: Vec<(&str, String, Value, u16, Option<&str>)> = vec![
        (
            "POST",
            "/Users".into(),
            json!({"userName": "ada@contoso.com"}),
            409,
            Some("uniqueness"),
        ),
        (
            "POST",
            "/Users".into(),
            json!({"userName": "bob@contoso.com", "emails": [{"value": "ada@contoso.com"}]}),
            409,
            Some("uniqueness"),
        ),
        (
            "POST",
            "/Users".into(),
            json!({"displayName": "No user name"}),
            400,
            Some("invalidValue"),
        ),
        (
            "POST",
            "/Users".into(),
            json!({"userName": "x@contoso.com", "emails": [{"value": "not an e-mail"}]}),
            400,
            Some("invalidValue"),
        ),
        (
            "POST",
            "/Users".into(),
            json!({"userName": "y@contoso.com", ENTERPRISE: {"manager": {"value": "nobody"}}}),
            400,
            Some("invalidValue"),
        ),
        (
            "PATCH",
            format!("/Users/{id}"),
            patch(json!([{"op": "remove", "path": "userName"}])),
            400,
            Some("mutability"),
        ),
        (
            "PATCH",
            format!("/Users/{id}"),
            patch(json!([{"op": "add", "path": "shoeSize", "value": "9"}])),
            400,
            Some("invalidPath"),
        ),
        (
            "PATCH",
            format!("/Users/{id}"),
            patch(json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": id}])),
            400,
            Some("invalidValue"),
        ),
        (
            "PATCH",
            format!("/Users/{id}"),
            json!({"Operations": [{"op": "replace", "path": "title", "value": "Ok"}, {"op": "move"}]}),
            400,
            Some("invalidSyntax"),
        ),
        (
            "PUT",
            "/Users/0000".into(),
            json!({"userName": "z@contoso.com"}),
            404,
            None,
        ),
        (
            "POST",
            "/Groups".into(),
            json!({"displayName": "G", "members": [{"value": "nobody"}]}),
            400,
            Some("invalidValue"),
        ),
        (
            "POST",
            "/Groups".into(),
            json!({"displayName": "G", "members": [{"value": id, "type": "Group"}]}),
            400,
            Some("invalidValue"),
        ),
    ];
    for (method, path, body, status, kind) in cases {
        let (got, e) = s.send(method, &path, Some(body.clone())).await;
        assert_eq!(
            (got.as_u16(), e["scimType"].as_str()),
            (status, kind),
            "{method} {path} {body}: {e}"
        );
        assert!(!e["detail"].as_str().unwrap_or_default().is_empty(), "{e}");
    }
    // Not JSON, and not JSON's type.
    let req = Request::post("/scim/v2/Users")
        .header(header::AUTHORIZATION, format!("Bearer {}", s.token))
        .header(header::CONTENT_TYPE, "application/scim+json")
        .body(Body::from("{not json"))
        .unwrap();
    let resp = s.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let req = Request::post("/scim/v2/Users")
        .header(header::AUTHORIZATION, format!("Bearer {}", s.token))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        s.app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        s.send("GET", "/Nothing", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.send("DELETE", "/ServiceProviderConfig", None).await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );

    // A Global Administrator is not the directory's to disable or delete.
    let root = s.admin.user_id.to_string();
    let (status, e) = s
        .send(
            "PATCH",
            &format!("/Users/{root}"),
            Some(patch(
                json!([{"op": "replace", "path": "active", "value": false}]),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(
        s.send("DELETE", &format!("/Users/{root}"), None).await.0,
        StatusCode::FORBIDDEN
    );

    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM users").await,
        users_before
    );
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM audit_events").await,
        events_before
    );
    assert_eq!(s.get(&format!("/Users/{id}")).await, ada);
}

/// The Python that has the SCIM checker, or `None` when it isn't there and the run doesn't
/// require it (CI does: `scripts/setup.sh` installs it).
fn checker() -> Option<String> {
    let bin = std::env::var("TESSERA_SCIM_CHECKER")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../.tools/scim/bin/scim").into());
    if std::path::Path::new(&bin).exists() {
        return Some(bin);
    }
    assert!(
        !domain::testing::postgres_required(),
        "the SCIM checker is required (CI): run scripts/setup.sh or set TESSERA_SCIM_CHECKER"
    );
    eprintln!("SKIPPED: the SCIM checker is not installed ({bin}); run scripts/setup.sh");
    None
}

/// scim2-tester (through scim2-cli) against a running server: discovery, then create, read,
/// replace, PATCH add/replace/remove of every attribute published, attribute selection,
/// search and delete, for users and groups. Every check must pass.
async fn an_independent_checker_finds_no_failure(env: TestEnv) {
    let Some(bin) = checker() else { return };
    let (url, token, served) = serve_on_a_port(&env, "scim2-tester").await;
    let args = [
        "--url".to_owned(),
        format!("{url}/scim/v2"),
        "--header".to_owned(),
        format!("Authorization: Bearer {token}"),
        "test".to_owned(),
    ];
    let out = run(bin, args.to_vec()).await;
    served.abort();
    let text = String::from_utf8_lossy(&out.stdout);
    let checks = text
        .lines()
        .filter(|l| l.starts_with("SUCCESS") || l.starts_with("ERROR") || l.starts_with("SKIPPED"))
        .count();
    assert!(
        out.status.success() && checks > 30,
        "the checker failed ({} checks):\n{text}\n{}",
        checks,
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("scim2-tester: {checks} checks, all SUCCESS");
}

/// The router on a real port, with a token made for `client`: (base URL, token, the server).
async fn serve_on_a_port(
    env: &TestEnv,
    client: &str,
) -> (String, String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let admin = env.admin().await;
    let token = sync::create_token(&env.ctx, &admin, client).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = config();
    config.public_url = url.clone();
    let mut ctx = env.ctx.clone();
    ctx.sessions = config.session_limits;
    let app = server::router(&config, ctx);
    let served = tokio::spawn(async move { axum::serve(listener, app).await });
    (url, token.secret, served)
}

async fn run(bin: String, args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || std::process::Command::new(&bin).args(&args).output())
        .await
        .unwrap()
        .unwrap()
}

/// The one check of scim-sanity Tessera fails on purpose: adding a member that is not a user
/// (a membership needs its person; the provider creates people first).
const SANITY_FAILS_ON_PURPOSE: &[&str] = &["PATCH /Groups/{id} add member"];

/// A second, independent checker: scim-sanity's probe (discovery, user and group lifecycles,
/// search and paging, error handling). Every check passes but the one Tessera refuses on
/// purpose, which must still be refused.
async fn a_second_checker_finds_only_the_refusal_tessera_chose(env: TestEnv) {
    let Some(scim) = checker() else { return };
    let bin = scim.replace("/bin/scim", "/bin/scim-sanity");
    let (url, token, served) = serve_on_a_port(&env, "scim-sanity").await;
    let args = vec![
        "probe".to_owned(),
        format!("{url}/scim/v2"),
        "--token".to_owned(),
        token,
        "--i-accept-side-effects".to_owned(),
    ];
    let out = run(bin, args).await;
    served.abort();
    let text = String::from_utf8_lossy(&out.stdout);
    let failed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("[FAIL] "))
        .collect();
    let passed = text
        .lines()
        .filter(|l| l.trim().starts_with("[PASS] "))
        .count();
    assert_eq!(
        failed,
        SANITY_FAILS_ON_PURPOSE,
        "scim-sanity:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        passed >= 25,
        "scim-sanity passed only {passed} checks:\n{text}"
    );
    eprintln!("scim-sanity: {passed} checks passed, the one chosen refusal failed");
}

on_both_databases!(with crate::helpers::server_fn_turn();
    an_entra_user_is_created_managed_disabled_and_deleted,
    pushed_members_are_grants_of_their_own,
    only_live_tokens_open_the_service,
    filters_pages_and_attributes,
    bad_requests_are_refused_by_name_and_change_nothing,
    an_independent_checker_finds_no_failure,
    a_second_checker_finds_only_the_refusal_tessera_chose,
);
