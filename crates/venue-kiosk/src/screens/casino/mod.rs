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

use bevy::prelude::*;

use crate::config::Config;
use crate::frame::AppSystems;
use crate::screens::{Moment, Screen};
use crate::shell::emergency::screen_uncovered;
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
    /// What the board was built from: the feed payload's address and the local moves' revision.
    built_from: Option<(usize, u64)>,
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
    (board.game.is_some() && !board.rolling(now_s)).then_some(Moment::Table)
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
