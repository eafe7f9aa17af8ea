use crate::api::directory::{CreateUser, ImportUsers, UpdateUser, get_user, list_users};
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

const USER_FIELDS: &[&str] = &[
    "email",
    "display_name",
    "user_type",
    "manager_email",
    "department",
    "job_title",
    "enabled",
];

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users · Tessera" />
        <AdminOnly>
            <UsersList />
        </AdminOnly>
    }
}

#[component]
fn UsersList() -> impl IntoView {
    let list = ListQuery::from_url();
    let q = move || list.q();
    let users = Resource::new(move || (q(), list.page()), |(q, p)| list_users(q, p));
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
        <div class="table-wrap">
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
                                            text=u.user_type.label()
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

/// The fields of a user, empty for a new one or filled for an edit.
#[component]
fn UserFields(initial: UserForm, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let field = field_errors(error);
    let is_guest = initial.user_type == "guest";
    let enabled = initial.enabled;
    view! {
        <div class="form-grid">
            <TextField
                label="Email"
                name="email"
                input_type="email"
                required=true
                maxlength=Email::MAX_LEN
                value=initial.email
                error=field("email")
            />
            <TextField
                label="Display name"
                name="display_name"
                required=true
                maxlength=DisplayName::MAX_CHARS
                value=initial.display_name
                error=field("display_name")
            />
            <div class="field">
                <label for="field-user_type">"User type"</label>
                <select id="field-user_type" name="user_type">
                    <option value="member" selected=!is_guest>
                        "Member"
                    </option>
                    <option value="guest" selected=is_guest>
                        "Guest"
                    </option>
                </select>
                <p class="field-error" hidden=move || field("user_type").get().is_none()>
                    {move || field("user_type").get()}
                </p>
            </div>
            <TextField
                label="Manager email"
                name="manager_email"
                input_type="email"
                maxlength=Email::MAX_LEN
                value=initial.manager_email
                hint="Leave empty for no manager."
                error=field("manager_email")
            />
            <TextField
                label="Department"
                name="department"
                maxlength=Department::MAX_CHARS
                value=initial.department
                error=field("department")
            />
            <TextField
                label="Job title"
                name="job_title"
                maxlength=JobTitle::MAX_CHARS
                value=initial.job_title
                error=field("job_title")
            />
            <fieldset class="choice">
                <legend>"Account enabled"</legend>
                <label class="radio">
                    <input type="radio" name="enabled" value="yes" checked=enabled />
                    "Yes"
                </label>
                <label class="radio">
                    <input type="radio" name="enabled" value="no" checked=!enabled />
                    "No"
                </label>
                <p class="field-error" hidden=move || field("enabled").get().is_none()>
                    {move || field("enabled").get()}
                </p>
            </fieldset>
        </div>
    }
}

#[component]
pub fn NewUserPage() -> impl IntoView {
    let action = ServerAction::<CreateUser>::new();
    let error = error_of(action.value());
    let new_user = || UserForm {
        user_type: "member".into(),
        enabled: true,
        ..Default::default()
    };
    view! {
        <Title text="New user · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/directory/users">"Users"</a>
            </div>
            <div class="page-header">
                <h1>"New user"</h1>
            </div>
            <FormAlert error=error fields=USER_FIELDS />
            <ActionForm action=action attr:class="form card">
                <UserFields initial=new_user() error=error />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        "Create user"
                    </button>
                    <a class="button secondary" href="/admin/directory/users">
                        "Cancel"
                    </a>
                </div>
            </ActionForm>
        </AdminOnly>
    }
}

#[component]
pub fn UserDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let update = ServerAction::<UpdateUser>::new();
    let user = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| get_user(id),
    );
    view! {
        <Title text="User · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/directory/users">"Users"</a>
            </div>
            <Loaded resource=user let:d>
                <UserDetailView detail=d update=update />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn UserDetailView(detail: UserDetail, update: ServerAction<UpdateUser>) -> impl IntoView {
    let u = detail.user.clone();
    let error = error_of(update.value());
    let initial = UserForm {
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        user_type: u.user_type.code().into(),
        manager_email: u
            .manager
            .as_ref()
            .map(|m| m.email.clone())
            .unwrap_or_default(),
        department: u.department.clone(),
        job_title: u.job_title.clone(),
        enabled: u.enabled,
    };
    let roles = if detail.roles.is_empty() {
        "None".to_owned()
    } else {
        detail
            .roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let last = detail
        .last_sign_in_at
        .map(utc)
        .unwrap_or_else(|| "Never".into());
    view! {
        <div class="page-header">
            <h1>{u.display_name.clone()}</h1>
            <div class="page-actions">
                {if u.enabled {
                    view! { <Badge kind="ok" text="Enabled" /> }
                } else {
                    view! { <Badge kind="error" text="Disabled" /> }
                }}
            </div>
        </div>
        <section class="card">
            <dl class="kv">
                <dt>"Email"</dt>
                <dd>{u.email.clone()}</dd>
                <dt>"User type"</dt>
                <dd>{u.user_type.label()}</dd>
                <dt>"Department"</dt>
                <dd>{u.department.clone()}</dd>
                <dt>"Job title"</dt>
                <dd>{u.job_title.clone()}</dd>
                <dt>"Manager"</dt>
                <dd>
                    {match u.manager.clone() {
                        Some(m) => {
                            view! {
                                <a href=format!(
                                    "/admin/directory/users/{}",
                                    m.id,
                                )>{m.display_name}</a>
                            }
                                .into_any()
                        }
                        None => view! { <span class="muted">"No manager"</span> }.into_any(),
                    }}
                </dd>
                <dt>"Roles"</dt>
                <dd>{roles}</dd>
                <dt>"Last sign-in"</dt>
                <dd>{last}</dd>
            </dl>
        </section>

        <section class="card">
            <h2>{format!("Direct reports ({})", detail.direct_reports.len())}</h2>
            {if detail.direct_reports.is_empty() {
                view! { <p class="muted">"Nobody reports to this person."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {detail
                            .direct_reports
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <li>
                                        <a href=format!(
                                            "/admin/directory/users/{}",
                                            r.id,
                                        )>{r.display_name}</a>
                                        " "
                                        <span class="muted">{r.email}</span>
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
            <h2>{format!("Groups ({})", detail.memberships.len())}</h2>
            {if detail.memberships.is_empty() {
                view! { <p class="muted">"Not a member of any group."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data">
                            <thead>
                                <tr>
                                    <th scope="col">"Group"</th>
                                    <th scope="col">"Membership source"</th>
                                    <th scope="col">"Member since"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {detail
                                    .memberships
                                    .into_iter()
                                    .map(|m| {
                                        view! {
                                            <tr>
                                                <td>
                                                    <a href=format!(
                                                        "/admin/directory/groups/{}",
                                                        m.group_id,
                                                    )>{m.group_name}</a>
                                                </td>
                                                <td>{grant_badges(&m.sources)}</td>
                                                <td>{utc(m.since)}</td>
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

        <section class="card">
            <h2>{format!("Licenses ({})", detail.licenses.len())}</h2>
            {if detail.licenses.is_empty() {
                view! {
                    <p class="muted">
                        "No licenses. Licenses come from the groups a person is in."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data">
                            <thead>
                                <tr>
                                    <th scope="col">"License"</th>
                                    <th scope="col">"Assigned through"</th>
                                    <th scope="col">"State"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {detail
                                    .licenses
                                    .into_iter()
                                    .map(|l| {
                                        view! {
                                            <tr>
                                                <td>
                                                    <a href=format!(
                                                        "/admin/licenses/{}",
                                                        l.license_id,
                                                    )>{l.name}</a>
                                                </td>
                                                <td>{l.via_groups.join(", ")}</td>
                                                <td>
                                                    {match l.state {
                                                        LicenseState::Active => {
                                                            view! { <Badge kind="ok" text=l.state.label() /> }
                                                        }
                                                        LicenseState::CountViolation => {
                                                            view! { <Badge kind="error" text=l.state.label() /> }
                                                        }
                                                    }}
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

        <details class="panel">
            <summary>"Edit user"</summary>
            <FormAlert error=error fields=USER_FIELDS />
            <SavedNote when=succeeded(update.value())>"Saved."</SavedNote>
            <ActionForm action=update attr:class="form">
                <input type="hidden" name="id" value=u.id.to_string() />
                <UserFields initial=initial error=error />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || update.pending().get()>
                        "Save changes"
                    </button>
                </div>
            </ActionForm>
        </details>
        <SignInAdmin id=u.id.to_string() name=u.display_name.clone() />
    }
}

/// Reset a person's password and sign them out of every session (leavers, lost devices).
#[component]
fn SignInAdmin(id: String, name: String) -> impl IntoView {
    use crate::api::directory::{ResetPassword, SignOutEverywhere};
    let reset = ServerAction::<ResetPassword>::new();
    let sign_out = ServerAction::<SignOutEverywhere>::new();
    let reset_error = error_of(reset.value());
    let field = field_errors(reset_error);
    let sign_out_error = error_of(sign_out.value());
    let confirm = RwSignal::new(false);
    let id_out = id.clone();
    view! {
        <section class="panel">
            <h2>"Password and sessions"</h2>
            <FormAlert error=sign_out_error fields=&[] />
            <SavedNote when=succeeded(
                sign_out.value(),
            )>{format!("{name} was signed out of every session.")}</SavedNote>
            <p>
                "Signing out ends every session this person has, in every browser; they can sign in again with their password."
            </p>
            <button type="button" class="danger" on:click=move |_| confirm.set(true)>
                "Sign out all sessions"
            </button>
            <h3>"Set a new password"</h3>
            <FormAlert error=reset_error fields=&["new_password", "confirm_password"] />
            <SavedNote when=succeeded(
                reset.value(),
            )>"The new password is set; every session of this person was signed out."</SavedNote>
            <ActionForm action=reset attr:class="form">
                <input type="hidden" name="id" value=id />
                <TextField
                    label="New password"
                    name="new_password"
                    id="reset-new"
                    input_type="password"
                    autocomplete="new-password"
                    required=true
                    maxlength=NewPassword::MAX_CHARS
                    hint=format!(
                        "At least {} characters. Common passwords are refused.",
                        NewPassword::MIN_CHARS,
                    )
                    error=field("new_password")
                />
                <TextField
                    label="Confirm new password"
                    name="confirm_password"
                    id="reset-confirm"
                    input_type="password"
                    autocomplete="new-password"
                    required=true
                    maxlength=NewPassword::MAX_CHARS
                    error=field("confirm_password")
                />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || reset.pending().get()>
                        "Set password"
                    </button>
                </div>
            </ActionForm>
        </section>
        <ConfirmDialog
            open=confirm
            title="Sign out all sessions"
            message=format!("Sign {} out of every session now?", "this person")
            on_yes=Callback::new(move |_| {
                sign_out
                    .dispatch(SignOutEverywhere {
                        id: id_out.clone(),
                    });
            })
        />
    }
}

#[component]
pub fn ImportUsersPage() -> impl IntoView {
    let action = ServerAction::<ImportUsers>::new();
    let error = error_of(action.value());
    let csv_error = Signal::derive(move || error.get().and_then(|e| e.field("csv")));
    let text = RwSignal::new(String::new());
    let load_file = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    text.set(value.as_string().unwrap_or_default());
                }
            });
        }
    };
    view! {
        <Title text="Import users · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/directory/users">"Users"</a>
            </div>
            <div class="page-header">
                <h1>"Import users"</h1>
            </div>
            <section class="card">
                <p>"A CSV file with a header line naming these columns, in any order:"</p>
                <p>
                    <code>"email, display_name, type, manager_email, department, job_title"</code>
                </p>
                <p class="muted">
                    "type is member or guest. A manager must already exist or be in the same file. People whose email already exists are updated. The whole file is checked first: if any line has a problem, nothing is imported and every problem is listed by line."
                </p>
            </section>
            <FormAlert error=error fields=&["csv"] />
            {move || {
                action
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|outcome| match outcome {
                        ImportOutcome::Imported { created, updated } => {
                            view! {
                                <div class="alert alert-success" role="status">
                                    <p>
                                        {format!("Imported: {created} created, {updated} updated.")}
                                    </p>
                                    <a href="/admin/directory/users">"See the users"</a>
                                </div>
                            }
                                .into_any()
                        }
                        ImportOutcome::Rejected { lines } => {
                            view! {
                                <div class="alert alert-error" role="alert">
                                    <p>
                                        {format!(
                                            "Nothing was imported: {} line(s) have problems. Fix them and import again.",
                                            lines.len(),
                                        )}
                                    </p>
                                    <div class="table-wrap">
                                        <table class="data">
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Line"</th>
                                                    <th scope="col">"Column"</th>
                                                    <th scope="col">"Problem"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {lines
                                                    .into_iter()
                                                    .flat_map(|l| {
                                                        l.errors
                                                            .into_iter()
                                                            .map(move |e| {
                                                                view! {
                                                                    <tr>
                                                                        <td class="num">{l.line}</td>
                                                                        <td>{e.field}</td>
                                                                        <td>{e.message}</td>
                                                                    </tr>
                                                                }
                                                            })
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                </div>
                            }
                                .into_any()
                        }
                    })
            }}
            <ActionForm action=action attr:class="form card">
                <div class="field">
                    <label for="csv-file">"CSV file"</label>
                    <input id="csv-file" type="file" accept=".csv,text/csv" on:change=load_file />
                    <p class="hint">
                        "Choosing a file fills in the content below; you can also paste it."
                    </p>
                </div>
                <div class="field">
                    <label for="csv-content">"CSV content"</label>
                    <textarea
                        id="csv-content"
                        class="mono"
                        name="csv"
                        rows="12"
                        required=true
                        aria-invalid=move || csv_error.get().map(|_| "true")
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    ></textarea>
                    <p class="field-error" hidden=move || csv_error.get().is_none()>
                        {move || csv_error.get()}
                    </p>
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || {
                            if action.pending().get() {
                                "Importing…"
                            } else {
                                "Validate and import"
                            }
                        }}
                    </button>
                </div>
            </ActionForm>
        </AdminOnly>
    }
}
