//! The administration console loads lazily (issue 13): every admin page is reached through
//! one `#[lazy]` function, so `cargo leptos build --split` moves the console's code (its
//! pages, forms and server-function calls) into a wasm chunk of its own. My Access never
//! downloads it; the browser fetches it the first time an admin page opens, and a page the
//! server rendered preloads it (`<link rel="preload">` from the split manifest).
//!
//! Each route is a [`LazyRoute`] of its own type, because a route names its view by type;
//! they all call [`console`], the chunk's one entry point.

use super::*;
use leptos::lazy;
use leptos_router::{Lazy, LazyRoute};

macro_rules! console {
    ($($page:ident => $view:path,)*) => {
        /// An admin page, as its route names it.
        #[derive(Clone, Copy, Debug)]
        enum Page {
            $($page,)*
        }

        $(
            #[doc = concat!("The route of the admin page `", stringify!($view), "`.")]
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
                    console(Page::$page).await
                }

                // Loads the chunk before a server-rendered page hydrates: the router awaits
                // this, then hydrates the view at once (without it, the view would still be
                // loading when hydration reached it, and the page would not match).
                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    __preload_console().await;
                }
            }
        )*

        /// Every admin page's view: the one function whose code, and all that only it reaches,
        /// the splitter moves into the console's chunk.
        #[lazy]
        fn console(page: Page) -> AnyView {
            match page {
                $(Page::$page => $view().into_any(),)*
            }
        }
    };
}

console! {
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
