//! The request loop in the browser: the package behind a My Access link with its request
//! form, the requestor's history, and the approver's inbox.

use crate::api::packages::load_portal_package;
use crate::api::requests::*;
use crate::error::AppError;
use crate::ui::{
    Bound, BoundArea, ErrorAlert, FormAlert, Loading, Radios, Select, YesNo, date, error_of,
    period, request_state_badge, stage_decision_badge, succeeded, successes, utc,
};
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

/// `/myaccess/access-packages/{id}`: the link admins share.
#[component]
pub fn PortalPackagePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let package = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query.read().get("resubmit").unwrap_or_default(),
            )
        },
        |(id, resubmit)| async move {
            let package = load_portal_package(id).await?;
            let prefill = if resubmit.is_empty() {
                None
            } else {
                Some(load_resubmission(resubmit).await?).filter(|r| r.package_id == package.id)
            };
            Ok::<_, AppError>((package, prefill))
        },
    );
    view! {
        <Title text="Access package · Tessera" />
        <div class="breadcrumbs">
            <a href="/myaccess">"My Access"</a>
        </div>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match package.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok((p, prefill)) => view! { <PortalView package=p prefill /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PortalView(package: PortalPackage, prefill: Option<Resubmission>) -> impl IntoView {
    let p = package;
    let form = (!p.requestable.is_empty() && p.reason.is_none()).then(|| {
        view! { <RequestForm package=p.id policies=p.requestable.clone() prefill /> }
    });
    view! {
        <div class="page-header">
            <h1>{p.name.clone()}</h1>
        </div>
        <p class="lead">{p.description.clone()}</p>
        <section class="panel">
            <h2>"What you get"</h2>
            {if p.resources.is_empty() {
                view! { <p class="muted">"This access package grants nothing yet."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {p
                            .resources
                            .iter()
                            .map(|r| {
                                view! {
                                    <li>
                                        {format!(
                                            "{} of the group {}",
                                            r.role.label(),
                                            r.group_name,
                                        )}
                                        {r
                                            .licenses
                                            .iter()
                                            .map(|l| {
                                                let warn = (l.available <= 0)
                                                    .then_some(
                                                        " — no seats left: you would get the group, and your license would wait for a free seat",
                                                    );
                                                view! {
                                                    <br />
                                                    <span class="muted">
                                                        {format!(
                                                            "{} of {} {} seats available",
                                                            l.available.max(0),
                                                            l.seats,
                                                            l.license,
                                                        )}{warn}
                                                    </span>
                                                }
                                            })
                                            .collect_view()}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <section class="panel">
            <h2>"Can I request it?"</h2>
            {match p.reason.clone() {
                None => {
                    view! {
                        <p>
                            <span class="badge badge-ok">
                                "You can request this access package"
                            </span>
                        </p>
                        <p class="muted">{format!("Policy: {}", p.policies.join(", "))}</p>
                    }
                        .into_any()
                }
                Some(reason) => {
                    view! {
                        <p>
                            <span class="badge badge-muted">
                                {if p.assigned {
                                    "Already assigned"
                                } else if p.pending_request.is_some() {
                                    "Request pending"
                                } else {
                                    "Not available to you"
                                }}
                            </span>
                        </p>
                        <p>{reason}</p>
                        {(p.assigned || p.pending_request.is_some())
                            .then(|| {
                                view! {
                                    <p>
                                        <a href="/myaccess/requests">"See your request history"</a>
                                    </p>
                                }
                            })}
                    }
                        .into_any()
                }
            }}
        </section>
        {form}
    }
}

#[component]
fn RequestForm(
    package: AccessPackageId,
    policies: Vec<RequestablePolicy>,
    prefill: Option<Resubmission>,
) -> impl IntoView {
    let questions_of = {
        let policies = policies.clone();
        move |id: &str| {
            policies
                .iter()
                .find(|p| p.id.to_string() == id)
                .map_or(0, |p| p.questions.len())
        }
    };
    let first = match &prefill {
        Some(r) => r
            .policy_id
            .map(|p| p.to_string())
            .filter(|p| policies.iter().any(|x| x.id.to_string() == *p)),
        None => None,
    }
    .unwrap_or_else(|| {
        if policies.len() == 1 {
            policies[0].id.to_string()
        } else {
            String::new()
        }
    });
    let chosen = RwSignal::new(first.clone());
    let mut initial_answers = vec![String::new(); questions_of(&first)];
    if let Some(r) = prefill
        .as_ref()
        .filter(|r| r.policy_id.map(|p| p.to_string()) == Some(first.clone()))
    {
        for (slot, a) in initial_answers.iter_mut().zip(&r.answers) {
            slot.clone_from(a);
        }
    }
    let justification = RwSignal::new(
        prefill
            .as_ref()
            .map(|r| r.justification.clone())
            .unwrap_or_default(),
    );
    let answers = RwSignal::new(initial_answers);
    let period = prefill.as_ref().and_then(|r| r.period);
    let specific = RwSignal::new(period.is_some());
    let start = RwSignal::new(period.map(|p| date(p.0)).unwrap_or_default());
    let end = RwSignal::new(period.map(|p| date(p.1)).unwrap_or_default());
    let submit = Action::new(move |input: &RequestInput| submit_request(input.clone()));
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    let field =
        move |name: String| Signal::derive(move || error.get().and_then(|e| e.field(&name)));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = submit.value().get() {
            navigate("/myaccess/requests?submitted=1", Default::default());
        }
    });
    let policies = StoredValue::new(policies);
    let current = move || {
        policies.with_value(|ps| {
            ps.iter()
                .find(|p| p.id.to_string() == chosen.get())
                .cloned()
        })
    };
    let options: Vec<(String, String)> = policies.with_value(|ps| {
        ps.iter()
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect()
    });
    let several = options.len() > 1;
    let choose = Callback::new(move |v: String| {
        answers.set(vec![String::new(); questions_of(&v)]);
        chosen.set(v);
    });
    view! {
        <section class="panel">
            <h2>{if prefill.is_some() { "Resubmit request" } else { "Request access" }}</h2>
            {prefill
                .is_some()
                .then(|| {
                    view! {
                        <p class="muted">
                            "Your earlier answers are filled in; change what you need and submit again."
                        </p>
                    }
                })}
            <FormAlert
                error=error
                fields=&["policy", "justification", "specific_period", "start", "end"]
            />
            {several
                .then(|| {
                    view! {
                        <Radios
                            legend="Policy"
                            name="policy"
                            options=options.clone()
                            selected=chosen
                            on_change=choose
                            error=field("policy".into())
                            hint="Several policies apply to you; choose the one that fits."
                        />
                    }
                })}
            {move || {
                current()
                    .map(|p| {
                        let questions = p.questions.clone();
                        view! {
                            {(!p.description.is_empty())
                                .then(|| view! { <p class="muted">{p.description.clone()}</p> })}
                            {questions
                                .into_iter()
                                .enumerate()
                                .map(|(i, q)| {
                                    let label = if q.required {
                                        q.text.clone()
                                    } else {
                                        format!("{} (optional)", q.text)
                                    };
                                    let value = Signal::derive(move || {
                                        answers.with(|a| a.get(i).cloned().unwrap_or_default())
                                    });
                                    let set = Callback::new(move |v: String| {
                                        answers
                                            .update(|a| {
                                                if let Some(x) = a.get_mut(i) {
                                                    *x = v;
                                                }
                                            })
                                    });
                                    let err = field(format!("answers.{i}"));
                                    match q.format {
                                        AnswerFormat::MultipleChoice => {
                                            let mut opts = vec![
                                                (String::new(), "Choose…".to_owned()),
                                            ];
                                            opts.extend(
                                                q.choices.iter().map(|c| (c.clone(), c.clone())),
                                            );
                                            view! {
                                                <Select
                                                    label
                                                    id=format!("answer-{i}")
                                                    options=opts
                                                    selected=value
                                                    on_change=set
                                                    error=err
                                                />
                                            }
                                                .into_any()
                                        }
                                        AnswerFormat::LongText => {
                                            view! {
                                                <BoundArea
                                                    label
                                                    id=format!("answer-{i}")
                                                    value
                                                    on_input=set
                                                    error=err
                                                    maxlength=domain::rules::requests::MAX_ANSWER_CHARS
                                                />
                                            }
                                                .into_any()
                                        }
                                        AnswerFormat::ShortText => {
                                            view! {
                                                <Bound
                                                    label
                                                    id=format!("answer-{i}")
                                                    value
                                                    on_input=set
                                                    error=err
                                                    maxlength=domain::rules::requests::MAX_ANSWER_CHARS
                                                />
                                            }
                                                .into_any()
                                        }
                                    }
                                })
                                .collect_view()}
                            <BoundArea
                                label=if p.requestor_justification {
                                    "Business justification"
                                } else {
                                    "Business justification (optional)"
                                }
                                id="justification"
                                value=justification
                                on_input=Callback::new(move |v| justification.set(v))
                                error=field("justification".into())
                                maxlength=limits::MAX_JUSTIFICATION_CHARS
                                hint="Tell the approver why you need this access."
                            />
                            {p
                                .custom_timeline
                                .then(|| {
                                    view! {
                                        <YesNo
                                            legend="Request for specific period?"
                                            name="specific_period"
                                            value=specific
                                            on_change=Callback::new(move |v| specific.set(v))
                                            hint=format!(
                                                "Without a period, access starts when approved and lasts {}.",
                                                p.lasts,
                                            )
                                        />
                                        <Show when=move || specific.get()>
                                            <div class="field-row">
                                                <Bound
                                                    label="Start date"
                                                    id="period-start"
                                                    input_type="date"
                                                    value=start
                                                    on_input=Callback::new(move |v| start.set(v))
                                                    error=field("start".into())
                                                    required=true
                                                />
                                                <Bound
                                                    label="End date"
                                                    id="period-end"
                                                    input_type="date"
                                                    value=end
                                                    on_input=Callback::new(move |v| end.set(v))
                                                    error=field("end".into())
                                                    required=true
                                                />
                                            </div>
                                        </Show>
                                    }
                                })}
                        }
                    })
            }}
            <div class="actions">
                <button
                    type="button"
                    class="primary"
                    disabled=move || chosen.get().is_empty() || submit.pending().get()
                    on:click=move |_| {
                        let policy = (!chosen.get_untracked().is_empty())
                            .then(|| chosen.get_untracked());
                        let custom = current().is_some_and(|p| p.custom_timeline)
                            && specific.get_untracked();
                        submit
                            .dispatch(RequestInput {
                                package: package.to_string(),
                                policy,
                                justification: justification.get_untracked(),
                                answers: answers.get_untracked(),
                                specific_period: custom,
                                start: if custom { start.get_untracked() } else { String::new() },
                                end: if custom { end.get_untracked() } else { String::new() },
                            });
                    }
                >
                    {move || {
                        if submit.pending().get() { "Submitting…" } else { "Submit request" }
                    }}
                </button>
            </div>
        </section>
    }
}

/// `/myaccess/requests`: every request with its state and timeline.
#[component]
pub fn RequestsPage() -> impl IntoView {
    let query = use_query_map();
    let submitted = move || query.read().get("submitted").is_some();
    let cancel = ServerAction::<CancelRequest>::new();
    let requests = Resource::new(move || cancel.version().get(), |_| load_my_requests());
    let cancel_error = error_of(cancel.value());
    view! {
        <Title text="Request history · Tessera" />
        <div class="breadcrumbs">
            <a href="/myaccess">"My Access"</a>
        </div>
        <div class="page-header">
            <h1>"Request history"</h1>
        </div>
        <Show when=submitted>
            <div class="alert alert-success" role="status">
                <p>"Your request was submitted."</p>
            </div>
        </Show>
        <FormAlert error=cancel_error fields=&[] />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match requests.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        view! {
                            <div class="empty-state">
                                <h2>"You have not requested anything yet"</h2>
                                <p>
                                    "Open an access package's My Access link to request it; your requests appear here with their status."
                                </p>
                            </div>
                        }
                            .into_any()
                    }
                    Ok(list) => {
                        list.into_iter()
                            .map(|r| {
                                let id = r.id.to_string();
                                let can_cancel = r.state == RequestState::PendingApproval;
                                let stage = (r.state == RequestState::PendingApproval)
                                    .then(|| format!("Stage {} of {}", r.stage_no, r.stage_count));
                                let label = format!("Request for {}", r.package_name);
                                view! {
                                    <article class="panel request" aria-label=label>
                                        <div class="page-header">
                                            <h2>
                                                <a href=format!(
                                                    "/myaccess/access-packages/{}",
                                                    r.package_id,
                                                )>{r.package_name.clone()}</a>
                                            </h2>
                                            {request_state_badge(r.state)}
                                            {stage.map(|s| view! { <span class="muted">{s}</span> })}
                                        </div>
                                        <p class="muted">
                                            {format!("Submitted {}", utc(r.created_at))}
                                        </p>
                                        {r
                                            .period
                                            .map(|(s, e)| {
                                                view! {
                                                    <p>{format!("Requested period: {}", period(s, e))}</p>
                                                }
                                            })}
                                        {(!r.justification.is_empty())
                                            .then(|| {
                                                view! {
                                                    <p>
                                                        {format!("Business justification: {}", r.justification)}
                                                    </p>
                                                }
                                            })}
                                        {(!r.outcome.is_empty())
                                            .then(|| view! { <p>{r.outcome.clone()}</p> })}
                                        <ol class="timeline" aria-label="Timeline">
                                            {r
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
                                        {matches!(
                                            r.state,
                                            RequestState::Denied
                                            | RequestState::Expired
                                            | RequestState::Canceled
                                        )
                                            .then(|| {
                                                view! {
                                                    <a
                                                        class="button secondary"
                                                        href=format!(
                                                            "/myaccess/access-packages/{}?resubmit={id}",
                                                            r.package_id,
                                                        )
                                                    >
                                                        "Resubmit"
                                                    </a>
                                                }
                                            })}
                                        {can_cancel
                                            .then(|| {
                                                view! {
                                                    <button
                                                        type="button"
                                                        class="secondary"
                                                        on:click=move |_| {
                                                            if crate::ui::confirm("Cancel this request?") {
                                                                cancel.dispatch(CancelRequest { id: id.clone() });
                                                            }
                                                        }
                                                    >
                                                        "Cancel request"
                                                    </button>
                                                }
                                            })}
                                    </article>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// `/myaccess/approvals`: Pending and History.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let query = use_query_map();
    let history = move || query.read().get("tab").as_deref() == Some("history");
    let decide = ServerAction::<DecideRequest>::new();
    // Reload after a recorded decision only: a refused one keeps the card (and its reason).
    let recorded = successes(&[succeeded(decide.value())]);
    let last = RwSignal::new(None::<String>);
    let items = Resource::new(move || recorded.get(), |_| load_my_approvals());
    view! {
        <Title text="Approvals · Tessera" />
        <div class="page-header">
            <h1>"Approvals"</h1>
        </div>
        <nav class="subnav" aria-label="Approvals">
            <a href="/myaccess/approvals" aria-current=move || (!history()).then_some("page")>
                "Pending"
            </a>
            <a
                href="/myaccess/approvals?tab=history"
                aria-current=move || history().then_some("page")
            >
                "History"
            </a>
        </nav>
        <Show when=move || decide.value().get().is_some_and(|r| r.is_ok())>
            <div class="alert alert-success" role="status">
                <p>"Your decision was recorded."</p>
            </div>
        </Show>
        <Show when=move || {
            decide.value().get().is_some_and(|r| matches!(r, Err(AppError::Conflict(_))))
        }>
            <div class="alert alert-error" role="alert">
                <p>{move || decide.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
            </div>
        </Show>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match items.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok((pending, done)) => {
                        let list = if history() { done } else { pending };
                        if list.is_empty() {
                            return view! {
                                <div class="empty-state">
                                    <h2>
                                        {if history() {
                                            "No decisions yet"
                                        } else {
                                            "Nothing is waiting for your decision"
                                        }}
                                    </h2>
                                    <p>
                                        "When someone asks for access you approve, the request appears here."
                                    </p>
                                </div>
                            }
                                .into_any();
                        }
                        list.into_iter()
                            .map(|item| view! { <ApprovalCard item decide last /> })
                            .collect_view()
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn ApprovalCard(
    item: ApprovalItem,
    decide: ServerAction<DecideRequest>,
    last: RwSignal<Option<String>>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let id = item.request_id.to_string();
    let mine = Signal::derive({
        let id = id.clone();
        move || last.get().as_deref() == Some(id.as_str())
    });
    let error = Signal::derive(move || {
        if mine.get() {
            decide
                .value()
                .get()
                .and_then(Result::err)
                .filter(|e| matches!(e, AppError::Invalid(_)))
        } else {
            None
        }
    });
    let reason_error = Signal::derive(move || error.get().and_then(|e| e.field("justification")));
    let label = format!(
        "Request from {} for {}",
        item.requestor.display_name, item.package_name
    );
    let (approve_id, deny_id) = (id.clone(), id.clone());
    let send = move |id: String, decision: &'static str| {
        last.set(Some(id.clone()));
        decide.dispatch(DecideRequest {
            id,
            decision: decision.into(),
            justification: reason.get_untracked(),
        });
    };
    view! {
        <article class="panel approval" aria-label=label>
            <div class="page-header">
                <h2>{format!("{} requests {}", item.requestor.display_name, item.package_name)}</h2>
                {item.decision.as_ref().map(|(d, _, _)| stage_decision_badge(*d))}
            </div>
            <dl class="kv">
                <dt>"Requestor"</dt>
                <dd>{format!("{} ({})", item.requestor.display_name, item.requestor.email)}</dd>
                <dt>"Department"</dt>
                <dd>
                    {if item.department.is_empty() {
                        "—".to_owned()
                    } else {
                        item.department.clone()
                    }}
                </dd>
                <dt>"Manager"</dt>
                <dd>{item.manager.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Submitted"</dt>
                <dd>{utc(item.submitted_at)}</dd>
                <dt>"Requested period"</dt>
                <dd>
                    {item
                        .period
                        .map_or_else(
                            || "From approval, as long as the policy allows".to_owned(),
                            |(s, e)| period(s, e),
                        )}
                </dd>
                <dt>"Business justification"</dt>
                <dd>
                    {if item.justification.is_empty() {
                        "—".to_owned()
                    } else {
                        item.justification.clone()
                    }}
                </dd>
                {item
                    .answers
                    .iter()
                    .map(|(q, a)| {
                        view! {
                            <dt>{q.clone()}</dt>
                            <dd>{a.clone()}</dd>
                        }
                    })
                    .collect_view()}
                <dt>"Stage"</dt>
                <dd>{format!("{} of {}", item.stage_no, item.stage_count)}</dd>
                <dt>"Decide by"</dt>
                <dd>{utc(item.due_at)}</dd>
                <dt>"Other approvers"</dt>
                <dd>
                    {if item.other_approvers.is_empty() {
                        "None".to_owned()
                    } else {
                        item.other_approvers.join(", ")
                    }}
                </dd>
            </dl>
            {match item.decision.clone() {
                Some((d, at, why)) => {
                    view! {
                        <p>
                            {format!(
                                "Stage {} {d} at {}{}",
                                item.stage_no,
                                utc(at),
                                if why.is_empty() { String::new() } else { format!(": {why}") },
                            )}
                        </p>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <BoundArea
                            label=if item.require_justification {
                                "Reason"
                            } else {
                                "Reason (optional)"
                            }
                            id=format!("reason-{id}")
                            value=reason
                            on_input=Callback::new(move |v| reason.set(v))
                            error=reason_error
                            maxlength=limits::MAX_JUSTIFICATION_CHARS
                            hint="The requestor and other approvers see it."
                        />
                        <div class="actions">
                            <button
                                type="button"
                                class="primary"
                                disabled=move || decide.pending().get()
                                on:click=move |_| send(approve_id.clone(), "approve")
                            >
                                "Approve"
                            </button>
                            <button
                                type="button"
                                class="danger"
                                disabled=move || decide.pending().get()
                                on:click=move |_| send(deny_id.clone(), "deny")
                            >
                                "Deny"
                            </button>
                        </div>
                    }
                        .into_any()
                }
            }}
        </article>
    }
}
