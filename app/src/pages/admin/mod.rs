pub mod audit;
pub mod catalogs;
pub mod connectors;
pub mod console;
pub mod dashboard;
pub mod groups;
pub mod licenses;
pub mod package_access;
pub mod packages;
pub mod policy_tabs;
pub mod reports;
pub mod sync;
pub mod users;
pub mod webhooks;
pub mod wizard;

use crate::api::directory::{load_admin_dashboard, load_directory_counts};
use crate::layout::AdminOnly;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminHome() -> impl IntoView {
    // Made here, outside AdminOnly's Suspense, which the server re-runs: made inside it, the
    // counts were loaded three times a view (issue 13).
    let counts = Resource::new(|| (), |_| load_directory_counts());
    let dashboard = Resource::new(|| (), |_| load_admin_dashboard());
    view! {
        <Title text="Administration · Tessera" />
        <AdminOnly>
            <AdminHomeInner counts dashboard />
        </AdminOnly>
    }
}

#[component]
fn AdminHomeInner(
    counts: Resource<Result<domain::model::DirectoryCounts, crate::error::AppError>>,
    dashboard: Resource<Result<domain::model::AdminDashboard, crate::error::AppError>>,
) -> impl IntoView {
    let stat = move |f: fn(&domain::model::DirectoryCounts) -> i64| {
        move || {
            counts
                .get()
                .and_then(|r| r.ok())
                .map(|c| f(&c).to_string())
                .unwrap_or_else(|| "–".into())
        }
    };
    view! {
        <div class="page-header">
            <h1>"Administration"</h1>
        </div>
        <dashboard::Dashboard dashboard />
        <h2>"Entitlement management"</h2>
        <div class="cards">
            <section class="card">
                <h3>
                    <a href="/admin/access-packages">"Access packages"</a>
                </h3>
                <p class="muted">
                    "Bundles of resource roles people request in My Access, with their policies."
                </p>
                <a class="button primary" href="/admin/access-packages/new">
                    "New access package"
                </a>
            </section>
            <section class="card">
                <h3>
                    <a href="/admin/catalogs">"Catalogs"</a>
                </h3>
                <p class="muted">
                    "Containers of access packages and resources, with delegated roles."
                </p>
            </section>
            <section class="card">
                <h3>
                    <a href="/admin/audit">"Audit log"</a>
                </h3>
                <p class="muted">
                    "Every change and decision, tamper-evident; how email and background jobs are doing."
                </p>
            </section>
        </div>
        <h2>"Directory"</h2>
        <p class="lead">
            "Manage the directory that access packages act on: people, groups and the licenses groups carry."
        </p>
        <Transition fallback=|| ()>
            <div class="cards">
                <section class="card">
                    <h2>
                        <a href="/admin/directory/users">"Users"</a>
                    </h2>
                    <div class="stat">
                        <span class="stat-value">{stat(|c| c.users)}</span>
                        <span class="stat-label">
                            {move || format!("people, {} guests", stat(|c| c.guests)())}
                        </span>
                    </div>
                </section>
                <section class="card">
                    <h2>
                        <a href="/admin/directory/groups">"Groups"</a>
                    </h2>
                    <div class="stat">
                        <span class="stat-value">{stat(|c| c.groups)}</span>
                        <span class="stat-label">"groups"</span>
                    </div>
                </section>
                <section class="card">
                    <h2>
                        <a href="/admin/licenses">"Licenses"</a>
                    </h2>
                    <div class="stat">
                        <span class="stat-value">{stat(|c| c.licenses)}</span>
                        <span class="stat-label">
                            {move || {
                                format!(
                                    "licenses, {} people without a seat",
                                    stat(|c| c.license_errors)(),
                                )
                            }}
                        </span>
                    </div>
                </section>
                <section class="card">
                    <h2>
                        <a href="/admin/webhooks">"Webhooks"</a>
                    </h2>
                    {move || {
                        counts
                            .get()
                            .and_then(|r| r.ok())
                            .and_then(|c| c.failed_webhooks)
                            .filter(|failed| *failed > 0)
                            .map(|failed| {
                                view! {
                                    <div class="stat">
                                        <span class="stat-value">{failed}</span>
                                        <span class="stat-label">"events failed"</span>
                                    </div>
                                }
                            })
                    }}
                    <p class="muted">
                        "Receivers told about requests, access and reviews as they happen, each event signed."
                    </p>
                </section>
                <section class="card">
                    <h2>
                        <a href="/admin/directory-sync">"Directory sync"</a>
                    </h2>
                    <p class="muted">
                        "Tokens for the identity provider that pushes people and groups (SCIM), and how its pushes go."
                    </p>
                </section>
                {move || {
                    counts
                        .get()
                        .and_then(|r| r.ok())
                        .and_then(|c| c.failed_deliveries)
                        .map(|failed| {
                            view! {
                                <section class="card">
                                    <h2>
                                        <a href="/admin/connected-systems">"Connected systems"</a>
                                    </h2>
                                    <div class="stat">
                                        <span class="stat-value">{failed}</span>
                                        <span class="stat-label">"deliveries failed"</span>
                                    </div>
                                    <p class="muted">
                                        "Directories (LDAP, Active Directory) where memberships are delivered."
                                    </p>
                                </section>
                            }
                        })
                }}
            </div>
        </Transition>
    }
}
