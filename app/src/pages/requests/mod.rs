//! The request loop in the browser: the package behind a My Access link with its request
//! form, the requestor's history, and the approver's inbox.

mod approvals;
mod history;
mod portal;

pub use approvals::ApprovalsPage;
pub use history::RequestsPage;
pub use portal::PortalPackagePage;

use crate::api::packages::load_portal_package;
use crate::api::requests::*;
use crate::error::AppError;
use crate::ui::{
    Badge, Bound, BoundArea, ErrorAlert, FormAlert, Loading, Pager, Radios, Select, When, YesNo,
    date, error_of, page_number, period, request_state_badge, stage_decision_badge, succeeded,
    successes,
};
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
