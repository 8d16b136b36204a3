//! `interop:connector/config`: the configuration values the force granted, nothing else.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::{HasData, Linker};

use crate::bindings::config;
use crate::plugin::InstanceState;

/// Per-call view of the granted configuration.
pub(crate) struct ConfigState {
    values: Arc<BTreeMap<String, String>>,
}

impl ConfigState {
    pub(crate) fn new(values: Arc<BTreeMap<String, String>>) -> Self {
        ConfigState { values }
    }
}

struct HasConfig;
impl HasData for HasConfig {
    type Data<'a> = &'a mut ConfigState;
}

pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    config::add_to_linker::<InstanceState, HasConfig>(linker, |s| &mut s.config)
}

impl config::Host for &mut ConfigState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.values.get(&key).cloned())
    }
}
