//! Exactly once, for real: the kiosk draws every prize of the sample event against a real HTTP
//! event server on 127.0.0.1:0 and is killed with SIGKILL at random moments, 20 times, then runs to
//! the end. The server is unkind too: it fails some posts before storing them and loses the answer
//! of others after storing them (so the kiosk must retry with the same key and body).
//!
//! Asserts: no committed result ever changes or disappears after a restart (the same winners), the
//! server holds exactly one accepted result per batch and it equals the journal's, every prize is
//! complete, nobody won twice where the prize forbids it, and `verify-draw` recomputes it all.
//!
//! With anchoring (issue #17): the server registers each armed commitment and answers a nonce, and
//! refuses a result whose commitment it does not hold or whose nonce is not its own. Every result
//! must be anchored, every commitment the server registered must be in the journal, and one run is
//! killed between registering and drawing (the server holds its answer): that commitment is never
//! drawn and the journal and verify-draw list it as thrown away.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::{Rng, SeedableRng};

const KILLS: usize = 20;
const TOKEN: &str = "test-token-4f1c";

#[derive(Default)]
struct Server {
    /// Idempotency key → the stored body.
    by_key: BTreeMap<String, serde_json::Value>,
    /// (prize, batch) → the key stored for it: a second, different result for a batch is refused.
    by_batch: BTreeMap<(String, u64), String>,
    accepted: usize,
    repeats: usize,
    conflicts: usize,
    refused_auth: usize,
    /// Seed commitment → the nonce this server gave for it, in order of registration.
    commitments: BTreeMap<String, String>,
    registered: Vec<String>,
    /// Results refused because their commitment was not registered or the nonce was not ours.
    refused_anchor: usize,
    /// Answer registrations only after this long (to kill the kiosk between registering and drawing).
    hold_registrations: Option<Duration>,
    rng: Option<rand_chacha::ChaCha8Rng>,
}

type Shared = Arc<Mutex<Server>>;

