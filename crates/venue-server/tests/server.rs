//! `venue-kiosk serve` over real HTTP on 127.0.0.1: every endpoint, auth, limits, strict JSON, the
//! result posts' idempotency (also under concurrency and across two server instances), restarts,
//! graceful shutdown, ETag/304, gzip, CORS and the export.
//!
//! Every scenario runs on a fresh SQLite file (`sqlite::…`) and, when `VENUE_KIOSK_TEST_PG` holds a
//! `postgres://` URL whose role may create databases, on a fresh PostgreSQL database (`postgres::…`).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT_ENCODING, AUTHORIZATION, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use venue_contract::payload::{Endpoint, FeedPayload, decode};
use venue_contract::sample;
use venue_contract::wire::{ApiError, DrawData, EventInfo, GameData, Messages, Schedule};
use venue_server::{RunningServer, ServerConfig, db, export, spawn};

#[macro_use]
mod support;
use support::{TestDb, pg_admin};

const TOKEN: &str = "test-admin-token-0123456789abcdef";
const PRETALX: &[u8] = include_bytes!("../../venue-contract/tests/fixtures/pretalx_schedule.json");
const HUB_V2: &[u8] = include_bytes!("../../venue-contract/tests/fixtures/hub_schedule_v2.json");

// ---- harness ----

impl TestDb {
    fn config(&self) -> ServerConfig {
        ServerConfig {
            admin_token: Some(TOKEN.into()),
            ..ServerConfig::new(self.url.clone())
        }
    }

    async fn start(&self) -> Server {
        Server::start(self.config()).await
    }

    async fn start_sample(&self) -> Server {
        Server::start(ServerConfig {
            seed_sample: true,
            ..self.config()
        })
        .await
    }
}

scenarios!(
    reads_serve_the_sample_with_etag_304_and_no_cache,
    gzip_is_used_when_the_client_asks,
    an_empty_server_has_no_event_and_empty_lists,
    writes_need_the_admin_token,
    a_generated_token_is_shown_once_and_rotates,
    event_and_schedule_writes,
    pretalx_upload_replaces_the_schedule_and_fills_the_event,
    a_hub_v2_export_is_imported_and_no_upload_empties_the_schedule,
    an_import_brings_the_event_in_line,
    messages_are_created_changed_and_expired,
    ended_messages_never_count_and_old_ones_are_pruned,
    ten_thousand_messages_over_an_event_keep_working,
    kiosk_tokens_post_results_and_nothing_else,
    heartbeats_show_every_screen_and_flag_silent_ones,
    changes_are_pushed_to_subscribers_at_once,
    prizes_tickets_teams_and_rounds,
    eligibility_groups_are_stored_checked_and_served,
    write_bodies_are_strict,
    bodies_over_the_limit_are_refused,
    draw_results_follow_the_post_semantics,
    draw_results_need_their_commitment_registered_before_the_draw,
    game_results_follow_the_post_semantics,
    concurrent_posts_of_one_batch_store_exactly_one,
    two_instances_on_one_database_agree,
    data_survives_a_restart,
    shutdown_loses_no_acknowledged_result,
    cors_is_off_unless_an_origin_is_given,
    export_writes_winners_and_game_results,
    exports_show_current_winners_after_a_no_show_and_a_ticket_reupload,
);

/// Every route of the admin API (on the sample event's ids); `every_admin_route_is_listed` keeps it
/// complete.
const ADMIN_ROUTES: &[(Method, &str)] = &[
    (Method::PUT, "/api/v1/admin/event"),
    (Method::PUT, "/api/v1/admin/schedule"),
    (Method::DELETE, "/api/v1/admin/schedule"),
    (Method::POST, "/api/v1/admin/sessions"),
    (Method::PATCH, "/api/v1/admin/sessions/d1-keynote"),
    (Method::DELETE, "/api/v1/admin/sessions/d1-keynote"),
    (Method::POST, "/api/v1/admin/sessions/d1-keynote/cancel"),
    (Method::POST, "/api/v1/admin/messages"),
    (Method::GET, "/api/v1/admin/messages"),
    (Method::PATCH, "/api/v1/admin/messages/wifi"),
    (Method::DELETE, "/api/v1/admin/messages/wifi"),
    (Method::POST, "/api/v1/admin/messages/wifi/expire"),
    (Method::PUT, "/api/v1/admin/prizes/coffee"),
    (Method::DELETE, "/api/v1/admin/prizes/coffee"),
    (Method::POST, "/api/v1/admin/tickets"),
    (Method::DELETE, "/api/v1/admin/tickets/1000"),
    (Method::PUT, "/api/v1/admin/teams/nebula"),
    (Method::DELETE, "/api/v1/admin/teams/nebula"),
    (Method::PUT, "/api/v1/admin/game/rounds"),
    (Method::GET, "/api/v1/admin/screens"),
    (Method::POST, "/api/v1/admin/tokens"),
    (Method::GET, "/api/v1/admin/tokens"),
    (Method::DELETE, "/api/v1/admin/tokens/stage-left"),
    (Method::PUT, "/api/v1/admin/casino"),
    (Method::DELETE, "/api/v1/admin/casino"),
];

/// The push benchmark measures what it says: every kiosk fetches every broadcast.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_push_bench_sees_every_broadcast_reach_every_kiosk() {
    let db = TestDb::sqlite();
    let server = db.start().await;
    let report = venue_server::bench::run_push(&server.base, TOKEN, 5, 3).await.unwrap();
    assert_eq!((report.subscribers, report.messages, report.missing), (5, 3, 0), "{report}");
    assert!(
        report.p50 <= report.p99 && report.p99 <= report.max && report.max < Duration::from_secs(10),
        "{report}"
    );
    server.stop().await;
    db.remove().await;
}

/// Issue #18: a bad path parameter (or any other rejection axum writes itself) answers the contract's
/// JSON error under `/api/`, not plain text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_errors_answer_the_contracts_json_error() {
    let db = TestDb::sqlite();
    let server = db.start_sample().await;
    let cases = [
        (
            Method::POST,
            "/api/v1/game/rounds/abc/started",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::POST,
            "/api/v1/game/rounds/99999999999/started",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::DELETE,
            "/api/v1/admin/sessions/%FF%FE",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (Method::GET, "/api/v1/no-such-thing?x=%ZZ", StatusCode::NOT_FOUND, "not_found"),
        (Method::GET, "/api/nope", StatusCode::NOT_FOUND, "not_found"),
    ];
    for (method, path, status, code) in cases {
        let answer = server
            .client
            .request(method, server.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let content_type = answer.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
        let (got, body) = read(answer).await;
        assert_eq!((got, content_type.as_deref()), (status, Some("application/json")), "{path}: {body}");
        assert!(!api_error(&body, code).is_empty(), "{path}");
    }
    server.stop().await;
    db.remove().await;
}

/// Issue #18: PostgreSQL and SQLite order ties the same way, whatever the PostgreSQL database's
/// collation (here ICU `en-US`, where `a < B < b`; SQLite compares bytes): same bodies, same ETags.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_and_postgres_serve_the_same_bytes_whatever_the_collation() {
    let Some(admin_url) = std::env::var("VENUE_KIOSK_TEST_PG").ok().filter(|u| !u.is_empty()) else {
        eprintln!("VENUE_KIOSK_TEST_PG is not set: skipped");
        return;
    };
    let name = format!("vk_collate_{}_{}", std::process::id(), hex::encode(rand::random::<[u8; 6]>()));
    pg_admin(
        &admin_url,
        &format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"),
    )
    .await;
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&format!("/{name}"));
    let postgres = TestDb {
        url: url.to_string(),
        _dir: None,
        postgres: Some((admin_url, name)),
    };
    let sqlite = TestDb::sqlite();
    let ids = ["b", "B", "a", "A", "_x", "-y", "é", "z10", "Z9", "ö"];
    let start = "2026-12-03T10:00:00+09:00";
    let end = "2026-12-03T10:40:00+09:00";
    let mut answers = Vec::new();
    for db in [&sqlite, &postgres] {
        let server = db.start().await;
        let sessions: Vec<Value> = ids.iter().map(|id| session(id, start, end)).collect();
        let (status, _) = server
            .admin(
                Method::PUT,
                "/api/v1/admin/schedule",
                Some(json!({"version": 1, "sessions": sessions})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        for id in ids {
            let prize = json!({"name": format!("Prize {id}"), "order": 1, "winner_count": 1});
            let (status, body) = server.admin(Method::PUT, &format!("/api/v1/admin/prizes/{id}"), Some(prize)).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            let message =
                json!({"id": id, "text": format!("Note {id}"), "starts": "2026-01-01T00:00:00Z", "expires": "2099-01-01T00:00:00Z"});
            let (status, body) = server.admin(Method::POST, "/api/v1/admin/messages", Some(message)).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let mut served = Vec::new();
        for path in ["/api/v1/schedule", "/api/v1/draw", "/api/v1/messages", "/api/v1/admin/messages"] {
            let answer = server.client.get(server.url(path)).bearer_auth(TOKEN).send().await.unwrap();
            let etag = answer.headers().get(ETAG).map(|v| v.to_str().unwrap().to_string());
            served.push((path, etag, answer.bytes().await.unwrap()));
        }
        server.stop().await;
        answers.push(served);
    }
    let order: Vec<String> = serde_json::from_slice::<Schedule>(&answers[0][0].2)
        .unwrap()
        .sessions
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(order, ["-y", "A", "B", "Z9", "_x", "a", "b", "z10", "é", "ö"], "by bytes");
    for (lite, pg) in answers[0].iter().zip(&answers[1]) {
        assert_eq!(lite.0, pg.0);
        assert_eq!(
            String::from_utf8_lossy(&lite.2),
            String::from_utf8_lossy(&pg.2),
            "{}: same bytes on both backends",
            lite.0
        );
        assert_eq!(lite.1, pg.1, "{}: same ETag", lite.0);
    }
    sqlite.remove().await;
    postgres.remove().await;
}

#[test]
fn every_admin_route_is_listed() {
    // Each `/api/v1/admin/…` path the router declares matches a listed route (ids stand for `{…}`).
    let source = include_str!("../src/routes.rs");
    let declared: Vec<&str> = source.split('"').filter(|s| s.starts_with("/api/v1/admin/")).collect();
    assert!(declared.len() >= 10, "{declared:?}");
    for pattern in declared {
        let parts: Vec<&str> = pattern.split('/').collect();
        let listed = ADMIN_ROUTES.iter().any(|(_, path)| {
            let concrete: Vec<&str> = path.split('/').collect();
            concrete.len() == parts.len() && parts.iter().zip(&concrete).all(|(p, c)| p.starts_with('{') || p == c)
        });
        assert!(listed, "{pattern} is not in ADMIN_ROUTES");
    }
}

/// Held by the scenarios that load the database hardest, so that two of them never share the
/// machine (a 30 000-ticket upload next to 10 000 message posts could run past a client timeout).
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `input::MAX_LIVE_MESSAGES`: messages showing or waiting to show.
const MAX_LIVE: usize = 500;

/// A running server and a client for it.
struct Server {
    running: RunningServer,
    base: String,
    client: Client,
}

fn client(gzip: bool) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = Client::builder().timeout(Duration::from_secs(30));
    if gzip { builder } else { builder.no_gzip() }.build().unwrap()
}

impl Server {
    async fn start(config: ServerConfig) -> Server {
        let running = spawn(config).await.expect("server starts");
        Server {
            base: running.base_url(),
            running,
            client: client(true),
        }
    }

    async fn stop(self) {
        self.running.shutdown().await.expect("clean shutdown");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        parse(response).await
    }

    /// An admin request with the right token.
    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path)).bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.with_json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    /// Registers a seed commitment before its draw (`POST /api/v1/draw/commitments`).
    async fn register(&self, commitment: &str) -> (StatusCode, Value) {
        let body = json!({"version": 1, "seed_commitment": commitment});
        read(
            self.client
                .post(self.url("/api/v1/draw/commitments"))
                .bearer_auth(TOKEN)
                .with_json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a result; a draw result's commitment is registered first, as a kiosk does.
    async fn post_result(&self, path: &str, key: Option<&str>, body: &Value) -> (StatusCode, Value) {
        if path == "/api/v1/draw/results"
            && let Some(commitment) = body["seed_commitment"].as_str()
        {
            self.register(commitment).await;
        }
        let mut request = self.client.post(self.url(path)).bearer_auth(TOKEN).with_json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        read(request.send().await.unwrap()).await
    }
}

/// reqwest is built without its `json` feature in this crate.
trait WithJson {
    fn with_json(self, body: &Value) -> Self;
}

impl WithJson for reqwest::RequestBuilder {
    fn with_json(self, body: &Value) -> Self {
        self.header(CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(body).unwrap())
    }
}

async fn parse<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

/// Status and JSON body (`Null` when empty).
async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
    };
    (status, value)
}

