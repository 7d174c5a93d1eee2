//! Event contract v1: the JSON the event server serves and the kiosks pull.
//!
//! `docs/contract.md` is the prose version of this file. Readers are lenient with *unknown* fields
//! (a v1.x server may add fields) but strict with *missing* ones and with the major `version`.
//! Every payload carries `version`; a kiosk refuses any major version it does not know.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// The contract's major version this build speaks.
pub const CONTRACT_VERSION: u32 = 1;

/// `GET /api/v1/event`: who, where and in which time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventInfo {
    pub version: u32,
    pub id: String,
    pub name: String,
    /// IANA time zone name of the venue, e.g. `Asia/Seoul`. The venue clock uses it, never the machine's.
    pub time_zone: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    #[serde(default)]
    pub venue: Option<String>,
    pub tracks: Vec<Track>,
    pub rooms: Vec<Room>,
    /// The event's languages as BCP 47 tags, the main one first (e.g. `["ko", "en"]`); contract
    /// 1.1, optional. Screens label themselves in the first one they know, and show their headings
    /// in the second too when there is one ("NOW · 지금 진행 중"); none means English.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub id: String,
    pub name: String,
    /// `#RRGGBB`.
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub id: String,
    pub name: String,
    /// Shorter name for signage where space is tight.
    #[serde(default)]
    pub short_name: Option<String>,
}

/// `GET /api/v1/schedule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub version: u32,
    pub sessions: Vec<Session>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    Talk,
    Keynote,
    Workshop,
    Break,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub subtitle: Option<String>,
    #[serde(default)]
    pub speakers: Vec<String>,
    /// Track id; breaks and plenary items have none.
    #[serde(default)]
    pub track: Option<String>,
    /// Room id; `None` means the whole venue (e.g. lunch for everyone).
    #[serde(default)]
    pub room: Option<String>,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub kind: SessionKind,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub cancelled: bool,
}

/// `GET /api/v1/messages`: broadcasts shown on every screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Messages {
    pub version: u32,
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Info,
    Normal,
    Urgent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub text: String,
    pub priority: Priority,
    pub starts: DateTime<FixedOffset>,
    pub expires: DateTime<FixedOffset>,
    /// Contract 1.1: a full-screen takeover on every screen it reaches until it expires or is
    /// cleared. Sent with priority `urgent`, so a 1.0 kiosk still shows it as an urgent banner.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emergency: bool,
    /// Contract 1.1: only screens in these rooms (room ids) see it. Empty, with `groups` empty: every screen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<String>,
    /// Contract 1.1: only screens in these named groups (a kiosk's `groups` setting) see it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl Message {
    /// Does this message reach a screen in `room` that belongs to `groups`? A message with no
    /// target reaches every screen; one with targets reaches a screen that matches any of them.
    pub fn reaches(&self, room: Option<&str>, groups: &[String]) -> bool {
        if self.rooms.is_empty() && self.groups.is_empty() {
            return true;
        }
        room.is_some_and(|room| self.rooms.iter().any(|r| r == room)) || self.groups.iter().any(|g| groups.contains(g))
    }
}

