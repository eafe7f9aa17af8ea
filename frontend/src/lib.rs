//! The browser entry point: hydrate the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Server-function redirects (sign-in, sign-out, "create → open it") load the new page in
    // full, so everything on it — header included — reflects the new state.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().set_href(location);
    });
    // Hydrated asynchronously: an admin page's code is a lazily loaded wasm chunk (the
    // console, `app::pages::admin::console`), which hydration waits for.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        mark_hydrated();
    });
}

/// Records when the page became interactive (milliseconds since navigation began), for the
/// benchmark's time to interactive and for tests that wait for hydration.
fn mark_hydrated() {
    if let Some(window) = web_sys::window() {
        let at = window.performance().map_or(0.0, |p| p.now());
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-hydrated", &format!("{at:.0}"));
        }
    }
}
