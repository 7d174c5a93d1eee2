//! What the audience sees: the prize, its photo, the machine window, the revealed winners and the
//! footer, rebuilt only when something on it changed.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::text::{Strikethrough, StrikethroughColor};

use super::pages::{self, WallPaging, WallView};
use super::{DrawDesk, DrawRoot, DrawTasks, LocalDraw, reels};
use crate::config::Config;
use crate::feed::{FeedState, Outbox};
use crate::screens::Screen;
use crate::shell::i18n::Labels;
use crate::shell::images::{ImageEntry, ImageStore};
use crate::shell::ui::{UiFonts, UiRoot, ellipsize, theme};
use venue_contract::sample;
use venue_rules::draw::desk::{Desk, Stage};
use venue_rules::draw::{engine, outcome};

pub(super) fn spawn_root(mut commands: Commands, config: Option<Res<Config>>) {
    let (x, y) = crate::shell::display::overscan_px(config.as_deref());
    commands.spawn((
        Name::new("Lucky draw"),
        DrawRoot,
        DespawnOnExit(Screen::LuckyDraw),
        Node {
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            padding: UiRect::axes(px(56.0 + x), px(36.0 + y)),
            row_gap: px(18),
            ..default()
        },
    ));
}

/// Photos decode in the background: the embedded sample's are compiled in; others are read from a
/// file (absolute, or relative to a file source's directory) or downloaded from an http(s) URL or,
/// with an event server, from a path on it (`/api/v1/images/…`, uploaded in its console).
/// A forgotten (failed, then retried) photo is asked for again.
pub(super) fn request_photos(local: Res<LocalDraw>, config: Res<Config>, mut store: ResMut<ImageStore>) {
    if !local.is_changed() && !store.is_changed() {
        return;
    }
    let Some(draw) = local.effective.as_deref() else { return };
    // Validated at start-up.
    let Ok(source) = crate::config::source::SourceSpec::parse(&config.feed.source) else {
        return;
    };
    for prize in &draw.prizes {
        let Some(url) = prize.image_url.as_deref() else { continue };
        if store.get(url).is_some() {
            continue;
        }
        if let Some(bytes) = sample::prize_photo(url) {
            store.request_bytes(PHOTO_OWNER, url, bytes, PHOTO_MAX_SIDE);
            continue;
        }
        store.request_feed_photo(PHOTO_OWNER, url, &source, PHOTO_MAX_SIDE);
    }
    // A prize removed or given another photo lets its old one go (not a change the stage redraws for).
    if local.is_changed() {
        let used = draw.prizes.iter().filter_map(|p| p.image_url.as_deref());
        store.bypass_change_detection().keep_only(PHOTO_OWNER, used);
    }
}

/// The draw's claim on the photos it shows.
const PHOTO_OWNER: &str = "draw";
/// The prize photo's box is 560×420 at 1080p; this keeps it sharp at 4K.
const PHOTO_MAX_SIDE: u32 = 1120;

/// Everything the stage is built from.
#[derive(SystemParam)]
pub(super) struct StageSource<'w> {
    feed: Res<'w, FeedState>,
    store: Res<'w, ImageStore>,
    fonts: Res<'w, UiFonts>,
    desk: Option<Res<'w, DrawDesk>>,
    tasks: Res<'w, DrawTasks>,
    local: Res<'w, LocalDraw>,
    outbox: Option<Res<'w, Outbox>>,
    rig: Option<Res<'w, reels::ReelRig>>,
    labels: Res<'w, Labels>,
    paging: Res<'w, WallPaging>,
    time: Res<'w, Time<Real>>,
}

/// The revealed batch's wall view now (`None`: not revealed, or one wall holds it).
fn wall_view(desk: &Desk, paging: &WallPaging, now_s: f64) -> Option<WallView> {
    let Stage::Revealed { sequence } = desk.stage else { return None };
    paging.view(sequence, desk.record(sequence)?.winners.len(), now_s)
}

