//! Import of a pretalx / frab `schedule.json` (the c3voc schedule format) into contract v1.
//!
//! Tree: `schedule.conference{title, time_zone_name, start, end, tracks[], rooms[], days[]}`, each
//! day `{date, rooms: {"Room name": [event…]}}`, each event `{guid, id, date (RFC 3339), start "HH:MM",
//! duration "HH:MM", room, title, subtitle, track, type, language, persons[{public_name}]}`.
//! Rooms and tracks become ids by slug; an event's `type` naming a break/pause becomes a break.
//!
//! Version 2 of the format (the CCC hub's export, `voc/schedule` `validator/json/schema2.json`) keeps
//! `schedule.conference` (its `days` carry no rooms) and lists every event flat in `schedule.events`:
//! `start`/`end` (RFC 3339; a `duration` instead of `end` is accepted), `room` as an object
//! `{name, slug, guid}` (or a name), `track` as an object `{slug}` (or a name), `participants[{name}]`
//! (or v1's `persons`). Both shapes may appear in one file; an export that lists no event is refused,
//! so an import never yields an empty schedule by accident.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde_json::Value;

use crate::wire::{CONTRACT_VERSION, EventInfo, Room, Schedule, Session, SessionKind, Track};

/// Colours for tracks that come without one (they glow well on the dark sky).
const PALETTE: [&str; 8] = [
    "#3DDBD9", "#A78BFA", "#FBBF24", "#F472B6", "#60A5FA", "#34D399", "#FB923C", "#E879F9",
];

pub fn looks_like_pretalx(value: &Value) -> bool {
    value
        .get("schedule")
        .and_then(|s| s.get("conference"))
        .is_some_and(Value::is_object)
}

pub fn import_bytes(bytes: &[u8]) -> Result<(Schedule, EventInfo), String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
    import_value(value)
}

