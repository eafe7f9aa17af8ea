//! The employee's portal: the access packages they may request, hold (and extend), or held,
//! and the access reviews they take part in.

use domain::model::{CardStatus, ExtendOutcome, MyAccessTab, ReviewDecision};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn EmptyState(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <div class="empty-state">
            <h2>{title}</h2>
            <p>{text}</p>
        </div>
    }
}

#[component]
pub fn MyAccessPage() -> impl IntoView {
    use crate::ui::{
        Badge, Confirm, ConfirmDialog, ErrorAlert, Loading, When, encode, succeeded, successes,
    };
    use leptos_router::components::Form;
    use leptos_router::hooks::use_query_map;
    let query = use_query_map();
    let tab = move || MyAccessTab::of_query(query.read().get("tab").as_deref());
    let q = move || query.read().get("q").unwrap_or_default();
    let extend = ServerAction::<crate::api::lifecycle::ExtendAccess>::new();
    let remove = ServerAction::<crate::api::lifecycle::RemoveMyAccess>::new();
    // Reload after an extension or a removal only: a refused extension keeps its form (and
    // its message).
    let extended = successes(&[succeeded(extend.value()), succeeded(remove.value())]);
    // (package id, name) of the access being given up.
    let confirm = Confirm::<(String, String)>::new();
    let cards = Resource::new(
        move || (tab(), q(), extended.get()),
        |(t, q, _)| crate::api::requests::load_my_access(t.code().into(), q),
    );
    let extending = RwSignal::new(None::<(String, String)>);
    view! {
        <Title text="My Access · Tessera" />
        <div class="page-header">
            <h1>"My Access"</h1>
            <div class="page-actions">
                <a href="/myaccess/requests">"Request history"</a>
            </div>
        </div>
        <p class="lead">"Find access packages you can request, and see the access you have."</p>
        <nav class="subnav" aria-label="Access packages">
            {MyAccessTab::ALL
                .iter()
                .copied()
                .map(|t| {
                    let href = move || format!("/myaccess?tab={t}&q={}", encode(&q()));
                    view! {
                        <a href=href aria-current=move || (tab() == t).then_some("page")>
                            {t.label()}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <Form method="GET" action="" attr:class="searchbar" attr:role="search">
            <input type="hidden" name="tab" value=move || tab().code() />
            <label class="sr-only" for="my-access-search">
                "Search access packages"
            </label>
            <input
                id="my-access-search"
                type="search"
                name="q"
                value=q
                placeholder="Name, description or resource"
                maxlength=domain::model::limits::MAX_SEARCH_CHARS
            />
            <button type="submit">"Search"</button>
        </Form>
        <Show when=move || extend.value().get().is_some_and(|r| r.is_ok())>
            <div class="alert alert-success" role="status">
                <p>
                    {move || {
                        let name = extending.get().map(|(_, n)| n).unwrap_or_default();
                        match extend.value().get() {
                            Some(Ok(ExtendOutcome::Pending)) => {
                                format!("Your request to extend {name} waits for approval.")
                            }
                            _ => format!("Your access to {name} was extended."),
                        }
                    }}
                </p>
            </div>
        </Show>
        <Show when=move || {
            extend
                .value()
                .get()
                .is_some_and(|r| {
                    matches!(
                        r,
                        Err(crate::error::AppError::Conflict(_))
                        | Err(crate::error::AppError::Forbidden)
                    )
                })
        }>
            <div class="alert alert-error" role="alert">
                <p>{move || extend.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
            </div>
        </Show>
        <Show when=move || {
            remove.value().get().is_some()
        }>
            {move || match remove.value().get() {
                Some(Ok(_)) => {
                    let name = confirm.about.get().map(|(_, n)| n).unwrap_or_default();
                    view! {
                        <div class="alert alert-success" role="status">
                            <p>{format!("Your access to {name} was removed.")}</p>
                        </div>
                    }
                        .into_any()
                }
                Some(Err(e)) => {
                    view! {
                        <div class="alert alert-error" role="alert">
                            <p>{e.to_string()}</p>
                        </div>
                    }
                        .into_any()
                }
                None => ().into_any(),
            }}
        </Show>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match cards.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        let (title, text) = match (tab(), q().is_empty()) {
                            (_, false) => {
                                (
                                    "Nothing matches your search",
                                    "Try other words, or clear the search.",
                                )
                            }
                            (MyAccessTab::Active, _) => {
                                (
                                    "You have no access packages yet",
                                    "Request one from the Available tab; what you get appears here.",
                                )
                            }
                            (MyAccessTab::Expired, _) => {
                                ("Nothing has expired", "Access that ends appears here.")
                            }
                            _ => {
                                (
                                    "No access packages are available to you yet",
                                    "When an administrator publishes an access package you may request, it appears here. If someone shared a link to a package with you, open that link.",
                                )
                            }
                        };
                        view! { <EmptyState title text /> }.into_any()
                    }
                    Ok(list) => {
                        view! {
                            <div class="cards">
                                {list
                                    .into_iter()
                                    .map(|c| {
                                        let kind = match c.status {
                                            CardStatus::Active => "ok",
                                            CardStatus::Pending | CardStatus::Available => "info",
                                            CardStatus::Expired => "muted",
                                        };
                                        let when = match c.ends_at {
                                            Some(at) => {
                                                let word = if c.status == CardStatus::Expired {
                                                    "Ended "
                                                } else {
                                                    "Ends "
                                                };
                                                Some(
                                                    view! {
                                                        {word}
                                                        <When at relative=true />
                                                    }
                                                        .into_any(),
                                                )
                                            }
                                            None => {
                                                (c.status == CardStatus::Active)
                                                    .then(|| "No end date".into_any())
                                            }
                                        };
                                        view! {
                                            <section class="card" aria-label=c.name.clone()>
                                                <h2>
                                                    <a href=format!(
                                                        "/myaccess/access-packages/{}",
                                                        c.package_id,
                                                    )>{c.name.clone()}</a>
                                                </h2>
                                                <p>
                                                    <Badge kind=kind text=c.status.label() />
                                                </p>
                                                <p class="muted">{c.description.clone()}</p>
                                                {(!c.grants.is_empty())
                                                    .then(|| view! { <p>{c.grants.join(", ")}</p> })}
                                                {when.map(|w| view! { <p class="muted">{w}</p> })}
                                                {c
                                                    .warnings
                                                    .iter()
                                                    .map(|w| {
                                                        view! {
                                                            <p class="field-error" role="note">
                                                                {w.clone()}
                                                            </p>
                                                        }
                                                    })
                                                    .collect_view()}
                                                {(c.status == CardStatus::Active)
                                                    .then(|| {
                                                        let about = (c.package_id.to_string(), c.name.clone());
                                                        view! {
                                                            <p>
                                                                <button
                                                                    type="button"
                                                                    class="secondary"
                                                                    aria-label=format!("Remove access to {}", c.name)
                                                                    disabled=move || remove.pending().get()
                                                                    on:click=move |_| confirm.ask(about.clone())
                                                                >
                                                                    "Remove access"
                                                                </button>
                                                            </p>
                                                        }
                                                    })}
                                                {c
                                                    .extension
                                                    .map(|approval| {
                                                        view! {
                                                            <ExtendForm
                                                                package=c.package_id.to_string()
                                                                name=c.name.clone()
                                                                approval
                                                                extend
                                                                extending
                                                            />
                                                        }
                                                    })}
                                            </section>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <ConfirmDialog
            open=confirm.open
            title="Remove access"
            message=confirm
                .message(|(_, name)| {
                    format!(
                        "Give up your access to {name}? It ends now and the group memberships it gave you are withdrawn. To get it back you request it again.",
                    )
                })
            on_yes=confirm
                .on_yes(move |(package, _)| {
                    remove
                        .dispatch(crate::api::lifecycle::RemoveMyAccess {
                            package,
                        });
                })
        />
    }
}

/// "Extend" on an Active card: a justification, then the extension (or its request).
#[component]
fn ExtendForm(
    package: String,
    name: String,
    approval: bool,
    extend: ServerAction<crate::api::lifecycle::ExtendAccess>,
    extending: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    use crate::ui::BoundArea;
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let mine = {
        let package = package.clone();
        Signal::derive(move || extending.get().is_some_and(|(p, _)| p == package))
    };
    let error = Signal::derive(move || {
        if mine.get() {
            extend
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field("justification"))
        } else {
            None
        }
    });
    let id = format!("extend-{package}");
    let send = move |_| {
        extending.set(Some((package.clone(), name.clone())));
        extend.dispatch(crate::api::lifecycle::ExtendAccess {
            package: package.clone(),
            justification: reason.get_untracked(),
        });
    };
    view! {
        <Show
            when=move || open.get()
            fallback=move || {
                view! {
                    <button type="button" class="secondary" on:click=move |_| open.set(true)>
                        "Extend"
                    </button>
                }
            }
        >
            <BoundArea
                label="Business justification"
                id=id.clone()
                value=reason
                on_input=Callback::new(move |v| reason.set(v))
                error
                maxlength=domain::model::limits::MAX_JUSTIFICATION_CHARS
                hint=if approval {
                    "Your extension goes to the approvers."
                } else {
                    "Your access is extended at once."
                }
            />
            <div class="actions">
                <button
                    type="button"
                    class="primary"
                    disabled=move || extend.pending().get()
                    on:click=send.clone()
                >
                    "Extend access"
                </button>
                <button type="button" class="secondary" on:click=move |_| open.set(false)>
                    "Cancel"
                </button>
            </div>
        </Show>
    }
}

/// `/myaccess/reviews`: the reviews the person takes part in, with each person to decide on.
#[component]
pub fn ReviewsPage() -> impl IntoView {
    use crate::api::lifecycle::{AcceptRecommendations, DecideReview, load_my_reviews};
    use crate::ui::{ErrorAlert, Loading, When, succeeded, successes};
    let decide = ServerAction::<DecideReview>::new();
    let accept = ServerAction::<AcceptRecommendations>::new();
    let recorded = successes(&[succeeded(decide.value()), succeeded(accept.value())]);
    let last = RwSignal::new(None::<String>);
    let reviews = Resource::new(move || recorded.get(), |_| load_my_reviews());
    view! {
        <Title text="Access reviews · Tessera" />
        <div class="page-header">
            <h1>"Access reviews"</h1>
        </div>
        <p class="lead">
            "Confirm who still needs access. Your decisions can change until the review ends; then denied access is removed."
        </p>
        <Show when=move || decide.value().get().is_some_and(|r| r.is_ok())>
            <div class="alert alert-success" role="status">
                <p>"Your decision was recorded."</p>
            </div>
        </Show>
        <Show when=move || accept.value().get().is_some_and(|r| r.is_ok())>
            <div class="alert alert-success" role="status">
                <p>
                    {move || {
                        format!(
                            "{} recommendation(s) accepted.",
                            accept.value().get().and_then(Result::ok).unwrap_or_default(),
                        )
                    }}
                </p>
            </div>
        </Show>
        <Show when=move || {
            decide
                .value()
                .get()
                .is_some_and(|r| {
                    matches!(
                        r,
                        Err(crate::error::AppError::Conflict(_))
                        | Err(crate::error::AppError::Forbidden)
                    )
                })
        }>
            <div class="alert alert-error" role="alert">
                <p>{move || decide.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
            </div>
        </Show>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match reviews.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        view! {
                            <EmptyState
                                title="You have no access reviews to do"
                                text="When a review asks you to confirm who still needs access, it appears here."
                            />
                        }
                            .into_any()
                    }
                    Ok(list) => {
                        list.into_iter()
                            .map(|card| {
                                let review = card.id.to_string();
                                let accept_review = review.clone();
                                let label = format!("Review of {}", card.package_name);
                                view! {
                                    <section class="panel" aria-label=label>
                                        <div class="page-header">
                                            <h2>{format!("Review access to {}", card.package_name)}</h2>
                                            {card
                                                .decision_helpers
                                                .then(|| {
                                                    view! {
                                                        <button
                                                            type="button"
                                                            class="secondary"
                                                            disabled=move || accept.pending().get()
                                                            on:click=move |_| {
                                                                accept
                                                                    .dispatch(AcceptRecommendations {
                                                                        review: accept_review.clone(),
                                                                    });
                                                            }
                                                        >
                                                            "Accept recommendations"
                                                        </button>
                                                    }
                                                })}
                                        </div>
                                        <p>"Ends " <When at=card.ends_at relative=true /></p>
                                        <p>
                                            <progress
                                                max=card.total.max(1)
                                                value=card.decided
                                                aria-label="Reviewed"
                                            ></progress>
                                            " "
                                            {format!("{} of {} reviewed", card.decided, card.total)}
                                        </p>
                                        {card
                                            .items
                                            .into_iter()
                                            .map(|item| {
                                                view! {
                                                    <ReviewRow
                                                        review=review.clone()
                                                        item
                                                        require_justification=card.require_justification
                                                        decide
                                                        last
                                                    />
                                                }
                                            })
                                            .collect_view()}
                                    </section>
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

/// One person's access in a review: the recommendation, the current decision, and the
/// reviewer's choice with a reason.
#[component]
fn ReviewRow(
    review: String,
    item: domain::model::ReviewItemView,
    require_justification: bool,
    decide: ServerAction<crate::api::lifecycle::DecideReview>,
    last: RwSignal<Option<String>>,
) -> impl IntoView {
    use crate::ui::{Badge, BoundArea, When};
    let assignment = item.assignment_id.to_string();
    let reason = RwSignal::new(item.justification.clone());
    let mine = {
        let assignment = assignment.clone();
        Signal::derive(move || last.get().as_deref() == Some(assignment.as_str()))
    };
    let error = Signal::derive(move || {
        if mine.get() {
            decide
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field("justification"))
        } else {
            None
        }
    });
    let send = {
        let assignment = assignment.clone();
        move |decision: ReviewDecision| {
            last.set(Some(assignment.clone()));
            decide.dispatch(crate::api::lifecycle::DecideReview {
                review: review.clone(),
                assignment: assignment.clone(),
                decision: decision.code().into(),
                justification: reason.get_untracked(),
            });
        }
    };
    let (approve, deny, unsure) = (send.clone(), send.clone(), send);
    let decision = item.decision.map(|d| {
        let kind = match d {
            ReviewDecision::Approve => "ok",
            ReviewDecision::Deny => "error",
            ReviewDecision::DontKnow => "grey",
        };
        (kind, d.decided())
    });
    view! {
        <article class="review-item" aria-label=item.person.display_name.clone()>
            <div class="page-header">
                <h3>{format!("{} ({})", item.person.display_name, item.person.email)}</h3>
                {match decision {
                    Some((kind, text)) => view! { <Badge kind text /> }.into_any(),
                    None => view! { <Badge kind="info" text="Not reviewed" /> }.into_any(),
                }}
            </div>
            {item
                .recommendation
                .as_ref()
                .map(|(r, why)| {
                    view! {
                        <p class="muted">{format!("Recommendation: {} — {why}", r.label())}</p>
                    }
                })}
            {item
                .decided
                .as_ref()
                .map(|(who, at)| {
                    view! { <p class="muted">{format!("Decided by {who} at ")} <When at=*at /></p> }
                })}
            <BoundArea
                label=if require_justification { "Reason" } else { "Reason (optional)" }
                id=format!("review-reason-{assignment}")
                value=reason
                on_input=Callback::new(move |v| reason.set(v))
                error
                maxlength=domain::model::limits::MAX_REVIEW_JUSTIFICATION_CHARS
            />
            <div class="actions">
                <button
                    type="button"
                    class="primary"
                    disabled=move || decide.pending().get()
                    on:click=move |_| approve(ReviewDecision::Approve)
                >
                    "Approve"
                </button>
                <button
                    type="button"
                    class="danger"
                    disabled=move || decide.pending().get()
                    on:click=move |_| deny(ReviewDecision::Deny)
                >
                    "Deny"
                </button>
                <button
                    type="button"
                    class="secondary"
                    disabled=move || decide.pending().get()
                    on:click=move |_| unsure(ReviewDecision::DontKnow)
                >
                    "Don't know"
                </button>
            </div>
        </article>
    }
}
