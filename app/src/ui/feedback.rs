//! What a page says back: errors, what an action did, the loading status.

use crate::error::AppError;
use leptos::prelude::*;

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

/// The error of an action that is not a form (a delete, a remove), in a live alert.
#[component]
pub fn ActionError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <Show when=move || error.with(Option::is_some)>
            <div class="alert alert-error" role="alert">
                <p>{move || error.get().map(|e| e.to_string())}</p>
            </div>
        </Show>
    }
}

/// What an action did, in a status message, shown `when` it succeeded.
#[component]
pub fn Done(#[prop(into)] when: Signal<bool>, children: ChildrenFn) -> impl IntoView {
    view! {
        <Show when=move || when.get()>
            <div class="alert alert-success" role="status">
                <p>{children()}</p>
            </div>
        </Show>
    }
}

/// A form's note that its action succeeded ("Saved."): always in the page, shown `when` the
/// action succeeded.
#[component]
pub fn SavedNote(#[prop(into)] when: Signal<bool>, children: Children) -> impl IntoView {
    view! {
        <p class="alert alert-success" role="status" hidden=move || !when.get()>
            {children()}
        </p>
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
pub fn Loading() -> impl IntoView {
    view! {
        <p class="muted" role="status">
            "Loading…"
        </p>
    }
}

/// What a test found (a connection test, a webhook's test event): `worked` or `failed` and
/// the error, then each step, in a status or an alert.
pub fn test_outcome(
    t: domain::model::ConnectionTest,
    worked: &'static str,
    failed: &'static str,
) -> AnyView {
    let steps = t
        .steps
        .into_iter()
        .map(|step| view! { <li>{step}</li> })
        .collect_view();
    if t.ok {
        view! {
            <div class="alert alert-success" role="status">
                <p>
                    <strong>{worked}</strong>
                </p>
                <ul>{steps}</ul>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="alert alert-error" role="alert">
                <p>
                    <strong>{failed}</strong>
                    {t.error.unwrap_or_default()}
                </p>
                <ul>{steps}</ul>
            </div>
        }
        .into_any()
    }
}
