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
use leptos_router::path;

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
                    <Route path=path!("/login") view=pages::login::LoginPage />
                    <Route path=path!("/myaccess") view=pages::my_access::MyAccessPage />
                    <Route
                        path=path!("/myaccess/access-packages/:id")
                        view=pages::requests::PortalPackagePage
                    />
                    <Route path=path!("/myaccess/requests") view=pages::requests::RequestsPage />
                    <Route path=path!("/myaccess/approvals") view=pages::requests::ApprovalsPage />
                    <Route path=path!("/myaccess/reviews") view=pages::my_access::ReviewsPage />
                    <Route path=path!("/myaccess/account") view=pages::account::AccountPage />
                    <Route path=path!("/admin") view=pages::admin::AdminHome />
                    <Route
                        path=path!("/admin/directory/users")
                        view=pages::admin::users::UsersPage
                    />
                    <Route
                        path=path!("/admin/directory/users/new")
                        view=pages::admin::users::NewUserPage
                    />
                    <Route
                        path=path!("/admin/directory/users/new-service-account")
                        view=pages::admin::users::NewServiceAccountPage
                    />
                    <Route
                        path=path!("/admin/directory/users/import")
                        view=pages::admin::users::ImportUsersPage
                    />
                    <Route
                        path=path!("/admin/directory/users/:id")
                        view=pages::admin::users::UserDetailPage
                    />
                    <Route
                        path=path!("/admin/directory/groups")
                        view=pages::admin::groups::GroupsPage
                    />
                    <Route
                        path=path!("/admin/directory/groups/:id")
                        view=pages::admin::groups::GroupDetailPage
                    />
                    <Route
                        path=path!("/admin/catalogs")
                        view=pages::admin::catalogs::CatalogsPage
                    />
                    <Route
                        path=path!("/admin/catalogs/:id")
                        view=pages::admin::catalogs::CatalogDetailPage
                    />
                    <Route
                        path=path!("/admin/access-packages")
                        view=pages::admin::packages::PackagesPage
                    />
                    <Route
                        path=path!("/admin/access-packages/new")
                        view=pages::admin::wizard::NewPackagePage
                    />
                    <Route
                        path=path!("/admin/access-packages/:id")
                        view=pages::admin::packages::PackageDetailPage
                    />
                    <Route
                        path=path!("/admin/access-packages/:id/policies/:policy")
                        view=pages::admin::wizard::PolicyEditorPage
                    />
                    <Route
                        path=path!("/admin/licenses")
                        view=pages::admin::licenses::LicensesPage
                    />
                    <Route path=path!("/admin/audit") view=pages::admin::audit::AuditPage />
                    <Route path=path!("/admin/directory-sync") view=pages::admin::sync::SyncPage />
                    <Route
                        path=path!("/admin/connected-systems")
                        view=pages::admin::connectors::ConnectorsPage
                    />
                    <Route
                        path=path!("/admin/connected-systems/:id")
                        view=pages::admin::connectors::ConnectorPage
                    />
                    <Route
                        path=path!("/admin/webhooks")
                        view=pages::admin::webhooks::WebhooksPage
                    />
                    <Route
                        path=path!("/admin/webhooks/:id")
                        view=pages::admin::webhooks::WebhookPage
                    />
                    <Route
                        path=path!("/admin/licenses/:id")
                        view=pages::admin::licenses::LicenseDetailPage
                    />
                </Routes>
            </layout::Shell>
        </Router>
    }
}
