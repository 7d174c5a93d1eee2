//! The game's text and panels over the 3D stage: the lobby, the round banner, the countdown, each
//! team's card under its net (key, live judgement, points), the leaderboard with what the next
//! round is worth, the podium, and the calibration pulse. Rebuilt only when what it shows changes.

use bevy::prelude::*;

use super::input::key_label;
use super::{Game, GameClock, LiveOutcomes};
use crate::feed::FeedState;
use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::shell::i18n::Labels;
use crate::shell::ui::{UiFonts, UiRoot, ellipsize, hex_color, theme};
use venue_contract::wire::{BetState, GameData};
use venue_rules::attend::bet_shares;
use venue_rules::game::judge::Judgement;
use venue_rules::game::session::{CalibrationOutcome, GameSession, Phase};

#[derive(Component)]
struct HudRoot;

/// The PAUSED sign: as large as the countdown's digits.
const PAUSED_SIZE: f32 = 180.0;

/// The calibration pulse: its size follows the beat every frame.
#[derive(Component)]
struct PulseDisk {
    started_ms: f64,
}

pub fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::CubeGame), spawn_root).add_systems(
        Update,
        (rebuild, pulse)
            .chain()
            .run_if(in_state(Screen::CubeGame))
            .in_set(AppSystems::Present),
    );
}

fn spawn_root(mut commands: Commands, config: Option<Res<crate::config::Config>>) {
    let (x, y) = crate::shell::display::overscan_px(config.as_deref());
    commands.spawn((
        Name::new("Cube game HUD"),
        HudRoot,
        DespawnOnExit(Screen::CubeGame),
        Node {
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            justify_content: JustifyContent::FlexStart,
            padding: UiRect::axes(px(48.0 + x), px(32.0 + y)),
            row_gap: px(14),
            ..default()
        },
    ));
}

/// Everything the HUD shows that can change; the HUD is rebuilt when this does.
#[derive(Debug, Clone, PartialEq, Default)]
struct Shown {
    phase: String,
    countdown: i64,
    live: Vec<(i64, Option<(Judgement, i64)>)>,
    totals: Vec<i64>,
    problem: Option<String>,
    calibration: i64,
    sound_latency: i64,
    calibration_note: Option<String>,
    new_game_pending: bool,
    bets: Option<RoomBets>,
}

/// How the room bet on the round at stake (contract 1.1: the server counts the attendees' bets
/// from their handbook pages), for the line above the operator's footer.
#[derive(Debug, Clone, PartialEq)]
struct RoomBets {
    state: BetState,
    total: u32,
    /// (team index, bets, whole percent) in team order; the percentages add up to 100.
    teams: Vec<(usize, u32, u32)>,
}

/// The round at stake: the next one on the lobby and the standings, the starting one in the
/// countdown. Nothing while a round plays (bets are closed and the hall watches the nets).
fn room_bets(data: Option<&GameData>, s: &GameSession) -> Option<RoomBets> {
    let round = match s.phase {
        Phase::Countdown { round, .. } => Some(round),
        Phase::Lobby | Phase::Leaderboard { .. } => s.board.next_round(),
        _ => None,
    }?;
    let index = s.rounds.get(round)?.index;
    let bets = data?.bets.iter().find(|b| b.round == index)?;
    let counts: Vec<u32> = s.teams.iter().map(|t| bets.bets.get(&t.id).copied().unwrap_or(0)).collect();
    let total: u32 = counts.iter().sum();
    if total == 0 && bets.state != BetState::Open {
        return None;
    }
    let shares = bet_shares(&counts);
    Some(RoomBets {
        state: bets.state,
        total,
        teams: counts.into_iter().zip(shares).enumerate().map(|(i, (n, p))| (i, n, p)).collect(),
    })
}

fn phase_key(phase: &Phase) -> String {
    match phase {
        Phase::Lobby => "lobby".into(),
        Phase::Calibrating { started_ms, samples, .. } => format!("cal{started_ms}-{}", samples.len()),
        Phase::Countdown { round, .. } => format!("count{round}"),
        Phase::Playing { round, started_ms } => format!("play{round}-{started_ms}"),
        Phase::Paused { round, .. } => format!("paused{round}"),
        Phase::Folding { round, .. } => format!("fold{round}"),
        Phase::Leaderboard { round } => format!("board{round}"),
        Phase::Podium => "podium".into(),
    }
}

fn shown(game: &Game, live: &LiveOutcomes, feed: &FeedState, labels: &Labels, now: f64) -> Shown {
    let s = &game.session;
    let live = match s.phase {
        Phase::Playing { .. } => live
            .outcomes
            .iter()
            .map(|o| {
                let last = o
                    .targets
                    .iter()
                    .filter(|x| x.press.is_some())
                    .max_by(|a, b| a.target_ms.total_cmp(&b.target_ms))
                    .map(|x| (x.judgement, x.offset_ms.unwrap_or(0.0).round() as i64));
                (o.points, last)
            })
            .collect(),
        _ => Vec::new(),
    };
    Shown {
        phase: phase_key(&s.phase),
        countdown: match s.phase {
            Phase::Countdown { until_ms, .. } => ((until_ms - now) / 1000.0).ceil() as i64,
            _ => 0,
        },
        live,
        totals: s.teams.iter().map(|t| s.board.total(&t.id).unwrap_or(0)).collect(),
        problem: game.post_problem.as_ref().map(|p| p.text(labels)),
        calibration: s.calibration_ms.round() as i64,
        sound_latency: s.sound_latency_ms.round() as i64,
        calibration_note: calibration_note(s, labels).map(|(text, _)| text),
        new_game_pending: s.new_game_pending(now),
        bets: room_bets(feed.game.as_deref(), s),
    }
}

