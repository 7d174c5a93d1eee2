//! Game: the teams (name, colour, key), the round plan, and the results of every finished round.

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;

use super::form::Fields;
use super::session::{failure_page, require_form, require_page};
use super::view::{self, Flash};
use crate::AppState;
use crate::error::Failure;
use crate::input;
use venue_contract::wire::{Round, Team};

const PAGE: &str = "/console/game";
/// Empty rows the round form offers for new rounds.
const NEW_ROUND_ROWS: usize = 2;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(game_page))
        .route("/console/game/teams", post(save_team))
        .route("/console/game/teams/{id}/delete", post(delete_team))
        .route("/console/game/rounds", post(save_rounds))
        .route("/console/game/bets/{round}/{action}", post(change_bets))
}

#[derive(Serialize)]
struct ScoreRow {
    team: String,
    color: String,
    round_points: i64,
    total_points: i64,
}

#[derive(Serialize)]
struct RoundResultRow {
    round: u32,
    finished_at: String,
    scores: Vec<ScoreRow>,
}

#[derive(serde::Deserialize)]
struct PageQuery {
    edit: Option<String>,
}

async fn game_page(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<PageQuery>) -> Response {
    let signed = match require_page(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let values = async {
        let zone = view::venue_zone(&state).await;
        let teams = state.store.teams().await?;
        let by_id: HashMap<&str, &Team> = teams.iter().map(|t| (t.id.as_str(), t)).collect();
        let mut games: BTreeMap<String, Vec<RoundResultRow>> = BTreeMap::new();
        for stored in state.store.game_results().await? {
            let result = stored.result;
            let mut scores: Vec<ScoreRow> = result
                .scores
                .iter()
                .map(|s| ScoreRow {
                    team: by_id.get(s.team_id.as_str()).map_or_else(|| s.team_id.clone(), |t| t.name.clone()),
                    color: by_id.get(s.team_id.as_str()).map_or_else(|| "#888888".into(), |t| t.color.clone()),
                    round_points: s.round_points,
                    total_points: s.total_points,
                })
                .collect();
            scores.sort_by_key(|s| std::cmp::Reverse(s.total_points));
            games.entry(result.game_id).or_default().push(RoundResultRow {
                round: result.round,
                finished_at: view::short_time(zone, &result.finished_at),
                scores,
            });
        }
        for rounds in games.values_mut() {
            rounds.sort_by_key(|r| r.round);
        }
        let rounds = state.store.rounds().await?;
        let next_index = rounds.iter().map(|r| r.index + 1).max().unwrap_or(0);
        let new_rows: Vec<u32> = (0..NEW_ROUND_ROWS as u32).map(|i| next_index + i).collect();
        let games: Vec<serde_json::Value> = games
            .into_iter()
            .map(|(id, rounds)| serde_json::json!({ "id": id, "rounds": rounds }))
            .collect();
        let betting = state.store.bet_rounds().await?;
        let bets: Vec<serde_json::Value> = rounds
            .iter()
            .map(|r| {
                let bet = betting.iter().find(|b| b.round_index == r.index);
                let total: u32 = bet.map(|b| b.shares.iter().map(|(_, n)| n).sum()).unwrap_or_default();
                serde_json::json!({
                    "index": r.index,
                    "name": r.name,
                    "state": bet.map_or("none", |b| match b.state {
                        crate::db::BetState::Open => "open",
                        crate::db::BetState::Closed => "closed",
                        crate::db::BetState::Settled => "settled",
                    }),
                    "total": total,
                    "shares": bet.map(|b| b.shares.iter().map(|(team, n)| serde_json::json!({
                        "team": by_id.get(team.as_str()).map_or(team.clone(), |t| t.name.clone()),
                        "color": by_id.get(team.as_str()).map_or("#888888".to_string(), |t| t.color.clone()),
                        "n": n,
                    })).collect::<Vec<_>>()).unwrap_or_default(),
                })
            })
            .collect();
        Ok::<_, Failure>(serde_json::json!({
            "bets": bets,
            "teams": teams,
            "editing": query.edit.as_deref().and_then(|id| by_id.get(id)).copied(),
            // f32 shown as written (2.6, not 2.5999999).
            "rounds": rounds.iter().map(|r| serde_json::json!({
                "index": r.index, "name": r.name, "weight": r.weight.to_string(), "speed": r.speed.to_string(),
                "pieces": r.pieces, "difficulty": r.difficulty.to_string(),
            })).collect::<Vec<_>>(),
            "new_rows": new_rows,
            "games": games,
        }))
    }
    .await;
    match values {
        Ok(values) => {
            let response = view::page("game.html", "game", Some(&signed), view::take_flash(&headers), values);
            view::clearing_flash(&state, response)
        }
        Err(failure) => failure_page(&failure),
    }
}

async fn save_team(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let team = Team {
        id: fields.get("id").to_string(),
        name: fields.get("name").to_string(),
        color: fields.get("color").to_ascii_uppercase(),
        key: Some(fields.get("key").to_string()).filter(|k| !k.is_empty()),
    };
    let saved = async {
        input::check_team(&team)?;
        state.store.upsert_team(&team).await
    }
    .await;
    match saved {
        Ok(created) => {
            tracing::info!(team = %team.id, created, "console: team saved");
            view::redirect_with(&state, PAGE, Flash::ok(format!("Team “{}” saved.", team.name)))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn delete_team(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    match state.store.delete_team(&id).await {
        Ok(()) => view::redirect_with(&state, PAGE, Flash::ok("Team deleted.")),
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

/// The round form: rows `index`, `name`, `weight`, `speed`, `pieces`, `difficulty` repeated; a row
/// with an empty name is left out (that is how a round is removed).
fn rounds_from_form(fields: &Fields) -> Result<Vec<Round>, Failure> {
    let column = |name: &str| -> Vec<&str> { fields.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim()).collect() };
    let (indexes, names, weights, speeds, pieces, difficulties) = (
        column("index"),
        column("name"),
        column("weight"),
        column("speed"),
        column("pieces"),
        column("difficulty"),
    );
    let mut rounds = Vec::new();
    for (row, name) in names.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        let cell = |list: &[&str], label: &str| -> Result<f64, Failure> {
            let text = list.get(row).copied().unwrap_or_default();
            text.parse::<f64>()
                .map_err(|_| Failure::invalid_body(format!("round “{name}”: {label} `{text}` is not a number")))
        };
        rounds.push(Round {
            index: cell(&indexes, "index")? as u32,
            name: (*name).to_string(),
            weight: cell(&weights, "weight")? as f32,
            speed: cell(&speeds, "speed")? as f32,
            pieces: cell(&pieces, "pieces")? as u32,
            difficulty: cell(&difficulties, "difficulty")? as f32,
        });
    }
    rounds.sort_by_key(|r| r.index);
    input::check_rounds(&rounds)?;
    Ok(rounds)
}

async fn save_rounds(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    if let Err(response) = require_form(&state, &headers, fields.csrf()).await {
        return response;
    }
    let saved = async {
        let rounds = rounds_from_form(&fields)?;
        state.store.put_rounds(&rounds).await?;
        Ok::<_, Failure>(rounds.len())
    }
    .await;
    match saved {
        Ok(count) => {
            tracing::info!(rounds = count, "console: round plan saved");
            view::redirect_with(&state, PAGE, Flash::ok(format!("Round plan saved: {count} rounds.")))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn change_bets(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((round, action)): Path<(u32, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    let changed = match action.as_str() {
        "open" => state
            .store
            .open_bets(round)
            .await
            .map(|()| format!("Bets on round {round} are open: attendees pick a team on their page.")),
        "close" => state
            .store
            .close_bets(round)
            .await
            .map(|_| format!("Bets on round {round} are closed.")),
        _ => Err(Failure::not_found("no such action")),
    };
    match changed {
        Ok(note) => {
            tracing::info!(round, action = %action, "console: betting changed");
            view::redirect_with(&state, PAGE, Flash::ok(note))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}
