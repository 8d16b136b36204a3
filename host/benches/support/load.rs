//! What the gateway load benchmarks share: the load generator (keep-alive HTTP/1.1
//! connections, each request timed) and starting the real `interop serve`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

pub const TOKEN: &str = "bench-token-0000000000000001";

pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub struct Side {
    pub name: &'static str,
    /// The servers to drive: connection `i` goes to `addrs[i % addrs.len()]`, as a
    /// round-robin load balancer would spread them.
    pub addrs: Vec<String>,
    pub path: String,
    pub method: &'static str,
    pub body: Option<String>,
    pub token: bool,
}

#[derive(Default)]
pub struct Tally {
    pub latencies: Vec<Duration>,
    pub errors: u64,
    pub elapsed: Duration,
}

impl Tally {
    pub fn rps(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort();
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i]
    }
}

/// Drive `side` with `connections` keep-alive connections for `seconds`.
pub async fn load(side: &Side, connections: usize, seconds: u64) -> Tally {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..connections {
        let addr = side.addrs[i % side.addrs.len()].clone();
        let path = side.path.clone();
        let method = side.method;
        let body = side.body.clone();
        let token = side.token;
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let Ok(stream) = tokio::net::TcpStream::connect(&addr).await else {
                tally.errors += 1;
                return tally;
            };
            let Ok((mut sender, conn)) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await
            else {
                tally.errors += 1;
                return tally;
            };
            tokio::spawn(conn);
            while Instant::now() < deadline {
                let mut request = http::Request::builder()
                    .method(method)
                    .uri(&path)
                    .header("host", &addr);
                if token {
                    request = request.header("authorization", format!("Bearer {TOKEN}"));
                }
                if body.is_some() {
                    request = request.header("content-type", "application/json");
                }
                let request = request
                    .body(Full::new(body.clone().map_or_else(Bytes::new, Bytes::from)))
                    .expect("request");
                let sent = Instant::now();
                match sender.send_request(request).await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let read = response.into_body().collect().await.is_ok();
                        if ok && read {
                            tally.latencies.push(sent.elapsed());
                        } else {
                            tally.errors += 1;
                        }
                    }
                    Err(_) => {
                        tally.errors += 1;
                        break;
                    }
                }
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for t in tasks {
        let t = t.await.expect("load task");
        total.latencies.extend(t.latencies);
        total.errors += t.errors;
    }
    total.elapsed = started.elapsed();
    total
}

/// Start `interop serve --config CONFIG` and wait for the line naming the port it bound.
pub fn start_interop(config: &std::path::Path) -> (Child, String) {
    start_interop_with(config, &[])
}

/// [`start_interop`] with more arguments for `interop serve` (e.g. `--threads 1`).
#[allow(dead_code)] // each bench compiles this file; not every one passes arguments
pub fn start_interop_with(config: &std::path::Path, extra: &[&str]) -> (Child, String) {
    use std::io::BufRead as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config"])
        .arg(config)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run interop serve");
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("interop serve's first line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("interop serve did not start: {line:?}"))
        .to_string();
    (child, addr)
}
