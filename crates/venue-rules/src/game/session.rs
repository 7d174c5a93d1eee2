//! One play-through of the cube-timing game as a pure state machine on a millisecond clock: the
//! operator advances it, players press, time ticks it on. No Bevy, no I/O: the Bevy side feeds
//! key events stamped on the same clock and journals what [`GameSession::tick`] hands back.
//!
//! ```text
//! Lobby ─Enter→ Countdown(r) → Playing(r) → Folding(r) → Leaderboard(r) ─Enter→ Countdown(r+1) … → Podium
//!   └─F7→ Calibrating → back where F7 was pressed (Lobby or Leaderboard(r))
//!   └─Shift+F7→ Calibrating by ear (the beat only, no pulse on screen) → back the same way
//!                                        F5 in Countdown/Playing: restart the round (presses dropped)
//!                                        F6 in Playing: end the round now (targets not reached are Misses)
//!                                        F8: pause the round in play / resume it where it stopped
//! ```
//!
//! Piece `i` of a round starts at `started + i·(travel + GAP_MS)` and is exactly on its target
//! slot `LEAD` at `target_time_ms(start, LEAD, speed)` — the instant the judge measures against.

use super::judge::{
    CALIBRATION_MIN_SAMPLES, CALIBRATION_OUTLIER_MS, RoundOutcome, RoundRules, ScoreError, Scoreboard, calibration_offset, judge_round,
    target_time_ms,
};
use super::net::{self, Cell, FACE_ORDER, LEAD};
use venue_contract::wire::{GameData, Round};

pub const COUNTDOWN_MS: f64 = 3_000.0;
/// Pause between one piece reaching its slot and the next piece setting off.
pub const GAP_MS: f64 = 700.0;
/// The round's celebration: the net folds into a cube.
pub const FOLD_MS: f64 = 3_200.0;
/// Calibration: a pulse every `BEAT_MS`, `BEATS` times, after a short lead-in.
pub const BEAT_MS: f64 = 600.0;
pub const BEATS: usize = 8;
const CALIBRATION_LEAD_MS: f64 = 1_200.0;
/// After a calibration ends, Space (the tap key) does not advance the game for this long: a late
/// tap must not start a round. Enter always advances.
pub const TAP_KEY_GUARD_MS: f64 = 2_000.0;
/// On the podium, a second Enter within this time starts a new game (one Enter alone never does).
pub const NEW_GAME_CONFIRM_MS: f64 = 5_000.0;

#[derive(Debug, Clone, PartialEq)]
pub struct TeamInfo {
    pub id: String,
    pub name: String,
    pub color: String,
    /// Key name as in the config (`KeyA`, `Space`, …).
    pub key: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Lobby,
    Calibrating {
        started_ms: f64,
        samples: Vec<f64>,
        /// The phase F7 was pressed in (the lobby or the standings): where the calibration ends.
        return_to: Box<Phase>,
        /// By ear (Shift+F7): players tap to the beat they hear, with nothing on screen, and the
        /// result is the sound's latency ([`GameSession::sound_latency_ms`]); otherwise they tap
        /// to the pulse they see, and the result is the input/display correction.
        by_ear: bool,
    },
    Countdown {
        round: usize,
        until_ms: f64,
    },
    Playing {
        round: usize,
        started_ms: f64,
    },
    /// The round in play, frozen at `paused_ms` (F8); resuming shifts it and its presses on.
    Paused {
        round: usize,
        started_ms: f64,
        paused_ms: f64,
    },
    Folding {
        round: usize,
        started_ms: f64,
    },
    /// Standings after `round` (0-based).
    Leaderboard {
        round: usize,
    },
    Podium,
}

/// How the last calibration ended, for the screen: a correction was set, or too few taps kept the old one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CalibrationOutcome {
    Set {
        offset_ms: f64,
        taps: usize,
    },
    /// `taps`: those within [`CALIBRATION_OUTLIER_MS`] of a pulse; `kept_ms`: the correction left as it was.
    TooFewTaps {
        taps: usize,
        needed: usize,
        kept_ms: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationNote {
    /// For a calibration by ear, `offset_ms` / `kept_ms` are the sound's latency.
    pub outcome: CalibrationOutcome,
    /// The calibration was by ear (the sound's latency), not by sight.
    pub by_ear: bool,
    /// Game clock when the calibration ended.
    pub ended_ms: f64,
}

/// A piece of the round on screen: where it runs and when it is exactly on its target.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub face: usize,
    pub path: [Cell; (LEAD + 1 + net::OVERRUN) as usize],
    pub start_ms: f64,
    pub target_ms: f64,
}

