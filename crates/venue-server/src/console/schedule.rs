//! Schedule: upload our JSON or a pretalx/frab export, or give a URL the server pulls again every few
//! minutes; a preview of what would change (added, moved, cancelled, removed) before it applies;
//! move or cancel one session.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use chrono_tz::Tz;
use serde::Serialize;

use super::form::{Fields, read_upload};
use super::session::{Signed, failure_page, require_form, require_page};
use super::view::{self, Flash};
use crate::AppState;
use crate::error::Failure;
use crate::input;
use crate::input::BULK_BODY_LIMIT;
use crate::schedule_source::{self, SOURCE_STATUS_SETTING, SOURCE_URL_SETTING};
use venue_contract::wire::{EventInfo, Schedule, Session};
use venue_rules::schedule::diff::{ScheduleDiff, diff};

const PAGE: &str = "/console/schedule";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(schedule_page))
        .route(
            "/console/schedule/preview",
            post(preview_upload).layer(DefaultBodyLimit::max(BULK_BODY_LIMIT + 64 * 1024)),
        )
        .route("/console/schedule/fetch", post(preview_url))
        .route("/console/schedule/apply", post(apply))
        .route("/console/schedule/source/stop", post(stop_source))
        .route("/console/schedule/sessions/{id}", post(move_session))
        .route("/console/schedule/sessions/{id}/cancel", post(toggle_cancel))
}

#[derive(Serialize)]
struct SessionRow {
    id: String,
    title: String,
    room: String,
    day: String,
    time: String,
    kind: String,
    cancelled: bool,
}

/// A room's name from the events that may know it (an upload's and the current one), else its id.
fn room_name(events: &[&EventInfo], room: Option<&str>) -> String {
    match room {
        None => "whole venue".into(),
        Some(id) => events
            .iter()
            .find_map(|e| e.rooms.iter().find(|r| r.id == id))
            .map_or_else(|| id.to_string(), |r| r.name.clone()),
    }
}

