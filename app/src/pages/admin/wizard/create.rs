use super::resources::ResourcesTab;
use super::*;

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
