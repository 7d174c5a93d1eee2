//! Screenshots on request (contract 1.1) through the outbox worker, against a fake event server on
//! 127.0.0.1:0: a heartbeat answered `200 {"screenshot_requested":true}` hands the app one request,
//! however often the server repeats it; the capture the app hands back is posted to
//! `POST /api/v1/kiosks/{kiosk_id}/screenshot` as `image/png` with the kiosk's token; a server that
//! answers `204` (as every server before 1.1 does) never asks. And the real binary under Xvfb: asked
//! by its heartbeat's answer, it captures its window and posts a PNG of it; against the real event
//! server over HTTPS (`feed.ca_file`), its screenshots show an urgent banner, then an emergency's
//! takeover, then the takeover gone once the emergency expires (PNGs in `target/tmp/screenshots/e2e-*`).

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

/// One screenshot the real server received, with when it was taken.
struct Shot {
    img: image::RgbImage,
    taken_ms: i64,
}

/// Pixels within `tolerance` (per channel) of `rgb`.
fn pixels_near(img: &image::RgbImage, rgb: [u8; 3], tolerance: u8) -> Vec<(u32, u32)> {
    img.enumerate_pixels()
        .filter(|(_, _, p)| p.0.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= tolerance))
        .map(|(x, y, _)| (x, y))
        .collect()
}

/// The share of the screen that is clearly red (the emergency takeover's field and its glow).
fn red_share(img: &image::RgbImage) -> f64 {
    let red = img
        .pixels()
        .filter(|p| {
            let [r, g, b] = p.0.map(u32::from);
            r >= 90 && r > 2 * g && r > 2 * b
        })
        .count();
    red as f64 / f64::from(img.width() * img.height())
}

