//! Pure now/next rules for the schedule display. No Bevy types: tested on plain data.

use chrono::{DateTime, TimeZone, Utc};

use venue_contract::wire::{Schedule, Session, SessionKind};

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

/// Sessions running at `now`, unordered, without allocating (hot per-frame paths use this).
pub fn running(schedule: &Schedule, now: DateTime<Utc>) -> impl Iterator<Item = &Session> {
    schedule.sessions.iter().filter(move |s| active(s) && is_running(s, &now))
}

/// Sessions running at `now`, in start order (cancelled ones never run).
pub fn running_at(schedule: &Schedule, now: DateTime<Utc>) -> Vec<&Session> {
    let mut list: Vec<&Session> = running(schedule, now).collect();
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

/// The next session of each track (in the given order) starting after `now`: where people go
/// after a break. Tracks with nothing left get `None`.
pub fn next_slot_per_track<'a>(schedule: &'a Schedule, tracks: &[&'a str], now: DateTime<Utc>) -> Vec<(&'a str, Option<&'a Session>)> {
    tracks
        .iter()
        .map(|track| {
            let next = schedule
                .sessions
                .iter()
                .filter(|s| active(s) && s.track.as_deref() == Some(*track) && s.start.with_timezone(&Utc) > now)
                .min_by_key(|s| s.start);
            (*track, next)
        })
        .collect()
}

/// Share of a session that has passed at `now`, 0..=1.
pub fn progress(session: &Session, now: DateTime<Utc>) -> f32 {
    let start = session.start.with_timezone(&Utc);
    let total = (session.end.with_timezone(&Utc) - start).num_milliseconds();
    if total <= 0 {
        return 1.0;
    }
    ((now - start).num_milliseconds() as f64 / total as f64).clamp(0.0, 1.0) as f32
}

/// The break `now` falls in, as (start, end): a running break session (venue-wide first), or the
/// gap between two slots. `None` when sessions run or the day is not in a break.
pub fn break_interval(schedule: &Schedule, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    match phase(schedule, now) {
        Phase::Break => {}
        _ => return None,
    }
    if let Some(b) = running(schedule, now)
        .filter(|s| s.kind == SessionKind::Break)
        .max_by_key(|s| (s.room.is_none(), s.end))
    {
        return Some((b.start.with_timezone(&Utc), b.end.with_timezone(&Utc)));
    }
    let sessions = || schedule.sessions.iter().filter(|s| active(s));
    let last_end = sessions().map(|s| s.end.with_timezone(&Utc)).filter(|t| *t <= now).max()?;
    let next_start = sessions().map(|s| s.start.with_timezone(&Utc)).filter(|t| *t > now).min()?;
    Some((last_end, next_start))
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
    let mut any_running = false;
    for s in running(schedule, now) {
        if s.kind == SessionKind::Break {
            return Phase::Break;
        }
        any_running = true;
    }
    if any_running {
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

/// How far away a start is, in the units a screen says it in; the words are the screen's (its
/// language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartsIn {
    Now,
    Minutes(i64),
    /// Whole hours and the minutes past them (under a day).
    Hours(i64, i64),
    Tomorrow,
    Days(i64),
}

/// `minutes` from now (a past start counts as now) in the units a screen says it in.
pub fn starts_in_parts(minutes: i64) -> StartsIn {
    match minutes.max(0) {
        0 => StartsIn::Now,
        m if m < 60 => StartsIn::Minutes(m),
        m if m < 24 * 60 => StartsIn::Hours(m / 60, m % 60),
        m => match m / (24 * 60) {
            1 => StartsIn::Tomorrow,
            d => StartsIn::Days(d),
        },
    }
}

/// "starts in" wording in English (logs, tools); screens word [`starts_in_parts`] in their language.
pub fn starts_in(minutes: i64) -> String {
    match starts_in_parts(minutes) {
        StartsIn::Now => "starting now".into(),
        StartsIn::Minutes(m) => format!("in {m} min"),
        StartsIn::Hours(h, 0) => format!("in {h} h"),
        StartsIn::Hours(h, m) => format!("in {h} h {m} min"),
        StartsIn::Tomorrow => "tomorrow".into(),
        StartsIn::Days(d) => format!("in {d} days"),
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
    fn next_slot_per_track_skips_cancelled_and_past() {
        let mut s = schedule();
        for (session, track) in s.sessions.iter_mut().zip(["web", "web", "ai", "", "web", "web"]) {
            session.track = (!track.is_empty()).then(|| track.to_string());
        }
        let next = next_slot_per_track(&s, &["web", "ai"], utc("10:40"));
        assert_eq!(next[0].1.unwrap().id, "a3", "the cancelled 11:00 web session is skipped");
        assert!(next[1].1.is_none(), "ai has nothing left");
    }

    #[test]
    fn progress_runs_from_zero_to_one() {
        let s = schedule();
        let a1 = &s.sessions[0];
        assert_eq!(progress(a1, utc("10:00")), 0.0);
        assert!((progress(a1, utc("10:15")) - 0.5).abs() < 1e-6);
        assert_eq!(progress(a1, utc("11:00")), 1.0);
    }

    #[test]
    fn break_interval_is_the_break_session_or_the_gap() {
        let s = schedule();
        assert_eq!(break_interval(&s, utc("12:10")), Some((utc("12:00"), utc("13:00"))));
        assert_eq!(break_interval(&s, utc("11:15")), Some((utc("11:00"), utc("12:00"))));
        assert_eq!(break_interval(&s, utc("10:15")), None);
    }

    #[test]
    fn instants_compare_across_time_zones() {
        // 01:30 UTC is 10:30 in Seoul: a2 (10:30–11:00 +09:00) has just begun.
        let s = schedule();
        let now = DateTime::parse_from_rfc3339("2026-12-03T01:30:00Z").unwrap().with_timezone(&Utc);
        let rows = now_next_by_room(&s, &["a"], now);
        assert_eq!(rows[0].current.unwrap().id, "a2");
    }

    #[test]
    fn sessions_past_midnight_belong_to_their_instant() {
        let mut s = schedule();
        let mut late = session("late", Some("b"), "23:50", "23:59", SessionKind::Talk);
        late.end = DateTime::parse_from_rfc3339("2026-12-04T00:40:00+09:00").unwrap();
        s.sessions.push(late);
        let after_midnight = DateTime::parse_from_rfc3339("2026-12-04T00:10:00+09:00")
            .unwrap()
            .with_timezone(&Utc);
        let rows = now_next_by_room(&s, &["b"], after_midnight);
        assert_eq!(rows[0].current.unwrap().id, "late");
    }

    #[test]
    fn schedule_changes_while_running_are_reflected() {
        let mut s = schedule();
        assert_eq!(now_next_by_room(&s, &["a"], utc("10:40"))[0].current.unwrap().id, "a2");
        s.sessions[1].cancelled = true; // a2 cancelled mid-way
        assert!(now_next_by_room(&s, &["a"], utc("10:40"))[0].current.is_none());
        s.sessions[1].cancelled = false;
        s.sessions[1].room = Some("b".into()); // a2 moved to room b
        assert!(now_next_by_room(&s, &["a"], utc("10:40"))[0].current.is_none());
        let b = now_next_by_room(&s, &["b"], utc("10:40"));
        assert_eq!(b[0].current.unwrap().id, "a2", "the later start wins in an overlap");
    }

    #[test]
    fn overlapping_sessions_in_one_room_show_the_latest_start() {
        let mut s = schedule();
        s.sessions.push(session("overrun", Some("a"), "10:20", "10:50", SessionKind::Talk));
        assert_eq!(now_next_by_room(&s, &["a"], utc("10:25"))[0].current.unwrap().id, "overrun");
    }

    #[test]
    fn starts_in_reads_well() {
        assert_eq!(starts_in(0), "starting now");
        assert_eq!(starts_in(5), "in 5 min");
        assert_eq!(starts_in(60), "in 1 h");
        assert_eq!(starts_in(130), "in 2 h 10 min");
        assert_eq!(starts_in(24 * 60 + 5), "tomorrow");
        assert_eq!(starts_in(10 * 24 * 60), "in 10 days");
        assert_eq!(starts_in_parts(-5), StartsIn::Now);
        assert_eq!(starts_in_parts(59), StartsIn::Minutes(59));
        assert_eq!(starts_in_parts(61), StartsIn::Hours(1, 1));
        assert_eq!(starts_in_parts(2 * 24 * 60), StartsIn::Days(2));
    }

    #[test]
    fn running_lists_in_start_order() {
        let s = schedule();
        let ids: Vec<_> = running_at(&s, utc("10:40")).iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["b1", "a2"]);
    }
}
