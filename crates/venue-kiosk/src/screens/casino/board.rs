//! The board: the match rebuilt from the move list alone (the feed's moves, then the moves entered
//! on this kiosk) whenever either changes, never each frame. A move list that does not replay keeps
//! the last good board and says why; the newest move, when it is new to this screen, rolls its dice
//! once (a screen that starts, or comes back, just places them).

use std::sync::Arc;

use bevy::prelude::*;

use super::journal::LocalMoves;
use super::{CasinoBoard, Roll};
use crate::feed::FeedState;
use crate::shell::ui::hex_color;
use venue_contract::casino::{CasinoData, CasinoMove};
use venue_rules::casino::{Match, ReplayError};

/// How long the newest move's dice take to drop and settle, in seconds.
pub const ROLL_S: f64 = 1.1;

/// A team as the screen shows it: from the game feed's teams (same ids), else its id and a colour
/// of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamLook {
    pub id: String,
    pub name: String,
    pub color: Color,
}

const FALLBACK_COLOURS: [&str; 8] = [
    "#38BDF8", "#34D399", "#F472B6", "#FB923C", "#A78BFA", "#FACC15", "#F87171", "#2DD4BF",
];

pub fn team_looks(game: &Match, feed: &FeedState) -> Vec<TeamLook> {
    let known = feed.game.as_deref().map(|g| g.teams.as_slice()).unwrap_or_default();
    game.teams()
        .iter()
        .enumerate()
        .map(|(i, id)| match known.iter().find(|t| &t.id == id) {
            Some(t) => TeamLook {
                id: id.clone(),
                name: t.name.clone(),
                color: hex_color(&t.color),
            },
            None => TeamLook {
                id: id.clone(),
                name: id.clone(),
                color: hex_color(FALLBACK_COLOURS[i % FALLBACK_COLOURS.len()]),
            },
        })
        .collect()
}

/// The match from the feed's moves followed by this kiosk's moves for the same match.
pub fn replay(data: &CasinoData, local: &[CasinoMove]) -> Result<Match, ReplayError> {
    let mut game = Match::from_data(data)?;
    for (i, m) in local.iter().enumerate() {
        game.apply(m).map_err(|error| ReplayError::Move {
            index: data.moves.len() + i,
            id: m.id.clone(),
            error,
        })?;
    }
    Ok(game)
}

impl CasinoBoard {
    /// Rebuild when the feed's payload (its `Arc`) or the local moves changed since the last
    /// build. Returns whether it looked again. `now_s` stamps a roll.
    pub fn update(&mut self, data: Option<&Arc<CasinoData>>, local: &LocalMoves, now_s: f64) -> bool {
        let Some(data) = data else { return false };
        if self
            .built_from
            .as_ref()
            .is_some_and(|(built, revision)| Arc::ptr_eq(built, data) && *revision == local.revision)
        {
            return false;
        }
        self.built_from = Some((Arc::clone(data), local.revision));
        let moves: Vec<CasinoMove> = local.for_match(&data.setup.match_id).cloned().collect();
        match replay(data, &moves) {
            Ok(game) => {
                let newest = game.placements().last();
                let fresh = match (&self.game, newest) {
                    (Some(prev), Some(p)) => prev.setup().match_id == game.setup().match_id && !prev.has_move(&p.move_id),
                    _ => false,
                };
                self.roll = match (fresh, newest) {
                    (true, Some(p)) => {
                        self.rolls_started += 1;
                        Some(Roll {
                            move_id: p.move_id.clone(),
                            started_s: now_s,
                        })
                    }
                    // Anything else (a start, an undo, a new match): the dice are just there.
                    _ => None,
                };
                self.game = Some(game);
                self.error = None;
                self.revision += 1;
            }
            Err(e) => {
                warn!("casino: the move list does not replay: {e}; keeping the last good board");
                // The rules' words; the screen frames them in its language.
                self.error = Some(e.to_string());
                self.revision += 1;
            }
        }
        true
    }

    /// Is the newest move's roll still under way?
    pub fn rolling(&self, now_s: f64) -> bool {
        self.roll.as_ref().is_some_and(|r| now_s < r.started_s + ROLL_S)
    }
}

