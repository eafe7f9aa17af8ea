//! Directory sync: the tokens of the provisioning clients (an identity provider pushing the
//! directory through SCIM), what they pushed, and their last errors.

use crate::api::sync::{CreateSyncToken, RevokeSyncToken, load_sync_status};
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SyncPage() -> impl IntoView {
    let create = ServerAction::<CreateSyncToken>::new();
    let revoke = ServerAction::<RevokeSyncToken>::new();
    let status = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| load_sync_status(),
    );
    view! {
        <Title text="Directory sync · Tessera" />
        <AdminOnly>
            <SyncView status create revoke />
        </AdminOnly>
    }
}

fn when(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(utc).unwrap_or_else(|| "Never".into())
}

#[component]
fn SyncView(
    status: Resource<Result<SyncStatus, AppError>>,
    create: ServerAction<CreateSyncToken>,
    revoke: ServerAction<RevokeSyncToken>,
) -> impl IntoView {
    let error = error_of(create.value());
    let field = field_errors(error);
    let made = move || create.value().get().and_then(Result::ok);
    let confirm = Confirm::<(String, String)>::new();
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
        </div>
        <div class="page-header">
            <h1>"Directory sync"</h1>
        </div>
        <p class="lead">
            "Your identity provider (Microsoft Entra ID, Okta…) keeps Tessera's people and groups current through SCIM 2.0. Give it the tenant URL "
            <code>"<Tessera's public address>/scim/v2"</code>
            " and a token made here; docs/INTEGRATION.md has the steps. People it disables or deletes can no longer sign in; memberships it pushes show as “Directory sync (SCIM)” and access packages never remove them."
        </p>
        <details class="panel" open=move || error.get().is_some()>
            <summary>"New token"</summary>
            <FormAlert error=error fields=&["name"] />
            <ActionForm action=create attr:class="form">
                <TextField
                    label="Provisioning client"
                    name="name"
                    required=true
                    maxlength=MAX_TOKEN_NAME_CHARS
                    error=field("name")
                    hint="Who will use this token, for example “Microsoft Entra ID”."
                />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>
                        "Create token"
                    </button>
                </div>
            </ActionForm>
        </details>
        {move || {
            made()
                .map(|t| {
                    view! {
                        <div class="alert alert-success" role="status">
                            <p>
                                <strong>{format!("Token for {} created.", t.name)}</strong>
                                " Copy it now into the provider's “Secret token” field: Tessera keeps only its hash and cannot show it again."
                            </p>
                            <label for="new-token">"New token"</label>
                            <input id="new-token" readonly=true value=t.secret size=72 />
                        </div>
                    }
                })
        }}
        <Done when=succeeded(
            revoke.value(),
        )>"The token was revoked: its client's next request is refused."</Done>
        <ActionError error=error_of(revoke.value()) />
        <Loaded resource=status let:s>
            <div class="cards">
                <section class="card">
                    <div class="stat">
                        <span class="stat-value">{s.people}</span>
                        <span class="stat-label">"people synced"</span>
                    </div>
                </section>
                <section class="card">
                    <div class="stat">
                        <span class="stat-value">{s.groups}</span>
                        <span class="stat-label">"groups synced"</span>
                    </div>
                </section>
                <section class="card">
                    <div class="stat">
                        <span class="stat-value">{s.memberships}</span>
                        <span class="stat-label">"memberships from sync"</span>
                    </div>
                </section>
                <section class="card">
                    <div class="stat">
                        <span class="stat-value">{s.deleted}</span>
                        <span class="stat-label">"people deleted by the directory"</span>
                    </div>
                </section>
                <section class="card">
                    <div class="stat">
                        <span class="stat-label">"Last push"</span>
                        <span>{when(s.last_push)}</span>
                    </div>
                </section>
            </div>
            {if s.tokens.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>
                            "No provisioning client yet. Create a token for your identity provider with “New token”."
                        </p>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Provisioning tokens"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Client"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Created"</th>
                                    <th scope="col">"Last used"</th>
                                    <th scope="col">"Last error"</th>
                                    <th scope="col">
                                        <span class="sr-only">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {s
                                    .tokens
                                    .into_iter()
                                    .map(|t| {
                                        let live = t.revoked_at.is_none();
                                        let (id, name) = (t.id.clone(), t.name.clone());
                                        view! {
                                            <tr>
                                                <td>{t.name.clone()}</td>
                                                <td>
                                                    {if live {
                                                        view! { <Badge kind="ok" text="Active" /> }.into_any()
                                                    } else {
                                                        view! {
                                                            <Badge
                                                                kind="muted"
                                                                text=format!("Revoked {}", when(t.revoked_at))
                                                            />
                                                        }
                                                            .into_any()
                                                    }}
                                                </td>
                                                <td>
                                                    <When at=t.created_at />
                                                    {t.created_by.map(|b| format!(" by {b}"))}
                                                </td>
                                                <td>{when(t.last_used_at)}</td>
                                                <td>
                                                    {match t.last_error {
                                                        Some(e) => {
                                                            view! {
                                                                <span>{e}</span>
                                                                <br />
                                                                <span class="muted">{when(t.last_error_at)}</span>
                                                            }
                                                                .into_any()
                                                        }
                                                        None => {
                                                            view! { <span class="muted">"None"</span> }.into_any()
                                                        }
                                                    }}
                                                </td>
                                                <td>
                                                    <Show when=move || {
                                                        live
                                                    }>
                                                        {
                                                            let (id, name) = (id.clone(), name.clone());
                                                            view! {
                                                                <button
                                                                    type="button"
                                                                    class="secondary"
                                                                    aria-label=format!("Revoke the token of {name}")
                                                                    on:click=move |_| confirm.ask((id.clone(), name.clone()))
                                                                >
                                                                    "Revoke"
                                                                </button>
                                                            }
                                                        }
                                                    </Show>
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
        <ConfirmDialog
            open=confirm.open
            title="Revoke token"
            message=confirm
                .message(|(_, n)| {
                    format!(
                        "Revoke the token of {n}? Its requests are refused from now on; the people and groups it pushed stay.",
                    )
                })
            on_yes=confirm
                .on_yes(move |(id, _)| {
                    revoke.dispatch(RevokeSyncToken { id });
                })
        />
    }
}
