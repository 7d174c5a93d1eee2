//! Contract 1.1: `GET /api/v1/casino`, the live dice game *Casino* (the board game *Las Vegas*,
//! Rüdiger Dorn, Ravensburger) played on stage with real dice.
//!
//! The payload is the match's setup and its **move list**, nothing else: every screen rebuilds the
//! board from the moves alone (`venue_rules::casino::Match::replay`), so a restarted screen shows
//! the same board. This module only decodes and checks the *shape* of the payload (bounds, ids,
//! faces 1–6); whether a move is *legal* (whose turn, which faces were rolled) is the rules crate's
//! job, since it needs the state of the match.
//!
//! `docs/contract.md`, "Casino (contract 1.1)", is the prose version of this file.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::text::{MAX_LABEL_CHARS, display_line};
use crate::wire::CONTRACT_VERSION;

/// Most moves (places and undos together) a payload may hold. A full official game is at most
/// 8 teams × 8 dice × 4 rounds = 256 places; the rest is room for undos and larger setups.
pub const MAX_CASINO_MOVES: usize = 2_000;
/// Longest id (match, team, move) in characters.
pub const MAX_ID_CHARS: usize = 64;
/// Fewest and most teams in a match.
pub const MIN_TEAMS: usize = 2;
pub const MAX_TEAMS: usize = 8;
/// Most dice per team (the official game: 8).
pub const MAX_DICE_PER_TEAM: u8 = 16;
/// Most rounds (the official game: 4).
pub const MAX_ROUNDS: u8 = 12;
/// Most money cards in a deck (the official deck: 54).
pub const MAX_DECK_CARDS: usize = 500;
/// Highest value of one money card (the official deck tops out at 90,000).
pub const MAX_CARD_VALUE: u32 = 100_000_000;
/// The six casinos, one per die face 1 to 6.
pub const CASINOS: usize = 6;

/// The official deck of *Las Vegas* as `(value, number of cards)`: 54 banknotes worth 2,500,000 in
/// all. Source: the Ravensburger rules ("54 banknotes", at least 50,000 per casino), with the
/// per-value counts as listed by players who rebuilt the deck from playing cards
/// (6×10k, 8×20k, 8×30k, 6×40k, 6×50k, 5×60k, 5×70k, 5×80k, 5×90k).
pub const OFFICIAL_DECK: [(u32, u8); 9] = [
    (10_000, 6),
    (20_000, 8),
    (30_000, 8),
    (40_000, 6),
    (50_000, 6),
    (60_000, 5),
    (70_000, 5),
    (80_000, 5),
    (90_000, 5),
];
/// Cards in [`OFFICIAL_DECK`].
pub const OFFICIAL_DECK_CARDS: usize = 54;
/// Total value of [`OFFICIAL_DECK`].
pub const OFFICIAL_DECK_TOTAL: u64 = 2_500_000;

/// The official deck as a card list, lowest value first (the order the setup sends; the match
/// shuffles it with its seed).
pub fn official_deck() -> Vec<u32> {
    OFFICIAL_DECK
        .iter()
        .flat_map(|&(value, count)| std::iter::repeat_n(value, usize::from(count)))
        .collect()
}

/// `GET /api/v1/casino`: one match, as its setup and every move accepted so far (undos included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasinoData {
    pub version: u32,
    pub setup: CasinoSetup,
    /// Accepted moves in the order the server accepted them; a screen replays them from the start.
    #[serde(default)]
    pub moves: Vec<CasinoMove>,
}

/// Contract 1.1 (a later, compatible addition): how the room bet on the match's **winner**, as an
/// optional `bets` member of the `GET /api/v1/casino` answer. Counts per team only, never who bet.
/// [`CasinoData`] leaves the member out (a screen that does not show bets ignores it); a screen
/// that does reads it with [`decode_bets`]. Absent while nobody opened betting on the match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasinoBets {
    pub state: crate::wire::BetState,
    /// Bets close when the first move of this round (0-based, like the round results) is stored:
    /// `0` closes them at the match's first move.
    pub close_round: u8,
    /// Bets per team id; teams nobody bet on may be missing.
    #[serde(default)]
    pub bets: std::collections::BTreeMap<String, u32>,
    /// Once settled: the teams ranked first when the match ended (more than one only when the
    /// setup's tie-break lets teams share the first place).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub winners: Vec<String>,
}

