//! Cube-timing game screen. The rules live in pure Rust: [`judge`] (timing and points),
//! [`session`] (the play-through as a state machine), [`net`] (cube-net geometry) and [`journal`]
//! (resume and post exactly once). The systems here are thin: they stamp key events on the game
//! clock, tick the session, journal and post finished rounds; [`scene`] draws the nets and
//! [`hud`] the text.

pub mod art;
pub mod hud;
pub mod journal;
pub mod judge;
pub mod net;
pub mod scene;
pub mod session;

use std::sync::{Arc, Mutex};

use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::prelude::*;
use bevy::tasks::{IoTaskPool, Task, futures::check_ready};
use chrono::Utc;

use crate::app::Screen;
use crate::config::Config;
use crate::feed::{FeedState, Outbox, PostOutcome, ResultAnswer, ResultPost, ResultStream};
use journal::{GameEntry, GameJournal, GameRecord, RoundScore};
use session::{GameSession, Phase, RoundResult};

/// The game in progress.
#[derive(Resource)]
pub struct Game {
    pub session: GameSession,
    /// Rounds the server has stored or refused with a conflict (by `Round.index`).
    pub answered: Vec<u32>,
    /// The last problem posting a result, for the operator.
    pub post_problem: Option<String>,
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

/// The operator's game controls from the panel (F1); the same as Enter, F5, F6 and F7.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GameCommand {
    Next,
    Pause,
    RestartRound,
    EndRound,
    Calibrate,
}

/// `--autoplay` (rehearsals, screenshots): bots press near every target and the operator's Enter
/// comes by itself after the leaderboard has been up a moment.
#[derive(Resource, Debug, Clone)]
pub struct Autoplay {
    /// Each team's offset from the target, in ms (bots are consistent, some better than others).
    pub offsets_ms: Vec<f64>,
    pub pressed: Vec<usize>,
    pub since_ms: Option<f64>,
    /// Calibrate from the lobby before the first round (a bot taps along, [`AUTOPLAY_TAP_LATE_MS`] late).
    pub calibrate_first: bool,
}

/// Each team's outcome so far in the round in play (or paused), judged once per frame by
/// [`live_outcomes`] for every system that shows it; empty outside a round.
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

/// How late the `--autoplay` bot taps along with the calibration pulse (a plausible room latency).
pub const AUTOPLAY_TAP_LATE_MS: f64 = 37.0;

/// The opened journal, what it records, and warnings for the log.
type Opened = (GameJournal, GameRecord, Vec<String>);

#[derive(Resource, Default)]
struct GameTasks {
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
        .add_systems(
            PreUpdate,
            stamp_presses.after(bevy::input::InputSystems).run_if(in_state(Screen::CubeGame)),
        )
        .add_systems(
            Update,
            (
                open_journal,
                finish_open,
                (operator_keys, autoplay, tick).chain().run_if(in_state(Screen::CubeGame)),
                live_outcomes,
                post_journaled,
                receive_answers,
            )
                .chain(),
        );
}

pub fn plugin(app: &mut App) {
    app.add_plugins((logic_plugin, scene::plugin, hud::plugin));
}

fn open_journal(feed: Res<FeedState>, config: Res<Config>, mut tasks: ResMut<GameTasks>, game: Option<Res<Game>>) {
    if game.is_some() || tasks.opening.is_some() || tasks.open_error.is_some() || feed.game.is_none() {
        return;
    }
    let dir = crate::draw::journal_dir(&config);
    tasks.opening = Some(IoTaskPool::get().spawn(async move { GameJournal::open(&dir) }));
}

/// A new game, or the journaled one resumed at its current round with the scores kept.
fn finish_open(mut commands: Commands, feed: Res<FeedState>, mut tasks: ResMut<GameTasks>, outbox: Option<ResMut<Outbox>>) {
    let Some(task) = tasks.opening.as_mut() else { return };
    let Some(result) = check_ready(task) else { return };
    tasks.opening = None;
    let (mut journal, record, warnings) = match result {
        Ok(opened) => opened,
        Err(e) => {
            error!("game journal cannot be opened: {e}; the game is disabled until it can");
            tasks.open_error = Some(e);
            return;
        }
    };
    for w in warnings {
        warn!("game journal: {w}");
    }
    let Some(data) = feed.game.as_deref() else { return };
    let team_ids: Vec<String> = data.teams.iter().map(|t| t.id.clone()).collect();
    let resumable = record.game_id.is_some() && record.teams == team_ids && record.rounds.len() < data.rounds.len();
    let game_id = match (&record.game_id, resumable) {
        (Some(id), true) => id.clone(),
        _ => format!("g-{}-{:04x}", Utc::now().format("%Y%m%d-%H%M%S"), rand::random::<u16>()),
    };
    let mut session = match GameSession::new(data, game_id.clone()) {
        Ok(s) => s,
        Err(e) => {
            error!("the game cannot start: {e}");
            tasks.open_error = Some(e);
            return;
        }
    };
    if resumable {
        if let Err(e) = session.resume(&record.round_points(), record.calibration_ms.unwrap_or(0.0)) {
            error!("the game journal does not fit the feed's game ({e}); starting a new game");
            session = GameSession::new(data, format!("{game_id}-b")).expect("built once already");
        } else {
            info!("game {game_id} resumed after {} rounds", record.rounds.len());
        }
    }
    if session.board.rounds_played() == 0 {
        session.calibration_ms = record.calibration_ms.unwrap_or(0.0);
        let started = GameEntry::Started {
            game_id: session.game_id.clone(),
            teams: team_ids,
            at: Utc::now(),
        };
        if record.game_id.as_ref() != Some(&session.game_id)
            && let Err(e) = journal.append(&started)
        {
            error!("cannot journal the game start: {e}");
        }
    }
    if let Some(mut outbox) = outbox {
        for entry in record.unposted() {
            post_round(&mut outbox, entry);
        }
    }
    let mut answered = record.acknowledged.clone();
    answered.extend(&record.conflicts);
    commands.insert_resource(Game {
        session,
        answered,
        post_problem: None,
    });
    commands.insert_resource(GameJournalHandle(Arc::new(Mutex::new(journal))));
}

