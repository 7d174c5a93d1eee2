//! HTTP: contract v1 reads with ETag/304, the result posts with `Idempotency-Key`, and the admin
//! write API (`/api/v1/admin/...`, documented in docs/contract.md "Server write API").

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use chrono::{SecondsFormat, TimeDelta, Utc};
use serde::Serialize;
use serde_json::Value;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::AppState;
use super::auth::{Scope, generate_token, require_admin, require_kiosk, require_staff, token_hash};
use super::db::{MoveOutcome, ResultOutcome};
use super::error::{Failure, json_bytes_response, json_response};
use super::input::{self, MessagePatch, SessionPatch};
use venue_contract::payload::Endpoint;
use venue_contract::wire::{
    CONTRACT_VERSION, DrawCommitment, DrawResult, EventInfo, GameResult, Heartbeat, Message, Prize, Round, Session, Team,
};

pub use super::input::{BULK_BODY_LIMIT, WRITE_BODY_LIMIT};
/// Body limit of a screen's screenshot (a 4K PNG of a busy screen stays well below).
pub const SCREENSHOT_BODY_LIMIT: usize = 8 * 1024 * 1024;
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

pub fn router(state: AppState, cors_origins: Vec<HeaderValue>) -> Router {
    let reads = Router::new()
        .route(
            "/api/v1/event",
            get(|s: State<AppState>, h: HeaderMap| serve_endpoint(s, h, Endpoint::Event)),
        )
        .route(
            "/api/v1/schedule",
            get(|s: State<AppState>, h: HeaderMap| serve_endpoint(s, h, Endpoint::Schedule)),
        )
        .route(
            "/api/v1/messages",
            get(|s: State<AppState>, h: HeaderMap| serve_endpoint(s, h, Endpoint::Messages)),
        )
        .route(
            "/api/v1/draw",
            get(|s: State<AppState>, h: HeaderMap| serve_endpoint(s, h, Endpoint::Draw)),
        )
        .route(
            "/api/v1/game",
            get(|s: State<AppState>, h: HeaderMap| serve_endpoint(s, h, Endpoint::Game)),
        )
        .route(
            "/api/v1/casino",
            get(|s: State<AppState>, h: HeaderMap| serve_endpoint(s, h, Endpoint::Casino)),
        )
        .route("/api/v1/stream", get(change_stream))
        .route("/api/v1/images/{id}", get(serve_image))
        .route("/api/v1/game/bets", get(game_bets));

    let bulk = || DefaultBodyLimit::max(BULK_BODY_LIMIT);
    // Screens post results with a kiosk token; the admin token never needs to leave the organisers.
    let results = Router::new()
        .route("/api/v1/draw/commitments", post(post_draw_commitment))
        .route("/api/v1/draw/results", post(post_draw_result))
        .route("/api/v1/game/results", post(post_game_result))
        .route("/api/v1/kiosks/heartbeat", post(post_heartbeat))
        .route("/api/v1/game/rounds/{index}/started", post(round_started))
        .route(
            "/api/v1/kiosks/{kiosk_id}/screenshot",
            post(post_screenshot).layer(DefaultBodyLimit::max(SCREENSHOT_BODY_LIMIT)),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), require_kiosk));
    // Staff enter the casino's moves on their phones (contract 1.1).
    let staff = Router::new()
        .route("/api/v1/casino/moves", post(post_casino_move))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_staff));
    let writes = Router::new()
        .route("/api/v1/admin/casino", put(put_casino).delete(delete_casino))
        .route("/api/v1/admin/event", put(put_event))
        .route("/api/v1/admin/schedule", put(put_schedule).layer(bulk()).delete(clear_schedule))
        .route("/api/v1/admin/sessions", post(add_session))
        .route("/api/v1/admin/sessions/{id}", patch(patch_session).delete(delete_session))
        .route("/api/v1/admin/sessions/{id}/cancel", post(cancel_session))
        .route("/api/v1/admin/messages", post(add_message).get(message_history))
        .route("/api/v1/admin/messages/{id}", patch(patch_message).delete(delete_message))
        .route("/api/v1/admin/messages/{id}/expire", post(expire_message))
        .route("/api/v1/admin/prizes/{id}", put(put_prize).delete(delete_prize))
        .route("/api/v1/admin/tickets", post(upsert_tickets).layer(bulk()))
        .route("/api/v1/admin/tickets/{number}", delete(delete_ticket))
        .route("/api/v1/admin/teams/{id}", put(put_team).delete(delete_team))
        .route("/api/v1/admin/game/rounds", put(put_rounds))
        .route("/api/v1/admin/screens", get(list_screens))
        .route("/api/v1/admin/tokens", post(issue_token).get(list_tokens))
        .route("/api/v1/admin/tokens/{name}", delete(revoke_token))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_admin));

    let mut router = reads
        .merge(results)
        .merge(staff)
        .merge(writes)
        .merge(crate::console::router())
        .fallback(|| async { Failure::not_found("no such endpoint") })
        .method_not_allowed_fallback(|| async {
            Failure::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(WRITE_BODY_LIMIT))
        .with_state(state)
        .layer(middleware::from_fn(super::error::json_errors))
        // Pages and answers made per request (the handbook's, the console's) are gzipped at the
        // fastest level: a 13 KB handbook page gzips to about 4.7 KB instead of 4.4 KB, for a
        // fraction of the default level's CPU. The feeds are gzipped once per revision (`db::Rendered`).
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest));
    if !cors_origins.is_empty() {
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(cors_origins))
                .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_NONE_MATCH, IDEMPOTENCY_KEY])
                .expose_headers([header::ETAG]),
        );
    }
    router.layer(middleware::from_fn(access_log))
}

