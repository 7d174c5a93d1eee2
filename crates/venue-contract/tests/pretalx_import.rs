//! pretalx / frab `schedule.json` import on a realistic export.

use venue_contract::payload::{Endpoint, FeedPayload, decode};
use venue_contract::pretalx::import_bytes;
use venue_contract::wire::SessionKind;

const FIXTURE: &[u8] = include_bytes!("fixtures/pretalx_schedule.json");

#[test]
fn imports_event_rooms_tracks_and_sessions() {
    let (schedule, event) = import_bytes(FIXTURE).expect("fixture imports");
    assert_eq!(event.name, "Datenfest Berlin 2025");
    assert_eq!(event.time_zone, "Europe/Berlin");
    // 8 talks in German, 5 in English, 1 in Korean: the screens speak German.
    assert_eq!(event.languages, ["de"]);
    assert_eq!(event.start_date.to_string(), "2025-06-13");
    assert_eq!(event.end_date.to_string(), "2025-06-14");
    assert_eq!(event.rooms.len(), 3);
    assert_eq!(event.tracks.len(), 3);
    assert!(event.tracks.iter().all(|t| t.color.starts_with('#') && t.color.len() == 7));
    assert_eq!(schedule.sessions.len(), 14);

    // Every session's room and track resolve against the imported event.
    for s in &schedule.sessions {
        let room = s.room.as_ref().expect("pretalx events have rooms");
        assert!(event.rooms.iter().any(|r| &r.id == room), "room {room}");
        if let Some(track) = &s.track {
            assert!(event.tracks.iter().any(|t| &t.id == track), "track {track}");
        }
        assert!(s.end > s.start);
    }
    // Sorted by start.
    assert!(schedule.sessions.windows(2).all(|w| w[0].start <= w[1].start));
}

#[test]
fn maps_duration_persons_breaks_and_unicode() {
    let (schedule, _) = import_bytes(FIXTURE).unwrap();
    let by_title = |needle: &str| {
        schedule
            .sessions
            .iter()
            .find(|s| s.title.contains(needle))
            .unwrap_or_else(|| panic!("{needle}"))
    };

    let solder = by_title("Löten");
    assert_eq!((solder.end - solder.start).num_minutes(), 90, "01:30 duration");
    assert_eq!(solder.kind, SessionKind::Workshop);

    let mesh = by_title("Mesh-Netzwerke");
    assert_eq!(mesh.speakers.len(), 2);

    let korean = by_title("러스트와 함께하는 임베디드 개발");
    assert!(!korean.speakers.is_empty());

    let coffee = by_title("Kaffeepause");
    assert_eq!(coffee.kind, SessionKind::Break);
    assert_eq!(coffee.track, None);

    // The 00:15 event belongs to the night after day 1 but keeps its real instant.
    let late = schedule
        .sessions
        .iter()
        .find(|s| s.id.contains("M4QXRF") || s.start.to_rfc3339().starts_with("2025-06-14T00:15"))
        .expect("after-midnight event");
    assert_eq!(late.start.to_rfc3339(), "2025-06-14T00:15:00+02:00");
}

