//! Personal API tokens: made by their person (the secret shown once, stored hashed, never
//! audited), refused when bad field by field; a script with a live token acts as its person,
//! narrowed by the token's scope and catalog; revoked, expired or disabled means refused; and
//! idempotency keys make a retried POST answer once.

use chrono::Duration;
use domain::DomainError;
use domain::model::*;
use domain::on_both_databases;
use domain::service::api_tokens::{self as tokens, KeyedCall};
use domain::service::catalogs::{self as cat, CatalogInput};
use domain::service::directory;
use domain::testing::*;

fn form(name: &str, scope: &str, days: &str, catalog: &str) -> ApiTokenForm {
    ApiTokenForm {
        name: name.into(),
        scope: scope.into(),
        days: days.into(),
        catalog: catalog.into(),
    }
}

async fn a_token_acts_as_its_person_until_revoked_or_expired(env: TestEnv) {
    let w = world(&env).await;
    let made = tokens::create(
        &env.ctx,
        &w.eric,
        &form("HR script", "read_write", "30", ""),
    )
    .await
    .unwrap();
    assert!(made.secret.starts_with(API_TOKEN_PREFIX));
    assert_eq!(made.expires_at, start_instant() + Duration::days(30));
    // Stored as a hash only; the audit names the token, never its secret.
    assert_eq!(
        count_rows(
            &env,
            &format!(
                "SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{}'",
                made.secret
            )
        )
        .await,
        0
    );
    let audit: Vec<String> = {
        let mut conn = env.ctx.read().await.unwrap();
        sqlx::query_scalar(
            "SELECT summary || COALESCE(after_json, '') FROM audit_events WHERE target_id = $1",
        )
        .bind(&made.id)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
    };
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].contains("HR script") && !audit[0].contains(&made.secret),
        "{audit:?}"
    );

    let caller = tokens::authenticate(&env.ctx, &made.secret).await.unwrap();
    assert_eq!(caller.reader().user_id, w.eric.user_id);
    assert_eq!(caller.writer().unwrap().email, w.eric.email);
    let listed = tokens::my_tokens(&env.ctx, &w.eric).await.unwrap().tokens;
    assert_eq!(listed.len(), 1);
    assert!(
        listed[0].last_used_at.is_some(),
        "a call marks the token used"
    );
    assert!(
        tokens::my_tokens(&env.ctx, &w.maria)
            .await
            .unwrap()
            .tokens
            .is_empty()
    );

    for bad in [
        "",
        "tsr_",
        "tsr_nope",
        &made.secret[..made.secret.len() - 1],
        "tscim_x",
    ] {
        assert!(
            matches!(
                tokens::authenticate(&env.ctx, bad).await,
                Err(DomainError::Unauthenticated)
            ),
            "{bad:?}"
        );
    }
    // Only its person revokes it; then it is refused.
    assert!(matches!(
        tokens::revoke(&env.ctx, &w.maria, &made.id).await,
        Err(DomainError::NotFound(_))
    ));
    tokens::revoke(&env.ctx, &w.eric, &made.id).await.unwrap();
    assert!(matches!(
        tokens::authenticate(&env.ctx, &made.secret).await,
        Err(DomainError::Unauthenticated)
    ));
    assert!(matches!(
        tokens::revoke(&env.ctx, &w.eric, &made.id).await,
        Err(DomainError::NotFound(_))
    ));

    // Expired: refused from its expiry on.
    let short = tokens::create(&env.ctx, &w.eric, &form("short", "", "1", ""))
        .await
        .unwrap();
    assert!(tokens::authenticate(&env.ctx, &short.secret).await.is_ok());
    env.clock.advance(Duration::days(1));
    assert!(matches!(
        tokens::authenticate(&env.ctx, &short.secret).await,
        Err(DomainError::Unauthenticated)
    ));

    // A person who can no longer sign in: their tokens stop working too.
    let fiona = tokens::create(&env.ctx, &w.fiona, &form("f", "", "", ""))
        .await
        .unwrap();
    let detail = directory::user_detail(&env.ctx, &w.admin, w.fiona.user_id)
        .await
        .unwrap();
    let mut edit = user_form(&w.fiona.email, &detail.user.display_name, "");
    edit.enabled = false;
    directory::update_user(&env.ctx, &w.admin, w.fiona.user_id, &edit)
        .await
        .unwrap();
    assert!(matches!(
        tokens::authenticate(&env.ctx, &fiona.secret).await,
        Err(DomainError::Unauthenticated)
    ));
}

