#![recursion_limit = "256"]
//! Tessera's pages and server functions (Leptos, SSR + hydration).

pub mod api;
pub mod error;
mod layout;
pub mod links;
mod pages;
#[cfg(feature = "ssr")]
pub mod session;
pub mod ui;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};
use pages::admin::console as admin;
use pages::self_service;

pub use layout::Me;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me: Me = Resource::new(|| (), |_| api::auth::me());
    provide_context(me);
    view! {
        <Title text="Tessera" />
        <Router>
            <layout::Shell>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/myaccess" /> } />
                    // Rendered whole before it is sent (not streamed): the sign-in form must work
                    // before the page is live, and without JavaScript at all.
                    <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/myaccess") view=pages::my_access::MyAccessPage />
                    <Route
                        path=path!("/myaccess/access-packages/:id")
                        view=self_service::Package::route()
                    />
                    <Route path=path!("/myaccess/requests") view=self_service::Requests::route() />
                    <Route
                        path=path!("/myaccess/approvals")
                        view=self_service::Approvals::route()
                    />
                    <Route path=path!("/myaccess/reviews") view=self_service::Reviews::route() />
                    <Route path=path!("/myaccess/account") view=self_service::Account::route() />
                    <Route path=path!("/myaccess/team") view=self_service::Team::route() />
                    <Route path=path!("/admin") view=admin::Home::route() />
                    <Route path=path!("/admin/directory/users") view=admin::Users::route() />
                    <Route path=path!("/admin/directory/users/new") view=admin::NewUser::route() />
                    <Route
                        path=path!("/admin/directory/users/new-service-account")
                        view=admin::NewServiceAccount::route()
                    />
                    <Route
                        path=path!("/admin/directory/users/import")
                        view=admin::ImportUsers::route()
                    />
                    <Route path=path!("/admin/directory/users/:id") view=admin::User::route() />
                    <Route
                        path=path!("/admin/directory/users/:id/access")
                        view=admin::PersonAccess::route()
                    />
                    <Route path=path!("/admin/directory/groups") view=admin::Groups::route() />
                    <Route path=path!("/admin/directory/groups/:id") view=admin::Group::route() />
                    <Route
                        path=path!("/admin/directory/groups/:id/access")
                        view=admin::ResourceAccess::route()
                    />
                    <Route path=path!("/admin/catalogs") view=admin::Catalogs::route() />
                    <Route path=path!("/admin/catalogs/:id") view=admin::Catalog::route() />
                    <Route path=path!("/admin/access-packages") view=admin::Packages::route() />
                    <Route
                        path=path!("/admin/access-packages/new")
                        view=admin::NewPackage::route()
                    />
                    <Route path=path!("/admin/access-packages/:id") view=admin::Package::route() />
                    <Route
                        path=path!("/admin/access-packages/:id/policies/:policy")
                        view=admin::PolicyEditor::route()
                    />
                    <Route path=path!("/admin/licenses") view=admin::Licenses::route() />
                    <Route path=path!("/admin/audit") view=admin::Audit::route() />
                    <Route path=path!("/admin/directory-sync") view=admin::DirectorySync::route() />
                    <Route
                        path=path!("/admin/connected-systems")
                        view=admin::ConnectedSystems::route()
                    />
                    <Route
                        path=path!("/admin/connected-systems/:id")
                        view=admin::ConnectedSystem::route()
                    />
                    <Route path=path!("/admin/webhooks") view=admin::Webhooks::route() />
                    <Route path=path!("/admin/webhooks/:id") view=admin::Webhook::route() />
                    <Route path=path!("/admin/licenses/:id") view=admin::License::route() />
                </Routes>
            </layout::Shell>
        </Router>
    }
}
