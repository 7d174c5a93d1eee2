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
    /// Which normal messages are up, when more than fit take turns.
    turn: i64,
    portrait: bool,
    /// Room rows a page holds when not all fit, and which page is up.
    rooms: Option<(usize, i64)>,
    notes_at_once: usize,
}

/// What the rows were laid out for: a change shows every row again and measures anew.
pub(crate) type LayoutKey = (u64, i64, u64, bool);

/// How many room rows fit the space the banners and messages leave, measured after layout: when
/// not all do, the overlay pages through the rooms instead of cutting the last ones off (#20).
#[derive(Resource, Default, Debug, Clone, Copy, PartialEq)]
pub(crate) struct RoomsFit {
    /// The layout the measure belongs to.
    pub(crate) key: Option<LayoutKey>,
    pub(crate) measured: bool,
    /// Normal messages up at once: rows that do not fit first take the second message's place.
    pub(crate) notes_at_once: usize,
    /// Normal messages showing (more than one can give way to the rows).
    pub(crate) notes: usize,
    /// Rows a page holds; `None`: every row fits.
    pub(crate) per_page: Option<usize>,
}

/// The column of room rows, and each row in it.
#[derive(Component)]
pub(crate) struct RoomRows;
#[derive(Component)]
pub(crate) struct RoomRow;

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
        .init_resource::<RoomsFit>()
        .add_systems(
            PostUpdate,
            overlay::measure_rooms
                .run_if(in_state(Screen::Schedule))
                .after(bevy::ui::UiSystems::Layout),
        )
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
