//! The result outbox: posts draw and game results to the event server (`POST /api/v1/draw/results`,
//! `POST /api/v1/game/results`) from a thread of its own, retrying with backoff until the server
//! gives a final answer. The same `Idempotency-Key` and the same body are sent on every retry, so a
//! retry after a lost answer gets `200` instead of a duplicate (docs/contract.md, "POST semantics").
//!
//! The journals (draw, game) are the record; the outbox only reports what the server said, and the
//! caller journals it. A post the server never answers stays unacknowledged in the journal and is
//! sent again after a restart.
//!
//! A draw result that is not anchored (drawn while the server could not be reached) has its
//! commitment registered first when the server is back (`POST /api/v1/draw/commitments`): the
//! server takes only results whose commitment it holds, and flags this one as not anchored.
//! [`register_commitment`] is the registration before a draw (the draw screen calls it).
//!
//! The same worker sends the screen's heartbeats. When the server answers one with
//! `{"screenshot_requested":true}` (an organiser asked to see this screen), the worker asks the app
//! for a capture and posts the PNG it gets back to `POST /api/v1/kiosks/{kiosk_id}/screenshot`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use tokio::sync::mpsc;
use url::Url;
use venue_contract::wire::Heartbeat;

use super::client::backoff_delay;
use super::http::client_builder;
use crate::config::trust::TrustedCerts;
use venue_rules::draw::engine::ServerAnchor;

/// Which results endpoint a post goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultStream {
    Draw,
    Game,
}

impl ResultStream {
    pub fn path(self) -> &'static str {
        match self {
            Self::Draw => "api/v1/draw/results",
            Self::Game => "api/v1/game/results",
        }
    }
}

/// One result to deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultPost {
    pub stream: ResultStream,
    /// The caller's own id for it (the journal sequence or round), echoed in the report.
    pub id: u64,
    pub idempotency_key: String,
    pub body: serde_json::Value,
}

/// The server's final answer to a post.
#[derive(Debug, Clone, PartialEq)]
pub enum PostOutcome {
    /// `201` (stored now) or `200` (it already had the same result).
    Stored { status: u16 },
    /// `409`: the server holds a different result for this key; its body is that result.
    Conflict { server_result: serde_json::Value },
    /// `400`, `401`, `413` and other refusals: not retried (it would only fail again).
    Rejected { status: u16, reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PostReport {
    pub stream: ResultStream,
    pub id: u64,
    pub idempotency_key: String,
    pub outcome: PostOutcome,
}

/// What to do after one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Done(PostOutcome),
    /// Network error, timeout, `5xx`, `429` or a `409` without a readable body: try again later.
    Retry(String),
}

/// Classifies the server's answer (pure; the contract's table in code).
pub fn judge_answer(status: u16, body: &[u8]) -> Verdict {
    match status {
        200 | 201 => Verdict::Done(PostOutcome::Stored { status }),
        409 => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(server_result) if server_result.is_object() => Verdict::Done(PostOutcome::Conflict { server_result }),
            _ => Verdict::Retry("409 without the stored result in the body".into()),
        },
        408 | 429 | 500..=599 => Verdict::Retry(format!("HTTP {status}")),
        _ => {
            let reason = serde_json::from_slice::<venue_contract::wire::ApiError>(body)
                .map(|e| format!("{}: {}", e.error, e.message))
                .unwrap_or_else(|_| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
            Verdict::Done(PostOutcome::Rejected { status, reason })
        }
    }
}

/// Where and how to post.
#[derive(Debug, Clone)]
pub struct OutboxConfig {
    pub base: Url,
    /// Bearer token: env `VENUE_KIOSK_TOKEN`, else read from this file by the worker (never on the
    /// main thread, never logged).
    pub token_file: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// Certificates trusted besides the system's roots (`feed.ca_file`).
    pub trusted: TrustedCerts,
}

impl OutboxConfig {
    /// An outbox exists only for an event server; with a sample or file source the journal is the record.
    pub fn from_config(feed: &crate::config::FeedConfig) -> Option<OutboxConfig> {
        match crate::config::source::SourceSpec::parse(&feed.source).ok()? {
            crate::config::source::SourceSpec::Http(base) => Some(OutboxConfig {
                base,
                token_file: feed.token_file.clone(),
                connect_timeout: feed.connect_timeout(),
                request_timeout: feed.request_timeout(),
                backoff_initial: Duration::from_millis(feed.backoff_initial_ms),
                backoff_max: Duration::from_millis(feed.backoff_max_ms),
                trusted: feed.trusted.clone(),
            }),
            _ => None,
        }
    }
}

/// Handle to the outbox worker. Dropping it stops the worker (unsent posts stay in the journals).
pub struct ResultOutbox {
    posts: mpsc::UnboundedSender<ResultPost>,
    /// The latest heartbeat for the worker; one waiting at most (a newer one replaces it).
    heartbeats: tokio::sync::watch::Sender<Option<Heartbeat>>,
    /// Captures the server asked for, encoded, on their way to the worker.
    screenshots: mpsc::Sender<ScreenshotUpload>,
    /// The worker's word that the server asked for a screenshot.
    screenshot_requests: Receiver<()>,
    reports: Receiver<PostReport>,
    /// Keys handed to the worker and not yet answered: a post is queued once.
    in_flight: HashSet<String>,
}

/// The worker's ends of the screen's channels: heartbeats in, screenshot requests out, captures in.
struct ScreenLink {
    heartbeats: tokio::sync::watch::Receiver<Option<Heartbeat>>,
    screenshot_requests: Sender<()>,
    screenshots: mpsc::Receiver<ScreenshotUpload>,
}

impl ResultOutbox {
    pub fn spawn(config: OutboxConfig) -> ResultOutbox {
        let (post_tx, post_rx) = mpsc::unbounded_channel();
        let (report_tx, report_rx) = crossbeam_channel::unbounded();
        let (heartbeat_tx, heartbeat_rx) = tokio::sync::watch::channel(None);
        let (request_tx, request_rx) = crossbeam_channel::bounded(1);
        let (screenshot_tx, screenshot_rx) = mpsc::channel(1);
        let screen = ScreenLink {
            heartbeats: heartbeat_rx,
            screenshot_requests: request_tx,
            screenshots: screenshot_rx,
        };
        std::thread::Builder::new()
            .name("result-outbox".into())
            .spawn(move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(run(config, post_rx, report_tx, screen)),
                Err(e) => tracing::error!("result outbox cannot start its runtime: {e}"),
            })
            .expect("spawn result outbox thread");
        ResultOutbox {
            posts: post_tx,
            heartbeats: heartbeat_tx,
            screenshots: screenshot_tx,
            screenshot_requests: request_rx,
            reports: report_rx,
            in_flight: HashSet::new(),
        }
    }

