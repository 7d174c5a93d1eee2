//! Load benchmark: many kiosks polling GET /api/v1/schedule at once, against a server on this
//! machine. Bounded in time and concurrency, and refuses non-loopback hosts, so it can never be
//! pointed at someone else's server.

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_NONE_MATCH};

use super::{LoadBenchArgs, ServerConfig, db, spawn};

/// What [`run_load`] measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub url: String,
    pub concurrency: usize,
    pub elapsed: Duration,
    pub requests: u64,
    pub failures: u64,
    pub conditional: bool,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl LoadReport {
    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "GET {} ({}): {} pollers, {:.1} s: {} requests, {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {} failures",
            self.url,
            if self.conditional { "If-None-Match, 304" } else { "full 200, gzip" },
            self.concurrency,
            self.elapsed.as_secs_f64(),
            self.requests,
            self.requests_per_second(),
            ms(self.p50),
            ms(self.p99),
            ms(self.max),
            self.failures
        )
    }
}

/// Poll `{base_url}/api/v1/schedule` from `concurrency` tasks for `duration`. Each poller waits for
/// its answer (body read to the end) before asking again, like a kiosk with a zero interval.
pub async fn run_load(base_url: &str, concurrency: usize, duration: Duration, conditional: bool) -> anyhow::Result<LoadReport> {
    let url = format!("{}/api/v1/schedule", base_url.trim_end_matches('/'));
    check_loopback(&url)?;
    // reqwest is built without a bundled crypto provider; ring is the crate's. Installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(concurrency)
        .build()
        .context("build the HTTP client")?;
    let first = client.get(&url).send().await.with_context(|| format!("GET {url}"))?;
    if first.status() != StatusCode::OK {
        bail!("GET {url} answered {}", first.status());
    }
    let etag = first.headers().get(ETAG).cloned();
    first.bytes().await?;

    let started = Instant::now();
    let deadline = started + duration;
    let mut pollers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, url, etag) = (client.clone(), url.clone(), etag.clone());
        pollers.spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut failures = 0u64;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let mut request = client.get(&url);
                if conditional && let Some(etag) = &etag {
                    request = request.header(IF_NONE_MATCH, etag.clone());
                }
                let ok = match request.send().await {
                    Ok(response) => {
                        let status = response.status();
                        response.bytes().await.is_ok() && (status == StatusCode::OK || status == StatusCode::NOT_MODIFIED)
                    }
                    Err(_) => false,
                };
                if ok {
                    latencies.push(sent.elapsed());
                } else {
                    failures += 1;
                }
            }
            (latencies, failures)
        });
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    while let Some(joined) = pollers.join_next().await {
        let (mut part, part_failures) = joined.context("poller panicked")?;
        latencies.append(&mut part);
        failures += part_failures;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| -> Duration {
        if latencies.is_empty() {
            return Duration::ZERO;
        }
        latencies[((latencies.len() - 1) as f64 * q).round() as usize]
    };
    Ok(LoadReport {
        url,
        concurrency,
        elapsed,
        requests: latencies.len() as u64,
        failures,
        conditional,
        p50: at(0.50),
        p99: at(0.99),
        max: latencies.last().copied().unwrap_or_default(),
    })
}

fn check_loopback(url: &str) -> anyhow::Result<()> {
    let parsed = url::Url::parse(url).with_context(|| format!("bad URL {url}"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    if !loopback {
        bail!("the load benchmark only runs against this machine (127.0.0.1, ::1 or localhost), not {url}");
    }
    Ok(())
}

/// Run [`run_load`] as `args` say. Without `--url`, a server with the sample event runs on a
/// temporary SQLite file in its own runtime, so server and pollers do not share one scheduler.
pub fn run_load_bench(args: &LoadBenchArgs) -> anyhow::Result<LoadReport> {
    let duration = Duration::from_secs(args.seconds);
    let concurrency = usize::from(args.concurrency);
    let pollers = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if let Some(url) = &args.url {
        return pollers.block_on(run_load(url, concurrency, duration, args.conditional));
    }
    let dir = std::env::temp_dir().join(format!("venue-kiosk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let server_runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let db_url = db::database_url(dir.join("bench.sqlite").to_str().context("temporary directory is not UTF-8")?);
    let report = (|| {
        let server = server_runtime.block_on(spawn(ServerConfig {
            seed_sample: true,
            ..ServerConfig::new(db_url)
        }))?;
        let report = pollers.block_on(run_load(&server.base_url(), concurrency, duration, args.conditional));
        server_runtime.block_on(server.shutdown())?;
        report
    })();
    let _ = std::fs::remove_dir_all(&dir);
    report
}
