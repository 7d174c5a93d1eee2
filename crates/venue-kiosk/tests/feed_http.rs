//! The feed client against a real HTTP server on 127.0.0.1:0 that misbehaves on command.
//! Each test asserts the resulting state and `FeedStatus`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use venue_contract::sample;
use venue_kiosk::config::source::{DocSpec, SourceSpec};
use venue_kiosk::feed::cache::DiskCache;
use venue_kiosk::feed::{
    Connection, Endpoint, FeedHealth, FeedLog, FeedState, FeedStatus, FeedUpdate, FeedWorker, Origin, WorkerConfig, apply_update,
};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Behaviour {
    Healthy,
    Status500,
    Hang,
    Malformed,
    Huge,
    VersionTwo,
}

struct ServerState {
    behaviour: Behaviour,
    /// Body per endpoint name; the ETag is derived from it.
    bodies: HashMap<String, Vec<u8>>,
    hits: usize,
    not_modified: usize,
}

type Shared = Arc<Mutex<ServerState>>;

fn etag_of(body: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    format!("\"{:x}\"", h.finish())
}

async fn serve_endpoint(State(shared): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let (behaviour, body) = {
        let mut s = shared.lock().unwrap();
        s.hits += 1;
        (s.behaviour, s.bodies.get(&name).cloned())
    };
    let Some(body) = body else {
        return Response::builder().status(404).body(Body::empty()).unwrap();
    };
    match behaviour {
        Behaviour::Healthy => {
            let etag = etag_of(&body);
            if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                shared.lock().unwrap().not_modified += 1;
                return Response::builder()
                    .status(StatusCode::NOT_MODIFIED)
                    .header(header::ETAG, etag)
                    .body(Body::empty())
                    .unwrap();
            }
            Response::builder()
                .header(header::ETAG, etag)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap()
        }
        Behaviour::Status500 => Response::builder().status(500).body(Body::from("{\"error\":\"boom\"}")).unwrap(),
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Response::builder().body(Body::from(body)).unwrap()
        }
        Behaviour::Malformed => Response::builder()
            .header(header::ETAG, "\"bad\"")
            .body(Body::from("{\"version\": 1, \"name\": "))
            .unwrap(),
        Behaviour::Huge => {
            // Chunked (no Content-Length), so the cap must be enforced while reading.
            let chunk = vec![b' '; 64 * 1024];
            let stream = futures_stream(chunk, 40);
            Response::builder()
                .header(header::ETAG, "\"huge\"")
                .body(Body::from_stream(stream))
                .unwrap()
        }
        Behaviour::VersionTwo => {
            let text = String::from_utf8(body).unwrap().replacen("\"version\": 1", "\"version\": 2", 1);
            Response::builder().header(header::ETAG, "\"v2\"").body(Body::from(text)).unwrap()
        }
    }
}

fn futures_stream(chunk: Vec<u8>, n: usize) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    struct Repeat {
        chunk: Vec<u8>,
        left: usize,
    }
    impl futures_core::Stream for Repeat {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
            if self.left == 0 {
                return std::task::Poll::Ready(None);
            }
            self.left -= 1;
            std::task::Poll::Ready(Some(Ok(self.chunk.clone())))
        }
    }
    Repeat { chunk, left: n }
}