    /// Whether the server asked for a screenshot of this screen since the last call. Never blocks.
    pub fn screenshot_requested(&self) -> bool {
        self.screenshot_requests.try_iter().count() > 0
    }

    /// Where an encoded capture goes (to the worker, which posts it); cheap to clone into a task.
    pub fn screenshots(&self) -> ScreenshotSender {
        ScreenshotSender(self.screenshots.clone())
    }

    /// Queue a post unless the same key is already on its way. Never blocks.
    pub fn post(&mut self, post: ResultPost) {
        if self.in_flight.insert(post.idempotency_key.clone()) && self.posts.send(post).is_err() {
            tracing::error!("result outbox worker is gone; results stay in the journal");
        }
    }

    /// Where this screen's heartbeats go (to the worker); cheap to clone into a background task.
    pub fn heartbeats(&self) -> HeartbeatSender {
        HeartbeatSender(self.heartbeats.clone())
    }

    /// The next final answer, if one arrived. Never blocks.
    pub fn try_report(&mut self) -> Option<PostReport> {
        let report = self.reports.try_recv().ok()?;
        self.in_flight.remove(&report.idempotency_key);
        Some(report)
    }

    /// Posts sent and not yet answered for good.
    pub fn waiting(&self) -> usize {
        self.in_flight.len()
    }
}

/// Hands the outbox worker a screen's latest heartbeat: sent once, never retried (the next one is
/// newer); one waiting at most. Never blocks.
#[derive(Clone)]
pub struct HeartbeatSender(tokio::sync::watch::Sender<Option<Heartbeat>>);

impl HeartbeatSender {
    pub fn send(&self, heartbeat: Heartbeat) {
        self.0.send_replace(Some(heartbeat));
    }
}

/// Largest screenshot the server takes (contract 1.1); bigger captures are shrunk before posting.
pub const MAX_SCREENSHOT_BYTES: usize = 8 * 1024 * 1024;

/// A capture of this screen, PNG-encoded off the main thread, for the organisers.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenshotUpload {
    pub kiosk_id: String,
    pub png: Vec<u8>,
}

