//! The emergency takeover: while a live emergency message reaches this screen (its room and groups,
//! [`ScreenPlace`]), a deep red full-screen notice in Korean and English covers whatever screen is
//! on show, until the message expires or is deleted from the feed. Which message takes over is
//! decided by `venue_rules::broadcast`; this module only draws it.
//!
//! The screen underneath keeps running (a draw in progress finishes and is journaled), but it is
//! hidden, so screens gate their keys with [`screen_uncovered`]: nothing starts or advances unseen.
//! The operator panel (F1) stays on top and usable.

use std::hash::{Hash, Hasher};

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::text::LineHeight;
use bevy::window::PrimaryWindow;
use chrono::Utc;
use chrono_tz::Tz;

use crate::config::Config;
use crate::feed::FeedState;
use crate::frame::AppSystems;
use crate::shell::clock::VenueClock;
use crate::shell::i18n::Labels;
use crate::shell::ui::{UiFonts, UiRoot};
use venue_contract::wire::Message;
use venue_rules::broadcast::{self, Audience};

/// Where this screen is, for targeted broadcasts: its room (`schedule.room`, an id or a name) and
/// its groups (`display.groups`).
#[derive(Resource, Debug, Clone, Default)]
pub struct ScreenPlace {
    room: Option<String>,
    pub groups: Vec<String>,
}

impl ScreenPlace {
    pub fn from_config(config: &Config) -> Self {
        Self {
            room: config.schedule.room.clone(),
            groups: config.display.groups.clone(),
        }
    }

    /// The room as configured (an id or a name).
    pub fn room(&self) -> Option<&str> {
        self.room.as_deref()
    }

    /// The audience messages are matched against. Messages name rooms by id; the config may name the
    /// room, so it is looked up in the event (a room the event does not know is taken as an id).
    pub fn audience<'a>(&'a self, feed: &'a FeedState) -> Audience<'a> {
        let room = self
            .room
            .as_deref()
            .map(|wanted| feed.find_room(wanted).map_or(wanted.trim(), |r| r.id.as_str()));
        Audience {
            room,
            groups: &self.groups,
        }
    }
}

/// Whether an emergency covers the screen. Screens leave their keys alone while it does.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Emergency {
    #[default]
    Clear,
    TakingOver,
}

/// Run condition for screen input: true unless an emergency covers the screen (an app without the
/// shell, as in headless tests, is never covered).
pub fn screen_uncovered(state: Option<Res<State<Emergency>>>) -> bool {
    state.is_none_or(|s| *s.get() == Emergency::Clear)
}

/// What the takeover shows: the newest live emergency reaching this screen, then the earlier ones.
#[derive(Resource, Debug, Default)]
pub struct EmergencyNotice {
    /// Which emergencies are live here, and the feed revision: when it changes, decide again.
    key: Option<u64>,
    pub newest: Option<Message>,
    pub earlier: Vec<Message>,
}

#[derive(Component)]
struct TakeoverRoot;

pub fn plugin(app: &mut App) {
    let place = ScreenPlace::from_config(app.world().resource::<Config>());
    app.insert_resource(place)
        .init_state::<Emergency>()
        .init_resource::<EmergencyNotice>()
        .add_systems(OnEnter(Emergency::TakingOver), spawn_root)
        .add_systems(Update, follow_emergencies.in_set(AppSystems::Tick))
        .add_systems(
            Update,
            rebuild_takeover.run_if(in_state(Emergency::TakingOver)).in_set(AppSystems::Present),
        );
}

/// Every frame (messages start and expire by the venue clock): hash which emergencies are live here,
/// without allocating; only when that changes, decide what shows and whether the screen is covered.
fn follow_emergencies(
    feed: Res<FeedState>,
    clock: Res<VenueClock>,
    place: Res<ScreenPlace>,
    mut notice: ResMut<EmergencyNotice>,
    state: Res<State<Emergency>>,
    mut next: ResMut<NextState<Emergency>>,
) {
    let now = clock.now();
    let here = place.audience(&feed);
    let messages = feed.messages.as_deref().map_or(&[][..], |m| &m.messages[..]);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut any = false;
    for m in broadcast::emergencies(messages, now, here) {
        m.id.hash(&mut hasher);
        any = true;
    }
    // An edited text comes with a new feed revision; only then does the revision matter.
    if any {
        feed.revision.hash(&mut hasher);
    }
    let key = hasher.finish();
    if notice.key == Some(key) {
        return;
    }
    let takeover = broadcast::takeover(messages, now, here);
    let wanted = if takeover.is_some() {
        Emergency::TakingOver
    } else {
        Emergency::Clear
    };
    match &takeover {
        Some(t) if *state.get() == Emergency::Clear => warn!(id = %t.newest.id, "emergency takeover: {}", t.newest.text),
        None if *state.get() == Emergency::TakingOver => info!("emergency over: back to the screen"),
        _ => {}
    }
    *notice = EmergencyNotice {
        key: Some(key),
        newest: takeover.as_ref().map(|t| t.newest.clone()),
        earlier: takeover.map(|t| t.earlier.into_iter().cloned().collect()).unwrap_or_default(),
    };
    NextState::set_if_neq(&mut *next, wanted);
}

