use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
}

fn fiona() -> Principal {
    Principal {
        kind: PrincipalKind::User,
        id: Uuid::from_u128(7),
        name: "Fiona Fallback".into(),
        detail: "fiona.fallback@woodgrove.example".into(),
    }
}

/// The tutorial's package: Office Licenses, Member of "Office Licenses", all members,
/// manager approval with a fallback, 365 days, annual manager reviews.
fn tutorial() -> PackageDraft {
    let mut d = PackageDraft::new(today());
    d.name = "Office Licenses".into();
    d.description = "Access to licenses for Office applications".into();
    d.resources = vec![ResourceRoleDraft {
        group_id: GroupId(Uuid::from_u128(1)),
        group_name: "Office Licenses".into(),
        role: ResourceRole::Member,
    }];
    d.policy.scope = TargetScope::AllMemberUsers;
    d.policy.stages[0].fallback = vec![fiona()];
    d.policy.review.required = true;
    d.policy.review.reviewers = ReviewerKind::Manager;
    d.policy.review.fallback = vec![fiona()];
    d
}

fn problems(d: &PackageDraft) -> Vec<String> {
    match d.validate(PolicyCheck::new(today())) {
        Ok(_) => vec![],
        Err(e) => e.into_iter().map(|f| f.field).collect(),
    }
}

fn message(d: &PackageDraft, field: &str) -> String {
    match d.validate(PolicyCheck::new(today())) {
        Ok(_) => panic!("expected a problem on {field}"),
        Err(e) => e
            .into_iter()
            .find(|f| f.field == field)
            .map(|f| f.message)
            .unwrap_or_else(|| panic!("no problem on {field}")),
    }
}

#[test]
fn the_tutorial_package_is_valid_and_stored_as_typed() {
    let v = tutorial().validate(PolicyCheck::new(today())).unwrap();
    assert_eq!(v.name.as_str(), "Office Licenses");
    assert_eq!(v.catalog, CatalogId::GENERAL);
    assert_eq!(v.resources.len(), 1);
    let spec = &v.policy.2;
    assert_eq!(spec.scope, TargetScope::AllMemberUsers);
    assert!(spec.requestor_justification);
    let stages = spec.stages.as_ref().unwrap();
    assert_eq!(stages.len(), 1);
    assert_eq!(stages[0].approver, ApproverSpec::Manager);
    assert_eq!(stages[0].decision_days, 14);
    assert!(stages[0].require_justification);
    assert_eq!(spec.expiry, Expiry::Days(365));
    let review = spec.review.as_ref().unwrap();
    assert_eq!(review.frequency, ReviewFrequency::Annually);
    assert_eq!(review.starting_on, today());
    assert_eq!(review.reviewers, ReviewerKind::Manager);
}

#[test]
fn a_spec_round_trips_through_the_editor() {
    let d = tutorial();
    let v = d.validate(PolicyCheck::new(today())).unwrap();
    let (name, description, spec) = v.policy;
    let back = spec.to_draft(name.as_str(), description.as_str(), today());
    let mut again = Problems::default();
    let (_, _, spec2) = back
        .validate(PolicyCheck::new(today()), &mut again)
        .unwrap();
    assert_eq!(spec, spec2);
}

#[test]
fn basics_are_required_and_bounded() {
    let mut d = tutorial();
    d.name = "  ".into();
    d.description = String::new();
    d.catalog_id = "nope".into();
    assert_eq!(problems(&d), vec!["name", "description", "catalog"]);
    d = tutorial();
    d.name = "x".repeat(201);
    assert_eq!(message(&d, "name"), "Name must be at most 200 characters.");
}

#[test]
fn a_resource_role_is_listed_once() {
    let mut d = tutorial();
    d.resources.push(d.resources[0].clone());
    assert_eq!(problems(&d), vec!["resources"]);
    d.resources.truncate(1);
    d.resources.push(ResourceRoleDraft {
        role: ResourceRole::Owner,
        ..d.resources[0].clone()
    });
    assert!(problems(&d).is_empty());
}

