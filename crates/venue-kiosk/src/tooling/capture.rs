//! `--screenshot PATH --exit-after-frames N`: capture a real frame and exit, for tests and docs.
//! The capture waits for frame N *and* for every font and image to be loaded, so a slow software
//! renderer does not produce a half-drawn picture. Beside `shot.png` it writes `shot.png.txt`: every
//! text wholly on screen at that moment, one per line, so tests can check content as well as
//! pixels; text cut off (by the window's edge or a clipping panel) or outside it is listed apart in
//! `shot.png.cut.txt`, so a test tells a shown row from one pushed off the screen.

use std::path::PathBuf;

use bevy::prelude::*;

use crate::screens::{Moment, ScreenMoments};
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

/// Hold the capture until the lucky draw or the game reaches a moment (`--capture-on`).
#[derive(Resource, Clone, Copy, PartialEq, Debug)]
pub struct CaptureGate(pub Moment);

impl CaptureGate {
    pub fn parse(text: &str) -> Option<CaptureGate> {
        Some(CaptureGate(match text {
            "registering" => Moment::Registering,
            "rolling" => Moment::Rolling,
            "revealed" => Moment::Revealed,
            "winner-list" => Moment::WinnerList,
            "calibrating" => Moment::Calibrating,
            "playing" => Moment::Playing,
            "folding" => Moment::Folding,
            "leaderboard" => Moment::Leaderboard,
            "podium" => Moment::Podium,
            "table" => Moment::Table,
            _ => return None,
        }))
    }

    fn is_draw(self) -> bool {
        matches!(
            self.0,
            Moment::Registering | Moment::Rolling | Moment::Revealed | Moment::WinnerList
        )
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

/// A UI text and where it landed: visibility, box, position and the clip of a panel around it.
type TextOnScreen<'a> = (
    &'a Text,
    &'a InheritedVisibility,
    Option<&'a ComputedNode>,
    Option<&'a UiGlobalTransform>,
    Option<&'a CalculatedClip>,
);

type PrimaryWindowQuery<'w, 's> = Query<'w, 's, &'static Window, With<bevy::window::PrimaryWindow>>;
type OperatorWindowQuery<'w, 's> = Query<'w, 's, Entity, With<crate::shell::display::OperatorWindow>>;

fn capture_or_exit(
    mut commands: Commands,
    mut capture: ResMut<Capture>,
    images: Res<crate::shell::images::ImageStore>,
    mut exit: MessageWriter<AppExit>,
    (texts, window, operator_window): (Query<TextOnScreen>, PrimaryWindowQuery, OperatorWindowQuery),
    gate: Option<Res<CaptureGate>>,
    moments: ScreenMoments,
) {
    capture.frames += 1;
    if capture.requested || capture.frames < capture.at_frame {
        return;
    }
    let gate_open = gate.as_deref().is_none_or(|gate| {
        let now = if moments.on_casino() {
            moments.casino()
        } else if gate.is_draw() {
            moments.draw()
        } else {
            moments.game()
        };
        now == Some(gate.0)
    });
    capture.gate_frames = if gate_open { capture.gate_frames + 1 } else { 0 };
    // The fold and the roll are caught mid-way; a round in play, the calibration and the
    // leaderboard are up only a few seconds under --autoplay (a slow renderer gets few frames of
    // them); the other stages get a moment to settle.
    let settle = match gate.as_deref().map(|g| g.0) {
        Some(Moment::Folding | Moment::Rolling) => 1,
        Some(Moment::Playing | Moment::Calibrating | Moment::Leaderboard) => 3,
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
    let screen = window.single().map_or(Rect::new(0.0, 0.0, f32::MAX, f32::MAX), |w| {
        Rect::new(0.0, 0.0, w.physical_width() as f32, w.physical_height() as f32)
    });
    let (mut shown, mut cut): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for (text, visible, node, transform, clip) in &texts {
        if !visible.get() || text.0.is_empty() {
            continue;
        }
        let area = match (node, transform) {
            (Some(node), Some(transform)) => Some(Rect::from_center_size(transform.affine().translation, node.size)),
            _ => None,
        };
        let whole = area.is_none_or(|area| wholly_within(area, screen) && clip.is_none_or(|c| wholly_within(area, c.clip)));
        if whole { &mut shown } else { &mut cut }.push(text.0.as_str());
    }
    for (lines, suffix) in [(&mut shown, ".txt"), (&mut cut, ".cut.txt")] {
        lines.sort_unstable();
        let mut sidecar = path.clone().into_os_string();
        sidecar.push(suffix);
        if let Err(e) = std::fs::write(&sidecar, lines.join("\n")) {
            warn!("cannot write {}: {e}", std::path::Path::new(&sidecar).display());
        }
    }
    // The operator's own window (`display.operator_window`) is saved beside it as `NAME.operator.png`.
    let mut shots = vec![(Screenshot::primary_window(), path.clone())];
    if let Ok(window) = operator_window.single() {
        let mut operator = path.clone().into_os_string();
        operator.push(".operator.png");
        shots.push((Screenshot::window(window), operator.into()));
    }
    let left = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(shots.len()));
    for (shot, path) in shots {
        let left = left.clone();
        commands
            .spawn(shot)
            .observe(move |event: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                (save_to_disk(path.clone()))(event);
                if left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
                    exit.write(AppExit::Success);
                }
            });
    }
}

/// `area` lies inside `bounds`, give or take a pixel of rounding.
fn wholly_within(area: Rect, bounds: Rect) -> bool {
    area.min.x >= bounds.min.x - 1.0
        && area.min.y >= bounds.min.y - 1.0
        && area.max.x <= bounds.max.x + 1.0
        && area.max.y <= bounds.max.y + 1.0
}
