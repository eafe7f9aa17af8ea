//! The signed-in person's own account: change the password, and their API tokens.

use crate::api::auth::ChangePassword;
use crate::api::tokens::{CreateApiToken, RevokeApiToken, load_api_tokens};
use crate::error::AppError;
use crate::ui::*;
use domain::model::{
    ApiTokensView, DEFAULT_API_TOKEN_DAYS, MAX_API_TOKEN_DAYS, MAX_API_TOKEN_NAME_CHARS,
    NewPassword, TokenScope, limits,
};
use leptos::prelude::*;
use leptos_meta::Title;

const FIELDS: &[&str] = &["current_password", "new_password", "confirm_password"];

#[component]
pub fn AccountPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let tokens = TokenState::new(|| None, || 0, || async { Ok(true) });
    let error = error_of(action.value());
    let field = field_errors(error);
    view! {
        <Title text="Your account · Tessera" />
        <div class="page-header">
            <h1>"Your account"</h1>
        </div>
        <section class="card">
            <h2>"Change password"</h2>
            <p class="muted">"Changing your password signs you out everywhere else."</p>
            <FormAlert error=error fields=FIELDS />
            <SavedNote when=succeeded(
                action.value(),
            )>"Your password was changed. Your other sessions were signed out."</SavedNote>
            <ActionForm action=action attr:class="form">
                <TextField
                    label="Current password"
                    name="current_password"
                    input_type="password"
                    autocomplete="current-password"
                    required=true
                    maxlength=limits::MAX_SIGN_IN_PASSWORD_BYTES
                    error=field("current_password")
                />
                <TextField
                    label="New password"
                    name="new_password"
                    input_type="password"
                    autocomplete="new-password"
                    required=true
                    maxlength=NewPassword::MAX_CHARS
                    hint=format!(
                        "At least {} characters; a few words make a good one. Common passwords are refused.",
                        NewPassword::MIN_CHARS,
                    )
                    error=field("new_password")
                />
                <TextField
                    label="Confirm new password"
                    name="confirm_password"
                    input_type="password"
                    autocomplete="new-password"
                    required=true
                    maxlength=NewPassword::MAX_CHARS
                    error=field("confirm_password")
                />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        "Change password"
                    </button>
                </div>
            </ActionForm>
        </section>
        <ApiTokens state=tokens />
    }
}

const TOKEN_FIELDS: &[&str] = &["name", "scope", "days", "catalog"];

/// A token list and the actions that change it. Created at the top of a page (not inside its
/// Suspense), so the server-rendered list hydrates with the same resource the browser
/// refreshes after a token is made or revoked.
#[derive(Clone, Copy)]
pub(crate) struct TokenState {
    create: ServerAction<CreateApiToken>,
    revoke: ServerAction<RevokeApiToken>,
    /// `None` while not shown (a person's page, where a service account's panel is not).
    tokens: Resource<Result<Option<ApiTokensView>, AppError>>,
}

impl TokenState {
    /// `owner`: the service account whose tokens these are (`None`: the signed-in person's);
    /// the list reloads when it or `reload` changes, or when a token is made or revoked.
    /// `shown`: whether to load them, awaited inside the load rather than read in its source.
    /// A source that read another resource (the user page's) first said "not shown", and on
    /// a busy machine the list kept that empty first answer after the user had loaded: the
    /// service account's page showed no token list, one run in three under load.
    pub(crate) fn new<F>(
        owner: impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
        reload: impl Fn() -> usize + Copy + Send + Sync + 'static,
        shown: impl Fn() -> F + Copy + Send + Sync + 'static,
    ) -> Self
    where
        F: std::future::Future<Output = Result<bool, AppError>> + Send + 'static,
    {
        let create = ServerAction::<CreateApiToken>::new();
        let revoke = ServerAction::<RevokeApiToken>::new();
        let tokens = Resource::new(
            move || {
                (
                    owner(),
                    reload(),
                    create.version().get(),
                    revoke.version().get(),
                )
            },
            move |(owner, ..)| async move {
                if shown().await? {
                    load_api_tokens(owner).await.map(Some)
                } else {
                    Ok(None)
                }
            },
        );
        Self {
            create,
            revoke,
            tokens,
        }
    }
}

/// API tokens: what scripts use to call `/api/v1` as this person, or — with `owner`, on a
/// service account's page — as that service account (made by a directory administrator).
#[component]
pub(crate) fn ApiTokens(
    state: TokenState,
    #[prop(optional)] owner: Option<String>,
) -> impl IntoView {
    let TokenState {
        create,
        revoke,
        tokens,
    } = state;
    let service = owner.is_some();
    view! {
        <section class="card" aria-labelledby="api-tokens-heading">
            <h2 id="api-tokens-heading">"API tokens"</h2>
            <p class="muted">
                "Scripts call Tessera's API ("<a href="/api/v1/docs" rel="external">
                    "/api/v1"
                </a>
                {if service {
                    ") with a token, acting as this service account: they can do what its catalog roles allow, narrowed by the token's scope. Give the token to the script's owner like a password."
                } else {
                    ") with a token, acting as you: they can do what you can do here, narrowed by the token's scope. Keep a token like a password."
                }}
            </p>
            <TokenForm create tokens owner=owner.clone() />
            <Done when=succeeded(
                revoke.value(),
            )>"The token was revoked: its next call is refused."</Done>
            <ActionError error=error_of(revoke.value()) />
            <Loaded resource=tokens let:v>
                {v.map(|v| view! { <TokenTable view=v revoke owner=owner.clone() /> })}
            </Loaded>
        </section>
    }
}

