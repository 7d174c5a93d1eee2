//! The plugin list: each module brings one plugin; this file only wires them, with the command
//! line's and the config's choices.

use bevy::prelude::*;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::window::ExitCondition;
use bevy_egui::EguiPlugin;

use crate::cli::Cli;
use crate::config::Config;
use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::shell::clock::VenueClock;

/// Build the whole app from a validated config.
pub fn build(cli: &Cli, config: Config) -> App {
    let mut app = App::new();
    // Benchmarks keep pipelined rendering: they measure the real configuration.
    let tooling = &cli.tooling;
    let screenshot_mode = tooling.bench_frames.is_none() && (tooling.screenshot.is_some() || tooling.exit_after_frames.is_some());
    let windowed = config.display.windowed;
    let mut plugins = DefaultPlugins
        .set(WindowPlugin {
            primary_window: Some(crate::shell::display::window(&config)),
            primary_cursor_options: Some(bevy::window::CursorOptions {
                visible: false,
                ..default()
            }),
            exit_condition: ExitCondition::OnPrimaryClosed,
            // Fullscreen kiosks ignore the window manager's close (Alt+F4); Ctrl+Shift+Q quits.
            close_when_requested: windowed,
        })
        .set(bevy::log::LogPlugin {
            // bevy_audio's "No audio device found." is said once, more clearly, by shell::sound.
            filter: "wgpu=error,naga=warn,bevy_render=info,bevy_audio=error,venue_kiosk=info".into(),
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
            crate::frame::plugin,
            crate::shell::plugin,
            crate::feed::plugin,
            crate::screens::plugin,
            crate::health::plugin,
        ))
        .add_systems(Update, quit_chord.in_set(AppSystems::RecordInput));
    if let Some(prize) = &cli.prize {
        app.insert_resource(crate::screens::draw::StartPrize(prize.clone()));
    }
    if cli.operator_panel {
        app.insert_resource(crate::screens::operator::OperatorPanel { open: true });
    }
    app.add_plugins(crate::tooling::plugin(tooling));
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
}
