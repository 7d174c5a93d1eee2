//! Headless simulation of a whole cube game: the game's Bevy logic (no window, no GPU) on a
//! controlled clock (2 ms per frame), fed scripted key events at known offsets from the targets.
//! Asserts the final scores against the pure judge, that key repeat and held keys count once,
//! that several keys in one frame are all judged, and that a restart resumes the round with the
//! scores kept.

use std::time::Duration;

use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::input::{ButtonState, InputPlugin};
use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use bevy::time::TimeUpdateStrategy;
use chrono::Utc;

use venue_contract::wire::GameData;
use venue_kiosk::config::Config;
use venue_kiosk::feed::{FeedPayload, FeedState, ResultAnswer};
use venue_kiosk::screens::Screen;
use venue_kiosk::screens::game::{Game, clock_ms};
use venue_rules::game::judge::judge_round;
use venue_rules::game::session::Phase;

const STEP_MS: u64 = 2;

fn sample_game() -> GameData {
    let text = std::fs::read_to_string(format!("{}/../venue-contract/sample/game.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn app(journal_dir: &std::path::Path, game: GameData) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin, InputPlugin));
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(STEP_MS)));
    let mut config = Config::default();
    config.draw.journal_dir = Some(journal_dir.to_path_buf());
    app.insert_resource(config);
    let mut feed = FeedState::default();
    feed.apply(FeedPayload::Game(game), Utc::now());
    app.insert_resource(feed);
    app.add_message::<ResultAnswer>();
    app.insert_state(Screen::CubeGame);
    app.add_plugins(venue_kiosk::screens::game::logic_plugin);
    // Tens of thousands of tiny frames: a single-threaded executor spares a thread wake-up per system.
    use bevy::ecs::schedule::{ScheduleLabel, SingleThreadedExecutor};
    let labels: [bevy::ecs::intern::Interned<dyn ScheduleLabel>; 5] = [
        First.intern(),
        PreUpdate.intern(),
        Update.intern(),
        PostUpdate.intern(),
        Last.intern(),
    ];
    for label in labels {
        app.edit_schedule(label, |schedule| {
            schedule.set_executor(SingleThreadedExecutor::new());
        });
    }
    // The journal opens in the background: run until the game exists.
    for _ in 0..5_000 {
        app.update();
        if app.world().get_resource::<Game>().is_some() {
            return app;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    panic!("the game never started");
}

fn key(app: &mut App, code: KeyCode, repeat: bool, state: ButtonState) {
    app.world_mut().write_message(KeyboardInput {
        key_code: code,
        logical_key: Key::Unidentified(bevy::input::keyboard::NativeKey::Unidentified),
        state,
        text: None,
        repeat,
        window: Entity::PLACEHOLDER,
    });
}

fn tap(app: &mut App, code: KeyCode) {
    key(app, code, false, ButtonState::Pressed);
}

/// The operator's Enter: down for one frame, then up (a held key would not be "just pressed" again).
fn enter(app: &mut App) {
    tap(app, KeyCode::Enter);
    step(app);
    key(app, KeyCode::Enter, false, ButtonState::Released);
    step(app);
}

fn now(app: &App) -> f64 {
    clock_ms(
        app.world().resource::<Time<Real>>(),
        *app.world().resource::<venue_kiosk::screens::game::GameSpeed>(),
    )
}

fn phase(app: &App) -> Phase {
    app.world().resource::<Game>().session.phase.clone()
}

fn step(app: &mut App) {
    app.update();
}

/// Runs frames until `done`, at most `limit_ms` of game time.
fn run_until(app: &mut App, limit_ms: f64, done: impl Fn(&App) -> bool) {
    let end = now(app) + limit_ms;
    while !done(app) {
        assert!(now(app) < end, "timed out in {:?}", phase(app));
        step(app);
    }
}

const KEYS: [KeyCode; 4] = [KeyCode::KeyA, KeyCode::KeyF, KeyCode::KeyJ, KeyCode::Semicolon];

/// Plays one round: team `t` presses every target at `offsets[t]` ms. Returns each team's press
/// instants as stamped (the frame after the press was sent).
fn play_round(app: &mut App, offsets: &[f64; 4], extra: impl Fn(&mut App, usize)) -> (Vec<f64>, [Vec<f64>; 4]) {
    enter(app);
    run_until(app, 5_000.0, |a| matches!(phase(a), Phase::Playing { .. }));
    let Phase::Playing { round, started_ms } = phase(app) else {
        unreachable!()
    };
    let targets: Vec<f64> = app
        .world()
        .resource::<Game>()
        .session
        .pieces(round, started_ms)
        .iter()
        .map(|p| p.target_ms)
        .collect();
    let mut due: Vec<(f64, usize)> = targets
        .iter()
        .flat_map(|t| (0..4).map(move |team| (t + offsets[team], team)))
        .collect();
    due.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut stamped: [Vec<f64>; 4] = Default::default();
    let mut next = 0;
    let mut frame = 0;
    while matches!(phase(app), Phase::Playing { .. }) {
        // The next frame's stamp is now + STEP: send every press due by then in this frame.
        let stamp = now(app) + STEP_MS as f64;
        while next < due.len() && due[next].0 <= stamp {
            tap(app, KEYS[due[next].1]);
            stamped[due[next].1].push(stamp);
            next += 1;
        }
        extra(app, frame);
        frame += 1;
        step(app);
    }
    assert_eq!(next, due.len(), "every press was sent before the round ended");
    (targets, stamped)
}

fn finish_fold(app: &mut App) {
    run_until(app, 10_000.0, |a| matches!(phase(a), Phase::Leaderboard { .. } | Phase::Podium));
}

#[test]
fn a_whole_game_with_scripted_presses() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_game();
    let mut app = app(dir.path(), data.clone());
    assert_eq!(phase(&app), Phase::Lobby);
    // Nebula is spot on, Aurora a little late, Quasar early, Comet sloppy; in the final Comet is perfect.
    let plans: [[f64; 4]; 4] = [
        [0.0, 30.0, -50.0, 120.0],
        [0.0, 30.0, -50.0, 120.0],
        [0.0, 30.0, -50.0, 120.0],
        [0.0, 30.0, -50.0, 0.0],
    ];
    let mut expected = [0i64; 4];
    for (round, offsets) in plans.iter().enumerate() {
        let (targets, stamped) = play_round(&mut app, offsets, |_, _| {});
        let session = &app.world().resource::<Game>().session;
        let rules = session.rules(round);
        for team in 0..4 {
            let outcome = judge_round(&targets, &stamped[team], 0.0, &rules);
            expected[team] += outcome.points;
            assert_eq!(
                session.board.round_points(&data.teams[team].id, round),
                Some(outcome.points),
                "round {round}, team {team}"
            );
        }
        if round == 0 {
            // Spot-on presses, at most one 2 ms frame late: all Perfect at ×1 (6 pieces).
            assert!(session.board.round_points("nebula", 0).unwrap() > 6 * 980, "{:?}", session.board);
        }
        finish_fold(&mut app);
    }
    enter(&mut app);
    assert_eq!(phase(&app), Phase::Podium);
    let session = &app.world().resource::<Game>().session;
    for (team, want) in data.teams.iter().zip(expected) {
        assert_eq!(session.board.total(&team.id), Some(want), "{}", team.id);
    }
    let standings = session.board.standings();
    assert_eq!(standings[0].team_id, "nebula");
    assert!(session.board.total("comet").unwrap() > 0);

    // The journal has every round, in order, with the totals.
    let journal = std::fs::read_to_string(dir.path().join("game-journal.jsonl")).unwrap();
    let rounds: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "round")
        .collect();
    assert_eq!(
        rounds.iter().map(|r| r["round"].as_u64().unwrap()).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(rounds[3]["scores"][0]["total_points"].as_i64(), Some(expected[0]));
}

#[test]
fn repeats_and_held_keys_count_once_and_same_frame_keys_all_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(dir.path(), sample_game());
    // Everyone on time; on frame 100 every key is also "held" (auto-repeat events), which must not count.
    let (_, stamped) = play_round(&mut app, &[0.0, 0.0, 0.0, 0.0], |a, frame| {
        if frame == 100 {
            for code in KEYS {
                key(a, code, true, ButtonState::Pressed);
            }
        }
    });
    // All four teams pressed in the same frames: all were judged.
    assert!(stamped.iter().all(|s| s == &stamped[0]));
    let session = &app.world().resource::<Game>().session;
    for team in &session.teams {
        assert!(
            session.board.round_points(&team.id, 0).unwrap() > 6 * 980,
            "{}: {:?}",
            team.id,
            session.board
        );
    }
    assert!(
        session.last_outcomes.iter().all(|o| o.mash_presses.is_empty()),
        "no repeat became a mash"
    );
}

