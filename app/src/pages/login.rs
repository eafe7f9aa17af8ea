use crate::api::auth::SignIn;
use crate::ui::{FormAlert, TextField, error_of, field_errors};
use domain::model::{Email, limits};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let action = ServerAction::<SignIn>::new();
    let error = error_of(action.value());
    let field = field_errors(error);
    view! {
        <Title text="Sign in · Tessera" />
        <div class="login-page">
            <div class="login-card card">
                <h1>"Sign in to Tessera"</h1>
                <p class="muted">"Use your work email and password."</p>
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
                        <button
                            type="submit"
                            class="primary"
                            disabled=move || action.pending().get()
                        >
                            {move || {
                                if action.pending().get() { "Signing in…" } else { "Sign in" }
                            }}
                        </button>
                    </div>
                </ActionForm>
            </div>
        </div>
    }
}
