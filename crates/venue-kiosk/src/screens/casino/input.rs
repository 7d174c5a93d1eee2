//! Entering moves with the keyboard when there is no event server (the source is the sample or a
//! folder): digits 1–6 add a rolled die for the team whose turn it is, Backspace removes the last,
//! Enter then a digit picks the face and places (or Shift+digit at once), U undoes the last place,
//! Esc clears the entry. The rules check every move; a refused one shows the rule's message.

use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::prelude::*;
use rand::Rng;

use super::journal::{CasinoJournalHandle, LocalMoves, append_later};
use super::{CasinoBoard, KioskEntry};
use venue_contract::casino::{CasinoMove, MoveKind};
use venue_rules::casino::{IllegalMove, Match};

/// What the undo from the kiosk says in the journal.
pub const KIOSK_UNDO_REASON: &str = "undone on the kiosk";

/// One key of the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKey {
    /// A die showing this face was rolled (or, while a face is asked for, the face).
    Die(u8),
    /// Place the dice rolled on this face now (Shift+digit).
    Place(u8),
    Back,
    /// Done rolling: ask for the face.
    Confirm,
    Clear,
    Undo,
}

/// The roll being typed in, and the last word for the operator.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub rolled: Vec<u8>,
    /// Enter was pressed: the next digit is the face.
    pub picking_face: bool,
    /// The last word for the operator.
    pub note: Option<EntryNote>,
}

/// What the last key did, for the operator's line.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryNote {
    /// The rules refused it (their message).
    Refused(String),
    /// The last move was undone.
    Undone,
    /// A team's dice went on a casino.
    Placed { team: String, dice: usize, face: u8 },
}

impl EntryNote {
    pub fn refused(&self) -> bool {
        matches!(self, EntryNote::Refused(_))
    }

    /// The note in the screen's language (a refusal keeps the rules' own words).
    pub fn text(&self, labels: &crate::shell::i18n::Labels) -> String {
        match self {
            EntryNote::Refused(reason) => reason.clone(),
            EntryNote::Undone => labels.text("casino-undone"),
            EntryNote::Placed { team, dice, face } => labels.text_with(
                "casino-placed",
                &[("team", team.into()), ("dice", (*dice).into()), ("face", (*face).into())],
            ),
        }
    }
}

impl Entry {
    /// Apply one key to the entry against the match as it stands; a move the rules accept is
    /// returned (with `id` as its id), the entry cleared.
    pub fn key(&mut self, key: EntryKey, game: &Match, id: impl FnOnce() -> String) -> Option<CasinoMove> {
        let refuse = |entry: &mut Entry, e: &dyn std::fmt::Display| {
            entry.note = Some(EntryNote::Refused(e.to_string()));
            None
        };
        if key == EntryKey::Undo {
            if !game.can_undo() {
                return refuse(self, &IllegalMove::NothingToUndo);
            }
            self.rolled.clear();
            self.picking_face = false;
            self.note = Some(EntryNote::Undone);
            return Some(CasinoMove {
                id: id(),
                kind: MoveKind::Undo {
                    reason: KIOSK_UNDO_REASON.into(),
                },
            });
        }
        let Some(turn) = game.turn() else {
            return refuse(self, &IllegalMove::MatchOver);
        };
        let team = game.teams()[turn].clone();
        let left = usize::from(game.dice_left()[turn]);
        match key {
            EntryKey::Die(face) if self.picking_face => self.key(EntryKey::Place(face), game, id),
            EntryKey::Die(face) => {
                if self.rolled.len() >= left {
                    let e = format!("{team} has {left} dice to roll; Enter picks the face, Backspace fixes a die");
                    return refuse(self, &e);
                }
                self.rolled.push(face);
                self.note = None;
                None
            }
            EntryKey::Back => {
                if self.picking_face {
                    self.picking_face = false;
                } else {
                    self.rolled.pop();
                }
                self.note = None;
                None
            }
            EntryKey::Clear => {
                *self = Entry::default();
                None
            }
            EntryKey::Confirm => {
                let probe = self.rolled.first().copied().unwrap_or(1);
                if let Err(e) = game.check_place(&team, &self.rolled, probe) {
                    return refuse(self, &e);
                }
                self.picking_face = true;
                self.note = None;
                None
            }
            EntryKey::Place(face) => match game.check_place(&team, &self.rolled, face) {
                Ok(()) => {
                    let rolled = std::mem::take(&mut self.rolled);
                    let dice = rolled.iter().filter(|&&f| f == face).count();
                    self.picking_face = false;
                    self.note = Some(EntryNote::Placed {
                        team: team.clone(),
                        dice,
                        face,
                    });
                    Some(CasinoMove {
                        id: id(),
                        kind: MoveKind::Place { team, rolled, face },
                    })
                }
                Err(e) => refuse(self, &e),
            },
            EntryKey::Undo => unreachable!("handled above"),
        }
    }
}

