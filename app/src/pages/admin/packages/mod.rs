//! Access packages: the list (search, catalog filter, More actions → Delete) and the package's
//! pages (Overview, Resource roles, Policies, Separation of duties).

use crate::api::packages::*;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn PackagesPage() -> impl IntoView {
    view! {
        <Title text="Access packages · Tessera" />
        <AdminOnly>
            <PackagesList />
        </AdminOnly>
    }
}

#[component]
fn PackagesList() -> impl IntoView {
    let list = ListQuery::from_url();
    let q = move || list.q();
    let catalog = move || list.get("catalog");
    let delete = ServerAction::<DeletePackage>::new();
    let packages = Resource::new(
        move || (q(), catalog(), list.page(), delete.version().get()),
        |(q, c, p, _)| list_packages(q, c, p),
    );
    let catalogs = Resource::new(|| (), |_| list_catalog_names());
    let confirm = Confirm::<(String, String)>::new();
    let menu = RwSignal::new(None::<String>);
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
        </div>
        <div class="page-header">
            <h1>"Access packages"</h1>
            <a class="button primary" href="/admin/access-packages/new">
                "New access package"
            </a>
        </div>
        <Done when=succeeded(delete.value())>"The access package was deleted."</Done>
        <ActionError error=error_of(delete.value()) />
        <SearchBar
            id="package-search"
            label="Search access packages"
            placeholder="Name or description"
            q=Signal::derive(q)
        >
            <label class="sr-only" for="catalog-filter">
                "Catalog"
            </label>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = catalogs.await.unwrap_or_default();
                    let current = catalog();
                    view! {
                        <select id="catalog-filter" name="catalog">
                            <option value="" selected=current.is_empty()>
                                "All catalogs"
                            </option>
                            {list
                                .into_iter()
                                .map(|c| {
                                    let id = c.id.to_string();
                                    let selected = id == current;
                                    view! {
                                        <option value=id selected=selected>
                                            {c.name}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    }
                })}
            </Transition>
        </SearchBar>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match packages.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(p) if p.items.is_empty() => {
                        view! {
                            <div class="empty-state">
                                <p>
                                    {if q().is_empty() && catalog().is_empty() {
                                        "There are no access packages yet. Create one with “New access package”."
                                            .to_owned()
                                    } else {
                                        "No access package matches this search.".to_owned()
                                    }}
                                </p>
                            </div>
                        }
                            .into_any()
                    }
                    Ok(p) => {
                        let (count, current, total) = (p.page_count(), p.page, p.total);
                        view! {
                            <div class="table-wrap">
                                <table class="data">
                                    <caption class="sr-only">"Access packages"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Name"</th>
                                            <th scope="col">"Catalog"</th>
                                            <th scope="col">"Hidden"</th>
                                            <th scope="col">"Policies"</th>
                                            <th scope="col">"Assignments"</th>
                                            <th scope="col">"Last modified"</th>
                                            <th scope="col">
                                                <span class="sr-only">"Actions"</span>
                                            </th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {p
                                            .items
                                            .into_iter()
                                            .map(|x| {
                                                let id = x.id.to_string();
                                                let menu_id = id.clone();
                                                let menu_id2 = id.clone();
                                                let menu_id3 = id.clone();
                                                let name = x.name.clone();
                                                let more = format!("More actions for {}", x.name);
                                                view! {
                                                    <tr>
                                                        <th scope="row">
                                                            <a href=format!("/admin/access-packages/{id}")>{x.name}</a>
                                                            <br />
                                                            <span class="muted">{x.description}</span>
                                                        </th>
                                                        <td>{x.catalog_name}</td>
                                                        <td>{if x.hidden { "Yes" } else { "No" }}</td>
                                                        <td class="num">{x.policies}</td>
                                                        <td class="num">{x.assignments}</td>
                                                        <td>{utc(x.updated_at)}</td>
                                                        <td class="row-actions">
                                                            <div class="menu">
                                                                <button
                                                                    type="button"
                                                                    class="icon-button"
                                                                    aria-label=more
                                                                    aria-haspopup="menu"
                                                                    aria-expanded=move || {
                                                                        if menu.get().as_deref() == Some(menu_id.as_str()) {
                                                                            "true"
                                                                        } else {
                                                                            "false"
                                                                        }
                                                                    }
                                                                    on:click=move |_| {
                                                                        menu.update(|m| {
                                                                            *m = if m.as_deref() == Some(menu_id2.as_str()) {
                                                                                None
                                                                            } else {
                                                                                Some(menu_id2.clone())
                                                                            };
                                                                        })
                                                                    }
                                                                >
                                                                    "…"
                                                                </button>
                                                                <Show when=move || {
                                                                    menu.get().as_deref() == Some(menu_id3.as_str())
                                                                }>
                                                                    {
                                                                        let id = id.clone();
                                                                        let name = name.clone();
                                                                        view! {
                                                                            <div class="menu-list" role="menu">
                                                                                <a
                                                                                    role="menuitem"
                                                                                    href=format!("/admin/access-packages/{id}")
                                                                                >
                                                                                    "Open"
                                                                                </a>
                                                                                <button
                                                                                    type="button"
                                                                                    role="menuitem"
                                                                                    on:click=move |_| {
                                                                                        menu.set(None);
                                                                                        confirm.ask((id.clone(), name.clone()));
                                                                                    }
                                                                                >
                                                                                    "Delete"
                                                                                </button>
                                                                            </div>
                                                                        }
                                                                    }
                                                                </Show>
                                                            </div>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager
                                base="/admin/access-packages".to_owned()
                                extra=if catalog().is_empty() {
                                    String::new()
                                } else {
                                    format!("catalog={}", encode(&catalog()))
                                }
                                q=q()
                                page=current
                                page_count=count
                                total=total
                                noun="access packages"
                            />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <ConfirmDialog
            open=confirm.open
            title="Delete access package"
            message=confirm
                .message(|(_, n)| {
                    format!(
                        "Delete the access package {n}? Its policies and resource roles go with it. This can't be undone.",
                    )
                })
            on_yes=confirm
                .on_yes(move |(id, _)| {
                    delete.dispatch(DeletePackage { id });
                })
        />
    }
}

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

#[component]
pub fn PackageDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let view_of = move || {
        let v = query.read().get("view").unwrap_or_default();
        View::ALL
            .into_iter()
            .find(|x| x.code() == v)
            .unwrap_or(View::Overview)
    };
    let actions = PackageActions {
        update: ServerAction::new(),
        add_role: ServerAction::new(),
        remove_role: ServerAction::new(),
        remove_policy: ServerAction::new(),
        add_incompatible: ServerAction::new(),
        remove_incompatible: ServerAction::new(),
    };
    let package = Resource::new(
        move || (id(), actions.versions()),
        |(id, _)| get_package(id),
    );
    let lists = super::package_access::AccessLists::new(id, move || view_of().code());
    view! {
        <Title text="Access package · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/access-packages">"Access packages"</a>
            </div>
            <Loaded resource=package let:o>
                <PackageView overview=o current=view_of() actions lists />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn PackageView(
    overview: PackageOverview,
    current: View,
    actions: PackageActions,
    lists: super::package_access::AccessLists,
) -> impl IntoView {
    let query = use_query_map();
    let created = query.read_untracked().get("created").is_some();
    let saved = query.read_untracked().get("saved").is_some();
    let d = overview.detail;
    let id = d.summary.id.to_string();
    let name = d.summary.name.clone();
    let body = match current {
        View::Overview => {
            view! { <OverviewView detail=d.clone() link=overview.portal_link actions /> }.into_any()
        }
        View::Resources => view! { <ResourcesView detail=d.clone() actions /> }.into_any(),
        View::Policies => view! { <PoliciesView detail=d.clone() actions /> }.into_any(),
        View::Duties => view! { <DutiesView detail=d.clone() actions /> }.into_any(),
        View::Assignments => {
            view! { <super::package_access::AssignmentsView detail=d.clone() lists /> }.into_any()
        }
        View::Requests => {
            view! { <super::package_access::RequestsView detail=d.clone() lists /> }.into_any()
        }
        View::Reviews => {
            view! { <super::package_access::ReviewsView detail=d.clone() lists /> }.into_any()
        }
    };
    view! {
        <div class="page-header">
            <h1>{name.clone()}</h1>
            {d.summary.hidden.then(|| view! { <Badge kind="grey" text="Hidden" /> })}
        </div>
        {created
            .then(|| {
                view! {
                    <div class="alert alert-success" role="status">
                        <p>{format!("The access package {name} was created.")}</p>
                    </div>
                }
            })}
        {saved
            .then(|| {
                view! {
                    <div class="alert alert-success" role="status">
                        <p>"The policy was saved."</p>
                    </div>
                }
            })}
        <nav class="subnav" aria-label="Access package">
            {View::ALL
                .into_iter()
                .map(|v| {
                    let href = if v == View::Overview {
                        format!("/admin/access-packages/{id}")
                    } else {
                        format!("/admin/access-packages/{id}?view={}", v.code())
                    };
                    view! {
                        <a href=href aria-current=(v == current).then_some("page")>
                            {v.label()}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        {body}
    }
}

#[component]
fn OverviewView(detail: PackageDetail, link: String, actions: PackageActions) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy_link = link.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&copy_link);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &copy_link;
        copied.set(true);
    };
    let s = detail.summary.clone();
    let update = actions.update;
    let error = error_of(update.value());
    let field = field_errors(error);
    let policies = detail.policies.clone();
    view! {
        <div class="cards">
            <section class="card">
                <h2>"Assignments"</h2>
                <div class="stat">
                    <span class="stat-value">{s.assignments}</span>
                    <span class="stat-label">"people have this access package"</span>
                </div>
            </section>
            <section class="card">
                <h2>"Pending requests"</h2>
                <div class="stat">
                    <span class="stat-value">{detail.pending_requests}</span>
                    <span class="stat-label">"awaiting approval or delivery"</span>
                </div>
            </section>
            <section class="card">
                <h2>"Resource roles"</h2>
                <div class="stat">
                    <span class="stat-value">{detail.resource_roles.len()}</span>
                    <span class="stat-label">"granted to each assignee"</span>
                </div>
            </section>
            <section class="card">
                <h2>"Policies"</h2>
                <div class="stat">
                    <span class="stat-value">{detail.policies.len()}</span>
                    <span class="stat-label">"ways to get it"</span>
                </div>
            </section>
        </div>
        <section class="panel">
            <h2>"My Access portal link"</h2>
            <p>
                "Share this link: people open it to request the access package (it works even when the package is hidden)."
            </p>
            <div class="copy-row">
                <label class="sr-only" for="portal-link">
                    "My Access portal link"
                </label>
                <input id="portal-link" type="text" readonly value=link.clone() />
                <button type="button" class="secondary" on:click=copy>
                    "Copy"
                </button>
                <a href=link>"Open"</a>
            </div>
            <p role="status" class="muted">
                {move || copied.get().then_some("Link copied to the clipboard.")}
            </p>
        </section>
        <section class="panel">
            <h2>"Basics"</h2>
            <dl class="kv">
                <dt>"Description"</dt>
                <dd>{s.description.clone()}</dd>
                <dt>"Catalog"</dt>
                <dd>{s.catalog_name.clone()}</dd>
                <dt>"Hidden"</dt>
                <dd>{if s.hidden { "Yes" } else { "No" }}</dd>
                <dt>"Created"</dt>
                <dd>{utc(detail.created_at)}</dd>
                <dt>"Last modified"</dt>
                <dd>{utc(s.updated_at)}</dd>
            </dl>
            {detail
                .can_manage
                .then(|| {
                    view! {
                        <details class="edit" open=move || error.get().is_some()>
                            <summary>"Edit basics"</summary>
                            <FormAlert error=error fields=&["name", "description", "hidden"] />
                            <ActionForm action=update attr:class="form">
                                <input type="hidden" name="id" value=s.id.to_string() />
                                <TextField
                                    label="Name"
                                    name="name"
                                    id="edit-name"
                                    value=s.name.clone()
                                    required=true
                                    maxlength=PackageName::MAX_CHARS
                                    error=field("name")
                                />
                                <TextField
                                    label="Description"
                                    name="description"
                                    id="edit-description"
                                    value=s.description.clone()
                                    required=true
                                    maxlength=PackageDescription::MAX_CHARS
                                    error=field("description")
                                />
                                <YesNoField
                                    legend="Hidden"
                                    name="hidden"
                                    id="edit-hidden"
                                    value=s.hidden
                                />
                                <div class="actions">
                                    <button
                                        type="submit"
                                        class="primary"
                                        disabled=move || update.pending().get()
                                    >
                                        "Save"
                                    </button>
                                </div>
                            </ActionForm>
                        </details>
                    }
                })}
        </section>
        <section class="panel">
            <h2>"Resource roles"</h2>
            {if detail.resource_roles.is_empty() {
                view! {
                    <p class="muted">
                        "No resource roles: this access package grants nothing yet."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <ul>
                        {detail
                            .resource_roles
                            .iter()
                            .map(|r| {
                                view! {
                                    <li>
                                        {format!("{} — {}", r.group_name, r.role.label())}
                                        {(!r.licenses.is_empty())
                                            .then(|| format!(" (licenses: {})", r.licenses.join(", ")))}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <section class="panel">
            <h2>"Policies"</h2>
            {policies.into_iter().map(|p| view! { <PolicyText policy=p /> }).collect_view()}
        </section>
    }
}

#[component]
fn PolicyText(policy: PolicyView) -> impl IntoView {
    view! {
        <article class="policy">
            <h3>{policy.name.clone()}</h3>
            {(!policy.description.is_empty())
                .then(|| view! { <p class="muted">{policy.description.clone()}</p> })}
            {policy
                .draft
                .describe()
                .into_iter()
                .map(|(tab, lines)| {
                    view! {
                        <h4>{tab.label()}</h4>
                        <ul>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                    }
                })
                .collect_view()}
        </article>
    }
}

#[component]
fn ResourcesView(detail: PackageDetail, actions: PackageActions) -> impl IntoView {
    let selected = RwSignal::new(None::<(GroupId, ResourceRole, String)>);
    let confirm = Confirm::about(selected);
    let assignments = detail.summary.assignments;
    let package_id = detail.summary.id.to_string();
    let remove = actions.remove_role;
    let add = actions.add_role;
    let add_error = error_of(add.value());
    let chosen = RwSignal::new(Vec::<Principal>::new());
    let role = RwSignal::new("member".to_owned());
    let pid = package_id.clone();
    let rows = detail.resource_roles.clone();
    view! {
        <Done when=succeeded(
            remove.value(),
        )>
            {move || {
                format!(
                    "The resource role was removed ({} assignee(s) lost it).",
                    remove.value().get().and_then(Result::ok).unwrap_or(0),
                )
            }}
        </Done>
        <ActionError error=error_of(remove.value()) />
        <div class="split">
            <section class="panel">
                <h2>"Resource roles"</h2>
                {if rows.is_empty() {
                    view! {
                        <div class="empty-state">
                            <p>"No resource roles. Add a group below so assignees get access."</p>
                        </div>
                    }
                        .into_any()
                } else {
                    view! {
                        <div class="table-wrap">
                            <table class="data">
                                <caption class="sr-only">"Resource roles"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Resource"</th>
                                        <th scope="col">"Type"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Licenses"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows
                                        .into_iter()
                                        .map(|r| {
                                            let pick = (r.group_id, r.role, r.group_name.clone());
                                            let is_selected = move || {
                                                selected
                                                    .get()
                                                    .is_some_and(|(g, ro, _)| g == pick.0 && ro == pick.1)
                                            };
                                            let pick2 = (r.group_id, r.role, r.group_name.clone());
                                            view! {
                                                <tr class:selected=is_selected>
                                                    <th scope="row">
                                                        <button
                                                            type="button"
                                                            class="link-button"
                                                            aria-pressed=move || {
                                                                if is_selected() { "true" } else { "false" }
                                                            }
                                                            on:click=move |_| selected.set(Some(pick2.clone()))
                                                        >
                                                            {r.group_name.clone()}
                                                        </button>
                                                    </th>
                                                    <td>{format!("Group ({})", r.group_kind.label())}</td>
                                                    <td>{r.role.label()}</td>
                                                    <td>{r.licenses.join(", ")}</td>
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
            <Show when=move || selected.get().is_some()>
                <aside class="panel details-pane" aria-label="Resource role details">
                    {move || {
                        selected
                            .get()
                            .map(|(_, role, name)| {
                                view! {
                                    <h2>{name.clone()}</h2>
                                    <dl class="kv">
                                        <dt>"Type"</dt>
                                        <dd>"Group"</dd>
                                        <dt>"Role"</dt>
                                        <dd>{role.label()}</dd>
                                        <dt>"Assignees"</dt>
                                        <dd>{assignments}</dd>
                                    </dl>
                                    {detail
                                        .can_manage
                                        .then(|| {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="danger"
                                                    on:click=move |_| confirm.open.set(true)
                                                >
                                                    "Remove resource role"
                                                </button>
                                            }
                                        })}
                                    <button
                                        type="button"
                                        class="secondary"
                                        on:click=move |_| selected.set(None)
                                    >
                                        "Close"
                                    </button>
                                }
                            })
                    }}
                </aside>
            </Show>
        </div>
        {detail
            .can_manage
            .then(|| {
                view! {
                    <section class="panel">
                        <h2>"Add resource roles"</h2>
                        <FormAlert error=add_error fields=&["group"] />
                        <PrincipalPicker
                            label="Group"
                            id="add-group"
                            users=false
                            groups=true
                            resources=true
                            selected=chosen
                            on_change=Callback::new(move |list: Vec<Principal>| {
                                chosen.set(list.into_iter().last().into_iter().collect())
                            })
                            error=Signal::derive(move || {
                                add_error.get().and_then(|e| e.field("group"))
                            })
                            hint="A group not yet in the catalog is added to it. Current assignees get the new role at once."
                        />
                        <Select
                            label="Role"
                            id="add-role"
                            options=super::policy_tabs::options(
                                ResourceRole::ALL,
                                ResourceRole::code,
                                ResourceRole::label,
                            )
                            selected=role
                            on_change=Callback::new(move |v| role.set(v))
                        />
                        <div class="actions">
                            <button
                                type="button"
                                class="primary"
                                disabled=move || chosen.with(Vec::is_empty) || add.pending().get()
                                on:click=move |_| {
                                    if let Some(g) = chosen.get_untracked().first() {
                                        add.dispatch(AddResourceRole {
                                            id: pid.clone(),
                                            group_id: g.id.to_string(),
                                            role: role.get_untracked(),
                                        });
                                        chosen.set(vec![]);
                                    }
                                }
                            >
                                "Add resource role"
                            </button>
                        </div>
                    </section>
                }
            })}
        <ConfirmDialog
            open=confirm.open
            title="Remove resource role"
            message=confirm
                .message(move |(_, role, name)| {
                    format!(
                        "Remove {} of {name} from this access package? {assignments} current assignee{} will lose it (access they hold from elsewhere stays).",
                        role.label(),
                        if assignments == 1 { "" } else { "s" },
                    )
                })
            on_yes=confirm
                .on_yes(move |(group, role, _)| {
                    remove
                        .dispatch(RemoveResourceRole {
                            id: package_id.clone(),
                            group_id: group.to_string(),
                            role: role.code().to_owned(),
                        });
                    selected.set(None);
                })
        />
    }
}

#[component]
fn PoliciesView(detail: PackageDetail, actions: PackageActions) -> impl IntoView {
    let id = detail.summary.id.to_string();
    let remove = actions.remove_policy;
    let confirm = Confirm::<(String, String)>::new();
    let can_add = detail.can_manage && detail.policies.len() < limits::MAX_POLICIES;
    view! {
        <ActionError error=error_of(remove.value()) />
        <div class="page-header">
            <h2>"Policies"</h2>
            {can_add
                .then(|| {
                    view! {
                        <a
                            class="button primary"
                            href=format!("/admin/access-packages/{id}/policies/new")
                        >
                            "Add policy"
                        </a>
                    }
                })}
        </div>
        <p class="muted">
            "When several policies apply to a person, the most specific wins: specific users and groups, then all members, then all users."
        </p>
        {if detail.policies.is_empty() {
            view! {
                <div class="empty-state">
                    <p>
                        "No policies: nobody can request or be assigned this access package. Add a policy."
                    </p>
                </div>
            }
                .into_any()
        } else {
            detail
                .policies
                .into_iter()
                .map(|p| {
                    let edit = format!("/admin/access-packages/{id}/policies/{}", p.id);
                    let pid = p.id.to_string();
                    let pname = p.name.clone();
                    let remove_label = format!("Remove policy {}", p.name);
                    let edit_label = format!("Edit policy {}", p.name);
                    let active = p.active_assignments;
                    view! {
                        <section class="panel">
                            <PolicyText policy=p />
                            <p class="muted">
                                {format!("{active} active assignment(s) under this policy.")}
                            </p>
                            {detail
                                .can_manage
                                .then(|| {
                                    view! {
                                        <div class="actions">
                                            <a class="button secondary" href=edit aria-label=edit_label>
                                                "Edit"
                                            </a>
                                            <button
                                                type="button"
                                                class="secondary"
                                                aria-label=remove_label
                                                on:click=move |_| {
                                                    confirm.ask((pid.clone(), pname.clone()));
                                                }
                                            >
                                                "Remove"
                                            </button>
                                        </div>
                                    }
                                })}
                        </section>
                    }
                })
                .collect_view()
                .into_any()
        }}
        <ConfirmDialog
            open=confirm.open
            title="Remove policy"
            message=confirm
                .message(|(_, n)| {
                    format!("Remove the policy {n}? People can no longer request under it.")
                })
            on_yes=confirm
                .on_yes(move |(policy, _)| {
                    remove.dispatch(RemovePolicy { policy });
                })
        />
    }
}

#[component]
fn DutiesView(detail: PackageDetail, actions: PackageActions) -> impl IntoView {
    let id = detail.summary.id.to_string();
    let add = actions.add_incompatible;
    let remove = actions.remove_incompatible;
    let error = Signal::derive(move || {
        add.value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
    });
    let names = Resource::new(|| (), |_| package_names());
    let group = RwSignal::new(Vec::<Principal>::new());
    let manage = detail.can_manage;
    let own = detail.summary.id.0;
    let row = {
        let id = id.clone();
        move |kind: &'static str, r: NamedRef| {
            let label = format!("Remove {}", r.name);
            let (id, target) = (id.clone(), r.id.to_string());
            view! {
                <li>
                    {r.name.clone()}" "
                    {manage
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="secondary small"
                                    aria-label=label
                                    on:click=move |_| {
                                        remove
                                            .dispatch(RemoveIncompatible {
                                                id: id.clone(),
                                                kind: kind.into(),
                                                target: target.clone(),
                                            });
                                    }
                                >
                                    "Remove"
                                </button>
                            }
                        })}
                </li>
            }
        }
    };
    let id_for_package = id.clone();
    let id_for_group = id.clone();
    view! {
        <p>
            "People who hold an incompatible access package or group can't request this one, and administrators can't assign it to them."
        </p>
        <FormAlert error=error fields=&[] />
        <div class="split">
            <section class="panel">
                <h2>"Incompatible access packages"</h2>
                {if detail.incompatible_packages.is_empty() {
                    view! { <p class="muted">"None."</p> }.into_any()
                } else {
                    let row = row.clone();
                    view! {
                        <ul>
                            {detail
                                .incompatible_packages
                                .into_iter()
                                .map(|r| row("package", r))
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
                {manage
                    .then(|| {
                        view! {
                            <Transition fallback=|| ()>
                                {
                                    let id = id_for_package.clone();
                                    move || {
                                        let id = id.clone();
                                        Suspend::new(async move {
                                            let list: Vec<NamedRef> = names
                                                .await
                                                .unwrap_or_default()
                                                .into_iter()
                                                .filter(|n| n.id != own)
                                                .collect();
                                            let choice = RwSignal::new(
                                                list.first().map(|n| n.id.to_string()).unwrap_or_default(),
                                            );
                                            let options: Vec<(String, String)> = list
                                                .into_iter()
                                                .map(|n| (n.id.to_string(), n.name))
                                                .collect();
                                            let empty = options.is_empty();
                                            let id = id.clone();
                                            view! {
                                                <Select
                                                    label="Access package"
                                                    id="incompatible-package"
                                                    options
                                                    selected=choice
                                                    on_change=Callback::new(move |v| choice.set(v))
                                                />
                                                <button
                                                    type="button"
                                                    class="secondary"
                                                    disabled=empty
                                                    on:click=move |_| {
                                                        add.dispatch(AddIncompatible {
                                                            id: id.clone(),
                                                            kind: "package".into(),
                                                            target: choice.get_untracked(),
                                                        });
                                                    }
                                                >
                                                    "Add incompatible access package"
                                                </button>
                                            }
                                        })
                                    }
                                }
                            </Transition>
                        }
                    })}
            </section>
            <section class="panel">
                <h2>"Incompatible groups"</h2>
                {if detail.incompatible_groups.is_empty() {
                    view! { <p class="muted">"None."</p> }.into_any()
                } else {
                    view! {
                        <ul>
                            {detail
                                .incompatible_groups
                                .into_iter()
                                .map(|r| row("group", r))
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
                {manage
                    .then(|| {
                        view! {
                            <PrincipalPicker
                                label="Incompatible group"
                                id="incompatible-group"
                                users=false
                                groups=true
                                selected=group
                                on_change=Callback::new(move |list: Vec<Principal>| {
                                    group.set(list.into_iter().last().into_iter().collect())
                                })
                                error=Signal::derive(|| None::<String>)
                            />
                            <button
                                type="button"
                                class="secondary"
                                disabled=move || group.with(Vec::is_empty)
                                on:click=move |_| {
                                    if let Some(g) = group.get_untracked().first() {
                                        add.dispatch(AddIncompatible {
                                            id: id_for_group.clone(),
                                            kind: "group".into(),
                                            target: g.id.to_string(),
                                        });
                                        group.set(vec![]);
                                    }
                                }
                            >
                                "Add incompatible group"
                            </button>
                        }
                    })}
            </section>
        </div>
        <section class="panel">
            <h2>"Incompatible with"</h2>
            <p class="muted">"Access packages that list this one as incompatible."</p>
            {if detail.incompatible_with.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {detail
                            .incompatible_with
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <li>
                                        <a href=format!(
                                            "/admin/access-packages/{}",
                                            r.id,
                                        )>{r.name}</a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}