async fn bad_forms_are_refused_by_field_and_tokens_are_bounded(env: TestEnv) {
    let w = world(&env).await;
    let e = tokens::create(&env.ctx, &w.eric, &form("", "admin", "400", "x"))
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["name", "scope", "days", "catalog"]);
    // A catalog the person has no role in is not theirs to name.
    let general = cat::names(&env.ctx, &w.admin).await.unwrap()[0]
        .id
        .to_string();
    let e = tokens::create(&env.ctx, &w.eric, &form("x", "read", "1", &general))
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["catalog"]);
    assert_eq!(count_rows(&env, "SELECT COUNT(*) FROM api_tokens").await, 0);
    for i in 0..MAX_API_TOKENS {
        tokens::create(&env.ctx, &w.eric, &form(&format!("t{i}"), "", "", ""))
            .await
            .unwrap();
    }
    let e = tokens::create(&env.ctx, &w.eric, &form("one more", "", "", ""))
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["name"]);
    // The operator makes tokens for a person by e-mail, and names a missing one.
    let made = tokens::create_as_operator(&env.ctx, &w.maria.email, &form("ci", "read", "", ""))
        .await
        .unwrap();
    assert_eq!(
        tokens::authenticate(&env.ctx, &made.secret)
            .await
            .unwrap()
            .reader()
            .user_id,
        w.maria.user_id
    );
    let e = tokens::create_as_operator(
        &env.ctx,
        "nobody@woodgrove.example",
        &form("ci", "", "", ""),
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&e), ["email"]);
}

async fn scope_and_catalog_narrow_what_a_token_reaches(env: TestEnv) {
    let w = world(&env).await;
    let read = tokens::create(&env.ctx, &w.admin, &form("audit export", "read", "", ""))
        .await
        .unwrap();
    let caller = tokens::authenticate(&env.ctx, &read.secret).await.unwrap();
    assert!(caller.reader().is_governance_admin());
    assert!(matches!(caller.writer(), Err(DomainError::Forbidden(_))));

    let sales = cat::create(
        &env.ctx,
        &w.admin,
        &CatalogInput {
            name: "Sales",
            description: "",
            enabled: true,
        },
    )
    .await
    .unwrap();
    let general = CatalogId(
        cat::names(&env.ctx, &w.admin)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == "General")
            .unwrap()
            .id,
    );
    let narrow = tokens::create(
        &env.ctx,
        &w.admin,
        &form("sales bot", "read_write", "", &sales.to_string()),
    )
    .await
    .unwrap();
    let caller = tokens::authenticate(&env.ctx, &narrow.secret)
        .await
        .unwrap();
    let actor = caller.writer().unwrap();
    assert!(actor.can_manage_catalog(sales));
    assert!(
        !actor.can_read_catalog(general),
        "a Sales token reaches no other catalog"
    );
    assert!(!actor.can_manage_directory(), "nor the directory");
    let listed = tokens::my_tokens(&env.ctx, &w.admin).await.unwrap().tokens;
    assert!(listed.iter().any(|t| {
        t.catalog
            .as_ref()
            .is_some_and(|(c, n)| *c == sales && n == "Sales")
    }));
    // A package in General is out of the narrowed token's reach.
    let package = package(&env, &w, "Office", |_| {}).await;
    forbidden(domain::service::packages::detail(&env.ctx, actor, package).await);
}

