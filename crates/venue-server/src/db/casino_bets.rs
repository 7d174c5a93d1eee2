//! Bets on a dice match's winner (the cube game's bets, for the casino): organisers open betting on
//! the current match and say when it closes (at the match's first move, or when a later round
//! begins); attendees pick a team on their handbook page, one bet per match, changeable while
//! open; the move that ends the match settles it, and every right bet earns the *right bet*
//! tickets once.
//!
//! Every write here bumps the casino revision first, as the moves do (`db/casino.rs`), so bets and
//! moves take turns: on PostgreSQL the revision row stays locked until the commit, on SQLite the
//! write lock is held. The move that reaches the closing round closes betting in its own
//! transaction, so a bet written after that move sees it closed and is refused, on any instance.
//! Settling moves the match's row from open/closed to settled in the same transaction that
//! grants (after the draw's revision row, like every ticket grant), so it pays once; the grants
//! table's key (attendee, condition) holds even if that were bypassed.

use chrono::Utc;
use sqlx::AnyConnection;

use super::bets::{BetOn, BetState, pay_right_bets, right_bettors};
use super::casino::CURRENT;
use super::{Store, from_stored};
use crate::error::Failure;
use venue_contract::casino::{CasinoBets, CasinoMove, CasinoSetup};
use venue_contract::payload::Endpoint;
use venue_rules::casino::Match;

/// Betting on one match, with how the room bet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CasinoBetMatch {
    pub match_id: String,
    pub state: BetState,
    /// Betting closes when the first move of this round (0-based) is stored.
    pub close_round: u8,
    /// Team ids ranked first when the match ended (settled only).
    pub winners: Vec<String>,
    /// (team id, bets), every team that got one, in byte order of the id.
    pub shares: Vec<(String, u32)>,
    /// The match's teams in turn order.
    pub teams: Vec<String>,
}

impl CasinoBetMatch {
    /// The contract's counts-only view, for the casino payload.
    pub fn wire(&self) -> CasinoBets {
        CasinoBets {
            state: self.state.wire(),
            close_round: self.close_round,
            bets: self.shares.iter().cloned().collect(),
            winners: self.winners.clone(),
        }
    }

    /// Every bet placed on the match.
    pub fn total(&self) -> u32 {
        self.shares.iter().map(|(_, n)| n).sum()
    }
}

fn too_late(close_round: u8) -> Failure {
    Failure::invalid_body(if close_round == 0 {
        "the match has begun: bets on it are closed · 경기가 시작되어 예측이 마감되었습니다".to_string()
    } else {
        format!(
            "round {} has begun: bets on this match are closed · 예측이 마감되었습니다",
            u32::from(close_round) + 1
        )
    })
}

fn closed() -> Failure {
    Failure::invalid_body("bets on this match are closed · 이 경기의 예측은 마감되었습니다")
}

/// Has the match reached `close_round` (a move of that round or a later one is in effect, or the
/// match is over)?
fn reached(game: &Match, close_round: u8) -> bool {
    game.finished() || game.placements().iter().any(|p| p.round_index >= close_round)
}

/// The winners by the rules' final ranking: every team in first place (several only when the
/// setup's tie-break lets teams share it).
fn winners_of(game: &Match) -> Vec<String> {
    game.ranking()
        .iter()
        .filter(|r| r.place == 1)
        .map(|r| game.teams()[r.team].clone())
        .collect()
}