/// One line per request: peer, method, path, status, time. Never headers (they hold the token).
async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    match peer {
        Some(peer) => tracing::info!(target: "venue_kiosk::access", %peer, %method, path, status, micros, "request"),
        None => tracing::info!(target: "venue_kiosk::access", %method, path, status, micros, "request"),
    }
    response
}

// ---- reads ----

async fn serve_endpoint(State(state): State<AppState>, headers: HeaderMap, endpoint: Endpoint) -> Response {
    let rendered = match state.store.rendered(endpoint).await {
        Ok(rendered) => rendered,
        Err(failure) => return failure.into_response(),
    };
    let Some(body) = rendered.body.clone() else {
        let what = if endpoint == Endpoint::Casino {
            "no casino match is set up on this server"
        } else {
            "no event is configured on this server yet"
        };
        return Failure::not_found(what).into_response();
    };
    let etag = HeaderValue::from_str(&rendered.etag).expect("ETags are ASCII");
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag_matches(v, &rendered.etag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else if let Some(gzipped) = rendered.gzipped.clone().filter(|_| accepts_gzip(&headers)) {
        // Already compressed, so the compression layer passes it through.
        let mut response = json_bytes_response(StatusCode::OK, gzipped);
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        json_bytes_response(StatusCode::OK, body)
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(header::CACHE_CONTROL, NO_CACHE);
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Does `Accept-Encoding` allow gzip (`gzip` or `*`, with a non-zero `q`)?
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|value| {
            value.split(',').any(|coding| {
                let mut parts = coding.split(';').map(str::trim);
                let name = parts.next().unwrap_or_default();
                let q_zero = parts.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()) == Some(0.0));
                (name.eq_ignore_ascii_case("gzip") || name == "*") && !q_zero
            })
        })
}

/// `If-None-Match` uses the weak comparison: `W/"x"` matches `"x"`.
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let etag = opaque(etag);
    if_none_match
        .split(',')
        .any(|candidate| candidate.trim() == "*" || opaque(candidate) == etag)
}

// ---- shared pieces of writes ----

fn body_bytes(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, Failure> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::payload_too_large(limit)
        } else {
            Failure::invalid_body(format!("could not read the body: {rejection}"))
        }
    })
}

fn json_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Value, Failure> {
    input::json(&body_bytes(body, limit)?)
}

fn answer(status: StatusCode, value: &impl Serialize) -> Response {
    json_response(status, value)
}

fn created_or_ok(created: bool) -> StatusCode {
    if created { StatusCode::CREATED } else { StatusCode::OK }
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, Failure> {
    let Some(value) = headers.get(&IDEMPOTENCY_KEY) else {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "missing_idempotency_key",
            "result posts need an Idempotency-Key header",
        ));
    };
    let key = value.to_str().unwrap_or_default();
    input::check_idempotency_key(key)?;
    Ok(key.to_string())
}

