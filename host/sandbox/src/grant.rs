//! The grant one connector runs under: what the host enforces on every call, with secrets
//! already read. A force writes it as a policy (`crate::policy`); `crate::review` computes it.

use std::collections::BTreeMap;

use crate::capabilities::http::{AllowList, PrivateExceptions};
use crate::capabilities::wasi::Preopen;
use crate::limits::Limits;

/// What a force lets one connector do and use.
#[derive(Debug, Clone, Default)]
pub struct Grant {
    /// Budgets for every call.
    pub limits: Limits,
    /// Configuration values the connector may read, secrets included.
    pub config: BTreeMap<String, String>,
    /// Origins the connector may call over HTTP.
    pub allow: AllowList,
    /// Private addresses (loopback, RFC 1918, …) those origins may resolve to; every other
    /// non-public address is refused.
    pub private: PrivateExceptions,
    /// Read-only directories the connector may read.
    pub filesystem: Vec<Preopen>,
    /// What happens to a record that fails the boundary checks (see [`crate::records`]).
    pub malformed: crate::records::Malformed,
}
