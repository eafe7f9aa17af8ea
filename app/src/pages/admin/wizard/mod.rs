//! The access package creation wizard and the policy editor.

use super::policy_tabs::*;
use crate::api::packages::{
    check_package, check_policy, create_package, get_package, load_wizard, save_policy,
};
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn NewPackagePage() -> impl IntoView {
    let context = Resource::new(|| (), |_| load_wizard());
    view! {
        <Title text="New access package · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/access-packages">"Access packages"</a>
            </div>
            <div class="page-header">
                <h1>"New access package"</h1>
            </div>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match context.await {
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                        Ok(c) if c.catalogs.is_empty() => {
                            view! {
                                <div class="empty-state">
                                    <p>
                                        "You can't create access packages in any catalog. Ask a catalog owner to make you an access package manager."
                                    </p>
                                </div>
                            }
                                .into_any()
                        }
                        Ok(c) => view! { <Wizard context=c /> }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

/// Shows a general (non-field) error of a server call.
fn general_error(e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid(_) => None,
        other => Some(other.to_string()),
    }
}

#[component]
fn Wizard(context: WizardContext) -> impl IntoView {
    let initial = PackageDraft::new(context.today);
    let name = RwSignal::new(initial.name.clone());
    let description = RwSignal::new(initial.description.clone());
    let catalog = RwSignal::new(initial.catalog_id.clone());
    let hidden = RwSignal::new(initial.hidden);
    let resources = RwSignal::new(initial.resources.clone());
    let policy = RwSignal::new(initial.policy.clone());
    let problems = provide_problems();
    let warnings = RwSignal::new(Vec::new());
    let failure = RwSignal::new(None::<String>);
    let tab = RwSignal::new(WizardTab::Basics);
    let catalogs = context.catalogs.clone();
    let draft = move || PackageDraft {
        name: name.get_untracked(),
        description: description.get_untracked(),
        catalog_id: catalog.get_untracked(),
        hidden: hidden.get_untracked(),
        resources: resources.get_untracked(),
        policy: policy.get_untracked(),
    };
    let check = Action::new(move |d: &PackageDraft| check_package(d.clone()));
    let create = Action::new(move |d: &PackageDraft| create_package(d.clone()));
    Effect::new(move |_| {
        if let Some(r) = check.value().get() {
            match r {
                Ok(c) => {
                    problems.set(c.problems);
                    warnings.set(c.warnings);
                    failure.set(None);
                }
                Err(e) => failure.set(general_error(&e).or(Some(e.to_string()))),
            }
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(r) = create.value().get() {
            match r {
                Ok(id) => navigate(
                    &format!("/admin/access-packages/{id}?created=1"),
                    Default::default(),
                ),
                Err(AppError::Invalid(list)) => {
                    problems.set(list);
                    failure.set(None);
                }
                Err(e) => failure.set(Some(e.to_string())),
            }
        }
    });
    let go = Callback::new(move |t: WizardTab| {
        tab.set(t);
        if t == WizardTab::Review {
            check.dispatch(draft());
        }
    });
    let ready = move || {
        !check.pending().get()
            && !create.pending().get()
            && check
                .value()
                .get()
                .is_some_and(|r| r.is_ok_and(|c| c.problems.is_empty()))
    };
    let catalog_name = {
        let catalogs = catalogs.clone();
        move || {
            let id = catalog.get_untracked();
            catalogs
                .iter()
                .find(|c| c.id.to_string() == id)
                .map(|c| c.name.clone())
                .unwrap_or_default()
        }
    };
    let catalog_options: Vec<(String, String)> = catalogs
        .iter()
        .map(|c| (c.id.to_string(), c.name.clone()))
        .collect();
    view! {
        <TabStrip
            label="New access package"
            tabs=WizardTab::ALL.to_vec()
            current=tab
            on_select=go
            last_label="Review + Create"
        />
        <section
            class="panel tab-panel"
            role="tabpanel"
            id="editor-panel"
            aria-labelledby=move || format!("tab-{}", tab.get().code())
        >
            <h2>{move || tab.get().label()}</h2>
            {move || match tab.get() {
                WizardTab::Basics => {
                    view! {
                        <Bound
                            label="Name"
                            id="name"
                            value=name
                            on_input=Callback::new(move |v| name.set(v))
                            error=problem("name")
                            maxlength=PackageName::MAX_CHARS
                            required=true
                        />
                        <Bound
                            label="Description"
                            id="description"
                            value=description
                            on_input=Callback::new(move |v| description.set(v))
                            error=problem("description")
                            maxlength=PackageDescription::MAX_CHARS
                            required=true
                            hint="Requestors read this in My Access: say what the package gives and who it is for."
                        />
                        <Select
                            label="Catalog"
                            id="catalog"
                            options=catalog_options.clone()
                            selected=catalog
                            on_change=Callback::new(move |v| catalog.set(v))
                            error=problem("catalog")
                        />
                        <YesNo
                            legend="Hidden"
                            name="hidden"
                            value=hidden
                            on_change=Callback::new(move |v| hidden.set(v))
                            hint="Hidden packages are not listed in My Access; people with the link can still request them."
                        />
                    }
                        .into_any()
                }
                WizardTab::ResourceRoles => view! { <ResourcesTab resources /> }.into_any(),
                WizardTab::Requests => view! { <RequestsTab policy /> }.into_any(),
                WizardTab::RequestorInformation => view! { <RequestorTab policy /> }.into_any(),
                WizardTab::Lifecycle => view! { <LifecycleTab policy /> }.into_any(),
                WizardTab::Review => {
                    let sections = draft().describe(&catalog_name());
                    view! {
                        <Show when=move || check.pending().get()>
                            <p class="muted" role="status">
                                "Checking the access package…"
                            </p>
                        </Show>
                        <CheckResults problems warnings on_select=go />
                        <Summary sections on_select=go />
                        <div class="actions">
                            <button
                                type="button"
                                class="primary"
                                disabled=move || !ready()
                                on:click=move |_| {
                                    create.dispatch(draft());
                                }
                            >
                                {move || {
                                    if create.pending().get() { "Creating…" } else { "Create" }
                                }}
                            </button>
                        </div>
                    }
                        .into_any()
                }
            }}
            <Show when=move || failure.get().is_some()>
                <div class="alert alert-error" role="alert">
                    <p>{move || failure.get()}</p>
                </div>
            </Show>
            <div class="wizard-nav">
                {move || {
                    tab.get()
                        .previous()
                        .map(|p| {
                            view! {
                                <button type="button" class="secondary" on:click=move |_| go.run(p)>
                                    {format!("Previous: {}", p.label())}
                                </button>
                            }
                        })
                }}
                {move || {
                    tab.get()
                        .next()
                        .map(|n| {
                            view! {
                                <button type="button" class="primary" on:click=move |_| go.run(n)>
                                    {format!("Next: {}", n.label())}
                                </button>
                            }
                        })
                }}
            </div>
        </section>
    }
}

#[component]
fn ResourcesTab(resources: RwSignal<Vec<ResourceRoleDraft>>) -> impl IntoView {
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
            <div class="table-wrap">
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

/// `/admin/access-packages/:id/policies/new` and `/admin/access-packages/:id/policies/:policy`.
#[component]
pub fn PolicyEditorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let policy_id = move || params.read().get("policy").filter(|p| p != "new");
    let package = Resource::new(id, get_package);
    view! {
        <Title text="Policy · Tessera" />
        <AdminOnly>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match package.await {
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                        Ok(o) => {
                            let d = o.detail;
                            let existing = policy_id()
                                .and_then(|p| {
                                    d.policies.iter().find(|x| x.id.to_string() == p).cloned()
                                });
                            if policy_id().is_some() && existing.is_none() {
                                return view! {
                                    <ErrorAlert error=AppError::NotFound("policy".into()) />
                                }
                                    .into_any();
                            }
                            let draft = existing
                                .as_ref()
                                .map(|p| p.draft.clone())
                                .unwrap_or_else(|| {
                                    let mut fresh = PolicyDraft::new(d.today);
                                    fresh.name = String::new();
                                    fresh
                                });
                            let title = if existing.is_some() {
                                "Edit policy"
                            } else {
                                "Add policy"
                            };
                            let package_id = d.summary.id.to_string();
                            view! {
                                <div class="breadcrumbs">
                                    <a href="/admin">"Administration"</a>
                                    <a href="/admin/access-packages">"Access packages"</a>
                                    <a href=format!(
                                        "/admin/access-packages/{package_id}?view=policies",
                                    )>{d.summary.name.clone()}</a>
                                </div>
                                <div class="page-header">
                                    <h1>{title}</h1>
                                </div>
                                <PolicyEditor
                                    package=package_id
                                    policy=existing.map(|p| p.id.to_string())
                                    draft
                                />
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

#[component]
fn PolicyEditor(package: String, policy: Option<String>, draft: PolicyDraft) -> impl IntoView {
    let state = RwSignal::new(draft);
    let problems = provide_problems();
    let warnings = RwSignal::new(Vec::new());
    let failure = RwSignal::new(None::<String>);
    let tabs = vec![
        WizardTab::Requests,
        WizardTab::RequestorInformation,
        WizardTab::Lifecycle,
        WizardTab::Review,
    ];
    let tab = RwSignal::new(WizardTab::Requests);
    let package = StoredValue::new(package);
    let policy = StoredValue::new(policy);
    let check = Action::new(move |d: &PolicyDraft| {
        check_policy(package.get_value(), policy.get_value(), d.clone())
    });
    let save = Action::new(move |d: &PolicyDraft| {
        save_policy(package.get_value(), policy.get_value(), d.clone())
    });
    Effect::new(move |_| {
        if let Some(r) = check.value().get() {
            match r {
                Ok(c) => {
                    problems.set(c.problems);
                    warnings.set(c.warnings);
                    failure.set(None);
                }
                Err(e) => failure.set(Some(e.to_string())),
            }
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(()) => navigate(
                    &format!(
                        "/admin/access-packages/{}?view=policies&saved=1",
                        package.get_value()
                    ),
                    Default::default(),
                ),
                Err(AppError::Invalid(list)) => problems.set(list),
                Err(e) => failure.set(Some(e.to_string())),
            }
        }
    });
    let go = Callback::new(move |t: WizardTab| {
        tab.set(t);
        if t == WizardTab::Review {
            check.dispatch(state.get_untracked());
        }
    });
    let ready = move || {
        !check.pending().get()
            && !save.pending().get()
            && check
                .value()
                .get()
                .is_some_and(|r| r.is_ok_and(|c| c.problems.is_empty()))
    };
    let order = tabs.clone();
    let step = move |delta: isize| {
        let pos = order.iter().position(|t| *t == tab.get()).unwrap_or(0) as isize + delta;
        usize::try_from(pos)
            .ok()
            .and_then(|p| order.get(p).copied())
    };
    let step = StoredValue::new(step);
    view! {
        <TabStrip label="Policy" tabs current=tab on_select=go last_label="Review + Save" />
        <section
            class="panel tab-panel"
            role="tabpanel"
            id="editor-panel"
            aria-labelledby=move || format!("tab-{}", tab.get().code())
        >
            <h2>
                {move || {
                    if tab.get() == WizardTab::Review { "Review + Save" } else { tab.get().label() }
                }}
            </h2>
            {move || match tab.get() {
                WizardTab::Requests => {
                    view! {
                        <PolicyNameFields policy=state />
                        <RequestsTab policy=state />
                    }
                        .into_any()
                }
                WizardTab::RequestorInformation => {
                    view! { <RequestorTab policy=state /> }.into_any()
                }
                WizardTab::Lifecycle => view! { <LifecycleTab policy=state /> }.into_any(),
                _ => {
                    let d = state.get_untracked();
                    let mut sections = d.describe();
                    if let Some(first) = sections.first_mut() {
                        first.1.insert(0, format!("Policy name: {}", d.name.trim()));
                    }
                    view! {
                        <Show when=move || check.pending().get()>
                            <p class="muted" role="status">
                                "Checking the policy…"
                            </p>
                        </Show>
                        <CheckResults problems warnings on_select=go />
                        <Summary sections on_select=go />
                        <div class="actions">
                            <button
                                type="button"
                                class="primary"
                                disabled=move || !ready()
                                on:click=move |_| {
                                    save.dispatch(state.get_untracked());
                                }
                            >
                                {move || if save.pending().get() { "Saving…" } else { "Save" }}
                            </button>
                        </div>
                    }
                        .into_any()
                }
            }}
            <Show when=move || failure.get().is_some()>
                <div class="alert alert-error" role="alert">
                    <p>{move || failure.get()}</p>
                </div>
            </Show>
            <div class="wizard-nav">
                {move || {
                    step.with_value(|s| s(-1))
                        .map(|p| {
                            view! {
                                <button type="button" class="secondary" on:click=move |_| go.run(p)>
                                    {format!("Previous: {}", p.label())}
                                </button>
                            }
                        })
                }}
                {move || {
                    step.with_value(|s| s(1))
                        .map(|n| {
                            let label = if n == WizardTab::Review {
                                "Review + Save".to_owned()
                            } else {
                                n.label().to_owned()
                            };
                            view! {
                                <button type="button" class="primary" on:click=move |_| go.run(n)>
                                    {format!("Next: {label}")}
                                </button>
                            }
                        })
                }}
            </div>
        </section>
    }
}
