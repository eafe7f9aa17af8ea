//! The policy's tabs (Requests, Requestor information, Lifecycle), shared by the creation
//! wizard and the policy editor. Each edits one `RwSignal<PolicyDraft>`; conditional parts
//! hang off memos so typing never rebuilds (and never steals focus from) the inputs.

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

#[component]
pub fn RequestsTab(policy: RwSignal<PolicyDraft>) -> impl IntoView {
    let scope = Memo::new(move |_| policy.with(|d| d.scope));
    let asks = Memo::new(move |_| scope.get() != TargetScope::NotSpecified);
    let approval = Memo::new(move |_| policy.with(|d| d.require_approval));
    let stage_count = Memo::new(move |_| policy.with(|d| d.stages.len()));
    let (specific, set_specific) = people(policy, |d| &d.specific, |d, v| d.specific = v);
    let (require_approval, set_require_approval) = flag(
        policy,
        |d| d.require_approval,
        |d, v| d.require_approval = v,
    );
    let (justification, set_justification) = flag(
        policy,
        |d| d.require_requestor_justification,
        |d, v| d.require_requestor_justification = v,
    );
    let (enabled, set_enabled) = flag(policy, |d| d.enabled, |d, v| d.enabled = v);
    let who = vec![
        (
            "directory".to_owned(),
            "For users in your directory".to_owned(),
        ),
        (
            "none".to_owned(),
            TargetScope::NotSpecified.label().to_owned(),
        ),
    ];
    let directory_scopes = options(
        &[
            TargetScope::SpecificDirectoryUsers,
            TargetScope::AllMemberUsers,
            TargetScope::AllDirectoryUsers,
        ],
        TargetScope::code,
        TargetScope::label,
    );
    view! {
        <Radios
            legend="Users who can request access"
            name="who"
            options=who
            selected=Signal::derive(move || {
                if asks.get() { "directory".to_owned() } else { "none".to_owned() }
            })
            on_change=Callback::new(move |v: String| {
                policy
                    .update(|d| {
                        d.scope = if v == "none" {
                            TargetScope::NotSpecified
                        } else if d.scope == TargetScope::NotSpecified {
                            TargetScope::SpecificDirectoryUsers
                        } else {
                            d.scope
                        };
                    })
            })
        />
        <Show when=move || asks.get()>
            <div class="indent">
                <Radios
                    legend="Which users in your directory can request"
                    name="scope"
                    options=directory_scopes.clone()
                    selected=Signal::derive(move || scope.get().code().to_owned())
                    on_change=Callback::new(move |v: String| {
                        if let Ok(s) = TargetScope::parse(&v) {
                            policy.update(|d| d.scope = s);
                        }
                    })
                    error=problem("scope")
                />
                <Show when=move || scope.get() == TargetScope::SpecificDirectoryUsers>
                    <PrincipalPicker
                        label="Users and groups who can request"
                        id="specific"
                        users=true
                        groups=true
                        selected=specific
                        on_change=set_specific
                        error=problem("specific")
                        hint="Members of a chosen group can request while they are members."
                    />
                </Show>
            </div>
        </Show>
        <Show
            when=move || asks.get()
            fallback=|| {
                view! {
                    <p class="muted">
                        "Only administrators assign this access package directly; nobody requests it."
                    </p>
                }
            }
        >
            <h3>"Approval"</h3>
            <YesNo
                legend="Require approval"
                name="require-approval"
                value=require_approval
                on_change=set_require_approval
            />
            <YesNo
                legend="Require requestor justification"
                name="requestor-justification"
                value=justification
                on_change=set_justification
            />
            <Show when=move || approval.get()>
                <Select
                    label="How many stages"
                    id="stages"
                    options=(1..=limits::MAX_STAGES)
                        .map(|n| (n.to_string(), n.to_string()))
                        .collect()
                    selected=Signal::derive(move || stage_count.get().to_string())
                    on_change=Callback::new(move |v: String| {
                        let n = v.parse().unwrap_or(1);
                        policy.update(|d| d.set_stage_count(n));
                    })
                    error=problem("stages")
                />
                {move || {
                    (0..stage_count.get())
                        .map(|i| view! { <StageEditor policy i /> })
                        .collect_view()
                }}
            </Show>
        </Show>
        <h3>"Enable"</h3>
        <YesNo
            legend="Enable new requests and assignments"
            name="enabled"
            value=enabled
            on_change=set_enabled
            hint="No: nobody can request or be assigned this access package under this policy until you turn it on."
        />
    }
}

