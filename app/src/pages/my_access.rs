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
pub fn ReviewsPage() -> impl IntoView {
    view! {
        <Title text="Access reviews · Tessera" />
        <div class="page-header"><h1>"Access reviews"</h1></div>
        <EmptyState title="You have no access reviews to do" text="When a review asks you to confirm who still needs access, it appears here." />
    }
}