/// A fresh move id for this kiosk: time and randomness, unique within a match.
pub fn new_move_id() -> String {
    format!(
        "kiosk-{}-{:08x}",
        chrono::Utc::now().timestamp_millis(),
        rand::rng().random::<u32>()
    )
}

/// A key of the keyboard as an entry key (`shift`: a Shift key is down), if it is one.
pub fn entry_key(key: KeyCode, shift: bool) -> Option<EntryKey> {
    let face = match key {
        KeyCode::Digit1 | KeyCode::Numpad1 => 1,
        KeyCode::Digit2 | KeyCode::Numpad2 => 2,
        KeyCode::Digit3 | KeyCode::Numpad3 => 3,
        KeyCode::Digit4 | KeyCode::Numpad4 => 4,
        KeyCode::Digit5 | KeyCode::Numpad5 => 5,
        KeyCode::Digit6 | KeyCode::Numpad6 => 6,
        KeyCode::Backspace => return Some(EntryKey::Back),
        KeyCode::Enter | KeyCode::NumpadEnter => return Some(EntryKey::Confirm),
        KeyCode::Escape => return Some(EntryKey::Clear),
        KeyCode::KeyU => return Some(EntryKey::Undo),
        _ => return None,
    };
    Some(if shift { EntryKey::Place(face) } else { EntryKey::Die(face) })
}

