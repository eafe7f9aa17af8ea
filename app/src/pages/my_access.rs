//! The employee's portal. Access packages arrive with the wizard; until one is published
//! these pages say so and what happens next.

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
    view! {
        <Title text="My Access · Tessera" />
        <div class="page-header">
            <h1>"My Access"</h1>
            <div class="page-actions"><a href="/myaccess/requests">"Request history"</a></div>
        </div>
        <p class="lead">"Find access packages you can request, and see the access you have."</p>
        <div role="tablist" aria-label="Access packages" class="chips">
            <span class="chip" role="tab" aria-selected="true">"Available"</span>
            <span class="chip" role="tab" aria-selected="false">"Active"</span>
            <span class="chip" role="tab" aria-selected="false">"Expired"</span>
        </div>
        <EmptyState
            title="No access packages are available to you yet"
            text="When an administrator publishes an access package you may request, it appears here. If someone shared a link to a package with you, open that link."
        />
    }
}

#[component]
pub fn RequestsPage() -> impl IntoView {
    view! {
        <Title text="Request history · Tessera" />
        <div class="page-header"><h1>"Request history"</h1></div>
        <EmptyState title="You have not requested anything yet" text="Requests you submit from My Access appear here with their status." />
    }
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    view! {
        <Title text="Approvals · Tessera" />
        <div class="page-header"><h1>"Approvals"</h1></div>
        <EmptyState title="Nothing is waiting for your decision" text="When someone asks for access you approve, the request appears here." />
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

/// `/myaccess/access-packages/{id}`: the link admins share.
#[component]
pub fn PortalPackagePage() -> impl IntoView {
    use crate::components::{ErrorAlert, Loading};
    use leptos_router::hooks::use_params_map;
    let params = use_params_map();
    let package = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        crate::api::packages::load_portal_package,
    );
    view! {
        <Title text="Access package · Tessera" />
        <div class="breadcrumbs"><a href="/myaccess">"My Access"</a></div>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match package.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(p) => view! {
                        <div class="page-header"><h1>{p.name.clone()}</h1></div>
                        <p class="lead">{p.description.clone()}</p>
                        <section class="panel">
                            <h2>"What you get"</h2>
                            {if p.resources.is_empty() {
                                view! { <p class="muted">"This access package grants nothing yet."</p> }.into_any()
                            } else {
                                view! { <ul>{p.resources.iter().map(|r| view! {
                                    <li>
                                        {format!("{} of the group {}", r.role.label(), r.group_name)}
                                        {r.licenses.iter().map(|l| view! {
                                            <br /><span class="muted">{format!("{} of {} {} seats available", l.available, l.seats, l.license)}</span>
                                        }).collect_view()}
                                    </li>
                                }).collect_view()}</ul> }.into_any()
                            }}
                        </section>
                        <section class="panel">
                            <h2>"Can I request it?"</h2>
                            {match p.reason.clone() {
                                None => view! {
                                    <p><span class="badge badge-ok">"You can request this access package"</span></p>
                                    <p class="muted">{format!("Policy: {}", p.policies.join(", "))}</p>
                                }.into_any(),
                                Some(reason) => view! {
                                    <p><span class="badge badge-muted">"Not available to you"</span></p>
                                    <p>{reason}</p>
                                }.into_any(),
                            }}
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