/// The `bets` member of a `GET /api/v1/casino` answer, read on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasinoFeedBets {
    #[serde(default)]
    pub bets: Option<CasinoBets>,
}

/// The room's bets on the match in a `GET /api/v1/casino` payload (`None`: no betting on it, or a
/// server without casino bets). The rest of the payload is [`decode`]'s.
pub fn decode_bets(bytes: &[u8]) -> Result<Option<CasinoBets>, String> {
    let bets: CasinoFeedBets = parse(bytes)?;
    Ok(bets.bets)
}

/// How a match is set up. Only `match_id` and `teams` are required; the rest default to the
/// official game.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasinoSetup {
    /// Stable id of this match (a new match is a new id).
    pub match_id: String,
    /// Team ids in turn order (2 to 8), taken by the server from the cube game's teams
    /// (`GET /api/v1/game`), so names and colours come from there.
    pub teams: Vec<String>,
    /// Dice each team rolls per round (1 to 16; default 8).
    #[serde(default = "default_dice_per_team")]
    pub dice_per_team: u8,
    /// Rounds in the match (1 to 12; default 4).
    #[serde(default = "default_rounds")]
    pub rounds: u8,
    /// Each casino is dealt cards until it holds at least this much (default 50,000).
    #[serde(default = "default_min_per_casino")]
    pub min_per_casino: u32,
    /// The money cards (values, any order; default [`official_deck`]).
    #[serde(default = "official_deck")]
    pub deck: Vec<u32>,
    /// Seed of the deck's shuffle (ChaCha8): the same seed deals the same cards.
    #[serde(default)]
    pub seed: u64,
    /// How teams equal on money and on cards are ranked (default: they share the place).
    #[serde(default)]
    pub tie_break: TieBreak,
}

fn default_dice_per_team() -> u8 {
    8
}
fn default_rounds() -> u8 {
    4
}
fn default_min_per_casino() -> u32 {
    50_000
}

impl CasinoSetup {
    /// A setup with the official defaults (8 dice, 4 rounds, 50,000 per casino, the official deck,
    /// seed 0, shared places).
    pub fn new(match_id: impl Into<String>, teams: Vec<String>) -> Self {
        CasinoSetup {
            match_id: match_id.into(),
            teams,
            dice_per_team: default_dice_per_team(),
            rounds: default_rounds(),
            min_per_casino: default_min_per_casino(),
            deck: official_deck(),
            seed: 0,
            tie_break: TieBreak::default(),
        }
    }

    /// Sum of the deck's card values.
    pub fn deck_total(&self) -> u64 {
        self.deck.iter().map(|&v| u64::from(v)).sum()
    }
}

/// The final ranking's last tie-break, after most money and then most cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// Teams equal on money and cards share the place (1, 2, 2, 4).
    #[default]
    Shared,
    /// The team earlier in `teams` (turn order) ranks higher.
    TurnOrder,
}

/// One accepted move. JSON: `{"id":"m1","kind":"place","team":"red","rolled":[1,3,3,6],"face":3}`
/// or `{"id":"m9","kind":"undo","reason":"wrong face entered"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasinoMove {
    /// Idempotency key (1 to 64 characters): a move whose id was already accepted is ignored, so two
    /// staff submitting the same move store it once.
    pub id: String,
    #[serde(flatten)]
    pub kind: MoveKind,
}

/// What a move does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MoveKind {
    /// `team` rolled `rolled` (the faces shown, one per die it has left) and places every die
    /// showing `face` on casino `face`.
    Place { team: String, rolled: Vec<u8>, face: u8 },
    /// Undo the last `place` not yet undone (journaled: the move list keeps both).
    Undo { reason: String },
}