/// The operator's keys become moves, journaled and added to the board's local moves. Key events
/// are read in order, every press counted: a slow frame on a software renderer may hold several
/// presses of the same key, which `ButtonInput` would merge into one.
pub(super) fn operator_keys(
    mut events: MessageReader<KeyboardInput>,
    mut shift: Local<bool>,
    enabled: Res<KioskEntry>,
    board: Res<CasinoBoard>,
    mut entry: ResMut<Entry>,
    mut local: ResMut<LocalMoves>,
    journal: Option<Res<CasinoJournalHandle>>,
) {
    let mut pressed = Vec::new();
    for e in events.read() {
        let down = e.state == ButtonState::Pressed;
        if matches!(e.key_code, KeyCode::ShiftLeft | KeyCode::ShiftRight) {
            *shift = down;
        } else if down
            && !e.repeat
            && let Some(key) = entry_key(e.key_code, *shift)
        {
            pressed.push(key);
        }
    }
    if !enabled.0 || !local.loaded || pressed.is_empty() {
        return;
    }
    let Some(game) = board.game.as_ref() else { return };
    // The keys after a move see the match with it (the board rebuilds after this system).
    let mut game = game.clone();
    for key in pressed {
        if let Some(mv) = entry.key(key, &game, new_move_id) {
            if let Err(e) = game.apply(&mv) {
                entry.note = Some(EntryNote::Refused(e.to_string()));
                continue;
            }
            info!("casino: move entered on the kiosk: {mv:?}");
            let stored = local.push(&game.setup().match_id, mv);
            append_later(journal.as_deref(), stored);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_match() -> Match {
        let data = venue_contract::casino::decode(venue_contract::sample::body(venue_contract::payload::Endpoint::Casino)).unwrap();
        Match::from_data(&data).unwrap()
    }

    #[test]
    fn keys_build_a_legal_move_for_the_team_to_play() {
        let mut game = sample_match();
        let mut entry = Entry::default();
        // Quasar plays with 4 dice left.
        for face in [2, 2, 5] {
            assert!(entry.key(EntryKey::Die(face), &game, || unreachable!()).is_none());
        }
        entry.key(EntryKey::Die(6), &game, || unreachable!());
        entry.key(EntryKey::Back, &game, || unreachable!());
        entry.key(EntryKey::Die(1), &game, || unreachable!());
        assert_eq!(entry.rolled, vec![2, 2, 5, 1]);
        // A fifth die is refused: quasar has four.
        entry.key(EntryKey::Die(3), &game, || unreachable!());
        assert!(matches!(&entry.note, Some(EntryNote::Refused(n)) if n.contains("4 dice")));
        assert!(entry.key(EntryKey::Confirm, &game, || unreachable!()).is_none());
        assert!(entry.picking_face);
        let mv = entry.key(EntryKey::Die(2), &game, || "k1".into()).expect("a legal move");
        assert_eq!(
            mv.kind,
            MoveKind::Place {
                team: "quasar".into(),
                rolled: vec![2, 2, 5, 1],
                face: 2
            }
        );
        assert!(game.apply(&mv).is_ok());
        assert_eq!(
            entry,
            Entry {
                note: entry.note.clone(),
                ..Entry::default()
            }
        );
        // Shift+digit places at once; undo is a journaled move with the kiosk's reason.
        for face in [3, 3, 3, 4, 4, 6] {
            entry.key(EntryKey::Die(face), &game, || unreachable!());
        }
        let mv = entry.key(EntryKey::Place(3), &game, || "k2".into()).unwrap();
        assert!(game.apply(&mv).is_ok());
        assert_eq!(game.casino_order(3).entries[0].dice, 3);
        let undo = entry.key(EntryKey::Undo, &game, || "k3".into()).unwrap();
        assert_eq!(
            undo.kind,
            MoveKind::Undo {
                reason: KIOSK_UNDO_REASON.into()
            }
        );
    }

    #[test]
    fn an_illegal_move_is_refused_with_the_rules_message() {
        let game = sample_match();
        let mut entry = Entry::default();
        for face in [2, 2, 5, 1] {
            entry.key(EntryKey::Die(face), &game, || unreachable!());
        }
        // No die shows 6.
        assert!(entry.key(EntryKey::Place(6), &game, || unreachable!()).is_none());
        assert_eq!(
            entry.note.clone().unwrap(),
            EntryNote::Refused(
                IllegalMove::FaceNotRolled {
                    face: 6,
                    rolled: vec![2, 2, 5, 1]
                }
                .to_string()
            )
        );
        assert_eq!(entry.rolled, vec![2, 2, 5, 1], "the roll stays to be fixed");
        // Too few dice: Enter is refused with the rule's count.
        let mut short = Entry::default();
        short.key(EntryKey::Die(2), &game, || unreachable!());
        short.key(EntryKey::Confirm, &game, || unreachable!());
        assert!(
            matches!(&short.note, Some(EntryNote::Refused(n)) if n.contains("4 dice left")),
            "{:?}",
            short.note
        );
        assert!(!short.picking_face);
        // Nothing to undo on a fresh match.
        let fresh = Match::new(game.setup()).unwrap();
        assert!(entry.key(EntryKey::Undo, &fresh, || unreachable!()).is_none());
        assert_eq!(
            entry.note.clone().unwrap(),
            EntryNote::Refused(IllegalMove::NothingToUndo.to_string())
        );
    }

    #[test]
    fn shift_digits_place_and_plain_digits_roll() {
        assert_eq!(entry_key(KeyCode::Digit3, false), Some(EntryKey::Die(3)));
        assert_eq!(entry_key(KeyCode::Numpad5, true), Some(EntryKey::Place(5)));
        assert_eq!(entry_key(KeyCode::KeyU, true), Some(EntryKey::Undo));
        assert_eq!(entry_key(KeyCode::Digit7, false), None);
    }
}
