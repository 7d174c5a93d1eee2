//! What every screen uses: the display and window, the venue clock, images and photo sources, where
//! data lives on disk, fonts and theme, the shared starfield, frame pacing, the emergency takeover
//! over every screen, the stage's sound, panics and the allocation counter. Nothing here knows a screen.

pub mod alloc_count;
pub mod background;
pub mod clock;
pub mod display;
pub mod emergency;
pub mod i18n;
pub mod images;
pub mod pace;
pub mod panic;
pub mod sound;
pub mod starfield;
pub mod storage;
pub mod ui;

use bevy::prelude::*;

/// The shell's plugins, in the order they must be added.
pub fn plugin(app: &mut App) {
    app.add_plugins((
        ui::plugin,
        i18n::plugin,
        images::plugin,
        display::plugin,
        starfield::plugin,
        emergency::plugin,
        pace::plugin,
        sound::plugin,
    ));
}