/// End to end against the real event server (HTTPS with a self-signed certificate the kiosk trusts
/// through `feed.ca_file`; the sample event; a kiosk token) and the real kiosk under Xvfb, as an
/// organiser sees it in the console's Screens page: an urgent broadcast shows as the red banner in
/// the next screenshot; an emergency takes the whole screen over; expired, it is gone again.
#[test]
fn organisers_see_urgent_and_emergency_broadcasts_in_screenshots_from_the_real_server() {
    const ADMIN: &str = "e2e-admin-token-5c2d";
    let started = Instant::now();
    let rt = runtime();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let tls = venue_server::TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&tls.cert, certified.cert.pem()).unwrap();
    std::fs::write(&tls.key, certified.key_pair.serialize_pem()).unwrap();
    let server = rt
        .block_on(venue_server::spawn(venue_server::ServerConfig {
            admin_token: Some(ADMIN.into()),
            seed_sample: true,
            tls: Some(tls.clone()),
            ..venue_server::ServerConfig::new(venue_server::db::database_url(dir.path().join("venue.sqlite").to_str().unwrap()))
        }))
        .unwrap();
    let base = server.base_url();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let admin = |path: &str, body: serde_json::Value| -> serde_json::Value {
        rt.block_on(async {
            let response = client
                .post(format!("{base}{path}"))
                .bearer_auth(ADMIN)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            assert!(status.is_success(), "POST {path}: {status} {text}");
            serde_json::from_str(&text).unwrap_or_default()
        })
    };
    // Messages end by themselves (the contract requires `expires`); these outlast the test.
    let expires = (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339();
    let kiosk_token = admin("/api/v1/admin/tokens", serde_json::json!({"name": "hall-a", "scope": "kiosk"}))["token"]
        .as_str()
        .unwrap()
        .to_string();

    let xvfb = common::Xvfb::start(640, 360);
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[feed]\nsource = \"{base}\"\nca_file = \"{}\"\ncache_dir = \"{}\"\n[draw]\njournal_dir = \"{}\"\n",
            tls.cert.display(),
            dir.path().join("cache").display(),
            dir.path().join("journal").display()
        ),
    )
    .unwrap();
    let log = dir.path().join("kiosk.log");
    let mut kiosk = std::process::Command::new(env!("CARGO_BIN_EXE_venue-kiosk"))
        .args(["--windowed", "--size", "640x360", "--config"])
        .arg(&config)
        .env("DISPLAY", &xvfb.display)
        .env("WGPU_BACKEND", "vulkan")
        .env("VENUE_KIOSK_TOKEN", &kiosk_token)
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let kiosk_log = || std::fs::read_to_string(&log).unwrap_or_default();

    // The first heartbeat (5 s after start) names the screen in the organisers' list.
    let mut kiosk_id = String::new();
    let heard = wait_for(Duration::from_secs(60), || {
        let screens: serde_json::Value = rt.block_on(async {
            let response = client.get(format!("{base}/api/v1/admin/screens")).bearer_auth(ADMIN).send().await;
            match response {
                Ok(response) => serde_json::from_slice(&response.bytes().await.unwrap_or_default()).unwrap_or_default(),
                Err(_) => serde_json::Value::Null,
            }
        });
        if let Some(id) = screens["screens"][0]["kiosk_id"].as_str() {
            kiosk_id = id.to_string();
        }
        !kiosk_id.is_empty()
    });
    if !heard {
        let _ = kiosk.kill();
        panic!("no heartbeat over HTTPS within 60 s; kiosk log:\n{}", kiosk_log());
    }

    // What the console's Screenshot button does; the answer rides the next heartbeat (≤ 5 s).
    let mut last_taken = 0;
    let mut shoot = |label: &str| -> Shot {
        let asked = chrono::Utc::now().timestamp_millis();
        rt.block_on(server.store.request_screenshot(&kiosk_id, asked)).unwrap();
        let mut shot = None;
        let arrived = wait_for(Duration::from_secs(25), || {
            shot = rt
                .block_on(server.store.screenshot(&kiosk_id))
                .unwrap()
                .filter(|(_, taken)| *taken > last_taken);
            shot.is_some()
        });
        assert!(arrived, "no `{label}` screenshot within 25 s; kiosk log:\n{}", kiosk_log());
        let (png, taken_ms) = shot.unwrap();
        last_taken = taken_ms;
        let path = common::screenshot_dir().join(format!("e2e-{label}.png"));
        std::fs::write(&path, &png).unwrap();
        eprintln!("{label}: {} ({:.1} s in)", path.display(), started.elapsed().as_secs_f64());
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8();
        assert_eq!(img.dimensions(), (640, 360), "{label}");
        Shot { img, taken_ms }
    };
    let lit = |img: &image::RgbImage| {
        img.pixels()
            .filter(|p| p.0.iter().map(|c| u32::from(*c)).sum::<u32>() > 300)
            .count()
    };

    // Before any broadcast: the schedule, no banner. (The first frames may still be compiling.)
    let mut before = shoot("before");
    for retry in 0..2 {
        if lit(&before.img) > 100 {
            break;
        }
        before = shoot(&format!("before-{retry}"));
    }
    assert!(lit(&before.img) > 100, "the schedule is on screen");
    const BANNER: [u8; 3] = [219, 41, 51]; // theme::URGENT, srgb(0.86, 0.16, 0.20)
    let banner_before = pixels_near(&before.img, BANNER, 24).len();

    // An urgent broadcast: the full-width red banner under the header.
    let urgent = admin(
        "/api/v1/admin/messages",
        serde_json::json!({"text": "Keynote moved to Hall B · 기조연설 장소 변경", "priority": "urgent", "expires": expires}),
    );
    assert!(urgent["id"].is_string(), "{urgent}");
    let with_banner = shoot("urgent");
    assert!(with_banner.taken_ms > before.taken_ms);
    assert_ne!(with_banner.img, before.img, "the screen changed");
    let banner = pixels_near(&with_banner.img, BANNER, 24);
    let (min_x, max_x) = (
        banner.iter().map(|p| p.0).min().unwrap_or(0),
        banner.iter().map(|p| p.0).max().unwrap_or(0),
    );
    let (min_y, max_y) = (
        banner.iter().map(|p| p.1).min().unwrap_or(0),
        banner.iter().map(|p| p.1).max().unwrap_or(0),
    );
    eprintln!(
        "banner pixels: {} (before: {banner_before}), x {min_x}..={max_x}, y {min_y}..={max_y}",
        banner.len()
    );
    assert!(
        banner.len() > 3_000 && banner.len() > 10 * banner_before.max(1),
        "{} banner pixels",
        banner.len()
    );
    assert!(max_x - min_x > 400, "a wide banner: x {min_x}..={max_x}");
    // At 640×360 the header (event name, clock) ends near y 50 and the timetable starts near y 95.
    assert!(min_y > 40 && max_y < 120, "a strip under the header: y {min_y}..={max_y}");
    assert!(red_share(&with_banner.img) < 0.3, "a banner, not a takeover");

    // An emergency: the deep red takeover covers the screen.
    let emergency = admin(
        "/api/v1/admin/messages",
        serde_json::json!({"text": "Evacuate now via exits A and C · 지금 대피하세요", "priority": "urgent", "emergency": true, "expires": expires}),
    );
    let emergency_id = emergency["id"].as_str().expect("the stored message's id").to_string();
    let takeover = shoot("emergency");
    let share = red_share(&takeover.img);
    eprintln!("emergency: {:.0}% red", share * 100.0);
    assert!(share > 0.6, "the red takeover: {:.0}% red", share * 100.0);

    // Expired: the takeover goes; the urgent banner is back.
    admin(&format!("/api/v1/admin/messages/{emergency_id}/expire"), serde_json::json!({}));
    let after = shoot("expired");
    let share = red_share(&after.img);
    eprintln!("expired: {:.0}% red", share * 100.0);
    assert!(share < 0.3, "the takeover is gone: {:.0}% red", share * 100.0);
    assert!(pixels_near(&after.img, BANNER, 24).len() > 3_000, "the urgent banner shows again");

    let _ = kiosk.kill();
    let _ = kiosk.wait();
    rt.block_on(server.shutdown()).unwrap();
    eprintln!("end to end in {:.1} s", started.elapsed().as_secs_f64());
}
