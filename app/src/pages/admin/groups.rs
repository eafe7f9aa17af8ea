use crate::api::directory::{
    AddGroupMember, AddGroupOwner, AssignGroupLicense, CreateGroup, RemoveGroupLicense,
    RemoveGroupMember, RemoveGroupOwner, UpdateGroup, get_group, list_groups, list_licenses,
};
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use domain::rules::grants::GrantSource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn GroupsPage() -> impl IntoView {
    // The list's resources are made here, outside AdminOnly's Suspense: made inside it, they
    // were made (and loaded) again each time the server re-ran the Suspense, three times a
    // view (seen in sqlx's statement log, issue 13).
    let list = ListQuery::from_url();
    let groups = Resource::new(move || (list.q(), list.page()), |(q, p)| list_groups(q, p));
    view! {
        <Title text="Groups · Tessera" />
        <AdminOnly>
            <GroupsList list groups />
        </AdminOnly>
    }
}

#[component]
fn KindSelect(selected: GroupKind, #[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="field">
            <label for="field-kind">"Group type"</label>
            <select id="field-kind" name="kind">
                {GroupKind::ALL
                    .iter()
                    .map(|k| {
                        view! {
                            <option value=k.code() selected=*k == selected>
                                {k.label()}
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

#[component]
fn GroupsList(
    list: ListQuery,
    groups: Resource<Result<Page<GroupSummary>, AppError>>,
) -> impl IntoView {
    let q = move || list.q();
    let create = ServerAction::<CreateGroup>::new();
    let error = error_of(create.value());
    let field = field_errors(error);
    view! {
        <div class="breadcrumbs">
            <a href="/admin">"Administration"</a>
        </div>
        <div class="page-header">
            <h1>"Groups"</h1>
        </div>
        <details class="panel" open=move || error.get().is_some()>
            <summary>"New group"</summary>
            <FormAlert error=error fields=&["name", "description", "kind"] />
            <ActionForm action=create attr:class="form">
                <div class="form-grid">
                    <TextField
                        label="Name"
                        name="name"
                        required=true
                        maxlength=GroupName::MAX_CHARS
                        error=field("name")
                    />
                    <KindSelect selected=GroupKind::Security error=field("kind") />
                    <TextField
                        label="Description"
                        name="description"
                        maxlength=Description::MAX_CHARS
                        error=field("description")
                    />
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>
                        "Create group"
                    </button>
                </div>
            </ActionForm>
        </details>
        <SearchBar
            id="group-search"
            label="Search groups"
            placeholder="Group name"
            q=Signal::derive(q)
        />
        <Loaded resource=groups let:p>
            {if p.items.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>
                            {if q().is_empty() {
                                "There are no groups yet. Create one with “New group”."
                                    .to_owned()
                            } else {
                                format!("No group matches “{}”.", q())
                            }}
                        </p>
                    </div>
                }
                    .into_any()
            } else {
                let (count, current, total) = (p.page_count(), p.page, p.total);
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <caption class="sr-only">"Groups"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Type"</th>
                                    <th scope="col">"Members"</th>
                                    <th scope="col">"Licenses"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {p
                                    .items
                                    .into_iter()
                                    .map(|g| {
                                        view! {
                                            <tr>
                                                <td>
                                                    <a href=format!(
                                                        "/admin/directory/groups/{}",
                                                        g.id,
                                                    )>{g.name}</a>
                                                    <br />
                                                    <span class="muted">{g.description}</span>
                                                </td>
                                                <td>{g.kind.label()}</td>
                                                <td class="num">{g.member_count}</td>
                                                <td>{g.licenses.join(", ")}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <Pager
                        base="/admin/directory/groups".into()
                        q=q()
                        page=current
                        page_count=count
                        total=total
                        noun="groups"
                    />
                }
                    .into_any()
            }}
        </Loaded>
    }
}

#[component]
pub fn GroupDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let page = move || page_number(&query.read());
    let actions = GroupActions {
        add: ServerAction::new(),
        remove: ServerAction::new(),
        assign: ServerAction::new(),
        unassign: ServerAction::new(),
        update: ServerAction::new(),
        add_owner: ServerAction::new(),
        remove_owner: ServerAction::new(),
    };
    let group = Resource::new(
        move || (id(), page(), actions.versions()),
        |(id, page, _)| get_group(id, page),
    );
    let licenses = Resource::new(move || actions.assign.version().get(), |_| list_licenses());
    view! {
        <Title text="Group · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/directory/groups">"Groups"</a>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let all_licenses = licenses.await.unwrap_or_default();
                    match group.await {
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                        Ok(d) => view! { <GroupView detail=d all_licenses actions /> }.into_any(),
                    }
                })}
            </Transition>
        </AdminOnly>
    }
}

/// A linked name with a remove button that asks before it acts.
#[component]
fn RemovableChip(
    href: String,
    name: String,
    remove_label: String,
    question: String,
    on_remove: Callback<()>,
) -> impl IntoView {
    view! {
        <li class="chip">
            <a href=href>{name}</a>
            <button
                type="button"
                aria-label=remove_label
                on:click=move |_| {
                    if confirm(&question) {
                        on_remove.run(());
                    }
                }
            >
                "×"
            </button>
        </li>
    }
}

/// Everything an admin can do on a group's page; each success reloads the group.
#[derive(Clone, Copy)]
struct GroupActions {
    add: ServerAction<AddGroupMember>,
    remove: ServerAction<RemoveGroupMember>,
    assign: ServerAction<AssignGroupLicense>,
    unassign: ServerAction<RemoveGroupLicense>,
    update: ServerAction<UpdateGroup>,
    add_owner: ServerAction<AddGroupOwner>,
    remove_owner: ServerAction<RemoveGroupOwner>,
}

impl GroupActions {
    fn versions(&self) -> [usize; 7] {
        [
            self.add.version().get(),
            self.remove.version().get(),
            self.assign.version().get(),
            self.unassign.version().get(),
            self.update.version().get(),
            self.add_owner.version().get(),
            self.remove_owner.version().get(),
        ]
    }
}

#[component]
fn GroupView(
    detail: GroupDetail,
    all_licenses: Vec<LicenseSummary>,
    actions: GroupActions,
) -> impl IntoView {
    let GroupActions {
        add,
        remove,
        assign,
        unassign,
        update,
        add_owner,
        remove_owner,
    } = actions;
    let g = detail.group.clone();
    let gid = g.id.to_string();
    let add_error = error_of(add.value());
    let assign_error = error_of(assign.value());
    let update_error = error_of(update.value());
    let other_error = Signal::derive(move || {
        remove
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| unassign.value().get().and_then(Result::err))
            .or_else(|| remove_owner.value().get().and_then(Result::err))
    });
    let owner_error = error_of(add_owner.value());
    let owner_field = field_errors(owner_error)("owner_email");
    let held: Vec<LicenseId> = detail.licenses.iter().map(|l| l.id).collect();
    let assignable: Vec<LicenseSummary> = all_licenses
        .into_iter()
        .filter(|l| !held.contains(&l.id))
        .collect();
    let members = detail.members.clone();
    let (count, current, total) = (members.page_count(), members.page, members.total);
    let update_field = field_errors(update_error);
    let email_field = field_errors(add_error)("email");
    let (gid_add, gid_members, gid_edit, gid_owner, gid_owners) = (
        gid.clone(),
        gid.clone(),
        gid.clone(),
        gid.clone(),
        gid.clone(),
    );
    view! {
        <div class="page-header">
            <h1>{g.name.clone()}</h1>
            <div class="page-actions">
                <Badge kind="muted" text=g.kind.label() />
                <a class="button secondary" href=format!("/admin/directory/groups/{}/access", g.id)>
                    "Access report"
                </a>
            </div>
        </div>
        {(!g.description.is_empty()).then(|| view! { <p class="lead">{g.description.clone()}</p> })}
        <FormAlert error=other_error fields=&[] />

        <section class="card">
            <h2>{format!("Licenses ({})", detail.licenses.len())}</h2>
            <p class="muted">
                "Every member of this group gets these licenses (one seat per person, however many groups carry it)."
            </p>
            {if detail.licenses.is_empty() {
                view! { <p class="muted">"This group carries no licenses."</p> }.into_any()
            } else {
                let gid = gid.clone();
                view! {
                    <ul class="chips">
                        {detail
                            .licenses
                            .into_iter()
                            .map(|l| {
                                let (gid, lid, name) = (
                                    gid.clone(),
                                    l.id.to_string(),
                                    l.name.clone(),
                                );
                                view! {
                                    <RemovableChip
                                        href=format!("/admin/licenses/{}", l.id)
                                        name=l.name
                                        remove_label=format!("Remove license {name}")
                                        question=format!(
                                            "Remove the license {name} from this group? Its members lose the license unless another group gives it.",
                                        )
                                        on_remove=Callback::new(move |()| {
                                            unassign
                                                .dispatch(RemoveGroupLicense {
                                                    group_id: gid.clone(),
                                                    license_id: lid.clone(),
                                                });
                                        })
                                    />
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            {(!assignable.is_empty())
                .then(|| {
                    let gid = gid.clone();
                    view! {
                        <FormAlert error=assign_error fields=&[] />
                        <ActionForm action=assign attr:class="searchbar">
                            <input type="hidden" name="group_id" value=gid />
                            <label class="sr-only" for="assign-license">
                                "License"
                            </label>
                            <select id="assign-license" name="license_id">
                                {assignable
                                    .into_iter()
                                    .map(|l| {
                                        view! { <option value=l.id.to_string()>{l.name}</option> }
                                    })
                                    .collect_view()}
                            </select>
                            <button type="submit">"Assign license"</button>
                        </ActionForm>
                    }
                })}
        </section>

        <section class="card">
            <h2>{format!("Members ({total})")}</h2>
            <FormAlert error=add_error fields=&["email"] />
            <ActionForm action=add attr:class="form">
                <input type="hidden" name="group_id" value=gid_add />
                <div class="searchbar">
                    <TextField
                        label="Member email"
                        id="member-email"
                        name="email"
                        input_type="email"
                        maxlength=Email::MAX_LEN
                        required=true
                        error=email_field
                    />
                    <button type="submit" class="primary" disabled=move || add.pending().get()>
                        "Add member"
                    </button>
                </div>
            </ActionForm>
            {if members.items.is_empty() {
                view! { <p class="muted">"No members yet. Add people by email above."</p> }
                    .into_any()
            } else {
                let gid = gid_members;
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Email"</th>
                                    <th scope="col">"Membership source"</th>
                                    <th scope="col">"Member since"</th>
                                    <th scope="col">
                                        <span class="sr-only">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {members
                                    .items
                                    .into_iter()
                                    .map(|m| {
                                        let direct = m.sources.contains(&GrantSource::Direct);
                                        let gid = gid.clone();
                                        let uid = m.user.id.to_string();
                                        let who = m.user.display_name.clone();
                                        view! {
                                            <tr>
                                                <td>
                                                    <a href=format!(
                                                        "/admin/directory/users/{}",
                                                        m.user.id,
                                                    )>{m.user.display_name.clone()}</a>
                                                </td>
                                                <td>{m.user.email.clone()}</td>
                                                <td>{grant_badges(&m.sources)}</td>
                                                <td>
                                                    <When at=m.since />
                                                </td>
                                                <td>
                                                    {direct
                                                        .then(|| {
                                                            view! {
                                                                <button
                                                                    type="button"
                                                                    class="danger"
                                                                    aria-label=format!("Remove direct membership of {who}")
                                                                    on:click=move |_| {
                                                                        if confirm(
                                                                            &format!(
                                                                                "Remove the direct membership of {who}? Access granted by access packages stays.",
                                                                            ),
                                                                        ) {
                                                                            remove
                                                                                .dispatch(RemoveGroupMember {
                                                                                    group_id: gid.clone(),
                                                                                    user_id: uid.clone(),
                                                                                });
                                                                        }
                                                                    }
                                                                >
                                                                    "Remove"
                                                                </button>
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
                        base=format!("/admin/directory/groups/{gid}")
                        q=String::new()
                        page=current
                        page_count=count
                        total=total
                        noun="members"
                    />
                }
                    .into_any()
            }}
        </section>

        <section class="card">
            <h2>{format!("Owners ({})", detail.owners.len())}</h2>
            {if detail.owners.is_empty() {
                view! { <p class="muted">"No owners yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="chips">
                        {detail
                            .owners
                            .into_iter()
                            .map(|o| {
                                let (gid, uid, who) = (
                                    gid_owners.clone(),
                                    o.id.to_string(),
                                    o.display_name.clone(),
                                );
                                view! {
                                    <RemovableChip
                                        href=format!("/admin/directory/users/{}", o.id)
                                        name=o.display_name
                                        remove_label=format!("Remove owner {who}")
                                        question=format!("Remove {who} as an owner of this group?")
                                        on_remove=Callback::new(move |()| {
                                            remove_owner
                                                .dispatch(RemoveGroupOwner {
                                                    group_id: gid.clone(),
                                                    user_id: uid.clone(),
                                                });
                                        })
                                    />
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <FormAlert error=owner_error fields=&["owner_email"] />
            <ActionForm action=add_owner attr:class="form">
                <input type="hidden" name="group_id" value=gid_owner />
                <div class="searchbar">
                    <TextField
                        label="Owner email"
                        id="owner-email"
                        name="owner_email"
                        input_type="email"
                        maxlength=Email::MAX_LEN
                        required=true
                        error=owner_field
                    />
                    <button type="submit" disabled=move || add_owner.pending().get()>
                        "Add owner"
                    </button>
                </div>
            </ActionForm>
        </section>

        <details class="panel">
            <summary>"Edit group"</summary>
            <FormAlert error=update_error fields=&["name", "description", "kind"] />
            <SavedNote when=succeeded(update.value())>"Saved."</SavedNote>
            <ActionForm action=update attr:class="form">
                <input type="hidden" name="id" value=gid_edit />
                <div class="form-grid">
                    <TextField
                        label="Name"
                        id="edit-name"
                        name="name"
                        required=true
                        maxlength=GroupName::MAX_CHARS
                        value=g.name.clone()
                        error=update_field("name")
                    />
                    <KindSelect selected=g.kind error=update_field("kind") />
                    <TextField
                        label="Description"
                        id="edit-description"
                        name="description"
                        maxlength=Description::MAX_CHARS
                        value=g.description.clone()
                        error=update_field("description")
                    />
                </div>
                <div class="actions">
                    <button type="submit" class="primary">
                        "Save changes"
                    </button>
                </div>
            </ActionForm>
        </details>
    }
}
