//! Broadcast: compose a message (info, normal, urgent, or an emergency that takes over every screen
//! it reaches until cleared), aim it at every screen, some rooms or named screen groups, with a
//! start and an end; edit, expire now, delete; the history of the last week.

use std::collections::BTreeSet;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::form::Fields;
use super::session::{failure_page, require_form, require_page};
use super::view::{self, Flash};
use crate::AppState;
use crate::error::Failure;
use crate::input;
use venue_contract::wire::{Message, Priority};

const PAGE: &str = "/console/broadcast";
/// The longest "show for" the form offers without an explicit end.
const MAX_SHOW_FOR_MIN: i64 = 7 * 24 * 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(broadcast_page).post(add))
        .route("/console/broadcast/{id}", post(edit))
        .route("/console/broadcast/{id}/expire", post(expire))
        .route("/console/broadcast/{id}/delete", post(delete))
}

#[derive(Serialize)]
struct MessageRow {
    id: String,
    text: String,
    kind: &'static str,
    target: String,
    window: String,
    status: &'static str,
}

#[derive(Serialize, Default)]
struct Draft {
    id: String,
    text: String,
    kind: String,
    starts: String,
    expires: String,
    rooms: Vec<String>,
    groups: String,
}

fn kind_of(message: &Message) -> &'static str {
    match (message.emergency, message.priority) {
        (true, _) => "emergency",
        (false, Priority::Urgent) => "urgent",
        (false, Priority::Normal) => "normal",
        (false, Priority::Info) => "info",
    }
}

fn target_of(message: &Message) -> String {
    if message.rooms.is_empty() && message.groups.is_empty() {
        return "every screen".into();
    }
    let mut parts = Vec::new();
    if !message.rooms.is_empty() {
        parts.push(format!("rooms {}", message.rooms.join(", ")));
    }
    if !message.groups.is_empty() {
        parts.push(format!("groups {}", message.groups.join(", ")));
    }
    parts.join("; ")
}

#[derive(serde::Deserialize)]
struct PageQuery {
    edit: Option<String>,
}

