//! The domain's integration tests, one binary: each module a concern, each case on a fresh
//! SQLite and a fresh PostgreSQL database (`domain::on_both_databases!`). The fixtures they
//! share (the world, people, packages, requests, the job runs) live in `domain::testing`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_tokens;
mod check;
mod connectors;
mod connectors_scim;
mod counts;
mod db;
mod directory;
mod directory_import;
mod extensions;
mod governance;
mod hostile_input;
mod insight;
mod leavers;
mod lifecycle;
mod mail_tls;
mod migrations;
mod packages;
mod reports;
mod requests;
mod security;
mod sign_in;
mod sso;
mod synthetic;
mod webhooks;

/// The app's path for each notification link (`app::links::href`, which the domain cannot
/// depend on): the e-mails the tests read link to them.
pub fn href(link: domain::model::Link) -> &'static str {
    use domain::model::Link;
    match link {
        Link::ActiveAccess => "/myaccess?tab=active",
        Link::ExpiredAccess => "/myaccess?tab=expired",
        Link::Requests => "/myaccess/requests",
        Link::Approvals => "/myaccess/approvals",
        Link::Reviews => "/myaccess/reviews",
    }
}
