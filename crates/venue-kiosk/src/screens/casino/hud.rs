//! The casino screen's text over the table: the header (round, whose turn), each casino's money
//! cards and live order (dice per team, who takes which card now, ties struck out as cancelling),
//! the standings with dice left, the round's payouts at its end, the podium, and the operator's
//! entry line. Placed from the same [`layout`] as the 3D table; rebuilt only when
//! what it shows changes.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::text::{Strikethrough, StrikethroughColor};
use bevy::window::PrimaryWindow;

use super::board::{TeamLook, team_looks};
use super::input::Entry;
use super::layout::{self, CasinoSlots, Layout, Rect2};
use super::scene::design_size;
use super::{CasinoBoard, KioskEntry, Stage, stage, table_orders};
use crate::feed::FeedState;
use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::shell::i18n::Labels;
use crate::shell::ui::{UiFonts, UiRoot, ellipsize, theme};
use venue_rules::casino::money;
use venue_rules::casino::{CasinoOrder, Match, Outcome};

#[derive(Component)]
struct HudRoot;

/// A team's card in the standings: where its winnings fly to.
#[derive(Component)]
struct StandingsCard(usize);

/// A won card flying from its casino to the winner's standings card at a round's end.
#[derive(Component)]
struct FlyingCard {
    /// Top-left corner it starts from, in design pixels.
    from: Vec2,
    team: usize,
    start_s: f64,
}

/// How long a card takes to fly to its winner.
pub const FLY_S: f64 = 1.0;
/// The delay between two cards taking off.
const FLY_STAGGER_S: f64 = 0.12;

const CARD_BG: Color = Color::srgb(0.97, 0.92, 0.80);
const CARD_TEXT: Color = Color::srgb(0.16, 0.11, 0.04);
const TIE_RED: Color = Color::srgb(0.90, 0.20, 0.24);
const LINE_BG: Color = Color::srgba(0.0, 0.0, 0.0, 0.30);
const TIE_BG: Color = Color::srgba(0.55, 0.05, 0.08, 0.45);
const CANCELLED_TEXT: Color = Color::srgb(0.62, 0.62, 0.66);

pub fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Casino), spawn_root).add_systems(
        Update,
        (rebuild, fly_cards)
            .chain()
            .run_if(in_state(Screen::Casino))
            .in_set(AppSystems::Present),
    );
}

fn spawn_root(mut commands: Commands) {
    commands.spawn((
        Name::new("Casino HUD"),
        HudRoot,
        DespawnOnExit(Screen::Casino),
        Node {
            width: percent(100),
            height: percent(100),
            ..default()
        },
    ));
}

/// Everything the HUD shows that can change.
#[derive(PartialEq, Clone, Debug)]
struct Shown {
    revision: u64,
    entry: Entry,
    size: [u32; 2],
    teams: Vec<TeamLook>,
    kiosk_entry: bool,
}

fn at(r: Rect2) -> Node {
    Node {
        position_type: PositionType::Absolute,
        left: px(r.x),
        top: px(r.y),
        width: px(r.w),
        height: px(r.h),
        ..default()
    }
}

/// What the HUD is drawn from.
#[derive(SystemParam)]
struct HudSource<'w, 's> {
    board: Res<'w, CasinoBoard>,
    entry: Res<'w, Entry>,
    feed: Res<'w, FeedState>,
    kiosk_entry: Res<'w, KioskEntry>,
    fonts: Res<'w, UiFonts>,
    labels: Res<'w, Labels>,
    window: Query<'w, 's, &'static Window, With<PrimaryWindow>>,
    scale: Res<'w, UiScale>,
    time: Res<'w, Time<Real>>,
}

/// What every part of the HUD reads.
struct View<'a> {
    game: &'a Match,
    st: Stage,
    teams: &'a [TeamLook],
    l: &'a Layout,
    fonts: &'a UiFonts,
    labels: &'a Labels,
    /// At a round's end that just happened here: when the won cards take off.
    fly_at: Option<f64>,
}

