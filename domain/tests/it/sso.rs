//! Single sign-on's matching and the break-glass password rule, against real databases. The
//! protocol itself (a real provider, a real browser) is tested in end2end/tests/sso.spec.ts.

use domain::DomainError;
use domain::on_both_databases;
use domain::rules::sso::{PasswordSignIn, SsoRefusal};
use domain::service::auth::{PASSWORDS_OFF, sign_in as password_sign_in};
use domain::service::sso::{ProviderIdentity, SsoPolicy, sign_in};
use domain::testing::*;

const ISSUER: &str = "https://login.example.com";

fn identity(subject: &str, email: Option<&str>) -> ProviderIdentity {
    ProviderIdentity {
        issuer: ISSUER.into(),
        subject: subject.into(),
        email: email.map(str::to_owned),
        email_verified: true,
        name: Some("From The Provider".into()),
        provider: "Contoso ID".into(),
    }
}

async fn sso(env: &TestEnv, who: &ProviderIdentity) -> Result<domain::model::UserId, SsoRefusal> {
    sign_in(&env.ctx, who, SsoPolicy::default()).await.unwrap()
}

async fn the_first_sign_in_links_by_email_then_the_subject_decides(env: TestEnv) {
    let admin = env.admin().await;
    let eric = env.member(&admin, "eric@woodgrove.example").await;
    let first = identity("emp-42", Some("Eric@Woodgrove.example"));
    assert_eq!(sso(&env, &first).await, Ok(eric.user_id));
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM users WHERE oidc_issuer = 'https://login.example.com' AND oidc_subject = 'emp-42'"
        )
        .await,
        1
    );
    // The provider renamed the mailbox: the subject still finds Eric.
    let renamed = identity("emp-42", Some("eric.new@elsewhere.example"));
    assert_eq!(sso(&env, &renamed).await, Ok(eric.user_id));
    // Another identity that shows Eric's e-mail does not take the account over.
    let impostor = identity("emp-99", Some("eric@woodgrove.example"));
    assert_eq!(sso(&env, &impostor).await, Err(SsoRefusal::LinkedElsewhere));
    // The same subject at another provider is another identity.
    let elsewhere = ProviderIdentity {
        issuer: "https://other.example.com".into(),
        ..first.clone()
    };
    assert_eq!(
        sso(&env, &elsewhere).await,
        Err(SsoRefusal::LinkedElsewhere)
    );
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'user.sso_linked'"
        )
        .await,
        1
    );
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'user.sign_in' AND summary LIKE '% with Contoso ID'"
        )
        .await,
        2
    );
    assert_invariants(&env).await;
}

async fn unknown_unverified_and_disabled_people_are_refused(env: TestEnv) {
    let admin = env.admin().await;
    let users_before = count_rows(&env, "SELECT COUNT(*) FROM users").await;
    assert_eq!(
        sso(&env, &identity("x-1", Some("stranger@woodgrove.example"))).await,
        Err(SsoRefusal::Unknown)
    );
    assert_eq!(
        sso(&env, &identity("x-2", None)).await,
        Err(SsoRefusal::NoEmail)
    );
    env.member(&admin, "emma@woodgrove.example").await;
    let unverified = ProviderIdentity {
        email_verified: false,
        ..identity("x-3", Some("emma@woodgrove.example"))
    };
    assert_eq!(sso(&env, &unverified).await, Err(SsoRefusal::Unverified));
    let too_long = identity(&"s".repeat(256), Some("emma@woodgrove.example"));
    assert_eq!(sso(&env, &too_long).await, Err(SsoRefusal::Token));

    // Disabled after the first sign-in: refused by subject too.
    let id = id_of(&env, "emma@woodgrove.example").await;
    assert_eq!(
        sso(&env, &identity("x-4", Some("emma@woodgrove.example"))).await,
        Ok(id)
    );
    let form = user_form("emma@woodgrove.example", "Emma", "");
    domain::service::directory::update_user(
        &env.ctx,
        &admin,
        id,
        &domain::model::UserForm {
            enabled: false,
            ..form
        },
    )
    .await
    .unwrap();
    assert_eq!(
        sso(&env, &identity("x-4", Some("emma@woodgrove.example"))).await,
        Err(SsoRefusal::Disabled)
    );
    // Nothing was created by any refusal.
    assert_eq!(
        count_rows(&env, "SELECT COUNT(*) FROM users").await,
        users_before + 1
    );
}

async fn new_people_are_created_as_members_only_when_allowed(env: TestEnv) {
    let who = identity("new-1", Some("nina@woodgrove.example"));
    let create = SsoPolicy { create_users: true };
    let id = sign_in(&env.ctx, &who, create).await.unwrap().unwrap();
    let admin = env.admin().await;
    let detail = domain::service::directory::user_detail(&env.ctx, &admin, id)
        .await
        .unwrap();
    assert_eq!(detail.user.display_name, "From The Provider");
    assert_eq!(detail.user.email, "nina@woodgrove.example");
    assert_eq!(detail.user.user_type, domain::model::UserType::Member);
    assert!(detail.user.enabled);
    // Signing in again finds the same person, by subject.
    assert_eq!(sign_in(&env.ctx, &who, create).await.unwrap(), Ok(id));
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'user.created' AND actor_id IS NULL"
        )
        .await,
        1
    );
    // A name the directory cannot take falls back to the e-mail's local part.
    let odd = ProviderIdentity {
        name: Some("n".repeat(10_000)),
        ..identity("new-2", Some("omar.odd@woodgrove.example"))
    };
    let omar = sign_in(&env.ctx, &odd, create).await.unwrap().unwrap();
    let detail = domain::service::directory::user_detail(&env.ctx, &admin, omar)
        .await
        .unwrap();
    assert_eq!(detail.user.display_name, "omar.odd");
}

async fn passwords_can_be_kept_for_break_glass_administrators(env: TestEnv) {
    let admin = env.admin().await;
    set_password(&env, admin.user_id, "a long break-glass password").await;
    let eric = env.member(&admin, "eric@woodgrove.example").await;
    set_password(&env, eric.user_id, "a long member password").await;
    let mut ctx = env.ctx.clone();
    let named = |s: &str| domain::model::Email::parse(s).unwrap();
    let refused_with = |r: Result<domain::model::UserId, DomainError>| {
        assert!(
            matches!(&r, Err(DomainError::Invalid(f)) if f[0].message == PASSWORDS_OFF),
            "{r:?}"
        );
    };
    // Not named: refused before any password is checked or counted.
    ctx.password_sign_in = PasswordSignIn::BreakGlassOnly(vec![named(&admin.email)]);
    refused_with(password_sign_in(&ctx, "eric@woodgrove.example", "a long member password").await);
    assert_eq!(
        count_rows(
            &env,
            "SELECT COUNT(*) FROM sign_in_throttle WHERE email = 'eric@woodgrove.example'"
        )
        .await,
        0
    );
    assert_eq!(
        password_sign_in(&ctx, &admin.email, "a long break-glass password")
            .await
            .unwrap(),
        admin.user_id
    );
    // Named, right password, but no administrator role: refused all the same.
    ctx.password_sign_in =
        PasswordSignIn::BreakGlassOnly(vec![named(&admin.email), named("eric@woodgrove.example")]);
    refused_with(password_sign_in(&ctx, "eric@woodgrove.example", "a long member password").await);
}

on_both_databases!(
    the_first_sign_in_links_by_email_then_the_subject_decides,
    unknown_unverified_and_disabled_people_are_refused,
    new_people_are_created_as_members_only_when_allowed,
    passwords_can_be_kept_for_break_glass_administrators,
);
