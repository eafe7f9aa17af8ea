//! A long identifier shown short, with a button that copies the whole of it.

use super::CopyIcon;
use leptos::prelude::*;

/// How many characters of an identifier are shown.
const SHOWN: usize = 8;

/// `3f2a9c1e…` and a copy button: the whole identifier is in the code's title (shown on
/// hover) and goes to the clipboard; "Copied" is announced.
#[component]
pub fn CopyId(
    /// The identifier.
    id: String,
    /// What it is, for the button's name ("request id").
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let short: String = id.chars().take(SHOWN).collect();
    let cut = id.chars().count() > SHOWN;
    let copied = RwSignal::new(false);
    let whole = id.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&whole);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &whole;
        copied.set(true);
    };
    let name = format!("Copy {label}");
    view! {
        <span class="copy-id">
            <code title=id>{short} {cut.then_some("…")}</code>
            <button
                type="button"
                class="secondary icon-button"
                aria-label=name.clone()
                title=name
                on:click=copy
            >
                <CopyIcon />
            </button>
            <span class="sr-only" role="status">
                {move || copied.get().then_some("Copied")}
            </span>
        </span>
    }
}