pub(super) fn rebuild(
    mut commands: Commands,
    source: StageSource,
    root: UiRoot<DrawRoot>,
    mut built: Local<Option<(u64, usize, Option<WallView>)>>,
) {
    let StageSource {
        feed,
        store,
        fonts,
        desk,
        tasks,
        local,
        outbox,
        rig,
        labels,
        paging,
        time,
    } = source;
    let added = root.just_spawned();
    let Some(root) = root.entity() else { return };
    let desk_changed = desk.as_ref().is_some_and(DetectChanges::is_changed);
    let view = desk.as_deref().and_then(|d| wall_view(&d.0, &paging, time.elapsed_secs_f64()));
    let key = (feed.revision, store.pending(), view);
    let rig_added = rig.as_ref().is_some_and(DetectChanges::is_added);
    if *built == Some(key) && !added && !desk_changed && !rig_added && !tasks.is_changed() && !local.is_changed() && !labels.is_changed() {
        return;
    }
    *built = Some(key);
    let posting = outbox.is_some();
    commands.entity(root).despawn_children();
    commands.entity(root).with_children(|ui| {
        ui.spawn((Text::new(labels.heading("draw-heading")), fonts.bold(56.0, theme::GOLD)));
        let Some(desk) = desk.as_deref() else {
            let line = tasks
                .open_error
                .clone()
                .map(|e| labels.text_with("draw-journal-unavailable", &[("error", (&e).into())]))
                .or_else(|| {
                    local
                        .load_error
                        .as_ref()
                        .map(|e| labels.text_with("draw-local-list-unusable", &[("error", e.into())]))
                })
                .unwrap_or_else(|| labels.both_with("draw-waiting", &[]));
            ui.spawn((Text::new(line), fonts.text(30.0, theme::TEXT_DIM)));
            return;
        };
        build_stage(ui, &desk.0, &store, &fonts, &labels, rig.as_deref(), (posting, view));
    });
}

