//! A loaded resource on the page: "Loading…", then its value or its error.

use super::feedback::{ErrorAlert, Loading};
use crate::error::AppError;
use leptos::prelude::*;

/// Shows `resource`: "Loading…" until it first arrives (the previous content while it
/// reloads), the error if loading failed, else `children` of the value.
///
/// It takes a resource and never creates one: the page creates its resources at its top (not
/// inside a Suspense), so server-rendered content hydrates with the resources the browser
/// creates.
#[component]
pub fn Loaded<T, F, V>(resource: Resource<Result<T, AppError>>, children: F) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=Loading>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match resource.await {
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                        Ok(value) => children(value).into_any(),
                    }
                })
            }}
        </Transition>
    }
}
