//! Who has an access package and who asked for it: the package's Assignments (filter, search,
//! CSV export, New assignment, Remove), Requests (filter, timeline, cancel) and Access reviews
//! (progress, decisions, Stop) views.

mod assignments;
mod requests;
mod reviews;

pub use assignments::AssignmentsView;
pub use requests::RequestsView;
pub use reviews::ReviewsView;

use crate::api::requests::*;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

type Loaded<T> = Resource<Result<Option<Page<T>>, crate::error::AppError>>;

/// The package's assignment and request lists and the actions that change them. Created at
/// the top of the package page (not inside its Suspense), so server-rendered lists hydrate
/// with the same resources the browser creates.
#[derive(Clone, Copy)]
pub struct AccessLists {
    assignments: Loaded<AssignmentView>,
    requests: Loaded<PackageRequestView>,
    remove: ServerAction<RemoveAssignment>,
    cancel: ServerAction<CancelRequest>,
    assign: Action<AssignInput, Result<usize, crate::error::AppError>>,
    reviews: Resource<Result<Option<Vec<ReviewInstance>>, crate::error::AppError>>,
    stop: ServerAction<crate::api::lifecycle::StopReview>,
    /// One review's decisions, loaded when an administrator opens them.
    decisions: Action<String, (String, Result<Vec<ReviewItemView>, crate::error::AppError>)>,
}

impl AccessLists {
    /// `view` is the package page's current view code; only its list is loaded.
    pub fn new(
        id: impl Fn() -> String + Copy + Send + Sync + 'static,
        view: impl Fn() -> &'static str + Copy + Send + Sync + 'static,
    ) -> Self {
        let query = use_query_map();
        let remove = ServerAction::<RemoveAssignment>::new();
        let cancel = ServerAction::<CancelRequest>::new();
        let assign = Action::new(move |input: &AssignInput| assign_directly(input.clone()));
        let args = move || {
            let q = query.read();
            (
                id(),
                q.get("state").unwrap_or_default(),
                q.get("q").unwrap_or_default(),
                page_number(&q),
            )
        };
        let assignments = Resource::new(
            move || {
                (
                    view() == "assignments",
                    args(),
                    remove.version().get(),
                    assign.version().get(),
                )
            },
            |(shown, (id, state, q, page), _, _)| async move {
                if shown {
                    load_package_assignments(id, state, q, page).await.map(Some)
                } else {
                    Ok(None)
                }
            },
        );
        let requests = Resource::new(
            move || (view() == "requests", args(), cancel.version().get()),
            |(shown, (id, state, q, page), _)| async move {
                if shown {
                    load_package_requests(id, state, q, page).await.map(Some)
                } else {
                    Ok(None)
                }
            },
        );
        let stop = ServerAction::<crate::api::lifecycle::StopReview>::new();
        let reviews = Resource::new(
            move || (view() == "reviews", id(), stop.version().get()),
            |(shown, id, _)| async move {
                if shown {
                    crate::api::lifecycle::load_package_reviews(id)
                        .await
                        .map(Some)
                } else {
                    Ok(None)
                }
            },
        );
        let decisions = Action::new(move |review: &String| {
            let review = review.clone();
            async move {
                let items = crate::api::lifecycle::load_review_items(review.clone()).await;
                (review, items)
            }
        });
        Self {
            assignments,
            requests,
            remove,
            cancel,
            assign,
            reviews,
            stop,
            decisions,
        }
    }
}

/// The search box and state filter above one of the package's lists, sent as a GET form
/// that keeps the page on `view`.
#[component]
fn ListFilter(
    view: &'static str,
    placeholder: &'static str,
    options: Vec<(&'static str, &'static str)>,
    q: Signal<String>,
    state: Signal<String>,
) -> impl IntoView {
    let (search_id, state_id) = (format!("{view}-search"), format!("{view}-state"));
    view! {
        <Form method="GET" action="" attr:class="searchbar" attr:role="search">
            <input type="hidden" name="view" value=view />
            <label class="sr-only" for=search_id.clone()>
                {format!("Search {view}")}
            </label>
            <input
                id=search_id
                type="search"
                name="q"
                value=q
                placeholder=placeholder
                maxlength=limits::MAX_SEARCH_CHARS
            />
            <label for=state_id.clone()>"State"</label>
            <select id=state_id name="state">
                {options
                    .into_iter()
                    .map(|(code, label)| {
                        view! {
                            <option value=code selected=move || state.get() == code>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <button type="submit" class="secondary">
                "Search"
            </button>
        </Form>
    }
}

const ASSIGNMENT_FILTERS: [(&str, &str); 2] = [("active", "Active"), ("ended", "Ended")];

/// The request list's state filter: the domain's `RequestFilter`, by code and label.
fn request_filters() -> Vec<(&'static str, &'static str)> {
    RequestFilter::ALL
        .iter()
        .map(|f| (f.code(), f.label()))
        .collect()
}