fn outcome_response(outcome: ResultOutcome) -> Response {
    match outcome {
        ResultOutcome::Stored(body) => answer(StatusCode::CREATED, &body),
        ResultOutcome::Repeated(body) => answer(StatusCode::OK, &body),
        ResultOutcome::Conflict(stored) => answer(StatusCode::CONFLICT, &stored),
    }
}

// ---- result posts ----

/// `POST /api/v1/draw/commitments` (contract 1.1): a kiosk registers the seed commitment it armed,
/// before the draw; the answer carries this server's nonce for it (`201` new, `200` known).
async fn post_draw_commitment(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let value = json_body(body, WRITE_BODY_LIMIT)?;
    input::check_version(&value)?;
    let commitment: DrawCommitment = input::wire_from_value(value)?;
    input::check_draw_commitment(&commitment)?;
    let (anchor, new) = state.store.register_commitment(&commitment).await?;
    if new {
        tracing::info!(commitment = %commitment.seed_commitment, prize = ?commitment.prize_id, "draw commitment registered");
    }
    Ok(answer(if new { StatusCode::CREATED } else { StatusCode::OK }, &anchor))
}

async fn post_draw_result(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let key = idempotency_key(&headers)?;
    let value = json_body(body, WRITE_BODY_LIMIT)?;
    input::check_version(&value)?;
    let result: DrawResult = input::wire_from_value(value.clone())?;
    input::check_draw_result(&result)?;
    let outcome = state.store.record_draw(&key, &result, &value).await?;
    match &outcome {
        ResultOutcome::Stored(_) => tracing::info!(prize = %result.prize_id, batch = result.batch, key, "draw result stored"),
        ResultOutcome::Repeated(_) => tracing::info!(prize = %result.prize_id, batch = result.batch, key, "draw result repeated"),
        ResultOutcome::Conflict(_) => {
            tracing::warn!(prize = %result.prize_id, batch = result.batch, key, "draw result refused: another result is decided");
        }
    }
    Ok(outcome_response(outcome))
}

async fn post_game_result(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let key = idempotency_key(&headers)?;
    let value = json_body(body, WRITE_BODY_LIMIT)?;
    input::check_version(&value)?;
    let result: GameResult = input::wire_from_value(value.clone())?;
    input::check_game_result(&result)?;
    let outcome = state.store.record_game(&key, &result, &value).await?;
    if matches!(outcome, ResultOutcome::Stored(_) | ResultOutcome::Repeated(_)) {
        // The round is decided: its bets close and right ones earn tickets (once, however often
        // the result is posted). A failure here is logged; the result itself is stored.
        let right_bet = state.store.ticket_rules().await.map(|r| r.right_bet).unwrap_or_default();
        match state.store.settle_bets(&result, right_bet).await {
            Ok(paid) if paid > 0 => tracing::info!(round = result.round, paid, "bets settled"),
            Ok(_) => {}
            Err(failure) => tracing::warn!(round = result.round, error = %failure.message, "bets not settled"),
        }
    }
    match &outcome {
        ResultOutcome::Stored(_) => tracing::info!(game = %result.game_id, round = result.round, key, "game result stored"),
        ResultOutcome::Repeated(_) => tracing::info!(game = %result.game_id, round = result.round, key, "game result repeated"),
        ResultOutcome::Conflict(_) => {
            tracing::warn!(game = %result.game_id, round = result.round, key, "game result refused: another result is decided");
        }
    }
    Ok(outcome_response(outcome))
}

// ---- event and schedule ----

async fn put_event(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let value = json_body(body, WRITE_BODY_LIMIT)?;
    input::check_version(&value)?;
    let event: EventInfo = input::wire_from_value(value)?;
    input::check_event(&event)?;
    state.store.put_event(&event).await?;
    tracing::info!(event = %event.id, "event replaced");
    Ok(answer(StatusCode::OK, &event))
}

/// Our `Schedule`, or a pretalx/frab `schedule.json` (detected as the kiosks detect it).
async fn put_schedule(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let bytes = body_bytes(body, BULK_BODY_LIMIT)?;
    let (schedule, imported_event) = crate::schedule_source::parse_schedule(&bytes)?;
    state.store.replace_schedule(&schedule, imported_event.as_ref()).await?;
    tracing::info!(
        sessions = schedule.sessions.len(),
        imported = imported_event.is_some(),
        "schedule replaced"
    );
    Ok(answer(StatusCode::OK, &schedule))
}

