//! What an upload would change in the schedule, for the organisers to look at before it applies:
//! sessions added, removed, cancelled (or back on), moved (time or room) and retitled.

use std::collections::HashMap;

use venue_contract::wire::Session;

/// The changes from one schedule to another, each list in the new schedule's start order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleDiff {
    pub added: Vec<Session>,
    /// In the old schedule, not in the new one.
    pub removed: Vec<Session>,
    /// Cancelled by the new schedule.
    pub cancelled: Vec<Session>,
    /// Cancelled before, on again.
    pub restored: Vec<Session>,
    /// (before, after): a different start, end or room.
    pub moved: Vec<(Session, Session)>,
    /// (before, after): same time and room, other details changed (title, speakers, …).
    pub edited: Vec<(Session, Session)>,
    pub unchanged: usize,
}

impl ScheduleDiff {
    /// Nothing would change.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.cancelled.is_empty()
            && self.restored.is_empty()
            && self.moved.is_empty()
            && self.edited.is_empty()
    }
}

/// Compare by session id.
pub fn diff(old: &[Session], new: &[Session]) -> ScheduleDiff {
    let before: HashMap<&str, &Session> = old.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut after_ids = std::collections::HashSet::new();
    let mut out = ScheduleDiff::default();
    let mut new_sorted: Vec<&Session> = new.iter().collect();
    new_sorted.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
    for session in new_sorted {
        after_ids.insert(session.id.as_str());
        let Some(was) = before.get(session.id.as_str()) else {
            out.added.push(session.clone());
            continue;
        };
        if *was == session {
            out.unchanged += 1;
        } else if !was.cancelled && session.cancelled {
            out.cancelled.push(session.clone());
        } else if was.cancelled && !session.cancelled {
            out.restored.push(session.clone());
        } else if was.start != session.start || was.end != session.end || was.room != session.room {
            out.moved.push(((*was).clone(), session.clone()));
        } else {
            out.edited.push(((*was).clone(), session.clone()));
        }
    }
    let mut removed: Vec<&Session> = old.iter().filter(|s| !after_ids.contains(s.id.as_str())).collect();
    removed.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
    out.removed = removed.into_iter().cloned().collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeDelta};
    use venue_contract::wire::SessionKind;

    fn session(id: &str, hour: u32, room: &str) -> Session {
        let start = DateTime::parse_from_rfc3339(&format!("2026-12-03T{hour:02}:00:00+09:00")).unwrap();
        Session {
            id: id.into(),
            title: format!("Talk {id}"),
            subtitle: None,
            speakers: vec![],
            track: None,
            room: Some(room.into()),
            start,
            end: start + TimeDelta::minutes(45),
            kind: SessionKind::Talk,
            language: None,
            cancelled: false,
        }
    }

    #[test]
    fn each_kind_of_change_is_named_once() {
        let old = vec![
            session("a", 10, "r1"),
            session("b", 11, "r1"),
            session("c", 12, "r1"),
            session("d", 13, "r1"),
            session("e", 14, "r1"),
        ];
        let mut moved = session("b", 15, "r1");
        moved.room = Some("r2".into());
        let mut cancelled = session("c", 12, "r1");
        cancelled.cancelled = true;
        let mut edited = session("d", 13, "r1");
        edited.title = "New title".into();
        let new = vec![
            session("a", 10, "r1"),
            moved.clone(),
            cancelled.clone(),
            edited.clone(),
            session("f", 9, "r3"),
        ];
        let diff = diff(&old, &new);
        assert_eq!(diff.unchanged, 1);
        assert_eq!(diff.added.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["f"]);
        assert_eq!(diff.removed.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["e"]);
        assert_eq!(diff.cancelled, vec![cancelled.clone()]);
        assert_eq!(diff.moved, vec![(session("b", 11, "r1"), moved)]);
        assert_eq!(diff.edited, vec![(session("d", 13, "r1"), edited)]);
        assert!(!diff.is_empty());
        // And back: the cancelled one is on again.
        let back = super::diff(&new, &old);
        assert_eq!(back.restored.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["c"]);
    }

    #[test]
    fn the_same_schedule_changes_nothing() {
        let old = vec![session("a", 10, "r1"), session("b", 11, "r2")];
        let diff = diff(&old, &old);
        assert!(diff.is_empty());
        assert_eq!(diff.unchanged, 2);
    }
}
