//! Attendees earn draw tickets: which conditions a person has met (first check-in, every K sessions,
//! a booth stamp card, a right bet) and how many tickets each is worth; and how a name is masked
//! before any screen or public page shows it.
//!
//! A condition has a stable name (`first-checkin`, `sessions-6`, `booths-4`, `bet-final-3`), so the
//! server can record each one once per attendee (a database key) and grant its tickets exactly once,
//! however often the same scan, retry or result arrives.

use serde::{Deserialize, Serialize};

/// Where a check-in happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// The conference's entrance (registration desk).
    Entrance,
    /// A session of the schedule.
    Session,
    /// A sponsor's or community booth.
    Booth,
    /// A discussion table, a birds-of-a-feather round.
    Discussion,
}

/// How tickets are earned; set by the organisers in the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRules {
    /// Tickets for the first check-in anywhere.
    pub first_checkin: u32,
    /// Every this many session (and discussion) check-ins earn `per_sessions_tickets`; 0 = off.
    pub sessions_every: u32,
    pub per_sessions_tickets: u32,
    /// A stamp card: check-ins at this many different booths earn `booth_card_tickets`; 0 = off.
    pub booth_card_booths: u32,
    pub booth_card_tickets: u32,
    /// Tickets for each right bet on a game round.
    pub right_bet: u32,
}

impl Default for TicketRules {
    fn default() -> TicketRules {
        TicketRules {
            first_checkin: 1,
            sessions_every: 3,
            per_sessions_tickets: 1,
            booth_card_booths: 4,
            booth_card_tickets: 1,
            right_bet: 1,
        }
    }
}

/// Most tickets one condition may grant (a typo of 1000 must not flood the pool).
pub const MAX_TICKETS_PER_CONDITION: u32 = 20;

impl TicketRules {
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("first check-in", self.first_checkin),
            ("per sessions", self.per_sessions_tickets),
            ("booth card", self.booth_card_tickets),
            ("right bet", self.right_bet),
        ] {
            if value > MAX_TICKETS_PER_CONDITION {
                return Err(format!("{name}: at most {MAX_TICKETS_PER_CONDITION} tickets"));
            }
        }
        if self.sessions_every > 100 || self.booth_card_booths > 100 {
            return Err("a count of sessions or booths must be at most 100".into());
        }
        Ok(())
    }
}

/// A condition met, with the tickets it is worth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earned {
    pub condition: String,
    pub tickets: u32,
}

/// What one attendee has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// One entry per place checked in at (a place counts once).
    pub checkins: Vec<PlaceKind>,
    /// `(game_id, round)` of every bet that came out right.
    pub right_bets: Vec<(String, u32)>,
}

/// Every condition `progress` meets under `rules`, worth at least one ticket. The server grants the
/// ones it has not recorded yet; a condition once met stays met (check-ins are never taken back).
pub fn earned(rules: &TicketRules, progress: &Progress) -> Vec<Earned> {
    let mut out = Vec::new();
    let mut push = |condition: String, tickets: u32| {
        if tickets > 0 {
            out.push(Earned { condition, tickets });
        }
    };
    if !progress.checkins.is_empty() {
        push("first-checkin".into(), rules.first_checkin);
    }
    let sessions = progress
        .checkins
        .iter()
        .filter(|k| matches!(k, PlaceKind::Session | PlaceKind::Discussion))
        .count() as u32;
    if let Some(thresholds) = sessions.checked_div(rules.sessions_every) {
        for n in 1..=thresholds {
            push(format!("sessions-{}", n * rules.sessions_every), rules.per_sessions_tickets);
        }
    }
    let booths = progress.checkins.iter().filter(|k| **k == PlaceKind::Booth).count() as u32;
    if rules.booth_card_booths > 0 && booths >= rules.booth_card_booths {
        push(format!("booths-{}", rules.booth_card_booths), rules.booth_card_tickets);
    }
    for (game, round) in &progress.right_bets {
        push(format!("bet-{game}-{round}"), rules.right_bet);
    }
    out
}

/// What to do next for more tickets, for the attendee's page: (sessions to go, booths to go).
pub fn to_go(rules: &TicketRules, progress: &Progress) -> (Option<u32>, Option<u32>) {
    let sessions = progress
        .checkins
        .iter()
        .filter(|k| matches!(k, PlaceKind::Session | PlaceKind::Discussion))
        .count() as u32;
    let booths = progress.checkins.iter().filter(|k| **k == PlaceKind::Booth).count() as u32;
    let sessions_to_go =
        (rules.sessions_every > 0 && rules.per_sessions_tickets > 0).then(|| rules.sessions_every - sessions % rules.sessions_every);
    let booths_to_go = (rules.booth_card_booths > 0 && rules.booth_card_tickets > 0 && booths < rules.booth_card_booths)
        .then(|| rules.booth_card_booths - booths);
    (sessions_to_go, booths_to_go)
}

