//! Reports for auditors (issue 18): "Access of a person" (`/admin/directory/users/:id/access`)
//! and "Access to a resource" (`/admin/directory/groups/:id/access`). Each is on screen, as
//! CSV (`…/access.csv`, the same use case) and printable (the print stylesheet leaves the
//! report alone on the page).

use crate::api::directory::{load_person_access, load_resource_access};
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The report's actions: its CSV and a print button.
#[component]
fn ReportActions(csv: String) -> impl IntoView {
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().print();
        }
    };
    view! {
        <div class="page-actions">
            <a class="button secondary" href=csv download="">
                "Download CSV"
            </a>
            <button type="button" class="secondary" on:click=print>
                "Print"
            </button>
        </div>
    }
}

/// How a request came and who decided it: "Request by Eric Employee, 2026-12-06 10:00 UTC —
/// Stage 1 approved by Maria Manager: needed for reports".
#[component]
fn Trail(requests: Vec<RequestTrail>) -> impl IntoView {
    if requests.is_empty() {
        return view! { <span class="muted">"No request on record (loaded or imported)"</span> }
            .into_any();
    }
    view! {
        <ul class="compact trail">
            {requests
                .into_iter()
                .map(|r| {
                    view! {
                        <li>
                            {format!("{} by {}, ", r.kind.label(), r.by)} <When at=r.submitted_at />
                            {(!r.justification.is_empty())
                                .then(|| format!(" — “{}”", r.justification))} " "
                            <CopyId id=r.request_id.to_string() label="request id" />
                            <ul class="compact">
                                {r
                                    .decisions
                                    .into_iter()
                                    .map(|d| {
                                        let head = format!(
                                            "Stage {} {}{}",
                                            d.stage_no,
                                            d.decision.label().to_lowercase(),
                                            d.by.map(|b| format!(" by {b}")).unwrap_or_default(),
                                        );
                                        view! {
                                            <li>
                                                {head}
                                                {d
                                                    .at
                                                    .map(|at| {
                                                        view! {
                                                            ", "
                                                            <When at />
                                                        }
                                                    })}
                                                {(!d.justification.is_empty())
                                                    .then(|| format!(": {}", d.justification))}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// "Since … until …" of an assignment.
fn period_view(
    since: chrono::DateTime<chrono::Utc>,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> impl IntoView {
    view! {
        <td>
            <When at=since />
        </td>
        <td>
            {match until {
                Some(at) => view! { <When at relative=true /> }.into_any(),
                None => "No end date".into_any(),
            }}
        </td>
    }
}

#[component]
pub fn PersonAccessPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let report = Resource::new(id, load_person_access);
    view! {
        <Title text="Access of a person · Tessera" />
        <AdminOnly>
            <Loaded resource=report let:r>
                <PersonAccessView report=r />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn PersonAccessView(report: PersonAccess) -> impl IntoView {
    let p = report.person.clone();
    let csv = format!("/admin/directory/users/{}/access.csv", p.id);
    let packages = report.packages.clone();
    let names = report.packages.clone();
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
            <a href="/admin/directory/users">"Users"</a>
            <a href=format!("/admin/directory/users/{}", p.id)>{p.display_name.clone()}</a>
        </div>
        <div class="page-header">
            <h1>{format!("Access of {}", p.display_name)}</h1>
            <ReportActions csv />
        </div>
        <p class="lead">
            {format!(
                "{} · {}{}",
                p.email,
                p.user_type.label(),
                if p.department.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", p.department)
                },
            )}
        </p>
        <div class="cards">
            <section class="card">
                <h2>"Access packages"</h2>
                <div class="stat">
                    <span class="stat-value">{report.packages.len()}</span>
                    <span class="stat-label">"assigned now"</span>
                </div>
            </section>
            <section class="card">
                <h2>"Groups"</h2>
                <div class="stat">
                    <span class="stat-value">{report.groups.len()}</span>
                    <span class="stat-label">"memberships"</span>
                </div>
            </section>
            <section class="card">
                <h2>"Licenses"</h2>
                <div class="stat">
                    <span class="stat-value">{report.licenses.len()}</span>
                    <span class="stat-label">"through their groups"</span>
                </div>
            </section>
        </div>
        <section aria-labelledby="held-packages">
            <h2 id="held-packages">"Access packages"</h2>
            {if packages.is_empty() {
                view! { <p class="muted">"No access package is assigned to this person."</p> }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Access packages held"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Access package"</th>
                                    <th scope="col">"Catalog"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Since"</th>
                                    <th scope="col">"Until"</th>
                                    <th scope="col">"Request and approval"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {packages
                                    .into_iter()
                                    .map(|h| {
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    <a href=format!(
                                                        "/admin/access-packages/{}",
                                                        h.package_id,
                                                    )>{h.package_name}</a>
                                                </th>
                                                <td>{h.catalog_name}</td>
                                                <td>
                                                    <Badge kind="ok" text=h.state.label() />
                                                </td>
                                                {period_view(h.since, h.until)}
                                                <td>
                                                    <Trail requests=h.requests />
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
        <section aria-labelledby="held-groups">
            <h2 id="held-groups">"Groups"</h2>
            {if report.groups.is_empty() {
                view! { <p class="muted">"This person is in no group."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Group memberships"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Group"</th>
                                    <th scope="col">"Since"</th>
                                    <th scope="col">"Why"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {report
                                    .groups
                                    .into_iter()
                                    .map(|g| {
                                        let why = g
                                            .sources
                                            .iter()
                                            .map(|s| source_words(s, &names))
                                            .collect::<Vec<_>>()
                                            .join("; ");
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    <a href=format!(
                                                        "/admin/directory/groups/{}/access",
                                                        g.group_id,
                                                    )>{g.group_name}</a>
                                                </th>
                                                <td>
                                                    <When at=g.since />
                                                </td>
                                                <td>{why}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
        <section aria-labelledby="held-licenses">
            <h2 id="held-licenses">"Licenses"</h2>
            {if report.licenses.is_empty() {
                view! { <p class="muted">"No group of this person's carries a license."</p> }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Licenses held"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"License"</th>
                                    <th scope="col">"Through"</th>
                                    <th scope="col">"State"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {report
                                    .licenses
                                    .into_iter()
                                    .map(|l| {
                                        let kind = if l.state == LicenseState::Active {
                                            "ok"
                                        } else {
                                            "error"
                                        };
                                        view! {
                                            <tr>
                                                <th scope="row">{l.name}</th>
                                                <td>{l.via_groups.join(", ")}</td>
                                                <td>
                                                    <Badge kind text=l.state.label() />
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
pub fn ResourceAccessPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let page = move || page_number(&query.read());
    let report = Resource::new(
        move || (id(), page()),
        |(id, page)| load_resource_access(id, page),
    );
    view! {
        <Title text="Access to a resource · Tessera" />
        <AdminOnly>
            <Loaded resource=report let:r>
                <ResourceAccessView report=r />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn ResourceAccessView(report: ResourceAccess) -> impl IntoView {
    let g = report.group.clone();
    let base = format!("/admin/directory/groups/{}/access", g.id);
    let csv = format!("/admin/directory/groups/{}/access.csv", g.id);
    let holders = report.holders;
    let (page, page_count, total) = (holders.page, holders.page_count(), holders.total);
    let licenses = report
        .licenses
        .iter()
        .map(|l| l.name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
            <a href="/admin/directory/groups">"Groups"</a>
            <a href=format!("/admin/directory/groups/{}", g.id)>{g.name.clone()}</a>
        </div>
        <div class="page-header">
            <h1>{format!("Access to {}", g.name)}</h1>
            <ReportActions csv />
        </div>
        <p class="lead">
            {format!("{total} people hold this group")}
            {(!licenses.is_empty()).then(|| format!("; it carries {licenses}"))} "."
        </p>
        {if holders.items.is_empty() {
            view! {
                <div class="empty-state">
                    <h2>"Nobody holds this group"</h2>
                    <p>"Add it to an access package, or add members on the group's page."</p>
                </div>
            }
                .into_any()
        } else {
            view! {
                <div class="table-wrap" tabindex="0">
                    <table class="data">
                        <caption class="sr-only">"Holders"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Person"</th>
                                <th scope="col">"Since"</th>
                                <th scope="col">"Why"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {holders
                                .items
                                .into_iter()
                                .map(|h| {
                                    view! {
                                        <tr>
                                            <th scope="row">
                                                <a href=format!(
                                                    "/admin/directory/users/{}/access",
                                                    h.person.id,
                                                )>{h.person.display_name.clone()}</a>
                                                <br />
                                                <span class="muted">{h.person.email.clone()}</span>
                                            </th>
                                            <td>
                                                <When at=h.since />
                                            </td>
                                            <td>
                                                <ul class="compact">
                                                    {h
                                                        .reasons
                                                        .into_iter()
                                                        .map(|r| view! { <li>{reason_view(r)}</li> })
                                                        .collect_view()}
                                                </ul>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
                <Pager base q=String::new() page page_count total noun="people" />
            }
                .into_any()
        }}
    }
}

fn reason_view(reason: HoldingReason) -> AnyView {
    match reason {
        HoldingReason::Direct => "Direct: added by an administrator".into_any(),
        HoldingReason::Scim => "From the organisation's directory (SCIM)".into_any(),
        HoldingReason::Import => "From the directory import".into_any(),
        HoldingReason::Package(h) => view! {
            "Access package "
            <a href=format!("/admin/access-packages/{}", h.package_id)>{h.package_name}</a>
            {match h.until {
                Some(at) => {
                    view! {
                        ", until "
                        <When at relative=true />
                    }
                        .into_any()
                }
                None => ", no end date".into_any(),
            }}
            <Trail requests=h.requests />
        }
        .into_any(),
    }
}
