//! Bad input (issue #8): property tests over every parser the kiosk and the event server have.
//!
//! For each parser: arbitrary bytes never panic and finish; mutations of valid inputs (the embedded
//! sample event, the pretalx fixture, the default config, genuine journals) never panic, and an
//! error names what is wrong; round trips hold where they exist; a tampered draw never verifies;
//! bad images become an error (the screen shows a placeholder), never a crash, a stall or gigabytes.
//!
//! Sizes are bounded and case counts modest so the file runs in seconds. Shrunk failures that were
//! real bugs live on as plain regression tests next to the fixed parser.

use std::fs;
use std::path::Path;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use venue_contract::csv;
use venue_contract::payload::{Endpoint, FeedPayload, decode};
use venue_contract::pretalx::import_bytes;
use venue_contract::sample;
use venue_contract::text::{MAX_LABEL_CHARS, MAX_MESSAGE_CHARS, display_line};
use venue_contract::wire::{DrawData, EventInfo, Message, Messages, Priority, Prize, Schedule, Session, SessionKind, Ticket};
use venue_kiosk::config::{Config, DEFAULT_CONFIG_TOML};
use venue_kiosk::feed::cache::{CachedBody, DiskCache};
use venue_kiosk::shell::images::{MAX_IMAGE_SIDE, decode_limited};
use venue_rules::draw::engine::{AuditRecord, DrawState, EnginePrize, EngineTicket, draw_batch, replace_no_show};
use venue_rules::draw::journal::{JOURNAL_FILE, Journal, JournalEntry, winners_csv};
use venue_rules::draw::verify::{read_tickets_file, verify_audit};
use venue_rules::game::journal::{GAME_JOURNAL_FILE, GameEntry, GameJournal, RoundScore};
use venue_server::input;

const PRETALX_FIXTURE: &[u8] = include_bytes!("../../venue-contract/tests/fixtures/pretalx_schedule.json");
const PHOTO: &[u8] = include_bytes!("../../venue-contract/sample/prizes/drone.jpg");

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        // Shrinking a slow parser case must not stall the run either.
        max_shrink_iters: 2_000,
        ..ProptestConfig::with_cases(cases)
    }
}

// ---------------------------------------------------------------------------------------------
// Weird values and mutations
// ---------------------------------------------------------------------------------------------

/// Text that has broken renderers and parsers before.
fn weird_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("   ".to_owned()),
        Just("x".repeat(10_000)),
        Just("🎉🚀👩‍👩‍👧‍👦🏳️‍🌈".to_owned()),
        Just("مرحبا بالعالم שלום".to_owned()),
        Just("\u{202E}evil\u{202C}".to_owned()),
        Just("nul\0byte".to_owned()),
        Just("line\nbreak\r\ttab\u{7}\u{1b}[31m".to_owned()),
        Just("\u{FEFF}bom".to_owned()),
        Just("\u{FFFD}\u{10FFFF}".to_owned()),
        Just("+262142-12-31T23:59:59Z".to_owned()),
        Just("9999-12-31T23:59:59+23:59".to_owned()),
        Just("2026-02-30T10:00:00+09:00".to_owned()),
        Just("99999999:99".to_owned()),
        Just("#GGGGGG".to_owned()),
        Just("Not/AZone".to_owned()),
        Just("\"quoted\",comma".to_owned()),
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
    ]
}

fn nested(depth: usize, open: &str, close: &str, inner: &str) -> String {
    let mut s = String::with_capacity(depth * (open.len() + close.len()) + inner.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

/// A JSON fragment to put where a value was.
fn weird_json() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "-1", "0", "-0", "1", "3.5", "4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
            "-9223372036854775809", "1e308", "-1e308", "1e39", "1e-400", "null", "true", "false", "[]", "{}", "\"\"",
        ])
        .prop_map(str::to_owned),
        1 => (1usize..10_000).prop_map(|d| nested(d, "[", "]", "")),
        1 => (1usize..10_000).prop_map(|d| nested(d, "{\"a\":", "}", "1")),
        2 => weird_text().prop_map(|t| serde_json::to_string(&t).unwrap()),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    Truncate(Index),
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    /// Replace the n-th leaf (number, string, bool, null) of the JSON document.
    Leaf(Index, String),
    /// Remove the n-th key of any object.
    DropKey(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => any::<Index>().prop_map(Edit::Truncate),
        2 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Edit::Flip(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        1 => any::<Index>().prop_map(Edit::Delete),
        4 => (any::<Index>(), weird_json()).prop_map(|(i, v)| Edit::Leaf(i, v)),
        1 => any::<Index>().prop_map(Edit::DropKey),
    ]
}

const PLACEHOLDER: &str = "@@weird-value@@";

/// Paths of the leaves in `serde_path_to_error` notation (`a.b[3].c`), depth first.
fn leaf_paths(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                leaf_paths(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaf_paths(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => out.push(path.to_owned()),
    }
}

fn nth_leaf<'a>(value: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
    match value {
        Value::Object(map) => map.values_mut().find_map(|v| nth_leaf(v, n)),
        Value::Array(items) => items.iter_mut().find_map(|v| nth_leaf(v, n)),
        leaf => {
            if *n == 0 {
                Some(leaf)
            } else {
                *n -= 1;
                None
            }
        }
    }
}

fn key_count(value: &Value) -> usize {
    match value {
        Value::Object(map) => map.len() + map.values().map(key_count).sum::<usize>(),
        Value::Array(items) => items.iter().map(key_count).sum(),
        _ => 0,
    }
}

fn drop_nth_key(value: &mut Value, n: &mut usize) -> bool {
    match value {
        Value::Object(map) => {
            if *n < map.len() {
                let key = map.keys().nth(*n).unwrap().clone();
                map.remove(&key);
                return true;
            }
            *n -= map.len();
            map.values_mut().any(|v| drop_nth_key(v, n))
        }
        Value::Array(items) => items.iter_mut().any(|v| drop_nth_key(v, n)),
        _ => false,
    }
}

/// Replace the leaf at `index` with the raw JSON `fragment`; returns the text and the leaf's path.
fn replace_leaf(doc: &Value, index: &Index, fragment: &str) -> (String, String) {
    let mut paths = Vec::new();
    leaf_paths(doc, "", &mut paths);
    let mut value = doc.clone();
    let n = index.index(paths.len());
    *nth_leaf(&mut value, &mut n.clone()).unwrap() = Value::String(PLACEHOLDER.to_owned());
    let text = serde_json::to_string(&value)
        .unwrap()
        .replacen(&format!("\"{PLACEHOLDER}\""), fragment, 1);
    (text, paths.swap_remove(n))
}

