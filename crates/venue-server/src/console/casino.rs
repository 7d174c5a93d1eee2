//! Casino: the live dice game's board and move entry on a staff member's phone (staff and admins),
//! and setting a match up or clearing it (admins). Each form carries a fresh idempotency key
//! (the move's id, made when the page is rendered) and the number of moves the page showed, so a
//! double tap stores one move and a page left behind by another staff member's move is refused.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;

use super::form::Fields;
use super::session::{Signed, failure_page, require_form, require_staff, require_staff_form};
use super::view::{self, Flash};
use crate::AppState;
use crate::casino::{SetupRequest, new_setup, rolled_from_counts};
use crate::db::{BetState, CasinoBetMatch, MoveOutcome};
use crate::error::Failure;
use venue_contract::casino::{CasinoMove, MoveKind};
use venue_contract::wire::Team;
use venue_rules::casino::money;
use venue_rules::casino::{Applied, Match, Outcome};

const PAGE: &str = "/console/casino";
const DIE: [&str; 6] = ["⚀", "⚁", "⚂", "⚃", "⚄", "⚅"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(casino_page))
        .route("/console/casino/move", post(post_move))
        .route("/console/casino/undo", post(post_undo))
        .route("/console/casino/setup", post(set_up))
        .route("/console/casino/clear", post(clear))
        .route("/console/casino/bets/{action}", post(change_bets))
}

/// What a refused move form had in it, shown again so only the mistake needs fixing.
#[derive(Debug, Default, Serialize)]
struct Prefill {
    team: String,
    counts: Vec<u8>,
    face: u8,
    reason: String,
}

#[derive(Serialize)]
struct TeamView {
    id: String,
    name: String,
    color: String,
}

fn team_view(teams: &HashMap<String, Team>, id: &str) -> TeamView {
    let team = teams.get(id);
    TeamView {
        id: id.to_string(),
        name: team.map_or_else(|| id.to_string(), |t| t.name.clone()),
        color: team.map_or_else(|| "#888888".into(), |t| t.color.clone()),
    }
}

/// The board as the page shows it.
fn board_values(game: &Match, moves: &[CasinoMove], teams: &HashMap<String, Team>) -> serde_json::Value {
    let ids = game.teams();
    let standings = game.standings();
    let turn = game.turn();
    let team_rows: Vec<serde_json::Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({
                "team": team_view(teams, id),
                "dice_left": game.dice_left()[i],
                "money": money(standings[i].money),
                "cards": standings[i].cards,
                "turn": turn == Some(i),
            })
        })
        .collect();
    // Mid-match: the live order; after the match: the last round as it was scored.
    let orders = if game.finished() {
        game.round_results().last().map(|r| r.casinos.clone()).unwrap_or_default()
    } else {
        game.live_order()
    };
    let casinos: Vec<serde_json::Value> = orders
        .iter()
        .map(|order| {
            let entries: Vec<serde_json::Value> = order
                .entries
                .iter()
                .map(|e| {
                    let (outcome, class) = match e.outcome {
                        Outcome::Takes { card, .. } => (format!("→ {}", money(u64::from(card))), "takes"),
                        Outcome::Cancelled => ("tie · cancelled · 동점 무효".to_string(), "cancelled"),
                        Outcome::NoCardLeft => ("no card · 카드 없음".to_string(), "none"),
                    };
                    serde_json::json!({ "team": team_view(teams, &ids[e.team]), "dice": e.dice, "outcome": outcome, "class": class })
                })
                .collect();
            serde_json::json!({
                "face": order.face,
                "die": DIE[usize::from(order.face - 1)],
                "cards": order.cards.iter().map(|&c| money(u64::from(c))).collect::<Vec<_>>(),
                "entries": entries,
            })
        })
        .collect();
    let ranking: Vec<serde_json::Value> = game
        .ranking()
        .iter()
        .map(|r| serde_json::json!({ "place": r.place, "team": team_view(teams, &ids[r.team]), "money": money(r.money), "cards": r.cards }))
        .collect();
    let journal: Vec<serde_json::Value> = moves
        .iter()
        .enumerate()
        .rev()
        .take(12)
        .map(|(i, m)| {
            let text = match &m.kind {
                MoveKind::Place { team, rolled, face } => {
                    let placed = rolled.iter().filter(|&&f| f == *face).count();
                    format!(
                        "{} rolled {} → {placed} on casino {face}",
                        team_view(teams, team).name,
                        rolled.iter().map(u8::to_string).collect::<Vec<_>>().join(" ")
                    )
                }
                MoveKind::Undo { reason } => format!("undo · 취소: {reason}"),
            };
            serde_json::json!({ "seq": i + 1, "text": text, "undo": matches!(m.kind, MoveKind::Undo { .. }) })
        })
        .collect();
    serde_json::json!({
        "match_id": game.setup().match_id,
        "round": game.round_index() + 1,
        "rounds": game.rounds(),
        "finished": game.finished(),
        "turn": turn.map(|t| team_view(teams, &ids[t])),
        "turn_dice": turn.map_or(0, |t| game.dice_left()[t]),
        "dice_per_team": game.setup().dice_per_team,
        "teams": team_rows,
        "casinos": casinos,
        "ranking": ranking,
        "moves": moves.len(),
        "journal": journal,
        "can_undo": game.can_undo(),
    })
}

