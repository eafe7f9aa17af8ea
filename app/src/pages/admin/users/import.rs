use super::*;

#[component]
pub fn ImportUsersPage() -> impl IntoView {
    let action = ServerAction::<ImportUsers>::new();
    let error = error_of(action.value());
    let csv_error = Signal::derive(move || error.get().and_then(|e| e.field("csv")));
    let text = RwSignal::new(String::new());
    let load_file = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    text.set(value.as_string().unwrap_or_default());
                }
            });
        }
    };
    view! {
        <Title text="Import users · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/directory/users">"Users"</a>
            </div>
            <div class="page-header">
                <h1>"Import users"</h1>
            </div>
            <section class="card">
                <p>"A CSV file with a header line naming these columns, in any order:"</p>
                <p>
                    <code>"email, display_name, type, manager_email, department, job_title"</code>
                </p>
                <p class="muted">
                    "type is member or guest. A manager must already exist or be in the same file. People whose email already exists are updated. The whole file is checked first: if any line has a problem, nothing is imported and every problem is listed by line."
                </p>
            </section>
            <FormAlert error=error fields=&["csv"] />
            {move || {
                action
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|outcome| match outcome {
                        ImportOutcome::Imported { created, updated } => {
                            view! {
                                <div class="alert alert-success" role="status">
                                    <p>
                                        {format!("Imported: {created} created, {updated} updated.")}
                                    </p>
                                    <a href="/admin/directory/users">"See the users"</a>
                                </div>
                            }
                                .into_any()
                        }
                        ImportOutcome::Rejected { lines } => {
                            view! {
                                <div class="alert alert-error" role="alert">
                                    <p>
                                        {format!(
                                            "Nothing was imported: {} line(s) have problems. Fix them and import again.",
                                            lines.len(),
                                        )}
                                    </p>
                                    <div class="table-wrap" tabindex="0">
                                        <table class="data">
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Line"</th>
                                                    <th scope="col">"Column"</th>
                                                    <th scope="col">"Problem"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {lines
                                                    .into_iter()
                                                    .flat_map(|l| {
                                                        l.errors
                                                            .into_iter()
                                                            .map(move |e| {
                                                                view! {
                                                                    <tr>
                                                                        <td class="num">{l.line}</td>
                                                                        <td>{e.field}</td>
                                                                        <td>{e.message}</td>
                                                                    </tr>
                                                                }
                                                            })
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                </div>
                            }
                                .into_any()
                        }
                    })
            }}
            <ActionForm action=action attr:class="form card">
                <div class="field">
                    <label for="csv-file">"CSV file"</label>
                    <input id="csv-file" type="file" accept=".csv,text/csv" on:change=load_file />
                    <p class="hint">
                        "Choosing a file fills in the content below; you can also paste it."
                    </p>
                </div>
                <div class="field">
                    <label for="csv-content">"CSV content"</label>
                    <textarea
                        id="csv-content"
                        class="mono"
                        name="csv"
                        rows="12"
                        required=true
                        aria-invalid=move || csv_error.get().map(|_| "true")
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    ></textarea>
                    <p class="field-error" hidden=move || csv_error.get().is_none()>
                        {move || csv_error.get()}
                    </p>
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || {
                            if action.pending().get() {
                                "Importing…"
                            } else {
                                "Validate and import"
                            }
                        }}
                    </button>
                </div>
            </ActionForm>
        </AdminOnly>
    }
}
