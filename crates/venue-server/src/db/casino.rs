//! The live dice game *Casino* (contract 1.1): the current match's setup and its move list.
//!
//! A move is appended in one transaction that first bumps the casino revision. That first write
//! serialises every casino writer: on PostgreSQL the revision row stays locked until the commit, so a
//! second instance's transaction waits and then reads the move list *with* the first one's move (read
//! committed); on SQLite it takes the write lock. Inside, the stored moves are replayed with the rules
//! (`venue_rules::casino::Match`), the new move is applied (an illegal one is refused with the rule's
//! message) and inserted at the next sequence number. `UNIQUE (match_id, move_id)` and the primary key
//! `(match_id, seq)` make "stored once" and "one move per position" hold even if that order were
//! bypassed: the insert of a loser does nothing and is answered "someone else moved first".
//!
//! A round scored by a move is recorded as a game result (`game_id` = the match id, `round` = the
//! 0-based round index, `round_points` = money won that round, `total_points` = money so far), so the
//! console and `venue-kiosk export` list it with the cube game's. An undo that reopens a round removes
//! its result again, in the same transaction.

use axum::http::StatusCode;
use chrono::Utc;
use sqlx::AnyConnection;

use super::casino_bets::{close_all_open, close_if_reached};
use super::{Store, from_stored, now_text, put_document, to_json};
use crate::error::Failure;
use venue_contract::casino::{CasinoData, CasinoMove, CasinoSetup, check_move, check_setup, clean_move};
use venue_contract::payload::Endpoint;
use venue_contract::wire::{CONTRACT_VERSION, GameResult, TeamScore};
use venue_rules::casino::{Applied, Match, RoundResult};

/// The document holding the current match's setup.
pub(super) const CURRENT: &str = "casino_match";

/// What happened to a posted move.
#[derive(Debug, Clone)]
pub enum MoveOutcome {
    /// Accepted and stored at `seq` (1-based position in the move list): `201`.
    Stored {
        seq: u64,
        stored: CasinoMove,
        applied: Applied,
        /// The match as it stands after the move.
        game: Box<Match>,
    },
    /// This move id is already stored with the same move: nothing changed (`200`).
    Repeated { seq: u64, stored: CasinoMove },
    /// This move id is already stored with a different move (`409`).
    Conflict { seq: u64, stored: CasinoMove },
}

/// `409 stale_board`: the sender saw an older board.
pub fn stale_board(message: impl Into<String>) -> Failure {
    Failure::new(StatusCode::CONFLICT, "stale_board", message)
}

impl Store {
    /// The current match and its moves in order; `None` while no match is set up.
    pub async fn casino(&self) -> Result<Option<CasinoData>, Failure> {
        let mut conn = self.pool.acquire().await?;
        Ok(load(&mut conn).await?.map(|(setup, moves)| CasinoData {
            version: CONTRACT_VERSION,
            setup,
            moves,
        }))
    }

    /// `GET /api/v1/casino`: the setup and the stored move bodies, concatenated.
    pub(super) async fn render_casino(&self) -> Result<Option<String>, Failure> {
        let Some(setup) = self.document(CURRENT).await? else {
            return Ok(None);
        };
        let parsed: CasinoSetup = from_stored("casino setup", &setup)?;
        let moves: Vec<String> = sqlx::query_scalar("SELECT body FROM casino_moves WHERE match_id = $1 ORDER BY seq")
            .bind(&parsed.match_id)
            .fetch_all(&self.pool)
            .await?;
        // Contract 1.1: how the room bet on the winner, counts only, when betting was opened.
        let bets = match self.casino_bet_match(&parsed.match_id).await? {
            Some(bets) => format!(",\"bets\":{}", to_json(&bets.wire())),
            None => String::new(),
        };
        Ok(Some(format!(
            "{{\"version\":{CONTRACT_VERSION},\"setup\":{setup},\"moves\":[{}]{bets}}}",
            moves.join(",")
        )))
    }

