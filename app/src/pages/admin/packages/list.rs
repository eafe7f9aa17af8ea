use super::*;

#[component]
pub fn PackagesPage() -> impl IntoView {
    // The list's resources are made here, outside AdminOnly's Suspense: made inside it, they
    // were made (and loaded) again each time the server re-ran the Suspense, three times a
    // view (seen in sqlx's statement log, issue 13).
    let list = ListQuery::from_url();
    let delete = ServerAction::<DeletePackage>::new();
    let packages = Resource::new(
        move || {
            (
                list.q(),
                list.get("catalog"),
                list.page(),
                delete.version().get(),
            )
        },
        |(q, c, p, _)| list_packages(q, c, p),
    );
    let catalogs = Resource::new(|| (), |_| list_catalog_names());
    view! {
        <Title text="Access packages · Tessera" />
        <AdminOnly>
            <PackagesList list delete packages catalogs />
        </AdminOnly>
    }
}

#[component]
fn PackagesList(
    list: ListQuery,
    delete: ServerAction<DeletePackage>,
    packages: Resource<Result<Page<PackageSummary>, AppError>>,
    catalogs: Resource<Result<Vec<NamedRef>, AppError>>,
) -> impl IntoView {
    let q = move || list.q();
    let catalog = move || list.get("catalog");
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
                            <div class="table-wrap" tabindex="0">
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
                                                        <td>
                                                            <When at=x.updated_at />
                                                        </td>
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
