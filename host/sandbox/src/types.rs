//! The host's own types for what connectors exchange ([`interop_model`], re-exported here for
//! embedders): POLE records, queries, submissions, `describe` answers. Whatever contract
//! version a connector was built against, the sandbox hands it these and returns these.

pub use interop_model::*;
