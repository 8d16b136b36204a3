// Work done once while the component is built, instead of in every call.
//
// ComponentizeJS runs the connector module's top level, then snapshots the engine; every call
// starts a fresh instance from that snapshot. SpiderMonkey compiles a function's bytecode the
// first time the function runs, so a function first run inside a call is compiled again in
// every call's instance. Run at module scope, `warmUp` makes that first run happen before the
// snapshot: the functions it reaches are compiled in every instance from the start.
//
//   import { warmUp } from './interop-connector/warm.js';
//   warmUp(() => reportRecord(SAMPLE_REPORT, { force: DEFAULT_FORCE }));
//
// `pole.js` and `http.js` warm their builders and parsing this way when imported (Osprey
// Intel's search took a median 0.80x the time it took without, docs/BENCHMARKS.md). Warming
// the connector's own mapping as well measured no further gain for it, so the example does not.
// `fn` must not call the host (config, log, fetch): the host is not there while the component
// is built. Give it synthetic data shaped like the vendor's answer.

/** Run `fn` `times` times now, at build time; returns nothing (what `fn` built is dropped). */
export function warmUp(fn, times = 2) {
  for (let i = 0; i < times; i += 1) fn();
}