fn rebuild(mut commands: Commands, source: HudSource, root: UiRoot<HudRoot>, mut last: Local<Option<Shown>>) {
    let HudSource {
        board,
        entry,
        feed,
        kiosk_entry,
        fonts,
        labels,
        window,
        scale,
        time,
    } = source;
    let root_spawned = root.just_spawned();
    let Some(root) = root.entity() else { return };
    let Ok(window) = window.single() else { return };
    let size = design_size(window, scale.0);
    let teams = board.game.as_ref().map(|g| team_looks(g, &feed)).unwrap_or_default();
    let current = Shown {
        revision: board.revision,
        entry: entry.clone(),
        size: [size.x as u32, size.y as u32],
        teams,
        kiosk_entry: kiosk_entry.0,
    };
    if last.as_ref() == Some(&current) && !root_spawned && !labels.is_changed() {
        return;
    }
    commands.entity(root).despawn_children();
    let teams = current.teams.clone();
    *last = Some(current);
    commands.entity(root).with_children(|ui| {
        let Some(game) = board.game.as_ref() else {
            ui.spawn((
                Node {
                    flex_direction: FlexDirection::Column,
                    padding: UiRect::axes(px(48), px(32)),
                    row_gap: px(14),
                    ..default()
                },
                children![
                    (Text::new(labels.heading("casino-heading")), fonts.bold(64.0, theme::GOLD)),
                    (
                        Text::new(labels.both_with("casino-waiting", &[])),
                        fonts.text(32.0, theme::TEXT_DIM)
                    ),
                ],
            ));
            if let Some(error) = &board.error {
                ui.spawn((
                    Text::new(labels.text_with("casino-replay-failed", &[("error", error.into())])),
                    fonts.bold(26.0, theme::OFFLINE),
                ));
            }
            return;
        };
        let l = layout::layout(size, teams.len());
        let st = stage(game);
        let now = time.elapsed_secs_f64();
        // The cards fly only when the move that ended the round arrived while this screen was up.
        let fly_at = match (st, &board.roll) {
            (Stage::RoundEnd { .. }, Some(roll)) if now < roll.started_s + super::board::ROLL_S + FLY_S + 1.0 => {
                Some(roll.started_s + super::board::ROLL_S)
            }
            _ => None,
        };
        let v = View {
            game,
            st,
            teams: &teams,
            l: &l,
            fonts: &fonts,
            labels: &labels,
            fly_at,
        };
        header(ui, &v);
        if v.st == Stage::Final {
            podium(ui, &v);
        } else {
            for (slots, order) in l.casinos.iter().zip(table_orders(game)) {
                casino(ui, &v, slots, &order);
            }
            standings(ui, &v);
        }
        footer(ui, &v, &board, &entry, kiosk_entry.0);
    });
}

