//! Starfield schedule display: the sky (stars.rs), the pure now/next rules (model.rs) and the
//! overlay with the clock, now/next per room, the break timetable and broadcast messages.

pub mod model;
pub mod stars;

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::app::Screen;
use crate::clock::VenueClock;
use crate::feed::FeedState;
use crate::feed::wire::{Message, Priority, Session};
use crate::ui::{UiFonts, ellipsize, hex_color, theme};

#[derive(Component)]
struct ScheduleRoot;

/// What the overlay was last built from; it is rebuilt only when this changes.
#[derive(Default, PartialEq, Clone, Copy)]
struct BuiltFrom {
    revision: u64,
    minute: i64,
}

pub fn plugin(app: &mut App) {
    app.add_plugins(stars::plugin)
        .add_systems(OnEnter(Screen::Schedule), spawn_root)
        .add_systems(Update, rebuild_overlay.run_if(in_state(Screen::Schedule)));
}

fn spawn_root(mut commands: Commands) {
    commands.spawn((
        Name::new("Schedule overlay"),
        ScheduleRoot,
        DespawnOnExit(Screen::Schedule),
        Node {
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            padding: UiRect::axes(px(56), px(40)),
            row_gap: px(18),
            ..default()
        },
    ));
}

fn rebuild_overlay(
    mut commands: Commands,
    feed: Res<FeedState>,
    clock: Res<VenueClock>,
    fonts: Res<UiFonts>,
    root: Query<Entity, With<ScheduleRoot>>,
    mut built: Local<Option<BuiltFrom>>,
    added: Query<(), Added<ScheduleRoot>>,
) {
    let Ok(root) = root.single() else { return };
    let now = clock.now();
    let key = BuiltFrom { revision: feed.revision, minute: now.timestamp() / 60 };
    if *built == Some(key) && added.is_empty() {
        return;
    }
    *built = Some(key);
    commands.entity(root).despawn_children();
    commands.entity(root).with_children(|ui| build_overlay(ui, &feed, now, &fonts));
}

fn build_overlay(ui: &mut ChildSpawnerCommands, feed: &FeedState, now: DateTime<Utc>, fonts: &UiFonts) {
    let Some(event) = feed.event.as_deref() else {
        ui.spawn((Text::new("Waiting for the event feed…"), fonts.bold(44.0, theme::TEXT_DIM)));
        return;
    };
    let tz: Tz = event.time_zone.parse().unwrap_or(Tz::UTC);
    let local = now.with_timezone(&tz);

    // Header: name and date left, venue clock right.
    ui.spawn(Node { justify_content: JustifyContent::SpaceBetween, align_items: AlignItems::FlexStart, ..default() }).with_children(|row| {
        row.spawn(Node { flex_direction: FlexDirection::Column, row_gap: px(6), ..default() }).with_children(|col| {
            col.spawn((Text::new(event.name.clone()), fonts.bold(56.0, theme::TEXT)));
            let venue = event.venue.as_deref().map(|v| format!(" · {v}")).unwrap_or_default();
            col.spawn((Text::new(format!("{}{venue}", local.format("%A %-d %B %Y"))), fonts.text(26.0, theme::TEXT_DIM)));
        });
        row.spawn((Text::new(local.format("%H:%M").to_string()), fonts.bold(96.0, theme::TEXT)));
    });

    // Urgent broadcasts: a full-width banner.
    let active: Vec<&Message> = feed
        .messages
        .as_deref()
        .map(|m| m.messages.iter().filter(|m| m.starts.with_timezone(&Utc) <= now && now < m.expires.with_timezone(&Utc)).collect())
        .unwrap_or_default();
    for m in active.iter().filter(|m| m.priority == Priority::Urgent) {
        ui.spawn((
            Node { padding: UiRect::axes(px(28), px(16)), border_radius: BorderRadius::all(px(10)), ..default() },
            BackgroundColor(Color::srgb(0.86, 0.16, 0.20)),
        ))
        .with_child((Text::new(format!("⚠  {}", m.text)), fonts.bold(36.0, Color::WHITE)));
    }

    let Some(schedule) = feed.schedule.as_deref() else {
        ui.spawn((Text::new("Schedule not loaded yet"), fonts.text(32.0, theme::TEXT_DIM)));
        return;
    };
    let phase = model::phase(schedule, now);
    let on_break = phase != model::Phase::Running;
    let heading = match phase {
        model::Phase::Running => "NOW · 지금 진행 중",
        model::Phase::Break => "BREAK · 쉬는 시간 — where each room continues",
        model::Phase::Upcoming => "COMING UP · 곧 시작",
        model::Phase::Over => "THAT'S ALL — THANK YOU · 감사합니다",
    };
    ui.spawn((Text::new(heading), fonts.bold(30.0, theme::GOLD)));

    let rooms: Vec<&str> = event.rooms.iter().map(|r| r.id.as_str()).collect();
    let rows = model::now_next_by_room(schedule, &rooms, now);
    ui.spawn(Node { flex_direction: FlexDirection::Column, row_gap: px(14), flex_grow: 1.0, ..default() }).with_children(|list| {
        for row in rows.iter().filter(|r| r.current.is_some() || r.next.is_some()) {
            let room_name = feed.room(row.room).map(|r| r.name.as_str()).unwrap_or(row.room);
            let shown = match (on_break, row.current, row.next) {
                (false, Some(c), _) if c.room.is_some() => Some((c, false)),
                (_, _, Some(n)) => Some((n, true)),
                _ => None,
            };
            let Some((session, is_next)) = shown else { continue };
            session_row(list, feed, fonts, room_name, session, is_next, now, &tz);
        }
    });

    // Footer: track legend and the other broadcasts.
    ui.spawn(Node { column_gap: px(28), align_items: AlignItems::Center, ..default() }).with_children(|row| {
        for track in feed.tracks() {
            row.spawn(Node { column_gap: px(10), align_items: AlignItems::Center, ..default() }).with_children(|chip| {
                chip.spawn((
                    Node { width: px(26), height: px(26), border_radius: BorderRadius::all(px(6)), ..default() },
                    BackgroundColor(hex_color(&track.color)),
                ));
                chip.spawn((Text::new(track.name.clone()), fonts.text(24.0, theme::TEXT)));
            });
        }
    });
    let notes: Vec<&str> = active.iter().filter(|m| m.priority != Priority::Urgent).map(|m| m.text.as_str()).collect();
    if !notes.is_empty() {
        ui.spawn((Text::new(format!("→  {}", notes.join("   ·   "))), fonts.text(24.0, theme::TEXT_DIM)));
    }
}

