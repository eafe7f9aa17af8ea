//! Controlled inputs for editors that keep their state in signals (the wizard, the policy
//! editor): labelled fields, Yes/No pairs, radio groups, selects, the people-and-group
//! picker and the confirmation dialog.

use domain::model::Principal;
use leptos::prelude::*;

fn described(
    id: &str,
    hint: bool,
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<String> + use<> {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    move || {
        let mut ids = Vec::new();
        if hint {
            ids.push(hint_id.clone());
        }
        if error.get().is_some() {
            ids.push(error_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

#[component]
fn FieldError(id: String, error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" id=format!("{id}-error") hidden=move || error.get().is_none()>
            {move || error.get()}
        </p>
    }
}

/// A labelled text, number or date input bound to a signal.
#[component]
pub fn Bound(
    #[prop(into)] label: String,
    #[prop(into)] id: String,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] min: Option<u32>,
    #[prop(optional)] max: Option<u32>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] suffix: Option<String>,
) -> impl IntoView {
    let describedby = described(&id, hint.is_some(), error);
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <div class="input-row">
                <input
                    id=id.clone()
                    type=input_type
                    prop:value=move || value.get()
                    on:input=move |ev| on_input.run(event_target_value(&ev))
                    min=min
                    max=max
                    maxlength=maxlength
                    required=required
                    aria-invalid=move || error.get().map(|_| "true")
                    aria-describedby=describedby
                />
                {suffix.map(|s| view! { <span class="muted">{s}</span> })}
            </div>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldError id=id error />
        </div>
    }
}

/// A labelled multi-line text bound to a signal.
#[component]
pub fn BoundArea(
    #[prop(into)] label: String,
    #[prop(into)] id: String,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] maxlength: Option<usize>,
) -> impl IntoView {
    let describedby = described(&id, hint.is_some(), error);
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <textarea
                id=id.clone()
                rows="3"
                prop:value=move || value.get()
                on:input=move |ev| on_input.run(event_target_value(&ev))
                maxlength=maxlength
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=describedby
            ></textarea>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldError id=id error />
        </div>
    }
}

/// A radio group named by its legend; `options` are (value, label).
#[component]
pub fn Radios(
    #[prop(into)] legend: String,
    #[prop(into)] name: String,
    options: Vec<(String, String)>,
    #[prop(into)] selected: Signal<String>,
    on_change: Callback<String>,
    #[prop(optional, into)] error: Option<Signal<Option<String>>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] inline: bool,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    let describedby = described(&name, hint.is_some(), error);
    view! {
        <fieldset class=if inline { "radios radios-inline" } else { "radios" } aria-describedby=describedby>
            <legend>{legend}</legend>
            {hint.map(|h| view! { <p class="hint" id=format!("{name}-hint")>{h}</p> })}
            {options
                .into_iter()
                .map(|(value, label)| {
                    let id = format!("{name}-{value}");
                    let v = value.clone();
                    let v2 = value.clone();
                    view! {
                        <div class="radio">
                            <input
                                type="radio"
                                id=id.clone()
                                name=name.clone()
                                value=value
                                prop:checked=move || selected.get() == v
                                on:change=move |_| on_change.run(v2.clone())
                            />
                            <label for=id>{label}</label>
                        </div>
                    }
                })
                .collect_view()}
            <FieldError id=name error />
        </fieldset>
    }
}

/// A Yes/No setting: two radio buttons inside a group named by the setting.
#[component]
pub fn YesNo(
    #[prop(into)] legend: String,
    #[prop(into)] name: String,
    #[prop(into)] value: Signal<bool>,
    on_change: Callback<bool>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let selected = Signal::derive(move || {
        if value.get() {
            "yes".to_owned()
        } else {
            "no".to_owned()
        }
    });
    let options = vec![
        ("yes".to_owned(), "Yes".to_owned()),
        ("no".to_owned(), "No".to_owned()),
    ];
    let on = Callback::new(move |v: String| on_change.run(v == "yes"));
    match (hint, error) {
        (Some(hint), Some(error)) => {
            view! { <Radios legend name options selected on_change=on hint error inline=true /> }
                .into_any()
        }
        (Some(hint), None) => {
            view! { <Radios legend name options selected on_change=on hint inline=true /> }
                .into_any()
        }
        (None, Some(error)) => {
            view! { <Radios legend name options selected on_change=on error inline=true /> }
                .into_any()
        }
        (None, None) => {
            view! { <Radios legend name options selected on_change=on inline=true /> }.into_any()
        }
    }
}

/// A labelled select bound to a signal; `options` are (value, label).
#[component]
pub fn Select(
    #[prop(into)] label: String,
    #[prop(into)] id: String,
    options: Vec<(String, String)>,
    #[prop(into)] selected: Signal<String>,
    on_change: Callback<String>,
    #[prop(optional, into)] error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    let describedby = described(&id, false, error);
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id.clone()
                on:change=move |ev| on_change.run(event_target_value(&ev))
                prop:value=move || selected.get()
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=describedby
            >
                {options
                    .into_iter()
                    .map(|(value, label)| {
                        let v = value.clone();
                        view! { <option value=value selected=move || selected.get() == v>{label}</option> }
                    })
                    .collect_view()}
            </select>
            <FieldError id=id error />
        </div>
    }
}

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
            {(!no_chips).then(|| view! {
                <ul class="chips" aria-label=chips_label>
                    {move || selected.get().into_iter().map(|p| {
                        let remove_label = format!("Remove {}", p.name);
                        let pid = p.id;
                        view! {
                            <li class="chip">
                                <span>{p.label()}</span>
                                <button type="button" class="chip-remove" aria-label=remove_label
                                    on:click=move |_| {
                                        let list = selected.get_untracked().into_iter().filter(|c| c.id != pid).collect();
                                        on_change.run(list);
                                    }>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
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
                aria-expanded=move || if open.get() && !results.get().is_empty() { "true" } else { "false" }
                aria-activedescendant=active_descendant
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=describedby
                maxlength="200"
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
                            if let Some(p) = results.get_untracked().get(active.get_untracked()).cloned() {
                                choose(p);
                            }
                        }
                        "Escape" => open.set(false),
                        _ => {}
                    }
                }
            />
            <ul class="picker-results" id=list_id role="listbox" aria-label=format!("Matching {noun}")
                hidden=move || !open.get() || query.get().trim().is_empty()>
                {move || {
                    let items = results.get();
                    if items.is_empty() {
                        let searching = search.pending().get();
                        return view! { <li class="muted" role="presentation">{if searching { "Searching…" } else { "Nothing matches." }}</li> }.into_any();
                    }
                    items.into_iter().enumerate().map(|(i, p)| {
                        let label = p.label();
                        let p2 = p.clone();
                        view! {
                            <li role="option" id=option_id(i) class:active=move || active.get() == i
                                aria-selected=move || if active.get() == i { "true" } else { "false" }
                                on:mousedown=move |ev| { ev.prevent_default(); choose(p2.clone()); }>
                                {label}
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
            </div>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldError id=id error />
        </div>
    }
}

/// A modal question with "Yes" and "No"; "No" has the focus, Escape answers No.
#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] message: Signal<String>,
    on_yes: Callback<()>,
) -> impl IntoView {
    let no_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if open.get()
            && let Some(b) = no_ref.get()
        {
            let _ = b.focus();
        }
    });
    view! {
        <Show when=move || open.get()>
            <div class="modal-backdrop">
                <div class="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-message"
                    on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
                    <h2 id="confirm-title">{move || title.get()}</h2>
                    <p id="confirm-message">{move || message.get()}</p>
                    <div class="actions">
                        <button type="button" class="danger" on:click=move |_| { open.set(false); on_yes.run(()); }>"Yes"</button>
                        <button type="button" class="secondary" node_ref=no_ref on:click=move |_| open.set(false)>"No"</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
