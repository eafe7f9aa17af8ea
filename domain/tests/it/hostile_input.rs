//! Random and hostile values thrown at every parser and validator that takes outside input:
//! none may panic, and each answers either a value or field-level problems on fields it
//! names. Bounded case counts here; a longer run:
//!   PROPTEST_CASES=100000 cargo test --release -p domain --test it hostile_input::

use chrono::NaiveDate;
use domain::model::*;
use domain::rules::requests::{check_answers, check_period};
use proptest::prelude::*;

/// Strings a hostile client would send: any Unicode, control characters, long runs,
/// numbers at the edges, regex and CSV syntax.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[\\x00-\\x1f\\x7f]{0,8}",
        "-?[0-9]{1,25}",
        "[(){}\\[\\]*+?|^$\\\\.]{0,60}",
        "[\",\\r\\n=;@]{0,30}",
        Just(String::new()),
        Just("9".repeat(400)),
        Just("a".repeat(10_000)),
        Just("(a*)*b".repeat(50)),
        Just("\u{feff}\u{202e}\u{0}".to_owned()),
        Just("2026-02-30".to_owned()),
        Just("+275760-09-13".to_owned()),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(300),
        ..ProptestConfig::default()
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

fn fields_are_named(problems: &[FieldError]) -> bool {
    problems
        .iter()
        .all(|p| !p.field.is_empty() && !p.message.is_empty())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn emails_passwords_and_names_parse_or_explain(raw in hostile()) {
        let _ = Email::parse(&raw);
        let _ = NewPassword::parse(&raw);
        let _ = DisplayName::parse(&raw);
        let _ = domain::service::passwords::weakness(&raw, &raw);
        if let Ok(e) = Email::parse(&raw) {
            prop_assert!(e.as_str().len() <= Email::MAX_LEN);
        }
    }

    #[test]
    fn user_forms_are_valid_or_name_their_fields(
        email in hostile(), name in hostile(), kind in hostile(), manager in hostile(),
        department in hostile(), title in hostile(),
    ) {
        let form = UserForm {
            email, display_name: name, user_type: kind, manager_email: manager,
            department, job_title: title, enabled: true,
        };
        if let Err(problems) = form.parse() {
            prop_assert!(fields_are_named(&problems));
        }
    }

    #[test]
    fn policy_drafts_are_valid_or_name_their_fields(
        days in hostile(), hours in hostile(), date in hostile(), decision in hostile(),
        forward in hostile(), duration in hostile(), start in hostile(),
        question in hostile(), choices in hostile(), pattern in hostile(),
    ) {
        let mut d = PolicyDraft::new(today());
        d.expiry_days = days;
        d.expiry_hours = hours;
        d.expiry_date = date;
        d.stages[0].decision_days = decision;
        d.stages[0].forward = true;
        d.stages[0].forward_after_days = forward;
        d.review.required = true;
        d.review.duration_days = duration;
        d.review.starting_on = start;
        d.questions = vec![QuestionDraft {
            key: 1,
            text: question,
            format: AnswerFormat::ShortText,
            choices,
            required: true,
            pattern,
        }];
        let mut problems = Problems::default();
        let _ = d.validate(PolicyCheck::new(today()), &mut problems);
        prop_assert!(fields_are_named(&problems.0));
    }

    #[test]
    fn answers_are_checked_against_any_pattern_without_panicking(
        pattern in hostile(), answers in proptest::collection::vec(hostile(), 0..4),
    ) {
        let questions = vec![Question {
            text: "Cost center".into(),
            format: AnswerFormat::ShortText,
            choices: vec![],
            required: true,
            pattern: Some(pattern),
        }];
        let matcher = |p: &str, text: &str| {
            domain::model::compile_pattern(p).is_ok_and(|r| r.is_match(text))
        };
        let problems = check_answers(&questions, &answers, &matcher);
        prop_assert!(fields_are_named(&problems));
    }

    #[test]
    fn requested_periods_are_checked_at_any_dates(
        start_days in -100_000i64..100_000, len in -1_000i64..100_000, expiry_days in 0u32..5_000,
    ) {
        let start = today().checked_add_signed(chrono::Duration::days(start_days));
        let end = start.and_then(|s| s.checked_add_signed(chrono::Duration::days(len)));
        if let (Some(start), Some(end)) = (start, end) {
            let _ = check_period(Expiry::Days(expiry_days), today(), start, end);
            let _ = check_period(Expiry::Never, today(), start, end);
        }
    }

    #[test]
    fn ids_from_urls_parse_or_are_refused(raw in hostile()) {
        let _ = AccessPackageId::parse(&raw);
        let _ = UserId::parse(&raw);
        let _ = CatalogId::parse(&raw);
    }
}

/// The CSV import against a real database: a hostile file is refused line by line (or as a
/// whole) and writes nothing; it never fails inside.
async fn hostile_csv_imports_are_refused_and_write_nothing(env: domain::testing::TestEnv) {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let admin = env.admin().await;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    // The files are made first: proptest's strategies don't cross an await.
    let files: Vec<String> = {
        let mut runner = TestRunner::deterministic();
        let line = (hostile(), hostile(), hostile(), hostile());
        let file = proptest::collection::vec(line, 1..6);
        (0..40)
            .map(|_| {
                let rows = file.new_tree(&mut runner).unwrap().current();
                let mut csv =
                    String::from("email,display_name,type,manager_email,department,job_title\n");
                for (email, name, kind, manager) in rows {
                    // Every line is broken somewhere: the email has no @.
                    let email = email.replace('@', "");
                    csv.push_str(&format!("{email},{name},{kind},{manager},,\n"));
                }
                csv
            })
            .collect()
    };
    for csv in files {
        match domain::service::directory::import_users(&env.ctx, &admin, &csv).await {
            Ok(ImportOutcome::Rejected { lines }) => {
                assert!(lines.iter().all(|l| fields_are_named(&l.errors)));
            }
            Err(domain::DomainError::Invalid(problems)) => assert!(fields_are_named(&problems)),
            other => panic!("a hostile file was not refused: {other:?}\n{csv}"),
        }
    }
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(env.ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(before, after, "nothing was written");
}

/// NUL in searched or kept text: PostgreSQL refuses to hold it, which is the caller's input,
/// never an internal failure (SQLite finds nothing, or keeps it under the field's own rules).
async fn nul_in_text_is_the_callers_problem_never_an_internal_one(env: domain::testing::TestEnv) {
    let w = domain::testing::world(&env).await;
    let found =
        domain::service::packages::list(&env.ctx, &w.admin, "a\u{0}b", None, PageRequest::first())
            .await;
    match found {
        Ok(page) => assert_eq!(page.total, 0),
        Err(domain::DomainError::Invalid(problems)) => {
            assert_eq!(problems[0].field, "text");
            assert!(problems[0].message.contains("NUL"));
        }
        Err(other) => panic!("NUL in a search failed inside: {other:?}"),
    }
}

domain::on_both_databases!(
    hostile_csv_imports_are_refused_and_write_nothing,
    nul_in_text_is_the_callers_problem_never_an_internal_one,
);
