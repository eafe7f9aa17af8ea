//! Status badges.

use leptos::prelude::*;

#[component]
pub fn Badge(kind: &'static str, #[prop(into)] text: String) -> impl IntoView {
    view! { <span class=format!("badge badge-{kind}")>{text}</span> }
}

/// Why someone is a member, one badge per grant.
pub fn grant_badges(sources: &[domain::rules::grants::GrantSource]) -> impl IntoView + use<> {
    use domain::rules::grants::GrantSource;
    sources
        .iter()
        .map(|s| {
            let kind = match s {
                GrantSource::Direct => "info",
                GrantSource::Assignment(_) => "ok",
                GrantSource::Scim | GrantSource::Import => "muted",
            };
            view! {
                <Badge kind=kind text=s.label() />
                " "
            }
        })
        .collect_view()
}

/// A request's state as a badge.
pub fn request_state_badge(state: domain::model::RequestState) -> impl IntoView + use<> {
    use domain::model::RequestState as S;
    let kind = match state {
        S::Delivered => "ok",
        S::PendingApproval | S::Submitted => "info",
        S::Denied | S::Expired => "error",
        S::Canceled => "muted",
    };
    view! { <Badge kind=kind text=state.label() /> }
}

/// An assignment's state as a badge.
pub fn assignment_state_badge(state: domain::model::AssignmentState) -> impl IntoView + use<> {
    use domain::model::AssignmentState as S;
    let kind = match state {
        S::Delivered => "ok",
        S::Scheduled => "info",
        S::Expired | S::Removed => "muted",
    };
    view! { <Badge kind=kind text=state.label() /> }
}

/// Where a live assignment's grants stand in connected systems, as a badge (" Delivering",
/// " Delivery failed", " Partially delivered").
pub fn delivery_badge(state: domain::model::DeliveryState) -> impl IntoView + use<> {
    let kind = if state.failed() { "error" } else { "info" };
    view! {
        " "
        <Badge kind=kind text=state.label() />
    }
}

/// How an approval stage was decided, as a badge.
pub fn stage_decision_badge(decision: domain::model::StageDecision) -> impl IntoView + use<> {
    let kind = match decision {
        domain::model::StageDecision::Approved => "ok",
        _ => "error",
    };
    view! { <Badge kind=kind text=decision.label() /> }
}