/// How the last calibration ended, shown on the lobby or the standings it returned to.
fn calibration_note(s: &GameSession, labels: &Labels) -> Option<(String, Color)> {
    let note = s.last_calibration?;
    if note.by_ear {
        return Some(match note.outcome {
            CalibrationOutcome::Set { offset_ms, taps } => (
                labels.text_with(
                    "game-by-ear-set",
                    &[("taps", taps.into()), ("ms", (offset_ms.round() as i64).into())],
                ),
                theme::ONLINE,
            ),
            CalibrationOutcome::TooFewTaps { taps, needed, kept_ms } => (
                labels.text_with(
                    "game-by-ear-failed",
                    &[
                        ("taps", taps.into()),
                        ("needed", needed.into()),
                        ("ms", (kept_ms.round() as i64).into()),
                    ],
                ),
                theme::STALE,
            ),
        });
    }
    Some(match note.outcome {
        CalibrationOutcome::Set { offset_ms, taps } => (
            labels.text_with(
                "game-calibrated",
                &[("taps", taps.into()), ("offset", (&format!("{offset_ms:+.0}")).into())],
            ),
            theme::ONLINE,
        ),
        CalibrationOutcome::TooFewTaps { taps, needed, kept_ms } => (
            labels.text_with(
                "game-calibration-failed",
                &[
                    ("taps", taps.into()),
                    ("needed", needed.into()),
                    ("kept", (&format!("{kept_ms:+.0}")).into()),
                ],
            ),
            theme::STALE,
        ),
    })
}

/// The operator's keys for the phase on screen: only what works now.
fn operator_hint(s: &GameSession, now: f64, labels: &Labels) -> String {
    let keys = match &s.phase {
        Phase::Lobby => "game-keys-lobby",
        Phase::Calibrating { return_to, .. } => match **return_to {
            Phase::Leaderboard { .. } => "game-keys-calibrating-standings",
            _ => "game-keys-calibrating-lobby",
        },
        Phase::Countdown { .. } | Phase::Playing { .. } => "game-keys-playing",
        Phase::Paused { .. } => "game-keys-paused",
        Phase::Folding { .. } => "game-keys-folding",
        Phase::Leaderboard { .. } => "game-keys-standings",
        Phase::Podium if s.new_game_pending(now) => "game-keys-new-game-pending",
        Phase::Podium => "game-keys-podium",
    };
    let by_ear = if matches!(s.phase, Phase::Lobby | Phase::Leaderboard { .. }) {
        format!(" · {}", labels.text("game-by-ear-key"))
    } else {
        String::new()
    };
    let latency = labels.text_with("game-latency", &[("ms", (&format!("{:.0}", s.calibration_ms)).into())]);
    let sound = labels.text_with("game-sound-early", &[("ms", (s.sound_latency_ms.round() as i64).into())]);
    format!("{}{by_ear} · {latency} · {sound}", labels.text(keys))
}

/// How far off a team's last hit was, in words the hall reads: EARLY 24 ms, LATE 41 ms, ON TIME.
fn timing_label(labels: &Labels, offset_ms: f64) -> (String, Color) {
    let ms = offset_ms.round() as i64;
    match ms {
        0 => (labels.text("game-on-time"), theme::GOLD),
        ..0 => (labels.text_with("game-early", &[("ms", (-ms).into())]), EARLY),
        _ => (labels.text_with("game-late", &[("ms", ms.into())]), LATE),
    }
}

/// EARLY in a cool blue, LATE in a warm orange: which way to correct, at a glance.
const EARLY: Color = Color::srgb(0.47, 0.82, 1.0);
const LATE: Color = Color::srgb(1.0, 0.6, 0.28);

