//! Test and bench tooling, kept apart from what runs a venue: frame benchmarks, start-up benchmark,
//! screenshot captures, the chaos proxy, autoplay (game bots), autodraw and fault
//! injection. `tooling::plugin` adds what the command line asked for; nothing else reaches in here.

pub mod autodraw;
pub mod autoplay;
pub mod bench;
pub mod bench_startup;
pub mod capture;
pub mod chaos;
pub mod faults;

use std::path::PathBuf;

use bevy::prelude::*;

/// The command line's test and rehearsal flags (flattened into the kiosk's `Cli`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ToolingFlags {
    /// Save a screenshot of the window to PATH (PNG), then exit. Taken once --exit-after-frames frames
    /// have been shown and every asset has loaded.
    #[arg(long, value_name = "PATH")]
    pub screenshot: Option<PathBuf>,

    /// Exit after N frames (with --screenshot: capture at frame N, then exit).
    #[arg(long, value_name = "N")]
    pub exit_after_frames: Option<u32>,

    /// Measure: after warm-up, record N frame times, print p50/p95/p99 and the overlay's CPU time, exit.
    #[arg(long, value_name = "N")]
    pub bench_frames: Option<u32>,

    /// Testing and rehearsal aid: press Space on the lucky-draw screen by itself. `once` (the
    /// default): one draw as soon as the desk is ready; `all`: draw every prize to the end.
    #[arg(long, hide = true, num_args = 0..=1, default_missing_value = "once", value_parser = ["once", "all"])]
    pub autodraw: Option<String>,

    /// Testing aid: with --screenshot, capture only once the draw is `registering` (waits for the
    /// event server to anchor it), `rolling` or `revealed`, or the
    /// game is `calibrating` (with --autoplay: the bots tap along first), `playing`, `folding`
    /// (mid-fold), on the `leaderboard` or the `podium`, or the casino's `table` is up and still.
    #[arg(long, hide = true, value_parser = ["registering", "rolling", "revealed", "winner-list", "calibrating", "playing", "folding", "leaderboard", "podium", "table"])]
    pub capture_on: Option<String>,

    /// Rehearsal aid: bots play the cube game (each team a little off the beat) and ENTER comes by itself.
    #[arg(long, hide = true)]
    pub autoplay: bool,

    /// Rehearsal aid: run the game clock this many times faster (0.1..=20).
    #[arg(long, hide = true, value_name = "X")]
    pub game_speed: Option<f64>,

    /// Soak and rehearsal aid: switch schedule → draw → game every SECS seconds.
    #[arg(long, hide = true, value_name = "SECS")]
    pub cycle_screens: Option<f64>,

    /// Crash-safety test aid: panic on the main thread after N frames.
    #[arg(long, hide = true, value_name = "N")]
    pub panic_after_frames: Option<u32>,
}

/// What the command line asked for: speed and bots for the game, the automatic draw, fault
/// injection, and either a frame benchmark or a capture. Adds nothing when nothing was asked.
pub fn plugin(flags: &ToolingFlags) -> impl Fn(&mut App) + use<> {
    let flags = flags.clone();
    move |app: &mut App| {
        app.add_plugins(faults::plugin);
        if let Some(every_s) = flags.cycle_screens {
            app.insert_resource(faults::CycleScreens { every_s: every_s.max(1.0) });
        }
        if let Some(n) = flags.panic_after_frames {
            app.insert_resource(faults::PanicAfterFrames(n));
        }
        if let Some(speed) = flags.game_speed {
            app.insert_resource(crate::screens::game::GameSpeed(speed.clamp(0.1, 20.0)));
        }
        if flags.autoplay {
            app.add_plugins(autoplay::plugin(flags.capture_on.as_deref() == Some("calibrating")));
        }
        match flags.autodraw.as_deref() {
            Some("all") => {
                app.add_plugins(autodraw::plugin(autodraw::AutoDraw::All {
                    step_s: 0.5,
                    last_s: f64::NEG_INFINITY,
                }));
            }
            Some(_) => {
                app.add_plugins(autodraw::plugin(autodraw::AutoDraw::Once { pressed: false }));
            }
            None => {}
        }
        if flags.bench_frames.is_some() || flags.screenshot.is_some() || flags.exit_after_frames.is_some() {
            // Benchmarks measure full-rate frames; captures count frames.
            app.insert_resource(crate::shell::pace::Unpaced);
        }
        if let Some(frames) = flags.bench_frames {
            app.add_plugins(bench::plugin(frames));
        } else if flags.screenshot.is_some() || flags.exit_after_frames.is_some() {
            app.add_plugins(capture::plugin(flags.screenshot.clone(), flags.exit_after_frames.unwrap_or(30)));
            if let Some(gate) = flags.capture_on.as_deref().and_then(capture::CaptureGate::parse) {
                app.insert_resource(gate);
            }
        }
    }
}
