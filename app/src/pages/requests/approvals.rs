use super::*;

/// `/myaccess/approvals`: Pending and History.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let query = use_query_map();
    let history = move || query.read().get("tab").as_deref() == Some("history");
    let decide = ServerAction::<DecideRequest>::new();
    // Reload after a recorded decision only: a refused one keeps the card (and its reason).
    let recorded = successes(&[succeeded(decide.value())]);
    let last = RwSignal::new(None::<String>);
    let page = move || page_number(&query.read());
    let items = Resource::new(
        move || (recorded.get(), history(), page()),
        |(_, history, page)| load_my_approvals(history, page),
    );
    // How many wait, beside the Pending tab's name once known.
    let waiting = move || {
        items
            .get()
            .and_then(|r| r.ok())
            .filter(|p| p.waiting > 0)
            .map(|p| {
                view! {
                    " "
                    <span class="count">{p.waiting}</span>
                }
            })
    };
    view! {
        <Title text="Approvals · Tessera" />
        <div class="page-header">
            <h1>"Approvals"</h1>
        </div>
        <nav class="subnav" aria-label="Approvals">
            <a href="/myaccess/approvals" aria-current=move || (!history()).then_some("page")>
                "Pending"
                <Transition>{waiting}</Transition>
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
                    Ok(found) => {
                        let list = found.items;
                        if list.items.is_empty() && list.page == 1 {
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
                        let (page, page_count, total) = (list.page, list.page_count(), list.total);
                        let extra = if history() { "tab=history" } else { "" };
                        view! {
                            {list
                                .items
                                .into_iter()
                                .map(|item| view! { <ApprovalCard item decide last /> })
                                .collect_view()}
                            <Pager
                                base="/myaccess/approvals".to_owned()
                                q=String::new()
                                page
                                page_count
                                total
                                noun="requests"
                                extra=extra
                            />
                        }
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
    let stage = item.stage_no;
    let send = move |id: String, decision: &'static str| {
        last.set(Some(id.clone()));
        decide.dispatch(DecideRequest {
            id,
            decision: decision.into(),
            justification: reason.get_untracked(),
            stage: Some(stage),
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
                <dd>
                    <When at=item.submitted_at />
                </dd>
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
                <dd>
                    <When at=item.due_at />
                </dd>
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
                            {format!("Stage {} {d} at ", item.stage_no)} <When at />
                            {if why.is_empty() { String::new() } else { format!(": {why}") }}
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