async fn read(Path(name): Path<String>) -> Response {
    let path = format!("{}/../venue-contract/sample/{name}.json", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read(path) {
        Ok(body) => ([("content-type", "application/json")], body).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `POST /api/v1/draw/commitments`: one nonce per commitment, the same on every retry.
async fn register(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let (answer, hold) = {
        let mut s = shared.lock().unwrap();
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {TOKEN}")) {
            s.refused_auth += 1;
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        let commitment = value["seed_commitment"].as_str().unwrap_or("").to_string();
        let fresh = !s.commitments.contains_key(&commitment);
        if fresh {
            let nonce: [u8; 32] = s.rng.as_mut().unwrap().random();
            s.commitments.insert(commitment.clone(), hex::encode(nonce));
            s.registered.push(commitment.clone());
        }
        let answer = serde_json::json!({
            "version": 1, "seed_commitment": commitment, "server_nonce": s.commitments[&commitment],
            "registered_at": "2026-12-04T08:00:00Z"
        });
        let status = if fresh { StatusCode::CREATED } else { StatusCode::OK };
        ((status, answer.to_string()), s.hold_registrations)
    };
    if let Some(hold) = hold {
        tokio::time::sleep(hold).await;
    }
    answer.into_response()
}

/// Contract "POST semantics", with faults: 25% fail before storing, 20% lose the answer after.
async fn draw_result(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut s = shared.lock().unwrap();
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {TOKEN}")) {
        s.refused_auth += 1;
        return (
            StatusCode::UNAUTHORIZED,
            "{\"version\":1,\"error\":\"unauthorized\",\"message\":\"no\"}",
        )
            .into_response();
    }
    let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    // Anchoring: the commitment must be registered here and the nonce ours.
    let held = value["seed_commitment"].as_str().and_then(|c| s.commitments.get(c)).cloned();
    if held.is_none() || value["server_nonce"].as_str() != held.as_deref() {
        s.refused_anchor += 1;
        return (
            StatusCode::BAD_REQUEST,
            "{\"version\":1,\"error\":\"unregistered_commitment\",\"message\":\"not anchored here\"}",
        )
            .into_response();
    }
    let roll: f64 = s.rng.as_mut().unwrap().random();
    if roll < 0.25 {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    let batch = (
        value["prize_id"].as_str().unwrap_or("").to_string(),
        value["batch"].as_u64().unwrap_or(0),
    );
    let status = if let Some(stored) = s.by_key.get(&key).cloned() {
        if stored == value {
            s.repeats += 1;
            StatusCode::OK
        } else {
            s.conflicts += 1;
            return (StatusCode::CONFLICT, stored.to_string()).into_response();
        }
    } else if let Some(other) = s.by_batch.get(&batch).cloned() {
        s.conflicts += 1;
        return (StatusCode::CONFLICT, s.by_key[&other].to_string()).into_response();
    } else {
        s.by_key.insert(key.clone(), value.clone());
        s.by_batch.insert(batch, key);
        s.accepted += 1;
        StatusCode::CREATED
    };
    if roll < 0.45 {
        // Stored, but the answer is lost on the way back.
        return (StatusCode::BAD_GATEWAY, "answer lost").into_response();
    }
    (status, value.to_string()).into_response()
}

fn start_server() -> (SocketAddr, Shared) {
    let shared: Shared = Arc::new(Mutex::new(Server {
        rng: Some(rand_chacha::ChaCha8Rng::seed_from_u64(7)),
        ..Default::default()
    }));
    let state = shared.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app = axum::Router::new()
                .route("/api/v1/{name}", get(read))
                .route("/api/v1/draw/commitments", post(register))
                .route("/api/v1/draw/results", post(draw_result))
                .with_state(state);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (rx.recv().unwrap(), shared)
}

/// Committed records in the journal, in order.
fn committed(journal: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(journal.join("draw-journal.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "committed")
        .map(|v| v["record"].clone())
        .collect()
}

fn winners(record: &serde_json::Value) -> Vec<u64> {
    record["winners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["ticket"].as_u64().unwrap())
        .collect()
}

struct Kiosk {
    child: std::process::Child,
    log: std::sync::mpsc::Receiver<String>,
}

impl Kiosk {
    fn start(display: &str, config: &std::path::Path, data: &std::path::Path) -> Kiosk {
        let mut child = Command::new(env!("CARGO_BIN_EXE_venue-kiosk"))
            .args(["--config", config.to_str().unwrap(), "--windowed", "--size", "640x360"])
            .args(["--mode", "draw", "--autodraw=all"])
            .env("DISPLAY", display)
            .env("WGPU_BACKEND", "vulkan")
            .env("XDG_CACHE_HOME", data.join("cache"))
            .env("XDG_DATA_HOME", data.join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, log) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Kiosk { child, log }
    }

    /// Waits for a log line containing `needle`; false on timeout or exit.
    fn wait_for(&mut self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            match self.log.recv_timeout(Duration::from_millis(100)) {
                Ok(line) if line.contains(needle) => return true,
                Ok(_) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return false,
            }
        }
        false
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        let _ = self.child.wait();
    }
}

#[test]
fn draws_survive_twenty_kills_and_reach_the_server_exactly_once() {
    let (addr, server) = start_server();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[feed]\nsource = \"http://{addr}\"\ntoken_file = \"{}\"\nbackoff_initial_ms = 100\nbackoff_max_ms = 800\n\
             [draw]\njournal_dir = \"{}\"\n",
            token_file.display(),
            journal.display()
        ),
    )
    .unwrap();
    let sample: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/../venue-contract/sample/draw.json", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    )
    .unwrap();
    let total_winners: u64 = sample["prizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["winner_count"].as_u64().unwrap())
        .sum();

    let xvfb = common::Xvfb::start(640, 360);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut seen: Vec<serde_json::Value> = Vec::new();
    let mut killed_armed: Vec<String> = Vec::new();
    for round in 0..KILLS {
        let between = round % 7 == 3;
        let registered_before = server.lock().unwrap().registered.len();
        if between {
            server.lock().unwrap().hold_registrations = Some(Duration::from_secs(3));
        }
        let mut kiosk = Kiosk::start(&xvfb.display, &config, dir.path());
        assert!(
            kiosk.wait_for("draw journal at", Duration::from_secs(120)),
            "run {round}: the kiosk did not open its journal"
        );
        if between {
            // Between registering and drawing: the server holds the commitment, its answer is late.
            let deadline = Instant::now() + Duration::from_secs(30);
            while server.lock().unwrap().registered.len() == registered_before {
                assert!(Instant::now() < deadline, "run {round}: no commitment was registered");
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(Duration::from_millis(300));
            kiosk.kill();
            let mut s = server.lock().unwrap();
            s.hold_registrations = None;
            killed_armed.push(s.registered.last().unwrap().clone());
        } else {
            // A random moment: while registering, committing, rolling, revealing or posting.
            std::thread::sleep(Duration::from_millis(rng.random_range(0..4000)));
            kiosk.kill();
        }
        let now = committed(&journal);
        assert!(now.len() >= seen.len(), "run {round}: the journal lost results");
        assert_eq!(
            now[..seen.len()],
            seen[..],
            "run {round}: a committed result changed after a restart"
        );
        seen = now;
    }
    assert!(!seen.is_empty(), "the kills left no time to draw at all");

    // The last run: let it finish every prize and deliver every result.
    let kiosk = Kiosk::start(&xvfb.display, &config, dir.path());
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let records = committed(&journal);
        let drawn: u64 = records.iter().map(|r| winners(r).len() as u64).sum();
        let stored = server.lock().unwrap().by_key.len();
        let text = std::fs::read_to_string(journal.join("draw-journal.jsonl")).unwrap_or_default();
        let acknowledged = text.matches("\"type\":\"acknowledged\"").count();
        if drawn >= total_winners && stored == records.len() && acknowledged >= records.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not finished: {drawn}/{total_winners} winners, {stored}/{} stored, {acknowledged} acknowledged",
            records.len()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    kiosk.kill();
    drop(xvfb);

    let records = committed(&journal);
    assert_eq!(
        records[..seen.len()],
        seen[..],
        "results committed before the last run are unchanged"
    );
    let s = server.lock().unwrap();
    eprintln!(
        "{} results committed ({} before the last run), server: {} accepted, {} repeats after lost answers, {} conflicts",
        records.len(),
        seen.len(),
        s.accepted,
        s.repeats,
        s.conflicts
    );
    assert_eq!(s.refused_auth, 0, "the token from token_file is sent");
    assert_eq!(s.refused_anchor, 0, "every result was anchored with a commitment registered here");
    // Every record is anchored with the nonce this server gave for its commitment.
    for r in &records {
        let commitment = r["seed_commitment"].as_str().unwrap();
        assert_eq!(r["server_nonce"].as_str(), s.commitments.get(commitment).map(String::as_str), "{r}");
    }
    // Every commitment the server registered is in the journal as armed (journaled before it went out).
    let text = std::fs::read_to_string(journal.join("draw-journal.jsonl")).unwrap();
    let armed: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "armed")
        .map(|v| v["seed_commitment"].as_str().unwrap().to_string())
        .collect();
    for commitment in &s.registered {
        assert!(armed.contains(commitment), "registered {commitment} is not in the journal");
    }
    // The seeds armed when the kiosk was killed between registering and drawing were never drawn.
    assert!(!killed_armed.is_empty());
    for commitment in &killed_armed {
        assert!(
            records.iter().all(|r| r["seed_commitment"] != commitment.as_str()),
            "{commitment} was drawn after its kiosk died"
        );
    }
    assert_eq!(s.conflicts, 0, "no batch was ever drawn twice");
    assert_eq!(s.accepted, records.len(), "exactly one accepted result per batch");
    // The server's results are the journal's, batch by batch.
    let mut batches: HashMap<(String, u64), Vec<u64>> = HashMap::new();
    for r in &records {
        let key = (r["prize_id"].as_str().unwrap().to_string(), r["batch"].as_u64().unwrap());
        assert!(
            batches.insert(key.clone(), winners(r)).is_none(),
            "batch {key:?} twice in the journal"
        );
        let stored = &s.by_key[&s.by_batch[&key]];
        let stored_winners: Vec<u64> = stored["winners"].as_array().unwrap().iter().map(|w| w.as_u64().unwrap()).collect();
        assert_eq!(stored_winners, winners(r), "server and journal agree on {key:?}");
    }
    // Every prize complete; nobody won twice where the prize does not allow it.
    let mut holders_by_prize: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &records {
        for w in r["winners"].as_array().unwrap() {
            holders_by_prize
                .entry(r["prize_id"].as_str().unwrap().to_string())
                .or_default()
                .push(w["holder"].as_str().unwrap().to_string());
        }
    }
    let mut exclusive_holders = Vec::new();
    for prize in sample["prizes"].as_array().unwrap() {
        let id = prize["id"].as_str().unwrap();
        let holders = &holders_by_prize[id];
        assert_eq!(holders.len() as u64, prize["winner_count"].as_u64().unwrap(), "{id} is complete");
        if !prize["allow_previous_winners"].as_bool().unwrap_or(false) {
            exclusive_holders.extend(holders.iter().cloned());
        }
    }
    let before = exclusive_holders.len();
    exclusive_holders.sort();
    exclusive_holders.dedup();
    assert_eq!(exclusive_holders.len(), before, "a holder won twice");
    drop(s);

    let (verified, report) = common::verify_draw(&journal.join("draw-journal.jsonl"));
    assert!(verified && report.contains("VERIFIED"), "{report}");
    assert!(
        report.contains(&format!("anchoring: all {} result(s) anchored", records.len())),
        "{report}"
    );
    for commitment in &killed_armed {
        let fingerprint = venue_rules::draw::engine::fingerprint(commitment);
        assert!(
            report.contains(&format!("  DISCARDED {fingerprint}")) && report.contains("the kiosk stopped while it was armed"),
            "{fingerprint}: {report}"
        );
    }
}
