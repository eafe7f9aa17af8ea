//! Pure business rules: no I/O, unit-tested here.

pub mod connectors;
pub mod directory_import;
pub mod grants;
pub mod licenses;
pub mod lifecycle;
pub mod policies;
pub mod requests;
pub mod reviews;
pub mod sign_in;
pub mod sso;
pub mod webhooks;