fn session_row(zone: Tz, events: &[&EventInfo], s: &Session) -> SessionRow {
    SessionRow {
        id: s.id.clone(),
        title: s.title.clone(),
        room: room_name(events, s.room.as_deref()),
        day: s.start.with_timezone(&zone).format("%a %m-%d").to_string(),
        time: format!(
            "{}–{}",
            s.start.with_timezone(&zone).format("%H:%M"),
            s.end.with_timezone(&zone).format("%H:%M")
        ),
        kind: serde_json::to_value(s.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        cancelled: s.cancelled,
    }
}

#[derive(serde::Deserialize)]
struct PageQuery {
    edit: Option<String>,
}

async fn schedule_page(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<PageQuery>) -> Response {
    let signed = match require_page(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let values = async {
        let zone = view::venue_zone(&state).await;
        let event = state.store.event().await?;
        let sessions = state.store.sessions().await?;
        let known: Vec<&EventInfo> = event.iter().collect();
        let rows: Vec<SessionRow> = sessions.iter().map(|s| session_row(zone, &known, s)).collect();
        let editing = query.edit.as_deref().and_then(|id| sessions.iter().find(|s| s.id == id)).map(|s| {
            serde_json::json!({
                "id": s.id, "title": s.title, "room": s.room,
                "starts": view::input_time(zone, &s.start), "ends": view::input_time(zone, &s.end),
            })
        });
        let rooms: Vec<serde_json::Value> = event
            .iter()
            .flat_map(|e| e.rooms.iter())
            .map(|r| serde_json::json!({ "id": r.id, "name": r.name }))
            .collect();
        Ok::<_, Failure>(serde_json::json!({
            "event": event.as_ref().map(|e| serde_json::json!({ "name": e.name, "time_zone": e.time_zone, "start": e.start_date, "end": e.end_date })),
            "sessions": rows,
            "cancelled_count": sessions.iter().filter(|s| s.cancelled).count(),
            "editing": editing,
            "rooms": rooms,
            "source_url": state.store.setting(SOURCE_URL_SETTING).await?,
            "source_status": state.store.setting(SOURCE_STATUS_SETTING).await?,
            "pull_minutes": schedule_source::PULL_EVERY.as_secs() / 60,
            "zone": zone.name(),
        }))
    }
    .await;
    match values {
        Ok(values) => {
            let response = view::page("schedule.html", "schedule", Some(&signed), view::take_flash(&headers), values);
            view::clearing_flash(&state, response)
        }
        Err(failure) => failure_page(&failure),
    }
}

/// What the preview page shows and what the apply button applies.
#[derive(Serialize, serde::Deserialize)]
struct Staged {
    schedule: Schedule,
    event: Option<EventInfo>,
    source_url: Option<String>,
}

fn change_rows(zone: Tz, events: &[&EventInfo], changes: &ScheduleDiff) -> serde_json::Value {
    let rows = |list: &[Session]| list.iter().map(|s| session_row(zone, events, s)).collect::<Vec<_>>();
    let pairs = |list: &[(Session, Session)]| {
        list.iter()
            .map(|(before, after)| serde_json::json!({ "before": session_row(zone, events, before), "after": session_row(zone, events, after) }))
            .collect::<Vec<_>>()
    };
    serde_json::json!({
        "added": rows(&changes.added),
        "removed": rows(&changes.removed),
        "cancelled": rows(&changes.cancelled),
        "restored": rows(&changes.restored),
        "moved": pairs(&changes.moved),
        "edited": pairs(&changes.edited),
        "unchanged": changes.unchanged,
        "empty": changes.is_empty(),
    })
}

async fn stage_and_preview(state: &AppState, signed: &Signed, bytes: &[u8], source: &str, source_url: Option<String>) -> Response {
    let preview = async {
        let (schedule, event) = schedule_source::parse_schedule(bytes)?;
        let zone = match &event {
            Some(e) => e.time_zone.parse().unwrap_or(Tz::UTC),
            None => view::venue_zone(state).await,
        };
        let current_event = state.store.event().await?;
        let known: Vec<&EventInfo> = event.iter().chain(current_event.iter()).collect();
        let current = state.store.sessions().await?;
        if schedule.sessions.is_empty() && !current.is_empty() {
            return Err(crate::db::empty_schedule_refused(current.len() as i64));
        }
        let changes = diff(&current, &schedule.sessions);
        let change_list = change_rows(zone, &known, &changes);
        drop(known);
        let id = hex::encode(rand::random::<[u8; 12]>());
        let staged = Staged {
            schedule,
            event,
            source_url,
        };
        let values = serde_json::json!({
            "staged": id,
            "source": source,
            "source_url": staged.source_url,
            "sessions": staged.schedule.sessions.len(),
            "event": staged.event.as_ref().map(|e| serde_json::json!({ "name": e.name, "rooms": e.rooms.len(), "time_zone": e.time_zone })),
            "changes": change_list,
            "zone": zone.name(),
        });
        state
            .store
            .stage_import(&id, &serde_json::to_string(&staged).map_err(Failure::internal)?)
            .await?;
        Ok::<_, Failure>(values)
    }
    .await;
    match preview {
        Ok(values) => view::page("schedule_preview.html", "schedule", Some(signed), None, values),
        Err(failure) => view::redirect_with(state, PAGE, Flash::error(format!("{source}: {}", failure.message))),
    }
}

async fn preview_upload(State(state): State<AppState>, headers: HeaderMap, multipart: Multipart) -> Response {
    if let Err(response) = require_page(&state, &headers).await {
        return response;
    }
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(failure) => return view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    };
    let signed = match require_form(&state, &headers, upload.fields.csrf()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let Some(file) = upload.file("file") else {
        return view::redirect_with(&state, PAGE, Flash::error("Choose a schedule file (JSON) to upload."));
    };
    let source = format!("Upload {}", file.file_name);
    stage_and_preview(&state, &signed, &file.bytes, &source, None).await
}

async fn preview_url(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    let signed = match require_form(&state, &headers, fields.csrf()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let url = match schedule_source::check_source_url(fields.get("url")) {
        Ok(url) => url,
        Err(failure) => return view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    };
    match schedule_source::fetch(&url).await {
        Ok(bytes) => stage_and_preview(&state, &signed, &bytes, url.as_str(), Some(url.to_string())).await,
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn apply(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let applied = async {
        let Some(body) = state.store.take_staged_import(fields.get("staged")).await? else {
            return Err(Failure::invalid_body(
                "that preview was already applied or is over an hour old; upload the schedule again",
            ));
        };
        let staged: Staged = serde_json::from_str(&body).map_err(Failure::internal)?;
        state.store.replace_schedule(&staged.schedule, staged.event.as_ref()).await?;
        if let Some(url) = &staged.source_url {
            state.store.set_setting(SOURCE_URL_SETTING, Some(url)).await?;
            state
                .store
                .set_setting(
                    SOURCE_STATUS_SETTING,
                    Some(&format!(
                        "{} applied from the console",
                        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    )),
                )
                .await?;
        }
        Ok(staged)
    }
    .await;
    match applied {
        Ok(staged) => {
            tracing::info!(sessions = staged.schedule.sessions.len(), url = ?staged.source_url, "console: schedule applied");
            let mut note = format!("Schedule applied: {} sessions.", staged.schedule.sessions.len());
            if staged.source_url.is_some() {
                note.push_str(&format!(
                    " The server pulls it again every {} minutes.",
                    schedule_source::PULL_EVERY.as_secs() / 60
                ));
            }
            view::redirect_with(&state, PAGE, Flash::ok(note))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn stop_source(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    let stopped = async {
        state.store.set_setting(SOURCE_URL_SETTING, None).await?;
        state.store.set_setting(SOURCE_STATUS_SETTING, None).await
    }
    .await;
    match stopped {
        Ok(()) => view::redirect_with(&state, PAGE, Flash::ok("The schedule URL is no longer pulled.")),
        Err(failure) => failure_page(&failure),
    }
}

async fn move_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let zone = view::venue_zone(&state).await;
    let moved = async {
        let starts = view::parse_input_time(zone, fields.get("starts"))?;
        let ends = view::parse_input_time(zone, fields.get("ends"))?;
        let room = Some(fields.get("room").to_string()).filter(|r| !r.is_empty());
        state
            .store
            .update_session(&id, |mut session| {
                session.start = starts;
                session.end = ends;
                session.room = room;
                input::check_session(&session)?;
                Ok(session)
            })
            .await
    }
    .await;
    match moved {
        Ok(session) => {
            tracing::info!(session = %id, "console: session moved");
            view::redirect_with(&state, PAGE, Flash::ok(format!("Moved “{}”.", session.title)))
        }
        Err(failure) => view::redirect_with(&state, &format!("{PAGE}?edit={id}"), Flash::error(failure.message)),
    }
}

async fn toggle_cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    let changed = state
        .store
        .update_session(&id, |mut session| {
            session.cancelled = !session.cancelled;
            Ok(session)
        })
        .await;
    match changed {
        Ok(session) => {
            tracing::info!(session = %id, cancelled = session.cancelled, "console: session cancelled or restored");
            let note = if session.cancelled {
                format!("Cancelled “{}”: the screens show it struck through.", session.title)
            } else {
                format!("“{}” is on again.", session.title)
            };
            view::redirect_with(&state, PAGE, Flash::ok(note))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}
