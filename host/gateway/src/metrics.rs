//! Prometheus metrics through `prometheus-client`, label values escaped here.
//!
//! Labels are only ever route templates (`/v1/connectors/{id}/search`, or `unmatched` for a
//! path no route has), status codes, the ids of connectors the gateway loaded, operation names
//! and the sandbox's fixed outcome classes: nothing a request can choose, so no request can
//! add a series or a line to the exposition.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Latency bucket bounds, seconds: a healthy vendor answers in tens of milliseconds, a slow one
/// in seconds, and the default wall clock is ten.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    connector: String,
    operation: String,
    class: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectorLabel {
    connector: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    connector: String,
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResponseLabels {
    route: String,
    status: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The gateway's metrics.
pub struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    errors: Family<ConnectorLabel, Counter>,
    traps: Family<ConnectorLabel, Counter>,
    timeouts: Family<ConnectorLabel, Counter>,
    active: Family<ConnectorLabel, Gauge>,
    latency: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    responses: Family<ResponseLabels, Counter>,
    auth_failures: Counter,
    auth_failures_unrecorded: Counter,
    connections_refused: Counter,
    connections_timed_out: Counter,
    /// (calls, failed) per connector, for `/v1/connectors` health.
    health: Mutex<BTreeMap<String, (u64, u64)>>,
    /// The latest calls per connector (at most [`RECENT_CALLS`] each), for the operator
    /// console's latency percentiles, failure rate and charts.
    recent: Mutex<BTreeMap<String, VecDeque<RecentCall>>>,
}

/// Calls kept per connector for [`Metrics::recent`]: a few tens of KiB each.
pub const RECENT_CALLS: usize = 2048;
/// The window [`Metrics::recent`] reports: the last 30 minutes, a bucket a minute.
pub const RECENT_MINUTES: u64 = 30;

#[derive(Clone, Copy)]
struct RecentCall {
    /// Unix seconds when it finished.
    at: u64,
    took_ms: f64,
    failed: bool,
}

/// One connector's recent calls, as the operator console shows them: over the last
/// [`RECENT_MINUTES`] (at most [`RECENT_CALLS`] calls), the latency percentiles and the share
/// that failed, and a bucket a minute for the charts.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Recent {
    /// Calls in the window.
    pub calls: u64,
    /// Of those, how many failed for a sandbox or vendor reason (not `not-found` or
    /// `invalid-input`, which are answers).
    pub failed: u64,
    /// `failed / calls`, 0 when there were no calls.
    pub failure_rate: f64,
    /// Median latency, milliseconds; `None` with no calls.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency, milliseconds; `None` with no calls.
    pub p99_ms: Option<f64>,
    /// One bucket a minute, oldest first, the last one the current minute.
    pub minutes: Vec<Minute>,
}

/// One minute of a connector's calls.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Minute {
    /// The minute's start, Unix seconds.
    pub start: u64,
    /// Calls that finished in it.
    pub calls: u64,
    /// Of those, how many failed.
    pub failed: u64,
    /// Their median latency, milliseconds; `None` with no calls.
    pub p50_ms: Option<f64>,
}

