//! Strict reading and checking of write bodies.
//!
//! The wire types are lenient readers (a kiosk ignores unknown fields), but a write with a field the
//! server does not know is almost always a typo that would silently be lost, so writes are strict:
//! [`wire_from_value`] deserializes into the wire type and then refuses any input key that the wire
//! type does not write back, naming its path. Server-only inputs (patches) use
//! `deny_unknown_fields`. Limits keep every answer far below the kiosks' 8 MiB body cap.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, FixedOffset};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::error::Failure;
use venue_contract::groups;
use venue_contract::ticket_csv::{self, Headerless};
use venue_contract::wire::parse_hex_color;
use venue_contract::wire::{
    CONTRACT_VERSION, DrawCommitment, DrawResult, EventInfo, GameResult, Heartbeat, Message, Priority, Prize, Round, Schedule, Session,
    SessionKind, Team, Ticket,
};

/// Body limit of ordinary writes and result posts.
pub const WRITE_BODY_LIMIT: usize = 256 * 1024;
/// Body limit of whole-schedule, ticket and attendee uploads.
pub const BULK_BODY_LIMIT: usize = 8 * 1024 * 1024;

pub const MAX_ID_CHARS: usize = 128;
pub const MAX_NAME_CHARS: usize = 300;
pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_MESSAGE_CHARS: usize = 2_000;
pub const MAX_URL_CHARS: usize = 2_000;
pub const MAX_SESSIONS: usize = 5_000;
pub const MAX_SPEAKERS: usize = 50;
pub const MAX_TRACKS: usize = 100;
pub const MAX_ROOMS: usize = 200;
/// Messages showing or waiting to show; ended ones never count.
pub const MAX_LIVE_MESSAGES: usize = 500;
/// Rooms or groups one message may target.
pub const MAX_MESSAGE_TARGETS: usize = 50;
pub const MAX_PRIZES: usize = 500;
pub const MAX_TICKETS: usize = 100_000;
pub const MAX_TEAMS: usize = 32;
pub const MAX_ROUNDS: usize = 100;
pub const MAX_WINNERS: usize = 10_000;
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// Body as JSON, or `malformed_json`.
pub fn json(bytes: &[u8]) -> Result<Value, Failure> {
    serde_json::from_slice(bytes).map_err(|e| Failure::malformed_json(format!("the body is not JSON: {e}")))
}

/// A document that carries the contract `version`: `unsupported_version` unless it is ours.
pub fn check_version(value: &Value) -> Result<(), Failure> {
    match value.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(u64::from(CONTRACT_VERSION)) => Ok(()),
        Some(Value::Number(n)) => Err(Failure::new(
            axum::http::StatusCode::BAD_REQUEST,
            "unsupported_version",
            format!("contract version {n} is not supported (this server speaks version {CONTRACT_VERSION})"),
        )),
        Some(_) => Err(Failure::invalid_body("`version` must be an unsigned integer")),
        None => Err(Failure::invalid_body("missing field `version`")),
    }
}

/// Deserialize a wire type strictly: wrong or missing fields and unknown fields are `invalid_body`
/// naming the field's path.
pub fn wire_from_value<T: DeserializeOwned + Serialize>(value: Value) -> Result<T, Failure> {
    let parsed: T = input_from_value(&value)?;
    let written = serde_json::to_value(&parsed).map_err(Failure::internal)?;
    let mut path = String::new();
    if let Some(unknown) = first_unknown_field(&value, &written, &mut path) {
        return Err(Failure::invalid_body(format!("unknown field `{unknown}`")));
    }
    Ok(parsed)
}

/// Deserialize a server input type (which denies unknown fields itself), naming the failing path.
pub fn input_from_value<T: DeserializeOwned>(value: &Value) -> Result<T, Failure> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            Failure::invalid_body(inner.to_string())
        } else {
            Failure::invalid_body(format!("at `{path}`: {inner}"))
        }
    })
}

