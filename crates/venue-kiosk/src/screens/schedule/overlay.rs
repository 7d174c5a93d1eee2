//! The overlay over the sky: the event clock, now/next per room (or one room at its door), the
//! timetable during breaks, and broadcast messages, in landscape and portrait.

use std::hash::{Hash, Hasher};

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{OverlayCost, OverlayKey, RoomRow, RoomRows, RoomsFit, ScheduleRoot, scene};
use crate::feed::FeedState;
use crate::screens::Screen;
use crate::shell::clock::VenueClock;
use crate::shell::emergency::ScreenPlace;
use crate::shell::i18n::Labels;
use crate::shell::ui::{UiFonts, ellipsize, hex_color, theme};
use venue_contract::wire::{EventInfo, Message, Priority, Schedule, Session};
use venue_rules::broadcast;
use venue_rules::schedule::now_next;

pub(super) fn spawn_root(mut commands: Commands, config: Option<Res<crate::config::Config>>) {
    // A TV's overscan hides the picture's edges: `display.overscan_percent` keeps the text clear of them.
    let (x, y) = crate::shell::display::overscan_px(config.as_deref());
    commands.spawn((
        Name::new("Schedule overlay"),
        ScheduleRoot,
        DespawnOnExit(Screen::Schedule),
        Node {
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            padding: UiRect::axes(px(56.0 + x), px(40.0 + y)),
            row_gap: px(16),
            ..default()
        },
    ));
}

/// Layouts are designed for 1920×1080 (landscape) and 1080×1920 (portrait); other sizes scale.
pub(super) fn scale_ui_to_window(window: Query<&Window, (With<PrimaryWindow>, Changed<Window>)>, mut scale: ResMut<UiScale>) {
    let Ok(window) = window.single() else { return };
    let (w, h) = (window.width(), window.height());
    let s = if h > w { w / 1080.0 } else { (w / 1920.0).min(h / 1080.0) };
    if (scale.0 - s).abs() > 1e-3 && s.is_finite() && s > 0.0 {
        scale.0 = s;
    }
}

/// Everything the overlay is built from.
#[derive(SystemParam)]
pub(crate) struct OverlaySource<'w, 's> {
    feed: Res<'w, FeedState>,
    clock: Res<'w, VenueClock>,
    fonts: Res<'w, UiFonts>,
    place: Res<'w, ScreenPlace>,
    tour: Res<'w, scene::Tour>,
    labels: Res<'w, Labels>,
    window: Query<'w, 's, &'static Window, With<PrimaryWindow>>,
}

/// What every part of the overlay reads.
struct View<'a> {
    /// Rows on one line each (banners take the room).
    compact: bool,
    feed: &'a FeedState,
    fonts: &'a UiFonts,
    labels: &'a Labels,
    now: DateTime<Utc>,
    tz: Tz,
}

