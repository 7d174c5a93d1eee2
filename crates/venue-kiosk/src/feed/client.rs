//! The feed worker: a thread of its own with a Tokio runtime, polling every endpoint on its own
//! interval. It fetches, size-caps, decodes and checks payloads, and keeps the disk cache; the main
//! thread only receives finished [`FeedUpdate`]s through a channel, so the network, JSON parsing
//! and disk never touch a frame.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, Sender};
use rand::Rng;
use reqwest::header::{ACCEPT, ETAG, IF_NONE_MATCH};
use std::sync::Arc;

use tokio::sync::{Notify, watch};
use url::Url;

use super::cache::{CachedBody, DiskCache};
use super::http::client_builder;
use crate::config::source::{DocSpec, SourceSpec};
use crate::config::trust::TrustedCerts;
use venue_contract::payload::{Endpoint, FeedPayload, decode};
use venue_contract::sample;

/// Everything the worker needs; built from [`crate::config::FeedConfig`] or by tests directly.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub source: SourceSpec,
    pub schedule_source: Option<DocSpec>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_body_bytes: u64,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// Poll interval per endpoint, in [`Endpoint::ALL`] order.
    pub intervals: [Duration; 6],
    pub cache: Option<DiskCache>,
    /// Certificates trusted besides the system's roots (`feed.ca_file`).
    pub trusted: TrustedCerts,
}

impl WorkerConfig {
    pub fn from_config(feed: &crate::config::FeedConfig) -> Result<WorkerConfig, String> {
        let source = SourceSpec::parse(&feed.source)?;
        let schedule_source = feed.schedule_source.as_deref().map(DocSpec::parse).transpose()?;
        let cache_key = Self::cache_key(feed);
        let root = feed.cache_dir.clone().unwrap_or_else(DiskCache::default_root);
        let p = &feed.poll;
        Ok(WorkerConfig {
            cache: (source != SourceSpec::Sample || schedule_source.is_some()).then(|| DiskCache::for_source(&root, &cache_key)),
            source,
            schedule_source,
            connect_timeout: feed.connect_timeout(),
            request_timeout: feed.request_timeout(),
            max_body_bytes: feed.max_body_bytes,
            backoff_initial: Duration::from_millis(feed.backoff_initial_ms),
            backoff_max: Duration::from_millis(feed.backoff_max_ms),
            intervals: [p.event, p.schedule, p.messages, p.draw, p.game, p.casino].map(Duration::from_secs),
            trusted: feed.trusted.clone(),
        })
    }

    /// Which cache folder a feed configuration uses (one per source, so servers never mix).
    pub fn cache_key(feed: &crate::config::FeedConfig) -> String {
        format!("{}|{}", feed.source, feed.schedule_source.as_deref().unwrap_or(""))
    }

    fn interval(&self, endpoint: Endpoint) -> Duration {
        self.intervals[endpoint as usize]
    }
}

/// Where a payload came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Origin {
    Network,
    /// The disk cache, saved at this time.
    Cache {
        saved: DateTime<Utc>,
    },
    /// Compiled-in sample or a local file.
    Local,
}

/// What the worker reports to the main thread.
#[derive(Debug, Clone)]
pub enum FeedUpdate {
    Data {
        /// Boxed: a decoded payload is large beside the other reports.
        payload: Box<FeedPayload>,
        origin: Origin,
        at: DateTime<Utc>,
    },
    NotModified {
        endpoint: Endpoint,
        at: DateTime<Utc>,
    },
    Failed {
        endpoint: Endpoint,
        error: String,
        at: DateTime<Utc>,
    },
}