    /// Make `setup` the current match. Refused (`409 match_in_progress`) while the current match has
    /// moves and is not over, unless `replace`; refused (`409 already_exists`) when its id was used
    /// before (a new match is a new id, so results never mix).
    pub async fn set_up_casino(&self, setup: &CasinoSetup, replace: bool) -> Result<(), Failure> {
        check_setup(setup).map_err(Failure::invalid_body)?;
        let mut tx = self.begin(&[Endpoint::Casino]).await?;
        if let Some((current, moves)) = load(&mut tx).await?
            && !moves.is_empty()
            && !replace
        {
            let game = replay(&current, &moves)?;
            if !game.finished() {
                return Err(Failure::new(
                    StatusCode::CONFLICT,
                    "match_in_progress",
                    format!(
                        "match `{}` is in progress ({} moves): finish it, clear it, or replace it (`?replace=1`)",
                        current.match_id,
                        moves.len()
                    ),
                ));
            }
        }
        let used: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM casino_matches WHERE match_id = $1) + (SELECT COUNT(*) FROM game_results WHERE game_id = $1)",
        )
        .bind(&setup.match_id)
        .fetch_one(&mut *tx)
        .await?;
        if used > 0 {
            return Err(Failure::already_exists(format!(
                "match id `{}` was already used; a new match needs a new id",
                setup.match_id
            )));
        }
        let body = to_json(setup);
        sqlx::query("INSERT INTO casino_matches (match_id, setup, created_unix) VALUES ($1, $2, $3)")
            .bind(&setup.match_id)
            .bind(&body)
            .bind(Utc::now().timestamp())
            .execute(&mut *tx)
            .await?;
        put_document(&mut tx, CURRENT, &body).await?;
        // Bets on a match that is no longer current close (a replaced match never ends).
        close_all_open(&mut tx).await?;
        self.commit(tx, &[Endpoint::Casino]).await
    }

    /// No current match any more (screens show none); its moves and results stay for the record.
    /// `false` when there was none.
    pub async fn clear_casino(&self) -> Result<bool, Failure> {
        let mut tx = self.begin(&[Endpoint::Casino]).await?;
        let deleted = sqlx::query("DELETE FROM documents WHERE name = $1")
            .bind(CURRENT)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Ok(false); // dropped: the revision bump is rolled back
        }
        close_all_open(&mut tx).await?;
        self.commit(tx, &[Endpoint::Casino]).await?;
        Ok(true)
    }

    /// Append a move to the current match, exactly once (see the module's notes). `after`: the number
    /// of moves the sender saw; when given and the list has grown since, the move is refused
    /// (`409 stale_board`) instead of being applied to a board the sender did not see.
    pub async fn add_casino_move(&self, posted: &CasinoMove, after: Option<u64>) -> Result<MoveOutcome, Failure> {
        let posted = clean_move(posted.clone());
        let mut tx = self.begin(&[Endpoint::Casino]).await?;
        let Some((setup, moves)) = load(&mut tx).await? else {
            return Err(Failure::not_found("no casino match is set up"));
        };
        check_move(&setup, &posted).map_err(Failure::invalid_body)?;
        // A move id already stored: the same move again is a retry (or a second staff member), anything
        // else is a conflict. Nothing is written either way.
        if let Some((index, stored)) = moves.iter().enumerate().find(|(_, m)| m.id == posted.id) {
            let seq = index as u64 + 1;
            let stored = stored.clone();
            return Ok(if stored == posted {
                // Nothing to write: the revision bump is undone before anything else waits on it.
                tx.rollback().await?;
                // A retry of the move that ended the match settles bets a failure left unsettled.
                if replay(&setup, &moves)?.finished() {
                    self.settle_casino_bets_logged(&setup.match_id).await;
                }
                MoveOutcome::Repeated { seq, stored }
            } else {
                MoveOutcome::Conflict { seq, stored }
            });
        }
        if let Some(after) = after
            && after != moves.len() as u64
        {
            return Err(stale_board(format!(
                "someone else moved first: the board has {} moves, this page showed {after}; reload it",
                moves.len()
            )));
        }
        let mut game = replay(&setup, &moves)?;
        let applied = game
            .apply(&posted)
            .map_err(|illegal| Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "illegal_move", illegal.to_string()))?;
        let seq = moves.len() as u64 + 1;
        let now = Utc::now();
        let inserted = sqlx::query(
            "INSERT INTO casino_moves (match_id, seq, move_id, body, at_unix) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&setup.match_id)
        .bind(seq as i64)
        .bind(&posted.id)
        .bind(to_json(&posted))
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(stale_board("someone else moved first: reload the board and enter the move again"));
        }
        if matches!(applied, Applied::Placed { .. }) {
            // Attendees' bets on the winner close once the match reaches their closing round.
            close_if_reached(&mut tx, &game).await?;
        }
        match &applied {
            Applied::Placed {
                round_scored: Some(round), ..
            } => record_round(&mut tx, &game, round).await?,
            Applied::Undone {
                undone,
                round_reopened: true,
            } => {
                sqlx::query("DELETE FROM game_results WHERE game_id = $1 AND round_index = $2")
                    .bind(&setup.match_id)
                    .bind(i64::from(undone.round_index))
                    .execute(&mut *tx)
                    .await?;
            }
            _ => {}
        }
        self.commit(tx, &[Endpoint::Casino]).await?;
        if game.finished() {
            self.settle_casino_bets_logged(&setup.match_id).await;
        }
        Ok(MoveOutcome::Stored {
            seq,
            stored: posted,
            applied,
            game: Box::new(game),
        })
    }
}

