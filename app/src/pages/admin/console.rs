//! The administration console loads lazily (issue 13): every admin page is reached through
//! one `#[lazy]` function, so `cargo leptos build --split` moves the console's code (its
//! pages, forms and server-function calls) into a wasm chunk of its own. My Access never
//! downloads it; the browser fetches it the first time an admin page opens, and a page the
//! server rendered preloads it (`<link rel="preload">` from the split manifest).
//!
//! Each route is a [`LazyRoute`] of its own type (`lazy_pages!` in `pages`); they
//! all call `console`, the chunk's one entry point.

use super::*;
use leptos::lazy;
use leptos_router::{Lazy, LazyRoute};

lazy_pages! {
    console, __preload_console;
    Home => AdminHome,
    Users => users::UsersPage,
    NewUser => users::NewUserPage,
    NewServiceAccount => users::NewServiceAccountPage,
    ImportUsers => users::ImportUsersPage,
    User => users::UserDetailPage,
    PersonAccess => reports::PersonAccessPage,
    Groups => groups::GroupsPage,
    Group => groups::GroupDetailPage,
    ResourceAccess => reports::ResourceAccessPage,
    Catalogs => catalogs::CatalogsPage,
    Catalog => catalogs::CatalogDetailPage,
    Packages => packages::PackagesPage,
    NewPackage => wizard::NewPackagePage,
    Package => packages::PackageDetailPage,
    PolicyEditor => wizard::PolicyEditorPage,
    Licenses => licenses::LicensesPage,
    License => licenses::LicenseDetailPage,
    Audit => audit::AuditPage,
    DirectorySync => sync::SyncPage,
    ConnectedSystems => connectors::ConnectorsPage,
    ConnectedSystem => connectors::ConnectorPage,
    Webhooks => webhooks::WebhooksPage,
    Webhook => webhooks::WebhookPage,
}