fn header(ui: &mut ChildSpawnerCommands, v: &View) {
    let View {
        game,
        st,
        teams,
        l,
        fonts,
        labels,
        ..
    } = *v;
    let round = game.round_index();
    let rounds = game.rounds();
    let round_of = || labels.both_with("casino-round-of", &[("round", (round + 1).into()), ("rounds", rounds.into())]);
    let subtitle = match st {
        Stage::Final => labels.both_with("casino-rounds-played", &[("rounds", rounds.into())]),
        _ if l.portrait => format!("{} · {}", round_of(), labels.both_with("casino-ties-cancel", &[])),
        _ => format!(
            "{} · {} · {}",
            round_of(),
            labels.text("casino-most-dice-win"),
            labels.both_with("casino-ties-cancel", &[])
        ),
    };
    let mut node = at(l.header);
    node.justify_content = JustifyContent::SpaceBetween;
    node.align_items = AlignItems::Center;
    node.column_gap = px(24);
    ui.spawn(node).with_children(|row| {
        row.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(2),
            ..default()
        })
        .with_children(|col| {
            col.spawn((Text::new(labels.heading("casino-heading")), fonts.bold(56.0, theme::GOLD)));
            col.spawn((
                Text::new(subtitle),
                fonts.text(if l.portrait { 22.0 } else { 24.0 }, theme::TEXT_DIM),
            ));
        });
        let (label, name, color, detail) = match st {
            Stage::Live => {
                let turn = game.turn().unwrap_or(0);
                let left = game.dice_left()[turn];
                (
                    labels.heading("casino-now-rolling"),
                    ellipsize(&teams[turn].name, 18),
                    teams[turn].color,
                    labels.both_with("casino-dice-to-roll", &[("count", i64::from(left).into())]),
                )
            }
            Stage::RoundEnd { round_index } => {
                let next = game.turn().unwrap_or(0);
                (
                    labels.both_with("casino-round-complete", &[("round", (round_index + 1).into())]),
                    labels.heading("casino-payouts"),
                    theme::GOLD,
                    labels.text_with(
                        "casino-next-round",
                        &[("round", (round + 1).into()), ("team", (&ellipsize(&teams[next].name, 18)).into())],
                    ),
                )
            }
            Stage::Final => (
                labels.heading("casino-final"),
                labels.heading("podium-heading"),
                theme::GOLD,
                String::new(),
            ),
        };
        row.spawn((
            Node {
                flex_direction: FlexDirection::Column,
                align_items: AlignItems::FlexEnd,
                flex_shrink: 0.0,
                padding: UiRect::axes(px(20), px(6)),
                border: UiRect::left(px(8)),
                border_radius: BorderRadius::all(px(10)),
                ..default()
            },
            BackgroundColor(theme::PANEL),
            BorderColor::all(color),
        ))
        .with_children(|col| {
            col.spawn((Text::new(label), fonts.bold(20.0, theme::TEXT_DIM)));
            col.spawn((Text::new(name), fonts.bold(40.0, color)));
            if !detail.is_empty() {
                col.spawn((Text::new(detail), fonts.text(22.0, theme::TEXT)));
            }
        });
    });
}