/// The `q` quantile (0 to 1) of `sorted` (nearest rank), `None` when empty.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let calls = Family::<CallLabels, Counter>::default();
        let errors = Family::<ConnectorLabel, Counter>::default();
        let traps = Family::<ConnectorLabel, Counter>::default();
        let timeouts = Family::<ConnectorLabel, Counter>::default();
        let active = Family::<ConnectorLabel, Gauge>::default();
        let latency = Family::<LatencyLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let responses = Family::<ResponseLabels, Counter>::default();
        let auth_failures = Counter::default();
        let auth_failures_unrecorded = Counter::default();
        let connections_refused = Counter::default();
        let connections_timed_out = Counter::default();
        registry.register(
            "interop_connector_calls",
            "Calls to a connector, by operation and outcome class",
            calls.clone(),
        );
        registry.register(
            "interop_connector_errors",
            "Calls that failed, whatever the reason",
            errors.clone(),
        );
        registry.register(
            "interop_connector_traps",
            "Calls stopped by a trap",
            traps.clone(),
        );
        registry.register(
            "interop_connector_timeouts",
            "Calls stopped by the wall-clock timeout",
            timeouts.clone(),
        );
        registry.register(
            "interop_connector_active_instances",
            "Calls running now (one instance each)",
            active.clone(),
        );
        registry.register(
            "interop_connector_call_seconds",
            "Call latency, instantiation included",
            latency.clone(),
        );
        registry.register(
            "interop_http_responses",
            "Gateway responses by route template and status",
            responses.clone(),
        );
        registry.register(
            "interop_auth_failures",
            "Requests refused for missing or wrong credentials",
            auth_failures.clone(),
        );
        registry.register(
            "interop_auth_failures_unrecorded",
            "Refused unauthenticated requests over the per-client audit rate, counted in the next record instead of one record each",
            auth_failures_unrecorded.clone(),
        );
        registry.register(
            "interop_connections_refused",
            "Connections closed at accept because max_connections were open",
            connections_refused.clone(),
        );
        registry.register(
            "interop_connections_timed_out",
            "Connections closed for a slow header, an idle keep-alive or a slow body",
            connections_timed_out.clone(),
        );
        Metrics {
            registry,
            calls,
            errors,
            traps,
            timeouts,
            active,
            latency,
            responses,
            auth_failures,
            auth_failures_unrecorded,
            connections_refused,
            connections_timed_out,
            health: Mutex::new(BTreeMap::new()),
            recent: Mutex::new(BTreeMap::new()),
        }
    }
}

/// A label value as the text exposition format needs it: `\\`, `"` and newlines escaped.
/// `prometheus-client` writes label values as given, and although every value here is a route
/// template or a loaded connector's id, escaping keeps a value from ever becoming a line.
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn connector(id: &str) -> ConnectorLabel {
    ConnectorLabel {
        connector: label(id),
    }
}

impl Metrics {
    /// A connector was loaded: its series exist from now on (at zero).
    pub fn known(&self, id: &str) {
        let _ = self.active.get_or_create(&connector(id));
        let _ = self.errors.get_or_create(&connector(id));
        let _ = self.traps.get_or_create(&connector(id));
        let _ = self.timeouts.get_or_create(&connector(id));
    }

    /// A call to `connector` started.
    pub fn started(&self, id: &str) {
        self.active.get_or_create(&connector(id)).inc();
    }

    /// A call finished with `class` (`ok`, or an error class) after `took`.
    pub fn finished(&self, id: &str, operation: &str, class: &str, took: Duration) {
        self.active.get_or_create(&connector(id)).dec();
        self.calls
            .get_or_create(&CallLabels {
                connector: label(id),
                operation: label(operation),
                class: label(class),
            })
            .inc();
        self.latency
            .get_or_create(&LatencyLabels {
                connector: label(id),
                operation: label(operation),
            })
            .observe(took.as_secs_f64());
        if class != "ok" {
            self.errors.get_or_create(&connector(id)).inc();
        }
        match class {
            "trap" => {
                self.traps.get_or_create(&connector(id)).inc();
            }
            "timeout" => {
                self.timeouts.get_or_create(&connector(id)).inc();
            }
            _ => {}
        }
        let failed = !matches!(class, "ok" | "not-found" | "invalid-input");
        {
            let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
            let entry = health.entry(id.to_string()).or_default();
            entry.0 += 1;
            entry.1 += u64::from(failed);
        }
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let calls = recent.entry(id.to_string()).or_default();
        if calls.len() >= RECENT_CALLS {
            calls.pop_front();
        }
        calls.push_back(RecentCall {
            at: unix_now(),
            took_ms: took.as_secs_f64() * 1000.0,
            failed,
        });
    }

    /// Connector `id`'s calls over the last [`RECENT_MINUTES`], for the operator console.
    pub fn recent(&self, id: &str) -> Recent {
        self.recent_at(id, unix_now())
    }

