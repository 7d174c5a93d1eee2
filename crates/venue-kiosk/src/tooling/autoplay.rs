//! `--autoplay` (rehearsals, screenshots): bots press near every target, tap along with the
//! calibration pulse, and the operator's Enter comes by itself after the leaderboard has been up a
//! moment.

use bevy::prelude::*;

use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::screens::game::{Game, GameClock};
use venue_rules::game::session::{GameSession, Phase};

/// The bots' state.
#[derive(Resource, Debug, Clone)]
pub struct Autoplay {
    /// Each team's offset from the target, in ms (bots are consistent, some better than others).
    pub offsets_ms: Vec<f64>,
    pub pressed: Vec<usize>,
    pub since_ms: Option<f64>,
    /// Calibrate from the lobby before the first round (a bot taps along, [`AUTOPLAY_TAP_LATE_MS`] late).
    pub calibrate_first: bool,
}

/// How late the `--autoplay` bot taps along with the calibration pulse (a plausible room latency).
pub const AUTOPLAY_TAP_LATE_MS: f64 = 37.0;

/// Bots for `--autoplay`: each presses its team's key at its offset from every target.
fn autoplay(auto: Option<ResMut<Autoplay>>, game: Option<ResMut<Game>>, clock: GameClock) {
    let (Some(mut auto), Some(mut game)) = (auto, game) else { return };
    let now = clock.now_ms();
    match game.session.phase.clone() {
        Phase::Lobby if auto.calibrate_first => {
            auto.calibrate_first = false;
            game.session.start_calibration(now);
        }
        Phase::Calibrating { started_ms, samples, .. } => {
            let offset = AUTOPLAY_TAP_LATE_MS;
            if let Some(beat) = GameSession::beats(started_ms).nth(samples.len())
                && beat + offset <= now
            {
                game.session.press(0, beat + offset);
            }
        }
        Phase::Lobby | Phase::Leaderboard { .. } => {
            let since = *auto.since_ms.get_or_insert(now);
            if now - since > 2_500.0 * clock.speed() {
                auto.since_ms = None;
                game.session.advance(now);
            }
        }
        Phase::Playing { round, started_ms } => {
            auto.since_ms = None;
            let pieces = game.session.pieces(round, started_ms);
            let teams = game.session.teams.len();
            let calibration = game.session.calibration_ms;
            auto.pressed.resize(teams, 0);
            for team in 0..teams {
                let offset = auto.offsets_ms.get(team).copied().unwrap_or(0.0);
                while let Some(piece) = pieces.get(auto.pressed[team])
                    && piece.target_ms + offset <= now
                {
                    game.session.press(team, piece.target_ms + offset + calibration);
                    auto.pressed[team] += 1;
                }
            }
        }
        _ => {
            auto.pressed.clear();
            auto.since_ms = None;
        }
    }
}

pub fn plugin(calibrate_first: bool) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Autoplay {
            // Bots of different skill: one spot on, the others early or late by a little more each.
            offsets_ms: vec![3.0, -24.0, 41.0, -62.0, 15.0, -35.0, 55.0, -8.0],
            pressed: Vec::new(),
            since_ms: None,
            calibrate_first,
        })
        .add_systems(Update, autoplay.run_if(in_state(Screen::CubeGame)).in_set(AppSystems::RecordInput));
    }
}
