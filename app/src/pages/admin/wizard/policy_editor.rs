use super::*;

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
                                    version=existing.as_ref().map(|p| p.version)
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
fn PolicyEditor(
    package: String,
    policy: Option<String>,
    /// The stored policy's version (`None` for a new one).
    version: Option<i64>,
    draft: PolicyDraft,
) -> impl IntoView {
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
        save_policy(package.get_value(), policy.get_value(), d.clone(), version)
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