pub(crate) fn rebuild_overlay(
    mut commands: Commands,
    source: OverlaySource,
    root: Query<Entity, With<ScheduleRoot>>,
    added: Query<(), Added<ScheduleRoot>>,
    mut built: Local<Option<OverlayKey>>,
    mut cost: ResMut<OverlayCost>,
    mut fit: ResMut<RoomsFit>,
) {
    let started = std::time::Instant::now();
    let allocations_before = crate::shell::alloc_count::thread_allocations();
    let OverlaySource {
        feed,
        clock,
        fonts,
        place,
        tour,
        labels,
        window,
    } = source;
    let Ok(root) = root.single() else { return };
    let now = clock.now();
    // Which messages are showing, hashed without allocating, so start/expiry redraws on time.
    let here = place.audience(&feed);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut notes = 0;
    for m in broadcast::banners(messages_of(&feed), now, here) {
        m.id.hash(&mut hasher);
        notes += usize::from(m.priority != Priority::Urgent);
    }
    let portrait = window.single().is_ok_and(|w| w.height() > w.width());
    let messages = hasher.finish();
    let minute = now.timestamp().div_euclid(60);
    let layout = (feed.revision, minute, messages, portrait);
    if fit.key != Some(layout) {
        // Something moved: every row again, measured after this layout.
        *fit = RoomsFit {
            key: Some(layout),
            measured: false,
            notes_at_once: NOTES_AT_ONCE,
            notes,
            per_page: None,
        };
    }
    let rooms = fit.per_page.map(|n| (n, now.timestamp().div_euclid(ROOM_PAGE_S)));
    let key = OverlayKey {
        revision: feed.revision,
        minute,
        focus: tour.0.focus,
        messages,
        turn: if notes > 1 { now.timestamp().div_euclid(NOTE_TURN_S) } else { 0 },
        portrait,
        rooms,
        notes_at_once: fit.notes_at_once,
    };
    cost.checks += 1;
    if *built == Some(key) && added.is_empty() && !labels.is_changed() {
        cost.total += started.elapsed();
        cost.idle_allocations += crate::shell::alloc_count::thread_allocations() - allocations_before;
        return;
    }
    *built = Some(key);
    commands.entity(root).despawn_children();
    commands.entity(root).with_children(|ui| {
        build_overlay(
            ui,
            &feed,
            now,
            &place,
            (&fonts, &labels),
            (tour.0.focus, rooms, fit.notes_at_once),
            portrait,
        );
    });
    cost.rebuilds += 1;
    cost.total += started.elapsed();
}

/// The feed's messages, or none before they arrive.
fn messages_of(feed: &FeedState) -> &[Message] {
    feed.messages.as_deref().map_or(&[], |m| &m.messages)
}

