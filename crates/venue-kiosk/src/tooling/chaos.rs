//! `venue-kiosk chaos-proxy`: a misbehaving event server for benchmarks and the fault soak.
//!
//! It sits in front of a real event server (`venue-kiosk serve`) and, per request, either forwards
//! faithfully or misbehaves in one of the ways a venue network does: slow answers, 500s, malformed
//! JSON, truncated bodies, bodies larger than any limit, the wrong content type, connection resets,
//! and a valid but 5 MB schedule that changes on every poll. With `--switch-every` it cycles through
//! the modes (a seeded shuffle per cycle, so a run can be repeated), and `--healthy-after` ends the
//! chaos so results held back during it can drain. Every mode change is appended to `--timeline` as
//! a JSON line, so a test can compare what the kiosk reported with what the network really did.
//!
//! Result posts are where exactly-once is proven, so some modes forward a post *and then* lose the
//! answer (the server stored it, the kiosk does not know): malformed, truncated, huge, wrong type
//! and reset do that; slow forwards late; 500 refuses before forwarding.
//!
//! HTTP/1.1 is spoken by hand (one request per connection, `Connection: close`) because a fault has
//! to be exact down to the byte: a body cut mid-way, a reset after the headers.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// How the proxy answers while a mode is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChaosMode {
    /// Forward every request and its answer unchanged.
    Healthy,
    /// Wait 3 s, then forward.
    Slow,
    /// 500 with an error body; posts are refused before they reach the server.
    Error500,
    /// 200 with JSON cut in the middle of a value.
    Malformed,
    /// Headers promise more bytes than are sent, then the connection closes.
    Truncated,
    /// A chunked body larger than any kiosk limit (9 MiB), streamed without a length.
    Huge,
    /// 200 with an HTML page (a captive portal or a proxy's error page).
    WrongType,
    /// The connection is reset (TCP RST) once the request is read.
    Reset,
    /// Reads are answered normally, except the schedule: a valid ~5 MB schedule, new on every poll.
    BigSchedule,
}

impl ChaosMode {
    /// The modes a soak cycles through (big-schedule is a benchmark load, not a fault).
    pub const CYCLE: [ChaosMode; 8] = [
        ChaosMode::Healthy,
        ChaosMode::Slow,
        ChaosMode::Error500,
        ChaosMode::Malformed,
        ChaosMode::Truncated,
        ChaosMode::Huge,
        ChaosMode::WrongType,
        ChaosMode::Reset,
    ];