/// Hands the worker an encoded capture; one waits at most (a request is answered once). Never blocks.
#[derive(Clone)]
pub struct ScreenshotSender(mpsc::Sender<ScreenshotUpload>);

impl ScreenshotSender {
    pub fn send(&self, upload: ScreenshotUpload) {
        if self.0.try_send(upload).is_err() {
            tracing::debug!("a screenshot is already waiting to be posted; this one is dropped");
        }
    }
}

/// What the server said to a heartbeat (contract 1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatAnswer {
    /// `204`, or `200` with a body: taken; an organiser may have asked to see this screen.
    Taken { screenshot_requested: bool },
    /// `404`: a contract 1.0 server, which takes no heartbeats.
    NotSupported,
    /// Any other status (logged; the next heartbeat is seconds away).
    Failed { status: u16 },
}

/// The `200` body of a heartbeat answer. Unknown fields are a newer 1.x server's: ignored.
#[derive(Debug, serde::Deserialize)]
struct HeartbeatReply {
    version: u32,
    #[serde(default)]
    screenshot_requested: bool,
}

/// Reads the server's answer to a heartbeat (pure). An old server answers `204` with no body; a body
/// that cannot be read, or of another major version, asks for nothing.
pub fn read_heartbeat_answer(status: u16, body: &[u8]) -> HeartbeatAnswer {
    match status {
        200..=299 => {
            let reply = serde_json::from_slice::<HeartbeatReply>(body).ok();
            HeartbeatAnswer::Taken {
                screenshot_requested: reply.is_some_and(|r| r.version == venue_contract::wire::CONTRACT_VERSION && r.screenshot_requested),
            }
        }
        404 => HeartbeatAnswer::NotSupported,
        status => HeartbeatAnswer::Failed { status },
    }
}

/// How long a screenshot request being answered (capture, encode, post) holds off the same request
/// repeated by the next heartbeats, and how long after a failed post the next try waits.
pub const SCREENSHOT_HOLD: Duration = Duration::from_secs(30);

/// One screenshot per request: the server repeats `screenshot_requested` on every heartbeat until the
/// screenshot arrives, and a capture takes a moment.
#[derive(Debug, Default)]
pub struct ScreenshotGate {
    asked_at: Option<Instant>,
}

impl ScreenshotGate {
    /// The server asks: should the app capture now? Not while an answer is on its way.
    pub fn ask(&mut self, now: Instant) -> bool {
        if self.asked_at.is_some_and(|at| now.saturating_duration_since(at) < SCREENSHOT_HOLD) {
            return false;
        }
        self.asked_at = Some(now);
        true
    }

    /// The screenshot was delivered: the next request is a new one.
    pub fn delivered(&mut self) {
        self.asked_at = None;
    }
}

async fn run(config: OutboxConfig, mut posts: mpsc::UnboundedReceiver<ResultPost>, reports: Sender<PostReport>, screen: ScreenLink) {
    let token = match read_token(&config).await {
        Ok(token) => token,
        Err(e) => {
            tracing::error!("result outbox: {e}; results are posted without a token and will be refused");
            None
        }
    };
    let client = match client_builder(&config.trusted)
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            tracing::error!("result outbox cannot build its HTTP client: {e}");
            return;
        }
    };
    tokio::spawn(send_heartbeats(client.clone(), config.base.clone(), token.clone(), screen));
    while let Some(post) = posts.recv().await {
        let delivery = Delivery {
            client: client.clone(),
            config: config.clone(),
            token: token.clone(),
            reports: reports.clone(),
        };
        tokio::spawn(delivery.deliver(post));
    }
}

