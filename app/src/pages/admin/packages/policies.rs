use super::overview::PolicyText;
use super::*;

#[component]
pub(super) fn PoliciesView(detail: PackageDetail, actions: PackageActions) -> impl IntoView {
    let id = detail.summary.id.to_string();
    let remove = actions.remove_policy;
    let confirm = Confirm::<(String, String)>::new();
    let can_add = detail.can_manage && detail.policies.len() < limits::MAX_POLICIES;
    view! {
        <ActionError error=error_of(remove.value()) />
        <div class="page-header">
            <h2>"Policies"</h2>
            {can_add
                .then(|| {
                    view! {
                        <a
                            class="button primary"
                            href=format!("/admin/access-packages/{id}/policies/new")
                        >
                            "Add policy"
                        </a>
                    }
                })}
        </div>
        <p class="muted">
            "When several policies apply to a person, the most specific wins: specific users and groups, then all members, then all users."
        </p>
        {if detail.policies.is_empty() {
            view! {
                <div class="empty-state">
                    <p>
                        "No policies: nobody can request or be assigned this access package. Add a policy."
                    </p>
                </div>
            }
                .into_any()
        } else {
            detail
                .policies
                .into_iter()
                .map(|p| {
                    let edit = format!("/admin/access-packages/{id}/policies/{}", p.id);
                    let pid = p.id.to_string();
                    let pname = p.name.clone();
                    let remove_label = format!("Remove policy {}", p.name);
                    let edit_label = format!("Edit policy {}", p.name);
                    let active = p.active_assignments;
                    view! {
                        <section class="panel">
                            <PolicyText policy=p />
                            <p class="muted">
                                {format!("{active} active assignment(s) under this policy.")}
                            </p>
                            {detail
                                .can_manage
                                .then(|| {
                                    view! {
                                        <div class="actions">
                                            <a class="button secondary" href=edit aria-label=edit_label>
                                                "Edit"
                                            </a>
                                            <button
                                                type="button"
                                                class="secondary"
                                                aria-label=remove_label
                                                on:click=move |_| {
                                                    confirm.ask((pid.clone(), pname.clone()));
                                                }
                                            >
                                                "Remove"
                                            </button>
                                        </div>
                                    }
                                })}
                        </section>
                    }
                })
                .collect_view()
                .into_any()
        }}
        <ConfirmDialog
            open=confirm.open
            title="Remove policy"
            message=confirm
                .message(|(_, n)| {
                    format!("Remove the policy {n}? People can no longer request under it.")
                })
            on_yes=confirm
                .on_yes(move |(policy, _)| {
                    remove.dispatch(RemovePolicy { policy });
                })
        />
    }
}