async fn an_idempotency_key_runs_a_post_once(env: TestEnv) {
    let w = world(&env).await;
    let made = tokens::create(&env.ctx, &w.eric, &form("s", "read_write", "", ""))
        .await
        .unwrap();
    let caller = tokens::authenticate(&env.ctx, &made.secret).await.unwrap();
    let body = br#"{"requestType":"userAdd"}"#;
    assert_eq!(
        tokens::claim_key(&env.ctx, &caller, "k1", body)
            .await
            .unwrap(),
        KeyedCall::Run
    );
    assert!(matches!(
        tokens::claim_key(&env.ctx, &caller, "k1", body).await.unwrap(),
        KeyedCall::Conflict(m) if m.contains("still running")
    ));
    tokens::keep_answer(&env.ctx, &caller, "k1", 201, "{\"id\":1}")
        .await
        .unwrap();
    assert_eq!(
        tokens::claim_key(&env.ctx, &caller, "k1", body)
            .await
            .unwrap(),
        KeyedCall::Replay(201, "{\"id\":1}".into())
    );
    assert!(matches!(
        tokens::claim_key(&env.ctx, &caller, "k1", b"{}").await.unwrap(),
        KeyedCall::Conflict(m) if m.contains("different request")
    ));
    // A released key (the POST failed on Tessera's side) runs again.
    assert_eq!(
        tokens::claim_key(&env.ctx, &caller, "k2", body)
            .await
            .unwrap(),
        KeyedCall::Run
    );
    tokens::release_key(&env.ctx, &caller, "k2").await.unwrap();
    assert_eq!(
        tokens::claim_key(&env.ctx, &caller, "k2", body)
            .await
            .unwrap(),
        KeyedCall::Run
    );
    // Another token's keys are its own.
    let other = tokens::create(&env.ctx, &w.eric, &form("o", "read_write", "", ""))
        .await
        .unwrap();
    let other = tokens::authenticate(&env.ctx, &other.secret).await.unwrap();
    assert_eq!(
        tokens::claim_key(&env.ctx, &other, "k1", body)
            .await
            .unwrap(),
        KeyedCall::Run
    );
    let e = tokens::claim_key(&env.ctx, &caller, &"k".repeat(201), body)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["Idempotency-Key"]);
    // A day later the answer is forgotten (and pruned by the hourly clean-up).
    env.clock.advance(Duration::hours(25));
    domain::service::auth::purge_stale(&env.ctx).await.unwrap();
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM api_idempotency WHERE idem_key = 'k1'"
        )
        .await,
        0
    );
    assert_eq!(
        tokens::claim_key(&env.ctx, &caller, "k1", b"{}")
            .await
            .unwrap(),
        KeyedCall::Run
    );
}

