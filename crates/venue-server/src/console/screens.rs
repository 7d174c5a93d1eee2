//! Screens: every kiosk heard from in the last hours with what its heartbeat says, silent ones in
//! red, and a screenshot on request (the kiosk sends it with its next heartbeat's answer).

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::form::Fields;
use super::session::{failure_page, require_form, require_page};
use super::view::{self, Flash};
use crate::AppState;
use crate::db::SCREENS_WITHIN_S;
use crate::error::Failure;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/screens", get(screens_page))
        .route("/console/screens/silent-after", post(set_silent_after))
        .route("/console/screens/{kiosk}/screenshot", post(ask_screenshot))
        .route("/console/screens/{kiosk}/screenshot.png", get(screenshot_png))
}

#[derive(Serialize)]
struct ScreenRow {
    kiosk_id: String,
    screen: String,
    room: String,
    groups: String,
    app_version: String,
    feed_revision: String,
    fps: String,
    memory: String,
    connection: String,
    skew: String,
    skew_warning: bool,
    last_seen: String,
    silent: bool,
    screenshot_pending: bool,
    screenshot_at: Option<i64>,
    screenshot_age: String,
}

async fn screens_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match require_page(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    match screen_rows(&state).await {
        Ok((rows, silent_after_s)) => {
            let silent = rows.iter().filter(|r| r.silent).count();
            let response = view::page(
                "screens.html",
                "screens",
                Some(&signed),
                view::take_flash(&headers),
                serde_json::json!({ "screens": rows, "silent_count": silent, "silent_after_s": silent_after_s }),
            );
            view::clearing_flash(&state, response)
        }
        Err(failure) => failure_page(&failure),
    }
}

async fn screen_rows(state: &AppState) -> Result<(Vec<ScreenRow>, i64), Failure> {
    let now_ms = view::now_ms();
    let silent_after_s = state.store.silent_after_s().await?;
    let shots = state.store.screenshot_states().await?;
    let rows = state
        .store
        .screens(now_ms - SCREENS_WITHIN_S * 1000)
        .await?
        .into_iter()
        .map(|(beat, seen_ms, skew_ms)| {
            let silent_s = (now_ms - seen_ms).max(0) / 1000;
            let shot = shots
                .iter()
                .find(|(id, _)| *id == beat.kiosk_id)
                .map(|(_, s)| s.clone())
                .unwrap_or_default();
            ScreenRow {
                screen: beat.screen,
                room: beat.room.unwrap_or_default(),
                groups: beat.groups.join(", "),
                app_version: beat.app_version,
                feed_revision: beat.feed_revision,
                fps: format!("{:.0}", beat.fps),
                memory: beat.memory_mib.map(|m| format!("{m} MiB")).unwrap_or_else(|| "—".into()),
                connection: beat.connection,
                skew: format!("{:+.1} s", skew_ms as f64 / 1000.0),
                skew_warning: skew_ms.abs() > 2000,
                last_seen: format!("{} ago", view::ago(silent_s)),
                silent: silent_s > silent_after_s,
                screenshot_pending: shot.pending(),
                screenshot_at: (shot.taken_unix_ms > 0).then_some(shot.taken_unix_ms),
                screenshot_age: if shot.taken_unix_ms > 0 {
                    format!("{} ago", view::ago((now_ms - shot.taken_unix_ms) / 1000))
                } else {
                    String::new()
                },
                kiosk_id: beat.kiosk_id,
            }
        })
        .collect();
    Ok((rows, silent_after_s))
}

async fn set_silent_after(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let seconds = match fields.number::<i64>("seconds", "Silent after") {
        Ok(s) if (10..=3600).contains(&s) => s,
        Ok(_) => return view::redirect_with(&state, "/console/screens", Flash::error("Silent after: 10 to 3600 seconds.")),
        Err(failure) => return view::redirect_with(&state, "/console/screens", Flash::error(failure.message)),
    };
    match state.store.set_silent_after_s(seconds).await {
        Ok(()) => view::redirect_with(
            &state,
            "/console/screens",
            Flash::ok(format!("Screens silent for over {seconds} s are flagged.")),
        ),
        Err(failure) => failure_page(&failure),
    }
}

async fn ask_screenshot(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(kiosk): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    if let Err(failure) = crate::input::check_id("kiosk id", &kiosk) {
        return view::redirect_with(&state, "/console/screens", Flash::error(failure.message));
    }
    match state.store.request_screenshot(&kiosk, view::now_ms()).await {
        Ok(()) => {
            tracing::info!(kiosk = %kiosk, "screenshot asked for");
            view::redirect_with(
                &state,
                "/console/screens",
                Flash::ok(format!(
                    "Asked {kiosk} for a screenshot; it arrives with its next heartbeat (a few seconds)."
                )),
            )
        }
        Err(failure) => failure_page(&failure),
    }
}

async fn screenshot_png(State(state): State<AppState>, headers: HeaderMap, Path(kiosk): Path<String>) -> Response {
    if let Err(response) = require_page(&state, &headers).await {
        return response;
    }
    match state.store.screenshot(&kiosk).await {
        Ok(Some((png, _))) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
                (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
            ],
            png,
        )
            .into_response(),
        Ok(None) => view::not_found(),
        Err(failure) => failure_page(&failure),
    }
}