/// `GET /api/v1/draw`: prizes and the ticket pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawData {
    pub version: u32,
    pub prizes: Vec<Prize>,
    pub tickets: Vec<Ticket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prize {
    pub id: String,
    pub name: String,
    /// Absolute URL, or a path relative to the source (embedded sample, file source).
    #[serde(default)]
    pub image_url: Option<String>,
    pub winner_count: u32,
    /// Draw order on stage, ascending.
    pub order: u32,
    /// May a holder who already won an earlier prize win this one too?
    #[serde(default)]
    pub allow_previous_winners: bool,
    /// Winners drawn per batch on stage; `None` = all at once.
    #[serde(default)]
    pub batch_size: Option<u32>,
    /// Contract 1.1: only tickets carrying at least one of these groups may win. Empty: no limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eligible_groups: Vec<String>,
    /// Contract 1.1: no ticket carrying any of these groups may win (e.g. `["staff"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub number: u32,
    /// Already masked by the server (e.g. `김*수`, `J*** D.`); kiosks never see raw names or attendee ids.
    pub display_name: String,
    /// Opaque per-attendee token (e.g. a keyed hash) so one person's tickets can be grouped.
    pub holder: String,
    /// Contract 1.1: the ticket's eligibility groups (`staff`, `speaker` …), never personal data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// `GET /api/v1/game`: teams and the round plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameData {
    pub version: u32,
    pub teams: Vec<Team>,
    pub rounds: Vec<Round>,
    /// Contract 1.1: how the room bet on the rounds with betting, counts per team only (never
    /// who). Absent from older servers, file sources and the sample.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bets: Vec<RoundBets>,
}

/// The attendees' bets on one round of the plan (contract 1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundBets {
    /// [`Round::index`] of the round bet on.
    pub round: u32,
    pub state: BetState,
    /// Bets per team id; teams nobody bet on may be missing.
    #[serde(default)]
    pub bets: std::collections::BTreeMap<String, u32>,
}

/// Whether attendees can still bet on a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BetState {
    /// Open on the handbook pages until the round starts.
    Open,
    /// The round started; bets are final.
    Closed,
    /// The round's result came in; right bets earned their tickets.
    Settled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    /// `#RRGGBB`.
    pub color: String,
    /// Key name as in the kiosk config (`Space`, `KeyA`, …); `None` lets the kiosk config assign one.
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    pub index: u32,
    pub name: String,
    /// Score multiplier of this round (later rounds weigh more).
    pub weight: f32,
    /// Piece speed in slots per second.
    pub speed: f32,
    /// Pieces (targets) in this round.
    pub pieces: u32,
    /// 0 = most lenient judgement windows, 10 = strictest.
    pub difficulty: f32,
}

/// `POST /api/v1/draw/results` body. Sent with `Idempotency-Key: draw-{prize_id}-{batch}-{first 16 hex of seed_commitment}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawResult {
    pub version: u32,
    pub prize_id: String,
    pub batch: u32,
    /// Hex SHA-256 of the seed, shown before the roll.
    pub seed_commitment: String,
    /// Hex seed, revealed after the roll.
    pub seed: String,
    /// Hex SHA-256 of the canonical ticket list.
    pub tickets_hash: String,
    pub algorithm: String,
    pub winners: Vec<u32>,
    pub drawn_at: DateTime<FixedOffset>,
    /// Contract 1.1: a no-show replacement names the winner's ticket it replaces (its batch draws
    /// one winner) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<u32>,
    /// … and why, as the operator gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Contract 1.1: the event server's nonce for `seed_commitment` (64 hex digits, from
    /// `POST /api/v1/draw/commitments`) when the draw was anchored: its key was derived from the
    /// seed and this nonce. None: the draw was not anchored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_nonce: Option<String>,
    /// Contract 1.1: why a draw was not anchored, as the kiosk recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_anchored: Option<String>,
}

/// `POST /api/v1/draw/commitments` body (contract 1.1): a kiosk registers the commitment of the
/// seed it armed, before the draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawCommitment {
    pub version: u32,
    /// Hex SHA-256 of the armed seed (64 hex digits).
    pub seed_commitment: String,
    /// The prize on screen when it was armed, for the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prize_id: Option<String>,
}

/// The answer to [`DrawCommitment`]: the server's nonce for it and when the server registered it.
/// Registering the same commitment again answers the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawAnchor {
    pub version: u32,
    pub seed_commitment: String,
    /// 64 hex digits, random, chosen by the server.
    pub server_nonce: String,
    pub registered_at: DateTime<FixedOffset>,
}

