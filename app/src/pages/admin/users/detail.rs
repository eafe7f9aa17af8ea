use super::*;

#[component]
pub fn UserDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let update = ServerAction::<UpdateUser>::new();
    let user = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| get_user(id),
    );
    // A service account's tokens, at the top of the page so that they hydrate (see TokenState).
    // Saving the account (enabling or disabling it) reloads them.
    let tokens = crate::pages::account::TokenState::new(
        move || Some(id()),
        move || update.version().get(),
        move || async move { user.await.map(|d| d.user.service_account) },
    );
    view! {
        <Title text="User · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/directory/users">"Users"</a>
            </div>
            <Loaded resource=user let:d>
                <UserDetailView detail=d update=update tokens=tokens />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn UserDetailView(
    detail: UserDetail,
    update: ServerAction<UpdateUser>,
    tokens: crate::pages::account::TokenState,
) -> impl IntoView {
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
                {u.service_account.then(|| view! { <Badge kind="info" text="Service account" /> })}
                {if u.enabled {
                    view! { <Badge kind="ok" text="Enabled" /> }
                } else {
                    view! { <Badge kind="error" text="Disabled" /> }
                }}
                <a class="button secondary" href=format!("/admin/directory/users/{}/access", u.id)>
                    "Access report"
                </a>
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
                    <div class="table-wrap" tabindex="0">
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
                                                <td>
                                                    <When at=m.since />
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
                    <div class="table-wrap" tabindex="0">
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
        {if u.service_account {
            view! {
                <p class="muted">
                    "A service account cannot sign in: scripts act as it with the API tokens below. Give it catalog roles on a catalog's page to decide what they reach."
                </p>
                <crate::pages::account::ApiTokens state=tokens owner=u.id.to_string() />
            }
                .into_any()
        } else {
            view! { <SignInAdmin id=u.id.to_string() name=u.display_name.clone() /> }.into_any()
        }}
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