/// The path of the first key of `input` that `known` (the same value written back by its type) lacks.
fn first_unknown_field(input: &Value, known: &Value, path: &mut String) -> Option<String> {
    match (input, known) {
        (Value::Object(input), Value::Object(known)) => {
            for (key, value) in input {
                let at = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let found = match known.get(key) {
                    None => Some(path.clone()),
                    Some(known_value) => first_unknown_field(value, known_value, path),
                };
                path.truncate(at);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (Value::Array(input), Value::Array(known)) => {
            for (i, (value, known_value)) in input.iter().zip(known).enumerate() {
                let at = path.len();
                path.push_str(&format!("[{i}]"));
                let found = first_unknown_field(value, known_value, path);
                path.truncate(at);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        _ => None,
    }
}

/// For `PUT …/{id}` bodies: the body may leave out `id`; if it names one, it must be the path's.
pub fn with_path_id(mut value: Value, key: &str, id: &str) -> Result<Value, Failure> {
    let Value::Object(map) = &mut value else {
        return Err(Failure::invalid_body("the body must be a JSON object"));
    };
    match map.get(key) {
        None => {
            map.insert(key.to_string(), Value::String(id.to_string()));
        }
        Some(Value::String(given)) if given == id => {}
        Some(other) => {
            return Err(Failure::invalid_body(format!(
                "`{key}` in the body ({other}) is not the `{id}` of the path"
            )));
        }
    }
    Ok(value)
}

fn bad(message: String) -> Failure {
    Failure::invalid_body(message)
}

pub fn check_id(what: &str, id: &str) -> Result<(), Failure> {
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
        return Err(bad(format!("{what} must be 1 to {MAX_ID_CHARS} characters")));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(format!("{what} `{id}` must not contain spaces or control characters")));
    }
    Ok(())
}

pub fn check_text(what: &str, text: &str, max: usize) -> Result<(), Failure> {
    if text.trim().is_empty() {
        return Err(bad(format!("{what} must not be empty")));
    }
    check_optional_text(what, text, max)
}

/// Like `check_text`, but may be empty. Kiosks draw single lines, so no line breaks.
fn check_optional_text(what: &str, text: &str, max: usize) -> Result<(), Failure> {
    if text.chars().count() > max {
        return Err(bad(format!("{what} is longer than {max} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(bad(format!("{what} must not contain control characters or line breaks")));
    }
    Ok(())
}

/// RFC 3339 times have four-digit years. chrono also reads `+262142-12-31T…`, which the contract
/// cannot carry and which overflows as soon as a length is added to it.
fn check_time(what: &str, time: &DateTime<FixedOffset>) -> Result<(), Failure> {
    if !(0..=9999).contains(&time.year()) {
        return Err(bad(format!("{what} {time} is outside the years 0000 to 9999 of RFC 3339")));
    }
    Ok(())
}

fn check_color(what: &str, color: &str) -> Result<(), Failure> {
    parse_hex_color(color).map(|_| ()).map_err(|e| bad(format!("{what}: {e}")))
}

fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), Failure> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(bad(format!("{what} `{id}` appears twice")));
        }
    }
    Ok(())
}

fn check_count(what: &str, count: usize, max: usize) -> Result<(), Failure> {
    if count > max {
        return Err(bad(format!("{count} {what} are more than the limit of {max}")));
    }
    Ok(())
}

pub fn check_event(event: &EventInfo) -> Result<(), Failure> {
    check_id("event id", &event.id)?;
    check_text("event name", &event.name, MAX_NAME_CHARS)?;
    event
        .time_zone
        .parse::<chrono_tz::Tz>()
        .map_err(|_| bad(format!("time_zone `{}` is not an IANA time zone name", event.time_zone)))?;
    if event.end_date < event.start_date {
        return Err(bad("end_date is before start_date".into()));
    }
    if let Some(venue) = &event.venue {
        check_optional_text("venue", venue, MAX_NAME_CHARS)?;
    }
    check_count("tracks", event.tracks.len(), MAX_TRACKS)?;
    check_count("rooms", event.rooms.len(), MAX_ROOMS)?;
    for track in &event.tracks {
        check_id("track id", &track.id)?;
        check_text(&format!("track `{}` name", track.id), &track.name, MAX_NAME_CHARS)?;
        check_color(&format!("track `{}` color", track.id), &track.color)?;
    }
    for room in &event.rooms {
        check_id("room id", &room.id)?;
        check_text(&format!("room `{}` name", room.id), &room.name, MAX_NAME_CHARS)?;
        if let Some(short) = &room.short_name {
            check_optional_text(&format!("room `{}` short_name", room.id), short, MAX_NAME_CHARS)?;
        }
    }
    unique("track id", event.tracks.iter().map(|t| t.id.as_str()))?;
    unique("room id", event.rooms.iter().map(|r| r.id.as_str()))
}

pub fn check_session(session: &Session) -> Result<(), Failure> {
    let id = &session.id;
    check_id("session id", id)?;
    check_text(&format!("session `{id}` title"), &session.title, MAX_TITLE_CHARS)?;
    if let Some(subtitle) = &session.subtitle {
        check_optional_text(&format!("session `{id}` subtitle"), subtitle, MAX_TITLE_CHARS)?;
    }
    check_count("speakers", session.speakers.len(), MAX_SPEAKERS)?;
    for speaker in &session.speakers {
        check_text(&format!("session `{id}` speaker"), speaker, MAX_NAME_CHARS)?;
    }
    if let Some(track) = &session.track {
        check_id(&format!("session `{id}` track"), track)?;
    }
    if let Some(room) = &session.room {
        check_id(&format!("session `{id}` room"), room)?;
    }
    if let Some(language) = &session.language {
        check_id(&format!("session `{id}` language"), language)?;
    }
    check_time(&format!("session `{id}` start"), &session.start)?;
    check_time(&format!("session `{id}` end"), &session.end)?;
    if session.end <= session.start {
        return Err(bad(format!("session `{id}` must end after it starts")));
    }
    Ok(())
}

pub fn check_schedule(schedule: &Schedule) -> Result<(), Failure> {
    check_count("sessions", schedule.sessions.len(), MAX_SESSIONS)?;
    for session in &schedule.sessions {
        check_session(session)?;
    }
    unique("session id", schedule.sessions.iter().map(|s| s.id.as_str()))
}

pub fn check_heartbeat(heartbeat: &Heartbeat) -> Result<(), Failure> {
    if heartbeat.version != 1 {
        return Err(Failure::new(
            axum::http::StatusCode::BAD_REQUEST,
            "unsupported_version",
            format!("heartbeat version {} is not supported (1 is)", heartbeat.version),
        ));
    }
    check_id("kiosk_id", &heartbeat.kiosk_id)?;
    if !matches!(heartbeat.screen.as_str(), "schedule" | "draw" | "game" | "casino") {
        return Err(bad(format!("screen `{}` is not schedule, draw, game or casino", heartbeat.screen)));
    }
    if let Some(room) = &heartbeat.room {
        check_text("room", room, MAX_NAME_CHARS)?;
    }
    check_text("app_version", &heartbeat.app_version, 64)?;
    check_text("feed_revision", &heartbeat.feed_revision, 512)?;
    check_text("connection", &heartbeat.connection, 32)?;
    if !heartbeat.fps.is_finite() || !(0.0..=1000.0).contains(&heartbeat.fps) {
        return Err(bad(format!("fps {} is not between 0 and 1000", heartbeat.fps)));
    }
    check_time("sent_at", &heartbeat.sent_at)
}

pub fn check_message(message: &Message) -> Result<(), Failure> {
    check_id("message id", &message.id)?;
    let what = format!("message `{}` text", message.id);
    check_text(&what, &message.text, MAX_MESSAGE_CHARS)?;
    check_time(&format!("message `{}` starts", message.id), &message.starts)?;
    check_time(&format!("message `{}` expires", message.id), &message.expires)?;
    if message.expires <= message.starts {
        return Err(bad(format!("message `{}` must expire after it starts", message.id)));
    }
    if message.emergency && message.priority != Priority::Urgent {
        return Err(bad(format!(
            "message `{}` is an emergency, so its priority must be `urgent`",
            message.id
        )));
    }
    for (what, targets) in [("rooms", &message.rooms), ("groups", &message.groups)] {
        if targets.len() > MAX_MESSAGE_TARGETS {
            return Err(bad(format!(
                "message `{}` names more than {MAX_MESSAGE_TARGETS} {what}",
                message.id
            )));
        }
        for target in targets {
            check_id(&format!("message `{}` {what} entry", message.id), target)?;
        }
    }
    Ok(())
}

/// Checks a prize and puts its eligibility groups in normal form (contract 1.1).
pub fn check_prize(prize: &mut Prize) -> Result<(), Failure> {
    check_id("prize id", &prize.id)?;
    let what = format!("prize `{}`", prize.id);
    prize.eligible_groups = check_groups(&format!("{what} eligible_groups"), &prize.eligible_groups)?;
    prize.excluded_groups = check_groups(&format!("{what} excluded_groups"), &prize.excluded_groups)?;
    if let Some(both) = prize.eligible_groups.iter().find(|g| prize.excluded_groups.contains(g)) {
        return Err(bad(format!("{what}: group `{both}` cannot be both eligible and excluded")));
    }
    check_text(&format!("prize `{}` name", prize.id), &prize.name, MAX_NAME_CHARS)?;
    if let Some(url) = &prize.image_url {
        check_text(&format!("prize `{}` image_url", prize.id), url, MAX_URL_CHARS)?;
    }
    if prize.winner_count == 0 || prize.winner_count as usize > MAX_WINNERS {
        return Err(bad(format!("prize `{}` winner_count must be 1 to {MAX_WINNERS}", prize.id)));
    }
    if prize.batch_size == Some(0) {
        return Err(bad(format!("prize `{}` batch_size must be at least 1", prize.id)));
    }
    Ok(())
}

/// Checks a ticket and puts its eligibility groups in normal form (contract 1.1).
pub fn check_ticket(ticket: &mut Ticket) -> Result<(), Failure> {
    let what = format!("ticket {}", ticket.number);
    check_text(&format!("{what} display_name"), &ticket.display_name, MAX_NAME_CHARS)?;
    check_id(&format!("{what} holder"), &ticket.holder)?;
    if !ticket.groups.is_empty() {
        ticket.groups = check_groups(&format!("{what} groups"), &ticket.groups)?;
    }
    Ok(())
}

/// A list of eligibility groups in normal form (`venue_contract::groups`), or why not.
fn check_groups(what: &str, groups: &[String]) -> Result<Vec<String>, Failure> {
    groups::normalize_list(groups).map_err(|e| bad(format!("{what}: {e}")))
}

pub fn check_team(team: &Team) -> Result<(), Failure> {
    check_id("team id", &team.id)?;
    check_text(&format!("team `{}` name", team.id), &team.name, MAX_NAME_CHARS)?;
    check_color(&format!("team `{}` color", team.id), &team.color)?;
    if let Some(key) = &team.key {
        check_id(&format!("team `{}` key", team.id), key)?;
    }
    Ok(())
}

pub fn check_rounds(rounds: &[Round]) -> Result<(), Failure> {
    check_count("rounds", rounds.len(), MAX_ROUNDS)?;
    let mut seen = HashSet::new();
    for round in rounds {
        let i = round.index;
        if !seen.insert(i) {
            return Err(bad(format!("round index {i} appears twice")));
        }
        check_text(&format!("round {i} name"), &round.name, MAX_NAME_CHARS)?;
        let positive = |x: f32| x.is_finite() && x > 0.0;
        if !positive(round.weight) || !positive(round.speed) {
            return Err(bad(format!("round {i} needs a positive weight and speed")));
        }
        if !(round.difficulty.is_finite() && (0.0..=10.0).contains(&round.difficulty)) {
            return Err(bad(format!("round {i} difficulty must be 0 to 10")));
        }
        if round.pieces == 0 || round.pieces > 10_000 {
            return Err(bad(format!("round {i} pieces must be 1 to 10000")));
        }
    }
    Ok(())
}

fn check_hex(what: &str, text: &str, max: usize) -> Result<(), Failure> {
    if text.is_empty() || text.len() > max || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(format!("{what} must be 1 to {max} hex digits")));
    }
    Ok(())
}

