//! # interop (the tools)
//!
//! What the `interop` command is made of: its command line, the conformance kit vendors run on
//! their connectors, and the project scaffolding `interop new` writes. The sandbox that runs
//! connectors is [`interop_sandbox`], the gateway [`interop_gateway`], the audit log
//! [`interop_audit`]; this crate only puts them in a vendor's or an operator's hands.

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod cli;
pub mod compiled;
pub mod conformance;
pub mod scaffold;
