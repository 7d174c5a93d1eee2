//! The order of a frame, declared once. Every plugin puts its `Update` systems in one of these sets
//! with `in_set` instead of ordering itself after another plugin's function; screens add
//! `run_if(in_state(..))` so a system runs only on its screen.
//!
//! Around them: `PreUpdate` takes in the feed worker's reports and finished decodes, `Last` records
//! health, benchmarks and captures.

use bevy::prelude::*;

/// The frame's order, declared once: every plugin puts its `Update` systems in one of these.
/// (`PreUpdate` drains the feed worker before any of them; `Last` captures and reports.)
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    /// Take in what arrived from outside the frame: feed data, finished background tasks.
    Ingest,
    /// Keys, bots and operator commands become intents.
    RecordInput,
    /// Rules and state machines advance (desk, session, tour, clocks).
    Tick,
    /// Build and update what is drawn from the state (scene, overlay, HUD).
    Present,
}

pub fn plugin(app: &mut App) {
    app.configure_sets(
        Update,
        (AppSystems::Ingest, AppSystems::RecordInput, AppSystems::Tick, AppSystems::Present).chain(),
    );
}
