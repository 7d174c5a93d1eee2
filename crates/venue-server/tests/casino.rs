//! The live dice game on the server (contract 1.1): `PUT`/`DELETE /api/v1/admin/casino`,
//! `POST /api/v1/casino/moves` and `GET /api/v1/casino`, over real HTTP on 127.0.0.1.
//!
//! A whole match is played through the API with rolls from a seeded generator, mirrored by a local
//! `venue_rules::casino::Match`; the served payload must decode as a kiosk decodes it and replay to
//! the same board. Moves are stored exactly once: the same move from two server instances at once,
//! on one SQLite file and on one PostgreSQL database (`VENUE_KIOSK_TEST_PG`), and two different
//! moves racing for one turn. The console's Casino page is driven in chromium at phone size.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client as Browser, ClientBuilder, Locator};
use reqwest::header::AUTHORIZATION;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use venue_contract::casino::{CasinoMove, MoveKind};
use venue_rules::casino::Match;
use venue_server::{RunningServer, ServerConfig, export, spawn};

#[macro_use]
mod support;
use support::TestDb;

const TOKEN: &str = "casino-admin-token-0123456789abcdef";

// ---- harness ----

impl TestDb {
    async fn start(&self) -> Server {
        let server = spawn(ServerConfig {
            admin_token: Some(TOKEN.into()),
            seed_sample: true,
            ..ServerConfig::new(self.url.clone())
        })
        .await
        .expect("the server starts");
        let _ = rustls::crypto::ring::default_provider().install_default();
        Server {
            server,
            client: Client::new(),
        }
    }
}

struct Server {
    server: RunningServer,
    client: Client,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn send(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn set_up(&self, body: Value, query: &str) -> (StatusCode, Value) {
        self.send(
            reqwest::Method::PUT,
            &format!("/api/v1/admin/casino{query}"),
            Some(TOKEN),
            Some(body),
        )
        .await
    }

    async fn post_move(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, "/api/v1/casino/moves", Some(token), Some(body))
            .await
    }

    /// `GET /api/v1/casino` decoded as a kiosk decodes it; `None` on `404`.
    async fn casino(&self) -> Option<venue_contract::casino::CasinoData> {
        let response = self.client.get(self.url("/api/v1/casino")).send().await.unwrap();
        if response.status() == StatusCode::NOT_FOUND {
            return None;
        }
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.bytes().await.unwrap();
        Some(venue_contract::casino::decode(&bytes).unwrap_or_else(|e| panic!("a kiosk refuses the payload: {e}")))
    }

