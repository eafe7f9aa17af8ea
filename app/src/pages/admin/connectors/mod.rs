//! Connected systems: the directories (LDAP, Active Directory) and SCIM applications Tessera
//! delivers memberships to — their settings, the connection test, the linked groups and the
//! deliveries not done. The list and the settings forms are here; a system's own page is
//! `system`.

mod import;
mod system;

pub use system::ConnectorPage;

use crate::api::connectors::{CreateConnector, CreateScimConnector, load_connectors};
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use domain::rules::connectors::{
    MAX_CA_PEM_CHARS, MAX_DN_CHARS, MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MAX_TOKEN_CHARS,
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
    "owner_attribute",
    "ca_pem",
    "drift",
];

const SCIM_SETTINGS_FIELDS: &[&str] = &[
    "name",
    "url",
    "token",
    "user_attribute",
    "match_with",
    "ca_pem",
    "drift",
];

#[component]
pub fn ConnectorsPage() -> impl IntoView {
    let create = ServerAction::<CreateConnector>::new();
    let create_scim = ServerAction::<CreateScimConnector>::new();
    let systems = Resource::new(
        move || (create.version().get(), create_scim.version().get()),
        |_| load_connectors(),
    );
    view! {
        <Title text="Connected systems · Tessera" />
        <AdminOnly>
            <ConnectorsList systems create create_scim />
        </AdminOnly>
    }
}