fn rebuild(
    mut commands: Commands,
    game: Option<Res<Game>>,
    (live, feed): (Res<LiveOutcomes>, Res<FeedState>),
    (fonts, labels): (Res<UiFonts>, Res<Labels>),
    clock: GameClock,
    root: UiRoot<HudRoot>,
    mut last: Local<Option<Shown>>,
) {
    let root_spawned = root.just_spawned();
    let Some(root) = root.entity() else { return };
    let now = clock.now_ms();
    let current = game.as_deref().map(|g| shown(g, &live, &feed, &labels, now));
    if *last == current && !root_spawned && last.is_some() && !labels.is_changed() {
        return;
    }
    *last = current;
    commands.entity(root).despawn_children();
    commands.entity(root).with_children(|ui| {
        let Some(game) = game.as_deref() else {
            ui.spawn((Text::new(labels.heading("game-heading")), fonts.bold(64.0, theme::TEXT)));
            ui.spawn((Text::new(labels.both_with("game-waiting", &[])), fonts.text(32.0, theme::TEXT_DIM)));
            return;
        };
        let s = &game.session;
        match &s.phase {
            Phase::Lobby => lobby(ui, s, &fonts, &labels),
            Phase::Calibrating {
                started_ms,
                samples,
                by_ear,
                ..
            } => calibration(ui, (*started_ms, *by_ear), samples, &fonts, &labels),
            Phase::Countdown { round, until_ms } => {
                banner(ui, s, *round, &labels.text("game-get-ready"), &fonts, &labels);
                let n = ((until_ms - now) / 1000.0).ceil().max(1.0);
                ui.spawn(Node {
                    justify_content: JustifyContent::Center,
                    ..default()
                })
                .with_child((Text::new(format!("{n}")), fonts.bold(220.0, theme::GOLD)));
                team_cards(ui, s, None, &fonts, &labels);
            }
            Phase::Playing { round, .. } => {
                banner(ui, s, *round, &labels.text("game-hit-your-key"), &fonts, &labels);
                team_cards(ui, s, Some(&live), &fonts, &labels);
            }
            Phase::Paused { round, .. } => {
                let paused = format!("{} — {}", labels.heading("game-paused"), labels.text("game-paused-resume"));
                banner(ui, s, *round, &paused, &fonts, &labels);
                // Large, where the countdown was: the hall must see why nothing moves.
                ui.spawn(Node {
                    flex_direction: FlexDirection::Column,
                    align_items: AlignItems::Center,
                    ..default()
                })
                .with_children(|col| {
                    col.spawn((Text::new(labels.text("game-paused")), fonts.bold(PAUSED_SIZE, theme::GOLD)));
                    if let Some(second) = labels.second_text("game-paused") {
                        col.spawn((Text::new(second), fonts.bold(56.0, theme::TEXT)));
                    }
                });
                team_cards(ui, s, None, &fonts, &labels);
            }
            Phase::Folding { round, .. } => {
                banner(ui, s, *round, &labels.heading("game-round-complete"), &fonts, &labels);
                team_cards(ui, s, None, &fonts, &labels);
            }
            Phase::Leaderboard { round } => leaderboard(ui, s, *round, &fonts, &labels),
            Phase::Podium => podium(ui, s, &fonts, &labels),
        }
        if let Some(bets) = last.as_ref().and_then(|c| c.bets.as_ref()) {
            room_bets_row(ui, s, bets, &fonts, &labels);
        }
        if matches!(s.phase, Phase::Lobby | Phase::Leaderboard { .. })
            && let Some((note, color)) = calibration_note(s, &labels)
        {
            ui.spawn((Text::new(note), fonts.bold(28.0, color)));
        }
        let mut footer = operator_hint(s, now, &labels);
        if let Some(problem) = &game.post_problem {
            footer = format!("{} · {footer}", problem.text(&labels));
        }
        ui.spawn((Text::new(footer), fonts.text(20.0, theme::TEXT_DIM)));
    });
}

/// The room's bets as one stacked bar in the teams' colours with each share named under it, big
/// enough to read from the back of the hall.
fn room_bets_row(ui: &mut ChildSpawnerCommands, s: &GameSession, bets: &RoomBets, fonts: &UiFonts, labels: &Labels) {
    let state = labels.both_with(
        match bets.state {
            BetState::Open => "bets-open",
            BetState::Closed | BetState::Settled => "bets-closed",
        },
        &[],
    );
    let count = labels.text_with("bets-count", &[("count", bets.total.into())]);
    ui.spawn((
        Node {
            flex_direction: FlexDirection::Column,
            align_self: AlignSelf::Center,
            row_gap: px(8),
            padding: UiRect::axes(px(22), px(12)),
            width: px(1100),
            border_radius: BorderRadius::all(px(14)),
            ..default()
        },
        BackgroundColor(theme::PANEL),
    ))
    .with_children(|panel| {
        panel
            .spawn(Node {
                column_gap: px(18),
                align_items: AlignItems::Baseline,
                ..default()
            })
            .with_children(|row| {
                row.spawn((
                    Node {
                        flex_shrink: 0.0,
                        ..default()
                    },
                    children![(Text::new(labels.heading("bets-heading")), fonts.bold(28.0, theme::GOLD))],
                ));
                row.spawn((Text::new(format!("{count} · {state}")), fonts.text(24.0, theme::TEXT_DIM)));
            });
        // The bar: one segment per team with bets, widths by share.
        panel
            .spawn((
                Node {
                    width: percent(100),
                    height: px(18),
                    border_radius: BorderRadius::all(px(9)),
                    overflow: Overflow::clip(),
                    ..default()
                },
                BackgroundColor(theme::TRACK_BG),
            ))
            .with_children(|bar| {
                for &(team, _, share) in bets.teams.iter().filter(|(_, n, _)| *n > 0) {
                    bar.spawn((
                        Node {
                            width: percent(share as f32),
                            height: percent(100),
                            ..default()
                        },
                        BackgroundColor(hex_color(&s.teams[team].color)),
                    ));
                }
            });
        panel
            .spawn(Node {
                column_gap: px(28),
                flex_wrap: FlexWrap::Wrap,
                ..default()
            })
            .with_children(|row| {
                for &(team, _, share) in &bets.teams {
                    let team = &s.teams[team];
                    row.spawn((
                        Text::new(format!("{} {share}%", ellipsize(&team.name, 16))),
                        fonts.bold(26.0, hex_color(&team.color)),
                    ));
                }
            });
        if bets.state == BetState::Open {
            panel.spawn((Text::new(labels.both_with("bets-how", &[])), fonts.text(20.0, theme::TEXT_DIM)));
        }
    });
}

