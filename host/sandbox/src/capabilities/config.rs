//! `interop:connector/config`: the configuration values the force granted, nothing else.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::{HasData, Linker};

use crate::contract::since_v0_1::bindings as v0_1;
use crate::limits::BoundaryMeter;
use crate::plugin::InstanceState;

/// Per-call view of the granted configuration.
pub(crate) struct ConfigState {
    values: Arc<BTreeMap<String, String>>,
    boundary: BoundaryMeter,
}

impl ConfigState {
    pub(crate) fn new(values: Arc<BTreeMap<String, String>>, boundary: BoundaryMeter) -> Self {
        ConfigState { values, boundary }
    }
}

struct HasConfig;
impl HasData for HasConfig {
    type Data<'a> = &'a mut ConfigState;
}

pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    v0_1::config::add_to_linker::<InstanceState, HasConfig>(linker, |s| &mut s.config)
}

impl v0_1::config::Host for &mut ConfigState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        self.read(key)
    }
}

impl ConfigState {
    /// The granted value of `key`, if any; the key and the value are charged to the boundary.
    fn read(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        let value = self.values.get(&key).cloned();
        let bytes = key.len() + value.as_ref().map_or(0, String::len);
        if !self.boundary.charge(bytes as u64) {
            return Err(wasmtime::Error::msg(
                "config read over the call's boundary byte cap",
            ));
        }
        Ok(value)
    }
}
