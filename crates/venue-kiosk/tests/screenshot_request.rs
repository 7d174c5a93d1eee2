//! Screenshots on request (contract 1.1) through the outbox worker, against a fake event server on
//! 127.0.0.1:0: a heartbeat answered `200 {"screenshot_requested":true}` hands the app one request,
//! however often the server repeats it; the capture the app hands back is posted to
//! `POST /api/v1/kiosks/{kiosk_id}/screenshot` as `image/png` with the kiosk's token; a server that
//! answers `204` (as every server before 1.1 does) never asks.

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
    /// (kiosk id, content type, authorization, body) of each screenshot posted.
    screenshots: Vec<(String, String, String, Vec<u8>)>,
}

type Shared = Arc<Mutex<Fake>>;

async fn heartbeat(State(fake): State<Shared>) -> Response {
    let mut fake = fake.lock().unwrap();
    fake.heartbeats += 1;
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

#[test]
fn a_requested_screenshot_is_captured_once_and_posted_as_png() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/api/v1/kiosks/heartbeat", post(heartbeat))
        .route("/api/v1/kiosks/{kiosk_id}/screenshot", post(screenshot))
        .with_state(fake.clone());
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await });
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
