use super::*;

#[component]
pub(super) fn ResourcesView(detail: PackageDetail, actions: PackageActions) -> impl IntoView {
    let selected = RwSignal::new(None::<(GroupId, ResourceRole, String)>);
    let confirm = Confirm::about(selected);
    let assignments = detail.summary.assignments;
    let package_id = detail.summary.id.to_string();
    let remove = actions.remove_role;
    let add = actions.add_role;
    let add_error = error_of(add.value());
    let chosen = RwSignal::new(Vec::<Principal>::new());
    let role = RwSignal::new("member".to_owned());
    let pid = package_id.clone();
    let rows = detail.resource_roles.clone();
    view! {
        <Done when=succeeded(
            remove.value(),
        )>
            {move || {
                format!(
                    "The resource role was removed ({} assignee(s) lost it).",
                    remove.value().get().and_then(Result::ok).unwrap_or(0),
                )
            }}
        </Done>
        <ActionError error=error_of(remove.value()) />
        <div class="split">
            <section class="panel">
                <h2>"Resource roles"</h2>
                {if rows.is_empty() {
                    view! {
                        <div class="empty-state">
                            <p>"No resource roles. Add a group below so assignees get access."</p>
                        </div>
                    }
                        .into_any()
                } else {
                    view! {
                        <div class="table-wrap" tabindex="0">
                            <table class="data">
                                <caption class="sr-only">"Resource roles"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Resource"</th>
                                        <th scope="col">"Type"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Licenses"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows
                                        .into_iter()
                                        .map(|r| {
                                            let pick = (r.group_id, r.role, r.group_name.clone());
                                            let is_selected = move || {
                                                selected
                                                    .get()
                                                    .is_some_and(|(g, ro, _)| g == pick.0 && ro == pick.1)
                                            };
                                            let pick2 = (r.group_id, r.role, r.group_name.clone());
                                            view! {
                                                <tr class:selected=is_selected>
                                                    <th scope="row">
                                                        <button
                                                            type="button"
                                                            class="link-button"
                                                            aria-pressed=move || {
                                                                if is_selected() { "true" } else { "false" }
                                                            }
                                                            on:click=move |_| selected.set(Some(pick2.clone()))
                                                        >
                                                            {r.group_name.clone()}
                                                        </button>
                                                    </th>
                                                    <td>{format!("Group ({})", r.group_kind.label())}</td>
                                                    <td>{r.role.label()}</td>
                                                    <td>{r.licenses.join(", ")}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                        .into_any()
                }}
            </section>
            <Show when=move || selected.get().is_some()>
                <aside class="panel details-pane" aria-label="Resource role details">
                    {move || {
                        selected
                            .get()
                            .map(|(_, role, name)| {
                                view! {
                                    <h2>{name.clone()}</h2>
                                    <dl class="kv">
                                        <dt>"Type"</dt>
                                        <dd>"Group"</dd>
                                        <dt>"Role"</dt>
                                        <dd>{role.label()}</dd>
                                        <dt>"Assignees"</dt>
                                        <dd>{assignments}</dd>
                                    </dl>
                                    {detail
                                        .can_manage
                                        .then(|| {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="danger"
                                                    on:click=move |_| confirm.open.set(true)
                                                >
                                                    "Remove resource role"
                                                </button>
                                            }
                                        })}
                                    <button
                                        type="button"
                                        class="secondary"
                                        on:click=move |_| selected.set(None)
                                    >
                                        "Close"
                                    </button>
                                }
                            })
                    }}
                </aside>
            </Show>
        </div>
        {detail
            .can_manage
            .then(|| {
                view! {
                    <section class="panel">
                        <h2>"Add resource roles"</h2>
                        <FormAlert error=add_error fields=&["group"] />
                        <PrincipalPicker
                            label="Group"
                            id="add-group"
                            users=false
                            groups=true
                            resources=true
                            selected=chosen
                            on_change=Callback::new(move |list: Vec<Principal>| {
                                chosen.set(list.into_iter().last().into_iter().collect())
                            })
                            error=Signal::derive(move || {
                                add_error.get().and_then(|e| e.field("group"))
                            })
                            hint="A group not yet in the catalog is added to it. Current assignees get the new role at once."
                        />
                        <Select
                            label="Role"
                            id="add-role"
                            options=super::policy_tabs::options(
                                ResourceRole::ALL,
                                ResourceRole::code,
                                ResourceRole::label,
                            )
                            selected=role
                            on_change=Callback::new(move |v| role.set(v))
                        />
                        <div class="actions">
                            <button
                                type="button"
                                class="primary"
                                disabled=move || chosen.with(Vec::is_empty) || add.pending().get()
                                on:click=move |_| {
                                    if let Some(g) = chosen.get_untracked().first() {
                                        add.dispatch(AddResourceRole {
                                            id: pid.clone(),
                                            group_id: g.id.to_string(),
                                            role: role.get_untracked(),
                                        });
                                        chosen.set(vec![]);
                                    }
                                }
                            >
                                "Add resource role"
                            </button>
                        </div>
                    </section>
                }
            })}
        <ConfirmDialog
            open=confirm.open
            title="Remove resource role"
            message=confirm
                .message(move |(_, role, name)| {
                    format!(
                        "Remove {} of {name} from this access package? {assignments} current assignee{} will lose it (access they hold from elsewhere stays).",
                        role.label(),
                        if assignments == 1 { "" } else { "s" },
                    )
                })
            on_yes=confirm
                .on_yes(move |(group, role, _)| {
                    remove
                        .dispatch(RemoveResourceRole {
                            id: package_id.clone(),
                            group_id: group.to_string(),
                            role: role.code().to_owned(),
                        });
                    selected.set(None);
                })
        />
    }
}
