//! `tessera check` against real databases: a database the use cases wrote passes every
//! invariant, and each kind of damage is named by the invariant it breaks.

use domain::on_both_databases;
use domain::service::check;
use domain::service::requests as req;
use domain::testing::*;

/// The invariants `check` finds broken, by name.
async fn broken(env: &TestEnv) -> Vec<&'static str> {
    check::run(&env.ctx)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| !f.holds())
        .map(|f| f.invariant)
        .collect()
}

async fn execute(env: &TestEnv, sql: &str) {
    let mut conn = env.ctx.db.writer().await.unwrap();
    sqlx::query(sql).execute(&mut *conn).await.unwrap();
}

async fn each_kind_of_damage_is_named_by_its_invariant(env: TestEnv) {
    let w = world(&env).await;
    let office = package(&env, &w, "Office Licenses", |_| {}).await;
    let (delivered, _) = req::submit_request(&env.ctx, &w.eric, office, &ask("reports"))
        .await
        .unwrap();
    req::decide(&env.ctx, &w.maria, delivered, true, "ok")
        .await
        .unwrap();
    let printers = package(&env, &w, "Printers", |p| p.require_approval = false).await;
    req::submit_request(&env.ctx, &w.nora, printers, &ask("print"))
        .await
        .unwrap();
    let pat = person(
        &env,
        &w.admin,
        "pat@woodgrove.example",
        "maria@woodgrove.example",
    )
    .await;
    let (pending, _) = req::submit_request(&env.ctx, &pat, office, &ask("reports"))
        .await
        .unwrap();
    assert!(broken(&env).await.is_empty(), "{:?}", broken(&env).await);
    let findings = check::run(&env.ctx).await.unwrap();
    assert_eq!(
        findings.len(),
        14,
        "every invariant is reported, held or not"
    );

    let eric = w.eric.user_id;
    let office_group = w.office;
    // A delivered assignment loses its grant: the membership is gone, and the kept count too.
    execute(
        &env,
        &format!(
            "DELETE FROM group_members WHERE user_id = '{eric}' AND group_id = '{office_group}'"
        ),
    )
    .await;
    let now = broken(&env).await;
    assert!(
        now.contains(&"a delivered assignment has every grant its package's resource roles give"),
        "{now:?}"
    );
    assert!(
        now.contains(
            &"kept counts (group members, license seats used, live assignments) equal fresh counts"
        ),
        "{now:?}"
    );
    // A pending request missing from its approver's inbox.
    execute(
        &env,
        &format!("UPDATE request_approvers SET awaiting = 0 WHERE request_id = '{pending}'"),
    )
    .await;
    assert!(
        broken(&env).await.contains(
            &"every approver of a pending request's current stage finds it in their inbox"
        )
    );
    // A grant that names an assignment of someone else.
    let fiona = w.fiona.user_id;
    execute(
        &env,
        &format!(
            "INSERT INTO group_members (group_id, user_id, source, created_at)
             SELECT '{office_group}', '{fiona}', 'assignment:' || id, 0
             FROM access_package_assignments WHERE user_id = '{eric}'"
        ),
    )
    .await;
    assert!(broken(&env).await.contains(
        &"every membership granted by an assignment has its delivered assignment and role"
    ));
    // A delivered request put back to pending approval, its stage already decided.
    execute(
        &env,
        &format!(
            "UPDATE access_package_requests SET state = 'pendingApproval', open_key = 'x' WHERE id = '{delivered}'"
        ),
    )
    .await;
    let now = broken(&env).await;
    assert!(
        now.contains(
            &"a request pending approval waits on its current stage, undecided, or for an extension's answer"
        ),
        "{now:?}"
    );
    // An e-mail marked sent without a time it was sent.
    execute(
        &env,
        "UPDATE notifications SET email_state = 'sent', email_sent_at = NULL",
    )
    .await;
    assert!(
        broken(&env)
            .await
            .contains(&"an e-mail is marked sent exactly when it has a time it was sent")
    );
    // An ended assignment that kept its live key.
    execute(
        &env,
        &format!(
            "UPDATE access_package_assignments SET state = 'expired' WHERE user_id = '{eric}'"
        ),
    )
    .await;
    assert!(
        broken(&env)
            .await
            .contains(&"a live assignment has exactly one live key, an ended one none")
    );
    // What breaks an invariant is named, at most EXAMPLES rows of it.
    let findings = check::run(&env.ctx).await.unwrap();
    let stray = findings
        .iter()
        .find(|f| {
            f.invariant
                == "every membership granted by an assignment has its delivered assignment and role"
        })
        .unwrap();
    assert_eq!(stray.breaking.len(), 1);
    assert!(
        stray.breaking[0].starts_with(&format!(
            "member {fiona} of group {office_group} from assignment:"
        )),
        "{stray:?}"
    );
}

on_both_databases!(each_kind_of_damage_is_named_by_its_invariant);