fn apply_edit(bytes: Vec<u8>, edit: &Edit) -> Vec<u8> {
    let mut bytes = bytes;
    let at = |i: &Index, len: usize| i.index(len + 1).min(len);
    match edit {
        Edit::Truncate(i) => {
            let cut = at(i, bytes.len());
            bytes.truncate(cut);
        }
        Edit::Flip(i, bit) if !bytes.is_empty() => {
            let p = i.index(bytes.len());
            bytes[p] ^= 1 << bit;
        }
        Edit::Insert(i, b) => {
            let p = at(i, bytes.len());
            bytes.insert(p, *b);
        }
        Edit::Delete(i) if !bytes.is_empty() => {
            let p = i.index(bytes.len());
            bytes.remove(p);
        }
        Edit::Leaf(i, fragment) => {
            if let Ok(doc) = serde_json::from_slice::<Value>(&bytes)
                && !matches!(doc, Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_))
            {
                let mut paths = Vec::new();
                leaf_paths(&doc, "", &mut paths);
                if !paths.is_empty() {
                    bytes = replace_leaf(&doc, i, fragment).0.into_bytes();
                }
            }
        }
        Edit::DropKey(i) => {
            if let Ok(mut doc) = serde_json::from_slice::<Value>(&bytes) {
                let count = key_count(&doc);
                if count > 0 && drop_nth_key(&mut doc, &mut i.index(count)) {
                    bytes = serde_json::to_vec(&doc).unwrap();
                }
            }
        }
        _ => {}
    }
    bytes
}

fn mutate(original: &[u8], edits: &[Edit]) -> Vec<u8> {
    edits.iter().fold(original.to_vec(), apply_edit)
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..4)
}

fn endpoint() -> impl Strategy<Value = Endpoint> {
    prop::sample::select(Endpoint::ALL.to_vec())
}

// ---------------------------------------------------------------------------------------------
// Feed payloads (kiosk side): decode, invariants of what is accepted, round trips
// ---------------------------------------------------------------------------------------------

/// What every accepted payload must satisfy, whatever the input was.
fn check_accepted(payload: &FeedPayload) -> Result<(), TestCaseError> {
    match payload {
        FeedPayload::Event(event) => {
            prop_assert!(event.end_date >= event.start_date);
            prop_assert!(event.time_zone.parse::<chrono_tz::Tz>().is_ok());
        }
        FeedPayload::Schedule { schedule, imported_event } => {
            for s in &schedule.sessions {
                prop_assert!(s.end >= s.start, "session {} ends before it starts", s.id);
            }
            if let Some(event) = imported_event {
                for s in &schedule.sessions {
                    if let Some(room) = &s.room {
                        prop_assert!(event.rooms.iter().any(|r| &r.id == room), "room {room} unknown");
                    }
                    if let Some(track) = &s.track {
                        prop_assert!(event.tracks.iter().any(|t| &t.id == track), "track {track} unknown");
                    }
                }
            }
        }
        FeedPayload::Messages(m) => {
            for message in &m.messages {
                prop_assert!(message.expires >= message.starts);
            }
        }
        FeedPayload::Draw(draw) => {
            let mut numbers: Vec<u32> = draw.tickets.iter().map(|t| t.number).collect();
            numbers.sort_unstable();
            numbers.dedup();
            prop_assert_eq!(numbers.len(), draw.tickets.len(), "ticket numbers are unique");
            for p in &draw.prizes {
                // The contract's limit: a larger count would make the engine reserve room for
                // billions of winners on stage.
                prop_assert!(
                    (1..=10_000).contains(&p.winner_count),
                    "prize {} winner_count {}",
                    p.id,
                    p.winner_count
                );
                prop_assert!(p.batch_size != Some(0));
            }
        }
        FeedPayload::Game(game) => {
            for r in &game.rounds {
                prop_assert!(r.weight.is_finite() && r.weight > 0.0 && r.speed.is_finite() && r.speed > 0.0);
                // Every piece of a round is built each frame: u32::MAX of them is a hang.
                prop_assert!((1..=10_000).contains(&r.pieces), "round {} pieces {}", r.index, r.pieces);
                prop_assert!(
                    r.difficulty.is_finite() && (0.0..=10.0).contains(&r.difficulty),
                    "difficulty {}",
                    r.difficulty
                );
            }
        }
        FeedPayload::Casino(casino) => {
            prop_assert!(casino.moves.len() <= venue_contract::casino::MAX_CASINO_MOVES);
            prop_assert!((2..=8).contains(&casino.setup.teams.len()));
        }
    }
    Ok(())
}

fn payload_json(payload: &FeedPayload) -> Vec<u8> {
    match payload {
        FeedPayload::Event(e) => serde_json::to_vec(e),
        FeedPayload::Schedule { schedule, .. } => serde_json::to_vec(schedule),
        FeedPayload::Messages(m) => serde_json::to_vec(m),
        FeedPayload::Draw(d) => serde_json::to_vec(d),
        FeedPayload::Game(g) => serde_json::to_vec(g),
        FeedPayload::Casino(c) => serde_json::to_vec(c),
    }
    .unwrap()
}