fn build_overlay(
    ui: &mut ChildSpawnerCommands,
    feed: &FeedState,
    now: DateTime<Utc>,
    place: &ScreenPlace,
    (fonts, labels): (&UiFonts, &Labels),
    (focus, rooms_page, notes_at_once): (usize, Option<(usize, i64)>, usize),
    portrait: bool,
) {
    let Some(event) = feed.event_info() else {
        ui.spawn((Text::new(labels.text("waiting-for-event")), fonts.bold(44.0, theme::TEXT_DIM)));
        return;
    };
    let view = View {
        compact: false,
        feed,
        fonts,
        labels,
        now,
        tz: event.time_zone.parse().unwrap_or(Tz::UTC),
    };
    let tz = &view.tz;
    header(ui, event, now, tz, fonts, labels, portrait);

    // Emergencies are not banners: the shell's takeover covers the whole screen with them.
    let active: Vec<&Message> = broadcast::banners(messages_of(feed), now, place.audience(feed)).collect();
    for m in active.iter().filter(|m| m.priority == Priority::Urgent) {
        ui.spawn((
            Name::new("Urgent banner"),
            Node {
                padding: UiRect::axes(px(28), px(18)),
                border_radius: BorderRadius::all(px(12)),
                ..default()
            },
            BackgroundColor(theme::URGENT),
        ))
        .with_child((Text::new(format!("⚠  {}", ellipsize(&m.text, 160))), fonts.bold(38.0, Color::WHITE)));
    }

    let Some(schedule) = feed.schedule.as_deref() else {
        ui.spawn((Text::new(labels.text("schedule-not-loaded")), fonts.text(32.0, theme::TEXT_DIM)));
        return;
    };
    let tracks: Vec<&str> = feed.tracks().iter().map(|t| t.id.as_str()).collect();
    let focused_track = tracks.get(focus).copied();
    let phase = now_next::phase(schedule, now);

    // With banners on screen the rows get compact (no speakers, no second line), so that what an
    // urgent message pushes down still fits; the column may shrink below its content, so the
    // normal messages and the track legend below always show, and rooms past its bottom take turns.
    let urgent = active.iter().filter(|m| m.priority == Priority::Urgent).count();
    let view = View {
        compact: urgent > 0,
        ..view
    };
    ui.spawn((
        RoomRows,
        Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(if view.compact { 8 } else { 12 }),
            flex_grow: 1.0,
            flex_shrink: 1.0,
            // The column may shrink below its rows rather than push the messages and the legend off
            // the screen; rows that do not fit take turns (`measure_rooms`), none is cut off.
            min_height: px(0),
            overflow: Overflow::clip(),
            ..default()
        },
    ))
    .with_children(|main| {
        if let Some(room) = place.room().and_then(|r| feed.find_room(r)) {
            room_mode(main, &view, schedule, event, room);
            return;
        }
        match phase {
            now_next::Phase::Break => break_timetable(main, &view, schedule, &tracks),
            now_next::Phase::Over => {
                main.spawn((Text::new(labels.heading("thanks-heading")), fonts.bold(34.0, theme::GOLD)));
            }
            now_next::Phase::Running | now_next::Phase::Upcoming => {
                let heading = labels.heading(if phase == now_next::Phase::Running {
                    "now-heading"
                } else {
                    "coming-up-heading"
                });
                let rooms: Vec<&str> = event.rooms.iter().map(|r| r.id.as_str()).collect();
                let rows: Vec<_> = now_next::now_next_by_room(schedule, &rooms, now)
                    .into_iter()
                    .filter(|row| row.current.is_some_and(|c| c.room.is_some()) || row.next.is_some())
                    .collect();
                // More rooms than fit: a page at a time, saying which.
                let shown = match rooms_page {
                    Some((per_page, turn)) if per_page < rows.len() => room_page(rows.len(), per_page, turn),
                    _ => 0..rows.len(),
                };
                main.spawn(Node {
                    column_gap: px(24),
                    align_items: AlignItems::Baseline,
                    ..default()
                })
                .with_children(|line| {
                    line.spawn((Text::new(heading), fonts.bold(30.0, theme::GOLD)));
                    if shown.len() < rows.len() {
                        line.spawn((
                            Text::new(labels.text_with(
                                "rooms-page",
                                &[
                                    ("from", (shown.start + 1).into()),
                                    ("to", shown.end.into()),
                                    ("total", rows.len().into()),
                                ],
                            )),
                            fonts.text(24.0, theme::TEXT_DIM),
                        ));
                    }
                });
                for row in &rows[shown] {
                    let room_name = feed.room(row.room).map(|r| r.name.as_str()).unwrap_or(row.room);
                    let current = row.current.filter(|c| c.room.is_some());
                    let lead = current.or(row.next);
                    let focused = lead.and_then(|s| s.track.as_deref()) == focused_track && focused_track.is_some();
                    session_row(main, &view, room_name, current, row.next, focused);
                }
            }
        }
    });

    let turn = now.timestamp().div_euclid(NOTE_TURN_S);
    // Under urgent banners, or when the rooms do not all fit, one normal message at a time.
    let at_once = if urgent > 0 { 1 } else { notes_at_once };
    footer(ui, feed, &active, fonts, (turn, at_once));
}

/// Normal messages on screen at once, each a full-width line large enough to read across a hall;
/// more take turns.
pub const NOTES_AT_ONCE: usize = 2;
/// Seconds a turn of normal messages stays up.
pub const NOTE_TURN_S: i64 = 10;
/// Seconds a page of rooms stays up when not all fit.
pub const ROOM_PAGE_S: i64 = 10;

/// Which of `count` normal messages turn `turn` shows (indexes, at most `at_once`).
pub fn notes_in_turn(count: usize, turn: i64, at_once: usize) -> impl Iterator<Item = usize> {
    let at_once = at_once.max(1);
    let turns = count.div_ceil(at_once).max(1);
    let first = turn.rem_euclid(turns as i64) as usize * at_once;
    (first..(first + at_once).min(count)).filter(move |_| count > 0)
}

/// The rows page `turn` shows of `count` rows, `per_page` a page; the last page is filled up
/// from the end, so every page is full and each row is on one.
pub fn room_page(count: usize, per_page: usize, turn: i64) -> std::ops::Range<usize> {
    let per_page = per_page.clamp(1, count.max(1));
    let pages = count.div_ceil(per_page).max(1);
    let start = (turn.rem_euclid(pages as i64) as usize * per_page).min(count.saturating_sub(per_page));
    start..(start + per_page).min(count)
}