#[test]
fn a_restart_resumes_at_the_current_round_with_scores_kept() {
    let dir = tempfile::tempdir().unwrap();
    let totals_after_one = {
        let mut app = app(dir.path(), sample_game());
        play_round(&mut app, &[0.0, 40.0, -60.0, 100.0], |_, _| {});
        finish_fold(&mut app);
        // Give the background journal write a moment.
        for _ in 0..200 {
            step(&mut app);
            std::thread::sleep(Duration::from_micros(100));
        }
        let session = &app.world().resource::<Game>().session;
        session
            .teams
            .iter()
            .map(|t| session.board.total(&t.id).unwrap())
            .collect::<Vec<_>>()
    };
    let mut app = app(dir.path(), sample_game());
    assert_eq!(phase(&app), Phase::Leaderboard { round: 0 }, "resumed after round 1");
    let session = &app.world().resource::<Game>().session;
    let totals: Vec<i64> = session.teams.iter().map(|t| session.board.total(&t.id).unwrap()).collect();
    assert_eq!(totals, totals_after_one);
    // And the next Enter starts round 2.
    enter(&mut app);
    assert!(matches!(phase(&app), Phase::Countdown { round: 1, .. }));
}

/// A key down for one frame, then up, as an operator presses it.
fn press_key(app: &mut App, code: KeyCode) {
    tap(app, code);
    step(app);
    key(app, code, false, ButtonState::Released);
    step(app);
}

