//! `venue-kiosk export`: the decided results as CSV (for spreadsheets) and JSON (for archives).
//!
//! CSV cells that would start a spreadsheet formula are neutralised (`'=…`).
//!
//! - `winners.csv`: who holds each prize now (a no-show's replacement instead of the no-show), in
//!   prize order, never more than the prize's winners; each with the masked name and holder token
//!   the ticket had when its result was stored (a later ticket upload changes nothing).
//! - `replaced.csv`: the winners who did not show up, who replaced them, and why.
//! - `winners.json`: both per prize, and every drawn batch as posted (the full record).
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
    /// Who holds each prize now, and who was replaced.
    prizes: Vec<PrizeExport>,
    /// Every result as posted, in prize and batch order.
    draws: Vec<DrawExport>,
}

#[derive(Serialize)]
struct PrizeExport {
    prize_id: String,
    prize_name: Option<String>,
    /// `None` when the prize has been deleted since.
    winner_count: Option<u32>,
    /// Contract 1.1 eligibility groups of the prize as it is now (absent: none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    eligible_groups: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    excluded_groups: Vec<String>,
    winners: Vec<CurrentWinner>,
    replaced: Vec<ReplacedExport>,
}

#[derive(Serialize, Clone)]
struct CurrentWinner {
    batch: u32,
    ticket: u32,
    display_name: Option<String>,
    holder: Option<String>,
    drawn_at: String,
    /// The no-show this winner replaced.
    replaces: Option<u32>,
    /// Whether the draw was anchored with this server (`venue_rules::draw::engine`'s module doc).
    anchored: bool,
}

#[derive(Serialize)]
struct ReplacedExport {
    ticket: u32,
    display_name: Option<String>,
    holder: Option<String>,
    replaced_by: Vec<u32>,
    reason: String,
    /// The replacement's batch and time.
    batch: u32,
    drawn_at: String,
}

#[derive(Serialize)]
struct DrawExport {
    prize_id: String,
    /// `None` when the prize has been deleted since.
    prize_name: Option<String>,
    batch: u32,
    drawn_at: String,
    winners: Vec<WinnerExport>,
    /// A no-show replacement: the ticket it replaced, and why.
    replaces: Option<u32>,
    reason: Option<String>,
    algorithm: String,
    seed_commitment: String,
    seed: String,
    tickets_hash: String,
    /// Anchored with this server's nonce for the commitment; `false`: NOT ANCHORED (the kiosk
    /// drew without the server, `not_anchored` says why).
    anchored: bool,
    server_nonce: Option<String>,
    not_anchored: Option<String>,
    /// When this server registered the seed commitment: before `drawn_at` for an anchored draw; for
    /// one not anchored, whether it was registered before the draw or only when the server came back.
    commitment_registered_at: Option<String>,
    idempotency_key: String,
    received_at: String,
}