/// `POST /api/v1/game/results` body. Sent with `Idempotency-Key: game-{game_id}-{round}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameResult {
    pub version: u32,
    pub game_id: String,
    pub round: u32,
    pub scores: Vec<TeamScore>,
    pub finished_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamScore {
    pub team_id: String,
    pub round_points: i64,
    pub total_points: i64,
}

/// `POST /api/v1/kiosks/heartbeat` (contract 1.1): what a screen says about itself every few seconds,
/// for the organisers' view of every screen. Old servers answer 404; kiosks then stop sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    pub version: u32,
    /// Stable per screen: the machine's host name, plus `-mN` for the Nth monitor.
    pub kiosk_id: String,
    /// `schedule`, `draw` or `game`.
    pub screen: String,
    /// The room of a door-side screen.
    #[serde(default)]
    pub room: Option<String>,
    /// The kiosk's version (`CARGO_PKG_VERSION`).
    pub app_version: String,
    /// The feed revision the screen shows (per endpoint, joined), for spotting a screen left behind.
    pub feed_revision: String,
    /// Frames per second over the last few seconds.
    pub fps: f32,
    /// Resident memory in MiB, when the system says.
    #[serde(default)]
    pub memory_mib: Option<u32>,
    /// `live`, `stale`, `offline` or `local`: the screen's own view of its feed.
    pub connection: String,
    /// The kiosk's clock when it sent this; the server compares it with its own.
    pub sent_at: DateTime<FixedOffset>,
    /// Contract 1.1: the screen groups this kiosk belongs to (its `groups` setting), for targeting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// Error body of every non-2xx answer from the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub version: u32,
    pub error: String,
    pub message: String,
}

