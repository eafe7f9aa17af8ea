//! The access package creation wizard and the policy editor.

mod create;
mod policy_editor;
mod resources;

pub use create::NewPackagePage;
pub use policy_editor::PolicyEditorPage;

use super::policy_tabs::*;
use crate::api::packages::{
    check_package, check_policy, create_package, get_package, load_wizard, save_policy,
};
use crate::error::AppError;
use crate::layout::AdminOnly;
use crate::ui::*;
use domain::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