fn casino(ui: &mut ChildSpawnerCommands, v: &View, slots: &CasinoSlots, order: &CasinoOrder) {
    let View {
        st, teams, fonts, fly_at, ..
    } = *v;
    let scored = matches!(st, Stage::RoundEnd { .. });
    // The casino's name under its die.
    ui.spawn((
        Node {
            position_type: PositionType::Absolute,
            left: px(slots.die.x - 6.0),
            top: px(slots.die.y + slots.die.h + 6.0),
            width: px(slots.die.w + 12.0),
            justify_content: JustifyContent::Center,
            ..default()
        },
        children![(
            Text::new(v.labels.text_with("casino-name", &[("face", order.face.into())])),
            fonts.bold(17.0, theme::GOLD)
        )],
    ));
    // The cards, highest first, in two columns; a card someone takes now carries their colour.
    let (card_w, card_h, gap) = ((slots.cards.w - 10.0) / 2.0, 48.0, 8.0);
    let taker = |rank: usize| {
        order.entries.iter().find_map(|e| match e.outcome {
            Outcome::Takes { rank: r, .. } if r == rank => Some(e.team),
            _ => None,
        })
    };
    let max_cards = 6;
    for (i, &value) in order.cards.iter().enumerate().take(max_cards) {
        let (c, r) = ((i % 2) as f32, (i / 2) as f32);
        let rect = Rect2::new(
            slots.cards.x + c * (card_w + 10.0),
            slots.cards.y + r * (card_h + gap),
            card_w,
            card_h,
        );
        let who = taker(i);
        let mut node = at(rect);
        node.align_items = AlignItems::Center;
        node.justify_content = JustifyContent::Center;
        node.border = UiRect::left(px(if who.is_some() { 12.0 } else { 0.0 }));
        node.border_radius = BorderRadius::all(px(8));
        let faded = scored && who.is_none();
        let bg = if faded { CARD_BG.with_alpha(0.35) } else { CARD_BG };
        let mut text = if i + 1 == max_cards && order.cards.len() > max_cards {
            format!("+{}", order.cards.len() - max_cards + 1)
        } else {
            money(u64::from(value))
        };
        if text.len() > 9 {
            text = ellipsize(&text, 9);
        }
        ui.spawn((
            node.clone(),
            BackgroundColor(bg),
            BorderColor::all(who.map_or(CARD_BG, |t| teams[t].color)),
        ))
        .with_child((Text::new(text.clone()), fonts.bold(31.0, CARD_TEXT)));
        if let (Some(t0), Some(team)) = (fly_at, who) {
            ui.spawn((
                node,
                FlyingCard {
                    from: Vec2::new(rect.x, rect.y),
                    team,
                    start_s: t0 + (usize::from(order.face) * 2 + i) as f64 * FLY_STAGGER_S / 2.0,
                },
                GlobalZIndex(20),
                BackgroundColor(CARD_BG),
                BorderColor::all(teams[team].color),
            ))
            .with_child((Text::new(text), fonts.bold(31.0, CARD_TEXT)));
        }
    }
    if order.entries.is_empty() {
        if let Some(first) = slots.lines.first() {
            let mut node = at(Rect2::new(first.x, first.y, first.w, first.h));
            node.align_items = AlignItems::Center;
            node.padding = UiRect::left(px(8));
            ui.spawn(node).with_child((
                Text::new(v.labels.both_with("casino-no-dice", &[])),
                fonts.text(22.0, theme::TEXT_DIM),
            ));
        }
        return;
    }
    for (i, e) in order.entries.iter().enumerate() {
        let (Some(line), Some(dice)) = (slots.lines.get(i), slots.line_dice.get(i)) else {
            continue;
        };
        let team = &teams[e.team];
        let cancelled = e.outcome == Outcome::Cancelled;
        let mut node = at(Rect2::new(line.x, line.y + 2.0, line.w, line.h - 4.0));
        node.align_items = AlignItems::Center;
        node.column_gap = px(10);
        node.padding = UiRect::new(px(dice.w + 10.0), px(8), px(0), px(0));
        node.border_radius = BorderRadius::all(px(8));
        let name_size = if line.h >= 44.0 { 24.0 } else { 19.0 };
        ui.spawn((node, BackgroundColor(if cancelled { TIE_BG } else { LINE_BG })))
            .with_children(|row| {
                let name = ellipsize(&team.name, 11);
                if cancelled {
                    row.spawn((
                        Text::new(name),
                        TextLayout::no_wrap(),
                        fonts.bold(name_size, CANCELLED_TEXT),
                        Strikethrough,
                        StrikethroughColor(TIE_RED),
                    ));
                } else {
                    row.spawn((Text::new(name), TextLayout::no_wrap(), fonts.bold(name_size, team.color)));
                }
                row.spawn((
                    Text::new(format!("×{}", e.dice)),
                    TextLayout::no_wrap(),
                    fonts.bold(name_size, if cancelled { CANCELLED_TEXT } else { theme::TEXT }),
                ));
                row.spawn(Node {
                    flex_grow: 1.0,
                    ..default()
                });
                match e.outcome {
                    Outcome::Takes { card, .. } => {
                        let text = if scored {
                            format!("+{}", money(u64::from(card)))
                        } else {
                            format!("→ {}", money(u64::from(card)))
                        };
                        row.spawn((Text::new(text), TextLayout::no_wrap(), fonts.bold(name_size + 2.0, theme::GOLD)));
                    }
                    Outcome::Cancelled => {
                        row.spawn((
                            Node {
                                padding: UiRect::axes(px(10), px(2)),
                                border_radius: BorderRadius::all(px(6)),
                                ..default()
                            },
                            BackgroundColor(TIE_RED),
                        ))
                        .with_child((
                            Text::new(v.labels.heading("casino-tie")),
                            TextLayout::no_wrap(),
                            fonts.bold(name_size - 4.0, Color::WHITE),
                        ));
                    }
                    Outcome::NoCardLeft => {
                        row.spawn((
                            Text::new(v.labels.both_with("casino-no-card", &[])),
                            TextLayout::no_wrap(),
                            fonts.text(name_size - 6.0, theme::TEXT_DIM),
                        ));
                    }
                }
            });
    }
}