/// A seed commitment to register: SHA-256 in hex, exactly 64 digits.
pub fn check_draw_commitment(commitment: &DrawCommitment) -> Result<(), Failure> {
    if commitment.seed_commitment.len() != 64 || !commitment.seed_commitment.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("seed_commitment must be 64 hex digits (the SHA-256 of the seed)".into()));
    }
    if let Some(prize_id) = &commitment.prize_id {
        check_id("prize_id", prize_id)?;
    }
    Ok(())
}

pub fn check_draw_result(result: &DrawResult) -> Result<(), Failure> {
    check_id("prize_id", &result.prize_id)?;
    check_hex("seed_commitment", &result.seed_commitment, 128)?;
    check_hex("seed", &result.seed, 256)?;
    check_hex("tickets_hash", &result.tickets_hash, 128)?;
    check_text("algorithm", &result.algorithm, MAX_NAME_CHARS)?;
    if result.winners.is_empty() {
        return Err(bad("winners must not be empty".into()));
    }
    check_count("winners", result.winners.len(), MAX_WINNERS)?;
    let mut seen = HashSet::new();
    if let Some(twice) = result.winners.iter().find(|w| !seen.insert(**w)) {
        return Err(bad(format!("winner {twice} appears twice")));
    }
    if let Some(reason) = &result.reason {
        check_text("reason", reason, MAX_NAME_CHARS)?;
    }
    if let Some(nonce) = &result.server_nonce {
        check_hex("server_nonce", nonce, 64)?;
    }
    if let Some(why) = &result.not_anchored {
        check_text("not_anchored", why, MAX_NAME_CHARS)?;
    }
    match (result.replaces, result.reason.is_some()) {
        (Some(absent), _) if result.winners.len() != 1 || result.winners.contains(&absent) => Err(bad(format!(
            "a replacement of ticket {absent} draws one other winner, not {:?}",
            result.winners
        ))),
        (None, true) => Err(bad("reason is for a replacement (with replaces)".into())),
        _ => Ok(()),
    }
}

