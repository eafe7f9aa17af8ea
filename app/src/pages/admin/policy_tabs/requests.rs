use super::*;

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
