//! The game's journal: one JSON line per event, fsync'd, so a restarted kiosk resumes at the
//! current round with the scores kept and posts every finished round exactly once (same
//! `Idempotency-Key`, same body). A torn last line (a crash mid-write) is ignored and cut off.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

pub const GAME_JOURNAL_FILE: &str = "game-journal.jsonl";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GameEntry {
    /// A new play-through with these teams (ids, in order).
    Started {
        game_id: String,
        teams: Vec<String>,
        at: DateTime<Utc>,
    },
    Calibrated {
        offset_ms: f64,
        /// The game sound's latency (a calibration by ear); absent in journals from before sound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sound_latency_ms: Option<f64>,
        at: DateTime<Utc>,
    },
    /// A finished round: points per team (weight applied) and the totals after it.
    Round {
        game_id: String,
        /// The plan's `Round.index`.
        round: u32,
        scores: Vec<RoundScore>,
        finished_at: DateTime<Utc>,
    },
    /// The server stored the round's result (`201`/`200`).
    Acknowledged { game_id: String, round: u32, status: u16 },
    /// The server holds a different result for this round (`409`); its body, for the operator.
    Conflict {
        game_id: String,
        round: u32,
        server_result: serde_json::Value,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundScore {
    pub team_id: String,
    pub round_points: i64,
    pub total_points: i64,
}

/// The current game as the journal tells it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GameRecord {
    pub game_id: Option<String>,
    pub teams: Vec<String>,
    /// Finished rounds of the current game, in order.
    pub rounds: Vec<GameEntry>,
    pub acknowledged: Vec<u32>,
    pub conflicts: Vec<u32>,
    pub calibration_ms: Option<f64>,
    /// The game sound's latency from the last calibration by ear, if any.
    pub sound_latency_ms: Option<f64>,
}

impl GameRecord {
    fn apply(&mut self, entry: GameEntry) {
        match &entry {
            GameEntry::Started { game_id, teams, .. } => {
                *self = GameRecord {
                    game_id: Some(game_id.clone()),
                    teams: teams.clone(),
                    calibration_ms: self.calibration_ms,
                    sound_latency_ms: self.sound_latency_ms,
                    ..Default::default()
                };
            }
            GameEntry::Calibrated {
                offset_ms,
                sound_latency_ms,
                ..
            } => {
                self.calibration_ms = Some(*offset_ms);
                self.sound_latency_ms = sound_latency_ms.or(self.sound_latency_ms);
            }
            GameEntry::Round { game_id, .. } if Some(game_id) == self.game_id.as_ref() => self.rounds.push(entry),
            GameEntry::Acknowledged { game_id, round, .. } if Some(game_id) == self.game_id.as_ref() => self.acknowledged.push(*round),
            GameEntry::Conflict { game_id, round, .. } if Some(game_id) == self.game_id.as_ref() => self.conflicts.push(*round),
            _ => {}
        }
    }

    /// Rounds finished but not yet stored by the server (nor refused with a conflict).
    pub fn unposted(&self) -> impl Iterator<Item = &GameEntry> {
        self.rounds.iter().filter(|e| match e {
            GameEntry::Round { round, .. } => !self.acknowledged.contains(round) && !self.conflicts.contains(round),
            _ => false,
        })
    }

    /// Points per team of each finished round, to resume the scoreboard.
    pub fn round_points(&self) -> Vec<Vec<(String, i64)>> {
        self.rounds
            .iter()
            .filter_map(|e| match e {
                GameEntry::Round { scores, .. } => Some(scores.iter().map(|s| (s.team_id.clone(), s.round_points)).collect()),
                _ => None,
            })
            .collect()
    }
}

/// The `Idempotency-Key` of a round: `game-{game_id}-{round}`.
pub fn idempotency_key(game_id: &str, round: u32) -> String {
    format!("game-{game_id}-{round}")
}

/// The contract's `GameResult` body for a journaled round (the same bytes on every retry).
pub fn to_wire_result(entry: &GameEntry) -> Option<serde_json::Value> {
    let GameEntry::Round {
        game_id,
        round,
        scores,
        finished_at,
    } = entry
    else {
        return None;
    };
    Some(serde_json::json!({
        "version": 1,
        "game_id": game_id,
        "round": round,
        "scores": scores,
        "finished_at": finished_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }))
}

#[derive(Debug)]
pub struct GameJournal {
    path: PathBuf,
    file: File,
}

impl GameJournal {
    /// Opens (creating) the journal in `dir` and replays it. A torn last line is cut off.
    pub fn open(dir: &Path) -> Result<(GameJournal, GameRecord, Vec<String>), String> {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(GAME_JOURNAL_FILE);
        let text = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let mut record = GameRecord::default();
        let mut warnings = Vec::new();
        let mut intact = 0;
        for (n, line) in text.split_inclusive(|b| *b == b'\n').enumerate() {
            let complete = line.ends_with(b"\n");
            match serde_json::from_slice::<GameEntry>(line) {
                Ok(entry) if complete => {
                    record.apply(entry);
                    intact += line.len();
                }
                Ok(_) | Err(_) if !complete => {
                    warnings.push(format!("line {}: torn by a crash; cut off", n + 1));
                    break;
                }
                Err(e) => {
                    warnings.push(format!("line {}: skipped ({e})", n + 1));
                    intact += line.len();
                }
                Ok(_) => unreachable!("complete lines are handled above"),
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if intact < text.len() {
            file.set_len(intact as u64).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok((GameJournal { path, file }, record, warnings))
    }

    /// Appends one entry and waits until it is on disk.
    pub fn append(&mut self, entry: &GameEntry) -> Result<(), String> {
        let mut line = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|_| self.file.sync_data())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(game: &str, round: u32, points: i64) -> GameEntry {
        GameEntry::Round {
            game_id: game.into(),
            round,
            scores: vec![RoundScore {
                team_id: "a".into(),
                round_points: points,
                total_points: points,
            }],
            finished_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn replays_the_current_game_and_what_is_left_to_post() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, record, _) = GameJournal::open(dir.path()).unwrap();
        assert_eq!(record, GameRecord::default());
        let at = Utc::now();
        for e in [
            GameEntry::Started {
                game_id: "old".into(),
                teams: vec!["a".into()],
                at,
            },
            round("old", 1, 5),
            GameEntry::Calibrated {
                offset_ms: 21.0,
                sound_latency_ms: Some(95.0),
                at,
            },
            // A later calibration by sight keeps the sound's latency.
            GameEntry::Calibrated {
                offset_ms: 21.0,
                sound_latency_ms: None,
                at,
            },
            GameEntry::Started {
                game_id: "g2".into(),
                teams: vec!["a".into()],
                at,
            },
            round("g2", 1, 100),
            round("g2", 2, 200),
            GameEntry::Acknowledged {
                game_id: "g2".into(),
                round: 1,
                status: 201,
            },
        ] {
            j.append(&e).unwrap();
        }
        drop(j);
        let (_, record, warnings) = GameJournal::open(dir.path()).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(record.game_id.as_deref(), Some("g2"));
        assert_eq!(record.calibration_ms, Some(21.0), "calibration outlives a game");
        assert_eq!(record.sound_latency_ms, Some(95.0), "and so does the sound's latency");
        assert_eq!(
            record.round_points(),
            vec![vec![("a".to_string(), 100)], vec![("a".to_string(), 200)]]
        );
        let unposted: Vec<_> = record.unposted().collect();
        assert_eq!(unposted, vec![&round("g2", 2, 200)]);
        let body = to_wire_result(unposted[0]).unwrap();
        assert_eq!(body["round"], 2);
        assert_eq!(body["scores"][0]["total_points"], 200);
        assert_eq!(body["finished_at"], "2027-01-15T08:00:00Z");
        assert_eq!(idempotency_key("g2", 2), "game-g2-2");
    }

    #[test]
    fn a_torn_last_line_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, _, _) = GameJournal::open(dir.path()).unwrap();
        j.append(&GameEntry::Started {
            game_id: "g".into(),
            teams: vec![],
            at: Utc::now(),
        })
        .unwrap();
        drop(j);
        let path = dir.path().join(GAME_JOURNAL_FILE);
        let mut text = fs::read(&path).unwrap();
        text.extend_from_slice(b"{\"type\":\"round\",\"game_id\":\"g\",\"rou");
        fs::write(&path, &text).unwrap();
        let (mut j, record, warnings) = GameJournal::open(dir.path()).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(record.game_id.as_deref(), Some("g"));
        j.append(&round("g", 1, 7)).unwrap();
        drop(j);
        let (_, record, warnings) = GameJournal::open(dir.path()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(record.rounds.len(), 1);
    }
}