#[derive(Serialize, Clone)]
struct WinnerExport {
    ticket: u32,
    /// As the pool had it when the result was stored; `None` when unknown (a ticket never in the
    /// pool, or a result stored before names were kept with it and the ticket gone since).
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

/// The export files, by name, in memory: for `venue-kiosk export` and the console's downloads.
pub async fn export_files(store: &Store) -> anyhow::Result<Vec<(&'static str, String)>> {
    let exported_at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let prizes = store.prizes().await?;
    let tickets: HashMap<u32, Ticket> = store.tickets().await?.into_iter().map(|t| (t.number, t)).collect();
    let at_draw = store.draw_winners().await?;
    // A database from before anchoring (read as it is, never migrated here) has no registrations.
    let registered = store.commitment_times().await.unwrap_or_default();
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
    let standing = prize_standing(&draws, &prizes, &tickets, &at_draw);
    let draws: Vec<DrawExport> = draws
        .into_iter()
        .map(|stored| {
            let registered_at = registered.get(&stored.result.seed_commitment.to_ascii_lowercase()).cloned();
            DrawExport {
                commitment_registered_at: registered_at,
                ..draw_export(stored, &prizes, &tickets, &at_draw)
            }
        })
        .collect();
    let games = group_games(store.game_results().await?, &teams);
    Ok(vec![
        ("winners.csv", winners_csv(&standing)),
        ("replaced.csv", replaced_csv(&standing)),
        (
            "winners.json",
            pretty(&WinnersExport {
                version: CONTRACT_VERSION,
                exported_at: exported_at.clone(),
                prizes: standing,
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

/// A winning ticket's name and holder: as stored with its result, else as the pool has it now.
fn winner(ticket: u32, key: &str, tickets: &HashMap<u32, Ticket>, at_draw: &HashMap<String, Vec<(u32, String, String)>>) -> WinnerExport {
    let stored = at_draw.get(key).and_then(|w| w.iter().find(|(t, _, _)| *t == ticket));
    match stored {
        Some((_, name, holder)) if !holder.is_empty() => WinnerExport {
            ticket,
            display_name: Some(name.clone()),
            holder: Some(holder.clone()),
        },
        _ => WinnerExport {
            ticket,
            display_name: tickets.get(&ticket).map(|t| t.display_name.clone()),
            holder: tickets.get(&ticket).map(|t| t.holder.clone()),
        },
    }
}

/// Per prize (in draw order): the current winners and the replaced ones, by the one rule
/// (`venue_rules::draw::outcome`).
fn prize_standing(
    draws: &[StoredResult<DrawResult>],
    prizes: &[venue_contract::wire::Prize],
    tickets: &HashMap<u32, Ticket>,
    at_draw: &HashMap<String, Vec<(u32, String, String)>>,
) -> Vec<PrizeExport> {
    let mut out: Vec<PrizeExport> = Vec::new();
    let mut start = 0;
    while start < draws.len() {
        let prize_id = &draws[start].result.prize_id;
        let end = start + draws[start..].iter().take_while(|d| &d.result.prize_id == prize_id).count();
        let group = &draws[start..end];
        let outcome = crate::db::draw_outcome(group.iter().map(|d| &d.result));
        // Where each ticket won: its batch, time and (for a replacement) whom it replaced.
        let won_in = |ticket: u32| group.iter().find(|d| d.result.winners.contains(&ticket));
        let current = outcome
            .current
            .iter()
            .filter_map(|&ticket| {
                let stored = won_in(ticket)?;
                let w = winner(ticket, &stored.idempotency_key, tickets, at_draw);
                Some(CurrentWinner {
                    batch: stored.result.batch,
                    ticket,
                    display_name: w.display_name,
                    holder: w.holder,
                    drawn_at: stored.result.drawn_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    replaces: stored.result.replaces,
                    anchored: stored.result.server_nonce.is_some(),
                })
            })
            .collect();
        let replaced = outcome
            .replaced
            .iter()
            .map(|r| {
                let original = group
                    .iter()
                    .find(|d| d.result.replaces.is_none() && d.result.winners.contains(&r.ticket));
                let w = match original {
                    Some(d) => winner(r.ticket, &d.idempotency_key, tickets, at_draw),
                    None => winner(r.ticket, "", tickets, at_draw),
                };
                let replacement = group.iter().find(|d| d.result.batch == r.batch);
                ReplacedExport {
                    ticket: r.ticket,
                    display_name: w.display_name,
                    holder: w.holder,
                    replaced_by: r.replaced_by.clone(),
                    reason: r.reason.clone(),
                    batch: r.batch,
                    drawn_at: replacement
                        .map(|d| d.result.drawn_at.to_rfc3339_opts(SecondsFormat::Secs, true))
                        .unwrap_or_default(),
                }
            })
            .collect();
        let prize = prizes.iter().find(|p| &p.id == prize_id);
        out.push(PrizeExport {
            prize_id: prize_id.clone(),
            prize_name: prize.map(|p| p.name.clone()),
            winner_count: prize.map(|p| p.winner_count),
            eligible_groups: prize.map(|p| p.eligible_groups.clone()).unwrap_or_default(),
            excluded_groups: prize.map(|p| p.excluded_groups.clone()).unwrap_or_default(),
            winners: current,
            replaced,
        });
        start = end;
    }
    out
}

/// Write the export files into `out` (created if missing); returns their paths.
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

fn draw_export(
    stored: StoredResult<DrawResult>,
    prizes: &[venue_contract::wire::Prize],
    tickets: &HashMap<u32, Ticket>,
    at_draw: &HashMap<String, Vec<(u32, String, String)>>,
) -> DrawExport {
    let result = stored.result;
    DrawExport {
        prize_name: prizes.iter().find(|p| p.id == result.prize_id).map(|p| p.name.clone()),
        batch: result.batch,
        drawn_at: result.drawn_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        winners: result
            .winners
            .iter()
            .map(|number| winner(*number, &stored.idempotency_key, tickets, at_draw))
            .collect(),
        replaces: result.replaces,
        reason: result.reason,
        prize_id: result.prize_id,
        algorithm: result.algorithm,
        seed_commitment: result.seed_commitment,
        seed: result.seed,
        tickets_hash: result.tickets_hash,
        anchored: result.server_nonce.is_some(),
        not_anchored: match &result.server_nonce {
            Some(_) => None,
            None => Some(result.not_anchored.unwrap_or_else(|| "not anchored (no reason given)".to_owned())),
        },
        server_nonce: result.server_nonce,
        commitment_registered_at: None,
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

fn winners_csv(prizes: &[PrizeExport]) -> String {
    let mut out = csv::spreadsheet_line(&[
        "prize_id",
        "prize_name",
        "batch",
        "position",
        "ticket",
        "display_name",
        "holder",
        "drawn_at",
        "replaces",
        "anchored",
    ]);
    for prize in prizes {
        for (i, winner) in prize.winners.iter().enumerate() {
            out.push_str(&csv::spreadsheet_line(&[
                prize.prize_id.as_str(),
                prize.prize_name.as_deref().unwrap_or(""),
                &winner.batch.to_string(),
                &(i + 1).to_string(),
                &winner.ticket.to_string(),
                winner.display_name.as_deref().unwrap_or(""),
                winner.holder.as_deref().unwrap_or(""),
                &winner.drawn_at,
                &winner.replaces.map(|t| t.to_string()).unwrap_or_default(),
                if winner.anchored { "yes" } else { "NOT ANCHORED" },
            ]));
        }
    }
    out
}

fn replaced_csv(prizes: &[PrizeExport]) -> String {
    let mut out = csv::spreadsheet_line(&[
        "prize_id",
        "prize_name",
        "ticket",
        "display_name",
        "holder",
        "replaced_by",
        "reason",
        "batch",
        "drawn_at",
    ]);
    for prize in prizes {
        for r in &prize.replaced {
            let by: Vec<String> = r.replaced_by.iter().map(u32::to_string).collect();
            out.push_str(&csv::spreadsheet_line(&[
                prize.prize_id.as_str(),
                prize.prize_name.as_deref().unwrap_or(""),
                &r.ticket.to_string(),
                r.display_name.as_deref().unwrap_or(""),
                r.holder.as_deref().unwrap_or(""),
                &by.join(" "),
                &r.reason,
                &r.batch.to_string(),
                &r.drawn_at,
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
