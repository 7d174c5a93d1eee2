//! The kiosk's own network code against the real event server (`venue-kiosk serve`, in process on
//! 127.0.0.1:0, SQLite): the feed worker pulls the sample event, the operator's broadcast reaches
//! the messages every screen polls, and the result outbox gets 201, then 200 for a retry, and a
//! conflict (with the server's result) for a different result of the same batch. Over HTTPS with a
//! self-signed certificate, a kiosk with `feed.ca_file` gets the event, writes a prize and loads its
//! photo stored on the server; one without the file trusts nothing there.

use std::time::{Duration, Instant};

use chrono::Utc;
use venue_kiosk::config::source::SourceSpec;
use venue_kiosk::feed::cache::DiskCache;
use venue_kiosk::feed::outbox::{OutboxConfig, PostOutcome, ResultOutbox, ResultPost, ResultStream, post_broadcast, post_round_started};
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
        trusted: Default::default(),
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
        intervals: [interval; 6],
        cache: None,
        trusted: Default::default(),
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
                state.apply(*payload, at);
            }
        }
    };
    pump(&mut state, "the whole sample event", &|s| {
        Endpoint::ALL.iter().filter(|e| !e.optional()).all(|e| s.has(*e))
    });
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
                state.apply(*payload, at);
            }
        }
    };
    pump(&mut state, "the first fetch", Duration::from_secs(10), &|s| {
        Endpoint::ALL.iter().filter(|e| !e.optional()).all(|e| s.has(*e))
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

/// A self-signed certificate for 127.0.0.1 (what `serve --tls-cert --tls-key` takes) in `dir`, and
/// the path of its PEM, which a kiosk trusts as a pin with `feed.ca_file`.
fn self_signed(dir: &std::path::Path) -> (venue_server::TlsFiles, std::path::PathBuf) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let files = venue_server::TlsFiles {
        cert: dir.join("server-cert.pem"),
        key: dir.join("server-key.pem"),
    };
    std::fs::write(&files.cert, certified.cert.pem()).unwrap();
    std::fs::write(&files.key, certified.key_pair.serialize_pem()).unwrap();
    let pin = dir.join("ca.pem");
    std::fs::write(&pin, certified.cert.pem()).unwrap();
    (files, pin)
}

/// A small PNG of one colour.
fn png_of(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(width, height, image::Rgb(rgb))
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

/// Over HTTPS with a self-signed certificate: a kiosk whose `feed.ca_file` holds it gets the event,
/// posts a prize edit, and loads the prize's photo stored on the server (`/api/v1/images/…`, as the
/// console stores an upload), all through the config as `Config::load` reads it. The same kiosk
/// without the file trusts nothing there: every endpoint fails (the screen says so), nothing crashes.
#[test]
fn over_https_the_kiosk_trusts_its_ca_file_and_loads_server_photos() {
    use venue_contract::photo::{PhotoSource, feed_photo_source};
    use venue_kiosk::feed::outbox::admin_calls;
    use venue_kiosk::feed::{FeedHealth, FeedLog, apply_update};
    use venue_kiosk::screens::draw::prizes::{self, PrizeDraft, PrizeEdit, Target};
    use venue_rules::draw::engine::DrawState;

    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (tls, pin) = self_signed(dir.path());
    let server = rt
        .block_on(spawn(ServerConfig {
            admin_token: Some(TOKEN.into()),
            seed_sample: true,
            tls: Some(tls),
            ..ServerConfig::new(db::database_url(dir.path().join("venue.sqlite").to_str().unwrap()))
        }))
        .unwrap();
    let base = server.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let photo = png_of(48, 32, [40, 160, 90]);
    rt.block_on(server.store.put_image("5eed0c0ffee5eed0c0ffee5eed0c0ffe.png", "image/png", &photo))
        .unwrap();

    // The kiosk's config names the pin relative to itself; loading it reads and checks the file.
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, TOKEN).unwrap();
    let config_file = dir.path().join("kiosk.toml");
    std::fs::write(
        &config_file,
        format!(
            "[feed]\nsource = \"{base}\"\nca_file = \"ca.pem\"\ntoken_file = \"{}\"\ncache_dir = \"{}\"\n",
            token_file.display(),
            dir.path().join("cache").display()
        ),
    )
    .unwrap();
    let config = venue_kiosk::config::Config::load(Some(&config_file)).unwrap();
    assert_eq!(config.feed.ca_file.as_deref(), Some(pin.as_path()));
    assert_eq!(config.feed.trusted.len(), 1);
    let fast = |mut worker: WorkerConfig| {
        worker.connect_timeout = Duration::from_millis(500);
        worker.request_timeout = Duration::from_secs(3);
        worker.backoff_initial = Duration::from_millis(50);
        worker.backoff_max = Duration::from_millis(200);
        worker.intervals = [Duration::from_millis(150); 6];
        worker
    };
    let worker = FeedWorker::spawn(fast(WorkerConfig::from_config(&config.feed).unwrap()));
    let mut state = FeedState::default();
    let pump = |state: &mut FeedState, what: &str, done: &dyn Fn(&FeedState) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(state) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            match worker.updates().recv_timeout(Duration::from_millis(50)) {
                Ok(FeedUpdate::Data { payload, at, .. }) => {
                    state.apply(*payload, at);
                }
                Ok(FeedUpdate::Failed { endpoint, error, .. }) => panic!("{endpoint} failed over HTTPS with the pin: {error}"),
                _ => {}
            }
        }
    };
    pump(&mut state, "the whole sample event over HTTPS", &|s| {
        Endpoint::ALL.iter().filter(|e| !e.optional()).all(|e| s.has(*e))
    });

    // The prize editor's write goes over HTTPS too: the first prize gets the photo stored on the
    // server, which the editor accepts as a photo every screen reaches.
    let outbox = OutboxConfig::from_config(&config.feed).unwrap();
    let prizes_now = state.draw.as_ref().unwrap().prizes.clone();
    let server_path = "/api/v1/images/5eed0c0ffee5eed0c0ffee5eed0c0ffe.png";
    let mut draft = PrizeDraft::from_prize(&prizes_now[0]);
    draft.photo = server_path.into();
    let edit = PrizeEdit::Update {
        id: prizes_now[0].id.clone(),
        draft,
    };
    let plan = prizes::plan(&prizes_now, &edit, &DrawState::new(), Target::Server).unwrap();
    let calls = prizes::server_calls(&plan);
    assert_eq!(admin_calls(&outbox, &calls), Ok(1));
    pump(&mut state, "the prize with its server photo", &|s| {
        s.draw
            .as_ref()
            .is_some_and(|d| d.prizes.iter().any(|p| p.image_url.as_deref() == Some(server_path)))
    });

    // The stage resolves the path on the server and the image store downloads and decodes it.
    let source = SourceSpec::parse(&config.feed.source).unwrap();
    let SourceSpec::Http(server_base) = &source else { unreachable!() };
    assert_eq!(
        feed_photo_source(server_path, Some(server_base), None),
        Some(PhotoSource::Url(url::Url::parse(&format!("{base}{server_path}")).unwrap()))
    );
    let decoded = {
        use bevy::prelude::*;
        use venue_kiosk::shell::images::{ImageEntry, ImageStore};
        let mut app = App::new();
        app.insert_resource(Assets::<Image>::default()).insert_resource(config.clone());
        app.add_plugins(venue_kiosk::shell::images::plugin);
        assert!(
            app.world_mut()
                .resource_mut::<ImageStore>()
                .request_feed_photo("draw", server_path, &source, 1024)
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.world().resource::<ImageStore>().pending() > 0 && Instant::now() < deadline {
            app.update();
            std::thread::sleep(Duration::from_millis(10));
        }
        match app.world().resource::<ImageStore>().get(server_path) {
            Some(ImageEntry::Ready(handle)) => {
                let image = app.world().resource::<Assets<Image>>().get(handle).unwrap();
                (image.width(), image.height())
            }
            other => panic!("the server's photo did not load: {other:?}"),
        }
    };
    assert_eq!(decoded, (48, 32));
    worker.stop();

    // The same kiosk without the pin: every endpoint fails, and the status is not live.
    let mut untrusting = config.feed.clone();
    untrusting.ca_file = None;
    untrusting.read_ca_file("kiosk.toml").unwrap();
    assert!(untrusting.trusted.is_empty());
    let worker = FeedWorker::spawn(WorkerConfig {
        cache: None,
        ..fast(WorkerConfig::from_config(&untrusting).unwrap())
    });
    let started = Utc::now();
    let mut health = FeedHealth::new(base.clone(), false, started, Duration::from_secs(120));
    let (mut state, mut log) = (FeedState::default(), FeedLog::default());
    let mut failed = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while failed.len() < Endpoint::ALL.len() {
        assert!(Instant::now() < deadline, "only {failed:?} failed");
        let Ok(update) = worker.updates().recv_timeout(Duration::from_millis(50)) else {
            continue;
        };
        if let FeedUpdate::Failed { endpoint, error, .. } = &update {
            assert!(error.contains("certificate") || error.contains("cannot connect"), "{error}");
            failed.insert(endpoint.to_string());
        }
        assert!(!matches!(update, FeedUpdate::Data { .. }), "no data without trust");
        let _ = apply_update(update, &mut state, &mut health, &mut log);
    }
    let status = health.status(Utc::now());
    assert!(
        !matches!(
            status.connection,
            venue_kiosk::feed::Connection::Online | venue_kiosk::feed::Connection::Local
        ),
        "{status:?}"
    );
    assert!(!log.recent.is_empty());
    eprintln!("without feed.ca_file: {}", log.recent[0]);
    worker.stop();
    let refused = admin_calls(&OutboxConfig::from_config(&untrusting).unwrap(), &calls).unwrap_err();
    assert!(refused.contains("cannot reach"), "{refused}");
    assert!(
        venue_kiosk::shell::images::fetch_limited(
            &url::Url::parse(&format!("{base}{server_path}")).unwrap(),
            Duration::from_secs(3),
            1 << 20,
            &untrusting.trusted
        )
        .is_err()
    );
    rt.block_on(server.shutdown()).unwrap();
}

