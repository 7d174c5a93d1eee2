//! Kiosk configuration: `config/kiosk.toml` (every key documented there) plus CLI overrides.
//!
//! A wrong key or value stops start-up with a message naming the file, the key and what is allowed:
//! a kiosk that silently ignores a typo shows the wrong thing all day.

pub mod language;
pub mod source;
pub mod trust;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use trust::TrustedCerts;

/// The documented default configuration, compiled in so the binary runs from anywhere.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../../config/kiosk.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Schedule,
    Draw,
    Game,
    Casino,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// Pick by adapter: a software rasteriser gets `low`, a real GPU `high`.
    #[default]
    Auto,
    Low,
    High,
}

#[derive(bevy::prelude::Resource, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub mode: Mode,
    pub feed: FeedConfig,
    pub display: DisplayConfig,
    pub render: RenderConfig,
    pub schedule: ScheduleConfig,
    pub draw: DrawConfig,
    pub game: GameConfig,
    pub sound: SoundConfig,
}

/// The stage's sound: the draw's drumroll, ticks and fanfare, the game's beat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SoundConfig {
    /// Loudness in percent of full scale (0..=100); the F1 panel changes it while running.
    pub volume: u32,
    /// Start muted (the F1 panel unmutes).
    pub muted: bool,
    /// How much earlier than the picture sound is played, in ms (-500..=2000), so it is heard on
    /// time through speakers that lag the screen; the cube game measures its own by ear (Shift+F7).
    pub latency_ms: i32,
}

impl Default for SoundConfig {
    fn default() -> Self {
        Self {
            volume: 80,
            muted: false,
            latency_ms: 0,
        }
    }
}

