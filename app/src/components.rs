//! Small building blocks every page uses: fields, alerts, badges, pager.

use crate::error::AppError;
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
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=input_type
                name=name
                value=value
                required=required
                autocomplete=autocomplete
                maxlength=maxlength
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            <p class="field-error" id=error_id hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
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
            <div class="radio"><input type="radio" id=yes.clone() name=name value="yes" checked=value /><label for=yes>"Yes"</label></div>
            <div class="radio"><input type="radio" id=no.clone() name=name value="no" checked=!value /><label for=no>"No"</label></div>
        </fieldset>
    }
}

/// Errors of an action that are not about one of `fields`, in a live alert.
#[component]
pub fn FormAlert(
    #[prop(into)] error: Signal<Option<AppError>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let general = e.general(fields);
            let headline = match &e {
                AppError::Invalid(_) if general.is_empty() => {
                    Some("Please correct the highlighted fields.".to_owned())
                }
                _ => None,
            };
            view! {
                <div class="alert alert-error" role="alert">
                    {headline.map(|h| view! { <p>{h}</p> })}
                    {general.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}
                </div>
            }
        })
    }
}

/// A whole-page error (the data could not be loaded).
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    let text = error.to_string();
    view! {
        <div class="alert alert-error" role="alert">
            <p>{text}</p>
        </div>
    }
}

#[component]
pub fn Badge(kind: &'static str, #[prop(into)] text: String) -> impl IntoView {
    view! { <span class=format!("badge badge-{kind}")>{text}</span> }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="muted" role="status">"Loading…"</p> }
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

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Previous / "Page n of m" / next, as links that keep the search.
#[component]
pub fn Pager(
    base: String,
    q: String,
    page: u32,
    page_count: u32,
    total: i64,
    #[prop(into)] noun: String,
    /// More query parameters to keep, already encoded (`catalog=…`).
    #[prop(optional, into)]
    extra: String,
) -> impl IntoView {
    let extra = if extra.is_empty() {
        extra
    } else {
        format!("&{extra}")
    };
    let link = move |p: u32| format!("{base}?q={}&page={p}{extra}", encode(&q));
    let prev = (page > 1).then(|| link(page - 1));
    let next = (page < page_count).then(|| link(page + 1));
    view! {
        <nav class="pager" aria-label="Pages">
            {match prev {
                Some(href) => view! { <a href=href rel="prev">"Previous"</a> }.into_any(),
                None => view! { <span class="muted">"Previous"</span> }.into_any(),
            }}
            <span>{format!("Page {page} of {page_count} · {total} {noun}")}</span>
            {match next {
                Some(href) => view! { <a href=href rel="next">"Next"</a> }.into_any(),
                None => view! { <span class="muted">"Next"</span> }.into_any(),
            }}
        </nav>
    }
}

/// An instant as UTC text, identical on server and browser (no hydration mismatch).
pub fn utc(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Asks before something destructive; in the browser only (the server renders nothing to ask).
pub fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(message).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
