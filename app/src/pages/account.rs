//! The signed-in person's own account: change the password.

use crate::api::auth::ChangePassword;
use crate::ui::{FormAlert, SavedNote, TextField, error_of, field_errors, succeeded};
use domain::model::{NewPassword, limits};
use leptos::prelude::*;
use leptos_meta::Title;

const FIELDS: &[&str] = &["current_password", "new_password", "confirm_password"];

#[component]
pub fn AccountPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
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
    }
}