/// Most images `game.face_art` takes: one per face of the cube.
pub const MAX_FACE_ART: usize = 6;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GameConfig {
    /// The event's art on the cube's faces: up to six image files or http(s) URLs, one per face
    /// (fewer repeat). Empty: generated art in the event's colours.
    pub face_art: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DrawConfig {
    /// Where draw results are journaled (fsync'd before each reveal); default: the OS data dir.
    pub journal_dir: Option<PathBuf>,
    /// Seconds each page of a big batch's winners stays on stage before the next (1..=120).
    pub page_seconds: u64,
    /// How long Space waits for the event server to register the armed seed commitment before the
    /// draw goes on not anchored (seconds, 1–60; default 4).
    pub anchor_wait_s: Option<u32>,
}

impl Default for DrawConfig {
    fn default() -> Self {
        Self {
            journal_dir: None,
            page_seconds: 8,
            anchor_wait_s: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// Stars in the sky (1000..=200000).
    pub stars: u32,
    /// Seconds the camera tour spends on each track, turn included.
    pub tour_seconds: u32,
    /// Seconds of the eased turn from one track to the next.
    pub transition_seconds: u32,
    /// Door-side screen for one room: its sessions large, the others small. Room id or name.
    pub room: Option<String>,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            stars: 20_000,
            tour_seconds: 20,
            transition_seconds: 4,
            room: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// `sample`, an `http(s)://` base URL of the event server, a `file://` URL or a directory path.
    pub source: String,
    /// Optional separate schedule source (our JSON or a pretalx/frab `schedule.json`): URL or file path.
    pub schedule_source: Option<String>,
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub max_body_bytes: u64,
    pub backoff_initial_ms: u64,
    pub backoff_max_ms: u64,
    /// With no successful contact for this long the status turns from stale to offline.
    pub offline_after_s: u64,
    /// Where the last good payloads are kept; empty = the OS cache dir.
    pub cache_dir: Option<PathBuf>,
    /// File holding the event server's bearer token, for posting results and broadcasts. Env
    /// `VENUE_KIOSK_TOKEN` wins over it. Read off the main thread, never logged.
    pub token_file: Option<PathBuf>,
    /// PEM file of certificates to trust for the event server besides the system's roots: the
    /// venue's CA, or the server's self-signed certificate as a pin. Relative to the config file.
    pub ca_file: Option<PathBuf>,
    /// `ca_file`, read and parsed by [`Config::load`]; what every HTTP client of the feed trusts.
    #[serde(skip)]
    pub trusted: TrustedCerts,
    pub poll: PollConfig,
}

/// Poll interval per endpoint, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PollConfig {
    pub event: u64,
    pub schedule: u64,
    pub messages: u64,
    pub draw: u64,
    pub game: u64,
    /// The live dice game's moves (the change stream brings each move at once; this is the fallback).
    pub casino: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DisplayConfig {
    pub windowed: bool,
    pub width: u32,
    pub height: u32,
    /// Seconds without mouse movement before the cursor hides; 0 = always hidden.
    pub hide_cursor_after_s: u64,
    /// Frame-rate cap; 0 = the display's refresh rate (vsync paces the frames).
    pub max_fps: u32,
    /// Frames a second while the screen stands still but for the slow sky (idle draw desk, paused
    /// game, the tour held during a break); 0 = no slowdown.
    pub still_fps: u32,
    /// Which monitor the fullscreen window covers: `None` = the primary one, `Some(n)` = the n-th
    /// (0-based, in the order the system lists them). One process per output drives several screens.
    pub monitor: Option<usize>,
    /// The screen groups this screen belongs to (e.g. `lobby`, `hall-a`): broadcasts aimed at a
    /// group reach only its screens. Sent with every heartbeat.
    pub groups: Vec<String>,
    /// The labels' language: `auto` (the event's), a tag (`de`) or two (`en+ko`); see `shell::i18n`.
    pub language: String,
    /// The operator's panels (F1) in a window of their own, off the projected screen.
    pub operator_window: bool,
    /// Margin kept free on each side of the schedule screens for a TV's overscan, in percent (0..=10).
    pub overscan_percent: u32,
}

/// Most groups one screen may belong to (a message names at most as many, contract 1.1).
pub const MAX_GROUPS: usize = 50;
/// Longest group name, in characters (the server's limit for ids).
pub const MAX_GROUP_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RenderConfig {
    pub quality: Quality,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mode: Mode::Schedule,
            feed: FeedConfig::default(),
            display: DisplayConfig::default(),
            render: RenderConfig { quality: Quality::Auto },
            schedule: ScheduleConfig::default(),
            draw: DrawConfig::default(),
            game: GameConfig::default(),
            sound: SoundConfig::default(),
        }
    }
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            source: "sample".into(),
            schedule_source: None,
            connect_timeout_ms: 3_000,
            request_timeout_ms: 10_000,
            max_body_bytes: venue_contract::payload::KIOSK_BODY_CAP,
            backoff_initial_ms: 1_000,
            backoff_max_ms: 60_000,
            offline_after_s: 120,
            cache_dir: None,
            token_file: None,
            ca_file: None,
            trusted: TrustedCerts::default(),
            poll: PollConfig::default(),
        }
    }
}

impl Default for PollConfig {
    fn default() -> Self {
        Self {
            event: 300,
            schedule: 60,
            messages: 10,
            draw: 30,
            game: 30,
            casino: 5,
        }
    }
}

impl Default for DisplayConfig {
    fn default() -> Self {
        Self {
            windowed: false,
            width: 1920,
            height: 1080,
            hide_cursor_after_s: 3,
            max_fps: 0,
            still_fps: 10,
            monitor: None,
            groups: Vec::new(),
            language: "auto".into(),
            operator_window: false,
            overscan_percent: 0,
        }
    }
}

impl Default for RenderConfig {
    fn default() -> Self {
        Self { quality: Quality::Auto }
    }
}