    /// Does a kiosk poll in this mode fail? (Slow answers within the kiosk's request timeout.)
    pub fn poll_fails(self) -> bool {
        !matches!(self, ChaosMode::Healthy | ChaosMode::Slow | ChaosMode::BigSchedule)
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct ChaosArgs {
    /// The real event server requests are forwarded to.
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// Address to listen on; port 0 picks a free one (see --port-file).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// One fixed mode (default: healthy, or cycling with --switch-every).
    #[arg(long, value_enum)]
    pub mode: Option<ChaosMode>,
    /// Switch to the next mode every SECS seconds (a seeded shuffle of all fault modes per cycle).
    #[arg(long, value_name = "SECS")]
    pub switch_every: Option<f64>,
    /// Stop the chaos after SECS seconds and stay healthy from then on.
    #[arg(long, value_name = "SECS")]
    pub healthy_after: Option<f64>,
    /// Seed of the mode order.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Append every mode change here as a JSON line {"at_ms": unix ms, "mode": "..."}.
    #[arg(long, value_name = "PATH")]
    pub timeline: Option<PathBuf>,
    /// Write the bound address here once listening (for --listen 127.0.0.1:0).
    #[arg(long, value_name = "PATH")]
    pub port_file: Option<PathBuf>,
}

/// The mode in force `elapsed` into the run: pure, so the schedule of faults is tested and repeatable.
pub fn mode_at(args_mode: Option<ChaosMode>, switch_every: Option<f64>, healthy_after: Option<f64>, seed: u64, elapsed: f64) -> ChaosMode {
    if healthy_after.is_some_and(|h| elapsed >= h) {
        return ChaosMode::Healthy;
    }
    let Some(every) = switch_every.filter(|e| *e > 0.0) else {
        return args_mode.unwrap_or(ChaosMode::Healthy);
    };
    let slot = (elapsed / every).floor() as u64;
    let n = ChaosMode::CYCLE.len() as u64;
    let (cycle, index) = (slot / n, (slot % n) as usize);
    let mut order = ChaosMode::CYCLE;
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(
        seed ^ cycle.wrapping_mul(0x9E37_79B9_7F4A_7C15),
    ));
    order[index]
}

struct Shared {
    args: ChaosArgs,
    started: Instant,
    client: reqwest::Client,
    big_schedule_polls: AtomicU64,
    last_mode: std::sync::Mutex<Option<ChaosMode>>,
}

impl Shared {
    fn mode(&self) -> ChaosMode {
        let a = &self.args;
        let mode = mode_at(
            a.mode,
            a.switch_every,
            a.healthy_after,
            a.seed,
            self.started.elapsed().as_secs_f64(),
        );
        let mut last = self.last_mode.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last != Some(mode) {
            *last = Some(mode);
            let at_ms = chrono::Utc::now().timestamp_millis();
            eprintln!("chaos-proxy: mode {mode:?}");
            if let Some(path) = &a.timeline {
                let line = serde_json::json!({ "at_ms": at_ms, "mode": mode }).to_string();
                let written = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .and_then(|mut f| writeln!(f, "{line}"));
                if let Err(e) = written {
                    eprintln!("chaos-proxy: cannot write the timeline {}: {e}", path.display());
                }
            }
        }
        mode
    }
}

/// Run the proxy until Ctrl+C / SIGTERM.
pub fn run(args: &ChaosArgs) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        if let Some(path) = &args.port_file {
            std::fs::write(path, addr.to_string()).with_context(|| format!("cannot write {}", path.display()))?;
        }
        eprintln!("chaos-proxy: listening on http://{addr}, upstream {}", args.upstream);
        let shared = Arc::new(Shared {
            args: args.clone(),
            started: Instant::now(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .no_gzip()
                .build()
                .context("cannot build the HTTP client")?,
            big_schedule_polls: AtomicU64::new(0),
            last_mode: std::sync::Mutex::new(None),
        });
        shared.mode();
        let stop = async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            }
        };
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let shared = shared.clone();
                    tokio::spawn(async move {
                        if let Err(e) = serve(stream, &shared).await {
                            tracing::debug!("chaos-proxy connection: {e:#}");
                        }
                    });
                }
            }
        }
        eprintln!("chaos-proxy: stopped");
        Ok(())
    })
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn read_request(stream: &mut BufReader<TcpStream>) -> anyhow::Result<Request> {
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let method = parts.next().context("empty request")?.to_string();
    let path = parts.next().context("no path")?.to_string();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
            if name == "content-length" {
                length = value.parse().context("bad content-length")?;
            }
            headers.push((name, value));
        }
    }
    anyhow::ensure!(length <= 32 * 1024 * 1024, "request body too large");
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    Ok(Request {
        method,
        path,
        headers,
        body,
    })
}

struct Answer {
    status: u16,
    content_type: String,
    etag: Option<String>,
    body: Vec<u8>,
}

async fn forward(shared: &Shared, request: &Request) -> anyhow::Result<Answer> {
    let url = format!("{}{}", shared.args.upstream.trim_end_matches('/'), request.path);
    let method = reqwest::Method::from_bytes(request.method.as_bytes())?;
    let mut builder = shared.client.request(method, url).body(request.body.clone());
    for (name, value) in &request.headers {
        if matches!(
            name.as_str(),
            "authorization" | "idempotency-key" | "content-type" | "if-none-match" | "accept"
        ) {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    let response = builder.send().await?;
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let content_type = header("content-type").unwrap_or_else(|| "application/json".into());
    let etag = header("etag");
    // The proxy stands in for the network, not for a body cap: it forwards a little more than a
    // kiosk accepts (so the kiosk's own cap is what a test sees) and never buffers without end.
    let mut response = response;
    let most = venue_contract::payload::KIOSK_BODY_CAP as usize + 1;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = most.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= most {
            break;
        }
    }
    Ok(Answer {
        status,
        content_type,
        etag,
        body,
    })
}

async fn write_answer(stream: &mut TcpStream, answer: &Answer) -> std::io::Result<()> {
    stream
        .write_all(&head(
            answer.status,
            &answer.content_type,
            answer.etag.as_deref(),
            Some(answer.body.len()),
        ))
        .await?;
    stream.write_all(&answer.body).await?;
    stream.flush().await
}

fn head(status: u16, content_type: &str, etag: Option<&str>, length: Option<usize>) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        409 => "Conflict",
        500 => "Internal Server Error",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nConnection: close\r\n");
    if let Some(etag) = etag {
        head.push_str(&format!("ETag: {etag}\r\n"));
    }
    match length {
        Some(n) => head.push_str(&format!("Content-Length: {n}\r\n")),
        None => head.push_str("Transfer-Encoding: chunked\r\n"),
    }
    head.push_str("\r\n");
    head.into_bytes()
}