/// Betting on the current match's winner as the page shows it: counts only, as everywhere.
fn bet_values(game: &Match, bets: Option<&CasinoBetMatch>, teams: &HashMap<String, Team>) -> serde_json::Value {
    // The first round that has not begun: betting may close at it or a later one.
    let next_round = if game.finished() {
        game.rounds()
    } else {
        game.placements().iter().map(|p| p.round_index + 1).max().unwrap_or(0)
    };
    let close_choices: Vec<serde_json::Value> = (next_round..game.rounds())
        .map(|r| {
            serde_json::json!({
                "round": r,
                "label": if r == 0 { "when the match begins · 경기 시작 시".to_string() } else { format!("when round {} begins · {}라운드 시작 시", r + 1, r + 1) },
                "selected": bets.is_some_and(|b| b.close_round == r),
            })
        })
        .collect();
    serde_json::json!({
        "state": bets.map_or("none", |b| match b.state {
            BetState::Open => "open",
            BetState::Closed => "closed",
            BetState::Settled => "settled",
        }),
        "close_round": bets.map(|b| u32::from(b.close_round) + 1),
        "total": bets.map_or(0, CasinoBetMatch::total),
        "shares": game.teams().iter().map(|id| {
            let n = bets.and_then(|b| b.shares.iter().find(|(t, _)| t == id)).map_or(0, |(_, n)| *n);
            serde_json::json!({ "team": team_view(teams, id), "n": n })
        }).collect::<Vec<_>>(),
        "winners": bets.map(|b| b.winners.iter().map(|w| team_view(teams, w).name).collect::<Vec<_>>()).unwrap_or_default(),
        "close_choices": close_choices,
        "unsettled": game.finished() && bets.is_some_and(|b| b.state != BetState::Settled),
    })
}

async fn casino_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match require_staff(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let response = render(&state, &signed, view::take_flash(&headers), Prefill::default()).await;
    view::clearing_flash(&state, response)
}

async fn render(state: &AppState, signed: &Signed, flash: Option<Flash>, prefill: Prefill) -> Response {
    let values = async {
        let game_teams = state.store.teams().await?;
        let teams: HashMap<String, Team> = game_teams.iter().map(|t| (t.id.clone(), t.clone())).collect();
        let (board, bets) = match state.store.casino().await? {
            Some(data) => {
                let game = Match::from_data(&data).map_err(Failure::internal)?;
                let bets = state.store.casino_bet_match(&game.setup().match_id).await?;
                (
                    Some(board_values(&game, &data.moves, &teams)),
                    Some(bet_values(&game, bets.as_ref(), &teams)),
                )
            }
            None => (None, None),
        };
        let faces: Vec<serde_json::Value> = (1..=6u8)
            .map(|face| {
                serde_json::json!({
                    "face": face,
                    "die": DIE[usize::from(face - 1)],
                    "count": prefill.counts.get(usize::from(face - 1)).copied().unwrap_or(0),
                    "picked": prefill.face == face,
                })
            })
            .collect();
        Ok::<_, Failure>(serde_json::json!({
            "board": board,
            "bets": bets,
            "faces": faces,
            "prefill": prefill,
            // The id of the move this page's forms will post: a double tap posts it twice, stored once.
            "key": format!("c-{}", hex::encode(rand::random::<[u8; 12]>())),
            "game_teams": game_teams.iter().map(|t| team_view(&teams, &t.id)).collect::<Vec<_>>(),
        }))
    }
    .await;
    match values {
        Ok(values) => view::page("casino.html", "casino", Some(signed), flash, values),
        Err(failure) => failure_page(&failure),
    }
}