#[test]
fn sample_payloads_round_trip_through_decode() {
    for e in Endpoint::ALL {
        let payload = decode(e, sample::body(e)).unwrap();
        let again = decode(e, &payload_json(&payload)).unwrap();
        assert_eq!(again, payload, "{e}");
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn feed_decode_survives_arbitrary_bytes(e in endpoint(), bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(message) = decode(e, &bytes) {
            prop_assert!(!message.trim().is_empty());
        }
    }

    #[test]
    fn feed_decode_survives_arbitrary_json_shapes(e in endpoint(), fragment in weird_json()) {
        // Valid JSON of the wrong shape, including 10 000 levels of nesting.
        let err = decode(e, fragment.as_bytes()).unwrap_err();
        prop_assert!(!err.trim().is_empty());
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn feed_decode_survives_mutated_samples(e in endpoint(), edits in edits()) {
        let bytes = mutate(sample::body(e), &edits);
        match decode(e, &bytes) {
            Ok(payload) => {
                check_accepted(&payload)?;
                // What was accepted once is accepted again, unchanged, from its own JSON.
                if !matches!(payload, FeedPayload::Schedule { imported_event: Some(_), .. }) {
                    prop_assert_eq!(decode(e, &payload_json(&payload)).unwrap(), payload);
                }
            }
            Err(message) => prop_assert!(!message.trim().is_empty()),
        }
    }

    #[test]
    fn feed_decode_names_the_mutated_field(e in endpoint(), i in any::<Index>(), fragment in weird_json()) {
        let doc: Value = serde_json::from_slice(sample::body(e)).unwrap();
        let (text, path) = replace_leaf(&doc, &i, &fragment);
        match decode(e, text.as_bytes()) {
            Ok(payload) => check_accepted(&payload)?,
            Err(message) => {
                prop_assert!(!message.trim().is_empty());
                if let Some(rest) = message.strip_prefix("wrong shape at `") {
                    let at = rest.split('`').next().unwrap();
                    prop_assert!(at == "." || path.starts_with(at), "error at `{}` for a change at `{}`: {}", at, path, message);
                }
            }
        }
    }
}

fn arb_time() -> impl Strategy<Value = DateTime<FixedOffset>> {
    // RFC 3339 years, minute offsets, whole seconds or nanoseconds.
    (
        -62_135_596_800i64..253_402_300_799,
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
        -1439i32..=1439,
    )
        .prop_map(|(secs, nanos, offset_min)| {
            let offset = FixedOffset::east_opt(offset_min * 60).unwrap();
            offset.timestamp_opt(secs, nanos).unwrap()
        })
        .prop_filter("a local time inside 0000..=9999", |t| {
            (0..=9999).contains(&chrono::Datelike::year(t))
        })
}

fn arb_session() -> impl Strategy<Value = Session> {
    (
        "[a-z0-9-]{1,12}",
        weird_text(),
        proptest::option::of(weird_text()),
        prop::collection::vec(weird_text(), 0..3),
        proptest::option::of("[a-z]{1,6}"),
        proptest::option::of("[a-z]{1,6}"),
        arb_time(),
        0i64..100_000,
        prop::sample::select(vec![
            SessionKind::Talk,
            SessionKind::Keynote,
            SessionKind::Workshop,
            SessionKind::Break,
            SessionKind::Other,
        ]),
        proptest::option::of("[a-z]{2}"),
        any::<bool>(),
    )
        .prop_map(
            |(id, title, subtitle, speakers, track, room, start, minutes, kind, language, cancelled)| Session {
                id,
                title,
                subtitle,
                speakers,
                track,
                room,
                start,
                end: start
                    .checked_add_signed(Duration::minutes(minutes))
                    .filter(|end| chrono::Datelike::year(end) <= 9999)
                    .unwrap_or(start),
                kind,
                language,
                cancelled,
            },
        )
}

fn arb_messages() -> impl Strategy<Value = Messages> {
    let priority = prop::sample::select(vec![Priority::Info, Priority::Normal, Priority::Urgent]);
    prop::collection::vec(("[a-z0-9]{1,8}", weird_text(), priority, arb_time(), arb_time()), 0..5).prop_map(|list| Messages {
        version: 1,
        messages: list
            .into_iter()
            .map(|(id, text, priority, a, b)| Message {
                id,
                text,
                priority,
                starts: a.min(b),
                expires: a.max(b),
                emergency: false,
                rooms: Vec::new(),
                groups: Vec::new(),
            })
            .collect(),
    })
}

fn arb_draw() -> impl Strategy<Value = DrawData> {
    let prize = (
        "[a-z0-9-]{1,10}",
        weird_text(),
        proptest::option::of(weird_text()),
        1u32..=10_000,
        any::<u32>(),
        any::<bool>(),
        proptest::option::of(1u32..=10_000),
    )
        .prop_map(
            |(id, name, image_url, winner_count, order, allow_previous_winners, batch_size)| Prize {
                id,
                name,
                image_url,
                winner_count,
                order,
                allow_previous_winners,
                batch_size,
                eligible_groups: Vec::new(),
                excluded_groups: Vec::new(),
            },
        );
    let ticket = (any::<u32>(), weird_text(), weird_text()).prop_map(|(number, display_name, holder)| Ticket {
        number,
        display_name,
        holder,
        groups: Vec::new(),
    });
    (prop::collection::vec(prize, 0..4), prop::collection::vec(ticket, 0..20)).prop_map(|(prizes, tickets)| DrawData {
        version: 1,
        prizes,
        tickets,
    })
}

// What decoding keeps: everything, with each text a screen shows made one clean line (feed/text.rs).
fn shown(text: &str) -> String {
    display_line(text, MAX_LABEL_CHARS)
}

fn shown_schedule(mut schedule: Schedule) -> Schedule {
    for s in &mut schedule.sessions {
        s.title = shown(&s.title);
        s.subtitle = s.subtitle.as_deref().map(shown);
        s.speakers = s.speakers.iter().map(|n| shown(n)).filter(|n| !n.is_empty()).collect();
    }
    schedule
}

fn shown_messages(mut messages: Messages) -> Messages {
    messages
        .messages
        .iter_mut()
        .for_each(|m| m.text = display_line(&m.text, MAX_MESSAGE_CHARS));
    messages
}

fn shown_draw(mut draw: DrawData) -> DrawData {
    draw.prizes.iter_mut().for_each(|p| p.name = shown(&p.name));
    draw.tickets.iter_mut().for_each(|t| t.display_name = shown(&t.display_name));
    draw
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn wire_schedule_round_trips(sessions in prop::collection::vec(arb_session(), 0..6)) {
        let schedule = Schedule { version: 1, sessions };
        let text = serde_json::to_string(&schedule).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Schedule>(&text).unwrap(), &schedule);
        match decode(Endpoint::Schedule, text.as_bytes()) {
            Ok(FeedPayload::Schedule { schedule: decoded, imported_event: None }) => prop_assert_eq!(decoded, shown_schedule(schedule)),
            Ok(other) => prop_assert!(false, "decoded as {:?}", other),
            // Only duplicate ids can be refused here.
            Err(message) => prop_assert!(message.contains("appears twice"), "{}", message),
        }
    }

    #[test]
    fn wire_messages_and_draw_round_trip(messages in arb_messages(), draw in arb_draw()) {
        let text = serde_json::to_string(&messages).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Messages>(&text).unwrap(), &messages);
        if let Ok(FeedPayload::Messages(decoded)) = decode(Endpoint::Messages, text.as_bytes()) {
            prop_assert_eq!(decoded, shown_messages(messages));
        }
        let text = serde_json::to_string(&draw).unwrap();
        prop_assert_eq!(&serde_json::from_str::<DrawData>(&text).unwrap(), &draw);
        match decode(Endpoint::Draw, text.as_bytes()) {
            Ok(FeedPayload::Draw(decoded)) => prop_assert_eq!(decoded, shown_draw(draw)),
            Ok(other) => prop_assert!(false, "decoded as {:?}", other),
            Err(message) => prop_assert!(message.contains("appears twice"), "{}", message),
        }
    }

    #[test]
    fn disk_cache_round_trips_and_survives_damage(
        etag in proptest::option::of("(W/)?\"[!#-~]{0,40}\""),
        secs in 0i64..4_102_444_800,
        nanos in 0u32..1_000_000_000,
        body in prop::collection::vec(any::<u8>(), 0..256),
        damage in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let root = tempfile::tempdir().unwrap();
        let cache = DiskCache::for_source(root.path(), "http://kiosk.test");
        let entry = CachedBody { etag, fetched_at: Utc.timestamp_opt(secs, nanos).unwrap(), body };
        cache.store(Endpoint::Draw, &entry).unwrap();
        prop_assert_eq!(cache.load(Endpoint::Draw).unwrap(), Some(entry));
        // Whatever is in the file, loading it is a value or a clear error.
        fs::write(cache.dir().join("draw.cache"), &damage).unwrap();
        if let Err(message) = cache.load(Endpoint::Draw) {
            prop_assert!(message.contains("damaged cache file"), "{}", message);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// pretalx / frab import
// ---------------------------------------------------------------------------------------------

fn pretalx_doc(events: &[(String, String, String)]) -> String {
    let events: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, (date, duration, room))| {
            serde_json::json!({"guid": format!("g{i}"), "title": "T", "date": date, "duration": duration,
                "room": room, "type": "Talk", "track": "Web", "persons": [{"public_name": "A"}]})
        })
        .collect();
    serde_json::json!({"schedule": {"conference": {"title": "Conf", "time_zone_name": "Europe/Berlin",
        "days": [{"date": "2026-06-01", "rooms": {"Saal 1": events}}]}}})
    .to_string()
}

fn check_imported(schedule: &Schedule, event: &EventInfo) -> Result<(), TestCaseError> {
    prop_assert!(event.end_date >= event.start_date);
    prop_assert!(schedule.sessions.windows(2).all(|w| w[0].start <= w[1].start), "sorted by start");
    for s in &schedule.sessions {
        prop_assert!(s.end >= s.start);
        let room = s.room.as_ref().unwrap();
        prop_assert!(event.rooms.iter().any(|r| &r.id == room), "room {room}");
        if let Some(track) = &s.track {
            prop_assert!(event.tracks.iter().any(|t| &t.id == track), "track {track}");
        }
    }
    for t in &event.tracks {
        prop_assert!(venue_contract::wire::parse_hex_color(&t.color).is_ok(), "colour {}", t.color);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn pretalx_import_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(message) = import_bytes(&bytes) {
            prop_assert!(!message.trim().is_empty());
        }
    }

    #[test]
    fn pretalx_import_survives_mutations_of_a_real_export(edits in edits()) {
        let bytes = mutate(PRETALX_FIXTURE, &edits);
        match import_bytes(&bytes) {
            Ok((schedule, event)) => check_imported(&schedule, &event)?,
            Err(message) => prop_assert!(!message.trim().is_empty()),
        }
        // The kiosk's schedule endpoint takes the same document.
        match decode(Endpoint::Schedule, &bytes) {
            Ok(payload) => check_accepted(&payload)?,
            Err(message) => prop_assert!(!message.trim().is_empty()),
        }
    }

    #[test]
    fn pretalx_durations_and_dates_never_overflow(
        events in prop::collection::vec(
            (
                prop_oneof![
                    Just("2026-06-01T10:00:00+02:00".to_owned()),
                    Just("9999-12-31T23:00:00+00:00".to_owned()),
                    Just("0000-01-01T00:00:00-23:59".to_owned()),
                    weird_text(),
                ],
                prop_oneof![
                    "[0-9]{1,3}:[0-9]{2}",
                    "[0-9]{1,20}:[0-9]{1,20}",
                    "[0-9]{1,20}:[0-9]{1,20}:[0-9]{1,20}",
                    "-?[0-9]{1,4}:-?[0-9]{1,4}",
                    weird_text(),
                ],
                prop_oneof![Just("Saal 1".to_owned()), weird_text()],
            ),
            1..5,
        )
    ) {
        let doc = pretalx_doc(&events);
        match import_bytes(doc.as_bytes()) {
            Ok((schedule, event)) => check_imported(&schedule, &event)?,
            Err(message) => prop_assert!(message.contains("days[0]"), "names the event: {}", message),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSV: the server's ticket upload and export format, and verify-draw's ticket lists
// ---------------------------------------------------------------------------------------------

fn csv_field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ,\"\r\n]{0,12}",
        weird_text().prop_filter("10k is enough elsewhere", |t| t.len() < 200),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn csv_parse_survives_arbitrary_text(text in any::<String>()) {
        match csv::parse(&text) {
            Ok(records) => prop_assert!(records.iter().all(|r| !r.is_empty())),
            Err(message) => prop_assert!(message.starts_with("line "), "{}", message),
        }
        if let Err(failure) = input::tickets_from_csv(&text) {
            prop_assert!(!failure.message.trim().is_empty());
        }
    }

    #[test]
    fn csv_lines_parse_back(records in prop::collection::vec(prop::collection::vec(csv_field_text(), 1..5), 0..6)) {
        // A record of one empty field is a blank line, which the reader skips by design.
        let records: Vec<Vec<String>> = records.into_iter().filter(|r| !(r.len() == 1 && r[0].is_empty())).collect();
        let text: String = records.iter().map(|r| csv::line(r)).collect();
        prop_assert_eq!(csv::parse(&text).unwrap(), records.clone());
        // The same with Windows line ends on the record separators.
        let crlf: String = records.iter().map(|r| csv::line(r).trim_end_matches('\n').to_owned() + "\r\n").collect();
        prop_assert_eq!(csv::parse(&crlf).unwrap(), records);
    }

    #[test]
    fn ticket_csv_round_trips_on_the_server(
        tickets in prop::collection::btree_map(any::<u32>(), ("[A-Za-z가-힣*,\" ]{0,8}[A-Za-z가-힣*]", "[A-Za-z0-9_-]{1,16}"), 1..20),
        header in any::<bool>(),
    ) {
        let tickets: Vec<Ticket> = tickets
            .into_iter()
            .map(|(number, (display_name, holder))| Ticket { number, display_name: display_name.trim().to_owned(), holder, groups: Vec::new() })
            .collect();
        let mut text = if header { csv::line(&["number", "display_name", "holder"]) } else { String::new() };
        for t in &tickets {
            text.push_str(&csv::line(&[t.number.to_string(), t.display_name.clone(), t.holder.clone()]));
        }
        prop_assert_eq!(input::tickets_from_csv(&text).unwrap(), tickets);
    }
}

// ---------------------------------------------------------------------------------------------
// Config (kiosk.toml)
// ---------------------------------------------------------------------------------------------

fn toml_leaves(table: &toml::Table, path: &str, out: &mut Vec<String>) {
    for (k, v) in table {
        let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        match v {
            toml::Value::Table(t) => toml_leaves(t, &p, out),
            _ => out.push(p),
        }
    }
}

fn set_toml(table: &mut toml::Table, path: &str, value: toml::Value) {
    let mut parts = path.split('.').peekable();
    let mut current = table;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part.to_owned(), value);
            return;
        }
        current = current.get_mut(part).and_then(toml::Value::as_table_mut).unwrap();
    }
}

