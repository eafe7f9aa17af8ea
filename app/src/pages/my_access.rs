//! The employee's portal: the access packages they may request, hold, or held, and access
//! reviews (empty until the lifecycle engine starts them).

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
    use crate::components::{Badge, ErrorAlert, Loading, encode, utc};
    use leptos_router::components::Form;
    use leptos_router::hooks::use_query_map;
    let query = use_query_map();
    let tab = move || {
        query
            .read()
            .get("tab")
            .unwrap_or_else(|| "available".into())
    };
    let q = move || query.read().get("q").unwrap_or_default();
    let cards = Resource::new(
        move || (tab(), q()),
        |(t, q)| crate::api::requests::load_my_access(t, q),
    );
    let tabs = [
        ("available", "Available"),
        ("active", "Active"),
        ("expired", "Expired"),
    ];
    view! {
        <Title text="My Access · Tessera" />
        <div class="page-header">
            <h1>"My Access"</h1>
            <div class="page-actions"><a href="/myaccess/requests">"Request history"</a></div>
        </div>
        <p class="lead">"Find access packages you can request, and see the access you have."</p>
        <nav class="subnav" aria-label="Access packages">
            {tabs.into_iter().map(|(code, label)| {
                let href = move || format!("/myaccess?tab={code}&q={}", encode(&q()));
                view! { <a href=href aria-current=move || (tab() == code).then_some("page")>{label}</a> }
            }).collect_view()}
        </nav>
        <Form method="GET" action="" attr:class="searchbar" attr:role="search">
            <input type="hidden" name="tab" value=tab />
            <label class="sr-only" for="my-access-search">"Search access packages"</label>
            <input id="my-access-search" type="search" name="q" value=q placeholder="Name, description or resource" maxlength="200" />
            <button type="submit">"Search"</button>
        </Form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match cards.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        let (title, text) = match (tab().as_str(), q().is_empty()) {
                            (_, false) => ("Nothing matches your search", "Try other words, or clear the search."),
                            ("active", _) => ("You have no access packages yet", "Request one from the Available tab; what you get appears here."),
                            ("expired", _) => ("Nothing has expired", "Access that ends appears here."),
                            _ => ("No access packages are available to you yet", "When an administrator publishes an access package you may request, it appears here. If someone shared a link to a package with you, open that link."),
                        };
                        view! { <EmptyState title text /> }.into_any()
                    }
                    Ok(list) => view! {
                        <div class="cards">
                            {list.into_iter().map(|c| {
                                let kind = match c.status.as_str() { "Active" => "ok", "Request pending" => "info", "Expired" => "muted", _ => "info" };
                                let when = c.ends_at.map(|at| if c.status == "Expired" { format!("Ended {}", utc(at)) } else { format!("Ends {}", utc(at)) })
                                    .or_else(|| (c.status == "Active").then(|| "No end date".to_owned()));
                                view! {
                                    <section class="card" aria-label=c.name.clone()>
                                        <h2><a href=format!("/myaccess/access-packages/{}", c.package_id)>{c.name.clone()}</a></h2>
                                        <p><Badge kind=kind text=c.status.clone() /></p>
                                        <p class="muted">{c.description.clone()}</p>
                                        {(!c.grants.is_empty()).then(|| view! { <p>{c.grants.join(", ")}</p> })}
                                        {when.map(|w| view! { <p class="muted">{w}</p> })}
                                        {c.warnings.iter().map(|w| view! { <p class="field-error" role="note">{w.clone()}</p> }).collect_view()}
                                    </section>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn ReviewsPage() -> impl IntoView {
    view! {
        <Title text="Access reviews · Tessera" />
        <div class="page-header"><h1>"Access reviews"</h1></div>
        <EmptyState title="You have no access reviews to do" text="When a review asks you to confirm who still needs access, it appears here." />
    }
}
