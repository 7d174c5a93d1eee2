//! The live dice game *Casino* (the board game *Las Vegas*) on the big screen: the six casinos as a
//! lit table, their money cards, the teams' dice, the live order per casino (who takes which card
//! now, which ties cancel), whose turn it is, the round's payouts and the podium. The rules live in
//! `venue_rules::casino`; the match is rebuilt from the move list alone ([`board`]) whenever the
//! feed or the moves entered on this kiosk change. This module wires the plugin and holds the
//! screen's resources; the systems live beside it: [`board`] (the rebuild), [`journal`] (moves
//! entered here), [`input`] (their keys), [`layout`] (where everything goes), [`scene`] (the 3D
//! table and dice) and [`hud`] (the text).

pub mod board;
pub mod hud;
pub mod input;
pub mod journal;
pub mod layout;
pub mod scene;

use std::sync::Arc;

use bevy::prelude::*;

use crate::config::Config;
use crate::frame::AppSystems;
use crate::screens::{Moment, Screen};
use crate::shell::emergency::screen_uncovered;
use venue_contract::casino::CasinoData;
use venue_rules::casino::Match;

/// The match as the screen shows it.
#[derive(Resource, Debug, Default)]
pub struct CasinoBoard {
    /// The last match that replayed; `None` until the feed has one.
    pub game: Option<Match>,
    /// Why the newest move list does not replay (the last good board stays).
    pub error: Option<String>,
    /// The newest move, when it arrived while this screen was up: its dice roll once.
    pub roll: Option<Roll>,
    /// Bumped on every rebuild (and every refusal), for what is drawn from the board.
    pub revision: u64,
    /// Rolls started since start-up (for tests).
    pub rolls_started: u64,
    /// What the board was built from: the feed payload and the local moves' revision.
    // The payload itself, not its address: a freed payload's address can come back for the next.
    built_from: Option<(Arc<CasinoData>, u64)>,
}

/// The newest move's roll animation.
#[derive(Debug, Clone, PartialEq)]
pub struct Roll {
    pub move_id: String,
    /// When it started (real seconds since start-up).
    pub started_s: f64,
}

/// May the operator enter moves on this kiosk? Only without an event server to post to.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct KioskEntry(pub bool);

pub fn plugin(app: &mut App) {
    let entry = app
        .world()
        .get_resource::<Config>()
        .is_some_and(|c| crate::feed::outbox::OutboxConfig::from_config(&c.feed).is_none());
    app.init_resource::<CasinoBoard>()
        .init_resource::<journal::LocalMoves>()
        .init_resource::<journal::OpeningJournal>()
        .init_resource::<input::Entry>()
        .insert_resource(KioskEntry(entry))
        .add_systems(
            Update,
            (
                (journal::open_journal, journal::finish_open, board::sync_board)
                    .chain()
                    .in_set(AppSystems::Ingest),
                input::operator_keys
                    .run_if(in_state(Screen::Casino))
                    .run_if(screen_uncovered)
                    .in_set(AppSystems::RecordInput),
            ),
        )
        .add_plugins((scene::plugin, hud::plugin));
}

/// The moment the casino screen is in, for captures: the board is up and no dice are moving.
pub fn moment(board: &CasinoBoard, now_s: f64) -> Option<Moment> {
    let moving = board
        .roll
        .as_ref()
        .is_some_and(|r| now_s < r.started_s + board::ROLL_S + hud::FLY_S + 1.0);
    (board.game.is_some() && !moving).then_some(Moment::Table)
}

/// What the screen shows of the match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A round in play: the live order.
    Live,
    /// A round was just scored (no die of the next one is down yet): its payouts.
    RoundEnd { round_index: u8 },
    /// Every round scored: the podium.
    Final,
}

pub fn stage(game: &Match) -> Stage {
    if game.finished() {
        return Stage::Final;
    }
    let round = game.round_index();
    let played_this_round = game.placements().last().is_some_and(|p| p.round_index == round);
    match game.round_results().last() {
        Some(result) if !played_this_round => Stage::RoundEnd {
            round_index: result.round_index,
        },
        _ => Stage::Live,
    }
}