fn weird_toml() -> impl Strategy<Value = toml::Value> {
    prop_oneof![
        prop::sample::select(vec![i64::MIN, -1, 0, 1, 49, 999, 4_294_967_296, i64::MAX]).prop_map(toml::Value::Integer),
        prop::sample::select(vec![f64::NAN, f64::INFINITY, -0.0, 1.5, 1e300]).prop_map(toml::Value::Float),
        any::<bool>().prop_map(toml::Value::Boolean),
        weird_text().prop_map(toml::Value::String),
        Just(toml::Value::Array(vec![toml::Value::Integer(1), toml::Value::String("x".into())])),
        Just(toml::Value::Table(toml::Table::new())),
    ]
}

/// Keys whose range depends on another key: an error may name either.
fn partner(key: &str) -> Option<&'static str> {
    Some(match key {
        "feed.connect_timeout_ms" => "feed.request_timeout_ms",
        "feed.backoff_initial_ms" => "feed.backoff_max_ms",
        "schedule.tour_seconds" => "schedule.transition_seconds",
        _ => return None,
    })
}

fn config_round_trips(config: &Config) -> Result<(), TestCaseError> {
    let text = toml::to_string(config).unwrap();
    prop_assert_eq!(&Config::from_toml(&text, "round-trip.toml").unwrap(), config);
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn config_survives_arbitrary_text(text in any::<String>()) {
        if let Err(err) = Config::from_toml(&text, "fuzz.toml") {
            prop_assert!(!err.problem.trim().is_empty());
            prop_assert!(err.to_string().starts_with("config fuzz.toml"), "{}", err);
        }
    }

    #[test]
    fn config_survives_byte_mutations(edits in edits()) {
        let bytes = mutate(DEFAULT_CONFIG_TOML.as_bytes(), &edits);
        let text = String::from_utf8_lossy(&bytes);
        match Config::from_toml(&text, "k.toml") {
            Ok(config) => config_round_trips(&config)?,
            Err(err) => prop_assert!(!err.problem.trim().is_empty() && err.to_string().contains("k.toml")),
        }
    }

    #[test]
    fn config_errors_name_the_key(i in any::<Index>(), value in weird_toml(), unknown in "[a-z_]{1,12}") {
        let mut table: toml::Table = toml::from_str(DEFAULT_CONFIG_TOML).unwrap();
        let mut leaves = Vec::new();
        toml_leaves(&table, "", &mut leaves);
        let key = leaves[i.index(leaves.len())].clone();
        set_toml(&mut table, &key, value);
        let text = toml::to_string(&table).unwrap();
        match Config::from_toml(&text, "k.toml") {
            Ok(config) => config_round_trips(&config)?,
            Err(err) => {
                prop_assert!(!err.problem.trim().is_empty());
                let expected = [Some(key.as_str()), partner(&key), leaves.iter().find(|l| partner(l) == Some(key.as_str())).map(String::as_str)];
                // A list's error may name the element, e.g. `game.face_art[0]`.
                let names_an_element = err.key.strip_prefix(key.as_str()).is_some_and(|rest| rest.starts_with('['));
                prop_assert!(expected.contains(&Some(err.key.as_str())) || names_an_element, "changed `{}`, error names `{}`: {}", key, err.key, err);
            }
        }
        // An unknown key anywhere is refused by name.
        let section = key.rsplit_once('.').map_or("", |(s, _)| s);
        let unknown_key = if section.is_empty() { format!("x_{unknown}") } else { format!("{section}.x_{unknown}") };
        let mut table: toml::Table = toml::from_str(DEFAULT_CONFIG_TOML).unwrap();
        set_toml(&mut table, &unknown_key, toml::Value::Integer(1));
        let err = Config::from_toml(&toml::to_string(&table).unwrap(), "k.toml").unwrap_err();
        prop_assert_eq!(err.key, unknown_key);
    }
}