/// After layout: how many room rows are wholly inside their column. Measured once per layout (the
/// overlay pages through the rooms from then on).
pub(crate) fn measure_rooms(
    column: Query<(&ComputedNode, &UiGlobalTransform, &Children), With<RoomRows>>,
    rows: Query<(&ComputedNode, &UiGlobalTransform), With<RoomRow>>,
    mut fit: ResMut<RoomsFit>,
) {
    if fit.measured {
        return;
    }
    let Ok((node, transform, children)) = column.single() else { return };
    if node.size.y <= 0.0 {
        return;
    }
    let bottom = transform.affine().translation.y + node.size.y / 2.0;
    let (mut total, mut inside) = (0, 0);
    for (row, at) in children.iter().filter_map(|c| rows.get(c).ok()) {
        total += 1;
        inside += usize::from(at.affine().translation.y + row.size.y / 2.0 <= bottom + 0.5);
    }
    if total == 0 {
        return;
    }
    if inside < total && fit.notes_at_once > 1 && fit.notes > 1 {
        // First the second message gives way (they take turns); then measure again.
        fit.notes_at_once = 1;
        return;
    }
    fit.measured = true;
    if inside < total {
        fit.per_page = Some(inside.max(1));
    }
}

fn header(ui: &mut ChildSpawnerCommands, event: &EventInfo, now: DateTime<Utc>, tz: &Tz, fonts: &UiFonts, labels: &Labels, portrait: bool) {
    let local = now.with_timezone(tz);
    let direction = if portrait {
        FlexDirection::ColumnReverse
    } else {
        FlexDirection::Row
    };
    ui.spawn(Node {
        flex_direction: direction,
        justify_content: JustifyContent::SpaceBetween,
        align_items: AlignItems::FlexStart,
        ..default()
    })
    .with_children(|row| {
        row.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(6),
            flex_shrink: 1.0,
            ..default()
        })
        .with_children(|col| {
            col.spawn((Text::new(event.name.clone()), fonts.bold(56.0, theme::TEXT)));
            let venue = event.venue.as_deref().map(|v| format!(" · {v}")).unwrap_or_default();
            col.spawn((
                Text::new(format!("{}{venue}", labels.date_long(local.date_naive()))),
                fonts.text(26.0, theme::TEXT_DIM),
            ));
        });
        row.spawn((Text::new(local.format("%H:%M").to_string()), fonts.bold(104.0, theme::TEXT)));
    });
}

fn track_color(feed: &FeedState, session: &Session) -> Color {
    session
        .track
        .as_deref()
        .and_then(|t| feed.track(t))
        .map(|t| hex_color(&t.color))
        .unwrap_or(theme::TEXT_DIM)
}

/// "starts in" wording, with the date when it is not today-ish.
fn next_line(session: &Session, view: &View) -> (String, bool) {
    let (labels, now) = (view.labels, view.now);
    let minutes = (session.start.with_timezone(&Utc) - now).num_minutes();
    let local = session.start.with_timezone(&view.tz);
    let at = if minutes >= 20 * 60 {
        format!("{} {}", labels.date_short(local.date_naive()), local.format("%H:%M"))
    } else {
        local.format("%H:%M").to_string()
    };
    let when = labels.starts_in(now_next::starts_in_parts(minutes));
    (
        labels.text_with("next-at", &[("at", (&at).into()), ("when", (&when).into())]),
        minutes <= 5,
    )
}

/// "NOW 10:00–10:30" in the screen's language.
fn now_span(session: &Session, view: &View) -> String {
    let start = session.start.with_timezone(&view.tz).format("%H:%M").to_string();
    let end = session.end.with_timezone(&view.tz).format("%H:%M").to_string();
    view.labels
        .text_with("now-span", &[("start", (&start).into()), ("end", (&end).into())])
}