/// Rebuild the board from the feed and the local moves once both are in (the journal is read
/// first, so the board a restart shows is complete from its first frame).
pub(super) fn sync_board(feed: Res<FeedState>, local: Res<LocalMoves>, time: Res<Time<Real>>, mut board: ResMut<CasinoBoard>) {
    if !local.loaded {
        return;
    }
    if !feed.is_changed() && !local.is_changed() {
        return;
    }
    if board
        .bypass_change_detection()
        .update(feed.casino.as_ref(), &local, time.elapsed_secs_f64())
    {
        board.set_changed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_contract::casino::MoveKind;
    use venue_contract::payload::Endpoint;

    pub(crate) fn sample() -> CasinoData {
        venue_contract::casino::decode(venue_contract::sample::body(Endpoint::Casino)).unwrap()
    }

    fn place(id: &str, team: &str, rolled: &[u8], face: u8) -> CasinoMove {
        CasinoMove {
            id: id.into(),
            kind: MoveKind::Place {
                team: team.into(),
                rolled: rolled.to_vec(),
                face,
            },
        }
    }

    fn local(moves: Vec<CasinoMove>, match_id: &str) -> LocalMoves {
        let mut l = LocalMoves { loaded: true, ..default() };
        for m in moves {
            l.push(match_id, m);
        }
        l
    }

    #[test]
    fn the_board_is_the_rules_replay_of_the_moves() {
        let data = Arc::new(sample());
        let mut board = CasinoBoard::default();
        assert!(board.update(Some(&data), &local(vec![], "x"), 0.0));
        let game = board.game.as_ref().unwrap();
        assert_eq!(*game, Match::from_data(&data).unwrap());
        // The sample: nebula and aurora tied on casino 6, both cancelled.
        let six = game.casino_order(6);
        assert_eq!(six.ties(), vec![(3, vec![0, 1])]);
        assert_eq!(game.turn(), Some(2));
        assert!(board.roll.is_none(), "a start just places the dice");
        // Nothing changed: no rebuild.
        assert!(!board.update(Some(&data), &local(vec![], "x"), 1.0));
    }

    #[test]
    fn a_new_move_rolls_once_and_a_restart_does_not() {
        let data = Arc::new(sample());
        let mut board = CasinoBoard::default();
        let none = local(vec![], "sample-finals");
        board.update(Some(&data), &none, 0.0);
        assert_eq!(board.rolls_started, 0);
        let one = local(vec![place("k1", "quasar", &[1, 1, 2, 5], 1)], "sample-finals");
        assert!(board.update(Some(&data), &one, 5.0));
        assert_eq!(board.rolls_started, 1);
        assert_eq!(board.roll.as_ref().map(|r| r.move_id.as_str()), Some("k1"));
        assert!(board.rolling(5.5) && !board.rolling(5.0 + ROLL_S));
        // The same moves again (a feed poll with nothing new): no second roll.
        assert!(!board.update(Some(&data), &one, 6.0));
        let mut same = one;
        same.revision += 1;
        assert!(board.update(Some(&data), &same, 6.0));
        assert_eq!(board.rolls_started, 1);
        assert!(board.roll.is_none());
        // A screen started on the same moves shows the same board, without a roll.
        let mut restarted = CasinoBoard::default();
        restarted.update(Some(&data), &same, 0.0);
        assert_eq!(restarted.game, board.game);
        assert_eq!(restarted.rolls_started, 0);
        // Two moves at once: only the newest rolls.
        let mut two = local(
            vec![
                place("k1", "quasar", &[1, 1, 2, 5], 1),
                place("k2", "comet", &[2, 2, 3, 3, 6, 1], 2),
            ],
            "sample-finals",
        );
        // (One resource's revision only grows.)
        two.revision = 10;
        board.update(Some(&data), &two, 7.0);
        assert_eq!(board.rolls_started, 2);
        assert_eq!(board.roll.as_ref().map(|r| r.move_id.as_str()), Some("k2"));
    }

    #[test]
    fn a_move_list_that_does_not_replay_keeps_the_last_board() {
        let data = Arc::new(sample());
        let mut board = CasinoBoard::default();
        board.update(Some(&data), &local(vec![], "x"), 0.0);
        let good = board.game.clone();
        let mut bad = sample();
        // Out of turn: quasar is next, not nebula.
        bad.moves.push(place("m7", "nebula", &[1, 2], 1));
        board.update(Some(&Arc::new(bad)), &local(vec![], "x"), 1.0);
        assert_eq!(board.game, good, "the last good board stays");
        let error = board.error.clone().unwrap();
        assert!(error.contains("m7") && error.contains("turn"), "{error}");
        // A good payload again clears the message.
        board.update(Some(&Arc::new(sample())), &local(vec![], "x"), 2.0);
        assert!(board.error.is_none());
    }

    #[test]
    fn local_moves_of_another_match_are_ignored() {
        let data = Arc::new(sample());
        let mut board = CasinoBoard::default();
        board.update(
            Some(&data),
            &local(vec![place("k1", "quasar", &[1, 1, 2, 5], 1)], "an-older-match"),
            0.0,
        );
        assert_eq!(board.game.as_ref().unwrap().placements().len(), 6);
    }
}
