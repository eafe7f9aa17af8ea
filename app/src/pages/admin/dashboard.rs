//! The administrator's home (issue 18): what needs attention first (requests waiting
//! longest and on whom, reviews due, licenses near their seats, policies losing their
//! approvers), then the charts (requests per week by outcome, time to decision, seats used,
//! review completion), drawn as SVG by the server.

use crate::error::AppError;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;

/// "3.5 h", "2.5 days".
pub fn hours_text(hours: f64) -> String {
    if hours < 48.0 {
        format!("{hours:.1} h")
    } else {
        format!("{:.1} days", hours / 24.0)
    }
}

fn short(day: chrono::NaiveDate) -> String {
    day.format("%b %-d").to_string()
}

/// A line chart's labels and values from daily values.
pub fn day_points(days: &[DayValue]) -> (Vec<String>, Vec<Option<f64>>) {
    (
        days.iter().map(|d| short(d.day)).collect(),
        days.iter().map(|d| Some(d.value as f64)).collect(),
    )
}

/// Requests per week by outcome, for the home and a package's Overview.
pub fn outcome_series(weeks: &[WeekOutcomes]) -> (Vec<String>, Vec<Series>) {
    let pick = |f: fn(&WeekOutcomes) -> i64| weeks.iter().map(f).collect::<Vec<_>>();
    (
        weeks.iter().map(|w| short(w.week)).collect(),
        vec![
            Series {
                name: "Delivered",
                class: "series-1",
                values: pick(|w| w.delivered),
            },
            Series {
                name: "Denied",
                class: "series-2",
                values: pick(|w| w.denied),
            },
            Series {
                name: "Expired",
                class: "series-3",
                values: pick(|w| w.expired),
            },
            Series {
                name: "Canceled",
                class: "series-4",
                values: pick(|w| w.canceled),
            },
            Series {
                name: "Pending",
                class: "series-5",
                values: pick(|w| w.open),
            },
        ],
    )
}

