//! Pure now/next rules for the schedule display. No Bevy types: tested on plain data.

use chrono::{DateTime, TimeZone, Utc};

use crate::feed::wire::{Schedule, Session, SessionKind};

/// What one room shows at an instant.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomNowNext<'a> {
    pub room: &'a str,
    pub current: Option<&'a Session>,
    pub next: Option<&'a Session>,
}

fn active(s: &Session) -> bool {
    !s.cancelled
}

/// Is `s` running at `now`? Start inclusive, end exclusive: at 10:30 a 10:00–10:30 talk is over.
pub fn is_running<Tz: TimeZone>(s: &Session, now: &DateTime<Tz>) -> bool {
    let now = now.with_timezone(&Utc);
    s.start.with_timezone(&Utc) <= now && now < s.end.with_timezone(&Utc)
}

/// Sessions running at `now`, in start order (cancelled ones never run).
pub fn running_at(schedule: &Schedule, now: DateTime<Utc>) -> Vec<&Session> {
    let mut list: Vec<&Session> = schedule.sessions.iter().filter(|s| active(s) && is_running(s, &now)).collect();
    list.sort_by_key(|s| s.start);
    list
}

/// Now and next per room, for the given rooms in the given order. A session without a room (a
/// venue-wide break) counts as running in every room.
pub fn now_next_by_room<'a>(schedule: &'a Schedule, rooms: &[&'a str], now: DateTime<Utc>) -> Vec<RoomNowNext<'a>> {
    rooms
        .iter()
        .map(|room| {
            let here = |s: &&Session| active(s) && s.room.as_deref().is_none_or(|r| r == *room);
            let current = schedule
                .sessions
                .iter()
                .filter(here)
                .filter(|s| is_running(s, &now))
                // A room-specific session wins over the venue-wide item; then the latest start.
                .max_by_key(|s| (s.room.is_some(), s.start));
            let next = schedule
                .sessions
                .iter()
                .filter(here)
                .filter(|s| s.start.with_timezone(&Utc) > now && s.room.is_some())
                .min_by_key(|s| s.start);
            RoomNowNext { room, current, next }
        })
        .collect()
}

/// Where the day stands, which decides what the overlay leads with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Nothing has started yet, or it is the night between two days.
    Upcoming,
    /// Sessions are running.
    Running,
    /// A break session runs, or the rooms are empty between two slots of the same day.
    Break,
    /// Nothing is left.
    Over,
}

/// A gap longer than this between two sessions is not a break but "coming up" (e.g. overnight).
const MAX_BREAK_GAP_HOURS: i64 = 3;

pub fn phase(schedule: &Schedule, now: DateTime<Utc>) -> Phase {
    let running = running_at(schedule, now);
    if running.iter().any(|s| s.kind == SessionKind::Break) {
        return Phase::Break;
    }
    if !running.is_empty() {
        return Phase::Running;
    }
    let sessions = || schedule.sessions.iter().filter(|s| active(s));
    let next_start = sessions().map(|s| s.start.with_timezone(&Utc)).filter(|t| *t > now).min();
    let last_end = sessions().map(|s| s.end.with_timezone(&Utc)).filter(|t| *t <= now).max();
    match (last_end, next_start) {
        (_, None) => Phase::Over,
        (None, Some(_)) => Phase::Upcoming,
        (Some(end), Some(start)) if start - end <= chrono::Duration::hours(MAX_BREAK_GAP_HOURS) => Phase::Break,
        (Some(_), Some(_)) => Phase::Upcoming,
    }
}

pub fn is_break(schedule: &Schedule, now: DateTime<Utc>) -> bool {
    phase(schedule, now) == Phase::Break
}

