//! Asking before something destructive: the modal confirmation dialog, and the browser's own
//! confirm box.

use leptos::prelude::*;

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
                <div
                    class="modal"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="confirm-title"
                    aria-describedby="confirm-message"
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            open.set(false)
                        }
                    }
                >
                    <h2 id="confirm-title">{move || title.get()}</h2>
                    <p id="confirm-message">{move || message.get()}</p>
                    <div class="actions">
                        <button
                            type="button"
                            class="danger"
                            on:click=move |_| {
                                open.set(false);
                                on_yes.run(());
                            }
                        >
                            "Yes"
                        </button>
                        <button
                            type="button"
                            class="secondary"
                            node_ref=no_ref
                            on:click=move |_| open.set(false)
                        >
                            "No"
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

/// What a confirmation dialog asks about: `ask` names the thing and opens the dialog; Yes
/// hands the thing to the action.
pub struct Confirm<T: Send + Sync + 'static> {
    pub open: RwSignal<bool>,
    pub about: RwSignal<Option<T>>,
}

impl<T: Send + Sync + 'static> Clone for Confirm<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Confirm<T> {}

impl<T: Clone + Send + Sync + 'static> Confirm<T> {
    pub fn new() -> Self {
        Self::about(RwSignal::new(None))
    }

    /// A dialog about what `about` holds (a selection the page also shows elsewhere).
    pub fn about(about: RwSignal<Option<T>>) -> Self {
        Self {
            open: RwSignal::new(false),
            about,
        }
    }

    pub fn ask(self, about: T) {
        self.about.set(Some(about));
        self.open.set(true);
    }

    /// The question, worded from the thing asked about.
    pub fn message(self, text: impl Fn(&T) -> String + Send + Sync + 'static) -> Signal<String> {
        Signal::derive(move || {
            self.about
                .with(|a| a.as_ref().map(&text).unwrap_or_default())
        })
    }

    /// What Yes does with the thing asked about.
    pub fn on_yes(self, act: impl Fn(T) + Send + Sync + 'static) -> Callback<()> {
        Callback::new(move |()| {
            if let Some(about) = self.about.get_untracked() {
                act(about);
            }
        })
    }
}

impl<T: Clone + Send + Sync + 'static> Default for Confirm<T> {
    fn default() -> Self {
        Self::new()
    }
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
