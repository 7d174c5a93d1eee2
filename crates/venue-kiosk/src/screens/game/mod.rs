//! Cube-timing game screen: teams tap along at keyboards while cube nets fold on stage. The rules live in
//! `venue_rules::game`: the judge (timing and points), the session (the play-through as a state machine),
//! the cube net and the journal (resume and post exactly once). This module wires the plugin and holds the
//! screen's resources; the systems are thin and live beside it: [`input`] stamps keys on the game clock,
//! [`play`] ticks the session, [`results`] journals and posts finished rounds, [`scene`] draws the nets,
//! [`hud`] the text and [`sound`] plays the beat.

pub mod art;
pub mod hud;
pub mod input;
pub mod play;
pub mod results;
pub mod scene;
pub mod sound;

use std::sync::{Arc, Mutex};

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::tasks::{IoTaskPool, Task};
use chrono::Utc;

use crate::frame::AppSystems;
use crate::screens::{Moment, Screen};
use crate::shell::emergency::{Emergency, screen_uncovered};
use venue_rules::game::journal::{GameEntry, GameJournal, GameRecord, RoundScore};
use venue_rules::game::judge;
use venue_rules::game::session::{GameSession, RoundResult};

/// The game in progress.
#[derive(Resource)]
pub struct Game {
    pub session: GameSession,
    /// Rounds the server has stored or refused with a conflict (by `Round.index`).
    pub answered: Vec<u32>,
    /// The last problem posting a result, for the operator.
    pub post_problem: Option<PostProblem>,
}

/// Why the event server did not take a round's result (shown on the operator's line).
#[derive(Clone, Debug, PartialEq)]
pub enum PostProblem {
    /// The server already holds another result for the round.
    Differs { round: u32 },
    /// The server refused the result.
    Refused { round: u32, status: u16, reason: String },
}

impl PostProblem {
    /// The problem in the screen's language.
    pub fn text(&self, labels: &crate::shell::i18n::Labels) -> String {
        match self {
            PostProblem::Differs { round } => labels.text_with("game-server-differs", &[("round", (*round).into())]),
            PostProblem::Refused { round, status, reason } => labels.text_with(
                "game-server-refused",
                &[
                    ("round", (*round).into()),
                    ("status", i64::from(*status).into()),
                    ("reason", reason.into()),
                ],
            ),
        }
    }
}

#[derive(Resource, Clone)]
pub struct GameJournalHandle(pub Arc<Mutex<GameJournal>>);

/// The game clock in ms: real time since start-up, times `GameSpeed` (1 on stage; rehearsals and
/// tests may run faster). Key events are stamped with it at the start of the frame that received them.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct GameSpeed(pub f64);

impl Default for GameSpeed {
    fn default() -> Self {
        GameSpeed(1.0)
    }
}

pub fn clock_ms(time: &Time<Real>, speed: GameSpeed) -> f64 {
    time.elapsed_secs_f64() * 1000.0 * speed.0
}

/// The game clock as systems read it.
#[derive(SystemParam)]
pub struct GameClock<'w> {
    time: Res<'w, Time<Real>>,
    speed: Res<'w, GameSpeed>,
}

impl GameClock<'_> {
    pub fn now_ms(&self) -> f64 {
        clock_ms(&self.time, *self.speed)
    }

    pub fn speed(&self) -> f64 {
        self.speed.0
    }
}

/// The operator's game controls from the panel (F1); the same as Enter, F5, F6 and F7.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GameCommand {
    Next,
    Pause,
    RestartRound,
    EndRound,
    Calibrate,
    /// Shift+F7: the calibration by ear, for the sound's latency.
    CalibrateSound,
}

/// Each team's outcome so far in the round in play (or paused), judged once per frame by
/// [`play::live_outcomes`] for every system that shows it; empty outside a round.
#[derive(Resource, Debug, Default)]
pub struct LiveOutcomes {
    /// What the outcomes were judged from: (round, start, presses per team, latency correction).
    key: Option<(usize, u64, Vec<usize>, u64)>,
    pub outcomes: Vec<judge::RoundOutcome>,
}

impl LiveOutcomes {
    pub fn get(&self, team: usize) -> Option<&judge::RoundOutcome> {
        self.outcomes.get(team)
    }
}

/// The opened journal, what it records, and warnings for the log.
type Opened = (GameJournal, GameRecord, Vec<String>);

#[derive(Resource, Default)]
pub struct GameTasks {
    opening: Option<Task<Result<Opened, String>>>,
    open_error: Option<String>,
    /// Finished rounds being journaled; each is posted once it is on disk.
    journaling: Vec<Task<Result<GameEntry, String>>>,
}