fn build_stage(
    ui: &mut ChildSpawnerCommands,
    desk: &Desk,
    store: &ImageStore,
    fonts: &UiFonts,
    labels: &Labels,
    rig: Option<&reels::ReelRig>,
    (posting, view): (bool, Option<WallView>),
) {
    let Some(prize) = desk.prize() else {
        ui.spawn((
            Text::new(labels.both_with("draw-no-prizes", &[])),
            fonts.text(30.0, theme::TEXT_DIM),
        ));
        return;
    };
    // Counted at the reveal, never while the reels still roll.
    let drawn = desk.revealed_winner_count(&prize.engine.id);
    let drawn_line = labels.text_with(
        "draw-drawn-count",
        &[("drawn", drawn.into()), ("total", prize.engine.winner_count.into())],
    );
    if let (Some(WallView::CompleteList), Stage::Revealed { sequence }) = (view, desk.stage)
        && let Some(record) = desk.record(sequence)
    {
        // The whole batch at once, across the stage: the list the operator leaves up.
        complete_list(ui, desk, record, &prize.name, &drawn_line, fonts, labels);
        footer(ui, desk, labels, fonts, posting, view);
        return;
    }
    ui.spawn(Node {
        column_gap: px(40),
        flex_grow: 1.0,
        // Never push the status lines below off the screen, whatever the columns hold.
        min_height: px(0),
        flex_basis: px(0),
        overflow: Overflow::clip(),
        ..default()
    })
    .with_children(|row| {
        // Left: the prize.
        row.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(12),
            width: px(560),
            flex_shrink: 0.0,
            ..default()
        })
        .with_children(|col| {
            photo(col, store, prize.image_url.as_deref(), 560.0, 420.0, fonts);
            col.spawn((Text::new(prize.name.clone()), fonts.bold(40.0, theme::TEXT)));
            if let Some(line) = groups_line(labels, &prize.engine.eligible_groups, &prize.engine.excluded_groups) {
                col.spawn((Text::new(line), fonts.text(26.0, theme::GOLD)));
            }
            col.spawn((Text::new(drawn_line), fonts.text(26.0, theme::TEXT_DIM)));
        });
        // Centre: the machine.
        row.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(18),
            flex_grow: 1.0,
            align_items: AlignItems::Center,
            ..default()
        })
        .with_children(|col| {
            let (label, color) = match desk.stage {
                Stage::Idle if desk.prize_done() => (labels.text("draw-done"), theme::TEXT_DIM),
                Stage::Idle => (labels.text("draw-ready"), theme::GOLD),
                Stage::Anchoring { .. } => (labels.text("draw-registering"), theme::TEXT_DIM),
                Stage::Committing => (labels.text("draw-sealing"), theme::TEXT_DIM),
                Stage::Rolling { .. } => (labels.text("draw-rolling"), theme::TEXT),
                Stage::Revealed { .. } => (labels.heading("draw-winner"), theme::GOLD),
            };
            col.spawn((Text::new(label), fonts.bold(44.0, color)));
            if let Some(rig) = rig {
                reels::spawn_window(col, rig, desk.reel_count());
            }
            if let Stage::Revealed { sequence } = desk.stage
                && let Some(record) = desk.record(sequence)
            {
                revealed_winners(col, desk, record, fonts, labels, view);
            }
            if let Some(ticket) = desk.confirm_no_show {
                col.spawn((
                    Text::new(labels.text_with(
                        "draw-confirm-no-show",
                        &[
                            ("ticket", ticket.into()),
                            ("name", desk.display_name(ticket).into()),
                            ("commitment", (&engine::fingerprint(&desk.commitment())).into()),
                        ],
                    )),
                    fonts.bold(28.0, theme::STALE),
                ));
            }
            if let Some(notice) = &desk.notice {
                col.spawn((Text::new(notice.clone()), fonts.bold(26.0, theme::OFFLINE)));
            }
            if let Some(problem) = &desk.post_problem {
                col.spawn((Text::new(problem.clone()), fonts.bold(22.0, theme::OFFLINE)));
            }
        });
        // Right: winners so far.
        row.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(8),
            // Up to 420 px, narrower when the reels and the wall of cards need the room: never past
            // the screen's edge (a name cut there is a name the hall cannot read).
            width: px(420),
            min_width: px(0),
            flex_shrink: 1.0,
            ..default()
        })
        .with_children(|col| {
            col.spawn((Text::new(labels.heading("draw-winners")), fonts.bold(26.0, theme::GOLD)));
            let revealed_only = |seq: u64| !matches!(desk.stage, Stage::Rolling { sequence, .. } if sequence == seq);
            for p in &desk.prizes {
                let shown: Vec<_> = desk
                    .records
                    .iter()
                    .filter(|r| r.prize_id == p.engine.id && revealed_only(r.sequence))
                    .collect();
                let tickets: Vec<Vec<u32>> = shown.iter().map(|r| r.winners.iter().map(|w| w.ticket).collect()).collect();
                // Who holds the prize now: a no-show's replacement takes their place (one rule with
                // the server's export, `venue_rules::draw::outcome`).
                let outcome = outcome::prize_outcome(shown.iter().zip(&tickets).map(|(r, winners)| outcome::ResultLine {
                    batch: r.batch,
                    winners,
                    replaces: r.replaces.as_ref().map(|w| w.ticket),
                    reason: r.reason.as_deref(),
                }));
                if outcome.current.is_empty() && outcome.replaced.is_empty() {
                    continue;
                }
                col.spawn((Text::new(ellipsize(&p.name, 34)), fonts.bold(22.0, theme::TEXT)));
                let (line, more) = winners_line(&outcome.current, WINNERS_LISTED, |t| desk.display_name(t).to_string());
                col.spawn((Text::new(line), fonts.text(18.0, theme::TEXT_DIM)));
                if more > 0 {
                    col.spawn((
                        Text::new(labels.both_with("draw-more-winners", &[("count", more.into())])),
                        fonts.text(18.0, theme::TEXT_DIM),
                    ));
                }
                if !outcome.replaced.is_empty() {
                    // Struck through: they won, did not show up, and someone else holds the prize.
                    let gone: Vec<String> = outcome.replaced.iter().map(|r| format!("#{}", r.ticket)).collect();
                    col.spawn((
                        Text::new(format!("{} {}", labels.text("draw-no-show"), gone.join(" "))),
                        fonts.text(18.0, theme::TEXT_DIM),
                        Strikethrough,
                        StrikethroughColor(theme::TEXT_DIM),
                    ));
                }
            }
        });
    });
    footer(ui, desk, labels, fonts, posting, view);
}

