/// Pages whose code loads lazily (issue 13): each page is reached through one `#[lazy]`
/// function, `$chunk`, so `cargo leptos build --split` moves their code (and all that only
/// they reach) into a wasm chunk of its own, fetched the first time one of them opens.
///
/// Each route is a [`LazyRoute`](leptos_router::LazyRoute) of its own type, because a route
/// names its view by type; `$preload` is the preload function `#[lazy]` makes for `$chunk`.
/// The invoking module imports `leptos::lazy`, `leptos_router::{Lazy, LazyRoute}` and the
/// prelude.
macro_rules! lazy_pages {
    ($chunk:ident, $preload:ident; $($page:ident => $view:path,)*) => {
        /// A page of this chunk, as its route names it.
        #[derive(Clone, Copy, Debug)]
        enum Page {
            $($page,)*
        }

        $(
            #[doc = concat!("The route of the page `", stringify!($view), "`.")]
            pub struct $page;

            impl $page {
                /// The route's view, for `<Route view=…>`.
                pub fn route() -> Lazy<Self> {
                    Lazy::new()
                }
            }

            impl LazyRoute for $page {
                fn data() -> Self {
                    $page
                }

                async fn view(_: Self) -> AnyView {
                    $chunk(Page::$page).await
                }

                // Loads the chunk before a server-rendered page hydrates: the router awaits
                // this, then hydrates the view at once (without it, the view would still be
                // loading when hydration reached it, and the page would not match).
                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )*

        /// Every page's view: the one function whose code, and all that only it reaches,
        /// the splitter moves into the chunk.
        #[lazy]
        fn $chunk(page: Page) -> AnyView {
            match page {
                $(Page::$page => $view().into_any(),)*
            }
        }
    };
}

pub mod account;
pub mod admin;
pub mod login;
pub mod my_access;
pub mod requests;
pub mod self_service;
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
