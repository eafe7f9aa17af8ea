//! The UI kit every page builds from: fields and the picker, feedback and badges, lists
//! (search, pager), the loaded-resource wrapper, the confirmation dialog, what became of an
//! action, icons, and time formatting.

mod actions;
mod badges;
mod chart;
mod copy;
mod dialog;
mod feedback;
mod fields;
mod icons;
mod list;
mod picker;
mod resource;
mod time;

pub use actions::*;
pub use badges::*;
pub use chart::*;
pub use copy::*;
pub use dialog::*;
pub use feedback::*;
pub use fields::*;
pub use icons::*;
pub use list::*;
pub use picker::*;
pub use resource::*;
pub use time::*;
