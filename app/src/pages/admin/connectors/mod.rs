//! Connected systems: the directories (LDAP, Active Directory) Tessera delivers memberships
//! to — their settings, the connection test, the linked groups and the deliveries not done.
//! The list and the settings form are here; a system's own page is `system`.

mod system;

pub use system::ConnectorPage;

use crate::api::connectors::{CreateConnector, load_connectors};
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use domain::rules::connectors::{
    MAX_CA_PEM_CHARS, MAX_DN_CHARS, MAX_NAME_CHARS, MAX_PASSWORD_CHARS,
};
use leptos::prelude::*;
use leptos_meta::Title;

const SETTINGS_FIELDS: &[&str] = &[
    "name",
    "url",
    "starttls",
    "bind_dn",
    "password",
    "user_base",
    "user_attribute",
    "match_with",
    "member_attribute",
    "ca_pem",
    "drift",
];

#[component]
pub fn ConnectorsPage() -> impl IntoView {
    let create = ServerAction::<CreateConnector>::new();
    let systems = Resource::new(move || create.version().get(), |_| load_connectors());
    view! {
        <Title text="Connected systems · Tessera" />
        <AdminOnly>
            <ConnectorsList systems create />
        </AdminOnly>
    }
}

/// The settings form's fields, filled from `s` (a new system: the usual defaults).
#[component]
fn SettingsFields(
    settings: Option<(String, LdapSettings)>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let field = field_errors(error);
    let editing = settings.is_some();
    let (name, s) = settings.unwrap_or_else(|| {
        (
            String::new(),
            LdapSettings {
                url: String::new(),
                starttls: false,
                bind_dn: String::new(),
                user_base: String::new(),
                user_attribute: "mail".into(),
                match_with: MatchWith::Email,
                member_attribute: "member".into(),
                ca_pem: String::new(),
                drift: DriftPolicy::Report,
            },
        )
    });
    let ca_error = field("ca_pem");
    let match_error = field("match_with");
    let drift_error = field("drift");
    view! {
        <TextField
            label="Name"
            name="name"
            value=name
            required=true
            maxlength=MAX_NAME_CHARS
            error=field("name")
            hint="How admins know it, for example Corporate directory."
        />
        <TextField
            label="Directory address"
            name="url"
            value=s.url
            required=true
            maxlength=MAX_DN_CHARS
            error=field("url")
            hint="ldap://host:389 or ldaps://host:636 (Active Directory: a domain controller)."
        />
        <div class="field checkbox">
            <input
                type="checkbox"
                id="field-starttls"
                name="starttls"
                value="yes"
                checked=s.starttls
            />
            <label for="field-starttls">"Use StartTLS (encrypt an ldap:// connection)"</label>
            <p class="field-error" hidden=move || field("starttls").get().is_none()>
                {move || field("starttls").get()}
            </p>
        </div>
        <TextField
            label="Bind DN"
            name="bind_dn"
            value=s.bind_dn
            maxlength=MAX_DN_CHARS
            error=field("bind_dn")
            hint="The account Tessera signs in as, allowed to change the linked groups' members. Empty: anonymous."
        />
        <TextField
            label="Bind password"
            name="password"
            input_type="password"
            autocomplete="new-password"
            maxlength=MAX_PASSWORD_CHARS
            error=field("password")
            hint=if editing {
                "Stored encrypted and never shown. Leave empty to keep the stored password."
            } else {
                "Stored encrypted and never shown again."
            }
        />
        <TextField
            label="People's base DN"
            name="user_base"
            value=s.user_base
            required=true
            maxlength=MAX_DN_CHARS
            error=field("user_base")
            hint="Where people are looked up, for example ou=people,dc=example,dc=org."
        />
        <TextField
            label="Match attribute"
            name="user_attribute"
            value=s.user_attribute
            required=true
            error=field("user_attribute")
            hint="The directory attribute that identifies a person: mail, uid, sAMAccountName or userPrincipalName."
        />
        <div class="field">
            <label for="field-match_with">"Matched with the person's"</label>
            <select id="field-match_with" name="match_with">
                {MatchWith::ALL
                    .iter()
                    .map(|m| {
                        view! {
                            <option value=m.code() selected=*m == s.match_with>
                                {m.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="field-error" hidden=move || match_error.get().is_none()>
                {move || match_error.get()}
            </p>
        </div>
        <TextField
            label="Member attribute"
            name="member_attribute"
            value=s.member_attribute
            error=field("member_attribute")
            hint="The group attribute that lists members: member (groupOfNames, Active Directory) or uniqueMember."
        />
        <div class="field">
            <label for="field-ca_pem">"Trusted certificates (optional)"</label>
            <textarea
                id="field-ca_pem"
                name="ca_pem"
                rows="3"
                maxlength=MAX_CA_PEM_CHARS
                aria-describedby="field-ca_pem-hint"
            >
                {s.ca_pem}
            </textarea>
            <p class="hint" id="field-ca_pem-hint">
                "PEM certificates to trust instead of the system's, for a directory with a private certificate authority."
            </p>
            <p class="field-error" hidden=move || ca_error.get().is_none()>
                {move || ca_error.get()}
            </p>
        </div>
        <div class="field">
            <label for="field-drift">"Members changed outside Tessera"</label>
            <select id="field-drift" name="drift" aria-describedby="field-drift-hint">
                {DriftPolicy::ALL
                    .iter()
                    .map(|d| {
                        view! {
                            <option value=d.code() selected=*d == s.drift>
                                {d.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="hint" id="field-drift-hint">
                "Every hour each linked group is compared with what Tessera grants; what differs is shown on this page and audited."
            </p>
            <p class="field-error" hidden=move || drift_error.get().is_none()>
                {move || drift_error.get()}
            </p>
        </div>
    }
}

fn counts_badges(s: &SystemSummary) -> impl IntoView + use<> {
    let failed = (s.failed > 0).then(|| {
        view! { <Badge kind="error" text=format!("{} failed", s.failed) /> }
    });
    let delivering = (s.delivering > 0).then(|| {
        view! { <Badge kind="info" text=format!("{} delivering", s.delivering) /> }
    });
    let ok = (s.failed == 0 && s.delivering == 0)
        .then(|| view! { <Badge kind="ok" text="Up to date" /> });
    view! {
        {failed}
        {delivering}
        {ok}
    }
}

#[component]
fn ConnectorsList(
    systems: Resource<Result<Vec<SystemSummary>, AppError>>,
    create: ServerAction<CreateConnector>,
) -> impl IntoView {
    let error = error_of(create.value());
    let made = move || create.value().get().and_then(Result::ok);
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
        </div>
        <div class="page-header">
            <h1>"Connected systems"</h1>
        </div>
        <p class="lead">
            "Directories where Tessera's grants take effect. Link a Tessera group to a group there, and every membership it gains or loses — from access packages, expiry, reviews or an admin — is delivered to it, retried until it lands. docs/CONNECTORS.md has the steps for Active Directory and OpenLDAP."
        </p>
        {move || {
            made()
                .map(|id| {
                    view! {
                        <div class="alert alert-success" role="status">
                            <p>
                                "The directory is connected. "
                                <a href=format!(
                                    "/admin/connected-systems/{id}",
                                )>"Open it to test the connection and link groups"</a>
                            </p>
                        </div>
                    }
                })
        }}
        <details class="panel" open=move || error.get().is_some()>
            <summary>"Connect a directory (LDAP, Active Directory)"</summary>
            <FormAlert error=error fields=SETTINGS_FIELDS />
            <ActionForm action=create attr:class="form">
                <SettingsFields settings=None error />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>
                        "Connect"
                    </button>
                </div>
            </ActionForm>
        </details>
        <Loaded resource=systems let:list>
            {if list.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>
                            "No connected system yet: grants live only in Tessera. Connect your directory with “Connect a directory”, then link groups to it."
                        </p>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data">
                            <caption class="sr-only">"Connected systems"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Address"</th>
                                    <th scope="col">"Linked groups"</th>
                                    <th scope="col">"Deliveries"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|s| {
                                        view! {
                                            <tr>
                                                <td>
                                                    <a href=format!(
                                                        "/admin/connected-systems/{}",
                                                        s.id,
                                                    )>{s.name.clone()}</a>
                                                </td>
                                                <td>
                                                    <code>{s.settings.url.clone()}</code>
                                                </td>
                                                <td>{s.linked_groups}</td>
                                                <td>{counts_badges(&s)}</td>
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
        </Loaded>
    }
}
