use crate::api::directory::{CreateLicense, UpdateLicense, get_license, list_licenses};
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn LicensesPage() -> impl IntoView {
    // The list's resources are made here, outside AdminOnly's Suspense: made inside it, they
    // were made (and loaded) again each time the server re-ran the Suspense, three times a
    // view (seen in sqlx's statement log, issue 13).
    let licenses = Resource::new(|| (), |_| list_licenses());
    view! {
        <Title text="Licenses · Tessera" />
        <AdminOnly>
            <LicensesList licenses />
        </AdminOnly>
    }
}

fn usage_badge(violations: i64) -> impl IntoView {
    if violations > 0 {
        view! { <Badge kind="error" text=format!("{violations} without a seat") /> }.into_any()
    } else {
        view! { <Badge kind="ok" text="OK" /> }.into_any()
    }
}

#[component]
fn LicensesList(licenses: Resource<Result<Vec<LicenseSummary>, AppError>>) -> impl IntoView {
    let create = ServerAction::<CreateLicense>::new();
    let error = error_of(create.value());
    let field = field_errors(error);
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
        </div>
        <div class="page-header">
            <h1>"Licenses"</h1>
        </div>
        <p class="lead">
            "Licenses are assigned to groups; each member holding one uses a seat. People beyond the seat count are in error (CountViolation) until seats are added or others leave."
        </p>
        <details class="panel" open=move || error.get().is_some()>
            <summary>"New license"</summary>
            <FormAlert error=error fields=&["name", "seats"] />
            <ActionForm action=create attr:class="form">
                <div class="form-grid">
                    <TextField
                        label="Name"
                        name="name"
                        required=true
                        maxlength=LicenseName::MAX_CHARS
                        error=field("name")
                    />
                    <TextField
                        label="Seats"
                        name="seats"
                        input_type="number"
                        required=true
                        error=field("seats")
                        hint="How many people may hold it (0 – 1,000,000)."
                    />
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>
                        "Create license"
                    </button>
                </div>
            </ActionForm>
        </details>
        <Loaded resource=licenses let:list>
            {if list.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>
                            "No licenses yet. Create one with “New license”, then assign it to a group."
                        </p>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Licenses"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"License"</th>
                                    <th scope="col">"Seats"</th>
                                    <th scope="col">"Used"</th>
                                    <th scope="col">"Available"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Assigned to groups"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|l| {
                                        view! {
                                            <tr>
                                                <td>
                                                    <a href=format!("/admin/licenses/{}", l.id)>{l.name}</a>
                                                </td>
                                                <td class="num">{l.seats}</td>
                                                <td class="num">{l.usage.used}</td>
                                                <td class="num">{l.usage.available}</td>
                                                <td>{usage_badge(l.usage.violations)}</td>
                                                <td>
                                                    {l
                                                        .groups
                                                        .into_iter()
                                                        .map(|(id, name)| {
                                                            view! {
                                                                <a href=format!("/admin/directory/groups/{id}")>{name}</a>
                                                                " "
                                                            }
                                                        })
                                                        .collect_view()}
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
        </Loaded>
    }
}

#[component]
pub fn LicenseDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let update = ServerAction::<UpdateLicense>::new();
    let license = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| get_license(id),
    );
    view! {
        <Title text="License · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/licenses">"Licenses"</a>
            </div>
            <Loaded resource=license let:d>
                <LicenseView detail=d update />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn LicenseView(detail: LicenseDetail, update: ServerAction<UpdateLicense>) -> impl IntoView {
    let l = detail.license;
    let error = error_of(update.value());
    let field = field_errors(error);
    let u = l.usage;
    view! {
        <div class="page-header">
            <h1>{l.name.clone()}</h1>
            <div class="page-actions">{usage_badge(u.violations)}</div>
        </div>
        <div class="cards">
            <div class="card stat">
                <span class="stat-value">{l.seats}</span>
                <span class="stat-label">"seats in total"</span>
            </div>
            <div class="card stat">
                <span class="stat-value">{u.used}</span>
                <span class="stat-label">"used"</span>
            </div>
            <div class="card stat">
                <span class="stat-value">{u.available}</span>
                <span class="stat-label">"available"</span>
            </div>
            <div class="card stat">
                <span class="stat-value">{u.violations}</span>
                <span class="stat-label">"people without a seat"</span>
            </div>
        </div>
        <section class="card">
            <label for="seat-usage">{format!("{} of {} seats used", u.used, l.seats)}</label>
            <progress id="seat-usage" max=l.seats.max(1) value=u.used></progress>
            <h2>"Assigned to groups"</h2>
            {if l.groups.is_empty() {
                view! {
                    <p class="muted">
                        "No group carries this license yet. Assign it from a group's page."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <ul>
                        {l
                            .groups
                            .iter()
                            .map(|(id, name)| {
                                view! {
                                    <li>
                                        <a href=format!(
                                            "/admin/directory/groups/{id}",
                                        )>{name.clone()}</a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <section class="card">
            <h2>"People without a seat (CountViolation)"</h2>
            {if detail.violations.is_empty() {
                view! { <p class="muted">"Everyone who holds this license has a seat."</p> }
                    .into_any()
            } else {
                view! {
                    <p>"They get a seat, in this order, when seats are added or others leave:"</p>
                    <ol>
                        {detail
                            .violations
                            .into_iter()
                            .map(|v| {
                                view! {
                                    <li>
                                        <a href=format!(
                                            "/admin/directory/users/{}",
                                            v.id,
                                        )>{v.display_name}</a>
                                        " "
                                        <span class="muted">{v.email}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                    .into_any()
            }}
        </section>
        <details class="panel">
            <summary>"Edit license"</summary>
            <FormAlert error=error fields=&["name", "seats"] />
            <SavedNote when=succeeded(update.value())>"Saved."</SavedNote>
            <ActionForm action=update attr:class="form">
                <input type="hidden" name="id" value=l.id.to_string() />
                <div class="form-grid">
                    <TextField
                        label="Name"
                        name="name"
                        required=true
                        maxlength=LicenseName::MAX_CHARS
                        value=l.name.clone()
                        error=field("name")
                    />
                    <TextField
                        label="Seats"
                        name="seats"
                        input_type="number"
                        required=true
                        value=l.seats.to_string()
                        error=field("seats")
                    />
                </div>
                <div class="actions">
                    <button type="submit" class="primary">
                        "Save changes"
                    </button>
                </div>
            </ActionForm>
        </details>
    }
}
