//! Status badges.

use leptos::prelude::*;

#[component]
pub fn Badge(kind: &'static str, #[prop(into)] text: String) -> impl IntoView {
    view! { <span class=format!("badge badge-{kind}")>{text}</span> }
}

/// Why someone is a member, one badge per grant.
pub fn grant_badges(sources: &[domain::rules::grants::GrantSource]) -> impl IntoView + use<> {
    use domain::rules::grants::GrantSource;
    sources
        .iter()
        .map(|s| {
            let kind = match s {
                GrantSource::Direct => "info",
                GrantSource::Assignment(_) => "ok",
            };
            view! { <Badge kind=kind text=s.label() />" " }
        })
        .collect_view()
}