/// The six casinos as the table shows them: the live order mid-round, the scored round at its end.
pub fn table_orders(game: &Match) -> Vec<venue_rules::casino::CasinoOrder> {
    match stage(game) {
        Stage::Live => game.live_order(),
        Stage::RoundEnd { .. } | Stage::Final => game.round_results().last().map(|r| r.casinos.clone()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::feed::FeedState;
    use venue_contract::payload::Endpoint;

    fn app() -> App {
        let feed = FeedState {
            casino: Some(Arc::new(
                venue_contract::casino::decode(venue_contract::sample::body(Endpoint::Casino)).unwrap(),
            )),
            ..default()
        };
        let mut app = App::new();
        app.add_plugins(bevy::state::app::StatesPlugin)
            .add_message::<bevy::input::keyboard::KeyboardInput>()
            .init_resource::<Time<Real>>()
            .insert_state(Screen::Casino)
            .insert_resource(feed)
            .insert_resource(journal::LocalMoves { loaded: true, ..default() })
            .init_resource::<CasinoBoard>()
            .init_resource::<input::Entry>()
            .insert_resource(KioskEntry(true))
            .add_systems(Update, (board::sync_board, input::operator_keys, board::sync_board).chain());
        app.update();
        app
    }

    /// Key events as winit sends them, all in one frame: each key pressed, then released.
    fn press(app: &mut App, keys: &[KeyCode]) {
        use bevy::input::ButtonState;
        use bevy::input::keyboard::{Key, KeyboardInput};
        let window = Entity::PLACEHOLDER;
        for (state, order) in [(ButtonState::Pressed, false), (ButtonState::Released, true)] {
            let mut keys = keys.to_vec();
            if order {
                keys.reverse();
            }
            for key_code in keys {
                app.world_mut().write_message(KeyboardInput {
                    key_code,
                    logical_key: Key::Unidentified(bevy::input::keyboard::NativeKey::Unidentified),
                    state,
                    text: None,
                    repeat: false,
                    window,
                });
            }
        }
        app.update();
    }

    /// The keys of a whole move, through the running systems: one local move, one rebuild, one roll;
    /// an undo rebuilds without a roll.
    #[test]
    fn keys_place_a_move_that_rolls_once_and_undo_takes_it_back() {
        let mut app = app();
        assert_eq!(app.world().resource::<CasinoBoard>().game.as_ref().unwrap().placements().len(), 6);
        // A slow frame holding several presses of the same key: each one counts.
        press(&mut app, &[KeyCode::Digit2, KeyCode::Digit2]);
        press(&mut app, &[KeyCode::Digit5]);
        press(&mut app, &[KeyCode::Digit1]);
        assert_eq!(app.world().resource::<input::Entry>().rolled, vec![2, 2, 5, 1]);
        // Shift+6: no die shows 6; refused with the rule's message, nothing stored.
        press(&mut app, &[KeyCode::ShiftLeft, KeyCode::Digit6]);
        assert!(app.world().resource::<journal::LocalMoves>().entries.is_empty());
        assert!(
            app.world()
                .resource::<input::Entry>()
                .note
                .as_ref()
                .is_some_and(input::EntryNote::refused)
        );
        press(&mut app, &[KeyCode::ShiftLeft, KeyCode::Digit2]);
        let board = app.world().resource::<CasinoBoard>();
        let game = board.game.as_ref().unwrap();
        assert_eq!(game.placements().len(), 7);
        assert_eq!(game.casino_order(2).entries[0].dice, 2);
        assert_eq!(board.rolls_started, 1);
        assert_eq!(app.world().resource::<journal::LocalMoves>().entries.len(), 1);
        // Frames with nothing new: no rebuild, no second roll.
        let revision = board.revision;
        press(&mut app, &[]);
        press(&mut app, &[]);
        assert_eq!(app.world().resource::<CasinoBoard>().revision, revision);
        press(&mut app, &[KeyCode::KeyU]);
        let board = app.world().resource::<CasinoBoard>();
        assert_eq!(board.game.as_ref().unwrap().placements().len(), 6);
        assert_eq!(board.rolls_started, 1, "an undo does not roll");
        assert!(board.roll.is_none());
    }
}