fn banner(ui: &mut ChildSpawnerCommands, s: &GameSession, round: usize, hint: &str, fonts: &UiFonts, labels: &Labels) {
    let r = &s.rounds[round];
    let windows = s.rules(round).judge.windows_ms(f64::from(r.difficulty));
    ui.spawn(Node {
        flex_direction: FlexDirection::Column,
        row_gap: px(6),
        ..default()
    })
    .with_children(|col| {
        col.spawn(Node {
            column_gap: px(24),
            align_items: AlignItems::Baseline,
            ..default()
        })
        .with_children(|row| {
            row.spawn((Text::new(r.name.clone()), fonts.bold(48.0, theme::TEXT)));
            row.spawn((Text::new(weight(labels, r.weight)), fonts.bold(48.0, theme::GOLD)));
        });
        col.spawn((
            Text::new(format!(
                "{hint} · {}",
                labels.text_with(
                    "game-round-windows",
                    &[
                        ("round", (round + 1).into()),
                        ("rounds", s.rounds.len().into()),
                        ("perfect", (&format!("{:.0}", windows[0])).into()),
                        ("great", (&format!("{:.0}", windows[1])).into()),
                        ("good", (&format!("{:.0}", windows[2])).into()),
                        ("bad", (&format!("{:.0}", windows[3])).into()),
                    ],
                )
            )),
            fonts.text(24.0, theme::TEXT_DIM),
        ));
    });
}

fn judgement_label(j: Judgement) -> (&'static str, Color) {
    match j {
        Judgement::Perfect => ("PERFECT", theme::GOLD),
        Judgement::Great => ("GREAT", theme::ONLINE),
        Judgement::Good => ("GOOD", Color::srgb(0.45, 0.75, 1.0)),
        Judgement::Bad => ("BAD", theme::STALE),
        Judgement::Miss => ("MISS", theme::OFFLINE),
    }
}

/// One card per team along the bottom, under its net.
/// "×1.5 points" in the screen's language.
fn weight(labels: &Labels, weight: f32) -> String {
    labels.text_with("game-weight", &[("weight", (&format!("{weight:.1}")).into())])
}

/// "120 pts" in the screen's language.
fn points(labels: &Labels, points: impl Into<i64>) -> String {
    labels.text_with("game-points", &[("points", points.into().into())])
}

fn team_cards(ui: &mut ChildSpawnerCommands, s: &GameSession, live: Option<&LiveOutcomes>, fonts: &UiFonts, labels: &Labels) {
    let outcomes: Vec<_> = match (&s.phase, live) {
        (Phase::Playing { .. }, Some(live)) => (0..s.teams.len()).map(|t| live.get(t).cloned()).collect(),
        (Phase::Folding { .. }, _) => s.last_outcomes.iter().cloned().map(Some).collect(),
        _ => vec![None; s.teams.len()],
    };
    let compact = s.teams.len() > 4;
    ui.spawn(Node {
        width: percent(100),
        justify_content: JustifyContent::SpaceAround,
        column_gap: px(16),
        // Under the nets, just above the operator line.
        margin: UiRect::top(Val::Auto),
        ..default()
    })
    .with_children(|row| {
        for (team, outcome) in s.teams.iter().zip(outcomes) {
            let color = hex_color(&team.color);
            row.spawn((
                Node {
                    flex_direction: FlexDirection::Column,
                    align_items: AlignItems::Center,
                    padding: UiRect::axes(px(18), px(12)),
                    min_width: px(if compact { 180.0 } else { 330.0 }),
                    border: UiRect::top(px(6)),
                    border_radius: BorderRadius::all(px(14)),
                    ..default()
                },
                BorderColor::all(color),
                BackgroundColor(theme::PANEL),
            ))
            .with_children(|card| {
                card.spawn((
                    Text::new(ellipsize(&team.name, 18)),
                    fonts.bold(if compact { 24.0 } else { 34.0 }, color),
                ));
                card.spawn((
                    Text::new(format!("[ {} ]", key_label(&team.key))),
                    fonts.bold(if compact { 22.0 } else { 30.0 }, theme::TEXT),
                ));
                let total = s.board.total(&team.id).unwrap_or(0);
                match outcome {
                    Some(o) => {
                        if let Some(last) = o
                            .targets
                            .iter()
                            .filter(|t| t.press.is_some())
                            .max_by(|a, b| a.target_ms.total_cmp(&b.target_ms))
                        {
                            // The tier, and which way and how far off it was: the points lost.
                            let (label, c) = judgement_label(last.judgement);
                            card.spawn((Text::new(label), fonts.bold(if compact { 24.0 } else { 30.0 }, c)));
                            let (timing, c) = timing_label(labels, last.offset_ms.unwrap_or(0.0));
                            card.spawn((Text::new(timing), fonts.bold(if compact { 26.0 } else { 34.0 }, c)));
                        }
                        // Mashing costs points: a round can be negative ("-600", never "+-600").
                        card.spawn((
                            Text::new(labels.text_with("game-round-points", &[("points", (&format!("{:+}", o.points)).into())])),
                            fonts.text(24.0, theme::TEXT),
                        ));
                    }
                    None => {
                        card.spawn((Text::new(points(labels, total)), fonts.bold(30.0, theme::TEXT)));
                    }
                }
            });
        }
    });
}

