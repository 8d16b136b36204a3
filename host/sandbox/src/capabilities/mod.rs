//! What a connector may reach outside its sandbox. One module per capability, each owning its
//! slice of the grant, its per-call state and its linker wiring:
//!
//! | module | imports it serves |
//! |---|---|
//! | [`log`] | `interop:connector/log` |
//! | [`config`] | `interop:connector/config` |
//! | [`http`] | `wasi:http/outgoing-handler`, `wasi:http/types` |
//! | [`wasi`] | the rest of WASI 0.2 that language runtimes import: clocks and random work, stdio is captured, environment, arguments, filesystem and sockets are linked but grant nothing |

pub(crate) mod config;
pub mod http;
pub(crate) mod log;
pub(crate) mod wasi;
