//! The organisers' console in a real browser: Debian's `chromium`, driven through `chromedriver`
//! (WebDriver) against a server on 127.0.0.1, as an organiser would use it; and its guards (sign-in,
//! form tokens, origins, one-time links) over plain HTTP.
//!
//! Without `chromedriver` on the PATH the browser scenarios say so and pass, unless
//! `VENUE_KIOSK_REQUIRE_BROWSER=1` (CI sets it), when they fail. Screenshots of every page, at
//! 1280×800 and at phone size (390×844), go to `$VENUE_KIOSK_SHOTS` (default: a folder under the
//! system's temp dir), for a person to look at.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client as Browser, ClientBuilder, Locator};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use venue_server::{RunningServer, ServerConfig, db, spawn};

mod support;
use support::{attribute_after, pg_admin, session_cookie};

const TOKEN: &str = "console-admin-token-0123456789abcdef";
const PRETALX: &[u8] = include_bytes!("../../venue-contract/tests/fixtures/pretalx_schedule.json");
const HUB_V2: &[u8] = include_bytes!("../../venue-contract/tests/fixtures/hub_schedule_v2.json");

// ---- harness ----

struct Harness {
    server: RunningServer,
    _dir: tempfile::TempDir,
    http: reqwest::Client,
    /// The attendee key (next to the SQLite file), when there is one.
    key_file: Option<PathBuf>,
}