    fn recent_at(&self, id: &str, now: u64) -> Recent {
        let this_minute = now - now % 60;
        let first = this_minute.saturating_sub((RECENT_MINUTES - 1) * 60);
        let in_window: Vec<RecentCall> = self
            .recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .map(|calls| calls.iter().filter(|c| c.at >= first).copied().collect())
            .unwrap_or_default();
        let sorted = |calls: &mut dyn Iterator<Item = &RecentCall>| {
            let mut v: Vec<f64> = calls.map(|c| c.took_ms).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let all = sorted(&mut in_window.iter());
        let failed = in_window.iter().filter(|c| c.failed).count() as u64;
        let calls = in_window.len() as u64;
        let minutes = (0..RECENT_MINUTES)
            .map(|i| {
                let start = first + i * 60;
                let mut these = in_window
                    .iter()
                    .filter(|c| c.at >= start && c.at < start + 60);
                let latencies = sorted(&mut these);
                Minute {
                    start,
                    calls: latencies.len() as u64,
                    failed: in_window
                        .iter()
                        .filter(|c| c.at >= start && c.at < start + 60 && c.failed)
                        .count() as u64,
                    p50_ms: quantile(&latencies, 0.5),
                }
            })
            .collect();
        Recent {
            calls,
            failed,
            failure_rate: if calls == 0 {
                0.0
            } else {
                failed as f64 / calls as f64
            },
            p50_ms: quantile(&all, 0.5),
            p99_ms: quantile(&all, 0.99),
            minutes,
        }
    }

    /// The gateway answered a request on route template `route` with `status`.
    pub fn response(&self, route: &str, status: u16) {
        self.responses
            .get_or_create(&ResponseLabels {
                route: label(route),
                status: status.to_string(),
            })
            .inc();
    }

    /// A request was refused for its credentials; `recorded` says whether it got a record of
    /// its own.
    pub fn auth_failure(&self, recorded: bool) {
        self.auth_failures.inc();
        if !recorded {
            self.auth_failures_unrecorded.inc();
        }
    }

    /// A connection was refused at accept.
    pub fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    /// A connection was closed by a listener timeout.
    pub fn connection_timed_out(&self) {
        self.connections_timed_out.inc();
    }

    /// Calls to a connector and how many failed for a sandbox or vendor reason, for
    /// `/v1/connectors` health.
    pub fn failures(&self, id: &str) -> (u64, u64) {
        self.health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .copied()
            .unwrap_or_default()
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!("cannot encode the metrics: {e}");
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
        m.known("harrier-anpr");
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
            "interop_connector_active_instances{connector=\"harrier-anpr\"} 0",
            "interop_connector_call_seconds_bucket{le=\"0.025\",connector=\"kestrel-rms\",operation=\"search\"} 1",
            "interop_connector_call_seconds_count{connector=\"kestrel-rms\",operation=\"search\"} 2",
            "interop_http_responses_total{route=\"/v1/search\",status=\"200\"} 1",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert_eq!(m.failures("kestrel-rms"), (3, 2));
    }

    #[test]
    fn recent_calls_give_percentiles_failure_rate_and_minutes() {
        let m = Metrics::default();
        for ms in 1..=100u64 {
            let class = if ms % 10 == 0 { "vendor" } else { "ok" };
            m.finished("kestrel-rms", "search", class, Duration::from_millis(ms));
        }
        m.finished(
            "kestrel-rms",
            "fetch",
            "not-found",
            Duration::from_millis(1),
        );
        let r = m.recent("kestrel-rms");
        assert_eq!(r.calls, 101);
        assert_eq!(r.failed, 10, "not-found is an answer, not a failure");
        assert!((r.failure_rate - 10.0 / 101.0).abs() < 1e-9);
        let p50 = r.p50_ms.unwrap();
        assert!((50.0..=51.0).contains(&p50), "{p50}");
        assert!(r.p99_ms.unwrap() >= 99.0);
        assert_eq!(r.minutes.len(), RECENT_MINUTES as usize);
        assert_eq!(r.minutes.iter().map(|b| b.calls).sum::<u64>(), 101);
        // Half an hour later the window is empty.
        let later = m.recent_at("kestrel-rms", unix_now() + RECENT_MINUTES * 60 + 60);
        assert_eq!((later.calls, later.p50_ms), (0, None));
        assert_eq!(m.recent("never-called").calls, 0);
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::default();
        m.response("/x\"} 1\ninjected_total 99\n#", 404);
        let text = m.render();
        assert!(
            !text.lines().any(|l| l.starts_with("injected_total")),
            "{text}"
        );
    }
}