fn session_row(
    list: &mut ChildSpawnerCommands,
    view: &View,
    room_name: &str,
    current: Option<&Session>,
    next: Option<&Session>,
    focused: bool,
) {
    let (feed, fonts, now) = (view.feed, view.fonts, view.now);
    let Some(lead) = current.or(next) else { return };
    let color = track_color(feed, lead);
    list.spawn((
        RoomRow,
        Node {
            column_gap: px(20),
            padding: UiRect::axes(px(18), px(if view.compact { 6 } else { 10 })),
            border_radius: BorderRadius::all(px(12)),
            border: UiRect::all(px(2)),
            align_items: AlignItems::Center,
            ..default()
        },
        BackgroundColor(if focused { theme::PANEL_FOCUS } else { theme::PANEL }),
        BorderColor::all(if focused { color.with_alpha(0.8) } else { Color::NONE }),
    ))
    .with_children(|row| {
        row.spawn((
            Node {
                width: px(10),
                height: px(if view.compact { 52 } else { 72 }),
                flex_shrink: 0.0,
                border_radius: BorderRadius::all(px(5)),
                ..default()
            },
            BackgroundColor(color),
        ));
        row.spawn(Node {
            width: px(360),
            flex_shrink: 0.0,
            flex_direction: FlexDirection::Column,
            row_gap: px(2),
            ..default()
        })
        .with_children(|c| {
            c.spawn((Text::new(room_name.to_string()), fonts.bold(26.0, theme::TEXT)));
            match current {
                Some(s) => {
                    c.spawn((Text::new(now_span(s, view)), fonts.text(20.0, theme::TEXT_DIM)));
                    progress_bar(c, now_next::progress(s, now), color);
                }
                None => {
                    let (line, soon) = next_line(lead, view);
                    c.spawn((Text::new(line), fonts.bold(20.0, if soon { theme::GOLD } else { theme::TEXT_DIM })));
                }
            }
        });
        row.spawn(Node {
            flex_direction: FlexDirection::Column,
            flex_shrink: 1.0,
            flex_grow: 1.0,
            row_gap: px(2),
            ..default()
        })
        .with_children(|c| {
            if view.compact {
                c.spawn((
                    Text::new(ellipsize(&lead.title, 70)),
                    TextLayout::no_wrap(),
                    fonts.bold(28.0, theme::TEXT),
                ));
                return;
            }
            c.spawn((Text::new(ellipsize(&lead.title, 90)), fonts.bold(32.0, theme::TEXT)));
            if !lead.speakers.is_empty() {
                c.spawn((
                    Text::new(ellipsize(&lead.speakers.join(", "), 80)),
                    fonts.text(22.0, theme::TEXT_DIM),
                ));
            }
            if let (Some(_), Some(n)) = (current, next) {
                let (line, soon) = next_line(n, view);
                c.spawn((
                    Text::new(format!("{line} · {}", ellipsize(&n.title, 60))),
                    fonts.text(20.0, if soon { theme::GOLD } else { theme::TEXT_DIM }),
                ));
            }
        });
    });
}

fn progress_bar(parent: &mut ChildSpawnerCommands, share: f32, color: Color) {
    parent
        .spawn((
            Node {
                width: px(300),
                height: px(6),
                margin: UiRect::top(px(6)),
                border_radius: BorderRadius::all(px(3)),
                ..default()
            },
            BackgroundColor(theme::TRACK_BG),
        ))
        .with_child((
            Node {
                width: percent(share * 100.0),
                height: percent(100),
                border_radius: BorderRadius::all(px(3)),
                ..default()
            },
            BackgroundColor(color),
        ));
}

