use super::*;

/// `/myaccess/requests`: every request with its state and timeline.
#[component]
pub fn RequestsPage() -> impl IntoView {
    let query = use_query_map();
    let submitted = move || query.read().get("submitted").is_some();
    let cancel = ServerAction::<CancelRequest>::new();
    let page = move || page_number(&query.read());
    let requests = Resource::new(
        move || (cancel.version().get(), page()),
        |(_, page)| load_my_requests(page),
    );
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
                    Ok(list) if list.items.is_empty() && list.page == 1 => {
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
                        let (page, page_count, total) = (list.page, list.page_count(), list.total);
                        let cards = list
                            .items
                            .into_iter()
                            .map(|r| {
                                let id = r.id.to_string();
                                let can_cancel = r.state == RequestState::PendingApproval;
                                let stage = r.waiting_at();
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
                                            {match r.delivery {
                                                Some(d) => {
                                                    let kind = if d.failed() { "error" } else { "info" };
                                                    view! { <Badge kind=kind text=d.label() /> }.into_any()
                                                }
                                                None => request_state_badge(r.state).into_any(),
                                            }}
                                            {stage.map(|s| view! { <span class="muted">{s}</span> })}
                                        </div>
                                        <p class="muted">"Submitted " <When at=r.created_at /></p>
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
                                        {(!r.outcome.is_empty() && r.delivery.is_none())
                                            .then(|| view! { <p>{r.outcome.clone()}</p> })}
                                        {match r.delivery {
                                            Some(DeliveryState::PartiallyDelivered) => {
                                                Some(
                                                    view! {
                                                        <p class="field-error">
                                                            "Part of this access is there, but a connected directory has not given you the rest yet. Your administrators see the failure, and it is tried again."
                                                        </p>
                                                    }
                                                        .into_any(),
                                                )
                                            }
                                            Some(DeliveryState::Failed) => {
                                                Some(
                                                    view! {
                                                        <p class="field-error">
                                                            "A connected directory has not given you this access yet. Your administrators see the failure, and it is tried again."
                                                        </p>
                                                    }
                                                        .into_any(),
                                                )
                                            }
                                            Some(_) => {
                                                Some(
                                                    view! {
                                                        <p class="muted">
                                                            "Delivering… your access is being added in a connected directory; it is usually there within a minute."
                                                        </p>
                                                    }
                                                        .into_any(),
                                                )
                                            }
                                            None => None,
                                        }}
                                        <ol class="timeline" aria-label="Timeline">
                                            {r
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
                            .collect_view();
                        view! {
                            {cards}
                            <Pager
                                base="/myaccess/requests".to_owned()
                                q=String::new()
                                page
                                page_count
                                total
                                noun="requests"
                            />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}
