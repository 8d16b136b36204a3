//! What a connector may reach outside its sandbox. One module per capability, each of the same
//! shape (the `Capability` trait in `capability.rs`): the interfaces it serves, its slice of a policy file
//! (parse and review findings), its part of the effective grant, its per-call state and its
//! linker wiring. `crate::registry` lists them once.
//!
//! | module | imports it serves | policy tables |
//! |---|---|---|
//! | `types` | `interop:connector/types` | none |
//! | `log` | `interop:connector/log` | none |
//! | [`config`] | `interop:connector/config` | `[config]`, `[secrets]` |
//! | [`http`] | `wasi:http/outgoing-handler`, `wasi:http/types` | `[network]` |
//! | [`wasi`] | the rest of WASI 0.2 that language runtimes import: clocks and random work, stdio is captured, environment, arguments and sockets are linked but grant nothing, and the filesystem only what `[[filesystem]]` preopens, read-only | `[[filesystem]]` |

pub(crate) mod capability;
pub mod config;
pub mod http;
pub(crate) mod log;
pub(crate) mod types;
pub mod wasi;