/// What a finished round produced: journal it and post it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundResult {
    /// 0-based position in the plan.
    pub round: usize,
    /// The plan's `Round.index` (the contract's round number).
    pub round_index: u32,
    /// Per team, in team order: (id, round points, total after the round).
    pub scores: Vec<(String, i64, i64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GameSession {
    pub game_id: String,
    pub teams: Vec<TeamInfo>,
    pub rounds: Vec<Round>,
    pub board: Scoreboard,
    pub phase: Phase,
    /// Presses of the round in play, per team, on the game clock (ms).
    pub presses: Vec<Vec<f64>>,
    /// Input/display latency subtracted from every press.
    pub calibration_ms: f64,
    /// How much earlier than the picture the game's sound is played, in ms, so the beat is heard
    /// when a piece is seen on its slot (speakers, Bluetooth and HDMI audio lag the screen). Set
    /// by the calibration by ear; starts at the config's `sound.latency_ms`.
    pub sound_latency_ms: f64,
    /// Each team's judged outcome of the last finished round (for the fold and the leaderboard).
    pub last_outcomes: Vec<RoundOutcome>,
    /// The last calibration's outcome, until the next round starts.
    pub last_calibration: Option<CalibrationNote>,
    /// When Enter on the podium asked for a new game (a second Enter confirms).
    pub new_game_asked_ms: Option<f64>,
}

/// Keys teams get when neither the feed nor the config names one: home row, far apart.
pub const DEFAULT_KEYS: [&str; 8] = ["KeyA", "KeyF", "KeyJ", "Semicolon", "KeyQ", "KeyR", "KeyU", "KeyP"];

impl GameSession {
    /// A new game for the feed's teams (1–8) and rounds.
    pub fn new(data: &GameData, game_id: String) -> Result<GameSession, String> {
        if data.teams.is_empty() || data.teams.len() > 8 {
            return Err(format!("the game needs 1 to 8 teams, the feed has {}", data.teams.len()));
        }
        if data.rounds.is_empty() {
            return Err("the feed's game has no rounds".into());
        }
        if let Some(r) = data
            .rounds
            .iter()
            .find(|r| !(r.speed.is_finite() && r.speed > 0.0) || r.pieces == 0)
        {
            return Err(format!("round {} needs a positive speed and at least one piece", r.index));
        }
        let single = data.teams.len() == 1;
        let teams: Vec<TeamInfo> = data
            .teams
            .iter()
            .enumerate()
            .map(|(i, t)| TeamInfo {
                id: t.id.clone(),
                name: t.name.clone(),
                color: t.color.clone(),
                key: t
                    .key
                    .clone()
                    .unwrap_or_else(|| if single { "Space".into() } else { DEFAULT_KEYS[i].into() }),
            })
            .collect();
        let mut rounds = data.rounds.clone();
        rounds.sort_by_key(|r| r.index);
        let weights = rounds.iter().map(|r| f64::from(r.weight)).collect();
        let board = Scoreboard::new(teams.iter().map(|t| t.id.clone()), weights).map_err(|e| e.to_string())?;
        Ok(GameSession {
            game_id,
            presses: vec![Vec::new(); teams.len()],
            teams,
            rounds,
            board,
            phase: Phase::Lobby,
            calibration_ms: 0.0,
            sound_latency_ms: 0.0,
            last_outcomes: Vec::new(),
            last_calibration: None,
            new_game_asked_ms: None,
        })
    }

    /// Continue a game from its journaled rounds: standings of the last played round, or the lobby.
    pub fn resume(&mut self, played: &[Vec<(String, i64)>], calibration_ms: f64) -> Result<(), ScoreError> {
        for points in played {
            let row: Vec<(&str, i64)> = points.iter().map(|(id, p)| (id.as_str(), *p)).collect();
            self.board.record_round(&row)?;
        }
        self.calibration_ms = calibration_ms;
        self.phase = match self.board.rounds_played() {
            0 => Phase::Lobby,
            n if n == self.rounds.len() => Phase::Podium,
            n => Phase::Leaderboard { round: n - 1 },
        };
        Ok(())
    }

    /// The phase in a word, for the operator panel.
    pub fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Lobby => "lobby",
            Phase::Calibrating { .. } => "calibrating",
            Phase::Countdown { .. } => "countdown",
            Phase::Playing { .. } => "playing",
            Phase::Paused { .. } => "paused",
            Phase::Folding { .. } => "folding",
            Phase::Leaderboard { .. } => "leaderboard",
            Phase::Podium => "podium",
        }
    }

    pub fn rules(&self, round: usize) -> RoundRules {
        let r = &self.rounds[round];
        RoundRules::new(f64::from(r.difficulty), f64::from(r.weight))
    }

    /// The pieces of `round` when it starts at `started_ms`.
    pub fn pieces(&self, round: usize, started_ms: f64) -> Vec<Piece> {
        let r = &self.rounds[round];
        let speed = f64::from(r.speed);
        let travel = f64::from(LEAD) * 1000.0 / speed;
        (0..r.pieces as usize)
            .map(|i| {
                let start_ms = started_ms + i as f64 * (travel + GAP_MS);
                let face = FACE_ORDER[i % FACE_ORDER.len()];
                Piece {
                    face,
                    path: net::path_to(face, i),
                    start_ms,
                    target_ms: target_time_ms(start_ms, LEAD, speed),
                }
            })
            .collect()
    }

    /// When a round that started at `started_ms` is over: the last target plus its Bad window and a beat.
    pub fn round_end_ms(&self, round: usize, started_ms: f64) -> f64 {
        let last = self.pieces(round, started_ms).last().map_or(started_ms, |p| p.target_ms);
        last + self.rules(round).judge.windows_ms(self.rules(round).difficulty)[3] + 400.0
    }

    /// Enter: start the next round from the lobby or the leaderboard, or show the podium after the last.
    pub fn advance(&mut self, now_ms: f64) {
        match self.phase {
            Phase::Lobby => self.countdown(0, now_ms),
            Phase::Leaderboard { .. } => match self.board.next_round() {
                Some(next) => self.countdown(next, now_ms),
                None => self.phase = Phase::Podium,
            },
            _ => {}
        }
    }

    /// Enter on the podium: the first asks for a new game, a second within [`NEW_GAME_CONFIRM_MS`]
    /// confirms it. True: the caller starts one ([`GameSession::restart_game`]).
    pub fn confirm_new_game(&mut self, now_ms: f64) -> bool {
        if self.phase != Phase::Podium {
            return false;
        }
        if self.new_game_pending(now_ms) {
            self.new_game_asked_ms = None;
            return true;
        }
        self.new_game_asked_ms = Some(now_ms);
        false
    }

    /// Whether a first Enter on the podium is waiting for its confirmation.
    pub fn new_game_pending(&self, now_ms: f64) -> bool {
        self.new_game_asked_ms
            .is_some_and(|asked| now_ms >= asked && now_ms - asked <= NEW_GAME_CONFIRM_MS)
    }

    /// A new play-through with the same teams and rounds: scores from 0, in the lobby, under a new
    /// id; the latency correction is kept (the room did not change).
    pub fn restart_game(&mut self, game_id: String) {
        let weights = self.rounds.iter().map(|r| f64::from(r.weight)).collect();
        self.board =
            Scoreboard::new(self.teams.iter().map(|t| t.id.clone()), weights).expect("built from this session's teams once already");
        self.game_id = game_id;
        self.phase = Phase::Lobby;
        self.presses.iter_mut().for_each(Vec::clear);
        self.last_outcomes.clear();
        self.last_calibration = None;
        self.new_game_asked_ms = None;
    }

    /// Whether Space, the calibration's tap key, may act as Enter now: not within
    /// [`TAP_KEY_GUARD_MS`] of a calibration's end, when players may still be tapping along.
    pub fn tap_key_may_advance(&self, now_ms: f64) -> bool {
        self.last_calibration.is_none_or(|note| now_ms - note.ended_ms >= TAP_KEY_GUARD_MS)
    }

    fn countdown(&mut self, round: usize, now_ms: f64) {
        self.last_calibration = None;
        self.presses.iter_mut().for_each(Vec::clear);
        self.phase = Phase::Countdown {
            round,
            until_ms: now_ms + COUNTDOWN_MS,
        };
    }

    /// F7: tap along with the pulse (from the lobby or between rounds); it ends back where it started.
    pub fn start_calibration(&mut self, now_ms: f64) {
        self.calibrate(now_ms, false);
    }

    /// Shift+F7: tap along with the beat heard, nothing on screen; it sets the sound's latency.
    /// Calibrate by sight first: the by-ear taps are measured against that correction.
    pub fn start_sound_calibration(&mut self, now_ms: f64) {
        self.calibrate(now_ms, true);
    }

    fn calibrate(&mut self, now_ms: f64, by_ear: bool) {
        if matches!(self.phase, Phase::Lobby | Phase::Leaderboard { .. }) {
            let return_to = Box::new(self.phase.clone());
            self.phase = Phase::Calibrating {
                started_ms: now_ms,
                samples: Vec::new(),
                return_to,
                by_ear,
            };
        }
    }

    /// The pulse instants of a calibration that started at `started_ms`.
    pub fn beats(started_ms: f64) -> impl Iterator<Item = f64> {
        (0..BEATS).map(move |k| started_ms + CALIBRATION_LEAD_MS + k as f64 * BEAT_MS)
    }

    /// A key-down of team `team` at `at_ms`. Only counted while a round plays (or as a calibration
    /// tap); the caller filters key repeat so a held key counts once.
    pub fn press(&mut self, team: usize, at_ms: f64) {
        match &mut self.phase {
            Phase::Playing { .. } => {
                if let Some(list) = self.presses.get_mut(team) {
                    list.push(at_ms);
                }
            }
            Phase::Calibrating { started_ms, samples, .. } => {
                let nearest = Self::beats(*started_ms)
                    .map(|b| at_ms - b)
                    .min_by(|a, b| a.abs().total_cmp(&b.abs()))
                    .unwrap_or(f64::INFINITY);
                samples.push(nearest);
            }
            _ => {}
        }
    }

    /// F5: replay the round in play from its countdown; its presses are dropped.
    pub fn restart_round(&mut self, now_ms: f64) {
        if let Phase::Countdown { round, .. } | Phase::Playing { round, .. } | Phase::Paused { round, .. } = self.phase {
            self.countdown(round, now_ms);
        }
    }

    /// F8: freeze the round in play, or resume a frozen one. On resume the round's clock and the
    /// presses made so far move on by the pause, so every offset stays what it was.
    pub fn toggle_pause(&mut self, now_ms: f64) {
        match self.phase {
            Phase::Playing { round, started_ms } => {
                self.phase = Phase::Paused {
                    round,
                    started_ms,
                    paused_ms: now_ms,
                }
            }
            Phase::Paused {
                round,
                started_ms,
                paused_ms,
            } => {
                let pause = now_ms - paused_ms;
                self.presses.iter_mut().flatten().for_each(|p| *p += pause);
                self.phase = Phase::Playing {
                    round,
                    started_ms: started_ms + pause,
                };
            }
            _ => {}
        }
    }

    /// F6: end the round in play now. Targets not reached yet are Misses.
    pub fn skip_round(&mut self, now_ms: f64) -> Option<RoundResult> {
        match self.phase {
            Phase::Playing { round, started_ms } => Some(self.finish(round, started_ms, now_ms)),
            _ => None,
        }
    }

    /// Moves the clock on; returns a round's result the moment it ends.
    pub fn tick(&mut self, now_ms: f64) -> Option<RoundResult> {
        match self.phase.clone() {
            Phase::Countdown { round, until_ms } if now_ms >= until_ms => {
                self.phase = Phase::Playing {
                    round,
                    started_ms: until_ms,
                };
                None
            }
            Phase::Playing { round, started_ms } if now_ms >= self.round_end_ms(round, started_ms) => {
                Some(self.finish(round, started_ms, now_ms))
            }
            Phase::Folding { round, started_ms } if now_ms >= started_ms + FOLD_MS => {
                self.phase = Phase::Leaderboard { round };
                None
            }
            Phase::Calibrating {
                started_ms,
                samples,
                return_to,
                by_ear,
            } if now_ms >= Self::beats(started_ms).last().unwrap_or(started_ms) + BEAT_MS => {
                let kept_ms = if by_ear { self.sound_latency_ms } else { self.calibration_ms };
                let outcome = match calibration_offset(&samples) {
                    Some(median) => {
                        let offset_ms = if by_ear {
                            // The beat was played `sound_latency_ms` early; the taps lag what was
                            // heard by the input latency, which the calibration by sight measured.
                            let latency = sound_latency_after(self.sound_latency_ms, median, self.calibration_ms);
                            self.sound_latency_ms = latency;
                            latency
                        } else {
                            self.calibration_ms = median;
                            median
                        };
                        CalibrationOutcome::Set {
                            offset_ms,
                            taps: samples.len(),
                        }
                    }
                    None => CalibrationOutcome::TooFewTaps {
                        taps: samples.iter().filter(|t| t.abs() <= CALIBRATION_OUTLIER_MS).count(),
                        needed: CALIBRATION_MIN_SAMPLES,
                        kept_ms,
                    },
                };
                self.last_calibration = Some(CalibrationNote {
                    outcome,
                    by_ear,
                    ended_ms: now_ms,
                });
                self.phase = *return_to;
                None
            }
            _ => None,
        }
    }

    /// A team's outcome so far in the round in play (live feedback; the final judgement is the same
    /// function over all presses).
    pub fn live_outcome(&self, team: usize, round: usize, started_ms: f64) -> RoundOutcome {
        let targets: Vec<f64> = self.pieces(round, started_ms).iter().map(|p| p.target_ms).collect();
        judge_round(&targets, &self.presses[team], self.calibration_ms, &self.rules(round))
    }

    fn finish(&mut self, round: usize, started_ms: f64, now_ms: f64) -> RoundResult {
        let rules = self.rules(round);
        let targets: Vec<f64> = self
            .pieces(round, started_ms)
            .iter()
            // A target the round never reached (skipped) cannot be hit.
            .map(|p| if p.target_ms <= now_ms { p.target_ms } else { f64::INFINITY })
            .collect();
        self.last_outcomes = self
            .presses
            .iter()
            .map(|presses| judge_round(&targets, presses, self.calibration_ms, &rules))
            .collect();
        let points: Vec<(&str, i64)> = self
            .teams
            .iter()
            .zip(&self.last_outcomes)
            .map(|(t, o)| (t.id.as_str(), o.points))
            .collect();
        self.board.record_round(&points).expect("teams and rounds come from this session");
        self.phase = Phase::Folding { round, started_ms: now_ms };
        RoundResult {
            round,
            round_index: self.rounds[round].index,
            scores: self
                .teams
                .iter()
                .zip(&self.last_outcomes)
                .map(|(t, o)| (t.id.clone(), o.points, self.board.total(&t.id).unwrap_or(0)))
                .collect(),
        }
    }
}

