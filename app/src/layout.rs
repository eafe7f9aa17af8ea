//! The app shell: brand, main navigation, the signed-in person, sign-out.

use crate::api::auth::me;
use crate::error::AppError;
use crate::ui::{BellIcon, When};
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
    view! {
        <div class="shell">
            <a class="sr-only" href="#main">
                "Skip to content"
            </a>
            <header class="topbar">
                <a class="brand" href="/myaccess">
                    "Tessera"
                </a>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let actor = me.await.ok().flatten();
                        actor
                            .map(|actor| {
                                let admin = actor.can_open_admin();
                                let member = !actor.is_guest();
                                view! {
                                    <nav class="nav" aria-label="Main">
                                        <A href="/myaccess" exact=true>
                                            "My Access"
                                        </A>
                                        <A href="/myaccess/approvals">"Approvals"</A>
                                        <A href="/myaccess/reviews">"Access reviews"</A>
                                        {member
                                            .then(|| view! { <A href="/myaccess/team">"My team"</A> })}
                                        {admin.then(|| view! { <A href="/admin">"Admin"</A> })}
                                    </nav>
                                    <div class="user-menu">
                                        <NotificationBell />
                                        <a
                                            class="user-name"
                                            href="/myaccess/account"
                                            title=format!("Your account ({})", actor.email)
                                        >
                                            {actor.display_name.clone()}
                                        </a>
                                        // A plain form: the server ends the session, then
                                        // sends a person who signed in with single sign-on
                                        // on to the provider's sign-out.
                                        <form method="post" action="/auth/sign-out">
                                            <button type="submit" class="secondary">
                                                "Sign out"
                                            </button>
                                        </form>
                                    </div>
                                }
                            })
                    })}
                </Suspense>
            </header>
            <main class="content" id="main">
                {children()}
            </main>
        </div>
    }
}

/// The bell: unread count, and the newest notifications with links to act on them.
/// Loaded in the browser after hydration (and again on every navigation), so pages never
/// wait for it on the server.
#[component]
fn NotificationBell() -> impl IntoView {
    use crate::api::requests::{load_notifications, mark_notifications_read};
    use domain::model::Inbox;
    let location = leptos_router::hooks::use_location();
    let inbox = RwSignal::new(None::<Result<Inbox, AppError>>);
    let refresh = RwSignal::new(0u32);
    Effect::new(move |_| {
        location.pathname.track();
        refresh.track();
        leptos::task::spawn_local(async move {
            inbox.set(Some(load_notifications().await));
        });
    });
    let mark_read = move |_| {
        leptos::task::spawn_local(async move {
            let _ = mark_notifications_read().await;
            refresh.update(|n| *n += 1);
        });
    };
    let open = RwSignal::new(false);
    let unread = move || {
        inbox.with(|i| {
            i.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map_or(0, |i| i.unread)
        })
    };
    view! {
        <div
            class="bell"
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(false)
                }
            }
        >
            <button
                type="button"
                class="secondary bell-button"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="notifications-panel"
                aria-label=move || match unread() {
                    0 => "Notifications".to_owned(),
                    n => format!("Notifications, {n} unread"),
                }
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <BellIcon />
                {move || {
                    (unread() > 0)
                        .then(|| {
                            view! {
                                <span class="bell-count" aria-hidden="true">
                                    {unread()}
                                </span>
                            }
                        })
                }}
            </button>
            <Show when=move || open.get()>
                <section id="notifications-panel" class="bell-panel" aria-label="Notifications">
                    <div class="bell-head">
                        <h2>"Notifications"</h2>
                        <button
                            type="button"
                            class="link-button"
                            disabled=move || unread() == 0
                            on:click=mark_read
                        >
                            "Mark all as read"
                        </button>
                    </div>
                    {move || match inbox.get() {
                        None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="muted">{e.to_string()}</p> }.into_any(),
                        Some(Ok(i)) if i.items.is_empty() => {
                            view! {
                                <p class="muted">
                                    "Nothing yet. You'll be told here when a request needs you or when your access changes."
                                </p>
                            }
                                .into_any()
                        }
                        Some(Ok(i)) => {
                            view! {
                                <ul class="bell-list">
                                    {i
                                        .items
                                        .into_iter()
                                        .map(|n| {
                                            view! {
                                                <li class:unread=!n.read>
                                                    <a
                                                        href=crate::links::href(n.link)
                                                        on:click=move |_| open.set(false)
                                                    >
                                                        {n.title.clone()}
                                                    </a>
                                                    <p>{n.body.clone()}</p>
                                                    <When at=n.created_at />
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    }}
                </section>
            </Show>
        </div>
    }
}

/// Renders `children` only for people who may open the admin console; others get a 403
/// page (the server also answers with status 403 for admin URLs).
///
/// Make a page's resources before `AdminOnly`, never in its children: the server re-runs
/// this `Suspense` while resolving it, and children built again make their resources again,
/// each loading again (every admin list and the admin home loaded their data three times a
/// view until issue 13 found it in sqlx's statement log).
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let me = use_me();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=crate::ui::Loading>
            {move || Suspend::new(async move {
                let allowed = me.await.ok().flatten().is_some_and(|a| a.can_open_admin());
                if allowed {
                    children.with_value(|c| c()).into_any()
                } else {
                    view! { <Forbidden /> }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <div class="forbidden">
            <h1>"Access denied"</h1>
            <p>
                "You don't have permission to open this page. If you need it, ask an administrator for the right role."
            </p>
            <a class="button" href="/myaccess">
                "Go to My Access"
            </a>
        </div>
    }
}
