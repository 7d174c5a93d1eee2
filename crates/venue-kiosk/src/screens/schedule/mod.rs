//! Starfield schedule display: the sky behind it (`shell::starfield`, [`scene`]: auroras and the
//! camera tour), the now/next rules (`venue_rules::schedule`), and the [`overlay`]: clock, now/next
//! per room, the timetable during breaks, and broadcast messages. The overlay is rebuilt only when
//! what it shows changes. This module wires the plugin and holds the screen's resources.

pub mod overlay;
pub mod scene;

use bevy::prelude::*;

use crate::frame::AppSystems;
use crate::screens::Screen;

#[derive(Component)]
pub struct ScheduleRoot;

/// Everything the overlay shows is derived from these; it is rebuilt only when one changes.
#[derive(Default, PartialEq, Clone, Copy, Debug)]
pub(crate) struct OverlayKey {
    revision: u64,
    minute: i64,
    focus: usize,
    messages: u64,
    portrait: bool,
}

/// CPU time spent on the overlay (for the benchmark), how often it was rebuilt, and heap
/// allocations on frames where nothing changed (must stay 0).
#[derive(Resource, Default, Debug, Clone, Copy)]
pub struct OverlayCost {
    pub rebuilds: u64,
    pub checks: u64,
    pub total: std::time::Duration,
    pub idle_allocations: u64,
}

pub fn plugin(app: &mut App) {
    app.add_plugins(scene::plugin)
        .init_resource::<OverlayCost>()
        .add_systems(OnEnter(Screen::Schedule), overlay::spawn_root)
        .add_systems(Update, overlay::scale_ui_to_window.in_set(AppSystems::Present))
        // After the sky: the overlay reads the tour's focus of this frame.
        .add_systems(
            Update,
            overlay::rebuild_overlay
                .run_if(in_state(Screen::Schedule))
                .in_set(AppSystems::Present)
                .after(scene::SkySystems),
        );
}