/// A service account: a directory administrator makes it and its tokens; it cannot sign in
/// (no password, none can be set, no single sign-on, no session), its tokens act with its own
/// catalog roles, and only directory administrators manage them.
async fn a_service_account_acts_only_through_its_tokens(env: TestEnv) {
    use domain::service::auth;
    use domain::service::sso::{self, SsoPolicy};
    let w = world(&env).await;
    let form_of = |email: &str| directory::ServiceAccountForm {
        display_name: "HR onboarding".into(),
        email: email.into(),
        purpose: "Assigns access to new hires; looked after by HR IT".into(),
    };
    forbidden(
        directory::create_service_account(
            &env.ctx,
            &w.maria,
            &form_of("hr-sync@woodgrove.example"),
        )
        .await,
    );
    let bad = directory::create_service_account(&env.ctx, &w.admin, &form_of("not an email"))
        .await
        .unwrap_err();
    assert_eq!(field_names(&bad), ["email"]);
    let taken =
        directory::create_service_account(&env.ctx, &w.admin, &form_of("eric@woodgrove.example"))
            .await
            .unwrap_err();
    assert_eq!(field_names(&taken), ["email"]);
    let svc = directory::create_service_account(
        &env.ctx,
        &w.admin,
        &form_of("hr-sync@woodgrove.example"),
    )
    .await
    .unwrap();
    let detail = directory::user_detail(&env.ctx, &w.admin, svc)
        .await
        .unwrap();
    assert!(detail.user.service_account && detail.user.enabled);
    assert_eq!(
        detail.user.job_title,
        "Assigns access to new hires; looked after by HR IT"
    );

    // It cannot sign in, and cannot be given a way to.
    let reset = auth::reset_password(
        &env.ctx,
        &w.admin,
        svc,
        "a long new passphrase",
        "a long new passphrase",
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&reset), ["new_password"]);
    let promoted = auth::create_administrator(
        &env.ctx,
        "hr-sync@woodgrove.example",
        "HR",
        "a long test password",
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&promoted), ["email"]);
    let password = auth::sign_in(
        &env.ctx,
        "hr-sync@woodgrove.example",
        "a long test password",
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&password), ["form"]);
    let provider = sso::ProviderIdentity {
        issuer: "https://id.example.com".into(),
        subject: "svc-1".into(),
        email: Some("hr-sync@woodgrove.example".into()),
        email_verified: true,
        name: None,
        provider: "Contoso ID".into(),
    };
    assert_eq!(
        sso::sign_in(&env.ctx, &provider, SsoPolicy::default())
            .await
            .unwrap(),
        Err(domain::rules::sso::SsoRefusal::Disabled)
    );
    let now = domain::clock::Clock::now_ms(&*env.clock);
    assert!(
        auth::resolve_session(&env.ctx, svc, now)
            .await
            .unwrap()
            .is_none()
    );

    // Its tokens: made and revoked by directory administrators only, for service accounts only.
    forbidden(
        tokens::create_for_service_account(
            &env.ctx,
            &w.maria,
            svc,
            &form("HR", "read_write", "30", ""),
        )
        .await,
    );
    let person = tokens::create_for_service_account(
        &env.ctx,
        &w.admin,
        w.eric.user_id,
        &form("HR", "read", "30", ""),
    )
    .await
    .unwrap_err();
    assert!(
        conflict(&person).contains("is a person, not a service account"),
        "{person:?}"
    );
    let made = tokens::create_for_service_account(
        &env.ctx,
        &w.admin,
        svc,
        &form("HR", "read_write", "30", ""),
    )
    .await
    .unwrap();
    let caller = tokens::authenticate(&env.ctx, &made.secret).await.unwrap();
    assert_eq!(caller.reader().user_id, svc);
    // What it reaches follows its own catalog roles: none yet, then a catalog's.
    forbidden(
        domain::service::catalogs::list(&env.ctx, caller.reader(), "", PageRequest::new(1, 10))
            .await,
    );
    let sales = cat::create(
        &env.ctx,
        &w.admin,
        &CatalogInput {
            name: "Sales",
            description: "",
            enabled: true,
        },
    )
    .await
    .unwrap();
    cat::add_role(
        &env.ctx,
        &w.admin,
        sales,
        "hr-sync@woodgrove.example",
        CatalogRole::AccessPackageAssignmentManager,
    )
    .await
    .unwrap();
    let caller = tokens::authenticate(&env.ctx, &made.secret).await.unwrap();
    let seen =
        domain::service::catalogs::list(&env.ctx, caller.reader(), "", PageRequest::new(1, 10))
            .await
            .unwrap();
    assert_eq!(
        seen.items
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["Sales"]
    );
    let listed = tokens::service_account_tokens(&env.ctx, &w.admin, svc)
        .await
        .unwrap();
    assert_eq!(listed.tokens.len(), 1);
    assert_eq!(
        listed
            .catalogs
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["Sales"]
    );
    forbidden(tokens::revoke_for_service_account(&env.ctx, &w.maria, svc, &made.id).await);
    tokens::revoke_for_service_account(&env.ctx, &w.admin, svc, &made.id)
        .await
        .unwrap();
    assert!(matches!(
        tokens::authenticate(&env.ctx, &made.secret).await,
        Err(DomainError::Unauthenticated)
    ));
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM audit_events WHERE action IN ('user.service_account_created', 'api_token.created', 'api_token.revoked')").await,
        3
    );
}

on_both_databases!(
    a_service_account_acts_only_through_its_tokens,
    a_token_acts_as_its_person_until_revoked_or_expired,
    bad_forms_are_refused_by_field_and_tokens_are_bounded,
    scope_and_catalog_narrow_what_a_token_reaches,
    an_idempotency_key_runs_a_post_once,
);
