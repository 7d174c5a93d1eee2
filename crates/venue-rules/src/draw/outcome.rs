//! Who holds a prize now: the batches' winners, minus the no-shows a replacement took the place of,
//! plus their replacements. The server's exports and its check of a posted replacement use it, so
//! "who won" is decided by one rule everywhere.

/// One stored result of a prize, as the rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultLine<'a> {
    pub batch: u32,
    pub winners: &'a [u32],
    /// For a no-show replacement: the ticket it replaces.
    pub replaces: Option<u32>,
    pub reason: Option<&'a str>,
}

/// A winner who did not show up, and who took the prize instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub ticket: u32,
    pub replaced_by: Vec<u32>,
    /// The replacement's batch.
    pub batch: u32,
    pub reason: String,
}

/// A prize's winners now, in the order they won, and the replaced ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrizeOutcome {
    pub current: Vec<u32>,
    pub replaced: Vec<Replaced>,
}

/// Fold a prize's results in batch order. A replacement of a ticket that is not a current winner
/// replaces nobody (the server refuses such a post, see [`check_replacement`]); it is still listed.
pub fn prize_outcome<'a>(results: impl IntoIterator<Item = ResultLine<'a>>) -> PrizeOutcome {
    let mut lines: Vec<ResultLine<'a>> = results.into_iter().collect();
    lines.sort_by_key(|l| l.batch);
    let mut outcome = PrizeOutcome::default();
    for line in lines {
        if let Some(absent) = line.replaces {
            match outcome.current.iter().position(|t| *t == absent) {
                // The replacement takes the absent winner's place in the list.
                Some(at) => {
                    outcome.current.splice(at..=at, line.winners.iter().copied());
                }
                None => outcome.current.extend(line.winners.iter().copied()),
            }
            outcome.replaced.push(Replaced {
                ticket: absent,
                replaced_by: line.winners.to_vec(),
                batch: line.batch,
                reason: line.reason.unwrap_or_default().to_string(),
            });
        } else {
            outcome.current.extend(line.winners.iter().copied());
        }
    }
    outcome
}

/// Whether a new result may join a prize's record: a replacement must replace a current winner
/// with exactly one ticket; a batch must not give the prize more winners than it has.
pub fn check_replacement(outcome: &PrizeOutcome, new: &ResultLine<'_>, winner_count: Option<u32>) -> Result<(), String> {
    match new.replaces {
        Some(absent) => {
            if new.winners.len() != 1 {
                return Err(format!("a replacement draws one winner, not {}", new.winners.len()));
            }
            if !outcome.current.contains(&absent) {
                return Err(format!("ticket {absent} is not a current winner of this prize: nothing to replace"));
            }
        }
        None => {
            if let Some(count) = winner_count {
                let after = outcome.current.len() + new.winners.len();
                if after > count as usize {
                    return Err(format!(
                        "{} of this prize's {count} winners are drawn: {} more would be too many",
                        outcome.current.len(),
                        new.winners.len()
                    ));
                }
            }
        }
    }
    if let Some(again) = new.winners.iter().find(|t| outcome.current.contains(t)) {
        return Err(format!("ticket {again} already holds this prize"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(batch: u32, winners: &[u32]) -> ResultLine<'_> {
        ResultLine {
            batch,
            winners,
            replaces: None,
            reason: None,
        }
    }

    #[test]
    fn a_replacement_takes_the_absent_winners_place() {
        let lines = vec![
            batch(1, &[10, 11]),
            ResultLine {
                batch: 3,
                winners: &[30],
                replaces: Some(11),
                reason: Some("not in the hall"),
            },
            batch(2, &[20]),
        ];
        let outcome = prize_outcome(lines);
        assert_eq!(outcome.current, vec![10, 30, 20]);
        assert_eq!(
            outcome.replaced,
            vec![Replaced {
                ticket: 11,
                replaced_by: vec![30],
                batch: 3,
                reason: "not in the hall".into()
            }]
        );
    }

    #[test]
    fn checks_refuse_a_replacement_of_nobody_and_too_many_winners() {
        let outcome = prize_outcome(vec![batch(1, &[10, 11])]);
        let replace = |absent, winners: &'static [u32]| ResultLine {
            batch: 2,
            winners,
            replaces: Some(absent),
            reason: Some("gone"),
        };
        assert!(check_replacement(&outcome, &replace(11, &[12]), Some(2)).is_ok());
        assert!(
            check_replacement(&outcome, &replace(99, &[12]), Some(2))
                .unwrap_err()
                .contains("not a current winner")
        );
        assert!(check_replacement(&outcome, &replace(11, &[12, 13]), Some(2)).is_err());
        assert!(
            check_replacement(&outcome, &replace(11, &[10]), Some(2))
                .unwrap_err()
                .contains("already holds")
        );
        assert!(
            check_replacement(&outcome, &batch(2, &[12]), Some(2))
                .unwrap_err()
                .contains("too many")
        );
        assert!(check_replacement(&outcome, &batch(2, &[12]), Some(3)).is_ok());
        assert!(
            check_replacement(&outcome, &batch(2, &[12]), None).is_ok(),
            "a deleted prize: no count to hold to"
        );
    }
}
