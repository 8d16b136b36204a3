//! # interop-api
//!
//! The gateway's external surface, in a crate that links no wasmtime, so its parsers can be
//! fuzzed on their own: the gateway configuration ([`config`]), the `/v1` requests with the
//! bounds on every field ([`request`]), and what makes a justification say something
//! ([`justification`]). `interop-gateway` serves them.

#![deny(missing_docs)]
#![cfg_attr(not(test), forbid(clippy::unwrap_used))]

pub mod config;
pub mod justification;
pub mod request;
pub mod schema;