fn spawn_root(mut commands: Commands) {
    commands.spawn((
        Name::new("Emergency takeover"),
        TakeoverRoot,
        DespawnOnExit(Emergency::TakingOver),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            padding: UiRect::axes(px(PAD_X), px(PAD_Y)),
            row_gap: px(ROW_GAP),
            ..default()
        },
        BackgroundColor(colours::FIELD),
        // Above every screen and the feed indicator; the operator panel (egui) has its own camera on top.
        GlobalZIndex(1_000),
    ));
}

mod colours {
    use bevy::prelude::Color;
    /// Deep red: white on it is about 10:1, readable from the back of a hall.
    pub const FIELD: Color = Color::srgb(0.60, 0.02, 0.05);
    pub const TEXT: Color = Color::WHITE;
    pub const SOFT: Color = Color::srgb(1.0, 0.86, 0.86);
}

const PAD_X: f32 = 96.0;
const PAD_Y: f32 = 64.0;
const ROW_GAP: f32 = 40.0;
const HEADING_PX: f32 = 96.0;
/// Heading band, the issue line and the gaps between them, in UI pixels.
const RESERVED_PX: f32 = HEADING_PX * 1.2 + 2.0 * 24.0 + 36.0 * 1.2 + 2.0 * ROW_GAP;
const EARLIER_PX: f32 = 40.0;
/// Earlier emergencies shown under the newest; more are counted.
const EARLIER_SHOWN: usize = 2;

/// The window's size in UI pixels: the UI scale follows the window (1920×1080 designs).
#[derive(SystemParam)]
struct UiScreen<'w, 's> {
    window: Query<'w, 's, &'static Window, With<PrimaryWindow>>,
    scale: Res<'w, UiScale>,
}

impl UiScreen<'_, '_> {
    fn size(&self) -> (f32, f32) {
        let scale = self.scale.0.max(0.01);
        self.window
            .single()
            .map_or((1920.0, 1080.0), |w| (w.width() / scale, w.height() / scale))
    }
}

fn rebuild_takeover(
    mut commands: Commands,
    notice: Res<EmergencyNotice>,
    takeover_root: UiRoot<TakeoverRoot>,
    (fonts, labels): (Res<UiFonts>, Res<Labels>),
    feed: Res<FeedState>,
    screen: UiScreen,
    mut built_for: Local<Option<(f32, f32)>>,
) {
    let Some(root) = takeover_root.entity() else { return };
    let (width, height) = screen.size();
    let resized = *built_for != Some((width, height));
    if !(takeover_root.just_spawned() || notice.is_changed() || resized || labels.is_changed()) {
        return;
    }
    *built_for = Some((width, height));
    let Some(newest) = &notice.newest else { return };
    let earlier_lines = notice.earlier.len().min(EARLIER_SHOWN) + usize::from(notice.earlier.len() > EARLIER_SHOWN);
    let text_box = (
        (width - 2.0 * PAD_X).max(200.0),
        (height - 2.0 * PAD_Y - RESERVED_PX - earlier_lines as f32 * (EARLIER_PX * 1.3 + ROW_GAP)).max(120.0),
    );
    let (size, text) = fit_text(&newest.text, text_box);
    let tz: Tz = feed.event_info().and_then(|e| e.time_zone.parse().ok()).unwrap_or(Tz::UTC);
    let issued = newest.starts.with_timezone(&Utc).with_timezone(&tz).format("%H:%M").to_string();
    commands.entity(root).despawn_children().with_children(|ui| {
        ui.spawn((
            Node {
                padding: UiRect::axes(px(48), px(24)),
                border_radius: BorderRadius::all(px(20)),
                ..default()
            },
            BackgroundColor(colours::TEXT),
        ))
        .with_child((
            Text::new(format!("⚠ {}", labels.heading("emergency-heading"))),
            fonts.bold(HEADING_PX, colours::FIELD),
        ));
        keep_all(ui, &text, || fonts.bold(size, colours::TEXT), size);
        // One line each: cut to what fits the width at their size.
        let earlier_ems = text_box.0 / EARLIER_PX * 0.95;
        for m in notice.earlier.iter().take(EARLIER_SHOWN) {
            ui.spawn((
                Text::new(cut_to_ems(&format!("+ {}", m.text), earlier_ems)),
                fonts.text(EARLIER_PX, colours::SOFT),
            ));
        }
        if notice.earlier.len() > EARLIER_SHOWN {
            ui.spawn((
                Text::new(labels.both_with("emergency-more", &[("count", (notice.earlier.len() - EARLIER_SHOWN).into())])),
                fonts.text(EARLIER_PX, colours::SOFT),
            ));
        }
        ui.spawn((
            // Safety first: every language the screen speaks, not only the main one.
            Text::new(labels.both_with("emergency-issued", &[("time", (&issued).into())])),
            fonts.text(36.0, colours::SOFT),
            TextLayout::justify(Justify::Center),
        ));
    });
}