/// The body is an `ApiError` with this code; returns its message.
fn api_error(body: &Value, code: &str) -> String {
    let error: ApiError = serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("not an ApiError ({e}): {body}"));
    assert_eq!(error.version, 1);
    assert_eq!(error.error, code, "{body}");
    error.message
}

fn draw_result(prize: &str, batch: u32, winners: &[u32]) -> Value {
    json!({
        "version": 1, "prize_id": prize, "batch": batch,
        "seed_commitment": "3f1c9a0e5b7d2c48a6e1f0b9d8c7a6b5e4d3c2b1a0f9e8d7c6b5a4938271605f",
        "seed": "9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b",
        "tickets_hash": "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc",
        "algorithm": "chacha20-fisher-yates-v1",
        "winners": winners,
        "drawn_at": "2026-12-04T17:32:10+09:00"
    })
}

fn game_result(game: &str, round: u32, nebula: i64) -> Value {
    json!({
        "version": 1, "game_id": game, "round": round,
        "scores": [
            {"team_id": "nebula", "round_points": nebula, "total_points": nebula + 900},
            {"team_id": "aurora", "round_points": 1200, "total_points": 2400}
        ],
        "finished_at": "2026-12-04T12:41:05+09:00"
    })
}

fn session(id: &str, start: &str, end: &str) -> Value {
    json!({"id": id, "title": format!("Talk {id}"), "speakers": ["Ada"], "room": "r1", "start": start, "end": end, "kind": "talk"})
}

// ---- scenarios ----