/// A name as screens and public pages show it: enough to recognise yourself, not enough to identify
/// a stranger. Hangul (and other scripts without spaces): first and last character, the middle
/// starred (`김민수` → `김*수`, `이준` → `이*`). Latin names: the first name's initial and stars, then
/// the last name's initial (`Jane Doe` → `J*** D.`). Empty or unreadable: `*`.
pub fn mask_name(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let Some(first) = words.first() else {
        return "*".into();
    };
    let chars: Vec<char> = first.chars().collect();
    if words.len() == 1 {
        return match chars.len() {
            0 => "*".into(),
            1 => format!("{}*", chars[0]),
            2 => format!("{}*", chars[0]),
            n => {
                let stars = "*".repeat((n - 2).min(3));
                format!("{}{stars}{}", chars[0], chars[n - 1])
            }
        };
    }
    let last_initial = words
        .last()
        .and_then(|w| w.chars().next())
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default();
    let stars = "*".repeat(chars.len().saturating_sub(1).clamp(1, 3));
    format!("{}{stars} {last_initial}.", chars[0].to_uppercase())
}

/// Whole percentages of the room's bets per team that add up to exactly 100 (largest remainder,
/// ties to the earlier team), so a screen never shows 33 % + 33 % + 33 %. All zero when nobody bet.
pub fn bet_shares(counts: &[u32]) -> Vec<u32> {
    let total: u64 = counts.iter().map(|&n| u64::from(n)).sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let mut shares: Vec<u32> = counts.iter().map(|&n| (u64::from(n) * 100 / total) as u32).collect();
    let mut left = 100 - shares.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    // Largest remainder first; the sort is stable, so equal remainders keep the team order.
    order.sort_by_key(|&i| std::cmp::Reverse(u64::from(counts[i]) * 100 % total));
    for i in order {
        if left == 0 {
            break;
        }
        if u64::from(counts[i]) * 100 % total > 0 {
            shares[i] += 1;
            left -= 1;
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlaceKind::*;

    fn names(earned: &[Earned]) -> Vec<&str> {
        earned.iter().map(|e| e.condition.as_str()).collect()
    }

    #[test]
    fn conditions_follow_the_thresholds() {
        let rules = TicketRules::default();
        assert!(earned(&rules, &Progress::default()).is_empty(), "nothing done, nothing earned");
        let p = Progress {
            checkins: vec![Entrance],
            ..Progress::default()
        };
        assert_eq!(names(&earned(&rules, &p)), ["first-checkin"]);
        let p = Progress {
            checkins: vec![Entrance, Session, Session, Discussion, Session, Session, Session, Booth],
            ..Progress::default()
        };
        // 6 sessions and discussions: two thresholds of 3; one booth: no card yet.
        assert_eq!(names(&earned(&rules, &p)), ["first-checkin", "sessions-3", "sessions-6"]);
        assert_eq!(to_go(&rules, &p), (Some(3), Some(3)));
        let p = Progress {
            checkins: vec![Booth, Booth, Booth, Booth, Booth],
            right_bets: vec![("final".into(), 3)],
        };
        assert_eq!(names(&earned(&rules, &p)), ["first-checkin", "booths-4", "bet-final-3"]);
        assert_eq!(to_go(&rules, &p).1, None, "the card is full");
    }

    #[test]
    fn conditions_are_stable_as_progress_grows() {
        // What was earned stays earned under the same name, so granting only new names is exactly once.
        let rules = TicketRules::default();
        let mut p = Progress::default();
        let mut seen: Vec<String> = Vec::new();
        for kind in [Entrance, Session, Session, Session, Booth, Session, Session, Session] {
            p.checkins.push(kind);
            let now: Vec<String> = earned(&rules, &p).into_iter().map(|e| e.condition).collect();
            assert!(seen.iter().all(|c| now.contains(c)), "{seen:?} then {now:?}");
            seen = now;
        }
        assert_eq!(seen, ["first-checkin", "sessions-3", "sessions-6"]);
    }

    #[test]
    fn zero_means_off() {
        let rules = TicketRules {
            first_checkin: 0,
            sessions_every: 0,
            per_sessions_tickets: 1,
            booth_card_booths: 0,
            booth_card_tickets: 1,
            right_bet: 0,
        };
        let p = Progress {
            checkins: vec![Entrance, Session, Booth],
            right_bets: vec![("g".into(), 1)],
        };
        assert!(earned(&rules, &p).is_empty());
        assert_eq!(to_go(&rules, &p), (None, None));
        assert!(TicketRules { right_bet: 1000, ..rules }.check().is_err());
    }

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("김민수"), "김*수");
        assert_eq!(mask_name("남궁민수"), "남**수");
        assert_eq!(mask_name("이준"), "이*");
        assert_eq!(mask_name("Jane Doe"), "J*** D.");
        assert_eq!(mask_name("jo van der berg"), "J* B.");
        assert_eq!(mask_name("Cher"), "C**r");
        assert_eq!(mask_name("  "), "*");
        assert!(!mask_name("Alexandria Ocasio").contains("lexandria"));
    }

    #[test]
    fn bet_shares_add_up_to_a_hundred() {
        assert_eq!(bet_shares(&[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(bet_shares(&[0, 0]), vec![0, 0]);
        assert_eq!(bet_shares(&[3, 1]), vec![75, 25]);
        assert_eq!(bet_shares(&[0, 7, 0]), vec![0, 100, 0]);
        assert_eq!(bet_shares(&[2, 1, 1, 3]), vec![29, 14, 14, 43]);
        for counts in [[5u32, 7, 11, 13], [1, 2, 3, 1000], [999, 1, 1, 1]] {
            assert_eq!(bet_shares(&counts).iter().sum::<u32>(), 100, "{counts:?}");
        }
    }
}
