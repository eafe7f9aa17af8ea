//! A connected system's page: the connection test, the linked groups with their last drift
//! check, the deliveries not done (Reprocess), and the settings.

use super::import::ImportPanel;
use super::{
    SCIM_SETTINGS_FIELDS, SETTINGS_FIELDS, ScimSettingsFields, SettingsFields, counts_badges,
};
use crate::api::connectors::{
    CheckConnectorNow, ImportConnectorNow, LinkConnectorGroup, ReprocessConnector,
    SetConnectorImport, TestConnector, UnlinkConnectorGroup, UpdateConnector, UpdateScimConnector,
    load_connector,
};
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use domain::rules::connectors::MAX_DN_CHARS;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A linked group's last reconciliation, in words.
fn drift_words(check: Option<DriftCheck>) -> impl IntoView + use<> {
    match check {
        None => view! { <span class="muted">"Not checked yet"</span> }.into_any(),
        Some(c) => {
            let when = view! {
                "Checked "
                <When at=c.at />
            };
            if let Some(e) = c.error {
                view! {
                    <Badge kind="error" text="Check failed" />
                    <br />
                    <span>{e}</span>
                    <br />
                    <span class="muted">{when}</span>
                }
                .into_any()
            } else if c.extra == 0 && c.missing == 0 {
                view! {
                    <Badge kind="ok" text="In step" />
                    <br />
                    <span class="muted">{when}</span>
                }
                .into_any()
            } else {
                let text = format!(
                    "{} added outside Tessera, {} removed outside Tessera{}",
                    c.extra,
                    c.missing,
                    if c.corrected { " — corrected" } else { "" },
                );
                view! {
                    <Badge kind=if c.corrected { "info" } else { "error" } text="Drift" />
                    " "
                    <span>{text}</span>
                    <ul class="compact">
                        {c
                            .sample
                            .into_iter()
                            .map(|s| {
                                view! {
                                    <li>
                                        <code>{s}</code>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    <span class="muted">{when}</span>
                }
                .into_any()
            }
        }
    }
}

/// Everything an admin can do on a system's page; each success reloads it.
#[derive(Clone, Copy)]
struct SystemActions {
    update: ServerAction<UpdateConnector>,
    update_scim: ServerAction<UpdateScimConnector>,
    test: ServerAction<TestConnector>,
    link: ServerAction<LinkConnectorGroup>,
    unlink: ServerAction<UnlinkConnectorGroup>,
    reprocess: ServerAction<ReprocessConnector>,
    check: ServerAction<CheckConnectorNow>,
    set_import: ServerAction<SetConnectorImport>,
    import_now: ServerAction<ImportConnectorNow>,
}

#[component]
pub fn ConnectorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = SystemActions {
        update: ServerAction::new(),
        update_scim: ServerAction::new(),
        test: ServerAction::new(),
        link: ServerAction::new(),
        unlink: ServerAction::new(),
        reprocess: ServerAction::new(),
        check: ServerAction::new(),
        set_import: ServerAction::new(),
        import_now: ServerAction::new(),
    };
    let done = successes(&[
        succeeded(actions.update.value()),
        succeeded(actions.update_scim.value()),
        succeeded(actions.link.value()),
        succeeded(actions.unlink.value()),
        succeeded(actions.reprocess.value()),
        succeeded(actions.check.value()),
        succeeded(actions.set_import.value()),
        succeeded(actions.import_now.value()),
    ]);
    let detail = Resource::new(move || (id(), done.get()), |(id, _)| load_connector(id));
    view! {
        <Title text="Connected system · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/connected-systems">"Connected systems"</a>
            </div>
            <Loaded resource=detail let:d>
                <SystemView detail=d actions />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn SystemView(detail: SystemDetail, actions: SystemActions) -> impl IntoView {
    let SystemActions {
        update,
        update_scim,
        test,
        link,
        unlink,
        reprocess,
        check,
        set_import,
        import_now,
    } = actions;
    let s = detail.system.clone();
    let sid = s.id.to_string();
    let update_error = error_of(update.value());
    let scim_update_error = error_of(update_scim.value());
    let link_error = error_of(link.value());
    let link_field = field_errors(link_error);
    let other_error = Signal::derive(move || {
        unlink
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| reprocess.value().get().and_then(Result::err))
            .or_else(|| test.value().get().and_then(Result::err))
            .or_else(|| check.value().get().and_then(Result::err))
    });
    let confirm_unlink = Confirm::<(String, String)>::new();
    let (sid_test, sid_link, sid_all, sid_check) =
        (sid.clone(), sid.clone(), sid.clone(), sid.clone());
    let failed = s.failed;
    let group_label = s.settings.group_id_label();
    let group_hint = match &s.settings {
        SystemSettings::Ldap(_) => "For example cn=Office Licenses,ou=groups,dc=example,dc=org.",
        SystemSettings::Scim(_) => {
            "The group's id in the application (its SCIM \"id\", not its display name)."
        }
    };
    view! {
        <div class="page-header">
            <h1>{s.name.clone()}</h1>
            {counts_badges(&s)}
        </div>
        <p class="lead">
            {format!("{} · ", s.settings.kind_label())} <code>{s.settings.url().to_owned()}</code>
            {match &s.settings {
                SystemSettings::Ldap(l) => {
                    format!(
                        "{} · people matched by {} = {}",
                        if l.bind_dn.is_empty() {
                            " · anonymous bind".to_string()
                        } else {
                            format!(" · signs in as {}", l.bind_dn)
                        },
                        l.user_attribute,
                        l.match_with.label().to_lowercase(),
                    )
                }
                SystemSettings::Scim(c) => {
                    format!(
                        " · users matched by {} = {}",
                        c.user_attribute.code(),
                        c.match_with.label().to_lowercase(),
                    )
                }
            }}
        </p>
        <ActionError error=other_error />
        <section class="panel" aria-labelledby="test-heading">
            <h2 id="test-heading">"Connection"</h2>
            <p class="muted">
                {match &s.settings {
                    SystemSettings::Ldap(_) => {
                        "Signs in, reads the people's base and each linked group, and changes nothing."
                    }
                    SystemSettings::Scim(_) => {
                        "Reads the application's SCIM configuration with the token, then each linked group, and changes nothing."
                    }
                }}
            </p>
            <button
                type="button"
                class="secondary"
                disabled=move || test.pending().get()
                on:click=move |_| {
                    test.dispatch(TestConnector {
                        id: sid_test.clone(),
                    });
                }
            >
                {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
            </button>
            {move || {
                test.value()
                    .get()
                    .and_then(Result::ok)
                    .map(|t| test_outcome(t, "The connection works.", "The connection failed: "))
            }}
        </section>
        <section class="panel" aria-labelledby="links-heading">
            <h2 id="links-heading">{format!("Linked groups ({})", detail.links.len())}</h2>
            {if detail.links.is_empty() {
                view! {
                    <p class="empty-state">
                        "No group is linked yet. Link a Tessera group below: its members are then added to the group there."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Linked groups"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Tessera group"</th>
                                    <th scope="col">"Directory group"</th>
                                    <th scope="col">"Last check"</th>
                                    <th scope="col">
                                        <span class="sr-only">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {detail
                                    .links
                                    .iter()
                                    .map(|l| {
                                        let (gid, name) = (
                                            l.group_id.to_string(),
                                            l.group_name.clone(),
                                        );
                                        view! {
                                            <tr>
                                                <td>
                                                    <a href=format!(
                                                        "/admin/directory/groups/{}",
                                                        l.group_id,
                                                    )>{l.group_name.clone()}</a>
                                                </td>
                                                <td>
                                                    <code>{l.external_id.clone()}</code>
                                                </td>
                                                <td>{drift_words(l.check.clone())}</td>
                                                <td>
                                                    <button
                                                        type="button"
                                                        class="secondary"
                                                        aria-label=format!("Unlink {name}")
                                                        on:click=move |_| {
                                                            confirm_unlink.ask((gid.clone(), name.clone()))
                                                        }
                                                    >
                                                        "Unlink"
                                                    </button>
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
            {(!detail.links.is_empty())
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="secondary"
                            disabled=move || check.pending().get()
                            on:click=move |_| {
                                check
                                    .dispatch(CheckConnectorNow {
                                        id: sid_check.clone(),
                                    });
                            }
                        >
                            "Check for drift now"
                        </button>
                    }
                })}
            <Done when=succeeded(
                check.value(),
            )>"The linked groups are compared within seconds. Refresh to see what was found."</Done>
            <Done when=succeeded(
                link.value(),
            )>
                {move || {
                    let n = link.value().get().and_then(Result::ok).unwrap_or(0);
                    format!("Linked. {n} member(s) are being added there.")
                }}
            </Done>
            <h3>"Link a group"</h3>
            <FormAlert error=link_error fields=&["group", "external_id"] />
            <ActionForm action=link attr:class="form">
                <input type="hidden" name="id" value=sid_link />
                <TextField
                    label="Tessera group"
                    name="group"
                    required=true
                    error=link_field("group")
                    hint="The name of the group whose members the linked group should hold, for example Office Licenses."
                />
                <TextField
                    label=group_label
                    name="external_id"
                    required=true
                    maxlength=MAX_DN_CHARS
                    error=link_field("external_id")
                    hint=group_hint
                />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || link.pending().get()>
                        "Link group"
                    </button>
                </div>
            </ActionForm>
        </section>
        <section class="panel" aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">"Deliveries not done"</h2>
            <Done when=succeeded(
                reprocess.value(),
            )>"Sent again: the next delivery round tries them now."</Done>
            {(failed > 0)
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="primary"
                            on:click=move |_| {
                                reprocess
                                    .dispatch(ReprocessConnector {
                                        id: sid_all.clone(),
                                        group_id: None,
                                        user_id: None,
                                    });
                            }
                        >
                            {format!("Reprocess all {failed} failed")}
                        </button>
                    }
                })}
            {if detail.undelivered.is_empty() {
                view! {
                    <p class="empty-state">
                        "Every membership of the linked groups is there. " <a href="">"Refresh"</a>
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <p class="muted">
                        "Delivered every few seconds; failures are retried after 1, 2, 4… minutes (at most 6 hours), 12 times, then wait for Reprocess. "
                        <a href="">"Refresh"</a>
                    </p>
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Deliveries not done"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Person"</th>
                                    <th scope="col">"Group"</th>
                                    <th scope="col">"Change"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Attempts"</th>
                                    <th scope="col">"Last error"</th>
                                    <th scope="col">
                                        <span class="sr-only">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {detail
                                    .undelivered
                                    .iter()
                                    .map(|d| {
                                        let kind = match d.state {
                                            DeliveryState::Failed => "error",
                                            _ => "info",
                                        };
                                        let retry = match (d.state, d.next_attempt_at) {
                                            (DeliveryState::Failed, Some(at)) => {
                                                view! {
                                                    "Next try "
                                                    <When at relative=true />
                                                }
                                                    .into_any()
                                            }
                                            (DeliveryState::Failed, None) => {
                                                "Given up: reprocess it".into_any()
                                            }
                                            _ => ().into_any(),
                                        };
                                        let one = (d.state == DeliveryState::Failed)
                                            .then(|| {
                                                let (id, g, u) = (
                                                    s.id.to_string(),
                                                    d.group_id.to_string(),
                                                    d.user_id.to_string(),
                                                );
                                                let label = format!(
                                                    "Reprocess {} in {}",
                                                    d.user_email,
                                                    d.group_name,
                                                );
                                                view! {
                                                    <button
                                                        type="button"
                                                        class="secondary"
                                                        aria-label=label
                                                        on:click=move |_| {
                                                            reprocess
                                                                .dispatch(ReprocessConnector {
                                                                    id: id.clone(),
                                                                    group_id: Some(g.clone()),
                                                                    user_id: Some(u.clone()),
                                                                });
                                                        }
                                                    >
                                                        "Reprocess"
                                                    </button>
                                                }
                                            });
                                        view! {
                                            <tr>
                                                <td>{d.user_email.clone()}</td>
                                                <td>{d.group_name.clone()}</td>
                                                <td>
                                                    {match (d.holds, d.role) {
                                                        (true, ResourceRole::Member) => "Add member",
                                                        (false, ResourceRole::Member) => "Remove member",
                                                        (true, ResourceRole::Owner) => "Add owner",
                                                        (false, ResourceRole::Owner) => "Remove owner",
                                                    }}
                                                </td>
                                                <td>
                                                    <Badge kind=kind text=d.state.label() />
                                                    <br />
                                                    <span class="muted">{retry}</span>
                                                </td>
                                                <td>{d.attempts}</td>
                                                <td>{d.last_error.clone().unwrap_or_default()}</td>
                                                <td>{one}</td>
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
        {match &s.settings {
            SystemSettings::Ldap(l) => {
                Some(
                    view! {
                        <ImportPanel
                            system=s.id
                            import=l.import.as_deref().cloned()
                            last=detail.last_import.clone()
                            queued=detail.import_queued
                            set=set_import
                            now=import_now
                        />
                    },
                )
            }
            SystemSettings::Scim(_) => None,
        }}
        {match s.settings.clone() {
            SystemSettings::Ldap(settings) => {
                view! {
                    <details class="panel" open=move || update_error.get().is_some()>
                        <summary>"Settings"</summary>
                        <SavedNote when=succeeded(update.value())>"Settings saved."</SavedNote>
                        <FormAlert error=update_error fields=SETTINGS_FIELDS />
                        <ActionForm action=update attr:class="form">
                            <input type="hidden" name="id" value=sid.clone() />
                            <SettingsFields
                                settings=Some((s.name.clone(), settings))
                                error=update_error
                            />
                            <div class="actions">
                                <button
                                    type="submit"
                                    class="primary"
                                    disabled=move || update.pending().get()
                                >
                                    "Save settings"
                                </button>
                            </div>
                        </ActionForm>
                    </details>
                }
                    .into_any()
            }
            SystemSettings::Scim(settings) => {
                view! {
                    <details class="panel" open=move || scim_update_error.get().is_some()>
                        <summary>"Settings"</summary>
                        <SavedNote when=succeeded(update_scim.value())>"Settings saved."</SavedNote>
                        <FormAlert error=scim_update_error fields=SCIM_SETTINGS_FIELDS />
                        <ActionForm action=update_scim attr:class="form">
                            <input type="hidden" name="id" value=sid.clone() />
                            <ScimSettingsFields
                                settings=Some((s.name.clone(), settings))
                                error=scim_update_error
                            />
                            <div class="actions">
                                <button
                                    type="submit"
                                    class="primary"
                                    disabled=move || update_scim.pending().get()
                                >
                                    "Save settings"
                                </button>
                            </div>
                        </ActionForm>
                    </details>
                }
                    .into_any()
            }
        }}
        <ConfirmDialog
            open=confirm_unlink.open
            title="Unlink group"
            message=confirm_unlink
                .message(|(_, n)| {
                    format!(
                        "Unlink {n}? Tessera stops delivering its memberships; what the linked group holds now stays as it is.",
                    )
                })
            on_yes=confirm_unlink
                .on_yes(move |(group_id, _)| {
                    unlink.dispatch(UnlinkConnectorGroup { group_id });
                })
        />
    }
}
