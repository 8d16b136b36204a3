//! Paths of the wasm components the tests and benchmarks use, built by this crate's build
//! script from `example-plugins/` and `tests/guests/`.

include!(concat!(env!("OUT_DIR"), "/components.rs"));
