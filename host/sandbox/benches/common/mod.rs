//! What the sandbox's benches share: the connector of each language, the frozen search it is
//! measured with, its stand-in and grant, and loading from cached native code.

#![allow(dead_code, reason = "each bench uses its own part")]

use std::hash::{Hash, Hasher};

use interop_sandbox::policy::Policy;
use interop_sandbox::types::{
    Classification, EntityKind, NameAndBirth, RequestContext, SearchKey, SearchQuery,
};
use interop_sandbox::{AllowList, Connector, Grant, Host, HostPattern};
use wasmtime::Engine;
use wasmtime::component::Component;

/// One connector of one language, and the search it is measured with.
pub struct Language {
    pub name: &'static str,
    pub component: &'static str,
    /// The setting granted besides `base_url` (the vendor's key).
    pub secret: (&'static str, &'static str),
    pub vendor: Vendor,
    pub query: SearchQuery,
}

/// Which stand-in serves a connector.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Kestrel,
    Osprey,
}

/// The frozen searches: a surname every seed holds, the same limit for all.
fn name_query(kind: EntityKind) -> SearchQuery {
    SearchQuery {
        kind,
        text: None,
        keys: vec![SearchKey::Name(NameAndBirth {
            surname: "Examplewood".into(),
            given_name: None,
            date_of_birth: None,
        })],
        limit: 20,
        cursor: None,
    }
}

/// Kestrel RMS (Rust), Osprey Custody (Python), Osprey Intel (JavaScript); a subset with
/// `INTEROP_BENCH_LANGUAGES=rust,python`, another build of one with `INTEROP_BENCH_PYTHON=x.wasm`
/// (`_RUST`, `_JS`).
pub fn languages() -> Vec<Language> {
    let all = vec![
        Language {
            name: "rust",
            component: interop_test_artifacts::KESTREL_RMS,
            secret: ("api_key", kestrel_rms_standin::DEFAULT_API_KEY),
            vendor: Vendor::Kestrel,
            query: name_query(EntityKind::Person),
        },
        Language {
            name: "python",
            component: interop_test_artifacts::OSPREY_CUSTODY_PY,
            secret: ("api_key", osprey_standin::DEFAULT_API_KEY),
            vendor: Vendor::Osprey,
            query: name_query(EntityKind::Person),
        },
        Language {
            name: "js",
            component: interop_test_artifacts::OSPREY_INTEL_JS,
            secret: ("token", osprey_standin::DEFAULT_API_KEY),
            vendor: Vendor::Osprey,
            query: name_query(EntityKind::Event),
        },
    ];
    // INTEROP_BENCH_PYTHON=other.wasm (likewise _RUST, _JS) measures another build.
    let all: Vec<Language> = all
        .into_iter()
        .map(|mut l| {
            let var = format!("INTEROP_BENCH_{}", l.name.to_uppercase());
            if let Ok(path) = std::env::var(&var) {
                l.component = Box::leak(path.into_boxed_str());
            }
            l
        })
        .collect();
    match std::env::var("INTEROP_BENCH_LANGUAGES") {
        Ok(only) => {
            let only: Vec<&str> = only.split(',').map(str::trim).collect();
            all.into_iter().filter(|l| only.contains(&l.name)).collect()
        }
        Err(_) => all,
    }
}

/// The component compiled for `engine`, from a cache beside it when one exists (compiling the
/// Python and JavaScript components takes seconds each).
pub fn compiled(engine: &Engine, path: &str) -> Component {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    bytes.hash(&mut hasher);
    let cache = format!("{path}.bench-{:016x}.cwasm", hasher.finish());
    // SAFETY: the file is written below by `precompile_component` of an engine with this
    // compatibility hash, from these bytes, in the build's own target directory.
    if let Ok(component) = unsafe { Component::deserialize_file(engine, &cache) } {
        return component;
    }
    let artifact = engine
        .precompile_component(&bytes)
        .unwrap_or_else(|e| panic!("compiling {path}: {e:#}"));
    let partial = format!("{cache}.partial{}", std::process::id());
    std::fs::write(&partial, &artifact).expect("writing the compiled artifact");
    std::fs::rename(&partial, &cache).expect("renaming the compiled artifact");
    // SAFETY: made just now by this engine.
    unsafe { Component::deserialize(engine, &artifact) }.expect("loading what was just compiled")
}

/// The connector loaded (from cached native code) with nothing granted.
pub async fn our_side(host: &Host, path: &str) -> Connector {
    let component = compiled(host.engine(), path);
    let (connector, _) = host
        .load_compiled_with_policy(path, &component, &Policy::default())
        .await
        .unwrap_or_else(|e| panic!("loading {path}: {e}"));
    connector
}

pub fn context() -> RequestContext {
    RequestContext {
        user_id: "bench".into(),
        role: "investigator".into(),
        clearance: Classification::Official,
        justification: "benchmark".into(),
        case_reference: None,
        correlation_id: "bench".into(),
        idempotency_key: None,
    }
}

/// What a connector at `base` needs: its URL and key, that origin allowed.
pub fn grant(base: &str, (key, value): (&str, &str)) -> Grant {
    Grant {
        config: [
            ("base_url".to_string(), base.to_string()),
            (key.to_string(), value.to_string()),
        ]
        .into(),
        allow: AllowList::new(vec![HostPattern::from_url(base).expect("url")]),
        // The stand-ins listen on loopback: the explicit private-address exception.
        private: interop_sandbox::capabilities::http::PrivateExceptions::parse("127.0.0.1")
            .expect("literal"),
        ..Grant::default()
    }
}

/// The vendor stand-ins, on loopback ports of their own.
pub struct Vendors {
    kestrel: kestrel_rms_standin::StandIn,
    osprey: osprey_standin::StandIn,
}

impl Vendors {
    pub async fn start() -> Vendors {
        Vendors {
            kestrel: kestrel_rms_standin::StandIn::start(Default::default())
                .await
                .expect("stand-in"),
            osprey: osprey_standin::StandIn::start(Default::default())
                .await
                .expect("stand-in"),
        }
    }

    pub fn base(&self, vendor: Vendor) -> String {
        match vendor {
            Vendor::Kestrel => self.kestrel.base_url(),
            Vendor::Osprey => self.osprey.base_url(),
        }
    }
}