/// A test server in its own thread and runtime; dropping it (or `stop`) takes it off the air.
struct TestServer {
    addr: SocketAddr,
    shared: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    fn start(bind: SocketAddr, shared: Shared) -> TestServer {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let shared2 = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new().route("/api/v1/{name}", get(serve_endpoint)).with_state(shared2);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
            // Dropping the runtime cancels hung handlers and closes their connections.
            rt.shutdown_timeout(Duration::from_millis(100));
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(5)).expect("server started");
        TestServer {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    fn fresh(behaviour: Behaviour) -> TestServer {
        let bodies = Endpoint::ALL
            .iter()
            .map(|e| (e.name().to_string(), sample::body(*e).to_vec()))
            .collect();
        let shared = Arc::new(Mutex::new(ServerState {
            behaviour,
            bodies,
            hits: 0,
            not_modified: 0,
        }));
        TestServer::start("127.0.0.1:0".parse().unwrap(), shared)
    }

    fn set(&self, behaviour: Behaviour) {
        self.shared.lock().unwrap().behaviour = behaviour;
    }

    fn set_body(&self, endpoint: Endpoint, body: Vec<u8>) {
        self.shared.lock().unwrap().bodies.insert(endpoint.name().to_string(), body);
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn config_for(url: &str, cache_root: &std::path::Path) -> WorkerConfig {
    WorkerConfig {
        source: SourceSpec::parse(url).unwrap(),
        schedule_source: None,
        connect_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_millis(700),
        max_body_bytes: 512 * 1024,
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        intervals: [Duration::from_millis(100); 6],
        cache: Some(DiskCache::for_source(cache_root, url)),
        trusted: Default::default(),
    }
}

/// The Bevy system's job, done by hand: fold reports into state and health.
struct Kiosk {
    worker: FeedWorker,
    state: FeedState,
    health: FeedHealth,
    log: FeedLog,
    seen: Vec<FeedUpdate>,
}

impl Kiosk {
    fn start(config: WorkerConfig, offline_after: Duration) -> Kiosk {
        let health = FeedHealth::new(config.source.label(), false, Utc::now(), offline_after);
        Kiosk {
            worker: FeedWorker::spawn(config),
            state: FeedState::default(),
            health,
            log: FeedLog::default(),
            seen: Vec::new(),
        }
    }

    /// Pump reports until `done` holds; panics with what was seen after 10 s.
    fn until(&mut self, what: &str, mut done: impl FnMut(&Kiosk) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; status {:?}; last reports {:?}",
                self.status(),
                self.seen.iter().rev().take(5).collect::<Vec<_>>()
            );
            if let Ok(update) = self.worker.updates().recv_timeout(left.min(Duration::from_millis(50))) {
                self.seen.push(update.clone());
                drop(apply_update(update, &mut self.state, &mut self.health, &mut self.log));
            }
        }
    }

    fn status(&self) -> FeedStatus {
        self.health.status(Utc::now())
    }

    fn failures_with(&self, needle: &str) -> usize {
        self.seen
            .iter()
            .filter(|u| matches!(u, FeedUpdate::Failed { error, .. } if error.contains(needle)))
            .count()
    }

    fn complete(&self) -> bool {
        Endpoint::ALL.iter().all(|e| self.state.has(*e))
    }
}

#[test]
fn first_200_then_304_with_etag() {
    let server = TestServer::fresh(Behaviour::Healthy);
    let cache = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::start(config_for(&server.url(), cache.path()), Duration::from_secs(60));
    kiosk.until("all endpoints", Kiosk::complete);
    assert_eq!(kiosk.state.event_name(), Some("Aurora DevCon Seoul 2026"));
    let revision = kiosk.state.revision;
    kiosk.until("304s for every endpoint", |k| {
        k.seen.iter().filter(|u| matches!(u, FeedUpdate::NotModified { .. })).count() >= 10
    });
    assert!(
        server.shared.lock().unwrap().not_modified >= 10,
        "the server answered 304 to If-None-Match"
    );
    assert_eq!(kiosk.state.revision, revision, "a 304 changes nothing");
    assert_eq!(kiosk.status().connection, Connection::Online);
    assert!(kiosk.status().last_error.is_none());
}

#[test]
fn changed_payload_replaces_state() {
    let server = TestServer::fresh(Behaviour::Healthy);
    let cache = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::start(config_for(&server.url(), cache.path()), Duration::from_secs(60));
    kiosk.until("all endpoints", Kiosk::complete);
    let body = String::from_utf8(sample::body(Endpoint::Event).to_vec())
        .unwrap()
        .replace("Aurora DevCon Seoul 2026", "Renamed Con");
    server.set_body(Endpoint::Event, body.into_bytes());
    kiosk.until("new event name", |k| k.state.event_name() == Some("Renamed Con"));
}

#[test]
fn http_500_keeps_last_good_state_and_turns_stale() {
    let server = TestServer::fresh(Behaviour::Healthy);
    let cache = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::start(config_for(&server.url(), cache.path()), Duration::from_secs(60));
    kiosk.until("all endpoints", Kiosk::complete);
    let before = kiosk.state.clone();
    server.set(Behaviour::Status500);
    kiosk.until("500s reported", |k| k.failures_with("HTTP 500") >= 5);
    assert_eq!(kiosk.state.revision, before.revision, "errors never replace good state");
    assert_eq!(kiosk.state.event_name(), Some("Aurora DevCon Seoul 2026"));
    let status = kiosk.status();
    assert!(matches!(status.connection, Connection::Stale { .. }), "{status:?}");
    assert!(status.last_error.unwrap().contains("HTTP 500"));
    server.set(Behaviour::Healthy);
    kiosk.until("back online", |k| k.status().connection == Connection::Online);
}

#[test]
fn hang_past_the_timeout_is_reported_and_offline_when_never_reached() {
    let server = TestServer::fresh(Behaviour::Hang);
    let cache = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut kiosk = Kiosk::start(config_for(&server.url(), cache.path()), Duration::from_secs(60));
    kiosk.until("a timeout", |k| k.failures_with("timed out") >= 1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the request timeout (700 ms) cut the hang short"
    );
    assert!(!kiosk.state.has(Endpoint::Event));
    let status = kiosk.status();
    assert!(matches!(status.connection, Connection::Offline { .. }), "{status:?}");
    assert!(status.last_error.unwrap().contains("timed out"));
}

#[test]
fn malformed_json_never_replaces_good_state() {
    let server = TestServer::fresh(Behaviour::Healthy);
    let cache = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::start(config_for(&server.url(), cache.path()), Duration::from_secs(60));
    kiosk.until("all endpoints", Kiosk::complete);
    let before = kiosk.state.clone();
    server.set(Behaviour::Malformed);
    kiosk.until("malformed reported", |k| k.failures_with("malformed JSON") >= 5);
    assert_eq!(kiosk.state.revision, before.revision);
    assert_eq!(kiosk.state.schedule, before.schedule);
    let status = kiosk.status();
    assert!(matches!(status.connection, Connection::Stale { .. }), "{status:?}");
    assert!(
        kiosk.log.recent.iter().any(|l| l.contains("malformed JSON")),
        "logged with the endpoint: {:?}",
        kiosk.log.recent
    );
    // The cache still holds the good copy.
    let cached = DiskCache::for_source(cache.path(), &server.url())
        .load(Endpoint::Schedule)
        .unwrap()
        .unwrap();
    assert_eq!(cached.body, sample::body(Endpoint::Schedule));
}

#[test]
fn body_over_the_cap_is_refused() {
    let server = TestServer::fresh(Behaviour::Huge);
    let cache = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::start(config_for(&server.url(), cache.path()), Duration::from_secs(60));
    kiosk.until("cap reported", |k| k.failures_with("cap") >= 5);
    assert!(!kiosk.state.has(Endpoint::Schedule));
    assert!(kiosk.status().last_error.unwrap().contains("cap"));
}

#[test]
fn unknown_major_version_is_refused() {
    let server = TestServer::fresh(Behaviour::VersionTwo);
    let cache = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::start(config_for(&server.url(), cache.path()), Duration::from_secs(60));
    kiosk.until("version refused", |k| k.failures_with("version 2 is not supported") >= 5);
    assert!(!kiosk.state.has(Endpoint::Event));
}

#[test]
fn server_gone_mid_run_then_back() {
    let mut server = TestServer::fresh(Behaviour::Healthy);
    let addr = server.addr;
    let cache = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::start(config_for(&server.url(), cache.path()), Duration::from_millis(800));
    kiosk.until("all endpoints", Kiosk::complete);
    let shared = server.shared.clone();
    server.stop();
    kiosk.until("connection failures", |k| k.failures_with("cannot connect") >= 3);
    assert!(matches!(
        kiosk.status().connection,
        Connection::Stale { .. } | Connection::Offline { .. }
    ));
    kiosk.until("offline after offline_after", |k| {
        matches!(k.status().connection, Connection::Offline { .. })
    });
    assert_eq!(
        kiosk.state.event_name(),
        Some("Aurora DevCon Seoul 2026"),
        "last good state stays up"
    );
    // Back on the same port, with a changed event.
    let body = String::from_utf8(sample::body(Endpoint::Event).to_vec())
        .unwrap()
        .replace("Aurora DevCon Seoul 2026", "Back Again Con");
    shared.lock().unwrap().bodies.insert("event".into(), body.into_bytes());
    let _server2 = TestServer::start(addr, shared);
    kiosk.until("online again", |k| {
        k.status().connection == Connection::Online && k.state.event_name() == Some("Back Again Con")
    });
}

#[test]
fn cached_state_shows_when_booting_with_the_server_down() {
    let mut server = TestServer::fresh(Behaviour::Healthy);
    let url = server.url();
    let cache = tempfile::tempdir().unwrap();
    {
        let mut kiosk = Kiosk::start(config_for(&url, cache.path()), Duration::from_secs(60));
        kiosk.until("all endpoints", Kiosk::complete);
        kiosk.worker.stop();
    }
    server.stop();
    let mut kiosk = Kiosk::start(config_for(&url, cache.path()), Duration::from_secs(60));
    kiosk.until("cached data", Kiosk::complete);
    assert!(kiosk.seen.iter().any(|u| matches!(
        u,
        FeedUpdate::Data {
            origin: Origin::Cache { .. },
            ..
        }
    )));
    kiosk.until("failures", |k| k.failures_with("cannot connect") >= 5);
    let status = kiosk.status();
    assert!(matches!(status.connection, Connection::Offline { .. }), "{status:?}");
    assert!(status.cached_data_from.is_some(), "the indicator says the data is saved data");
    assert_eq!(kiosk.state.event_name(), Some("Aurora DevCon Seoul 2026"));
}

#[test]
fn pretalx_schedule_source_over_http() {
    let server = TestServer::fresh(Behaviour::Healthy);
    let pretalx = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../venue-contract/tests/fixtures/pretalx_schedule.json"
    ))
    .unwrap();
    server.set_body(Endpoint::Schedule, pretalx);
    let cache = tempfile::tempdir().unwrap();
    let mut config = config_for("sample", cache.path());
    config.schedule_source = Some(DocSpec::parse(&format!("{}/api/v1/schedule", server.url())).unwrap());
    let mut kiosk = Kiosk::start(config, Duration::from_secs(60));
    kiosk.until("imported schedule", |k| k.state.schedule_event.is_some());
    let schedule = kiosk.state.schedule.clone().unwrap();
    assert!(schedule.sessions.len() >= 10);
    assert_eq!(
        kiosk.state.event_name(),
        Some("Aurora DevCon Seoul 2026"),
        "the event still comes from the main source"
    );
}