async fn serve(stream: TcpStream, shared: &Shared) -> anyhow::Result<()> {
    let mut reader = BufReader::new(stream);
    let request = read_request(&mut reader).await?;
    let mut stream = reader.into_inner();
    let mode = shared.mode();
    let is_post = request.method != "GET";
    // Posts in these modes reach the server first: the answer is what gets lost.
    let forward_first = is_post && !matches!(mode, ChaosMode::Error500);
    let upstream = if forward_first || matches!(mode, ChaosMode::Healthy | ChaosMode::Slow | ChaosMode::BigSchedule) {
        if mode == ChaosMode::Slow {
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        Some(forward(shared, &request).await)
    } else {
        None
    };
    match mode {
        ChaosMode::Healthy | ChaosMode::Slow => match upstream {
            Some(Ok(answer)) => write_answer(&mut stream, &answer).await?,
            _ => write_answer(&mut stream, &plain(502, "upstream unreachable")).await?,
        },
        ChaosMode::BigSchedule if !is_post && request.path.starts_with("/api/v1/schedule") => {
            let poll = shared.big_schedule_polls.fetch_add(1, Ordering::Relaxed);
            // Four variants made once and served in turn: each poll differs from the one before,
            // and the proxy does not compete with the kiosk for CPU while a benchmark runs.
            static VARIANTS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
            let body = VARIANTS.get_or_init(|| (0..4).map(big_schedule).collect())[(poll % 4) as usize].clone();
            let answer = Answer {
                status: 200,
                content_type: "application/json".into(),
                etag: Some(format!("\"big-{poll}\"")),
                body,
            };
            write_answer(&mut stream, &answer).await?;
        }
        ChaosMode::BigSchedule => match upstream {
            Some(Ok(answer)) => write_answer(&mut stream, &answer).await?,
            _ => write_answer(&mut stream, &plain(502, "upstream unreachable")).await?,
        },
        ChaosMode::Error500 => write_answer(&mut stream, &plain(500, r#"{"error":"internal","message":"chaos: 500"}"#)).await?,
        ChaosMode::Malformed => {
            let answer = Answer {
                status: 200,
                content_type: "application/json".into(),
                etag: Some("\"malformed\"".into()),
                body: br#"{"version": 1, "sessions": [{"id": "s1", "title": "cut here"#.to_vec(),
            };
            write_answer(&mut stream, &answer).await?;
        }
        ChaosMode::Truncated => {
            let body = br#"{"version": 1, "sessions": []}"#;
            stream
                .write_all(&head(200, "application/json", Some("\"truncated\""), Some(body.len() * 10)))
                .await?;
            stream.write_all(&body[..body.len() / 2]).await?;
            stream.flush().await?;
        }
        ChaosMode::Huge => {
            stream.write_all(&head(200, "application/json", Some("\"huge\""), None)).await?;
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..(9 * 16) {
                // A client that stops reading at its limit closes the socket: stop quietly then.
                let frame = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk.clone(), b"\r\n".to_vec()].concat();
                if stream.write_all(&frame).await.is_err() {
                    return Ok(());
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
        ChaosMode::WrongType => {
            let page = b"<html><body><h1>Welcome to Venue Wi-Fi</h1><p>Please accept the terms.</p></body></html>";
            let answer = Answer {
                status: 200,
                content_type: "text/html; charset=utf-8".into(),
                etag: None,
                body: page.to_vec(),
            };
            write_answer(&mut stream, &answer).await?;
        }
        ChaosMode::Reset => {
            // Linger 0 turns the close into a RST; with a zero timeout the drop does not block.
            #[allow(deprecated)]
            stream.set_linger(Some(Duration::ZERO))?;
            drop(stream);
        }
    }
    Ok(())
}

fn plain(status: u16, body: &str) -> Answer {
    Answer {
        status,
        content_type: "application/json".into(),
        etag: None,
        body: body.as_bytes().to_vec(),
    }
}

/// A valid schedule of about 5 MB: the sample's sessions copied with new ids and long abstracts,
/// with the poll number in every title so each poll is new data that must be parsed and applied.
pub fn big_schedule(poll: u64) -> Vec<u8> {
    use venue_contract::payload::Endpoint;
    let sample: venue_contract::wire::Schedule =
        serde_json::from_slice(venue_contract::sample::body(Endpoint::Schedule)).expect("the embedded sample schedule parses");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(poll);
    let mut sessions = Vec::new();
    let mut size = 0usize;
    let mut copy = 0u32;
    while size < 5 * 1024 * 1024 {
        for session in &sample.sessions {
            let mut s = session.clone();
            s.id = format!("{}-copy{copy}", s.id);
            s.title = format!("{} · poll {poll} · copy {copy}", s.title);
            let words: Vec<String> = (0..60).map(|_| format!("word{}", rng.random_range(0..10_000))).collect();
            s.subtitle = Some(words.join(" "));
            size += 600;
            sessions.push(s);
        }
        copy += 1;
    }
    let schedule = venue_contract::wire::Schedule {
        version: sample.version,
        sessions,
    };
    serde_json::to_vec(&schedule).expect("a schedule serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_comes_once_per_cycle_and_the_order_repeats_with_the_seed() {
        let every = Some(2.0);
        for cycle in 0..3 {
            let modes: Vec<ChaosMode> = (0..8)
                .map(|i| mode_at(None, every, None, 7, (cycle * 8 + i) as f64 * 2.0 + 0.5))
                .collect();
            let mut sorted = modes.clone();
            sorted.sort_by_key(|m| *m as u8);
            assert_eq!(sorted, ChaosMode::CYCLE.to_vec(), "cycle {cycle}: {modes:?}");
            let again: Vec<ChaosMode> = (0..8)
                .map(|i| mode_at(None, every, None, 7, (cycle * 8 + i) as f64 * 2.0 + 0.5))
                .collect();
            assert_eq!(modes, again);
        }
        let other: Vec<ChaosMode> = (0..16).map(|i| mode_at(None, every, None, 8, i as f64 * 2.0 + 0.5)).collect();
        let first: Vec<ChaosMode> = (0..16).map(|i| mode_at(None, every, None, 7, i as f64 * 2.0 + 0.5)).collect();
        assert_ne!(other, first, "another seed gives another order");
    }

    #[test]
    fn chaos_ends_healthy_and_a_fixed_mode_stays() {
        assert_eq!(mode_at(None, Some(1.0), Some(10.0), 1, 10.0), ChaosMode::Healthy);
        assert_eq!(mode_at(None, Some(1.0), Some(10.0), 1, 1e6), ChaosMode::Healthy);
        assert_eq!(mode_at(Some(ChaosMode::Error500), None, None, 1, 55.0), ChaosMode::Error500);
        assert_eq!(mode_at(None, None, None, 1, 55.0), ChaosMode::Healthy);
    }

    #[test]
    fn the_big_schedule_is_five_megabytes_valid_and_new_every_poll() {
        let a = big_schedule(1);
        let b = big_schedule(2);
        assert!(a.len() >= 5 * 1024 * 1024 && a.len() < 8 * 1024 * 1024, "{} bytes", a.len());
        assert_ne!(a, b);
        let decoded = venue_contract::payload::decode(venue_contract::payload::Endpoint::Schedule, &a);
        assert!(decoded.is_ok(), "{:?}", decoded.err());
    }
}
