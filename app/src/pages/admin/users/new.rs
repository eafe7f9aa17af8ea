use super::*;

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

/// A service account: a directory entry scripts act as through API tokens; it cannot sign in.
#[component]
pub fn NewServiceAccountPage() -> impl IntoView {
    use crate::api::directory::CreateServiceAccount;
    let action = ServerAction::<CreateServiceAccount>::new();
    let error = error_of(action.value());
    let field = field_errors(error);
    view! {
        <Title text="New service account · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/directory/users">"Users"</a>
            </div>
            <div class="page-header">
                <h1>"New service account"</h1>
            </div>
            <p class="lead">
                "For a script or another system (an HR workflow, a ticketing tool) that calls Tessera's API. It has no password and cannot sign in; you make its API tokens on its page, and the catalog roles you give it decide what they reach."
            </p>
            <FormAlert error=error fields=&["display_name", "email", "purpose"] />
            <ActionForm action=action attr:class="form card">
                <div class="form-grid">
                    <TextField
                        label="Display name"
                        name="display_name"
                        required=true
                        maxlength=DisplayName::MAX_CHARS
                        error=field("display_name")
                        hint="For example “HR onboarding”."
                    />
                    <TextField
                        label="Email"
                        name="email"
                        input_type="email"
                        required=true
                        maxlength=Email::MAX_LEN
                        error=field("email")
                        hint="Its unique name in the directory, for example hr-sync@woodgrove.example; nothing is sent to it."
                    />
                    <TextField
                        label="Purpose"
                        name="purpose"
                        maxlength=JobTitle::MAX_CHARS
                        error=field("purpose")
                        hint="What uses it and who looks after it."
                    />
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        "Create service account"
                    </button>
                    <a class="button secondary" href="/admin/directory/users">
                        "Cancel"
                    </a>
                </div>
            </ActionForm>
        </AdminOnly>
    }
}