pub fn check_game_result(result: &GameResult) -> Result<(), Failure> {
    check_id("game_id", &result.game_id)?;
    if result.scores.is_empty() {
        return Err(bad("scores must not be empty".into()));
    }
    check_count("scores", result.scores.len(), MAX_TEAMS)?;
    for score in &result.scores {
        check_id("team_id", &score.team_id)?;
    }
    unique("team_id", result.scores.iter().map(|s| s.team_id.as_str()))
}

/// `Idempotency-Key`: printable ASCII without spaces, bounded.
pub fn check_idempotency_key(key: &str) -> Result<(), Failure> {
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Failure::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters without spaces"),
        ));
    }
    Ok(())
}

/// Tickets from a JSON object or a JSON array.
pub fn tickets_from_json(value: Value) -> Result<Vec<Ticket>, Failure> {
    let mut tickets: Vec<Ticket> = match value {
        Value::Array(_) => wire_from_value(value)?,
        Value::Object(_) => vec![wire_from_value(value)?],
        _ => return Err(Failure::invalid_body("tickets must be a JSON object or an array of them")),
    };
    check_tickets(&mut tickets)?;
    Ok(tickets)
}

/// Tickets from CSV, all or nothing: columns by header name in any order (the kiosk's import format,
/// [`venue_contract::ticket_csv`]); without a header, contract v1's `number,display_name,holder`.
pub fn tickets_from_csv(text: &str) -> Result<Vec<Ticket>, Failure> {
    let mut tickets = ticket_csv::read_all(text, Headerless::ContractOrder).map_err(|e| Failure::invalid_body(format!("CSV: {e}")))?;
    check_tickets(&mut tickets)?;
    Ok(tickets)
}