fn standings(ui: &mut ChildSpawnerCommands, v: &View) {
    let View {
        game, st, teams, l, fonts, ..
    } = *v;
    let title = match st {
        Stage::RoundEnd { round_index } => v.labels.text_with("casino-round-payouts", &[("round", (round_index + 1).into())]),
        _ => v.labels.heading("standings-heading"),
    };
    let subtitle = match st {
        Stage::RoundEnd { round_index } => Some(v.labels.both_with("casino-standings-after", &[("round", (round_index + 1).into())])),
        _ => None,
    };
    let payouts = match st {
        Stage::RoundEnd { .. } => game.round_results().last().map(|r| r.payouts.clone()),
        _ => None,
    };
    let mut node = at(l.side);
    node.flex_direction = FlexDirection::Column;
    node.padding = UiRect::all(px(18));
    node.row_gap = px(12);
    node.border_radius = BorderRadius::all(px(16));
    let compact = teams.len() > 5 || l.portrait;
    ui.spawn((node, BackgroundColor(theme::PANEL))).with_children(|panel| {
        panel.spawn((Text::new(title), fonts.bold(28.0, theme::GOLD)));
        if let Some(subtitle) = subtitle {
            panel.spawn((Text::new(subtitle), fonts.text(20.0, theme::TEXT_DIM)));
        }
        panel
            .spawn(Node {
                flex_direction: if l.portrait { FlexDirection::Row } else { FlexDirection::Column },
                flex_wrap: FlexWrap::Wrap,
                row_gap: px(10),
                column_gap: px(12),
                ..default()
            })
            .with_children(|list| {
                for r in game.ranking() {
                    let team = &teams[r.team];
                    let is_turn = st == Stage::Live && game.turn() == Some(r.team);
                    let mut card = Node {
                        flex_direction: FlexDirection::Column,
                        padding: UiRect::axes(px(14), px(if compact { 6.0 } else { 10.0 })),
                        border: UiRect::left(px(8)),
                        border_radius: BorderRadius::all(px(10)),
                        row_gap: px(4),
                        ..default()
                    };
                    if l.portrait {
                        card.width = px((l.side.w - 36.0 - 12.0) / 2.0);
                    }
                    list.spawn((
                        StandingsCard(r.team),
                        card,
                        BackgroundColor(if is_turn {
                            theme::PANEL_FOCUS
                        } else {
                            Color::srgba(1.0, 1.0, 1.0, 0.05)
                        }),
                        BorderColor::all(team.color),
                    ))
                    .with_children(|c| {
                        c.spawn(Node {
                            column_gap: px(12),
                            align_items: AlignItems::Baseline,
                            ..default()
                        })
                        .with_children(|row| {
                            row.spawn((Text::new(format!("{}", r.place)), fonts.bold(26.0, theme::TEXT_DIM)));
                            row.spawn((Text::new(ellipsize(&team.name, 14)), fonts.bold(28.0, team.color)));
                            if is_turn {
                                row.spawn((Text::new("◀ NOW"), fonts.bold(20.0, theme::GOLD)));
                            }
                        });
                        c.spawn(Node {
                            column_gap: px(12),
                            align_items: AlignItems::Baseline,
                            ..default()
                        })
                        .with_children(|row| {
                            row.spawn((Text::new(money(r.money)), fonts.bold(36.0, theme::TEXT)));
                            let cards = if r.cards == 1 {
                                "1 card".to_string()
                            } else {
                                format!("{} cards", r.cards)
                            };
                            row.spawn((Text::new(cards), fonts.text(20.0, theme::TEXT_DIM)));
                        });
                        if let Some(payouts) = &payouts {
                            let p = payouts[r.team];
                            c.spawn((
                                Text::new(if p > 0 {
                                    format!("+{} this round", money(p))
                                } else {
                                    "nothing this round".to_string()
                                }),
                                fonts.bold(22.0, if p > 0 { theme::GOLD } else { theme::TEXT_DIM }),
                            ));
                        } else {
                            dice_left(c, game, r.team, team.color, fonts, v.labels);
                        }
                    });
                }
            });
    });
}

