//! The plugin list and the screens. Each module brings one plugin; this file only wires them.

use bevy::prelude::*;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::window::ExitCondition;
use bevy_egui::EguiPlugin;

use crate::cli::Cli;
use crate::clock::VenueClock;
use crate::config::{Config, Mode};

/// One state per screen; the operator switches with F2 / F3 / F4.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Schedule,
    LuckyDraw,
    CubeGame,
}

impl From<Mode> for Screen {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Schedule => Screen::Schedule,
            Mode::Draw => Screen::LuckyDraw,
            Mode::Game => Screen::CubeGame,
        }
    }
}

/// Build the whole app from a validated config.
pub fn build(cli: &Cli, config: Config) -> App {
    let mut app = App::new();
    // Benchmarks keep pipelined rendering: they measure the real configuration.
    let screenshot_mode = cli.bench_frames.is_none() && (cli.screenshot.is_some() || cli.exit_after_frames.is_some());
    let windowed = config.display.windowed;
    let mut plugins = DefaultPlugins
        .set(WindowPlugin {
            primary_window: Some(crate::display::window(&config)),
            primary_cursor_options: Some(bevy::window::CursorOptions {
                visible: false,
                ..default()
            }),
            exit_condition: ExitCondition::OnPrimaryClosed,
            // Fullscreen kiosks ignore the window manager's close (Alt+F4); Ctrl+Shift+Q quits.
            close_when_requested: windowed,
        })
        .set(bevy::log::LogPlugin {
            filter: "wgpu=error,naga=warn,bevy_render=info,venue_kiosk=info".into(),
            ..default()
        })
        .build();
    if screenshot_mode {
        // One frame of latency less and frame-exact captures.
        plugins = plugins.disable::<PipelinedRenderingPlugin>();
    }
    app.insert_resource(crate::health::HealthOptions {
        status_file: cli.status_file.clone(),
    });
    if let Some(every_s) = cli.cycle_screens {
        app.insert_resource(crate::health::CycleScreens { every_s: every_s.max(1.0) });
    }
    if let Some(n) = cli.panic_after_frames {
        app.insert_resource(crate::health::PanicAfterFrames(n));
    }
    if let Some(n) = cli.freeze_after_frames {
        app.insert_resource(crate::health::FreezeAfterFrames(n));
    }
    app.add_plugins(plugins)
        .add_plugins(EguiPlugin::default())
        .insert_resource(bevy_egui::EguiGlobalSettings {
            auto_create_primary_context: false,
            ..default()
        })
        .insert_resource(config.clone())
        .insert_resource(match cli.now {
            // Captures at a rehearsal instant: 100 ms of venue time per frame, whatever the machine's speed.
            Some(now) if screenshot_mode => VenueClock::stepped_from(now),
            Some(now) => VenueClock::starting_at(now),
            None => VenueClock::real(),
        })
        .add_systems(First, |mut clock: ResMut<VenueClock>| {
            if clock.is_stepped() {
                clock.advance(chrono::Duration::milliseconds(100));
            }
        })
        .insert_state(start_screen(cli, &config))
        .add_plugins((
            crate::ui::plugin,
            crate::images::plugin,
            crate::display::plugin,
            crate::feed::plugin,
            crate::schedule::plugin,
            crate::draw::plugin,
            crate::game::plugin,
            crate::operator::plugin,
            crate::health::plugin,
        ))
        .add_systems(Update, (switch_screen, quit_chord));
    if let Some(speed) = cli.game_speed {
        app.insert_resource(crate::game::GameSpeed(speed.clamp(0.1, 20.0)));
    }
    if cli.autoplay {
        app.insert_resource(crate::game::Autoplay {
            // Bots of different skill: one spot on, the others early or late by a little more each.
            offsets_ms: vec![3.0, -24.0, 41.0, -62.0, 15.0, -35.0, 55.0, -8.0],
            pressed: Vec::new(),
            since_ms: None,
            calibrate_first: cli.capture_on.as_deref() == Some("calibrating"),
        });
    }
    if let Some(prize) = &cli.prize {
        app.insert_resource(crate::draw::StartPrize(prize.clone()));
    }
    match cli.autodraw.as_deref() {
        Some("all") => {
            app.insert_resource(crate::draw::AutoDraw::All {
                step_s: 0.5,
                last_s: f64::NEG_INFINITY,
            });
        }
        Some(_) => {
            app.insert_resource(crate::draw::AutoDraw::Once { pressed: false });
        }
        None => {}
    }
    if cli.operator_panel {
        app.insert_resource(crate::operator::OperatorPanel { open: true });
    }
    if let Some(frames) = cli.bench_frames {
        app.add_plugins(crate::bench::plugin(frames));
    } else if cli.screenshot.is_some() || cli.exit_after_frames.is_some() {
        app.add_plugins(crate::capture::plugin(cli.screenshot.clone(), cli.exit_after_frames.unwrap_or(30)));
        if let Some(gate) = cli.capture_on.as_deref().and_then(crate::capture::CaptureGate::parse) {
            app.insert_resource(gate);
        }
    }
    app
}