/// A ticket CSV read for a preview: every ticket that reads, and every problem with its line
/// (at most [`MAX_REPORTED_PROBLEMS`]), so the organiser fixes the file in one go.
#[derive(Debug, Default)]
pub struct TicketCsvReport {
    pub tickets: Vec<Ticket>,
    pub problems: Vec<String>,
    /// Problems beyond those listed.
    pub more_problems: usize,
}

pub const MAX_REPORTED_PROBLEMS: usize = ticket_csv::LISTED_PROBLEMS;

/// The same reader as [`tickets_from_csv`], for the console's preview.
pub fn ticket_csv_report(text: &str) -> TicketCsvReport {
    match ticket_csv::read(text, Headerless::ContractOrder) {
        Ok(read) => {
            let mut report = TicketCsvReport {
                tickets: read.tickets,
                problems: read.problems,
                more_problems: read.more_problems,
            };
            // The reader keeps to the wire rules; the server's own checks have the last word.
            report.tickets.retain_mut(|ticket| match check_ticket(ticket) {
                Ok(()) => true,
                Err(failure) => {
                    if report.problems.len() < MAX_REPORTED_PROBLEMS {
                        report.problems.push(failure.message);
                    } else {
                        report.more_problems += 1;
                    }
                    false
                }
            });
            report
        }
        Err(e) => TicketCsvReport {
            problems: vec![format!("CSV: {e}")],
            ..TicketCsvReport::default()
        },
    }
}

