use super::*;

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
                options=request_filters()
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
                                        <div class="table-wrap" tabindex="0">
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
                                                                    <td>
                                                                        <When at=s.created_at />
                                                                    </td>
                                                                    <td>
                                                                        {if r.direct { "Direct assignment" } else { "Request" }}
                                                                    </td>
                                                                    <td>
                                                                        {request_state_badge(s.state)}
                                                                        {s
                                                                            .waiting_at()
                                                                            .map(|w| {
                                                                                view! { <span class="muted">{format!(" · {w}")}</span> }
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
                                                                                        aria-label=format!("Cancel request of {}", pick.1)
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
                                                                                    <When at=t.at />
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
