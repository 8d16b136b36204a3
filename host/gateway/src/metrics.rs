//! Prometheus metrics, per connector: calls by operation and outcome class, traps, timeouts,
//! latency histograms, instances running now. Written in the text exposition format by hand:
//! a handful of series does not need a metrics library.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Latency bucket bounds, seconds: a healthy vendor answers in tens of milliseconds, a slow one
/// in seconds, and the default wall clock is ten.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Series {
    /// (operation, class) → count; class is `ok` or a [`interop_sandbox::CallError::class`].
    calls: BTreeMap<(String, String), u64>,
    /// operation → (bucket counts, sum of seconds, count).
    latency: BTreeMap<String, ([u64; BUCKETS.len()], f64, u64)>,
    active: i64,
}

/// The gateway's metrics.
#[derive(Default)]
pub struct Metrics {
    connectors: Mutex<BTreeMap<String, Series>>,
    http: Mutex<BTreeMap<(String, u16), u64>>,
}

impl Metrics {
    fn with<R>(&self, connector: &str, f: impl FnOnce(&mut Series) -> R) -> R {
        let mut map = self.connectors.lock().unwrap_or_else(|e| e.into_inner());
        // Every call lands here: allocate the key only for a connector's first series.
        if let Some(series) = map.get_mut(connector) {
            return f(series);
        }
        f(map.entry(connector.to_string()).or_default())
    }

    /// A call to `connector` started.
    pub fn started(&self, connector: &str) {
        self.with(connector, |s| s.active += 1);
    }

    /// A call finished with `class` (`ok`, or an error class) after `took`.
    pub fn finished(&self, connector: &str, operation: &str, class: &str, took: Duration) {
        self.with(connector, |s| {
            s.active -= 1;
            let key = (operation.to_string(), class.to_string());
            *s.calls.entry(key).or_default() += 1;
            let secs = took.as_secs_f64();
            if !s.latency.contains_key(operation) {
                s.latency.insert(operation.to_string(), Default::default());
            }
            let (buckets, sum, count) = s
                .latency
                .get_mut(operation)
                .expect("inserted above when missing");
            for (i, bound) in BUCKETS.iter().enumerate() {
                if secs <= *bound {
                    buckets[i] += 1;
                }
            }
            *sum += secs;
            *count += 1;
        });
    }

    /// The gateway answered a request on `route` with `status`.
    pub fn response(&self, route: &str, status: u16) {
        let mut map = self.http.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry((route.to_string(), status)).or_default() += 1;
    }

    /// The last outcome class of calls to a connector is not kept here; this says whether any
    /// call to it has failed for a sandbox or vendor reason, for `/v1/connectors` health.
    pub fn failures(&self, connector: &str) -> (u64, u64) {
        self.with(connector, |s| {
            let total: u64 = s.calls.values().sum();
            let failed: u64 = s
                .calls
                .iter()
                .filter(|((_, class), _)| {
                    !matches!(class.as_str(), "ok" | "not-found" | "invalid-input")
                })
                .map(|(_, n)| n)
                .sum();
            (total, failed)
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let map = self.connectors.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str("# HELP interop_connector_calls_total Calls to a connector, by operation and outcome class.\n# TYPE interop_connector_calls_total counter\n");
        for (c, s) in map.iter() {
            for ((op, class), n) in &s.calls {
                let _ = writeln!(
                    out,
                    "interop_connector_calls_total{{connector=\"{c}\",operation=\"{op}\",class=\"{class}\"}} {n}"
                );
            }
        }
        for (name, help, classes) in [
            ("errors", "Calls that failed, whatever the reason.", None),
            ("traps", "Calls stopped by a trap.", Some(&["trap"][..])),
            (
                "timeouts",
                "Calls stopped by the wall-clock timeout.",
                Some(&["timeout"][..]),
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP interop_connector_{name}_total {help}\n# TYPE interop_connector_{name}_total counter"
            );
            for (c, s) in map.iter() {
                let n: u64 = s
                    .calls
                    .iter()
                    .filter(|((_, class), _)| match classes {
                        Some(list) => list.contains(&class.as_str()),
                        None => class != "ok",
                    })
                    .map(|(_, n)| n)
                    .sum();
                let _ = writeln!(
                    out,
                    "interop_connector_{name}_total{{connector=\"{c}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP interop_connector_active_instances Calls running now (one instance each).\n# TYPE interop_connector_active_instances gauge\n");
        for (c, s) in map.iter() {
            let _ = writeln!(
                out,
                "interop_connector_active_instances{{connector=\"{c}\"}} {}",
                s.active
            );
        }
        out.push_str("# HELP interop_connector_call_seconds Call latency, instantiation included.\n# TYPE interop_connector_call_seconds histogram\n");
        for (c, s) in map.iter() {
            for (op, (buckets, sum, count)) in &s.latency {
                for (bound, n) in BUCKETS.iter().zip(buckets) {
                    let _ = writeln!(
                        out,
                        "interop_connector_call_seconds_bucket{{connector=\"{c}\",operation=\"{op}\",le=\"{bound}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "interop_connector_call_seconds_bucket{{connector=\"{c}\",operation=\"{op}\",le=\"+Inf\"}} {count}\ninterop_connector_call_seconds_sum{{connector=\"{c}\",operation=\"{op}\"}} {sum}\ninterop_connector_call_seconds_count{{connector=\"{c}\",operation=\"{op}\"}} {count}"
                );
            }
        }
        drop(map);
        out.push_str("# HELP interop_http_responses_total Gateway responses by route and status.\n# TYPE interop_http_responses_total counter\n");
        let http = self.http.lock().unwrap_or_else(|e| e.into_inner());
        for ((route, status), n) in http.iter() {
            let _ = writeln!(
                out,
                "interop_http_responses_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_classes_and_histograms() {
        let m = Metrics::default();
        m.started("kestrel-rms");
        m.finished("kestrel-rms", "search", "ok", Duration::from_millis(20));
        m.started("kestrel-rms");
        m.finished("kestrel-rms", "search", "timeout", Duration::from_secs(10));
        m.started("kestrel-rms");
        m.finished("kestrel-rms", "fetch", "trap", Duration::from_millis(3));
        m.response("/v1/search", 200);
        let text = m.render();
        for line in [
            "interop_connector_calls_total{connector=\"kestrel-rms\",operation=\"search\",class=\"ok\"} 1",
            "interop_connector_errors_total{connector=\"kestrel-rms\"} 2",
            "interop_connector_traps_total{connector=\"kestrel-rms\"} 1",
            "interop_connector_timeouts_total{connector=\"kestrel-rms\"} 1",
            "interop_connector_active_instances{connector=\"kestrel-rms\"} 0",
            "interop_connector_call_seconds_bucket{connector=\"kestrel-rms\",operation=\"search\",le=\"0.025\"} 1",
            "interop_connector_call_seconds_count{connector=\"kestrel-rms\",operation=\"search\"} 2",
            "interop_http_responses_total{route=\"/v1/search\",status=\"200\"} 1",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert_eq!(m.failures("kestrel-rms"), (3, 2));
    }
}
