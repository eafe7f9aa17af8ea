//! Who has an access package and who asked for it: the package's Assignments (filter, search,
//! CSV export, New assignment, Remove), Requests (filter, timeline, cancel) and Access reviews
//! (progress, decisions, Stop) views.

use crate::api::requests::*;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

type Loaded<T> = Resource<Result<Option<Page<T>>, crate::error::AppError>>;

/// The package's assignment and request lists and the actions that change them. Created at
/// the top of the package page (not inside its Suspense), so server-rendered lists hydrate
/// with the same resources the browser creates.
#[derive(Clone, Copy)]
pub struct AccessLists {
    assignments: Loaded<AssignmentView>,
    requests: Loaded<PackageRequestView>,
    remove: ServerAction<RemoveAssignment>,
    cancel: ServerAction<CancelRequest>,
    assign: Action<AssignInput, Result<usize, crate::error::AppError>>,
    reviews: Resource<Result<Option<Vec<ReviewInstance>>, crate::error::AppError>>,
    stop: ServerAction<crate::api::lifecycle::StopReview>,
    /// One review's decisions, loaded when an administrator opens them.
    decisions: Action<String, (String, Result<Vec<ReviewItemView>, crate::error::AppError>)>,
}

impl AccessLists {
    /// `view` is the package page's current view code; only its list is loaded.
    pub fn new(
        id: impl Fn() -> String + Copy + Send + Sync + 'static,
        view: impl Fn() -> &'static str + Copy + Send + Sync + 'static,
    ) -> Self {
        let query = use_query_map();
        let remove = ServerAction::<RemoveAssignment>::new();
        let cancel = ServerAction::<CancelRequest>::new();
        let assign = Action::new(move |input: &AssignInput| assign_directly(input.clone()));
        let args = move || {
            let q = query.read();
            (
                id(),
                q.get("state").unwrap_or_default(),
                q.get("q").unwrap_or_default(),
                page_number(&q),
            )
        };
        let assignments = Resource::new(
            move || {
                (
                    view() == "assignments",
                    args(),
                    remove.version().get(),
                    assign.version().get(),
                )
            },
            |(shown, (id, state, q, page), _, _)| async move {
                if shown {
                    load_package_assignments(id, state, q, page).await.map(Some)
                } else {
                    Ok(None)
                }
            },
        );
        let requests = Resource::new(
            move || (view() == "requests", args(), cancel.version().get()),
            |(shown, (id, state, q, page), _)| async move {
                if shown {
                    load_package_requests(id, state, q, page).await.map(Some)
                } else {
                    Ok(None)
                }
            },
        );
        let stop = ServerAction::<crate::api::lifecycle::StopReview>::new();
        let reviews = Resource::new(
            move || (view() == "reviews", id(), stop.version().get()),
            |(shown, id, _)| async move {
                if shown {
                    crate::api::lifecycle::load_package_reviews(id)
                        .await
                        .map(Some)
                } else {
                    Ok(None)
                }
            },
        );
        let decisions = Action::new(move |review: &String| {
            let review = review.clone();
            async move {
                let items = crate::api::lifecycle::load_review_items(review.clone()).await;
                (review, items)
            }
        });
        Self {
            assignments,
            requests,
            remove,
            cancel,
            assign,
            reviews,
            stop,
            decisions,
        }
    }
}

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
                options=&ASSIGNMENT_FILTERS
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
                                        <div class="table-wrap">
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
                                                                    <td>{assignment_state_badge(a.state)}</td>
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

