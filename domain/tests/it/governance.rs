//! Policy as code: export and apply (`service::governance`) on both databases.

use domain::model::*;
use domain::on_both_databases;
use domain::service::governance::{apply, export};
use domain::testing::*;
use serde_json::json;

/// Sales, owned by Maria, with Laptops: Member of Office Licenses, requested by members with
/// their manager's approval (Nora as fallback) under Staff, assigned by administrators under
/// Contractors, and not for members of Contractors.
fn sales(today: chrono::NaiveDate) -> GovernanceFile {
    serde_json::from_value(json!({
        "version": 1,
        "catalogs": [{
            "name": "Sales",
            "description": "The sales team's access",
            "roles": [{"role": "catalog_owner", "user": "maria@woodgrove.example"}],
            "accessPackages": [{
                "name": "Laptops",
                "description": "Laptop software",
                "resourceRoles": [{"group": "Office Licenses", "role": "member"}],
                "incompatibleGroups": ["Contractors"],
                "policies": [
                    {
                        "name": "Staff",
                        "allowedTargetScope": "allMemberUsers",
                        "requestorJustification": true,
                        "approvalStages": [{
                            "managerAsApprover": true,
                            "fallbackApprovers": [{"user": "nora@woodgrove.example"}],
                            "decisionDays": 14
                        }],
                        "expiration": {"type": "days", "days": 365},
                        "review": {
                            "startingOn": today.format("%Y-%m-%d").to_string(),
                            "frequency": "annually",
                            "durationDays": 25,
                            "reviewers": "manager",
                            "fallbackReviewers": [{"user": "fiona@woodgrove.example"}],
                            "ifNoResponse": "noChange"
                        }
                    },
                    {
                        "name": "Contractors",
                        "allowedTargetScope": "notSpecified",
                        "expiration": {"type": "never"}
                    }
                ]
            }]
        }]
    }))
    .unwrap()
}

async fn setup(env: &TestEnv) -> World {
    let w = world(env).await;
    env.group(&w.admin, "Contractors").await;
    w
}

on_both_databases!(
    apply_creates_converges_and_round_trips,
    apply_refuses_what_the_person_may_not_change_and_changes_nothing,
    a_file_with_unknown_names_or_values_is_refused_at_its_fields,
);

async fn apply_creates_converges_and_round_trips(env: TestEnv) {
    let w = setup(&env).await;
    let file = sales(env.today());
    let dry = apply(&env.ctx, &w.admin, &file, true).await.unwrap();
    assert!(dry.dry_run);
    assert!(
        dry.changes.contains(&"+ catalog Sales".to_owned()),
        "{:?}",
        dry.changes
    );
    let nothing = export(&env.ctx, Some(&w.admin), None).await.unwrap();
    assert!(
        nothing.catalogs.iter().all(|c| c.name != "Sales"),
        "a dry run changes nothing"
    );

    let made = apply(&env.ctx, &w.admin, &file, false).await.unwrap();
    assert_eq!(
        made.changes,
        [
            "+ catalog Sales",
            "+ maria@woodgrove.example catalog owner of catalog Sales",
            "+ access package Sales / Laptops",
            "+ policy Staff of Sales / Laptops",
            "+ policy Contractors of Sales / Laptops",
            "+ incompatible Contractors with Sales / Laptops",
        ]
    );
    let exported = export(&env.ctx, Some(&w.admin), Some("sales"))
        .await
        .unwrap();
    assert_eq!(exported.catalogs.len(), 1);
    let c = &exported.catalogs[0];
    assert_eq!(
        c.resources,
        ["Office Licenses"],
        "added with the resource role"
    );
    let staff = &c.access_packages[0].policies[0];
    assert_eq!(
        staff.approval_stages[0].fallback_approvers[0]
            .user
            .as_deref(),
        Some("nora@woodgrove.example")
    );
    assert_eq!(staff.review.as_ref().unwrap().reviewers, "manager");
    // Applied again: nothing to change.
    let again = apply(&env.ctx, &w.admin, &exported, false).await.unwrap();
    assert!(again.changes.is_empty(), "{:?}", again.changes);

    // The same configuration under another name is created whole, and exports the same.
    let mut copy = exported.clone();
    copy.catalogs[0].name = "Sales copy".into();
    apply(&env.ctx, &w.admin, &copy, false).await.unwrap();
    let copied = export(&env.ctx, Some(&w.admin), Some("Sales copy"))
        .await
        .unwrap();
    assert_eq!(copied, copy);

    // Converging: a policy and the incompatibility go, a policy changes, a role is added.
    let mut next = exported.clone();
    let p = &mut next.catalogs[0].access_packages[0];
    p.policies.retain(|x| x.name != "Contractors");
    p.policies[0].expiration.days = Some(90);
    p.incompatible_groups.clear();
    next.catalogs[0].roles.push(CatalogRoleFile {
        role: "catalog_reader".into(),
        user: "fiona@woodgrove.example".into(),
    });
    let changed = apply(&env.ctx, &w.admin, &next, false).await.unwrap();
    assert_eq!(
        changed.changes,
        [
            "+ fiona@woodgrove.example catalog reader of catalog Sales",
            "~ policy Staff of Sales / Laptops",
            "- policy Contractors of Sales / Laptops",
            "- incompatible Contractors with Sales / Laptops",
        ]
    );
    let now = export(&env.ctx, Some(&w.admin), Some("Sales"))
        .await
        .unwrap();
    next.catalogs[0].roles.sort();
    assert_eq!(now, next);
    // Maria reads only her catalogs (she owns the copy too), not General.
    let maria = actor(&env, w.maria.user_id).await;
    let hers = export(&env.ctx, Some(&maria), None).await.unwrap();
    let names: Vec<&str> = hers.catalogs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Sales", "Sales copy"]);
    assert_invariants(&env).await;
}