/// `--mode` wins; otherwise a restart after a crash comes back on the screen that was showing;
/// otherwise the configured screen.
fn start_screen(cli: &Cli, config: &Config) -> Screen {
    if cli.mode.is_some() {
        return Screen::from(config.mode);
    }
    let memo = crate::health::read_memo(&crate::health::memo_path(config));
    match crate::health::resumed_screen(memo.as_deref()) {
        Some(screen) => {
            info!("resuming on {screen:?}: the last run did not end with a deliberate quit");
            screen
        }
        None => Screen::from(config.mode),
    }
}

/// F2 / F3 / F4 switch screens without a restart.
fn switch_screen(keys: Res<ButtonInput<KeyCode>>, mut next: ResMut<NextState<Screen>>) {
    let target = if keys.just_pressed(KeyCode::F2) {
        Screen::Schedule
    } else if keys.just_pressed(KeyCode::F3) {
        Screen::LuckyDraw
    } else if keys.just_pressed(KeyCode::F4) {
        Screen::CubeGame
    } else {
        return;
    };
    info!("operator switched to {target:?}");
    NextState::set_if_neq(&mut *next, target);
}

/// Quitting takes a deliberate chord: Ctrl+Shift+Q. Esc never quits a kiosk.
fn quit_chord(keys: Res<ButtonInput<KeyCode>>, mut exit: MessageWriter<AppExit>) {
    if is_quit_chord(&keys) {
        info!("quit requested with Ctrl+Shift+Q");
        exit.write(AppExit::Success);
    }
}

pub fn is_quit_chord(keys: &ButtonInput<KeyCode>) -> bool {
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]);
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    ctrl && shift && keys.just_pressed(KeyCode::KeyQ)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_chord_quits() {
        let mut keys = ButtonInput::<KeyCode>::default();
        keys.press(KeyCode::Escape);
        assert!(!is_quit_chord(&keys));
        keys.press(KeyCode::KeyQ);
        assert!(!is_quit_chord(&keys), "Q alone does not quit");
        let mut keys = ButtonInput::<KeyCode>::default();
        keys.press(KeyCode::ControlLeft);
        keys.press(KeyCode::ShiftRight);
        keys.press(KeyCode::KeyQ);
        assert!(is_quit_chord(&keys));
    }

    #[test]
    fn hotkeys_switch_screens_in_a_running_app() {
        // No InputPlugin: the test owns the key state, as a real key event would set it.
        let mut app = App::new();
        app.add_plugins(bevy::state::app::StatesPlugin)
            .init_resource::<ButtonInput<KeyCode>>()
            .insert_state(Screen::Schedule)
            .add_systems(Update, switch_screen);
        app.update();
        for (key, expected) in [
            (KeyCode::F3, Screen::LuckyDraw),
            (KeyCode::Escape, Screen::LuckyDraw),
            (KeyCode::F4, Screen::CubeGame),
            (KeyCode::F2, Screen::Schedule),
        ] {
            let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
            keys.reset_all();
            keys.press(key);
            app.update();
            app.update();
            assert_eq!(*app.world().resource::<State<Screen>>().get(), expected, "after {key:?}");
        }
    }
}
