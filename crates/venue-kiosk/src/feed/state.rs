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
        self.revision += 1;
        self.updated_at = Some(at);
        retired
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

    /// Tracks of the event, or of the imported schedule when the event has none.
    pub fn tracks(&self) -> &[Track] {
        match (self.event.as_deref(), self.schedule_event.as_deref()) {
            (Some(e), _) if !e.tracks.is_empty() => &e.tracks,
            (_, Some(s)) => &s.tracks,
            (Some(e), None) => &e.tracks,
            (None, None) => &[],
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
