//! Shared look: fonts (Pretendard, with Hangul), colours, text helpers, and the feed-status
//! indicator that sits discreetly on every screen.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use chrono::{DateTime, Utc};

use crate::feed::{Connection, FeedState, FeedStatus};
use crate::frame::AppSystems;
use crate::shell::i18n::Labels;

/// Pretendard (SIL OFL 1.1, assets/fonts/Pretendard-LICENSE.txt): Latin and Hangul in one family.
pub static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/Pretendard-Regular.otf");
pub static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/Pretendard-Bold.otf");
/// Fallbacks for what Pretendard lacks, so feed text never turns into boxes: Noto Emoji (SIL OFL
/// 1.1) for emoji, DejaVu Sans (Bitstream Vera licence) for Arabic, Hebrew, Greek, Cyrillic and
/// symbols. Licences beside them in assets/fonts.
static FONT_EMOJI: &[u8] = include_bytes!("../../assets/fonts/NotoEmoji-Regular.ttf");
static FONT_WIDE: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const EMOJI_FAMILY: &str = "Noto Emoji";
const WIDE_FAMILY: &str = "DejaVu Sans";
/// Scripts that fall back to DejaVu Sans (ISO 15924 codes; Zyyy = common symbols).
const WIDE_SCRIPTS: [&[u8; 4]; 6] = [b"Arab", b"Hebr", b"Grek", b"Cyrl", b"Armn", b"Zyyy"];

pub mod theme {
    use bevy::prelude::Color;
    pub const NIGHT: Color = Color::srgb(0.012, 0.016, 0.043);
    pub const TEXT: Color = Color::srgb(0.91, 0.93, 0.98);
    pub const TEXT_DIM: Color = Color::srgb(0.56, 0.61, 0.73);
    pub const PANEL: Color = Color::srgba(0.03, 0.05, 0.12, 0.72);
    pub const PANEL_FOCUS: Color = Color::srgba(0.07, 0.10, 0.22, 0.86);
    pub const TRACK_BG: Color = Color::srgba(1.0, 1.0, 1.0, 0.12);
    pub const URGENT: Color = Color::srgb(0.86, 0.16, 0.20);
    pub const GOLD: Color = Color::srgb(1.0, 0.79, 0.25);
    pub const ONLINE: Color = Color::srgb(0.30, 0.85, 0.50);
    pub const STALE: Color = Color::srgb(0.98, 0.75, 0.22);
    pub const OFFLINE: Color = Color::srgb(0.95, 0.33, 0.33);
}

#[derive(Resource, Clone)]
pub struct UiFonts {
    pub regular: Handle<Font>,
    pub bold: Handle<Font>,
}

impl UiFonts {
    pub fn text(&self, size: f32, color: Color) -> (TextFont, TextColor) {
        (
            TextFont {
                font: self.regular.clone().into(),
                font_size: FontSize::Px(size),
                ..default()
            },
            TextColor(color),
        )
    }
    pub fn bold(&self, size: f32, color: Color) -> (TextFont, TextColor) {
        (
            TextFont {
                font: self.bold.clone().into(),
                font_size: FontSize::Px(size),
                ..default()
            },
            TextColor(color),
        )
    }
}

/// `#RRGGBB` to a Bevy colour; unknown shapes fall back to a neutral grey (payloads were checked).
pub fn hex_color(text: &str) -> Color {
    match venue_contract::wire::parse_hex_color(text) {
        Ok([r, g, b]) => Color::srgb_u8(r, g, b),
        Err(_) => Color::srgb(0.6, 0.6, 0.6),
    }
}

/// Shorten to at most `max` characters with an ellipsis (Hangul-safe: counts chars, not bytes).
pub fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[derive(Component)]
struct FeedIndicator;

pub fn plugin(app: &mut App) {
    let regular = app
        .world_mut()
        .resource_mut::<Assets<Font>>()
        .add(Font::from_bytes(FONT_REGULAR.to_vec()));
    let bold = app
        .world_mut()
        .resource_mut::<Assets<Font>>()
        .add(Font::from_bytes(FONT_BOLD.to_vec()));
    let mut fonts = app.world_mut().resource_mut::<Assets<Font>>();
    let fallbacks = [
        fonts.add(Font::from_bytes(FONT_EMOJI.to_vec())),
        fonts.add(Font::from_bytes(FONT_WIDE.to_vec())),
    ];
    app.insert_resource(UiFonts { regular, bold })
        .insert_resource(FallbackFonts(fallbacks))
        .add_systems(
            PostUpdate,
            register_fallback_fonts
                .after(bevy::text::load_font_assets_into_font_collection)
                .before(bevy::text::detect_text_needs_rerender),
        )
        .add_systems(Startup, spawn_feed_indicator)
        .add_systems(Update, update_feed_indicator.in_set(AppSystems::Present))
        .add_systems(EguiPrimaryContextPass, egui_fonts_once);
}

