//! "My team" (issue 18): a manager's direct reports, each with the access packages they hold
//! (until when), their requests still waiting, and the review items about them not decided
//! yet.

use crate::api::directory::load_my_team;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TeamPage() -> impl IntoView {
    let team = Resource::new(|| (), |_| load_my_team());
    view! {
        <Title text="My team · Tessera" />
        <div class="page-header">
            <h1>"My team"</h1>
        </div>
        <p class="lead">
            "The people who report to you: what they can access, what they have asked for, and what reviews still ask about them."
        </p>
        <Loaded resource=team let:t>
            <TeamView team=t />
        </Loaded>
    }
}

#[component]
fn TeamView(team: MyTeam) -> impl IntoView {
    if team.members.is_empty() {
        return view! {
            <div class="empty-state">
                <p>
                    "Nobody reports to you in the directory. When people do, their access, requests and reviews show here."
                </p>
                <a class="button" href="/myaccess">
                    "Go to My Access"
                </a>
            </div>
        }
            .into_any();
    }
    let pending: i64 = team.members.iter().map(|m| m.pending_requests).sum();
    let reviews: i64 = team.members.iter().map(|m| m.pending_reviews).sum();
    let shown = team.members.len();
    view! {
        <div class="cards">
            <section class="card">
                <h2>"Direct reports"</h2>
                <div class="stat">
                    <span class="stat-value">{team.total}</span>
                    <span class="stat-label">"people report to you"</span>
                </div>
            </section>
            <section class="card">
                <h2>"Requests"</h2>
                <div class="stat">
                    <span class="stat-value">{pending}</span>
                    <span class="stat-label">
                        {format!("waiting, {} of them on you", team.awaiting_me)}
                    </span>
                </div>
                {(team.awaiting_me > 0)
                    .then(|| {
                        view! {
                            <a class="button primary" href="/myaccess/approvals">
                                "Open approvals"
                            </a>
                        }
                    })}
            </section>
            <section class="card">
                <h2>"Reviews"</h2>
                <div class="stat">
                    <span class="stat-value">{reviews}</span>
                    <span class="stat-label">"review items about your team not decided"</span>
                </div>
            </section>
        </div>
        {(team.total > shown as i64)
            .then(|| {
                view! {
                    <p class="muted">
                        {format!("Showing the first {shown} of {} people, by name.", team.total)}
                    </p>
                }
            })}
        <div class="table-wrap" tabindex="0">
            <table class="data">
                <caption class="sr-only">"Your direct reports and their access"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Person"</th>
                        <th scope="col">"Access packages"</th>
                        <th scope="col">"Pending requests"</th>
                        <th scope="col">"Review items open"</th>
                    </tr>
                </thead>
                <tbody>
                    {team
                        .members
                        .into_iter()
                        .map(|m| {
                            view! {
                                <tr>
                                    <th scope="row">
                                        {m.person.display_name.clone()} <br />
                                        <span class="muted">{m.job_title.clone()}</span>
                                        {(!m.enabled)
                                            .then(|| view! { <Badge kind="muted" text="Disabled" /> })}
                                    </th>
                                    <td>
                                        {if m.access.is_empty() {
                                            view! { <span class="muted">"None"</span> }.into_any()
                                        } else {
                                            view! {
                                                <ul class="compact">
                                                    {m
                                                        .access
                                                        .into_iter()
                                                        .map(|a| {
                                                            view! {
                                                                <li>
                                                                    {a.package_name.clone()}
                                                                    {a
                                                                        .until
                                                                        .map(|u| {
                                                                            view! {
                                                                                <span class="muted">
                                                                                    " until " <When at=u relative=true />
                                                                                </span>
                                                                            }
                                                                        })}
                                                                </li>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </ul>
                                            }
                                                .into_any()
                                        }}
                                    </td>
                                    <td class="num">{m.pending_requests}</td>
                                    <td class="num">{m.pending_reviews}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
        .into_any()
}