#[component]
fn StageEditor(policy: RwSignal<PolicyDraft>, i: usize) -> impl IntoView {
    let stage = move |f: fn(&StageDraft) -> String| {
        Signal::derive(move || policy.with(|d| d.stages.get(i).map(f).unwrap_or_default()))
    };
    let set = move |f: fn(&mut StageDraft, String)| {
        Callback::new(move |v: String| {
            policy.update(|d| {
                if let Some(s) = d.stages.get_mut(i) {
                    f(s, v)
                }
            })
        })
    };
    let list = move |f: fn(&StageDraft) -> Vec<Principal>| {
        Signal::derive(move || policy.with(|d| d.stages.get(i).map(f).unwrap_or_default()))
    };
    let set_list = move |f: fn(&mut StageDraft, Vec<Principal>)| {
        Callback::new(move |v: Vec<Principal>| {
            policy.update(|d| {
                if let Some(s) = d.stages.get_mut(i) {
                    f(s, v)
                }
            })
        })
    };
    let flag = move |f: fn(&StageDraft) -> bool| {
        Signal::derive(move || policy.with(|d| d.stages.get(i).map(f).unwrap_or(false)))
    };
    let set_flag = move |f: fn(&mut StageDraft, bool)| {
        Callback::new(move |v: bool| {
            policy.update(|d| {
                if let Some(s) = d.stages.get_mut(i) {
                    f(s, v)
                }
            })
        })
    };
    let manager =
        Memo::new(move |_| policy.with(|d| d.stages.get(i).is_some_and(|s| s.manager_as_approver)));
    let forward = Memo::new(move |_| policy.with(|d| d.stages.get(i).is_some_and(|s| s.forward)));
    let f = move |name: &str| format!("stages.{i}.{name}");
    let id = move |name: &str| format!("stage{i}-{name}");
    let approver_choice = (i == 0).then(|| {
        view! {
            <Radios
                legend="Approver"
                name=id("approver-kind")
                options=vec![
                    ("manager".to_owned(), "Manager as approver".to_owned()),
                    ("specific".to_owned(), "Choose specific approvers".to_owned()),
                ]
                selected=Signal::derive(move || {
                    if manager.get() { "manager".to_owned() } else { "specific".to_owned() }
                })
                on_change=Callback::new(move |v: String| {
                    policy
                        .update(|d| {
                            if let Some(s) = d.stages.get_mut(i) {
                                s.manager_as_approver = v == "manager";
                            }
                        })
                })
            />
        }
    });
    let advanced_open = forward.get_untracked();
    view! {
        <fieldset class="stage">
            <legend>{format!("Stage {}", i + 1)}</legend>
            {approver_choice}
            <Show when=move || !manager.get()>
                <PrincipalPicker
                    label="Specific approvers"
                    id=id("approvers")
                    users=true
                    groups=true
                    selected=list(|s| s.approvers.clone())
                    on_change=set_list(|s, v| s.approvers = v)
                    error=problem(f("approvers"))
                    hint="Any one of them decides; members of a chosen group can decide."
                />
            </Show>
            <PrincipalPicker
                label="Fallback approvers"
                id=id("fallback")
                users=true
                groups=true
                selected=list(|s| s.fallback.clone())
                on_change=set_list(|s, v| s.fallback = v)
                error=problem(f("fallback"))
                hint=if i == 0 {
                    "Decide when the requestor has no manager, or when no approver can be found."
                } else {
                    "Decide when no approver can be found."
                }
            />
            <Bound
                label="Decision must be made in how many days?"
                id=id("days")
                input_type="number"
                min=limits::MIN_PERIOD
                max=limits::MAX_DECISION_DAYS
                value=stage(|s| s.decision_days.clone())
                on_input=set(|s, v| s.decision_days = v)
                error=problem(f("decision_days"))
                hint=format!(
                    "{} to {} days. A request nobody decides in time expires.",
                    limits::MIN_PERIOD,
                    limits::MAX_DECISION_DAYS,
                )
                suffix="days"
            />
            <YesNo
                legend="Require approver justification"
                name=id("justification")
                value=flag(|s| s.require_justification)
                on_change=set_flag(|s, v| s.require_justification = v)
            />
            <details class="advanced" open=advanced_open>
                <summary>"Advanced request settings"</summary>
                <YesNo
                    legend="If no action taken, forward to alternate approvers?"
                    name=id("forward")
                    value=flag(|s| s.forward)
                    on_change=set_flag(|s, v| s.forward = v)
                />
                <Show when=move || forward.get()>
                    <PrincipalPicker
                        label="Alternate approvers"
                        id=id("alternates")
                        users=true
                        groups=true
                        selected=list(|s| s.alternates.clone())
                        on_change=set_list(|s, v| s.alternates = v)
                        error=problem(f("alternates"))
                    />
                    <Bound
                        label="Forward to alternate approver(s) after how many days"
                        id=id("forward-days")
                        input_type="number"
                        min=limits::MIN_PERIOD
                        max=limits::MAX_DECISION_DAYS
                        value=stage(|s| s.forward_after_days.clone())
                        on_input=set(|s, v| s.forward_after_days = v)
                        error=problem(f("forward_after_days"))
                        hint="Needs a decision window of at least 4 days; at least half of it, and before its last day."
                        suffix="days"
                    />
                </Show>
            </details>
        </fieldset>
    }
}

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