fn check_tickets(tickets: &mut [Ticket]) -> Result<(), Failure> {
    if tickets.is_empty() {
        return Err(Failure::invalid_body("no tickets in the body"));
    }
    check_count("tickets", tickets.len(), MAX_TICKETS)?;
    let mut numbers = HashSet::with_capacity(tickets.len());
    for ticket in tickets.iter_mut() {
        check_ticket(ticket)?;
        if !numbers.insert(ticket.number) {
            return Err(bad(format!("ticket number {} appears twice", ticket.number)));
        }
    }
    Ok(())
}

/// Read a field that may be absent (keep) or `null` (clear) as `Some(None)`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PATCH /api/v1/admin/sessions/{id}`: fields to change; absent fields are kept, `null` clears an
/// optional one. Giving only `start` moves the session and keeps its length.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPatch {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub subtitle: Option<Option<String>>,
    pub speakers: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub track: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub room: Option<Option<String>>,
    pub start: Option<DateTime<FixedOffset>>,
    pub end: Option<DateTime<FixedOffset>>,
    pub kind: Option<SessionKind>,
    #[serde(default, deserialize_with = "present")]
    pub language: Option<Option<String>>,
    pub cancelled: Option<bool>,
}

impl SessionPatch {
    /// The session with this patch applied (not yet checked).
    pub fn apply(self, mut session: Session) -> Session {
        let length = session.end - session.start;
        if let Some(title) = self.title {
            session.title = title;
        }
        if let Some(subtitle) = self.subtitle {
            session.subtitle = subtitle;
        }
        if let Some(speakers) = self.speakers {
            session.speakers = speakers;
        }
        if let Some(track) = self.track {
            session.track = track;
        }
        if let Some(room) = self.room {
            session.room = room;
        }
        match (self.start, self.end) {
            (Some(start), Some(end)) => (session.start, session.end) = (start, end),
            // A start near the end of chrono's range overflows: keep the session empty, which
            // the checks then refuse by naming the start.
            (Some(start), None) => (session.start, session.end) = (start, start.checked_add_signed(length).unwrap_or(start)),
            (None, Some(end)) => session.end = end,
            (None, None) => {}
        }
        if let Some(kind) = self.kind {
            session.kind = kind;
        }
        if let Some(language) = self.language {
            session.language = language;
        }
        if let Some(cancelled) = self.cancelled {
            session.cancelled = cancelled;
        }
        session
    }
}

/// `PATCH /api/v1/admin/messages/{id}`: fields to change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagePatch {
    pub text: Option<String>,
    pub priority: Option<Priority>,
    pub starts: Option<DateTime<FixedOffset>>,
    pub expires: Option<DateTime<FixedOffset>>,
    pub emergency: Option<bool>,
    pub rooms: Option<Vec<String>>,
    pub groups: Option<Vec<String>>,
}

