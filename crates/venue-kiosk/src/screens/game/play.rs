//! The game advances: the session ticks on the game clock, finished rounds are recorded, and each
//! team's live outcome is judged once per frame for whatever shows it.

use bevy::prelude::*;
use chrono::Utc;

use super::{Game, GameClock, LiveOutcomes, RoundRecorder};
use venue_rules::game::journal::GameEntry;
use venue_rules::game::session::{CalibrationOutcome, Phase};

pub(super) fn tick(game: Option<ResMut<Game>>, clock: GameClock, mut recorder: RoundRecorder) {
    let Some(mut game) = game else { return };
    let now = clock.now_ms();
    let calibrating = matches!(game.session.phase, Phase::Calibrating { .. });
    // Read first, so an idle frame does not mark the game changed.
    if let Some(result) = game.bypass_change_detection().session.tick(now) {
        game.set_changed();
        recorder.record(&game.session.game_id, result);
    } else if calibrating && !matches!(game.session.phase, Phase::Calibrating { .. }) {
        game.set_changed();
        // Too few taps changed nothing: nothing to journal (the screen says so).
        if let Some(note) = game.session.last_calibration
            && let CalibrationOutcome::Set { offset_ms, .. } = note.outcome
        {
            recorder.note(if note.by_ear {
                GameEntry::Calibrated {
                    offset_ms: game.session.calibration_ms,
                    sound_latency_ms: Some(offset_ms),
                    at: Utc::now(),
                }
            } else {
                GameEntry::Calibrated {
                    offset_ms,
                    sound_latency_ms: None,
                    at: Utc::now(),
                }
            });
        }
    }
}

/// Under an emergency takeover nobody sees the pieces: a round in play (or one whose countdown ends
/// under it) is frozen, every offset kept, instead of running out in misses. The operator resumes it
/// with F8 once the hall is ready again.
pub(super) fn pause_under_takeover(game: Option<ResMut<Game>>, clock: GameClock) {
    let Some(mut game) = game else { return };
    if matches!(game.session.phase, Phase::Playing { .. }) {
        game.session.toggle_pause(clock.now_ms());
        info!("emergency takeover: the round in play is paused (F8 resumes it)");
    }
}

/// Judge the round in play for [`LiveOutcomes`], only when its presses (or the round) changed.
pub fn live_outcomes(game: Option<Res<Game>>, mut live: ResMut<LiveOutcomes>) {
    let in_round = game.as_deref().and_then(|g| match g.session.phase {
        Phase::Playing { round, started_ms } | Phase::Paused { round, started_ms, .. } => Some((g, round, started_ms)),
        _ => None,
    });
    let Some((game, round, started_ms)) = in_round else {
        if live.key.is_some() {
            live.key = None;
            live.outcomes.clear();
        }
        return;
    };
    let s = &game.session;
    let key = (
        round,
        started_ms.to_bits(),
        s.presses.iter().map(Vec::len).collect(),
        s.calibration_ms.to_bits(),
    );
    if live.key.as_ref() == Some(&key) {
        return;
    }
    live.outcomes = (0..s.teams.len()).map(|t| s.live_outcome(t, round, started_ms)).collect();
    live.key = Some(key);
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_rules::game::session::{self, GameSession};

    /// The live outcomes are judged once, and again only when a press (or the round) changes.
    #[test]
    fn live_outcomes_follow_the_presses() {
        use bevy::ecs::system::RunSystemOnce;
        use venue_contract::wire::{GameData, Round, Team};
        let data = GameData {
            version: 1,
            teams: (0..2)
                .map(|i| Team {
                    id: format!("t{i}"),
                    name: format!("T{i}"),
                    color: "#38BDF8".into(),
                    key: None,
                })
                .collect(),
            bets: Vec::new(),
            rounds: vec![Round {
                index: 1,
                name: "One".into(),
                weight: 1.0,
                speed: 2.0,
                pieces: 3,
                difficulty: 0.0,
            }],
        };
        let mut session = GameSession::new(&data, "g".into()).unwrap();
        session.advance(0.0);
        session.tick(session::COUNTDOWN_MS);
        let Phase::Playing { round, started_ms } = session.phase else {
            panic!()
        };
        let target = session.pieces(round, started_ms)[0].target_ms;
        let mut world = World::new();
        world.insert_resource(Game {
            session,
            answered: Vec::new(),
            post_problem: None,
        });
        world.init_resource::<LiveOutcomes>();
        world.run_system_once(live_outcomes).unwrap();
        assert_eq!(world.resource::<LiveOutcomes>().outcomes.len(), 2);
        assert_eq!(world.resource::<LiveOutcomes>().get(0).unwrap().points, 0);
        // Unchanged inputs: nothing is judged again (a marker survives).
        world.resource_mut::<LiveOutcomes>().outcomes[1].points = -7;
        world.run_system_once(live_outcomes).unwrap();
        assert_eq!(world.resource::<LiveOutcomes>().get(1).unwrap().points, -7);
        // A press: judged again, and it equals the session's own judgement.
        world.resource_mut::<Game>().session.press(0, target);
        world.run_system_once(live_outcomes).unwrap();
        let game = world.resource::<Game>();
        let want = game.session.live_outcome(0, round, started_ms);
        assert_eq!(world.resource::<LiveOutcomes>().get(0), Some(&want));
        assert!(want.points > 0);
        assert_eq!(world.resource::<LiveOutcomes>().get(1).unwrap().points, 0);
        // Out of the round: empty.
        let end = world.resource::<Game>().session.round_end_ms(round, started_ms);
        world.resource_mut::<Game>().session.tick(end);
        world.run_system_once(live_outcomes).unwrap();
        assert!(world.resource::<LiveOutcomes>().outcomes.is_empty());
    }
}