#[component]
pub fn LifecycleTab(policy: RwSignal<PolicyDraft>) -> impl IntoView {
    let kind = Memo::new(move |_| policy.with(|d| d.expiry_kind));
    let (days, set_days) = text(policy, |d| &d.expiry_days, |d, v| d.expiry_days = v);
    let (hours, set_hours) = text(policy, |d| &d.expiry_hours, |d, v| d.expiry_hours = v);
    let (date, set_date) = text(policy, |d| &d.expiry_date, |d, v| d.expiry_date = v);
    let (timeline, set_timeline) =
        flag(policy, |d| d.custom_timeline, |d, v| d.custom_timeline = v);
    let (extend, set_extend) = flag(policy, |d| d.allow_extension, |d, v| d.allow_extension = v);
    let (extend_approval, set_extend_approval) = flag(
        policy,
        |d| d.extension_requires_approval,
        |d, v| d.extension_requires_approval = v,
    );
    let allow_extension = Memo::new(move |_| policy.with(|d| d.allow_extension));
    let review = Memo::new(move |_| policy.with(|d| d.review.required));
    let reviewers = Memo::new(move |_| policy.with(|d| d.review.reviewers));
    let (review_required, set_review_required) =
        flag(policy, |d| d.review.required, |d, v| d.review.required = v);
    let (start, set_start) = text(
        policy,
        |d| &d.review.starting_on,
        |d, v| d.review.starting_on = v,
    );
    let (duration, set_duration) = text(
        policy,
        |d| &d.review.duration_days,
        |d, v| d.review.duration_days = v,
    );
    let (specific, set_specific) =
        people(policy, |d| &d.review.specific, |d, v| d.review.specific = v);
    let (fallback, set_fallback) =
        people(policy, |d| &d.review.fallback, |d, v| d.review.fallback = v);
    let (helpers, set_helpers) = flag(
        policy,
        |d| d.review.decision_helpers,
        |d, v| d.review.decision_helpers = v,
    );
    let (review_just, set_review_just) = flag(
        policy,
        |d| d.review.require_justification,
        |d, v| d.review.require_justification = v,
    );
    view! {
        <h3>"Expiration"</h3>
        <Radios
            legend="Access package assignments expire"
            name="expiry"
            options=options(ExpiryKind::ALL, ExpiryKind::code, ExpiryKind::label)
            selected=Signal::derive(move || kind.get().code().to_owned())
            on_change=Callback::new(move |v: String| {
                if let Ok(k) = ExpiryKind::parse(&v) {
                    policy.update(|d| d.expiry_kind = k);
                }
            })
        />
        {move || match kind.get() {
            ExpiryKind::Days => {
                view! {
                    <Bound
                        label="Assignments expire after"
                        id="expiry-after-days"
                        input_type="number"
                        min=limits::MIN_PERIOD
                        max=limits::MAX_EXPIRY_DAYS
                        value=days
                        on_input=set_days
                        error=problem("expiry_days")
                        suffix="days"
                        hint=format!(
                            "{} to {} days after access is granted.",
                            limits::MIN_PERIOD,
                            limits::MAX_EXPIRY_DAYS,
                        )
                    />
                }
                    .into_any()
            }
            ExpiryKind::Hours => {
                view! {
                    <Bound
                        label="Assignments expire after"
                        id="expiry-after-hours"
                        input_type="number"
                        min=limits::MIN_PERIOD
                        max=limits::MAX_EXPIRY_HOURS
                        value=hours
                        on_input=set_hours
                        error=problem("expiry_hours")
                        suffix="hours"
                    />
                }
                    .into_any()
            }
            ExpiryKind::OnDate => {
                view! {
                    <Bound
                        label="Assignments expire on"
                        id="expiry-on-date"
                        input_type="date"
                        value=date
                        on_input=set_date
                        error=problem("expiry_date")
                        hint="Every assignment ends on this date (UTC)."
                    />
                }
                    .into_any()
            }
            ExpiryKind::Never => {
                view! { <p class="muted">"Access lasts until someone removes it."</p> }.into_any()
            }
        }}
        <YesNo
            legend="Users can request specific timeline"
            name="timeline"
            value=timeline
            on_change=set_timeline
            hint="Requestors may ask for a start and end date within the expiration above."
        />
        <YesNo
            legend="Allow users to extend access"
            name="extension"
            value=extend
            on_change=set_extend
            error=problem("extension")
            hint="People are reminded 14 days and 1 day before their access ends."
        />
        <Show when=move || allow_extension.get()>
            <YesNo
                legend="Require approval to grant extension"
                name="extension-approval"
                value=extend_approval
                on_change=set_extend_approval
            />
        </Show>
        <h3>"Access reviews"</h3>
        <YesNo
            legend="Require access reviews"
            name="review"
            value=review_required
            on_change=set_review_required
        />
        <Show when=move || review.get()>
            <div class="indent">
                <Bound
                    label="Starting on"
                    id="review-start"
                    input_type="date"
                    value=start
                    on_input=set_start
                    error=problem("review_starting_on")
                    hint="The first review starts on this date; it can't be changed later."
                />
                <Select
                    label="Review frequency"
                    id="review-frequency"
                    options=options(
                        ReviewFrequency::ALL,
                        ReviewFrequency::code,
                        ReviewFrequency::label,
                    )
                    selected=Signal::derive(move || {
                        policy.with(|d| d.review.frequency.code().to_owned())
                    })
                    on_change=Callback::new(move |v: String| {
                        if let Ok(f) = ReviewFrequency::parse(&v) {
                            policy.update(|d| d.review.frequency = f);
                        }
                    })
                />
                <Bound
                    label="Duration (in days)"
                    id="review-duration"
                    input_type="number"
                    min=limits::MIN_PERIOD
                    value=duration
                    on_input=set_duration
                    error=problem("review_duration")
                    hint="How long each review stays open; it must end before the next one starts."
                />
                <Radios
                    legend="Reviewers"
                    name="reviewers"
                    options=options(ReviewerKind::ALL, ReviewerKind::code, ReviewerKind::label)
                    selected=Signal::derive(move || reviewers.get().code().to_owned())
                    on_change=Callback::new(move |v: String| {
                        if let Ok(r) = ReviewerKind::parse(&v) {
                            policy.update(|d| d.review.reviewers = r);
                        }
                    })
                />
                {move || match reviewers.get() {
                    ReviewerKind::Specific => {
                        view! {
                            <PrincipalPicker
                                label="Choose reviewers"
                                id="review-specific"
                                users=true
                                groups=true
                                selected=specific
                                on_change=set_specific
                                error=problem("review_specific")
                            />
                        }
                            .into_any()
                    }
                    ReviewerKind::Manager => {
                        view! {
                            <PrincipalPicker
                                label="Fallback reviewers"
                                id="review-fallback"
                                users=true
                                groups=true
                                selected=fallback
                                on_change=set_fallback
                                error=problem("review_fallback")
                                hint="Review people who have no manager."
                            />
                        }
                            .into_any()
                    }
                    ReviewerKind::SelfReview => {
                        view! { <p class="muted">"Each person reviews their own access."</p> }
                            .into_any()
                    }
                }}
                <Select
                    label="If reviewers don't respond"
                    id="review-no-response"
                    options=options(NoResponse::ALL, NoResponse::code, NoResponse::label)
                    selected=Signal::derive(move || {
                        policy.with(|d| d.review.if_no_response.code().to_owned())
                    })
                    on_change=Callback::new(move |v: String| {
                        if let Ok(r) = NoResponse::parse(&v) {
                            policy.update(|d| d.review.if_no_response = r);
                        }
                    })
                />
                <YesNo
                    legend="Show reviewer decision helpers"
                    name="review-helpers"
                    value=helpers
                    on_change=set_helpers
                    hint="Recommend approving people who signed in within the last 30 days."
                />
                <YesNo
                    legend="Require reviewer justification"
                    name="review-justification"
                    value=review_just
                    on_change=set_review_just
                />
            </div>
        </Show>
    }
}

