//! Catalogs: list and create; one catalog's settings, resources, roles and deletion.

use crate::api::catalogs::*;
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn CatalogsPage() -> impl IntoView {
    // The list's resources are made here, outside AdminOnly's Suspense: made inside it, they
    // were made (and loaded) again each time the server re-ran the Suspense, three times a
    // view (seen in sqlx's statement log, issue 13).
    let list = ListQuery::from_url();
    let catalogs = Resource::new(
        move || (list.q(), list.page()),
        |(q, p)| list_catalogs(q, p),
    );
    view! {
        <Title text="Catalogs · Tessera" />
        <AdminOnly>
            <CatalogsList list catalogs />
        </AdminOnly>
    }
}

#[component]
fn CatalogsList(
    list: ListQuery,
    catalogs: Resource<Result<Page<CatalogSummary>, AppError>>,
) -> impl IntoView {
    let q = move || list.q();
    let create = ServerAction::<CreateCatalog>::new();
    let error = error_of(create.value());
    let field = field_errors(error);
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
        </div>
        <div class="page-header">
            <h1>"Catalogs"</h1>
        </div>
        <p class="lead">
            "A catalog holds access packages and the resources (groups) they may grant. Catalog roles delegate its administration."
        </p>
        <details class="panel" open=move || error.get().is_some()>
            <summary>"New catalog"</summary>
            <FormAlert error=error fields=&["name", "description", "enabled"] />
            <ActionForm action=create attr:class="form">
                <div class="form-grid">
                    <TextField
                        label="Name"
                        name="name"
                        id="catalog-name"
                        required=true
                        maxlength=CatalogName::MAX_CHARS
                        error=field("name")
                    />
                    <TextField
                        label="Description"
                        name="description"
                        id="catalog-description"
                        maxlength=Description::MAX_CHARS
                        error=field("description")
                    />
                </div>
                <YesNoField legend="Enabled" name="enabled" id="new-enabled" value=true />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>
                        "Create catalog"
                    </button>
                </div>
            </ActionForm>
        </details>
        <SearchBar
            id="catalog-search"
            label="Search catalogs"
            placeholder="Catalog name"
            q=Signal::derive(q)
        />
        <Loaded resource=catalogs let:p>
            {if p.items.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>"No catalog matches. Create one with “New catalog”."</p>
                    </div>
                }
                    .into_any()
            } else {
                let (count, current, total) = (p.page_count(), p.page, p.total);
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Catalogs"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Access packages"</th>
                                    <th scope="col">"Resources"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {p
                                    .items
                                    .into_iter()
                                    .map(|c| {
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    <a href=format!("/admin/catalogs/{}", c.id)>{c.name}</a>
                                                    {c
                                                        .built_in
                                                        .then(|| {
                                                            view! {
                                                                " "
                                                                <Badge kind="info" text="Built-in" />
                                                            }
                                                        })}
                                                    <br />
                                                    <span class="muted">{c.description}</span>
                                                </th>
                                                <td>
                                                    {if c.enabled {
                                                        view! { <Badge kind="ok" text="Enabled" /> }
                                                    } else {
                                                        view! { <Badge kind="grey" text="Disabled" /> }
                                                    }}
                                                </td>
                                                <td class="num">{c.packages}</td>
                                                <td class="num">{c.resources}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <Pager
                        base="/admin/catalogs".into()
                        q=q()
                        page=current
                        page_count=count
                        total=total
                        noun="catalogs"
                    />
                }
                    .into_any()
            }}
        </Loaded>
    }
}

#[derive(Clone, Copy)]
struct CatalogActions {
    update: ServerAction<UpdateCatalog>,
    add_resource: ServerAction<AddCatalogResource>,
    remove_resource: ServerAction<RemoveCatalogResource>,
    add_role: ServerAction<AddCatalogRole>,
    remove_role: ServerAction<RemoveCatalogRole>,
}

