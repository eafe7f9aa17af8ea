use super::duties::DutiesView;
use super::overview::OverviewView;
use super::policies::PoliciesView;
use super::resources::ResourcesView;
use super::*;

#[component]
pub fn PackageDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let view_of = move || {
        let v = query.read().get("view").unwrap_or_default();
        View::ALL
            .into_iter()
            .find(|x| x.code() == v)
            .unwrap_or(View::Overview)
    };
    let actions = PackageActions {
        update: ServerAction::new(),
        add_role: ServerAction::new(),
        remove_role: ServerAction::new(),
        remove_policy: ServerAction::new(),
        add_incompatible: ServerAction::new(),
        remove_incompatible: ServerAction::new(),
    };
    let package = Resource::new(
        move || (id(), actions.versions()),
        |(id, _)| get_package(id),
    );
    let lists = super::package_access::AccessLists::new(id, move || view_of().code());
    // The Overview's charts, loaded only on the Overview.
    let insight = Resource::new(
        move || (id(), view_of() == View::Overview),
        |(id, overview)| async move {
            if overview {
                crate::api::directory::load_package_insight(id)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        },
    );
    view! {
        <Title text="Access package · Tessera" />
        <AdminOnly>
            <div class="breadcrumbs">
                <a href="/admin">"Administration"</a>
                <a href="/admin/access-packages">"Access packages"</a>
            </div>
            <Loaded resource=package let:o>
                <PackageView overview=o current=view_of() actions lists insight />
            </Loaded>
        </AdminOnly>
    }
}

#[component]
fn PackageView(
    overview: PackageOverview,
    current: View,
    actions: PackageActions,
    lists: super::package_access::AccessLists,
    insight: Resource<Result<Option<PackageInsight>, AppError>>,
) -> impl IntoView {
    let query = use_query_map();
    let created = query.read_untracked().get("created").is_some();
    let saved = query.read_untracked().get("saved").is_some();
    let d = overview.detail;
    let id = d.summary.id.to_string();
    let name = d.summary.name.clone();
    let body = match current {
        View::Overview => {
            view! { <OverviewView detail=d.clone() link=overview.portal_link actions insight /> }
                .into_any()
        }
        View::Resources => view! { <ResourcesView detail=d.clone() actions /> }.into_any(),
        View::Policies => view! { <PoliciesView detail=d.clone() actions /> }.into_any(),
        View::Duties => view! { <DutiesView detail=d.clone() actions /> }.into_any(),
        View::Assignments => {
            view! { <super::package_access::AssignmentsView detail=d.clone() lists /> }.into_any()
        }
        View::Requests => {
            view! { <super::package_access::RequestsView detail=d.clone() lists /> }.into_any()
        }
        View::Reviews => {
            view! { <super::package_access::ReviewsView detail=d.clone() lists /> }.into_any()
        }
    };
    view! {
        <div class="page-header">
            <h1>{name.clone()}</h1>
            {d.summary.hidden.then(|| view! { <Badge kind="grey" text="Hidden" /> })}
        </div>
        {created
            .then(|| {
                view! {
                    <div class="alert alert-success" role="status">
                        <p>{format!("The access package {name} was created.")}</p>
                    </div>
                }
            })}
        {saved
            .then(|| {
                view! {
                    <div class="alert alert-success" role="status">
                        <p>"The policy was saved."</p>
                    </div>
                }
            })}
        <nav class="subnav" aria-label="Access package">
            {View::ALL
                .into_iter()
                .map(|v| {
                    let href = if v == View::Overview {
                        format!("/admin/access-packages/{id}")
                    } else {
                        format!("/admin/access-packages/{id}?view={}", v.code())
                    };
                    view! {
                        <a href=href aria-current=(v == current).then_some("page")>
                            {v.label()}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        {body}
    }
}