fn post_round(outbox: &mut Outbox, entry: &GameEntry) {
    let (GameEntry::Round { game_id, round, .. }, Some(body)) = (entry, journal::to_wire_result(entry)) else {
        return;
    };
    outbox.0.post(ResultPost {
        stream: ResultStream::Game,
        id: u64::from(*round),
        idempotency_key: journal::idempotency_key(game_id, *round),
        body,
    });
}

/// Key-downs of team keys, stamped with the game clock of this frame (the earliest instant the
/// engine gives us; the benchmark reports the remaining quantization). Several keys in one frame
/// are all counted; key repeat is ignored, so a held key counts once.
fn stamp_presses(mut keys: MessageReader<KeyboardInput>, game: Option<ResMut<Game>>, time: Res<Time<Real>>, speed: Res<GameSpeed>) {
    let Some(mut game) = game else {
        keys.clear();
        return;
    };
    let now = clock_ms(&time, *speed);
    for key in keys.read() {
        if key.repeat || key.state != ButtonState::Pressed {
            continue;
        }
        let name = format!("{:?}", key.key_code);
        let teams: Vec<usize> = game
            .session
            .teams
            .iter()
            .enumerate()
            .filter(|(_, t)| t.key == name)
            .map(|(i, _)| i)
            .collect();
        if teams.is_empty() && matches!(game.session.phase, Phase::Calibrating { .. }) && key.key_code == KeyCode::Space {
            // Anyone may tap Space along with the pulse.
            game.session.press(0, now);
        }
        for team in teams {
            game.session.press(team, now);
        }
    }
}

/// Enter = next (start, continue, podium), F5 = restart the round, F6 = end it now, F7 = calibrate,
/// F8 = pause / resume.
#[allow(clippy::too_many_arguments)]
fn operator_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut commands: MessageReader<GameCommand>,
    game: Option<ResMut<Game>>,
    time: Res<Time<Real>>,
    speed: Res<GameSpeed>,
    journal: Option<Res<GameJournalHandle>>,
    mut tasks: ResMut<GameTasks>,
) {
    let Some(mut game) = game else {
        commands.clear();
        return;
    };
    let now = clock_ms(&time, *speed);
    let space_is_a_team_key = game.session.teams.iter().any(|t| t.key == "Space");
    let panel: Vec<GameCommand> = commands.read().copied().collect();
    let wants = |command: GameCommand, key: bool| key || panel.contains(&command);
    if wants(
        GameCommand::Next,
        keys.just_pressed(KeyCode::Enter) || (!space_is_a_team_key && keys.just_pressed(KeyCode::Space)),
    ) {
        game.session.advance(now);
    }
    if wants(GameCommand::Pause, keys.just_pressed(KeyCode::F8)) {
        game.session.toggle_pause(now);
    }
    if wants(GameCommand::RestartRound, keys.just_pressed(KeyCode::F5)) {
        game.session.restart_round(now);
    }
    if wants(GameCommand::Calibrate, keys.just_pressed(KeyCode::F7)) {
        game.session.start_calibration(now);
    }
    if wants(GameCommand::EndRound, keys.just_pressed(KeyCode::F6))
        && let Some(result) = game.session.skip_round(now)
    {
        record_round(&game.session.game_id, result, journal.as_deref(), &mut tasks);
    }
}