/// Issue 20: F7 on the standings after round 1, then Enter, replayed round 1 (the server refused it
/// and the standings skipped ahead); a Space tapped late after the calibration started a round.
#[test]
fn calibrating_between_rounds_returns_to_the_standings_and_a_late_space_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(dir.path(), sample_game());
    play_round(&mut app, &[0.0, 0.0, 0.0, 0.0], |_, _| {});
    finish_fold(&mut app);
    assert_eq!(phase(&app), Phase::Leaderboard { round: 0 });
    press_key(&mut app, KeyCode::F7);
    assert!(matches!(phase(&app), Phase::Calibrating { .. }), "{:?}", phase(&app));
    // Tap Space along with every pulse.
    let Phase::Calibrating { started_ms, .. } = phase(&app) else {
        unreachable!()
    };
    for beat in venue_rules::game::session::GameSession::beats(started_ms) {
        run_until(&mut app, 5_000.0, |a| now(a) + STEP_MS as f64 >= beat);
        press_key(&mut app, KeyCode::Space);
    }
    run_until(&mut app, 5_000.0, |a| !matches!(phase(a), Phase::Calibrating { .. }));
    assert_eq!(phase(&app), Phase::Leaderboard { round: 0 }, "back on the standings");
    // A late tap, as players do: no round starts.
    press_key(&mut app, KeyCode::Space);
    assert_eq!(
        phase(&app),
        Phase::Leaderboard { round: 0 },
        "Space right after calibrating starts nothing"
    );
    enter(&mut app);
    assert!(matches!(phase(&app), Phase::Countdown { round: 1, .. }), "{:?}", phase(&app));
    let session = &app.world().resource::<Game>().session;
    assert_eq!(session.board.rounds_played(), 1);
    assert!(session.calibration_ms.abs() < 20.0, "{}", session.calibration_ms);
}