/// The "Matched with the person's" choice, shared by both kinds.
#[component]
fn MatchWithField(
    prefix: &'static str,
    selected: MatchWith,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("{prefix}-match_with");
    view! {
        <div class="field">
            <label for=id.clone()>"Matched with the person's"</label>
            <select id=id name="match_with">
                {MatchWith::ALL
                    .iter()
                    .map(|m| {
                        view! {
                            <option value=m.code() selected=*m == selected>
                                {m.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="field-error" hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
        </div>
    }
}

/// Trusted certificates and the drift policy, shared by both kinds.
#[component]
fn TlsAndDriftFields(
    prefix: &'static str,
    ca_pem: String,
    drift: DriftPolicy,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let field = field_errors(error);
    let ca_error = field("ca_pem");
    let drift_error = field("drift");
    let (ca_id, drift_id) = (format!("{prefix}-ca_pem"), format!("{prefix}-drift"));
    let (ca_hint, drift_hint) = (format!("{ca_id}-hint"), format!("{drift_id}-hint"));
    view! {
        <div class="field">
            <label for=ca_id.clone()>"Trusted certificates (optional)"</label>
            <textarea
                id=ca_id
                name="ca_pem"
                rows="3"
                maxlength=MAX_CA_PEM_CHARS
                aria-describedby=ca_hint.clone()
            >
                {ca_pem}
            </textarea>
            <p class="hint" id=ca_hint>
                "PEM certificates to trust instead of the system's, for a server with a private certificate authority."
            </p>
            <p class="field-error" hidden=move || ca_error.get().is_none()>
                {move || ca_error.get()}
            </p>
        </div>
        <div class="field">
            <label for=drift_id.clone()>"Members changed outside Tessera"</label>
            <select id=drift_id name="drift" aria-describedby=drift_hint.clone()>
                {DriftPolicy::ALL
                    .iter()
                    .map(|d| {
                        view! {
                            <option value=d.code() selected=*d == drift>
                                {d.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="hint" id=drift_hint>
                "Every hour each linked group is compared with what Tessera grants; what differs is shown on this page and audited."
            </p>
            <p class="field-error" hidden=move || drift_error.get().is_none()>
                {move || drift_error.get()}
            </p>
        </div>
    }
}

/// The SCIM settings form's fields, filled from `settings` (a new application: defaults).
#[component]
fn ScimSettingsFields(
    settings: Option<(String, ScimSettings)>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let field = field_errors(error);
    let editing = settings.is_some();
    let (name, s) = settings.unwrap_or_else(|| {
        (
            String::new(),
            ScimSettings {
                url: String::new(),
                user_attribute: ScimUserAttribute::UserName,
                match_with: MatchWith::Email,
                ca_pem: String::new(),
                drift: DriftPolicy::Report,
            },
        )
    });
    let attribute_error = field("user_attribute");
    view! {
        <TextField
            label="Name"
            name="name"
            id="scim-name"
            value=name
            required=true
            maxlength=MAX_NAME_CHARS
            error=field("name")
            hint="How admins know it, for example Ticketing."
        />
        <TextField
            label="SCIM base URL"
            name="url"
            id="scim-url"
            value=s.url
            required=true
            maxlength=MAX_DN_CHARS
            error=field("url")
            hint="Where the application serves SCIM 2.0, for example https://tickets.example.com/scim/v2 (https:// unless it runs on this machine)."
        />
        <TextField
            label="Bearer token"
            name="token"
            id="scim-token"
            input_type="password"
            autocomplete="off"
            maxlength=MAX_TOKEN_CHARS
            error=field("token")
            hint=if editing {
                "Stored encrypted and never shown. Leave empty to keep the stored token."
            } else {
                "The token the application issued for Tessera; stored encrypted and never shown again."
            }
        />
        <div class="field">
            <label for="scim-user_attribute">"Match attribute"</label>
            <select id="scim-user_attribute" name="user_attribute">
                {ScimUserAttribute::ALL
                    .iter()
                    .map(|a| {
                        view! {
                            <option value=a.code() selected=*a == s.user_attribute>
                                {a.code()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="field-error" hidden=move || attribute_error.get().is_none()>
                {move || attribute_error.get()}
            </p>
        </div>
        <MatchWithField prefix="scim" selected=s.match_with error=field("match_with") />
        <TlsAndDriftFields prefix="scim" ca_pem=s.ca_pem drift=s.drift error />
    }
}

/// The LDAP settings form's fields, filled from `settings` (a new system: the usual
/// defaults).
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
                owner_attribute: "owner".into(),
                ca_pem: String::new(),
                drift: DriftPolicy::Report,
                import: None,
            },
        )
    });
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
        <MatchWithField prefix="field" selected=s.match_with error=field("match_with") />
        <TextField
            label="Member attribute"
            name="member_attribute"
            value=s.member_attribute
            error=field("member_attribute")
            hint="The group attribute that lists members: member (groupOfNames, Active Directory) or uniqueMember."
        />
        <TextField
            label="Owner attribute"
            name="owner_attribute"
            value=s.owner_attribute
            error=field("owner_attribute")
            hint="The group attribute that lists owners: owner (groupOfNames) or managedBy (Active Directory, one owner per group)."
        />
        <TlsAndDriftFields prefix="field" ca_pem=s.ca_pem drift=s.drift error />
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
    create_scim: ServerAction<CreateScimConnector>,
) -> impl IntoView {
    let error = error_of(create.value());
    let scim_error = error_of(create_scim.value());
    let made = move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| create_scim.value().get().and_then(Result::ok))
    };
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
        </div>
        <div class="page-header">
            <h1>"Connected systems"</h1>
        </div>
        <p class="lead">
            "Directories and applications where Tessera's grants take effect. Link a Tessera group to a group there, and every membership it gains or loses — from access packages, expiry, reviews or an admin — is delivered to it, retried until it lands. docs/CONNECTORS.md has the steps for Active Directory, OpenLDAP and SCIM applications."
        </p>
        {move || {
            made()
                .map(|id| {
                    view! {
                        <div class="alert alert-success" role="status">
                            <p>
                                "The system is connected. "
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
        <details class="panel" open=move || scim_error.get().is_some()>
            <summary>"Connect a SCIM application"</summary>
            <FormAlert error=scim_error fields=SCIM_SETTINGS_FIELDS />
            <ActionForm action=create_scim attr:class="form">
                <ScimSettingsFields settings=None error=scim_error />
                <div class="actions">
                    <button
                        type="submit"
                        class="primary"
                        disabled=move || create_scim.pending().get()
                    >
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
                            "No connected system yet: grants live only in Tessera. Connect your directory with “Connect a directory” (or an application with “Connect a SCIM application”), then link groups to it."
                        </p>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Connected systems"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Kind"</th>
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
                                                <td>{s.settings.kind_label()}</td>
                                                <td>
                                                    <code>{s.settings.url().to_owned()}</code>
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
