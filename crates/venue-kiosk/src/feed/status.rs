//! What the kiosk tells people about its connection: online, stale since T, or offline since T.
//! Pure logic over the worker's reports and a clock, so it is tested without Bevy or a network.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use venue_contract::payload::Endpoint;

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    /// Fixed data (the embedded sample): nothing to be connected to.
    Local,
    /// Started, no answer yet.
    Connecting,
    /// The last poll of every endpoint succeeded.
    Online,
    /// Some poll failed, but the server answered within `offline_after`; data is from `since`.
    Stale { since: DateTime<Utc> },
    /// No successful contact for `offline_after` (or ever): failing since `since`.
    Offline { since: DateTime<Utc> },
}

/// Health of the feed, as a Bevy resource and on screen.
#[derive(bevy::prelude::Resource, Debug, Clone, PartialEq)]
pub struct FeedStatus {
    /// Short source label, e.g. `10.0.0.5:8080` or `sample event`.
    pub source: String,
    pub connection: Connection,
    /// Latest error, with the endpoint it came from.
    pub last_error: Option<String>,
    /// Some shown data came from the disk cache, saved at this time.
    pub cached_data_from: Option<DateTime<Utc>>,
}

impl FeedStatus {
    /// One short line for the indicator, in the venue's words.
    pub fn summary(&self, fmt_time: impl Fn(DateTime<Utc>) -> String) -> String {
        match &self.connection {
            Connection::Local => format!("● {}", self.source),
            Connection::Connecting => format!("○ connecting to {}", self.source),
            Connection::Online => format!("● live · {}", self.source),
            Connection::Stale { since } => format!("● stale since {} · {}", fmt_time(*since), self.source),
            Connection::Offline { since } => {
                let mut line = format!("○ offline since {} · {}", fmt_time(*since), self.source);
                if let Some(saved) = self.cached_data_from {
                    line.push_str(&format!(" · saved data from {}", fmt_time(saved)));
                }
                line
            }
        }
    }

    pub fn is_healthy(&self) -> bool {
        matches!(self.connection, Connection::Local | Connection::Online)
    }
}

/// Accumulates the worker's reports; `status(now)` derives the [`FeedStatus`].
#[derive(Debug, Clone)]
pub struct FeedHealth {
    source: String,
    local: bool,
    started: DateTime<Utc>,
    offline_after: Duration,
    last_success: Option<DateTime<Utc>>,
    /// Endpoints whose latest poll failed, with when their failing began.
    failing: BTreeMap<Endpoint, DateTime<Utc>>,
    last_error: Option<String>,
    cached_data_from: Option<DateTime<Utc>>,
}

impl FeedHealth {
    pub fn new(source: String, local: bool, started: DateTime<Utc>, offline_after: std::time::Duration) -> Self {
        Self {
            source,
            local,
            started,
            offline_after: Duration::from_std(offline_after).unwrap_or(Duration::seconds(120)),
            last_success: None,
            failing: BTreeMap::new(),
            last_error: None,
            cached_data_from: None,
        }
    }

    /// A poll got a good answer (new data or 304).
    pub fn success(&mut self, endpoint: Endpoint, at: DateTime<Utc>) {
        self.last_success = Some(self.last_success.map_or(at, |t| t.max(at)));
        self.failing.remove(&endpoint);
        if self.failing.is_empty() {
            self.cached_data_from = None;
        }
    }

    /// A poll failed (transport, status, size, or a payload that did not decode).
    pub fn failure(&mut self, endpoint: Endpoint, at: DateTime<Utc>, error: &str) {
        self.failing.entry(endpoint).or_insert(at);
        self.last_error = Some(format!("{endpoint}: {error}"));
    }

    /// Data for an endpoint came from the disk cache (saved at `saved`).
    pub fn from_cache(&mut self, saved: DateTime<Utc>) {
        self.cached_data_from = Some(self.cached_data_from.map_or(saved, |t| t.min(saved)));
    }

    pub fn status(&self, now: DateTime<Utc>) -> FeedStatus {
        let connection = if self.local && self.failing.is_empty() {
            Connection::Local
        } else {
            let failing_since = self.failing.values().min().copied();
            match (self.last_success, failing_since) {
                (None, None) => Connection::Connecting,
                (Some(_), None) => Connection::Online,
                (None, Some(_)) => Connection::Offline { since: self.started },
                (Some(ok), Some(fail)) => {
                    if now - ok >= self.offline_after {
                        Connection::Offline { since: fail }
                    } else {
                        Connection::Stale { since: ok }
                    }
                }
            }
        };
        FeedStatus {
            source: self.source.clone(),
            connection,
            last_error: if self.failing.is_empty() { None } else { self.last_error.clone() },
            cached_data_from: self.cached_data_from,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn health() -> FeedHealth {
        FeedHealth::new("srv".into(), false, t(0), std::time::Duration::from_secs(60))
    }

    #[test]
    fn connecting_then_online() {
        let mut h = health();
        assert_eq!(h.status(t(1)).connection, Connection::Connecting);
        h.success(Endpoint::Event, t(2));
        assert_eq!(h.status(t(3)).connection, Connection::Online);
        assert!(h.status(t(3)).last_error.is_none());
    }

    #[test]
    fn never_reached_is_offline_since_start_with_error() {
        let mut h = health();
        h.failure(Endpoint::Schedule, t(5), "connection refused");
        let s = h.status(t(6));
        assert_eq!(s.connection, Connection::Offline { since: t(0) });
        assert_eq!(s.last_error.as_deref(), Some("schedule: connection refused"));
    }

    #[test]
    fn failure_after_success_is_stale_then_offline() {
        let mut h = health();
        h.success(Endpoint::Schedule, t(10));
        h.failure(Endpoint::Schedule, t(20), "HTTP 500");
        assert_eq!(h.status(t(30)).connection, Connection::Stale { since: t(10) });
        assert_eq!(h.status(t(70)).connection, Connection::Offline { since: t(20) });
        h.success(Endpoint::Schedule, t(80));
        assert_eq!(h.status(t(80)).connection, Connection::Online);
    }

    #[test]
    fn one_failing_endpoint_keeps_status_stale_even_if_others_succeed() {
        let mut h = health();
        h.success(Endpoint::Event, t(1));
        h.failure(Endpoint::Messages, t(2), "malformed JSON");
        h.success(Endpoint::Event, t(3));
        assert_eq!(h.status(t(4)).connection, Connection::Stale { since: t(3) });
        assert!(h.status(t(4)).last_error.unwrap().starts_with("messages:"));
    }

    #[test]
    fn local_source_is_local_unless_failing() {
        let mut h = FeedHealth::new("sample event".into(), true, t(0), std::time::Duration::from_secs(60));
        assert_eq!(h.status(t(1)).connection, Connection::Local);
        h.failure(Endpoint::Draw, t(2), "bad");
        assert_ne!(h.status(t(3)).connection, Connection::Local);
    }

    #[test]
    fn summary_reads_well() {
        let mut h = health();
        h.from_cache(t(-100));
        h.failure(Endpoint::Event, t(1), "timed out");
        let line = h.status(t(2)).summary(|d| d.format("%H:%M").to_string());
        assert!(line.contains("offline since") && line.contains("saved data"), "{line}");
    }
}
