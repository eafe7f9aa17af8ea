//! Labelled form fields wired for screen readers: plain inputs that an `ActionForm` posts
//! (`TextField`, `YesNoField`), and controlled ones for editors that keep their state in
//! signals (the wizard, the policy editor): `Bound`, `BoundArea`, `Radios`, `YesNo`, `Select`.

use leptos::prelude::*;

/// A labelled input with its hint and error, wired for screen readers.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional, into)] value: String,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let describedby = described(&id, hint.is_some(), error);
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                type=input_type
                name=name
                value=value
                required=required
                autocomplete=autocomplete
                maxlength=maxlength
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=describedby
            />
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

/// A Yes/No form field (`name` is sent as "yes" or "no"), a radio pair in a group named by
/// `legend`; `id` keeps the radios' ids apart from other forms on the page.
#[component]
pub fn YesNoField(
    legend: &'static str,
    name: &'static str,
    id: &'static str,
    value: bool,
) -> impl IntoView {
    let (yes, no) = (format!("{id}-yes"), format!("{id}-no"));
    view! {
        <fieldset class="radios radios-inline">
            <legend>{legend}</legend>
            <div class="radio">
                <input type="radio" id=yes.clone() name=name value="yes" checked=value />
                <label for=yes>"Yes"</label>
            </div>
            <div class="radio">
                <input type="radio" id=no.clone() name=name value="no" checked=!value />
                <label for=no>"No"</label>
            </div>
        </fieldset>
    }
}

pub(super) fn described(
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
pub(super) fn FieldError(id: String, error: Signal<Option<String>>) -> impl IntoView {
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
        <fieldset
            class=if inline { "radios radios-inline" } else { "radios" }
            aria-describedby=describedby
        >
            <legend>{legend}</legend>
            {hint
                .map(|h| {
                    view! {
                        <p class="hint" id=format!("{name}-hint")>
                            {h}
                        </p>
                    }
                })}
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
                        view! {
                            <option value=value selected=move || selected.get() == v>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldError id=id error />
        </div>
    }
}