impl Harness {
    async fn start() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let url = db::database_url(dir.path().join("console.sqlite").to_str().unwrap());
        Harness::start_on(url, dir).await
    }

    /// On `url` (`_dir` is kept for as long as the harness lives).
    async fn start_on(url: String, dir: tempfile::TempDir) -> Harness {
        let server = spawn(ServerConfig {
            admin_token: Some(TOKEN.into()),
            seed_sample: true,
            ..ServerConfig::new(url)
        })
        .await
        .expect("the server starts");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let key_file = Some(dir.path().join("console.sqlite.attendee.key")).filter(|p| p.exists());
        Harness {
            server,
            _dir: dir,
            http,
            key_file,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// A heartbeat as a kiosk sends it; the answer's status and body.
    async fn heartbeat(&self, token: &str, kiosk_id: &str, screen: &str, room: Option<&str>) -> (StatusCode, String) {
        let response = self
            .http
            .post(self.url("/api/v1/kiosks/heartbeat"))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .json(&json!({
                "version": 1, "kiosk_id": kiosk_id, "screen": screen, "room": room,
                "app_version": "0.4.0", "feed_revision": "e3-s12-m7-d4-g2", "fps": 59.8,
                "memory_mib": 212, "connection": "live",
                "sent_at": chrono::Utc::now().to_rfc3339(), "groups": ["lobby"],
            }))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn messages(&self) -> Vec<Value> {
        let body: Value = self
            .http
            .get(self.url("/api/v1/messages"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["messages"].as_array().cloned().unwrap_or_default()
    }
}

/// A small PNG with a colour gradient: a kiosk's screenshot.
fn test_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(320, 180, |x, y| image::Rgb([(x % 256) as u8, (y * 255 / 180) as u8, 160]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

fn shots_dir() -> PathBuf {
    let dir = std::env::var_os("VENUE_KIOSK_SHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("venue-kiosk-console-shots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// chromedriver and a headless chromium session; the driver is stopped on drop.
struct Chrome {
    browser: Option<Browser>,
    driver: Child,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `None` when chromedriver is not installed (and the environment does not require it).
async fn chrome(phone: bool) -> Option<Chrome> {
    let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = free_port();
    let driver = match Command::new(&driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var("VENUE_KIOSK_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "VENUE_KIOSK_REQUIRE_BROWSER=1 but {driver_path} does not start: {e}"
            );
            eprintln!("skipped: {driver_path} is not installed (apt install chromium chromium-driver)");
            return None;
        }
    };
    let mut chrome = Chrome { browser: None, driver };
    let mut options = json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=en-US",
                 "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,800"],
    });
    if let Ok(binary) = std::env::var("CHROMIUM") {
        options["binary"] = binary.into();
    }
    if phone {
        options["mobileEmulation"] = json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 2.0, "touch": true } });
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let deadline = Instant::now() + Duration::from_secs(20);
    let browser = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(browser) => break browser,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("chromium did not start through chromedriver: {e}"),
        }
    };
    chrome.browser = Some(browser);
    Some(chrome)
}

impl Chrome {
    fn b(&self) -> &Browser {
        self.browser.as_ref().expect("connected")
    }

    async fn goto(&self, url: &str) {
        self.b().goto(url).await.unwrap();
    }

    async fn source(&self) -> String {
        self.b().source().await.unwrap()
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self.b().find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.b()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Wait until the page's text contains `text`.
    async fn wait_for_text(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let source = self.source().await;
            if source.contains(text) {
                return source;
            }
            assert!(Instant::now() < deadline, "the page never showed {text:?}:\n{source}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether `script` returns `true` within a few seconds.
    async fn script_becomes_true(&self, script: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if self.b().execute(script, vec![]).await.unwrap() == json!(true) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn shot(&self, name: &str) -> PathBuf {
        let png = self.b().screenshot().await.unwrap();
        let path = shots_dir().join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        path
    }

    async fn sign_in(&self, base: &str) {
        self.goto(&format!("{base}/console/sign-in")).await;
        self.fill("#token", TOKEN).await;
        self.click("form[action='/console/sign-in'] button[type=submit]").await;
        self.wait_for_text("Signed in.").await;
    }

    async fn close(mut self) {
        if let Some(browser) = self.browser.take() {
            let _ = browser.close().await;
        }
    }
}

// ---- browser scenarios ----

/// Sign in (a wrong token first), see the screens, ask one for a screenshot, broadcast an urgent
/// message and an emergency and clear it, upload a pretalx export and apply it, issue a kiosk token
/// and revoke it: each step checked in the pages and through the API the kiosks use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_runs_the_event_from_the_console() {
    let Some(chrome) = chrome(false).await else { return };
    let h = Harness::start().await;
    let base = h.server.base_url();

    // Two screens report in; a third went silent an hour ago.
    assert_eq!(
        h.heartbeat(TOKEN, "hall-a-door", "schedule", Some("r201")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.heartbeat(TOKEN, "stage-main", "draw", None).await.0, StatusCode::NO_CONTENT);
    let old: venue_contract::wire::Heartbeat = serde_json::from_value(json!({
        "version": 1, "kiosk_id": "lobby-east", "screen": "schedule", "app_version": "0.4.0",
        "feed_revision": "e3-s11-m7-d4-g2", "fps": 58.0, "connection": "offline", "sent_at": chrono::Utc::now().to_rfc3339(),
    }))
    .unwrap();
    let hour_ago = chrono::Utc::now().timestamp_millis() - 3_600_000;
    h.server.store.record_heartbeat(&old, hour_ago, 120).await.unwrap();

    // A wrong token is refused with a clear note; the right one signs in.
    chrome.goto(&format!("{base}/console")).await;
    chrome.wait_for_text("Admin token").await;
    chrome.shot("sign-in-1280").await;
    chrome.fill("#token", "not-the-token-at-all-0000").await;
    chrome.click("form[action='/console/sign-in'] button[type=submit]").await;
    chrome.wait_for_text("That is not an admin token").await;
    chrome.fill("#token", TOKEN).await;
    chrome.click("form[action='/console/sign-in'] button[type=submit]").await;
    let screens = chrome.wait_for_text("Signed in.").await;
    assert!(screens.contains("hall-a-door") && screens.contains("stage-main"), "{screens}");
    assert!(screens.contains("1 silent"), "the silent screen is counted: {screens}");

    // Screenshot: asked in the console, delivered by the kiosk with its next heartbeat's answer.
    chrome.click("form[action='/console/screens/stage-main/screenshot'] button").await;
    chrome.wait_for_text("Asked stage-main for a screenshot").await;
    let (status, body) = h.heartbeat(TOKEN, "stage-main", "draw", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["screenshot_requested"], true);
    let posted = h
        .http
        .post(h.url("/api/v1/kiosks/stage-main/screenshot"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(CONTENT_TYPE, "image/png")
        .body(test_png())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        h.heartbeat(TOKEN, "stage-main", "draw", None).await.0,
        StatusCode::NO_CONTENT,
        "delivered: not asked again"
    );
    chrome.goto(&format!("{base}/console/screens")).await;
    chrome.wait_for_text("Screenshot of stage-main").await;
    let loaded = chrome
        .script_becomes_true("return document.images.length > 0 && [...document.images].every(i => i.complete && i.naturalWidth === 320)")
        .await;
    assert!(loaded, "the screenshot loads under the page's CSP");
    chrome.shot("screens-1280").await;

    // An urgent message, aimed at one room: on the messages endpoint at once.
    chrome.goto(&format!("{base}/console/broadcast")).await;
    chrome
        .fill("#text", "Room 201 talk moves to 14:30 · 201호 발표 14:30으로 변경")
        .await;
    chrome.click("input[name=kind][value=urgent]").await;
    chrome.click("input[name=rooms][value=r201]").await;
    chrome.click("#compose button[type=submit]").await;
    chrome.wait_for_text("Message sent to the screens.").await;
    let urgent = h
        .messages()
        .await
        .into_iter()
        .find(|m| m["text"].as_str().is_some_and(|t| t.starts_with("Room 201")))
        .expect("the urgent message is served");
    assert_eq!(urgent["priority"], "urgent");
    assert_eq!(urgent["rooms"], json!(["r201"]));

    // An emergency: asks first, takes over, then is cleared from the banner.
    chrome
        .fill(
            "#text",
            "Please leave the building by the nearest exit · 가까운 비상구로 대피하세요",
        )
        .await;
    chrome.click("input[name=kind][value=emergency]").await;
    chrome.click("#compose button[type=submit]").await;
    let question = chrome.b().get_alert_text().await.unwrap();
    assert!(question.contains("emergency"), "{question}");
    chrome.b().accept_alert().await.unwrap();
    chrome.wait_for_text("EMERGENCY ON SCREENS NOW").await;
    chrome.shot("broadcast-emergency-1280").await;
    let live_emergency = |messages: &[Value]| {
        let now = chrono::Utc::now();
        messages
            .iter()
            .any(|m| m["emergency"] == true && chrono::DateTime::parse_from_rfc3339(m["expires"].as_str().unwrap()).unwrap() > now)
    };
    assert!(live_emergency(&h.messages().await), "the emergency is served as live");
    chrome.click(".emergency-live button").await;
    chrome.wait_for_text("Emergency cleared").await;
    assert!(!live_emergency(&h.messages().await), "cleared: no live emergency");
    chrome.shot("broadcast-1280").await;

    // A pretalx export: preview, then apply.
    chrome.goto(&format!("{base}/console/schedule")).await;
    let fixture = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(fixture.path(), PRETALX).unwrap();
    chrome.fill("input[name=file]", fixture.path().to_str().unwrap()).await;
    chrome.click("form[action='/console/schedule/preview'] button").await;
    let preview = chrome.wait_for_text("What this upload changes").await;
    assert!(preview.contains("added"), "{preview}");
    chrome.shot("schedule-preview-1280").await;
    chrome.click("form[action='/console/schedule/apply'] button").await;
    chrome.wait_for_text("Schedule applied").await;
    let schedule: Value = h.http.get(h.url("/api/v1/schedule")).send().await.unwrap().json().await.unwrap();
    let imported: Value = serde_json::from_slice(PRETALX).unwrap();
    let first_title = imported["schedule"]["conference"]["days"][0]["rooms"]
        .as_object()
        .and_then(|rooms| rooms.values().next())
        .and_then(|events| events[0]["title"].as_str())
        .unwrap()
        .to_string();
    assert!(
        schedule["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["title"] == first_title.as_str()),
        "the pretalx sessions are served: {schedule}"
    );
    chrome.shot("schedule-1280").await;

    // Draw and game pages show the sample event.
    chrome.goto(&format!("{base}/console/draw")).await;
    chrome.wait_for_text("Lucky draw").await;
    chrome.shot("draw-1280").await;
    chrome.goto(&format!("{base}/console/game")).await;
    chrome.wait_for_text("Round plan").await;
    chrome.shot("game-1280").await;

    // A kiosk token: shown once, posts a result, is revoked, and is refused from then on.
    chrome.goto(&format!("{base}/console/access")).await;
    chrome.fill("#token-name", "stage-main").await;
    chrome.click("input[name=scope][value=kiosk]").await;
    chrome.click("form[action='/console/access/tokens'] button[type=submit]").await;
    chrome.wait_for_text("Copy it now").await;
    let kiosk_token = chrome
        .b()
        .find(Locator::Css("#shown-value"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    chrome.shot("access-1280").await;
    assert_eq!(
        h.heartbeat(&kiosk_token, "stage-main", "draw", None).await.0,
        StatusCode::NO_CONTENT
    );
    let admin_with_kiosk = h
        .http
        .get(h.url("/api/v1/admin/screens"))
        .header(AUTHORIZATION, format!("Bearer {kiosk_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(admin_with_kiosk.status(), StatusCode::FORBIDDEN);
    chrome.goto(&format!("{base}/console/access")).await;
    chrome.click("form[action='/console/access/tokens/stage-main/revoke'] button").await;
    chrome.b().accept_alert().await.unwrap();
    chrome.wait_for_text("revoked").await;
    assert_eq!(
        h.heartbeat(&kiosk_token, "stage-main", "draw", None).await.0,
        StatusCode::UNAUTHORIZED,
        "a revoked token is refused"
    );
    let result = json!({"version": 1, "game_id": "g-9", "round": 1, "finished_at": "2026-12-03T15:00:00+09:00",
        "scores": [{"team_id": "nebula", "round_points": 10, "total_points": 10}]});
    let refused = h
        .http
        .post(h.url("/api/v1/game/results"))
        .header(AUTHORIZATION, format!("Bearer {kiosk_token}"))
        .header("idempotency-key", "game-g-9-1")
        .json(&result)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::UNAUTHORIZED,
        "the revoked kiosk's result post is refused"
    );

    chrome.close().await;
    h.server.shutdown().await.unwrap();
}

/// Every page at phone size: nothing wider than the screen except inside scrolling tables.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone() {
    let Some(chrome) = chrome(true).await else { return };
    let h = Harness::start().await;
    let base = h.server.base_url();
    h.heartbeat(TOKEN, "hall-a-door", "schedule", Some("r201")).await;
    h.heartbeat(TOKEN, "stage-main", "draw", None).await;
    let silent: venue_contract::wire::Heartbeat = serde_json::from_value(json!({
        "version": 1, "kiosk_id": "lobby-east", "screen": "schedule", "app_version": "0.4.0",
        "feed_revision": "e3-s11-m7-d4-g2", "fps": 58.0, "connection": "offline", "sent_at": chrono::Utc::now().to_rfc3339(),
    }))
    .unwrap();
    h.server
        .store
        .record_heartbeat(&silent, chrono::Utc::now().timestamp_millis() - 300_000, -800)
        .await
        .unwrap();
    h.server
        .store
        .store_screenshot("hall-a-door", &test_png(), chrono::Utc::now().timestamp_millis())
        .await
        .unwrap();
    chrome.sign_in(&base).await;
    for page in ["screens", "broadcast", "schedule", "draw", "game", "access"] {
        chrome.goto(&format!("{base}/console/{page}")).await;
        chrome.wait_for_text("</main>").await;
        let overflow = chrome
            .b()
            .execute("return document.documentElement.scrollWidth - window.innerWidth", vec![])
            .await
            .unwrap();
        assert!(overflow.as_i64().unwrap_or(1) <= 0, "{page} is wider than a phone by {overflow} px");
        chrome.shot(&format!("{page}-phone")).await;
    }
    chrome.close().await;
    h.server.shutdown().await.unwrap();
}

// ---- guards over plain HTTP ----

/// Sign in with `token` as a browser would (form token from the page and its cookie); the session cookie.
async fn sign_in_http(h: &Harness, token: &str) -> Option<String> {
    let page = h.http.get(h.url("/console/sign-in")).send().await.unwrap();
    let pre = page
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vk_sign_in="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .unwrap();
    let html = page.text().await.unwrap();
    let form_token = attribute_after(&html, "name=\"form_token\" value=\"");
    let answer = h
        .http
        .post(h.url("/console/sign-in"))
        .header(COOKIE, pre)
        .form(&[("form_token", form_token.as_str()), ("token", token)])
        .send()
        .await
        .unwrap();
    session_cookie(&answer)
}

#[tokio::test]
async fn console_forms_need_a_session_the_form_token_and_the_same_origin() {
    let h = Harness::start().await;
    // Pages need a session.
    let page = h.http.get(h.url("/console/broadcast")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(page.headers()[LOCATION], "/console/sign-in");

    // Kiosk tokens and wrong tokens do not sign in; the admin token does.
    let kiosk: Value = h
        .http
        .post(h.url("/api/v1/admin/tokens"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .json(&json!({"name": "door-1", "scope": "kiosk"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sign_in_http(&h, kiosk["token"].as_str().unwrap()).await, None);
    assert_eq!(sign_in_http(&h, "wrong-token-wrong-token").await, None);
    let cookie = sign_in_http(&h, TOKEN).await.expect("the admin token signs in");

    let page = h
        .http
        .get(h.url("/console/broadcast"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains(" style=\""),
        "no inline script or style"
    );
    let csrf = attribute_after(&html, "name=\"csrf\" value=\"");

    let post = |fields: Vec<(&'static str, String)>, origin: Option<&'static str>| {
        let mut request = h.http.post(h.url("/console/broadcast")).header(COOKIE, &cookie).form(&fields);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let text = || ("text", "Coffee is ready".to_string());
    let count = h.messages().await.len();
    // No form token, a wrong one, or another site's page: refused, nothing stored.
    assert_eq!(post(vec![text()], None).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        post(vec![text(), ("csrf", "0".repeat(64))], None).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(vec![text(), ("csrf", csrf.clone())], Some("http://evil.example"))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(h.messages().await.len(), count, "refused forms change nothing");
    // With the token: stored.
    let ok = post(vec![text(), ("csrf", csrf.clone())], None).await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(h.messages().await.len(), count + 1);

    // Signed out: the cookie no longer works.
    let out = h
        .http
        .post(h.url("/console/sign-out"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let page = h
        .http
        .get(h.url("/console/broadcast"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "the session ended");
    h.server.shutdown().await.unwrap();
}

/// Issue #18: an upload whose schedule holds no session never replaces the stored one from the console
/// (the CCC hub's v2 export used to arrive as an empty schedule); the v2 export itself is imported.
#[tokio::test]
async fn the_console_never_empties_a_schedule_and_imports_a_hub_v2_export() {
    let h = Harness::start().await;
    let cookie = sign_in_http(&h, TOKEN).await.expect("signed in");
    let page = h.http.get(h.url("/console/schedule")).header(COOKIE, &cookie).send().await.unwrap();
    let csrf = attribute_after(&page.text().await.unwrap(), "name=\"csrf\" value=\"");
    let upload = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("schedule.json"));
        h.http
            .post(h.url("/console/schedule/preview"))
            .header(COOKIE, &cookie)
            .multipart(form)
            .send()
    };
    let flash_error = |answer: &reqwest::Response| {
        answer
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("vk_flash=error"))
            .map(str::to_string)
    };
    let sessions = || async {
        let schedule: Value = h.http.get(h.url("/api/v1/schedule")).send().await.unwrap().json().await.unwrap();
        schedule["sessions"].as_array().unwrap().len()
    };
    let before = sessions().await;
    assert!(before > 0, "the sample");
    for empty in [
        br#"{"version": 1, "sessions": []}"#.to_vec(),
        br#"{"schedule": {"conference": {"title": "x", "days": []}, "events": []}}"#.to_vec(),
    ] {
        let answer = upload(empty).await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert!(flash_error(&answer).is_some(), "refused with a note");
        assert_eq!(sessions().await, before);
    }
    let preview = upload(HUB_V2.to_vec()).await.unwrap();
    assert_eq!(preview.status(), StatusCode::OK);
    let html = preview.text().await.unwrap();
    assert!(html.contains("Seitenkanäle im Alltag"), "the preview lists the hub's sessions");
    let staged = attribute_after(&html, "name=\"staged\" value=\"");
    let applied = h
        .http
        .post(h.url("/console/schedule/apply"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str()), ("staged", staged.as_str())])
        .send()
        .await
        .unwrap();
    assert!(flash_error(&applied).is_none());
    assert_eq!(sessions().await, 6);
    h.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_sign_in_link_works_once() {
    let h = Harness::start().await;
    let code = venue_server::console::issue_sign_in_link(&h.server.store).await.unwrap();
    // Opening the link (as a chat app's preview would) does not use it up.
    let page = h.http.get(h.url(&format!("/console/link/{code}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(session_cookie(&page).is_none());
    let use_link = || h.http.post(h.url("/console/link")).form(&[("code", code.as_str())]).send();
    let first = use_link().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert!(session_cookie(&first).is_some(), "the first use signs in");
    let second = use_link().await.unwrap();
    assert_eq!(second.status(), StatusCode::UNAUTHORIZED);
    assert!(session_cookie(&second).is_none(), "the second does not");
    h.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn screenshots_must_be_png_and_come_with_a_kiosk_token() {
    let h = Harness::start().await;
    let post = |token: Option<&str>, body: Vec<u8>| {
        let mut request = h.http.post(h.url("/api/v1/kiosks/door-1/screenshot")).body(body);
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        request.send()
    };
    assert_eq!(post(None, test_png()).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        post(Some(TOKEN), b"<svg onload=alert(1)>".to_vec()).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(post(Some(TOKEN), test_png()).await.unwrap().status(), StatusCode::NO_CONTENT);
    // Only a signed-in organiser sees it.
    let shot = h.http.get(h.url("/console/screens/door-1/screenshot.png")).send().await.unwrap();
    assert_eq!(shot.status(), StatusCode::SEE_OTHER);
    h.server.shutdown().await.unwrap();
}

// ---- several instances on one database ----

/// A fresh PostgreSQL database when `VENUE_KIOSK_TEST_PG` is set: (its URL, the admin URL, its name).
async fn postgres_db() -> Option<(String, String, String)> {
    let admin_url = std::env::var("VENUE_KIOSK_TEST_PG").ok().filter(|u| !u.is_empty())?;
    let name = format!("vk_console_{}_{}", std::process::id(), hex::encode(rand::random::<[u8; 5]>()));
    pg_admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&format!("/{name}"));
    Some((url.to_string(), admin_url, name))
}

/// Sign-in links, sessions, form tokens, screenshot requests and staged uploads live in the database:
/// what one instance starts, another finishes, and a link still works only once.
async fn console_state_is_shared_between_instances(url: String) {
    let a = Harness::start_on(url.clone(), tempfile::tempdir().unwrap()).await;
    let b = Harness::start_on(url, tempfile::tempdir().unwrap()).await;

    // A link made on A signs in on B, once.
    let code = venue_server::console::issue_sign_in_link(&a.server.store).await.unwrap();
    let used = b
        .http
        .post(b.url("/console/link"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&used).expect("signed in on B");
    let again = a
        .http
        .post(a.url("/console/link"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "used up on every instance");

    // B's session and form token work on A.
    let page = a.http.get(a.url("/console/schedule")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = attribute_after(&page.text().await.unwrap(), "name=\"csrf\" value=\"");

    // A screenshot asked for on A is asked of the kiosk by B.
    let asked = a
        .http
        .post(a.url("/console/screens/door-7/screenshot"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let (status, body) = b.heartbeat(TOKEN, "door-7", "schedule", None).await;
    assert_eq!((status, body.contains("screenshot_requested")), (StatusCode::OK, true), "{body}");

    // An upload previewed on A is applied on B.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(PRETALX.to_vec()).file_name("schedule.json"));
    let preview = a
        .http
        .post(a.url("/console/schedule/preview"))
        .header(COOKIE, &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), StatusCode::OK);
    let staged = attribute_after(&preview.text().await.unwrap(), "name=\"staged\" value=\"");
    let apply = || {
        b.http
            .post(b.url("/console/schedule/apply"))
            .header(COOKIE, &cookie)
            .form(&[("csrf", csrf.as_str()), ("staged", staged.as_str())])
            .send()
    };
    assert_eq!(apply().await.unwrap().status(), StatusCode::SEE_OTHER);
    let schedule: Value = a.http.get(a.url("/api/v1/schedule")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        schedule["sessions"].as_array().unwrap().len(),
        14,
        "the pretalx fixture's sessions, served by A"
    );
    // Applying the same preview twice does nothing the second time.
    let twice = apply().await.unwrap();
    let flash = twice
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("vk_flash=error"));
    assert!(flash, "the second apply is refused with a note");

    a.server.shutdown().await.unwrap();
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_console_state_is_shared_between_instances() {
    let dir = tempfile::tempdir().unwrap();
    console_state_is_shared_between_instances(db::database_url(dir.path().join("shared.sqlite").to_str().unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_console_state_is_shared_between_instances() {
    let Some((url, admin_url, name)) = postgres_db().await else {
        eprintln!("VENUE_KIOSK_TEST_PG is not set: skipped");
        return;
    };
    console_state_is_shared_between_instances(url).await;
    pg_admin(&admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
}

/// A staff member checks an attendee in on their phone, and the attendee sees the ticket on theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_check_in_and_the_attendee_page_on_phones() {
    let Some(chrome) = chrome(true).await else { return };
    let h = Harness::start().await;
    let base = h.server.base_url();
    let keys = venue_server::attendees::AttendeeKeys::load_or_create(h.key_file.as_ref().expect("a key beside the database")).unwrap();
    let person = venue_server::attendees::Person {
        external_id: "EXT-5150".into(),
        name: "김민수".into(),
        email: "minsu@example.org".into(),
        ..Default::default()
    };
    let code = keys.link_code(&person.external_id);
    let holder = keys.holder(&person.external_id);
    let sealed = keys.seal_person(&person);
    let badge = venue_server::attendees::normalize_badge_code(&venue_server::attendees::AttendeeKeys::badge_code(&code));
    h.server
        .store
        .upsert_attendees(&[(
            db::AttendeeRow {
                id: keys.attendee_id(&person.external_id),
                holder: holder.clone(),
                display_name: "김*수".into(),
                sealed,
            },
            venue_server::auth::token_hash(&code),
            venue_server::auth::token_hash(&badge),
        )])
        .await
        .unwrap();
    let staff: Value = h
        .http
        .post(h.url("/api/v1/admin/tokens"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .json(&json!({"name": "door-1", "scope": "staff"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Staff: sign in, scan (open the link), check in at the entrance.
    chrome.goto(&format!("{base}/staff/sign-in")).await;
    chrome.fill("#token", staff["token"].as_str().unwrap()).await;
    chrome.click("form[action='/staff/sign-in'] button").await;
    chrome.wait_for_text("Badge code").await;
    chrome.shot("staff-phone").await;
    chrome.goto(&format!("{base}/h/{code}")).await;
    chrome.wait_for_text("Check in 김*수").await;
    chrome.click("form[action$='/check-in'] button").await;
    let page = chrome.wait_for_text("checked in at Entrance").await;
    assert!(page.contains("New tickets"), "{page}");
    chrome.shot("handbook-staff-phone").await;
    let tickets: Value = h.http.get(h.url("/api/v1/draw")).send().await.unwrap().json().await.unwrap();
    assert!(
        tickets["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["holder"] == holder.as_str() && t["display_name"] == "김*수"),
        "the ticket is in the draw feed with the masked name"
    );

    // The attendee's own phone (no staff session): the ticket, no check-in form, no personal data.
    h.server.store.open_bets(1).await.unwrap();
    chrome.click(".sign-out button").await;
    chrome.wait_for_text("Signed out.").await;
    chrome.goto(&format!("{base}/h/{code}")).await;
    // A bet on the open round.
    chrome.click("input[name=team][value=nebula]").await;
    chrome.click("form[action$='/bet'] button").await;
    chrome.wait_for_text("Your bet is in").await;
    assert_eq!(
        h.server.store.bets_of(&keys.attendee_id(&person.external_id)).await.unwrap(),
        [(1, "nebula".to_string())]
    );
    let page = chrome.wait_for_text("draw tickets").await;
    assert!(!page.contains("Check in 김*수"), "no check-in form without a staff session");
    assert!(!page.contains("김민수") && !page.contains("minsu@example.org") && !page.contains("EXT-5150"));
    let overflow = chrome
        .b()
        .execute("return document.documentElement.scrollWidth - window.innerWidth", vec![])
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "the handbook is wider than a phone by {overflow} px"
    );
    chrome.shot("handbook-phone").await;

    // The organisers' Attendees page.
    chrome.close().await;
    let Some(desk) = chrome_desktop().await else { return };
    desk.sign_in(&base).await;
    desk.goto(&format!("{base}/console/attendees")).await;
    desk.wait_for_text("How tickets are earned").await;
    desk.shot("attendees-1280").await;
    desk.close().await;
    h.server.shutdown().await.unwrap();
}

async fn chrome_desktop() -> Option<Chrome> {
    chrome(false).await
}

/// Issue #17: the console's draw page flags a result the kiosk drew without the server's nonce
/// (NOT ANCHORED, with the kiosk's reason), and only that one.
#[tokio::test]
async fn the_draw_page_flags_results_that_are_not_anchored() {
    use venue_rules::draw::engine::seed_commitment;
    let h = Harness::start().await;
    let post = |path: &'static str, key: Option<String>, body: Value| {
        let mut request = h
            .http
            .post(h.url(path))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .json(&body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        async move {
            let answer = request.send().await.unwrap();
            (answer.status(), answer.text().await.unwrap())
        }
    };
    for (prize, seed, winner, anchored) in [("macbook-air", [1u8; 32], 1042, true), ("coffee", [2u8; 32], 1043, false)] {
        let commitment = seed_commitment(&seed);
        let (status, body) = post(
            "/api/v1/draw/commitments",
            None,
            json!({"version": 1, "seed_commitment": commitment}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let nonce = serde_json::from_str::<Value>(&body).unwrap()["server_nonce"].clone();
        let mut result = json!({
            "version": 1, "prize_id": prize, "batch": 1, "seed_commitment": commitment,
            "seed": hex::encode(seed), "tickets_hash": "c0ffee", "algorithm": "chacha20-v1",
            "winners": [winner], "drawn_at": "2026-12-04T17:32:10+09:00"
        });
        if anchored {
            result["server_nonce"] = nonce;
        } else {
            result["not_anchored"] = json!("the event server could not be reached");
        }
        let (status, body) = post("/api/v1/draw/results", Some(format!("draw-{prize}-1")), result).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let cookie = sign_in_http(&h, TOKEN).await.expect("the admin token signs in");
    let html = h
        .http
        .get(h.url("/console/draw"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches(">NOT ANCHORED</strong>").count(), 1, "{html}");
    assert!(html.contains("title=\"the event server could not be reached\""), "{html}");
    h.server.shutdown().await.unwrap();
}

/// The prize form edits eligibility groups: stored in normal form, shown in the list and in the
/// form again, and a bad name is refused with nothing stored.
#[tokio::test]
async fn the_prize_form_edits_eligibility_groups() {
    let h = Harness::start().await;
    let cookie = sign_in_http(&h, TOKEN).await.expect("signed in");
    let page = |path: &'static str| {
        let request = h.http.get(h.url(path)).header(COOKIE, &cookie).send();
        async move { request.await.unwrap().text().await.unwrap() }
    };
    let csrf = attribute_after(&page("/console/draw").await, "name=\"csrf\" value=\"");
    let save = |excluded: &'static str, eligible: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("id", "tv")
            .text("name", "TV")
            .text("winner_count", "2")
            .text("batch_size", "")
            .text("order", "1")
            .text("eligible_groups", eligible)
            .text("excluded_groups", excluded);
        let request = h
            .http
            .post(h.url("/console/draw/prizes"))
            .header(COOKIE, &cookie)
            .multipart(form)
            .send();
        async move {
            let answer = request.await.unwrap();
            let flash = answer
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|v| v.starts_with("vk_flash="))
                .map(str::to_string)
                .unwrap_or_default();
            (answer.status(), flash)
        }
    };
    let tv = || async {
        let draw: Value = h.http.get(h.url("/api/v1/draw")).send().await.unwrap().json().await.unwrap();
        draw["prizes"].as_array().unwrap().iter().find(|p| p["id"] == "tv").cloned()
    };
    let (status, flash) = save("Staff; speaker", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!flash.starts_with("vk_flash=error"), "{flash}");
    let stored = tv().await.expect("the prize is stored");
    assert_eq!(stored["excluded_groups"], json!(["speaker", "staff"]));
    assert!(stored.get("eligible_groups").is_none(), "{stored}");

    let list = page("/console/draw").await;
    assert!(list.contains("speaker, staff excluded"), "the list says who is excluded");
    let form = page("/console/draw?edit=tv").await;
    assert!(
        form.contains("id=\"excluded_groups\" name=\"excluded_groups\" maxlength=\"700\" value=\"speaker, staff\""),
        "{form}"
    );
    assert!(
        form.contains("id=\"eligible_groups\" name=\"eligible_groups\" maxlength=\"700\" value=\"\""),
        "{form}"
    );

    let (status, flash) = save("staff, st@ff", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(flash.starts_with("vk_flash=error"), "a bad group is refused: {flash}");
    let (_, flash) = save("staff", "staff").await;
    assert!(flash.starts_with("vk_flash=error"), "eligible and excluded at once: {flash}");
    assert_eq!(tv().await.unwrap()["excluded_groups"], json!(["speaker", "staff"]), "unchanged");
    // The page as an organiser sees it, editing the prize (a screenshot to look at).
    if let Some(chrome) = chrome_desktop().await {
        let base = h.server.base_url();
        chrome.sign_in(&base).await;
        chrome.goto(&format!("{base}/console/draw?edit=tv#prize-form")).await;
        chrome.wait_for_text("speaker, staff excluded").await;
        chrome.shot("draw-prize-groups").await;
        chrome.close().await;
    }
    h.server.shutdown().await.unwrap();
}
