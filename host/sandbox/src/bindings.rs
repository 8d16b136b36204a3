//! Host-side bindings for the `interop:connector` world, generated from `wit/since_v0.1.0/`.
//!
//! Only this module names generated paths; the rest of the crate uses the re-exports in
//! [`crate::types`].

#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../../wit/since_v0.1.0",
    world: "connector-world",
    imports: { default: async | trappable },
    exports: { default: async },
    require_store_data_send: true,
    additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
});

pub use interop::connector::{config, log, types};
