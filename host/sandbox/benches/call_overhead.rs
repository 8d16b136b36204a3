//! What the host's sandbox costs per call, measured side by side with bare wasmtime.
//!
//! `cargo bench -p interop-sandbox --bench call_overhead`
//!
//! - `describe/interop-sandbox`: a fresh instance + `describe` through [`Connector::describe`]:
//!   budgets, call hooks, captured output, the capability state.
//! - `describe/bare-wasmtime`: the same component on a default pooling engine, an `InstancePre`
//!   instantiated into a store holding only a WASI context, and the same export called as a typed
//!   function lifting the same `ConnectorInfo`. The ratio of the two is our overhead.
//! - `search/kestrel-rms`: a person search through the Kestrel connector against its stand-in
//!   on loopback: the whole path an officer's query takes through one connector.

use criterion::{Criterion, criterion_group, criterion_main};
use interop_sandbox::types::{Classification, EntityKind, RequestContext, SearchQuery};
use interop_sandbox::{AllowList, Grant, Host, HostPattern};
use wasmtime::component::{Component, Linker, ResourceTable, Val};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The contract's generated types for the bare side, which lifts `describe`'s answer as any
/// wasmtime embedder would, into the bindings' own `ConnectorInfo`.
mod bare {
    wasmtime::component::bindgen!({
        path: "../../wit/since_v0.1.0",
        world: "connector-world",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}
use bare::interop::connector::types::ConnectorInfo;

struct Bare {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiView for Bare {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Bare {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: Default::default(),
        }
    }
}

fn bare_engine() -> Engine {
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(
        PoolingAllocationConfig::default(),
    ));
    Engine::new(&config).expect("bare engine")
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // INTEROP_BENCH_COMPONENT=path/to/other.wasm compares another connector's describe.
    let describe_path = std::env::var("INTEROP_BENCH_COMPONENT")
        .unwrap_or_else(|_| interop_test_artifacts::KESTREL_RMS.to_string());
    let path = describe_path.as_str();

    // Ours.
    let host = Host::new().expect("host");
    let connector = rt
        .block_on(host.load_file(path, Grant::default()))
        .expect("load");

    // Bare wasmtime.
    let engine = bare_engine();
    let component = Component::from_file(&engine, path).expect("compile");
    let mut linker: Linker<Bare> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("wasi");
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).expect("http");
    // describe calls neither log nor config: minimal stand-ins satisfy the imports.
    linker
        .instance("interop:connector/types@0.1.0")
        .expect("types");
    linker
        .instance("interop:connector/log@0.1.0")
        .and_then(|mut i| i.func_new("log", |_, _, _, _| Ok(())))
        .expect("log");
    linker
        .instance("interop:connector/config@0.1.0")
        .and_then(|mut i| {
            i.func_new("get", |_, _, _, results| {
                results[0] = Val::Option(None);
                Ok(())
            })
        })
        .expect("config");
    let pre = linker.instantiate_pre(&component).expect("pre");
    let (_, iface) = component
        .get_export(None, "interop:connector/connector@0.1.0")
        .expect("export");
    let (_, describe) = component
        .get_export(Some(&iface), "describe")
        .expect("describe");

    let mut group = c.benchmark_group("describe");
    group.bench_function("interop-sandbox", |b| {
        b.to_async(&rt)
            .iter(|| async { connector.describe().await.expect("describe") })
    });
    group.bench_function("bare-wasmtime", |b| {
        b.to_async(&rt).iter(|| async {
            let mut store = Store::new(
                &engine,
                Bare {
                    wasi: WasiCtx::builder().build(),
                    http: WasiHttpCtx::new(),
                    table: ResourceTable::new(),
                },
            );
            let instance = pre
                .instantiate_async(&mut store)
                .await
                .expect("instantiate");
            let func = instance
                .get_typed_func::<(), (ConnectorInfo,)>(&mut store, describe)
                .expect("describe func");
            let (info,) = func.call_async(&mut store, ()).await.expect("call");
            info
        })
    });
    group.finish();

    // One connector against its vendor stand-in.
    let vendor = rt
        .block_on(kestrel_rms_standin::StandIn::start(
            kestrel_rms_standin::Config::default(),
        ))
        .expect("stand-in");
    let base = vendor.base_url();
    let grant = Grant {
        config: [
            ("base_url".to_string(), base.clone()),
            (
                "api_key".to_string(),
                kestrel_rms_standin::DEFAULT_API_KEY.to_string(),
            ),
        ]
        .into(),
        allow: AllowList::new(vec![HostPattern::from_url(&base).expect("url")]),
        // The stand-in listens on loopback: the explicit private-address exception.
        private: interop_sandbox::capabilities::http::PrivateExceptions::parse("127.0.0.1")
            .expect("literal"),
        ..Grant::default()
    };
    let rms = rt
        .block_on(host.load_file(interop_test_artifacts::KESTREL_RMS, grant))
        .expect("load");
    let ctx = RequestContext {
        user_id: "bench".into(),
        role: "investigator".into(),
        clearance: Classification::Official,
        justification: "benchmark".into(),
        case_reference: None,
        correlation_id: "bench".into(),
        idempotency_key: None,
    };
    let query = SearchQuery {
        kind: EntityKind::Person,
        text: Some("Examplewood".into()),
        keys: vec![],
        limit: 10,
        cursor: None,
    };
    c.bench_function("search/kestrel-rms", |b| {
        b.to_async(&rt)
            .iter(|| async { rms.search(&ctx, &query).await.expect("search") })
    });
}

criterion_group!(overhead, benches);
criterion_main!(overhead);
