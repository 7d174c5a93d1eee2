//! Which broadcast messages a screen shows: those live now (`starts <= now < expires`) that reach it
//! (its room and groups, [`Message::reaches`]). Ordinary ones are banners and cards; a live
//! emergency takes the whole screen over instead, the newest on top.

use chrono::{DateTime, Utc};

use venue_contract::wire::Message;

/// Where a screen is, for targeting: the room id it stands in (door-side screens) and its groups.
#[derive(Debug, Clone, Copy, Default)]
pub struct Audience<'a> {
    pub room: Option<&'a str>,
    pub groups: &'a [String],
}

/// Is `message` showing at `now`? Start inclusive, expiry exclusive.
pub fn is_live(message: &Message, now: DateTime<Utc>) -> bool {
    message.starts.with_timezone(&Utc) <= now && now < message.expires.with_timezone(&Utc)
}

/// Live messages that reach this screen, in feed order. Allocates nothing (overlays check it every frame).
pub fn showing<'a>(messages: &'a [Message], now: DateTime<Utc>, here: Audience<'a>) -> impl Iterator<Item = &'a Message> + 'a {
    messages
        .iter()
        .filter(move |m| is_live(m, now) && m.reaches(here.room, here.groups))
}

/// What a screen shows as ordinary banners and cards: live, reaching it, and not an emergency (the
/// takeover shows those).
pub fn banners<'a>(messages: &'a [Message], now: DateTime<Utc>, here: Audience<'a>) -> impl Iterator<Item = &'a Message> + 'a {
    showing(messages, now, here).filter(|m| !m.emergency)
}

/// Live emergencies that reach this screen, in feed order.
pub fn emergencies<'a>(messages: &'a [Message], now: DateTime<Utc>, here: Audience<'a>) -> impl Iterator<Item = &'a Message> + 'a {
    showing(messages, now, here).filter(|m| m.emergency)
}

/// The emergency that has the screen now, and the other live ones under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Takeover<'a> {
    /// The newest: the latest `starts`; at equal starts, the later in the feed (added last).
    pub newest: &'a Message,
    /// The other live emergencies reaching this screen, newest first.
    pub earlier: Vec<&'a Message>,
}

