//! The exactly-once record of the lucky draw: an append-only JSON-lines journal in one directory.
//!
//! A batch is journaled (`committed`, fsync'd) before anything about it is shown, so a crash can
//! never lead to a second roll of the same batch: after a restart the kiosk finds it in
//! [`Replayed::pending_reveal`] and reveals that result. Posting to the server is tracked in the
//! same file (`acknowledged` / `conflict`), so [`Replayed::unacknowledged`] is what still has to
//! be sent, with the same [`idempotency_key`] and the same body ([`to_wire_result`]) every time.
//!
//! Files in the directory:
//! - `draw-journal.jsonl`: one [`JournalEntry`] per line.
//! - `draw-journal-reset-<stamp>.jsonl`: a journal archived by RESET ([`reset`]); the new journal's
//!   first entry ([`JournalEntry::Reset`]) names it with its SHA-256.
//!
//! Besides the results, the journal keeps the trail around them, so that nothing about a draw can
//! be steered unseen: every armed seed commitment ([`JournalEntry::Armed`]), whether the event
//! server anchored it, every commitment thrown away before it decided a draw (Esc, a feed refresh,
//! a failed commit, a stop: [`JournalEntry::Discarded`]), changes of a prize that already has
//! results and of the ticket list. Journals written before these entries existed read and verify
//! as before.
//! - `tickets-<first 16 hex of tickets_hash>.json`: the pools the draws ran on
//!   ([`Journal::save_tickets`]), so the directory alone is enough to verify every draw.
//!
//! No Bevy types; the caller logs [`Replayed::warnings`].

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::draw::engine::{AuditRecord, DrawState, EnginePrize, EngineTicket, VerifyError, tickets_hash};

/// The journal's file name inside the journal directory.
pub const JOURNAL_FILE: &str = "draw-journal.jsonl";

/// One line of the journal.
// Entries live one at a time; boxing the record would only make building them clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JournalEntry {
    /// A drawn batch or no-show replacement, written before it is revealed. A no-show is recorded
    /// by its replacement record (`replaces` and `reason` are set).
    Committed { record: AuditRecord },
    /// The result was shown on screen.
    Revealed { sequence: u64, at: DateTime<Utc> },
    /// The server stored the result (`201`) or already had the same one (`200`).
    Acknowledged {
        sequence: u64,
        server_status: u16,
        at: DateTime<Utc>,
    },
    /// The server holds a different result under the same idempotency key (`409`); its answer is
    /// kept for the operator. Not retried.
    Conflict {
        sequence: u64,
        server_result: serde_json::Value,
        at: DateTime<Utc>,
    },
    /// A seed was armed: from now on its commitment is on screen. Every armed seed is journaled,
    /// also those thrown away later, so re-arming until a seed "feels right" leaves a trace.
    Armed {
        seed_commitment: String,
        /// The prize on screen when it was armed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prize_id: Option<String>,
        at: DateTime<Utc>,
    },
    /// The event server registered the armed commitment and answered with its nonce.
    Anchored {
        seed_commitment: String,
        server_nonce: String,
        registered_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// The armed commitment could not be registered with the event server (a draw on it is not
    /// anchored).
    AnchorFailed {
        seed_commitment: String,
        reason: String,
        at: DateTime<Utc>,
    },
    /// An armed seed was thrown away before it decided a draw.
    Discarded {
        seed_commitment: String,
        reason: String,
        at: DateTime<Utc>,
    },
    /// The settings of a prize that already has results changed (winner count, "earlier winners
    /// may win", batch size); `after: None` = the prize was removed from the feed.
    PrizeChanged {
        prize_id: String,
        before: EnginePrize,
        after: Option<EnginePrize>,
        at: DateTime<Utc>,
    },
    /// The ticket list the next draws run on changed.
    TicketsChanged {
        from_hash: String,
        to_hash: String,
        tickets: u64,
        at: DateTime<Utc>,
    },
    /// The first entry of a journal started by RESET: the archived journal and its SHA-256.
    Reset {
        archived: String,
        archived_sha256: String,
        archived_records: u64,
        at: DateTime<Utc>,
    },
}

impl JournalEntry {
    /// The result the entry is about; `None` for the trail around the results.
    fn sequence(&self) -> Option<u64> {
        match self {
            Self::Committed { record } => Some(record.sequence),
            Self::Revealed { sequence, .. } | Self::Acknowledged { sequence, .. } | Self::Conflict { sequence, .. } => Some(*sequence),
            Self::Armed { .. }
            | Self::Anchored { .. }
            | Self::AnchorFailed { .. }
            | Self::Discarded { .. }
            | Self::PrizeChanged { .. }
            | Self::TicketsChanged { .. }
            | Self::Reset { .. } => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A damaged line before the last one. Never skipped: it may be a committed result.
    #[error("the draw journal is damaged at line {line}: {reason}; it was left untouched, fix or move it by hand")]
    Corrupt { line: usize, reason: String },
    /// The entry does not fit the journal (wrong sequence or batch, reused seed, unknown sequence),
    /// or an earlier write failed and the journal must be reopened. Nothing was written.
    #[error("not written to the draw journal: {0}")]
    Refused(String),
    #[error("tickets snapshot {}: {reason}", .path.display())]
    Tickets { path: PathBuf, reason: String },
    /// Another process has the journal open: two kiosks drawing on one journal would both write it.
    #[error(
        "another venue-kiosk process is drawing on this journal ({}); stop it, or give this kiosk its own draw.journal_dir",
        .dir.display()
    )]
    Locked { dir: PathBuf },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> JournalError {
    let path = path.to_owned();
    move |source| JournalError::Io { action, path, source }
}

/// What the journal says so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replayed {
    /// The fold of `records` ([`DrawState::replay`]).
    pub state: DrawState,
    /// Committed records in sequence order (`records[i].sequence == i`). `revealed_at` is filled
    /// in from the `revealed` entry when the record itself has none.
    pub records: Vec<AuditRecord>,
    pub revealed: BTreeSet<u64>,
    pub acknowledged: BTreeSet<u64>,
    /// The server's stored result for each conflicting sequence.
    pub conflicts: BTreeMap<u64, serde_json::Value>,
    /// Repairs made or oddities found while reading; for the log.
    pub warnings: Vec<String>,
    /// Commitments armed and neither used by a result nor discarded, in order: the kiosk stopped
    /// while they were armed (their seeds are gone). Journal them as discarded at the next start.
    pub open_commitments: Vec<String>,
}