/// A refused form: the page again with the note and what was entered (`422`).
async fn refused(state: &AppState, signed: &Signed, message: String, prefill: Prefill) -> Response {
    let mut response = render(state, signed, Some(Flash::error(message)), prefill).await;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    view::clearing_flash(state, response)
}

fn after_of(fields: &Fields) -> Option<u64> {
    fields.get("after").parse().ok()
}

async fn store_move(state: &AppState, signed: &Signed, posted: CasinoMove, after: Option<u64>, prefill: Prefill) -> Response {
    match state.store.add_casino_move(&posted, after).await {
        Ok(MoveOutcome::Stored { applied, game, .. }) => {
            let teams: HashMap<String, Team> = state
                .store
                .teams()
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|t| (t.id.clone(), t))
                .collect();
            let name = |index: usize| team_view(&teams, &game.teams()[index]).name;
            let note = match applied {
                Applied::Placed {
                    placement,
                    round_scored,
                    match_over,
                } => {
                    let mut note = format!(
                        "{}: {} dice on casino {} · 카지노 {}에 주사위 {}개.",
                        name(placement.team),
                        placement.dice,
                        placement.face,
                        placement.face,
                        placement.dice
                    );
                    if let Some(round) = round_scored {
                        note.push_str(&format!(
                            " Round {} scored · 라운드 {} 정산.",
                            round.round_index + 1,
                            round.round_index + 1
                        ));
                    }
                    if match_over {
                        note.push_str(" The match is over · 경기 종료.");
                    }
                    note
                }
                Applied::Undone { undone, round_reopened } => format!(
                    "Undone: {}'s dice on casino {}{} · 취소됨.",
                    name(undone.team),
                    undone.face,
                    if round_reopened { " (the round is open again)" } else { "" }
                ),
                Applied::Duplicate => "Already stored.".into(),
            };
            tracing::info!(move_id = %posted.id, "console: casino move stored");
            view::redirect_with(state, PAGE, Flash::ok(note))
        }
        Ok(MoveOutcome::Repeated { .. }) => view::redirect_with(
            state,
            PAGE,
            Flash::ok("This move was already stored (sent twice): it counts once. · 이미 저장된 입력입니다."),
        ),
        Ok(MoveOutcome::Conflict { .. }) => {
            refused(
                state,
                signed,
                "Another move was stored under this form's key; reload the board. · 새로고침하세요.".into(),
                prefill,
            )
            .await
        }
        Err(failure) if failure.status.is_server_error() => failure_page(&failure),
        Err(failure) => {
            // The board moved on: the team to play now is preselected again; the entered dice stay.
            let prefill = if failure.code == "stale_board" {
                Prefill {
                    team: String::new(),
                    ..prefill
                }
            } else {
                prefill
            };
            refused(state, signed, failure.message, prefill).await
        }
    }
}

