//! When the stage sounds: the cue lists of the lucky draw's roll and the cube game's rounds, as
//! pure functions of the same timing the pictures use, so a tick cannot drift from its reel nor a
//! beat from its piece. The kiosk synthesises the voices; here is only what plays when.
//!
//! - **The draw**: a drumroll from the first reel's start to the last reel's landing, a tick at
//!   [`machine::reel_lands_at`] of each reel, the fanfare at [`machine::reveal_at`].
//! - **The game**: three count-in beeps, one a second, before a round; then a beat on every slot a
//!   piece reaches ([`judge::target_time_ms`] of slots `0..=LEAD`), accented on its target slot:
//!   the pieces move to the beat, and the accent is the instant the judge measures against.
//! - **The calibration by ear**: a click on each of [`GameSession::beats`].
//!
//! Sound lags the picture (speakers, HDMI or Bluetooth audio): [`played_early`] moves cues earlier by
//! the measured latency so each is heard on its instant.

use crate::draw::machine;
use crate::game::judge;
use crate::game::net::LEAD;
use crate::game::session::{COUNTDOWN_MS, GameSession};

/// What sounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Voice {
    /// A snare roll of `seconds`, swelling to its end.
    Drumroll { seconds: f64 },
    /// A reel lands: a short, bright wood-block knock.
    Tick,
    /// The reveal: a brass arpeggio up to a held chord.
    Fanfare,
    /// The game's beat, a low thump; `accent` on a piece's target slot (a knock on top).
    Beat { accent: bool },
    /// A count-in beep before a round.
    CountIn,
    /// A calibration click: a sharp onset to tap along with.
    Click,
}

/// One sound at `at_s` seconds on the timeline's own clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cue {
    pub at_s: f64,
    pub voice: Voice,
}

/// The roll of `reels` reels, `t = 0` when the roll starts: the drumroll until the last reel has
/// landed, a tick as each lands, the fanfare on the reveal.
pub fn draw_roll(reels: usize) -> Vec<Cue> {
    let mut cues = vec![Cue {
        at_s: 0.0,
        voice: Voice::Drumroll {
            seconds: f64::from(machine::roll_duration(reels)),
        },
    }];
    cues.extend((0..reels).map(|reel| Cue {
        at_s: f64::from(machine::reel_lands_at(reel)),
        voice: Voice::Tick,
    }));
    cues.push(Cue {
        at_s: f64::from(machine::reveal_at(reels)),
        voice: Voice::Fanfare,
    });
    cues
}

/// Round `round` of `session` starting at `started_ms` on the game clock, in seconds of the game
/// clock: the count-in during the countdown before it, then the pieces' beat.
pub fn game_round(session: &GameSession, round: usize, started_ms: f64) -> Vec<Cue> {
    let Some(plan) = session.rounds.get(round) else {
        return Vec::new();
    };
    let speed = f64::from(plan.speed);
    let beeps = (COUNTDOWN_MS / 1000.0).round() as usize;
    let mut cues: Vec<Cue> = (0..beeps)
        .map(|k| Cue {
            at_s: (started_ms - COUNTDOWN_MS + k as f64 * 1000.0) / 1000.0,
            voice: Voice::CountIn,
        })
        .collect();
    for piece in session.pieces(round, started_ms) {
        cues.extend((0..=LEAD).map(|slot| Cue {
            at_s: judge::target_time_ms(piece.start_ms, slot, speed) / 1000.0,
            voice: Voice::Beat { accent: slot == LEAD },
        }));
    }
    cues
}

/// The clicks of a calibration by ear that started at `started_ms` (game clock, in seconds).
pub fn calibration_clicks(started_ms: f64) -> Vec<Cue> {
    GameSession::beats(started_ms)
        .map(|beat| Cue {
            at_s: beat / 1000.0,
            voice: Voice::Click,
        })
        .collect()
}

