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