    async fn staff_token(&self) -> String {
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                "/api/v1/admin/tokens",
                Some(TOKEN),
                Some(json!({"name": format!("staff-{}", hex::encode(rand::random::<[u8; 3]>())), "scope": "staff"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        body["token"].as_str().unwrap().to_string()
    }

    async fn stop(self) {
        self.server.shutdown().await.unwrap();
    }
}

scenarios!(
    a_scripted_match_through_the_api_ends_with_the_ranking,
    the_same_move_from_two_instances_is_stored_once,
    racing_moves_for_one_turn_store_exactly_one,
    only_staff_and_admins_enter_moves,
);

/// Seeded rolls (an LCG: the test needs reproducible dice, not good ones).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u8) -> Vec<u8> {
        (0..n)
            .map(|_| {
                self.0 = self
                    .0
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((self.0 >> 33) % 6) as u8 + 1
            })
            .collect()
    }
}

/// The move the team to play would make: roll its dice, place the face it rolled most.
fn next_place(game: &Match, dice: &mut Dice, id: String) -> CasinoMove {
    let team = game.turn().expect("the match is not over");
    let rolled = dice.roll(game.dice_left()[team]);
    let face = (1..=6u8).max_by_key(|f| (rolled.iter().filter(|r| *r == f).count(), *f)).unwrap();
    CasinoMove {
        id,
        kind: MoveKind::Place {
            team: game.teams()[team].clone(),
            rolled,
            face,
        },
    }
}

fn to_value(m: &CasinoMove) -> Value {
    serde_json::to_value(m).unwrap()
}

// ---- scenarios ----

async fn a_scripted_match_through_the_api_ends_with_the_ranking(db: &TestDb) {
    let s = db.start().await;
    assert!(s.casino().await.is_none(), "no match before one is set up: 404");
    let (status, created) = s
        .set_up(json!({"match_id": "final-1", "rounds": 2, "dice_per_team": 4, "seed": 42}), "")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // The teams are the game's, in their order (the sample has four).
    let game_teams: Vec<String> = s.server.store.teams().await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(created["setup"]["teams"], json!(game_teams));
    let data = s.casino().await.expect("the match is served");
    assert_eq!(data.setup.match_id, "final-1");
    assert!(data.moves.is_empty());
    let mut mirror = Match::new(&data.setup).unwrap();
    let mut dice = Dice(7);
    let mut n = 0;

    // An illegal move is refused with the rule's message, and nothing is stored.
    let turn = mirror.turn().unwrap();
    let other = mirror.teams()[(turn + 1) % mirror.teams().len()].clone();
    let (status, error) = s
        .post_move(
            TOKEN,
            json!({"id": "bad-1", "kind": "place", "team": other, "rolled": [1, 2, 3, 4], "face": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"], "illegal_move");
    assert!(error["message"].as_str().unwrap().contains("turn"), "{error}");
    let team = mirror.teams()[turn].clone();
    for (body, expected) in [
        (
            json!({"id": "bad-2", "kind": "place", "team": team, "rolled": [1, 2, 3, 4], "face": 6}),
            "no die shows 6",
        ),
        (
            json!({"id": "bad-3", "kind": "place", "team": team, "rolled": [1, 2, 3], "face": 1}),
            "must roll all of them",
        ),
        (json!({"id": "bad-4", "kind": "undo", "reason": "oops"}), "no move to undo"),
    ] {
        let (status, error) = s.post_move(TOKEN, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(error["message"].as_str().unwrap().contains(expected), "{expected}: {error}");
    }
    // A shape error is a bad body; a refused id may be used again.
    let (status, _) = s
        .post_move(
            TOKEN,
            json!({"id": "bad-1", "kind": "place", "team": team, "rolled": [7, 1, 1, 1], "face": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(s.casino().await.unwrap().moves.is_empty(), "refused moves are not stored");

    // A place, then its undo with a reason: both journaled, the board as before.
    let place = next_place(&mirror, &mut dice, "bad-1".into());
    let (status, answer) = s.post_move(TOKEN, to_value(&place)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["seq"], 1);
    mirror.apply(&place).unwrap();
    let undo = CasinoMove {
        id: "undo-1".into(),
        kind: MoveKind::Undo {
            reason: "wrong face entered".into(),
        },
    };
    let (status, answer) = s.post_move(TOKEN, to_value(&undo)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    mirror.apply(&undo).unwrap();
    let data = s.casino().await.unwrap();
    assert_eq!(data.moves, vec![place, undo], "the undo is journaled after the place");
    assert_eq!(Match::from_data(&data).unwrap(), mirror);

    // While the match runs, a new one needs `?replace=1`.
    let (status, error) = s.set_up(json!({"match_id": "final-2"}), "").await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::CONFLICT, Some("match_in_progress")));

    // The whole match, every move through the API; a round's last move scores it.
    let mut scored = 0;
    while !mirror.finished() {
        n += 1;
        let m = next_place(&mirror, &mut dice, format!("m{n}"));
        let (status, answer) = s.post_move(TOKEN, to_value(&m)).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        mirror.apply(&m).unwrap();
        if !answer["round_scored"].is_null() {
            scored += 1;
        }
        assert_eq!(answer["match_over"], mirror.finished());
    }
    assert_eq!(scored, 2);
    let data = s.casino().await.unwrap();
    let served = Match::from_data(&data).unwrap();
    assert_eq!(served, mirror, "a screen rebuilding the served moves shows the same board");
    assert!(served.finished());
    assert_eq!(served.ranking(), mirror.ranking());
    let (status, error) = s.post_move(TOKEN, to_value(&next_place_after_end(&mirror))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["message"].as_str().unwrap().contains("over"), "{error}");

    // Each scored round is a game result: total = money so far; the export lists them.
    let results: Vec<_> = s
        .server
        .store
        .game_results()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.result.game_id == "final-1")
        .collect();
    assert_eq!(results.len(), 2);
    for (stored, round) in results.iter().zip(mirror.round_results()) {
        assert_eq!(stored.result.round, u32::from(round.round_index));
        let paid: Vec<i64> = stored.result.scores.iter().map(|s| s.round_points).collect();
        assert_eq!(paid, round.payouts.iter().map(|&p| p as i64).collect::<Vec<_>>());
    }
    let totals: Vec<i64> = results[1].result.scores.iter().map(|s| s.total_points).collect();
    assert_eq!(totals, mirror.standings().iter().map(|s| s.money as i64).collect::<Vec<_>>());
    let files = export::export_files(&s.server.store).await.unwrap();
    let csv = &files.iter().find(|(name, _)| *name == "game_results.csv").unwrap().1;
    assert!(csv.contains("final-1"), "{csv}");

    // Over: a new match needs no replace; the old id cannot be used again.
    let (status, _) = s.set_up(json!({"match_id": "final-1"}), "").await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, created) = s.set_up(json!({"teams": [game_teams[1], game_teams[0]]}), "").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["setup"]["match_id"].as_str().unwrap().starts_with("casino-"));
    let (status, error) = s.set_up(json!({"teams": ["nobody", game_teams[0]]}), "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    // Cleared: no match, `404` again.
    let (status, _) = s.send(reqwest::Method::DELETE, "/api/v1/admin/casino", Some(TOKEN), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(s.casino().await.is_none());
    s.stop().await;
}

fn next_place_after_end(game: &Match) -> CasinoMove {
    CasinoMove {
        id: "late".into(),
        kind: MoveKind::Place {
            team: game.teams()[0].clone(),
            rolled: vec![1; usize::from(game.setup().dice_per_team)],
            face: 1,
        },
    }
}

/// Two staff submit every move at the same instant through two server instances: each move is
/// stored once, one of them hears `201`, the other `200`; the same id with another move is `409`.
async fn the_same_move_from_two_instances_is_stored_once(db: &TestDb) {
    let a = db.start().await;
    let b = db.start().await;
    let (status, _) = a
        .set_up(json!({"match_id": "twins", "rounds": 1, "dice_per_team": 3, "seed": 5}), "")
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let staff = a.staff_token().await;
    let mut mirror = Match::new(&a.casino().await.unwrap().setup).unwrap();
    let mut dice = Dice(11);
    let mut n = 0;
    while !mirror.finished() {
        n += 1;
        let m = next_place(&mirror, &mut dice, format!("twin-{n}"));
        let ((sa, va), (sb, vb)) = tokio::join!(a.post_move(&staff, to_value(&m)), b.post_move(TOKEN, to_value(&m)));
        let mut statuses = [sa, sb];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CREATED], "{va} {vb}");
        assert_eq!(va["seq"], vb["seq"]);
        mirror.apply(&m).unwrap();
    }
    // Later retries, on either instance: the stored answer again; other content under the id: 409.
    let first = mirror.journal()[0].clone();
    let (status, again) = b.post_move(&staff, to_value(&first)).await;
    assert_eq!((status, again["seq"].as_u64()), (StatusCode::OK, Some(1)));
    let mut changed = to_value(&first);
    changed["face"] = json!(if changed["face"] == 1 { 2 } else { 1 });
    let (status, stored) = a.post_move(&staff, changed).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(stored["move"], to_value(&first), "409 answers with the stored move");
    // An instance serves its rendered feed for up to REVISION_RECHECK before it asks the database
    // whether the other instance changed it (its own writes show at once): wait that long.
    tokio::time::sleep(venue_server::db::REVISION_RECHECK + Duration::from_millis(100)).await;
    for server in [&a, &b] {
        let data = server.casino().await.unwrap();
        assert_eq!(data.moves.len(), n, "each move once");
        assert_eq!(Match::from_data(&data).unwrap(), mirror);
    }
    a.stop().await;
    b.stop().await;
}

/// Two staff enter different moves for the same turn on two instances (both pages showed the same
/// board: `after`): exactly one is stored; the other is told to reload. Many times over.
async fn racing_moves_for_one_turn_store_exactly_one(db: &TestDb) {
    let a = db.start().await;
    let b = db.start().await;
    let (status, _) = a
        .set_up(json!({"match_id": "race", "rounds": 1, "dice_per_team": 8, "seed": 9}), "")
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut mirror = Match::new(&a.casino().await.unwrap().setup).unwrap();
    let mut dice = Dice(3);
    for round in 0..6 {
        if mirror.finished() {
            break;
        }
        let after = mirror.journal().len();
        let one = next_place(&mirror, &mut dice, format!("a-{round}"));
        let two = next_place(&mirror, &mut dice, format!("b-{round}"));
        let mut body_one = to_value(&one);
        body_one["after"] = json!(after);
        let mut body_two = to_value(&two);
        body_two["after"] = json!(after);
        let ((s1, v1), (s2, v2)) = tokio::join!(a.post_move(TOKEN, body_one), b.post_move(TOKEN, body_two));
        let created: Vec<_> = [(s1, &one, &v1), (s2, &two, &v2)]
            .into_iter()
            .filter(|(s, _, _)| *s == StatusCode::CREATED)
            .collect();
        assert_eq!(created.len(), 1, "exactly one wins: {s1} {v1} / {s2} {v2}");
        let loser = if s1 == StatusCode::CREATED { (s2, &v2) } else { (s1, &v1) };
        assert_eq!(loser.0, StatusCode::CONFLICT, "{}", loser.1);
        assert_eq!(loser.1["error"], "stale_board");
        assert!(loser.1["message"].as_str().unwrap().contains("reload"));
        mirror.apply(created[0].1).unwrap();
    }
    let data = b.casino().await.unwrap();
    assert_eq!(Match::from_data(&data).unwrap(), mirror);
    // Without `after`, the rules decide: the same team cannot place twice in a row (unless it is the
    // only one with dice left).
    let first = next_place(&mirror, &mut dice, "x-1".into());
    let (status, _) = a.post_move(TOKEN, to_value(&first)).await;
    assert_eq!(status, StatusCode::CREATED);
    let team = mirror.turn();
    mirror.apply(&first).unwrap();
    let mut second = to_value(&first);
    second["id"] = json!("x-2");
    let (status, error) = b.post_move(TOKEN, second).await;
    if mirror.turn().is_some() && mirror.turn() != team {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(error["message"].as_str().unwrap().contains("turn"), "{error}");
    }
    a.stop().await;
    b.stop().await;
}

async fn only_staff_and_admins_enter_moves(db: &TestDb) {
    let s = db.start().await;
    let move_body = json!({"id": "m1", "kind": "undo", "reason": "x"});
    // No match yet: 404 for a move.
    let (status, error) = s.post_move(TOKEN, move_body.clone()).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, _) = s.set_up(json!({}), "").await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = s
        .send(
            reqwest::Method::POST,
            "/api/v1/admin/tokens",
            Some(TOKEN),
            Some(json!({"name": "door", "scope": "kiosk"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let kiosk = body["token"].as_str().unwrap().to_string();
    let staff = s.staff_token().await;
    let (status, _) = s
        .send(reqwest::Method::POST, "/api/v1/casino/moves", None, Some(move_body.clone()))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = s.post_move(&kiosk, move_body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, error) = s.post_move(&staff, move_body.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "staff may: the rules refuse it: {error}");
    let (status, _) = s
        .send(
            reqwest::Method::PUT,
            "/api/v1/admin/casino?replace=1",
            Some(&staff),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only admins set a match up");
    let (status, error) = s
        .post_move(&staff, json!({"id": "m1", "kind": "undo", "reason": "x", "extra": 1}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    s.stop().await;
}

// ---- the console page in a browser ----

fn shots_dir() -> PathBuf {
    let dir = std::env::var_os("VENUE_KIOSK_SHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("venue-kiosk-console-shots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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

/// chromium at phone size through chromedriver; `None` when it is not installed (unless required).
async fn phone() -> Option<Chrome> {
    let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
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
            eprintln!("skipped: {driver_path} is not installed");
            return None;
        }
    };
    let mut chrome = Chrome { browser: None, driver };
    let mut options = json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=en-US",
                 "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=390,844"],
        "mobileEmulation": { "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 1.0, "touch": true } },
    });
    if let Ok(binary) = std::env::var("CHROMIUM") {
        options["binary"] = binary.into();
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
            Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(e) => panic!("chromium did not start through chromedriver: {e}"),
        }
    };
    chrome.browser = Some(browser);
    Some(chrome)
}

impl Chrome {
    fn b(&self) -> &Browser {
        self.browser.as_ref().unwrap()
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

    async fn wait_for_text(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let source = self.b().source().await.unwrap();
            if source.contains(text) {
                return source;
            }
            assert!(Instant::now() < deadline, "the page never showed {text:?}:\n{source}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn shot(&self, name: &str) {
        let png = self.b().screenshot().await.unwrap();
        std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
    }

    /// Enter a roll as counts per face and pick `face`.
    async fn enter_roll(&self, counts: [u8; 6], face: u8) {
        for (i, n) in counts.iter().enumerate() {
            self.fill(&format!("#n{}", i + 1), &n.to_string()).await;
        }
        self.click(&format!("input[name=face][value='{face}']")).await;
        self.click(".move-form button[type=submit]").await;
    }
}

/// An organiser sets a match up and enters moves on a phone: the board shows the dice and the live
/// order, an illegal roll is refused with the rule's message (and the entry kept), an undo needs a
/// reason and is journaled, and a double-posted form stores one move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_casino_page_runs_a_match_on_a_phone() {
    let Some(chrome) = phone().await else { return };
    let db = TestDb::sqlite();
    let s = db.start().await;
    let base = s.server.base_url();
    chrome.b().goto(&format!("{base}/console/sign-in")).await.unwrap();
    chrome.fill("#token", TOKEN).await;
    chrome.click("form[action='/console/sign-in'] button[type=submit]").await;
    chrome.wait_for_text("Signed in.").await;

    chrome.b().goto(&format!("{base}/console/casino")).await.unwrap();
    chrome.wait_for_text("No match is set up").await;
    chrome.fill("#rounds", "2").await;
    chrome.click("form[action='/console/casino/setup'] button[type=submit]").await;
    chrome.wait_for_text("set up: 4 teams").await;
    let data = s.casino().await.unwrap();
    assert_eq!(data.setup.rounds, 2);
    let teams = s.server.store.teams().await.unwrap();

    // The first team rolls 8 dice: 2×1, 1×2, 3×3, 2×6 and places its threes.
    chrome.enter_roll([2, 1, 3, 0, 0, 2], 3).await;
    chrome.wait_for_text("3 dice on casino 3").await;
    let data = s.casino().await.unwrap();
    assert_eq!(
        data.moves[0].kind,
        MoveKind::Place {
            team: teams[0].id.clone(),
            rolled: vec![1, 1, 2, 3, 3, 3, 6, 6],
            face: 3
        }
    );
    // Illegal: seven dice entered for eight; the page keeps the entry and says why.
    let page = {
        chrome.enter_roll([1, 1, 1, 1, 1, 2], 6).await;
        chrome.wait_for_text("must roll all of them").await
    };
    assert!(page.contains("value=\"2\""), "the entered counts are kept");
    // A face not rolled.
    chrome.enter_roll([4, 4, 0, 0, 0, 0], 5).await;
    chrome.wait_for_text("no die shows 5").await;
    // The second team places two fives; the board lists both teams' dice.
    chrome.enter_roll([1, 1, 1, 1, 2, 2], 5).await;
    chrome.wait_for_text("2 dice on casino 5").await;
    let page = chrome.wait_for_text("casino-5").await;
    assert!(page.contains(&teams[1].name), "the board names the team on casino 5");
    chrome.shot("casino-phone").await;
    // Undo needs a reason, and is journaled.
    chrome.fill("#undo-reason", "wrong face entered").await;
    chrome.click("form[action='/console/casino/undo'] button[type=submit]").await;
    // The page asks first (console.js); the form works without it too.
    if chrome.b().get_alert_text().await.is_ok() {
        chrome.b().accept_alert().await.unwrap();
    }
    chrome.wait_for_text("Undone").await;
    chrome.wait_for_text("undo · 취소: wrong face entered").await;
    let data = s.casino().await.unwrap();
    assert_eq!(data.moves.len(), 3);
    assert!(matches!(&data.moves[2].kind, MoveKind::Undo { reason } if reason == "wrong face entered"));
    let game = Match::from_data(&data).unwrap();
    assert_eq!(game.turn(), Some(1), "the second team is to play again");
    let overflow = chrome
        .b()
        .execute("return document.documentElement.scrollWidth - window.innerWidth", vec![])
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "the casino page is wider than a phone by {overflow} px"
    );
    chrome.shot("casino-phone-undone").await;

    // Another staff member's phone posts its form twice (a double tap): one move.
    let html = chrome.b().source().await.unwrap();
    let key = "c-another-phone-1";
    let csrf = support::attribute_after(&html, "name=\"csrf\" value=\"");
    let cookie = chrome.b().get_named_cookie("vk_console").await.unwrap();
    let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key),
        ("after", "3"),
        ("team", teams[1].id.as_str()),
        ("n1", "8"),
        ("face", "1"),
    ];
    for _ in 0..2 {
        let answer = http
            .post(format!("{base}/console/casino/move"))
            .header("cookie", format!("vk_console={}", cookie.value()))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    }
    let data = s.casino().await.unwrap();
    assert_eq!(data.moves.len(), 4, "stored once");

    // The phone still shows the board before that move: its next move is refused, not misapplied.
    chrome.enter_roll([0, 0, 3, 0, 5, 0], 3).await;
    chrome.wait_for_text("someone else moved first").await;
    chrome.shot("casino-phone-refused").await;
    assert_eq!(s.casino().await.unwrap().moves.len(), 4);
    // Reloaded: the third team ties the first on casino 3 (3 dice each): both cancel.
    chrome.b().goto(&format!("{base}/console/casino")).await.unwrap();
    chrome.enter_roll([0, 0, 3, 0, 5, 0], 3).await;
    chrome.wait_for_text("3 dice on casino 3").await;
    let page = chrome.wait_for_text("entry-cancelled").await;
    assert_eq!(page.matches("entry-cancelled").count(), 2, "the tied teams cancel each other");
    chrome
        .b()
        .execute("document.getElementById('casino-1').scrollIntoView()", vec![])
        .await
        .unwrap();
    chrome.shot("casino-phone-board").await;
    if let Some(browser) = chrome.browser.as_ref() {
        let _ = browser.clone().close().await;
    }
    s.stop().await;
    db.remove().await;
}

/// Bets on the winner at phone size: an organiser opens betting on the Casino page, an attendee
/// picks a team on their handbook, the page and the console show it (counts only on the console).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn betting_on_the_winner_on_phones() {
    use venue_server::attendees::{AttendeeKeys, Person, normalize_badge_code};
    use venue_server::auth::token_hash;
    let Some(chrome) = phone().await else { return };
    let db = TestDb::sqlite();
    let s = db.start().await;
    let base = s.server.base_url();
    // One attendee, as the console's import stores them (the key sits beside the SQLite file).
    let key_file = db._dir.as_ref().unwrap().path().join("venue.sqlite.attendee.key");
    let keys = AttendeeKeys::load_or_create(&key_file).unwrap();
    let person = Person {
        external_id: "BET-1".into(),
        name: "김민수".into(),
        ..Person::default()
    };
    let code = keys.link_code(&person.external_id);
    let row = venue_server::db::AttendeeRow {
        id: keys.attendee_id(&person.external_id),
        holder: keys.holder(&person.external_id),
        display_name: venue_rules::attend::mask_name(&person.name),
        sealed: keys.seal_person(&person),
    };
    let badge = token_hash(&normalize_badge_code(&AttendeeKeys::badge_code(&code)));
    s.server.store.upsert_attendees(&[(row, token_hash(&code), badge)]).await.unwrap();
    let (status, _) = s.set_up(json!({"match_id": "bets-on-phones", "rounds": 3}), "").await;
    assert_eq!(status, StatusCode::CREATED);

    chrome.b().goto(&format!("{base}/console/sign-in")).await.unwrap();
    chrome.fill("#token", TOKEN).await;
    chrome.click("form[action='/console/sign-in'] button[type=submit]").await;
    chrome.wait_for_text("Signed in.").await;
    chrome.b().goto(&format!("{base}/console/casino")).await.unwrap();
    chrome.wait_for_text("Bets on the winner").await;
    chrome
        .b()
        .execute("document.getElementById('close-round').value = '1'", vec![])
        .await
        .unwrap();
    chrome.click("form[action='/console/casino/bets/open'] button[type=submit]").await;
    chrome.wait_for_text("Bets on the winner are open").await;
    assert_eq!(
        s.server
            .store
            .casino_bet_match("bets-on-phones")
            .await
            .unwrap()
            .unwrap()
            .close_round,
        1,
        "closing when round 2 begins"
    );

    // The attendee's phone: the open bet, a pick, the pick shown.
    chrome.b().goto(&format!("{base}/h/{code}")).await.unwrap();
    chrome.wait_for_text("Dice match: who wins?").await;
    chrome.wait_for_text("round 2 begins").await;
    let teams = s.server.store.teams().await.unwrap();
    chrome
        .click(&format!("form[action='/h/{code}/casino-bet'] input[value='{}']", teams[1].id))
        .await;
    chrome
        .click(&format!("form[action='/h/{code}/casino-bet'] button[type=submit]"))
        .await;
    chrome.wait_for_text("Your bet is in").await;
    let page = chrome.wait_for_text("Change my bet").await;
    assert!(page.contains("100%"), "the only bet is the whole room");
    let overflow = chrome
        .b()
        .execute("return document.documentElement.scrollWidth - window.innerWidth", vec![])
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "the handbook is wider than a phone by {overflow} px"
    );
    chrome
        .b()
        .execute("document.querySelector('.bet').scrollIntoView(); window.scrollBy(0, -140)", vec![])
        .await
        .unwrap();
    chrome.shot("casino-bet-handbook-phone").await;

    // The console's counts.
    chrome.b().goto(&format!("{base}/console/casino")).await.unwrap();
    let page = chrome.wait_for_text("· 1 bet<").await;
    assert!(page.contains("Close bets now"));
    chrome
        .b()
        .execute(
            "document.querySelector('.casino-bets').scrollIntoView(); window.scrollBy(0, -110)",
            vec![],
        )
        .await
        .unwrap();
    chrome.shot("casino-bets-console-phone").await;
    if let Some(browser) = chrome.browser.as_ref() {
        let _ = browser.clone().close().await;
    }
    s.stop().await;
    db.remove().await;
}