/// Bots for `--autoplay`: each presses its team's key at its offset from every target.
fn autoplay(auto: Option<ResMut<Autoplay>>, game: Option<ResMut<Game>>, time: Res<Time<Real>>, speed: Res<GameSpeed>) {
    let (Some(mut auto), Some(mut game)) = (auto, game) else { return };
    let now = clock_ms(&time, *speed);
    match game.session.phase.clone() {
        Phase::Lobby if auto.calibrate_first => {
            auto.calibrate_first = false;
            game.session.start_calibration(now);
        }
        Phase::Calibrating { started_ms, samples } => {
            let offset = AUTOPLAY_TAP_LATE_MS;
            if let Some(beat) = GameSession::beats(started_ms).nth(samples.len())
                && beat + offset <= now
            {
                game.session.press(0, beat + offset);
            }
        }
        Phase::Lobby | Phase::Leaderboard { .. } => {
            let since = *auto.since_ms.get_or_insert(now);
            if now - since > 2_500.0 * speed.0 {
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

fn tick(
    game: Option<ResMut<Game>>,
    time: Res<Time<Real>>,
    speed: Res<GameSpeed>,
    journal: Option<Res<GameJournalHandle>>,
    mut tasks: ResMut<GameTasks>,
) {
    let Some(mut game) = game else { return };
    let now = clock_ms(&time, *speed);
    let calibrating = matches!(game.session.phase, Phase::Calibrating { .. });
    // Read first, so an idle frame does not mark the game changed.
    if let Some(result) = game.bypass_change_detection().session.tick(now) {
        game.set_changed();
        record_round(&game.session.game_id, result, journal.as_deref(), &mut tasks);
    } else if calibrating && !matches!(game.session.phase, Phase::Calibrating { .. }) {
        game.set_changed();
        if let Some(journal) = journal.as_deref() {
            append_later(
                journal,
                GameEntry::Calibrated {
                    offset_ms: game.session.calibration_ms,
                    at: Utc::now(),
                },
            );
        }
    }
}

/// Journal a finished round (fsync, off the main thread); [`post_journaled`] posts it once it is
/// on disk, so the server never holds a round the journal could lose in a crash.
fn record_round(game_id: &str, result: RoundResult, journal: Option<&GameJournalHandle>, tasks: &mut GameTasks) {
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
    let Some(journal) = journal else { return };
    let journal = journal.0.clone();
    tasks.journaling.push(IoTaskPool::get().spawn(async move {
        let mut j = journal.lock().map_err(|_| "game journal lock poisoned".to_string())?;
        j.append(&entry)?;
        Ok(entry)
    }));
}

fn post_journaled(mut tasks: ResMut<GameTasks>, mut outbox: Option<ResMut<Outbox>>) {
    if tasks.journaling.is_empty() {
        return;
    }
    tasks.journaling.retain_mut(|task| match check_ready(task) {
        None => true,
        Some(Ok(entry)) => {
            if let Some(outbox) = outbox.as_mut() {
                post_round(outbox, &entry);
            }
            false
        }
        Some(Err(e)) => {
            error!("cannot journal the round: {e}");
            false
        }
    });
}

fn append_later(journal: &GameJournalHandle, entry: GameEntry) {
    crate::background::append_later(&journal.0, entry, GameJournal::append);
}

fn receive_answers(mut answers: MessageReader<ResultAnswer>, game: Option<ResMut<Game>>, journal: Option<Res<GameJournalHandle>>) {
    let (Some(mut game), Some(journal)) = (game, journal) else {
        answers.clear();
        return;
    };
    for ResultAnswer(report) in answers.read() {
        if report.stream != ResultStream::Game {
            continue;
        }
        let round = report.id as u32;
        let game_id = game.session.game_id.clone();
        match &report.outcome {
            PostOutcome::Stored { status } => {
                game.answered.push(round);
                append_later(
                    &journal,
                    GameEntry::Acknowledged {
                        game_id,
                        round,
                        status: *status,
                    },
                );
            }
            PostOutcome::Conflict { server_result } => {
                error!("game round {round} conflicts with the server's stored result {server_result}");
                game.answered.push(round);
                game.post_problem = Some(format!("The event server holds a different result for round {round}"));
                append_later(
                    &journal,
                    GameEntry::Conflict {
                        game_id,
                        round,
                        server_result: server_result.clone(),
                    },
                );
            }
            PostOutcome::Rejected { status, reason } => {
                game.post_problem = Some(format!("The event server refused round {round} (HTTP {status}): {reason}"));
            }
        }
    }
}

/// `KeyA` → `A`, `Semicolon` → `;`: what players see on their keyboard.
pub fn key_label(key: &str) -> String {
    if let Some(letter) = key.strip_prefix("Key") {
        return letter.to_string();
    }
    if let Some(digit) = key.strip_prefix("Digit") {
        return digit.to_string();
    }
    match key {
        "Semicolon" => ";".into(),
        "Space" => "Space".into(),
        "Comma" => ",".into(),
        "Period" => ".".into(),
        "Slash" => "/".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The live outcomes are judged once, and again only when a press (or the round) changes.
    #[test]
    fn live_outcomes_follow_the_presses() {
        use crate::feed::wire::{GameData, Round, Team};
        use bevy::ecs::system::RunSystemOnce;
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

    #[test]
    fn key_labels() {
        assert_eq!(key_label("KeyA"), "A");
        assert_eq!(key_label("Semicolon"), ";");
        assert_eq!(key_label("Digit7"), "7");
        assert_eq!(key_label("F9"), "F9");
    }
}