/// Why an entry does not fit the journal.
enum Misfit {
    Record(VerifyError),
    UnknownSequence(u64),
}

impl Misfit {
    fn reason(&self) -> String {
        match self {
            Self::Record(error) => format!("the record does not follow the journal: {error}"),
            Self::UnknownSequence(sequence) => format!("no committed record has sequence {sequence}"),
        }
    }
}

impl Replayed {
    /// The earliest committed record not yet revealed. Show it as the result (never draw it
    /// again), then journal `Revealed`. Normally only the last record can be pending.
    pub fn pending_reveal(&self) -> Option<&AuditRecord> {
        self.records.iter().find(|r| !self.revealed.contains(&r.sequence))
    }

    /// Revealed records the server has neither acknowledged nor answered with a conflict, in
    /// order: post these. Unrevealed records wait for their reveal (the audience sees a winner
    /// before the server does).
    pub fn unacknowledged(&self) -> Vec<&AuditRecord> {
        self.records
            .iter()
            .filter(|r| {
                self.revealed.contains(&r.sequence) && !self.acknowledged.contains(&r.sequence) && !self.conflicts.contains_key(&r.sequence)
            })
            .collect()
    }

    pub fn record(&self, sequence: u64) -> Option<&AuditRecord> {
        usize::try_from(sequence).ok().and_then(|i| self.records.get(i))
    }

    /// Applies one entry, or leaves everything unchanged and says why it does not fit.
    fn apply(&mut self, entry: &JournalEntry) -> Result<(), Misfit> {
        let Some(sequence) = entry.sequence() else {
            match entry {
                JournalEntry::Armed { seed_commitment, .. } => self.open_commitments.push(seed_commitment.clone()),
                JournalEntry::Discarded { seed_commitment, .. } => self.open_commitments.retain(|c| c != seed_commitment),
                _ => {}
            }
            return Ok(());
        };
        if let JournalEntry::Committed { record } = entry {
            self.state.apply(record).map_err(Misfit::Record)?;
            self.records.push(record.clone());
            self.open_commitments.retain(|c| *c != record.seed_commitment);
            return Ok(());
        }
        let Some(index) = usize::try_from(sequence).ok().filter(|&i| i < self.records.len()) else {
            return Err(Misfit::UnknownSequence(sequence));
        };
        match entry {
            JournalEntry::Committed { .. } => unreachable!("handled above"),
            JournalEntry::Revealed { at, .. } => {
                self.revealed.insert(sequence);
                let record = &mut self.records[index];
                record.revealed_at = record.revealed_at.or(Some(*at));
            }
            JournalEntry::Acknowledged { .. } => {
                self.acknowledged.insert(sequence);
            }
            JournalEntry::Conflict { server_result, .. } => {
                self.conflicts.insert(sequence, server_result.clone());
            }
            _ => unreachable!("entries without a sequence are handled above"),
        }
        Ok(())
    }
}

/// The journal, open for appending.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    path: PathBuf,
    file: File,
    view: Replayed,
    /// Set when a write or fsync failed: the file's tail is unknown until it is reopened.
    failed: bool,
    /// Held while the journal is open: a second process on the same directory is refused.
    _lock: File,
}

/// Parses a journal's bytes and replays them: the view, and what parsing found (for repairs).
fn replay_bytes(bytes: &[u8]) -> Result<(ParsedJournal, Replayed), JournalError> {
    let parsed = parse_journal(bytes)?;
    let mut view = Replayed::default();
    for (line, entry) in &parsed.entries {
        match view.apply(entry) {
            Ok(()) => {}
            Err(Misfit::Record(error)) => {
                return Err(JournalError::Corrupt {
                    line: *line,
                    reason: Misfit::Record(error).reason(),
                });
            }
            // Harmless for the results; keep going so the kiosk can start.
            Err(misfit @ Misfit::UnknownSequence(_)) => view.warnings.push(format!("line {line}: ignored: {}", misfit.reason())),
        }
    }
    view.warnings.extend(parsed.warnings.iter().cloned());
    Ok((parsed, view))
}

/// The lock file beside the journal (`flock`ed while a kiosk has the journal open).
pub const LOCK_FILE: &str = "draw-journal.lock";

/// Locks `dir` for this process, or says another one has it.
fn lock_dir(dir: &Path) -> Result<File, JournalError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_error("open", &path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(JournalError::Locked { dir: dir.to_owned() }),
        Err(fs::TryLockError::Error(error)) => Err(io_error("lock", &path)(error)),
    }
}

impl Journal {
    /// Opens (or creates) the journal in `dir` and replays it. A torn last line (a crash in the
    /// middle of a write) is dropped with a warning and the file is repaired; damage anywhere
    /// else is [`JournalError::Corrupt`] and the file is left as it is.
    pub fn open(dir: &Path) -> Result<(Journal, Replayed), JournalError> {
        fs::create_dir_all(dir).map_err(io_error("create the journal directory", dir))?;
        let lock = lock_dir(dir)?;
        let path = dir.join(JOURNAL_FILE);
        let (file, view) = Self::load(dir, &path)?;
        let journal = Journal {
            dir: dir.to_owned(),
            path,
            file,
            view: view.clone(),
            failed: false,
            _lock: lock,
        };
        Ok((journal, view))
    }

    /// Opens the journal file for appending and replays it, repairing a torn last line.
    fn load(dir: &Path, path: &Path) -> Result<(File, Replayed), JournalError> {
        let path = path.to_owned();
        let mut file = match OpenOptions::new().append(true).create_new(true).open(&path) {
            Ok(file) => {
                // Make the new file's directory entry durable before anything is written to it.
                sync_dir(dir)?;
                file
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                OpenOptions::new().append(true).open(&path).map_err(io_error("open", &path))?
            }
            Err(error) => return Err(io_error("create", &path)(error)),
        };
        let bytes = fs::read(&path).map_err(io_error("read", &path))?;
        let (parsed, mut view) = replay_bytes(&bytes)?;
        if parsed.intact_len < bytes.len() {
            drop(file);
            replace_file(dir, &path, |out| out.write_all(&bytes[..parsed.intact_len]))?;
            file = OpenOptions::new().append(true).open(&path).map_err(io_error("open", &path))?;
        } else if parsed.missing_newline {
            // The last entry is complete but its line end was not written: finish the line so
            // the next entry starts on its own.
            file.write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(io_error("repair", &path))?;
            view.warnings
                .push("the journal's last line had no line end; it was completed".to_owned());
        }
        Ok((file, view))
    }

