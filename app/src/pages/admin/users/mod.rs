mod detail;
mod import;
mod list;
mod new;

pub use detail::UserDetailPage;
pub use import::ImportUsersPage;
pub use list::UsersPage;
pub use new::{NewServiceAccountPage, NewUserPage};

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