/// Posts each new heartbeat once, with the kiosk's token (a screen without one sends none). A server
/// without heartbeats (`404`, contract 1.0) is asked no more; other failures are only logged at debug
/// level: the next heartbeat is seconds away. An answer asking for a screenshot is passed on to the
/// app once, and the capture that comes back is posted.
async fn send_heartbeats(client: reqwest::Client, base: Url, token: Option<String>, mut screen: ScreenLink) {
    let Ok(url) = base.join("api/v1/kiosks/heartbeat") else { return };
    let Some(token) = token else {
        tracing::info!("no kiosk token: this screen sends no heartbeats");
        return;
    };
    let mut gate = ScreenshotGate::default();
    loop {
        tokio::select! {
            changed = screen.heartbeats.changed() => {
                if changed.is_err() {
                    return;
                }
                let Some(body) = screen.heartbeats.borrow_and_update().as_ref().and_then(|h| serde_json::to_vec(h).ok()) else {
                    continue;
                };
                let request = client
                    .post(url.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .header(AUTHORIZATION, format!("Bearer {token}"))
                    .body(body);
                let answer = match request.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        // The answer is a few bytes; a huge one is cut, and then reads as no request.
                        let body = read_capped(response, 64 * 1024).await.unwrap_or_default();
                        read_heartbeat_answer(status, &body)
                    }
                    Err(e) => {
                        tracing::debug!("heartbeat not delivered: {e}");
                        continue;
                    }
                };
                match answer {
                    HeartbeatAnswer::Taken { screenshot_requested: true } if gate.ask(Instant::now()) => {
                        tracing::info!("an organiser asked to see this screen: capturing it");
                        let _ = screen.screenshot_requests.try_send(());
                    }
                    HeartbeatAnswer::Taken { .. } => {}
                    HeartbeatAnswer::NotSupported => {
                        tracing::info!("the event server takes no heartbeats (contract 1.0); not sending them");
                        return;
                    }
                    HeartbeatAnswer::Failed { status } => tracing::debug!("heartbeat answered HTTP {status}"),
                }
            }
            Some(upload) = screen.screenshots.recv() => {
                if post_screenshot(&client, &base, &token, upload).await {
                    gate.delivered();
                }
            }
        }
    }
}

/// Posts one capture (`image/png`, at most [`MAX_SCREENSHOT_BYTES`]) once; whether the server took it.
/// A failure is not retried here: the server asks again, and the gate lets it after a while.
async fn post_screenshot(client: &reqwest::Client, base: &Url, token: &str, upload: ScreenshotUpload) -> bool {
    if upload.png.len() > MAX_SCREENSHOT_BYTES {
        tracing::warn!("screenshot of {} bytes is over the server's limit; not sent", upload.png.len());
        return false;
    }
    let mut url = base.clone();
    let Ok(mut segments) = url.path_segments_mut() else { return false };
    segments
        .pop_if_empty()
        .extend(["api", "v1", "kiosks", upload.kiosk_id.as_str(), "screenshot"]);
    drop(segments);
    let bytes = upload.png.len();
    let request = client
        .post(url)
        .header(CONTENT_TYPE, "image/png")
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .body(upload.png);
    match request.send().await {
        Ok(response) if response.status().is_success() => {
            tracing::info!("screenshot delivered ({bytes} bytes)");
            true
        }
        Ok(response) => {
            let status = response.status().as_u16();
            let body = read_capped(response, 4096).await.unwrap_or_default();
            let reason = serde_json::from_slice::<venue_contract::wire::ApiError>(&body)
                .map(|e| format!(": {}: {}", e.error, e.message))
                .unwrap_or_default();
            tracing::warn!("the event server refused the screenshot: HTTP {status}{reason}");
            false
        }
        Err(e) => {
            tracing::warn!("screenshot not delivered: {e}");
            false
        }
    }
}

/// The most of an answer to an operator's call (a broadcast, a prize edit) that is read: its id or
/// the contract's JSON error fit in far less.
pub const MAX_ADMIN_ANSWER: usize = 64 * 1024;

/// A response body, at most `max` bytes of it after decompression (the rest is neither read nor
/// buffered, so a server that answers without end cannot hold a call open or fill memory).
async fn read_capped(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > max {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Runs `calls` once from the calling thread (the operator's tools run it on a thread of their own):
/// a runtime of its own, the outbox's token and a client trusting the feed's certificates.
fn with_server<T>(
    config: &OutboxConfig,
    timeout: Duration,
    calls: impl AsyncFnOnce(reqwest::Client, String) -> Result<T, String>,
) -> Result<T, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        let token = read_token(config)
            .await?
            .ok_or("no token: set VENUE_KIOSK_TOKEN or feed.token_file")?;
        let client = client_builder(&config.trusted)
            .connect_timeout(config.connect_timeout)
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        calls(client, token).await
    })
}

/// Tells the event server that round `round_index` of the plan starts now (`POST
/// /api/v1/game/rounds/{index}/started`, contract 1.1), so attendees' bets on it close. Once, from the
/// calling thread; an older server (`404`) has no bets and is fine.
pub fn post_round_started(config: &OutboxConfig, round_index: u32) -> Result<(), String> {
    with_server(config, config.request_timeout, async |client, token| {
        let url = config
            .base
            .join(&format!("api/v1/game/rounds/{round_index}/started"))
            .map_err(|e| e.to_string())?;
        let response = client
            .post(url)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .send()
            .await
            .map_err(|e| format!("cannot reach the server: {e}"))?;
        match response.status().as_u16() {
            200..=299 | 404 => Ok(()),
            status => Err(format!("the server answered HTTP {status}")),
        }
    })
}