/// During breaks: for each track, where its next session is — the question everyone asks.
fn break_timetable(main: &mut ChildSpawnerCommands, view: &View, schedule: &Schedule, tracks: &[&str]) {
    let (feed, fonts, now, tz) = (view.feed, view.fonts, view.now, &view.tz);
    let running_break = now_next::running_at(schedule, now)
        .into_iter()
        .find(|s| s.kind == venue_contract::wire::SessionKind::Break);
    let labels = view.labels;
    let lead = match running_break {
        Some(b) => {
            let end = b.end.with_timezone(tz).format("%H:%M").to_string();
            labels.text_with("break-until", &[("title", (&b.title).into()), ("end", (&end).into())])
        }
        None => labels.heading("break-heading"),
    };
    let title = format!("{lead} — {}", labels.text("each-track-continues"));
    main.spawn((Text::new(title), fonts.bold(30.0, theme::GOLD)));
    for (track_id, next) in now_next::next_slot_per_track(schedule, tracks, now) {
        let Some(track) = feed.track(track_id) else { continue };
        let color = hex_color(&track.color);
        main.spawn((
            Node {
                column_gap: px(22),
                padding: UiRect::axes(px(18), px(14)),
                border_radius: BorderRadius::all(px(12)),
                align_items: AlignItems::Center,
                ..default()
            },
            BackgroundColor(theme::PANEL),
        ))
        .with_children(|row| {
            row.spawn((
                Node {
                    width: px(16),
                    height: px(84),
                    flex_shrink: 0.0,
                    border_radius: BorderRadius::all(px(8)),
                    ..default()
                },
                BackgroundColor(color),
            ));
            row.spawn(Node {
                width: px(330),
                flex_shrink: 0.0,
                flex_direction: FlexDirection::Column,
                ..default()
            })
            .with_children(|c| {
                c.spawn((Text::new(track.name.clone()), fonts.bold(28.0, color)));
                if let Some(n) = next {
                    let (line, soon) = next_line(n, view);
                    c.spawn((Text::new(line), fonts.bold(20.0, if soon { theme::GOLD } else { theme::TEXT_DIM })));
                }
            });
            row.spawn(Node {
                flex_direction: FlexDirection::Column,
                flex_grow: 1.0,
                flex_shrink: 1.0,
                row_gap: px(4),
                ..default()
            })
            .with_children(|c| match next {
                Some(n) => {
                    let room = n
                        .room
                        .as_deref()
                        .map(|r| feed.room(r).map(|r| r.name.clone()).unwrap_or_else(|| r.to_string()))
                        .unwrap_or_else(|| view.labels.text("everywhere"));
                    c.spawn((Text::new(format!("→ {room}")), fonts.bold(38.0, theme::TEXT)));
                    c.spawn((Text::new(ellipsize(&n.title, 90)), fonts.text(26.0, theme::TEXT_DIM)));
                }
                None => {
                    c.spawn((Text::new(view.labels.text("no-more-today")), fonts.text(26.0, theme::TEXT_DIM)));
                }
            });
        });
    }
}

