use super::*;

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