/// A match as stored (the current one or an earlier one) with its moves, read on `conn`.
async fn load_match(conn: &mut AnyConnection, match_id: &str) -> Result<Option<Match>, Failure> {
    let setup: Option<String> = sqlx::query_scalar("SELECT setup FROM casino_matches WHERE match_id = $1")
        .bind(match_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(setup) = setup else {
        return Ok(None);
    };
    let setup: CasinoSetup = from_stored("casino setup", &setup)?;
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM casino_moves WHERE match_id = $1 ORDER BY seq")
        .bind(match_id)
        .fetch_all(&mut *conn)
        .await?;
    let moves: Vec<CasinoMove> = bodies.iter().map(|b| from_stored("casino move", b)).collect::<Result<_, _>>()?;
    Match::replay(&setup, &moves)
        .map(Some)
        .map_err(|e| Failure::internal(format!("the stored casino match does not replay: {e}")))
}

/// In a move's transaction: close betting on the match once the move reaches its closing round.
pub(super) async fn close_if_reached(conn: &mut AnyConnection, game: &Match) -> Result<(), Failure> {
    let reached_round = if game.finished() {
        i64::from(game.rounds())
    } else {
        game.placements().iter().map(|p| i64::from(p.round_index)).max().unwrap_or(-1)
    };
    sqlx::query(
        "UPDATE casino_bet_matches SET state = 'closed', changed_unix = $3 WHERE match_id = $1 AND state = 'open' AND close_round <= $2",
    )
    .bind(&game.setup().match_id)
    .bind(reached_round)
    .bind(Utc::now().timestamp())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// When the current match is replaced or cleared: betting still open on any match closes.
pub(super) async fn close_all_open(conn: &mut AnyConnection) -> Result<(), Failure> {
    sqlx::query("UPDATE casino_bet_matches SET state = 'closed', changed_unix = $1 WHERE state = 'open'")
        .bind(Utc::now().timestamp())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// Open betting on the current match's winner, closing when round `close_round` (0-based)
    /// begins. Refused when no match is set up, when the match has reached that round already, or
    /// when its bets are settled. Opening again changes the closing round.
    pub async fn open_casino_bets(&self, close_round: u8) -> Result<CasinoBetMatch, Failure> {
        let mut tx = self.begin(&[Endpoint::Casino]).await?;
        let current: Option<String> = sqlx::query_scalar("SELECT body FROM documents WHERE name = $1")
            .bind(CURRENT)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = current else {
            return Err(Failure::not_found("no casino match is set up"));
        };
        let setup: CasinoSetup = from_stored("casino setup", &current)?;
        let game = load_match(&mut tx, &setup.match_id)
            .await?
            .ok_or_else(|| Failure::internal("the current casino match is not stored"))?;
        if close_round >= game.rounds() {
            return Err(Failure::invalid_body(format!(
                "the match has {} rounds: bets close at round 1 to {}",
                game.rounds(),
                game.rounds()
            )));
        }
        if reached(&game, close_round) {
            return Err(too_late(close_round));
        }
        let opened = sqlx::query(
            "INSERT INTO casino_bet_matches (match_id, state, close_round, changed_unix, winners) VALUES ($1, 'open', $2, $3, '[]')
             ON CONFLICT (match_id) DO UPDATE SET state = 'open', close_round = excluded.close_round, changed_unix = excluded.changed_unix
             WHERE casino_bet_matches.state <> 'settled'",
        )
        .bind(&setup.match_id)
        .bind(i64::from(close_round))
        .bind(Utc::now().timestamp())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if opened == 0 {
            return Err(Failure::invalid_body("this match is over: its bets are settled"));
        }
        self.commit(tx, &[Endpoint::Casino]).await?;
        self.casino_bet_match(&setup.match_id)
            .await?
            .ok_or_else(|| Failure::internal("casino bets vanished"))
    }

    /// Close betting on a match now (the organisers' call); `false` when it was not open.
    pub async fn close_casino_bets(&self, match_id: &str) -> Result<bool, Failure> {
        let mut tx = self.begin(&[Endpoint::Casino]).await?;
        let closed =
            sqlx::query("UPDATE casino_bet_matches SET state = 'closed', changed_unix = $2 WHERE match_id = $1 AND state = 'open'")
                .bind(match_id)
                .bind(Utc::now().timestamp())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if closed == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        self.commit(tx, &[Endpoint::Casino]).await?;
        Ok(true)
    }

    /// Place or change an attendee's bet on a match's winner; refused unless betting on it is open
    /// at this instant (checked by the write itself) or the team does not play in it.
    pub async fn place_casino_bet(&self, attendee_id: &str, match_id: &str, team_id: &str) -> Result<(), Failure> {
        let mut tx = self.begin(&[Endpoint::Casino]).await?;
        let setup: Option<String> = sqlx::query_scalar("SELECT setup FROM casino_matches WHERE match_id = $1")
            .bind(match_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(setup) = setup else {
            return Err(closed());
        };
        let setup: CasinoSetup = from_stored("casino setup", &setup)?;
        if !setup.teams.iter().any(|t| t == team_id) {
            return Err(Failure::invalid_body(
                "pick one of the match's teams · 경기에 나오는 팀을 골라 주세요",
            ));
        }
        let written = sqlx::query(
            "INSERT INTO casino_bets (attendee_id, match_id, team_id, at_unix)
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM casino_bet_matches WHERE match_id = $2 AND state = 'open')
             ON CONFLICT (attendee_id, match_id) DO UPDATE SET team_id = excluded.team_id, at_unix = excluded.at_unix",
        )
        .bind(attendee_id)
        .bind(match_id)
        .bind(team_id)
        .bind(Utc::now().timestamp())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if written == 0 {
            tx.rollback().await?;
            return Err(closed());
        }
        self.commit(tx, &[Endpoint::Casino]).await
    }

    /// An attendee's bets on dice matches: (match id, team id).
    pub async fn casino_bets_of(&self, attendee_id: &str) -> Result<Vec<(String, String)>, Failure> {
        Ok(sqlx::query_as("SELECT match_id, team_id FROM casino_bets WHERE attendee_id = $1")
            .bind(attendee_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Every match with betting, the most recently changed first, with the room's shares.
    pub async fn casino_bet_matches(&self) -> Result<Vec<CasinoBetMatch>, Failure> {
        let rows: Vec<(String, String, i64, String, String)> = sqlx::query_as(&format!(
            "SELECT b.match_id, b.state, b.close_round, b.winners, m.setup FROM casino_bet_matches b
             JOIN casino_matches m ON m.match_id = b.match_id ORDER BY m.created_unix DESC, {}",
            self.bytewise("b.match_id")
        ))
        .fetch_all(&self.pool)
        .await?;
        let counts: Vec<(String, String, i64)> = sqlx::query_as(&format!(
            "SELECT match_id, team_id, COUNT(*) FROM casino_bets GROUP BY match_id, team_id ORDER BY {}",
            self.bytewise("team_id")
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut matches = Vec::with_capacity(rows.len());
        for (match_id, state, close_round, winners, setup) in rows {
            let Some(state) = BetState::parse(&state) else {
                continue;
            };
            let setup: CasinoSetup = from_stored("casino setup", &setup)?;
            matches.push(CasinoBetMatch {
                shares: counts
                    .iter()
                    .filter(|(m, _, _)| *m == match_id)
                    .map(|(_, team, n)| (team.clone(), u32::try_from(*n).unwrap_or_default()))
                    .collect(),
                match_id,
                state,
                close_round: u8::try_from(close_round).unwrap_or(u8::MAX),
                winners: serde_json::from_str(&winners).unwrap_or_default(),
                teams: setup.teams,
            });
        }
        Ok(matches)
    }

    pub async fn casino_bet_match(&self, match_id: &str) -> Result<Option<CasinoBetMatch>, Failure> {
        Ok(self.casino_bet_matches().await?.into_iter().find(|m| m.match_id == match_id))
    }

    /// The match ended: settle its bets, paying `right_bet` tickets to every right bet once (any
    /// number of calls, on any instance). `None` while the match is not over or nobody opened
    /// betting on it; else how many bets were paid by this call.
    pub async fn settle_casino_bets(&self, match_id: &str, right_bet: u32) -> Result<Option<usize>, Failure> {
        match self.casino_bet_match(match_id).await? {
            None => return Ok(None),
            Some(m) if m.state == BetState::Settled => return Ok(Some(0)),
            Some(_) => {}
        }
        // The draw gets the tickets (its revision row first, like every grant); the screens see
        // the bets settled.
        let mut tx = self.begin(&[Endpoint::Draw, Endpoint::Casino]).await?;
        let Some(game) = load_match(&mut tx, match_id).await? else {
            return Ok(None);
        };
        if !game.finished() {
            return Ok(None);
        }
        let winners = winners_of(&game);
        let now = Utc::now().timestamp();
        // Settle once: only the transaction that moves the match to settled grants.
        let moved = sqlx::query(
            "UPDATE casino_bet_matches SET state = 'settled', changed_unix = $2, winners = $3 WHERE match_id = $1 AND state <> 'settled'",
        )
        .bind(match_id)
        .bind(now)
        .bind(serde_json::to_string(&winners).map_err(Failure::internal)?)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            tx.rollback().await?;
            return Ok(Some(0));
        }
        let bettors = right_bettors(&mut tx, BetOn::Match(match_id), &winners).await?;
        let paid = pay_right_bets(&mut tx, bettors, &format!("casino-bet-{match_id}"), right_bet, now).await?;
        self.commit(tx, &[Endpoint::Draw, Endpoint::Casino]).await?;
        Ok(Some(paid))
    }

    /// [`Store::settle_casino_bets`] with the console's *right bet* tickets, a failure logged: the
    /// move that ended the match is stored either way, and the next post of it (or a look at the
    /// console's casino page) settles again.
    pub async fn settle_casino_bets_logged(&self, match_id: &str) {
        let settled = async {
            let right_bet = self.ticket_rules().await?.right_bet;
            self.settle_casino_bets(match_id, right_bet).await
        }
        .await;
        match settled {
            Ok(Some(paid)) if paid > 0 => tracing::info!(match_id, paid, "casino bets settled"),
            Ok(_) => {}
            Err(failure) => tracing::warn!(match_id, error = %failure.message, "casino bets not settled"),
        }
    }
}