/// The search box and state filter above one of the package's lists, sent as a GET form
/// that keeps the page on `view`.
#[component]
fn ListFilter(
    view: &'static str,
    placeholder: &'static str,
    options: &'static [(&'static str, &'static str)],
    q: Signal<String>,
    state: Signal<String>,
) -> impl IntoView {
    let (search_id, state_id) = (format!("{view}-search"), format!("{view}-state"));
    view! {
        <Form method="GET" action="" attr:class="searchbar" attr:role="search">
            <input type="hidden" name="view" value=view />
            <label class="sr-only" for=search_id.clone()>
                {format!("Search {view}")}
            </label>
            <input
                id=search_id
                type="search"
                name="q"
                value=q
                placeholder=placeholder
                maxlength=limits::MAX_SEARCH_CHARS
            />
            <label for=state_id.clone()>"State"</label>
            <select id=state_id name="state">
                {options
                    .iter()
                    .map(|&(code, label)| {
                        view! {
                            <option value=code selected=move || state.get() == code>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <button type="submit" class="secondary">
                "Search"
            </button>
        </Form>
    }
}

const ASSIGNMENT_FILTERS: [(&str, &str); 2] = [("active", "Active"), ("ended", "Ended")];

const REQUEST_FILTERS: [(&str, &str); 6] = [
    ("all", "All"),
    ("pending", "Pending approval"),
    ("delivered", "Delivered"),
    ("denied", "Denied"),
    ("canceled", "Canceled"),
    ("expired", "Expired"),
];

#[component]
pub fn RequestsView(detail: PackageDetail, lists: AccessLists) -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let state = move || query.read().get("state").unwrap_or_else(|| "all".into());
    let id = detail.summary.id.to_string();
    let (cancel, list) = (lists.cancel, lists.requests);
    let confirm = Confirm::<(String, String)>::new();
    let open_details = RwSignal::new(None::<String>);
    let base = format!("/admin/access-packages/{id}");
    let can_assign = detail.can_assign;
    view! {
        <Done when=succeeded(
            cancel.value(),
        )>"The request was canceled; the requestor was told."</Done>
        <ActionError error=error_of(cancel.value()) />
        <section class="panel">
            <h2>"Requests"</h2>
            <ListFilter
                view="requests"
                placeholder="Requestor name or email"
                options=&REQUEST_FILTERS
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
                                                {if q().is_empty() && state() == "all" {
                                                    "No requests yet. Share the package's My Access link so people can request it."
                                                } else {
                                                    "No request matches these filters."
                                                }}
                                            </p>
                                        </div>
                                    }
                                        .into_any()
                                }
                                Ok(Some(p)) => {
                                    let pages = p.page_count();
                                    let items = StoredValue::new(p.items.clone());
                                    view! {
                                        <div class="table-wrap">
                                            <table class="data">
                                                <caption class="sr-only">"Requests"</caption>
                                                <thead>
                                                    <tr>
                                                        <th scope="col">"Requestor"</th>
                                                        <th scope="col">"Submitted"</th>
                                                        <th scope="col">"Type"</th>
                                                        <th scope="col">"State"</th>
                                                        <th scope="col">"Details"</th>
                                                    </tr>
                                                </thead>
                                                <tbody>
                                                    {p
                                                        .items
                                                        .clone()
                                                        .into_iter()
                                                        .map(|r| {
                                                            let rid = r.summary.id.to_string();
                                                            let shown = {
                                                                let rid = rid.clone();
                                                                move || open_details.get().as_deref() == Some(rid.as_str())
                                                            };
                                                            let toggle = {
                                                                let rid = rid.clone();
                                                                move |_| {
                                                                    open_details
                                                                        .update(|o| {
                                                                            *o = if o.as_deref() == Some(rid.as_str()) {
                                                                                None
                                                                            } else {
                                                                                Some(rid.clone())
                                                                            };
                                                                        })
                                                                }
                                                            };
                                                            let open = r.summary.state.is_open();
                                                            let pick = (rid.clone(), r.requestor.display_name.clone());
                                                            let name = r.requestor.display_name.clone();
                                                            let s = r.summary.clone();
                                                            view! {
                                                                <tr>
                                                                    <th scope="row">
                                                                        {format!(
                                                                            "{} ({})",
                                                                            r.requestor.display_name,
                                                                            r.requestor.email,
                                                                        )}
                                                                    </th>
                                                                    <td>{utc(s.created_at)}</td>
                                                                    <td>
                                                                        {if r.direct { "Direct assignment" } else { "Request" }}
                                                                    </td>
                                                                    <td>
                                                                        {request_state_badge(s.state)}
                                                                        {(s.state == RequestState::PendingApproval)
                                                                            .then(|| {
                                                                                view! {
                                                                                    <span class="muted">
                                                                                        {format!(" stage {} of {}", s.stage_no, s.stage_count)}
                                                                                    </span>
                                                                                }
                                                                            })}
                                                                    </td>
                                                                    <td>
                                                                        <button
                                                                            type="button"
                                                                            class="link-button"
                                                                            aria-expanded=move || if shown() { "true" } else { "false" }
                                                                            aria-controls="request-details"
                                                                            aria-label=format!("Details of {name}'s request")
                                                                            on:click=toggle
                                                                        >
                                                                            "Details"
                                                                        </button>
                                                                        {(can_assign && open)
                                                                            .then(|| {
                                                                                view! {
                                                                                    <button
                                                                                        type="button"
                                                                                        class="danger"
                                                                                        aria-label=format!("Cancel {}'s request", pick.1)
                                                                                        on:click=move |_| confirm.ask(pick.clone())
                                                                                    >
                                                                                        "Cancel request"
                                                                                    </button>
                                                                                }
                                                                            })}
                                                                    </td>
                                                                </tr>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                        <div id="request-details">
                                            {move || {
                                                open_details
                                                    .get()
                                                    .and_then(|id| {
                                                        items
                                                            .with_value(|list| {
                                                                list.iter()
                                                                    .find(|r| r.summary.id.to_string() == id)
                                                                    .cloned()
                                                            })
                                                    })
                                                    .map(|r| {
                                                        let s = r.summary;
                                                        view! {
                                                            <section
                                                                class="panel details-pane"
                                                                aria-label=format!(
                                                                    "Request from {}",
                                                                    r.requestor.display_name,
                                                                )
                                                            >
                                                                <h3>
                                                                    {format!("Request from {}", r.requestor.display_name)}
                                                                </h3>
                                                                {s
                                                                    .period
                                                                    .map(|(a, b)| {
                                                                        view! {
                                                                            <p>{format!("Requested period: {}", period(a, b))}</p>
                                                                        }
                                                                    })}
                                                                {(!s.justification.is_empty())
                                                                    .then(|| {
                                                                        view! {
                                                                            <p>{format!("Justification: {}", s.justification)}</p>
                                                                        }
                                                                    })}
                                                                {(!s.outcome.is_empty())
                                                                    .then(|| view! { <p>{s.outcome.clone()}</p> })}
                                                                <ol class="timeline" aria-label="Timeline">
                                                                    {s
                                                                        .timeline
                                                                        .into_iter()
                                                                        .map(|t| {
                                                                            view! {
                                                                                <li>
                                                                                    <time>{utc(t.at)}</time>
                                                                                    " — "
                                                                                    {t.text}
                                                                                </li>
                                                                            }
                                                                        })
                                                                        .collect_view()}
                                                                </ol>
                                                                <button
                                                                    type="button"
                                                                    class="secondary"
                                                                    on:click=move |_| open_details.set(None)
                                                                >
                                                                    "Close"
                                                                </button>
                                                            </section>
                                                        }
                                                    })
                                            }}
                                        </div>
                                        <Pager
                                            base=base
                                            q=q()
                                            page=p.page
                                            page_count=pages
                                            total=p.total
                                            noun="requests"
                                            extra=format!("view=requests&state={}", state())
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
        <ConfirmDialog
            open=confirm.open
            title="Cancel request"
            message=confirm
                .message(|(_, name)| {
                    format!(
                        "Cancel {name}'s request? Approvers can no longer decide it, and {name} is told.",
                    )
                })
            on_yes=confirm
                .on_yes(move |(id, _)| {
                    cancel.dispatch(CancelRequest { id });
                })
        />
    }
}

/// The package's access reviews: each one's window, progress, decisions and results, with
/// "Stop" to end an active one early (its results are applied at once).
#[component]
pub fn ReviewsView(detail: PackageDetail, lists: AccessLists) -> impl IntoView {
    let (list, stop, decisions) = (lists.reviews, lists.stop, lists.decisions);
    let confirm = Confirm::<String>::new();
    let can_stop = detail.can_assign;
    let reviewed = detail.policies.iter().any(|p| p.spec.review.is_some());
    view! {
        <Done when=succeeded(
            stop.value(),
        )>
            {move || match stop.value().get() {
                Some(Ok((kept, removed))) => {
                    format!(
                        "The review was stopped and its results applied: {removed} removed, {kept} kept.",
                    )
                }
                _ => String::new(),
            }}
        </Done>
        <ActionError error=error_of(stop.value()) />
        <section class="panel">
            <h2>"Access reviews"</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Ok(Some(v)) if v.is_empty() => {
                            view! {
                                <div class="empty-state">
                                    <p>
                                        {if reviewed {
                                            "No review has started yet. Each one starts on its policy's schedule (Starting on, Review frequency)."
                                        } else {
                                            "No policy of this package requires access reviews. Turn on \"Require access reviews\" in a policy's Lifecycle tab."
                                        }}
                                    </p>
                                </div>
                            }
                                .into_any()
                        }
                        Ok(Some(v)) => {
                            v.into_iter()
                                .map(|r| {
                                    let id = r.id.to_string();
                                    let state_badge = if r.state == ReviewState::Active {
                                        ("info", "Active")
                                    } else {
                                        ("ok", "Completed")
                                    };
                                    let label = format!(
                                        "Review from {}",
                                        period(r.starts_at, r.ends_at),
                                    );
                                    let progress = r.progress();
                                    let heading = label.clone();
                                    view! {
                                        <article class="review-instance" aria-label=label>
                                            <div class="page-header">
                                                <h3>{heading}</h3>
                                                <Badge kind=state_badge.0 text=state_badge.1 />
                                            </div>
                                            <p>
                                                <progress
                                                    max="100"
                                                    value=progress
                                                    aria-label="Decided"
                                                ></progress>
                                                " "
                                                {format!("{progress}% decided · {} people", r.total)}
                                            </p>
                                            <dl class="kv">
                                                <dt>"Policy"</dt>
                                                <dd>{r.policy_name.clone()}</dd>
                                                <dt>"Approved"</dt>
                                                <dd>{r.approved}</dd>
                                                <dt>"Denied"</dt>
                                                <dd>{r.denied}</dd>
                                                <dt>"Don't know"</dt>
                                                <dd>{r.dont_know}</dd>
                                                <dt>"Not reviewed"</dt>
                                                <dd>{r.undecided()}</dd>
                                                <dt>"If reviewers don't respond"</dt>
                                                <dd>{r.if_no_response.clone()}</dd>
                                                {(r.state == ReviewState::Completed)
                                                    .then(|| {
                                                        view! {
                                                            <dt>"Results applied"</dt>
                                                            <dd>{format!("{} removed, {} kept", r.removed, r.kept)}</dd>
                                                        }
                                                    })}
                                                {r
                                                    .stopped_by
                                                    .clone()
                                                    .map(|who| {
                                                        view! {
                                                            <dt>"Stopped by"</dt>
                                                            <dd>{who}</dd>
                                                        }
                                                    })}
                                            </dl>
                                            <div class="actions">
                                                <button
                                                    type="button"
                                                    class="secondary"
                                                    on:click={
                                                        let id = id.clone();
                                                        move |_| {
                                                            decisions.dispatch(id.clone());
                                                        }
                                                    }
                                                >
                                                    "Show decisions"
                                                </button>
                                                {(can_stop && r.state == ReviewState::Active)
                                                    .then(|| {
                                                        let id = id.clone();
                                                        view! {
                                                            <button
                                                                type="button"
                                                                class="danger"
                                                                on:click=move |_| confirm.ask(id.clone())
                                                            >
                                                                "Stop"
                                                            </button>
                                                        }
                                                    })}
                                            </div>
                                            {move || {
                                                decisions
                                                    .value()
                                                    .get()
                                                    .filter(|(shown, _)| *shown == id)
                                                    .map(|(_, items)| match items {
                                                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                                                        Ok(items) => view! { <DecisionsTable items /> }.into_any(),
                                                    })
                                            }}
                                        </article>
                                    }
                                })
                                .collect_view()
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
        <ConfirmDialog
            open=confirm.open
            title="Stop the review"
            message="Stop this review now? Decisions so far are applied at once: denied access is removed, and undecided access follows the policy's \"If reviewers don't respond\"."
            on_yes=confirm
                .on_yes(move |review| {
                    stop.dispatch(crate::api::lifecycle::StopReview {
                        review,
                    });
                })
        />
    }
}

/// Every person of one review: the decision, its reason, who decided, and the result.
#[component]
fn DecisionsTable(items: Vec<ReviewItemView>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">"Nobody was under review."</p> }.into_any();
    }
    view! {
        <table class="table">
            <caption>"Decisions"</caption>
            <thead>
                <tr>
                    <th scope="col">"Person"</th>
                    <th scope="col">"Decision"</th>
                    <th scope="col">"Reason"</th>
                    <th scope="col">"Decided by"</th>
                    <th scope="col">"Recommendation"</th>
                    <th scope="col">"Result"</th>
                </tr>
            </thead>
            <tbody>
                {items
                    .into_iter()
                    .map(|i| {
                        let decision = match i.decision {
                            Some(ReviewDecision::Approve) => "Approved",
                            Some(ReviewDecision::Deny) => "Denied",
                            Some(ReviewDecision::DontKnow) => "Don't know",
                            None => "Not reviewed",
                        };
                        let result = match i.result {
                            Some(ReviewResult::Removed) => "Access removed",
                            Some(ReviewResult::Kept) => "Access kept",
                            None => "—",
                        };
                        view! {
                            <tr>
                                <td>{format!("{} ({})", i.person.display_name, i.person.email)}</td>
                                <td>{decision}</td>
                                <td>
                                    {if i.justification.is_empty() {
                                        "—".to_owned()
                                    } else {
                                        i.justification.clone()
                                    }}
                                </td>
                                <td>
                                    {i
                                        .decided
                                        .map(|(who, at)| format!("{who}, {}", utc(at)))
                                        .unwrap_or_else(|| "—".into())}
                                </td>
                                <td>
                                    {i
                                        .recommendation
                                        .map(|(r, why)| format!("{} — {why}", r.label()))
                                        .unwrap_or_default()}
                                </td>
                                <td>{result}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
