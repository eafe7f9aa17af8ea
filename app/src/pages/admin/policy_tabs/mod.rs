//! The policy's tabs (Requests, Requestor information, Lifecycle), shared by the creation
//! wizard and the policy editor. Each edits one `RwSignal<PolicyDraft>`; conditional parts
//! hang off memos so typing never rebuilds (and never steals focus from) the inputs.

mod lifecycle;
mod requestor;
mod requests;
mod summary;
mod tab_strip;

pub use lifecycle::LifecycleTab;
pub use requestor::RequestorTab;
pub use requests::RequestsTab;
pub use summary::{CheckResults, Summary};
pub use tab_strip::TabStrip;

use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;

/// The problems the server reported, shared with every field of an editor.
#[derive(Clone, Copy)]
pub struct EditorProblems(pub RwSignal<Vec<FieldError>>);

pub fn provide_problems() -> RwSignal<Vec<FieldError>> {
    let problems = RwSignal::new(Vec::new());
    provide_context(EditorProblems(problems));
    problems
}

/// The message for `field`, if the last check reported one.
pub fn problem(field: impl Into<String>) -> Signal<Option<String>> {
    let field = field.into();
    let problems = use_context::<EditorProblems>().map(|p| p.0);
    Signal::derive(move || {
        problems.and_then(|p| {
            p.with(|list| {
                list.iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            })
        })
    })
}

pub fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|t| (code(*t).to_owned(), label(*t).to_owned()))
        .collect()
}

/// A text of the draft, read and written through two plain functions.
fn text(
    policy: RwSignal<PolicyDraft>,
    get: fn(&PolicyDraft) -> &String,
    set: fn(&mut PolicyDraft, String),
) -> (Signal<String>, Callback<String>) {
    (
        Signal::derive(move || policy.with(|d| get(d).clone())),
        Callback::new(move |v| policy.update(|d| set(d, v))),
    )
}

fn flag(
    policy: RwSignal<PolicyDraft>,
    get: fn(&PolicyDraft) -> bool,
    set: fn(&mut PolicyDraft, bool),
) -> (Signal<bool>, Callback<bool>) {
    (
        Signal::derive(move || policy.with(get)),
        Callback::new(move |v| policy.update(|d| set(d, v))),
    )
}

fn people(
    policy: RwSignal<PolicyDraft>,
    get: fn(&PolicyDraft) -> &Vec<Principal>,
    set: fn(&mut PolicyDraft, Vec<Principal>),
) -> (Signal<Vec<Principal>>, Callback<Vec<Principal>>) {
    (
        Signal::derive(move || policy.with(|d| get(d).clone())),
        Callback::new(move |v| policy.update(|d| set(d, v))),
    )
}

/// Policy name and description (the policy editor shows them; the wizard uses the default).
#[component]
pub fn PolicyNameFields(policy: RwSignal<PolicyDraft>) -> impl IntoView {
    let (name, set_name) = text(policy, |d| &d.name, |d, v| d.name = v);
    let (desc, set_desc) = text(policy, |d| &d.description, |d, v| d.description = v);
    view! {
        <Bound
            label="Policy name"
            id="policy-name"
            value=name
            on_input=set_name
            error=problem("policy_name")
            maxlength=PolicyName::MAX_CHARS
            required=true
        />
        <Bound
            label="Policy description"
            id="policy-description"
            value=desc
            on_input=set_desc
            error=problem("policy_description")
            maxlength=PolicyDescription::MAX_CHARS
        />
    }
}
