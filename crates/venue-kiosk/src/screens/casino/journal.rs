//! The moves entered on this kiosk (no event server): one JSON line each in `casino-journal.jsonl`,
//! beside the draw and game journals, each written and synced off the main thread. The board is the
//! feed's moves followed by these (those of the feed's match only), so they survive a restart.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::tasks::{IoTaskPool, Task, futures::check_ready};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use venue_contract::casino::CasinoMove;

pub const CASINO_JOURNAL_FILE: &str = "casino-journal.jsonl";

/// One move entered on the kiosk, for the match it was entered in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalEntry {
    pub match_id: String,
    #[serde(rename = "move")]
    pub mv: CasinoMove,
    pub at: DateTime<Utc>,
}

/// The local moves, in the order they were entered. `revision` changes with every move, so the
/// board rebuilds once per move.
#[derive(Resource, Debug, Default)]
pub struct LocalMoves {
    /// The journal was read (or could not be: then there is nothing local).
    pub loaded: bool,
    pub entries: Vec<LocalEntry>,
    pub revision: u64,
}

impl LocalMoves {
    pub fn for_match<'a>(&'a self, match_id: &'a str) -> impl Iterator<Item = &'a CasinoMove> + 'a {
        self.entries.iter().filter(move |e| e.match_id == match_id).map(|e| &e.mv)
    }

    /// Record a move in memory (the caller journals the returned entry).
    pub fn push(&mut self, match_id: &str, mv: CasinoMove) -> LocalEntry {
        let entry = LocalEntry {
            match_id: match_id.to_string(),
            mv,
            at: Utc::now(),
        };
        self.entries.push(entry.clone());
        self.revision += 1;
        entry
    }
}

#[derive(Debug)]
pub struct CasinoJournal {
    path: PathBuf,
    file: File,
}

impl CasinoJournal {
    /// Opens (creating) the journal in `dir` and reads it. A torn last line (a crash mid-write) is
    /// cut off; a line that does not decode is skipped with a warning.
    pub fn open(dir: &Path) -> Result<(CasinoJournal, Vec<LocalEntry>, Vec<String>), String> {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(CASINO_JOURNAL_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let mut entries = Vec::new();
        let mut warnings = Vec::new();
        let mut intact = 0;
        for (n, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
            if !line.ends_with(b"\n") {
                warnings.push(format!("line {}: torn by a crash; cut off", n + 1));
                break;
            }
            intact += line.len();
            match serde_json::from_slice::<LocalEntry>(line) {
                Ok(entry) => entries.push(entry),
                Err(e) => warnings.push(format!("line {}: skipped ({e})", n + 1)),
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if intact < bytes.len() {
            file.set_len(intact as u64).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok((CasinoJournal { path, file }, entries, warnings))
    }

    /// Appends one entry and waits until it is on disk.
    pub fn append(&mut self, entry: &LocalEntry) -> Result<(), String> {
        let mut line = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|_| self.file.sync_data())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

#[derive(Resource, Clone)]
pub struct CasinoJournalHandle(pub Arc<Mutex<CasinoJournal>>);

type Opened = Result<(CasinoJournal, Vec<LocalEntry>, Vec<String>), String>;

/// The journal being opened on the I/O pool.
#[derive(Resource, Default)]
pub(super) struct OpeningJournal(Option<Task<Opened>>);

/// Start reading the journal once, off the main thread.
pub(super) fn open_journal(config: Res<Config>, local: Res<LocalMoves>, mut opening: ResMut<OpeningJournal>, mut started: Local<bool>) {
    if *started || local.loaded {
        return;
    }
    *started = true;
    let dir = crate::shell::storage::journal_dir(&config);
    opening.0 = Some(IoTaskPool::get().spawn(async move { CasinoJournal::open(&dir) }));
}

pub(super) fn finish_open(mut commands: Commands, mut opening: ResMut<OpeningJournal>, mut local: ResMut<LocalMoves>) {
    let Some(task) = opening.0.as_mut() else { return };
    let Some(result) = check_ready(task) else { return };
    opening.0 = None;
    match result {
        Ok((journal, entries, warnings)) => {
            for w in warnings {
                warn!("casino journal: {w}");
            }
            if !entries.is_empty() {
                info!("casino: {} moves entered on this kiosk read back", entries.len());
            }
            local.entries = entries;
            local.revision += 1;
            commands.insert_resource(CasinoJournalHandle(Arc::new(Mutex::new(journal))));
        }
        Err(e) => error!("casino journal cannot be opened: {e}; moves entered here will not survive a restart"),
    }
    local.loaded = true;
}

/// Journal an entry on the I/O pool.
pub fn append_later(journal: Option<&CasinoJournalHandle>, entry: LocalEntry) {
    if let Some(journal) = journal {
        crate::shell::background::append_later(&journal.0, entry, CasinoJournal::append);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_contract::casino::MoveKind;

    #[test]
    fn moves_survive_a_reopen_and_a_torn_line_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, entries, _) = CasinoJournal::open(dir.path()).unwrap();
        assert!(entries.is_empty());
        let mut local = LocalMoves::default();
        let undo = CasinoMove {
            id: "k1".into(),
            kind: MoveKind::Undo {
                reason: "undone on the kiosk".into(),
            },
        };
        j.append(&local.push("m", undo.clone())).unwrap();
        drop(j);
        let path = dir.path().join(CASINO_JOURNAL_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"match_id\":\"m\",\"mo").unwrap();
        drop(f);
        let (mut j, entries, warnings) = CasinoJournal::open(dir.path()).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].mv, undo);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        j.append(&local.push("m", undo)).unwrap();
        let (_, entries, warnings) = CasinoJournal::open(dir.path()).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
