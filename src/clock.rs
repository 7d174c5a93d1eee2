//! The venue clock: real time, shifted when `--now` asks for a rehearsal instant. Schedule logic
//! reads this, never `Utc::now()` directly, so screenshots and rehearsals are reproducible.

use bevy::prelude::Resource;
use chrono::{DateTime, Duration, FixedOffset, Utc};

#[derive(Resource, Debug, Clone, Copy)]
pub struct VenueClock {
    offset: Duration,
}

impl VenueClock {
    pub fn real() -> Self {
        Self { offset: Duration::zero() }
    }

    /// A clock that reads `start` now and then runs at normal speed.
    pub fn starting_at(start: DateTime<FixedOffset>) -> Self {
        Self {
            offset: start.with_timezone(&Utc) - Utc::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}
