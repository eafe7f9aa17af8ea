//! The app shell: brand, main navigation, the signed-in person, sign-out.

use crate::api::auth::{SignOut, me};
use crate::error::AppError;
use domain::model::Actor;
use leptos::prelude::*;
use leptos_router::components::A;

/// Who is signed in, loaded once per page load and shared through context.
pub type Me = Resource<Result<Option<Actor>, AppError>>;

pub fn use_me() -> Me {
    use_context::<Me>().unwrap_or_else(|| Resource::new(|| (), |_| me()))
}

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let me = use_me();
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <div class="shell">
            <a class="sr-only" href="#main">"Skip to content"</a>
            <header class="topbar">
                <a class="brand" href="/myaccess">"Tessera"</a>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let actor = me.await.ok().flatten();
                        actor.map(|actor| {
                            let admin = actor.can_open_admin();
                            view! {
                                <nav class="nav" aria-label="Main">
                                    <A href="/myaccess" exact=true>"My Access"</A>
                                    <A href="/myaccess/approvals">"Approvals"</A>
                                    <A href="/myaccess/reviews">"Access reviews"</A>
                                    {admin.then(|| view! { <A href="/admin">"Admin"</A> })}
                                </nav>
                                <div class="user-menu">
                                    <span class="user-name" title=actor.email.clone()>{actor.display_name.clone()}</span>
                                    <ActionForm action=sign_out>
                                        <button type="submit" class="secondary">"Sign out"</button>
                                    </ActionForm>
                                </div>
                            }
                        })
                    })}
                </Suspense>
            </header>
            <main class="content" id="main">{children()}</main>
        </div>
    }
}

/// Renders `children` only for people who may open the admin console; others get a 403
/// page (the server also answers with status 403 for admin URLs).
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let me = use_me();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=crate::components::Loading>
            {move || Suspend::new(async move {
                let allowed = me.await.ok().flatten().is_some_and(|a| a.can_open_admin());
                if allowed { children.with_value(|c| c()).into_any() } else { view! { <Forbidden /> }.into_any() }
            })}
        </Suspense>
    }
}

#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <div class="forbidden">
            <h1>"Access denied"</h1>
            <p>"You don't have permission to open this page. If you need it, ask an administrator for the right role."</p>
            <a class="button" href="/myaccess">"Go to My Access"</a>
        </div>
    }
}
