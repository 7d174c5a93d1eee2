//! The embedded sample event (config/sample/*.json), so the binary runs anywhere with no server.

use crate::payload::Endpoint;

pub fn body(endpoint: Endpoint) -> &'static [u8] {
    match endpoint {
        Endpoint::Event => include_bytes!("../sample/event.json"),
        Endpoint::Schedule => include_bytes!("../sample/schedule.json"),
        Endpoint::Messages => include_bytes!("../sample/messages.json"),
        Endpoint::Draw => include_bytes!("../sample/draw.json"),
        Endpoint::Game => include_bytes!("../sample/game.json"),
        Endpoint::Casino => include_bytes!("../sample/casino.json"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::{FeedPayload, decode};
    use crate::wire::SessionKind;
    use std::collections::HashSet;

    fn all() -> Vec<FeedPayload> {
        Endpoint::ALL
            .iter()
            .map(|e| decode(*e, body(*e)).unwrap_or_else(|err| panic!("sample {e}: {err}")))
            .collect()
    }

    #[test]
    fn sample_event_is_complete() {
        let payloads = all();
        let FeedPayload::Event(event) = &payloads[0] else { panic!() };
        assert_eq!(event.tracks.len(), 3);
        assert!(event.rooms.len() >= 5);
        assert_eq!((event.end_date - event.start_date).num_days(), 1, "a 2-day conference");
        let FeedPayload::Schedule { schedule, .. } = &payloads[1] else {
            panic!()
        };
        assert!(schedule.sessions.len() >= 40);
        assert!(schedule.sessions.iter().any(|s| s.kind == SessionKind::Break));
        let hangul = |s: &str| s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
        assert!(schedule.sessions.iter().any(|s| hangul(&s.title)));
        assert!(schedule.sessions.iter().any(|s| s.title.is_ascii()));
        let days: HashSet<_> = schedule.sessions.iter().map(|s| s.start.date_naive()).collect();
        assert_eq!(days.len(), 2);
        for s in &schedule.sessions {
            if let Some(track) = &s.track {
                assert!(
                    event.tracks.iter().any(|t| &t.id == track),
                    "session {} has unknown track {track}",
                    s.id
                );
            }
            if let Some(room) = &s.room {
                assert!(
                    event.rooms.iter().any(|r| &r.id == room),
                    "session {} has unknown room {room}",
                    s.id
                );
            }
        }
        let FeedPayload::Messages(m) = &payloads[2] else { panic!() };
        assert_eq!(m.messages.len(), 3);
        let FeedPayload::Draw(d) = &payloads[3] else { panic!() };
        assert_eq!(d.prizes.len(), 6);
        assert_eq!(d.tickets.len(), 500);
        assert!(d.prizes.iter().all(|p| p.image_url.is_some()));
        let FeedPayload::Game(g) = &payloads[4] else { panic!() };
        assert_eq!(g.teams.len(), 4);
    }
}

/// Photos of the sample prizes, by the `image_url` the sample's draw.json gives them.
pub fn prize_photo(image_url: &str) -> Option<&'static [u8]> {
    Some(match image_url {
        "prizes/macbook-air.jpg" => include_bytes!("../sample/prizes/macbook-air.jpg"),
        "prizes/keyboard.jpg" => include_bytes!("../sample/prizes/keyboard.jpg"),
        "prizes/headphones.jpg" => include_bytes!("../sample/prizes/headphones.jpg"),
        "prizes/drone.jpg" => include_bytes!("../sample/prizes/drone.jpg"),
        "prizes/hoodie.jpg" => include_bytes!("../sample/prizes/hoodie.jpg"),
        "prizes/coffee.jpg" => include_bytes!("../sample/prizes/coffee.jpg"),
        _ => return None,
    })
}

#[cfg(test)]
mod photo_tests {
    use super::*;
    use crate::payload::{FeedPayload, decode};

    #[test]
    fn every_sample_prize_has_its_photo() {
        let FeedPayload::Draw(draw) = decode(Endpoint::Draw, body(Endpoint::Draw)).unwrap() else {
            panic!()
        };
        for prize in &draw.prizes {
            let url = prize.image_url.as_deref().unwrap();
            assert!(prize_photo(url).is_some(), "no embedded photo for {url}");
        }
    }
}