/// The record line (commitment, tickets, where the results stand) and the operator's line.
fn footer(ui: &mut ChildSpawnerCommands, desk: &Desk, labels: &Labels, fonts: &UiFonts, posting: bool, view: Option<WallView>) {
    let (anchor_text, anchor_color) = anchor_status(desk, labels);
    ui.spawn((
        Text::new(labels.text_with(
            "draw-status",
            &[
                // The drawn batch's commitment stays beside its revealed seed until the next draw is armed.
                ("commitment", (&engine::fingerprint(&desk.commitment_on_screen())).into()),
                ("anchor", (&anchor_text).into()),
                ("tickets", (&engine::fingerprint(&engine::tickets_hash(&desk.pool))).into()),
                ("pool", desk.pool.len().into()),
                ("server", (&server_line(desk, posting, labels)).into()),
            ],
        )),
        fonts.text(22.0, anchor_color),
    ));
    // The operator's line: keys, and notes meant for the operator only (never a red alarm on stage).
    let mut operator_line = labels.text("draw-keys");
    if view.is_some() {
        operator_line = format!("{operator_line} · {}", labels.text("draw-keys-pages"));
    }
    if let Some(note) = &desk.operator_note {
        operator_line = format!("{note} · {operator_line}");
    }
    ui.spawn((Text::new(operator_line), fonts.text(20.0, theme::TEXT_DIM)));
}