#[test]
fn served_at_the_schedule_endpoint_it_is_detected() {
    match decode(Endpoint::Schedule, FIXTURE).unwrap() {
        FeedPayload::Schedule { schedule, imported_event } => {
            assert_eq!(schedule.sessions.len(), 14);
            assert_eq!(imported_event.unwrap().name, "Datenfest Berlin 2025");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn broken_exports_give_clear_errors() {
    let err = import_bytes(b"{\"schedule\": {\"conference\": {\"title\": \"x\"}}}").unwrap_err();
    assert!(err.contains("days"), "{err}");
    let text = String::from_utf8(FIXTURE.to_vec()).unwrap();
    let broken = text.replacen("\"duration\": \"", "\"duration\": \"x", 1);
    let err = import_bytes(broken.as_bytes()).unwrap_err();
    assert!(err.contains("duration"), "{err}");
    assert!(import_bytes(b"{not json").unwrap_err().contains("malformed JSON"));
}

/// Schedule JSON version 2 (the CCC hub's export: a flat `schedule.events` list, rooms by guid, tracks
/// as `{slug}`). Shape after `voc/schedule` `validator/json/schema2.json` and its
/// `examples/hub-schedule2.json` (38C3); the fixture's event is made up.
const HUB_V2: &[u8] = include_bytes!("fixtures/hub_schedule_v2.json");

#[test]
fn imports_schedule_v2_with_a_flat_events_list() {
    let (schedule, event) = import_bytes(HUB_V2).expect("v2 fixture imports");
    assert_eq!(event.name, "Hackfest 2025");
    assert_eq!(event.id, "hackfest25");
    assert_eq!(event.time_zone, "Europe/Berlin");
    assert_eq!(event.start_date.to_string(), "2025-08-15");
    assert_eq!(event.end_date.to_string(), "2025-08-16");
    let rooms: Vec<&str> = event.rooms.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(rooms, ["saal-1", "saal-zuse", "werkstatt"]);
    let tracks: Vec<(&str, &str)> = event.tracks.iter().map(|t| (t.id.as_str(), t.color.as_str())).collect();
    assert_eq!(tracks[0], ("hardware-making", "#7A6CB8"), "a hub track's `colors.dark`");
    assert_eq!(tracks[1], ("security", "#0347B4"));
    assert_eq!(tracks[2].0, "gesellschaft");

    assert_eq!(schedule.sessions.len(), 6);
    let by_title = |t: &str| {
        schedule
            .sessions
            .iter()
            .find(|s| s.title.starts_with(t))
            .unwrap_or_else(|| panic!("{t}"))
    };
    let side = by_title("Seitenkanäle");
    assert_eq!(side.room.as_deref(), Some("saal-1"));
    assert_eq!(side.track.as_deref(), Some("security"));
    assert_eq!(side.speakers, ["Jana Weiß", "Kai Öztürk"]);
    assert_eq!(side.subtitle.as_deref(), Some("Strom, Zeit und Licht"));
    assert_eq!(side.start.to_rfc3339(), "2025-08-15T11:15:00+02:00");
    assert_eq!((side.end - side.start).num_minutes(), 45);
    let solder = by_title("Löten");
    assert_eq!((solder.room.as_deref(), solder.kind), (Some("werkstatt"), SessionKind::Workshop));
    let mesh = by_title("Mesh");
    assert_eq!(
        (mesh.end - mesh.start).num_minutes(),
        40,
        "a deprecated `duration` instead of `end`"
    );
    assert_eq!(mesh.track.as_deref(), Some("gesellschaft"), "a track given by name");
    assert_eq!(mesh.speakers, ["Ana Lima"]);
    assert_eq!(by_title("Fuzzing").kind, SessionKind::Workshop, "hands-on");
    assert_eq!(by_title("Eröffnung").track, None);
    assert!(schedule.sessions.windows(2).all(|w| w[0].start <= w[1].start));

    // Served at the schedule endpoint, the kiosk decodes it with the event it describes.
    match decode(Endpoint::Schedule, HUB_V2).unwrap() {
        FeedPayload::Schedule { schedule, imported_event } => {
            assert_eq!(schedule.sessions.len(), 6);
            assert_eq!(imported_event.unwrap().rooms.len(), 3);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_export_without_any_event_is_refused() {
    let mut value: serde_json::Value = serde_json::from_slice(HUB_V2).unwrap();
    value["schedule"]["events"] = serde_json::json!([]);
    let err = import_bytes(&serde_json::to_vec(&value).unwrap()).unwrap_err();
    assert!(err.contains("holds no session"), "{err}");
    let err = decode(Endpoint::Schedule, &serde_json::to_vec(&value).unwrap()).unwrap_err();
    assert!(err.contains("holds no session"), "{err}");
    // A v1 export whose days list no room either.
    let empty = br#"{"schedule": {"conference": {"title": "x", "days": [{"date": "2025-01-01", "rooms": {}}]}}}"#;
    assert!(import_bytes(empty).unwrap_err().contains("holds no session"));
}

/// Real exports as the tools that make them write them (c3voc's examples, see fixtures/voc/README.md):
/// both shapes in use import with every session, and the event is described from them.
#[test]
fn real_exports_of_both_shapes_import() {
    let (schedule, event) = import_bytes(include_bytes!("fixtures/voc/pretalx-democon.json")).expect("pretalx's DemoCon");
    assert_eq!(event.name, "DemoCon");
    assert_eq!(schedule.sessions.len(), 36, "every talk of the export");
    assert!(!event.rooms.is_empty());
    assert!(schedule.sessions.iter().all(|s| s.end > s.start));
    assert_eq!(event.languages, ["en"], "all 36 talks are in English");

    let (schedule, event) = import_bytes(include_bytes!("fixtures/voc/hub-schedule2.json")).expect("the CCC hub's 38C3");
    assert_eq!(event.name, "38C3");
    assert_eq!(schedule.sessions.len(), 2, "the export's flat `events` list");
    assert_eq!(event.languages, ["en", "de"], "as the conference declares them");
    assert!(
        schedule
            .sessions
            .iter()
            .all(|s| s.room.as_deref().is_some_and(|r| event.rooms.iter().any(|x| x.id == r)))
    );
}