/// "in 5 min", "in 2 h 10 min", "in 3 days": readable from across a hall.
pub fn starts_in(minutes: i64) -> String {
    match minutes.max(0) {
        0 => "starting now".into(),
        m if m < 60 => format!("in {m} min"),
        m if m < 24 * 60 => match m % 60 {
            0 => format!("in {} h", m / 60),
            r => format!("in {} h {r} min", m / 60),
        },
        m => match m / (24 * 60) {
            1 => "tomorrow".into(),
            d => format!("in {d} days"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset};

    fn t(hm: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(&format!("2026-12-03T{hm}:00+09:00")).unwrap()
    }

    fn session(id: &str, room: Option<&str>, start: &str, end: &str, kind: SessionKind) -> Session {
        Session {
            id: id.into(),
            title: id.into(),
            subtitle: None,
            speakers: vec![],
            track: None,
            room: room.map(str::to_string),
            start: t(start),
            end: t(end),
            kind,
            language: None,
            cancelled: false,
        }
    }

    fn schedule() -> Schedule {
        let mut cancelled = session("c", Some("a"), "11:00", "11:30", SessionKind::Talk);
        cancelled.cancelled = true;
        Schedule {
            version: 1,
            sessions: vec![
                session("a1", Some("a"), "10:00", "10:30", SessionKind::Talk),
                session("a2", Some("a"), "10:30", "11:00", SessionKind::Talk),
                session("b1", Some("b"), "10:00", "10:45", SessionKind::Talk),
                session("lunch", None, "12:00", "13:00", SessionKind::Break),
                cancelled,
                session("a3", Some("a"), "13:00", "13:30", SessionKind::Talk),
            ],
        }
    }

    fn utc(hm: &str) -> DateTime<Utc> {
        t(hm).with_timezone(&Utc)
    }

    #[test]
    fn back_to_back_switches_exactly_at_the_boundary() {
        let s = schedule();
        let rows = now_next_by_room(&s, &["a"], utc("10:30"));
        assert_eq!(rows[0].current.unwrap().id, "a2", "the 10:00–10:30 talk has just ended");
        assert_eq!(rows[0].next.unwrap().id, "a3", "cancelled sessions are never next");
    }

    #[test]
    fn empty_room_shows_next_only() {
        let s = schedule();
        let rows = now_next_by_room(&s, &["b"], utc("10:50"));
        assert!(rows[0].current.is_none());
        assert!(rows[0].next.is_none(), "venue-wide breaks are not a room's next talk");
    }

    #[test]
    fn venue_wide_break_runs_in_every_room_and_is_a_break() {
        let s = schedule();
        let rows = now_next_by_room(&s, &["a", "b"], utc("12:15"));
        assert!(rows.iter().all(|r| r.current.unwrap().id == "lunch"));
        assert!(is_break(&s, utc("12:15")));
    }

    #[test]
    fn gap_between_slots_is_a_break_but_the_end_of_the_day_is_not() {
        let s = schedule();
        assert!(is_break(&s, utc("11:15")));
        assert!(!is_break(&s, utc("10:15")));
        assert_eq!(phase(&s, utc("10:15")), Phase::Running);
        assert_eq!(phase(&s, utc("14:00")), Phase::Over, "nothing left to go to");
        assert_eq!(phase(&s, utc("08:00")), Phase::Upcoming);
    }

    #[test]
    fn overnight_is_upcoming_not_a_break() {
        let mut s = schedule();
        let mut tomorrow = session("d2", Some("a"), "10:00", "10:30", SessionKind::Talk);
        tomorrow.start += chrono::Duration::days(1);
        tomorrow.end += chrono::Duration::days(1);
        s.sessions.push(tomorrow);
        assert_eq!(phase(&s, utc("20:00")), Phase::Upcoming);
    }

    #[test]
    fn starts_in_reads_well() {
        assert_eq!(starts_in(0), "starting now");
        assert_eq!(starts_in(5), "in 5 min");
        assert_eq!(starts_in(60), "in 1 h");
        assert_eq!(starts_in(130), "in 2 h 10 min");
        assert_eq!(starts_in(24 * 60 + 5), "tomorrow");
        assert_eq!(starts_in(10 * 24 * 60), "in 10 days");
    }

    #[test]
    fn running_lists_in_start_order() {
        let s = schedule();
        let ids: Vec<_> = running_at(&s, utc("10:40")).iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["b1", "a2"]);
    }
}
