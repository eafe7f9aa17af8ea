//! The pages a person opens from My Access's navigation load lazily (issue 13): a package's
//! request page, their requests, the approval inbox, access reviews, the account page and
//! My team are one wasm chunk of their own. A first visit (sign-in, then My Access) downloads
//! the main bundle only; the chunk arrives the first time one of these pages opens, and a page
//! the server rendered preloads it.

use leptos::lazy;
use leptos::prelude::*;
use leptos_router::{Lazy, LazyRoute};

lazy_pages! {
    self_service, __preload_self_service;
    Package => super::requests::PortalPackagePage,
    Requests => super::requests::RequestsPage,
    Approvals => super::requests::ApprovalsPage,
    Reviews => super::my_access::ReviewsPage,
    Account => super::account::AccountPage,
    Team => super::team::TeamPage,
}
