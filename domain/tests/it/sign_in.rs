//! Sign-in against real databases.

use domain::DomainError;
use domain::on_both_databases;
use domain::service::auth::{WRONG_CREDENTIALS, create_administrator, resolve_actor, sign_in};
use domain::testing::*;

fn message(r: Result<domain::model::UserId, DomainError>) -> String {
    match r {
        Err(DomainError::Invalid(f)) => f[0].message.clone(),
        Err(DomainError::Throttled { retry_after_secs }) => format!("wait {retry_after_secs}"),
        other => format!("{other:?}"),
    }
}

async fn the_right_password_signs_in_and_records_it(env: TestEnv) {
    let id = create_administrator(
        &env.ctx,
        "boss@woodgrove.example",
        "Boss",
        "a long test password",
    )
    .await
    .unwrap();
    assert_eq!(
        sign_in(&env.ctx, " Boss@Woodgrove.example ", "a long test password")
            .await
            .unwrap(),
        id
    );
    let actor = resolve_actor(&env.ctx, id).await.unwrap().unwrap();
    assert!(actor.can_open_admin());
    let admin = actor.clone();
    let detail = domain::service::directory::user_detail(&env.ctx, &admin, id)
        .await
        .unwrap();
    assert_eq!(
        detail.last_sign_in_at,
        Some(domain::testing::start_instant())
    );
}

async fn wrong_email_and_wrong_password_say_the_same(env: TestEnv) {
    create_administrator(
        &env.ctx,
        "boss@woodgrove.example",
        "Boss",
        "a long test password",
    )
    .await
    .unwrap();
    assert_eq!(
        message(sign_in(&env.ctx, "boss@woodgrove.example", "wrong").await),
        WRONG_CREDENTIALS
    );
    assert_eq!(
        message(sign_in(&env.ctx, "nobody@woodgrove.example", "wrong").await),
        WRONG_CREDENTIALS
    );
    // A malformed email is a field error before anything is looked up or counted.
    assert_eq!(
        message(sign_in(&env.ctx, "not an email", "wrong").await),
        "Email must look like name@example.com."
    );
    assert_eq!(
        message(sign_in(&env.ctx, "", "").await),
        "Email is required."
    );
}

async fn repeated_failures_are_throttled_then_released(env: TestEnv) {
    create_administrator(
        &env.ctx,
        "boss@woodgrove.example",
        "Boss",
        "a long test password",
    )
    .await
    .unwrap();
    for _ in 0..5 {
        assert_eq!(
            message(sign_in(&env.ctx, "boss@woodgrove.example", "wrong").await),
            WRONG_CREDENTIALS
        );
    }
    // Locked now, even with the right password, and the wait is stated.
    assert_eq!(
        message(sign_in(&env.ctx, "boss@woodgrove.example", "a long test password").await),
        "wait 30"
    );
    env.clock.advance(chrono::Duration::seconds(20));
    assert_eq!(
        message(sign_in(&env.ctx, "BOSS@woodgrove.example", "a long test password").await),
        "wait 10"
    );
    env.clock.advance(chrono::Duration::seconds(10));
    assert!(
        sign_in(&env.ctx, "boss@woodgrove.example", "a long test password")
            .await
            .is_ok()
    );
    // Success resets the count.
    assert_eq!(
        message(sign_in(&env.ctx, "boss@woodgrove.example", "wrong").await),
        WRONG_CREDENTIALS
    );
}

async fn disabled_accounts_cannot_sign_in_or_keep_a_session(env: TestEnv) {
    let admin = env.admin().await;
    let form = domain::model::UserForm {
        email: "off@woodgrove.example".into(),
        display_name: "Off".into(),
        user_type: "member".into(),
        enabled: true,
        ..Default::default()
    };
    let id = domain::service::directory::create_user(&env.ctx, &admin, &form)
        .await
        .unwrap();
    set_password(&env, id, "another long password").await;
    assert!(
        sign_in(&env.ctx, "off@woodgrove.example", "another long password")
            .await
            .is_ok()
    );
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
        message(sign_in(&env.ctx, "off@woodgrove.example", "another long password").await),
        WRONG_CREDENTIALS
    );
    assert!(resolve_actor(&env.ctx, id).await.unwrap().is_none());
}

/// Security review, hole 4: the lock was checked before the hash and outside the write
/// transaction, so parallel guesses all got through.
async fn parallel_guesses_get_only_the_free_attempts(env: TestEnv) {
    create_administrator(
        &env.ctx,
        "boss@woodgrove.example",
        "Boss",
        "a long test password",
    )
    .await
    .unwrap();
    let guesses: Vec<_> = (0..40)
        .map(|n| {
            let ctx = env.ctx.clone();
            tokio::spawn(async move {
                message(sign_in(&ctx, "boss@woodgrove.example", &format!("guess {n}")).await)
            })
        })
        .collect();
    let mut checked = 0;
    let mut refused = 0;
    for g in guesses {
        match g.await.unwrap().as_str() {
            WRONG_CREDENTIALS => checked += 1,
            m if m.starts_with("wait ") => refused += 1,
            other => panic!("unexpected answer {other}"),
        }
    }
    assert_eq!(
        (checked, refused),
        (domain::rules::sign_in::FREE_FAILURES as usize, 35)
    );
    // The right password is refused too while the lock holds.
    assert!(
        message(sign_in(&env.ctx, "boss@woodgrove.example", "a long test password").await)
            .starts_with("wait ")
    );
}

/// A multi-kilobyte "email" was the throttle key (rows never purged; it broke the Postgres
/// index and answered 500). Now it is a field error and nothing is stored.
async fn oversized_emails_are_refused_and_old_throttle_rows_purged(env: TestEnv) {
    let huge = format!("{}@woodgrove.example", "a".repeat(8_000));
    assert_eq!(
        message(sign_in(&env.ctx, &huge, "whatever").await),
        "Email must be at most 254 characters."
    );
    assert_eq!(
        message(sign_in(&env.ctx, "someone@woodgrove.example", "wrong").await),
        WRONG_CREDENTIALS
    );
    let rows = || async {
        let mut conn = env.ctx.read().await.unwrap();
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sign_in_throttle")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    assert_eq!(rows().await, 1, "only the well-formed email was counted");
    assert_eq!(
        domain::service::auth::purge_stale(&env.ctx)
            .await
            .unwrap()
            .1,
        0
    );
    env.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        domain::service::auth::purge_stale(&env.ctx)
            .await
            .unwrap()
            .1,
        1
    );
    assert_eq!(rows().await, 0);
}

on_both_databases!(
    parallel_guesses_get_only_the_free_attempts,
    oversized_emails_are_refused_and_old_throttle_rows_purged,
    the_right_password_signs_in_and_records_it,
    wrong_email_and_wrong_password_say_the_same,
    repeated_failures_are_throttled_then_released,
    disabled_accounts_cannot_sign_in_or_keep_a_session,
);
