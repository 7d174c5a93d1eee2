//! Load benchmark: many kiosks polling GET /api/v1/schedule at once, against a server on this
//! machine. Bounded in time and concurrency, and refuses non-loopback hosts, so it can never be
//! pointed at someone else's server. With `--push`: many kiosks following the change stream, and
//! the time from a broadcast's POST to each kiosk's fetch of it.

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

/// What [`run_push`] measured: from each broadcast's POST to each subscriber's fetch of it.
#[derive(Debug, Clone)]
pub struct PushReport {
    pub subscribers: usize,
    pub messages: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// (subscriber, message) pairs that never arrived within 10 s.
    pub missing: usize,
}

impl fmt::Display for PushReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "push: {} kiosks on GET /api/v1/stream, {} broadcasts: POST → kiosk fetched it p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {} missing",
            self.subscribers,
            self.messages,
            ms(self.p50),
            ms(self.p99),
            ms(self.max),
            self.missing
        )
    }
}

/// `subscribers` kiosks follow the change stream and fetch `/api/v1/messages` when told; broadcasts
/// are posted one at a time, each once every kiosk has the one before.
pub async fn run_push(base_url: &str, token: &str, subscribers: usize, messages: usize) -> anyhow::Result<PushReport> {
    let base = base_url.trim_end_matches('/').to_string();
    check_loopback(&base)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No total timeout: the streams stay open for the whole run.
    let client = reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build()?;
    let (fetched_tx, mut fetched) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut kiosks = Vec::new();
    for _ in 0..subscribers {
        let (client, base, fetched_tx, ready_tx) = (client.clone(), base.clone(), fetched_tx.clone(), ready_tx.clone());
        kiosks.push(tokio::spawn(async move {
            let mut stream = client.get(format!("{base}/api/v1/stream")).send().await?;
            let _ = ready_tx.send(());
            let mut seen = vec![false; messages];
            let mut pending = String::new();
            while let Some(chunk) = stream.chunk().await? {
                pending.push_str(&String::from_utf8_lossy(&chunk));
                if !pending.contains("data: messages") {
                    continue;
                }
                pending.clear();
                let body = client.get(format!("{base}/api/v1/messages")).send().await?.text().await?;
                let now = Instant::now();
                for (i, seen) in seen.iter_mut().enumerate() {
                    if !*seen && body.contains(&format!("\"bench-{i}\"")) {
                        *seen = true;
                        let _ = fetched_tx.send((i, now));
                    }
                }
            }
            anyhow::Ok(())
        }));
    }
    for _ in 0..subscribers {
        ready.recv().await.context("a kiosk could not subscribe")?;
    }
    let expires = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let mut latencies = Vec::with_capacity(subscribers * messages);
    let mut missing = 0;
    for i in 0..messages {
        let posted = Instant::now();
        let status = client
            .post(format!("{base}/api/v1/admin/messages"))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::json!({"id": format!("bench-{i}"), "text": format!("Bench {i}"), "expires": expires}).to_string())
            .send()
            .await?
            .status();
        anyhow::ensure!(status == StatusCode::CREATED, "posting broadcast {i}: HTTP {status}");
        let mut arrived = 0;
        while arrived < subscribers {
            match tokio::time::timeout_at((posted + Duration::from_secs(10)).into(), fetched.recv()).await {
                Ok(Some((index, at))) if index == i => {
                    latencies.push(at - posted);
                    arrived += 1;
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => {
                    missing += subscribers - arrived;
                    break;
                }
            }
        }
    }
    for kiosk in kiosks {
        kiosk.abort();
    }
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Ok(PushReport {
        subscribers,
        messages,
        p50: at(0.5),
        p99: at(0.99),
        max: latencies.last().copied().unwrap_or_default(),
        missing,
    })
}

/// `bench-server --push`: a server with the sample event on a temporary SQLite file in its own
/// runtime, and the kiosks in another.
pub fn run_push_bench(args: &LoadBenchArgs) -> anyhow::Result<PushReport> {
    let kiosks = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = std::env::temp_dir().join(format!("venue-kiosk-push-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let server_runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let db_url = db::database_url(dir.join("bench.sqlite").to_str().context("temporary directory is not UTF-8")?);
    let token = super::auth::generate_token();
    let report = (|| {
        let server = server_runtime.block_on(spawn(ServerConfig {
            seed_sample: true,
            admin_token: Some(token.clone()),
            ..ServerConfig::new(db_url)
        }))?;
        let report = kiosks.block_on(run_push(
            &server.base_url(),
            &token,
            usize::from(args.concurrency),
            usize::from(args.messages),
        ));
        server_runtime.block_on(server.shutdown())?;
        report
    })();
    let _ = std::fs::remove_dir_all(&dir);
    report
}