/// The takeover this screen shows at `now`, or `None` when no live emergency reaches it.
pub fn takeover<'a>(messages: &'a [Message], now: DateTime<Utc>, here: Audience<'a>) -> Option<Takeover<'a>> {
    let mut live: Vec<(usize, &Message)> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.emergency && is_live(m, now) && m.reaches(here.room, here.groups))
        .collect();
    // Newest first: latest start, then latest position in the feed.
    live.sort_by(|(ia, a), (ib, b)| b.starts.cmp(&a.starts).then(ib.cmp(ia)));
    let mut newest_first = live.into_iter().map(|(_, m)| m);
    let newest = newest_first.next()?;
    Some(Takeover {
        newest,
        earlier: newest_first.collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use venue_contract::wire::Priority;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn message(id: &str, starts: &str, expires: &str) -> Message {
        Message {
            id: id.into(),
            text: format!("text of {id}"),
            priority: Priority::Normal,
            starts: DateTime::parse_from_rfc3339(starts).unwrap(),
            expires: DateTime::parse_from_rfc3339(expires).unwrap(),
            emergency: false,
            rooms: Vec::new(),
            groups: Vec::new(),
        }
    }

    fn emergency(id: &str, starts: &str, expires: &str) -> Message {
        Message {
            emergency: true,
            priority: Priority::Urgent,
            ..message(id, starts, expires)
        }
    }

    const NINE: &str = "2026-12-03T09:00:00+09:00";
    const TEN: &str = "2026-12-03T10:00:00+09:00";
    const NOON: &str = "2026-12-03T12:00:00+09:00";

    fn ids<'a>(messages: impl Iterator<Item = &'a Message>) -> Vec<&'a str> {
        messages.map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn live_means_started_and_not_expired() {
        let m = message("m", NINE, TEN);
        assert!(!is_live(&m, at("2026-12-03T08:59:59+09:00")));
        assert!(is_live(&m, at(NINE)), "from its start");
        assert!(is_live(&m, at("2026-12-03T09:59:59+09:00")));
        assert!(!is_live(&m, at(TEN)), "gone at its expiry");
        // Offsets do not matter: 00:30 UTC is 09:30 in Seoul.
        assert!(is_live(&m, at("2026-12-03T00:30:00Z")));
    }

    #[test]
    fn banners_are_live_targeted_and_never_emergencies() {
        let lobby = vec!["lobby".to_string()];
        let mut for_r201 = message("r201-only", NINE, NOON);
        for_r201.rooms = vec!["r201".into()];
        let mut for_lobby = message("lobby-only", NINE, NOON);
        for_lobby.groups = vec!["lobby".into()];
        let messages = vec![
            message("everyone", NINE, NOON),
            message("later", NOON, "2026-12-03T13:00:00+09:00"),
            for_r201,
            for_lobby,
            emergency("fire", NINE, NOON),
        ];
        let now = at("2026-12-03T09:30:00+09:00");
        let hall = Audience::default();
        assert_eq!(ids(banners(&messages, now, hall)), ["everyone"]);
        let door = Audience {
            room: Some("r201"),
            groups: &[],
        };
        assert_eq!(ids(banners(&messages, now, door)), ["everyone", "r201-only"]);
        let foyer = Audience {
            room: None,
            groups: &lobby,
        };
        assert_eq!(ids(banners(&messages, now, foyer)), ["everyone", "lobby-only"]);
        assert_eq!(ids(showing(&messages, now, foyer)), ["everyone", "lobby-only", "fire"]);
        assert_eq!(ids(emergencies(&messages, now, foyer)), ["fire"]);
    }

    #[test]
    fn no_takeover_without_a_live_emergency_that_reaches_the_screen() {
        let mut elsewhere = emergency("hall-b", NINE, NOON);
        elsewhere.groups = vec!["hall-b".into()];
        let messages = vec![
            message("urgent-banner", NINE, NOON),
            emergency("over", NINE, TEN),
            emergency("not-yet", NOON, "2026-12-03T13:00:00+09:00"),
            elsewhere,
        ];
        let hall_a = vec!["hall-a".to_string()];
        let here = Audience {
            room: Some("r201"),
            groups: &hall_a,
        };
        assert_eq!(takeover(&messages, at("2026-12-03T10:30:00+09:00"), here), None);
        // The same emergency before its expiry does take over.
        let now = at("2026-12-03T09:30:00+09:00");
        assert_eq!(takeover(&messages, now, here).map(|t| t.newest.id.as_str()), Some("over"));
        assert_eq!(takeover(&[], now, here), None);
    }

    #[test]
    fn the_newest_emergency_is_on_top() {
        let mut for_room = emergency("room-leak", "2026-12-03T09:20:00+09:00", NOON);
        for_room.rooms = vec!["r201".into()];
        let messages = vec![
            emergency("first", NINE, NOON),
            emergency("second", "2026-12-03T09:10:00+09:00", NOON),
            for_room,
            // Same start as `second`, later in the feed: added after it.
            emergency("second-b", "2026-12-03T09:10:00+09:00", NOON),
        ];
        let now = at("2026-12-03T09:30:00+09:00");
        let hall = takeover(&messages, now, Audience::default()).unwrap();
        assert_eq!(hall.newest.id, "second-b");
        assert_eq!(ids(hall.earlier.into_iter()), ["second", "first"]);
        let door = takeover(
            &messages,
            now,
            Audience {
                room: Some("r201"),
                groups: &[],
            },
        )
        .unwrap();
        assert_eq!(door.newest.id, "room-leak", "the door screen's own emergency is the newest");
        assert_eq!(door.earlier.len(), 3);
        // Deleted from the feed (or expired): the next newest takes its place.
        let left: Vec<Message> = messages.iter().filter(|m| m.id != "second-b").cloned().collect();
        assert_eq!(takeover(&left, now, Audience::default()).unwrap().newest.id, "second");
    }
}
