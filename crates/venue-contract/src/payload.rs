//! Decoding and checking of endpoint payloads. Runs on the feed worker, never on the main thread.

use std::collections::HashSet;
use std::fmt;

use serde::de::DeserializeOwned;

use crate::casino::CasinoData;
use crate::groups;
use crate::pretalx;
use crate::text::{MAX_LABEL_CHARS, MAX_MESSAGE_CHARS, display_line};
use crate::wire::{CONTRACT_VERSION, DrawData, EventInfo, GameData, Messages, Schedule, parse_hex_color};

/// Contract limits (docs/contract.md, "Limits") that a kiosk cannot leave to the server: a file
/// source or another server may break them, and the draw reserves room for every winner of a batch
/// while the game builds every piece of a round each frame.
pub const MAX_WINNERS: u32 = 10_000;
pub const MAX_PIECES: u32 = 10_000;
/// The largest answer body a kiosk reads (`feed.max_body_bytes`' default, counted after
/// decompression). The event server refuses a write whose GET answer would exceed it, so a kiosk
/// on its defaults never finds a feed too large to read.
pub const KIOSK_BODY_CAP: u64 = 8 * 1024 * 1024;
/// Rounds with bets a game payload may describe (the screen draws the next round's only).
pub const MAX_BET_ROUNDS: usize = 1_000;

/// The endpoints a kiosk polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    Event,
    Schedule,
    Messages,
    Draw,
    Game,
    /// The live dice game's setup and move list (contract 1.1; optional: older servers and file
    /// sources without it answer `404` / have no file, which is not an error).
    Casino,
}

impl Endpoint {
    pub const ALL: [Endpoint; 6] = [
        Endpoint::Event,
        Endpoint::Schedule,
        Endpoint::Messages,
        Endpoint::Draw,
        Endpoint::Game,
        Endpoint::Casino,
    ];