/// A configuration problem, with where it is and what would be accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub file: String,
    pub key: String,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "config {}: {}", self.file, self.problem)
        } else {
            write!(f, "config {}: key `{}`: {}", self.file, self.key, self.problem)
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Parse and validate TOML text; `file` names its origin in error messages.
    pub fn from_toml(text: &str, file: &str) -> Result<Config, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| ConfigError {
            file: file.into(),
            key: String::new(),
            problem: one_line(&e.to_string()),
        })?;
        let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let problem = one_line(inner.message());
            // An unknown key's path is its parent table; name the key itself.
            let key = match problem.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
                Some(field) if path == field || path.ends_with(&format!(".{field}")) => path,
                Some(field) if path == "." || path.is_empty() => field.to_string(),
                Some(field) => format!("{path}.{field}"),
                None => path,
            };
            ConfigError {
                file: file.into(),
                key,
                problem,
            }
        })?;
        config.validate(file)?;
        Ok(config)
    }

    /// Load a config file, or the embedded default when `path` is `None`, with the files it names
    /// (`feed.ca_file`) read: once, here, so no worker reads them again.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (mut config, file) = Self::load_toml(path)?;
        config.feed.read_ca_file(&file)?;
        Ok(config)
    }

    fn load_toml(path: Option<&Path>) -> Result<(Config, String), ConfigError> {
        const EMBEDDED: &str = "<embedded config/kiosk.toml>";
        match path {
            None => Ok((Config::from_toml(DEFAULT_CONFIG_TOML, EMBEDDED)?, EMBEDDED.into())),
            Some(path) => {
                let file = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
                    file: file.clone(),
                    key: String::new(),
                    problem: format!("cannot read the file: {e}"),
                })?;
                let mut config = Config::from_toml(&text, &file)?;
                // Face art and the CA file are relative to the config file.
                if let Some(dir) = path.parent() {
                    config.game.resolve_paths(dir);
                    if let Some(ca_file) = &mut config.feed.ca_file {
                        *ca_file = dir.join(&*ca_file);
                    }
                }
                Ok((config, file))
            }
        }
    }

    /// Range and shape checks serde cannot express.
    pub fn validate(&self, file: &str) -> Result<(), ConfigError> {
        let err = |key: &str, problem: String| ConfigError {
            file: file.into(),
            key: key.into(),
            problem,
        };
        if let Some(wait) = self.draw.anchor_wait_s
            && !(1..=60).contains(&wait)
        {
            return Err(err("draw.anchor_wait_s", format!("{wait} is outside 1..=60 seconds")));
        }
        let f = &self.feed;
        if let Err(problem) = source::SourceSpec::parse(&f.source) {
            return Err(err("feed.source", problem));
        }
        if let Some(s) = &f.schedule_source
            && s.trim().is_empty()
        {
            return Err(err("feed.schedule_source", "is empty; remove the key or give a URL or path".into()));
        }
        let ranges: [(&str, u64, u64, u64); 17] = [
            ("feed.connect_timeout_ms", f.connect_timeout_ms, 100, 60_000),
            ("feed.request_timeout_ms", f.request_timeout_ms, 200, 300_000),
            ("feed.max_body_bytes", f.max_body_bytes, 1024, 512 * 1024 * 1024),
            ("feed.backoff_initial_ms", f.backoff_initial_ms, 50, 600_000),
            ("feed.backoff_max_ms", f.backoff_max_ms, 50, 3_600_000),
            ("feed.offline_after_s", f.offline_after_s, 1, 86_400),
            ("feed.poll.event", f.poll.event, 1, 86_400),
            ("feed.poll.schedule", f.poll.schedule, 1, 86_400),
            ("feed.poll.messages", f.poll.messages, 1, 86_400),
            ("feed.poll.draw", f.poll.draw, 1, 86_400),
            ("feed.poll.game", f.poll.game, 1, 86_400),
            ("feed.poll.casino", f.poll.casino, 1, 86_400),
            ("display.hide_cursor_after_s", self.display.hide_cursor_after_s, 0, 86_400),
            ("display.max_fps", u64::from(self.display.max_fps), 0, 1_000),
            ("draw.page_seconds", self.draw.page_seconds, 1, 120),
            ("display.overscan_percent", u64::from(self.display.overscan_percent), 0, 10),
            ("display.still_fps", u64::from(self.display.still_fps), 0, 1_000),
        ];
        for (key, value, min, max) in ranges {
            if value < min || value > max {
                return Err(err(key, format!("{value} is out of range; allowed {min}..={max}")));
            }
        }
        if f.request_timeout_ms < f.connect_timeout_ms {
            return Err(err(
                "feed.request_timeout_ms",
                format!(
                    "{} is shorter than feed.connect_timeout_ms ({}); it is the total time of a request",
                    f.request_timeout_ms, f.connect_timeout_ms
                ),
            ));
        }
        if f.backoff_max_ms < f.backoff_initial_ms {
            return Err(err(
                "feed.backoff_max_ms",
                format!("{} is below feed.backoff_initial_ms ({})", f.backoff_max_ms, f.backoff_initial_ms),
            ));
        }
        let s = &self.schedule;
        for (key, value, min, max) in [
            ("schedule.stars", s.stars, 1_000, 200_000),
            ("schedule.tour_seconds", s.tour_seconds, 5, 3_600),
            ("schedule.transition_seconds", s.transition_seconds, 0, 60),
        ] {
            if value < min || value > max {
                return Err(err(key, format!("{value} is out of range; allowed {min}..={max}")));
            }
        }
        if s.transition_seconds >= s.tour_seconds {
            return Err(err(
                "schedule.transition_seconds",
                format!(
                    "{} must be shorter than schedule.tour_seconds ({})",
                    s.transition_seconds, s.tour_seconds
                ),
            ));
        }
        if s.room.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err(err("schedule.room", "is empty; remove the key or give a room id or name".into()));
        }
        self.game.validate().map_err(|(key, problem)| err(&key, problem))?;
        self.display.validate_groups().map_err(|(key, problem)| err(&key, problem))?;
        language::LabelLanguages::parse_setting(&self.display.language).map_err(|problem| {
            err(
                "display.language",
                format!("{problem}; or \"auto\" for the event's, or two joined by + (\"en+ko\")"),
            )
        })?;
        if self.sound.volume > 100 {
            return Err(err(
                "sound.volume",
                format!("{} is out of range; allowed 0..=100 (percent)", self.sound.volume),
            ));
        }
        if !(-500..=2_000).contains(&self.sound.latency_ms) {
            return Err(err(
                "sound.latency_ms",
                format!("{} is out of range; allowed -500..=2000 ms", self.sound.latency_ms),
            ));
        }
        for (key, value) in [("display.width", self.display.width), ("display.height", self.display.height)] {
            if !(320..=16_384).contains(&value) {
                return Err(err(key, format!("{value} is out of range; allowed 320..=16384 pixels")));
            }
        }
        Ok(())
    }
}