pub fn import_value(value: Value) -> Result<(Schedule, EventInfo), String> {
    let conf = value
        .get("schedule")
        .and_then(|s| s.get("conference"))
        .ok_or("not a pretalx/frab schedule: no `schedule.conference`")?;
    let title = str_at(conf, "title", "schedule.conference")?.to_string();
    let time_zone = conf.get("time_zone_name").and_then(Value::as_str).unwrap_or("UTC").to_string();
    time_zone
        .parse::<chrono_tz::Tz>()
        .map_err(|_| format!("schedule.conference.time_zone_name `{time_zone}` is not an IANA zone"))?;

    let mut tracks: Vec<Track> = Vec::new();
    if let Some(list) = conf.get("tracks").and_then(Value::as_array) {
        for (i, t) in list.iter().enumerate() {
            let name = str_at(t, "name", &format!("schedule.conference.tracks[{i}]"))?;
            let id = t
                .get("slug")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| slug(name));
            let color = t
                .get("color")
                .or_else(|| t.get("colors").and_then(|c| c.get("dark").or_else(|| c.get("light"))))
                .and_then(Value::as_str)
                .filter(|c| crate::wire::parse_hex_color(c).is_ok())
                .map(str::to_ascii_uppercase)
                .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_string());
            tracks.push(Track {
                id,
                name: name.to_string(),
                color,
            });
        }
    }
    let mut rooms: Vec<Room> = Vec::new();
    // Room guids (v2 events name their room by guid) → room ids.
    let mut room_guids: Vec<(String, String)> = Vec::new();
    let add_room = |name: &str, id: Option<&str>, rooms: &mut Vec<Room>| {
        if !rooms.iter().any(|r| r.name == name) {
            let id = id.map(str::to_string).unwrap_or_else(|| slug(name));
            rooms.push(Room {
                id,
                name: name.to_string(),
                short_name: None,
            });
        }
    };
    if let Some(list) = conf.get("rooms").and_then(Value::as_array) {
        for r in list {
            if let Some(name) = r.get("name").and_then(Value::as_str) {
                add_room(name, r.get("slug").and_then(Value::as_str).filter(|s| !s.is_empty()), &mut rooms);
                if let (Some(guid), Some(room)) = (r.get("guid").and_then(Value::as_str), rooms.iter().find(|x| x.name == name)) {
                    room_guids.push((guid.to_string(), room.id.clone()));
                }
            }
        }
    }

    let flat_events = value.get("schedule").and_then(|s| s.get("events")).and_then(Value::as_array);
    let days = match (conf.get("days").and_then(Value::as_array), flat_events) {
        (Some(days), _) => days.as_slice(),
        (None, Some(_)) => &[],
        (None, None) => return Err("schedule.conference.days is missing and there is no schedule.events list".into()),
    };
    let mut sessions = Vec::new();
    for (d, day) in days.iter().enumerate() {
        let Some(day_rooms) = day.get("rooms").and_then(Value::as_object) else {
            continue;
        };
        for (room_name, events) in day_rooms {
            add_room(room_name, None, &mut rooms);
            let events = events
                .as_array()
                .ok_or_else(|| format!("days[{d}].rooms[{room_name}] is not a list"))?;
            for (e, event) in events.iter().enumerate() {
                let at = format!("days[{d}].rooms[{room_name}][{e}]");
                let name = event.get("room").and_then(Value::as_str).unwrap_or(room_name);
                add_room(name, None, &mut rooms);
                let room_id = rooms
                    .iter()
                    .find(|r| r.name == name)
                    .map(|r| r.id.clone())
                    .unwrap_or_else(|| slug(name));
                sessions.push(import_event(event, &room_id, &tracks, &at)?);
            }
        }
    }
    for (e, event) in flat_events.into_iter().flatten().enumerate() {
        let at = format!("schedule.events[{e}]");
        let room_id = match event.get("room") {
            Some(Value::String(name)) if !name.is_empty() => {
                add_room(name, None, &mut rooms);
                rooms.iter().find(|r| &r.name == name).map(|r| r.id.clone())
            }
            Some(room @ Value::Object(_)) => {
                let text = |key: &str| room.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
                let known = text("guid")
                    .and_then(|g| room_guids.iter().find(|(guid, _)| guid == g).map(|(_, id)| id.clone()))
                    .or_else(|| text("slug").and_then(|s| rooms.iter().find(|r| r.id == s).map(|r| r.id.clone())))
                    .or_else(|| text("name").and_then(|n| rooms.iter().find(|r| r.name == n).map(|r| r.id.clone())));
                match (known, text("name")) {
                    (Some(id), _) => Some(id),
                    (None, Some(name)) => {
                        add_room(name, text("slug"), &mut rooms);
                        rooms.iter().find(|r| r.name == name).map(|r| r.id.clone())
                    }
                    (None, None) => return Err(format!("{at}.room names no room of schedule.conference.rooms and has no name")),
                }
            }
            _ => None,
        };
        let mut imported = import_event(event, room_id.as_deref().unwrap_or(""), &tracks, &at)?;
        if room_id.is_none() {
            imported.session.room = None;
        }
        sessions.push(imported);
    }
    if sessions.is_empty() {
        return Err(
            "the export holds no session: neither schedule.conference.days[].rooms nor schedule.events lists an event \
             (refused, so that an import never empties a schedule by accident)"
                .into(),
        );
    }
    // A track named only on events (older frab exports) still gets an entry and a colour.
    for s in &sessions {
        if let Some(id) = &s.session.track
            && !tracks.iter().any(|t| &t.id == id)
        {
            let name = s.track_name_hint.clone().unwrap_or_else(|| id.clone());
            let color = PALETTE[tracks.len() % PALETTE.len()].to_string();
            tracks.push(Track {
                id: id.clone(),
                name,
                color,
            });
        }
    }
    sessions.sort_by(|a, b| a.session.start.cmp(&b.session.start).then_with(|| a.session.id.cmp(&b.session.id)));
    let sessions: Vec<Session> = sessions.into_iter().map(|s| s.session).collect();
    // The conference's own list when it gives one (the CCC hub's `languages`), else the language
    // most of its talks are in.
    let declared: Vec<String> = conf
        .get("languages")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let languages = if declared.is_empty() {
        main_language(&sessions).into_iter().collect()
    } else {
        declared
    };

    let date_of = |key: &str| -> Option<NaiveDate> {
        let text = conf.get(key)?.as_str()?;
        NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
    };
    let first = sessions.first().map(|s| s.start.date_naive());
    let last = sessions.last().map(|s| s.end.date_naive());
    let start_date = date_of("start")
        .or(first)
        .ok_or("schedule.conference.start is missing and there are no events")?;
    let end_date = date_of("end").or(last).unwrap_or(start_date).max(start_date);
    let id = conf
        .get("acronym")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| slug(&title));
    let event = EventInfo {
        version: CONTRACT_VERSION,
        id,
        name: title,
        time_zone,
        start_date,
        end_date,
        venue: None,
        tracks,
        rooms,
        languages,
    };
    Ok((
        Schedule {
            version: CONTRACT_VERSION,
            sessions,
        },
        event,
    ))
}