async fn broadcast_page(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<PageQuery>) -> Response {
    let signed = match require_page(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let values = match page_values(&state, query.edit.as_deref()).await {
        Ok(values) => values,
        Err(failure) => return failure_page(&failure),
    };
    let response = view::page("broadcast.html", "broadcast", Some(&signed), view::take_flash(&headers), values);
    view::clearing_flash(&state, response)
}

async fn page_values(state: &AppState, edit: Option<&str>) -> Result<serde_json::Value, Failure> {
    let zone = view::venue_zone(state).await;
    let now = Utc::now();
    let history = state.store.message_history().await?;
    let emergencies: Vec<&Message> = history
        .iter()
        .filter(|m| m.emergency && m.starts <= now && m.expires > now)
        .collect();
    let rows: Vec<MessageRow> = history
        .iter()
        .map(|m| MessageRow {
            id: m.id.clone(),
            text: m.text.clone(),
            kind: kind_of(m),
            target: target_of(m),
            window: format!("{} → {}", view::short_time(zone, &m.starts), view::short_time(zone, &m.expires)),
            status: if m.expires <= now {
                "ended"
            } else if m.starts > now {
                "coming"
            } else {
                "live"
            },
        })
        .collect();
    let draft = match edit.and_then(|id| history.iter().find(|m| m.id == id)) {
        Some(m) => Draft {
            id: m.id.clone(),
            text: m.text.clone(),
            kind: kind_of(m).into(),
            starts: view::input_time(zone, &m.starts),
            expires: view::input_time(zone, &m.expires),
            rooms: m.rooms.clone(),
            groups: m.groups.join(", "),
        },
        None => Draft {
            kind: "normal".into(),
            ..Draft::default()
        },
    };
    let rooms: Vec<serde_json::Value> = match state.store.event().await? {
        Some(event) => event
            .rooms
            .iter()
            .map(|r| serde_json::json!({ "id": r.id, "name": r.name }))
            .collect(),
        None => Vec::new(),
    };
    let known_groups: BTreeSet<String> = state
        .store
        .screens(view::now_ms() - crate::db::SCREENS_WITHIN_S * 1000)
        .await?
        .into_iter()
        .flat_map(|(beat, _, _)| beat.groups)
        .collect();
    Ok(serde_json::json!({
        "messages": rows,
        "emergencies": emergencies.iter().map(|m| serde_json::json!({ "id": m.id, "text": m.text })).collect::<Vec<_>>(),
        "draft": draft,
        "rooms": rooms,
        "known_groups": known_groups,
        "zone": zone.name(),
    }))
}

/// The message the form describes (`id` for an edit, a new one otherwise).
fn message_from_form(fields: &Fields, zone: Tz, id: String) -> Result<Message, Failure> {
    let text = fields.get("text").to_string();
    let (priority, emergency) = match fields.get("kind") {
        "info" => (Priority::Info, false),
        "normal" | "" => (Priority::Normal, false),
        "urgent" => (Priority::Urgent, false),
        "emergency" => (Priority::Urgent, true),
        other => return Err(Failure::invalid_body(format!("`{other}` is not a kind of message"))),
    };
    let now = Utc::now().fixed_offset();
    let starts = match fields.get("starts") {
        "" => now,
        text => view::parse_input_time(zone, text)?,
    };
    let expires = match fields.get("expires") {
        "" => {
            let minutes: i64 = match fields.get("show_for") {
                "" => 60,
                _ => fields.number("show_for", "Show for (minutes)")?,
            };
            if !(1..=MAX_SHOW_FOR_MIN).contains(&minutes) {
                return Err(Failure::invalid_body(format!(
                    "Show for: 1 to {MAX_SHOW_FOR_MIN} minutes, or give an end time"
                )));
            }
            starts.max(now) + TimeDelta::minutes(minutes)
        }
        text => view::parse_input_time(zone, text)?,
    };
    let groups: Vec<String> = fields
        .get("groups")
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect();
    let message = Message {
        id,
        text,
        priority,
        starts,
        expires,
        emergency,
        rooms: fields.all("rooms"),
        groups,
    };
    input::check_message(&message)?;
    Ok(message)
}

async fn add(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let zone = view::venue_zone(&state).await;
    let id = format!("msg-{}", hex::encode(rand::random::<[u8; 6]>()));
    let message = match message_from_form(&fields, zone, id) {
        Ok(message) => message,
        Err(failure) => return view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    };
    match state.store.add_message(&message).await {
        Ok(()) => {
            tracing::info!(message_id = %message.id, kind = kind_of(&message), "console: message added");
            let note = if message.emergency {
                "Emergency on screens now. Clear it here when it is over."
            } else {
                "Message sent to the screens."
            };
            view::redirect_with(&state, PAGE, Flash::ok(note))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn edit(
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
    let changed = match message_from_form(&fields, zone, id.clone()) {
        Ok(message) => message,
        Err(failure) => return view::redirect_with(&state, &format!("{PAGE}?edit={id}"), Flash::error(failure.message)),
    };
    match state.store.update_message(&id, |_| Ok(changed)).await {
        Ok(_) => {
            tracing::info!(message_id = %id, "console: message changed");
            view::redirect_with(&state, PAGE, Flash::ok("Message changed."))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn expire(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    let now = Utc::now().fixed_offset();
    let expired = state
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
        .await;
    match expired {
        Ok(message) => {
            tracing::info!(message_id = %id, "console: message expired");
            let note = if message.emergency {
                "Emergency cleared: the screens are back."
            } else {
                "Message expired: off the screens."
            };
            view::redirect_with(&state, PAGE, Flash::ok(note))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    match state.store.delete_message(&id).await {
        Ok(()) => {
            tracing::info!(message_id = %id, "console: message deleted");
            view::redirect_with(&state, PAGE, Flash::ok("Message deleted."))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}
