//! Screenshots on request (contract 1.1) through the outbox worker, against a fake event server on
//! 127.0.0.1:0: a heartbeat answered `200 {"screenshot_requested":true}` hands the app one request,
//! however often the server repeats it; the capture the app hands back is posted to
//! `POST /api/v1/kiosks/{kiosk_id}/screenshot` as `image/png` with the kiosk's token; a server that
//! answers `204` (as every server before 1.1 does) never asks. And the real binary under Xvfb: asked
//! by its heartbeat's answer, it captures its window and posts a PNG of it.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use venue_kiosk::feed::outbox::{OutboxConfig, ResultOutbox, ScreenshotUpload};

const TOKEN: &str = "kiosk-screenshot-token-42";

#[derive(Default)]
struct Fake {
    /// Whether an organiser's request is open (until a screenshot arrives).
    requested: bool,
    heartbeats: usize,
    /// The last heartbeat's body.
    last_heartbeat: Option<serde_json::Value>,
    /// (kiosk id, content type, authorization, body) of each screenshot posted.
    screenshots: Vec<(String, String, String, Vec<u8>)>,
}

type Shared = Arc<Mutex<Fake>>;

async fn heartbeat(State(fake): State<Shared>, body: Bytes) -> Response {
    let mut fake = fake.lock().unwrap();
    fake.heartbeats += 1;
    fake.last_heartbeat = serde_json::from_slice(&body).ok();
    if fake.requested {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"version":1,"screenshot_requested":true}"#,
        )
            .into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

async fn screenshot(State(fake): State<Shared>, Path(kiosk_id): Path<String>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let mut fake = fake.lock().unwrap();
    fake.screenshots
        .push((kiosk_id, header(header::CONTENT_TYPE), header(header::AUTHORIZATION), body.to_vec()));
    fake.requested = false;
    StatusCode::NO_CONTENT
}

fn heartbeat_of(kiosk_id: &str, n: u32) -> venue_contract::wire::Heartbeat {
    venue_contract::wire::Heartbeat {
        version: 1,
        kiosk_id: kiosk_id.into(),
        screen: "schedule".into(),
        room: None,
        app_version: env!("CARGO_PKG_VERSION").into(),
        feed_revision: n.to_string(),
        fps: 60.0,
        memory_mib: None,
        connection: "online".into(),
        sent_at: chrono::Utc::now().fixed_offset(),
        groups: vec!["lobby".into()],
    }
}