impl GameConfig {
    fn validate(&self) -> Result<(), (String, String)> {
        if self.face_art.len() > MAX_FACE_ART {
            return Err((
                "game.face_art".into(),
                format!(
                    "has {} images; a cube has {MAX_FACE_ART} faces, give at most {MAX_FACE_ART}",
                    self.face_art.len()
                ),
            ));
        }
        for (i, art) in self.face_art.iter().enumerate() {
            let key = format!("game.face_art[{i}]");
            if art.trim().is_empty() {
                return Err((key, "is empty; give an image file path or an http(s) URL".into()));
            }
            if art.chars().any(char::is_control) {
                return Err((key, "contains a line break or a control character".into()));
            }
            if art.chars().count() > 2048 {
                return Err((key, "is longer than 2048 characters".into()));
            }
            // Relative paths are checked as if relative to some directory: only the shape matters here.
            if venue_contract::photo::photo_source(art, Some(Path::new("/"))).is_none() {
                return Err((
                    key,
                    format!("`{art}` is not an image file path, a file:// URL or an http(s) URL with a host"),
                ));
            }
        }
        Ok(())
    }

    /// Relative face art paths are relative to the directory of the config file.
    fn resolve_paths(&mut self, dir: &Path) {
        for art in &mut self.face_art {
            let trimmed = art.trim();
            if !trimmed.contains("://") && Path::new(trimmed).is_relative() {
                *art = dir.join(trimmed).display().to_string();
            }
        }
    }
}

