//! Bets on the cube game: organisers open betting on a round of the plan; attendees pick a team on
//! their handbook page; the round's start closes it (the game kiosk says so, or the organisers do);
//! the round's result settles it, and every right bet earns its tickets once.
//!
//! The server enforces the close: a bet is written only in the same statement that finds the round
//! open, so a page left open past the start cannot slip one in.

use chrono::Utc;

use super::attendees::grant;
use super::{AttendeeRow, Store};
use crate::error::Failure;
use venue_contract::payload::Endpoint;
use venue_contract::wire::{BetState as WireBetState, GameResult, RoundBets};
use venue_rules::attend::Earned;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BetState {
    Open,
    Closed,
    Settled,
}

impl BetState {
    pub(super) fn parse(text: &str) -> Option<BetState> {
        Some(match text {
            "open" => BetState::Open,
            "closed" => BetState::Closed,
            "settled" => BetState::Settled,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            BetState::Open => "open",
            BetState::Closed => "closed",
            BetState::Settled => "settled",
        }
    }
}

/// A round's betting, with how the room bet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BetRound {
    pub round_index: u32,
    pub state: BetState,
    /// Team ids that won the round (settled only).
    pub winners: Vec<String>,
    /// (team id, bets), every team that got one.
    pub shares: Vec<(String, u32)>,
}

impl BetState {
    /// The contract's name for it.
    pub fn wire(self) -> WireBetState {
        match self {
            BetState::Open => WireBetState::Open,
            BetState::Closed => WireBetState::Closed,
            BetState::Settled => WireBetState::Settled,
        }
    }
}

impl BetRound {
    /// The contract's counts-only view, for the game payload.
    pub fn wire(self) -> RoundBets {
        RoundBets {
            round: self.round_index,
            state: self.state.wire(),
            bets: self.shares.into_iter().collect(),
        }
    }
}

/// What a bet is on: a round of the cube game's plan, or a dice match's winner.
pub(super) enum BetOn<'a> {
    Round(u32),
    Match(&'a str),
}

/// The attendees who bet on one of `winners` (id, holder, masked name).
pub(super) async fn right_bettors(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    on: BetOn<'_>,
    winners: &[String],
) -> Result<Vec<(String, String, String)>, Failure> {
    let mut bettors = Vec::new();
    for team in winners {
        let found: Vec<(String, String, String)> = match on {
            BetOn::Round(round) => sqlx::query_as(
                "SELECT a.id, a.holder, a.display_name FROM bets b JOIN attendees a ON a.id = b.attendee_id
                 WHERE b.round_index = $1 AND b.team_id = $2",
            )
            .bind(i64::from(round)),
            BetOn::Match(match_id) => sqlx::query_as(
                "SELECT a.id, a.holder, a.display_name FROM casino_bets b JOIN attendees a ON a.id = b.attendee_id
                 WHERE b.match_id = $1 AND b.team_id = $2",
            )
            .bind(match_id),
        }
        .bind(team)
        .fetch_all(&mut **tx)
        .await?;
        bettors.extend(found);
    }
    Ok(bettors)
}

/// Grant `tickets` to every right bettor under `condition`, once per attendee (the grants table's
/// key makes a second settling, on any instance, grant nothing). How many were paid now.
pub(super) async fn pay_right_bets(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    bettors: Vec<(String, String, String)>,
    condition: &str,
    tickets: u32,
    now: i64,
) -> Result<usize, Failure> {
    if tickets == 0 {
        return Ok(0);
    }
    let earned = [Earned {
        condition: condition.to_string(),
        tickets,
    }];
    let mut paid = 0;
    for (id, holder, display_name) in bettors {
        let attendee = AttendeeRow {
            id,
            holder,
            display_name,
            sealed: String::new(),
        };
        if !grant(tx, &attendee, &earned, now).await?.is_empty() {
            paid += 1;
        }
    }
    Ok(paid)
}

impl Store {
    /// Open betting on a round (again, unless it is settled).
    pub async fn open_bets(&self, round_index: u32) -> Result<(), Failure> {
        let settled = self.bet_round(round_index).await?.is_some_and(|r| r.state == BetState::Settled);
        if settled {
            return Err(Failure::invalid_body(format!("round {round_index} is over: its bets are settled")));
        }
        self.set_bet_state(round_index, BetState::Open).await
    }