/// The sound's latency after a calibration by ear: the beat was played `played_early_ms` before
/// its instant; the taps' median lag behind that instant is `median_ms`, of which `input_ms` (the
/// calibration by sight: key and display) is the players' own. What is left is how much later
/// than the picture the sound still arrives: play it that much earlier too.
///
/// With the speakers' true lag `A`, the display's `D` and the keys' `I`: a tap to the beat lands
/// `A − played_early + I` after the beat, a tap to the picture `D + I`, and the beat is heard with
/// the picture when it is played `A − D` early: `played_early + median − input`.
pub fn sound_latency_after(played_early_ms: f64, median_ms: f64, input_ms: f64) -> f64 {
    played_early_ms + median_ms - input_ms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::judge::Judgement;
    use venue_contract::wire::Team;

    fn data(teams: usize) -> GameData {
        GameData {
            version: 1,
            teams: (0..teams)
                .map(|i| Team {
                    id: format!("t{i}"),
                    name: format!("Team {i}"),
                    color: "#38BDF8".into(),
                    key: None,
                })
                .collect(),
            bets: Vec::new(),
            rounds: vec![
                Round {
                    index: 1,
                    name: "One".into(),
                    weight: 1.0,
                    speed: 2.0,
                    pieces: 3,
                    difficulty: 0.0,
                },
                Round {
                    index: 2,
                    name: "Final".into(),
                    weight: 3.0,
                    speed: 3.0,
                    pieces: 4,
                    difficulty: 9.0,
                },
            ],
        }
    }

    /// Plays the round in progress: team `i` presses every target at `offsets[i]` ms.
    fn play(session: &mut GameSession, offsets: &[f64]) -> RoundResult {
        let Phase::Countdown { until_ms, .. } = session.phase else {
            panic!("{:?}", session.phase)
        };
        assert_eq!(session.tick(until_ms), None);
        let Phase::Playing { round, started_ms } = session.phase else {
            panic!()
        };
        for piece in session.pieces(round, started_ms) {
            for (team, offset) in offsets.iter().enumerate() {
                session.press(team, piece.target_ms + offset);
            }
        }
        let end = session.round_end_ms(round, started_ms);
        assert_eq!(session.tick(end - 1.0), None, "not over before its end");
        session.tick(end).expect("the round ends")
    }

    #[test]
    fn a_whole_game_from_lobby_to_podium() {
        let mut s = GameSession::new(&data(2), "g1".into()).unwrap();
        assert_eq!(s.teams[0].key, "KeyA");
        assert_eq!(s.teams[1].key, "KeyF");
        s.advance(0.0);
        let first = play(&mut s, &[0.0, 60.0]);
        assert_eq!(first.round_index, 1);
        assert_eq!(first.scores[0], ("t0".into(), 3000, 3000), "three perfect presses at ×1");
        assert!(first.scores[1].1 < 3000 && first.scores[1].1 > 0);
        assert!(matches!(s.phase, Phase::Folding { round: 0, .. }));
        let Phase::Folding { started_ms, .. } = s.phase else { panic!() };
        s.tick(started_ms + FOLD_MS);
        assert_eq!(s.phase, Phase::Leaderboard { round: 0 });
        s.advance(100_000.0);
        let last = play(&mut s, &[0.0, 0.0]);
        assert_eq!(last.scores[0].1, 4 * 3000, "four perfect presses at ×3");
        assert_eq!(last.scores[0].2, 3000 + 12000);
        let Phase::Folding { started_ms, .. } = s.phase else { panic!() };
        s.tick(started_ms + FOLD_MS);
        s.advance(200_000.0);
        assert_eq!(s.phase, Phase::Podium);
    }

    #[test]
    fn presses_outside_play_do_not_count_and_restart_drops_them() {
        let mut s = GameSession::new(&data(1), "g".into()).unwrap();
        assert_eq!(s.teams[0].key, "Space", "a single player plays with Space");
        s.press(0, 10.0);
        s.advance(0.0);
        s.press(0, 100.0); // during the countdown
        assert!(s.presses[0].is_empty());
        let Phase::Countdown { until_ms, .. } = s.phase else { panic!() };
        s.tick(until_ms);
        s.press(0, until_ms + 5.0);
        s.restart_round(until_ms + 10.0);
        assert!(s.presses[0].is_empty());
        assert!(matches!(s.phase, Phase::Countdown { round: 0, .. }));
    }

    #[test]
    fn skip_ends_the_round_with_unreached_targets_missed() {
        let mut s = GameSession::new(&data(1), "g".into()).unwrap();
        s.advance(0.0);
        let Phase::Countdown { until_ms, .. } = s.phase else { panic!() };
        s.tick(until_ms);
        let pieces = s.pieces(0, until_ms);
        s.press(0, pieces[0].target_ms);
        let result = s.skip_round(pieces[0].target_ms + 200.0).unwrap();
        assert_eq!(result.scores[0].1, 1000);
        assert_eq!(s.last_outcomes[0].count(Judgement::Miss), 2);
    }

    #[test]
    fn calibration_takes_the_median_tap_offset() {
        let mut s = GameSession::new(&data(1), "g".into()).unwrap();
        s.start_calibration(0.0);
        for (k, beat) in GameSession::beats(0.0).enumerate() {
            s.press(0, beat + 30.0 + (k % 3) as f64);
        }
        s.tick(100_000.0);
        assert_eq!(s.phase, Phase::Lobby);
        assert!((s.calibration_ms - 31.0).abs() < 1e-9, "{}", s.calibration_ms);
        // With the correction, presses 31 ms late are perfect.
        s.advance(0.0);
        let result = play(&mut s, &[31.0]);
        assert_eq!(result.scores[0].1, 3000);
    }

    /// Shift+F7: the speakers lag 150 ms, the display 10 ms, the keys 20 ms. Tapping to the beat
    /// heard sets how early the sound plays so it is heard with the picture; the input correction stays.
    #[test]
    fn calibration_by_ear_sets_the_sounds_latency_and_keeps_the_input_correction() {
        let (speakers, display, keys) = (150.0, 10.0, 20.0);
        let mut s = GameSession::new(&data(1), "g".into()).unwrap();
        s.calibration_ms = display + keys; // what F7 measured
        s.sound_latency_ms = 20.0; // the config's guess: the beat plays 20 ms early
        s.start_sound_calibration(0.0);
        assert!(matches!(s.phase, Phase::Calibrating { by_ear: true, .. }), "{:?}", s.phase);
        for beat in GameSession::beats(0.0) {
            let heard = beat - s.sound_latency_ms + speakers;
            s.press(0, heard + keys);
        }
        s.tick(100_000.0);
        assert_eq!(s.phase, Phase::Lobby);
        assert_eq!(s.calibration_ms, display + keys, "the input correction is not touched");
        assert!((s.sound_latency_ms - (speakers - display)).abs() < 1e-9, "{}", s.sound_latency_ms);
        let note = s.last_calibration.unwrap();
        assert!(note.by_ear);
        assert_eq!(
            note.outcome,
            CalibrationOutcome::Set {
                offset_ms: 140.0,
                taps: BEATS
            }
        );
        // Played that much early, every beat is heard exactly when its picture is seen.
        for beat in GameSession::beats(0.0) {
            assert!(((beat - s.sound_latency_ms + speakers) - (beat + display)).abs() < 1e-9);
        }
        // Too few taps by ear keep the sound's latency, and say so.
        s.start_sound_calibration(200_000.0);
        s.press(0, GameSession::beats(200_000.0).next().unwrap());
        s.tick(300_000.0);
        assert_eq!(s.sound_latency_ms, 140.0);
        assert_eq!(
            s.last_calibration.map(|n| (n.by_ear, n.outcome)),
            Some((
                true,
                CalibrationOutcome::TooFewTaps {
                    taps: 1,
                    needed: CALIBRATION_MIN_SAMPLES,
                    kept_ms: 140.0
                }
            ))
        );
    }

    /// Issue 20: F7 on the standings after round 1 used to end in the lobby, so Enter replayed round 1.
    #[test]
    fn calibration_between_rounds_returns_to_the_standings() {
        let mut s = GameSession::new(&data(2), "g".into()).unwrap();
        s.advance(0.0);
        play(&mut s, &[0.0, 0.0]);
        let Phase::Folding { started_ms, .. } = s.phase else { panic!() };
        s.tick(started_ms + FOLD_MS);
        assert_eq!(s.phase, Phase::Leaderboard { round: 0 });
        s.start_calibration(50_000.0);
        for beat in GameSession::beats(50_000.0) {
            s.press(0, beat + 20.0);
        }
        s.tick(100_000.0);
        assert_eq!(s.phase, Phase::Leaderboard { round: 0 }, "back on the standings it started from");
        assert_eq!(s.board.rounds_played(), 1);
        s.advance(100_500.0);
        assert!(matches!(s.phase, Phase::Countdown { round: 1, .. }), "{:?}", s.phase);
    }

    #[test]
    fn space_does_not_advance_right_after_a_calibration() {
        let mut s = GameSession::new(&data(1), "g".into()).unwrap();
        assert!(s.tap_key_may_advance(0.0));
        s.start_calibration(0.0);
        for beat in GameSession::beats(0.0) {
            s.press(0, beat);
        }
        let end = GameSession::beats(0.0).last().unwrap() + BEAT_MS;
        s.tick(end);
        assert_eq!(s.phase, Phase::Lobby);
        assert!(!s.tap_key_may_advance(end + 300.0), "a late tap must not start a round");
        assert!(s.tap_key_may_advance(end + TAP_KEY_GUARD_MS));
        // Starting a round clears the note.
        s.advance(end + 100.0);
        assert!(s.last_calibration.is_none());
    }

    #[test]
    fn a_calibration_with_too_few_taps_says_so_and_keeps_the_correction() {
        let mut s = GameSession::new(&data(1), "g".into()).unwrap();
        s.calibration_ms = 12.0;
        s.start_calibration(0.0);
        let beats: Vec<f64> = GameSession::beats(0.0).collect();
        s.press(0, beats[0] + 40.0);
        s.press(0, beats[1] + 40.0);
        s.tick(1e6);
        assert_eq!(s.calibration_ms, 12.0);
        assert_eq!(
            s.last_calibration.map(|n| n.outcome),
            Some(CalibrationOutcome::TooFewTaps {
                taps: 2,
                needed: CALIBRATION_MIN_SAMPLES,
                kept_ms: 12.0
            })
        );
    }

    #[test]
    fn a_new_game_from_the_podium_takes_two_enters() {
        let mut s = GameSession::new(&data(2), "g1".into()).unwrap();
        s.resume(
            &[
                vec![("t0".into(), 500), ("t1".into(), -700)],
                vec![("t0".into(), 10), ("t1".into(), 20)],
            ],
            15.0,
        )
        .unwrap();
        assert_eq!(s.phase, Phase::Podium);
        s.advance(0.0);
        assert_eq!(s.phase, Phase::Podium, "Enter on the podium never skips anything");
        assert!(!s.confirm_new_game(1_000.0), "one Enter only asks");
        assert!(s.new_game_pending(1_000.0 + NEW_GAME_CONFIRM_MS));
        assert!(!s.new_game_pending(1_001.0 + NEW_GAME_CONFIRM_MS));
        assert!(!s.confirm_new_game(10_000.0), "too late: asks again");
        assert!(s.confirm_new_game(11_000.0));
        s.restart_game("g2".into());
        assert_eq!((s.phase.clone(), s.game_id.as_str()), (Phase::Lobby, "g2"));
        assert_eq!(s.board.rounds_played(), 0);
        assert_eq!(s.board.total("t1"), Some(0));
        assert_eq!(s.calibration_ms, 15.0, "the room's latency is kept");
        assert!(!s.confirm_new_game(12_000.0), "not on the podium");
    }

    #[test]
    fn the_podium_ranks_by_totals_and_shows_no_negative_points() {
        let mut s = GameSession::new(&data(3), "g".into()).unwrap();
        s.resume(&[vec![("t0".into(), -1379), ("t1".into(), -200), ("t2".into(), 40)]], 0.0)
            .unwrap();
        let podium = s.board.podium();
        let shown: Vec<(usize, &str, i64)> = podium.iter().map(|p| (p.rank, p.team_id.as_str(), p.shown_points)).collect();
        assert_eq!(shown, [(1, "t2", 40), (2, "t1", 0), (3, "t0", 0)]);
    }

    #[test]
    fn resume_restores_the_standings() {
        let mut s = GameSession::new(&data(2), "g".into()).unwrap();
        s.resume(&[vec![("t0".into(), 500), ("t1".into(), 700)]], 12.0).unwrap();
        assert_eq!(s.phase, Phase::Leaderboard { round: 0 });
        assert_eq!(s.board.total("t1"), Some(700));
        assert_eq!(s.calibration_ms, 12.0);
        s.advance(0.0);
        assert!(matches!(s.phase, Phase::Countdown { round: 1, .. }));
    }

    #[test]
    fn targets_follow_the_analytic_path() {
        let s = GameSession::new(&data(1), "g".into()).unwrap();
        let pieces = s.pieces(0, 1000.0);
        // speed 2 slots/s, LEAD 3 → 1.5 s of travel; then the gap.
        assert_eq!(pieces[0].target_ms, 2500.0);
        assert_eq!(pieces[1].start_ms, 1000.0 + 1500.0 + GAP_MS);
        assert_eq!(pieces[0].path[LEAD as usize], net::face_center(pieces[0].face));
    }

    #[test]
    fn bad_plans_are_refused() {
        assert!(GameSession::new(&data(0), "g".into()).is_err());
        assert!(GameSession::new(&data(9), "g".into()).is_err());
        let mut d = data(2);
        d.rounds[0].speed = 0.0;
        assert!(GameSession::new(&d, "g".into()).unwrap_err().contains("positive speed"));
    }

    #[test]
    fn pause_freezes_the_round_and_keeps_every_offset() {
        let mut s = GameSession::new(&data(1), "g".into()).unwrap();
        s.advance(0.0);
        let Phase::Countdown { until_ms, .. } = s.phase else { panic!() };
        s.tick(until_ms);
        let pieces = s.pieces(0, until_ms);
        s.press(0, pieces[0].target_ms + 5.0);
        s.toggle_pause(pieces[0].target_ms + 100.0);
        s.press(0, pieces[1].target_ms); // ignored while paused
        assert_eq!(s.tick(1e9), None, "a paused round never ends by itself");
        let pause = 60_000.0;
        s.toggle_pause(pieces[0].target_ms + 100.0 + pause);
        let Phase::Playing { started_ms, .. } = s.phase else {
            panic!("{:?}", s.phase)
        };
        assert_eq!(started_ms, until_ms + pause);
        let shifted = s.pieces(0, started_ms);
        for p in &shifted[1..] {
            s.press(0, p.target_ms);
        }
        let end = s.round_end_ms(0, started_ms);
        let result = s.tick(end).unwrap();
        // The press before the pause kept its +5 ms; the others were spot on.
        assert_eq!(s.last_outcomes[0].targets[0].offset_ms, Some(5.0));
        assert!(result.scores[0].1 > 2900);
    }
}