async fn post_move(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    let signed = match require_staff_form(&state, &headers, fields.csrf()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let mut counts = [0u8; 6];
    let mut prefill = Prefill {
        team: fields.get("team").to_string(),
        reason: String::new(),
        ..Prefill::default()
    };
    for (i, count) in counts.iter_mut().enumerate() {
        let text = fields.get(&format!("n{}", i + 1));
        *count = if text.is_empty() {
            0
        } else {
            match text.parse::<u8>() {
                Ok(n) if n <= venue_contract::casino::MAX_DICE_PER_TEAM => n,
                _ => {
                    return refused(
                        &state,
                        &signed,
                        format!("Face {}: `{text}` is not a number of dice", i + 1),
                        prefill,
                    )
                    .await;
                }
            }
        };
    }
    prefill.counts = counts.to_vec();
    prefill.face = fields.get("face").parse().unwrap_or(0);
    if counts.iter().all(|&n| n == 0) {
        return refused(
            &state,
            &signed,
            "Enter the dice rolled: how many show each face. · 나온 주사위 수를 입력하세요.".into(),
            prefill,
        )
        .await;
    }
    if prefill.face == 0 {
        return refused(
            &state,
            &signed,
            "Pick the casino to place on. · 놓을 카지노를 고르세요.".into(),
            prefill,
        )
        .await;
    }
    let posted = CasinoMove {
        id: fields.get("key").to_string(),
        kind: MoveKind::Place {
            team: prefill.team.clone(),
            rolled: rolled_from_counts(&counts),
            face: prefill.face,
        },
    };
    store_move(&state, &signed, posted, after_of(&fields), prefill).await
}

async fn post_undo(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    let signed = match require_staff_form(&state, &headers, fields.csrf()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let reason = fields.get("reason").to_string();
    let prefill = Prefill {
        reason: reason.clone(),
        ..Prefill::default()
    };
    if reason.is_empty() {
        return refused(&state, &signed, "An undo needs a reason. · 취소 사유를 입력하세요.".into(), prefill).await;
    }
    let posted = CasinoMove {
        id: fields.get("key").to_string(),
        kind: MoveKind::Undo { reason },
    };
    store_move(&state, &signed, posted, after_of(&fields), prefill).await
}

async fn set_up(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let done = async {
        let request = SetupRequest {
            teams: Some(fields.all("team")),
            dice_per_team: Some(fields.number("dice_per_team", "Dice per team")?),
            rounds: Some(fields.number("rounds", "Rounds")?),
            min_per_casino: Some(fields.number("min_per_casino", "Minimum per casino")?),
            ..SetupRequest::default()
        };
        let setup = new_setup(&state.store, request).await?;
        state.store.set_up_casino(&setup, fields.checked("replace")).await?;
        Ok::<_, Failure>(setup)
    }
    .await;
    match done {
        Ok(setup) => {
            tracing::info!(match_id = %setup.match_id, "console: casino match set up");
            view::redirect_with(
                &state,
                PAGE,
                Flash::ok(format!(
                    "Match {} set up: {} teams. · 새 경기 준비 완료.",
                    setup.match_id,
                    setup.teams.len()
                )),
            )
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn clear(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    match state.store.clear_casino().await {
        Ok(_) => {
            tracing::info!("console: casino match cleared");
            view::redirect_with(
                &state,
                PAGE,
                Flash::ok("The match is cleared: screens show none. · 경기를 지웠습니다."),
            )
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

/// Open betting on the current match's winner (closing at the round picked), close it now, or
/// settle it again after a failure (admins).
async fn change_bets(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(action): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let done = async {
        let Some(data) = state.store.casino().await? else {
            return Err(Failure::not_found("no casino match is set up"));
        };
        let match_id = data.setup.match_id;
        Ok::<_, Failure>(match action.as_str() {
            "open" => {
                let opened = state.store.open_casino_bets(fields.number("close_round", "Close at")?).await?;
                tracing::info!(%match_id, close_round = opened.close_round, "console: casino bets opened");
                "Bets on the winner are open on the handbook pages. · 우승 예측을 열었습니다.".to_string()
            }
            "close" => {
                if state.store.close_casino_bets(&match_id).await? {
                    tracing::info!(%match_id, "console: casino bets closed");
                    "Bets are closed. · 예측을 마감했습니다.".to_string()
                } else {
                    "Bets were not open. · 열린 예측이 없습니다.".to_string()
                }
            }
            "settle" => {
                let right_bet = state.store.ticket_rules().await?.right_bet;
                match state.store.settle_casino_bets(&match_id, right_bet).await? {
                    Some(paid) => format!("Bets settled: {paid} right bets paid now. · 정산 완료."),
                    None => "The match is not over yet. · 경기가 아직 끝나지 않았습니다.".to_string(),
                }
            }
            _ => return Err(Failure::not_found("no such action")),
        })
    }
    .await;
    match done {
        Ok(note) => view::redirect_with(&state, PAGE, Flash::ok(note)),
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_thousands_separators() {
        assert_eq!(money(0), "0");
        assert_eq!(money(900), "900");
        assert_eq!(money(90_000), "90,000");
        assert_eq!(money(2_500_000), "2,500,000");
    }
}
