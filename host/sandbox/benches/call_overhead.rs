//! What the sandbox costs per call, for a connector in each language, measured side by side with
//! bare wasmtime on the same pool.
//!
//! `cargo bench -p interop-sandbox --bench call_overhead`
//!
//! For each of the Kestrel RMS connector (Rust), Osprey Custody (Python, componentize-py) and
//! Osprey Intel (JavaScript, ComponentizeJS):
//!
//! - `describe/<language>/interop-sandbox`: a fresh instance + `describe` through
//!   [`Connector::describe`]: the store with every capability's state, the memory limiter, the
//!   guest-time call hooks, the epoch callback, captured output, the wall-clock timeout, the
//!   boundary meter, and the type check of all five exports that `describe` does.
//! - `describe/<language>/bare-wasmtime`: the same component on an engine with the **same**
//!   compiler and pool settings ([`Host::baseline_config`]) but none of the sandbox's machinery
//!   (no epoch interruption, no call hooks, no limiter): `InstancePre::instantiate_async` into
//!   a store holding only a WASI context, and the same export called as a typed function lifting
//!   the same `ConnectorInfo`. The ratio of the two is the sandbox's whole price.
//! - `search/<language>`: a search through the connector against its vendor stand-in on
//!   loopback: instantiate, the HTTP exchange through the host, JSON parsing and POLE mapping in
//!   the guest, the records lifted back. Records and bytes per answer are printed first.
//!
//! Compiling the Python and JavaScript components takes seconds each; the native code is cached
//! beside each component (keyed by engine), as the tests do.
//!
//! `INTEROP_BENCH_LANGUAGES=rust,python` runs a subset.

#[path = "common/mod.rs"]
mod common;

use common::{compiled, languages, our_side};
use criterion::{Criterion, criterion_group, criterion_main};
use interop_sandbox::Host;
use wasmtime::component::{ComponentExportIndex, InstancePre, Linker, ResourceTable, Val};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The contract's generated types for the bare side, which lifts `describe`'s answer as any
/// wasmtime embedder would, into the bindings' own `ConnectorInfo`.
mod bare {
    wasmtime::component::bindgen!({
        path: "../../wit/since_v0.2.0",
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

const CONTRACT: &str = "0.2.0";

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

/// The bare side for one component: an `InstancePre` on the baseline engine and its `describe`.
fn bare_side(engine: &Engine, path: &str) -> (InstancePre<Bare>, ComponentExportIndex) {
    let component = compiled(engine, path);
    let mut linker: Linker<Bare> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("wasi");
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).expect("http");
    // describe calls neither log nor config: minimal stand-ins satisfy the imports.
    linker
        .instance(&format!("interop:connector/types@{CONTRACT}"))
        .expect("types");
    linker
        .instance(&format!("interop:connector/log@{CONTRACT}"))
        .and_then(|mut i| i.func_new("log", |_, _, _, _| Ok(())))
        .expect("log");
    linker
        .instance(&format!("interop:connector/config@{CONTRACT}"))
        .and_then(|mut i| {
            i.func_new("get", |_, _, _, results| {
                results[0] = Val::Option(None);
                Ok(())
            })
        })
        .expect("config");
    let pre = linker.instantiate_pre(&component).expect("pre");
    let (_, iface) = component
        .get_export(None, format!("interop:connector/connector@{CONTRACT}"))
        .expect("export");
    let (_, describe) = component
        .get_export(Some(&iface), "describe")
        .expect("describe");
    (pre, describe)
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let host = Host::new().expect("host");
    let baseline = Engine::new(&Host::baseline_config()).expect("baseline engine");
    let languages = languages();

    let mut group = c.benchmark_group("describe");
    for lang in &languages {
        let connector = rt.block_on(our_side(&host, lang.component));
        let (pre, describe) = bare_side(&baseline, lang.component);
        group.bench_function(format!("{}/interop-sandbox", lang.name), |b| {
            b.to_async(&rt)
                .iter(|| async { connector.describe().await.expect("describe") })
        });
        group.bench_function(format!("{}/bare-wasmtime", lang.name), |b| {
            b.to_async(&rt).iter(|| async {
                let mut store = Store::new(
                    &baseline,
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
    }
    group.finish();

    // Each connector against its vendor stand-in.
    let vendors = rt.block_on(common::Vendors::start());
    let ctx = common::context();
    let mut group = c.benchmark_group("search");
    for lang in &languages {
        let base = vendors.base(lang.vendor);
        let connector = rt
            .block_on(our_side(&host, lang.component))
            .with_grant(common::grant(&base, lang.secret))
            .expect("grant");
        let answer = rt
            .block_on(connector.search(&ctx, &lang.query))
            .expect("search");
        let bytes = serde_json::to_vec(&answer).expect("json").len();
        println!(
            "search/{}: {} records, {bytes} bytes of POLE JSON per answer",
            lang.name,
            answer.records.len()
        );
        group.bench_function(lang.name, |b| {
            b.to_async(&rt)
                .iter(|| async { connector.search(&ctx, &lang.query).await.expect("search") })
        });
    }
    group.finish();
}

criterion_group!(overhead, benches);
criterion_main!(overhead);