    /// Replays the journal in `dir` without taking it (no lock, nothing repaired): for readers such
    /// as `export-winners` while a kiosk draws on it.
    pub fn read(dir: &Path) -> Result<Replayed, JournalError> {
        let path = dir.join(JOURNAL_FILE);
        let bytes = fs::read(&path).map_err(io_error("read", &path))?;
        Ok(replay_bytes(&bytes)?.1)
    }

    /// After a failed write: open the file again and check what is on disk. When the failed
    /// entry did not land (the usual case: a full or briefly failing disk), appending goes on
    /// without a restart; when it did (the write went through, its fsync failed), the kiosk must
    /// start again to pick the entry up.
    fn reopen(&mut self) -> Result<(), JournalError> {
        let (file, view) = Self::load(&self.dir, &self.path)?;
        if view.records != self.view.records || view.revealed != self.view.revealed {
            return Err(JournalError::Refused(
                "a write that failed reached the journal after all; restart the kiosk to pick it up".to_owned(),
            ));
        }
        self.file = file;
        self.failed = false;
        Ok(())
    }

    /// Writes one entry as a line and fsyncs it. Entries that do not fit the journal are refused
    /// so that it always replays. After an error, reopen the journal: the entry may or may not
    /// be on disk (a `Committed` one then shows up in [`Replayed::pending_reveal`]).
    pub fn append(&mut self, entry: &JournalEntry) -> Result<(), JournalError> {
        if self.failed {
            self.reopen()?;
        }
        let mut next = self.view.clone();
        next.apply(entry).map_err(|misfit| JournalError::Refused(misfit.reason()))?;
        let mut line = serde_json::to_vec(entry).map_err(|error| JournalError::Refused(format!("cannot encode the entry: {error}")))?;
        line.push(b'\n');
        // One write of the whole line: a crash leaves the line complete or torn at the end.
        let written = self.file.write_all(&line).and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            self.failed = true;
            return Err(JournalError::Io {
                action: "write to",
                path: self.path.clone(),
                source,
            });
        }
        self.view = next;
        Ok(())
    }

    /// The journal as of the last successful append.
    pub fn view(&self) -> &Replayed {
        &self.view
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Saves the pool as `tickets-<first 16 hex of its hash>.json` unless an intact copy is
    /// already there, and returns its [`tickets_hash`]. Call it before committing a draw on it.
    pub fn save_tickets(&self, pool: &[EngineTicket]) -> Result<String, JournalError> {
        let hash = tickets_hash(pool);
        let path = tickets_snapshot_path(&self.dir, &hash);
        if path.exists() && load_tickets_snapshot(&self.dir, &hash).is_ok() {
            return Ok(hash);
        }
        let snapshot = SnapshotOut {
            version: 1,
            tickets_hash: &hash,
            tickets: pool,
        };
        replace_file(&self.dir, &path, |out| {
            let mut out = BufWriter::new(out);
            serde_json::to_writer(&mut out, &snapshot).map_err(io::Error::other)?;
            out.flush()
        })?;
        Ok(hash)
    }

    /// The pool saved under `hash` (the full tickets_hash), checked against it.
    pub fn load_tickets(&self, hash: &str) -> Result<Vec<EngineTicket>, JournalError> {
        load_tickets_snapshot(&self.dir, hash)
    }
}

/// What a tickets snapshot file holds. EngineTicket's own serde form is `{"number", "holder"}`.
#[derive(Serialize)]
struct SnapshotOut<'a> {
    version: u32,
    tickets_hash: &'a str,
    tickets: &'a [EngineTicket],
}

#[derive(Deserialize)]
struct SnapshotIn {
    tickets: Vec<EngineTicket>,
}

/// RESET: archives the journal as `draw-journal-reset-<stamp>.jsonl` and starts a new one whose
/// first entry is [`JournalEntry::Reset`] with the archived file's name, SHA-256 and number of
/// results, so the new journal links to the old one and a swapped archive is caught. Returns the
/// archive's path. The new journal is written aside first and renamed into place after the
/// archive, so the directory never holds a journal without its link.
pub fn reset(dir: &Path, stamp: &str, at: DateTime<Utc>) -> Result<PathBuf, JournalError> {
    use sha2::{Digest, Sha256};
    let path = dir.join(JOURNAL_FILE);
    let bytes = fs::read(&path).map_err(io_error("read", &path))?;
    let archived_records = parse_journal(&bytes).map_or(0, |parsed| {
        parsed
            .entries
            .iter()
            .filter(|(_, entry)| matches!(entry, JournalEntry::Committed { .. }))
            .count() as u64
    });
    let name = format!("draw-journal-reset-{stamp}.jsonl");
    let archive = dir.join(&name);
    if archive.exists() {
        return Err(JournalError::Refused(format!("{} already exists", archive.display())));
    }
    let entry = JournalEntry::Reset {
        archived: name,
        archived_sha256: hex::encode(Sha256::digest(&bytes)),
        archived_records,
        at,
    };
    let mut line = serde_json::to_vec(&entry).map_err(|error| JournalError::Refused(format!("cannot encode the entry: {error}")))?;
    line.push(b'\n');
    let fresh = dir.join(format!(".{JOURNAL_FILE}.reset.tmp"));
    File::create(&fresh)
        .and_then(|mut out| {
            out.write_all(&line)?;
            out.sync_all()
        })
        .map_err(io_error("write", &fresh))?;
    fs::rename(&path, &archive).map_err(io_error("archive", &path))?;
    fs::rename(&fresh, &path).map_err(io_error("replace", &path))?;
    sync_dir(dir)?;
    Ok(archive)
}

/// Where the snapshot of the pool with this tickets_hash lives in a journal directory.
pub fn tickets_snapshot_path(dir: &Path, hash: &str) -> PathBuf {
    let prefix: String = hash.chars().take(16).collect();
    dir.join(format!("tickets-{prefix}.json"))
}

