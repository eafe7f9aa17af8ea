//! The domain's integration tests, one binary: each module a concern, each case on a fresh
//! SQLite and a fresh PostgreSQL database (`domain::on_both_databases!`). The fixtures they
//! share (the world, people, packages, requests, the job runs) live in `domain::testing`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod directory;
mod hostile_input;
mod lifecycle;
mod mail_tls;
mod migrations;
mod packages;
mod requests;
mod security;
mod sign_in;