fn lobby(ui: &mut ChildSpawnerCommands, s: &GameSession, fonts: &UiFonts, labels: &Labels) {
    ui.spawn(Node {
        flex_direction: FlexDirection::Column,
        row_gap: px(10),
        ..default()
    })
    .with_children(|col| {
        col.spawn((Text::new(labels.heading("game-heading")), fonts.bold(64.0, theme::TEXT)));
        col.spawn((
            Text::new(labels.text_with(
                "game-lobby-intro",
                &[("teams", s.teams.len().into()), ("rounds", s.rounds.len().into())],
            )),
            fonts.text(28.0, theme::TEXT_DIM),
        ));
        col.spawn(Node {
            column_gap: px(16),
            margin: UiRect::top(px(8)),
            ..default()
        })
        .with_children(|row| {
            for r in &s.rounds {
                row.spawn((
                    Node {
                        flex_direction: FlexDirection::Column,
                        padding: UiRect::all(px(14)),
                        border_radius: BorderRadius::all(px(12)),
                        width: px(300),
                        ..default()
                    },
                    BackgroundColor(theme::PANEL),
                ))
                .with_children(|c| {
                    c.spawn((Text::new(r.name.clone()), fonts.bold(24.0, theme::TEXT)));
                    c.spawn((Text::new(weight(labels, r.weight)), fonts.bold(32.0, theme::GOLD)));
                    c.spawn((
                        Text::new(labels.text_with(
                            "game-round-pieces",
                            &[("pieces", r.pieces.into()), ("speed", (&format!("{:.1}", r.speed)).into())],
                        )),
                        fonts.text(20.0, theme::TEXT_DIM),
                    ));
                });
            }
        });
        col.spawn((Text::new(labels.text("game-lobby-start")), fonts.bold(26.0, theme::GOLD)));
    });
    team_cards(ui, s, None, fonts, labels);
}

/// The calibration: by sight, a pulse to tap along with; by ear, nothing on screen but how it goes.
fn calibration(ui: &mut ChildSpawnerCommands, (started_ms, by_ear): (f64, bool), samples: &[f64], fonts: &UiFonts, labels: &Labels) {
    ui.spawn(Node {
        flex_direction: FlexDirection::Column,
        row_gap: px(10),
        ..default()
    })
    .with_children(|col| {
        if by_ear {
            col.spawn((Text::new(labels.heading("game-calibration-by-ear")), fonts.bold(56.0, theme::TEXT)));
            col.spawn((Text::new(labels.text("game-by-ear-how")), fonts.text(28.0, theme::TEXT_DIM)));
        } else {
            col.spawn((Text::new(labels.heading("game-calibration")), fonts.bold(56.0, theme::TEXT)));
            col.spawn((Text::new(labels.text("game-calibration-how")), fonts.text(28.0, theme::TEXT_DIM)));
        }
    });
    ui.spawn(Node {
        justify_content: JustifyContent::Center,
        align_items: AlignItems::Center,
        height: px(360),
        ..default()
    })
    .with_children(|stage| {
        if !by_ear {
            stage.spawn((
                PulseDisk { started_ms },
                Node {
                    width: px(160),
                    height: px(160),
                    border_radius: BorderRadius::all(percent(50)),
                    ..default()
                },
                BackgroundColor(theme::GOLD),
            ));
        }
    });
    let median = match venue_rules::game::judge::calibration_offset(samples) {
        Some(offset) => labels.text_with("game-calibration-median", &[("ms", (&format!("{offset:+.0}")).into())]),
        None => labels.text_with(
            "game-calibration-needs",
            &[("count", venue_rules::game::judge::CALIBRATION_MIN_SAMPLES.into())],
        ),
    };
    ui.spawn((
        Text::new(labels.text_with(
            "game-calibration-taps",
            &[
                ("taps", samples.len().into()),
                ("beats", venue_rules::game::session::BEATS.into()),
                ("median", (&median).into()),
            ],
        )),
        fonts.bold(32.0, theme::TEXT),
    ));
}