#[test]
fn decision_days_are_one_to_fourteen() {
    for (days, ok) in [
        ("0", false),
        ("1", true),
        ("14", true),
        ("15", false),
        ("x", false),
        ("", false),
    ] {
        let mut d = tutorial();
        d.policy.stages[0].decision_days = days.into();
        assert_eq!(problems(&d).is_empty(), ok, "{days}");
    }
    let mut d = tutorial();
    d.policy.stages[0].decision_days = "0".into();
    assert_eq!(
        message(&d, "stages.0.decision_days"),
        "Decision must be made in how many days? must be a whole number from 1 to 14."
    );
}

#[test]
fn stages_are_one_to_three_and_only_the_first_may_ask_the_manager() {
    let mut d = tutorial();
    d.policy.set_stage_count(5);
    assert_eq!(d.policy.stages.len(), 3);
    // Later stages need specific approvers.
    assert_eq!(
        problems(&d),
        vec!["stages.1.approvers", "stages.2.approvers"]
    );
    d.policy.stages[1].approvers = vec![fiona()];
    d.policy.stages[2].approvers = vec![fiona()];
    assert!(problems(&d).is_empty());
    d.policy.stages[1].manager_as_approver = true;
    assert_eq!(
        message(&d, "stages.1.approvers"),
        "Manager as approver is only offered in the first stage."
    );
    d.policy.stages.clear();
    assert_eq!(problems(&d), vec!["stages"]);
    d.policy.set_stage_count(0);
    assert_eq!(d.policy.stages.len(), 1);
}

#[test]
fn approvers_are_required_unique_and_bounded() {
    let mut d = tutorial();
    d.policy.stages[0].manager_as_approver = false;
    assert_eq!(problems(&d), vec!["stages.0.approvers"]);
    d.policy.stages[0].approvers = vec![fiona(), fiona()];
    assert_eq!(problems(&d), vec!["stages.0.approvers"]);
    d.policy.stages[0].approvers = (0..51)
        .map(|i| Principal {
            id: Uuid::from_u128(100 + i),
            ..fiona()
        })
        .collect();
    assert_eq!(problems(&d), vec!["stages.0.approvers"]);
}

#[test]
fn forwarding_follows_the_products_rules() {
    assert!(check_forward(14, 7).is_ok());
    assert!(check_forward(14, 13).is_ok());
    assert!(check_forward(4, 2).is_ok());
    assert!(check_forward(5, 3).is_ok());
    assert!(check_forward(5, 2).is_err(), "less than half");
    assert!(check_forward(3, 2).is_err(), "window under 4 days");
    assert!(check_forward(14, 14).is_err(), "on the last day");
    assert!(check_forward(14, 6).is_err());

    let mut d = tutorial();
    d.policy.stages[0].forward = true;
    d.policy.stages[0].forward_after_days = "7".into();
    assert_eq!(problems(&d), vec!["stages.0.alternates"]);
    d.policy.stages[0].alternates = vec![fiona()];
    assert!(problems(&d).is_empty());
    d.policy.stages[0].forward_after_days = "20".into();
    assert_eq!(problems(&d), vec!["stages.0.forward_after_days"]);
    d.policy.stages[0].forward_after_days = "14".into();
    assert_eq!(
        message(&d, "stages.0.forward_after_days"),
        "Forward before the last day of the decision window: at most 13 days."
    );
    d.policy.stages[0].decision_days = "3".into();
    d.policy.stages[0].forward_after_days = "2".into();
    assert!(message(&d, "stages.0.forward_after_days").contains("at least 4 days"));
}

#[test]
fn specific_scope_needs_someone_and_none_asks_nothing() {
    let mut d = tutorial();
    d.policy.scope = TargetScope::SpecificDirectoryUsers;
    assert_eq!(problems(&d), vec!["specific"]);
    d.policy.specific = vec![fiona()];
    assert!(problems(&d).is_empty());

    let mut d = tutorial();
    d.policy.scope = TargetScope::NotSpecified;
    // Approval settings are not asked (and not checked) for direct assignments only.
    d.policy.stages[0].decision_days = "99".into();
    let v = d.validate(PolicyCheck::new(today())).unwrap();
    assert_eq!(v.policy.2.stages, None);
    assert!(!v.policy.2.requestor_justification);
}