// ---------------------------------------------------------------------------------------------
// Server input (strict writes)
// ---------------------------------------------------------------------------------------------

fn server_checks(e: Endpoint, bytes: &[u8]) -> Result<(), String> {
    let value = input::json(bytes).map_err(|f| f.message)?;
    let fail = |f: venue_server::error::Failure| f.message;
    match e {
        Endpoint::Event => input::check_event(&input::wire_from_value::<EventInfo>(value).map_err(fail)?).map_err(fail),
        Endpoint::Schedule => {
            input::check_version(&value).map_err(fail)?;
            input::check_schedule(&input::wire_from_value::<Schedule>(value).map_err(fail)?).map_err(fail)
        }
        Endpoint::Messages => {
            for m in input::wire_from_value::<Messages>(value).map_err(fail)?.messages {
                input::check_message(&m).map_err(fail)?;
            }
            Ok(())
        }
        Endpoint::Draw => {
            let mut draw: DrawData = input::wire_from_value(value.clone()).map_err(fail)?;
            for p in &mut draw.prizes {
                input::check_prize(p).map_err(fail)?;
            }
            input::tickets_from_json(value["tickets"].clone()).map(|_| ()).map_err(fail)
        }
        Endpoint::Game => {
            let game: venue_contract::wire::GameData = input::wire_from_value(value).map_err(fail)?;
            for t in &game.teams {
                input::check_team(t).map_err(fail)?;
            }
            input::check_rounds(&game.rounds).map_err(fail)
        }
        // The server takes the dice game one move at a time, never as a whole payload; what it
        // serves is what the contract decodes.
        Endpoint::Casino => venue_contract::casino::decode(bytes).map(|_| ()),
    }
}

fn extreme_time() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("+262142-12-31T23:59:59Z".to_owned()),
        Just("+262143-12-31T23:59:59Z".to_owned()),
        Just("-262142-01-01T00:00:00Z".to_owned()),
        Just("+262142-12-31T23:59:59.999999999-23:59".to_owned()),
        Just("+262142-12-31T00:00:00+23:59".to_owned()),
        Just("9999-12-31T23:59:59+00:00".to_owned()),
        Just("0000-01-01T00:00:00+00:00".to_owned()),
        Just("2026-12-03T10:00:00+09:00".to_owned()),
        arb_time().prop_map(|t| t.to_rfc3339()),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn server_input_survives_mutated_samples(e in endpoint(), edits in edits()) {
        let bytes = mutate(sample::body(e), &edits);
        if let Err(message) = server_checks(e, &bytes) {
            prop_assert!(!message.trim().is_empty());
        }
    }

    #[test]
    fn server_input_survives_arbitrary_bytes(e in endpoint(), bytes in prop::collection::vec(any::<u8>(), 0..256), key in any::<String>()) {
        if let Err(message) = server_checks(e, &bytes) {
            prop_assert!(!message.trim().is_empty());
        }
        if input::check_idempotency_key(&key).is_ok() {
            prop_assert!(!key.is_empty() && key.len() <= input::MAX_IDEMPOTENCY_KEY_CHARS && key.bytes().all(|b| b.is_ascii_graphic()));
        }
    }

    #[test]
    fn session_patches_never_overflow(start in extreme_time(), end in proptest::option::of(extreme_time()), minutes in 1i64..10_000_000) {
        let base = arb_session_at("2026-12-03T10:00:00+09:00", minutes);
        let mut patch = serde_json::json!({"start": start});
        if let Some(end) = end {
            patch["end"] = Value::String(end);
        }
        // Times chrono cannot hold are refused while reading; the rest must apply without a panic.
        let patch: input::SessionPatch = match input::input_from_value(&patch) {
            Ok(patch) => patch,
            Err(failure) => {
                prop_assert!(failure.message.starts_with("at `start`") || failure.message.starts_with("at `end`"), "{}", failure.message);
                return Ok(());
            }
        };
        let patched = patch.apply(base);
        if input::check_session(&patched).is_ok() {
            prop_assert!(patched.end > patched.start);
            for t in [patched.start, patched.end] {
                prop_assert!((0..=9999).contains(&chrono::Datelike::year(&t)), "{} outside RFC 3339 years", t);
            }
        }
    }
}

fn arb_session_at(start: &str, minutes: i64) -> Session {
    let start = DateTime::parse_from_rfc3339(start).unwrap();
    Session {
        id: "s1".into(),
        title: "T".into(),
        subtitle: None,
        speakers: vec![],
        track: None,
        room: None,
        start,
        end: start + Duration::minutes(minutes),
        kind: SessionKind::Talk,
        language: None,
        cancelled: false,
    }
}

// ---------------------------------------------------------------------------------------------
// verify-draw: audit files and ticket lists
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct DrawPlan {
    pool: Vec<EngineTicket>,
    prizes: Vec<(u32, bool, Option<u32>)>,
    seed_base: u64,
    no_show: Option<Index>,
}

fn arb_plan() -> impl Strategy<Value = DrawPlan> {
    let holder = prop_oneof![
        4 => "h[0-9]{1,2}",
        1 => Just("tab\there".to_owned()),
        1 => Just("new\nline".to_owned()),
        1 => Just("Kim, \"J\"".to_owned()),
        1 => Just(" padded ".to_owned()),
        1 => Just("🎟️ 김".to_owned()),
    ];
    (
        prop::collection::btree_map(1u32..100_000, holder, 3..40),
        prop::collection::vec((1u32..4, any::<bool>(), proptest::option::of(1u32..3)), 1..4),
        any::<u64>(),
        proptest::option::of(any::<Index>()),
    )
        .prop_map(|(pool, prizes, seed_base, no_show)| DrawPlan {
            pool: pool.into_iter().map(|(number, holder)| EngineTicket::new(number, holder)).collect(),
            prizes,
            seed_base,
            no_show,
        })
}

