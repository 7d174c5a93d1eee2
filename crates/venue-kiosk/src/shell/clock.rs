//! The venue clock: real time, shifted when `--now` asks for a rehearsal instant. Schedule logic
//! reads this, never `Utc::now()` directly, so screenshots and rehearsals are reproducible.

use bevy::prelude::Resource;
use chrono::{DateTime, Duration, FixedOffset, Utc};

#[derive(Resource, Debug, Clone, Copy)]
pub struct VenueClock {
    offset: Duration,
    /// Screenshots: the clock moves a fixed step per frame instead of with the wall clock, so a
    /// capture shows the same instant on a fast machine and on a loaded CI runner.
    stepped: Option<DateTime<Utc>>,
}

impl VenueClock {
    pub fn real() -> Self {
        Self {
            offset: Duration::zero(),
            stepped: None,
        }
    }

    /// A clock that reads `start` now and then runs at normal speed.
    pub fn starting_at(start: DateTime<FixedOffset>) -> Self {
        Self {
            offset: start.with_timezone(&Utc) - Utc::now(),
            stepped: None,
        }
    }

    /// A clock that reads `start` until `advance` moves it (one step per frame for captures).
    pub fn stepped_from(start: DateTime<FixedOffset>) -> Self {
        Self {
            offset: Duration::zero(),
            stepped: Some(start.with_timezone(&Utc)),
        }
    }

    pub fn is_stepped(&self) -> bool {
        self.stepped.is_some()
    }

    /// Moves a stepped clock on by `step`; a running clock ignores it.
    pub fn advance(&mut self, step: Duration) {
        if let Some(at) = &mut self.stepped {
            *at += step;
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.stepped {
            Some(at) => at,
            None => Utc::now() + self.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stepped_clock_moves_only_when_advanced() {
        let start = DateTime::parse_from_rfc3339("2026-12-03T10:30:00+09:00").unwrap();
        let mut clock = VenueClock::stepped_from(start);
        assert_eq!(clock.now(), start.with_timezone(&Utc));
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(clock.now(), start.with_timezone(&Utc));
        clock.advance(Duration::milliseconds(100));
        clock.advance(Duration::milliseconds(100));
        assert_eq!(clock.now() - start.with_timezone(&Utc), Duration::milliseconds(200));
        // A running clock is not moved by steps.
        let mut running = VenueClock::starting_at(start);
        running.advance(Duration::hours(5));
        assert!((running.now() - start.with_timezone(&Utc)).num_seconds().abs() < 5);
    }
}
