//! The auditors' reports (issue 18): "Access of a person" and "Access to a resource" name
//! every holding and why, and only directory administrators may run them.

use domain::DomainError;
use domain::model::*;
use domain::on_both_databases;
use domain::rules::grants::GrantSource;
use domain::service::directory::{self as dir, GroupInput};
use domain::service::reports;
use domain::service::requests::{self as req, AssignForm};
use domain::testing::*;

async fn reports_name_each_holding_with_its_request_and_approval(env: TestEnv) {
    let w = world(&env).await;
    let office = package(&env, &w, "Office Licenses", |_| {}).await;
    let (request, _) = req::submit_request(&env.ctx, &w.eric, office, &ask("Quarterly reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, request, true, "Needed for Q4")
        .await
        .unwrap();
    // Nora is assigned directly by the administrator; Eric is also a direct member of Finance.
    let policy = first_policy(&env, &w.admin, office).await;
    req::assign_directly(
        &env.ctx,
        &w.admin,
        office,
        &AssignForm {
            users: vec![w.nora.user_id],
            policy: Some(policy),
            justification: "Project Contoso".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let finance = dir::create_group(
        &env.ctx,
        &w.admin,
        &GroupInput {
            name: "Finance",
            description: "",
            kind: "security",
        },
    )
    .await
    .unwrap();
    dir::add_member(&env.ctx, &w.admin, finance, "eric@woodgrove.example")
        .await
        .unwrap();

    let r = reports::person_access(&env.ctx, &w.admin, w.eric.user_id)
        .await
        .unwrap();
    assert_eq!(r.person.email, "eric@woodgrove.example");
    assert_eq!(r.packages.len(), 1);
    let held = &r.packages[0];
    assert_eq!(
        (held.package_name.as_str(), held.state),
        ("Office Licenses", AssignmentState::Delivered)
    );
    assert_eq!(held.requests.len(), 1);
    let trail = &held.requests[0];
    assert_eq!(
        (
            trail.request_id,
            trail.kind,
            trail.by.as_str(),
            trail.justification.as_str()
        ),
        (request, RequestKind::UserAdd, "eric", "Quarterly reports")
    );
    assert_eq!(trail.decisions.len(), 1);
    let d = &trail.decisions[0];
    assert_eq!(
        (
            d.stage_no,
            d.decision,
            d.by.as_deref(),
            d.justification.as_str()
        ),
        (1, StageDecision::Approved, Some("maria"), "Needed for Q4")
    );
    assert!(d.at.is_some());
    let groups: Vec<(&str, &[GrantSource])> = r
        .groups
        .iter()
        .map(|g| (g.group_name.as_str(), g.sources.as_slice()))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("Finance", &[GrantSource::Direct][..]),
            (
                "Office Licenses",
                &[GrantSource::Assignment(held.assignment_id.0)][..]
            ),
        ]
    );
    let csv = reports::person_access_csv(&env.ctx, &w.admin, w.eric.user_id)
        .await
        .unwrap();
    assert!(
        csv.contains("Stage 1 approved by maria on ") && csv.contains(": Needed for Q4"),
        "{csv}"
    );
    assert!(csv.contains("Group,Finance,,Member,"), "{csv}");

    // The resource: Eric through his request, Nora through the direct assignment.
    let r = reports::resource_access(&env.ctx, &w.admin, w.office, PageRequest::new(1, 50))
        .await
        .unwrap();
    assert_eq!(r.holders.total, 2);
    let reason = |email: &str| -> RequestTrail {
        let h = r
            .holders
            .items
            .iter()
            .find(|h| h.person.email == email)
            .unwrap();
        match &h.reasons[..] {
            [HoldingReason::Package(p)] => p.requests[0].clone(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(reason("eric@woodgrove.example").request_id, request);
    let noras = reason("nora@woodgrove.example");
    assert_eq!(
        (noras.kind, noras.by.as_str(), noras.justification.as_str()),
        (RequestKind::AdminAdd, "Root Admin", "Project Contoso")
    );
    let csv = reports::resource_access_csv(&env.ctx, &w.admin, w.office)
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("Direct assignment by Root Admin on "), "{csv}");

    // Only directory administrators read across every catalog.
    for who in [&w.eric, &w.maria] {
        assert!(matches!(
            reports::person_access(&env.ctx, who, w.eric.user_id).await,
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            reports::resource_access_csv(&env.ctx, who, w.office).await,
            Err(DomainError::Forbidden(_))
        ));
    }
}

on_both_databases!(reports_name_each_holding_with_its_request_and_approval);
