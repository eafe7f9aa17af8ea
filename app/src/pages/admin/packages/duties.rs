use super::*;

#[component]
pub(super) fn DutiesView(detail: PackageDetail, actions: PackageActions) -> impl IntoView {
    let id = detail.summary.id.to_string();
    let add = actions.add_incompatible;
    let remove = actions.remove_incompatible;
    let error = Signal::derive(move || {
        add.value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
    });
    let names = Resource::new(|| (), |_| package_names());
    let group = RwSignal::new(Vec::<Principal>::new());
    let manage = detail.can_manage;
    let own = detail.summary.id.0;
    let row = {
        let id = id.clone();
        move |kind: &'static str, r: NamedRef| {
            let label = format!("Remove {}", r.name);
            let (id, target) = (id.clone(), r.id.to_string());
            view! {
                <li>
                    {r.name.clone()}" "
                    {manage
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="secondary small"
                                    aria-label=label
                                    on:click=move |_| {
                                        remove
                                            .dispatch(RemoveIncompatible {
                                                id: id.clone(),
                                                kind: kind.into(),
                                                target: target.clone(),
                                            });
                                    }
                                >
                                    "Remove"
                                </button>
                            }
                        })}
                </li>
            }
        }
    };
    let id_for_package = id.clone();
    let id_for_group = id.clone();
    view! {
        <p>
            "People who hold an incompatible access package or group can't request this one, and administrators can't assign it to them."
        </p>
        <FormAlert error=error fields=&[] />
        <div class="split">
            <section class="panel">
                <h2>"Incompatible access packages"</h2>
                {if detail.incompatible_packages.is_empty() {
                    view! { <p class="muted">"None."</p> }.into_any()
                } else {
                    let row = row.clone();
                    view! {
                        <ul>
                            {detail
                                .incompatible_packages
                                .into_iter()
                                .map(|r| row("package", r))
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
                {manage
                    .then(|| {
                        view! {
                            <Transition fallback=|| ()>
                                {
                                    let id = id_for_package.clone();
                                    move || {
                                        let id = id.clone();
                                        Suspend::new(async move {
                                            let list: Vec<NamedRef> = names
                                                .await
                                                .unwrap_or_default()
                                                .into_iter()
                                                .filter(|n| n.id != own)
                                                .collect();
                                            let choice = RwSignal::new(
                                                list.first().map(|n| n.id.to_string()).unwrap_or_default(),
                                            );
                                            let options: Vec<(String, String)> = list
                                                .into_iter()
                                                .map(|n| (n.id.to_string(), n.name))
                                                .collect();
                                            let empty = options.is_empty();
                                            let id = id.clone();
                                            view! {
                                                <Select
                                                    label="Access package"
                                                    id="incompatible-package"
                                                    options
                                                    selected=choice
                                                    on_change=Callback::new(move |v| choice.set(v))
                                                />
                                                <button
                                                    type="button"
                                                    class="secondary"
                                                    disabled=empty
                                                    on:click=move |_| {
                                                        add.dispatch(AddIncompatible {
                                                            id: id.clone(),
                                                            kind: "package".into(),
                                                            target: choice.get_untracked(),
                                                        });
                                                    }
                                                >
                                                    "Add incompatible access package"
                                                </button>
                                            }
                                        })
                                    }
                                }
                            </Transition>
                        }
                    })}
            </section>
            <section class="panel">
                <h2>"Incompatible groups"</h2>
                {if detail.incompatible_groups.is_empty() {
                    view! { <p class="muted">"None."</p> }.into_any()
                } else {
                    view! {
                        <ul>
                            {detail
                                .incompatible_groups
                                .into_iter()
                                .map(|r| row("group", r))
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
                {manage
                    .then(|| {
                        view! {
                            <PrincipalPicker
                                label="Incompatible group"
                                id="incompatible-group"
                                users=false
                                groups=true
                                selected=group
                                on_change=Callback::new(move |list: Vec<Principal>| {
                                    group.set(list.into_iter().last().into_iter().collect())
                                })
                                error=Signal::derive(|| None::<String>)
                            />
                            <button
                                type="button"
                                class="secondary"
                                disabled=move || group.with(Vec::is_empty)
                                on:click=move |_| {
                                    if let Some(g) = group.get_untracked().first() {
                                        add.dispatch(AddIncompatible {
                                            id: id_for_group.clone(),
                                            kind: "group".into(),
                                            target: g.id.to_string(),
                                        });
                                        group.set(vec![]);
                                    }
                                }
                            >
                                "Add incompatible group"
                            </button>
                        }
                    })}
            </section>
        </div>
        <section class="panel">
            <h2>"Incompatible with"</h2>
            <p class="muted">"Access packages that list this one as incompatible."</p>
            {if detail.incompatible_with.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {detail
                            .incompatible_with
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <li>
                                        <a href=format!(
                                            "/admin/access-packages/{}",
                                            r.id,
                                        )>{r.name}</a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}