#[test]
fn questions_are_checked() {
    let q = |text: &str, format, choices: &str, pattern: &str| QuestionDraft {
        key: 0,
        text: text.into(),
        format,
        choices: choices.into(),
        required: true,
        pattern: pattern.into(),
    };
    let mut d = tutorial();
    d.policy.questions = vec![
        q("Cost center?", AnswerFormat::ShortText, "", r"^\d{4}$"),
        q(
            "Which suite?",
            AnswerFormat::MultipleChoice,
            "Standard\nPremium\n",
            "",
        ),
        q("Why?", AnswerFormat::LongText, "", ""),
    ];
    assert!(problems(&d).is_empty());
    let v = d.validate(PolicyCheck::new(today())).unwrap();
    assert_eq!(v.policy.2.questions[1].choices, vec!["Standard", "Premium"]);

    d.policy.questions = vec![
        q("", AnswerFormat::ShortText, "", ""),
        q("Pick", AnswerFormat::MultipleChoice, "Only one", ""),
        q("Pick", AnswerFormat::MultipleChoice, "A\na", ""),
        q("Code", AnswerFormat::ShortText, "", "(unclosed"),
        q("Code", AnswerFormat::ShortText, "", &"a".repeat(501)),
        q("Code", AnswerFormat::ShortText, "", r"\w{1000}{1000}"),
        q("Pick", AnswerFormat::MultipleChoice, "A\nB", "x"),
    ];
    assert_eq!(
        problems(&d),
        vec![
            "questions.0.text",
            "questions.1.choices",
            "questions.2.choices",
            "questions.3.pattern",
            "questions.4.pattern",
            "questions.5.pattern",
            "questions.6.pattern",
        ]
    );
    assert!(message(&d, "questions.3.pattern").starts_with("The regular expression is not valid"));
    assert_eq!(
        message(&d, "questions.5.pattern"),
        "The regular expression is too complex; simplify it."
    );
    d.policy.questions = (0..21)
        .map(|_| q("Q", AnswerFormat::ShortText, "", ""))
        .collect();
    assert_eq!(problems(&d), vec!["questions"]);
}

#[test]
fn expiry_bounds() {
    for (kind, days, hours, date, ok) in [
        (ExpiryKind::Days, "1", "", "", true),
        (ExpiryKind::Days, "3660", "", "", true),
        (ExpiryKind::Days, "0", "", "", false),
        (ExpiryKind::Days, "3661", "", "", false),
        (ExpiryKind::Hours, "", "1", "", true),
        (ExpiryKind::Hours, "", "87840", "", true),
        (ExpiryKind::Hours, "", "87841", "", false),
        (ExpiryKind::Hours, "", "0", "", false),
        (ExpiryKind::OnDate, "", "", "2026-11-27", true),
        (ExpiryKind::OnDate, "", "", "2026-11-26", false),
        (ExpiryKind::OnDate, "", "", "2036-12-03", true),
        (ExpiryKind::OnDate, "", "", "2036-12-04", false),
        (ExpiryKind::OnDate, "", "", "27/11/2026", false),
        (ExpiryKind::Never, "0", "0", "", true),
    ] {
        let mut d = tutorial();
        d.policy.expiry_kind = kind;
        d.policy.expiry_days = days.into();
        d.policy.expiry_hours = hours.into();
        d.policy.expiry_date = date.into();
        assert_eq!(
            problems(&d).is_empty(),
            ok,
            "{kind:?} {days} {hours} {date}"
        );
    }
    let mut d = tutorial();
    d.policy.expiry_kind = ExpiryKind::Never;
    d.policy.allow_extension = true;
    assert_eq!(problems(&d), vec!["extension"]);
}