/// The dice a team has left this round as filled squares, the placed ones hollow.
fn dice_left(c: &mut ChildSpawnerCommands, game: &Match, team: usize, color: Color, fonts: &UiFonts, labels: &Labels) {
    let left = usize::from(game.dice_left()[team]);
    let total = usize::from(game.setup().dice_per_team);
    c.spawn(Node {
        column_gap: px(5),
        align_items: AlignItems::Center,
        ..default()
    })
    .with_children(|row| {
        for i in 0..total {
            let filled = i < left;
            row.spawn((
                Node {
                    width: px(15),
                    height: px(15),
                    border: UiRect::all(px(2)),
                    border_radius: BorderRadius::all(px(3)),
                    ..default()
                },
                BackgroundColor(if filled { color } else { Color::NONE }),
                BorderColor::all(if filled { color } else { color.with_alpha(0.45) }),
            ));
        }
        row.spawn((
            Text::new(labels.both_with("casino-dice-left", &[("count", left.into())])),
            fonts.text(18.0, theme::TEXT_DIM),
        ));
    });
}

fn podium(ui: &mut ChildSpawnerCommands, v: &View) {
    let View { game, teams, l, fonts, .. } = *v;
    let ranking = game.ranking();
    let area = Rect2::new(
        l.header.x,
        l.header.y + l.header.h + 20.0,
        l.header.w,
        l.footer.y - l.header.y - l.header.h - 40.0,
    );
    let mut node = at(area);
    node.flex_direction = FlexDirection::Column;
    node.align_items = AlignItems::Center;
    node.justify_content = JustifyContent::Center;
    node.row_gap = px(26);
    ui.spawn(node).with_children(|col| {
        col.spawn(Node {
            align_items: AlignItems::FlexEnd,
            column_gap: px(24),
            ..default()
        })
        .with_children(|row| {
            // Second, first, third.
            for (slot, height) in [(1usize, 230.0), (0, 320.0), (2, 160.0)] {
                let Some(r) = ranking.get(slot) else { continue };
                let team = &teams[r.team];
                let width = if l.portrait { 300.0 } else { 360.0 };
                row.spawn(Node {
                    flex_direction: FlexDirection::Column,
                    align_items: AlignItems::Center,
                    row_gap: px(8),
                    width: px(width),
                    ..default()
                })
                .with_children(|c| {
                    c.spawn((Text::new(ellipsize(&team.name, 14)), fonts.bold(40.0, team.color)));
                    c.spawn((Text::new(money(r.money)), fonts.bold(44.0, theme::GOLD)));
                    c.spawn((
                        Text::new(if r.cards == 1 {
                            "1 card".to_string()
                        } else {
                            format!("{} cards", r.cards)
                        }),
                        fonts.text(22.0, theme::TEXT_DIM),
                    ));
                    c.spawn((
                        Node {
                            width: percent(100),
                            height: px(height),
                            justify_content: JustifyContent::Center,
                            padding: UiRect::top(px(14)),
                            border_radius: BorderRadius::top(px(14)),
                            ..default()
                        },
                        BackgroundColor(team.color),
                    ))
                    .with_child((Text::new(format!("{}", r.place)), fonts.bold(110.0, theme::NIGHT)));
                });
            }
        });
        if ranking.len() > 3 {
            col.spawn(Node {
                column_gap: px(40),
                flex_wrap: FlexWrap::Wrap,
                justify_content: JustifyContent::Center,
                ..default()
            })
            .with_children(|row| {
                for r in &ranking[3..] {
                    let team = &teams[r.team];
                    row.spawn(Node {
                        column_gap: px(12),
                        align_items: AlignItems::Baseline,
                        ..default()
                    })
                    .with_children(|line| {
                        line.spawn((Text::new(format!("{}", r.place)), fonts.bold(30.0, theme::TEXT_DIM)));
                        line.spawn((Text::new(ellipsize(&team.name, 14)), fonts.bold(30.0, team.color)));
                        line.spawn((Text::new(money(r.money)), fonts.bold(30.0, theme::TEXT)));
                    });
                }
            });
        }
    });
}