/// Decode `bytes` as a `GET /api/v1/casino` payload: JSON shape, `version`, [`check`], then the
/// undo reasons cleaned for display.
pub fn decode(bytes: &[u8]) -> Result<CasinoData, String> {
    let data: CasinoData = parse(bytes)?;
    if data.version != CONTRACT_VERSION {
        return Err(format!(
            "contract version {} is not supported (this kiosk speaks version {CONTRACT_VERSION})",
            data.version
        ));
    }
    check(&data)?;
    Ok(clean(data))
}

/// The payload's bounds: the setup ([`check_setup`]), at most [`MAX_CASINO_MOVES`] moves, unique
/// move ids, and every move's shape ([`check_move`]). Not the legality of the moves.
pub fn check(data: &CasinoData) -> Result<(), String> {
    check_setup(&data.setup)?;
    if data.moves.len() > MAX_CASINO_MOVES {
        return Err(format!("{} moves; at most {MAX_CASINO_MOVES} allowed", data.moves.len()));
    }
    let mut ids = HashSet::with_capacity(data.moves.len());
    for m in &data.moves {
        check_move(&data.setup, m)?;
        if !ids.insert(m.id.as_str()) {
            return Err(format!("move id `{}` appears twice", m.id));
        }
    }
    Ok(())
}

/// Is the setup within the contract's bounds? (Also what `Match::new` checks.)
pub fn check_setup(setup: &CasinoSetup) -> Result<(), String> {
    check_id("match_id", &setup.match_id)?;
    if !(MIN_TEAMS..=MAX_TEAMS).contains(&setup.teams.len()) {
        return Err(format!("{} teams; a match has {MIN_TEAMS} to {MAX_TEAMS}", setup.teams.len()));
    }
    let mut seen = HashSet::new();
    for team in &setup.teams {
        check_id("team id", team)?;
        if !seen.insert(team.as_str()) {
            return Err(format!("team id `{team}` appears twice"));
        }
    }
    if !(1..=MAX_DICE_PER_TEAM).contains(&setup.dice_per_team) {
        return Err(format!("dice_per_team {}; allowed 1 to {MAX_DICE_PER_TEAM}", setup.dice_per_team));
    }
    if !(1..=MAX_ROUNDS).contains(&setup.rounds) {
        return Err(format!("rounds {}; allowed 1 to {MAX_ROUNDS}", setup.rounds));
    }
    if setup.min_per_casino == 0 {
        return Err("min_per_casino must be at least 1".into());
    }
    if setup.deck.is_empty() || setup.deck.len() > MAX_DECK_CARDS {
        return Err(format!("deck has {} cards; allowed 1 to {MAX_DECK_CARDS}", setup.deck.len()));
    }
    if let Some(bad) = setup.deck.iter().find(|&&v| v == 0 || v > MAX_CARD_VALUE) {
        return Err(format!("deck card value {bad}; allowed 1 to {MAX_CARD_VALUE}"));
    }
    let needed = CASINOS as u64 * u64::from(setup.min_per_casino);
    if setup.deck_total() < needed {
        return Err(format!(
            "the deck is worth {} in all, less than the {needed} that six casinos of min_per_casino {} need",
            setup.deck_total(),
            setup.min_per_casino
        ));
    }
    Ok(())
}

/// Is one move well-formed for this setup? The id, a known team, 1 to `dice_per_team` rolled faces
/// and a face, each 1 to 6, and a non-empty undo reason. Legality (turn, dice left, face among the
/// rolled ones) is checked by the rules when the move is applied.
pub fn check_move(setup: &CasinoSetup, m: &CasinoMove) -> Result<(), String> {
    check_id("move id", &m.id)?;
    match &m.kind {
        MoveKind::Place { team, rolled, face } => {
            if !setup.teams.contains(team) {
                return Err(format!("move `{}`: team `{team}` is not in the match", m.id));
            }
            if rolled.is_empty() || rolled.len() > usize::from(setup.dice_per_team) {
                return Err(format!(
                    "move `{}`: {} dice rolled; allowed 1 to {}",
                    m.id,
                    rolled.len(),
                    setup.dice_per_team
                ));
            }
            if let Some(bad) = rolled.iter().chain(std::iter::once(face)).find(|f| !(1..=6).contains(*f)) {
                return Err(format!("move `{}`: face {bad} is not 1 to 6", m.id));
            }
        }
        MoveKind::Undo { reason } => {
            if display_line(reason, MAX_LABEL_CHARS).is_empty() {
                return Err(format!("move `{}`: an undo needs a reason", m.id));
            }
        }
    }
    Ok(())
}

