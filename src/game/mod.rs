//! Cube-timing game screen. In this first cut it shows the teams, their keys and the round plan
//! from the feed; the cube net, judging and scoring come with the game issue.

pub mod judge;

use bevy::prelude::*;

use crate::app::Screen;
use crate::feed::FeedState;
use crate::ui::{UiFonts, hex_color, theme};

#[derive(Component)]
struct GameRoot;

pub fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::CubeGame), spawn_root)
        .add_systems(Update, rebuild.run_if(in_state(Screen::CubeGame)));
}

fn spawn_root(mut commands: Commands) {
    commands.spawn((
        Name::new("Cube game"),
        GameRoot,
        DespawnOnExit(Screen::CubeGame),
        Node {
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            padding: UiRect::axes(px(56), px(40)),
            row_gap: px(28),
            ..default()
        },
    ));
}

/// `KeyA` → `A`, `Semicolon` → `;`: what players see on their keyboard.
pub fn key_label(key: &str) -> String {
    if let Some(letter) = key.strip_prefix("Key") {
        return letter.to_string();
    }
    if let Some(digit) = key.strip_prefix("Digit") {
        return digit.to_string();
    }
    match key {
        "Semicolon" => ";".into(),
        "Space" => "Space".into(),
        "Comma" => ",".into(),
        "Period" => ".".into(),
        "Slash" => "/".into(),
        other => other.to_string(),
    }
}

fn rebuild(
    mut commands: Commands,
    feed: Res<FeedState>,
    fonts: Res<UiFonts>,
    root: Query<Entity, With<GameRoot>>,
    added: Query<(), Added<GameRoot>>,
    mut built: Local<Option<u64>>,
) {
    let Ok(root) = root.single() else { return };
    if *built == Some(feed.revision) && added.is_empty() {
        return;
    }
    *built = Some(feed.revision);
    commands.entity(root).despawn_children();
    commands.entity(root).with_children(|ui| {
        ui.spawn((Text::new("CUBE TIMING · 큐브 타이밍"), fonts.bold(64.0, theme::TEXT)));
        let Some(game) = feed.game.as_deref() else {
            ui.spawn((
                Text::new("Waiting for teams from the event feed…"),
                fonts.text(32.0, theme::TEXT_DIM),
            ));
            return;
        };
        ui.spawn((
            Text::new(format!(
                "{} teams · {} rounds · hit your key when the piece reaches its slot",
                game.teams.len(),
                game.rounds.len()
            )),
            fonts.text(28.0, theme::TEXT_DIM),
        ));
        ui.spawn(Node {
            column_gap: px(28),
            ..default()
        })
        .with_children(|row| {
            for team in &game.teams {
                let color = hex_color(&team.color);
                row.spawn((
                    Node {
                        flex_direction: FlexDirection::Column,
                        width: px(400),
                        border_radius: BorderRadius::all(px(16)),
                        ..default()
                    },
                    BackgroundColor(theme::PANEL),
                ))
                .with_children(|card| {
                    card.spawn((
                        Node {
                            height: px(20),
                            border_radius: BorderRadius::top(px(16)),
                            ..default()
                        },
                        BackgroundColor(color),
                    ));
                    card.spawn(Node {
                        flex_direction: FlexDirection::Column,
                        padding: UiRect::all(px(22)),
                        row_gap: px(12),
                        ..default()
                    })
                    .with_children(|c| {
                        c.spawn((Text::new(team.name.clone()), fonts.bold(40.0, color)));
                        let key = team.key.as_deref().map(key_label).unwrap_or_else(|| "—".into());
                        c.spawn((Text::new(format!("key  [ {key} ]")), fonts.text(28.0, theme::TEXT)));
                        c.spawn((Text::new("0 pts"), fonts.bold(52.0, theme::TEXT)));
                    });
                });
            }
        });
        ui.spawn((Text::new("ROUNDS · 라운드"), fonts.bold(30.0, theme::GOLD)));
        ui.spawn(Node {
            column_gap: px(20),
            ..default()
        })
        .with_children(|row| {
            for round in &game.rounds {
                row.spawn((
                    Node {
                        flex_direction: FlexDirection::Column,
                        padding: UiRect::all(px(18)),
                        border_radius: BorderRadius::all(px(12)),
                        width: px(300),
                        ..default()
                    },
                    BackgroundColor(theme::PANEL),
                ))
                .with_children(|c| {
                    c.spawn((Text::new(round.name.clone()), fonts.bold(28.0, theme::TEXT)));
                    c.spawn((Text::new(format!("×{:.1} points", round.weight)), fonts.bold(36.0, theme::GOLD)));
                    c.spawn((
                        Text::new(format!("{} pieces · {:.1} slots/s", round.pieces, round.speed)),
                        fonts.text(22.0, theme::TEXT_DIM),
                    ));
                });
            }
        });
        ui.spawn((
            Text::new("Later rounds weigh more — a late comeback is always possible."),
            fonts.text(26.0, theme::TEXT_DIM),
        ));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_labels() {
        assert_eq!(key_label("KeyA"), "A");
        assert_eq!(key_label("Semicolon"), ";");
        assert_eq!(key_label("Digit7"), "7");
        assert_eq!(key_label("F9"), "F9");
    }
}
