//! The attendee's handbook (`/h/{code}`, the QR on their badge): now and next in every room, their
//! tickets and how to earn more, their check-ins, whether they won. Private by its unguessable code;
//! still it shows only the masked name. Staff signed in on the same phone see "check in at …" on it,
//! and `/staff` signs staff in and finds an attendee by the badge code when a badge will not scan.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{TimeDelta, Utc};
use serde::Serialize;

use super::attendees::{public_base, qr_svg};
use super::form::Fields;
use super::session::{self, Signed, TapCookies, failure_page, require_staff, require_staff_form};
use super::view::{self, Flash};
use crate::AppState;
use crate::attendees::{AttendeeKeys, normalize_badge_code};
use crate::auth::{Scope, token_hash};
use crate::db::{AttendeeRow, BetState, kind_name};
use crate::error::Failure;
use venue_contract::wire::Schedule;
use venue_rules::attend::{self, PlaceKind, Progress};
use venue_rules::schedule::now_next;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/h/{code}", get(handbook))
        .route("/h/{code}/check-in", post(check_in))
        .route("/h/{code}/bet", post(place_bet))
        .route("/h/{code}/casino-bet", post(place_casino_bet))
        .route("/staff", get(staff_page))
        .route("/staff/sign-in", get(staff_sign_in_page).post(staff_sign_in))
        .route("/staff/lookup", post(lookup))
}

/// Sessions within this long of their start may be checked in to.
const CHECK_IN_EARLY_MIN: i64 = 15;

#[derive(Serialize)]
struct RoomLine {
    room: String,
    now: Option<String>,
    next: Option<String>,
    next_at: Option<String>,
}

#[derive(Serialize)]
struct PlaceChoice {
    id: String,
    label: String,
    kind: &'static str,
}

async fn attendee_by_code(state: &AppState, code: &str) -> Result<Option<AttendeeRow>, Failure> {
    if code.len() > 64 {
        return Ok(None);
    }
    state.store.attendee_by_code_hash(&token_hash(code)).await
}

fn unknown_link() -> Response {
    view::message_page(
        StatusCode::NOT_FOUND,
        "Unknown link · 알 수 없는 링크",
        "This handbook link is not known here. Check the QR code on your badge, or ask at the registration desk. · 명찰의 QR 코드를 확인하거나 등록 데스크에 문의하세요.",
        "/",
    )
}

/// Where staff can check an attendee in now: the entrance, sessions running or starting soon,
/// every booth and discussion table.
async fn place_choices(state: &AppState, schedule: &Schedule) -> Result<Vec<PlaceChoice>, Failure> {
    let zone = view::venue_zone(state).await;
    let now = Utc::now();
    let soon = now + TimeDelta::minutes(CHECK_IN_EARLY_MIN);
    let mut choices = vec![PlaceChoice {
        id: "entrance".into(),
        label: "Entrance · 입장".into(),
        kind: "entrance",
    }];
    let mut sessions: Vec<_> = schedule
        .sessions
        .iter()
        .filter(|s| !s.cancelled && s.room.is_some() && s.start.with_timezone(&Utc) <= soon && s.end.with_timezone(&Utc) > now)
        .collect();
    sessions.sort_by_key(|s| s.start);
    for s in sessions {
        choices.push(PlaceChoice {
            id: format!("session:{}", s.id),
            label: format!("{} · {}", s.start.with_timezone(&zone).format("%H:%M"), s.title),
            kind: "session",
        });
    }
    for place in state.store.places().await? {
        choices.push(PlaceChoice {
            id: place.id,
            label: place.name,
            kind: kind_name(place.kind),
        });
    }
    Ok(choices)
}

async fn current_schedule(state: &AppState) -> Result<Schedule, Failure> {
    Ok(Schedule {
        version: 1,
        sessions: state.store.sessions().await?,
    })
}

async fn handbook(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>) -> Response {
    let attendee = match attendee_by_code(&state, &code).await {
        Ok(Some(attendee)) => attendee,
        Ok(None) => return unknown_link(),
        Err(failure) => return failure_page(&failure),
    };
    let staff = session::signed_in(&state, &headers).await.ok().flatten();
    match handbook_values(&state, &headers, &attendee, &code, staff.as_ref()).await {
        Ok(values) => {
            let response = view::page("handbook.html", "", staff.as_ref(), view::take_flash(&headers), values);
            view::clearing_flash(&state, response)
        }
        Err(failure) => failure_page(&failure),
    }
}