/// Posts a broadcast message to the event server (`POST /api/v1/admin/messages`) once, from the
/// calling thread (the operator panel runs it on a thread of its own). Returns the stored
/// message's id, or what went wrong in words for the operator.
pub fn post_broadcast(config: &OutboxConfig, text: &str, priority: &str, expires: chrono::DateTime<chrono::Utc>) -> Result<String, String> {
    with_server(config, config.request_timeout, async |client, token| {
        let url = config.base.join("api/v1/admin/messages").map_err(|e| e.to_string())?;
        let body = serde_json::json!({
            "text": text,
            "priority": priority,
            "expires": expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
        let response = client
            .post(url)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| format!("cannot reach the server: {e}"))?;
        let status = response.status().as_u16();
        let answer = read_capped(response, MAX_ADMIN_ANSWER).await?;
        if status == 201 || status == 200 {
            let stored: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_default();
            Ok(stored["id"].as_str().unwrap_or("?").to_string())
        } else {
            match judge_answer(status, &answer) {
                Verdict::Done(PostOutcome::Rejected { reason, .. }) => Err(format!("HTTP {status}: {reason}")),
                _ => Err(format!("HTTP {status}")),
            }
        }
    })
}

/// Why a seed commitment was not registered.
#[derive(Debug, Clone, PartialEq)]
pub enum RegisterError {
    /// The network, a timeout, `5xx`, `408`, `429`: may work later.
    Retry(String),
    /// A refusal (`401`, `400`, a `404` from a contract 1.0 server): asking again changes nothing.
    Final(String),
}

impl std::fmt::Display for RegisterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Retry(why) | Self::Final(why) => f.write_str(why),
        }
    }
}

/// Reads the server's answer to a registration (pure).
pub fn read_registration(status: u16, body: &[u8], commitment: &str) -> Result<ServerAnchor, RegisterError> {
    match status {
        200 | 201 => {
            let anchor: venue_contract::wire::DrawAnchor =
                serde_json::from_slice(body).map_err(|e| RegisterError::Retry(format!("an answer that does not read: {e}")))?;
            let nonce_ok = anchor.server_nonce.len() == 64 && anchor.server_nonce.bytes().all(|b| b.is_ascii_hexdigit());
            if !anchor.seed_commitment.eq_ignore_ascii_case(commitment) || !nonce_ok {
                return Err(RegisterError::Final(
                    "the server answered for another commitment, or without a nonce".into(),
                ));
            }
            Ok(ServerAnchor {
                server_nonce: anchor.server_nonce.to_ascii_lowercase(),
                registered_at: anchor.registered_at.with_timezone(&chrono::Utc),
            })
        }
        404 => Err(RegisterError::Final(
            "the event server does not anchor draws (contract 1.0: no /api/v1/draw/commitments)".into(),
        )),
        408 | 429 | 500..=599 => Err(RegisterError::Retry(format!("HTTP {status}"))),
        _ => {
            let reason = serde_json::from_slice::<venue_contract::wire::ApiError>(body)
                .map(|e| format!("{}: {}", e.error, e.message))
                .unwrap_or_else(|_| format!("HTTP {status}"));
            Err(RegisterError::Final(format!("HTTP {status}: {reason}")))
        }
    }
}

/// `POST /api/v1/draw/commitments` once with this client.
async fn register_with(
    client: &reqwest::Client,
    base: &Url,
    token: Option<&str>,
    commitment: &str,
    prize_id: Option<&str>,
) -> Result<ServerAnchor, RegisterError> {
    let url = base
        .join("api/v1/draw/commitments")
        .map_err(|e| RegisterError::Final(e.to_string()))?;
    let mut body = serde_json::json!({"version": venue_contract::wire::CONTRACT_VERSION, "seed_commitment": commitment});
    if let Some(prize_id) = prize_id {
        body["prize_id"] = prize_id.into();
    }
    let mut request = client.post(url).header(CONTENT_TYPE, "application/json").body(body.to_string());
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = request
        .send()
        .await
        .map_err(|e| RegisterError::Retry(format!("cannot reach the server: {e}")))?;
    let status = response.status().as_u16();
    let answer = read_capped(response, MAX_ADMIN_ANSWER).await.map_err(RegisterError::Retry)?;
    read_registration(status, &answer, commitment)
}