#[test]
fn reviews_are_checked() {
    let mut d = tutorial();
    d.policy.review.fallback.clear();
    assert_eq!(problems(&d), vec!["review_fallback"]);

    let mut d = tutorial();
    d.policy.review.reviewers = ReviewerKind::Specific;
    assert_eq!(problems(&d), vec!["review_specific"]);
    d.policy.review.reviewers = ReviewerKind::SelfReview;
    assert!(problems(&d).is_empty());

    let mut d = tutorial();
    d.policy.review.starting_on = "2026-11-25".into();
    assert_eq!(problems(&d), vec!["review_starting_on"]);
    d.policy.review.starting_on = "soon".into();
    assert_eq!(problems(&d), vec!["review_starting_on"]);

    for (freq, max) in [
        (ReviewFrequency::Annually, 364),
        (ReviewFrequency::BiAnnually, 181),
        (ReviewFrequency::Quarterly, 90),
        (ReviewFrequency::Monthly, 28),
    ] {
        let mut d = tutorial();
        d.policy.review.frequency = freq;
        d.policy.review.duration_days = max.to_string();
        assert!(problems(&d).is_empty(), "{freq:?} {max}");
        d.policy.review.duration_days = (max + 1).to_string();
        assert_eq!(problems(&d), vec!["review_duration"], "{freq:?}");
        d.policy.review.duration_days = "0".into();
        assert_eq!(problems(&d), vec!["review_duration"]);
    }

    // An existing series keeps its start, even once it lies in the past.
    let mut d = tutorial();
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    d.policy.review.starting_on = "2025-01-01".into();
    let check = PolicyCheck {
        today: today(),
        fixed_review_start: Some(start),
    };
    assert!(d.validate(check).is_ok());
    d.policy.review.starting_on = "2027-01-01".into();
    assert!(d.validate(check).is_err());
}

#[test]
fn problems_land_on_their_tabs() {
    assert_eq!(WizardTab::of_field("name"), WizardTab::Basics);
    assert_eq!(WizardTab::of_field("resources"), WizardTab::ResourceRoles);
    assert_eq!(
        WizardTab::of_field("stages.0.forward_after_days"),
        WizardTab::Requests
    );
    assert_eq!(WizardTab::of_field("specific"), WizardTab::Requests);
    assert_eq!(
        WizardTab::of_field("questions.2.pattern"),
        WizardTab::RequestorInformation
    );
    assert_eq!(WizardTab::of_field("expiry_days"), WizardTab::Lifecycle);
    assert_eq!(WizardTab::of_field("review_duration"), WizardTab::Lifecycle);
    assert_eq!(WizardTab::Basics.next(), Some(WizardTab::ResourceRoles));
    assert_eq!(WizardTab::Review.next(), None);
    assert_eq!(WizardTab::Basics.previous(), None);
}

#[test]
fn warnings_name_risky_choices() {
    let mut d = tutorial();
    assert!(d.warnings().is_empty());
    d.policy.stages[0].fallback.clear();
    d.policy.enabled = false;
    d.policy.scope = TargetScope::AllDirectoryUsers;
    let w: Vec<String> = d.warnings().into_iter().map(|(_, m)| m).collect();
    assert!(
        w.iter()
            .any(|m| m.contains("people without a manager would be denied"))
    );
    assert!(w.iter().any(|m| m.contains("disabled")));
    assert!(w.iter().any(|m| m.contains("Guests")));
    d.resources.clear();
    d.policy.expiry_kind = ExpiryKind::Never;
    d.policy.review.required = false;
    let tabs: Vec<WizardTab> = d.warnings().into_iter().map(|(t, _)| t).collect();
    assert!(tabs.contains(&WizardTab::ResourceRoles));
    assert!(tabs.contains(&WizardTab::Lifecycle));
}

#[test]
fn the_summary_reads_in_plain_words() {
    let text: Vec<String> = tutorial()
        .describe("General")
        .into_iter()
        .flat_map(|(_, lines)| lines)
        .collect();
    let all = text.join("\n");
    assert!(all.contains("Catalog: General"));
    assert!(all.contains("Office Licenses — Member"));
    assert!(all.contains("Users who can request access: All members (excluding guests)"));
    assert!(all.contains(
        "Stage 1: Manager as approver; fallback approvers: Fiona Fallback; decision within 14 days"
    ));
    assert!(all.contains("Assignments expire after 365 days"));
    assert!(all.contains("Access reviews: Annually starting on 2026-11-26"));
}