/// The cues played `latency_ms` earlier, so that, arriving that much late, each is heard on its
/// instant. A negative latency (a screen slower than its speakers) plays them later.
pub fn played_early(cues: &[Cue], latency_ms: f64) -> Vec<Cue> {
    cues.iter()
        .map(|cue| Cue {
            at_s: cue.at_s - latency_ms / 1000.0,
            voice: cue.voice,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::judge::piece_progress;
    use crate::game::net;
    use venue_contract::wire::{GameData, Round, Team};

    fn session() -> GameSession {
        let data = GameData {
            version: 1,
            teams: vec![Team {
                id: "t".into(),
                name: "T".into(),
                color: "#38BDF8".into(),
                key: None,
            }],
            bets: Vec::new(),
            rounds: vec![Round {
                index: 1,
                name: "One".into(),
                weight: 1.0,
                speed: 2.5,
                pieces: 4,
                difficulty: 0.0,
            }],
        };
        GameSession::new(&data, "g".into()).unwrap()
    }

    #[test]
    fn the_roll_ticks_as_each_reel_lands_and_the_fanfare_plays_on_the_reveal() {
        let cues = draw_roll(4);
        let ticks: Vec<f64> = cues.iter().filter(|c| c.voice == Voice::Tick).map(|c| c.at_s).collect();
        let landings: Vec<f64> = (0..4).map(|r| f64::from(machine::reel_lands_at(r))).collect();
        assert_eq!(ticks, landings);
        assert_eq!(
            cues[0].voice,
            Voice::Drumroll {
                seconds: f64::from(machine::roll_duration(4))
            },
            "the drumroll lasts until the last reel lands"
        );
        let fanfare = cues.iter().find(|c| c.voice == Voice::Fanfare).unwrap();
        assert_eq!(fanfare.at_s, f64::from(machine::reveal_at(4)));
        assert!(fanfare.at_s > *landings.last().unwrap());
    }

    /// The pieces move to the beat: every beat is an instant a piece is exactly on a slot of its
    /// path, one beat per slot up to the target, and the accent is the judge's target instant.
    #[test]
    fn the_game_beat_falls_on_every_slot_a_piece_reaches() {
        let s = session();
        let started = 10_000.0;
        let cues = game_round(&s, 0, started);
        let pieces = s.pieces(0, started);
        let speed = f64::from(s.rounds[0].speed);
        let beats: Vec<(f64, bool)> = cues
            .iter()
            .filter_map(|c| match c.voice {
                Voice::Beat { accent } => Some((c.at_s * 1000.0, accent)),
                _ => None,
            })
            .collect();
        assert_eq!(beats.len(), pieces.len() * (LEAD as usize + 1));
        for (i, piece) in pieces.iter().enumerate() {
            for slot in 0..=LEAD {
                let (at_ms, accent) = beats[i * (LEAD as usize + 1) + slot as usize];
                let progress = piece_progress(at_ms, piece.start_ms, speed);
                assert!((progress - f64::from(slot)).abs() < 1e-9, "piece {i} slot {slot}: {progress}");
                // On the slot's cell exactly, as the renderer places the piece.
                let (x, y) = net::position_on(&piece.path, progress);
                let cell = piece.path[slot as usize];
                assert!((x - f64::from(cell.0)).abs() < 1e-9 && (y - f64::from(cell.1)).abs() < 1e-9);
                assert!(net::hop(progress).abs() < 1e-6, "the piece touches down on the beat");
                assert_eq!(accent, slot == LEAD);
                if accent {
                    assert!((at_ms - piece.target_ms).abs() < 1e-9, "the accent is the target");
                }
            }
        }
        // The count-in: one beep a second during the countdown, none after the round began.
        let count_in: Vec<f64> = cues.iter().filter(|c| c.voice == Voice::CountIn).map(|c| c.at_s).collect();
        assert_eq!(count_in, [7.0, 8.0, 9.0]);
        assert_eq!(beats[0].0, started, "the first beat is the first piece setting off");
        // Between two beats the piece is in the air, highest half-way.
        let piece = &pieces[0];
        let half = piece_progress(piece.start_ms + 500.0 / speed, piece.start_ms, speed);
        assert!((net::hop(half) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn played_early_by_the_latency_every_cue_is_heard_on_its_instant() {
        let s = session();
        let cues = game_round(&s, 0, 5_000.0);
        for latency_ms in [0.0, 45.0, 180.0, -30.0] {
            let played = played_early(&cues, latency_ms);
            for (cue, early) in cues.iter().zip(&played) {
                assert_eq!(early.voice, cue.voice);
                let heard = early.at_s + latency_ms / 1000.0;
                assert!((heard - cue.at_s).abs() < 1e-12, "{latency_ms} ms: {heard} vs {}", cue.at_s);
            }
        }
        let clicks = calibration_clicks(1_000.0);
        let beats: Vec<f64> = GameSession::beats(1_000.0).map(|b| b / 1000.0).collect();
        assert_eq!(clicks.iter().map(|c| c.at_s).collect::<Vec<_>>(), beats);
    }

    #[test]
    fn a_round_outside_the_plan_is_silent() {
        assert!(game_round(&session(), 3, 0.0).is_empty());
    }
}
