use super::*;

/// `/myaccess/access-packages/{id}`: the link admins share.
#[component]
pub fn PortalPackagePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let package = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query.read().get("resubmit").unwrap_or_default(),
            )
        },
        |(id, resubmit)| async move {
            let package = load_portal_package(id).await?;
            let prefill = if resubmit.is_empty() {
                None
            } else {
                Some(load_resubmission(resubmit).await?).filter(|r| r.package_id == package.id)
            };
            Ok::<_, AppError>((package, prefill))
        },
    );
    view! {
        <Title text="Access package · Tessera" />
        <div class="breadcrumbs">
            <a href="/myaccess">"My Access"</a>
        </div>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match package.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok((p, prefill)) => view! { <PortalView package=p prefill /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PortalView(package: PortalPackage, prefill: Option<Resubmission>) -> impl IntoView {
    let p = package;
    let form = (!p.requestable.is_empty() && p.reason.is_none()).then(|| {
        view! { <RequestForm package=p.id policies=p.requestable.clone() prefill /> }
    });
    view! {
        <div class="page-header">
            <h1>{p.name.clone()}</h1>
        </div>
        <p class="lead">{p.description.clone()}</p>
        <section class="panel">
            <h2>"What you get"</h2>
            {if p.resources.is_empty() {
                view! { <p class="muted">"This access package grants nothing yet."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {p
                            .resources
                            .iter()
                            .map(|r| {
                                view! {
                                    <li>
                                        {format!(
                                            "{} of the group {}",
                                            r.role.label(),
                                            r.group_name,
                                        )}
                                        {r
                                            .licenses
                                            .iter()
                                            .map(|l| {
                                                let warn = (l.available <= 0)
                                                    .then_some(
                                                        " — no seats left: you would get the group, and your license would wait for a free seat",
                                                    );
                                                view! {
                                                    <br />
                                                    <span class="muted">
                                                        {format!(
                                                            "{} of {} {} seats available",
                                                            l.available.max(0),
                                                            l.seats,
                                                            l.license,
                                                        )}{warn}
                                                    </span>
                                                }
                                            })
                                            .collect_view()}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <section class="panel">
            <h2>"Can I request it?"</h2>
            {match p.reason.clone() {
                None => {
                    view! {
                        <p>
                            <span class="badge badge-ok">
                                "You can request this access package"
                            </span>
                        </p>
                        <p class="muted">{format!("Policy: {}", p.policies.join(", "))}</p>
                    }
                        .into_any()
                }
                Some(reason) => {
                    view! {
                        <p>
                            <span class="badge badge-muted">
                                {if p.assigned {
                                    "Already assigned"
                                } else if p.pending_request.is_some() {
                                    "Request pending"
                                } else {
                                    "Not available to you"
                                }}
                            </span>
                        </p>
                        <p>{reason}</p>
                        {(p.assigned || p.pending_request.is_some())
                            .then(|| {
                                view! {
                                    <p>
                                        <a href="/myaccess/requests">"See your request history"</a>
                                    </p>
                                }
                            })}
                    }
                        .into_any()
                }
            }}
        </section>
        {form}
    }
}

#[component]
fn RequestForm(
    package: AccessPackageId,
    policies: Vec<RequestablePolicy>,
    prefill: Option<Resubmission>,
) -> impl IntoView {
    let questions_of = {
        let policies = policies.clone();
        move |id: &str| {
            policies
                .iter()
                .find(|p| p.id.to_string() == id)
                .map_or(0, |p| p.questions.len())
        }
    };
    let first = match &prefill {
        Some(r) => r
            .policy_id
            .map(|p| p.to_string())
            .filter(|p| policies.iter().any(|x| x.id.to_string() == *p)),
        None => None,
    }
    .unwrap_or_else(|| {
        if policies.len() == 1 {
            policies[0].id.to_string()
        } else {
            String::new()
        }
    });
    let chosen = RwSignal::new(first.clone());
    let mut initial_answers = vec![String::new(); questions_of(&first)];
    if let Some(r) = prefill
        .as_ref()
        .filter(|r| r.policy_id.map(|p| p.to_string()) == Some(first.clone()))
    {
        for (slot, a) in initial_answers.iter_mut().zip(&r.answers) {
            slot.clone_from(a);
        }
    }
    let justification = RwSignal::new(
        prefill
            .as_ref()
            .map(|r| r.justification.clone())
            .unwrap_or_default(),
    );
    let answers = RwSignal::new(initial_answers);
    let period = prefill.as_ref().and_then(|r| r.period);
    let specific = RwSignal::new(period.is_some());
    let start = RwSignal::new(period.map(|p| date(p.0)).unwrap_or_default());
    let end = RwSignal::new(period.map(|p| date(p.1)).unwrap_or_default());
    let submit = Action::new(move |input: &RequestInput| submit_request(input.clone()));
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    let field =
        move |name: String| Signal::derive(move || error.get().and_then(|e| e.field(&name)));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = submit.value().get() {
            navigate("/myaccess/requests?submitted=1", Default::default());
        }
    });
    let policies = StoredValue::new(policies);
    let current = move || {
        policies.with_value(|ps| {
            ps.iter()
                .find(|p| p.id.to_string() == chosen.get())
                .cloned()
        })
    };
    let options: Vec<(String, String)> = policies.with_value(|ps| {
        ps.iter()
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect()
    });
    let several = options.len() > 1;
    let choose = Callback::new(move |v: String| {
        answers.set(vec![String::new(); questions_of(&v)]);
        chosen.set(v);
    });
    view! {
        <section class="panel">
            <h2>{if prefill.is_some() { "Resubmit request" } else { "Request access" }}</h2>
            {prefill
                .is_some()
                .then(|| {
                    view! {
                        <p class="muted">
                            "Your earlier answers are filled in; change what you need and submit again."
                        </p>
                    }
                })}
            <FormAlert
                error=error
                fields=&["policy", "justification", "specific_period", "start", "end"]
            />
            {several
                .then(|| {
                    view! {
                        <Radios
                            legend="Policy"
                            name="policy"
                            options=options.clone()
                            selected=chosen
                            on_change=choose
                            error=field("policy".into())
                            hint="Several policies apply to you; choose the one that fits."
                        />
                    }
                })}
            {move || {
                current()
                    .map(|p| {
                        let questions = p.questions.clone();
                        view! {
                            {(!p.description.is_empty())
                                .then(|| view! { <p class="muted">{p.description.clone()}</p> })}
                            {questions
                                .into_iter()
                                .enumerate()
                                .map(|(i, q)| {
                                    let label = if q.required {
                                        q.text.clone()
                                    } else {
                                        format!("{} (optional)", q.text)
                                    };
                                    let value = Signal::derive(move || {
                                        answers.with(|a| a.get(i).cloned().unwrap_or_default())
                                    });
                                    let set = Callback::new(move |v: String| {
                                        answers
                                            .update(|a| {
                                                if let Some(x) = a.get_mut(i) {
                                                    *x = v;
                                                }
                                            })
                                    });
                                    let err = field(format!("answers.{i}"));
                                    match q.format {
                                        AnswerFormat::MultipleChoice => {
                                            let mut opts = vec![
                                                (String::new(), "Choose…".to_owned()),
                                            ];
                                            opts.extend(
                                                q.choices.iter().map(|c| (c.clone(), c.clone())),
                                            );
                                            view! {
                                                <Select
                                                    label
                                                    id=format!("answer-{i}")
                                                    options=opts
                                                    selected=value
                                                    on_change=set
                                                    error=err
                                                />
                                            }
                                                .into_any()
                                        }
                                        AnswerFormat::LongText => {
                                            view! {
                                                <BoundArea
                                                    label
                                                    id=format!("answer-{i}")
                                                    value
                                                    on_input=set
                                                    error=err
                                                    maxlength=domain::rules::requests::MAX_ANSWER_CHARS
                                                />
                                            }
                                                .into_any()
                                        }
                                        AnswerFormat::ShortText => {
                                            view! {
                                                <Bound
                                                    label
                                                    id=format!("answer-{i}")
                                                    value
                                                    on_input=set
                                                    error=err
                                                    maxlength=domain::rules::requests::MAX_ANSWER_CHARS
                                                />
                                            }
                                                .into_any()
                                        }
                                    }
                                })
                                .collect_view()}
                            <BoundArea
                                label=if p.requestor_justification {
                                    "Business justification"
                                } else {
                                    "Business justification (optional)"
                                }
                                id="justification"
                                value=justification
                                on_input=Callback::new(move |v| justification.set(v))
                                error=field("justification".into())
                                maxlength=limits::MAX_JUSTIFICATION_CHARS
                                hint="Tell the approver why you need this access."
                            />
                            {p
                                .custom_timeline
                                .then(|| {
                                    view! {
                                        <YesNo
                                            legend="Request for specific period?"
                                            name="specific_period"
                                            value=specific
                                            on_change=Callback::new(move |v| specific.set(v))
                                            hint=format!(
                                                "Without a period, access starts when approved and lasts {}.",
                                                p.lasts,
                                            )
                                        />
                                        <Show when=move || specific.get()>
                                            <div class="field-row">
                                                <Bound
                                                    label="Start date"
                                                    id="period-start"
                                                    input_type="date"
                                                    value=start
                                                    on_input=Callback::new(move |v| start.set(v))
                                                    error=field("start".into())
                                                    required=true
                                                />
                                                <Bound
                                                    label="End date"
                                                    id="period-end"
                                                    input_type="date"
                                                    value=end
                                                    on_input=Callback::new(move |v| end.set(v))
                                                    error=field("end".into())
                                                    required=true
                                                />
                                            </div>
                                        </Show>
                                    }
                                })}
                        }
                    })
            }}
            <div class="actions">
                <button
                    type="button"
                    class="primary"
                    disabled=move || chosen.get().is_empty() || submit.pending().get()
                    on:click=move |_| {
                        let policy = (!chosen.get_untracked().is_empty())
                            .then(|| chosen.get_untracked());
                        let custom = current().is_some_and(|p| p.custom_timeline)
                            && specific.get_untracked();
                        submit
                            .dispatch(RequestInput {
                                package: package.to_string(),
                                policy,
                                justification: justification.get_untracked(),
                                answers: answers.get_untracked(),
                                specific_period: custom,
                                start: if custom { start.get_untracked() } else { String::new() },
                                end: if custom { end.get_untracked() } else { String::new() },
                            });
                    }
                >
                    {move || {
                        if submit.pending().get() { "Submitting…" } else { "Submit request" }
                    }}
                </button>
            </div>
        </section>
    }
}