/// The dashboard, for those who may read the whole directory; nothing for the others
/// (their home keeps its links).
#[component]
pub fn Dashboard(dashboard: Resource<Result<AdminDashboard, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(d) => view! { <DashboardView d /> }.into_any(),
                    Err(AppError::Forbidden) => ().into_any(),
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DashboardView(d: AdminDashboard) -> impl IntoView {
    let failing = d.failed_deliveries.unwrap_or(0) + d.failed_webhooks.unwrap_or(0);
    let calm = d.waiting.is_empty()
        && d.reviews_due.is_empty()
        && d.seats.is_empty()
        && d.policies_at_risk.is_empty()
        && failing == 0;
    let (labels, series) = outcome_series(&d.requests_by_week);
    let submitted: i64 = d.requests_by_week.iter().map(|w| w.total()).sum();
    let decisions: i64 = d.decision_times.iter().map(|w| w.decisions).sum();
    let time_labels: Vec<String> = d.decision_times.iter().map(|w| short(w.week)).collect();
    let time_values: Vec<Option<f64>> = d.decision_times.iter().map(|w| w.median_hours).collect();
    let reviews: Vec<(String, i64, i64)> = d
        .review_completion
        .iter()
        .map(|r| {
            (
                format!(
                    "{} ({}, {})",
                    r.package_name,
                    r.starts_at.format("%Y-%m-%d"),
                    r.state.label().to_lowercase()
                ),
                r.decided,
                r.items,
            )
        })
        .collect();
    view! {
        <section class="attention" aria-labelledby="attention-heading">
            <h2 id="attention-heading">"Needs attention"</h2>
            {calm
                .then(|| {
                    view! {
                        <div class="empty-state">
                            <p>
                                "Nothing needs attention: no request waits for a decision, no review is due, every license has free seats and every policy has its approvers."
                            </p>
                        </div>
                    }
                })}
            <div class="cards">
                <WaitingCard waiting=d.waiting.clone() total=d.waiting_total />
                <ReviewsDueCard reviews=d.reviews_due.clone() />
                <SeatsCard seats=d.seats.clone() />
                <PoliciesCard policies=d.policies_at_risk.clone() />
                {d
                    .failed_deliveries
                    .zip(d.failed_webhooks)
                    .map(|(changes, events)| view! { <FailuresCard changes events /> })}
            </div>
        </section>
        <section class="trends" aria-labelledby="trends-heading">
            <h2 id="trends-heading">"Trends"</h2>
            <div class="charts">
                <StackedBars
                    title="Requests per week".to_string()
                    summary=format!(
                        "{submitted} requests in the last {} weeks, by where they are now.",
                        d.requests_by_week.len(),
                    )
                    labels
                    series
                />
                <LineChart
                    title="Median time to decision".to_string()
                    summary=format!(
                        "Hours from a stage's start to its decision, per week ({decisions} decisions).",
                    )
                    value_name="Median hours".to_string()
                    labels=time_labels
                    values=time_values
                />
                {d
                    .seat_history
                    .iter()
                    .map(|h| {
                        let (labels, values) = day_points(&h.days);
                        view! {
                            <LineChart
                                title=format!("Seats used: {}", h.license.name)
                                summary=format!(
                                    "{} of {} seats used today; one point a day.",
                                    h.used,
                                    h.seats,
                                )
                                value_name="Seats used".to_string()
                                labels
                                values
                                ceiling=(h.seats as f64, "Seats")
                            />
                        }
                    })
                    .collect_view()}
                <ProgressBars
                    title="Access review completion".to_string()
                    summary=if reviews.is_empty() {
                        "No access review has started yet.".to_string()
                    } else {
                        "Share of each review's items decided, latest reviews first.".to_string()
                    }
                    rows=reviews
                />
            </div>
        </section>
    }
}

#[component]
fn WaitingCard(waiting: Vec<WaitingRequest>, total: i64) -> impl IntoView {
    view! {
        <section class="card">
            <h3>"Requests waiting longest"</h3>
            <div class="stat">
                <span class="stat-value">{total}</span>
                <span class="stat-label">"requests wait for a decision"</span>
            </div>
            <ul class="compact attention-list">
                {waiting
                    .into_iter()
                    .map(|w| {
                        let on = if w.approvers.is_empty() {
                            "nobody".to_string()
                        } else {
                            w.approvers.join(", ")
                        };
                        view! {
                            <li>
                                <a href=format!(
                                    "/admin/access-packages/{}?view=requests",
                                    w.package_id,
                                )>{w.package_name.clone()}</a>
                                {format!(
                                    " for {}, stage {}, waiting since ",
                                    w.requestor,
                                    w.stage_no,
                                )}
                                <When at=w.since relative=true />
                                <br />
                                <span class="muted">
                                    {format!("On {on}; due ")} <When at=w.due relative=true />
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn ReviewsDueCard(reviews: Vec<ReviewProgress>) -> impl IntoView {
    let count = reviews.len();
    view! {
        <section class="card">
            <h3>"Access reviews due"</h3>
            <div class="stat">
                <span class="stat-value">{count}</span>
                <span class="stat-label">"reviews in progress"</span>
            </div>
            <ul class="compact attention-list">
                {reviews
                    .into_iter()
                    .map(|r| {
                        let percent = r.percent();
                        view! {
                            <li>
                                <a href=format!(
                                    "/admin/access-packages/{}?view=reviews",
                                    r.package_id,
                                )>{r.package_name.clone()}</a>
                                {format!(
                                    ": {percent}% decided ({} of {}), ends ",
                                    r.decided,
                                    r.items,
                                )}
                                <When at=r.ends_at relative=true />
                                <ProgressBar percent />
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn SeatsCard(seats: Vec<SeatPressure>) -> impl IntoView {
    let count = seats.len();
    view! {
        <section class="card">
            <h3>"Licenses near their seats"</h3>
            <div class="stat">
                <span class="stat-value">{count}</span>
                <span class="stat-label">
                    {format!("licenses at {SEATS_WARNING_PERCENT}% of their seats or more")}
                </span>
            </div>
            <ul class="compact attention-list">
                {seats
                    .into_iter()
                    .map(|s| {
                        let over = s.used > s.seats;
                        view! {
                            <li>
                                <a href=format!(
                                    "/admin/licenses/{}",
                                    s.license.id,
                                )>{s.license.name.clone()}</a>
                                {format!(": {} of {} seats used ", s.used, s.seats)}
                                {if over {
                                    view! { <Badge kind="error" text="Over" /> }.into_any()
                                } else {
                                    view! { <Badge kind="warn" text="Nearly full" /> }.into_any()
                                }}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn PoliciesCard(policies: Vec<PolicyAtRisk>) -> impl IntoView {
    let count = policies.len();
    view! {
        <section class="card">
            <h3>"Policies losing their approvers"</h3>
            <div class="stat">
                <span class="stat-value">{count}</span>
                <span class="stat-label">"approval stages with approvers who left"</span>
            </div>
            <ul class="compact attention-list">
                {policies
                    .into_iter()
                    .map(|p| {
                        let left = if p.left == 0 {
                            "nobody is left to decide".to_string()
                        } else {
                            format!("{} left to decide", p.left)
                        };
                        view! {
                            <li>
                                <a href=format!(
                                    "/admin/access-packages/{}?view=policies",
                                    p.package_id,
                                )>{p.package_name.clone()}</a>
                                {format!(
                                    " — {}, stage {}: {} disabled; {left}",
                                    p.policy_name,
                                    p.stage_no,
                                    p.lost.join(", "),
                                )}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn FailuresCard(changes: i64, events: i64) -> impl IntoView {
    view! {
        <section class="card">
            <h3>"Deliveries failing"</h3>
            <div class="stat">
                <span class="stat-value">{changes + events}</span>
                <span class="stat-label">"deliveries failed and wait to be sent again"</span>
            </div>
            <ul class="compact attention-list">
                <li>
                    <a href="/admin/connected-systems">
                        {format!("{changes} membership changes to connected systems failed")}
                    </a>
                </li>
                <li>
                    <a href="/admin/webhooks">{format!("{events} webhook events failed")}</a>
                </li>
            </ul>
        </section>
    }
}