fn footer(ui: &mut ChildSpawnerCommands, v: &View, board: &CasinoBoard, entry: &Entry, kiosk_entry: bool) {
    let View { game, teams, l, fonts, .. } = *v;
    let mut node = at(l.footer);
    node.flex_direction = FlexDirection::Column;
    node.justify_content = JustifyContent::Center;
    node.row_gap = px(4);
    ui.spawn(node).with_children(|col| {
        if let Some(error) = &board.error {
            col.spawn((
                Text::new(format!(
                    "⚠ {}",
                    v.labels.text_with("casino-replay-failed", &[("error", error.into())])
                )),
                fonts.bold(22.0, theme::OFFLINE),
            ));
        }
        if !kiosk_entry {
            col.spawn((
                Text::new(v.labels.both_with("casino-console-entry", &[])),
                fonts.text(20.0, theme::TEXT_DIM),
            ));
            return;
        }
        col.spawn(Node {
            column_gap: px(16),
            align_items: AlignItems::Baseline,
            flex_wrap: FlexWrap::Wrap,
            ..default()
        })
        .with_children(|row| {
            if let Some(turn) = game.turn() {
                row.spawn((Text::new(v.labels.heading("casino-enter-roll")), fonts.bold(22.0, theme::GOLD)));
                let left = usize::from(game.dice_left()[turn]);
                let mut dice: Vec<String> = entry.rolled.iter().map(u8::to_string).collect();
                dice.extend(std::iter::repeat_n("_".to_string(), left.saturating_sub(entry.rolled.len())));
                row.spawn((
                    Text::new(format!("{}: {}", ellipsize(&teams[turn].name, 16), dice.join(" "))),
                    fonts.bold(26.0, teams[turn].color),
                ));
                let hint = if entry.picking_face {
                    "casino-keys-face"
                } else {
                    "casino-keys-dice"
                };
                row.spawn((Text::new(v.labels.text(hint)), fonts.text(20.0, theme::TEXT_DIM)));
            } else {
                row.spawn((Text::new(v.labels.heading("casino-match-over")), fonts.bold(22.0, theme::GOLD)));
                row.spawn((Text::new(v.labels.text("casino-keys-undo")), fonts.text(20.0, theme::TEXT_DIM)));
            }
            if let Some(note) = &entry.note {
                row.spawn((
                    Text::new(note.text(v.labels)),
                    fonts.bold(22.0, if note.refused() { theme::OFFLINE } else { theme::ONLINE }),
                ));
            }
        });
    });
}

/// Each won card eases from its casino to its winner's standings card, shrinking as it lands,
/// then is gone (the standings already count it).
fn fly_cards(
    mut commands: Commands,
    time: Res<Time<Real>>,
    mut cards: Query<(Entity, &FlyingCard, &mut Node, &mut UiTransform)>,
    targets: Query<(&StandingsCard, &UiGlobalTransform, &ComputedNode)>,
) {
    let now = time.elapsed_secs_f64();
    for (entity, card, mut node, mut transform) in &mut cards {
        let u = ((now - card.start_s) / FLY_S).clamp(0.0, 1.0) as f32;
        if u <= 0.0 {
            continue;
        }
        if u >= 1.0 {
            commands.entity(entity).despawn();
            continue;
        }
        let Some((_, at, computed)) = targets.iter().find(|(t, ..)| t.0 == card.team) else {
            continue;
        };
        let px_of = |v: Val| if let Val::Px(p) = v { p } else { 0.0 };
        let size = Vec2::new(px_of(node.width), px_of(node.height));
        let target = at.translation * computed.inverse_scale_factor() - size / 2.0;
        let ease = 1.0 - (1.0 - u).powi(3);
        // A little arc on the way.
        let arc = (u * std::f32::consts::PI).sin();
        let p = card.from.lerp(target, ease) - Vec2::Y * arc * 60.0;
        node.left = px(p.x);
        node.top = px(p.y);
        transform.scale = Vec2::splat(1.0 + 0.25 * arc - 0.5 * ease * ease);
    }
}