async fn apply_refuses_what_the_person_may_not_change_and_changes_nothing(env: TestEnv) {
    let w = setup(&env).await;
    apply(&env.ctx, &w.admin, &sales(env.today()), false)
        .await
        .unwrap();
    let maria = actor(&env, w.maria.user_id).await;
    let mut file = export(&env.ctx, Some(&maria), None).await.unwrap();
    // Maria owns Sales, so she may change its package; she may not create a catalog.
    file.catalogs[0].access_packages[0].description = "Changed by Maria".into();
    let mut other = file.catalogs[0].clone();
    other.name = "Other".into();
    other.access_packages.clear();
    file.catalogs.push(other);
    let e = apply(&env.ctx, &maria, &file, false).await.unwrap_err();
    assert_eq!(
        field_messages(&e),
        [(
            "catalogs.Other".to_owned(),
            "You may not change this: only administrators and catalog creators can create catalogs.".to_owned()
        )]
    );
    let after = export(&env.ctx, Some(&maria), None).await.unwrap();
    assert_eq!(
        after.catalogs[0].access_packages[0].description,
        "Laptop software"
    );
    // Nora has no role at all.
    forbidden(apply(&env.ctx, &w.nora, &file, true).await);
    // Without Other, Maria's change is hers to make.
    file.catalogs.pop();
    let made = apply(&env.ctx, &maria, &file, false).await.unwrap();
    assert_eq!(
        made.changes,
        ["~ access package Sales / Laptops (description)"]
    );
}

async fn a_file_with_unknown_names_or_values_is_refused_at_its_fields(env: TestEnv) {
    let w = setup(&env).await;
    let mut file = sales(env.today());
    file.version = 2;
    let c = &mut file.catalogs[0];
    c.roles[0].role = "boss".into();
    c.resources.push("Nowhere".into());
    let p = &mut c.access_packages[0];
    p.policies[0].approval_stages[0].fallback_approvers[0].user =
        Some("ghost@woodgrove.example".into());
    p.policies[0].expiration.kind = "weeks".into();
    p.policies[1].name = "staff".into();
    let e = apply(&env.ctx, &w.admin, &file, false).await.unwrap_err();
    let fields = field_names(&e);
    for f in [
        "version",
        "catalogs.Sales.roles",
        "catalogs.Sales.resources",
        "catalogs.Sales.accessPackages.Laptops.policies.Staff.approvalStages.0.fallbackApprovers",
        "catalogs.Sales.accessPackages.Laptops.policies.Staff.expiration.type",
        "catalogs.Sales.accessPackages.Laptops.policies.staff",
    ] {
        assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
    }
    // A value only the wizard's validation knows is wrong: named at the policy's field.
    let mut file = sales(env.today());
    file.catalogs[0].access_packages[0].policies[0].approval_stages[0].decision_days = 30;
    let e = apply(&env.ctx, &w.admin, &file, false).await.unwrap_err();
    let fields = field_names(&e);
    assert!(
        fields.iter().any(|f| f.starts_with("catalogs.Sales.accessPackages.Laptops.policies.Staff.stages.0")),
        "{fields:?}"
    );
    let all = export(&env.ctx, Some(&w.admin), None).await.unwrap();
    assert!(
        all.catalogs.iter().all(|c| c.name != "Sales"),
        "nothing was created"
    );
}