/// The language most sessions are held in (`de` for `de-DE`), the first seen on a tie: what the
/// screens of an event known only from its export are labelled in. A mix of talk languages does
/// not make the signage bilingual; organisers choose that (`display.language`).
fn main_language(sessions: &[Session]) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for tag in sessions.iter().filter_map(|s| s.language.as_deref()) {
        let primary = tag.split(['-', '_']).next().unwrap_or(tag).trim().to_ascii_lowercase();
        if primary.len() < 2 || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        match counts.iter_mut().find(|(t, _)| *t == primary) {
            Some((_, n)) => *n += 1,
            None => counts.push((primary, 1)),
        }
    }
    let most = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == most).map(|(t, _)| t)
}

struct Imported {
    session: Session,
    track_name_hint: Option<String>,
}

fn import_event(event: &Value, room_id: &str, tracks: &[Track], at: &str) -> Result<Imported, String> {
    let title = str_at(event, "title", at)?.to_string();
    // v1: `date` is the instant and `start` "HH:MM"; v2: `start` is the instant.
    let start_key = match event.get("start").and_then(Value::as_str) {
        Some(text) if DateTime::parse_from_rfc3339(text).is_ok() => "start",
        _ if event.get("date").is_some() => "date",
        _ => "start",
    };
    let date = str_at(event, start_key, at)?;
    let start: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339(date).map_err(|e| format!("{at}.{start_key} `{date}` is not RFC 3339: {e}"))?;
    let end = match event.get("end").and_then(Value::as_str) {
        Some(text) if event.get("duration").is_none() || start_key == "start" => {
            DateTime::parse_from_rfc3339(text).map_err(|e| format!("{at}.end `{text}` is not RFC 3339: {e}"))?
        }
        _ => {
            let duration_text = str_at(event, "duration", at)?;
            let duration = parse_duration(duration_text).ok_or_else(|| format!("{at}.duration `{duration_text}` is not HH:MM"))?;
            start
                .checked_add_signed(duration)
                .ok_or_else(|| format!("{at}.duration `{duration_text}` is too long"))?
        }
    };
    let text_of = |key: &str| event.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let id = match (text_of("guid"), text_of("code"), event.get("id")) {
        (Some(guid), _, _) => guid.to_string(),
        (None, Some(code), _) => format!("pretalx-{code}"),
        (None, None, Some(Value::Number(n))) => format!("pretalx-{n}"),
        (None, None, Some(Value::String(s))) if !s.is_empty() => format!("pretalx-{s}"),
        _ => return Err(format!("{at} has no guid, code or id")),
    };
    // A name (v1, some v2 exporters) or an object `{slug, name}` (the CCC hub).
    let track_name = match event.get("track") {
        Some(Value::Object(t)) => t.get("name").or_else(|| t.get("slug")).and_then(Value::as_str),
        other => other.and_then(Value::as_str),
    }
    .filter(|s| !s.is_empty());
    let track = track_name.map(|name| {
        tracks
            .iter()
            .find(|t| t.name == name || t.id == name)
            .map(|t| t.id.clone())
            .unwrap_or_else(|| slug(name))
    });
    let kind_text = event.get("type").and_then(Value::as_str).unwrap_or("").to_lowercase();
    let kind = if ["break", "pause", "lunch", "coffee"].iter().any(|w| kind_text.contains(w)) {
        SessionKind::Break
    } else if kind_text.contains("keynote") {
        SessionKind::Keynote
    } else if kind_text.contains("workshop") || kind_text == "hands-on" {
        SessionKind::Workshop
    } else {
        SessionKind::Talk
    };
    let speakers = event
        .get("persons")
        .or_else(|| event.get("participants"))
        .and_then(Value::as_array)
        .map(|persons| {
            persons
                .iter()
                .filter_map(|p| p.get("public_name").or_else(|| p.get("name")).and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let text = |key: &str| event.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    Ok(Imported {
        session: Session {
            id,
            title,
            subtitle: text("subtitle"),
            speakers,
            track,
            room: Some(room_id.to_string()),
            start,
            end,
            kind,
            language: text("language"),
            cancelled: false,
        },
        track_name_hint: track_name.map(str::to_string),
    })
}

fn str_at<'a>(value: &'a Value, key: &str, at: &str) -> Result<&'a str, String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{at}.{key} is missing or not text"))
}

/// `HH:MM`, `H:MM`, `HH:MM:SS` or `D:HH:MM` (frab writes days for very long items).
fn parse_duration(text: &str) -> Option<Duration> {
    let parts: Vec<i64> = text.split(':').map(|p| p.trim().parse::<i64>().ok()).collect::<Option<_>>()?;
    if parts.iter().any(|p| *p < 0) {
        return None;
    }
    // Checked: the numbers come from the file, and `99999999999999:00` must not overflow.
    let minutes = match *parts.as_slice() {
        [h, m] => h.checked_mul(60)?.checked_add(m)?,
        [h, m, s] if text.len() == 8 => h.checked_mul(60)?.checked_add(m)?.checked_add(s / 60)?,
        [d, h, m] => d.checked_mul(24 * 60)?.checked_add(h.checked_mul(60)?)?.checked_add(m)?,
        _ => return None,
    };
    Duration::try_minutes(minutes)
}

/// Lower-case ASCII slug; non-ASCII letters are kept so Korean room names stay distinct.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "room".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("00:30"), Some(Duration::minutes(30)));
        assert_eq!(parse_duration("1:30"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("01:30:00"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("abc"), None);
        assert_eq!(parse_duration("-1:00"), None);
    }

    /// Found by tests/parsers_prop.rs: these panicked (multiply overflow, `Duration::minutes` out
    /// of range, `DateTime + Duration` past chrono's last year) instead of naming the event.
    #[test]
    fn huge_durations_are_errors_not_panics() {
        assert_eq!(parse_duration("153722867280912931:00"), None);
        assert_eq!(parse_duration("9223372036854775807:9223372036854775807"), None);
        assert_eq!(parse_duration("0:0:9223372036854775807"), None);
        let event = serde_json::json!({"guid": "g", "title": "T", "date": "9999-12-31T23:00:00+00:00",
            "duration": "99999999999:00"});
        let err = import_event(&event, "r", &[], "days[0].rooms[R][0]").err().unwrap();
        assert!(err.contains("days[0].rooms[R][0].duration"), "{err}");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Saal 1 (Main)"), "saal-1-main");
        assert_eq!(slug("  Hörsaal  A "), "hörsaal-a");
        assert_eq!(slug("세미나실"), "세미나실");
        assert_eq!(slug("!!"), "room");
    }
}