/// A folder holding only a pretalx export: the event comes from the export, the screen is live
/// (not "stale" for files the folder does not offer), and a folder without its schedule is a fault.
#[test]
fn a_folder_with_only_a_pretalx_export_is_a_whole_event() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../venue-contract/tests/fixtures/pretalx_schedule.json"
        ),
        dir.path().join("schedule.json"),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let source = dir.path().to_str().unwrap().to_string();
    let mut kiosk = Kiosk::start(config_for(&source, cache.path()), Duration::from_secs(60));
    kiosk.until("the derived event", |k| {
        k.state.event_info().is_some_and(|e| e.name == "Datenfest Berlin 2025") && k.state.schedule.is_some()
    });
    // Every poller has answered at least twice: still live, nothing reported as failed.
    std::thread::sleep(Duration::from_millis(400));
    kiosk.until("a few more polls", |k| k.seen.len() > 20);
    assert_eq!(kiosk.status().connection, Connection::Online, "{:?}", kiosk.status());
    assert_eq!(kiosk.failures_with("no such file"), 0);

    // Without its schedule the folder is broken, and says so.
    std::fs::remove_file(dir.path().join("schedule.json")).unwrap();
    kiosk.until("the missing schedule reported", |k| {
        k.failures_with("schedule.json: no such file") > 0
    });
}
