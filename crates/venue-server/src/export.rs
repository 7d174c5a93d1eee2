//! `venue-kiosk export`: the decided results as CSV (for spreadsheets) and JSON (for archives).
//!
//! CSV cells that would start a spreadsheet formula are neutralised (`'=…`).
//!
//! - `winners.csv` / `winners.json`: every drawn batch, in prize order, with each winner's masked
//!   name and holder token as the ticket pool has them now.
//! - `game_results.csv` / `game_results.json`: every finished round of every game.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use super::db::{Store, StoredResult};
use venue_contract::csv;
use venue_contract::wire::{CONTRACT_VERSION, DrawResult, GameResult, Ticket};

#[derive(Serialize)]
struct WinnersExport {
    version: u32,
    exported_at: String,
    draws: Vec<DrawExport>,
}

#[derive(Serialize)]
struct DrawExport {
    prize_id: String,
    /// `None` when the prize has been deleted since.
    prize_name: Option<String>,
    batch: u32,
    drawn_at: String,
    winners: Vec<WinnerExport>,
    algorithm: String,
    seed_commitment: String,
    seed: String,
    tickets_hash: String,
    idempotency_key: String,
    received_at: String,
}

#[derive(Serialize)]
struct WinnerExport {
    ticket: u32,
    /// `None` when the ticket is no longer in the pool.
    display_name: Option<String>,
    holder: Option<String>,
}

#[derive(Serialize)]
struct GamesExport {
    version: u32,
    exported_at: String,
    games: Vec<GameExport>,
}

#[derive(Serialize)]
struct GameExport {
    game_id: String,
    rounds: Vec<RoundExport>,
}

#[derive(Serialize)]
struct RoundExport {
    round: u32,
    finished_at: String,
    scores: Vec<ScoreExport>,
    idempotency_key: String,
    received_at: String,
}

#[derive(Serialize)]
struct ScoreExport {
    team_id: String,
    team_name: Option<String>,
    round_points: i64,
    total_points: i64,
}

/// The four export files, by name, in memory: for `venue-kiosk export` and the console's downloads.
pub async fn export_files(store: &Store) -> anyhow::Result<Vec<(&'static str, String)>> {
    let exported_at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let prizes = store.prizes().await?;
    let tickets: HashMap<u32, Ticket> = store.tickets().await?.into_iter().map(|t| (t.number, t)).collect();
    let teams: HashMap<String, String> = store.teams().await?.into_iter().map(|t| (t.id, t.name)).collect();

    let mut draws = store.draw_results().await?;
    let prize_rank = |id: &str| prizes.iter().position(|p| p.id == id).unwrap_or(usize::MAX);
    draws.sort_by(|a, b| {
        (prize_rank(&a.result.prize_id), &a.result.prize_id, a.result.batch).cmp(&(
            prize_rank(&b.result.prize_id),
            &b.result.prize_id,
            b.result.batch,
        ))
    });
    let draws: Vec<DrawExport> = draws.into_iter().map(|stored| draw_export(stored, &prizes, &tickets)).collect();
    let games = group_games(store.game_results().await?, &teams);
    Ok(vec![
        ("winners.csv", winners_csv(&draws)),
        (
            "winners.json",
            pretty(&WinnersExport {
                version: CONTRACT_VERSION,
                exported_at: exported_at.clone(),
                draws,
            }),
        ),
        ("game_results.csv", games_csv(&games)),
        (
            "game_results.json",
            pretty(&GamesExport {
                version: CONTRACT_VERSION,
                exported_at,
                games,
            }),
        ),
    ])
}

/// Write the four export files into `out` (created if missing); returns their paths.
pub async fn write_exports(store: &Store, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let files = export_files(store).await?;
    std::fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
    let mut written = Vec::new();
    for (name, contents) in files {
        let path = out.join(name);
        // Via a temporary file, so an interrupted export never leaves half a file under the real name.
        let partial = out.join(format!(".{name}.partial"));
        std::fs::write(&partial, contents).with_context(|| format!("write {}", partial.display()))?;
        std::fs::rename(&partial, &path).with_context(|| format!("write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn pretty(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("export types serialize to JSON");
    text.push('\n');
    text
}

fn draw_export(stored: StoredResult<DrawResult>, prizes: &[venue_contract::wire::Prize], tickets: &HashMap<u32, Ticket>) -> DrawExport {
    let result = stored.result;
    DrawExport {
        prize_name: prizes.iter().find(|p| p.id == result.prize_id).map(|p| p.name.clone()),
        batch: result.batch,
        drawn_at: result.drawn_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        winners: result
            .winners
            .iter()
            .map(|number| WinnerExport {
                ticket: *number,
                display_name: tickets.get(number).map(|t| t.display_name.clone()),
                holder: tickets.get(number).map(|t| t.holder.clone()),
            })
            .collect(),
        prize_id: result.prize_id,
        algorithm: result.algorithm,
        seed_commitment: result.seed_commitment,
        seed: result.seed,
        tickets_hash: result.tickets_hash,
        idempotency_key: stored.idempotency_key,
        received_at: stored.received_at,
    }
}

fn group_games(results: Vec<StoredResult<GameResult>>, teams: &HashMap<String, String>) -> Vec<GameExport> {
    let mut games: Vec<GameExport> = Vec::new();
    // Stored results come ordered by game id, then round.
    for stored in results {
        let result = stored.result;
        let round = RoundExport {
            round: result.round,
            finished_at: result.finished_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            scores: result
                .scores
                .into_iter()
                .map(|s| ScoreExport {
                    team_name: teams.get(&s.team_id).cloned(),
                    team_id: s.team_id,
                    round_points: s.round_points,
                    total_points: s.total_points,
                })
                .collect(),
            idempotency_key: stored.idempotency_key,
            received_at: stored.received_at,
        };
        match games.last_mut() {
            Some(game) if game.game_id == result.game_id => game.rounds.push(round),
            _ => games.push(GameExport {
                game_id: result.game_id,
                rounds: vec![round],
            }),
        }
    }
    games
}

fn winners_csv(draws: &[DrawExport]) -> String {
    let mut out = csv::spreadsheet_line(&[
        "prize_id",
        "prize_name",
        "batch",
        "position",
        "ticket",
        "display_name",
        "holder",
        "drawn_at",
    ]);
    for draw in draws {
        for (i, winner) in draw.winners.iter().enumerate() {
            out.push_str(&csv::spreadsheet_line(&[
                draw.prize_id.as_str(),
                draw.prize_name.as_deref().unwrap_or(""),
                &draw.batch.to_string(),
                &(i + 1).to_string(),
                &winner.ticket.to_string(),
                winner.display_name.as_deref().unwrap_or(""),
                winner.holder.as_deref().unwrap_or(""),
                &draw.drawn_at,
            ]));
        }
    }
    out
}

fn games_csv(games: &[GameExport]) -> String {
    let mut out = csv::spreadsheet_line(&[
        "game_id",
        "round",
        "team_id",
        "team_name",
        "round_points",
        "total_points",
        "finished_at",
    ]);
    for game in games {
        for round in &game.rounds {
            for score in &round.scores {
                out.push_str(&csv::spreadsheet_line(&[
                    game.game_id.as_str(),
                    &round.round.to_string(),
                    &score.team_id,
                    score.team_name.as_deref().unwrap_or(""),
                    &score.round_points.to_string(),
                    &score.total_points.to_string(),
                    &round.finished_at,
                ]));
            }
        }
    }
    out
}