/// Waits up to `limit` for `done`, checking every 20 ms.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// The fake server on 127.0.0.1:0 (every other route is a 404, as on a server without the event).
fn start_fake(rt: &tokio::runtime::Runtime) -> (Shared, std::net::SocketAddr) {
    let fake: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/api/v1/kiosks/heartbeat", post(heartbeat))
        .route("/api/v1/kiosks/{kiosk_id}/screenshot", post(screenshot))
        .with_state(fake.clone());
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await });
    (fake, address)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_requested_screenshot_is_captured_once_and_posted_as_png() {
    let rt = runtime();
    let (fake, address) = start_fake(&rt);
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, TOKEN).unwrap();
    let outbox = ResultOutbox::spawn(OutboxConfig {
        base: url::Url::parse(&format!("http://{address}/")).unwrap(),
        token_file: Some(token_file),
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_secs(3),
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        trusted: Default::default(),
    });
    // A kiosk id with characters a path must escape.
    let kiosk_id = "hall a/m1";
    let beat = |n: u32| {
        outbox.heartbeats().send(heartbeat_of(kiosk_id, n));
        assert!(
            wait_for(Duration::from_secs(5), || fake.lock().unwrap().heartbeats >= n as usize),
            "heartbeat {n} reached the server"
        );
    };

    // No request open: a 204 asks for nothing.
    beat(1);
    assert!(!wait_for(Duration::from_millis(300), || outbox.screenshot_requested()));

    // An organiser asks: the app hears it once, though the next heartbeats repeat it.
    fake.lock().unwrap().requested = true;
    beat(2);
    assert!(
        wait_for(Duration::from_secs(5), || outbox.screenshot_requested()),
        "the app is asked to capture"
    );
    beat(3);
    beat(4);
    assert!(
        !wait_for(Duration::from_millis(300), || outbox.screenshot_requested()),
        "one capture per request"
    );

    // The app hands back its capture; the worker posts it.
    let png = {
        let mut bytes = Vec::new();
        image::RgbImage::from_pixel(64, 36, image::Rgb([153, 5, 13]))
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes
    };
    outbox.screenshots().send(ScreenshotUpload {
        kiosk_id: kiosk_id.into(),
        png: png.clone(),
    });
    assert!(
        wait_for(Duration::from_secs(5), || !fake.lock().unwrap().screenshots.is_empty()),
        "the screenshot reached the server"
    );
    let (id, content_type, authorization, body) = fake.lock().unwrap().screenshots[0].clone();
    assert_eq!(id, kiosk_id);
    assert_eq!(content_type, "image/png");
    assert_eq!(authorization, format!("Bearer {TOKEN}"));
    assert_eq!(body, png);

    // Delivered: the server's next request is a new one and is passed on again.
    beat(5);
    assert!(!wait_for(Duration::from_millis(300), || outbox.screenshot_requested()));
    fake.lock().unwrap().requested = true;
    beat(6);
    assert!(
        wait_for(Duration::from_secs(5), || outbox.screenshot_requested()),
        "a new request after delivery"
    );
    assert_eq!(fake.lock().unwrap().screenshots.len(), 1);
}

/// The real kiosk, asked on its first heartbeat (5 s after start): it captures its window and the
/// PNG reaches the server, the window's size, with the kiosk's token; the heartbeat names its groups.
#[test]
fn the_kiosk_captures_its_window_when_asked() {
    let rt = runtime();
    let (fake, address) = start_fake(&rt);
    fake.lock().unwrap().requested = true;
    let xvfb = common::Xvfb::start(640, 360);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[feed]\nsource = \"http://{address}\"\ncache_dir = \"{}\"\n[draw]\njournal_dir = \"{}\"\n[display]\ngroups = [\"lobby\", \"hall-a\"]\n",
            dir.path().join("cache").display(),
            dir.path().join("journal").display()
        ),
    )
    .unwrap();
    let mut kiosk = std::process::Command::new(env!("CARGO_BIN_EXE_venue-kiosk"))
        .args(["--windowed", "--size", "640x360", "--config"])
        .arg(&config)
        .env("DISPLAY", &xvfb.display)
        .env("WGPU_BACKEND", "vulkan")
        .env("VENUE_KIOSK_TOKEN", TOKEN)
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let arrived = wait_for(Duration::from_secs(90), || !fake.lock().unwrap().screenshots.is_empty());
    let _ = kiosk.kill();
    let _ = kiosk.wait();
    assert!(arrived, "no screenshot within 90 s");
    let fake = fake.lock().unwrap();
    let (_, content_type, authorization, png) = &fake.screenshots[0];
    assert_eq!(content_type, "image/png");
    assert_eq!(*authorization, format!("Bearer {TOKEN}"));
    let shot = image::load_from_memory_with_format(png, image::ImageFormat::Png).unwrap().to_rgb8();
    assert_eq!(shot.dimensions(), (640, 360));
    let lit = shot
        .pixels()
        .filter(|p| p.0.iter().map(|c| u32::from(*c)).sum::<u32>() > 300)
        .count();
    assert!(lit > 100, "the screen's text and stars, not a blank frame: {lit} lit pixels");
    let heartbeat = fake.last_heartbeat.as_ref().expect("a heartbeat");
    assert_eq!(heartbeat["groups"], serde_json::json!(["lobby", "hall-a"]), "{heartbeat}");
    assert_eq!(fake.screenshots.len(), 1, "one screenshot per request");
}