/// Registers the armed seed commitment with the event server before the draw, once, from the
/// calling thread, within `timeout` (the draw waits no longer for it): the server's nonce and its
/// time, or why not (in words, for the record).
pub fn register_commitment(
    config: &OutboxConfig,
    commitment: &str,
    prize_id: Option<&str>,
    timeout: Duration,
) -> Result<ServerAnchor, String> {
    let config = OutboxConfig {
        connect_timeout: config.connect_timeout.min(timeout),
        ..config.clone()
    };
    with_server(&config, timeout, async |client, token| {
        register_with(&client, &config.base, Some(&token), commitment, prize_id)
            .await
            .map_err(|e| e.to_string())
    })
}

/// One write to the event server's admin API (`/api/v1/admin/...`).
#[derive(Debug, Clone, PartialEq)]
pub struct AdminCall {
    pub method: reqwest::Method,
    /// Path segments under the base, e.g. `["api", "v1", "admin", "prizes", id]` (each is escaped).
    pub segments: Vec<String>,
    /// `None` for a call without a body.
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
}

/// Runs admin writes in order, from the calling thread (the draw panel runs it on a thread of its
/// own), with the outbox's token and timeouts; stops at the first refusal. Returns how many were
/// done, or what went wrong in words for the operator.
pub fn admin_calls(config: &OutboxConfig, calls: &[AdminCall]) -> Result<usize, String> {
    with_server(
        config,
        config.request_timeout.max(Duration::from_secs(30)),
        async |client, token| {
            for (done, call) in calls.iter().enumerate() {
                let mut url = config.base.clone();
                url.path_segments_mut()
                    .map_err(|_| "the server URL cannot take a path".to_string())?
                    .pop_if_empty()
                    .extend(&call.segments);
                let mut request = client
                    .request(call.method.clone(), url)
                    .header(AUTHORIZATION, format!("Bearer {token}"));
                if let Some(content_type) = call.content_type {
                    request = request.header(CONTENT_TYPE, content_type).body(call.body.clone());
                }
                let what = format!("{} /{}", call.method, call.segments.join("/"));
                let response = request
                    .send()
                    .await
                    .map_err(|e| format!("cannot reach the server ({done} of {} done): {e}", calls.len()))?;
                let status = response.status().as_u16();
                if !(200..300).contains(&status) {
                    let answer = read_capped(response, MAX_ADMIN_ANSWER).await.unwrap_or_default();
                    let reason = match judge_answer(status, &answer) {
                        Verdict::Done(PostOutcome::Rejected { reason, .. }) => format!(": {reason}"),
                        _ => String::new(),
                    };
                    return Err(format!("{what}: HTTP {status}{reason} ({done} of {} done)", calls.len()));
                }
            }
            Ok(calls.len())
        },
    )
}

async fn read_token(config: &OutboxConfig) -> Result<Option<String>, String> {
    if let Ok(token) = std::env::var("VENUE_KIOSK_TOKEN")
        && !token.trim().is_empty()
    {
        return Ok(Some(token.trim().to_string()));
    }
    let Some(path) = &config.token_file else { return Ok(None) };
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
    Ok(Some(text.trim().to_string()).filter(|t| !t.is_empty()))
}

struct Delivery {
    client: reqwest::Client,
    config: OutboxConfig,
    token: Option<String>,
    reports: Sender<PostReport>,
}