#[allow(clippy::too_many_arguments)]
fn session_row(
    list: &mut ChildSpawnerCommands,
    feed: &FeedState,
    fonts: &UiFonts,
    room_name: &str,
    session: &Session,
    is_next: bool,
    now: DateTime<Utc>,
    tz: &Tz,
) {
    let color = session.track.as_deref().and_then(|t| feed.track(t)).map(|t| hex_color(&t.color)).unwrap_or(theme::TEXT_DIM);
    let start = session.start.with_timezone(tz).format("%H:%M").to_string();
    let end = session.end.with_timezone(tz).format("%H:%M").to_string();
    let when = if is_next {
        let minutes = (session.start.with_timezone(&Utc) - now).num_minutes();
        let at = if minutes >= 20 * 60 { session.start.with_timezone(tz).format("%a %-d %b %H:%M").to_string() } else { start };
        format!("NEXT {at} · {}", model::starts_in(minutes))
    } else {
        format!("NOW {start}–{end}")
    };
    list.spawn((
        Node {
            column_gap: px(20),
            padding: UiRect::axes(px(18), px(12)),
            border_radius: BorderRadius::all(px(12)),
            align_items: AlignItems::Center,
            ..default()
        },
        BackgroundColor(theme::PANEL),
    ))
    .with_children(|row| {
        row.spawn((Node { width: px(10), height: px(70), border_radius: BorderRadius::all(px(5)), ..default() }, BackgroundColor(color)));
        row.spawn(Node { width: px(360), flex_shrink: 0.0, flex_direction: FlexDirection::Column, ..default() }).with_children(|c| {
            c.spawn((Text::new(room_name.to_string()), fonts.bold(26.0, theme::TEXT)));
            c.spawn((Text::new(when), fonts.text(20.0, if is_next { theme::GOLD } else { theme::TEXT_DIM })));
        });
        row.spawn(Node { flex_direction: FlexDirection::Column, flex_shrink: 1.0, ..default() }).with_children(|c| {
            c.spawn((Text::new(ellipsize(&session.title, 70)), fonts.bold(32.0, theme::TEXT)));
            if !session.speakers.is_empty() {
                c.spawn((Text::new(session.speakers.join(", ")), fonts.text(22.0, theme::TEXT_DIM)));
            }
        });
    });
}