/// Korean keeps its words whole (CSS `word-break: keep-all`): text layout would break a line between
/// any two Hangul syllables, mid-word, so each word is an item of a wrapping, centred row and lines
/// break only at spaces. A word wider than the screen still wraps inside itself.
fn keep_all(parent: &mut ChildSpawnerCommands, text: &str, style: impl Fn() -> (TextFont, TextColor), size: f32) {
    parent
        .spawn(Node {
            width: percent(100),
            flex_wrap: FlexWrap::Wrap,
            justify_content: JustifyContent::Center,
            column_gap: px(size * 0.28),
            ..default()
        })
        .with_children(|line| {
            for word in text.split_whitespace() {
                line.spawn((Text::new(word), style(), LineHeight::RelativeToFont(LINE_HEIGHT)));
            }
        });
}

const LINE_HEIGHT: f32 = 1.2;
/// From this size down the text is cut to fit rather than shrunk further: below it, far from the
/// screen, nothing is read anyway.
const MIN_TEXT_PX: f32 = 48.0;
const MAX_TEXT_PX: f32 = 132.0;

/// The largest font size (UI pixels) at which `text` fits a `(width, height)` box when wrapped, and
/// the text itself, cut with an ellipsis if it does not fit even at the smallest size. Estimated
/// from Pretendard Bold's advance widths (Hangul and other wide letters about 1 em, Latin about
/// 0.6 em), with a margin for lines that break early at word ends.
pub fn fit_text(text: &str, (width, height): (f32, f32)) -> (f32, String) {
    let ems = |t: &str| t.chars().map(glyph_ems).sum::<f32>();
    let lines_at = |size: f32| (height / (size * LINE_HEIGHT)).floor();
    let fits = |size: f32, text_ems: f32| {
        let per_line = width / size;
        // Word wrapping wastes part of each line: count 85 % of it.
        lines_at(size) >= 1.0 && text_ems <= per_line * 0.85 * lines_at(size)
    };
    let total = ems(text);
    let mut size = MAX_TEXT_PX;
    while size > MIN_TEXT_PX {
        if fits(size, total) {
            return (size, text.to_string());
        }
        size -= 4.0;
    }
    size = MIN_TEXT_PX;
    if fits(size, total) {
        return (size, text.to_string());
    }
    (size, cut_to_ems(text, width / size * 0.85 * lines_at(size).max(1.0)))
}

/// `text`, or as much of it as is `max_ems` wide with an ellipsis.
fn cut_to_ems(text: &str, max_ems: f32) -> String {
    if text.chars().map(glyph_ems).sum::<f32>() <= max_ems {
        return text.to_string();
    }
    let budget = max_ems - glyph_ems('…');
    let mut used = 0.0;
    let mut cut: String = text
        .chars()
        .take_while(|c| {
            used += glyph_ems(*c);
            used <= budget
        })
        .collect();
    cut.push('…');
    cut
}