/// Loads the snapshot for `hash` from a journal directory and checks that the tickets in it
/// hash to `hash` (so a damaged or swapped file is caught).
pub fn load_tickets_snapshot(dir: &Path, hash: &str) -> Result<Vec<EngineTicket>, JournalError> {
    let path = tickets_snapshot_path(dir, hash);
    let bytes = fs::read(&path).map_err(io_error("read", &path))?;
    let snapshot: SnapshotIn = serde_json::from_slice(&bytes).map_err(|error| JournalError::Tickets {
        path: path.clone(),
        reason: format!("not a tickets snapshot: {error}"),
    })?;
    let actual = tickets_hash(&snapshot.tickets);
    if !actual.eq_ignore_ascii_case(hash) {
        return Err(JournalError::Tickets {
            path,
            reason: format!("its tickets hash to {actual}, not {hash}"),
        });
    }
    Ok(snapshot.tickets)
}

/// The entries of a journal file, read without changing it.
#[derive(Debug, Default)]
pub(crate) struct ParsedJournal {
    /// With their 1-based line numbers.
    pub entries: Vec<(usize, JournalEntry)>,
    /// Length of the part to keep: everything but a torn last line.
    pub intact_len: usize,
    /// The last entry is complete but has no line end.
    pub missing_newline: bool,
    pub warnings: Vec<String>,
}

/// Parses journal bytes. Blank lines are skipped. The last non-blank line is torn when it is not
/// JSON at all; any other bad line is [`JournalError::Corrupt`].
pub(crate) fn parse_journal(bytes: &[u8]) -> Result<ParsedJournal, JournalError> {
    let mut parsed = ParsedJournal {
        intact_len: bytes.len(),
        ..Default::default()
    };
    let mut start = 0;
    let mut line_number = 0;
    while start < bytes.len() {
        line_number += 1;
        let (end, terminated) = match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(offset) => (start + offset + 1, true),
            None => (bytes.len(), false),
        };
        let line = &bytes[start..end];
        // Only asked on a bad line: asked for every line, a run of blank lines was quadratic.
        let is_last = || bytes[end..].iter().all(u8::is_ascii_whitespace);
        if !line.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<JournalEntry>(line) {
                Ok(entry) => {
                    parsed.entries.push((line_number, entry));
                    parsed.missing_newline = !terminated;
                }
                Err(_) if is_last() && serde_json::from_slice::<serde_json::Value>(line).is_err() => {
                    parsed.intact_len = start;
                    parsed.warnings.push(format!(
                        "dropped the journal's last line {line_number} ({} bytes, not valid JSON: a write cut short by a crash or power loss): {}",
                        line.len(),
                        preview(line)
                    ));
                    break;
                }
                Err(error) => {
                    return Err(JournalError::Corrupt {
                        line: line_number,
                        reason: error.to_string(),
                    });
                }
            }
        }
        start = end;
    }
    Ok(parsed)
}

fn preview(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut shown: String = text.trim_end().chars().take(80).flat_map(char::escape_default).collect();
    if text.chars().count() > 80 {
        shown.push('…');
    }
    shown
}

/// Replaces `path` with what `write` produces, atomically: temp file, fsync, rename, dir fsync.
fn replace_file(dir: &Path, path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> Result<(), JournalError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = File::create(&temp).and_then(|mut out| {
        write(&mut out)?;
        out.sync_all()
    });
    if let Err(source) = result.and_then(|()| fs::rename(&temp, path)) {
        let _ = fs::remove_file(&temp);
        return Err(JournalError::Io {
            action: "replace",
            path: path.to_owned(),
            source,
        });
    }
    sync_dir(dir)
}

