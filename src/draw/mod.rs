//! Lucky-draw screen. In this first cut it shows the prizes (with photos) and the ticket pool from
//! the feed; the rolling machine and the engine come with the lucky-draw issue.

pub mod engine;

use std::collections::HashSet;

use bevy::prelude::*;

use crate::app::Screen;
use crate::feed::wire::Prize;
use crate::feed::{FeedState, sample};
use crate::images::{ImageEntry, ImageStore};
use crate::ui::{UiFonts, ellipsize, theme};

#[derive(Component)]
struct DrawRoot;

pub fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::LuckyDraw), spawn_root)
        .add_systems(Update, (request_photos, rebuild).chain().run_if(in_state(Screen::LuckyDraw)));
}

fn spawn_root(mut commands: Commands) {
    commands.spawn((
        Name::new("Lucky draw"),
        DrawRoot,
        DespawnOnExit(Screen::LuckyDraw),
        Node {
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            padding: UiRect::axes(px(56), px(40)),
            row_gap: px(24),
            ..default()
        },
    ));
}

/// Photos decode in the background; the embedded sample's photos are compiled in.
fn request_photos(feed: Res<FeedState>, mut store: ResMut<ImageStore>) {
    if !feed.is_changed() {
        return;
    }
    let Some(draw) = feed.draw.as_deref() else { return };
    for prize in &draw.prizes {
        if let Some(url) = prize.image_url.as_deref()
            && store.get(url).is_none()
            && let Some(bytes) = sample::prize_photo(url)
        {
            store.request_bytes(url, bytes);
        }
    }
}

fn rebuild(
    mut commands: Commands,
    feed: Res<FeedState>,
    store: Res<ImageStore>,
    fonts: Res<UiFonts>,
    root: Query<Entity, With<DrawRoot>>,
    added: Query<(), Added<DrawRoot>>,
    mut built: Local<Option<(u64, usize)>>,
) {
    let Ok(root) = root.single() else { return };
    let key = (feed.revision, store.pending());
    if *built == Some(key) && added.is_empty() {
        return;
    }
    *built = Some(key);
    commands.entity(root).despawn_children();
    commands.entity(root).with_children(|ui| {
        ui.spawn((Text::new("LUCKY DRAW · 행운의 추첨"), fonts.bold(64.0, theme::GOLD)));
        let Some(draw) = feed.draw.as_deref() else {
            ui.spawn((Text::new("Waiting for prizes and tickets from the event feed…"), fonts.text(32.0, theme::TEXT_DIM)));
            return;
        };
        let holders: HashSet<&str> = draw.tickets.iter().map(|t| t.holder.as_str()).collect();
        ui.spawn((
            Text::new(format!("{} tickets in the pool · {} people · {} prizes", draw.tickets.len(), holders.len(), draw.prizes.len())),
            fonts.text(30.0, theme::TEXT_DIM),
        ));
        let mut prizes: Vec<&Prize> = draw.prizes.iter().collect();
        prizes.sort_by_key(|p| p.order);
        ui.spawn(Node { column_gap: px(48), flex_grow: 1.0, ..default() }).with_children(|row| {
            if let Some(first) = prizes.first() {
                row.spawn(Node { flex_direction: FlexDirection::Column, row_gap: px(16), width: px(720), ..default() }).with_children(|col| {
                    col.spawn((Text::new("NEXT PRIZE · 다음 경품"), fonts.bold(26.0, theme::GOLD)));
                    photo(col, &store, first, 720.0, 540.0, &fonts);
                    col.spawn((Text::new(first.name.clone()), fonts.bold(44.0, theme::TEXT)));
                    col.spawn((Text::new(winners_line(first)), fonts.text(28.0, theme::TEXT_DIM)));
                });
            }
            row.spawn(Node { flex_direction: FlexDirection::Column, row_gap: px(14), flex_grow: 1.0, ..default() }).with_children(|col| {
                for prize in &prizes {
                    col.spawn((
                        Node { column_gap: px(20), align_items: AlignItems::Center, padding: UiRect::all(px(10)), border_radius: BorderRadius::all(px(12)), ..default() },
                        BackgroundColor(theme::PANEL),
                    ))
                    .with_children(|card| {
                        photo(card, &store, prize, 128.0, 96.0, &fonts);
                        card.spawn(Node { flex_direction: FlexDirection::Column, ..default() }).with_children(|c| {
                            c.spawn((Text::new(ellipsize(&prize.name, 40)), fonts.bold(28.0, theme::TEXT)));
                            c.spawn((Text::new(winners_line(prize)), fonts.text(20.0, theme::TEXT_DIM)));
                        });
                    });
                }
            });
        });
    });
}

fn winners_line(prize: &Prize) -> String {
    let mut line = format!("{} winner{}", prize.winner_count, if prize.winner_count == 1 { "" } else { "s" });
    if let Some(batch) = prize.batch_size {
        line.push_str(&format!(" · drawn {batch} at a time"));
    }
    if prize.allow_previous_winners {
        line.push_str(" · previous winners may win again");
    }
    line
}

/// The prize photo, or a framed placeholder saying why there is none (the draw works without it).
fn photo(parent: &mut ChildSpawnerCommands, store: &ImageStore, prize: &Prize, w: f32, h: f32, fonts: &UiFonts) {
    let node = Node { width: px(w), height: px(h), border_radius: BorderRadius::all(px(10)), justify_content: JustifyContent::Center, align_items: AlignItems::Center, ..default() };
    match prize.image_url.as_deref().and_then(|u| store.get(u)) {
        Some(ImageEntry::Ready(handle)) => {
            parent.spawn((node, ImageNode::new(handle.clone())));
        }
        other => {
            let label = match other {
                Some(ImageEntry::Loading) => "…",
                Some(ImageEntry::Failed(_)) => "photo unavailable",
                _ => "no photo",
            };
            parent.spawn((node, BackgroundColor(Color::srgb(0.10, 0.12, 0.20)))).with_child((Text::new(label), fonts.text(18.0, theme::TEXT_DIM)));
        }
    }
}
