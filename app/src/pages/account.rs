//! The signed-in person's own account: change the password.

use crate::api::auth::ChangePassword;
use crate::components::{FormAlert, TextField};
use domain::model::NewPassword;
use leptos::prelude::*;
use leptos_meta::Title;

const FIELDS: &[&str] = &["current_password", "new_password", "confirm_password"];

#[component]
pub fn AccountPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let field = move |f: &'static str| Signal::derive(move || error.get().and_then(|e| e.field(f)));
    let changed = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <Title text="Your account · Tessera" />
        <div class="page-header"><h1>"Your account"</h1></div>
        <section class="card">
            <h2>"Change password"</h2>
            <p class="muted">"Changing your password signs you out everywhere else."</p>
            <FormAlert error=error fields=FIELDS />
            <p class="alert alert-success" role="status" hidden=move || !changed()>
                "Your password was changed. Your other sessions were signed out."
            </p>
            <ActionForm action=action attr:class="form">
                <TextField label="Current password" name="current_password" input_type="password" autocomplete="current-password" required=true maxlength=NewPassword::MAX_CHARS * 4 error=field("current_password") />
                <TextField label="New password" name="new_password" input_type="password" autocomplete="new-password" required=true maxlength=NewPassword::MAX_CHARS
                    hint="At least 12 characters; a few words make a good one. Common passwords are refused." error=field("new_password") />
                <TextField label="Confirm new password" name="confirm_password" input_type="password" autocomplete="new-password" required=true maxlength=NewPassword::MAX_CHARS error=field("confirm_password") />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>"Change password"</button>
                </div>
            </ActionForm>
        </section>
    }
}
