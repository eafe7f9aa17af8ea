//! A directory's "Directory import" panel: what the last import did, "Import now", and the
//! import's settings (which entries are people, which attributes hold what, where groups
//! are, how often, and the accidental-deletion guard).

use crate::api::connectors::{ImportConnectorNow, SetConnectorImport};
use crate::ui::*;
use domain::model::*;
use domain::rules::connectors::MAX_DN_CHARS;
use leptos::prelude::*;

pub(super) const IMPORT_FIELDS: &[&str] = &[
    "enabled",
    "people_filter",
    "disabled_filter",
    "email_attribute",
    "name_attribute",
    "manager_attribute",
    "department_attribute",
    "title_attribute",
    "group_base",
    "group_filter",
    "every_minutes",
    "max_leavers",
    "import",
];

/// What the last import did, in a sentence and a badge, with its warnings.
fn report_view(r: ImportReport) -> impl IntoView {
    let when = r.at.map(utc).unwrap_or_default();
    let warnings = r.warnings.clone();
    let warned = (!warnings.is_empty()).then(|| {
        view! {
            <details>
                <summary>{format!("{} warning(s)", warnings.len())}</summary>
                <ul class="compact">
                    {warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                </ul>
            </details>
        }
    });
    match r.error.clone() {
        Some(e) => view! {
            <p>
                <Badge kind="error" text="Import stopped" />
                " "
                <span>{e}</span>
            </p>
            <p class="muted">{format!("Last run {when}")}</p>
            {warned}
        }
        .into_any(),
        None => view! {
            <p>
                <Badge kind="ok" text="Imported" />
                " "
                {r.counts()}
            </p>
            <p class="muted">{format!("Last run {when}")}</p>
            {warned}
        }
        .into_any(),
    }
}

#[component]
pub(super) fn ImportPanel(
    system: SystemId,
    import: Option<LdapImport>,
    last: Option<ImportReport>,
    queued: bool,
    set: ServerAction<SetConnectorImport>,
    now: ServerAction<ImportConnectorNow>,
) -> impl IntoView {
    let sid = system.to_string();
    let sid_now = sid.clone();
    let error = error_of(set.value());
    let now_error = error_of(now.value());
    let field = field_errors(error);
    let on = import.is_some();
    let i = import.unwrap_or_else(LdapImport::defaults);
    let every = i.every_minutes.map(|m| m.to_string()).unwrap_or_default();
    let schedule = match i.every_minutes {
        Some(m) if on => format!("Runs by itself every {m} minutes."),
        _ if on => "Runs only when asked.".to_string(),
        _ => String::new(),
    };
    view! {
        <section class="panel" aria-labelledby="import-heading">
            <h2 id="import-heading">"Directory import"</h2>
            {if on {
                view! {
                    <p class="muted">
                        {format!(
                            "People (with their manager, department and title) and groups are read from this directory into Tessera. {schedule}",
                        )}
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <p class="empty-state">
                        "Tessera does not read people from this directory. Turn the import on below to bring people, with their managers and departments, and groups into Tessera; people who leave the directory are disabled."
                    </p>
                }
                    .into_any()
            }}
            {queued
                .then(|| {
                    view! {
                        <p>
                            <Badge kind="info" text="Import queued" />
                            " Runs within seconds. "
                            <a href="">"Refresh"</a>
                        </p>
                    }
                })}
            {last.map(report_view)}
            <ActionError error=now_error />
            <Done when=succeeded(
                now.value(),
            )>"The import runs within seconds. Refresh to see what it did."</Done>
            {on
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="secondary"
                            disabled=move || now.pending().get()
                            on:click=move |_| {
                                now.dispatch(ImportConnectorNow {
                                    id: sid_now.clone(),
                                });
                            }
                        >
                            "Import now"
                        </button>
                    }
                })}
            <SavedNote when=succeeded(set.value())>"Import settings saved."</SavedNote>
            <details open=move || !on || error.get().is_some()>
                <summary>"Import settings"</summary>
                <FormAlert error fields=IMPORT_FIELDS />
                <ActionForm action=set attr:class="form">
                    <input type="hidden" name="id" value=sid />
                    <div class="field checkbox">
                        <input
                            type="checkbox"
                            id="import-enabled"
                            name="enabled"
                            value="yes"
                            checked=on
                        />
                        <label for="import-enabled">
                            "Import people and groups from this directory"
                        </label>
                    </div>
                    <TextField
                        label="People filter"
                        name="people_filter"
                        value=i.people_filter
                        maxlength=MAX_DN_CHARS
                        error=field("people_filter")
                        hint="Which entries under the people's base are people. Active Directory: (&(objectCategory=person)(objectClass=user))."
                    />
                    <TextField
                        label="Disabled filter"
                        name="disabled_filter"
                        value=i.disabled_filter
                        maxlength=MAX_DN_CHARS
                        error=field("disabled_filter")
                        hint="Which of them the directory has disabled; they are disabled in Tessera. Active Directory: (userAccountControl:1.2.840.113556.1.4.803:=2). Empty: none."
                    />
                    <TextField
                        label="E-mail attribute"
                        name="email_attribute"
                        value=i.email_attribute
                        error=field("email_attribute")
                        hint="Holds the address a person signs in with; people already in Tessera are matched by it."
                    />
                    <TextField
                        label="Display name attribute"
                        name="name_attribute"
                        value=i.name_attribute
                        error=field("name_attribute")
                        hint="displayName; cn when a person has none."
                    />
                    <TextField
                        label="Manager attribute"
                        name="manager_attribute"
                        value=i.manager_attribute
                        error=field("manager_attribute")
                        hint="Holds the manager's DN (manager)."
                    />
                    <TextField
                        label="Department attribute"
                        name="department_attribute"
                        value=i.department_attribute
                        error=field("department_attribute")
                        hint="departmentNumber (OpenLDAP) or department (Active Directory)."
                    />
                    <TextField
                        label="Job title attribute"
                        name="title_attribute"
                        value=i.title_attribute
                        error=field("title_attribute")
                    />
                    <TextField
                        label="Groups' base DN"
                        name="group_base"
                        value=i.group_base
                        maxlength=MAX_DN_CHARS
                        error=field("group_base")
                        hint="Where groups are read, for example ou=groups,dc=example,dc=org. Empty: no groups are imported. A group linked to a connected system keeps the members Tessera decides."
                    />
                    <TextField
                        label="Group filter"
                        name="group_filter"
                        value=i.group_filter
                        maxlength=MAX_DN_CHARS
                        error=field("group_filter")
                        hint="Active Directory: (objectClass=group)."
                    />
                    <TextField
                        label="Import every (minutes)"
                        name="every_minutes"
                        value=every
                        input_type="number"
                        error=field("every_minutes")
                        hint="15 to 10080 (a week). Empty: only when you press Import now."
                    />
                    <TextField
                        label="Most people one import may disable"
                        name="max_leavers"
                        value=i.max_leavers.to_string()
                        input_type="number"
                        error=field("max_leavers")
                        hint="An import that would disable more stops and changes nothing, in case the directory or the filter is wrong."
                    />
                    <div class="actions">
                        <button type="submit" class="primary" disabled=move || set.pending().get()>
                            "Save import settings"
                        </button>
                    </div>
                </ActionForm>
            </details>
        </section>
    }
}
