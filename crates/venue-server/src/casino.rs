//! The live dice game's inputs, shared by the API (`PUT /api/v1/admin/casino`,
//! `POST /api/v1/casino/moves`) and the console's Casino page: a new match's setup from the
//! organisers' few choices, and a posted move.

use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;

use crate::db::Store;
use crate::error::Failure;
use crate::input;
use venue_contract::casino::{CasinoMove, CasinoSetup, TieBreak, official_deck};

/// `PUT /api/v1/admin/casino`: every field may be left out.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// Default: `casino-YYYYMMDD-HHMMSS-xxxx` (new every time).
    pub match_id: Option<String>,
    /// Team ids of the cube game, in turn order. Default: all of the game's teams in their order.
    pub teams: Option<Vec<String>>,
    pub dice_per_team: Option<u8>,
    pub rounds: Option<u8>,
    pub min_per_casino: Option<u32>,
    pub deck: Option<Vec<u32>>,
    /// Default: random (below 2^53, so any JSON reader keeps it exact).
    pub seed: Option<u64>,
    pub tie_break: Option<TieBreak>,
}

/// The setup `request` asks for, with the teams taken from the game feed. `400` when a team is not
/// one of the game's or the result is out of the contract's bounds.
pub async fn new_setup(store: &Store, request: SetupRequest) -> Result<CasinoSetup, Failure> {
    let game_teams: Vec<String> = store.teams().await?.into_iter().map(|t| t.id).collect();
    let teams = match request.teams {
        Some(teams) => {
            if let Some(unknown) = teams.iter().find(|t| !game_teams.contains(t)) {
                return Err(Failure::invalid_body(format!(
                    "team `{unknown}` is not one of the game's teams (GET /api/v1/game)"
                )));
            }
            teams
        }
        None => game_teams,
    };
    let match_id = request.match_id.unwrap_or_else(|| {
        format!(
            "casino-{}-{}",
            Utc::now().format("%Y%m%d-%H%M%S"),
            hex::encode(rand::random::<[u8; 2]>())
        )
    });
    let defaults = CasinoSetup::new(match_id, teams);
    let setup = CasinoSetup {
        dice_per_team: request.dice_per_team.unwrap_or(defaults.dice_per_team),
        rounds: request.rounds.unwrap_or(defaults.rounds),
        min_per_casino: request.min_per_casino.unwrap_or(defaults.min_per_casino),
        deck: request.deck.unwrap_or_else(official_deck),
        seed: request.seed.unwrap_or_else(|| rand::random::<u64>() >> 11),
        tie_break: request.tie_break.unwrap_or_default(),
        ..defaults
    };
    venue_contract::casino::check_setup(&setup).map_err(Failure::invalid_body)?;
    Ok(setup)
}

/// A posted move: the contract's move JSON plus, optionally, `after` (how many moves the sender's
/// board showed; a move sent from an older board is refused instead of applied).
pub fn parse_move(mut value: Value) -> Result<(CasinoMove, Option<u64>), Failure> {
    let after = match &mut value {
        Value::Object(map) => match map.remove("after") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
            Some(_) => return Err(Failure::invalid_body("`after` must be an unsigned integer")),
        },
        _ => return Err(Failure::invalid_body("a move is a JSON object")),
    };
    let posted: CasinoMove = input::wire_from_value(value)?;
    Ok((posted, after))
}

/// The faces of a roll given as a count per face (`counts[0]` dice showing 1, …), lowest first.
pub fn rolled_from_counts(counts: &[u8; 6]) -> Vec<u8> {
    (1..=6u8)
        .flat_map(|face| std::iter::repeat_n(face, usize::from(counts[usize::from(face - 1)])))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_become_a_roll() {
        assert_eq!(rolled_from_counts(&[1, 0, 2, 0, 0, 1]), vec![1, 3, 3, 6]);
        assert!(rolled_from_counts(&[0; 6]).is_empty());
    }

    #[test]
    fn a_move_may_say_which_board_it_was_entered_on() {
        let (m, after) = parse_move(serde_json::json!({"id": "m1", "kind": "undo", "reason": "typo", "after": 4})).unwrap();
        assert_eq!((m.id.as_str(), after), ("m1", Some(4)));
        let (_, after) = parse_move(serde_json::json!({"id": "m1", "kind": "place", "team": "a", "rolled": [1], "face": 1})).unwrap();
        assert_eq!(after, None);
        let unknown = parse_move(serde_json::json!({"id": "m1", "kind": "undo", "reason": "x", "colour": 1})).unwrap_err();
        assert!(unknown.message.contains("colour"), "{}", unknown.message);
        assert!(parse_move(serde_json::json!({"id": "m1", "kind": "undo", "reason": "x", "after": -1})).is_err());
    }
}
