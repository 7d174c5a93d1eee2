//! `--screenshot PATH --exit-after-frames N`: capture a real frame and exit, for tests and docs.
//! The capture waits for frame N *and* for every font and image to be loaded, so a slow software
//! renderer does not produce a half-drawn picture. Beside `shot.png` it writes `shot.png.txt`: every
//! text on screen at that moment, one per line, so tests can check content as well as pixels.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

/// Hold the capture until the lucky draw or the game reaches a stage (`--capture-on`).
#[derive(Resource, Clone, Copy, PartialEq, Debug)]
pub enum CaptureGate {
    Rolling,
    Revealed,
    /// The game's calibration screen with enough taps for a median.
    Calibrating,
    Playing,
    Folding,
    Leaderboard,
    Podium,
}

impl CaptureGate {
    pub fn parse(text: &str) -> Option<CaptureGate> {
        Some(match text {
            "rolling" => Self::Rolling,
            "revealed" => Self::Revealed,
            "calibrating" => Self::Calibrating,
            "playing" => Self::Playing,
            "folding" => Self::Folding,
            "leaderboard" => Self::Leaderboard,
            "podium" => Self::Podium,
            _ => return None,
        })
    }

    /// Is the game where this gate waits for? Mid-round and mid-fold, not at their first frame.
    fn game_reached(self, game: &crate::game::Game, now_ms: f64) -> bool {
        use crate::game::session::{FOLD_MS, Phase};
        match (self, &game.session.phase) {
            (Self::Playing, Phase::Playing { round, started_ms }) => {
                let pieces = game.session.pieces(*round, *started_ms);
                pieces
                    .get(2)
                    .is_some_and(|p| now_ms > p.start_ms + (p.target_ms - p.start_ms) * 0.6)
            }
            (Self::Folding, Phase::Folding { started_ms, .. }) => now_ms > started_ms + FOLD_MS * 0.3,
            (Self::Calibrating, Phase::Calibrating { samples, .. }) => samples.len() >= crate::game::judge::CALIBRATION_MIN_SAMPLES,
            (Self::Leaderboard, Phase::Leaderboard { .. }) | (Self::Podium, Phase::Podium) => true,
            _ => false,
        }
    }
}

#[derive(Resource)]
struct Capture {
    path: Option<PathBuf>,
    at_frame: u32,
    frames: u32,
    /// Consecutive frames the gate has been open: the screen rebuilds a frame after a stage change,
    /// and the celebration needs a moment to fill the screen.
    gate_frames: u32,
    requested: bool,
}

/// Give up waiting for assets after this many extra frames and capture what there is.
const MAX_EXTRA_FRAMES: u32 = 600;

pub fn plugin(path: Option<PathBuf>, at_frame: u32) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Capture {
            path: path.clone(),
            at_frame: at_frame.max(1),
            frames: 0,
            gate_frames: 0,
            requested: false,
        })
        .add_systems(Last, capture_or_exit);
    }
}

#[allow(clippy::too_many_arguments)]
fn capture_or_exit(
    mut commands: Commands,
    mut capture: ResMut<Capture>,
    images: Res<crate::images::ImageStore>,
    mut exit: MessageWriter<AppExit>,
    texts: Query<(&Text, &InheritedVisibility)>,
    gate: Option<Res<CaptureGate>>,
    desk: Option<Res<crate::draw::DrawDesk>>,
    game: Option<Res<crate::game::Game>>,
    speed: Option<Res<crate::game::GameSpeed>>,
    time: Res<Time<Real>>,
) {
    capture.frames += 1;
    if capture.requested || capture.frames < capture.at_frame {
        return;
    }
    let now_ms = crate::game::clock_ms(&time, speed.as_deref().copied().unwrap_or_default());
    let gate_open = match (gate.as_deref(), desk.as_deref()) {
        (None, _) => true,
        (
            Some(
                gate @ (CaptureGate::Calibrating
                | CaptureGate::Playing
                | CaptureGate::Folding
                | CaptureGate::Leaderboard
                | CaptureGate::Podium),
            ),
            _,
        ) => game.as_deref().is_some_and(|g| gate.game_reached(g, now_ms)),
        (Some(_), None) => false,
        // Well into the roll: the first reel has landed, the others still spin.
        (Some(CaptureGate::Rolling), Some(d)) => matches!(
            d.0.stage,
            crate::draw::desk::Stage::Rolling { started_s, .. }
                if time.elapsed_secs_f64() - started_s > f64::from(crate::draw::machine::reel_lands_at(0)) + 0.05
        ),
        (Some(CaptureGate::Revealed), Some(d)) => matches!(d.0.stage, crate::draw::desk::Stage::Revealed { .. }),
    };
    capture.gate_frames = if gate_open { capture.gate_frames + 1 } else { 0 };
    // The fold and the roll are caught mid-way; a round in play, the calibration and the
    // leaderboard are up only a few seconds under --autoplay (a slow renderer gets few frames of
    // them); the other stages get a moment to settle.
    let settle = match gate.as_deref() {
        Some(CaptureGate::Folding | CaptureGate::Rolling) => 1,
        Some(CaptureGate::Playing | CaptureGate::Calibrating | CaptureGate::Leaderboard) => 3,
        _ => 15,
    };
    let gate_open = gate.is_none() || capture.gate_frames >= settle;
    if !gate_open && capture.frames < capture.at_frame + MAX_EXTRA_FRAMES {
        return;
    }
    let loading = images.pending() > 0;
    if loading && capture.frames < capture.at_frame + MAX_EXTRA_FRAMES {
        return;
    }
    let Some(path) = capture.path.clone() else {
        exit.write(AppExit::Success);
        return;
    };
    capture.requested = true;
    info!("capturing {} at frame {}", path.display(), capture.frames);
    let mut lines: Vec<&str> = texts
        .iter()
        .filter(|(_, v)| v.get())
        .map(|(t, _)| t.0.as_str())
        .filter(|t| !t.is_empty())
        .collect();
    lines.sort_unstable();
    let mut sidecar = path.clone().into_os_string();
    sidecar.push(".txt");
    if let Err(e) = std::fs::write(&sidecar, lines.join("\n")) {
        warn!("cannot write {}: {e}", std::path::Path::new(&sidecar).display());
    }
    commands
        .spawn(Screenshot::primary_window())
        .observe(move |event: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
            (save_to_disk(path.clone()))(event);
            exit.write(AppExit::Success);
        });
}