/// Tab strip for an editor: ARIA tabs with arrow-key movement and an error mark per tab.
#[component]
pub fn TabStrip(
    #[prop(into)] label: String,
    tabs: Vec<WizardTab>,
    current: RwSignal<WizardTab>,
    on_select: Callback<WizardTab>,
    /// The last tab's name (the wizard's "Review + Create", the policy editor's "Review + Save").
    #[prop(into)]
    last_label: String,
) -> impl IntoView {
    let problems = use_context::<EditorProblems>().map(|p| p.0);
    let tabs_for_keys = tabs.clone();
    let last = tabs.last().copied();
    view! {
        <div
            role="tablist"
            aria-label=label
            class="tabs"
            on:keydown=move |ev| {
                let pos = tabs_for_keys
                    .iter()
                    .position(|t| *t == current.get_untracked())
                    .unwrap_or(0);
                let n = tabs_for_keys.len();
                let next = match ev.key().as_str() {
                    "ArrowRight" => Some((pos + 1) % n),
                    "ArrowLeft" => Some((pos + n - 1) % n),
                    "Home" => Some(0),
                    "End" => Some(n - 1),
                    _ => None,
                };
                if let Some(i) = next {
                    ev.prevent_default();
                    on_select.run(tabs_for_keys[i]);
                    #[cfg(feature = "hydrate")]
                    if let Some(el) = document()
                        .get_element_by_id(&format!("tab-{}", tabs_for_keys[i].code()))
                    {
                        use wasm_bindgen::JsCast;
                        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                            let _ = el.focus();
                        }
                    }
                }
            }
        >
            {tabs
                .into_iter()
                .map(|t| {
                    let name = if Some(t) == last {
                        last_label.clone()
                    } else {
                        t.label().to_owned()
                    };
                    let has_error = move || {
                        problems
                            .is_some_and(|p| {
                                p.with(|l| l.iter().any(|e| WizardTab::of_field(&e.field) == t))
                            })
                    };
                    view! {
                        <button
                            type="button"
                            role="tab"
                            id=format!("tab-{}", t.code())
                            aria-selected=move || if current.get() == t { "true" } else { "false" }
                            aria-controls="editor-panel"
                            tabindex=move || if current.get() == t { "0" } else { "-1" }
                            class:has-error=has_error
                            on:click=move |_| on_select.run(t)
                        >
                            {name}
                            <Show when=has_error>
                                <span class="tab-error">" (needs attention)"</span>
                            </Show>
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

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