/// The pulse flashes large on each beat and shrinks until the next.
fn pulse(game: Option<Res<Game>>, clock: GameClock, mut disks: Query<(&PulseDisk, &mut Node)>) {
    let Some(_) = game else { return };
    let now = clock.now_ms();
    for (disk, mut node) in &mut disks {
        let since = GameSession::beats(disk.started_ms)
            .filter(|b| *b <= now)
            .last()
            .map_or(f64::INFINITY, |b| now - b);
        let size = 160.0 + 160.0 * (-since / 180.0).exp() as f32;
        let size = px(size);
        if node.width != size {
            node.width = size;
            node.height = size;
        }
    }
}

fn leaderboard(ui: &mut ChildSpawnerCommands, s: &GameSession, round: usize, fonts: &UiFonts, labels: &Labels) {
    ui.spawn((
        Text::new(format!(
            "{} — {}",
            labels.heading("standings-heading"),
            labels.text_with("game-after-round", &[("round", (&s.rounds[round].name).into())])
        )),
        fonts.bold(48.0, theme::TEXT),
    ));
    ui.spawn(Node {
        flex_direction: FlexDirection::Column,
        align_self: AlignSelf::Center,
        row_gap: px(10),
        padding: UiRect::all(px(24)),
        width: px(1100),
        border_radius: BorderRadius::all(px(18)),
        // Below the turning cubes.
        margin: UiRect::top(Val::Auto),
        ..default()
    })
    .insert(BackgroundColor(theme::PANEL_FOCUS))
    .with_children(|panel| {
        for standing in s.board.standings() {
            let Some(team) = s.teams.iter().find(|t| t.id == standing.team_id) else {
                continue;
            };
            let color = hex_color(&team.color);
            let gained = s.board.round_points(&team.id, round).unwrap_or(0);
            panel
                .spawn(Node {
                    column_gap: px(28),
                    align_items: AlignItems::Center,
                    ..default()
                })
                .with_children(|row| {
                    row.spawn((
                        Node {
                            width: px(70),
                            ..default()
                        },
                        children![(Text::new(format!("{}", standing.rank)), fonts.bold(44.0, theme::GOLD))],
                    ));
                    row.spawn((
                        Node {
                            width: px(520),
                            ..default()
                        },
                        children![(Text::new(ellipsize(&team.name, 24)), fonts.bold(40.0, color))],
                    ));
                    row.spawn((
                        Node {
                            width: px(220),
                            ..default()
                        },
                        children![(Text::new(format!("{gained:+}")), fonts.text(34.0, theme::TEXT_DIM))],
                    ));
                    row.spawn((Text::new(format!("{}", standing.total)), fonts.bold(44.0, theme::TEXT)));
                });
        }
    });
    let next = match s.board.next_round() {
        Some(next) => {
            let r = &s.rounds[next];
            let targets = r.pieces as usize;
            labels.text_with(
                "game-next-round",
                &[
                    ("round", (&r.name).into()),
                    ("weight", (&format!("{:.1}", r.weight)).into()),
                    ("points", s.rules(next).max_round_points(targets).into()),
                ],
            )
        }
        None => labels.text("game-final-round-done"),
    };
    ui.spawn((Text::new(next), fonts.bold(34.0, theme::GOLD)));
}