/// Makes renames and new files in `dir` durable. Windows cannot open directories; NTFS journals
/// its metadata, so there is nothing to do there.
fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("sync the directory", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The server's `Idempotency-Key` for a record: `draw-{prize_id}-{batch}-{first 16 hex of
/// seed_commitment}`, plus `-r{sequence}` for a no-show replacement.
pub fn idempotency_key(record: &AuditRecord) -> String {
    let commitment: String = record.seed_commitment.chars().take(16).collect();
    let mut key = format!("draw-{}-{}-{commitment}", key_part(&record.prize_id), record.batch);
    if record.replaces.is_some() {
        key.push_str(&format!("-r{}", record.sequence));
    }
    key
}

/// A prize id as it may stand in a key: printable ASCII without spaces, short. An id of letters,
/// digits, `-`, `_`, `.` (what the console makes) stands as it is, so keys of stored results never
/// change; anything else (Korean, spaces, `%`, very long) stands as `x` + 16 hex of its SHA-256.
fn key_part(prize_id: &str) -> String {
    let plain = !prize_id.is_empty()
        && prize_id.len() <= 100
        && prize_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if plain {
        return prize_id.to_string();
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(prize_id.as_bytes());
    format!("x{}", &hex::encode(digest)[..16])
}

/// When the record's batch was drawn, for the wire and exports: the commit (the draw runs then, and
/// that time is durable with the record, so every retry and every restart sends the same body),
/// else the reveal.
fn drawn_at(record: &AuditRecord) -> Option<String> {
    record
        .committed_at
        .or(record.revealed_at)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// The contract's `DrawResult` body for a record. `drawn_at` is the commit time, else the reveal
/// time; only a record with neither gets the current time (and then differs between retries).
pub fn to_wire_result(record: &AuditRecord) -> serde_json::Value {
    let drawn_at = drawn_at(record).unwrap_or_else(|| Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true));
    let mut body = serde_json::json!({
        "version": 1,
        "prize_id": record.prize_id,
        "batch": record.batch,
        "seed_commitment": record.seed_commitment,
        "seed": record.seed,
        "tickets_hash": record.tickets_hash,
        "algorithm": record.algorithm,
        "winners": record.winners.iter().map(|w| w.ticket).collect::<Vec<_>>(),
        "drawn_at": drawn_at,
    });
    // Contract 1.1: a no-show replacement says whom it replaces and why.
    if let Some(absent) = &record.replaces {
        body["replaces"] = absent.ticket.into();
        body["reason"] = record.reason.clone().unwrap_or_default().into();
    }
    // Contract 1.1: the server's nonce of an anchored draw, or why the draw was not anchored.
    if let Some(nonce) = &record.server_nonce {
        body["server_nonce"] = nonce.clone().into();
    } else if let Some(reason) = &record.not_anchored {
        // One short line, whatever the network library said.
        let reason: String = reason.chars().filter(|c| !c.is_control()).take(280).collect();
        body["not_anchored"] = reason.into();
    }
    body
}

/// What the journal does not hold but a winners' list for people should show: prize names by
/// prize id and the masked display names by ticket (from the feed or the ticket snapshot).
#[derive(Debug, Clone, Default)]
pub struct WinnerNames {
    pub prizes: std::collections::HashMap<String, String>,
    pub people: std::collections::HashMap<u32, String>,
}

/// Every winner of every record (optionally of one prize) as CSV, in journal order. A no-show
/// replacement's row names the replaced ticket and the reason.
pub fn winners_csv(records: &[AuditRecord], prize_filter: Option<&str>) -> String {
    winners_csv_named(records, prize_filter, &WinnerNames::default())
}

/// [`winners_csv`] with the names people read. The columns after `drawn_at` (added later, so a
/// reader by position keeps working): `status` — `won`, or `no_show` for a winner a later
/// replacement took the place of (the rule of `draw::outcome`, as the server's export) —,
/// `prize_name`, `display_name` (empty when unknown) and `anchored` — `yes`, or `NOT ANCHORED` for a
/// draw made without the event server's nonce.
pub fn winners_csv_named(records: &[AuditRecord], prize_filter: Option<&str>, names: &WinnerNames) -> String {
    let mut csv = String::from("prize_id,batch,ticket,holder,replaces,reason,drawn_at,status,prize_name,display_name,anchored\n");
    let mut no_shows: std::collections::HashMap<&str, Vec<u32>> = std::collections::HashMap::new();
    let mut prize_ids: Vec<&str> = records.iter().map(|r| r.prize_id.as_str()).collect();
    prize_ids.sort_unstable();
    prize_ids.dedup();
    for prize in prize_ids {
        let of_prize: Vec<(&AuditRecord, Vec<u32>)> = records
            .iter()
            .filter(|r| r.prize_id == prize)
            .map(|r| (r, r.winners.iter().map(|w| w.ticket).collect()))
            .collect();
        let outcome = crate::draw::outcome::prize_outcome(of_prize.iter().map(|(r, tickets)| crate::draw::outcome::ResultLine {
            batch: r.batch,
            winners: tickets,
            replaces: r.replaces.as_ref().map(|w| w.ticket),
            reason: r.reason.as_deref(),
        }));
        no_shows.insert(prize, outcome.replaced.iter().map(|r| r.ticket).collect());
    }
    for record in records.iter().filter(|r| prize_filter.is_none_or(|p| r.prize_id == p)) {
        let replaces = record.replaces.as_ref().map(|w| w.ticket.to_string()).unwrap_or_default();
        let reason = record.reason.as_deref().unwrap_or("");
        let drawn_at = drawn_at(record).unwrap_or_default();
        let prize_name = names.prizes.get(&record.prize_id).map(String::as_str).unwrap_or("");
        for winner in &record.winners {
            let gone = no_shows.get(record.prize_id.as_str()).is_some_and(|t| t.contains(&winner.ticket));
            let (batch, ticket) = (record.batch.to_string(), winner.ticket.to_string());
            let fields: [&str; 11] = [
                &record.prize_id,
                &batch,
                &ticket,
                &winner.holder,
                &replaces,
                reason,
                &drawn_at,
                if gone { "no_show" } else { "won" },
                prize_name,
                names.people.get(&winner.ticket).map(String::as_str).unwrap_or(""),
                if record.is_anchored() { "yes" } else { "NOT ANCHORED" },
            ];
            csv.push_str(&venue_contract::csv::line(&fields));
        }
    }
    csv
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::draw::engine::{EnginePrize, EngineWinner, draw_batch, replace_no_show};

    pub(crate) fn pool() -> Vec<EngineTicket> {
        (1..=40)
            .map(|n| EngineTicket {
                number: 1000 + n,
                holder: format!("h{:02}", n % 13),
                groups: Vec::new(),
            })
            .collect()
    }

    fn prize(id: &str, winner_count: u32) -> EnginePrize {
        EnginePrize {
            id: id.into(),
            winner_count,
            allow_previous_winners: false,
            batch_size: None,
            eligible_groups: Vec::new(),
            excluded_groups: Vec::new(),
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    /// Two batches of "tv" and a no-show replacement, with commit times set.
    pub(crate) fn sample_records(pool: &[EngineTicket]) -> Vec<AuditRecord> {
        let mut state = DrawState::new();
        let mut records = Vec::new();
        let mut tv = prize("tv", 4);
        tv.batch_size = Some(2);
        for seed in [[1u8; 32], [2; 32]] {
            records.push(draw_batch(&mut state, pool, &tv, None, seed).unwrap().record);
        }
        let absent = records[0].winners[1].ticket;
        records.push(
            replace_no_show(&mut state, pool, &tv, absent, "not here, \"called\" 3x", [3; 32])
                .unwrap()
                .record,
        );
        for (i, record) in records.iter_mut().enumerate() {
            record.committed_at = Some(at(100 * i as i64));
        }
        records
    }

    fn commit(journal: &mut Journal, record: &AuditRecord) {
        journal.append(&JournalEntry::Committed { record: record.clone() }).unwrap();
    }

    fn journal_text(dir: &Path) -> String {
        fs::read_to_string(dir.join(JOURNAL_FILE)).unwrap()
    }

    /// Issue #17: two kiosk processes on one journal: the second is refused with a clear message
    /// while the first has it open, and gets it once the first is gone.
    #[test]
    fn a_second_process_cannot_open_a_journal_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, _) = Journal::open(dir.path()).unwrap();
        let Err(refused) = Journal::open(dir.path()) else {
            panic!("the journal is in use")
        };
        assert!(matches!(refused, JournalError::Locked { .. }), "{refused}");
        assert!(refused.to_string().contains("another venue-kiosk process"), "{refused}");
        // A reader (export-winners) still reads it.
        assert_eq!(Journal::read(dir.path()).unwrap(), *journal.view());
        drop(journal);
        assert!(Journal::open(dir.path()).is_ok(), "free again once the first is gone");
    }

    /// Issue #17: one failed write does not stop the draw until a restart: the next append opens
    /// the file again, finds what is on disk and goes on.
    #[test]
    fn a_failed_write_is_retried_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let records = sample_records(&pool());
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        commit(&mut journal, &records[0]);
        // As after a failed write or fsync whose entry did not land.
        journal.failed = true;
        commit(&mut journal, &records[1]);
        assert!(!journal.failed);
        drop(journal);
        let (_journal, replayed) = Journal::open(dir.path()).unwrap();
        assert_eq!(replayed.records, records[..2]);
        // A failed write that did land (its fsync failed): the kiosk is told to restart, nothing
        // is written twice.
        let dir = tempfile::tempdir().unwrap();
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        commit(&mut journal, &records[0]);
        let landed = journal.view().clone();
        journal.view = Replayed::default();
        journal.failed = true;
        let err = journal.append(&JournalEntry::Revealed { sequence: 0, at: at(10) }).unwrap_err();
        assert!(err.to_string().contains("restart the kiosk"), "{err}");
        assert_eq!(
            Journal::load(dir.path(), &dir.path().join(JOURNAL_FILE)).unwrap().1.records,
            landed.records
        );
    }

    #[test]
    fn entries_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let records = sample_records(&pool());
        let (mut journal, replayed) = Journal::open(dir.path()).unwrap();
        assert_eq!(replayed, Replayed::default());
        for record in &records {
            commit(&mut journal, record);
        }
        journal.append(&JournalEntry::Revealed { sequence: 0, at: at(10) }).unwrap();
        journal
            .append(&JournalEntry::Acknowledged {
                sequence: 0,
                server_status: 201,
                at: at(11),
            })
            .unwrap();
        let conflict = serde_json::json!({"version": 1, "winners": [7]});
        journal
            .append(&JournalEntry::Conflict {
                sequence: 1,
                server_result: conflict.clone(),
                at: at(12),
            })
            .unwrap();
        let live = journal.view().clone();
        drop(journal);

        let (_journal, replayed) = Journal::open(dir.path()).unwrap();
        assert_eq!(replayed, live);
        assert!(replayed.warnings.is_empty(), "{:?}", replayed.warnings);
        assert_eq!(replayed.state, DrawState::replay(&records).unwrap());
        assert_eq!(replayed.records[0].revealed_at, Some(at(10)));
        assert_eq!(replayed.records[1..], records[1..]);
        assert_eq!(replayed.revealed, BTreeSet::from([0]));
        assert_eq!(replayed.acknowledged, BTreeSet::from([0]));
        assert_eq!(replayed.conflicts, BTreeMap::from([(1, conflict)]));
        assert_eq!(journal_text(dir.path()).lines().count(), 6);
        assert!(journal_text(dir.path()).starts_with("{\"type\":\"committed\",\"record\":{\"sequence\":0,"));
    }

    #[test]
    fn appended_entry_is_on_disk_before_append_returns() {
        let dir = tempfile::tempdir().unwrap();
        let records = sample_records(&pool());
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        commit(&mut journal, &records[0]);
        // The writer is still open: a second reader (like verify-draw) sees the line.
        let (_, seen) = Journal::load(dir.path(), &dir.path().join(JOURNAL_FILE)).unwrap();
        assert_eq!(seen.records, records[..1]);
        assert_eq!(
            journal_text(dir.path()),
            format!(
                "{}\n",
                serde_json::to_string(&JournalEntry::Committed {
                    record: records[0].clone()
                })
                .unwrap()
            )
        );
    }

    #[test]
    fn torn_last_line_is_dropped_with_a_warning_and_the_file_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let records = sample_records(&pool());
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        commit(&mut journal, &records[0]);
        drop(journal);
        let intact = journal_text(dir.path());
        let full = serde_json::to_string(&JournalEntry::Committed {
            record: records[1].clone(),
        })
        .unwrap();
        fs::write(dir.path().join(JOURNAL_FILE), format!("{intact}{}", &full[..full.len() / 2])).unwrap();

        let (mut journal, replayed) = Journal::open(dir.path()).unwrap();
        assert_eq!(replayed.records, records[..1]);
        assert_eq!(replayed.warnings.len(), 1);
        assert!(
            replayed.warnings[0].contains("dropped the journal's last line 2"),
            "{}",
            replayed.warnings[0]
        );
        assert_eq!(journal_text(dir.path()), intact);
        // The next entry starts on a clean line and everything replays.
        commit(&mut journal, &records[1]);
        drop(journal);
        let (_, replayed) = Journal::open(dir.path()).unwrap();
        assert_eq!(replayed.records, records[..2]);
        assert!(replayed.warnings.is_empty());
        assert!(
            !dir.path()
                .read_dir()
                .unwrap()
                .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
        );
    }

    #[test]
    fn complete_last_entry_without_line_end_is_kept_and_finished() {
        let dir = tempfile::tempdir().unwrap();
        let records = sample_records(&pool());
        let line = serde_json::to_string(&JournalEntry::Committed {
            record: records[0].clone(),
        })
        .unwrap();
        fs::write(dir.path().join(JOURNAL_FILE), &line).unwrap();
        let (mut journal, replayed) = Journal::open(dir.path()).unwrap();
        assert_eq!(replayed.records, records[..1]);
        assert_eq!(replayed.warnings.len(), 1);
        commit(&mut journal, &records[1]);
        drop(journal);
        assert_eq!(Journal::open(dir.path()).unwrap().1.records, records[..2]);
    }

    #[test]
    fn damaged_middle_line_is_an_error_and_the_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let records = sample_records(&pool());
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        for record in &records {
            commit(&mut journal, record);
        }
        drop(journal);
        let text = journal_text(dir.path());
        let mut lines: Vec<&str> = text.lines().collect();
        lines[1] = &lines[1][..40];
        let damaged = lines.join("\n") + "\n";
        fs::write(dir.path().join(JOURNAL_FILE), &damaged).unwrap();
        match Journal::open(dir.path()) {
            Err(JournalError::Corrupt { line: 2, .. }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(journal_text(dir.path()), damaged);

        // Valid JSON that is not an entry is damage too, even on the last line.
        fs::write(dir.path().join(JOURNAL_FILE), format!("{}\n{{\"type\":\"exploded\"}}\n", lines[0])).unwrap();
        assert!(matches!(Journal::open(dir.path()), Err(JournalError::Corrupt { line: 2, .. })));
        // So is a record that does not follow the ones before it.
        let skipped = format!("{}\n{}\n", lines[0], lines[2]);
        fs::write(dir.path().join(JOURNAL_FILE), skipped).unwrap();
        assert!(matches!(Journal::open(dir.path()), Err(JournalError::Corrupt { line: 2, .. })));
    }

    #[test]
    fn entries_that_do_not_fit_are_refused_and_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let records = sample_records(&pool());
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        assert!(matches!(
            journal.append(&JournalEntry::Committed {
                record: records[1].clone()
            }),
            Err(JournalError::Refused(_))
        ));
        assert!(matches!(
            journal.append(&JournalEntry::Revealed { sequence: 0, at: at(0) }),
            Err(JournalError::Refused(_))
        ));
        commit(&mut journal, &records[0]);
        let error = journal
            .append(&JournalEntry::Committed {
                record: records[0].clone(),
            })
            .unwrap_err();
        assert!(error.to_string().contains("sequence: expected 1, found 0"), "{error}");
        assert_eq!(journal_text(dir.path()).lines().count(), 1);
    }

    #[test]
    fn committed_but_unrevealed_record_is_pending_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let records = sample_records(&pool());
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        commit(&mut journal, &records[0]);
        journal.append(&JournalEntry::Revealed { sequence: 0, at: at(5) }).unwrap();
        commit(&mut journal, &records[1]);
        drop(journal); // crash before the reveal

        let (mut journal, replayed) = Journal::open(dir.path()).unwrap();
        assert_eq!(replayed.pending_reveal(), Some(&records[1]));
        journal.append(&JournalEntry::Revealed { sequence: 1, at: at(200) }).unwrap();
        assert_eq!(journal.view().pending_reveal(), None);
        assert_eq!(journal.view().records[1].revealed_at, Some(at(200)));
    }

    #[test]
    fn unacknowledged_lists_revealed_records_without_an_answer() {
        let dir = tempfile::tempdir().unwrap();
        let records = sample_records(&pool());
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        for record in &records {
            commit(&mut journal, record);
            journal
                .append(&JournalEntry::Revealed {
                    sequence: record.sequence,
                    at: at(1),
                })
                .unwrap();
        }
        let sequences = |j: &Journal| j.view().unacknowledged().iter().map(|r| r.sequence).collect::<Vec<_>>();
        assert_eq!(sequences(&journal), [0, 1, 2]);
        journal
            .append(&JournalEntry::Acknowledged {
                sequence: 1,
                server_status: 200,
                at: at(2),
            })
            .unwrap();
        journal
            .append(&JournalEntry::Conflict {
                sequence: 2,
                server_result: serde_json::json!({}),
                at: at(3),
            })
            .unwrap();
        assert_eq!(sequences(&journal), [0]);
        drop(journal);
        let (_, replayed) = Journal::open(dir.path()).unwrap();
        assert_eq!(replayed.unacknowledged().iter().map(|r| r.sequence).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn idempotency_keys_follow_the_contract() {
        let records = sample_records(&pool());
        let commitment = &records[0].seed_commitment[..16];
        assert_eq!(idempotency_key(&records[0]), format!("draw-tv-1-{commitment}"));
        assert_eq!(
            idempotency_key(&records[1]),
            format!("draw-tv-2-{}", &records[1].seed_commitment[..16])
        );
        assert_eq!(
            idempotency_key(&records[2]),
            format!("draw-tv-3-{}-r2", &records[2].seed_commitment[..16])
        );
    }

    #[test]
    fn wire_result_is_the_contract_body_and_stable() {
        let mut record = sample_records(&pool()).remove(0);
        record.revealed_at = Some(DateTime::from_timestamp(1_800_000_030, 500_000_000).unwrap());
        let wire = to_wire_result(&record);
        let expected = serde_json::json!({
            "version": 1,
            "prize_id": "tv",
            "batch": 1,
            "seed_commitment": record.seed_commitment,
            "seed": record.seed,
            "tickets_hash": record.tickets_hash,
            "algorithm": "chacha20-v1",
            "winners": [record.winners[0].ticket, record.winners[1].ticket],
            "drawn_at": "2027-01-15T08:00:00Z",
        });
        assert_eq!(wire, expected);
        assert_eq!(to_wire_result(&record), wire);
        // A reveal after a restart must not change the body the server already has.
        record.revealed_at = None;
        assert_eq!(to_wire_result(&record), wire);
        record.committed_at = None;
        record.revealed_at = Some(DateTime::from_timestamp(1_800_000_030, 0).unwrap());
        assert_eq!(to_wire_result(&record)["drawn_at"], "2027-01-15T08:00:30Z");
    }

    /// Issue 17: a Korean prize id made a key the server refuses (printable ASCII only).
    #[test]
    fn keys_of_any_prize_id_are_printable_ascii_and_stable_for_plain_ids() {
        let mut record = sample_records(&pool()).remove(0);
        let plain = idempotency_key(&record);
        assert!(plain.starts_with("draw-tv-1-"), "{plain}");
        for id in ["노트북-1", "prize with spaces", "50%-off", &"p".repeat(300)] {
            record.prize_id = id.to_string();
            let key = idempotency_key(&record);
            assert!(key.bytes().all(|b| b.is_ascii_graphic()) && key.len() <= 200, "{id}: {key}");
            assert_eq!(key, idempotency_key(&record), "stable");
        }
        record.prize_id = "노트북-1".into();
        let a = idempotency_key(&record);
        record.prize_id = "노트북-2".into();
        assert_ne!(a, idempotency_key(&record), "distinct ids, distinct keys");
    }

    /// Issue 17: the server learns which winner a replacement replaces, and why.
    #[test]
    fn a_replacement_says_whom_it_replaces_on_the_wire() {
        let records = sample_records(&pool());
        let replacement = records.iter().find(|r| r.replaces.is_some()).expect("the sample has a replacement");
        let wire = to_wire_result(replacement);
        assert_eq!(wire["replaces"], replacement.replaces.as_ref().unwrap().ticket);
        assert_eq!(wire["reason"], replacement.reason.clone().unwrap_or_default());
        let batch = records.iter().find(|r| r.replaces.is_none()).unwrap();
        assert!(to_wire_result(batch).get("replaces").is_none(), "batches stay as they were");
    }

    #[test]
    fn winners_csv_quotes_awkward_fields() {
        let records = sample_records(&pool());
        let mut odd = records.clone();
        odd[0].winners[0].holder = "Kim\nline2".into();
        odd[1].winners[1].holder = "Lee, S".into();
        odd[0].winners[1].holder = "say \"hi\"".into();
        odd[1].reason = Some("late\r".into());
        let absent = records[2].replaces.as_ref().unwrap().ticket;
        // status, prize name, display name: a no-show is marked, names are empty when unknown.
        let st = |t: u32| {
            if t == absent {
                ",no_show,,,NOT ANCHORED"
            } else {
                ",won,,,NOT ANCHORED"
            }
        };
        let csv = winners_csv(&odd, Some("tv"));
        let lines: Vec<&str> = csv.split('\n').collect();
        assert_eq!(
            lines[0],
            "prize_id,batch,ticket,holder,replaces,reason,drawn_at,status,prize_name,display_name,anchored"
        );
        assert_eq!(lines[1], format!("tv,1,{},\"Kim", odd[0].winners[0].ticket));
        assert_eq!(lines[2], format!("line2\",,,2027-01-15T08:00:00Z{}", st(odd[0].winners[0].ticket)));
        assert_eq!(
            lines[3],
            format!(
                "tv,1,{},\"say \"\"hi\"\"\",,,2027-01-15T08:00:00Z{}",
                odd[0].winners[1].ticket,
                st(odd[0].winners[1].ticket)
            )
        );
        let EngineWinner { ticket, holder } = &odd[1].winners[0];
        assert_eq!(
            lines[4],
            format!("tv,2,{ticket},{holder},,\"late\r\",2027-01-15T08:01:40Z{}", st(*ticket))
        );
        assert_eq!(
            lines[5],
            format!(
                "tv,2,{},\"Lee, S\",,\"late\r\",2027-01-15T08:01:40Z{}",
                odd[1].winners[1].ticket,
                st(odd[1].winners[1].ticket)
            )
        );
        let replaced = &records[2];
        let EngineWinner { ticket, holder } = &replaced.winners[0];
        let row = format!("tv,3,{ticket},{holder},{absent},\"not here, \"\"called\"\" 3x\",2027-01-15T08:03:20Z,won,,,NOT ANCHORED");
        assert_eq!(lines[6], row);
        assert_eq!(lines.len(), 8); // header, 5 winners (one holder spans two lines), trailing ""
        assert!(csv.contains(",no_show,,"), "the replaced winner is marked:\n{csv}");
        assert_eq!(
            winners_csv(&records, Some("other")),
            "prize_id,batch,ticket,holder,replaces,reason,drawn_at,status,prize_name,display_name,anchored\n"
        );
        // With names: the prize's and each winner's display name.
        let names = WinnerNames {
            prizes: [("tv".to_string(), "4K TV · 티비".to_string())].into(),
            people: [(records[0].winners[0].ticket, "김*수".to_string())].into(),
        };
        let named = winners_csv_named(&records, Some("tv"), &names);
        let first = named.lines().nth(1).unwrap();
        assert!(first.ends_with(",4K TV · 티비,김*수,NOT ANCHORED"), "{first}");
    }

    #[test]
    fn tickets_snapshot_round_trips_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, _) = Journal::open(dir.path()).unwrap();
        let pool = pool();
        let hash = journal.save_tickets(&pool).unwrap();
        assert_eq!(hash, tickets_hash(&pool));
        let path = tickets_snapshot_path(dir.path(), &hash);
        assert_eq!(path.file_name().unwrap().to_string_lossy(), format!("tickets-{}.json", &hash[..16]));
        assert_eq!(journal.load_tickets(&hash).unwrap(), pool);
        assert_eq!(journal.save_tickets(&pool).unwrap(), hash);

        // A damaged snapshot is refused on load and rewritten on the next save.
        let mut edited = pool.clone();
        edited[3].holder = "someone else".into();
        fs::write(&path, serde_json::json!({"version": 1, "tickets": edited}).to_string()).unwrap();
        assert!(matches!(journal.load_tickets(&hash), Err(JournalError::Tickets { .. })));
        journal.save_tickets(&pool).unwrap();
        assert_eq!(journal.load_tickets(&hash).unwrap(), pool);
    }
}