/// The short line under a prize limited to or excluding groups ("Staff and speakers excluded"),
/// from the label tables; `None` for a prize open to every ticket.
pub(super) fn groups_line(labels: &Labels, eligible: &[String], excluded: &[String]) -> Option<String> {
    let list = |groups: &[String]| {
        let mut names: Vec<String> = groups
            .iter()
            .map(|g| labels.text_with("draw-group", &[("group", g.into())]))
            .collect();
        let last = names.pop().unwrap_or_default();
        if names.is_empty() {
            last
        } else {
            labels.text_with(
                "draw-groups-list",
                &[("rest", (&names.join(", ")).into()), ("last", (&last).into())],
            )
        }
    };
    let mut parts = Vec::new();
    if !eligible.is_empty() {
        parts.push(labels.text_with("draw-groups-only", &[("groups", (&list(eligible)).into())]));
    }
    if !excluded.is_empty() {
        parts.push(labels.text_with("draw-groups-excluded", &[("groups", (&list(excluded)).into())]));
    }
    let line = parts.join(" · ");
    let mut chars = line.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// Every winner of a big batch at once, as large as the stage allows.
fn complete_list(
    ui: &mut ChildSpawnerCommands,
    desk: &Desk,
    record: &engine::AuditRecord,
    prize_name: &str,
    drawn_line: &str,
    fonts: &UiFonts,
    labels: &Labels,
) {
    let entries: Vec<String> = record
        .winners
        .iter()
        .map(|w| format!("#{} {}", w.ticket, ellipsize(desk.display_name(w.ticket), 10)))
        .collect();
    let chars = entries.iter().map(|e| e.chars().count()).max().unwrap_or(8);
    // 1808 × ~700 px of the 1080p stage (the sizes scale with the window).
    let (font, entries) = match pages::grid_font(entries.len(), chars, 1800.0, 700.0) {
        Some(font) => (font, entries),
        // Thousands: ticket numbers only.
        None => {
            let numbers: Vec<String> = record.winners.iter().map(|w| format!("#{}", w.ticket)).collect();
            let chars = numbers.iter().map(|e| e.chars().count()).max().unwrap_or(6);
            (pages::grid_font(numbers.len(), chars, 1800.0, 700.0).unwrap_or(12.0), numbers)
        }
    };
    ui.spawn(Node {
        column_gap: px(24),
        align_items: AlignItems::Baseline,
        ..default()
    })
    .with_children(|row| {
        row.spawn((Text::new(prize_name.to_string()), fonts.bold(40.0, theme::TEXT)));
        row.spawn((
            Text::new(labels.both_with("draw-all-winners", &[("count", record.winners.len().into())])),
            fonts.bold(32.0, theme::GOLD),
        ));
        row.spawn((Text::new(drawn_line.to_string()), fonts.text(26.0, theme::TEXT_DIM)));
    });
    ui.spawn(Node {
        flex_wrap: FlexWrap::Wrap,
        column_gap: px(18),
        // With the line's own height (≈1.25 em), `pages::ROW_EM` a row.
        row_gap: px(font * 0.35),
        flex_grow: 1.0,
        min_height: px(0),
        overflow: Overflow::clip(),
        align_content: AlignContent::FlexStart,
        ..default()
    })
    .with_children(|grid| {
        for entry in entries {
            grid.spawn((
                Node {
                    width: px(font * 0.6 * chars as f32),
                    ..default()
                },
                children![(Text::new(entry), fonts.bold(font, theme::TEXT))],
            ));
        }
    });
}

/// Whether the commitment on screen is anchored with the event server: the drawn record's from
/// the commit to the next arming, else the armed seed's. "NOT ANCHORED" in the warning colour.
pub(super) fn anchor_status(desk: &Desk, labels: &Labels) -> (String, Color) {
    use venue_rules::draw::desk::Anchor;
    let on_screen = match desk.stage {
        Stage::Rolling { sequence, .. } | Stage::Revealed { sequence } => desk.record(sequence),
        _ => None,
    };
    let key = match (on_screen, &desk.anchor) {
        (Some(record), _) if record.is_anchored() => "draw-anchored",
        (Some(_), _) if !desk.anchoring() => "draw-not-anchored-local",
        (Some(_), _) => "draw-not-anchored",
        (None, Anchor::Anchored(_)) => "draw-anchored",
        (None, Anchor::Registering) => "draw-anchoring",
        (None, Anchor::Local) => "draw-not-anchored-local",
        (None, Anchor::Failed { .. }) => "draw-not-anchored",
    };
    let color = match key {
        "draw-not-anchored" => theme::STALE,
        _ => theme::TEXT_DIM,
    };
    (format!("({})", labels.text(key)), color)
}

/// Winners a prize's entry in the column names before "+N more".
const WINNERS_LISTED: usize = 8;

/// "#12 김*수  ·  #40 J*** D." for the first `listed` tickets, and how many are left unnamed.
fn winners_line(current: &[u32], listed: usize, name: impl Fn(u32) -> String) -> (String, usize) {
    let names: Vec<String> = current.iter().take(listed).map(|&t| format!("#{t} {}", name(t))).collect();
    (names.join("  ·  "), current.len().saturating_sub(listed))
}

/// Where the results stand with the event server, in a few words.
fn server_line(desk: &Desk, posting: bool, labels: &Labels) -> String {
    if !posting {
        return labels.text_with("draw-results-local", &[("count", desk.records.len().into())]);
    }
    let mut line = labels.text_with("draw-results-stored", &[("count", desk.acknowledged.len().into())]);
    let waiting = desk.unposted().count();
    if waiting > 0 {
        line.push_str(", ");
        line.push_str(&labels.text_with("draw-results-waiting", &[("count", waiting.into())]));
    }
    if !desk.conflicts.is_empty() {
        line.push_str(", ");
        line.push_str(&labels.text_with("draw-results-conflicts", &[("count", desk.conflicts.len().into())]));
    }
    line
}

/// Winners of the record on screen: large lines for a few, a wall of cards for a big batch (every
/// winner of the prize so far, this batch's in gold). A no-show replacement names whom it replaces;
/// a result the server holds differently is shown with the server's winners.
fn revealed_winners(
    col: &mut ChildSpawnerCommands,
    desk: &Desk,
    record: &engine::AuditRecord,
    fonts: &UiFonts,
    labels: &Labels,
    view: Option<WallView>,
) {
    let highlighted = desk.highlighted_winner();
    if let Some(absent) = &record.replaces {
        col.spawn((
            Text::new(labels.text_with(
                "draw-replaces",
                &[("ticket", absent.ticket.into()), ("name", desk.display_name(absent.ticket).into())],
            )),
            fonts.text(24.0, theme::TEXT_DIM),
        ));
    }
    let prize_winners = desk.state.winners_of(&record.prize_id);
    // A batch bigger than one wall: this batch's winners, one page at a time.
    let page = match view {
        Some(WallView::Page { index, count }) => {
            let from = index * pages::CARDS_PER_PAGE;
            let to = (from + pages::CARDS_PER_PAGE).min(record.winners.len());
            col.spawn((
                Text::new(labels.text_with(
                    "draw-page",
                    &[
                        ("from", (from + 1).into()),
                        ("to", to.into()),
                        ("total", record.winners.len().into()),
                        ("page", (index + 1).into()),
                        ("pages", count.into()),
                    ],
                )),
                fonts.bold(28.0, theme::GOLD),
            ));
            Some(&record.winners[from..to])
        }
        _ => None,
    };
    if page.is_none() && prize_winners.len() <= 3 && record.winners.len() <= 3 {
        for w in &record.winners {
            let marker = if record.winners.len() > 1 && highlighted == Some(w.ticket) {
                "▶ "
            } else {
                ""
            };
            col.spawn((
                Text::new(format!("{marker}#{}  {}", w.ticket, desk.display_name(w.ticket))),
                fonts.bold(44.0, theme::TEXT),
            ));
        }
    } else {
        col.spawn(Node {
            flex_wrap: FlexWrap::Wrap,
            justify_content: JustifyContent::Center,
            column_gap: px(10),
            row_gap: px(10),
            width: px(760),
            ..default()
        })
        .with_children(|wall| {
            let this_batch: Vec<u32> = record.winners.iter().map(|w| w.ticket).collect();
            let shown = pages::CARDS_PER_PAGE;
            let cards: Vec<&engine::EngineWinner> = match page {
                Some(page) => page.iter().collect(),
                None => prize_winners.iter().rev().take(shown).rev().collect(),
            };
            for w in cards {
                let fresh = this_batch.contains(&w.ticket);
                let border = if highlighted == Some(w.ticket) {
                    theme::TEXT
                } else if fresh {
                    theme::GOLD
                } else {
                    Color::srgba(1.0, 1.0, 1.0, 0.15)
                };
                wall.spawn((
                    Node {
                        width: px(176),
                        padding: UiRect::axes(px(10), px(6)),
                        flex_direction: FlexDirection::Column,
                        align_items: AlignItems::Center,
                        border: UiRect::all(px(if fresh { 3 } else { 1 })),
                        border_radius: BorderRadius::all(px(10)),
                        ..default()
                    },
                    BorderColor::all(border),
                    BackgroundColor(theme::PANEL),
                ))
                .with_children(|card| {
                    card.spawn((
                        Text::new(format!("#{}", w.ticket)),
                        fonts.bold(30.0, if fresh { theme::GOLD } else { theme::TEXT }),
                    ));
                    card.spawn((Text::new(ellipsize(desk.display_name(w.ticket), 14)), fonts.text(20.0, theme::TEXT)));
                });
            }
            if page.is_none() && prize_winners.len() > shown {
                wall.spawn((
                    Text::new(labels.text_with("draw-and-earlier", &[("count", (prize_winners.len() - shown).into())])),
                    fonts.text(22.0, theme::TEXT_DIM),
                ));
            }
        });
    }
    if let Some(server) = desk.conflicts.get(&record.sequence) {
        let winners: Vec<String> = server["winners"]
            .as_array()
            .map(|ws| ws.iter().filter_map(serde_json::Value::as_u64).map(|t| format!("#{t}")).collect())
            .unwrap_or_default();
        col.spawn((
            Node {
                padding: UiRect::all(px(12)),
                border_radius: BorderRadius::all(px(10)),
                flex_direction: FlexDirection::Column,
                ..default()
            },
            BackgroundColor(theme::URGENT),
        ))
        .with_children(|b| {
            b.spawn((Text::new(labels.text("draw-server-differs")), fonts.bold(24.0, theme::TEXT)));
            b.spawn((
                Text::new(labels.text_with("draw-server-winners", &[("winners", (&winners.join(" ")).into())])),
                fonts.bold(28.0, theme::TEXT),
            ));
        });
    }
    col.spawn((
        Text::new(labels.text_with("draw-seed-revealed", &[("seed", (&engine::fingerprint(&record.seed)).into())])),
        fonts.text(20.0, theme::TEXT_DIM),
    ));
}

/// The prize photo, or a framed placeholder saying why there is none (the draw works without it).
fn photo(parent: &mut ChildSpawnerCommands, store: &ImageStore, url: Option<&str>, w: f32, h: f32, fonts: &UiFonts) {
    let node = Node {
        width: px(w),
        height: px(h),
        border_radius: BorderRadius::all(px(10)),
        justify_content: JustifyContent::Center,
        align_items: AlignItems::Center,
        ..default()
    };
    match url.and_then(|u| store.get(u)) {
        Some(ImageEntry::Ready(handle)) => {
            parent.spawn((node, ImageNode::new(handle.clone())));
        }
        other => {
            let label = match other {
                Some(ImageEntry::Loading) => "…",
                Some(ImageEntry::Failed(_)) => "photo unavailable",
                _ => "no photo",
            };
            parent
                .spawn((node, BackgroundColor(Color::srgb(0.10, 0.12, 0.20))))
                .with_child((Text::new(label), fonts.text(18.0, theme::TEXT_DIM)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_winners_column_says_how_many_it_does_not_name() {
        let name = |t: u32| format!("n{t}");
        let (line, more) = winners_line(&[1, 2, 3], 8, name);
        assert_eq!((line.as_str(), more), ("#1 n1  ·  #2 n2  ·  #3 n3", 0));
        let many: Vec<u32> = (1..=300).collect();
        let (line, more) = winners_line(&many, 8, name);
        assert_eq!(more, 292, "300 winners: 8 named, +292 more");
        assert!(line.ends_with("#8 n8"), "{line}");
    }

    #[test]
    fn the_groups_line_reads_in_each_language() {
        use crate::shell::i18n::LabelLanguages;
        let g = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let en = Labels::new(LabelLanguages::ENGLISH);
        assert_eq!(groups_line(&en, &[], &[]), None);
        assert_eq!(
            groups_line(&en, &[], &g(&["staff", "speaker"])).as_deref(),
            Some("Staff and speakers excluded")
        );
        assert_eq!(
            groups_line(&en, &g(&["crew"]), &g(&["sponsor", "staff", "vip"])).as_deref(),
            Some(
                "Only crew · Sponsors, staff and vip excluded"
                    .replace("Sponsors", "sponsors")
                    .as_str()
            )
        );
        let ko = Labels::new(LabelLanguages::parse_setting("ko").unwrap().unwrap());
        assert_eq!(
            groups_line(&ko, &[], &g(&["staff", "speaker"])).as_deref(),
            Some("스태프 및 연사 제외")
        );
        let de = Labels::new(LabelLanguages::parse_setting("de").unwrap().unwrap());
        assert_eq!(groups_line(&de, &g(&["speaker"]), &[]).as_deref(), Some("Nur Vortragende"));
    }
}