impl MessagePatch {
    pub fn apply(self, mut message: Message) -> Message {
        if let Some(text) = self.text {
            message.text = text;
        }
        if let Some(priority) = self.priority {
            message.priority = priority;
        }
        if let Some(starts) = self.starts {
            message.starts = starts;
        }
        if let Some(expires) = self.expires {
            message.expires = expires;
        }
        if let Some(emergency) = self.emergency {
            message.emergency = emergency;
        }
        if let Some(rooms) = self.rooms {
            message.rooms = rooms;
        }
        if let Some(groups) = self.groups {
            message.groups = groups;
        }
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_named_with_their_path() {
        let value = json!({"version": 1, "sessions": [{"id": "s1", "title": "T", "start": "2026-12-03T10:00:00+09:00",
            "end": "2026-12-03T11:00:00+09:00", "kind": "talk", "colour": "red"}]});
        let err = wire_from_value::<Schedule>(value).unwrap_err();
        assert_eq!(err.code, "invalid_body");
        assert!(err.message.contains("`sessions[0].colour`"), "{}", err.message);
    }

    #[test]
    fn known_optional_fields_given_as_null_are_accepted() {
        let value = json!({"id": "s1", "title": "T", "start": "2026-12-03T10:00:00+09:00",
            "end": "2026-12-03T11:00:00+09:00", "kind": "talk", "room": null, "cancelled": true});
        let session: Session = wire_from_value(value).unwrap();
        assert!(session.cancelled);
    }

    #[test]
    fn wrong_fields_are_named() {
        let err = wire_from_value::<Ticket>(json!({"number": "x", "display_name": "A*", "holder": "h"})).unwrap_err();
        assert!(err.message.contains("`number`"), "{}", err.message);
        let err = input_from_value::<SessionPatch>(&json!({"titel": "x"})).unwrap_err();
        assert!(err.message.contains("titel"), "{}", err.message);
    }

    #[test]
    fn versions() {
        assert!(check_version(&json!({"version": 1})).is_ok());
        assert_eq!(check_version(&json!({"version": 2})).unwrap_err().code, "unsupported_version");
        assert_eq!(check_version(&json!({})).unwrap_err().code, "invalid_body");
    }

    #[test]
    fn csv_tickets_with_header_and_quotes() {
        let tickets = tickets_from_csv("number,display_name,holder\n1001,\"Kim, J.\",h-1\n1002,오*원,h-2\n").unwrap();
        assert_eq!(tickets.len(), 2);
        assert_eq!(tickets[0].display_name, "Kim, J.");
        assert!(tickets_from_csv("1001,A*\n").unwrap_err().message.contains("has 3"));
        assert!(
            tickets_from_csv("1,A*,h\n1,B*,h\n")
                .unwrap_err()
                .message
                .contains("ticket 1 is already on line 1")
        );
        let err = tickets_from_csv("x,A*,h\n").unwrap_err().message;
        assert!(err.contains("header has no `number` column"), "{err}");
        assert!(
            tickets_from_csv("number,holder\nx,h\n")
                .unwrap_err()
                .message
                .contains("not a ticket number")
        );
    }

    /// Found by tests/parsers_prop.rs: moving a session to chrono's last year panicked in
    /// `apply` (`DateTime + TimeDelta` overflowed), and such years were accepted.
    #[test]
    fn session_patch_to_the_end_of_time_is_refused_not_a_panic() {
        let session: Session = wire_from_value(json!({"id": "s1", "title": "T", "start": "2026-12-03T10:00:00+09:00",
            "end": "2026-12-03T10:40:00+09:00", "kind": "talk"}))
        .unwrap();
        let patch: SessionPatch = input_from_value(&json!({"start": "+262142-12-31T23:59:59Z"})).unwrap();
        let err = check_session(&patch.apply(session.clone())).unwrap_err();
        assert!(err.message.contains("session `s1` start"), "{}", err.message);
        let far: Session = wire_from_value(json!({"id": "s2", "title": "T", "start": "+20000-01-01T00:00:00Z",
            "end": "+20000-01-01T01:00:00Z", "kind": "talk"}))
        .unwrap();
        assert!(check_session(&far).unwrap_err().message.contains("0000 to 9999"));
    }

    #[test]
    fn session_patch_moves_and_keeps_length() {
        let session: Session = wire_from_value(json!({"id": "s1", "title": "T", "start": "2026-12-03T10:00:00+09:00",
            "end": "2026-12-03T10:40:00+09:00", "kind": "talk", "room": "r1"}))
        .unwrap();
        let patch: SessionPatch = input_from_value(&json!({"start": "2026-12-03T15:00:00+09:00", "room": null})).unwrap();
        let moved = patch.apply(session);
        assert_eq!((moved.end - moved.start).num_minutes(), 40);
        assert_eq!(moved.room, None);
        assert_eq!(moved.title, "T");
    }

    #[test]
    fn a_ticket_csv_report_names_every_bad_line() {
        let text = "number,display_name,holder\n1,김*수,h1\nx,A,h2\n3,B\n1,C,h3\n4,D,h4\n";
        let report = ticket_csv_report(text);
        assert_eq!(report.tickets.iter().map(|t| t.number).collect::<Vec<_>>(), [1, 4]);
        assert_eq!(report.problems.len(), 3, "{:?}", report.problems);
        assert!(report.problems[0].starts_with("line 3:"), "{:?}", report.problems);
        assert!(report.problems[1].starts_with("line 4:"), "{:?}", report.problems);
        assert!(
            report.problems[2].contains("line 5: ticket 1 is already on line 2"),
            "{:?}",
            report.problems
        );
    }
}