/// Everything but drawing: enough for a headless simulation of a whole game.
pub fn logic_plugin(app: &mut App) {
    app.init_resource::<GameTasks>()
        .init_resource::<GameSpeed>()
        .init_resource::<LiveOutcomes>()
        .add_message::<GameCommand>()
        // Keys are stamped as early as the frame allows, before `Update`.
        .add_systems(
            PreUpdate,
            input::stamp_presses
                .after(bevy::input::InputSystems)
                .run_if(in_state(Screen::CubeGame))
                .run_if(screen_uncovered),
        )
        .add_systems(
            Update,
            (
                (results::open_journal, results::finish_open, results::receive_answers)
                    .chain()
                    .in_set(AppSystems::Ingest),
                // Nothing starts or advances hidden under an emergency takeover.
                input::operator_keys
                    .run_if(in_state(Screen::CubeGame))
                    .run_if(screen_uncovered)
                    .in_set(AppSystems::RecordInput),
                (
                    play::pause_under_takeover
                        .run_if(in_state(Screen::CubeGame))
                        .run_if(in_state(Emergency::TakingOver)),
                    play::tick.run_if(in_state(Screen::CubeGame)),
                    play::live_outcomes,
                    results::post_journaled,
                    results::announce_round_start,
                )
                    .chain()
                    .in_set(AppSystems::Tick),
            ),
        );
}

pub fn plugin(app: &mut App) {
    app.add_plugins((logic_plugin, scene::plugin, hud::plugin)).add_systems(
        Update,
        (still_while_paused, sound::stage_sound)
            .run_if(in_state(Screen::CubeGame))
            .in_set(AppSystems::Present),
    );
}

/// A paused round stands still on screen: fewer frames (`display.still_fps`).
fn still_while_paused(game: Option<Res<Game>>, mut motion: ResMut<crate::shell::pace::Motion>) {
    if game.is_some_and(|g| matches!(g.session.phase, venue_rules::game::session::Phase::Paused { .. })) {
        motion.hold_still();
    }
}

/// The moment the game is in, for captures: mid-round and mid-fold (not their first frame), the
/// calibration once it has enough taps for a median, the leaderboard, the podium.
pub fn moment(game: &Game, now_ms: f64) -> Option<Moment> {
    use venue_rules::game::session::{FOLD_MS, Phase};
    match &game.session.phase {
        Phase::Playing { round, started_ms } => {
            let pieces = game.session.pieces(*round, *started_ms);
            pieces
                .get(2)
                .is_some_and(|p| now_ms > p.start_ms + (p.target_ms - p.start_ms) * 0.6)
                .then_some(Moment::Playing)
        }
        Phase::Folding { started_ms, .. } => (now_ms > started_ms + FOLD_MS * 0.3).then_some(Moment::Folding),
        Phase::Calibrating { samples, .. } => (samples.len() >= judge::CALIBRATION_MIN_SAMPLES).then_some(Moment::Calibrating),
        Phase::Leaderboard { .. } => Some(Moment::Leaderboard),
        Phase::Podium => Some(Moment::Podium),
        _ => None,
    }
}

/// Where finished rounds go: journaled (fsync, off the main thread), then posted by
/// `results::post_journaled` once on disk, so the server never holds a round the journal could
/// lose in a crash.
#[derive(SystemParam)]
pub struct RoundRecorder<'w> {
    journal: Option<Res<'w, GameJournalHandle>>,
    tasks: ResMut<'w, GameTasks>,
}

impl RoundRecorder<'_> {
    pub fn record(&mut self, game_id: &str, result: RoundResult) {
        let entry = GameEntry::Round {
            game_id: game_id.to_string(),
            round: result.round_index,
            scores: result
                .scores
                .iter()
                .map(|(team_id, round_points, total_points)| RoundScore {
                    team_id: team_id.clone(),
                    round_points: *round_points,
                    total_points: *total_points,
                })
                .collect(),
            finished_at: Utc::now(),
        };
        info!("round {} finished: {:?}", result.round_index, result.scores);
        let Some(journal) = self.journal.as_deref() else { return };
        let journal = journal.0.clone();
        self.tasks.journaling.push(IoTaskPool::get().spawn(async move {
            let mut j = journal.lock().map_err(|_| "game journal lock poisoned".to_string())?;
            j.append(&entry)?;
            Ok(entry)
        }));
    }

    /// Journal an entry that is not a round (calibration), without waiting for it.
    pub fn note(&self, entry: GameEntry) {
        if let Some(journal) = self.journal.as_deref() {
            append_later(journal, entry);
        }
    }
}

fn append_later(journal: &GameJournalHandle, entry: GameEntry) {
    crate::shell::background::append_later(&journal.0, entry, GameJournal::append);
}