fn podium(ui: &mut ChildSpawnerCommands, s: &GameSession, fonts: &UiFonts, labels: &Labels) {
    ui.spawn((Text::new(labels.heading("podium-heading")), fonts.bold(64.0, theme::GOLD)));
    // Places by the true totals, points never shown below 0 (README, "The cube game").
    let standings = s.board.podium();
    ui.spawn(Node {
        justify_content: JustifyContent::Center,
        align_items: AlignItems::FlexEnd,
        column_gap: px(24),
        height: px(560),
        ..default()
    })
    .with_children(|row| {
        // Second, first, third, as on a real podium.
        for place in [1usize, 0, 2] {
            let Some(standing) = standings.get(place) else { continue };
            let Some(team) = s.teams.iter().find(|t| t.id == standing.team_id) else {
                continue;
            };
            let color = hex_color(&team.color);
            let height = [420.0, 300.0, 220.0][place];
            row.spawn(Node {
                flex_direction: FlexDirection::Column,
                align_items: AlignItems::Center,
                row_gap: px(10),
                width: px(360),
                ..default()
            })
            .with_children(|col| {
                col.spawn((Text::new(ellipsize(&team.name, 18)), fonts.bold(40.0, color)));
                col.spawn((Text::new(points(labels, standing.shown_points)), fonts.bold(32.0, theme::TEXT)));
                col.spawn((
                    Node {
                        width: percent(100),
                        height: px(height),
                        justify_content: JustifyContent::Center,
                        padding: UiRect::top(px(18)),
                        border_radius: BorderRadius::top(px(14)),
                        ..default()
                    },
                    BackgroundColor(color.with_alpha(0.85)),
                    children![(Text::new(format!("{}", standing.rank)), fonts.bold(120.0, theme::NIGHT))],
                ));
            });
        }
    });
    if standings.len() > 3 {
        let rest: Vec<String> = standings[3..]
            .iter()
            .filter_map(|st| {
                s.teams.iter().find(|t| t.id == st.team_id).map(|t| {
                    labels.text_with(
                        "game-rest-standing",
                        &[
                            ("rank", st.rank.into()),
                            ("team", (&t.name).into()),
                            ("points", st.shown_points.into()),
                        ],
                    )
                })
            })
            .collect();
        ui.spawn((Text::new(rest.join("   ")), fonts.text(28.0, theme::TEXT_DIM)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::state::app::StatesPlugin;
    use venue_contract::wire::GameData;
    use venue_rules::game::session::COUNTDOWN_MS;

    fn sample_session() -> GameSession {
        let data: GameData = serde_json::from_slice(venue_contract::sample::body(venue_contract::payload::Endpoint::Game)).unwrap();
        GameSession::new(&data, "g".into()).unwrap()
    }

    /// The HUD's texts (with their font sizes) for a session, as the screen would show them.
    fn hud_texts(session: GameSession, live: Vec<venue_rules::game::judge::RoundOutcome>) -> Vec<(String, f32)> {
        hud_texts_with(session, live, FeedState::default())
    }

    fn hud_texts_with(session: GameSession, live: Vec<venue_rules::game::judge::RoundOutcome>, feed: FeedState) -> Vec<(String, f32)> {
        let mut app = App::new();
        app.insert_resource(feed);
        app.add_plugins((MinimalPlugins, StatesPlugin));
        app.insert_state(Screen::CubeGame);
        app.insert_resource(Labels::new(crate::shell::i18n::LabelLanguages::for_event(&[
            "en".into(),
            "ko".into(),
        ])));
        app.insert_resource(UiFonts {
            regular: Handle::default(),
            bold: Handle::default(),
        });
        app.init_resource::<super::super::GameSpeed>();
        app.insert_resource(LiveOutcomes { key: None, outcomes: live });
        app.insert_resource(Game {
            session,
            answered: Vec::new(),
            post_problem: None,
        });
        app.add_plugins(plugin);
        app.update();
        app.update();
        let mut texts = app.world_mut().query::<(&Text, &TextFont)>();
        texts
            .iter(app.world())
            .map(|(text, font)| {
                let size = match font.font_size {
                    FontSize::Px(px) => px,
                    _ => 0.0,
                };
                (text.0.clone(), size)
            })
            .collect()
    }

    fn playing(session: &mut GameSession) -> (usize, f64) {
        session.advance(0.0);
        session.tick(COUNTDOWN_MS);
        let Phase::Playing { round, started_ms } = session.phase else {
            panic!("{:?}", session.phase)
        };
        (round, started_ms)
    }

    /// Issue 20: a mashing team's card read "+-600 this round".
    #[test]
    fn a_negative_round_shows_one_sign() {
        let mut s = sample_session();
        let (round, started_ms) = playing(&mut s);
        for k in 0..3 {
            s.press(0, started_ms + 10.0 * f64::from(k));
        }
        let live: Vec<_> = (0..s.teams.len()).map(|t| s.live_outcome(t, round, started_ms)).collect();
        assert_eq!(live[0].points, -600, "three mashes at ×1");
        let texts = hud_texts(s, live);
        assert!(texts.iter().any(|(t, _)| t == "-600 this round"), "{texts:?}");
        assert!(texts.iter().any(|(t, _)| t == "+0 this round"), "{texts:?}");
        assert!(!texts.iter().any(|(t, _)| t.contains("+-")), "{texts:?}");
    }

    /// Issue 17: each team's card says how far off its last hit was, and which way: EARLY or LATE
    /// with the milliseconds, large enough to read from the hall.
    #[test]
    fn each_card_says_early_or_late_by_how_many_ms() {
        let mut s = sample_session();
        let (round, started_ms) = playing(&mut s);
        let target = s.pieces(round, started_ms)[0].target_ms;
        for (team, offset) in [(0, -24.4), (1, 41.0), (2, 0.2)] {
            s.press(team, target + offset);
        }
        let live: Vec<_> = (0..s.teams.len()).map(|t| s.live_outcome(t, round, started_ms)).collect();
        let texts = hud_texts(s, live);
        for want in ["EARLY 24 ms", "LATE 41 ms", "ON TIME"] {
            assert!(
                texts.iter().any(|(t, size)| t == want && *size >= 26.0),
                "missing {want:?} in large: {texts:?}"
            );
        }
        assert!(texts.iter().any(|(t, _)| t == "GREAT"), "the tier stays: {texts:?}");
        assert!(!texts.iter().any(|(t, _)| t.contains("EARLY") && t.contains('-')), "{texts:?}");
    }

    /// Shift+F7: nothing flashes (no pulse to follow by sight), the screen says what to do, and how
    /// it ended: the beat now plays that much early.
    #[test]
    fn the_calibration_by_ear_shows_no_pulse_and_says_how_it_ended() {
        let mut s = sample_session();
        s.start_sound_calibration(0.0);
        let texts = hud_texts(s.clone(), Vec::new());
        let all: Vec<&str> = texts.iter().map(|(t, _)| t.as_str()).collect();
        assert!(all.contains(&"CALIBRATION BY EAR · 소리 보정"), "{all:?}");
        assert!(
            all.iter().any(|t| t.starts_with("Tap your key (or SPACE) on each beat you hear")),
            "{all:?}"
        );
        assert!(!all.iter().any(|t| t.contains("circle flashes")), "{all:?}");
        for beat in GameSession::beats(0.0) {
            s.press(0, beat + 80.0);
        }
        s.tick(100_000.0);
        let texts = hud_texts(s, Vec::new());
        assert!(
            texts
                .iter()
                .any(|(t, _)| t == "Sound calibrated from 8 taps: the beat plays 80 ms early"),
            "{texts:?}"
        );
        assert!(texts.iter().any(|(t, _)| t.ends_with("sound 80 ms early")), "{texts:?}");
    }

    #[test]
    fn a_paused_round_says_so_in_large() {
        let mut s = sample_session();
        let (_, started_ms) = playing(&mut s);
        s.toggle_pause(started_ms + 500.0);
        let texts = hud_texts(s, Vec::new());
        assert!(
            texts.iter().any(|(t, size)| t == "PAUSED" && *size >= 120.0),
            "a PAUSED the hall can read: {texts:?}"
        );
    }

    /// Issue 20: an all-negative podium read "1st · −1379 pts", and its footer offered an ENTER
    /// that did nothing.
    #[test]
    fn the_podium_shows_no_negative_points_and_how_to_start_again() {
        let mut s = sample_session();
        let ids: Vec<String> = s.teams.iter().map(|t| t.id.clone()).collect();
        let rounds: Vec<Vec<(String, i64)>> = (0..s.rounds.len())
            .map(|r| {
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| (id.clone(), -100 * (i as i64 + 1) - r as i64))
                    .collect()
            })
            .collect();
        s.resume(&rounds, 0.0).unwrap();
        assert_eq!(s.phase, Phase::Podium);
        let texts = hud_texts(s, Vec::new());
        let all: Vec<&str> = texts.iter().map(|(t, _)| t.as_str()).collect();
        assert!(all.contains(&"0 pts"), "{all:?}");
        assert!(
            !all.iter().any(|t| t.contains("-1") || t.contains("−")),
            "no negative totals: {all:?}"
        );
        assert!(!all.iter().any(|t| t.contains("ENTER next")), "{all:?}");
        assert!(all.iter().any(|t| t.contains("ENTER twice: a new game")), "{all:?}");
    }

    fn feed_with_bets(state: BetState, counts: &[(&str, u32)]) -> FeedState {
        let mut data: GameData = serde_json::from_slice(venue_contract::sample::body(venue_contract::payload::Endpoint::Game)).unwrap();
        data.bets = vec![venue_contract::wire::RoundBets {
            round: data.rounds[0].index,
            state,
            bets: counts.iter().map(|(team, n)| (team.to_string(), *n)).collect(),
        }];
        let mut feed = FeedState::default();
        feed.apply(venue_contract::payload::FeedPayload::Game(data), chrono::Utc::now());
        feed
    }

    /// Issue 15: the game screen shows how the room bet on the round at stake, share per team.
    #[test]
    fn the_lobby_shows_how_the_room_bet() {
        let s = sample_session();
        let (first, second) = (s.teams[0].clone(), s.teams[1].clone());
        let feed = feed_with_bets(BetState::Open, &[(first.id.as_str(), 3), (second.id.as_str(), 1)]);
        let texts = hud_texts_with(s, Vec::new(), feed);
        let all: Vec<&str> = texts.iter().map(|(t, _)| t.as_str()).collect();
        assert!(all.contains(&"THE ROOM BETS · 관객 예측"), "{all:?}");
        assert!(all.contains(&"4 bets · open · 진행 중"), "{all:?}");
        assert!(all.contains(&format!("{} 75%", first.name).as_str()), "{all:?}");
        assert!(all.contains(&format!("{} 25%", second.name).as_str()), "{all:?}");
    }

    /// Bets on another round, or none at all on a closed round, show nothing; nor does a round in play.
    #[test]
    fn room_bets_show_only_for_the_round_at_stake() {
        let s = sample_session();
        let empty_closed = feed_with_bets(BetState::Closed, &[]);
        let texts = hud_texts_with(s, Vec::new(), empty_closed);
        assert!(!texts.iter().any(|(t, _)| t.contains("ROOM BETS")), "{texts:?}");

        let mut s = sample_session();
        let team = s.teams[0].id.clone();
        playing(&mut s);
        let texts = hud_texts_with(s, Vec::new(), feed_with_bets(BetState::Closed, &[(team.as_str(), 5)]));
        assert!(!texts.iter().any(|(t, _)| t.contains("ROOM BETS")), "{texts:?}");
    }
}
