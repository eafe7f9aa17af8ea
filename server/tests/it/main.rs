//! The server's integration tests, one binary: the HTTP surface in-process (`http`), the
//! authorization matrix (`authz`) and the `tessera` command line (`cli`). What the HTTP
//! modules share — the configuration, signing in, calling a server function, and the turn
//! that keeps server-rendered cases apart — is in `helpers`; the domain fixtures are in
//! `domain::testing`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod authz;
mod cli;
mod drills;
mod extensions;
mod helpers;
mod http;
mod oidc;
mod scim;
