//! Webhooks: receivers told about lifecycle events (requests created, approved, denied; access
//! granted, removed, expiring; reviews completed), each POST signed. The list and the form to
//! add one; a webhook's page with its test event, secret, deliveries and settings.

use crate::api::packages::list_catalog_names;
use crate::api::webhooks::{
    CreateWebhook, DeleteWebhook, ReprocessWebhook, RotateWebhookSecret, TestWebhook,
    UpdateWebhook, event_field, load_webhook, load_webhooks,
};
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use domain::rules::webhooks::{DEFAULT_WAIT_MINUTES, MAX_NAME_CHARS, MAX_URL_CHARS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

const FIELDS: &[&str] = &[
    "name",
    "url",
    "events",
    "catalog",
    "enabled",
    "blocks",
    "wait_minutes",
];

/// The secret of a new webhook or a new secret: shown once, with what to do with it.
#[component]
fn SecretShown(secret: WebhookSecret) -> impl IntoView {
    view! {
        <div class="alert alert-success" role="status">
            <p>
                <strong>"Signing secret — copy it now, it is not shown again:"</strong>
            </p>
            <p>
                <code aria-label="Signing secret">{secret.secret}</code>
            </p>
            <p>
                "Give it to the receiver: it checks each event's webhook-signature header with it (Standard Webhooks). "
                <a href=format!("/admin/webhooks/{}", secret.id)>"Open the webhook"</a>
                " to send it a test event."
            </p>
        </div>
    }
}

/// A webhook's settings fields, filled from `hook` (a new one: every event, every catalog).
#[component]
fn WebhookFields(
    hook: Option<WebhookSummary>,
    catalogs: Vec<NamedRef>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let field = field_errors(error);
    let events_error = field("events");
    let catalog_error = field("catalog");
    let blocks_error = field("blocks");
    let (name, url, events, catalog, enabled, blocks, wait) = match hook {
        Some(h) => (
            h.name,
            h.url,
            h.events,
            h.catalog.map(|c| c.0),
            h.enabled,
            h.blocks,
            h.wait_minutes,
        ),
        None => (
            String::new(),
            String::new(),
            WebhookEvent::subscribable().collect(),
            None,
            true,
            false,
            DEFAULT_WAIT_MINUTES,
        ),
    };
    view! {
        <TextField
            label="Name"
            name="name"
            id="webhook-name"
            value=name
            required=true
            maxlength=MAX_NAME_CHARS
            error=field("name")
            hint="How admins know it, for example HR automation."
        />
        <TextField
            label="Receiver URL"
            name="url"
            id="webhook-url"
            value=url
            required=true
            maxlength=MAX_URL_CHARS
            error=field("url")
            hint="Where each event is POSTed as JSON, for example https://hooks.example.com/tessera (https:// unless the receiver runs on this machine)."
        />
        <fieldset class="radios" aria-describedby="webhook-events-error">
            <legend>"Events"</legend>
            {WebhookEvent::subscribable()
                .map(|e| {
                    view! {
                        <label class="radio">
                            <input
                                type="checkbox"
                                name=event_field(e)
                                value="yes"
                                checked=events.contains(&e)
                            />
                            {e.label()}
                        </label>
                    }
                })
                .collect_view()}
            <p
                class="field-error"
                id="webhook-events-error"
                hidden=move || events_error.get().is_none()
            >
                {move || events_error.get()}
            </p>
        </fieldset>
        <div class="field">
            <label for="webhook-catalog">"Catalog"</label>
            <select id="webhook-catalog" name="catalog" aria-describedby="webhook-catalog-hint">
                <option value="" selected=catalog.is_none()>
                    "Every catalog"
                </option>
                {catalogs
                    .into_iter()
                    .map(|c| {
                        let selected = catalog.is_some_and(|id| id.0 == c.id);
                        view! {
                            <option value=c.id.to_string() selected=selected>
                                {c.name.clone()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="hint" id="webhook-catalog-hint">
                "Only events about this catalog's access packages (the test event always goes)."
            </p>
            <p class="field-error" hidden=move || catalog_error.get().is_none()>
                {move || catalog_error.get()}
            </p>
        </div>
        <div class="field checkbox">
            <input
                type="checkbox"
                id="webhook-enabled"
                name="enabled"
                value="yes"
                checked=enabled
            />
            <label for="webhook-enabled">"Enabled (events are recorded and sent)"</label>
        </div>
        <div class="field checkbox">
            <input
                type="checkbox"
                id="webhook-blocks"
                name="blocks"
                value="yes"
                checked=blocks
                aria-describedby="webhook-blocks-hint"
            />
            <label for="webhook-blocks">
                "Hold delivery of approved requests until the receiver answers (a custom extension)"
            </label>
            <p class="hint" id="webhook-blocks-hint">
                "The receiver answers {\"decision\": \"continue\"} or {\"decision\": \"deny\", \"reason\": …} in its reply to \"Request approved\", or later in a signed POST to /webhooks/answer. No answer in time: the request expires and nothing is delivered."
            </p>
            <p class="field-error" hidden=move || blocks_error.get().is_none()>
                {move || blocks_error.get()}
            </p>
        </div>
        <TextField
            label="Minutes to answer"
            name="wait_minutes"
            id="webhook-wait"
            value=wait.to_string()
            input_type="number"
            error=field("wait_minutes")
            hint="For a webhook that holds delivery: 5 to 20160 (14 days)."
        />
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let hooks = Resource::new(move || create.version().get(), |_| load_webhooks());
    let catalogs = Resource::new(|| (), |_| list_catalog_names());
    let error = error_of(create.value());
    view! {
        <Title text="Webhooks · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
            </div>
            <div class="page-header">
                <h1>"Webhooks"</h1>
            </div>
            <p class="lead">
                "Receivers that hear about what happens: requests created, approved or denied, access granted, removed or about to expire, reviews completed. Each event is POSTed as JSON, signed with the webhook's secret, and retried until the receiver accepts it. docs/CONNECTORS.md describes every event's body and how to check the signature."
            </p>
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|secret| view! { <SecretShown secret /> })
            }}
            <details class="panel" open=move || error.get().is_some()>
                <summary>"Add a webhook"</summary>
                <FormAlert error fields=FIELDS />
                <Loaded resource=catalogs let:catalogs>
                    <ActionForm action=create attr:class="form">
                        <WebhookFields hook=None catalogs error />
                        <div class="actions">
                            <button
                                type="submit"
                                class="primary"
                                disabled=move || create.pending().get()
                            >
                                "Add webhook"
                            </button>
                        </div>
                    </ActionForm>
                </Loaded>
            </details>
            <Loaded resource=hooks let:list>
                {if list.is_empty() {
                    view! {
                        <div class="empty-state">
                            <p>
                                "No webhook yet: nothing outside Tessera hears about requests and access. Add one with “Add a webhook”, then send it a test event."
                            </p>
                        </div>
                    }
                        .into_any()
                } else {
                    view! { <WebhookTable list /> }.into_any()
                }}
            </Loaded>
        </AdminOnly>
    }
}

fn health_badges(h: &WebhookSummary) -> impl IntoView + use<> {
    let holds = h.blocks.then(|| {
        view! {
            " "
            <Badge kind="info" text="Holds delivery" />
        }
    });
    let health = if !h.enabled {
        view! { <Badge kind="muted" text="Disabled" /> }.into_any()
    } else if h.failing > 0 {
        view! { <Badge kind="error" text=format!("{} failed", h.failing) /> }.into_any()
    } else {
        view! { <Badge kind="ok" text="Enabled" /> }.into_any()
    };
    view! {
        {health}
        {holds}
    }
}

#[component]
fn WebhookTable(list: Vec<WebhookSummary>) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0">
            <table class="data">
                <caption class="sr-only">"Webhooks"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Receiver"</th>
                        <th scope="col">"Events"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Last delivered"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|h| {
                            view! {
                                <tr>
                                    <td>
                                        <a href=format!(
                                            "/admin/webhooks/{}",
                                            h.id,
                                        )>{h.name.clone()}</a>
                                    </td>
                                    <td>
                                        <code>{h.url.clone()}</code>
                                    </td>
                                    <td>{h.events.len()}</td>
                                    <td>{health_badges(&h)}</td>
                                    <td>
                                        {h
                                            .last_delivered_at
                                            .map(utc)
                                            .unwrap_or_else(|| "Never".into())}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Everything an admin can do on a webhook's page.
#[derive(Clone, Copy)]
struct HookActions {
    update: ServerAction<UpdateWebhook>,
    test: ServerAction<TestWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
    reprocess: ServerAction<ReprocessWebhook>,
    delete: ServerAction<DeleteWebhook>,
}

#[component]
pub fn WebhookPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = HookActions {
        update: ServerAction::new(),
        test: ServerAction::new(),
        rotate: ServerAction::new(),
        reprocess: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let done = successes(&[
        succeeded(actions.update.value()),
        succeeded(actions.test.value()),
        succeeded(actions.rotate.value()),
        succeeded(actions.reprocess.value()),
    ]);
    let detail = Resource::new(move || (id(), done.get()), |(id, _)| load_webhook(id));
    let catalogs = Resource::new(|| (), |_| list_catalog_names());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = actions.delete.value().get() {
            navigate("/admin/webhooks", Default::default());
        }
    });
    view! {
        <Title text="Webhook · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/webhooks">"Webhooks"</a>
            </div>
            <Loaded resource=detail let:d>
                <Loaded resource=catalogs let:catalogs>
                    <WebhookView detail=d.clone() catalogs actions />
                </Loaded>
            </Loaded>
        </AdminOnly>
    }
}

fn delivery_badge(d: &WebhookDelivery) -> impl IntoView + use<> {
    let kind = match d.state {
        DeliveryState::Delivered => "ok",
        DeliveryState::Delivering => "info",
        DeliveryState::Failed | DeliveryState::PartiallyDelivered => "error",
    };
    let text = match d.state {
        DeliveryState::Delivering => "Waiting".to_owned(),
        DeliveryState::Failed if d.next_attempt_at.is_none() => "Gave up".to_owned(),
        other => other.label().to_owned(),
    };
    view! { <Badge kind text /> }
}

#[component]
fn WebhookView(
    detail: WebhookDetail,
    catalogs: Vec<NamedRef>,
    actions: HookActions,
) -> impl IntoView {
    let HookActions {
        update,
        test,
        rotate,
        reprocess,
        delete,
    } = actions;
    let h = detail.webhook.clone();
    let hid = h.id.to_string();
    let update_error = error_of(update.value());
    let other_error = Signal::derive(move || {
        test.value()
            .get()
            .and_then(Result::err)
            .or_else(|| rotate.value().get().and_then(Result::err))
            .or_else(|| reprocess.value().get().and_then(Result::err))
            .or_else(|| delete.value().get().and_then(Result::err))
    });
    let confirm_rotate = Confirm::<String>::new();
    let confirm_delete = Confirm::<String>::new();
    let (hid_test, hid_rotate, hid_delete, hid_reprocess) =
        (hid.clone(), hid.clone(), hid.clone(), hid.clone());
    let name = h.name.clone();
    let name_delete = h.name.clone();
    let failing = h.failing;
    view! {
        <div class="page-header">
            <h1>{h.name.clone()}</h1>
            {health_badges(&h)}
        </div>
        <p class="lead">
            <code>{h.url.clone()}</code>
            {format!(
                " · {} · {}",
                h.events.iter().map(|e| e.label()).collect::<Vec<_>>().join(", "),
                h.catalog.clone().map_or("every catalog".to_owned(), |c| format!("catalog {}", c.1)),
            )}
        </p>
        <ActionError error=other_error />
        {move || {
            rotate.value().get().and_then(Result::ok).map(|secret| view! { <SecretShown secret /> })
        }}
        <section class="panel" aria-labelledby="test-heading">
            <h2 id="test-heading">"Test"</h2>
            <p class="muted">
                "Sends a signed test event (type ping) now and shows what the receiver answered."
            </p>
            <div class="actions">
                <button
                    type="button"
                    class="secondary"
                    disabled=move || test.pending().get()
                    on:click=move |_| {
                        test.dispatch(TestWebhook {
                            id: hid_test.clone(),
                        });
                    }
                >
                    {move || if test.pending().get() { "Sending…" } else { "Send test event" }}
                </button>
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| confirm_rotate.ask(hid_rotate.clone())
                >
                    "Make a new secret"
                </button>
                <button
                    type="button"
                    class="danger"
                    on:click=move |_| confirm_delete.ask(hid_delete.clone())
                >
                    "Delete webhook"
                </button>
            </div>
            {move || {
                test.value()
                    .get()
                    .and_then(Result::ok)
                    .map(|t| test_outcome(
                        t,
                        "The receiver accepted the test event.",
                        "The test event failed: ",
                    ))
            }}
        </section>
        <section class="panel" aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">"Deliveries"</h2>
            {(failing > 0)
                .then(|| {
                    view! {
                        <p>
                            <button
                                type="button"
                                class="primary"
                                disabled=move || reprocess.pending().get()
                                on:click=move |_| {
                                    reprocess
                                        .dispatch(ReprocessWebhook {
                                            id: hid_reprocess.clone(),
                                        });
                                }
                            >
                                {format!("Reprocess {failing} failed")}
                            </button>
                        </p>
                    }
                })}
            {if detail.deliveries.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>
                            "Nothing sent yet. Events appear here as they happen; “Send test event” sends one now."
                        </p>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Deliveries"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Event"</th>
                                    <th scope="col">"When"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Attempts"</th>
                                    <th scope="col">"Answer"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {detail
                                    .deliveries
                                    .into_iter()
                                    .map(|d| {
                                        let answer = match (&d.error, d.status) {
                                            (Some(e), _) => e.clone(),
                                            (None, Some(s)) => format!("HTTP {s}"),
                                            (None, None) => String::new(),
                                        };
                                        let retry = d
                                            .next_attempt_at
                                            .filter(|_| d.state == DeliveryState::Failed)
                                            .map(|at| {
                                                view! {
                                                    "Next attempt "
                                                    <When at relative=true />
                                                }
                                            });
                                        view! {
                                            <tr>
                                                <td>
                                                    <code>{d.event.code()}</code>
                                                </td>
                                                <td>
                                                    <When at=d.created_at />
                                                </td>
                                                <td>{delivery_badge(&d)}</td>
                                                <td>{d.attempts}</td>
                                                <td>
                                                    {answer}
                                                    {retry
                                                        .map(|r| {
                                                            view! {
                                                                <br />
                                                                <span class="muted">{r}</span>
                                                            }
                                                        })} <details>
                                                        <summary>"Body"</summary>
                                                        <pre>{d.body.clone()}</pre>
                                                    </details>
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
        <details class="panel" open=move || update_error.get().is_some()>
            <summary>"Settings"</summary>
            <FormAlert error=update_error fields=FIELDS />
            <SavedNote when=succeeded(update.value())>"Saved."</SavedNote>
            <ActionForm action=update attr:class="form">
                <input type="hidden" name="id" value=hid.clone() />
                <WebhookFields hook=Some(h.clone()) catalogs error=update_error />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || update.pending().get()>
                        "Save"
                    </button>
                </div>
            </ActionForm>
        </details>
        <ConfirmDialog
            open=confirm_rotate.open
            title="Make a new secret"
            message=confirm_rotate
                .message(move |_| {
                    format!(
                        "Make a new signing secret for {name}? The old one stops signing at once: the receiver rejects events until it holds the new one.",
                    )
                })
            on_yes=confirm_rotate
                .on_yes(move |id| {
                    rotate.dispatch(RotateWebhookSecret { id });
                })
        />
        <ConfirmDialog
            open=confirm_delete.open
            title="Delete webhook"
            message=confirm_delete
                .message(move |_| {
                    format!("Delete {name_delete}? Events not yet delivered to it are never sent.")
                })
            on_yes=confirm_delete
                .on_yes(move |id| {
                    delete.dispatch(DeleteWebhook { id });
                })
        />
    }
}
