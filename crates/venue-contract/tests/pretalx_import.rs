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
