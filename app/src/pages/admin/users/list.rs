use super::*;

#[component]
pub fn UsersPage() -> impl IntoView {
    // The list's resources are made here, outside AdminOnly's Suspense: made inside it, they
    // were made (and loaded) again each time the server re-ran the Suspense, three times a
    // view (seen in sqlx's statement log, issue 13).
    let list = ListQuery::from_url();
    let users = Resource::new(move || (list.q(), list.page()), |(q, p)| list_users(q, p));
    view! {
        <Title text="Users · Tessera" />
        <AdminOnly>
            <UsersList list users />
        </AdminOnly>
    }
}

#[component]
fn UsersList(
    list: ListQuery,
    users: Resource<Result<Page<UserSummary>, AppError>>,
) -> impl IntoView {
    let q = move || list.q();
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
        </div>
        <div class="page-header">
            <h1>"Users"</h1>
            <div class="page-actions">
                <a class="button primary" href="/admin/directory/users/new">
                    "New user"
                </a>
                <a class="button secondary" href="/admin/directory/users/new-service-account">
                    "New service account"
                </a>
                <a class="button secondary" href="/admin/directory/users/import">
                    "Import users"
                </a>
            </div>
        </div>
        <SearchBar
            id="user-search"
            label="Search users"
            placeholder="Name or email"
            q=Signal::derive(q)
        />
        <Loaded resource=users let:p>
            {if p.items.is_empty() {
                let text = if q().is_empty() {
                    "There are no users yet. Create one, or import a CSV file.".to_owned()
                } else {
                    format!(
                        "No user matches “{}”. Try part of a name or an email address.",
                        q(),
                    )
                };
                view! {
                    <div class="empty-state">
                        <p>{text}</p>
                    </div>
                }
                    .into_any()
            } else {
                view! { <UsersTable page=p q=q() /> }.into_any()
            }}
        </Loaded>
    }
}

#[component]
fn UsersTable(page: Page<UserSummary>, q: String) -> impl IntoView {
    let count = page.page_count();
    let (current, total) = (page.page, page.total);
    view! {
        <div class="table-wrap" tabindex="0">
            <table class="data">
                <caption class="sr-only">"Users"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Department"</th>
                        <th scope="col">"Manager"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .items
                        .into_iter()
                        .map(|u| {
                            view! {
                                <tr>
                                    <td>
                                        <a href=format!(
                                            "/admin/directory/users/{}",
                                            u.id,
                                        )>{u.display_name}</a>
                                    </td>
                                    <td>{u.email}</td>
                                    <td>
                                        <Badge
                                            kind=if u.user_type == UserType::Guest {
                                                "warn"
                                            } else {
                                                "muted"
                                            }
                                            text=if u.service_account {
                                                "Service account"
                                            } else {
                                                u.user_type.label()
                                            }
                                        />
                                    </td>
                                    <td>{u.department}</td>
                                    <td>{u.manager.map(|m| m.display_name).unwrap_or_default()}</td>
                                    <td>
                                        {if u.enabled {
                                            view! { <Badge kind="ok" text="Enabled" /> }
                                        } else {
                                            view! { <Badge kind="error" text="Disabled" /> }
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <Pager
            base="/admin/directory/users".into()
            q=q
            page=current
            page_count=count
            total=total
            noun="users"
        />
    }
}