impl Delivery {
    /// Posts until the server gives a final answer; the body and key never change between tries.
    async fn deliver(self, post: ResultPost) {
        let url = match self.config.base.join(post.stream.path()) {
            Ok(url) => url,
            Err(e) => {
                self.report(
                    &post,
                    PostOutcome::Rejected {
                        status: 0,
                        reason: format!("bad URL: {e}"),
                    },
                );
                return;
            }
        };
        let body = serde_json::to_vec(&post.body).expect("a JSON value serializes");
        // A draw that was not anchored: its commitment goes to the server first (once it answers).
        let mut unregistered = match (post.stream, post.body.get("server_nonce"), post.body["seed_commitment"].as_str()) {
            (ResultStream::Draw, None, Some(commitment)) => Some(commitment.to_owned()),
            _ => None,
        };
        let mut failures = 0u32;
        loop {
            let registered = match &unregistered {
                None => Ok(()),
                Some(commitment) => match register_with(&self.client, &self.config.base, self.token.as_deref(), commitment, None).await {
                    Ok(_) => Ok(()),
                    // Refused for good (a 1.0 server, a bad token): the post gets the server's word.
                    Err(RegisterError::Final(why)) => {
                        tracing::warn!(key = %post.idempotency_key, "the commitment of an unanchored result was not registered: {why}");
                        Ok(())
                    }
                    Err(RegisterError::Retry(why)) => Err(why),
                },
            };
            let verdict = match registered {
                Err(why) => Verdict::Retry(format!("registering its commitment: {why}")),
                Ok(()) => {
                    unregistered = None;
                    match self.attempt(&url, &post.idempotency_key, &body).await {
                        Ok((status, answer)) => judge_answer(status, &answer),
                        Err(e) => Verdict::Retry(e),
                    }
                }
            };
            match verdict {
                Verdict::Done(outcome) => {
                    self.report(&post, outcome);
                    return;
                }
                Verdict::Retry(why) => {
                    failures += 1;
                    let delay = backoff_delay(failures, self.config.backoff_initial, self.config.backoff_max, &mut rand::rng());
                    if failures == 1 || failures.is_power_of_two() {
                        tracing::warn!(key = %post.idempotency_key, "result not delivered yet ({why}); retrying in {delay:?}");
                    }
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(&self, url: &Url, key: &str, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let mut request = self
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key)
            .body(body.to_vec());
        if let Some(token) = &self.token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        // Answers are small (one result); a huge one is cut, not buffered.
        let answer = read_capped(response, 1 << 20).await?;
        Ok((status, answer))
    }

    fn report(&self, post: &ResultPost, outcome: PostOutcome) {
        match &outcome {
            PostOutcome::Stored { status } => tracing::info!(key = %post.idempotency_key, status, "result stored on the server"),
            PostOutcome::Conflict { .. } => {
                tracing::error!(key = %post.idempotency_key, "the server holds a different result for this key (409)");
            }
            PostOutcome::Rejected { status, reason } => {
                tracing::error!(key = %post.idempotency_key, status, "the server refused the result: {reason}");
            }
        }
        let _ = self.reports.send(PostReport {
            stream: post.stream,
            id: post.id,
            idempotency_key: post.idempotency_key.clone(),
            outcome,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers `status` with a gzip-encoded body of zeros that goes on for minutes:
    /// every 10 ms a complete gzip member of 1 MiB of zeros (1 KiB on the wire).
    fn endless_gzip_server(status: u16) -> Url {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let member = {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(&vec![0u8; 1 << 20]).unwrap();
            encoder.finish().unwrap()
        };
        std::thread::spawn(move || {
            for stream in listener.incoming().take(4) {
                let Ok(mut stream) = stream else { return };
                let mut request = [0u8; 8192];
                let _ = stream.read(&mut request);
                let head = format!(
                    "HTTP/1.1 {status} Nope\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
                );
                if stream.write_all(head.as_bytes()).is_err() {
                    continue;
                }
                // 4 GiB decompressed over 40 s: a client without a cap reads until its timeout.
                for _ in 0..4096 {
                    std::thread::sleep(Duration::from_millis(10));
                    let chunk = format!("{:x}\r\n", member.len());
                    if stream.write_all(chunk.as_bytes()).is_err()
                        || stream.write_all(&member).is_err()
                        || stream.write_all(b"\r\n").is_err()
                    {
                        break;
                    }
                }
            }
        });
        base
    }

    #[test]
    fn an_answer_without_end_is_cut_after_decompression() {
        let base = endless_gzip_server(400);
        let token_file = std::env::temp_dir().join(format!("venue-kiosk-endless-{}", std::process::id()));
        std::fs::write(&token_file, "t").unwrap();
        let config = OutboxConfig {
            base,
            token_file: Some(token_file.clone()),
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(60),
            backoff_initial: Duration::from_millis(50),
            backoff_max: Duration::from_millis(200),
            trusted: Default::default(),
        };
        let started = Instant::now();
        let call = AdminCall {
            method: reqwest::Method::DELETE,
            segments: vec!["api".into(), "v1".into(), "admin".into(), "prizes".into(), "x".into()],
            content_type: None,
            body: Vec::new(),
        };
        let err = admin_calls(&config, &[call]).unwrap_err();
        assert!(err.contains("HTTP 400"), "{err}");
        let err = post_broadcast(&config, "hi", "info", chrono::Utc::now()).unwrap_err();
        assert!(err.contains("HTTP 400"), "{err}");
        // The cap (64 KiB) is inside the first member: both calls end at once, not at the 60 s timeout.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}: read without a cap?",
            started.elapsed()
        );
        let _ = std::fs::remove_file(token_file);
    }

    #[test]
    fn answers_follow_the_contract_table() {
        assert_eq!(judge_answer(201, b"{}"), Verdict::Done(PostOutcome::Stored { status: 201 }));
        assert_eq!(judge_answer(200, b""), Verdict::Done(PostOutcome::Stored { status: 200 }));
        let stored = br#"{"version":1,"prize_id":"p","batch":1,"winners":[7]}"#;
        match judge_answer(409, stored) {
            Verdict::Done(PostOutcome::Conflict { server_result }) => assert_eq!(server_result["winners"][0], 7),
            other => panic!("{other:?}"),
        }
        for status in [500, 502, 503, 429, 408] {
            assert!(matches!(judge_answer(status, b""), Verdict::Retry(_)), "{status} is retried");
        }
        assert!(
            matches!(judge_answer(409, b"<html>"), Verdict::Retry(_)),
            "a 409 we cannot read is retried"
        );
        let refused = br#"{"version":1,"error":"unauthorized","message":"missing or invalid bearer token"}"#;
        assert_eq!(
            judge_answer(401, refused),
            Verdict::Done(PostOutcome::Rejected {
                status: 401,
                reason: "unauthorized: missing or invalid bearer token".into()
            })
        );
        for status in [400, 404, 413] {
            assert!(matches!(judge_answer(status, b"nope"), Verdict::Done(PostOutcome::Rejected { .. })));
        }
    }

    #[test]
    fn heartbeat_answers_old_and_new() {
        // A 1.0/1.1 server with nothing to ask: 204, no body.
        assert_eq!(
            read_heartbeat_answer(204, b""),
            HeartbeatAnswer::Taken {
                screenshot_requested: false
            }
        );
        let asked = br#"{"version":1,"screenshot_requested":true}"#;
        assert_eq!(
            read_heartbeat_answer(200, asked),
            HeartbeatAnswer::Taken {
                screenshot_requested: true
            }
        );
        for body in [
            &br#"{"version":1,"screenshot_requested":false}"#[..],
            br#"{"version":1}"#,
            br#"{"version":2,"screenshot_requested":true}"#,
            br#"{"screenshot_requested":true}"#,
            b"",
            b"<html>ok</html>",
            br#"{"version":1,"screenshot_requested":"yes"}"#,
        ] {
            assert_eq!(
                read_heartbeat_answer(200, body),
                HeartbeatAnswer::Taken {
                    screenshot_requested: false
                },
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // A newer 1.x server may add fields.
        let newer = br#"{"version":1,"screenshot_requested":true,"note":"from the help desk"}"#;
        assert_eq!(
            read_heartbeat_answer(200, newer),
            HeartbeatAnswer::Taken {
                screenshot_requested: true
            }
        );
        assert_eq!(read_heartbeat_answer(404, b""), HeartbeatAnswer::NotSupported);
        assert_eq!(read_heartbeat_answer(401, b"{}"), HeartbeatAnswer::Failed { status: 401 });
        assert_eq!(read_heartbeat_answer(503, b""), HeartbeatAnswer::Failed { status: 503 });
    }

    #[test]
    fn one_screenshot_per_request() {
        let mut gate = ScreenshotGate::default();
        let t0 = Instant::now();
        assert!(gate.ask(t0), "the first request captures");
        assert!(
            !gate.ask(t0 + Duration::from_secs(5)),
            "the next heartbeat repeats it while the answer is on its way"
        );
        gate.delivered();
        assert!(
            gate.ask(t0 + Duration::from_secs(10)),
            "after delivery a new request captures again"
        );
        // A capture that never came back (or a refused post) is tried again after the hold.
        assert!(!gate.ask(t0 + Duration::from_secs(10) + SCREENSHOT_HOLD - Duration::from_millis(1)));
        assert!(gate.ask(t0 + Duration::from_secs(10) + SCREENSHOT_HOLD));
    }

    #[test]
    fn paths_are_relative_to_the_base() {
        let base = Url::parse("http://example.org/aurora/").unwrap();
        assert_eq!(
            base.join(ResultStream::Draw.path()).unwrap().as_str(),
            "http://example.org/aurora/api/v1/draw/results"
        );
        assert_eq!(
            base.join(ResultStream::Game.path()).unwrap().as_str(),
            "http://example.org/aurora/api/v1/game/results"
        );
    }
}