#[component]
fn TokenForm(
    create: ServerAction<CreateApiToken>,
    tokens: Resource<Result<Option<ApiTokensView>, AppError>>,
    owner: Option<String>,
) -> impl IntoView {
    let error = error_of(create.value());
    let field = field_errors(error);
    let made = move || create.value().get().and_then(Result::ok);
    let catalog_error = field("catalog");
    view! {
        <details class="panel" open=move || error.get().is_some()>
            <summary>"New API token"</summary>
            <FormAlert error=error fields=TOKEN_FIELDS />
            <ActionForm action=create attr:class="form">
                {owner.map(|o| view! { <input type="hidden" name="owner" value=o /> })}
                <TextField
                    label="Token name"
                    name="name"
                    id="token-name"
                    required=true
                    maxlength=MAX_API_TOKEN_NAME_CHARS
                    error=field("name")
                    hint="What will use it, for example “HR onboarding script”."
                />
                <fieldset class="radios">
                    <legend>"Scope"</legend>
                    <div class="radio">
                        <input
                            type="radio"
                            id="token-scope-read"
                            name="scope"
                            value=TokenScope::Read.code()
                            checked=true
                        />
                        <label for="token-scope-read">"Read only (GET calls)"</label>
                    </div>
                    <div class="radio">
                        <input
                            type="radio"
                            id="token-scope-write"
                            name="scope"
                            value=TokenScope::ReadWrite.code()
                        />
                        <label for="token-scope-write">
                            "Read and write (request, approve, assign)"
                        </label>
                    </div>
                </fieldset>
                <TextField
                    label="Expires after (days)"
                    name="days"
                    id="token-days"
                    input_type="number"
                    value=DEFAULT_API_TOKEN_DAYS.to_string()
                    required=true
                    error=field("days")
                    hint=format!("1 to {MAX_API_TOKEN_DAYS} days.")
                />
                <Suspense fallback=|| ()>
                    {move || {
                        tokens
                            .get()
                            .and_then(Result::ok)
                            .flatten()
                            .filter(|v| !v.catalogs.is_empty())
                            .map(|v| {
                                view! {
                                    <div class="field">
                                        <label for="token-catalog">"Limit to a catalog"</label>
                                        <select
                                            id="token-catalog"
                                            name="catalog"
                                            aria-describedby="token-catalog-hint"
                                        >
                                            <option value="" selected=true>
                                                "No: everything I may reach"
                                            </option>
                                            {v
                                                .catalogs
                                                .into_iter()
                                                .map(|c| {
                                                    view! { <option value=c.id.to_string()>{c.name}</option> }
                                                })
                                                .collect_view()}
                                        </select>
                                        <p class="hint" id="token-catalog-hint">
                                            "A limited token reaches only this catalog's packages (and your own requests and approvals)."
                                        </p>
                                        <p
                                            class="field-error"
                                            hidden=move || catalog_error.get().is_none()
                                        >
                                            {move || catalog_error.get()}
                                        </p>
                                    </div>
                                }
                            })
                    }}
                </Suspense>
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
                                <strong>{format!("Token “{}” created.", t.name)}</strong>
                                " It works until "
                                <When at=t.expires_at />
                                ". Copy it now: Tessera keeps only its hash and cannot show it again."
                            </p>
                            <label for="new-api-token">"New API token"</label>
                            <input id="new-api-token" readonly=true value=t.secret size=72 />
                        </div>
                    }
                })
        }}
    }
}

#[component]
fn TokenTable(
    view: ApiTokensView,
    revoke: ServerAction<RevokeApiToken>,
    owner: Option<String>,
) -> impl IntoView {
    let confirm = Confirm::<(String, String)>::new();
    let now = view.now;
    let table = if view.tokens.is_empty() {
        view! {
            <div class="empty-state">
                <p>
                    "No API token yet. Create one with “New API token” when a script needs to call Tessera."
                </p>
            </div>
        }
            .into_any()
    } else {
        view! {
            <div class="table-wrap" tabindex="0">
                <table class="data">
                    <caption class="sr-only">"Your API tokens"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Scope"</th>
                            <th scope="col">"Expires"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col">
                                <span class="sr-only">"Actions"</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>
                        {view
                            .tokens
                            .into_iter()
                            .map(|t| {
                                let live = t.live(now);
                                let state = match t.revoked_at {
                                    Some(at) => {
                                        view! {
                                            <Badge kind="muted" text=format!("Revoked {}", utc(at)) />
                                        }
                                            .into_any()
                                    }
                                    None if !live => {
                                        view! { <Badge kind="warn" text="Expired" /> }.into_any()
                                    }
                                    None => view! { <Badge kind="ok" text="Active" /> }.into_any(),
                                };
                                let scope = match &t.catalog {
                                    Some((_, name)) => {
                                        format!("{}, catalog {name}", t.scope.label())
                                    }
                                    None => t.scope.label().to_owned(),
                                };
                                let (id, name) = (t.id.clone(), t.name.clone());
                                view! {
                                    <tr>
                                        <td>{t.name.clone()}</td>
                                        <td>{state}</td>
                                        <td>{scope}</td>
                                        <td>
                                            <When at=t.expires_at />
                                        </td>
                                        <td>
                                            {t.last_used_at.map(utc).unwrap_or_else(|| "Never".into())}
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
                                                            aria-label=format!("Revoke the token {name}")
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
    };
    view! {
        {table}
        <ConfirmDialog
            open=confirm.open
            title="Revoke API token"
            message=confirm
                .message(|(_, n)| {
                    format!("Revoke the token “{n}”? Scripts using it are refused from now on.")
                })
            on_yes=confirm
                .on_yes(move |(id, _)| {
                    revoke
                        .dispatch(RevokeApiToken {
                            id,
                            owner: owner.clone(),
                        });
                })
        />
    }
}