impl DisplayConfig {
    /// Group names are matched exactly against what organisers type in a message's `groups`, so
    /// they are ids: no blanks, no spaces, no control characters, each once.
    fn validate_groups(&self) -> Result<(), (String, String)> {
        if self.groups.len() > MAX_GROUPS {
            return Err((
                "display.groups".into(),
                format!("has {} groups; give at most {MAX_GROUPS}", self.groups.len()),
            ));
        }
        for (i, group) in self.groups.iter().enumerate() {
            let key = format!("display.groups[{i}]");
            if group.is_empty() {
                return Err((key, "is empty; give a group name such as \"lobby\"".into()));
            }
            if group.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err((key, format!("`{}` contains a space or a control character", group.escape_debug())));
            }
            if group.chars().count() > MAX_GROUP_CHARS {
                return Err((key, format!("is longer than {MAX_GROUP_CHARS} characters")));
            }
            if self.groups[..i].contains(group) {
                return Err((key, format!("`{group}` is listed twice")));
            }
        }
        Ok(())
    }
}

impl FeedConfig {
    /// Reads and checks `ca_file` into `trusted` (a missing or unreadable file stops start-up).
    pub fn read_ca_file(&mut self, file: &str) -> Result<(), ConfigError> {
        self.trusted = match &self.ca_file {
            None => TrustedCerts::default(),
            Some(path) => TrustedCerts::read_pem_file(path).map_err(|problem| ConfigError {
                file: file.into(),
                key: "feed.ca_file".into(),
                problem,
            })?,
        };
        Ok(())
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

fn one_line(s: &str) -> String {
    s.trim().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_valid_and_matches_defaults() {
        let config = Config::load(None).expect("embedded config must be valid");
        assert_eq!(config, Config::default(), "config/kiosk.toml documents the built-in defaults");
        let second_screen = Config::from_toml("[display]\nmonitor = 1\n", "t").unwrap();
        assert_eq!(second_screen.display.monitor, Some(1));
    }

    #[test]
    fn unknown_key_names_the_key_and_the_file() {
        let err = Config::from_toml("[render]\nqualty = \"low\"\n", "venue.toml").unwrap_err();
        assert_eq!(err.key, "render.qualty");
        assert_eq!(err.file, "venue.toml");
        let text = err.to_string();
        assert!(text.contains("venue.toml") && text.contains("render.qualty"), "{text}");
        assert!(text.contains("quality"), "lists the allowed keys: {text}");
    }

    #[test]
    fn unknown_top_level_key() {
        let err = Config::from_toml("moed = \"draw\"\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "moed");
    }

    #[test]
    fn bad_enum_value_lists_allowed_values() {
        let err = Config::from_toml("[render]\nquality = \"ultra\"\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "render.quality");
        for allowed in ["auto", "low", "high"] {
            assert!(err.problem.contains(allowed), "{}", err.problem);
        }
        let err = Config::from_toml("mode = \"lobby\"\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "mode");
        assert!(err.problem.contains("schedule") && err.problem.contains("draw"), "{}", err.problem);
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = Config::from_toml("[feed.poll]\nmessages = \"often\"\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "feed.poll.messages");
    }

    #[test]
    fn out_of_range_value_says_the_range() {
        let err = Config::from_toml("[feed.poll]\nmessages = 0\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "feed.poll.messages");
        assert!(err.problem.contains("1..=86400"), "{}", err.problem);
    }

    #[test]
    fn inconsistent_timeouts_are_refused() {
        let err = Config::from_toml("[feed]\nconnect_timeout_ms = 5000\nrequest_timeout_ms = 1000\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "feed.request_timeout_ms");
    }

    #[test]
    fn bad_source_is_refused() {
        let err = Config::from_toml("[feed]\nsource = \"ftp://x\"\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "feed.source");
        assert!(err.problem.contains("http"), "{}", err.problem);
    }

    #[test]
    fn syntax_error_names_the_file() {
        let err = Config::from_toml("[feed\n", "broken.toml").unwrap_err();
        assert!(err.to_string().starts_with("config broken.toml"), "{err}");
    }

    #[test]
    fn partial_file_keeps_defaults() {
        let config = Config::from_toml("mode = \"draw\"\n[feed]\nsource = \"http://127.0.0.1:8080\"\n", "k.toml").unwrap();
        assert_eq!(config.mode, Mode::Draw);
        assert_eq!(config.feed.poll, PollConfig::default());
    }

    #[test]
    fn schedule_section_is_checked() {
        let err = Config::from_toml("[schedule]\nstars = 500000\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "schedule.stars");
        let err = Config::from_toml("[schedule]\ntour_seconds = 10\ntransition_seconds = 10\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "schedule.transition_seconds");
        let ok = Config::from_toml("[schedule]\nroom = \"r201\"\n", "k.toml").unwrap();
        assert_eq!(ok.schedule.room.as_deref(), Some("r201"));
    }

    #[test]
    fn sound_section_is_checked() {
        let ok = Config::from_toml("[sound]\nvolume = 35\nmuted = true\nlatency_ms = 120\n", "k.toml").unwrap();
        assert_eq!(
            ok.sound,
            SoundConfig {
                volume: 35,
                muted: true,
                latency_ms: 120
            }
        );
        let err = Config::from_toml("[sound]\nvolume = 150\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "sound.volume");
        let err = Config::from_toml("[sound]\nlatency_ms = -900\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "sound.latency_ms");
        let err = Config::from_toml("[sound]\nmute = true\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "sound.mute", "{err}");
    }

    #[test]
    fn face_art_is_checked() {
        let ok = Config::from_toml(
            "[game]\nface_art = [\"/srv/art/logo.png\", \"https://example.org/a.jpg\", \"art/b.png\"]\n",
            "k.toml",
        )
        .unwrap();
        assert_eq!(ok.game.face_art.len(), 3);
        let err = Config::from_toml(
            "[game]\nface_art = [\"a.png\", \"b.png\", \"c.png\", \"d.png\", \"e.png\", \"f.png\", \"g.png\"]\n",
            "k.toml",
        )
        .unwrap_err();
        assert_eq!(err.key, "game.face_art");
        assert!(err.problem.contains("at most 6"), "{}", err.problem);
        let err = Config::from_toml("[game]\nface_art = [\"/a.png\", \"ftp://x/y.png\"]\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "game.face_art[1]");
        assert!(err.problem.contains("http(s)"), "{}", err.problem);
        let err = Config::from_toml("[game]\nface_art = [\" \"]\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "game.face_art[0]");
        let err = Config::from_toml("[game]\nface_art = \"/one.png\"\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "game.face_art", "a list, not a string");
        let err = Config::from_toml("[game]\nface_ar = []\n", "k.toml").unwrap_err();
        assert_eq!(err.key, "game.face_ar");
    }

    #[test]
    fn the_language_is_checked() {
        let ok = Config::from_toml("[display]\nlanguage = \"de\"\n", "k.toml").unwrap();
        assert_eq!(ok.display.language, "de");
        assert_eq!(Config::default().display.language, "auto");
        let e = Config::from_toml("[display]\nlanguage = \"klingon\"\n", "k.toml").unwrap_err();
        assert_eq!(e.key, "display.language");
        assert!(e.problem.contains("`klingon`") && e.problem.contains("en+ko"), "{}", e.problem);
    }

    #[test]
    fn groups_are_checked() {
        let ok = Config::from_toml("[display]\ngroups = [\"lobby\", \"hall-a\"]\n", "k.toml").unwrap();
        assert_eq!(ok.display.groups, ["lobby", "hall-a"]);
        for (text, key, says) in [
            ("groups = [\"lobby\", \"\"]", "display.groups[1]", "empty"),
            ("groups = [\" \"]", "display.groups[0]", "space"),
            ("groups = [\"hall a\"]", "display.groups[0]", "space"),
            ("groups = [\"lobby\\n\"]", "display.groups[0]", "control"),
            ("groups = [\"lobby\", \"lobby\"]", "display.groups[1]", "twice"),
            ("groups = \"lobby\"", "display.groups", "sequence"),
        ] {
            let err = Config::from_toml(&format!("[display]\n{text}\n"), "k.toml").unwrap_err();
            assert_eq!(err.key, key, "{text}");
            assert!(err.problem.contains(says), "{text}: {}", err.problem);
        }
        let long = format!("[display]\ngroups = [\"{}\"]\n", "g".repeat(MAX_GROUP_CHARS + 1));
        assert_eq!(Config::from_toml(&long, "k.toml").unwrap_err().key, "display.groups[0]");
        let many: Vec<String> = (0..=MAX_GROUPS).map(|i| format!("\"g{i}\"")).collect();
        let many = format!("[display]\ngroups = [{}]\n", many.join(", "));
        assert_eq!(Config::from_toml(&many, "k.toml").unwrap_err().key, "display.groups");
    }

    #[test]
    fn relative_face_art_is_relative_to_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(
            &path,
            "[game]\nface_art = [\"art/top.png\", \"/abs.png\", \"https://x.org/a.png\"]\n",
        )
        .unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.game.face_art[0], dir.path().join("art/top.png").display().to_string());
        assert_eq!(config.game.face_art[1], "/abs.png");
        assert_eq!(config.game.face_art[2], "https://x.org/a.png");
    }

    #[test]
    fn missing_file_is_reported() {
        let err = Config::load(Some(Path::new("/nonexistent/kiosk.toml"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/kiosk.toml"));
    }

    #[test]
    fn ca_file_is_read_once_relative_to_the_config_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        std::fs::write(dir.path().join("ca.pem"), certified.cert.pem()).unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, "[feed]\nca_file = \"ca.pem\"\n").unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.feed.ca_file, Some(dir.path().join("ca.pem")));
        assert_eq!(config.feed.trusted.len(), 1);
        assert_eq!(config.feed.trusted.ders().next(), Some(certified.cert.der().as_ref()));
        assert!(Config::load(None).unwrap().feed.trusted.is_empty(), "no file, no extra roots");

        let refused = |text: &[u8]| {
            std::fs::write(dir.path().join("ca.pem"), text).unwrap();
            let err = Config::load(Some(&path)).unwrap_err();
            assert_eq!(err.key, "feed.ca_file");
            assert!(err.to_string().contains("ca.pem"), "names the file: {err}");
            err.problem
        };
        assert!(refused(b"not a certificate").contains("no PEM certificate"));
        let key_only = certified.key_pair.serialize_pem();
        assert!(refused(key_only.as_bytes()).contains("no PEM certificate"));
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let problem = refused(broken.as_bytes());
        assert!(problem.contains("certificate 1"), "{problem}");
        std::fs::remove_file(dir.path().join("ca.pem")).unwrap();
        let err = Config::load(Some(&path)).unwrap_err();
        assert_eq!(err.key, "feed.ca_file");
        assert!(err.problem.contains("cannot read"), "{}", err.problem);
    }
}