/// Keeps the fallback fonts loaded (a removed font would reset the collection).
#[derive(Resource)]
struct FallbackFonts(#[allow(dead_code)] [Handle<Font>; 2]);

/// Once the fonts are in Parley's collection (the first frame), route emoji and the scripts
/// Pretendard lacks to the fallbacks, before any text is laid out.
fn register_fallback_fonts(mut font_cx: ResMut<bevy::text::FontCx>, mut done: Local<bool>, mut texts: Query<&mut TextFont>) {
    use parley::fontique::{FallbackKey, GenericFamily, Script};
    if *done {
        return;
    }
    let Some(wide) = font_cx.collection.family_id(WIDE_FAMILY) else {
        return;
    };
    if font_cx.set_generic_family(GenericFamily::Emoji, EMOJI_FAMILY).is_err() {
        return;
    }
    for script in WIDE_SCRIPTS {
        font_cx
            .collection
            .append_fallbacks(FallbackKey::new(Script::from_bytes(*script), None), std::iter::once(wide));
    }
    // Anything laid out before this frame is shaped again with the fallbacks.
    texts.iter_mut().for_each(|mut font| font.set_changed());
    *done = true;
}

fn spawn_feed_indicator(mut commands: Commands, fonts: Res<UiFonts>, config: Option<Res<crate::config::Config>>) {
    let (x, y) = crate::shell::display::overscan_px(config.as_deref());
    commands.spawn((
        Name::new("Feed indicator"),
        FeedIndicator,
        Text::new(""),
        // In the screens' bottom padding (at least 32 px), below their last line, never over it.
        fonts.text(19.0, theme::TEXT_DIM),
        Node {
            position_type: PositionType::Absolute,
            right: px(18.0 + x),
            bottom: px(6.0 + y),
            ..default()
        },
        GlobalZIndex(100),
    ));
}

/// Rebuilds the line only when the status (or the event's time zone) changes.
fn update_feed_indicator(
    status: Res<FeedStatus>,
    feed: Res<FeedState>,
    labels: Res<Labels>,
    mut indicator: Query<(&mut Text, &mut TextColor), With<FeedIndicator>>,
) {
    if !status.is_changed() && !feed.is_changed() && !labels.is_changed() {
        return;
    }
    let Ok((mut text, mut color)) = indicator.single_mut() else {
        return;
    };
    let tz = feed.event_info().and_then(|e| e.time_zone.parse::<chrono_tz::Tz>().ok());
    let fmt = |t: DateTime<Utc>| match tz {
        Some(tz) => t.with_timezone(&tz).format("%H:%M").to_string(),
        None => t.format("%H:%M UTC").to_string(),
    };
    let line = indicator_line(&status, &labels, fmt);
    if text.0 != line {
        text.0 = line;
    }
    color.0 = match status.connection {
        Connection::Local | Connection::Online => theme::TEXT_DIM,
        Connection::Connecting | Connection::Stale { .. } => theme::STALE,
        Connection::Offline { .. } => theme::OFFLINE,
    };
}

/// The indicator's line in the screen's language (the log and health report keep
/// [`FeedStatus::summary`], in English).
fn indicator_line(status: &FeedStatus, labels: &Labels, fmt_time: impl Fn(DateTime<Utc>) -> String) -> String {
    let source = status.source.as_str();
    let with = |id: &str, since: DateTime<Utc>| labels.text_with(id, &[("since", (&fmt_time(since)).into()), ("source", source.into())]);
    match &status.connection {
        Connection::Local => format!("● {source}"),
        Connection::Connecting => format!("○ {}", labels.text_with("feed-connecting", &[("source", source.into())])),
        Connection::Online => format!("● {}", labels.text_with("feed-live", &[("source", source.into())])),
        Connection::Stale { since } => format!("● {}", with("feed-stale", *since)),
        Connection::Offline { since } => {
            let mut line = format!("○ {}", with("feed-offline", *since));
            if let Some(saved) = status.cached_data_from {
                line.push_str(" · ");
                line.push_str(&labels.text_with("feed-saved-data", &[("time", (&fmt_time(saved)).into())]));
            }
            line
        }
    }
}

/// egui gets the same Hangul-capable font as Bevy text, once its context exists.
fn egui_fonts_once(mut contexts: EguiContexts, mut done: Local<bool>) {
    if *done {
        return;
    }
    let Ok(ctx) = contexts.ctx_mut() else { return };
    let mut defs = egui::FontDefinitions::default();
    defs.font_data
        .insert("pretendard".into(), std::sync::Arc::new(egui::FontData::from_static(FONT_REGULAR)));
    if let Some(family) = defs.families.get_mut(&egui::FontFamily::Proportional) {
        family.insert(0, "pretendard".into());
    }
    if let Some(family) = defs.families.get_mut(&egui::FontFamily::Monospace) {
        family.push("pretendard".into());
    }
    ctx.set_fonts(defs);
    // Readable from a step back on a 1080p stage monitor.
    ctx.set_zoom_factor(1.5);
    *done = true;
}

/// A screen's UI root (marked with `M`), and whether it was spawned this frame: a rebuild is then
/// due whatever else changed.
#[derive(SystemParam)]
pub struct UiRoot<'w, 's, M: Component> {
    root: Query<'w, 's, Entity, With<M>>,
    added: Query<'w, 's, (), Added<M>>,
}

impl<M: Component> UiRoot<'_, '_, M> {
    pub fn entity(&self) -> Option<Entity> {
        self.root.single().ok()
    }

    pub fn just_spawned(&self) -> bool {
        !self.added.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipsis_counts_characters() {
        assert_eq!(ellipsize("러스트로 만드는 실시간 그래픽", 6), "러스트로 …");
        assert_eq!(ellipsize("short", 10), "short");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
    }
}
