use super::*;

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
        <div class="table-wrap" tabindex="0">
            <table class="data">
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
                            let decision = i
                                .decision
                                .map_or("Not reviewed", ReviewDecision::decided);
                            let result = match i.result {
                                Some(r) => r.label(),
                                None => "—",
                            };
                            view! {
                                <tr>
                                    <td>
                                        {format!("{} ({})", i.person.display_name, i.person.email)}
                                    </td>
                                    <td>{decision}</td>
                                    <td>
                                        {if i.justification.is_empty() {
                                            "—".to_owned()
                                        } else {
                                            i.justification.clone()
                                        }}
                                    </td>
                                    <td>
                                        {match i.decided {
                                            Some((who, at)) => {
                                                view! {
                                                    {format!("{who}, ")}
                                                    <When at />
                                                }
                                                    .into_any()
                                            }
                                            None => "—".into_any(),
                                        }}
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
        </div>
    }
    .into_any()
}
