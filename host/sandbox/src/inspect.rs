//! What a component imports and exports, read from its type without running it.

use serde::Serialize;
use wasmtime::Engine;
use wasmtime::component::Component;
use wasmtime::component::types::{ComponentExtern, ComponentItem};

/// One imported or exported item: an interface with its functions, or a bare function.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Item {
    /// Full name, e.g. `wasi:http/outgoing-handler@0.2.12`.
    pub name: String,
    /// `interface`, `function`, `resource`, `module`, `component` or `type`.
    pub kind: &'static str,
    /// Functions of an interface, sorted; empty for other kinds.
    pub functions: Vec<String>,
}

/// The imports and exports of a component.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Shape {
    /// What the component needs from the host.
    pub imports: Vec<Item>,
    /// What it offers.
    pub exports: Vec<Item>,
}

/// Read a compiled component's imports and exports.
pub fn shape(engine: &Engine, component: &Component) -> Shape {
    let ty = component.component_type();
    let items = |list: &mut dyn Iterator<Item = (&str, ComponentExtern<'_>)>| {
        let mut items: Vec<Item> = list
            .map(|(name, item)| describe(engine, name, &item.ty))
            .collect();
        items.sort_by(|a, b| a.name.cmp(&b.name));
        items
    };
    Shape {
        imports: items(&mut ty.imports(engine)),
        exports: items(&mut ty.exports(engine)),
    }
}

fn describe(engine: &Engine, name: &str, item: &ComponentItem) -> Item {
    let (kind, functions) = match item {
        ComponentItem::ComponentInstance(instance) => {
            let mut functions: Vec<String> = instance
                .exports(engine)
                .filter(|(_, i)| matches!(i.ty, ComponentItem::ComponentFunc(_)))
                .map(|(n, _)| n.to_string())
                .collect();
            functions.sort();
            ("interface", functions)
        }
        ComponentItem::ComponentFunc(_) => ("function", Vec::new()),
        ComponentItem::Resource(_) => ("resource", Vec::new()),
        ComponentItem::Module(_) | ComponentItem::CoreFunc(_) => ("module", Vec::new()),
        ComponentItem::Component(_) => ("component", Vec::new()),
        _ => ("type", Vec::new()),
    };
    Item {
        name: name.to_string(),
        kind,
        functions,
    }
}
