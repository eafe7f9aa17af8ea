use super::*;

/// Tab strip for an editor: ARIA tabs with arrow-key movement and an error mark per tab.
#[component]
pub fn TabStrip(
    #[prop(into)] label: String,
    tabs: Vec<WizardTab>,
    current: RwSignal<WizardTab>,
    on_select: Callback<WizardTab>,
    /// The last tab's name (the wizard's "Review + Create", the policy editor's "Review + Save").
    #[prop(into)]
    last_label: String,
) -> impl IntoView {
    let problems = use_context::<EditorProblems>().map(|p| p.0);
    let tabs_for_keys = tabs.clone();
    let last = tabs.last().copied();
    view! {
        <div
            role="tablist"
            aria-label=label
            class="tabs"
            on:keydown=move |ev| {
                let pos = tabs_for_keys
                    .iter()
                    .position(|t| *t == current.get_untracked())
                    .unwrap_or(0);
                let n = tabs_for_keys.len();
                let next = match ev.key().as_str() {
                    "ArrowRight" => Some((pos + 1) % n),
                    "ArrowLeft" => Some((pos + n - 1) % n),
                    "Home" => Some(0),
                    "End" => Some(n - 1),
                    _ => None,
                };
                if let Some(i) = next {
                    ev.prevent_default();
                    on_select.run(tabs_for_keys[i]);
                    #[cfg(feature = "hydrate")]
                    if let Some(el) = document()
                        .get_element_by_id(&format!("tab-{}", tabs_for_keys[i].code()))
                    {
                        use wasm_bindgen::JsCast;
                        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                            let _ = el.focus();
                        }
                    }
                }
            }
        >
            {tabs
                .into_iter()
                .map(|t| {
                    let name = if Some(t) == last {
                        last_label.clone()
                    } else {
                        t.label().to_owned()
                    };
                    let has_error = move || {
                        problems
                            .is_some_and(|p| {
                                p.with(|l| l.iter().any(|e| WizardTab::of_field(&e.field) == t))
                            })
                    };
                    view! {
                        <button
                            type="button"
                            role="tab"
                            id=format!("tab-{}", t.code())
                            aria-selected=move || if current.get() == t { "true" } else { "false" }
                            aria-controls="editor-panel"
                            tabindex=move || if current.get() == t { "0" } else { "-1" }
                            class:has-error=has_error
                            on:click=move |_| on_select.run(t)
                        >
                            {name}
                            <Show when=has_error>
                                <span class="tab-error">" (needs attention)"</span>
                            </Show>
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}