/// The game screen's start of a round closes attendees' bets on it at the real server.
#[test]
fn a_round_start_closes_its_bets() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let (server, base, token_file) = start_server(&rt, dir.path());
    rt.block_on(server.store.open_bets(2)).unwrap();
    let open = |round| rt.block_on(server.store.bet_round(round)).unwrap().map(|r| r.state);
    assert_eq!(open(2), Some(db::BetState::Open));
    post_round_started(&outbox_config(&base, &token_file), 2).unwrap();
    assert_eq!(open(2), Some(db::BetState::Closed));
    // A round nobody opened betting on is fine too.
    post_round_started(&outbox_config(&base, &token_file), 3).unwrap();
    assert_eq!(open(3), None);
    rt.block_on(server.shutdown()).unwrap();
}

/// Issue 16, end to end: a dice match set up and played through the server's API (as the staff's
/// phones do) reaches a kiosk through its feed; the board a screen builds from the move list is the
/// rules' own state; the same move from two phones is stored once; and a kiosk that restarts (a new
/// worker, nothing in memory, a move made while it was down) shows the same board as the server.
#[test]
fn a_dice_match_played_through_the_api_reaches_a_restarted_kiosk_unchanged() {
    use venue_rules::casino::{CasinoMove, Match, MoveKind};
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let (server, base, _token_file) = start_server(&rt, dir.path());
    let http = venue_kiosk::feed::http::client_builder(&Default::default()).build().unwrap();
    let call = |method: reqwest::Method, path: &str, body: serde_json::Value| {
        let request = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body.to_string());
        rt.block_on(async {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            (
                status,
                serde_json::from_str::<serde_json::Value>(&text).unwrap_or(serde_json::Value::Null),
            )
        })
    };
    let (status, data) = call(reqwest::Method::PUT, "/api/v1/admin/casino", serde_json::json!({"seed": 7}));
    assert_eq!(status, 201, "{data}");
    let setup: venue_rules::casino::CasinoSetup = serde_json::from_value(data["setup"].clone()).unwrap();
    let mut expected = Match::new(&setup).unwrap();

    // Rolls from a fixed sequence; each move is posted twice, as two staff phones would.
    let mut state: u64 = 0x2026_1203;
    let mut roll = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) % 6) as u8 + 1
    };
    let mut play = |expected: &mut Match, n: usize, from: usize| {
        for i in from..from + n {
            let team = expected.turn().expect("the match goes on");
            let rolled: Vec<u8> = (0..expected.dice_left()[team]).map(|_| roll()).collect();
            let m = CasinoMove {
                id: format!("e2e-{i}"),
                kind: MoveKind::Place {
                    team: expected.teams()[team].clone(),
                    rolled: rolled.clone(),
                    face: rolled[0],
                },
            };
            let body = serde_json::to_value(&m).unwrap();
            let first = call(reqwest::Method::POST, "/api/v1/casino/moves", body.clone());
            let second = call(reqwest::Method::POST, "/api/v1/casino/moves", body);
            assert_eq!(
                (first.0, second.0),
                (201, 200),
                "stored once, the repeat acknowledged: {first:?} {second:?}"
            );
            expected.apply(&m).unwrap();
        }
    };
    play(&mut expected, 6, 0);

    let cache = DiskCache::for_source(&dir.path().join("cache"), &base);
    let pump_board = |worker: &FeedWorker, moves: usize| -> Match {
        let mut state = FeedState::default();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(data) = &state.casino
                && data.moves.len() == moves
            {
                return Match::from_data(data).expect("the served moves replay");
            }
            assert!(Instant::now() < deadline, "timed out waiting for {moves} moves");
            if let Ok(FeedUpdate::Data { payload, at, .. }) = worker.updates().recv_timeout(Duration::from_millis(50)) {
                state.apply(*payload, at);
            }
        }
    };
    let worker = FeedWorker::spawn(WorkerConfig {
        cache: Some(cache.clone()),
        ..worker_config(&base, Duration::from_secs(30))
    });
    assert_eq!(pump_board(&worker, 6), expected, "the kiosk's board is the rules' state");
    // A move while the screen runs arrives through the change stream (the poll interval is 30 s).
    play(&mut expected, 1, 6);
    assert_eq!(pump_board(&worker, 7), expected);

    // The kiosk goes down mid-round; a move is made meanwhile; it comes back with nothing in memory.
    worker.stop();
    play(&mut expected, 2, 7);
    assert!(!expected.finished() && expected.round_index() == 0, "still mid-round 1");
    let restarted = FeedWorker::spawn(WorkerConfig {
        cache: Some(cache),
        ..worker_config(&base, Duration::from_secs(30))
    });
    let board = pump_board(&restarted, 9);
    assert_eq!(board, expected, "the same board after a restart");
    assert_eq!(board.live_order(), expected.live_order());
    restarted.stop();
    rt.block_on(server.shutdown()).unwrap();
}
