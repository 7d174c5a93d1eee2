//! Operator panel (egui), toggled with F1: switch screens, see the feed's health and recent errors,
//! and how the renderer was set up. Hidden by default so the audience never sees it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::app::Screen;
use crate::display::RenderProfile;
use crate::feed::{FeedLog, FeedState, FeedStatus};

#[derive(Resource, Default)]
pub struct OperatorPanel {
    pub open: bool,
}

pub fn plugin(app: &mut App) {
    app.init_resource::<OperatorPanel>()
        .add_systems(Update, toggle_panel)
        .add_systems(EguiPrimaryContextPass, draw_panel);
}

fn toggle_panel(keys: Res<ButtonInput<KeyCode>>, mut panel: ResMut<OperatorPanel>) {
    if keys.just_pressed(KeyCode::F1) {
        panel.open = !panel.open;
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_panel(
    mut contexts: EguiContexts,
    mut panel: ResMut<OperatorPanel>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    status: Res<FeedStatus>,
    feed: Res<FeedState>,
    log: Res<FeedLog>,
    profile: Option<Res<RenderProfile>>,
) {
    if !panel.open {
        return;
    }
    let Ok(ctx) = contexts.ctx_mut() else { return };
    let mut open = panel.open;
    egui::Window::new("Operator · 운영자")
        .open(&mut open)
        .default_width(420.0)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                for (label, target) in [
                    ("F2 Schedule", Screen::Schedule),
                    ("F3 Lucky draw", Screen::LuckyDraw),
                    ("F4 Game", Screen::CubeGame),
                ] {
                    if ui.selectable_label(*screen.get() == target, label).clicked() {
                        NextState::set_if_neq(&mut *next, target);
                    }
                }
            });
            ui.separator();
            ui.label(format!("Event: {}", feed.event_name().unwrap_or("—")));
            ui.label(format!("Feed: {}", status.summary(|t| t.format("%H:%M:%S UTC").to_string())));
            if let Some(error) = &status.last_error {
                ui.colored_label(egui::Color32::from_rgb(240, 90, 90), error);
            }
            if let Some(p) = profile {
                ui.label(format!("Render: {} ({})", if p.high { "high" } else { "low" }, p.reason));
            }
            ui.collapsing("Recent feed errors", |ui| {
                if log.recent.is_empty() {
                    ui.label("none");
                }
                for line in log.recent.iter().rev().take(12) {
                    ui.monospace(line);
                }
            });
            ui.small("Quit: Ctrl+Shift+Q · this panel: F1");
        });
    panel.open = open;
}