/// Handle to the running worker. Dropping it stops the worker.
pub struct FeedWorker {
    updates: Receiver<FeedUpdate>,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FeedWorker {
    pub fn spawn(config: WorkerConfig) -> FeedWorker {
        let (tx, rx) = crossbeam_channel::unbounded();
        let (stop_tx, stop_rx) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("feed-worker".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        tracing::error!("feed worker cannot start its runtime: {e}");
                        return;
                    }
                };
                runtime.block_on(run(config, tx, stop_rx));
            })
            .expect("spawn feed worker thread");
        FeedWorker {
            updates: rx,
            stop: stop_tx,
            thread: Some(thread),
        }
    }

    pub fn updates(&self) -> &Receiver<FeedUpdate> {
        &self.updates
    }

    /// Stop and wait for the worker thread (tests, orderly shutdown).
    pub fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FeedWorker {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Where one endpoint's payload is read from.
#[derive(Debug, Clone)]
enum Fetcher {
    Embedded,
    Http(Url),
    File(PathBuf),
}

async fn run(config: WorkerConfig, tx: Sender<FeedUpdate>, stop: watch::Receiver<bool>) {
    let client = match build_client(&config) {
        Ok(c) => c,
        Err(e) => {
            for endpoint in Endpoint::ALL {
                let _ = tx.send(FeedUpdate::Failed {
                    endpoint,
                    error: e.clone(),
                    at: Utc::now(),
                });
            }
            return;
        }
    };
    let mut tasks = Vec::new();
    // One wake-up per endpoint: the server's change stream cuts a poller's wait short.
    let wakes: [Arc<Notify>; 6] = Default::default();
    if let SourceSpec::Http(base) = &config.source {
        tasks.push(tokio::spawn(follow_pushes(
            config.clone(),
            base.clone(),
            wakes.clone(),
            stop.clone(),
        )));
    }
    for endpoint in Endpoint::ALL {
        let fetcher = match (&config.source, endpoint, &config.schedule_source) {
            (_, Endpoint::Schedule, Some(DocSpec::Http(url))) => Fetcher::Http(url.clone()),
            (_, Endpoint::Schedule, Some(DocSpec::File(path))) => Fetcher::File(path.clone()),
            (SourceSpec::Sample, _, _) => Fetcher::Embedded,
            (SourceSpec::Http(base), _, _) => match base.join(&endpoint.path()) {
                Ok(url) => Fetcher::Http(url),
                Err(e) => {
                    let _ = tx.send(FeedUpdate::Failed {
                        endpoint,
                        error: format!("bad URL: {e}"),
                        at: Utc::now(),
                    });
                    continue;
                }
            },
            (SourceSpec::Dir(dir), _, _) => Fetcher::File(dir.join(endpoint.file_name())),
        };
        let poller = Poller {
            endpoint,
            fetcher,
            client: client.clone(),
            config: config.clone(),
            tx: tx.clone(),
            stop: stop.clone(),
            wake: wakes[Endpoint::ALL.iter().position(|e| *e == endpoint).unwrap_or_default()].clone(),
            last_body: None,
        };
        tasks.push(tokio::spawn(poller.run()));
    }
    for task in tasks {
        let _ = task.await;
    }
}

/// How long the change stream may stay silent (the server sends a keep-alive every 15 s) before
/// the kiosk reconnects.
const PUSH_IDLE: Duration = Duration::from_secs(45);

/// Follows the event server's change stream (`GET /api/v1/stream`, contract 1.1) and wakes the
/// poller of each endpoint it names, so a change shows at once; polling stays the fallback. A
/// server without the stream (`404`) is not asked again; a lost stream is reopened with backoff.
async fn follow_pushes(config: WorkerConfig, base: Url, wakes: [Arc<Notify>; 6], mut stop: watch::Receiver<bool>) {
    let Ok(url) = base.join("api/v1/stream") else { return };
    // No total timeout: the stream is meant to stay open; silence is caught by PUSH_IDLE.
    let Ok(client) = client_builder(&config.trusted).connect_timeout(config.connect_timeout).build() else {
        return;
    };
    let mut failures = 0u32;
    loop {
        let outcome = tokio::select! {
            outcome = read_pushes(&client, &url, &wakes, &mut failures) => outcome,
            _ = stop.changed() => return,
        };
        match outcome {
            PushEnd::NotOffered => {
                tracing::info!("the event server has no change stream (contract 1.0); polling only");
                return;
            }
            PushEnd::Lost(reason) => {
                failures = failures.saturating_add(1);
                tracing::debug!("change stream lost: {reason}");
                // Anything may have changed while it was down.
                wakes.iter().for_each(|w| w.notify_one());
            }
        }
        let delay = backoff_delay(failures, config.backoff_initial, config.backoff_max, &mut rand::rng());
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
    }
}

enum PushEnd {
    NotOffered,
    Lost(String),
}

async fn read_pushes(client: &reqwest::Client, url: &Url, wakes: &[Arc<Notify>; 6], failures: &mut u32) -> PushEnd {
    let mut response = match client.get(url.clone()).header(ACCEPT, "text/event-stream").send().await {
        Ok(response) if response.status().as_u16() == 404 => return PushEnd::NotOffered,
        Ok(response) if response.status().is_success() => response,
        Ok(response) => return PushEnd::Lost(format!("HTTP {}", response.status())),
        Err(e) => return PushEnd::Lost(e.to_string()),
    };
    *failures = 0;
    let mut pending = String::new();
    loop {
        let chunk = match tokio::time::timeout(PUSH_IDLE, response.chunk()).await {
            Ok(Ok(Some(chunk))) => chunk,
            Ok(Ok(None)) => return PushEnd::Lost("the server closed it".into()),
            Ok(Err(e)) => return PushEnd::Lost(e.to_string()),
            Err(_) => return PushEnd::Lost(format!("silent for {PUSH_IDLE:?}")),
        };
        pending.push_str(&String::from_utf8_lossy(&chunk));
        // A bounded buffer: events are a few bytes; a server that never ends one is cut off.
        if pending.len() > 64 * 1024 {
            return PushEnd::Lost("an event without an end".into());
        }
        while let Some(end) = pending.find("\n\n") {
            let event: String = pending.drain(..end + 2).collect();
            for endpoint in changed_endpoints(&event) {
                wakes[Endpoint::ALL.iter().position(|e| *e == endpoint).unwrap_or_default()].notify_one();
            }
        }
    }
}

/// The endpoints one server-sent event names (`event: changed` / `data: messages`; `data: all`).
pub fn changed_endpoints(event: &str) -> Vec<Endpoint> {
    if !event.lines().any(|l| l.trim_end() == "event: changed") {
        return Vec::new();
    }
    event
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .flat_map(|data| match data.trim() {
            "all" => Endpoint::ALL.to_vec(),
            name => Endpoint::ALL.into_iter().filter(|e| e.name() == name).collect(),
        })
        .collect()
}

fn build_client(config: &WorkerConfig) -> Result<reqwest::Client, String> {
    client_builder(&config.trusted)
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

struct Poller {
    endpoint: Endpoint,
    fetcher: Fetcher,
    client: reqwest::Client,
    config: WorkerConfig,
    tx: Sender<FeedUpdate>,
    stop: watch::Receiver<bool>,
    /// Notified when the server says this endpoint changed: poll now instead of at the interval.
    wake: Arc<Notify>,
    /// SHA-256 of the last body reported as data: the same bytes again are "not modified", so the
    /// main thread never compares (or swaps) a snapshot that did not change.
    last_body: Option<[u8; 32]>,
}

enum Fetched {
    Body {
        body: Vec<u8>,
        etag: Option<String>,
    },
    NotModified,
    /// The source has no such document (`404`, no file): fine for an [`Endpoint::optional`] one.
    Absent,
}

impl Poller {
    /// Whether this endpoint's file may be missing: a folder source's, except the schedule.
    fn folder_may_lack(&self) -> bool {
        matches!(self.config.source, SourceSpec::Dir(_)) && self.endpoint != Endpoint::Schedule && matches!(self.fetcher, Fetcher::File(_))
    }

    fn describe(&self) -> String {
        match &self.fetcher {
            Fetcher::File(path) => path.display().to_string(),
            Fetcher::Http(url) => url.to_string(),
            Fetcher::Embedded => "the embedded sample".into(),
        }
    }

    async fn run(mut self) {
        let endpoint = self.endpoint;
        if let Fetcher::Embedded = self.fetcher {
            // The sample never changes: decode once and stay quiet.
            let _ = self.report_body(sample::body(endpoint).to_vec(), Origin::Local);
            return;
        }
        let mut etag = self.load_cache();
        let mut file_version: Option<(SystemTime, u64)> = None;
        let mut failures: u32 = 0;
        let mut last_logged_error: Option<String> = None;
        let mut absent_logged = false;
        loop {
            let outcome = match &self.fetcher {
                Fetcher::Http(url) => fetch_http(&self.client, url, etag.as_deref(), self.config.max_body_bytes).await,
                Fetcher::File(path) => fetch_file(path, &mut file_version, self.config.max_body_bytes).await,
                Fetcher::Embedded => unreachable!("handled above"),
            };
            let origin = if matches!(self.fetcher, Fetcher::Http(_)) {
                Origin::Network
            } else {
                Origin::Local
            };
            let result = match outcome {
                // An optional document the source does not offer: healthy, nothing to show; asked
                // again at its interval, so a server upgrade or a new file is picked up.
                Ok(Fetched::Absent) if endpoint.optional() => {
                    let _ = self.tx.send(FeedUpdate::NotModified { endpoint, at: Utc::now() });
                    Ok(())
                }
                // A folder is the organiser's own: one holding only a pretalx export (the event is
                // derived from it) or no draw is a choice, not a fault that keeps the screen "stale".
                // Its schedule must be there.
                Ok(Fetched::Absent) if self.folder_may_lack() => {
                    if !absent_logged {
                        tracing::info!(%endpoint, "{}: no such file; this folder offers no {endpoint}", self.describe());
                        absent_logged = true;
                    }
                    let _ = self.tx.send(FeedUpdate::NotModified { endpoint, at: Utc::now() });
                    Ok(())
                }
                Ok(Fetched::Absent) => {
                    let error = match &self.fetcher {
                        Fetcher::File(path) => format!("{}: no such file", path.display()),
                        _ => "HTTP 404".to_string(),
                    };
                    let _ = self.tx.send(FeedUpdate::Failed {
                        endpoint,
                        error: error.clone(),
                        at: Utc::now(),
                    });
                    Err(error)
                }
                Ok(Fetched::NotModified) => {
                    let _ = self.tx.send(FeedUpdate::NotModified { endpoint, at: Utc::now() });
                    Ok(())
                }
                Ok(Fetched::Body { body, etag: new_etag }) => {
                    let ok = self.report_body(body.clone(), origin);
                    match ok {
                        Ok(()) => {
                            if let (Some(cache), Origin::Network) = (&self.config.cache, origin) {
                                let entry = CachedBody {
                                    etag: new_etag.clone(),
                                    fetched_at: Utc::now(),
                                    body,
                                };
                                if let Err(e) = cache.store(endpoint, &entry) {
                                    tracing::warn!(%endpoint, "cannot write the feed cache in {}: {e}", cache.dir().display());
                                }
                            }
                            etag = new_etag;
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                Err(error) => {
                    let _ = self.tx.send(FeedUpdate::Failed {
                        endpoint,
                        error: error.clone(),
                        at: Utc::now(),
                    });
                    Err(error)
                }
            };
            let delay = match result {
                Ok(()) => {
                    if failures > 0 {
                        tracing::info!(%endpoint, "feed recovered after {failures} failed polls");
                    }
                    failures = 0;
                    last_logged_error = None;
                    self.config.interval(endpoint)
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    // Log each new kind of error once, not every retry.
                    if last_logged_error.as_deref() != Some(error.as_str()) {
                        tracing::warn!(%endpoint, "feed poll failed: {error} (keeping the last good data)");
                        last_logged_error = Some(error);
                    }
                    backoff_delay(failures, self.config.backoff_initial, self.config.backoff_max, &mut rand::rng())
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.wake.notified() => {}
                _ = self.stop.changed() => return,
            }
            if *self.stop.borrow() {
                return;
            }
        }
    }

    /// Decode a body and report it; a bad body is reported as a failure and changes nothing, and
    /// the bytes reported last time are reported as not modified.
    fn report_body(&mut self, body: Vec<u8>, origin: Origin) -> Result<(), String> {
        use sha2::{Digest, Sha256};
        let digest: [u8; 32] = Sha256::digest(&body).into();
        if self.last_body == Some(digest) {
            let _ = self.tx.send(FeedUpdate::NotModified {
                endpoint: self.endpoint,
                at: Utc::now(),
            });
            return Ok(());
        }
        match decode(self.endpoint, &body) {
            Ok(payload) => {
                self.last_body = Some(digest);
                let _ = self.tx.send(FeedUpdate::Data {
                    payload: Box::new(payload),
                    origin,
                    at: Utc::now(),
                });
                Ok(())
            }
            Err(error) => {
                let _ = self.tx.send(FeedUpdate::Failed {
                    endpoint: self.endpoint,
                    error: error.clone(),
                    at: Utc::now(),
                });
                Err(error)
            }
        }
    }

    /// Show the cached copy right away; returns its ETag for the first conditional request.
    fn load_cache(&mut self) -> Option<String> {
        let cache = self.config.cache.as_ref()?;
        if !matches!(self.fetcher, Fetcher::Http(_)) {
            return None;
        }
        match cache.load(self.endpoint) {
            Ok(Some(entry)) => match decode(self.endpoint, &entry.body) {
                Ok(payload) => {
                    use sha2::{Digest, Sha256};
                    self.last_body = Some(Sha256::digest(&entry.body).into());
                    let origin = Origin::Cache { saved: entry.fetched_at };
                    let _ = self.tx.send(FeedUpdate::Data {
                        payload: Box::new(payload),
                        origin,
                        at: Utc::now(),
                    });
                    entry.etag
                }
                Err(e) => {
                    tracing::warn!(endpoint = %self.endpoint, "ignoring the cached copy: {e}");
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(endpoint = %self.endpoint, "ignoring the cached copy: {e}");
                None
            }
        }
    }
}

async fn fetch_http(client: &reqwest::Client, url: &Url, etag: Option<&str>, max_body: u64) -> Result<Fetched, String> {
    let mut request = client.get(url.clone()).header(ACCEPT, "application/json");
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    let mut response = request.send().await.map_err(describe)?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(Fetched::Absent);
    }
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    if let Some(length) = response.content_length()
        && length > max_body
    {
        return Err(format!("body of {length} bytes is over the {max_body}-byte cap"));
    }
    let new_etag = response.headers().get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if (body.len() + chunk.len()) as u64 > max_body {
            return Err(format!("body is over the {max_body}-byte cap"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Body { body, etag: new_etag })
}

/// Files are re-read when their modification time or size changes.
async fn fetch_file(path: &PathBuf, seen: &mut Option<(SystemTime, u64)>, max_body: u64) -> Result<Fetched, String> {
    let meta = match tokio::fs::metadata(path).await {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Fetched::Absent),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let version = (meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len());
    if *seen == Some(version) {
        return Ok(Fetched::NotModified);
    }
    if meta.len() > max_body {
        return Err(format!("{}: {} bytes is over the {max_body}-byte cap", path.display(), meta.len()));
    }
    let body = tokio::fs::read(path).await.map_err(|e| format!("{}: {e}", path.display()))?;
    *seen = Some(version);
    Ok(Fetched::Body { body, etag: None })
}

fn describe(error: reqwest::Error) -> String {
    use std::error::Error;
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "broken response body"
    } else {
        "request failed"
    };
    // The innermost cause says what really happened (refused, reset, DNS …).
    let mut cause: &dyn Error = &error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("{kind}: {cause}")
}

/// Exponential backoff with jitter: `initial · 2^(n−1)`, capped, then scaled by a random factor in
/// [0.5, 1] so a room full of kiosks does not retry in lockstep after an outage.
pub fn backoff_delay(failures: u32, initial: Duration, max: Duration, rng: &mut impl Rng) -> Duration {
    let exp = failures.saturating_sub(1).min(20);
    let base = initial.saturating_mul(1u32 << exp).min(max);
    base.mul_f64(rng.random_range(0.5..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_events_name_endpoints() {
        assert_eq!(changed_endpoints("event: changed\ndata: messages\n\n"), vec![Endpoint::Messages]);
        assert_eq!(changed_endpoints("event: changed\ndata: all\n\n"), Endpoint::ALL.to_vec());
        assert!(changed_endpoints(": keep-alive\n\n").is_empty());
        assert!(changed_endpoints("event: changed\ndata: nonsense\n\n").is_empty());
        assert!(changed_endpoints("event: other\ndata: messages\n\n").is_empty());
    }
    use rand::SeedableRng;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let initial = Duration::from_millis(100);
        let max = Duration::from_secs(5);
        for n in 1..30 {
            let d = backoff_delay(n, initial, max, &mut rng);
            let base = initial.saturating_mul(1 << (n - 1).min(20)).min(max);
            assert!(d >= base / 2 && d <= base, "failure {n}: {d:?} not in [{:?}, {base:?}]", base / 2);
        }
        let samples: Vec<_> = (0..10).map(|_| backoff_delay(3, initial, max, &mut rng)).collect();
        assert!(samples.windows(2).any(|w| w[0] != w[1]), "jitter varies: {samples:?}");
    }
}