    /// Whether a source may lack this endpoint (a `404` or a missing file means "none", not a fault).
    pub fn optional(self) -> bool {
        self == Endpoint::Casino
    }

    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Event => "event",
            Endpoint::Schedule => "schedule",
            Endpoint::Messages => "messages",
            Endpoint::Draw => "draw",
            Endpoint::Game => "game",
            Endpoint::Casino => "casino",
        }
    }

    /// Path relative to the server's base URL.
    pub fn path(self) -> String {
        format!("api/v1/{}", self.name())
    }

    /// File name in a directory source and in the disk cache.
    pub fn file_name(self) -> String {
        format!("{}.json", self.name())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A decoded, checked payload.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedPayload {
    Event(EventInfo),
    /// The schedule; `imported_event` is set when it came from a pretalx/frab export, which also
    /// describes rooms and tracks.
    Schedule {
        schedule: Schedule,
        imported_event: Option<EventInfo>,
    },
    Messages(Messages),
    Draw(DrawData),
    Game(GameData),
    Casino(CasinoData),
}

impl FeedPayload {
    pub fn endpoint(&self) -> Endpoint {
        match self {
            FeedPayload::Event(_) => Endpoint::Event,
            FeedPayload::Schedule { .. } => Endpoint::Schedule,
            FeedPayload::Messages(_) => Endpoint::Messages,
            FeedPayload::Draw(_) => Endpoint::Draw,
            FeedPayload::Game(_) => Endpoint::Game,
            FeedPayload::Casino(_) => Endpoint::Casino,
        }
    }
}

/// Decode `bytes` as the payload of `endpoint`, with the contract's checks.
pub fn decode(endpoint: Endpoint, bytes: &[u8]) -> Result<FeedPayload, String> {
    match endpoint {
        Endpoint::Event => {
            let event: EventInfo = parse(bytes)?;
            check_version(event.version)?;
            check_event(&event)?;
            Ok(FeedPayload::Event(clean_event(event)))
        }
        Endpoint::Schedule => {
            let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
            if pretalx::looks_like_pretalx(&value) {
                let (schedule, event) = pretalx::import_value(value)?;
                check_schedule(&schedule)?;
                return Ok(FeedPayload::Schedule {
                    schedule: clean_schedule(schedule),
                    imported_event: Some(clean_event(event)),
                });
            }
            let schedule: Schedule = from_value(value)?;
            check_version(schedule.version)?;
            check_schedule(&schedule)?;
            Ok(FeedPayload::Schedule {
                schedule: clean_schedule(schedule),
                imported_event: None,
            })
        }
        Endpoint::Messages => {
            let messages: Messages = parse(bytes)?;
            check_version(messages.version)?;
            unique("message id", messages.messages.iter().map(|m| m.id.as_str()))?;
            for m in &messages.messages {
                if m.expires < m.starts {
                    return Err(format!("message `{}` expires before it starts", m.id));
                }
            }
            Ok(FeedPayload::Messages(clean_messages(messages)))
        }
        Endpoint::Draw => {
            let mut draw: DrawData = parse(bytes)?;
            check_version(draw.version)?;
            // Groups are compared exactly by the draw, so every list is put in normal form.
            for t in draw.tickets.iter_mut().filter(|t| !t.groups.is_empty()) {
                t.groups = groups::normalize_list(&t.groups).map_err(|e| format!("ticket {}: {e}", t.number))?;
            }
            for p in &mut draw.prizes {
                p.eligible_groups = groups::normalize_list(&p.eligible_groups).map_err(|e| format!("prize `{}`: {e}", p.id))?;
                p.excluded_groups = groups::normalize_list(&p.excluded_groups).map_err(|e| format!("prize `{}`: {e}", p.id))?;
            }
            unique("prize id", draw.prizes.iter().map(|p| p.id.as_str()))?;
            let mut numbers = HashSet::with_capacity(draw.tickets.len());
            for t in &draw.tickets {
                if !numbers.insert(t.number) {
                    return Err(format!("ticket number {} appears twice", t.number));
                }
            }
            for p in &draw.prizes {
                if p.winner_count == 0 || p.winner_count > MAX_WINNERS {
                    return Err(format!(
                        "prize `{}` has winner_count {}; allowed 1 to {MAX_WINNERS}",
                        p.id, p.winner_count
                    ));
                }
                if p.batch_size == Some(0) {
                    return Err(format!("prize `{}` has batch_size 0", p.id));
                }
            }
            Ok(FeedPayload::Draw(clean_draw(draw)))
        }
        Endpoint::Game => {
            let game: GameData = parse(bytes)?;
            check_version(game.version)?;
            unique("team id", game.teams.iter().map(|t| t.id.as_str()))?;
            for t in &game.teams {
                parse_hex_color(&t.color).map_err(|e| format!("team `{}` color: {e}", t.id))?;
            }
            for r in &game.rounds {
                if !(r.weight.is_finite() && r.weight > 0.0 && r.speed.is_finite() && r.speed > 0.0) {
                    return Err(format!("round {} needs a positive weight and speed", r.index));
                }
                if r.pieces == 0 || r.pieces > MAX_PIECES {
                    return Err(format!("round {} has {} pieces; allowed 1 to {MAX_PIECES}", r.index, r.pieces));
                }
                if !(r.difficulty.is_finite() && (0.0..=10.0).contains(&r.difficulty)) {
                    return Err(format!("round {} difficulty {} is not 0 to 10", r.index, r.difficulty));
                }
            }
            if game.bets.len() > MAX_BET_ROUNDS {
                return Err(format!("{} rounds with bets; allowed up to {MAX_BET_ROUNDS}", game.bets.len()));
            }
            if game.bets.iter().any(|r| r.bets.len() > game.teams.len()) {
                return Err("bets name more teams than the game has".into());
            }
            Ok(FeedPayload::Game(clean_game(game)))
        }
        Endpoint::Casino => Ok(FeedPayload::Casino(crate::casino::decode(bytes)?)),
    }
}

/// Languages an event may name; more are dropped (a screen uses two at most).
pub const MAX_EVENT_LANGUAGES: usize = 8;

// Every text a screen shows, cleaned once here (see `text.rs`); ids and colours are checked above.
fn label(text: &mut String) {
    *text = display_line(text, MAX_LABEL_CHARS);
}

fn clean_event(mut event: EventInfo) -> EventInfo {
    label(&mut event.name);
    // Language tags are short ASCII (`de`, `ko-KR`, `zh-Hant`); anything else is not one.
    event
        .languages
        .retain(|tag| (2..=35).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    event.languages.truncate(MAX_EVENT_LANGUAGES);
    event.venue.iter_mut().for_each(label);
    event.tracks.iter_mut().for_each(|t| label(&mut t.name));
    for room in &mut event.rooms {
        label(&mut room.name);
        room.short_name.iter_mut().for_each(label);
    }
    event
}

fn clean_schedule(mut schedule: Schedule) -> Schedule {
    for s in &mut schedule.sessions {
        label(&mut s.title);
        s.subtitle.iter_mut().for_each(label);
        s.speakers.iter_mut().for_each(label);
        s.speakers.retain(|name| !name.is_empty());
    }
    schedule
}

fn clean_messages(mut messages: Messages) -> Messages {
    for m in &mut messages.messages {
        m.text = display_line(&m.text, MAX_MESSAGE_CHARS);
    }
    messages
}

fn clean_draw(mut draw: DrawData) -> DrawData {
    draw.prizes.iter_mut().for_each(|p| label(&mut p.name));
    draw.tickets.iter_mut().for_each(|t| label(&mut t.display_name));
    draw
}

fn clean_game(mut game: GameData) -> GameData {
    game.teams.iter_mut().for_each(|t| label(&mut t.name));
    game.rounds.iter_mut().for_each(|r| label(&mut r.name));
    game
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    // Via Value first so "malformed JSON" and "wrong shape" read differently in the log.
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
    from_value(value)
}

fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        format!("wrong shape at `{path}`: {}", e.into_inner())
    })
}