/// Door-side screen: this room's current and next session large; the other rooms in one line each.
fn room_mode(main: &mut ChildSpawnerCommands, view: &View, schedule: &Schedule, event: &EventInfo, room: &venue_contract::wire::Room) {
    let (feed, fonts, now, tz) = (view.feed, view.fonts, view.now, &view.tz);
    let rows = now_next::now_next_by_room(schedule, &[room.id.as_str()], now);
    let row = &rows[0];
    main.spawn((Text::new(room.name.clone()), fonts.bold(40.0, theme::GOLD)));
    let current = row.current;
    if let Some(s) = current {
        let color = track_color(feed, s);
        main.spawn((
            Node {
                flex_direction: FlexDirection::Column,
                padding: UiRect::all(px(28)),
                row_gap: px(10),
                border_radius: BorderRadius::all(px(16)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
        ))
        .with_children(|c| {
            c.spawn((Text::new(now_span(s, view)), fonts.bold(26.0, color)));
            c.spawn((Text::new(ellipsize(&s.title, 120)), fonts.bold(60.0, theme::TEXT)));
            if !s.speakers.is_empty() {
                c.spawn((Text::new(s.speakers.join(", ")), fonts.text(32.0, theme::TEXT_DIM)));
            }
            c.spawn((
                Node {
                    width: percent(100),
                    height: px(10),
                    border_radius: BorderRadius::all(px(5)),
                    ..default()
                },
                BackgroundColor(theme::TRACK_BG),
            ))
            .with_child((
                Node {
                    width: percent(now_next::progress(s, now) * 100.0),
                    height: percent(100),
                    border_radius: BorderRadius::all(px(5)),
                    ..default()
                },
                BackgroundColor(color),
            ));
        });
    }
    if let Some(n) = row.next {
        let (line, soon) = next_line(n, view);
        main.spawn((
            Node {
                flex_direction: FlexDirection::Column,
                padding: UiRect::all(px(24)),
                row_gap: px(6),
                border_radius: BorderRadius::all(px(16)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
        ))
        .with_children(|c| {
            c.spawn((Text::new(line), fonts.bold(26.0, if soon { theme::GOLD } else { theme::TEXT_DIM })));
            c.spawn((
                Text::new(ellipsize(&n.title, 100)),
                fonts.bold(if current.is_some() { 38.0 } else { 56.0 }, theme::TEXT),
            ));
            if !n.speakers.is_empty() {
                c.spawn((Text::new(n.speakers.join(", ")), fonts.text(26.0, theme::TEXT_DIM)));
            }
        });
    }
    main.spawn((
        Text::new(view.labels.heading("elsewhere-heading")),
        fonts.bold(24.0, theme::TEXT_DIM),
    ));
    let others: Vec<&str> = event.rooms.iter().filter(|r| r.id != room.id).map(|r| r.id.as_str()).collect();
    for other in now_next::now_next_by_room(schedule, &others, now) {
        let Some(s) = other.current.filter(|c| c.room.is_some()).or(other.next) else {
            continue;
        };
        let name = feed.room(other.room).map(|r| r.name.as_str()).unwrap_or(other.room);
        main.spawn(Node {
            column_gap: px(14),
            align_items: AlignItems::Center,
            ..default()
        })
        .with_children(|r| {
            r.spawn((
                Node {
                    width: px(12),
                    height: px(12),
                    border_radius: BorderRadius::all(px(6)),
                    ..default()
                },
                BackgroundColor(track_color(feed, s)),
            ));
            r.spawn((
                Text::new(format!(
                    "{name} · {} · {}",
                    s.start.with_timezone(tz).format("%H:%M"),
                    ellipsize(&s.title, 70)
                )),
                fonts.text(22.0, theme::TEXT),
            ));
        });
    }
}

fn footer(ui: &mut ChildSpawnerCommands, feed: &FeedState, active: &[&Message], fonts: &UiFonts, (turn, at_once): (i64, usize)) {
    let notes: Vec<&&Message> = active.iter().filter(|m| m.priority != Priority::Urgent).collect();
    if !notes.is_empty() {
        ui.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(10),
            flex_shrink: 0.0,
            ..default()
        })
        .with_children(|col| {
            for i in notes_in_turn(notes.len(), turn, at_once) {
                col.spawn((
                    Node {
                        padding: UiRect::axes(px(24), px(12)),
                        border_radius: BorderRadius::all(px(12)),
                        border: UiRect::left(px(6)),
                        column_gap: px(18),
                        align_items: AlignItems::Baseline,
                        ..default()
                    },
                    BorderColor::all(theme::GOLD),
                    BackgroundColor(theme::PANEL_FOCUS),
                ))
                .with_children(|line| {
                    line.spawn((Text::new(ellipsize(&notes[i].text, 110)), fonts.bold(34.0, theme::TEXT)));
                    if notes.len() > at_once {
                        // Which of the messages these are: the rest come in turn.
                        line.spawn((Text::new(format!("{}/{}", i + 1, notes.len())), fonts.text(24.0, theme::TEXT_DIM)));
                    }
                });
            }
        });
    }
    ui.spawn(Node {
        column_gap: px(28),
        align_items: AlignItems::Center,
        flex_wrap: FlexWrap::Wrap,
        ..default()
    })
    .with_children(|row| {
        for track in feed.tracks() {
            row.spawn(Node {
                column_gap: px(10),
                align_items: AlignItems::Center,
                ..default()
            })
            .with_children(|chip| {
                chip.spawn((
                    Node {
                        width: px(26),
                        height: px(26),
                        border_radius: BorderRadius::all(px(6)),
                        ..default()
                    },
                    BackgroundColor(hex_color(&track.color)),
                ));
                chip.spawn((Text::new(track.name.clone()), fonts.text(24.0, theme::TEXT)));
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::{Endpoint, FeedPayload};
    use venue_contract::{payload::decode, sample};
    use venue_rules::schedule::tour;

    fn sample_feed() -> FeedState {
        let mut feed = FeedState::default();
        for e in Endpoint::ALL {
            let payload: FeedPayload = decode(e, sample::body(e)).unwrap();
            feed.apply(payload, Utc::now());
        }
        feed
    }

    /// The overlay is rebuilt once, then idle frames cost no allocation; the sky systems neither.
    #[test]
    fn normal_messages_take_turns_two_at_a_time() {
        let turns = |count: usize| -> Vec<Vec<usize>> { (0..4).map(|t| notes_in_turn(count, t, 2).collect()).collect() };
        assert_eq!(turns(0), vec![Vec::<usize>::new(); 4]);
        assert_eq!(turns(1), vec![vec![0]; 4]);
        assert_eq!(turns(2), vec![vec![0, 1]; 4]);
        assert_eq!(turns(3), vec![vec![0, 1], vec![2], vec![0, 1], vec![2]]);
        assert_eq!(turns(5), vec![vec![0, 1], vec![2, 3], vec![4], vec![0, 1]]);
        assert_eq!(notes_in_turn(3, -1, 2).collect::<Vec<_>>(), vec![2], "any turn number works");
        assert_eq!(notes_in_turn(3, 1, 1).collect::<Vec<_>>(), vec![1], "one at a time under banners");
    }

    #[test]
    fn rooms_that_do_not_fit_take_turns_a_full_page_each() {
        assert_eq!(room_page(6, 4, 0), 0..4);
        assert_eq!(room_page(6, 4, 1), 2..6, "the last page is full, ending with the last room");
        assert_eq!(room_page(6, 4, 2), 0..4);
        assert_eq!(room_page(6, 6, 5), 0..6);
        assert_eq!(room_page(6, 0, 0), 0..1, "at least one room a page");
        assert_eq!(room_page(0, 3, 0), 0..0);
        let seen: std::collections::BTreeSet<usize> = (0..3).flat_map(|t| room_page(7, 3, t)).collect();
        assert_eq!(seen.len(), 7, "every room is on a page");
    }

    #[test]
    fn idle_frames_allocate_nothing_in_overlay_and_camera() {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::state::app::StatesPlugin))
            .insert_resource(crate::config::Config::default())
            .insert_resource(Labels::new(crate::shell::i18n::LabelLanguages::ENGLISH))
            .insert_resource(ScreenPlace::default())
            .insert_resource(VenueClock::starting_at(
                DateTime::parse_from_rfc3339("2026-12-03T10:30:05+09:00").unwrap(),
            ))
            .insert_resource(sample_feed())
            .insert_resource(UiFonts {
                regular: Handle::default(),
                bold: Handle::default(),
            })
            .insert_resource(scene::Tour(tour::pose(
                0.0,
                3,
                tour::TourTiming {
                    dwell_s: 20.0,
                    transition_s: 4.0,
                },
                None,
            )))
            .init_resource::<OverlayCost>()
            .init_resource::<RoomsFit>()
            .init_resource::<scene::SkyCost>()
            .insert_state(Screen::Schedule)
            .add_systems(Update, (scene::move_camera, rebuild_overlay).chain());
        app.world_mut().spawn(ScheduleRoot);
        app.world_mut().spawn((crate::shell::display::SceneCamera, Transform::default()));
        app.update();
        for _ in 0..60 {
            app.update();
        }
        let cost = *app.world().resource::<OverlayCost>();
        assert_eq!(cost.checks, 61);
        assert!(cost.rebuilds >= 1 && cost.rebuilds <= 3, "rebuilt only on changes: {cost:?}");
        assert_eq!(cost.idle_allocations, 0, "{cost:?}");
        let sky = *app.world().resource::<scene::SkyCost>();
        assert_eq!(sky.frames, 61);
        assert_eq!(sky.allocations, 0, "{sky:?}");
        // And the overlay really was built: rows exist under the root.
        let texts = app.world_mut().query::<&Text>().iter(app.world()).count();
        assert!(texts > 20, "{texts} texts");
    }
}
