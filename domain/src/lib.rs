//! Tessera's business: types, rules, persistence, use cases.
//!
//! `model` and `rules` are pure and compile to wasm so the browser shares them;
//! everything touching the database sits behind the `server` feature.

// Bad data must give an error, never a panic: no `v[i]` or `&s[a..b]` outside tests (use
// `get`, iterators or split helpers).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod error;
pub mod model;
pub mod rules;

#[cfg(feature = "server")]
pub mod clock;
#[cfg(feature = "server")]
pub mod connectors;
#[cfg(feature = "server")]
pub mod correlation;
#[cfg(feature = "server")]
pub mod db;
#[cfg(feature = "server")]
pub mod jobs;
#[cfg(feature = "server")]
pub mod scim;
#[cfg(feature = "server")]
pub mod secrets;
#[cfg(feature = "server")]
pub mod service;
#[cfg(feature = "server")]
pub mod store;
// The test harness is built with `server`, not behind a feature of its own: the test build and
// `cargo leptos build` then compile `domain`, `app` and the server once, with one set of
// features, instead of twice (about 12 minutes of every clean CI run). Nothing outside the
// tests calls it, so nothing of it reaches the binary.
#[cfg(feature = "server")]
#[doc(hidden)]
pub mod testing;

pub use error::{DomainError, DomainResult};