/// The explicit clear: an upload never empties a stored schedule (`409 empty_schedule`).
async fn clear_schedule(State(state): State<AppState>) -> Result<Response, Failure> {
    let removed = state.store.clear_schedule().await?;
    tracing::info!(removed, "schedule cleared");
    Ok(answer(
        StatusCode::OK,
        &serde_json::json!({"version": CONTRACT_VERSION, "removed": removed}),
    ))
}

async fn add_session(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let session: Session = input::wire_from_value(json_body(body, WRITE_BODY_LIMIT)?)?;
    input::check_session(&session)?;
    state.store.add_session(&session).await?;
    tracing::info!(session = %session.id, "session added");
    Ok(answer(StatusCode::CREATED, &session))
}

async fn patch_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let patch: SessionPatch = input::input_from_value(&json_body(body, WRITE_BODY_LIMIT)?)?;
    let session = state
        .store
        .update_session(&id, |session| {
            let session = patch.apply(session);
            input::check_session(&session)?;
            Ok(session)
        })
        .await?;
    tracing::info!(session = %id, "session changed");
    Ok(answer(StatusCode::OK, &session))
}

async fn cancel_session(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Failure> {
    let session = state
        .store
        .update_session(&id, |mut session| {
            session.cancelled = true;
            Ok(session)
        })
        .await?;
    tracing::info!(session = %id, "session cancelled");
    Ok(answer(StatusCode::OK, &session))
}

async fn delete_session(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, Failure> {
    state.store.delete_session(&id).await?;
    tracing::info!(session = %id, "session deleted");
    Ok(StatusCode::NO_CONTENT)
}

// ---- push ----

/// `GET /api/v1/stream` (contract 1.1): Server-Sent Events, one `changed` event per endpoint whose
/// data changed (`data: messages`), on any server instance; `data: all` when some may have been
/// missed. Kiosks fetch the endpoint at once and keep polling as the fallback.
async fn change_stream(State(state): State<AppState>) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let changes = state.store.changes();
    let stream = futures_util::stream::unfold((changes, state.closing), |(mut changes, mut closing)| async move {
        let data = tokio::select! {
            _ = closing.wait_for(|closing| *closing) => return None,
            change = changes.recv() => match change {
                Ok(endpoint) => endpoint.name(),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => "all",
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            },
        };
        Some((Ok(Event::default().event("changed").data(data)), (changes, closing)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

// ---- screens ----

pub use super::db::SCREENS_WITHIN_S;

/// `204`, or (contract 1.1) `200 {"screenshot_requested": true}` when an organiser asked this
/// screen for a screenshot it has not sent yet.
async fn post_heartbeat(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let heartbeat: Heartbeat = input::wire_from_value(json_body(body, WRITE_BODY_LIMIT)?)?;
    input::check_heartbeat(&heartbeat)?;
    let now = Utc::now();
    let skew_ms = (heartbeat.sent_at.with_timezone(&Utc) - now).num_milliseconds();
    state.store.record_heartbeat(&heartbeat, now.timestamp_millis(), skew_ms).await?;
    if state.store.screenshot_state(&heartbeat.kiosk_id).await?.pending() {
        return Ok(answer(
            StatusCode::OK,
            &serde_json::json!({ "version": CONTRACT_VERSION, "screenshot_requested": true }),
        ));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/kiosks/{kiosk_id}/screenshot` (contract 1.1): a PNG of what the screen shows, for
/// the console's Screens page.
async fn post_screenshot(
    State(state): State<AppState>,
    Path(kiosk_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, Failure> {
    input::check_id("kiosk id", &kiosk_id)?;
    let png = body_bytes(body, SCREENSHOT_BODY_LIMIT)?;
    if !png.starts_with(PNG_SIGNATURE) {
        return Err(Failure::invalid_body("a screenshot must be a PNG image"));
    }
    state.store.store_screenshot(&kiosk_id, &png, Utc::now().timestamp_millis()).await?;
    tracing::info!(kiosk = %kiosk_id, bytes = png.len(), "screenshot received");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/images/{id}`: a prize photo uploaded in the console. Public, like the draw data
/// that names it; the id is its content hash, so it can be cached for good.
async fn serve_image(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Failure> {
    let Some((content_type, bytes)) = state.store.image(&id).await? else {
        return Err(Failure::not_found(format!("no image `{id}`")));
    };
    let content_type = HeaderValue::from_str(&content_type).map_err(Failure::internal)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        bytes,
    )
        .into_response())
}

/// Every screen heard from in the last hours, with when, its clock skew, and whether it has gone
/// silent.
async fn list_screens(State(state): State<AppState>) -> Result<Response, Failure> {
    let now_ms = Utc::now().timestamp_millis();
    let silent_after_s = state.store.silent_after_s().await?;
    let screens: Vec<Value> = state
        .store
        .screens(now_ms - SCREENS_WITHIN_S * 1000)
        .await?
        .into_iter()
        .map(|(heartbeat, seen_ms, skew_ms)| {
            let silent_s = (now_ms - seen_ms).max(0) / 1000;
            let mut entry = serde_json::to_value(&heartbeat).unwrap_or_default();
            if let Value::Object(map) = &mut entry {
                let seen = chrono::DateTime::from_timestamp_millis(seen_ms).unwrap_or_default();
                map.insert("last_seen".into(), Value::String(seen.to_rfc3339_opts(SecondsFormat::Secs, true)));
                map.insert("silent_s".into(), silent_s.into());
                map.insert("silent".into(), (silent_s > silent_after_s).into());
                map.insert("clock_skew_ms".into(), skew_ms.into());
            }
            entry
        })
        .collect();
    Ok(answer(StatusCode::OK, &serde_json::json!({ "screens": screens })))
}

// ---- named tokens ----

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    name: String,
    scope: String,
}

/// A new named token; the answer is the only time the token is shown.
async fn issue_token(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let request: TokenRequest = input::input_from_value(&json_body(body, WRITE_BODY_LIMIT)?)?;
    input::check_id("token name", &request.name)?;
    let scope = Scope::parse(&request.scope)
        .ok_or_else(|| Failure::invalid_body(format!("scope `{}` is not one of kiosk, staff, admin", request.scope)))?;
    let token = generate_token();
    state.store.add_token(&request.name, scope.as_str(), &token_hash(&token)).await?;
    tracing::info!(token_name = %request.name, scope = scope.as_str(), "token issued");
    Ok(answer(
        StatusCode::CREATED,
        &serde_json::json!({ "name": request.name, "scope": scope.as_str(), "token": token }),
    ))
}

async fn list_tokens(State(state): State<AppState>) -> Result<Response, Failure> {
    let tokens: Vec<Value> = state
        .store
        .tokens()
        .await?
        .into_iter()
        .map(|(name, scope, created_at)| serde_json::json!({ "name": name, "scope": scope, "created_at": created_at }))
        .collect();
    Ok(answer(StatusCode::OK, &serde_json::json!({ "tokens": tokens })))
}

async fn revoke_token(State(state): State<AppState>, Path(name): Path<String>) -> Result<StatusCode, Failure> {
    state.store.revoke_token(&name).await?;
    tracing::info!(token_name = %name, "token revoked");
    Ok(StatusCode::NO_CONTENT)
}

// ---- messages ----

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A new broadcast; `id` (generated), `priority` (`normal`) and `starts` (now) may be left out.
async fn add_message(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let mut value = json_body(body, WRITE_BODY_LIMIT)?;
    let Value::Object(map) = &mut value else {
        return Err(Failure::invalid_body("the body must be a JSON object"));
    };
    map.entry("id")
        .or_insert_with(|| Value::String(format!("msg-{}", hex::encode(rand::random::<[u8; 6]>()))));
    // An emergency is sent as `urgent`, so a 1.0 kiosk shows it as an urgent banner.
    let emergency = map.get("emergency").and_then(Value::as_bool) == Some(true);
    map.entry("priority")
        .or_insert_with(|| Value::String(if emergency { "urgent" } else { "normal" }.into()));
    map.entry("starts").or_insert_with(|| Value::String(now_rfc3339()));
    let message: Message = input::wire_from_value(value)?;
    input::check_message(&message)?;
    state.store.add_message(&message).await?;
    tracing::info!(message_id = %message.id, "message added");
    Ok(answer(StatusCode::CREATED, &message))
}

async fn patch_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let patch: MessagePatch = input::input_from_value(&json_body(body, WRITE_BODY_LIMIT)?)?;
    let message = state
        .store
        .update_message(&id, |message| {
            let message = patch.apply(message);
            input::check_message(&message)?;
            Ok(message)
        })
        .await?;
    tracing::info!(message_id = %id, "message changed");
    Ok(answer(StatusCode::OK, &message))
}

async fn delete_message(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, Failure> {
    state.store.delete_message(&id).await?;
    tracing::info!(message_id = %id, "message deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Every stored message, ended ones included (kept for a week), newest first: the organisers' history.
async fn message_history(State(state): State<AppState>) -> Result<Response, Failure> {
    let messages = state.store.message_history().await?;
    Ok(answer(
        StatusCode::OK,
        &serde_json::json!({ "version": CONTRACT_VERSION, "messages": messages }),
    ))
}

/// Hide a message from now on. One that has not started yet gets a window in the past, so it is
/// never shown (and still has `expires > starts`).
async fn expire_message(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Failure> {
    let now = Utc::now().fixed_offset();
    let message = state
        .store
        .update_message(&id, |mut message| {
            if message.expires > now {
                message.expires = now;
                if message.starts >= now {
                    message.starts = now - TimeDelta::seconds(1);
                }
            }
            Ok(message)
        })
        .await?;
    tracing::info!(message_id = %id, "message expired");
    Ok(answer(StatusCode::OK, &message))
}

// ---- prizes and tickets ----

async fn put_prize(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let value = input::with_path_id(json_body(body, WRITE_BODY_LIMIT)?, "id", &id)?;
    let mut prize: Prize = input::wire_from_value(value)?;
    input::check_prize(&mut prize)?;
    let created = state.store.upsert_prize(&prize).await?;
    tracing::info!(prize = %id, created, "prize stored");
    Ok(answer(created_or_ok(created), &prize))
}

async fn delete_prize(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, Failure> {
    state.store.delete_prize(&id).await?;
    tracing::info!(prize = %id, "prize deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct TicketsStored {
    version: u32,
    upserted: usize,
}

/// One ticket or an array of them as JSON, or `text/csv` lines `number,display_name,holder`.
async fn upsert_tickets(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let bytes = body_bytes(body, BULK_BODY_LIMIT)?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"));
    let tickets = if is_csv {
        let text = std::str::from_utf8(&bytes).map_err(|_| Failure::invalid_body("the CSV body is not UTF-8"))?;
        // Excel's "CSV UTF-8" starts with a byte order mark.
        input::tickets_from_csv(text.trim_start_matches('\u{feff}'))?
    } else {
        input::tickets_from_json(input::json(&bytes)?)?
    };
    state.store.upsert_tickets(&tickets).await?;
    tracing::info!(tickets = tickets.len(), "tickets upserted");
    Ok(answer(
        StatusCode::OK,
        &TicketsStored {
            version: CONTRACT_VERSION,
            upserted: tickets.len(),
        },
    ))
}

async fn delete_ticket(State(state): State<AppState>, Path(number): Path<String>) -> Result<StatusCode, Failure> {
    let number: u32 = number
        .parse()
        .map_err(|_| Failure::invalid_body(format!("`{number}` is not a ticket number")))?;
    state.store.delete_ticket(number).await?;
    tracing::info!(ticket = number, "ticket deleted");
    Ok(StatusCode::NO_CONTENT)
}

// ---- teams and rounds ----

async fn put_team(State(state): State<AppState>, Path(id): Path<String>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let value = input::with_path_id(json_body(body, WRITE_BODY_LIMIT)?, "id", &id)?;
    let team: Team = input::wire_from_value(value)?;
    input::check_team(&team)?;
    let created = state.store.upsert_team(&team).await?;
    tracing::info!(team = %id, created, "team stored");
    Ok(answer(created_or_ok(created), &team))
}

async fn delete_team(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, Failure> {
    state.store.delete_team(&id).await?;
    tracing::info!(team = %id, "team deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The whole round plan, a JSON array of `Round`.
async fn put_rounds(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let rounds: Vec<Round> = input::wire_from_value(json_body(body, WRITE_BODY_LIMIT)?)?;
    input::check_rounds(&rounds)?;
    state.store.put_rounds(&rounds).await?;
    tracing::info!(rounds = rounds.len(), "round plan replaced");
    Ok(answer(StatusCode::OK, &rounds))
}

// ---- casino (contract 1.1) ----

#[derive(serde::Deserialize)]
struct ReplaceQuery {
    replace: Option<String>,
}

/// `PUT /api/v1/admin/casino[?replace=1]`: a new match (every field may be left out; the teams come
/// from the game). `201` with the new (empty) `CasinoData`.
async fn put_casino(
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<ReplaceQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let bytes = body_bytes(body, WRITE_BODY_LIMIT)?;
    let value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        input::json(&bytes)?
    };
    let request: crate::casino::SetupRequest = input::input_from_value(&value)?;
    let setup = crate::casino::new_setup(&state.store, request).await?;
    let replace = matches!(query.replace.as_deref(), Some("1" | "true" | "yes"));
    state.store.set_up_casino(&setup, replace).await?;
    tracing::info!(match_id = %setup.match_id, teams = setup.teams.len(), replace, "casino match set up");
    Ok(answer(
        StatusCode::CREATED,
        &venue_contract::casino::CasinoData {
            version: CONTRACT_VERSION,
            setup,
            moves: Vec::new(),
        },
    ))
}

/// `DELETE /api/v1/admin/casino`: no current match (its moves and results stay for the record).
async fn delete_casino(State(state): State<AppState>) -> Result<StatusCode, Failure> {
    if state.store.clear_casino().await? {
        tracing::info!("casino match cleared");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/casino/moves` (staff or admin token): one move, stored exactly once per id.
async fn post_casino_move(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, Failure> {
    let (posted, after) = crate::casino::parse_move(json_body(body, WRITE_BODY_LIMIT)?)?;
    let outcome = state.store.add_casino_move(&posted, after).await?;
    Ok(move_response(&outcome))
}

/// `201` stored, `200` the same move again, `409` another move under this id (the stored one).
pub fn move_response(outcome: &MoveOutcome) -> Response {
    match outcome {
        MoveOutcome::Stored {
            seq,
            stored,
            applied,
            game,
        } => {
            let round_scored = match applied {
                venue_rules::casino::Applied::Placed {
                    round_scored: Some(round), ..
                } => Some(round.round_index),
                _ => None,
            };
            tracing::info!(move_id = %stored.id, seq, "casino move stored");
            answer(
                StatusCode::CREATED,
                &serde_json::json!({
                    "version": CONTRACT_VERSION, "seq": seq, "move": stored,
                    "round_scored": round_scored,
                    "turn": game.turn().map(|t| game.teams()[t].clone()),
                    "match_over": game.finished(),
                }),
            )
        }
        MoveOutcome::Repeated { seq, stored } => {
            tracing::info!(move_id = %stored.id, seq, "casino move repeated");
            answer(
                StatusCode::OK,
                &serde_json::json!({ "version": CONTRACT_VERSION, "seq": seq, "move": stored }),
            )
        }
        MoveOutcome::Conflict { seq, stored } => {
            tracing::warn!(move_id = %stored.id, seq, "casino move refused: another move has this id");
            answer(
                StatusCode::CONFLICT,
                &serde_json::json!({ "version": CONTRACT_VERSION, "seq": seq, "move": stored }),
            )
        }
    }
}

// ---- bets ----

/// `POST /api/v1/game/rounds/{index}/started` (contract 1.1, kiosk token): the game screen started
/// this round of the plan, so attendees' bets on it close now. Answers `204` whether or not betting
/// was open.
async fn round_started(State(state): State<AppState>, Path(index): Path<u32>) -> Result<StatusCode, Failure> {
    if state.store.close_bets(index).await? {
        tracing::info!(round = index, "bets closed: the round started");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/game/bets` (contract 1.1): how the room bet, per round with betting — counts per
/// team only, never who.
async fn game_bets(State(state): State<AppState>) -> Result<Response, Failure> {
    let rounds: Vec<Value> = state
        .store
        .bet_rounds()
        .await?
        .into_iter()
        .map(|r| {
            let shares: serde_json::Map<String, Value> = r.shares.into_iter().map(|(team, n)| (team, n.into())).collect();
            serde_json::json!({ "round": r.round_index, "state": r.state, "winners": r.winners, "bets": shares })
        })
        .collect();
    let mut response = answer(
        StatusCode::OK,
        &serde_json::json!({ "version": CONTRACT_VERSION, "rounds": rounds }),
    );
    response.headers_mut().insert(header::CACHE_CONTROL, NO_CACHE);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_accepted_unless_refused() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_gzip(&headers)
        };
        assert!(with("gzip"));
        assert!(with("br, GZIP;q=0.5"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn etags_compare_weakly() {
        assert!(etag_matches("W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("*", "W/\"abc\""));
        assert!(!etag_matches("W/\"abd\"", "W/\"abc\""));
    }
}