/// The move with its text cleaned for display (the undo reason: one line, at most
/// [`MAX_LABEL_CHARS`] characters).
pub fn clean_move(mut m: CasinoMove) -> CasinoMove {
    if let MoveKind::Undo { reason } = &mut m.kind {
        *reason = display_line(reason, MAX_LABEL_CHARS);
    }
    m
}

fn clean(mut data: CasinoData) -> CasinoData {
    data.moves = data.moves.into_iter().map(clean_move).collect();
    data
}

fn check_id(what: &str, id: &str) -> Result<(), String> {
    let chars = id.chars().count();
    if chars == 0 || chars > MAX_ID_CHARS {
        return Err(format!("{what} `{id}` has {chars} characters; allowed 1 to {MAX_ID_CHARS}"));
    }
    if id.chars().any(char::is_control) {
        return Err(format!("{what} {id:?} holds a control character"));
    }
    Ok(())
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        format!("wrong shape at `{path}`: {}", e.into_inner())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"version":1,"setup":{"match_id":"final","teams":["red","blue"]}}"#;

    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;

    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<CasinoData, String> {
        let mut value: serde_json::Value = serde_json::from_str(MINIMAL).unwrap();
        edit(&mut value);
        decode(&serde_json::to_vec(&value).unwrap())
    }

    #[test]
    fn the_official_deck_is_54_cards_worth_2_5_million() {
        let deck = official_deck();
        assert_eq!(deck.len(), OFFICIAL_DECK_CARDS);
        assert_eq!(deck.iter().map(|&v| u64::from(v)).sum::<u64>(), OFFICIAL_DECK_TOTAL);
        assert_eq!(deck.iter().filter(|&&v| v == 90_000).count(), 5);
    }

    #[test]
    fn the_rooms_bets_ride_along_without_disturbing_older_readers() {
        let with_bets = r#"{"version":1,"setup":{"match_id":"final","teams":["red","blue"]},"moves":[],
            "bets":{"state":"settled","close_round":0,"bets":{"red":3,"blue":1},"winners":["red"]}}"#;
        // A screen that knows nothing of bets decodes the match as before.
        assert_eq!(decode(with_bets.as_bytes()).unwrap(), decode(MINIMAL.as_bytes()).unwrap());
        let bets = decode_bets(with_bets.as_bytes()).unwrap().expect("bets");
        assert_eq!(bets.state, crate::wire::BetState::Settled);
        assert_eq!(bets.bets.get("red"), Some(&3));
        assert_eq!(bets.winners, vec!["red".to_string()]);
        assert_eq!(decode_bets(MINIMAL.as_bytes()).unwrap(), None, "no betting on the match");
    }

    #[test]
    fn a_minimal_payload_gets_the_official_defaults() {
        let data = decode(MINIMAL.as_bytes()).unwrap();
        assert_eq!(data.setup, CasinoSetup::new("final", vec!["red".into(), "blue".into()]));
        assert_eq!(data.setup.dice_per_team, 8);
        assert_eq!(data.setup.rounds, 4);
        assert_eq!(data.setup.min_per_casino, 50_000);
        assert_eq!(data.setup.tie_break, TieBreak::Shared);
        assert!(data.moves.is_empty());
    }

    #[test]
    fn moves_use_the_documented_json() {
        let text = r#"[{"id":"m1","kind":"place","team":"red","rolled":[1,3,3,6],"face":3},
                       {"id":"m2","kind":"undo","reason":"wrong face"}]"#;
        let moves: Vec<CasinoMove> = serde_json::from_str(text).unwrap();
        assert_eq!(
            moves[0],
            CasinoMove {
                id: "m1".into(),
                kind: MoveKind::Place {
                    team: "red".into(),
                    rolled: vec![1, 3, 3, 6],
                    face: 3
                }
            }
        );
        assert_eq!(
            moves[1].kind,
            MoveKind::Undo {
                reason: "wrong face".into()
            }
        );
        let json = serde_json::to_string(&moves[0]).unwrap();
        assert_eq!(json, r#"{"id":"m1","kind":"place","team":"red","rolled":[1,3,3,6],"face":3}"#);
        let back: Vec<CasinoMove> = serde_json::from_str(&serde_json::to_string(&moves).unwrap()).unwrap();
        assert_eq!(back, moves);
        let tie: CasinoSetup = serde_json::from_str(r#"{"match_id":"x","teams":["a","b"],"tie_break":"turn_order"}"#).unwrap();
        assert_eq!(tie.tie_break, TieBreak::TurnOrder);
    }

    #[test]
    fn out_of_bounds_setups_and_moves_are_refused() {
        let cases: [(&str, Edit); 12] = [
            ("version 2", Box::new(|v| v["version"] = 2.into())),
            ("1 teams", Box::new(|v| v["setup"]["teams"] = serde_json::json!(["a"]))),
            ("appears twice", Box::new(|v| v["setup"]["teams"] = serde_json::json!(["a", "a"]))),
            ("dice_per_team 0", Box::new(|v| v["setup"]["dice_per_team"] = 0.into())),
            ("rounds 13", Box::new(|v| v["setup"]["rounds"] = 13.into())),
            ("less than", Box::new(|v| v["setup"]["deck"] = serde_json::json!([90000]))),
            ("card value 0", Box::new(|v| v["setup"]["deck"] = serde_json::json!([0, 900000]))),
            ("65 characters", Box::new(|v| v["setup"]["match_id"] = "x".repeat(65).into())),
            (
                "not in the match",
                Box::new(|v| v["moves"] = serde_json::json!([{"id":"m","kind":"place","team":"green","rolled":[1],"face":1}])),
            ),
            (
                "face 7",
                Box::new(|v| v["moves"] = serde_json::json!([{"id":"m","kind":"place","team":"red","rolled":[7],"face":1}])),
            ),
            (
                "9 dice rolled",
                Box::new(|v| {
                    v["moves"] = serde_json::json!([{"id":"m","kind":"place","team":"red","rolled":[1,1,1,1,1,1,1,1,1],"face":1}]);
                }),
            ),
            (
                "needs a reason",
                Box::new(|v| v["moves"] = serde_json::json!([{"id":"m","kind":"undo","reason":" \n"}])),
            ),
        ];
        for (expected, edit) in cases {
            let err = with(edit).unwrap_err();
            assert!(err.contains(expected), "expected `{expected}` in: {err}");
        }
        let twice =
            with(|v| v["moves"] = serde_json::json!([{"id":"m","kind":"undo","reason":"a"}, {"id":"m","kind":"undo","reason":"b"}]));
        assert!(twice.unwrap_err().contains("move id `m` appears twice"));
        let many = with(|v| {
            let undo = serde_json::json!({"id":"m","kind":"undo","reason":"a"});
            v["moves"] = serde_json::Value::Array(vec![undo; MAX_CASINO_MOVES + 1]);
        });
        assert!(many.unwrap_err().contains("2001 moves"));
        assert!(decode(b"{").unwrap_err().contains("malformed JSON"));
        let shape = with(|v| v["moves"] = serde_json::json!([{"id":"m","kind":"fold"}])).unwrap_err();
        assert!(shape.contains("wrong shape"), "{shape}");
    }

    #[test]
    fn undo_reasons_are_cleaned_for_display() {
        let data = with(|v| v["moves"] = serde_json::json!([{"id":"u","kind":"undo","reason":"wrong\u{202E} face\n\nentered"}])).unwrap();
        assert_eq!(
            data.moves[0].kind,
            MoveKind::Undo {
                reason: "wrong face entered".into()
            }
        );
    }
}
