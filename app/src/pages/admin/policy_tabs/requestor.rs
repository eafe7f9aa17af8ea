use super::*;

#[component]
pub fn RequestorTab(policy: RwSignal<PolicyDraft>) -> impl IntoView {
    let keys =
        Memo::new(move |_| policy.with(|d| d.questions.iter().map(|q| q.key).collect::<Vec<_>>()));
    let add = move |_| {
        policy.update(|d| {
            let key = d.questions.iter().map(|q| q.key + 1).max().unwrap_or(0);
            d.questions.push(QuestionDraft {
                key,
                text: String::new(),
                format: AnswerFormat::ShortText,
                choices: String::new(),
                required: true,
                pattern: String::new(),
            });
        })
    };
    view! {
        <p>
            "Ask requestors for information the approvers need. Questions are shown on the request form."
        </p>
        <p class="field-error" hidden=move || problem("questions").get().is_none()>
            {move || problem("questions").get()}
        </p>
        <Show when=move || keys.get().is_empty()>
            <div class="empty-state">
                <p>
                    "No questions: requestors only give their business justification. Add a question if approvers need more."
                </p>
            </div>
        </Show>
        <For each=move || keys.get() key=|k| *k let:key>
            <QuestionEditor policy key />
        </For>
        <button
            type="button"
            class="secondary"
            on:click=add
            disabled=move || { keys.get().len() >= limits::MAX_QUESTIONS }
        >
            "Add question"
        </button>
    }
}

#[component]
fn QuestionEditor(policy: RwSignal<PolicyDraft>, key: u32) -> impl IntoView {
    let index = move || policy.with(|d| d.questions.iter().position(|q| q.key == key));
    let get = move |f: fn(&QuestionDraft) -> String| {
        Signal::derive(move || {
            policy.with(|d| {
                d.questions
                    .iter()
                    .find(|q| q.key == key)
                    .map(f)
                    .unwrap_or_default()
            })
        })
    };
    let set = move |f: fn(&mut QuestionDraft, String)| {
        Callback::new(move |v: String| {
            policy.update(|d| {
                if let Some(q) = d.questions.iter_mut().find(|q| q.key == key) {
                    f(q, v)
                }
            })
        })
    };
    let err = move |name: &'static str| {
        let problems = use_context::<EditorProblems>().map(|p| p.0);
        Signal::derive(move || {
            let field = format!("questions.{}.{name}", index()?);
            problems.and_then(|p| {
                p.with(|l| {
                    l.iter()
                        .find(|e| e.field == field)
                        .map(|e| e.message.clone())
                })
            })
        })
    };
    let format = Memo::new(move |_| {
        policy.with(|d| {
            d.questions
                .iter()
                .find(|q| q.key == key)
                .map(|q| q.format)
                .unwrap_or(AnswerFormat::ShortText)
        })
    });
    let required = Signal::derive(move || {
        policy.with(|d| {
            d.questions
                .iter()
                .find(|q| q.key == key)
                .is_some_and(|q| q.required)
        })
    });
    let move_by = move |delta: isize| {
        policy.update(|d| {
            if let Some(i) = d.questions.iter().position(|q| q.key == key) {
                let j = i as isize + delta;
                if j >= 0 && (j as usize) < d.questions.len() {
                    d.questions.swap(i, j as usize);
                }
            }
        })
    };
    let id = move |name: &str| format!("q{key}-{name}");
    let number = move || index().map(|i| i + 1).unwrap_or(0);
    view! {
        <fieldset class="question">
            <legend>{move || format!("Question {}", number())}</legend>
            <Bound
                label="Question"
                id=id("text")
                value=get(|q| q.text.clone())
                on_input=set(|q, v| q.text = v)
                error=err("text")
                maxlength=limits::MAX_QUESTION_CHARS
            />
            <Select
                label="Answer format"
                id=id("format")
                options=options(AnswerFormat::ALL, AnswerFormat::code, AnswerFormat::label)
                selected=Signal::derive(move || format.get().code().to_owned())
                on_change=set(|q, v| q.format = AnswerFormat::parse(&v).unwrap_or(q.format))
            />
            <Show
                when=move || format.get() == AnswerFormat::MultipleChoice
                fallback=move || {
                    view! {
                        <Bound
                            label="Regular expression (optional)"
                            id=id("pattern")
                            value=get(|q| q.pattern.clone())
                            on_input=set(|q, v| q.pattern = v)
                            error=err("pattern")
                            maxlength=limits::MAX_PATTERN_CHARS
                            hint="When set, text answers must match it, for example ^[0-9]{4}$ for a four-digit cost center."
                        />
                    }
                }
            >
                <BoundArea
                    label="Choices (one per line)"
                    id=id("choices")
                    value=get(|q| q.choices.clone())
                    on_input=set(|q, v| q.choices = v)
                    error=err("choices")
                />
            </Show>
            <YesNo
                legend="Required"
                name=id("required")
                value=required
                on_change=Callback::new(move |v: bool| {
                    policy
                        .update(|d| {
                            if let Some(q) = d.questions.iter_mut().find(|q| q.key == key) {
                                q.required = v;
                            }
                        })
                })
            />
            <div class="actions">
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| move_by(-1)
                    disabled=move || { number() <= 1 }
                >
                    "Move up"
                </button>
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| move_by(1)
                    disabled=move || { number() >= policy.with(|d| d.questions.len()) }
                >
                    "Move down"
                </button>
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| policy.update(|d| d.questions.retain(|q| q.key != key))
                >
                    {move || format!("Remove question {}", number())}
                </button>
            </div>
        </fieldset>
    }
}
