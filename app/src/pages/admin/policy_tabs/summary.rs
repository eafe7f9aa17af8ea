use super::*;

/// The problems and warnings of a check, each linked to its tab.
#[component]
pub fn CheckResults(
    problems: RwSignal<Vec<FieldError>>,
    warnings: RwSignal<Vec<(WizardTab, String)>>,
    on_select: Callback<WizardTab>,
) -> impl IntoView {
    view! {
        <Show when=move || !problems.with(Vec::is_empty)>
            <div class="alert alert-error" role="alert">
                <p>
                    <strong>
                        {move || {
                            let n = problems.with(Vec::len);
                            format!(
                                "{n} {} to fix before saving:",
                                if n == 1 { "problem" } else { "problems" },
                            )
                        }}
                    </strong>
                </p>
                <ul>
                    {move || {
                        problems
                            .get()
                            .into_iter()
                            .map(|p| {
                                let tab = WizardTab::of_field(&p.field);
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="link-button"
                                            on:click=move |_| on_select.run(tab)
                                        >
                                            {tab.label()}
                                        </button>
                                        ": "
                                        {p.message}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
        </Show>
        <Show when=move || !warnings.with(Vec::is_empty)>
            <div class="alert alert-warn">
                <p>
                    <strong>"Check these choices:"</strong>
                </p>
                <ul>
                    {move || {
                        warnings
                            .get()
                            .into_iter()
                            .map(|(tab, text)| view! { <li>{tab.label()}": "{text}</li> })
                            .collect_view()
                    }}
                </ul>
            </div>
        </Show>
    }
}

/// Every setting in plain words, grouped by tab, each group with a link back to its tab.
#[component]
pub fn Summary(
    sections: Vec<(WizardTab, Vec<String>)>,
    on_select: Callback<WizardTab>,
) -> impl IntoView {
    sections
        .into_iter()
        .map(|(tab, lines)| {
            let edit = format!("Edit {}", tab.label());
            view! {
                <section class="summary-group" aria-label=tab.label()>
                    <div class="summary-head">
                        <h3>{tab.label()}</h3>
                        <button
                            type="button"
                            class="link-button"
                            aria-label=edit
                            on:click=move |_| on_select.run(tab)
                        >
                            "Edit"
                        </button>
                    </div>
                    <ul>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                </section>
            }
        })
        .collect_view()
}
