//! The kiosk's own network code against the real event server (`venue-kiosk serve`, in process on
//! 127.0.0.1:0, SQLite): the feed worker pulls the sample event, the operator's broadcast reaches
//! the messages every screen polls, and the result outbox gets 201, then 200 for a retry, and a
//! conflict (with the server's result) for a different result of the same batch.

use std::time::{Duration, Instant};

use chrono::Utc;
use venue_kiosk::config::source::SourceSpec;
use venue_kiosk::feed::cache::DiskCache;
use venue_kiosk::feed::outbox::{OutboxConfig, PostOutcome, ResultOutbox, ResultPost, ResultStream, post_broadcast};
use venue_kiosk::feed::{Endpoint, FeedState, FeedUpdate, FeedWorker, WorkerConfig};
use venue_server::{ServerConfig, db, spawn};

const TOKEN: &str = "kiosk-e2e-token-7a1f";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn outbox_config(base: &str, token_file: &std::path::Path) -> OutboxConfig {
    OutboxConfig {
        base: url::Url::parse(&format!("{base}/")).unwrap(),
        token_file: Some(token_file.to_path_buf()),
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_secs(3),
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
    }
}

/// The event server with the sample event, and a token file for the kiosk.
fn start_server(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> (venue_server::RunningServer, String, std::path::PathBuf) {
    let server = rt
        .block_on(spawn(ServerConfig {
            admin_token: Some(TOKEN.into()),
            seed_sample: true,
            ..ServerConfig::new(db::database_url(dir.join("venue.sqlite").to_str().unwrap()))
        }))
        .unwrap();
    let base = server.base_url();
    let token_file = dir.join("token");
    std::fs::write(&token_file, TOKEN).unwrap();
    (server, base, token_file)
}

fn worker_config(base: &str, interval: Duration) -> WorkerConfig {
    WorkerConfig {
        source: SourceSpec::parse(base).unwrap(),
        schedule_source: None,
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_secs(3),
        max_body_bytes: 8 * 1024 * 1024,
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        intervals: [interval; 5],
        cache: None,
    }
}

#[test]
fn kiosk_pulls_broadcasts_and_posts_results_against_the_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let (server, base, token_file) = start_server(&rt, dir.path());

    // The feed worker: every endpoint arrives and decodes.
    let worker = FeedWorker::spawn(WorkerConfig {
        cache: Some(DiskCache::for_source(&dir.path().join("cache"), &base)),
        ..worker_config(&base, Duration::from_millis(150))
    });
    let mut state = FeedState::default();
    let pump = |state: &mut FeedState, what: &str, done: &dyn Fn(&FeedState) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(state) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            if let Ok(FeedUpdate::Data { payload, at, .. }) = worker.updates().recv_timeout(Duration::from_millis(50)) {
                state.apply(payload, at);
            }
        }
    };
    pump(&mut state, "the whole sample event", &|s| Endpoint::ALL.iter().all(|e| s.has(*e)));
    assert_eq!(state.draw.as_ref().unwrap().tickets.len(), 500);

    // The operator's broadcast shows up in the messages the screens poll.
    let config = outbox_config(&base, &token_file);
    let id = post_broadcast(
        &config,
        "Keynote moved to Hall B · 기조연설 장소 변경",
        "urgent",
        Utc::now() + chrono::Duration::minutes(30),
    )
    .unwrap();
    pump(&mut state, "the broadcast", &|s| {
        s.messages
            .as_ref()
            .is_some_and(|m| m.messages.iter().any(|x| x.id == id && x.text.contains("Hall B")))
    });
    // A wrong token is refused with the server's reason.
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "nope").unwrap();
    let refused = post_broadcast(
        &outbox_config(&base, &wrong),
        "x",
        "info",
        Utc::now() + chrono::Duration::minutes(5),
    )
    .unwrap_err();
    assert!(refused.contains("401"), "{refused}");

    // Results: stored, a retry is the same, a different result for the batch is a conflict.
    let mut outbox = ResultOutbox::spawn(config);
    let result = |winners: &[u32]| {
        serde_json::json!({
            "version": 1, "prize_id": "macbook-air", "batch": 1,
            "seed_commitment": "3f1c9a0e5b7d2c48a6e1f0b9d8c7a6b5e4d3c2b1a0f9e8d7c6b5a4938271605f",
            "seed": "9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b", "tickets_hash": "c0ffee",
            "algorithm": "chacha20-v1", "winners": winners, "drawn_at": "2026-12-04T17:32:10+09:00"
        })
    };
    let answer = |outbox: &mut ResultOutbox, key: &str, body: serde_json::Value| {
        outbox.post(ResultPost {
            stream: ResultStream::Draw,
            id: 0,
            idempotency_key: key.into(),
            body,
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(report) = outbox.try_report() {
                return report.outcome;
            }
            assert!(Instant::now() < deadline, "no answer for {key}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    assert_eq!(
        answer(&mut outbox, "draw-macbook-air-1-3f1c9a0e5b7d2c48", result(&[1042])),
        PostOutcome::Stored { status: 201 }
    );
    assert_eq!(
        answer(&mut outbox, "draw-macbook-air-1-3f1c9a0e5b7d2c48", result(&[1042])),
        PostOutcome::Stored { status: 200 }
    );
    match answer(&mut outbox, "draw-macbook-air-1-aaaaaaaaaaaaaaaa", result(&[1099])) {
        PostOutcome::Conflict { server_result } => assert_eq!(server_result["winners"][0], 1042, "{server_result}"),
        other => panic!("expected a conflict, got {other:?}"),
    }

    // Heartbeats reach the organisers' list of screens (the worker sends the latest one).
    outbox.heartbeats().send(venue_contract::wire::Heartbeat {
        version: 1,
        kiosk_id: "stage-m1".into(),
        screen: "draw".into(),
        room: None,
        app_version: env!("CARGO_PKG_VERSION").into(),
        feed_revision: state.revision.to_string(),
        fps: 59.5,
        memory_mib: Some(300),
        connection: "online".into(),
        sent_at: Utc::now().fixed_offset(),
        groups: Vec::new(),
    });
    let screens = rt.block_on(async {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let body = client
                .get(format!("{base}/api/v1/admin/screens"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let listed: serde_json::Value = serde_json::from_slice(&body).unwrap();
            if listed["screens"].as_array().is_some_and(|s| !s.is_empty()) || Instant::now() > deadline {
                break listed;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    assert_eq!(screens["screens"][0]["kiosk_id"], "stage-m1", "{screens}");
    assert_eq!(screens["screens"][0]["silent"], false, "{screens}");
    worker.stop();
    rt.block_on(server.shutdown()).unwrap();
}

/// With the server's change stream, a broadcast reaches a kiosk at once, though its messages poll
/// only every minute (polling stays the fallback), and again after the server restarts.
#[test]
fn a_pushed_change_is_fetched_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let (server, base, token_file) = start_server(&rt, dir.path());
    let worker = FeedWorker::spawn(worker_config(&base, Duration::from_secs(60)));
    let mut state = FeedState::default();
    let pump = |state: &mut FeedState, what: &str, within: Duration, done: &dyn Fn(&FeedState) -> bool| {
        let deadline = Instant::now() + within;
        while !done(state) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            if let Ok(FeedUpdate::Data { payload, at, .. }) = worker.updates().recv_timeout(Duration::from_millis(20)) {
                state.apply(payload, at);
            }
        }
    };
    pump(&mut state, "the first fetch", Duration::from_secs(10), &|s| {
        Endpoint::ALL.iter().all(|e| s.has(*e))
    });
    // Let the change stream connect (its first fetch is not pushed).
    std::thread::sleep(Duration::from_millis(500));
    let posted = Instant::now();
    let id = post_broadcast(
        &outbox_config(&base, &token_file),
        "Emergency exit drill · 대피 훈련",
        "urgent",
        Utc::now() + chrono::Duration::minutes(30),
    )
    .unwrap();
    pump(&mut state, "the pushed broadcast", Duration::from_secs(3), &|s| {
        s.messages.as_ref().is_some_and(|m| m.messages.iter().any(|x| x.id == id))
    });
    eprintln!("broadcast on screen data {:?} after the POST", posted.elapsed());

    // The server restarts (same address, same database): the stream comes back by itself and the
    // next change is pushed again.
    let addr = server.addr;
    rt.block_on(server.shutdown()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let server = rt
        .block_on(spawn(ServerConfig {
            admin_token: Some(TOKEN.into()),
            listen: addr,
            ..ServerConfig::new(db::database_url(dir.path().join("venue.sqlite").to_str().unwrap()))
        }))
        .unwrap();
    // Reconnecting takes a backoff step (50–200 ms here).
    std::thread::sleep(Duration::from_millis(700));
    let id = post_broadcast(
        &outbox_config(&base, &token_file),
        "Doors open again · 다시 입장 가능",
        "normal",
        Utc::now() + chrono::Duration::minutes(30),
    )
    .unwrap();
    pump(&mut state, "the broadcast pushed after a restart", Duration::from_secs(3), &|s| {
        s.messages.as_ref().is_some_and(|m| m.messages.iter().any(|x| x.id == id))
    });
    worker.stop();
    rt.block_on(server.shutdown()).unwrap();
}