#[component]
pub fn CatalogDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let a = CatalogActions {
        update: ServerAction::new(),
        add_resource: ServerAction::new(),
        remove_resource: ServerAction::new(),
        add_role: ServerAction::new(),
        remove_role: ServerAction::new(),
    };
    let catalog = Resource::new(
        move || {
            (
                id(),
                a.update.version().get(),
                a.add_resource.version().get(),
                a.remove_resource.version().get(),
                a.add_role.version().get(),
                a.remove_role.version().get(),
            )
        },
        |(id, ..)| get_catalog(id),
    );
    view! {
        <Title text="Catalog · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/catalogs">"Catalogs"</a>
            </div>
            <Loaded resource=catalog let:d>
                <CatalogView detail=d actions=a />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn CatalogView(detail: CatalogDetail, actions: CatalogActions) -> impl IntoView {
    let s = detail.summary.clone();
    let id = s.id.to_string();
    let update_error = error_of(actions.update.value());
    let field = field_errors(update_error);
    let resource_error = Signal::derive(move || {
        actions
            .add_resource
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.remove_resource.value().get().and_then(Result::err))
    });
    let role_error = Signal::derive(move || {
        actions
            .add_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.remove_role.value().get().and_then(Result::err))
    });
    let role_field = field_errors(role_error);
    let delete = ServerAction::<DeleteCatalog>::new();
    let delete_error = error_of(delete.value());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if delete.value().get().is_some_and(|r| r.is_ok()) {
            navigate("/admin/catalogs", Default::default());
        }
    });
    let confirm_open = RwSignal::new(false);
    let group = RwSignal::new(Vec::<Principal>::new());
    let manage = detail.can_manage;
    let (id_update, id_add, id_delete, id_role) = (id.clone(), id.clone(), id.clone(), id.clone());
    let name = s.name.clone();
    view! {
        <div class="page-header">
            <h1>{s.name.clone()}</h1>
            {s.built_in.then(|| view! { <Badge kind="info" text="Built-in" /> })}
            {if s.enabled {
                view! { <Badge kind="ok" text="Enabled" /> }
            } else {
                view! { <Badge kind="grey" text="Disabled" /> }
            }}
        </div>
        <p class="lead">{s.description.clone()}</p>
        <ActionError error=delete_error />
        {manage
            .then(|| {
                view! {
                    <details class="panel" open=move || update_error.get().is_some()>
                        <summary>"Edit catalog"</summary>
                        <FormAlert error=update_error fields=&["name", "description", "enabled"] />
                        <ActionForm action=actions.update attr:class="form">
                            <input type="hidden" name="id" value=id_update />
                            <div class="form-grid">
                                <TextField
                                    label="Name"
                                    name="name"
                                    id="catalog-name"
                                    value=s.name.clone()
                                    required=true
                                    maxlength=CatalogName::MAX_CHARS
                                    error=field("name")
                                />
                                <TextField
                                    label="Description"
                                    name="description"
                                    id="catalog-description"
                                    value=s.description.clone()
                                    maxlength=Description::MAX_CHARS
                                    error=field("description")
                                />
                            </div>
                            <YesNoField
                                legend="Enabled"
                                name="enabled"
                                id="edit-enabled"
                                value=s.enabled
                            />
                            <div class="actions">
                                <button type="submit" class="primary">
                                    "Save"
                                </button>
                            </div>
                        </ActionForm>
                    </details>
                }
            })}
        <section class="panel">
            <h2>{format!("Access packages ({})", s.packages)}</h2>
            {if detail.packages.is_empty() {
                view! { <p class="muted">"No access packages in this catalog yet."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {detail
                            .packages
                            .iter()
                            .map(|p| {
                                view! {
                                    <li>
                                        <a href=format!(
                                            "/admin/access-packages/{}",
                                            p.id,
                                        )>{p.name.clone()}</a>
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
            <h2>{format!("Resources ({})", detail.resources.len())}</h2>
            <FormAlert error=resource_error fields=&[] />
            {if detail.resources.is_empty() {
                view! {
                    <p class="muted">
                        "No resources. Add groups here, or pick them while creating an access package."
                    </p>
                }
                    .into_any()
            } else {
                let id = id.clone();
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Resources"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Group"</th>
                                    <th scope="col">"Type"</th>
                                    <th scope="col">"Used by"</th>
                                    <th scope="col">
                                        <span class="sr-only">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {detail
                                    .resources
                                    .iter()
                                    .map(|r| {
                                        let (id, gid) = (id.clone(), r.group_id.to_string());
                                        let label = format!("Remove {} from the catalog", r.name);
                                        let used = r.used_by;
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    <a href=format!(
                                                        "/admin/directory/groups/{}",
                                                        r.group_id,
                                                    )>{r.name.clone()}</a>
                                                </th>
                                                <td>{r.kind.label()}</td>
                                                <td class="num">{format!("{used} package(s)")}</td>
                                                <td>
                                                    {manage
                                                        .then(|| {
                                                            view! {
                                                                <button
                                                                    type="button"
                                                                    class="secondary small"
                                                                    aria-label=label.clone()
                                                                    title=(used > 0)
                                                                        .then_some(
                                                                            "Used by an access package: remove it there first.",
                                                                        )
                                                                    on:click=move |_| {
                                                                        actions
                                                                            .remove_resource
                                                                            .dispatch(RemoveCatalogResource {
                                                                                id: id.clone(),
                                                                                group_id: gid.clone(),
                                                                            });
                                                                    }
                                                                >
                                                                    "Remove"
                                                                </button>
                                                            }
                                                        })}
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
            {manage
                .then(|| {
                    view! {
                        <PrincipalPicker
                            label="Add a group"
                            id="catalog-group"
                            users=false
                            groups=true
                            resources=true
                            selected=group
                            on_change=Callback::new(move |list: Vec<Principal>| {
                                group.set(list.into_iter().last().into_iter().collect())
                            })
                            error=Signal::derive(move || {
                                resource_error.get().and_then(|e| e.field("group"))
                            })
                        />
                        <button
                            type="button"
                            class="secondary"
                            disabled=move || group.with(Vec::is_empty)
                            on:click=move |_| {
                                if let Some(g) = group.get_untracked().first() {
                                    actions
                                        .add_resource
                                        .dispatch(AddCatalogResource {
                                            id: id_add.clone(),
                                            group_id: g.id.to_string(),
                                        });
                                    group.set(vec![]);
                                }
                            }
                        >
                            "Add resource"
                        </button>
                    }
                })}
        </section>
        <section class="panel">
            <h2>"Roles"</h2>
            {if detail.roles.is_empty() {
                view! {
                    <p class="muted">
                        "No catalog roles: only tenant administrators manage this catalog."
                    </p>
                }
                    .into_any()
            } else {
                let id = id.clone();
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Catalog roles"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Person"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">
                                        <span class="sr-only">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {detail
                                    .roles
                                    .iter()
                                    .map(|h| {
                                        let (id, uid, role) = (
                                            id.clone(),
                                            h.user.id.to_string(),
                                            h.role.code().to_owned(),
                                        );
                                        let label = format!(
                                            "Remove {} as {}",
                                            h.user.display_name,
                                            h.role.label(),
                                        );
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    {h.user.display_name.clone()}<br />
                                                    <span class="muted">{h.user.email.clone()}</span>
                                                </th>
                                                <td>{h.role.label()}</td>
                                                <td>
                                                    {manage
                                                        .then(|| {
                                                            view! {
                                                                <button
                                                                    type="button"
                                                                    class="secondary small"
                                                                    aria-label=label.clone()
                                                                    on:click=move |_| {
                                                                        actions
                                                                            .remove_role
                                                                            .dispatch(RemoveCatalogRole {
                                                                                id: id.clone(),
                                                                                user_id: uid.clone(),
                                                                                role: role.clone(),
                                                                            });
                                                                    }
                                                                >
                                                                    "Remove"
                                                                </button>
                                                            }
                                                        })}
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
            {manage
                .then(|| {
                    view! {
                        <FormAlert error=role_error fields=&["email", "role"] />
                        <ActionForm action=actions.add_role attr:class="form">
                            <input type="hidden" name="id" value=id_role />
                            <div class="form-grid">
                                <TextField
                                    label="Email"
                                    name="email"
                                    id="role-email"
                                    input_type="email"
                                    required=true
                                    maxlength=Email::MAX_LEN
                                    error=role_field("email")
                                />
                                <div class="field">
                                    <label for="role-role">"Catalog role"</label>
                                    <select id="role-role" name="role">
                                        {CatalogRole::ALL
                                            .iter()
                                            .map(|r| {
                                                view! { <option value=r.code()>{r.label()}</option> }
                                            })
                                            .collect_view()}
                                    </select>
                                </div>
                            </div>
                            <div class="actions">
                                <button type="submit" class="secondary">
                                    "Add role"
                                </button>
                            </div>
                        </ActionForm>
                    }
                })}
        </section>
        {(manage && !s.built_in)
            .then(|| {
                view! {
                    <section class="panel danger-zone">
                        <h2>"Delete catalog"</h2>
                        <p>"A catalog can be deleted once it holds no access packages."</p>
                        <button
                            type="button"
                            class="danger"
                            on:click=move |_| confirm_open.set(true)
                        >
                            "Delete catalog"
                        </button>
                    </section>
                }
            })}
        <ConfirmDialog
            open=confirm_open
            title="Delete catalog"
            message=format!("Delete the catalog {name}? Its resources and roles go with it.")
            on_yes=Callback::new(move |_| {
                delete
                    .dispatch(DeleteCatalog {
                        id: id_delete.clone(),
                    });
            })
        />
    }
}