    /// Close betting on a round (it started). Closing a round nobody opened records it closed.
    pub async fn close_bets(&self, round_index: u32) -> Result<bool, Failure> {
        match self.bet_round(round_index).await? {
            Some(round) if round.state == BetState::Open => {
                self.set_bet_state(round_index, BetState::Closed).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn set_bet_state(&self, round_index: u32, state: BetState) -> Result<(), Failure> {
        // The game payload carries the room's bets (contract 1.1): every change is a new revision.
        let mut tx = self.begin(&[Endpoint::Game]).await?;
        sqlx::query(
            "INSERT INTO bet_rounds (round_index, state, changed_unix, game_id, winners) VALUES ($1, $2, $3, '', '[]')
             ON CONFLICT (round_index) DO UPDATE SET state = excluded.state, changed_unix = excluded.changed_unix",
        )
        .bind(i64::from(round_index))
        .bind(state.name())
        .bind(Utc::now().timestamp())
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[Endpoint::Game]).await
    }

    /// Place or change a bet; refused unless the round is open at this instant.
    pub async fn place_bet(&self, attendee_id: &str, round_index: u32, team_id: &str) -> Result<(), Failure> {
        let open: Option<i64> = sqlx::query_scalar("SELECT round_index FROM bet_rounds WHERE round_index = $1 AND state = 'open'")
            .bind(i64::from(round_index))
            .fetch_optional(&self.pool)
            .await?;
        if open.is_none() {
            return Err(Failure::invalid_body(
                "bets on this round are closed · 이 라운드의 예측은 마감되었습니다",
            ));
        }
        // The write itself checks the round again, so a close between the two statements wins.
        // It bumps the game's revision first: the screens show the room's shares live.
        let mut tx = self.begin(&[Endpoint::Game]).await?;
        let written = sqlx::query(
            "INSERT INTO bets (attendee_id, round_index, team_id, at_unix)
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM bet_rounds WHERE round_index = $2 AND state = 'open')
             ON CONFLICT (attendee_id, round_index) DO UPDATE SET team_id = excluded.team_id, at_unix = excluded.at_unix",
        )
        .bind(attendee_id)
        .bind(i64::from(round_index))
        .bind(team_id)
        .bind(Utc::now().timestamp())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if written == 0 {
            tx.rollback().await?;
            return Err(Failure::invalid_body(
                "bets on this round are closed · 이 라운드의 예측은 마감되었습니다",
            ));
        }
        self.commit(tx, &[Endpoint::Game]).await
    }

    /// An attendee's bets: (round, team).
    pub async fn bets_of(&self, attendee_id: &str) -> Result<Vec<(u32, String)>, Failure> {
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT round_index, team_id FROM bets WHERE attendee_id = $1 ORDER BY round_index")
            .bind(attendee_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(r, t)| (u32::try_from(r).unwrap_or_default(), t)).collect())
    }

    pub async fn bet_round(&self, round_index: u32) -> Result<Option<BetRound>, Failure> {
        Ok(self.bet_rounds().await?.into_iter().find(|r| r.round_index == round_index))
    }

    /// Every round with betting, with the room's shares.
    pub async fn bet_rounds(&self) -> Result<Vec<BetRound>, Failure> {
        let rounds: Vec<(i64, String, String)> = sqlx::query_as("SELECT round_index, state, winners FROM bet_rounds ORDER BY round_index")
            .fetch_all(&self.pool)
            .await?;
        let counts: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
            "SELECT round_index, team_id, COUNT(*) FROM bets GROUP BY round_index, team_id ORDER BY round_index, {}",
            self.bytewise("team_id")
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rounds
            .into_iter()
            .filter_map(|(index, state, winners)| {
                Some(BetRound {
                    round_index: u32::try_from(index).ok()?,
                    state: BetState::parse(&state)?,
                    winners: serde_json::from_str(&winners).unwrap_or_default(),
                    shares: counts
                        .iter()
                        .filter(|(r, _, _)| *r == index)
                        .map(|(_, team, n)| (team.clone(), u32::try_from(*n).unwrap_or_default()))
                        .collect(),
                })
            })
            .collect())
    }

    /// A round's result arrived: close its betting and grant `right_bet` tickets to every right bet,
    /// once (repeating a result changes nothing). Winners: the teams with the most round points.
    pub async fn settle_bets(&self, result: &GameResult, right_bet: u32) -> Result<usize, Failure> {
        let Some(round) = self.bet_round(result.round).await? else {
            return Ok(0); // nobody opened betting on this round
        };
        if round.state == BetState::Settled {
            return Ok(0);
        }
        let best = result.scores.iter().map(|s| s.round_points).max();
        let winners: Vec<String> = result
            .scores
            .iter()
            .filter(|s| Some(s.round_points) == best)
            .map(|s| s.team_id.clone())
            .collect();
        // The draw gets the tickets; the game screen sees the round settled.
        let mut tx = self.begin(&[Endpoint::Draw, Endpoint::Game]).await?;
        let now = Utc::now().timestamp();
        // Settle once: only the transaction that moves the round to settled grants.
        let moved = sqlx::query(
            "UPDATE bet_rounds SET state = 'settled', changed_unix = $2, game_id = $3, winners = $4 WHERE round_index = $1 AND state <> 'settled'",
        )
        .bind(i64::from(result.round))
        .bind(now)
        .bind(&result.game_id)
        .bind(serde_json::to_string(&winners).map_err(Failure::internal)?)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            tx.rollback().await?;
            return Ok(0);
        }
        // Ties: every team with the best score wins.
        let bettors = right_bettors(&mut tx, BetOn::Round(result.round), &winners).await?;
        let paid = pay_right_bets(
            &mut tx,
            bettors,
            &format!("bet-{}-{}", result.game_id, result.round),
            right_bet,
            now,
        )
        .await?;
        self.commit(tx, &[Endpoint::Draw, Endpoint::Game]).await?;
        Ok(paid)
    }
}
