pub mod account;
pub mod admin;
pub mod login;
pub mod my_access;
pub mod requests;
pub mod team;

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <div class="empty-state">
            <h1>"Page not found"</h1>
            <p>
                "There is nothing at this address. Check the link, or start again from My Access."
            </p>
            <a class="button" href="/myaccess">
                "Go to My Access"
            </a>
        </div>
    }
}
