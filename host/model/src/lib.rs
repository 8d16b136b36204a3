//! # interop-model
//!
//! The host's own types for what connectors exchange: POLE records with their handling labels
//! and provenance, queries, submissions, receipts, `describe` answers and errors.
//!
//! A connector is built against one version of the `interop:connector` contract; the sandbox
//! binds each version it speaks (`interop_sandbox::contract`) and converts between that
//! version's generated types and these, so the gateway, the tools and embedders speak one set
//! of types whatever version a connector was built against. This crate links no wasmtime: the
//! gateway's request parsers and the fuzzers use it on their own.
//!
//! Field docs are the contract's (`wit/`); where a field is a code, its list is named there.

#![deny(missing_docs)]
#![cfg_attr(not(test), forbid(clippy::unwrap_used))]

mod call;
mod pole;

pub use call::*;
pub use pole::*;
