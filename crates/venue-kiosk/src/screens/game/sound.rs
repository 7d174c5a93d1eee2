//! The game's sound: the count-in and the beat of the round (`venue_rules::sound::game_round`) from
//! its countdown to its last piece, the clicks of a calibration by ear, played
//! [`GameSession::sound_latency_ms`](venue_rules::game::session::GameSession::sound_latency_ms)
//! early. A paused round is silent; a resumed one starts its beat again where it stands.

use bevy::prelude::*;

use super::{Game, GameClock};
use crate::shell::sound::{StageSound, Track, track_key};
use venue_rules::game::session::Phase;
use venue_rules::sound::Cue;

pub(super) fn stage_sound(game: Option<Res<Game>>, clock: GameClock, sound: Option<ResMut<StageSound>>) {
    let (Some(game), Some(mut sound)) = (game, sound) else { return };
    let s = &game.session;
    let speed = clock.speed();
    let latency_ms = s.sound_latency_ms;
    // The game clock runs `speed` times real time (rehearsals); the track is on the real clock.
    let track = |cues: Vec<Cue>| Track {
        cues: cues
            .into_iter()
            .map(|cue| Cue {
                at_s: cue.at_s / speed,
                voice: cue.voice,
            })
            .collect(),
        origin_s: 0.0,
        latency_ms,
    };
    match s.phase {
        Phase::Countdown {
            round,
            until_ms: started_ms,
        }
        | Phase::Playing { round, started_ms } => {
            let key = track_key(("round", round, started_ms.to_bits(), latency_ms.to_bits(), speed.to_bits()));
            sound.play(key, || track(venue_rules::sound::game_round(s, round, started_ms)));
        }
        Phase::Calibrating {
            started_ms, by_ear: true, ..
        } => {
            let key = track_key(("by ear", started_ms.to_bits(), latency_ms.to_bits(), speed.to_bits()));
            sound.play(key, || track(venue_rules::sound::calibration_clicks(started_ms)));
        }
        Phase::Folding { .. } => sound.let_ring(),
        _ => {}
    }
}