/// The current match's setup and moves, read on `conn` (inside a transaction: after its first write).
async fn load(conn: &mut AnyConnection) -> Result<Option<(CasinoSetup, Vec<CasinoMove>)>, Failure> {
    let setup: Option<String> = sqlx::query_scalar("SELECT body FROM documents WHERE name = $1")
        .bind(CURRENT)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(setup) = setup else {
        return Ok(None);
    };
    let setup: CasinoSetup = from_stored("casino setup", &setup)?;
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM casino_moves WHERE match_id = $1 ORDER BY seq")
        .bind(&setup.match_id)
        .fetch_all(&mut *conn)
        .await?;
    let moves = bodies.iter().map(|b| from_stored("casino move", b)).collect::<Result<_, _>>()?;
    Ok(Some((setup, moves)))
}

fn replay(setup: &CasinoSetup, moves: &[CasinoMove]) -> Result<Match, Failure> {
    Match::replay(setup, moves).map_err(|e| Failure::internal(format!("the stored casino match does not replay: {e}")))
}

/// A scored round as a game result; a result left by an undone scoring of the round is replaced.
async fn record_round(conn: &mut AnyConnection, game: &Match, round: &RoundResult) -> Result<(), Failure> {
    let match_id = &game.setup().match_id;
    let standings = game.standings();
    let result = GameResult {
        version: CONTRACT_VERSION,
        game_id: match_id.clone(),
        round: u32::from(round.round_index),
        scores: game
            .teams()
            .iter()
            .enumerate()
            .map(|(team, id)| TeamScore {
                team_id: id.clone(),
                round_points: round.payouts[team] as i64,
                total_points: standings[team].money as i64,
            })
            .collect(),
        finished_at: Utc::now().fixed_offset(),
    };
    sqlx::query("DELETE FROM game_results WHERE game_id = $1 AND round_index = $2")
        .bind(match_id)
        .bind(i64::from(round.round_index))
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO game_results (idempotency_key, game_id, round_index, body, received_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(format!("casino-{match_id}-{}", round.round_index))
        .bind(match_id)
        .bind(i64::from(round.round_index))
        .bind(to_json(&result))
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