async fn reads_serve_the_sample_with_etag_304_and_no_cache(db: &TestDb) {
    let server = db.start_sample().await;
    // The dice game is not part of the seeded sample: a match is set up by the organisers.
    for endpoint in Endpoint::ALL.into_iter().filter(|e| !e.optional()) {
        let path = format!("/{}", endpoint.path());
        let response = server.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache");
        assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
        let etag = response.headers()[ETAG].clone();
        let body = response.bytes().await.unwrap();
        // What the server answers is what the sample says, and a kiosk accepts it.
        let served = decode(endpoint, &body).unwrap_or_else(|e| panic!("{path}: a kiosk refuses it: {e}"));
        let expected = decode(endpoint, sample::body(endpoint)).unwrap();
        match (served, expected) {
            (FeedPayload::Schedule { schedule: a, .. }, FeedPayload::Schedule { schedule: b, .. }) => {
                let ids = |s: &Schedule| s.sessions.iter().map(|x| x.id.clone()).collect::<std::collections::BTreeSet<_>>();
                assert_eq!(ids(&a), ids(&b));
                assert!(a.sessions.windows(2).all(|w| w[0].start <= w[1].start), "sorted by start");
            }
            (FeedPayload::Messages(a), FeedPayload::Messages(b)) => {
                let ids = |m: &Messages| m.messages.iter().map(|x| x.id.clone()).collect::<std::collections::BTreeSet<_>>();
                assert_eq!(ids(&a), ids(&b));
                assert!(a.messages.windows(2).all(|w| w[0].starts <= w[1].starts), "sorted by start");
            }
            (a, b) => assert_eq!(a, b, "{path}"),
        }

        let again = server
            .client
            .get(server.url(&path))
            .header(IF_NONE_MATCH, etag.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()[ETAG], etag);
        assert_eq!(again.headers()[CACHE_CONTROL], "no-cache");
        assert!(again.bytes().await.unwrap().is_empty());
        let stale = server
            .client
            .get(server.url(&path))
            .header(IF_NONE_MATCH, "W/\"stale\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::OK);
    }

    // A write changes the ETag; the old one then gets the new body.
    let etag = server.get("/api/v1/messages").await.headers()[ETAG].clone();
    let (status, _) = server
        .admin(
            Method::POST,
            "/api/v1/admin/messages",
            Some(json!({"text": "Doors close at 18:00", "expires": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let after = server
        .client
        .get(server.url("/api/v1/messages"))
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(after.headers()[ETAG], etag);
    let messages: Messages = parse(after).await;
    assert_eq!(messages.messages.len(), 4);
    server.stop().await;
}

async fn gzip_is_used_when_the_client_asks(db: &TestDb) {
    let server = db.start_sample().await;
    let raw = client(false);
    let plain = raw.get(server.url("/api/v1/schedule")).send().await.unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    let gzipped = raw
        .get(server.url("/api/v1/schedule"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(gzipped.headers()["vary"], "accept-encoding");
    let bytes = gzipped.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(bytes.len() * 3 < plain_len, "{} gzipped vs {plain_len} plain", bytes.len());
    // A client that decompresses (as the kiosks do) reads the contract payload.
    let schedule: Schedule = server.get_json("/api/v1/schedule").await;
    assert!(schedule.sessions.len() >= 40);
    server.stop().await;
}

async fn an_empty_server_has_no_event_and_empty_lists(db: &TestDb) {
    let server = db.start().await;
    let (status, body) = read(server.get("/api/v1/event").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    api_error(&body, "not_found");
    let schedule: Schedule = server.get_json("/api/v1/schedule").await;
    assert!(schedule.sessions.is_empty());
    let draw: DrawData = server.get_json("/api/v1/draw").await;
    assert!(draw.prizes.is_empty() && draw.tickets.is_empty());
    let game: GameData = server.get_json("/api/v1/game").await;
    assert!(game.teams.is_empty() && game.rounds.is_empty());
    let (status, body) = read(server.get("/api/v2/schedule").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    api_error(&body, "not_found");
    let (status, body) = read(server.client.delete(server.url("/api/v1/schedule")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    api_error(&body, "method_not_allowed");
    server.stop().await;
}

async fn writes_need_the_admin_token(db: &TestDb) {
    let server = db.start_sample().await;
    let results = [(Method::POST, "/api/v1/draw/results"), (Method::POST, "/api/v1/game/results")];
    let routes = ADMIN_ROUTES.iter().chain(&results);
    let before: Vec<_> = all_bodies(&server).await;
    let basic = format!("Basic {TOKEN}");
    for (method, path) in routes {
        for authorization in [None, Some("Bearer wrong-token-0123456789"), Some(basic.as_str())] {
            let mut request = server.client.request(method.clone(), server.url(path)).with_json(&json!({}));
            if let Some(value) = authorization {
                request = request.header(AUTHORIZATION, value);
            }
            let (status, body) = read(request.send().await.unwrap()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} with {authorization:?}");
            api_error(&body, "unauthorized");
        }
    }
    assert_eq!(all_bodies(&server).await, before, "refused writes changed nothing");
    // The right token passes (here to a body check).
    let (status, body) = server.admin(Method::PUT, "/api/v1/admin/game/rounds", Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "invalid_body");
    server.stop().await;
}

/// Every GET body, to compare before and after.
async fn all_bodies(server: &Server) -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    for endpoint in Endpoint::ALL {
        bodies.push(server.get(&format!("/{}", endpoint.path())).await.bytes().await.unwrap().to_vec());
    }
    bodies
}

async fn a_generated_token_is_shown_once_and_rotates(db: &TestDb) {
    let first = Server::start(ServerConfig::new(db.url.clone())).await;
    let token = first.running.generated_token.clone().expect("first start generates a token");
    assert!(token.len() >= 32);
    let put_team = |server: &Server, token: String| {
        let request = server
            .client
            .put(server.url("/api/v1/admin/teams/nebula"))
            .bearer_auth(token)
            .with_json(&json!({"name": "Team Nebula", "color": "#38BDF8"}));
        async move { request.send().await.unwrap().status() }
    };
    assert!(put_team(&first, token.clone()).await.is_success());
    first.stop().await;

    let second = Server::start(ServerConfig::new(db.url.clone())).await;
    assert_eq!(second.running.generated_token, None, "a stored token is not shown again");
    assert!(put_team(&second, token.clone()).await.is_success());
    second.stop().await;

    let rotated = Server::start(ServerConfig {
        rotate_token: true,
        ..ServerConfig::new(db.url.clone())
    })
    .await;
    let new_token = rotated.running.generated_token.clone().expect("rotation generates a token");
    assert_ne!(new_token, token);
    assert_eq!(put_team(&rotated, token).await, StatusCode::UNAUTHORIZED);
    assert!(put_team(&rotated, new_token).await.is_success());
    rotated.stop().await;
}

async fn event_and_schedule_writes(db: &TestDb) {
    let server = db.start().await;
    let event = json!({
        "version": 1, "id": "dc", "name": "행사 DevCon", "time_zone": "Asia/Seoul",
        "start_date": "2026-12-03", "end_date": "2026-12-04", "venue": "COEX",
        "tracks": [{"id": "web", "name": "Web", "color": "#3DDBD9"}],
        "rooms": [{"id": "r1", "name": "Room 1", "short_name": "1"}]
    });
    let (status, _) = server.admin(Method::PUT, "/api/v1/admin/event", Some(event.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let served: EventInfo = server.get_json("/api/v1/event").await;
    assert_eq!(serde_json::to_value(&served).unwrap(), event);
    let mut bad_zone = event.clone();
    bad_zone["time_zone"] = json!("Mars/Olympus");
    let (status, body) = server.admin(Method::PUT, "/api/v1/admin/event", Some(bad_zone)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("Mars/Olympus"));

    let schedule = json!({"version": 1, "sessions": [
        session("b", "2026-12-03T11:00:00+09:00", "2026-12-03T11:40:00+09:00"),
        session("a", "2026-12-03T10:00:00+09:00", "2026-12-03T10:40:00+09:00"),
    ]});
    let (status, _) = server.admin(Method::PUT, "/api/v1/admin/schedule", Some(schedule)).await;
    assert_eq!(status, StatusCode::OK);
    let ids = |s: &Schedule| s.sessions.iter().map(|x| x.id.as_str().to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(&server.get_json("/api/v1/schedule").await), ["a", "b"], "ordered by start");

    let (status, added) = server
        .admin(
            Method::POST,
            "/api/v1/admin/sessions",
            Some(session("c", "2026-12-03T09:00:00+09:00", "2026-12-03T09:30:00+09:00")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(added["id"], "c");
    let (status, body) = server
        .admin(
            Method::POST,
            "/api/v1/admin/sessions",
            Some(session("c", "2026-12-03T09:00:00+09:00", "2026-12-03T09:30:00+09:00")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    api_error(&body, "already_exists");
    assert_eq!(ids(&server.get_json("/api/v1/schedule").await), ["c", "a", "b"]);

    // Move `c` to the afternoon and out of its room: its length is kept.
    let (status, moved) = server
        .admin(
            Method::PATCH,
            "/api/v1/admin/sessions/c",
            Some(json!({"start": "2026-12-03T15:00:00+09:00", "room": null})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moved["end"], "2026-12-03T15:30:00+09:00");
    assert_eq!(moved["room"], Value::Null);
    assert_eq!(ids(&server.get_json("/api/v1/schedule").await), ["a", "b", "c"]);
    let (status, body) = server
        .admin(
            Method::PATCH,
            "/api/v1/admin/sessions/c",
            Some(json!({"end": "2026-12-03T14:00:00+09:00"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "ends before it starts");
    assert!(api_error(&body, "invalid_body").contains("end after"));

    let (status, cancelled) = server.admin(Method::POST, "/api/v1/admin/sessions/a/cancel", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cancelled["cancelled"], true);
    let schedule: Schedule = server.get_json("/api/v1/schedule").await;
    assert!(schedule.sessions.iter().find(|s| s.id == "a").unwrap().cancelled);

    let (status, body) = server.admin(Method::DELETE, "/api/v1/admin/sessions/b", None).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    for (method, path) in [
        (Method::DELETE, "/api/v1/admin/sessions/b"),
        (Method::POST, "/api/v1/admin/sessions/nope/cancel"),
        (Method::PATCH, "/api/v1/admin/sessions/nope"),
    ] {
        let (status, body) = server.admin(method, path, Some(json!({}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        api_error(&body, "not_found");
    }
    assert_eq!(ids(&server.get_json("/api/v1/schedule").await), ["a", "c"]);
    server.stop().await;
}

async fn pretalx_upload_replaces_the_schedule_and_fills_the_event(db: &TestDb) {
    let server = db.start().await;
    let response = server
        .client
        .put(server.url("/api/v1/admin/schedule"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "application/json")
        .body(PRETALX)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let schedule: Schedule = server.get_json("/api/v1/schedule").await;
    assert_eq!(schedule.sessions.len(), 14);
    let event: EventInfo = server.get_json("/api/v1/event").await;
    assert_eq!(event.name, "Datenfest Berlin 2025");
    assert_eq!(event.time_zone, "Europe/Berlin");
    for s in &schedule.sessions {
        assert!(event.rooms.iter().any(|r| Some(&r.id) == s.room.as_ref()), "room of {}", s.id);
    }
    // A broken export is refused and changes nothing.
    let (status, body) = server
        .admin(
            Method::PUT,
            "/api/v1/admin/schedule",
            Some(json!({"schedule": {"conference": {"title": "x"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("days"));
    assert_eq!(server.get_json::<Schedule>("/api/v1/schedule").await, schedule);
    server.stop().await;
}

async fn put_raw(server: &Server, path: &str, body: &[u8]) -> (StatusCode, Value) {
    let request = server
        .client
        .put(server.url(path))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_vec());
    read(request.send().await.unwrap()).await
}

/// Issue #18: the CCC hub's schedule JSON v2 (a flat `events` list) used to be taken as an empty
/// schedule and wiped the real one.
async fn a_hub_v2_export_is_imported_and_no_upload_empties_the_schedule(db: &TestDb) {
    let server = db.start_sample().await;
    let sample: Schedule = server.get_json("/api/v1/schedule").await;
    assert!(!sample.sessions.is_empty());

    // Anything that decodes to no session is refused and changes nothing.
    let mut no_events: Value = serde_json::from_slice(HUB_V2).unwrap();
    no_events["schedule"]["events"] = json!([]);
    let (status, body) = put_raw(&server, "/api/v1/admin/schedule", &serde_json::to_vec(&no_events).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(api_error(&body, "invalid_body").contains("holds no session"), "{body}");
    let (status, body) = server
        .admin(Method::PUT, "/api/v1/admin/schedule", Some(json!({"version": 1, "sessions": []})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        api_error(&body, "empty_schedule").contains("DELETE /api/v1/admin/schedule"),
        "{body}"
    );
    assert_eq!(server.get_json::<Schedule>("/api/v1/schedule").await, sample);

    let (status, body) = put_raw(&server, "/api/v1/admin/schedule", HUB_V2).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let schedule: Schedule = server.get_json("/api/v1/schedule").await;
    assert_eq!(schedule.sessions.len(), 6);
    let side = schedule.sessions.iter().find(|s| s.title == "Seitenkanäle im Alltag").unwrap();
    assert_eq!((side.room.as_deref(), side.track.as_deref()), (Some("saal-1"), Some("security")));
    let event: EventInfo = server.get_json("/api/v1/event").await;
    for s in &schedule.sessions {
        assert!(event.rooms.iter().any(|r| Some(&r.id) == s.room.as_ref()), "room of {}", s.id);
    }

    // The clear is its own action; after it an empty upload has nothing to lose.
    let (status, body) = server.admin(Method::DELETE, "/api/v1/admin/schedule", None).await;
    assert_eq!((status, &body["removed"]), (StatusCode::OK, &json!(6)));
    assert!(server.get_json::<Schedule>("/api/v1/schedule").await.sessions.is_empty());
    let (status, _) = server
        .admin(Method::PUT, "/api/v1/admin/schedule", Some(json!({"version": 1, "sessions": []})))
        .await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}

/// Issue #18: a pretalx import beside a stored event brings its time zone, rooms and tracks in line.
async fn an_import_brings_the_event_in_line(db: &TestDb) {
    let server = db.start_sample().await;
    let before: EventInfo = server.get_json("/api/v1/event").await;
    assert_eq!(before.time_zone, "Asia/Seoul");
    let (status, _) = put_raw(&server, "/api/v1/admin/schedule", PRETALX).await;
    assert_eq!(status, StatusCode::OK);
    let (_, imported) = venue_contract::pretalx::import_bytes(PRETALX).unwrap();
    let after: EventInfo = server.get_json("/api/v1/event").await;
    assert_eq!(after.time_zone, "Europe/Berlin", "the export's time zone");
    assert_eq!(
        (after.id.as_str(), after.name.as_str()),
        (before.id.as_str(), before.name.as_str()),
        "the organisers' name stays"
    );
    for room in &imported.rooms {
        assert!(
            after.rooms.iter().any(|r| r.id == room.id && r.name == room.name),
            "room {}",
            room.id
        );
    }
    for track in &imported.tracks {
        assert!(
            after.tracks.iter().any(|t| t.id == track.id && t.color == track.color),
            "track {}",
            track.id
        );
    }
    assert!(
        before.rooms.iter().all(|r| after.rooms.iter().any(|a| a.id == r.id)),
        "the event's own rooms are kept"
    );
    server.stop().await;
}

async fn messages_are_created_changed_and_expired(db: &TestDb) {
    let server = db.start().await;
    let (status, created) = server
        .admin(
            Method::POST,
            "/api/v1/admin/messages",
            Some(json!({"text": "Keynote moved to Hall B", "priority": "urgent", "expires": "2030-01-01T00:00:00+09:00"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("msg-"));
    let (status, _) = server
        .admin(
            Method::POST,
            "/api/v1/admin/messages",
            Some(json!({"id": "later", "text": "Party at 20:00", "starts": "2029-01-01T00:00:00Z", "expires": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = server
        .admin(
            Method::POST,
            "/api/v1/admin/messages",
            Some(json!({"id": "later", "text": "x", "expires": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    api_error(&body, "already_exists");

    let (status, changed) = server
        .admin(
            Method::PATCH,
            &format!("/api/v1/admin/messages/{id}"),
            Some(json!({"text": "Keynote moved to Hall C"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed["text"], "Keynote moved to Hall C");
    assert_eq!(changed["priority"], "urgent");

    for id in [id.as_str(), "later"] {
        let (status, expired) = server
            .admin(Method::POST, &format!("/api/v1/admin/messages/{id}/expire"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let expires = chrono::DateTime::parse_from_rfc3339(expired["expires"].as_str().unwrap()).unwrap();
        let starts = chrono::DateTime::parse_from_rfc3339(expired["starts"].as_str().unwrap()).unwrap();
        assert!(expires <= chrono::Utc::now() && starts < expires, "{expired}");
    }
    let messages: Messages = server.get_json("/api/v1/messages").await;
    assert_eq!(messages.messages.len(), 2);
    assert!(messages.messages.iter().all(|m| m.expires <= chrono::Utc::now()));
    let body = serde_json::to_vec(&messages).unwrap();
    decode(Endpoint::Messages, &body).expect("a kiosk accepts the expired messages");

    let (status, _) = server.admin(Method::POST, "/api/v1/admin/messages/nope/expire", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = server
        .admin(
            Method::POST,
            "/api/v1/admin/messages",
            Some(json!({"text": "x", "expires": "2000-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "expires before it starts");
    api_error(&body, "invalid_body");
    server.stop().await;
}

/// Only messages that have not ended count against the limit; a message can be deleted; ended ones
/// stay in the admin history for a week, then go.
async fn ended_messages_never_count_and_old_ones_are_pruned(db: &TestDb) {
    let server = db.start().await;
    let now = chrono::Utc::now();
    let at = |hours: i64| (now + chrono::Duration::hours(hours)).to_rfc3339();
    let post = |id: String, starts: String, expires: String| {
        let server = &server;
        async move {
            server
                .admin(
                    Method::POST,
                    "/api/v1/admin/messages",
                    Some(json!({"id": id, "text": "Coffee in the lobby", "starts": starts, "expires": expires})),
                )
                .await
        }
    };
    // Ended 8 days ago: stored, and pruned by the next write.
    assert_eq!(post("ancient".into(), at(-24 * 8 - 1), at(-24 * 8)).await.0, StatusCode::CREATED);
    for i in 0..MAX_LIVE {
        let (status, body) = post(format!("live-{i}"), at(-1), at(2)).await;
        assert_eq!(status, StatusCode::CREATED, "{i}: {body}");
    }
    let (status, body) = post("one-too-many".into(), at(-1), at(2)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(api_error(&body, "invalid_body").contains("the limit is 500"), "{body}");
    let history: Value = server.admin(Method::GET, "/api/v1/admin/messages", None).await.1;
    let ids: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), MAX_LIVE, "the week-old message was pruned");
    assert!(!ids.contains(&"ancient"));

    // An ended message (expired now, or deleted) makes room.
    let (status, _) = server.admin(Method::POST, "/api/v1/admin/messages/live-0/expire", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(post("room-made".into(), at(-1), at(2)).await.0, StatusCode::CREATED);
    let (status, _) = server.admin(Method::DELETE, "/api/v1/admin/messages/live-1", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.admin(Method::DELETE, "/api/v1/admin/messages/live-1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(post("room-made-2".into(), at(-1), at(2)).await.0, StatusCode::CREATED);
    let messages: Messages = server.get_json("/api/v1/messages").await;
    assert!(
        messages.messages.iter().all(|m| m.id != "live-1"),
        "a deleted message leaves every screen"
    );
    assert!(
        messages.messages.iter().any(|m| m.id == "live-0"),
        "one that just ended is still served a little"
    );
    // The history is the organisers' (ended and future messages): admin only.
    let response = server.get("/api/v1/admin/messages").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

/// A long event posts many messages, each for a while; the server keeps taking them and the
/// kiosks' answer stays small (ended messages leave it).
async fn ten_thousand_messages_over_an_event_keep_working(db: &TestDb) {
    let _heavy = HEAVY.lock().await;
    let server = db.start().await;
    let now = chrono::Utc::now();
    for i in 0..10_000 {
        // Spread over the last three days, each shown for ten minutes; the last one shows now.
        let starts = now - chrono::Duration::minutes(4_000 - i64::from(i) * 4 / 10);
        let expires = starts + chrono::Duration::minutes(10);
        let (status, body) = server
            .admin(
                Method::POST,
                "/api/v1/admin/messages",
                Some(json!({"id": format!("m{i}"), "text": "Next talk in 5 min", "starts": starts.to_rfc3339(), "expires": expires.to_rfc3339()})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "message {i}: {body}");
    }
    let messages: Messages = server.get_json("/api/v1/messages").await;
    assert!(messages.messages.len() < 100, "{} messages served", messages.messages.len());
    assert!(messages.messages.iter().any(|m| m.id == "m9999"));
    let history: Value = server.admin(Method::GET, "/api/v1/admin/messages", None).await.1;
    assert_eq!(history["messages"].as_array().unwrap().len(), 10_000);
    server.stop().await;
}

/// A named kiosk token posts results and is refused (403) on every admin route; a revoked one is
/// refused (401); a staff token posts no results; a named admin token does admin work.
async fn kiosk_tokens_post_results_and_nothing_else(db: &TestDb) {
    let server = db.start_sample().await;
    let issue = |name: &'static str, scope: &'static str| {
        let server = &server;
        async move {
            let (status, body) = server
                .admin(Method::POST, "/api/v1/admin/tokens", Some(json!({"name": name, "scope": scope})))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            assert_eq!(body["scope"], scope);
            body["token"].as_str().unwrap().to_owned()
        }
    };
    let kiosk = issue("stage-left", "kiosk").await;
    let staff = issue("door-staff", "staff").await;
    let organiser = issue("organiser-phone", "admin").await;
    assert_eq!(kiosk.len(), 64);
    let (status, body) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tokens",
            Some(json!({"name": "stage-left", "scope": "kiosk"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = server
        .admin(Method::POST, "/api/v1/admin/tokens", Some(json!({"name": "root", "scope": "root"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, listed) = server.admin(Method::GET, "/api/v1/admin/tokens", None).await;
    let listed = listed.to_string();
    assert!(listed.contains("stage-left") && listed.contains("\"kiosk\""), "{listed}");
    assert!(
        !listed.contains(&kiosk) && !listed.contains("hash"),
        "the list never shows a token: {listed}"
    );

    let call = |method: Method, path: &str, token: &str, body: Value| {
        // Result posts need an idempotency key; the admin routes ignore it.
        let request = server
            .client
            .request(method, server.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", "draw-coffee-1-3f1c9a0e")
            .with_json(&body);
        async move { read(request.send().await.unwrap()).await }
    };
    let before = all_bodies(&server).await;
    for (method, path) in ADMIN_ROUTES {
        let (status, body) = call(method.clone(), path, &kiosk, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "kiosk token on {method} {path}: {body}");
        api_error(&body, "forbidden");
    }
    assert_eq!(all_bodies(&server).await, before, "refused calls changed nothing");

    let result = draw_result("coffee", 1, &[1000]);
    let commitment = json!({"version": 1, "seed_commitment": result["seed_commitment"]});
    let (status, body) = call(Method::POST, "/api/v1/draw/commitments", &staff, commitment.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a staff token registers no commitments: {body}");
    let (status, body) = call(Method::POST, "/api/v1/draw/commitments", &kiosk, commitment).await;
    assert_eq!(status, StatusCode::CREATED, "a kiosk token registers commitments: {body}");
    let (status, body) = call(Method::POST, "/api/v1/draw/results", &staff, result.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a staff token posts no results: {body}");
    let (status, body) = call(Method::POST, "/api/v1/draw/results", &kiosk, result.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "a kiosk token posts results: {body}");
    let (status, body) = call(Method::POST, "/api/v1/admin/messages/wifi/expire", &organiser, json!(null)).await;
    assert_eq!(status, StatusCode::OK, "a named admin token does admin work: {body}");

    let (status, _) = server.admin(Method::DELETE, "/api/v1/admin/tokens/stage-left", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.admin(Method::DELETE, "/api/v1/admin/tokens/stage-left", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = call(Method::POST, "/api/v1/draw/results", &kiosk, draw_result("coffee", 2, &[1001])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked token is refused at once: {body}");
    server.stop().await;
}

fn heartbeat(kiosk_id: &str, screen: &str, sent_at: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "version": 1, "kiosk_id": kiosk_id, "screen": screen, "room": null, "app_version": "0.1.0",
        "feed_revision": "e3-s7-m12-d2-g1", "fps": 58.5, "memory_mib": 312, "connection": "live",
        "sent_at": sent_at.to_rfc3339()
    })
}

/// Screens report with a kiosk token; the organisers see each one with its clock skew, and one that
/// has gone quiet is flagged.
async fn heartbeats_show_every_screen_and_flag_silent_ones(db: &TestDb) {
    let server = db.start().await;
    let (_, issued) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tokens",
            Some(json!({"name": "hall-a", "scope": "kiosk"})),
        )
        .await;
    let kiosk = issued["token"].as_str().unwrap().to_owned();
    let (_, issued) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tokens",
            Some(json!({"name": "door", "scope": "staff"})),
        )
        .await;
    let staff = issued["token"].as_str().unwrap().to_owned();
    let beat = |token: Option<String>, body: Value| {
        let mut request = server.client.post(server.url("/api/v1/kiosks/heartbeat")).with_json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { read(request.send().await.unwrap()).await }
    };
    let now = chrono::Utc::now();
    // This kiosk's clock runs 5 s ahead.
    let (status, body) = beat(
        Some(kiosk.clone()),
        heartbeat("hall-a-m0", "schedule", now + chrono::Duration::seconds(5)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = beat(Some(kiosk.clone()), heartbeat("stage", "draw", now)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, body) = beat(Some(kiosk.clone()), heartbeat("x", "slides", now)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let mut extra = heartbeat("x", "game", now);
    extra["colour"] = json!("red");
    let (status, body) = beat(Some(kiosk.clone()), extra).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown fields are refused: {body}");
    assert_eq!(beat(None, heartbeat("x", "game", now)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(beat(Some(staff), heartbeat("x", "game", now)).await.0, StatusCode::FORBIDDEN);

    // A screen last heard from a minute ago.
    let store = db::Store::connect(&db.url).await.unwrap();
    let quiet: venue_contract::wire::Heartbeat = serde_json::from_value(heartbeat("game-corner", "game", now)).unwrap();
    store.record_heartbeat(&quiet, now.timestamp_millis() - 60_000, 0).await.unwrap();

    let (status, listed) = server.admin(Method::GET, "/api/v1/admin/screens", None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let screens = listed["screens"].as_array().unwrap();
    let ids: Vec<&str> = screens.iter().map(|s| s["kiosk_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["game-corner", "hall-a-m0", "stage"]);
    let hall = &screens[1];
    assert_eq!(hall["screen"], "schedule");
    assert_eq!(hall["silent"], false, "{hall}");
    let skew = hall["clock_skew_ms"].as_i64().unwrap();
    assert!((3_000..=6_000).contains(&skew), "a clock 5 s ahead: {skew} ms");
    assert_eq!(screens[0]["silent"], true, "{}", screens[0]);
    assert!(screens[0]["silent_s"].as_i64().unwrap() >= 59);
    server.stop().await;
}

/// Reads a change stream until `want` shows, or fails after `within`; returns how long it took.
async fn wait_for_event(stream: &mut reqwest::Response, want: &str, within: Duration) -> Duration {
    let start = std::time::Instant::now();
    let mut seen = String::new();
    while !seen.contains(want) {
        let left = within
            .checked_sub(start.elapsed())
            .unwrap_or_else(|| panic!("no `{want}` within {within:?}: {seen:?}"));
        match tokio::time::timeout(left, stream.chunk()).await {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(other) => panic!("the stream ended ({other:?}) before `{want}`: {seen:?}"),
            Err(_) => panic!("no `{want}` within {within:?}: {seen:?}"),
        }
    }
    start.elapsed()
}

/// A subscriber hears of a change at once: on the instance that took the write, and on PostgreSQL
/// on another instance of the same database too. Stopping the server ends open streams.
async fn changes_are_pushed_to_subscribers_at_once(db: &TestDb) {
    let a = db.start().await;
    let b = if db.postgres.is_some() { Some(db.start().await) } else { None };
    let subscribe = |server: &Server| {
        let request = server.client.get(server.url("/api/v1/stream"));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream"));
            response
        }
    };
    let mut on_a = subscribe(&a).await;
    let mut on_b = match &b {
        Some(b) => Some(subscribe(b).await),
        None => None,
    };
    let (status, _) = a
        .admin(
            Method::POST,
            "/api/v1/admin/messages",
            Some(json!({"text": "Fire drill at 14:00", "priority": "urgent", "expires": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let took = wait_for_event(&mut on_a, "event: changed\ndata: messages", Duration::from_secs(1)).await;
    eprintln!("push on the same instance: {took:?}");
    if let Some(on_b) = on_b.as_mut() {
        let took = wait_for_event(on_b, "data: messages", Duration::from_secs(1)).await;
        eprintln!("push to another instance: {took:?}");
    }
    // Shutdown is not held up by open streams.
    tokio::time::timeout(Duration::from_secs(5), a.stop())
        .await
        .expect("stopped with a stream open");
    if let Some(b) = b {
        tokio::time::timeout(Duration::from_secs(5), b.stop())
            .await
            .expect("stopped with a stream open");
    }
}

async fn eligibility_groups_are_stored_checked_and_served(db: &TestDb) {
    let server = db.start().await;
    // Prize groups are put in normal form (trimmed, lowercase, sorted, unique).
    let prize = json!({"name": "TV", "winner_count": 2, "order": 1, "excluded_groups": ["Staff", "speaker", "staff"]});
    let (status, stored) = server.admin(Method::PUT, "/api/v1/admin/prizes/tv", Some(prize)).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["excluded_groups"], json!(["speaker", "staff"]));
    assert!(stored.get("eligible_groups").is_none(), "empty lists are not sent: {stored}");
    let crew = json!({"name": "Crew mug", "winner_count": 1, "order": 2, "eligible_groups": ["staff"]});
    assert_eq!(
        server.admin(Method::PUT, "/api/v1/admin/prizes/crew", Some(crew)).await.0,
        StatusCode::CREATED
    );
    // Bad names, too many, and a group both eligible and excluded are refused and change nothing.
    for (bad, why) in [
        (
            json!({"name": "X", "winner_count": 1, "order": 3, "excluded_groups": ["st aff"]}),
            "st aff",
        ),
        (
            json!({"name": "X", "winner_count": 1, "order": 3, "eligible_groups": ["a@b.c"]}),
            "a@b.c",
        ),
        (
            json!({"name": "X", "winner_count": 1, "order": 3, "eligible_groups": ["vip"], "excluded_groups": ["VIP"]}),
            "both eligible and excluded",
        ),
        (
            json!({"name": "X", "winner_count": 1, "order": 3, "excluded_groups": (0..17).map(|i| format!("g{i}")).collect::<Vec<_>>()}),
            "at most 16",
        ),
    ] {
        let (status, body) = server.admin(Method::PUT, "/api/v1/admin/prizes/x", Some(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(api_error(&body, "invalid_body").contains(why), "{body}");
    }
    // Tickets: groups in JSON and by a header-named CSV column; none for old-style uploads.
    let (status, _) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tickets",
            Some(json!([{"number": 1, "display_name": "A*", "holder": "h-1", "groups": ["Staff"]}, {"number": 2, "display_name": "B*", "holder": "h-2"}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = "groups,number,holder,name\n\"speaker; sponsor\",3,h-3,C*\n,4,h-4,D*\n";
    let response = server
        .client
        .post(server.url("/api/v1/admin/tickets"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "text/csv; charset=utf-8")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(read(response).await.0, StatusCode::OK);
    let (status, body) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tickets",
            Some(json!({"number": 5, "display_name": "E*", "holder": "h-5", "groups": ["bad group!"]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("ticket 5 groups"), "{body}");

    let draw: DrawData = server.get_json("/api/v1/draw").await;
    let groups: Vec<(u32, Vec<String>)> = draw.tickets.iter().map(|t| (t.number, t.groups.clone())).collect();
    assert_eq!(
        groups,
        [
            (1, vec!["staff".to_owned()]),
            (2, vec![]),
            (3, vec!["speaker".to_owned(), "sponsor".to_owned()]),
            (4, vec![])
        ]
    );
    assert_eq!(draw.prizes[0].excluded_groups, ["speaker", "staff"]);
    assert_eq!(draw.prizes[1].eligible_groups, ["staff"]);
    // Re-uploading a ticket without groups clears them; the raw feed names no group for it.
    let (status, _) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tickets",
            Some(json!({"number": 1, "display_name": "A*", "holder": "h-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let raw: Value = server.get_json("/api/v1/draw").await;
    assert_eq!(raw["tickets"][0], json!({"number": 1, "display_name": "A*", "holder": "h-1"}));
    assert_eq!(raw["tickets"][2]["groups"], json!(["speaker", "sponsor"]));
}

async fn prizes_tickets_teams_and_rounds(db: &TestDb) {
    let server = db.start().await;
    let prize = json!({"name": "Coffee", "winner_count": 20, "order": 2, "batch_size": 10, "allow_previous_winners": true});
    let (status, stored) = server.admin(Method::PUT, "/api/v1/admin/prizes/coffee", Some(prize.clone())).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(stored["id"], "coffee");
    let (status, _) = server.admin(Method::PUT, "/api/v1/admin/prizes/coffee", Some(prize)).await;
    assert_eq!(status, StatusCode::OK, "a replaced prize");
    let (status, _) = server
        .admin(
            Method::PUT,
            "/api/v1/admin/prizes/laptop",
            Some(json!({"id": "laptop", "name": "Laptop", "winner_count": 1, "order": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = server
        .admin(
            Method::PUT,
            "/api/v1/admin/prizes/gone",
            Some(json!({"name": "Gone", "winner_count": 1, "order": 9})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        server.admin(Method::DELETE, "/api/v1/admin/prizes/gone", None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.admin(Method::DELETE, "/api/v1/admin/prizes/gone", None).await.0,
        StatusCode::NOT_FOUND
    );

    // Tickets: one JSON object, a JSON array, then CSV that renames one of them.
    let (status, body) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tickets",
            Some(json!({"number": 1001, "display_name": "김*수", "holder": "h-1"})),
        )
        .await;
    assert_eq!((status, body["upserted"].clone()), (StatusCode::OK, json!(1)));
    let (status, _) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tickets",
            Some(json!([{"number": 1002, "display_name": "J*** D.", "holder": "h-2"}, {"number": 1003, "display_name": "A*", "holder": "h-2"}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = "number,display_name,holder\n1003,\"Kim, A*\",h-3\n1004,B*,h-4\n";
    let response = server
        .client
        .post(server.url("/api/v1/admin/tickets"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "text/csv; charset=utf-8")
        .body(csv)
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!((status, body["upserted"].clone()), (StatusCode::OK, json!(2)));
    assert_eq!(
        server.admin(Method::DELETE, "/api/v1/admin/tickets/1002", None).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = server.admin(Method::DELETE, "/api/v1/admin/tickets/12x", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "invalid_body");

    let draw: DrawData = server.get_json("/api/v1/draw").await;
    assert_eq!(
        draw.prizes.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["laptop", "coffee"],
        "in draw order"
    );
    assert_eq!(draw.prizes[1].batch_size, Some(10));
    let tickets: Vec<_> = draw
        .tickets
        .iter()
        .map(|t| (t.number, t.display_name.as_str(), t.holder.as_str()))
        .collect();
    assert_eq!(tickets, [(1001, "김*수", "h-1"), (1003, "Kim, A*", "h-3"), (1004, "B*", "h-4")]);

    for (id, name) in [("nebula", "Team Nebula"), ("aurora", "Team Aurora"), ("comet", "Team Comet")] {
        let (status, _) = server
            .admin(
                Method::PUT,
                &format!("/api/v1/admin/teams/{id}"),
                Some(json!({"name": name, "color": "#38BDF8", "key": "KeyA"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = server
        .admin(
            Method::PUT,
            "/api/v1/admin/teams/nebula",
            Some(json!({"name": "Nebula!", "color": "#38bdf8"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        server.admin(Method::DELETE, "/api/v1/admin/teams/aurora", None).await.0,
        StatusCode::NO_CONTENT
    );
    let rounds = json!([
        {"index": 1, "name": "Warm-up", "weight": 1.0, "speed": 1.5, "pieces": 6, "difficulty": 0.0},
        {"index": 2, "name": "Final", "weight": 2.0, "speed": 2.5, "pieces": 10, "difficulty": 7.5}
    ]);
    let (status, _) = server.admin(Method::PUT, "/api/v1/admin/game/rounds", Some(rounds)).await;
    assert_eq!(status, StatusCode::OK);
    let game: GameData = server.get_json("/api/v1/game").await;
    assert_eq!(
        game.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Nebula!", "Team Comet"],
        "kept in order"
    );
    assert_eq!(game.teams[0].key, None);
    assert_eq!(game.rounds.len(), 2);
    let (status, body) = server
        .admin(
            Method::PUT,
            "/api/v1/admin/game/rounds",
            Some(json!([{"index": 1, "name": "x", "weight": 0.0, "speed": 1.0, "pieces": 1, "difficulty": 0.0}])),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("weight"));
    for endpoint in [Endpoint::Draw, Endpoint::Game] {
        let body = server.get(&format!("/{}", endpoint.path())).await.bytes().await.unwrap();
        decode(endpoint, &body).unwrap_or_else(|e| panic!("a kiosk refuses {endpoint}: {e}"));
    }
    server.stop().await;
}

async fn write_bodies_are_strict(db: &TestDb) {
    let server = db.start().await;
    let (status, body) = server
        .admin(
            Method::PUT,
            "/api/v1/admin/prizes/p",
            Some(json!({"name": "P", "winner_count": 1, "order": 1, "colour": "red"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("unknown field `colour`"));
    let (status, body) = server
        .admin(
            Method::PUT,
            "/api/v1/admin/schedule",
            Some(
                json!({"version": 1, "sessions": [{"id": "s", "title": "T", "start": "2026-12-03T10:00:00+09:00",
                "end": "2026-12-03T11:00:00+09:00", "kind": "talk", "speaker": ["typo"]}]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("`sessions[0].speaker`"));
    let (status, body) = server
        .admin(Method::PATCH, "/api/v1/admin/sessions/s", Some(json!({"titel": "x"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("titel"));
    let (status, body) = server
        .admin(Method::PUT, "/api/v1/admin/prizes/p", Some(json!({"name": "P", "order": 1})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("winner_count"));
    let (status, body) = server
        .admin(
            Method::PUT,
            "/api/v1/admin/prizes/p",
            Some(json!({"id": "q", "name": "P", "winner_count": 1, "order": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "invalid_body");
    let (status, body) = server
        .admin(Method::PUT, "/api/v1/admin/schedule", Some(json!({"version": 2, "sessions": []})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "unsupported_version");
    let (status, body) = server
        .admin(Method::PUT, "/api/v1/admin/teams/t", Some(json!({"name": "T", "color": "red"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("#RRGGBB"));
    let long_title = "x".repeat(501);
    let (status, body) = server
        .admin(
            Method::POST,
            "/api/v1/admin/sessions",
            Some(json!({"id": "s", "title": long_title, "start": "2026-12-03T10:00:00+09:00",
            "end": "2026-12-03T11:00:00+09:00", "kind": "talk"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("longer than 500"));
    let response = server
        .client
        .put(server.url("/api/v1/admin/event"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "application/json")
        .body("{\"version\": 1,")
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "malformed_json");
    let draw: DrawData = server.get_json("/api/v1/draw").await;
    assert!(draw.prizes.is_empty() && draw.tickets.is_empty(), "nothing refused was stored");
    server.stop().await;
}

async fn bodies_over_the_limit_are_refused(db: &TestDb) {
    let _heavy = HEAVY.lock().await;
    let server = db.start().await;
    let huge_name = "x".repeat(300 * 1024);
    let (status, body) = server
        .admin(
            Method::PUT,
            "/api/v1/admin/prizes/p",
            Some(json!({"name": huge_name, "winner_count": 1, "order": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    api_error(&body, "payload_too_large");
    let big_result = draw_result("p", 1, &(100_000..160_000).collect::<Vec<u32>>());
    let (status, body) = server
        .post_result("/api/v1/draw/results", Some("draw-p-1-3f1c9a0e5b7d2c48"), &big_result)
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    api_error(&body, "payload_too_large");
    let huge_csv = "1,A*,h\n".repeat(1_300_000); // 9.1 MB
    let response = server
        .client
        .post(server.url("/api/v1/admin/tickets"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "text/csv")
        .body(huge_csv)
        .send()
        .await
        .unwrap();
    // The server answers as soon as the limit is passed and closes while the client still sends; on
    // a busy machine the close can reset the connection before the answer's body is read (hyper does
    // no lingering close). The status line has arrived either way; the body, when it arrives, is the
    // contract's error.
    let status = response.status();
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    if let Ok(bytes) = response.bytes().await {
        api_error(&serde_json::from_slice(&bytes).unwrap(), "payload_too_large");
    }

    // A big pool (1.2 MB CSV, 30 000 tickets) is within the bulk limit.
    let mut csv = String::from("number,display_name,holder\n");
    for n in 0..30_000 {
        csv.push_str(&format!("{n},\"참가자 {n}*\",holder-token-{:08x}\n", n * 7919));
    }
    let response = server
        .client
        .post(server.url("/api/v1/admin/tickets"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!((status, body["upserted"].clone()), (StatusCode::OK, json!(30_000)));
    let draw: DrawData = server.get_json("/api/v1/draw").await;
    assert_eq!(draw.tickets.len(), 30_000);
    server.stop().await;
}

async fn draw_results_follow_the_post_semantics(db: &TestDb) {
    let server = db.start().await;
    let path = "/api/v1/draw/results";
    let key = "draw-coffee-1-3f1c9a0e5b7d2c48";
    let result = draw_result("coffee", 1, &[4821, 1377, 9050]);

    let (status, body) = server.post_result(path, None, &result).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "missing_idempotency_key");
    let (status, body) = read(
        server
            .client
            .post(server.url(path))
            .with_json(&result)
            .header("Idempotency-Key", key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    api_error(&body, "unauthorized");

    let (status, body) = server.post_result(path, Some(key), &result).await;
    assert_eq!((status, &body), (StatusCode::CREATED, &result));
    // A retry: same JSON value with other key order and whitespace.
    let reordered = format!(
        "  {{ \"winners\" : [4821, 1377, 9050], {} ",
        &serde_json::to_string(&result).unwrap()[1..]
    );
    let response = server
        .client
        .post(server.url(path))
        .bearer_auth(TOKEN)
        .header("Idempotency-Key", key)
        .header(CONTENT_TYPE, "application/json")
        .body(reordered)
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!((status, &body), (StatusCode::OK, &result));

    // Same key, different winners: 409 with the stored result.
    let other = draw_result("coffee", 1, &[1, 2, 3]);
    let (status, body) = server.post_result(path, Some(key), &other).await;
    assert_eq!((status, &body), (StatusCode::CONFLICT, &result));
    // Another key for the same decided batch: refused too; the same winners count as a retry.
    let (status, body) = server.post_result(path, Some("draw-coffee-1-aaaaaaaaaaaaaaaa"), &other).await;
    assert_eq!((status, &body), (StatusCode::CONFLICT, &result));
    let (status, body) = server.post_result(path, Some("draw-coffee-1-bbbbbbbbbbbbbbbb"), &result).await;
    assert_eq!((status, &body), (StatusCode::OK, &result));
    // The next batch is a new result.
    let (status, _) = server
        .post_result(path, Some("draw-coffee-2-3f1c9a0e5b7d2c48"), &draw_result("coffee", 2, &[7]))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let mut bad_version = result.clone();
    bad_version["version"] = json!(2);
    let (status, body) = server.post_result(path, Some("k-v2"), &bad_version).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "unsupported_version");
    let mut missing = result.clone();
    missing.as_object_mut().unwrap().remove("seed");
    let (status, body) = server.post_result(path, Some("k-missing"), &missing).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("seed"));
    let mut extra = draw_result("coffee", 9, &[5]);
    extra["note"] = json!("x");
    let (status, body) = server.post_result(path, Some("k-extra"), &extra).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("unknown field `note`"));
    let (status, body) = server.post_result(path, Some("has space"), &draw_result("coffee", 9, &[5])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "invalid_idempotency_key");
    let response = server
        .client
        .post(server.url(path))
        .bearer_auth(TOKEN)
        .header("Idempotency-Key", "k-broken")
        .body("not json")
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "malformed_json");
    // Nothing refused was stored: batch 9 is still free.
    let (status, _) = server.post_result(path, Some("k-extra"), &draw_result("coffee", 9, &[5])).await;
    assert_eq!(status, StatusCode::CREATED);
    server.stop().await;
}

async fn game_results_follow_the_post_semantics(db: &TestDb) {
    let server = db.start().await;
    let path = "/api/v1/game/results";
    let result = game_result("g-1", 2, 1350);
    let (status, body) = server.post_result(path, None, &result).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api_error(&body, "missing_idempotency_key");
    assert_eq!(
        server.post_result(path, Some("game-g-1-2"), &result).await,
        (StatusCode::CREATED, result.clone())
    );
    assert_eq!(
        server.post_result(path, Some("game-g-1-2"), &result).await,
        (StatusCode::OK, result.clone())
    );
    let other = game_result("g-1", 2, 9999);
    assert_eq!(
        server.post_result(path, Some("game-g-1-2"), &other).await,
        (StatusCode::CONFLICT, result.clone())
    );
    assert_eq!(
        server.post_result(path, Some("game-g-1-2-again"), &other).await,
        (StatusCode::CONFLICT, result.clone())
    );
    assert_eq!(
        server.post_result(path, Some("game-g-1-3"), &game_result("g-1", 3, 10)).await.0,
        StatusCode::CREATED
    );
    let mut twice = result.clone();
    twice["scores"][1]["team_id"] = json!("nebula");
    let (status, body) = server.post_result(path, Some("game-g-2-1"), &twice).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api_error(&body, "invalid_body").contains("twice"));
    server.stop().await;
}

/// `tasks` posts of results for one batch at once, half under its key and half under keys of
/// their own, every one with different winners: exactly one is stored.
async fn race_one_batch(servers: &[&Server], tasks: usize) -> (Value, Vec<(StatusCode, Value)>) {
    servers[0]
        .register(draw_result("tv", 1, &[1])["seed_commitment"].as_str().unwrap())
        .await;
    let mut handles = Vec::new();
    for i in 0..tasks {
        let server = servers[i % servers.len()];
        let (client, url) = (server.client.clone(), server.url("/api/v1/draw/results"));
        let key = if i % 2 == 0 {
            "draw-tv-1-3f1c9a0e5b7d2c48".to_owned()
        } else {
            format!("draw-tv-1-{i:016x}")
        };
        let body = draw_result("tv", 1, &[i as u32 + 1]);
        handles.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(TOKEN)
                .header("Idempotency-Key", key)
                .with_json(&body)
                .send()
                .await
                .unwrap();
            (read(response).await, body)
        }));
    }
    let mut outcomes = Vec::new();
    let mut stored = None;
    for handle in handles {
        let ((status, answer), sent) = handle.await.unwrap();
        if status == StatusCode::CREATED {
            assert_eq!(answer, sent);
            assert!(stored.replace(sent).is_none(), "two results stored for one batch");
        }
        outcomes.push((status, answer));
    }
    let stored = stored.expect("one result stored");
    for (status, answer) in &outcomes {
        assert!([StatusCode::CREATED, StatusCode::CONFLICT].contains(status), "{status}: {answer}");
        assert_eq!(answer, &stored, "every answer carries the stored result");
    }
    (stored, outcomes)
}

async fn concurrent_posts_of_one_batch_store_exactly_one(db: &TestDb) {
    let server = db.start().await;
    let (stored, _) = race_one_batch(&[&server], 32).await;
    // The same body again (any key) is a retry.
    let (status, body) = server
        .post_result("/api/v1/draw/results", Some("draw-tv-1-3f1c9a0e5b7d2c48"), &stored)
        .await;
    assert_eq!((status, body), (StatusCode::OK, stored.clone()));

    // Retries of one result racing each other: one 201, the rest 200.
    let result = game_result("g-race", 1, 500);
    let server = Arc::new(server);
    let mut handles = Vec::new();
    for _ in 0..24 {
        let (server, result) = (server.clone(), result.clone());
        handles.push(tokio::spawn(async move {
            server.post_result("/api/v1/game/results", Some("game-g-race-1"), &result).await
        }));
    }
    let mut created = 0;
    for handle in handles {
        let (status, body) = handle.await.unwrap();
        assert_eq!(body, result);
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(created, 1);
    Arc::into_inner(server).unwrap().stop().await;
}

async fn two_instances_on_one_database_agree(db: &TestDb) {
    let a = db.start().await;
    let b = db.start().await;
    race_one_batch(&[&a, &b], 24).await;
    // A write through one instance reaches the other's readers within its recheck interval.
    let etag = b.get("/api/v1/game").await.headers()[ETAG].clone();
    let (status, _) = a
        .admin(
            Method::PUT,
            "/api/v1/admin/teams/nebula",
            Some(json!({"name": "Nebula", "color": "#38BDF8"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let deadline = std::time::Instant::now() + db::REVISION_RECHECK * 4;
    loop {
        let response = b
            .client
            .get(b.url("/api/v1/game"))
            .header(IF_NONE_MATCH, etag.clone())
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::OK {
            let game: GameData = parse(response).await;
            assert_eq!(game.teams.len(), 1);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "instance b never saw the write");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.stop().await;
    b.stop().await;
}

async fn data_survives_a_restart(db: &TestDb) {
    let server = db.start_sample().await;
    let (status, _) = server
        .admin(
            Method::POST,
            "/api/v1/admin/messages",
            Some(json!({"id": "m", "text": "Hello", "expires": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let result = draw_result("coffee", 1, &[1000, 1001]);
    assert_eq!(
        server.post_result("/api/v1/draw/results", Some("draw-coffee-1-x"), &result).await.0,
        StatusCode::CREATED
    );
    let before = all_bodies(&server).await;
    server.stop().await;

    // Started again with --sample: the database is not empty, so nothing is re-seeded.
    let server = db.start_sample().await;
    assert_eq!(all_bodies(&server).await, before);
    assert_eq!(
        server.post_result("/api/v1/draw/results", Some("draw-coffee-1-x"), &result).await.0,
        StatusCode::OK
    );
    let (status, body) = server
        .post_result("/api/v1/draw/results", Some("draw-coffee-1-y"), &draw_result("coffee", 1, &[5]))
        .await;
    assert_eq!((status, body), (StatusCode::CONFLICT, result));
    server.stop().await;
}

async fn shutdown_loses_no_acknowledged_result(db: &TestDb) {
    let server = db.start().await;
    let url = server.url("/api/v1/game/results");
    let mut handles = Vec::new();
    for i in 0..60u32 {
        let (client, url) = (client(true), url.clone());
        handles.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(u64::from(i % 20))).await;
            let body = game_result("g-shutdown", i, i64::from(i));
            let sent = client
                .post(url)
                .bearer_auth(TOKEN)
                .header("Idempotency-Key", format!("game-g-shutdown-{i}"))
                .with_json(&body)
                .send()
                .await;
            let status = match sent {
                Ok(response) => Some(response.status()),
                Err(_) => None, // refused or cut off by the shutdown
            };
            (i, body, status)
        }));
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    server.stop().await;
    let mut outcomes = Vec::new();
    for handle in handles {
        outcomes.push(handle.await.unwrap());
    }
    let acknowledged = outcomes.iter().filter(|o| o.2 == Some(StatusCode::CREATED)).count();
    assert!(
        outcomes.iter().all(|o| o.2.is_none() || o.2 == Some(StatusCode::CREATED)),
        "{outcomes:?}"
    );

    // After a restart, every acknowledged result is there (a retry is a 200), and the rest can still be posted.
    let server = db.start().await;
    for (i, body, status) in outcomes {
        let (again, stored) = server
            .post_result("/api/v1/game/results", Some(&format!("game-g-shutdown-{i}")), &body)
            .await;
        assert_eq!(stored, body);
        if status == Some(StatusCode::CREATED) {
            assert_eq!(again, StatusCode::OK, "acknowledged result {i} was lost");
        } else {
            assert!(again == StatusCode::CREATED || again == StatusCode::OK);
        }
    }
    eprintln!("{acknowledged} of 60 posts were acknowledged before the shutdown");
    server.stop().await;
}

async fn cors_is_off_unless_an_origin_is_given(db: &TestDb) {
    let origin = "https://admin.example.org";
    let server = db.start().await;
    let response = server
        .client
        .get(server.url("/api/v1/schedule"))
        .header("Origin", origin)
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("access-control-allow-origin").is_none());
    server.stop().await;

    let server = Server::start(ServerConfig {
        cors_origins: vec![origin.to_owned()],
        ..db.config()
    })
    .await;
    let response = server
        .client
        .get(server.url("/api/v1/schedule"))
        .header("Origin", origin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], origin);
    let preflight = server
        .client
        .request(Method::OPTIONS, server.url("/api/v1/admin/teams/x"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "PUT")
        .header("Access-Control-Request-Headers", "authorization, content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], origin);
    let other = server
        .client
        .get(server.url("/api/v1/schedule"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    server.stop().await;
}

async fn export_writes_winners_and_game_results(db: &TestDb) {
    let server = db.start_sample().await;
    let draw: DrawData = server.get_json("/api/v1/draw").await;
    let coffee = &draw.prizes.iter().find(|p| p.id == "coffee").unwrap().name;
    let winners = [draw.tickets[0].number, draw.tickets[1].number];
    assert_eq!(
        server
            .post_result("/api/v1/draw/results", Some("draw-coffee-1-x"), &draw_result("coffee", 1, &winners))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        server
            .post_result(
                "/api/v1/draw/results",
                Some("draw-macbook-air-1-x"),
                &draw_result("macbook-air", 1, &[draw.tickets[2].number])
            )
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        server
            .post_result("/api/v1/game/results", Some("g1"), &game_result("g-1", 1, 900))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        server
            .post_result("/api/v1/game/results", Some("g2"), &game_result("g-1", 2, 1350))
            .await
            .0,
        StatusCode::CREATED
    );
    let staff_out = json!({"name": coffee, "winner_count": 20, "order": 6, "excluded_groups": ["staff"]});
    assert_eq!(
        server.admin(Method::PUT, "/api/v1/admin/prizes/coffee", Some(staff_out)).await.0,
        StatusCode::OK
    );
    server.stop().await;

    let out = tempfile::tempdir().unwrap();
    let store = db::Store::connect(&db.url).await.unwrap();
    let written = export::write_exports(&store, out.path()).await.unwrap();
    store.close().await;
    assert_eq!(written.len(), 5);
    let csv = std::fs::read_to_string(out.path().join("winners.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "prize_id,prize_name,batch,position,ticket,display_name,holder,drawn_at,replaces,anchored"
    );
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("macbook-air,"), "prizes in draw order: {csv}");
    let first = &draw.tickets[0];
    assert!(
        lines[2].starts_with(&format!(
            "coffee,{coffee},1,1,{},{},{}",
            first.number, first.display_name, first.holder
        )),
        "{csv}"
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(out.path().join("winners.json")).unwrap()).unwrap();
    assert_eq!(json["draws"].as_array().unwrap().len(), 2);
    assert_eq!(json["draws"][1]["winners"][1]["ticket"], json!(winners[1]));
    let prizes = json["prizes"].as_array().unwrap();
    let coffee_export = prizes.iter().find(|p| p["prize_id"] == "coffee").unwrap();
    assert_eq!(
        coffee_export["excluded_groups"],
        json!(["staff"]),
        "the prize's groups are exported"
    );
    assert!(
        prizes
            .iter()
            .find(|p| p["prize_id"] == "macbook-air")
            .unwrap()
            .get("excluded_groups")
            .is_none()
    );
    let games = std::fs::read_to_string(out.path().join("game_results.csv")).unwrap();
    assert_eq!(games.lines().count(), 1 + 2 * 2);
    assert!(
        games.contains("g-1,2,nebula,Team Nebula,1350,2250,2026-12-04T12:41:05+09:00"),
        "{games}"
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(out.path().join("game_results.json")).unwrap()).unwrap();
    assert_eq!(json["games"][0]["rounds"].as_array().unwrap().len(), 2);
}

/// Issue #17: a no-show's replacement takes the prize in the export, the no-show is listed apart
/// with the reason, never more winners than the prize has, and a later ticket upload cannot
/// change who won. A replacement of nobody and a batch beyond the prize's winners are refused.
async fn exports_show_current_winners_after_a_no_show_and_a_ticket_reupload(db: &TestDb) {
    let server = db.start_sample().await;
    // The MacBook Air has 1 winner (sample); three tickets with known holders.
    let (status, _) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tickets",
            Some(json!([{"number": 91001, "display_name": "김*수", "holder": "h-kim"},
                        {"number": 91002, "display_name": "J*** D.", "holder": "h-jd"},
                        {"number": 91003, "display_name": "P*** K.", "holder": "h-pk"}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let draw: DrawData = server.get_json("/api/v1/draw").await;
    let air = draw.prizes.iter().find(|p| p.id == "macbook-air").unwrap();
    assert_eq!(air.winner_count, 1, "the sample's MacBook Air has one winner");
    let post = |key: &'static str, body: Value| {
        let server = &server;
        async move { server.post_result("/api/v1/draw/results", Some(key), &body).await }
    };
    assert_eq!(post("air-1", draw_result("macbook-air", 1, &[91001])).await.0, StatusCode::CREATED);
    // A second batch would give the prize two winners.
    let (status, body) = post("air-2", draw_result("macbook-air", 2, &[91002])).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("refused_result")),
        "{body}"
    );
    // Replacing somebody who did not win is refused; replacing the winner is fine, and repeats.
    let mut nobody = draw_result("macbook-air", 2, &[91003]);
    nobody["replaces"] = json!(91002);
    nobody["reason"] = json!("not in the hall");
    let (status, body) = post("air-r-x", nobody).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("not a current winner"), "{body}");
    let mut replacement = draw_result("macbook-air", 2, &[91003]);
    replacement["replaces"] = json!(91001);
    replacement["reason"] = json!("not in the hall · 부재");
    assert_eq!(post("air-r-2", replacement.clone()).await.0, StatusCode::CREATED);
    assert_eq!(
        post("air-r-2", replacement).await.0,
        StatusCode::OK,
        "a retry of a stored replacement"
    );
    // The tickets are uploaded again with other holders and names: who won does not change.
    let (status, _) = server
        .admin(
            Method::POST,
            "/api/v1/admin/tickets",
            Some(json!([{"number": 91001, "display_name": "X*", "holder": "h-other"},
                        {"number": 91003, "display_name": "Y*", "holder": "h-other2"}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;

    let store = db::Store::connect(&db.url).await.unwrap();
    let files: std::collections::HashMap<&str, String> = export::export_files(&store).await.unwrap().into_iter().collect();
    store.close().await;
    let winners: Vec<&str> = files["winners.csv"].lines().filter(|l| l.starts_with("macbook-air,")).collect();
    assert_eq!(winners.len(), 1, "one winner for a one-winner prize: {}", files["winners.csv"]);
    assert!(
        winners[0].contains(",91003,P*** K.,h-pk,") && winners[0].ends_with(",91001,NOT ANCHORED"),
        "{}",
        winners[0]
    );
    let replaced: Vec<&str> = files["replaced.csv"].lines().collect();
    assert_eq!(
        replaced[0],
        "prize_id,prize_name,ticket,display_name,holder,replaced_by,reason,batch,drawn_at"
    );
    assert_eq!(replaced.len(), 2, "{}", files["replaced.csv"]);
    assert!(
        replaced[1].contains(",91001,김*수,h-kim,91003,not in the hall · 부재,2,"),
        "{}",
        replaced[1]
    );
    let json: Value = serde_json::from_str(&files["winners.json"]).unwrap();
    let prize = json["prizes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["prize_id"] == "macbook-air")
        .unwrap();
    assert_eq!(prize["winners"].as_array().unwrap().len(), 1);
    assert_eq!(prize["winners"][0]["holder"], "h-pk");
    assert_eq!(prize["replaced"][0]["ticket"], 91001);
}

/// Issue #18: `venue-kiosk export` works on a database it may only read (no migration, no write).
/// The file is made read-only for everyone, root included (`chattr +i` where that works, else mode
/// `0444` in a `0555` folder).
#[test]
fn export_works_on_a_read_only_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("venue.sqlite");
    let url = db::database_url(file.to_str().unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let server = Server::start(ServerConfig {
            admin_token: Some(TOKEN.into()),
            seed_sample: true,
            ..ServerConfig::new(url.clone())
        })
        .await;
        let draw: DrawData = server.get_json("/api/v1/draw").await;
        let winners = [draw.tickets[0].number];
        let posted = server
            .post_result("/api/v1/draw/results", Some("ro-1"), &draw_result("coffee", 1, &winners))
            .await;
        assert_eq!(posted.0, StatusCode::CREATED);
        server.stop().await;
    });
    drop(runtime);
    let before = std::fs::read(&file).unwrap();

    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let immutable = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&file)
        .status()
        .is_ok_and(|s| s.success());
    /// Makes the file and folder writable again (also when the test fails) so they can be removed.
    struct Restore<'a>(&'a std::path::Path, &'a std::path::Path, bool);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            if self.2 {
                let _ = std::process::Command::new("chattr").arg("-i").arg(self.1).status();
            }
            let _ = std::fs::set_permissions(self.0, std::fs::Permissions::from_mode(0o755));
            let _ = std::fs::set_permissions(self.1, std::fs::Permissions::from_mode(0o644));
        }
    }
    let _restore = Restore(dir.path(), &file, immutable);
    if !immutable && std::fs::OpenOptions::new().append(true).open(&file).is_ok() {
        eprintln!("the file stays writable here (root without chattr): skipped");
        return;
    }

    let out = tempfile::tempdir().unwrap();
    venue_server::run_export(&venue_server::ExportArgs {
        db: Some(file.to_str().unwrap().to_string()),
        out: out.path().to_path_buf(),
    })
    .expect("export on a read-only database");
    let csv = std::fs::read_to_string(out.path().join("winners.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert_eq!(std::fs::read(&file).unwrap(), before, "not a byte written");
}

/// Issue #17, anchoring: a result whose commitment the server never registered is refused (a
/// forgery cannot be slipped in), an anchored one must carry the server's nonce and a seed that
/// hashes to the commitment, and one drawn without the server is kept but flagged NOT ANCHORED in
/// the export. Registrations hold across two instances on one database.
async fn draw_results_need_their_commitment_registered_before_the_draw(db: &TestDb) {
    use venue_rules::draw::engine::seed_commitment;
    let a = db.start_sample().await;
    let b = db.start().await;
    let post = |server: &Server, key: &str, body: Value| {
        let request = server
            .client
            .post(server.url("/api/v1/draw/results"))
            .bearer_auth(TOKEN)
            .header("Idempotency-Key", key.to_owned())
            .with_json(&body);
        async move { read(request.send().await.unwrap()).await }
    };
    let result = |seed: [u8; 32], prize: &str, nonce: Option<&str>, winners: &[u32]| {
        let mut body = json!({
            "version": 1, "prize_id": prize, "batch": 1,
            "seed_commitment": seed_commitment(&seed), "seed": hex::encode(seed),
            "tickets_hash": "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc",
            "algorithm": "chacha20-v1", "winners": winners, "drawn_at": "2026-12-04T17:32:10+09:00"
        });
        match nonce {
            Some(nonce) => body["server_nonce"] = json!(nonce),
            None => body["not_anchored"] = json!("the event server could not be reached"),
        }
        body
    };

    // A forged result: its commitment was never registered. Refused, nothing stored.
    let forged = result([66; 32], "macbook-air", Some(&"00".repeat(32)), &[1042]);
    let (status, body) = post(&a, "draw-macbook-air-1-forged", forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    api_error(&body, "unregistered_commitment");
    let unanchored_forgery = result([67; 32], "macbook-air", None, &[1042]);
    let (status, body) = post(&b, "draw-macbook-air-1-forged2", unanchored_forgery).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    api_error(&body, "unregistered_commitment");

    // Registration: once, whichever instance is asked, however often; all see one nonce.
    let seed = [1u8; 32];
    let commitment = seed_commitment(&seed);
    let mut handles = Vec::new();
    for i in 0..8 {
        let (client, url) = if i % 2 == 0 {
            (a.client.clone(), a.url("/api/v1/draw/commitments"))
        } else {
            (b.client.clone(), b.url("/api/v1/draw/commitments"))
        };
        let body = json!({"version": 1, "seed_commitment": commitment, "prize_id": "macbook-air"});
        handles.push(tokio::spawn(async move {
            read(client.post(url).bearer_auth(TOKEN).with_json(&body).send().await.unwrap()).await
        }));
    }
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(), 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, _)| *s == StatusCode::CREATED || *s == StatusCode::OK),
        "{answers:?}"
    );
    let nonce = answers[0].1["server_nonce"].as_str().unwrap().to_owned();
    assert_eq!(nonce.len(), 64);
    assert!(
        answers.iter().all(|(_, body)| body == &answers[0].1),
        "one nonce and time for all: {answers:?}"
    );
    let (status, body) = a.register("not hex").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // An anchored result with another nonce, or a seed that does not hash to the commitment.
    let (status, body) = post(
        &b,
        "draw-macbook-air-1-x",
        result(seed, "macbook-air", Some(&"ab".repeat(32)), &[1042]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(api_error(&body, "invalid_anchor").contains("nonce"));
    let mut swapped = result(seed, "macbook-air", Some(&nonce), &[1042]);
    swapped["seed"] = json!(hex::encode([2u8; 32]));
    let (status, body) = post(&b, "draw-macbook-air-1-y", swapped).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(api_error(&body, "invalid_anchor").contains("hash"));

    // The genuine anchored result is stored, on the other instance than the registration's.
    let (status, body) = post(&b, "draw-macbook-air-1-genuine", result(seed, "macbook-air", Some(&nonce), &[1042])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Drawn while the server was unreachable: registered when it came back, kept, and flagged.
    let late = [3u8; 32];
    assert_eq!(a.register(&seed_commitment(&late)).await.0, StatusCode::CREATED);
    let (status, body) = post(&a, "draw-coffee-1-late", result(late, "coffee", None, &[1001, 1002])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let store = db::Store::connect(&db.url).await.unwrap();
    let files = export::export_files(&store).await.unwrap();
    store.close().await;
    let file = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, text)| text.clone()).unwrap();
    let winners: Value = serde_json::from_str(&file("winners.json")).unwrap();
    let draws = winners["draws"].as_array().unwrap();
    assert_eq!(draws.len(), 2, "{winners}");
    let by_prize = |id: &str| draws.iter().find(|d| d["prize_id"] == id).unwrap();
    assert_eq!(by_prize("macbook-air")["anchored"], json!(true));
    assert_eq!(by_prize("macbook-air")["server_nonce"], json!(nonce));
    assert_eq!(by_prize("coffee")["anchored"], json!(false));
    assert_eq!(by_prize("coffee")["not_anchored"], json!("the event server could not be reached"));
    for prize in ["macbook-air", "coffee"] {
        assert!(by_prize(prize)["commitment_registered_at"].as_str().is_some(), "{winners}");
    }
    let csv = file("winners.csv");
    assert!(csv.lines().any(|l| l.starts_with("macbook-air,") && l.ends_with(",yes")), "{csv}");
    assert!(
        csv.lines()
            .filter(|l| l.starts_with("coffee,"))
            .all(|l| l.ends_with(",NOT ANCHORED")),
        "{csv}"
    );
    a.stop().await;
    b.stop().await;
}
