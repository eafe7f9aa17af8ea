//! The people-and-group picker.

use super::fields::{FieldError, described};
use domain::model::Principal;
use leptos::prelude::*;

/// Searches people and/or groups by name or email as you type; the chosen ones are shown as
/// removable chips. Keyboard: arrows move through the results, Enter chooses, Escape closes.
#[component]
pub fn PrincipalPicker(
    #[prop(into)] label: String,
    #[prop(into)] id: String,
    users: bool,
    groups: bool,
    #[prop(into)] selected: Signal<Vec<Principal>>,
    on_change: Callback<Vec<Principal>>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: Option<String>,
    /// Keep the chosen entries out of the list (for pickers that hand them to a parent).
    #[prop(optional)]
    no_chips: bool,
    /// Offer only the groups the signed-in person may put in an access package.
    #[prop(optional)]
    resources: bool,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let search = Action::new(move |q: &String| {
        let q = q.clone();
        async move {
            (
                q.clone(),
                crate::api::packages::search_principals(q, users, groups, resources).await,
            )
        }
    });
    let results = Signal::derive(move || {
        let chosen = selected.get();
        search
            .value()
            .get()
            .filter(|(q, _)| *q == query.get())
            .and_then(|(_, r)| r.ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !chosen.iter().any(|c| c.id == p.id))
            .collect::<Vec<_>>()
    });
    let choose = move |p: Principal| {
        let mut list = selected.get_untracked();
        if !list.iter().any(|c| c.id == p.id) {
            list.push(p);
        }
        on_change.run(list);
        query.set(String::new());
        open.set(false);
    };
    let list_id = format!("{id}-results");
    let option_id = {
        let id = id.clone();
        move |i: usize| format!("{id}-option-{i}")
    };
    let describedby = described(&id, hint.is_some(), error);
    let noun = match (users, groups) {
        (true, true) => "people or groups",
        (true, false) => "people",
        _ => "groups",
    };
    let chips_label = format!("Chosen: {label}");
    let active_descendant = {
        let option_id = option_id.clone();
        move || (open.get() && !results.get().is_empty()).then(|| option_id(active.get()))
    };
    view! {
        <div class="field picker">
            <label for=id.clone()>{label}</label>
            {(!no_chips)
                .then(|| {
                    view! {
                        <ul class="chips" aria-label=chips_label>
                            {move || {
                                selected
                                    .get()
                                    .into_iter()
                                    .map(|p| {
                                        let remove_label = format!("Remove {}", p.name);
                                        let pid = p.id;
                                        view! {
                                            <li class="chip">
                                                <span>{p.label()}</span>
                                                <button
                                                    type="button"
                                                    class="chip-remove"
                                                    aria-label=remove_label
                                                    on:click=move |_| {
                                                        let list = selected
                                                            .get_untracked()
                                                            .into_iter()
                                                            .filter(|c| c.id != pid)
                                                            .collect();
                                                        on_change.run(list);
                                                    }
                                                >
                                                    "×"
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </ul>
                    }
                })}
            <div class="picker-box">
                <input
                    id=id.clone()
                    type="search"
                    role="combobox"
                    autocomplete="off"
                    placeholder=format!("Search {noun} by name or email")
                    aria-autocomplete="list"
                    aria-controls=list_id.clone()
                    aria-expanded=move || {
                        if open.get() && !results.get().is_empty() { "true" } else { "false" }
                    }
                    aria-activedescendant=active_descendant
                    aria-invalid=move || error.get().map(|_| "true")
                    aria-describedby=describedby
                    maxlength=domain::model::limits::MAX_SEARCH_CHARS
                    prop:value=move || query.get()
                    on:input=move |ev| {
                        let q = event_target_value(&ev);
                        query.set(q.clone());
                        active.set(0);
                        open.set(!q.trim().is_empty());
                        if !q.trim().is_empty() {
                            search.dispatch(q);
                        }
                    }
                    on:keydown=move |ev| {
                        let n = results.get_untracked().len();
                        match ev.key().as_str() {
                            "ArrowDown" if n > 0 => {
                                ev.prevent_default();
                                open.set(true);
                                active.update(|a| *a = (*a + 1) % n);
                            }
                            "ArrowUp" if n > 0 => {
                                ev.prevent_default();
                                active.update(|a| *a = (*a + n - 1) % n);
                            }
                            "Enter" => {
                                ev.prevent_default();
                                if let Some(p) = results
                                    .get_untracked()
                                    .get(active.get_untracked())
                                    .cloned()
                                {
                                    choose(p);
                                }
                            }
                            "Escape" => open.set(false),
                            _ => {}
                        }
                    }
                />
                <ul
                    class="picker-results"
                    id=list_id
                    role="listbox"
                    aria-label=format!("Matching {noun}")
                    hidden=move || !open.get() || query.get().trim().is_empty()
                >
                    {move || {
                        let items = results.get();
                        if items.is_empty() {
                            let searching = search.pending().get();
                            return view! {
                                <li class="muted" role="presentation">
                                    {if searching { "Searching…" } else { "Nothing matches." }}
                                </li>
                            }
                                .into_any();
                        }
                        items
                            .into_iter()
                            .enumerate()
                            .map(|(i, p)| {
                                let label = p.label();
                                let p2 = p.clone();
                                view! {
                                    <li
                                        role="option"
                                        id=option_id(i)
                                        class:active=move || active.get() == i
                                        aria-selected=move || {
                                            if active.get() == i { "true" } else { "false" }
                                        }
                                        on:mousedown=move |ev| {
                                            ev.prevent_default();
                                            choose(p2.clone());
                                        }
                                    >
                                        {label}
                                    </li>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }}
                </ul>
            </div>
            {hint
                .map(|h| {
                    view! {
                        <p class="hint" id=format!("{id}-hint")>
                            {h}
                        </p>
                    }
                })}
            <FieldError id=id error />
        </div>
    }
}
