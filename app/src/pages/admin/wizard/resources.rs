use super::*;

#[component]
pub(super) fn ResourcesTab(resources: RwSignal<Vec<ResourceRoleDraft>>) -> impl IntoView {
    let picking = RwSignal::new(false);
    let chosen = Signal::derive(move || {
        resources.with(|list| {
            list.iter()
                .map(|r| Principal {
                    kind: PrincipalKind::Group,
                    id: r.group_id.0,
                    name: r.group_name.clone(),
                    detail: "Group".into(),
                })
                .collect::<Vec<_>>()
        })
    });
    let add = Callback::new(move |list: Vec<Principal>| {
        resources.update(|rs| {
            for p in list {
                if !rs.iter().any(|r| r.group_id.0 == p.id) {
                    rs.push(ResourceRoleDraft {
                        group_id: GroupId(p.id),
                        group_name: p.name,
                        role: ResourceRole::Member,
                    });
                }
            }
        })
    });
    let keys = Memo::new(move |_| {
        resources.with(|rs| rs.iter().map(|r| (r.group_id, r.role)).collect::<Vec<_>>())
    });
    view! {
        <p>"Choose the resources people get with this access package, and their role in each."</p>
        <div class="resource-types">
            <button
                type="button"
                class="secondary"
                aria-expanded=move || if picking.get() { "true" } else { "false" }
                on:click=move |_| picking.update(|p| *p = !*p)
            >
                "Groups and Teams"
            </button>
        </div>
        <Show when=move || picking.get()>
            <PrincipalPicker
                label="Search groups"
                id="group-search"
                users=false
                groups=true
                resources=true
                selected=chosen
                on_change=add
                error=problem("resources")
                no_chips=true
                hint="Groups not yet in the catalog are added to it when you create the package."
            />
        </Show>
        <p class="field-error" hidden=move || problem("resources").get().is_none() || picking.get()>
            {move || problem("resources").get()}
        </p>
        <Show
            when=move || !keys.get().is_empty()
            fallback=|| {
                view! {
                    <div class="empty-state">
                        <p>
                            "No resource roles yet. Select “Groups and Teams” to add a group."
                        </p>
                    </div>
                }
            }
        >
            <div class="table-wrap" tabindex="0">
                <table class="data">
                    <caption class="sr-only">"Resource roles"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Resource"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">
                                <span class="sr-only">"Actions"</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || keys.get() key=|k| *k let:k>
                            {
                                let (group, role) = k;
                                let name = resources
                                    .with_untracked(|rs| {
                                        rs.iter()
                                            .find(|r| r.group_id == group)
                                            .map(|r| r.group_name.clone())
                                            .unwrap_or_default()
                                    });
                                let remove_label = format!("Remove {name}");
                                view! {
                                    <tr>
                                        <th scope="row">{name}</th>
                                        <td>"Group"</td>
                                        <td>
                                            <Select
                                                label="Role"
                                                id=format!("role-{group}-{}", role.code())
                                                options=options(
                                                    ResourceRole::ALL,
                                                    ResourceRole::code,
                                                    ResourceRole::label,
                                                )
                                                selected=Signal::derive(move || role.code().to_owned())
                                                on_change=Callback::new(move |v: String| {
                                                    if let Ok(new_role) = ResourceRole::parse(&v) {
                                                        resources
                                                            .update(|rs| {
                                                                if let Some(r) = rs
                                                                    .iter_mut()
                                                                    .find(|r| r.group_id == group && r.role == role)
                                                                {
                                                                    r.role = new_role;
                                                                }
                                                            });
                                                    }
                                                })
                                            />
                                        </td>
                                        <td>
                                            <button
                                                type="button"
                                                class="secondary"
                                                aria-label=remove_label
                                                on:click=move |_| {
                                                    resources
                                                        .update(|rs| {
                                                            rs.retain(|r| !(r.group_id == group && r.role == role))
                                                        })
                                                }
                                            >
                                                "Remove"
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </div>
        </Show>
    }
}
