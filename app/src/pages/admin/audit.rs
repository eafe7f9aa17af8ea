//! `/admin/audit`: every recorded action, filtered and paged in SQL, with its CSV export, and
//! how email and background work are doing.

use crate::api::lifecycle::{load_audit, load_outbox};
use crate::layout::AdminOnly;
use crate::ui::{Badge, CopyId, ErrorAlert, Loaded, Loading, Pager, When, encode, page_number};
use domain::model::{AUDIT_CATEGORIES, EmailState, OutboxStatus, limits};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    let (actor, action, target, from, to) = (
        get("actor"),
        get("action"),
        get("target"),
        get("from"),
        get("to"),
    );
    let page = move || page_number(&query.read());
    let events = Resource::new(
        move || (actor(), action(), target(), from(), to(), page()),
        |(a, c, t, f, to, p)| load_audit(a, c, t, f, to, p),
    );
    let outbox = Resource::new(|| (), |_| load_outbox());
    let filter_params = move || {
        format!(
            "actor={}&action={}&target={}&from={}&to={}",
            encode(&actor()),
            encode(&action()),
            encode(&target()),
            encode(&from()),
            encode(&to())
        )
    };
    let field_error = move |name: &'static str| {
        move || {
            events
                .get()
                .and_then(|r| r.err())
                .and_then(|e| e.field(name))
        }
    };
    view! {
        <Title text="Audit log · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/audit">"Audit log"</a>
            </div>
            <div class="page-header">
                <h1>"Audit log"</h1>
                <div class="page-actions">
                    <a
                        class="button secondary"
                        href=move || format!("/admin/audit.csv?{}", filter_params())
                        download="audit.csv"
                    >
                        "Download CSV"
                    </a>
                </div>
            </div>
            <p class="lead">
                "Every change and decision, newest first. Each event is chained to the one before it by a hash; `tessera audit verify` checks the chain."
            </p>
            <Form method="GET" action="" attr:class="filters" attr:role="search">
                <div class="field">
                    <label for="audit-actor">"Actor"</label>
                    <input
                        id="audit-actor"
                        name="actor"
                        type="search"
                        maxlength=limits::MAX_SEARCH_CHARS
                        placeholder="Email"
                        value=actor
                    />
                </div>
                <div class="field">
                    <label for="audit-action">"Action"</label>
                    <select id="audit-action" name="action">
                        <option value="" selected=move || action().is_empty()>
                            "All actions"
                        </option>
                        {AUDIT_CATEGORIES
                            .iter()
                            .map(|(code, label)| {
                                view! {
                                    <option value=*code selected=move || action() == *code>
                                        {*label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="audit-target">"Target"</label>
                    <input
                        id="audit-target"
                        name="target"
                        type="search"
                        maxlength=limits::MAX_SEARCH_CHARS
                        placeholder="Package, person or id"
                        value=target
                    />
                </div>
                <div class="field">
                    <label for="audit-from">"From"</label>
                    <input
                        id="audit-from"
                        name="from"
                        type="date"
                        value=from
                        aria-invalid=move || field_error("from")().map(|_| "true")
                    />
                    <p class="field-error" hidden=move || field_error("from")().is_none()>
                        {field_error("from")}
                    </p>
                </div>
                <div class="field">
                    <label for="audit-to">"To"</label>
                    <input
                        id="audit-to"
                        name="to"
                        type="date"
                        value=to
                        aria-invalid=move || field_error("to")().map(|_| "true")
                    />
                    <p class="field-error" hidden=move || field_error("to")().is_none()>
                        {field_error("to")}
                    </p>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">
                        "Filter"
                    </button>
                    <a class="button secondary" href="/admin/audit">
                        "Clear"
                    </a>
                </div>
            </Form>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match events.await {
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                        Ok(p) if p.items.is_empty() => {
                            view! {
                                <div class="empty-state">
                                    <h2>"No events match"</h2>
                                    <p>"Change or clear the filter."</p>
                                </div>
                            }
                                .into_any()
                        }
                        Ok(p) => {
                            let page_count = p.page_count();
                            let total = if p.total > domain::model::AUDIT_COUNT_CAP {
                                format!("more than {}", domain::model::AUDIT_COUNT_CAP)
                            } else {
                                p.total.to_string()
                            };
                            view! {
                                <p class="muted">{format!("{total} event(s)")}</p>
                                <div class="table-wrap" tabindex="0">
                                    <table class="data">
                                        <caption class="sr-only">"Audit events"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"Time"</th>
                                                <th scope="col">"Actor"</th>
                                                <th scope="col">"Action"</th>
                                                <th scope="col">"Summary"</th>
                                                <th scope="col">"#"</th>
                                                <th scope="col">"Request id"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {p
                                                .items
                                                .into_iter()
                                                .map(|e| {
                                                    view! {
                                                        <tr>
                                                            <td>
                                                                <When at=e.at />
                                                            </td>
                                                            <td>
                                                                {e
                                                                    .actor
                                                                    .map(|(name, email)| format!("{name} ({email})"))
                                                                    .unwrap_or_else(|| "System".into())}
                                                            </td>
                                                            <td>
                                                                <code>{e.action}</code>
                                                            </td>
                                                            <td>{e.summary}</td>
                                                            <td class="muted">{e.seq}</td>
                                                            <td class="muted">
                                                                {(!e.request_id.is_empty())
                                                                    .then(|| {
                                                                        view! { <CopyId id=e.request_id label="request id" /> }
                                                                    })}
                                                                {(!e.caller_request_id.is_empty())
                                                                    .then(|| {
                                                                        view! {
                                                                            <br />
                                                                            <span>
                                                                                "caller's: "
                                                                                <CopyId
                                                                                    id=e.caller_request_id
                                                                                    label="caller's request id"
                                                                                />
                                                                            </span>
                                                                        }
                                                                    })}
                                                            </td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <Pager
                                    base="/admin/audit".to_owned()
                                    q=String::new()
                                    page=p.page
                                    page_count
                                    total=p.total
                                    noun="events"
                                    extra=filter_params()
                                />
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
            <h2>"Email and background jobs"</h2>
            <Loaded resource=outbox let:o>
                <OutboxView status=o />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn OutboxView(status: OutboxStatus) -> impl IntoView {
    view! {
        <p>
            {if status.counts.is_empty() {
                "No notifications yet.".to_owned()
            } else {
                String::new()
            }}
            {status
                .counts
                .iter()
                .map(|(state, n)| {
                    let kind = match state {
                        EmailState::Sent => "ok",
                        EmailState::Failed => "error",
                        _ => "info",
                    };
                    view! {
                        <Badge kind text=format!("{}: {n}", state.label()) />
                        " "
                    }
                })
                .collect_view()}
        </p>
        {(!status.problems.is_empty())
            .then(|| {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption>"Emails that failed or wait for another attempt"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"To"</th>
                                    <th scope="col">"Subject"</th>
                                    <th scope="col">"Attempts"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Error"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {status
                                    .problems
                                    .into_iter()
                                    .map(|p| {
                                        view! {
                                            <tr>
                                                <td>{p.to}</td>
                                                <td>{p.title}</td>
                                                <td>{p.attempts}</td>
                                                <td>
                                                    {if p.state == EmailState::Failed {
                                                        "Given up"
                                                    } else {
                                                        "Will retry"
                                                    }}
                                                </td>
                                                <td>{p.error}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            })}
        {if status.failures.is_empty() {
            view! { <p class="muted">"No background job is failing."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" tabindex="0">
                    <table class="data">
                        <caption>"Background work waiting for another attempt"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Job"</th>
                                <th scope="col">"Item"</th>
                                <th scope="col">"Attempts"</th>
                                <th scope="col">"Next attempt"</th>
                                <th scope="col">"Error"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {status
                                .failures
                                .into_iter()
                                .map(|f| {
                                    view! {
                                        <tr>
                                            <td>{f.job}</td>
                                            <td>
                                                <code>{f.item}</code>
                                            </td>
                                            <td>{f.attempts}</td>
                                            <td>
                                                <When at=f.next_at />
                                            </td>
                                            <td>{f.error}</td>
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
    }
}