fn check_version(version: u32) -> Result<(), String> {
    if version == CONTRACT_VERSION {
        Ok(())
    } else {
        Err(format!(
            "contract version {version} is not supported (this kiosk speaks version {CONTRACT_VERSION})"
        ))
    }
}

fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(format!("{what} `{id}` appears twice"));
        }
    }
    Ok(())
}

fn check_event(event: &EventInfo) -> Result<(), String> {
    event
        .time_zone
        .parse::<chrono_tz::Tz>()
        .map_err(|_| format!("time_zone `{}` is not an IANA time zone name", event.time_zone))?;
    if event.end_date < event.start_date {
        return Err("end_date is before start_date".into());
    }
    unique("track id", event.tracks.iter().map(|t| t.id.as_str()))?;
    unique("room id", event.rooms.iter().map(|r| r.id.as_str()))?;
    for t in &event.tracks {
        parse_hex_color(&t.color).map_err(|e| format!("track `{}` color: {e}", t.id))?;
    }
    Ok(())
}

fn check_schedule(schedule: &Schedule) -> Result<(), String> {
    unique("session id", schedule.sessions.iter().map(|s| s.id.as_str()))?;
    for s in &schedule.sessions {
        if s.end < s.start {
            return Err(format!("session `{}` ends before it starts", s.id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_with(endpoint: Endpoint, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
        let mut value: serde_json::Value = serde_json::from_slice(crate::sample::body(endpoint)).unwrap();
        edit(&mut value);
        serde_json::to_vec(&value).unwrap()
    }

    /// Found by tests/parsers_prop.rs: accepted, then the draw reserved room for 4 billion winners
    /// (the process aborts) or the game built 4 billion pieces a frame.
    #[test]
    fn draw_feed_groups_are_normalized_and_bad_ones_refused() {
        let draw = sample_with(Endpoint::Draw, |v| {
            v["tickets"][0]["groups"] = serde_json::json!(["Staff", "speaker", "staff"]);
            v["prizes"][0]["excluded_groups"] = serde_json::json!([" STAFF "]);
        });
        let Ok(FeedPayload::Draw(data)) = decode(Endpoint::Draw, &draw) else {
            panic!("decodes")
        };
        assert_eq!(data.tickets[0].groups, ["speaker", "staff"]);
        assert_eq!(data.prizes[0].excluded_groups, ["staff"]);
        assert!(data.tickets[1].groups.is_empty());
        let bad = sample_with(Endpoint::Draw, |v| v["tickets"][0]["groups"] = serde_json::json!(["a b"]));
        let err = decode(Endpoint::Draw, &bad).unwrap_err();
        assert!(err.contains("group `a b`"), "{err}");
    }

    #[test]
    fn counts_past_the_contract_limits_are_refused() {
        let draw = sample_with(Endpoint::Draw, |v| v["prizes"][0]["winner_count"] = u32::MAX.into());
        let err = decode(Endpoint::Draw, &draw).unwrap_err();
        assert!(err.contains("winner_count 4294967295") && err.contains("1 to 10000"), "{err}");
        let game = sample_with(Endpoint::Game, |v| v["rounds"][0]["pieces"] = u32::MAX.into());
        assert!(decode(Endpoint::Game, &game).unwrap_err().contains("4294967295 pieces"));
        let game = sample_with(Endpoint::Game, |v| v["rounds"][0]["difficulty"] = (-3.0).into());
        assert!(decode(Endpoint::Game, &game).unwrap_err().contains("difficulty -3"));
        let game = sample_with(Endpoint::Game, |v| v["rounds"][0]["difficulty"] = 1e39.into());
        assert!(decode(Endpoint::Game, &game).unwrap_err().contains("difficulty"));
    }
}