fn seed(base: u64, k: u64) -> [u8; 32] {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&base.to_le_bytes());
    s[8..16].copy_from_slice(&k.to_le_bytes());
    s
}

/// Runs the plan through the engine: every prize in batches, maybe one no-show replacement.
fn run_plan(plan: &DrawPlan) -> Vec<AuditRecord> {
    let mut state = DrawState::new();
    let mut records = Vec::new();
    let mut k = 0;
    let at = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
    for (p, &(winner_count, allow_previous_winners, batch_size)) in plan.prizes.iter().enumerate() {
        let prize = EnginePrize {
            id: format!("prize-{p}"),
            winner_count,
            allow_previous_winners,
            batch_size,
            eligible_groups: Vec::new(),
            excluded_groups: Vec::new(),
        };
        while !state.is_complete(&prize) {
            k += 1;
            match draw_batch(&mut state, &plan.pool, &prize, None, seed(plan.seed_base, k)) {
                Ok(batch) => records.push(batch.record),
                Err(_) => break, // pool exhausted
            }
        }
        if let (Some(i), false) = (&plan.no_show, state.winners_of(&prize.id).is_empty()) {
            let winners = state.winners_of(&prize.id);
            let absent = winners[i.index(winners.len())].ticket;
            k += 1;
            if let Ok(batch) = replace_no_show(&mut state, &plan.pool, &prize, absent, "not here", seed(plan.seed_base, k)) {
                records.push(batch.record);
            }
        }
    }
    for (i, r) in records.iter_mut().enumerate() {
        r.committed_at = Some(at + Duration::seconds(60 * i as i64));
        r.revealed_at = Some(at + Duration::seconds(60 * i as i64 + 30));
    }
    records
}

fn tickets_csv(pool: &[EngineTicket]) -> String {
    let mut text = csv::line(&["number", "display_name", "holder"]);
    for t in pool {
        text.push_str(&csv::line(&[t.number.to_string(), "K*m".to_owned(), t.holder.clone()]));
    }
    text
}

#[derive(Debug, Clone)]
enum Tamper {
    Winner(Index, Index, Index),
    Seed(Index, [u8; 32]),
    TicketHolder(Index),
    TicketNumber(Index, u32),
    DropTicket(Index),
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        (any::<Index>(), any::<Index>(), any::<Index>()).prop_map(|(r, w, t)| Tamper::Winner(r, w, t)),
        (any::<Index>(), any::<[u8; 32]>()).prop_map(|(r, s)| Tamper::Seed(r, s)),
        any::<Index>().prop_map(Tamper::TicketHolder),
        (any::<Index>(), any::<u32>()).prop_map(|(t, n)| Tamper::TicketNumber(t, n)),
        any::<Index>().prop_map(Tamper::DropTicket),
    ]
}