/// `#RRGGBB` → linear-agnostic sRGB bytes.
pub fn parse_hex_color(text: &str) -> Result<[u8; 3], String> {
    let hex = text.strip_prefix('#').ok_or_else(|| format!("`{text}` must look like #RRGGBB"))?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("`{text}` must look like #RRGGBB"));
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("checked hex");
    Ok([byte(0), byte(2), byte(4)])
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r##"{
        "version": 1, "id": "dc", "name": "행사 DevCon", "time_zone": "Asia/Seoul",
        "start_date": "2026-12-03", "end_date": "2026-12-04",
        "tracks": [{"id": "web", "name": "Web", "color": "#3DDBD9"}],
        "rooms": [{"id": "r1", "name": "Room 1"}]
    }"##;

    #[test]
    fn event_round_trips() {
        let event: EventInfo = serde_json::from_str(EVENT).unwrap();
        assert_eq!(event.rooms[0].short_name, None);
        assert_eq!(event.name, "행사 DevCon");
        let again: EventInfo = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(again, event);
    }

    #[test]
    fn unknown_fields_are_ignored_for_forward_compatibility() {
        let text = EVENT.replacen("\"id\": \"dc\"", "\"id\": \"dc\", \"sponsor_wall\": [1, 2]", 1);
        let event: EventInfo = serde_json::from_str(&text).unwrap();
        assert_eq!(event.id, "dc");
    }

    #[test]
    fn missing_required_field_is_named() {
        let text = EVENT.replacen("\"time_zone\": \"Asia/Seoul\",", "", 1);
        let err = serde_json::from_str::<EventInfo>(&text).unwrap_err().to_string();
        assert!(err.contains("time_zone"), "{err}");
    }

    #[test]
    fn session_kinds_and_times() {
        let text = r#"{"version": 1, "sessions": [{"id": "s1", "title": "점심 Lunch", "start": "2026-12-03T12:30:00+09:00",
            "end": "2026-12-03T13:30:00+09:00", "kind": "break"}]}"#;
        let schedule: Schedule = serde_json::from_str(text).unwrap();
        let s = &schedule.sessions[0];
        assert_eq!(s.kind, SessionKind::Break);
        assert_eq!(s.room, None, "a break without a room is venue-wide");
        assert_eq!((s.end - s.start).num_minutes(), 60);
        assert!(!s.cancelled);
        let bad = text.replace("\"break\"", "\"nap\"");
        assert!(serde_json::from_str::<Schedule>(&bad).unwrap_err().to_string().contains("nap"));
        let round: Schedule = serde_json::from_str(&serde_json::to_string(&schedule).unwrap()).unwrap();
        assert_eq!(round, schedule);
    }

    #[test]
    fn messages_priority_orders_urgent_last() {
        assert!(Priority::Urgent > Priority::Normal && Priority::Normal > Priority::Info);
        let m: Messages = serde_json::from_str(
            r#"{"version":1,"messages":[{"id":"a","text":"x","priority":"urgent",
            "starts":"2026-12-03T09:00:00+09:00","expires":"2026-12-03T10:00:00+09:00"}]}"#,
        )
        .unwrap();
        assert_eq!(m.messages[0].priority, Priority::Urgent);
    }

    #[test]
    fn tickets_need_a_holder_token() {
        let err = serde_json::from_str::<Ticket>(r#"{"number": 1001, "display_name": "김*수"}"#).unwrap_err();
        assert!(err.to_string().contains("holder"));
    }

    #[test]
    fn groups_are_optional_and_absent_when_empty() {
        let ticket: Ticket = serde_json::from_str(r#"{"number": 1, "display_name": "J*** D.", "holder": "h"}"#).unwrap();
        assert!(ticket.groups.is_empty(), "a 1.0 ticket has no groups");
        assert!(!serde_json::to_string(&ticket).unwrap().contains("groups"));
        let staff: Ticket = serde_json::from_str(r#"{"number": 2, "display_name": "K*", "holder": "k", "groups": ["staff"]}"#).unwrap();
        assert_eq!(staff.groups, ["staff"]);
        let prize: Prize =
            serde_json::from_str(r#"{"id": "tv", "name": "TV", "winner_count": 1, "order": 1, "excluded_groups": ["staff"]}"#).unwrap();
        assert!(prize.eligible_groups.is_empty());
        assert_eq!(prize.excluded_groups, ["staff"]);
        let json = serde_json::to_string(&prize).unwrap();
        assert!(json.contains("excluded_groups") && !json.contains("eligible_groups"), "{json}");
    }

    #[test]
    fn results_round_trip() {
        let r = DrawResult {
            version: 1,
            prize_id: "p".into(),
            batch: 1,
            seed_commitment: "ab".into(),
            seed: "cd".into(),
            tickets_hash: "ef".into(),
            algorithm: "chacha20-v1".into(),
            winners: vec![1001, 2002],
            drawn_at: DateTime::parse_from_rfc3339("2026-12-04T17:00:00+09:00").unwrap(),
            replaces: None,
            reason: None,
            server_nonce: Some("00".repeat(32)),
            not_anchored: None,
        };
        let again: DrawResult = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn targeted_messages_reach_only_their_rooms_and_groups() {
        let json =
            r#"{"id":"m","text":"t","priority":"urgent","starts":"2026-12-03T10:00:00+09:00","expires":"2026-12-03T11:00:00+09:00"}"#;
        let mut message: Message = serde_json::from_str(json).unwrap();
        assert!(!message.emergency, "a 1.0 message is no emergency");
        let lobby = vec!["lobby".to_string()];
        assert!(message.reaches(None, &[]), "no target: every screen");
        assert!(message.reaches(Some("r201"), &lobby));
        message.rooms = vec!["r201".into()];
        assert!(message.reaches(Some("r201"), &[]));
        assert!(!message.reaches(Some("r202"), &[]));
        assert!(!message.reaches(None, &lobby));
        message.groups = lobby.clone();
        assert!(message.reaches(None, &lobby), "any target matches");
        assert!(!message.reaches(None, &["stage".to_string()]));
        // 1.0 readers see no new keys when nothing is targeted.
        let plain: Message = serde_json::from_str(json).unwrap();
        assert!(!serde_json::to_string(&plain).unwrap().contains("emergency"));
    }
}