async fn handbook_values(
    state: &AppState,
    headers: &HeaderMap,
    attendee: &AttendeeRow,
    code: &str,
    staff: Option<&Signed>,
) -> Result<serde_json::Value, Failure> {
    let zone = view::venue_zone(state).await;
    let event = state.store.event().await?;
    let schedule = current_schedule(state).await?;
    let rooms: Vec<(String, String)> = event
        .iter()
        .flat_map(|e| e.rooms.iter())
        .map(|r| (r.id.clone(), r.short_name.clone().unwrap_or_else(|| r.name.clone())))
        .collect();
    let room_ids: Vec<&str> = rooms.iter().map(|(id, _)| id.as_str()).collect();
    let lines: Vec<RoomLine> = now_next::now_next_by_room(&schedule, &room_ids, Utc::now())
        .into_iter()
        .zip(rooms.iter())
        .map(|(nn, (_, name))| RoomLine {
            room: name.clone(),
            now: nn.current.map(|s| s.title.clone()),
            next: nn.next.map(|s| s.title.clone()),
            // The day too when it is not today (before the event, the next talk is days away).
            next_at: nn.next.map(|s| {
                let at = s.start.with_timezone(&zone);
                if at.date_naive() == Utc::now().with_timezone(&zone).date_naive() {
                    at.format("%H:%M").to_string()
                } else {
                    at.format("%a %m-%d %H:%M").to_string()
                }
            }),
        })
        .collect();
    let checkins = state.store.checkins_of(&attendee.id).await?;
    let tickets = state.store.tickets_of(&attendee.holder).await?;
    let rules = state.store.ticket_rules().await?;
    let progress = Progress {
        checkins: checkins.iter().map(|c| c.kind).collect(),
        right_bets: Vec::new(),
    };
    let (sessions_to_go, booths_to_go) = attend::to_go(&rules, &progress);
    // Wins: any of my tickets among the decided results.
    let prizes: HashMap<String, String> = state.store.prizes().await?.into_iter().map(|p| (p.id, p.name)).collect();
    let wins: Vec<serde_json::Value> = state
        .store
        .draw_results()
        .await?
        .into_iter()
        .flat_map(|r| {
            let prize = prizes.get(&r.result.prize_id).cloned().unwrap_or_else(|| r.result.prize_id.clone());
            r.result
                .winners
                .iter()
                .filter(|n| tickets.contains(n))
                .map(|n| serde_json::json!({ "ticket": n, "prize": prize }))
                .collect::<Vec<_>>()
        })
        .collect();
    // Bets: rounds with betting open, closed or settled, with this attendee's pick.
    let teams = state.store.teams().await?;
    let plan = state.store.rounds().await?;
    let mine = state.store.bets_of(&attendee.id).await?;
    let team_name = |id: &str| teams.iter().find(|t| t.id == id).map_or_else(|| id.to_string(), |t| t.name.clone());
    let bets: Vec<serde_json::Value> = state
        .store
        .bet_rounds()
        .await?
        .into_iter()
        .map(|round| {
            let pick = mine.iter().find(|(r, _)| *r == round.round_index).map(|(_, t)| t.clone());
            let total: u32 = round.shares.iter().map(|(_, n)| n).sum();
            serde_json::json!({
                "round": round.round_index,
                "name": plan.iter().find(|r| r.index == round.round_index).map(|r| r.name.clone()),
                "state": round.state,
                "pick": pick.as_deref().map(team_name),
                "pick_id": pick,
                "right": pick.as_ref().is_some_and(|p| round.winners.contains(p)),
                "teams": teams.iter().map(|t| {
                    let n = round.shares.iter().find(|(id, _)| *id == t.id).map_or(0, |(_, n)| *n);
                    serde_json::json!({
                        "id": t.id, "name": t.name, "color": t.color,
                        "share": if total > 0 { (f64::from(n) * 100.0 / f64::from(total)).round() as u32 } else { 0 },
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    // Bets on dice matches' winners: open ones, and those this attendee bet on (the latest first).
    let my_casino_bets = state.store.casino_bets_of(&attendee.id).await?;
    let casino_bets: Vec<serde_json::Value> = state
        .store
        .casino_bet_matches()
        .await?
        .into_iter()
        .filter_map(|m| {
            let pick = my_casino_bets.iter().find(|(id, _)| *id == m.match_id).map(|(_, t)| t.clone());
            if m.state != BetState::Open && pick.is_none() {
                return None;
            }
            let total = m.total();
            Some(serde_json::json!({
                "match_id": m.match_id,
                "state": m.state,
                "close_round": u32::from(m.close_round) + 1,
                "pick": pick.as_deref().map(team_name),
                "pick_id": pick,
                "right": pick.as_ref().is_some_and(|p| m.winners.contains(p)),
                "winners": m.winners.iter().map(|w| team_name(w)).collect::<Vec<_>>(),
                "teams": m.teams.iter().map(|id| {
                    let n = m.shares.iter().find(|(t, _)| t == id).map_or(0, |(_, n)| *n);
                    let team = teams.iter().find(|t| t.id == *id);
                    serde_json::json!({
                        "id": id,
                        "name": team_name(id),
                        "color": team.map(|t| t.color.clone()),
                        "share": if total > 0 { (f64::from(n) * 100.0 / f64::from(total)).round() as u32 } else { 0 },
                    })
                }).collect::<Vec<_>>(),
            }))
        })
        .take(3)
        .collect();
    let staff_view = match staff {
        Some(_) => Some(place_choices(state, &schedule).await?),
        None => None,
    };
    let base = public_base(state, headers).await;
    Ok(serde_json::json!({
        "event": event.as_ref().map(|e| e.name.clone()),
        "name": attendee.display_name,
        "badge": AttendeeKeys::badge_code(code),
        "rooms": lines,
        "tickets": tickets,
        "wins": wins,
        "checkins": checkins.iter().map(|c| serde_json::json!({
            "place": c.place_name,
            "kind": kind_name(c.kind),
            "at": chrono::DateTime::from_timestamp(c.at_unix, 0).map(|t| t.with_timezone(&zone).format("%m-%d %H:%M").to_string()),
        })).collect::<Vec<_>>(),
        "rules": rules,
        "sessions_to_go": sessions_to_go,
        "booths_to_go": booths_to_go,
        "code": code,
        "staff_places": staff_view,
        "bets": bets,
        "casino_bets": casino_bets,
        "qr": qr_svg(&format!("{base}/h/{code}")),
    }))
}

async fn check_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_staff_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let back = format!("/h/{code}");
    let attendee = match attendee_by_code(&state, &code).await {
        Ok(Some(attendee)) => attendee,
        Ok(None) => return unknown_link(),
        Err(failure) => return failure_page(&failure),
    };
    let place_id = fields.get("place");
    let outcome = async {
        let schedule = current_schedule(&state).await?;
        let choice = place_choices(&state, &schedule)
            .await?
            .into_iter()
            .find(|c| c.id == place_id)
            .ok_or_else(|| Failure::invalid_body("that place is not open for check-in now; reload the page"))?;
        let kind = match choice.kind {
            "entrance" => PlaceKind::Entrance,
            "session" => PlaceKind::Session,
            "booth" => PlaceKind::Booth,
            _ => PlaceKind::Discussion,
        };
        state
            .store
            .check_in(&attendee, &choice.id, &choice.label, kind)
            .await
            .map(|o| (o, choice.label))
    }
    .await;
    match outcome {
        Ok((outcome, label)) => {
            tracing::info!(place = %place_id, new = outcome.new, granted = outcome.granted.len(), "check-in");
            let mut note = if outcome.new {
                format!("{} checked in at {label}. · 체크인 완료", attendee.display_name)
            } else {
                format!("{} was already checked in at {label}. · 이미 체크인됨", attendee.display_name)
            };
            let tickets: Vec<String> = outcome.granted.iter().flat_map(|(_, n)| n.iter().map(u32::to_string)).collect();
            if !tickets.is_empty() {
                note.push_str(&format!(" New tickets · 새 응모권: {}", tickets.join(", ")));
            }
            view::redirect_with(&state, &back, Flash::ok(note))
        }
        Err(failure) => view::redirect_with(&state, &back, Flash::error(failure.message)),
    }
}

// ---- staff ----

async fn staff_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match require_staff(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let response = view::page(
        "staff.html",
        "",
        Some(&signed),
        view::take_flash(&headers),
        serde_json::json!({ "staff_home": true }),
    );
    view::clearing_flash(&state, response)
}

async fn staff_sign_in_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(Some(_)) = session::signed_in(&state, &headers).await {
        return Redirect::to("/staff").into_response();
    }
    let response = view::page("staff.html", "", None, view::take_flash(&headers), serde_json::json!({}));
    view::clearing_flash(&state, response)
}

async fn staff_sign_in(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if !session::same_origin(&headers) {
        return view::redirect_with(&state, "/staff/sign-in", Flash::error("This sign-in came from another site."));
    }
    let scope = state
        .store
        .token_scope(&token_hash(fields.get("token")))
        .await
        .ok()
        .flatten()
        .and_then(|s| Scope::parse(&s));
    match scope {
        Some(scope @ (Scope::Staff | Scope::Admin)) => {
            tracing::info!(scope = scope.as_str(), "staff: signed in");
            session::start_session(&state, scope, "/staff")
                .await
                .unwrap_or_else(|failure| failure_page(&failure))
        }
        _ => {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            view::redirect_with(
                &state,
                "/staff/sign-in",
                Flash::error("That is not a staff token. · 스태프 토큰이 아닙니다."),
            )
            .tap_cookies(|_| {})
        }
    }
}

/// A badge that will not scan: its code, typed, finds the attendee's page.
async fn lookup(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_staff_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let Some(keys) = state.keys.clone() else {
        return view::redirect_with(&state, "/staff", Flash::error("This server has no attendee key."));
    };
    let typed = normalize_badge_code(fields.get("badge"));
    let found = match state.store.attendee_by_badge_hash(&token_hash(&typed)).await {
        Ok(found) => found,
        Err(failure) => return failure_page(&failure),
    };
    match found.and_then(|row| keys.open_person(&row.sealed).ok()) {
        Some(person) => Redirect::to(&format!("/h/{}", keys.link_code(&person.external_id))).into_response(),
        None => view::redirect_with(
            &state,
            "/staff",
            Flash::error(format!(
                "No attendee has badge code “{}”. · 해당 코드의 참가자가 없습니다.",
                fields.get("badge")
            )),
        ),
    }
}

/// The attendee picks a team for a round whose betting is open. The link is the credential; the
/// server refuses a closed round whatever the page showed.
async fn place_bet(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let back = format!("/h/{code}");
    if !session::same_origin(&headers) {
        return view::redirect_with(&state, &back, Flash::error("This form came from another site."));
    }
    let attendee = match attendee_by_code(&state, &code).await {
        Ok(Some(attendee)) => attendee,
        Ok(None) => return unknown_link(),
        Err(failure) => return failure_page(&failure),
    };
    let placed = async {
        let round: u32 = fields.number("round", "Round")?;
        let team = fields.get("team");
        if !state.store.teams().await?.iter().any(|t| t.id == team) {
            return Err(Failure::invalid_body("pick one of the teams · 팀을 골라 주세요"));
        }
        state.store.place_bet(&attendee.id, round, team).await
    }
    .await;
    match placed {
        Ok(()) => view::redirect_with(&state, &back, Flash::ok("Your bet is in. · 예측이 등록되었습니다.")),
        Err(failure) => view::redirect_with(&state, &back, Flash::error(failure.message)),
    }
}

/// The attendee picks the winner of a dice match whose betting is open. As with the cube game, the
/// link is the credential and the server refuses a closed match whatever the page showed.
async fn place_casino_bet(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let back = format!("/h/{code}");
    if !session::same_origin(&headers) {
        return view::redirect_with(&state, &back, Flash::error("This form came from another site."));
    }
    let attendee = match attendee_by_code(&state, &code).await {
        Ok(Some(attendee)) => attendee,
        Ok(None) => return unknown_link(),
        Err(failure) => return failure_page(&failure),
    };
    match state
        .store
        .place_casino_bet(&attendee.id, fields.get("match"), fields.get("team"))
        .await
    {
        Ok(()) => view::redirect_with(&state, &back, Flash::ok("Your bet is in. · 예측이 등록되었습니다.")),
        Err(failure) => view::redirect_with(&state, &back, Flash::error(failure.message)),
    }
}