fn write_audit(dir: &Path, records: &[AuditRecord], pool: &[EngineTicket], csv_tickets: bool) -> (std::path::PathBuf, std::path::PathBuf) {
    let audit = dir.join("audit.json");
    fs::write(&audit, serde_json::to_string_pretty(records).unwrap()).unwrap();
    let tickets = if csv_tickets {
        let path = dir.join("tickets.csv");
        fs::write(&path, tickets_csv(pool)).unwrap();
        path
    } else {
        let path = dir.join("draw.json");
        fs::write(&path, serde_json::json!({"version": 1, "prizes": [], "tickets": pool}).to_string()).unwrap();
        path
    };
    (audit, tickets)
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn genuine_draws_verify_and_tampered_ones_never_do(plan in arb_plan(), csv_tickets in any::<bool>(), tamper in tamper()) {
        let records = run_plan(&plan);
        prop_assume!(!records.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let (audit, tickets) = write_audit(dir.path(), &records, &plan.pool, csv_tickets);
        prop_assert_eq!(read_tickets_file(&tickets).unwrap(), plan.pool.clone());
        let report = verify_audit(&audit, Some(&tickets)).unwrap();
        prop_assert!(report.ok, "{}", report);

        let mut records = records;
        let mut pool = plan.pool.clone();
        match &tamper {
            Tamper::Winner(r, w, t) => {
                let at = r.index(records.len());
                let record = &mut records[at];
                let slot = w.index(record.winners.len());
                let other: Vec<&EngineTicket> = pool.iter().filter(|t| t.number != record.winners[slot].ticket).collect();
                prop_assume!(!other.is_empty());
                let pick = t.get(&other);
                record.winners[slot] = venue_rules::draw::engine::EngineWinner { ticket: pick.number, holder: pick.holder.clone() };
            }
            Tamper::Seed(r, s) => {
                let at = r.index(records.len());
                let record = &mut records[at];
                let new = hex::encode(s);
                prop_assume!(new != record.seed);
                record.seed = new;
            }
            Tamper::TicketHolder(t) => {
                let i = t.index(pool.len());
                pool[i].holder.push('x');
            }
            Tamper::TicketNumber(t, n) => {
                let i = t.index(pool.len());
                prop_assume!(pool[i].number != *n);
                pool[i].number = *n;
            }
            Tamper::DropTicket(t) => {
                let i = t.index(pool.len());
                pool.remove(i);
            }
        }
        let (audit, tickets) = write_audit(dir.path(), &records, &pool, csv_tickets);
        let report = verify_audit(&audit, Some(&tickets)).unwrap();
        prop_assert!(!report.ok, "{:?} still verifies:\n{}", tamper, report);
        let text = report.to_string();
        prop_assert!(text.contains("NOT VERIFIED") && (text.contains("MISMATCH") || text.contains("FAIL")), "{}", text);
    }

    #[test]
    fn journal_audits_verify_and_survive_a_torn_last_line(plan in arb_plan(), cut in any::<Index>()) {
        let records = run_plan(&plan);
        prop_assume!(!records.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        journal.save_tickets(&plan.pool).unwrap();
        for r in &records {
            journal.append(&JournalEntry::Committed { record: r.clone() }).unwrap();
            journal.append(&JournalEntry::Revealed { sequence: r.sequence, at: r.revealed_at.unwrap() }).unwrap();
        }
        drop(journal);
        let path = dir.path().join(JOURNAL_FILE);
        let report = verify_audit(&path, None).unwrap();
        prop_assert!(report.ok, "{}", report);

        // Tear the last line anywhere: only that line is lost, with a warning.
        let intact = fs::read(&path).unwrap();
        let last_start = intact[..intact.len() - 1].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let last_len = intact.len() - 1 - last_start; // without its '\n'
        let keep = 1 + cut.index(last_len - 1); // 1..last_len bytes of the last line
        fs::write(&path, &intact[..last_start + keep]).unwrap();
        let (_, replayed) = Journal::open(dir.path()).unwrap();
        prop_assert_eq!(replayed.records.len(), records.len(), "the torn line was a reveal, not a record");
        prop_assert_eq!(replayed.revealed.len(), records.len() - 1);
        prop_assert_eq!(replayed.warnings.len(), 1, "{:?}", replayed.warnings);
        prop_assert_eq!(fs::read(&path).unwrap(), intact[..last_start].to_vec(), "the file is cut back to whole lines");
        prop_assert!(verify_audit(&path, None).unwrap().ok);

        // The winners' CSV export parses back, one row per winner.
        let exported = csv::parse(&winners_csv(&records, None)).unwrap();
        prop_assert_eq!(exported.len(), 1 + records.iter().map(|r| r.winners.len()).sum::<usize>());
        let mut rows = exported[1..].iter();
        for r in &records {
            for w in &r.winners {
                let row = rows.next().unwrap();
                prop_assert_eq!(&row[0], &r.prize_id);
                prop_assert_eq!(&row[2], &w.ticket.to_string());
                prop_assert_eq!(&row[3], &w.holder);
            }
        }
    }

    #[test]
    fn mutated_audits_never_panic_and_verify_only_unchanged_draws(plan in arb_plan(), edits in edits(), as_journal in any::<bool>()) {
        let records = run_plan(&plan);
        prop_assume!(!records.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let (audit, tickets) = write_audit(dir.path(), &records, &plan.pool, false);
        let original = if as_journal {
            records.iter().map(|r| serde_json::to_string(&JournalEntry::Committed { record: r.clone() }).unwrap() + "\n").collect::<String>().into_bytes()
        } else {
            fs::read(&audit).unwrap()
        };
        let mutated = mutate(&original, &edits);
        fs::write(&audit, &mutated).unwrap();
        match verify_audit(&audit, Some(&tickets)) {
            Ok(report) if report.ok => {
                // Whatever changed did not touch who won, with which seed, from which tickets. The prize's
                // id is a label the recomputation does not use (the seed and the pool decide the winners),
                // so an edited label still verifies; the server's stored result, keyed by prize, is its record.
                let key = |r: &AuditRecord| (r.sequence, r.batch, r.seed.clone(), r.tickets_hash.clone(), r.winners.clone(), r.replaces.clone());
                // Read as verify-draw reads: a JSON array, else journal lines (bytes, not lossy text:
                // a line with invalid UTF-8 is not JSON, so a torn last line).
                let bytes = mutated.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&mutated);
                let read: Vec<AuditRecord> = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
                    serde_json::from_slice(bytes).unwrap()
                } else {
                    bytes.split(|&b| b == b'\n').filter_map(|l| match serde_json::from_slice(l) {
                        Ok(JournalEntry::Committed { record }) => Some(record),
                        _ => None,
                    }).collect()
                };
                let expected: Vec<_> = records.iter().map(key).collect();
                let found: Vec<_> = read.iter().map(key).collect();
                prop_assert!(found.len() <= expected.len() && expected.starts_with(&found), "a changed draw verified:\n{}", report);
            }
            Ok(report) => prop_assert!(report.to_string().contains("NOT VERIFIED") || report.lines.iter().any(|l| l.starts_with("no draw records"))),
            Err(message) => prop_assert!(!message.trim().is_empty()),
        }
    }

    #[test]
    fn ticket_lists_survive_arbitrary_files(bytes in prop::collection::vec(any::<u8>(), 0..512), csv_text in any::<String>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tickets");
        for content in [bytes, csv_text.into_bytes()] {
            fs::write(&path, &content).unwrap();
            if let Err(message) = read_tickets_file(&path) {
                prop_assert!(message.contains(&*path.to_string_lossy()), "names the file: {}", message);
            }
            fs::write(&path, &content).unwrap();
            if let Err(message) = verify_audit(&path, None) {
                prop_assert!(!message.trim().is_empty());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Game journal
// ---------------------------------------------------------------------------------------------

fn arb_game_entry() -> impl Strategy<Value = GameEntry> {
    let at = (0i64..4_102_444_800, 0u32..1_000_000_000).prop_map(|(s, n)| Utc.timestamp_opt(s, n).unwrap());
    let id = prop_oneof!["[a-z0-9]{1,8}", weird_text()];
    prop_oneof![
        (id.clone(), prop::collection::vec(weird_text(), 0..4), at.clone()).prop_map(|(game_id, teams, at)| GameEntry::Started {
            game_id,
            teams,
            at
        }),
        (-1e9f64..1e9, at.clone()).prop_map(|(offset_ms, at)| GameEntry::Calibrated {
            offset_ms,
            sound_latency_ms: None,
            at
        }),
        (
            id.clone(),
            any::<u32>(),
            prop::collection::vec((weird_text(), any::<i64>(), any::<i64>()), 0..4),
            at
        )
            .prop_map(|(game_id, round, scores, finished_at)| GameEntry::Round {
                game_id,
                round,
                scores: scores
                    .into_iter()
                    .map(|(team_id, round_points, total_points)| RoundScore {
                        team_id,
                        round_points,
                        total_points
                    })
                    .collect(),
                finished_at,
            }),
        (id.clone(), any::<u32>(), any::<u16>()).prop_map(|(game_id, round, status)| GameEntry::Acknowledged { game_id, round, status }),
        (id, any::<u32>(), weird_json()).prop_map(|(game_id, round, json)| GameEntry::Conflict {
            game_id,
            round,
            server_result: serde_json::from_str(&json).unwrap_or(Value::Null),
        }),
    ]
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn game_journal_replays_and_loses_only_a_torn_last_line(entries in prop::collection::vec(arb_game_entry(), 1..8), torn in arb_game_entry(), cut in any::<Index>()) {
        let dir = tempfile::tempdir().unwrap();
        let (mut journal, _, _) = GameJournal::open(dir.path()).unwrap();
        for e in &entries {
            journal.append(e).unwrap();
        }
        drop(journal);
        let (_, whole, warnings) = GameJournal::open(dir.path()).unwrap();
        prop_assert!(warnings.is_empty(), "{:?}", warnings);
        let path = dir.path().join(GAME_JOURNAL_FILE);
        let intact = fs::read(&path).unwrap();

        let line = serde_json::to_vec(&torn).unwrap();
        let keep = cut.index(line.len()); // never the whole line with its '\n'
        let mut damaged = intact.clone();
        damaged.extend_from_slice(&line[..keep]);
        fs::write(&path, &damaged).unwrap();
        let (mut journal, record, warnings) = GameJournal::open(dir.path()).unwrap();
        prop_assert_eq!(&record, &whole);
        prop_assert_eq!(warnings.len(), usize::from(keep > 0), "{:?}", warnings);
        prop_assert_eq!(fs::read(&path).unwrap(), intact.clone());
        // The next entry lands on a line of its own.
        journal.append(&torn).unwrap();
        drop(journal);
        let (_, _, warnings) = GameJournal::open(dir.path()).unwrap();
        prop_assert!(warnings.is_empty(), "{:?}", warnings);
    }

    #[test]
    fn game_journal_survives_arbitrary_files(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(GAME_JOURNAL_FILE), &bytes).unwrap();
        let (_, record, _) = GameJournal::open(dir.path()).unwrap();
        prop_assert!(record.unposted().count() <= record.rounds.len());
    }
}

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A PNG whose header claims `width` x `height` (8-bit RGBA) and whose IDAT holds `idat`.
fn png_claiming(width: u32, height: u32, idat: Option<&[u8]>) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    if let Some(idat) = idat {
        png_chunk(&mut png, b"IDAT", idat);
        png_chunk(&mut png, b"IEND", &[]);
    }
    png
}

fn small_png() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(37, 23, |x, y| image::Rgba([x as u8 * 7, y as u8 * 11, (x ^ y) as u8, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The sample photo with its frame header (SOF0) patched to claim `width` x `height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut jpg = PHOTO.to_vec();
    let sof = jpg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0] || w == [0xFF, 0xC2])
        .expect("a frame header");
    // FF C0, length (2), precision (1), height (2), width (2)
    jpg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpg
}

fn assert_refused(bytes: &[u8], what: &str) {
    match decode_limited(bytes) {
        Ok(img) => panic!("{what}: decoded to {}x{}", img.width(), img.height()),
        Err(message) => assert!(!message.trim().is_empty(), "{what}"),
    }
}

#[test]
fn image_bombs_and_wrong_formats_are_refused() {
    // Header-only decompression bombs: refused before any pixel is allocated.
    for (w, h) in [
        (100_000, 100_000),
        (MAX_IMAGE_SIDE + 1, 1),
        (1, MAX_IMAGE_SIDE + 1),
        (u32::MAX, u32::MAX),
        (0, 0),
        (0, 10),
    ] {
        let png = png_claiming(w, h, None);
        let err = decode_limited(&png).unwrap_err();
        assert!(!err.is_empty(), "{w}x{h}");
    }
    // A small, complete PNG that inflates to 9000x9000 (zlib packs the zero rows ~1000:1).
    let row = 1 + 4 * 9000usize;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; row * 64];
    for _ in 0..9000 / 64 + 1 {
        std::io::Write::write_all(&mut z, &zeros).unwrap();
    }
    let idat = z.finish().unwrap();
    assert!(idat.len() < 1 << 20, "a small file: {} bytes", idat.len());
    let err = decode_limited(&png_claiming(9000, 9000, Some(&idat))).unwrap_err();
    assert!(err.to_lowercase().contains("limit") || err.contains("dimension"), "{err}");

    // JPEG: the same side limit holds.
    for (w, h) in [(65_535, 65_535), (8193, 8), (8, 8193), (0, 0), (0, 480)] {
        assert_refused(&jpeg_claiming(w, h), &format!("JPEG claiming {w}x{h}"));
    }
    // Wrong formats and magic numbers with nothing behind them.
    for bytes in [
        &b""[..],
        b"\x89PNG\r\n\x1a\n",
        b"\xFF\xD8\xFF",
        b"\xFF\xD8\xFF\xD9",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"BM\x00\x00",
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        b"{\"not\": \"an image\"}",
    ] {
        assert_refused(bytes, &format!("{bytes:?}"));
    }
    // Over the encoded-size limit: refused without looking.
    let huge = vec![0u8; venue_kiosk::shell::images::MAX_IMAGE_BYTES + 1];
    assert!(decode_limited(&huge).unwrap_err().contains("limit"));
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn truncated_images_never_panic(cut in any::<Index>(), png in any::<bool>()) {
        let (bytes, dims) = if png { (small_png(), (37, 23)) } else { (PHOTO.to_vec(), (640, 480)) };
        let cut = cut.index(bytes.len());
        match decode_limited(&bytes[..cut]) {
            // The JPEG decoder pads a body cut short with grey: still the picture's size.
            Ok(img) => prop_assert_eq!((img.width(), img.height()), dims),
            Err(message) => prop_assert!(!message.trim().is_empty()),
        }
    }

    #[test]
    fn damaged_images_never_panic(edits in prop::collection::vec(edit().prop_filter("bytes only", |e| !matches!(e, Edit::Leaf(..) | Edit::DropKey(_))), 1..6), png in any::<bool>()) {
        let bytes = mutate(&if png { small_png() } else { PHOTO.to_vec() }, &edits);
        if let Ok(img) = decode_limited(&bytes) {
            prop_assert!(img.width() <= MAX_IMAGE_SIDE && img.height() <= MAX_IMAGE_SIDE);
        }
    }

    #[test]
    fn arbitrary_bytes_behind_image_magic_never_panic(
        magic in prop::sample::select(vec![&b"\x89PNG\r\n\x1a\n"[..], b"\xFF\xD8\xFF", b"GIF89a", b"BM", b""]),
        tail in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&tail);
        if let Ok(img) = decode_limited(&bytes) {
            prop_assert!(img.width() <= MAX_IMAGE_SIDE && img.height() <= MAX_IMAGE_SIDE);
        }
    }
}

#[test]
fn truncated_images_at_sampled_cut_points() {
    for (bytes, dims) in [(small_png(), (37u32, 23u32)), (PHOTO.to_vec(), (640, 480))] {
        for cut in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
            if let Ok(img) = decode_limited(&bytes[..cut]) {
                assert_eq!((img.width(), img.height()), dims, "cut at {cut}");
            }
        }
    }
}

const MEMORY_CHILD: &str = "VENUE_KIOSK_IMAGE_MEMORY_CHILD";

/// Images at and past the side limit, decoded in a child process whose address space is capped
/// at 2 GiB: an allocation over the cap aborts the child and fails this test.
#[test]
#[cfg(target_os = "linux")]
fn image_bombs_stay_under_two_gib() {
    if std::env::var_os(MEMORY_CHILD).is_some() {
        let side = MAX_IMAGE_SIDE as u16;
        // Within the side limit: the decoders fill the missing body, within max_alloc.
        for bytes in [
            jpeg_claiming(side, side),
            png_claiming(MAX_IMAGE_SIDE, MAX_IMAGE_SIDE, Some(&[0x78, 0x9c])),
        ] {
            if let Ok(img) = decode_limited(&bytes) {
                assert!(img.width() <= MAX_IMAGE_SIDE && img.height() <= MAX_IMAGE_SIDE);
            }
        }
        assert_refused(&jpeg_claiming(65_535, 65_535), "JPEG 65535x65535");
        assert_refused(&png_claiming(100_000, 100_000, Some(&[0x78, 0x9c])), "PNG 100000x100000");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$0\" image_bombs_stay_under_two_gib --exact --test-threads=1 --nocapture")
        .arg(&exe)
        .env(MEMORY_CHILD, "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the decode child failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "the child ran the test"
    );
}

/// A bad image becomes a `Failed` entry with the reason (the screen's placeholder), a good one
/// `Ready`; nothing stays `Loading`.
#[test]
fn image_store_turns_bad_images_into_failed_entries() {
    use bevy::prelude::*;
    use venue_kiosk::shell::images::{ImageEntry, ImageStore};

    bevy::tasks::AsyncComputeTaskPool::get_or_init(bevy::tasks::TaskPool::new);
    let mut app = App::new();
    app.insert_resource(Assets::<Image>::default());
    app.add_plugins(venue_kiosk::shell::images::plugin);
    let bomb: &'static [u8] = Box::leak(png_claiming(100_000, 100_000, None).into_boxed_slice());
    let cut: &'static [u8] = &PHOTO[..64];
    {
        let mut store = app.world_mut().resource_mut::<ImageStore>();
        store.request_bytes("draw", "bomb", bomb, 1024);
        store.request_bytes("draw", "cut", cut, 1024);
        store.request_bytes("draw", "text", b"<html>404</html>", 1024);
        store.request_bytes("draw", "photo", PHOTO, 1024);
    }
    for _ in 0..20_000 {
        app.update();
        if app.world().resource::<ImageStore>().pending() == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let store = app.world().resource::<ImageStore>();
    assert_eq!(store.pending(), 0, "decodes finish");
    for key in ["bomb", "cut", "text"] {
        match store.get(key) {
            Some(ImageEntry::Failed(reason)) => assert!(!reason.trim().is_empty(), "{key}"),
            other => panic!("{key}: {other:?}"),
        }
    }
    assert!(matches!(store.get("photo"), Some(ImageEntry::Ready(_))));
}