/// Advance width of a letter in ems, roughly: wide scripts (Hangul, CJK, emoji) a full em.
fn glyph_ems(c: char) -> f32 {
    let wide = matches!(c as u32,
        0x1100..=0x11FF | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0x1F300..=0x1FAFF);
    if wide {
        1.0
    } else if c == ' ' {
        0.3
    } else {
        0.6
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_contract::wire::{Messages, Priority};

    #[test]
    fn short_text_is_huge_and_long_text_shrinks_then_is_cut() {
        let full_hd = (1920.0 - 2.0 * PAD_X, 1080.0 - 2.0 * PAD_Y - RESERVED_PX);
        let (short, text) = fit_text("화재 발생 · Fire: leave now", full_hd);
        assert_eq!(short, MAX_TEXT_PX);
        assert_eq!(text, "화재 발생 · Fire: leave now");
        let paragraph = "3층 B홀에서 화재가 발생했습니다. 직원의 안내에 따라 가까운 비상구로 침착하게 대피해 주십시오. \
                         A fire has broken out in Hall B on the 3rd floor. Please leave calmly by the nearest exit.";
        let (medium, text) = fit_text(paragraph, full_hd);
        assert!(medium < short && medium >= MIN_TEXT_PX, "{medium}");
        assert_eq!(text, paragraph, "shrunk, not cut");
        // Lines of that size fit the box's height.
        let per_line = full_hd.0 / medium * 0.85;
        let lines = (paragraph.chars().map(glyph_ems).sum::<f32>() / per_line).ceil();
        assert!(lines * medium * LINE_HEIGHT <= full_hd.1, "{lines} lines at {medium}");
        // The contract's longest message does not fit at any readable size: cut with an ellipsis.
        let longest = "대피 안내 ".repeat(400);
        let (smallest, cut) = fit_text(&longest, full_hd);
        assert_eq!(smallest, MIN_TEXT_PX);
        assert!(
            cut.ends_with('…') && cut.chars().count() < longest.chars().count() / 4,
            "{}",
            cut.chars().count()
        );
        assert!(cut.starts_with("대피 안내 대피 안내"));
        assert_eq!(cut_to_ems("+ 엘리베이터 중지", 100.0), "+ 엘리베이터 중지");
        assert_eq!(cut_to_ems("+ 엘리베이터 중지", 5.0), "+ 엘리베…");
        // Portrait gives a narrower, taller box: still a readable size.
        let (portrait, _) = fit_text(paragraph, (1080.0 - 2.0 * PAD_X, 1920.0 - 2.0 * PAD_Y - RESERVED_PX));
        assert!(portrait >= MIN_TEXT_PX, "{portrait}");
    }

    fn emergency(id: &str, groups: &[&str]) -> Message {
        Message {
            id: id.into(),
            text: format!("{id} 대피"),
            priority: Priority::Urgent,
            starts: chrono::DateTime::parse_from_rfc3339("2026-12-03T09:00:00+09:00").unwrap(),
            expires: chrono::DateTime::parse_from_rfc3339("2026-12-03T10:00:00+09:00").unwrap(),
            emergency: true,
            rooms: Vec::new(),
            groups: groups.iter().map(|g| (*g).to_string()).collect(),
        }
    }

    fn feed_with(messages: Vec<Message>) -> FeedState {
        let mut feed = FeedState::default();
        feed.apply(
            venue_contract::payload::FeedPayload::Messages(Messages { version: 1, messages }),
            Utc::now(),
        );
        feed
    }

    /// The takeover's decision in a running app: it covers while a live emergency reaches this
    /// screen's groups, switches to a newer one, and ends when the message is deleted or expires.
    #[test]
    fn covers_while_a_live_emergency_reaches_the_screen() {
        use bevy::ecs::system::RunSystemOnce;
        let mut config = Config::default();
        config.display.groups = vec!["lobby".into()];
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::state::app::StatesPlugin))
            .insert_resource(ScreenPlace::from_config(&config))
            .insert_resource(VenueClock::stepped_from(
                chrono::DateTime::parse_from_rfc3339("2026-12-03T09:59:59+09:00").unwrap(),
            ))
            .insert_resource(feed_with(vec![emergency("hall-b-only", &["hall-b"])]))
            .init_state::<Emergency>()
            .init_resource::<EmergencyNotice>()
            .add_systems(Update, follow_emergencies);
        let uncovered = |app: &mut App| app.world_mut().run_system_once(screen_uncovered).unwrap();
        let state = |app: &App| *app.world().resource::<State<Emergency>>().get();
        app.update();
        app.update();
        assert_eq!(state(&app), Emergency::Clear, "aimed at another group");

        app.insert_resource(feed_with(vec![
            emergency("lobby-fire", &["lobby"]),
            emergency("hall-b-only", &["hall-b"]),
        ]));
        app.update();
        app.update();
        assert_eq!(state(&app), Emergency::TakingOver);
        assert_eq!(app.world().resource::<EmergencyNotice>().newest.as_ref().unwrap().id, "lobby-fire");
        assert!(!uncovered(&mut app), "screens leave their keys alone");

        // Deleted from the feed: the screen comes back.
        app.insert_resource(feed_with(vec![emergency("hall-b-only", &["hall-b"])]));
        app.update();
        app.update();
        assert_eq!(state(&app), Emergency::Clear);
        assert!(uncovered(&mut app));

        // Back, then expired by the venue clock (10:00).
        app.insert_resource(feed_with(vec![emergency("lobby-fire", &["lobby"])]));
        app.update();
        app.update();
        assert_eq!(state(&app), Emergency::TakingOver);
        app.world_mut().resource_mut::<VenueClock>().advance(chrono::Duration::seconds(2));
        app.update();
        app.update();
        assert_eq!(state(&app), Emergency::Clear);
        assert!(app.world().resource::<EmergencyNotice>().newest.is_none());
    }
}
