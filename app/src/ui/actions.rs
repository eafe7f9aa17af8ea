//! What became of an action's last run: its error, each field's message, success.
//!
//! Every action (`Action` and `ServerAction` alike) keeps its last result in
//! `action.value()`; these read it.

use crate::error::AppError;
use leptos::prelude::*;

/// The action's last result, as `action.value()` gives it.
pub type Outcome<T> = MappedSignal<Option<Result<T, AppError>>>;

/// The error of the last run, if it failed.
pub fn error_of<T>(outcome: Outcome<T>) -> Signal<Option<AppError>>
where
    T: Send + Sync + 'static,
{
    Signal::derive(move || outcome.with(|r| r.as_ref().and_then(|r| r.as_ref().err().cloned())))
}

/// Whether the last run succeeded.
pub fn succeeded<T>(outcome: Outcome<T>) -> Signal<bool>
where
    T: Send + Sync + 'static,
{
    Signal::derive(move || outcome.with(|r| matches!(r, Some(Ok(_)))))
}

/// The message of one form field, by the field's name, from the form's error.
pub fn field_errors(
    error: Signal<Option<AppError>>,
) -> impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static {
    move |name| Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.field(name))))
}

/// How many times the actions have succeeded on this page: a number to reload a resource by
/// after a success only (a refused run keeps the page as it is, with its message).
pub fn successes(done: &[Signal<bool>]) -> Memo<u32> {
    let done = done.to_vec();
    Memo::new(move |count: Option<&u32>| {
        let count = count.copied().unwrap_or(0);
        // Read every one, so each stays tracked.
        let mut any = false;
        for d in &done {
            any |= d.get();
        }
        if any { count + 1 } else { count }
    })
}
