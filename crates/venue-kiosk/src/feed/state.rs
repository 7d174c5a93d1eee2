//! The one copy of the event data the screens read. Only good payloads get here.

use std::sync::Arc;

use bevy::prelude::Resource;
use chrono::{DateTime, Utc};

use venue_contract::casino::CasinoData;
use venue_contract::payload::{Endpoint, FeedPayload};
use venue_contract::wire::{DrawData, EventInfo, GameData, Messages, Room, Schedule, Track};

#[derive(Resource, Debug, Default, Clone)]
pub struct FeedState {
    pub event: Option<Arc<EventInfo>>,
    pub schedule: Option<Arc<Schedule>>,
    /// Rooms and tracks described by an imported pretalx schedule.
    pub schedule_event: Option<Arc<EventInfo>>,
    /// The event the screens show, derived from the two above on each change (see [`Self::event_info`]).
    pub(crate) shown_event: Option<Arc<EventInfo>>,
    pub messages: Option<Arc<Messages>>,
    pub draw: Option<Arc<DrawData>>,
    pub game: Option<Arc<GameData>>,
    /// The live dice game (contract 1.1); `None` when the source has none.
    pub casino: Option<Arc<CasinoData>>,
    /// Bumped on every change, so screens rebuild text only when something changed.
    pub revision: u64,
    pub updated_at: Option<DateTime<Utc>>,
}

impl FeedState {
    /// Take a decoded payload (the worker sends only bodies that changed). Returns the snapshots it
    /// replaced, for the caller to free off the main thread: a big old schedule is many small
    /// allocations.
    pub fn apply(&mut self, payload: FeedPayload, at: DateTime<Utc>) -> Retired {
        let mut retired = Retired::default();
        let describes_event = matches!(payload, FeedPayload::Event(_) | FeedPayload::Schedule { .. });
        match payload {
            FeedPayload::Event(e) => retired.keep(self.event.replace(Arc::new(e))),
            FeedPayload::Schedule { schedule, imported_event } => {
                retired.keep(self.schedule.replace(Arc::new(schedule)));
                retired.keep(match imported_event {
                    Some(e) => self.schedule_event.replace(Arc::new(e)),
                    None => self.schedule_event.take(),
                });
            }
            FeedPayload::Messages(m) => retired.keep(self.messages.replace(Arc::new(m))),
            FeedPayload::Draw(d) => retired.keep(self.draw.replace(Arc::new(d))),
            FeedPayload::Game(g) => retired.keep(self.game.replace(Arc::new(g))),
            FeedPayload::Casino(c) => retired.keep(self.casino.replace(Arc::new(c))),
        }
        if describes_event {
            retired.keep(std::mem::replace(
                &mut self.shown_event,
                shown_event(self.event.as_ref(), self.schedule_event.as_ref()),
            ));
        }
        self.revision += 1;
        self.updated_at = Some(at);
        retired
    }

    /// The event as the screens show it: the event source's, with the rooms and tracks of an
    /// imported schedule (a pretalx export as `feed.schedule_source`: its sessions are in its own
    /// rooms); or, when the source describes no event (a folder or URL with only a pretalx
    /// export), the one derived from the export — name, time zone, days, rooms and tracks.
    pub fn event_info(&self) -> Option<&EventInfo> {
        self.shown_event.as_deref()
    }

    pub fn has(&self, endpoint: Endpoint) -> bool {
        match endpoint {
            Endpoint::Event => self.event.is_some(),
            Endpoint::Schedule => self.schedule.is_some(),
            Endpoint::Messages => self.messages.is_some(),
            Endpoint::Draw => self.draw.is_some(),
            Endpoint::Game => self.game.is_some(),
            Endpoint::Casino => self.casino.is_some(),
        }
    }

    pub fn event_name(&self) -> Option<&str> {
        self.event.as_deref().or(self.schedule_event.as_deref()).map(|e| e.name.as_str())
    }

    pub fn track(&self, id: &str) -> Option<&Track> {
        [self.event.as_deref(), self.schedule_event.as_deref()]
            .into_iter()
            .flatten()
            .find_map(|e| e.tracks.iter().find(|t| t.id == id))
    }

    pub fn room(&self, id: &str) -> Option<&Room> {
        [self.event.as_deref(), self.schedule_event.as_deref()]
            .into_iter()
            .flatten()
            .find_map(|e| e.rooms.iter().find(|r| r.id == id))
    }

