use super::*;

#[component]
pub(super) fn OverviewView(
    detail: PackageDetail,
    link: String,
    actions: PackageActions,
    insight: Resource<Result<Option<PackageInsight>, AppError>>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy_link = link.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&copy_link);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &copy_link;
        copied.set(true);
    };
    let s = detail.summary.clone();
    let update = actions.update;
    let error = error_of(update.value());
    let field = field_errors(error);
    let policies = detail.policies.clone();
    view! {
        <div class="cards">
            <section class="card">
                <h2>"Assignments"</h2>
                <div class="stat">
                    <span class="stat-value">{s.assignments}</span>
                    <span class="stat-label">"people have this access package"</span>
                </div>
            </section>
            <section class="card">
                <h2>"Pending requests"</h2>
                <div class="stat">
                    <span class="stat-value">{detail.pending_requests}</span>
                    <span class="stat-label">"awaiting approval or delivery"</span>
                </div>
            </section>
            <section class="card">
                <h2>"Resource roles"</h2>
                <div class="stat">
                    <span class="stat-value">{detail.resource_roles.len()}</span>
                    <span class="stat-label">"granted to each assignee"</span>
                </div>
            </section>
            <section class="card">
                <h2>"Policies"</h2>
                <div class="stat">
                    <span class="stat-value">{detail.policies.len()}</span>
                    <span class="stat-label">"ways to get it"</span>
                </div>
            </section>
        </div>
        <PackageCharts insight />
        <section class="panel">
            <h2>"My Access portal link"</h2>
            <p>
                "Share this link: people open it to request the access package (it works even when the package is hidden)."
            </p>
            <div class="copy-row">
                <label class="sr-only" for="portal-link">
                    "My Access portal link"
                </label>
                <input id="portal-link" type="text" readonly value=link.clone() />
                <button type="button" class="secondary" on:click=copy>
                    "Copy"
                </button>
                <a href=link>"Open"</a>
            </div>
            <p role="status" class="muted">
                {move || copied.get().then_some("Link copied to the clipboard.")}
            </p>
        </section>
        <section class="panel">
            <h2>"Basics"</h2>
            <dl class="kv">
                <dt>"Description"</dt>
                <dd>{s.description.clone()}</dd>
                <dt>"Catalog"</dt>
                <dd>{s.catalog_name.clone()}</dd>
                <dt>"Hidden"</dt>
                <dd>{if s.hidden { "Yes" } else { "No" }}</dd>
                <dt>"Created"</dt>
                <dd>
                    <When at=detail.created_at />
                </dd>
                <dt>"Last modified"</dt>
                <dd>
                    <When at=s.updated_at />
                </dd>
            </dl>
            {detail
                .can_manage
                .then(|| {
                    view! {
                        <details class="edit" open=move || error.get().is_some()>
                            <summary>"Edit basics"</summary>
                            <FormAlert error=error fields=&["name", "description", "hidden"] />
                            <ActionForm action=update attr:class="form">
                                <input type="hidden" name="id" value=s.id.to_string() />
                                <input type="hidden" name="version" value=s.version.to_string() />
                                <TextField
                                    label="Name"
                                    name="name"
                                    id="edit-name"
                                    value=s.name.clone()
                                    required=true
                                    maxlength=PackageName::MAX_CHARS
                                    error=field("name")
                                />
                                <TextField
                                    label="Description"
                                    name="description"
                                    id="edit-description"
                                    value=s.description.clone()
                                    required=true
                                    maxlength=PackageDescription::MAX_CHARS
                                    error=field("description")
                                />
                                <YesNoField
                                    legend="Hidden"
                                    name="hidden"
                                    id="edit-hidden"
                                    value=s.hidden
                                />
                                <div class="actions">
                                    <button
                                        type="submit"
                                        class="primary"
                                        disabled=move || update.pending().get()
                                    >
                                        "Save"
                                    </button>
                                </div>
                            </ActionForm>
                        </details>
                    }
                })}
        </section>
        <section class="panel">
            <h2>"Resource roles"</h2>
            {if detail.resource_roles.is_empty() {
                view! {
                    <p class="muted">
                        "No resource roles: this access package grants nothing yet."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <ul>
                        {detail
                            .resource_roles
                            .iter()
                            .map(|r| {
                                view! {
                                    <li>
                                        {format!("{} — {}", r.group_name, r.role.label())}
                                        {(!r.licenses.is_empty())
                                            .then(|| format!(" (licenses: {})", r.licenses.join(", ")))}
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
            <h2>"Policies"</h2>
            {policies.into_iter().map(|p| view! { <PolicyText policy=p /> }).collect_view()}
        </section>
    }
}

#[component]
pub(super) fn PolicyText(policy: PolicyView) -> impl IntoView {
    view! {
        <article class="policy">
            <h3>{policy.name.clone()}</h3>
            {(!policy.description.is_empty())
                .then(|| view! { <p class="muted">{policy.description.clone()}</p> })}
            {policy
                .draft
                .describe()
                .into_iter()
                .map(|(tab, lines)| {
                    view! {
                        <h4>{tab.label()}</h4>
                        <ul>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                    }
                })
                .collect_view()}
        </article>
    }
}

/// Assignments over time, requests by week and by state, and who decides how fast.
#[component]
fn PackageCharts(insight: Resource<Result<Option<PackageInsight>, AppError>>) -> impl IntoView {
    use crate::pages::admin::dashboard::{day_points, hours_text, outcome_series};
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match insight.await {
                    Ok(Some(i)) => {
                        let (labels, series) = outcome_series(&i.requests_by_week);
                        let (days, values) = day_points(&i.assignments);
                        let live = i.assignments.last().map(|d| d.value).unwrap_or(0);
                        let total: i64 = i.requests_by_state.iter().map(|(_, n)| n).sum();
                        view! {
                            <section class="trends" aria-labelledby="package-trends">
                                <h2 id="package-trends">"Activity"</h2>
                                <div class="charts">
                                    <LineChart
                                        title="Assignments over time".to_string()
                                        summary=format!(
                                            "{live} people hold it today; one point a day kept.",
                                        )
                                        value_name="Assignments".to_string()
                                        labels=days
                                        values
                                    />
                                    <StackedBars
                                        title="Requests per week".to_string()
                                        summary="Requests of the last weeks, by where they are now."
                                            .to_string()
                                        labels
                                        series
                                    />
                                </div>
                                <div class="cards">
                                    <section class="card">
                                        <h3>"Requests by state"</h3>
                                        <p class="muted">{format!("{total} requests in all")}</p>
                                        <ul class="compact">
                                            {i
                                                .requests_by_state
                                                .iter()
                                                .map(|(state, n)| {
                                                    view! {
                                                        <li>{request_state_badge(*state)} {format!(" {n}")}</li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    </section>
                                    <section class="card">
                                        <h3>"Who approves, and how fast"</h3>
                                        {if i.approvers.is_empty() {
                                            view! {
                                                <p class="muted">
                                                    "Nobody decided a request of this package in the last weeks."
                                                </p>
                                            }
                                                .into_any()
                                        } else {
                                            view! {
                                                <div class="table-wrap" tabindex="0">
                                                    <table class="data">
                                                        <thead>
                                                            <tr>
                                                                <th scope="col">"Approver"</th>
                                                                <th scope="col">"Approved"</th>
                                                                <th scope="col">"Denied"</th>
                                                                <th scope="col">"Median time"</th>
                                                            </tr>
                                                        </thead>
                                                        <tbody>
                                                            {i
                                                                .approvers
                                                                .iter()
                                                                .map(|a| {
                                                                    view! {
                                                                        <tr>
                                                                            <th scope="row">{a.name.clone()}</th>
                                                                            <td class="num">{a.approved}</td>
                                                                            <td class="num">{a.denied}</td>
                                                                            <td class="num">
                                                                                {a.median_hours.map(hours_text).unwrap_or_default()}
                                                                            </td>
                                                                        </tr>
                                                                    }
                                                                })
                                                                .collect_view()}
                                                        </tbody>
                                                    </table>
                                                </div>
                                            }
                                                .into_any()
                                        }}
                                    </section>
                                </div>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}
