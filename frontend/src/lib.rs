//! The browser entry point: hydrate the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Server-function redirects (sign-in, sign-out, "create → open it") load the new page in
    // full, so everything on it — header included — reflects the new state.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().set_href(location);
    });
    leptos::mount::hydrate_body(app::App);
    // When the page became interactive (milliseconds since navigation began), for the
    // benchmark's time to interactive and for tests that wait for hydration.
    if let Some(window) = web_sys::window() {
        let at = window.performance().map_or(0.0, |p| p.now());
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-hydrated", &format!("{at:.0}"));
        }
    }
}
