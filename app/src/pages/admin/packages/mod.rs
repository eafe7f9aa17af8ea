//! Access packages: the list (search, catalog filter, More actions → Delete) and the package's
//! pages (Overview, Resource roles, Policies, Separation of duties).

mod detail;
mod duties;
mod list;
mod overview;
mod policies;
mod resources;

pub use detail::PackageDetailPage;
pub use list::PackagesPage;

use super::{package_access, policy_tabs};
use crate::api::packages::*;
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Overview,
    Resources,
    Policies,
    Duties,
    Assignments,
    Requests,
    Reviews,
}

impl View {
    const ALL: [View; 7] = [
        View::Overview,
        View::Resources,
        View::Policies,
        View::Assignments,
        View::Requests,
        View::Reviews,
        View::Duties,
    ];

    fn code(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Resources => "resources",
            View::Policies => "policies",
            View::Duties => "separation",
            View::Assignments => "assignments",
            View::Requests => "requests",
            View::Reviews => "reviews",
        }
    }

    fn label(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Resources => "Resource roles",
            View::Policies => "Policies",
            View::Duties => "Separation of duties",
            View::Assignments => "Assignments",
            View::Requests => "Requests",
            View::Reviews => "Access reviews",
        }
    }
}

/// Server actions of the package pages; any of them finishing reloads the package.
#[derive(Clone, Copy)]
struct PackageActions {
    update: ServerAction<UpdatePackage>,
    add_role: ServerAction<AddResourceRole>,
    remove_role: ServerAction<RemoveResourceRole>,
    remove_policy: ServerAction<RemovePolicy>,
    add_incompatible: ServerAction<AddIncompatible>,
    remove_incompatible: ServerAction<RemoveIncompatible>,
}

impl PackageActions {
    fn versions(&self) -> (usize, usize, usize, usize, usize, usize) {
        (
            self.update.version().get(),
            self.add_role.version().get(),
            self.remove_role.version().get(),
            self.remove_policy.version().get(),
            self.add_incompatible.version().get(),
            self.remove_incompatible.version().get(),
        )
    }
}
