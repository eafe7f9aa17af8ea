use crate::api::auth::{SignIn, SignInChoices, encode_query_value, sign_in_offer};
use crate::ui::{FormAlert, TextField, error_of, field_errors};
use domain::model::{Email, limits};
use domain::rules::sso::SsoRefusal;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let offer = Resource::new(|| (), |_| sign_in_offer());
    view! {
        <Title text="Sign in · Tessera" />
        <div class="login-page">
            <div class="login-card card">
                <h1>"Sign in to Tessera"</h1>
                <Suspense fallback=|| {
                    view! { <p class="muted">"Loading…"</p> }
                }>
                    {move || Suspend::new(async move {
                        let choices = offer.await.unwrap_or_default();
                        let sso_error = query
                            .read()
                            .get("sso_error")
                            .and_then(|code| SsoRefusal::parse(&code));
                        view! { <Choices choices sso_error next=next() /> }
                    })}
                </Suspense>
            </div>
        </div>
    }
}

/// The provider's button (when single sign-on is configured) and the password form (folded
/// away when passwords are kept for break-glass administrators).
#[component]
fn Choices(choices: SignInChoices, sso_error: Option<SsoRefusal>, next: String) -> impl IntoView {
    let provider_name = choices
        .provider
        .clone()
        .unwrap_or_else(|| "single sign-on".into());
    let sso_alert = sso_error.map(|why| {
        view! {
            <div class="alert alert-error" role="alert">
                <p>{why.message(&provider_name)}</p>
            </div>
        }
    });
    let start = format!("/auth/oidc/start?next={}", encode_query_value(&next));
    let sso_button = choices.provider.clone().map(|name| {
        view! {
            <a class="button primary sso-button" href=start rel="external">
                {format!("Sign in with {name}")}
            </a>
        }
    });
    let form = view! { <PasswordForm next=next.clone() /> };
    let passwords = match (choices.provider.is_some(), choices.passwords_restricted) {
        (false, _) => view! {
            <p class="muted">"Use your work email and password."</p>
            {form}
        }
        .into_any(),
        (true, false) => view! {
            <p class="sign-in-divider muted">"or with your work email and password"</p>
            {form}
        }
        .into_any(),
        (true, true) => view! {
            <details class="break-glass">
                <summary>"Administrator sign-in with a password"</summary>
                {form}
            </details>
        }
        .into_any(),
    };
    view! {
        {sso_alert}
        {sso_button}
        {passwords}
    }
}

#[component]
fn PasswordForm(next: String) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = error_of(action.value());
    let field = field_errors(error);
    view! {
        <FormAlert error=error fields=&["email", "password"] />
        <ActionForm action=action attr:class="form">
            <input type="hidden" name="next" value=next />
            <TextField
                label="Email"
                name="email"
                input_type="email"
                autocomplete="username"
                required=true
                maxlength=Email::MAX_LEN
                error=field("email")
            />
            <TextField
                label="Password"
                name="password"
                input_type="password"
                autocomplete="current-password"
                required=true
                maxlength=limits::MAX_SIGN_IN_PASSWORD_BYTES
                error=field("password")
            />
            <div class="actions">
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || { if action.pending().get() { "Signing in…" } else { "Sign in" } }}
                </button>
            </div>
        </ActionForm>
    }
}