    /// A room named by a person (a config, a command line): its id, else its name or short name,
    /// ignoring case.
    pub fn find_room(&self, wanted: &str) -> Option<&Room> {
        let wanted = wanted.trim();
        let rooms = || {
            [self.event.as_deref(), self.schedule_event.as_deref()]
                .into_iter()
                .flatten()
                .flat_map(|e| e.rooms.iter())
        };
        rooms().find(|r| r.id == wanted).or_else(|| {
            rooms().find(|r| r.name.eq_ignore_ascii_case(wanted) || r.short_name.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(wanted)))
        })
    }

    /// Tracks of the event as shown ([`Self::event_info`]).
    pub fn tracks(&self) -> &[Track] {
        self.event_info().map_or(&[], |e| &e.tracks)
    }
}

/// See [`FeedState::event_info`]. The imported schedule's rooms and tracks win when it has any (its
/// sessions name them); the event's own stay for what the schedule does not name (door-side
/// screens configured by the event's room ids keep working).
fn shown_event(event: Option<&Arc<EventInfo>>, imported: Option<&Arc<EventInfo>>) -> Option<Arc<EventInfo>> {
    match (event, imported) {
        (None, None) => None,
        (Some(only), None) | (None, Some(only)) => Some(only.clone()),
        (Some(event), Some(imported)) => {
            let mut shown = EventInfo::clone(event);
            if !imported.rooms.is_empty() {
                shown.rooms = imported.rooms.clone();
            }
            if !imported.tracks.is_empty() {
                shown.tracks = imported.tracks.clone();
            }
            Some(Arc::new(shown))
        }
    }
}

/// Snapshots a change replaced, to be dropped where a long free does not cost a frame.
#[derive(Default)]
pub struct Retired(Vec<Box<dyn std::any::Any + Send + Sync>>);

impl Retired {
    fn keep<T: Send + Sync + 'static>(&mut self, old: Option<Arc<T>>) {
        if let Some(old) = old {
            self.0.push(Box::new(old));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_contract::payload::decode;
    use venue_contract::sample;

    const PRETALX: &[u8] = include_bytes!("../../../venue-contract/tests/fixtures/pretalx_schedule.json");

    #[test]
    fn a_pretalx_export_alone_describes_the_event() {
        let mut feed = FeedState::default();
        assert!(feed.event_info().is_none());
        feed.apply(decode(Endpoint::Schedule, PRETALX).unwrap(), Utc::now());
        let event = feed.event_info().expect("derived from the export");
        assert_eq!(event.name, "Datenfest Berlin 2025");
        assert_eq!(event.time_zone, "Europe/Berlin");
        assert_eq!(event.start_date.to_string(), "2025-06-13");
        let rooms: Vec<&str> = event.rooms.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(rooms, ["Saal Ada", "Saal Grace", "Werkstatt"]);
        assert!(!feed.tracks().is_empty());
        // Every session of the export is in a room the event shows.
        let schedule = feed.schedule.as_deref().unwrap();
        assert!(!schedule.sessions.is_empty());
        assert!(
            schedule
                .sessions
                .iter()
                .filter_map(|s| s.room.as_deref())
                .all(|room| event.rooms.iter().any(|r| r.id == room))
        );
    }

    #[test]
    fn a_pretalx_schedule_beside_an_event_shows_in_its_own_rooms() {
        let mut feed = FeedState::default();
        feed.apply(decode(Endpoint::Event, sample::body(Endpoint::Event)).unwrap(), Utc::now());
        let sample_name = feed.event_info().unwrap().name.clone();
        feed.apply(decode(Endpoint::Schedule, PRETALX).unwrap(), Utc::now());
        let event = feed.event_info().unwrap();
        assert_eq!(event.name, sample_name, "the event source names the event");
        let schedule = feed.schedule.as_deref().unwrap();
        assert!(
            schedule
                .sessions
                .iter()
                .filter_map(|s| s.room.as_deref())
                .all(|room| event.rooms.iter().any(|r| r.id == room)),
            "the rooms shown are the schedule's"
        );
        assert!(
            schedule
                .sessions
                .iter()
                .filter_map(|s| s.track.as_deref())
                .all(|t| feed.track(t).is_some())
        );
        // Back to the event's own schedule: its rooms again.
        feed.apply(decode(Endpoint::Schedule, sample::body(Endpoint::Schedule)).unwrap(), Utc::now());
        assert_eq!(feed.event_info().unwrap().rooms, feed.event.as_deref().unwrap().rooms);
    }
}
