use super::*;

#[component]
pub fn AssignmentsView(detail: PackageDetail, lists: AccessLists) -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let state = move || {
        if query.read().get("state").as_deref() == Some("ended") {
            "ended".to_owned()
        } else {
            "active".to_owned()
        }
    };
    let id = detail.summary.id.to_string();
    let (remove, assign, list) = (lists.remove, lists.assign, lists.assignments);
    let confirm = Confirm::<(String, String)>::new();
    let base = format!("/admin/access-packages/{id}");
    let csv = {
        let id = id.clone();
        move || {
            format!(
                "/admin/access-packages/{id}/assignments.csv?state={}&q={}",
                state(),
                encode(&q())
            )
        }
    };
    let can_assign = detail.can_assign;
    view! {
        <Done when=succeeded(
            remove.value(),
        )>
            {move || {
                format!(
                    "The assignment was removed; {} grant(s) withdrawn.",
                    remove.value().get().and_then(Result::ok).unwrap_or(0),
                )
            }}
        </Done>
        <ActionError error=error_of(remove.value()) />
        <Done when=succeeded(
            assign.value(),
        )>
            {move || {
                format!(
                    "Access assigned to {} person(s).",
                    assign.value().get().and_then(Result::ok).unwrap_or(0),
                )
            }}
        </Done>
        <section class="panel">
            <div class="page-header">
                <h2>"Assignments"</h2>
                <a class="button secondary" href=csv rel="external" download="assignments.csv">
                    "Download CSV"
                </a>
            </div>
            <ListFilter
                view="assignments"
                placeholder="Name or email"
                options=ASSIGNMENT_FILTERS.to_vec()
                q=Signal::derive(q)
                state=Signal::derive(state)
            />
            <Transition fallback=Loading>
                {
                    let base = base.clone();
                    move || {
                        let base = base.clone();
                        Suspend::new(async move {
                            match list.await {
                                Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                                Ok(None) => ().into_any(),
                                Ok(Some(p)) if p.items.is_empty() => {
                                    view! {
                                        <div class="empty-state">
                                            <p>
                                                {if q().is_empty() {
                                                    if state() == "active" {
                                                        "Nobody has this access package yet. People get it when their request is approved, or assign it below."
                                                    } else {
                                                        "No ended assignments."
                                                    }
                                                } else {
                                                    "No assignment matches your search."
                                                }}
                                            </p>
                                        </div>
                                    }
                                        .into_any()
                                }
                                Ok(Some(p)) => {
                                    let pages = p.page_count();
                                    view! {
                                        <div class="table-wrap" tabindex="0">
                                            <table class="data">
                                                <caption class="sr-only">"Assignments"</caption>
                                                <thead>
                                                    <tr>
                                                        <th scope="col">"Name"</th>
                                                        <th scope="col">"Email"</th>
                                                        <th scope="col">"State"</th>
                                                        <th scope="col">"Policy"</th>
                                                        <th scope="col">"Starts"</th>
                                                        <th scope="col">"Ends"</th>
                                                        {can_assign
                                                            .then(|| {
                                                                view! {
                                                                    <th scope="col">
                                                                        <span class="sr-only">"Actions"</span>
                                                                    </th>
                                                                }
                                                            })}
                                                    </tr>
                                                </thead>
                                                <tbody>
                                                    {p
                                                        .items
                                                        .clone()
                                                        .into_iter()
                                                        .map(|a| {
                                                            let pick = (a.id.to_string(), a.user.display_name.clone());
                                                            let live = a.state.is_live();
                                                            let label = format!("Remove {}", a.user.display_name);
                                                            view! {
                                                                <tr>
                                                                    <th scope="row">{a.user.display_name.clone()}</th>
                                                                    <td>{a.user.email.clone()}</td>
                                                                    <td>
                                                                        {assignment_state_badge(a.state)}
                                                                        {a.delivery.map(delivery_badge)}
                                                                    </td>
                                                                    <td>{a.policy.clone().unwrap_or_else(|| "—".into())}</td>
                                                                    <td>{day(a.starts_at)}</td>
                                                                    <td>{a.ends_at.map_or_else(|| "Never".to_owned(), day)}</td>
                                                                    {(can_assign && live)
                                                                        .then(|| {
                                                                            view! {
                                                                                <td>
                                                                                    <button
                                                                                        type="button"
                                                                                        class="danger"
                                                                                        aria-label=label
                                                                                        on:click=move |_| confirm.ask(pick.clone())
                                                                                    >
                                                                                        "Remove"
                                                                                    </button>
                                                                                </td>
                                                                            }
                                                                        })}
                                                                    {(can_assign && !live).then(|| view! { <td></td> })}
                                                                </tr>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                        <Pager
                                            base=base
                                            q=q()
                                            page=p.page
                                            page_count=pages
                                            total=p.total
                                            noun="assignments"
                                            extra=format!("view=assignments&state={}", state())
                                        />
                                    }
                                        .into_any()
                                }
                            }
                        })
                    }
                }
            </Transition>
        </section>
        {can_assign.then(|| view! { <NewAssignment detail=detail.clone() assign /> })}
        <ConfirmDialog
            open=confirm.open
            title="Remove assignment"
            message=confirm
                .message(|(_, name)| {
                    format!(
                        "Remove {name}'s assignment? Their access ends now and the group memberships it gave are withdrawn (memberships from elsewhere stay).",
                    )
                })
            on_yes=confirm
                .on_yes(move |(id, _)| {
                    remove.dispatch(RemoveAssignment { id });
                })
        />
    }
}

#[component]
fn NewAssignment(
    detail: PackageDetail,
    assign: Action<AssignInput, Result<usize, crate::error::AppError>>,
) -> impl IntoView {
    let people = RwSignal::new(Vec::<Principal>::new());
    let policies: Vec<(String, String)> = detail
        .policies
        .iter()
        .map(|p| (p.id.to_string(), p.name.clone()))
        .collect();
    let policy = RwSignal::new(policies.first().map(|p| p.0.clone()).unwrap_or_default());
    let justification = RwSignal::new(String::new());
    let specific = RwSignal::new(false);
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let error = error_of(assign.value());
    let field = field_errors(error);
    // Problems about one chosen person ("users.2") are listed with their names.
    let people_problems = Signal::derive(move || {
        let Some(crate::error::AppError::Invalid(list)) = error.get() else {
            return vec![];
        };
        list.into_iter()
            .filter(|f| f.field.starts_with("users"))
            .map(|f| f.message)
            .collect::<Vec<_>>()
    });
    Effect::new(move |_| {
        if assign.value().get().is_some_and(|r| r.is_ok()) {
            people.set(vec![]);
            justification.set(String::new());
        }
    });
    let package = detail.summary.id.to_string();
    view! {
        <section class="panel">
            <h2>"New assignment"</h2>
            <p class="muted">
                "Assign this access package directly, without approval. People must be within the chosen policy's scope (anyone for a policy of direct assignments only) and hold nothing incompatible with it."
            </p>
            <FormAlert error=error fields=&["users", "policy", "justification", "start", "end"] />
            <PrincipalPicker
                label="Users"
                id="assign-users"
                users=true
                groups=false
                selected=people
                on_change=Callback::new(move |list: Vec<Principal>| people.set(list))
                error=Signal::derive(move || {
                    let p = people_problems.get();
                    (!p.is_empty()).then(|| p.join(" "))
                })
                hint=format!(
                    "Search by name or email; up to {} people at a time.",
                    limits::MAX_DIRECT_ASSIGNEES,
                )
            />
            <Select
                label="Policy"
                id="assign-policy"
                options=policies
                selected=policy
                on_change=Callback::new(move |v| policy.set(v))
                error=field("policy")
            />
            <BoundArea
                label="Justification (optional)"
                id="assign-justification"
                value=justification
                on_input=Callback::new(move |v| justification.set(v))
                error=field("justification")
                maxlength=limits::MAX_JUSTIFICATION_CHARS
                hint="Recorded on each assignment's request and in the audit log."
            />
            <YesNo
                legend="Assign for a specific period?"
                name="assign_period"
                value=specific
                on_change=Callback::new(move |v| specific.set(v))
                hint="Without a period, access starts now and lasts as long as the policy grants."
            />
            <Show when=move || specific.get()>
                <div class="field-row">
                    <Bound
                        label="Start date"
                        id="assign-start"
                        input_type="date"
                        value=start
                        on_input=Callback::new(move |v| start.set(v))
                        error=field("start")
                        required=true
                    />
                    <Bound
                        label="End date"
                        id="assign-end"
                        input_type="date"
                        value=end
                        on_input=Callback::new(move |v| end.set(v))
                        error=field("end")
                        required=true
                    />
                </div>
            </Show>
            <div class="actions">
                <button
                    type="button"
                    class="primary"
                    disabled=move || people.with(Vec::is_empty) || assign.pending().get()
                    on:click=move |_| {
                        let custom = specific.get_untracked();
                        assign
                            .dispatch(AssignInput {
                                package: package.clone(),
                                users: people
                                    .get_untracked()
                                    .iter()
                                    .map(|p| p.id.to_string())
                                    .collect(),
                                policy: Some(policy.get_untracked()).filter(|p| !p.is_empty()),
                                justification: justification.get_untracked(),
                                specific_period: custom,
                                start: if custom { start.get_untracked() } else { String::new() },
                                end: if custom { end.get_untracked() } else { String::new() },
                            });
                    }
                >
                    {move || if assign.pending().get() { "Assigning…" } else { "Assign" }}
                </button>
            </div>
        </section>
    }
}
