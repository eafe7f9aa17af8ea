//! Icons, drawn inline as SVG in the text's colour: they show the same on every machine (an
//! emoji needs a font the machine may not have) and add no request. Each is decorative
//! (`aria-hidden`): the control that holds it carries the words.

use leptos::prelude::*;

/// A bell, for notifications.
#[component]
pub fn BellIcon() -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            width="18"
            height="18"
            aria-hidden="true"
            focusable="false"
        >
            <path
                d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6Z"
                fill="none"
                stroke="currentColor"
                stroke-width="1.8"
                stroke-linejoin="round"
            />
            <path
                d="M9.5 19.5a2.5 2.5 0 0 0 5 0"
                fill="none"
                stroke="currentColor"
                stroke-width="1.8"
                stroke-linecap="round"
            />
        </svg>
    }
}

/// Two overlapping sheets, for "copy".
#[component]
pub fn CopyIcon() -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            width="16"
            height="16"
            aria-hidden="true"
            focusable="false"
        >
            <rect
                x="8"
                y="8"
                width="12"
                height="12"
                rx="2"
                fill="none"
                stroke="currentColor"
                stroke-width="1.8"
            />
            <path
                d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2"
                fill="none"
                stroke="currentColor"
                stroke-width="1.8"
            />
        </svg>
    }
}
