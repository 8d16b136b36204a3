//! What wasmtime generates from `wit/since_v0.2.0/`: only this file names generated paths for
//! contract 0.2; [`super`] converts them to and from the host's own types.

#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../../wit/since_v0.2.0",
    world: "connector-world",
    imports: { default: async | trappable },
    exports: { default: async },
    require_store_data_send: true,
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
});

pub use interop::connector::{config, log, types};