/// Property tests of the journal reader (tests/parsers_prop.rs covers it through the files).
#[cfg(test)]
mod prop {
    use proptest::prelude::*;

    use super::tests::{pool, sample_records};
    use super::*;

    fn journal_bytes() -> Vec<u8> {
        let records = sample_records(&pool());
        let mut bytes = Vec::new();
        for record in &records {
            bytes.extend(serde_json::to_vec(&JournalEntry::Committed { record: record.clone() }).unwrap());
            bytes.push(b'\n');
        }
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_are_entries_or_a_clear_error(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            match parse_journal(&bytes) {
                Ok(parsed) => {
                    prop_assert!(parsed.intact_len <= bytes.len());
                    prop_assert!(parsed.warnings.len() <= 1);
                }
                Err(error) => {
                    let named_line = matches!(error, JournalError::Corrupt { line, .. } if line >= 1);
                    prop_assert!(named_line, "{}", error);
                }
            }
        }

        #[test]
        fn a_torn_last_line_loses_only_that_line(cut in 1usize..10_000, blank in "[ \t\r\n]{0,4}") {
            let whole = journal_bytes();
            let last_start = whole[..whole.len() - 1].iter().rposition(|&b| b == b'\n').unwrap() + 1;
            let cut = last_start + 1 + cut % (whole.len() - 2 - last_start);
            let mut torn = whole[..cut].to_vec();
            torn.extend_from_slice(blank.as_bytes());
            let parsed = parse_journal(&torn).unwrap();
            prop_assert_eq!(parsed.entries.len(), 2);
            prop_assert_eq!(parsed.intact_len, last_start);
            prop_assert_eq!(parsed.warnings.len(), 1);
            // Any byte of an earlier line damaged is an error naming that line, never a silent skip.
            let mut damaged = whole.clone();
            damaged[cut - last_start] = b'}';
            if let Err(error) = parse_journal(&damaged) {
                let earlier_line = matches!(error, JournalError::Corrupt { line: 1 | 2, .. });
                prop_assert!(earlier_line, "{}", error);
            }
        }
    }

    /// Found by tests/parsers_prop.rs: every blank line scanned the rest of the file, so a file
    /// ending in a megabyte of line ends took minutes to open.
    #[test]
    fn a_long_run_of_blank_lines_is_read_in_linear_time() {
        let mut bytes = journal_bytes();
        bytes.extend(std::iter::repeat_n(b'\n', 4 << 20));
        let parsed = parse_journal(&bytes).unwrap();
        assert_eq!(parsed.entries.len(), 3);
        assert!(parsed.warnings.is_empty());
    }
}
