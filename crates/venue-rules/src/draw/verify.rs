//! Independent check of a recorded draw: recomputes every audit record with the engine and
//! reports, per record, the winners or every field that differs, and whether it was anchored with
//! the event server. From a journal it also reports the trail around the results: every seed
//! commitment thrown away before it decided a draw (and those armed when the kiosk stopped), the
//! no-show replacements, changes of prizes that had results, ticket-list changes between draws
//! and the reset the journal follows. Those are reported, not failures: a draw is "VERIFIED" when
//! every record recomputes. Reads files only; never repairs.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::draw::engine::{
    AuditRecord, DrawState, EnginePrize, EngineTicket, VerifyError, describe_groups, fingerprint, tickets_hash, verify,
};
use crate::draw::journal::{JournalEntry, load_tickets_snapshot, parse_journal};

/// The outcome of [`verify_audit`]: `ok` only if there was at least one record and all check out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub ok: bool,
    pub lines: Vec<String>,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// Verifies an audit file: a draw journal (`.jsonl`) or a JSON array of audit records.
///
/// Tickets come from `tickets_path` (the contract's draw JSON, a tickets snapshot, a JSON array
/// of `{"number", "holder"}`, or a CSV with `number` and `holder` columns) and then apply to
/// every record; without it each record's pool is the snapshot matching its tickets_hash in the
/// audit file's directory. `Err` only when a file cannot be read or understood at all.
pub fn verify_audit(audit_path: &Path, tickets_path: Option<&Path>) -> Result<VerifyReport, String> {
    let (records, mut lines, trail) = read_audit(audit_path)?;
    let given_pool = match tickets_path {
        Some(path) => {
            let pool = read_tickets_file(path)?;
            lines.push(format!(
                "tickets: {} from {} (tickets_hash {})",
                pool.len(),
                path.display(),
                tickets_hash(&pool)
            ));
            Some(pool)
        }
        None => None,
    };
    let snapshot_dir = match audit_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut snapshots: HashMap<String, Result<Vec<EngineTicket>, String>> = HashMap::new();

    let mut ok = !records.is_empty();
    if records.is_empty() {
        lines.push(format!("no draw records in {}", audit_path.display()));
    }
    let mut failed = 0;
    let mut state = DrawState::new();
    for (index, record) in records.iter().enumerate() {
        let label = format!("prize {} batch {}", record.prize_id, record.batch);
        let pool = match &given_pool {
            Some(pool) => Ok(pool),
            None => snapshots
                .entry(record.tickets_hash.clone())
                .or_insert_with(|| load_tickets_snapshot(&snapshot_dir, &record.tickets_hash).map_err(|e| e.to_string()))
                .as_ref(),
        };
        match pool {
            // More winners than tickets cannot have been drawn from them, and recomputing would
            // first reserve room for every winner asked for (u32::MAX of them aborts the process).
            Ok(pool) if record.replaces.is_none() && u64::from(record.batch_size) > pool.len() as u64 => {
                failed += 1;
                lines.push(format!(
                    "FAIL {label} (record {index}): it asks for {} winners from {} tickets, so it cannot have been drawn from them",
                    record.batch_size,
                    pool.len()
                ));
            }
            Ok(pool) => match verify(record, pool, &state) {
                Ok(()) => {
                    lines.push(format!("OK {label}: {}", describe_winners(record)));
                    if !record.eligible_groups.is_empty() || !record.excluded_groups.is_empty() {
                        lines.push(format!(
                            "  drawn from {} eligible ticket(s): {}",
                            record.eligible_tickets,
                            describe_groups(&record.eligible_groups, &record.excluded_groups)
                        ));
                    }
                    lines.push(format!("  {}", describe_anchor(record)));
                }
                Err(VerifyError::Mismatch(differences)) => {
                    failed += 1;
                    lines.push(format!("MISMATCH {label} (record {index}):"));
                    for difference in &differences {
                        lines.push(format!("  {difference}"));
                    }
                    if differences.iter().any(|d| d.field == "tickets_hash") {
                        lines.push("  (the tickets are not the ones this draw ran on, so its winners cannot be confirmed)".to_owned());
                    }
                }
                Err(error) => {
                    failed += 1;
                    lines.push(format!("FAIL {label} (record {index}): {error}"));
                }
            },
            Err(reason) => {
                failed += 1;
                lines.push(format!(
                    "FAIL {label} (record {index}): no ticket list for tickets_hash {}: {reason}; pass the tickets file",
                    record.tickets_hash
                ));
            }
        }
        // Later records are checked against the history as recorded, even after a bad one.
        if let Err(error) = state.apply(record) {
            failed += 1;
            let unchecked = records.len() - index - 1;
            lines.push(format!(
                "FAIL record {index} does not follow the records before it ({error}); {unchecked} later record(s) not checked"
            ));
            break;
        }
    }
    report_trail(&records, &trail, &snapshot_dir, &mut lines);
    if failed > 0 {
        ok = false;
        lines.push(format!("NOT VERIFIED: {failed} problem(s) in {} record(s)", records.len()));
    } else if ok {
        lines.push(format!("VERIFIED: all {} record(s) match a recomputation", records.len()));
    }
    Ok(VerifyReport { ok, lines })
}

/// Whether and how a record was anchored, for its line in the report.
fn describe_anchor(record: &AuditRecord) -> String {
    match (&record.server_nonce, &record.not_anchored) {
        (Some(nonce), _) => format!(
            "anchored: the event server registered commitment {} at {} (server nonce {})",
            fingerprint(&record.seed_commitment),
            record
                .anchored_at
                .map_or_else(|| "an unrecorded time".to_owned(), |at| at.to_rfc3339()),
            fingerprint(nonce)
        ),
        (None, Some(reason)) => format!("NOT ANCHORED: {reason}"),
        (None, None) => "NOT ANCHORED (recorded before anchoring existed)".to_owned(),
    }
}

/// The journal's entries besides the results, in order.
type Trail = Vec<JournalEntry>;

/// Reports the trail: resets, armed and discarded commitments, anchoring, replacements, prize and
/// ticket-list changes.
fn report_trail(records: &[AuditRecord], trail: &Trail, dir: &Path, lines: &mut Vec<String>) {
    for entry in trail {
        if let JournalEntry::Reset {
            archived,
            archived_sha256,
            archived_records,
            at,
        } = entry
        {
            let found = match fs::read(dir.join(archived)) {
                Ok(bytes) => {
                    use sha2::{Digest, Sha256};
                    if hex::encode(Sha256::digest(&bytes)).eq_ignore_ascii_case(archived_sha256) {
                        "the archive is here and matches its hash".to_owned()
                    } else {
                        "the archive here DOES NOT MATCH its hash: it changed after the reset".to_owned()
                    }
                }
                Err(_) => "the archive is not in this directory".to_owned(),
            };
            lines.push(format!(
                "RESET at {}: this journal follows {archived} ({archived_records} result(s), SHA-256 {archived_sha256}); {found}",
                at.to_rfc3339()
            ));
        }
    }

    let anchored = records.iter().filter(|r| r.is_anchored()).count();
    if !records.is_empty() {
        let unanchored = records.len() - anchored;
        lines.push(if unanchored == 0 {
            format!("anchoring: all {} result(s) anchored with the event server", records.len())
        } else {
            format!(
                "anchoring: {anchored} of {} result(s) anchored with the event server; {unanchored} NOT ANCHORED",
                records.len()
            )
        });
    }

    // Armed commitments: each either decided a draw, was thrown away, or was armed at a stop.
    let mut armed: Vec<(&str, String)> = Vec::new();
    let mut discarded: HashMap<&str, String> = HashMap::new();
    let mut failed_anchors: HashMap<&str, &str> = HashMap::new();
    for entry in trail {
        match entry {
            JournalEntry::Armed {
                seed_commitment,
                prize_id,
                at,
            } => armed.push((
                seed_commitment,
                format!(
                    "armed {}{}",
                    at.to_rfc3339(),
                    prize_id.as_ref().map(|p| format!(" (prize {p} on screen)")).unwrap_or_default()
                ),
            )),
            JournalEntry::Discarded {
                seed_commitment,
                reason,
                at,
            } => {
                discarded.insert(seed_commitment, format!("thrown away {}: {reason}", at.to_rfc3339()));
            }
            JournalEntry::AnchorFailed {
                seed_commitment, reason, ..
            } => {
                failed_anchors.insert(seed_commitment, reason);
            }
            _ => {}
        }
    }
    if armed.is_empty() {
        if !records.is_empty() {
            lines.push(
                "seed commitments: this journal has no armed-commitment entries (written before they were kept), so seeds thrown away cannot be listed"
                    .to_owned(),
            );
        }
    } else {
        let used: std::collections::HashSet<&str> = records.iter().map(|r| r.seed_commitment.as_str()).collect();
        let thrown = armed.iter().filter(|(c, _)| discarded.contains_key(c) && !used.contains(c)).count();
        let open = armed
            .iter()
            .filter(|(c, _)| !discarded.contains_key(c) && !used.contains(c))
            .count();
        lines.push(format!(
            "seed commitments: {} armed, {} decided a draw, {thrown} DISCARDED before a draw, {open} armed and never drawn (the kiosk stopped, or still armed)",
            armed.len(),
            used.len()
        ));
        for (commitment, when) in &armed {
            if used.contains(commitment) {
                continue;
            }
            let anchor = failed_anchors
                .get(commitment)
                .map(|r| format!(" (not registered: {r})"))
                .unwrap_or_default();
            match discarded.get(commitment) {
                Some(how) => lines.push(format!("  DISCARDED {}: {when}, {how}{anchor}", fingerprint(commitment))),
                None => lines.push(format!("  ARMED, NEVER DRAWN {}: {when}{anchor}", fingerprint(commitment))),
            }
        }
        let armed_set: std::collections::HashSet<&str> = armed.iter().map(|(c, _)| *c).collect();
        for record in records.iter().filter(|r| !armed_set.contains(r.seed_commitment.as_str())) {
            lines.push(format!(
                "  note: the commitment of prize {} batch {} ({}) was not journaled as armed",
                record.prize_id,
                record.batch,
                fingerprint(&record.seed_commitment)
            ));
        }
    }

    for record in records {
        if let Some(absent) = &record.replaces {
            lines.push(format!(
                "REPLACEMENT prize {} batch {}: no-show #{} replaced by {} ({})",
                record.prize_id,
                record.batch,
                absent.ticket,
                record
                    .winners
                    .iter()
                    .map(|w| format!("#{}", w.ticket))
                    .collect::<Vec<_>>()
                    .join(", "),
                record.reason.as_deref().unwrap_or("no reason given")
            ));
        }
    }

    for entry in trail {
        match entry {
            JournalEntry::PrizeChanged {
                prize_id,
                before,
                after,
                at,
            } => {
                lines.push(format!(
                    "PRIZE CHANGED after results: {prize_id} at {}: {}",
                    at.to_rfc3339(),
                    describe_prize_change(before, after.as_ref())
                ));
            }
            JournalEntry::TicketsChanged {
                from_hash,
                to_hash,
                tickets,
                at,
            } => lines.push(format!(
                "TICKETS CHANGED at {}: {} → {} ({tickets} ticket(s))",
                at.to_rfc3339(),
                fingerprint(from_hash),
                fingerprint(to_hash)
            )),
            _ => {}
        }
    }
    for pair in records.windows(2) {
        if pair[0].tickets_hash != pair[1].tickets_hash {
            lines.push(format!(
                "ticket list changed between prize {} batch {} and prize {} batch {}: {} → {}",
                pair[0].prize_id,
                pair[0].batch,
                pair[1].prize_id,
                pair[1].batch,
                fingerprint(&pair[0].tickets_hash),
                fingerprint(&pair[1].tickets_hash)
            ));
        }
    }
}

fn describe_prize_change(before: &EnginePrize, after: Option<&EnginePrize>) -> String {
    let Some(after) = after else {
        return "removed from the draw data".to_owned();
    };
    let mut changes = Vec::new();
    if before.winner_count != after.winner_count {
        changes.push(format!("winner_count {} → {}", before.winner_count, after.winner_count));
    }
    if before.allow_previous_winners != after.allow_previous_winners {
        changes.push(format!(
            "allow_previous_winners {} → {}",
            before.allow_previous_winners, after.allow_previous_winners
        ));
    }
    if before.batch_size != after.batch_size {
        let show = |b: Option<u32>| b.map_or_else(|| "all".to_owned(), |b| b.to_string());
        changes.push(format!("batch_size {} → {}", show(before.batch_size), show(after.batch_size)));
    }
    if before.eligible_groups != after.eligible_groups || before.excluded_groups != after.excluded_groups {
        changes.push(format!(
            "groups {} → {}",
            describe_groups(&before.eligible_groups, &before.excluded_groups),
            describe_groups(&after.eligible_groups, &after.excluded_groups)
        ));
    }
    if changes.is_empty() {
        "no setting changed".to_owned()
    } else {
        changes.join(", ")
    }
}

/// Fails the whole run only where nothing per-record can be said.
fn read_audit(path: &Path) -> Result<(Vec<AuditRecord>, Vec<String>, Trail), String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let bytes = strip_bom(&bytes);
    let mut notes = vec![format!("audit: {}", path.display())];
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        let records = serde_json::from_slice(bytes).map_err(|e| format!("{} is not a JSON array of audit records: {e}", path.display()))?;
        return Ok((records, notes, Trail::new()));
    }
    let parsed = parse_journal(bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    notes.extend(parsed.warnings.into_iter().map(|w| format!("note: {w}")));
    let mut records: Vec<AuditRecord> = Vec::new();
    let mut trail = Trail::new();
    for (_, entry) in parsed.entries {
        match entry {
            JournalEntry::Committed { record } => records.push(record),
            // Same fill-in as the journal's replay, so both forms of an audit check alike.
            JournalEntry::Revealed { sequence, at } => {
                if let Some(record) = records.iter_mut().find(|r| r.sequence == sequence) {
                    record.revealed_at = record.revealed_at.or(Some(at));
                }
            }
            JournalEntry::Acknowledged { .. } | JournalEntry::Conflict { .. } => {}
            other => trail.push(other),
        }
    }
    Ok((records, notes, trail))
}

fn describe_winners(record: &AuditRecord) -> String {
    let tickets: Vec<String> = record.winners.iter().map(|w| format!("#{}", w.ticket)).collect();
    let winners = format!("winner{} {}", if tickets.len() == 1 { "" } else { "s" }, tickets.join(", "));
    match &record.replaces {
        Some(absent) => format!("{winners} (replaces no-show #{})", absent.ticket),
        None => winners,
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Reads a ticket list: JSON (an object with `tickets`, or an array) or CSV.
pub fn read_tickets_file(path: &Path) -> Result<Vec<EngineTicket>, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let bytes = strip_bom(&bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[')) {
        return tickets_from_json(bytes).map_err(|e| format!("{}: {e}", path.display()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text; save it as \"CSV UTF-8\"", path.display()))?;
    tickets_from_csv(text).map_err(|e| format!("{}: {e}", path.display()))
}

fn tickets_from_json(bytes: &[u8]) -> Result<Vec<EngineTicket>, String> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let tickets = if value.is_array() {
        value
    } else {
        match value.get_mut("tickets") {
            Some(tickets) => tickets.take(),
            None => return Err("a JSON ticket list needs a \"tickets\" array".to_owned()),
        }
    };
    // Extra fields such as the contract's display_name are ignored.
    serde_json::from_value(tickets).map_err(|e| format!("the tickets are not a list of {{\"number\", \"holder\"}}: {e}"))
}

fn tickets_from_csv(text: &str) -> Result<Vec<EngineTicket>, String> {
    let rows = venue_contract::csv::records(text)?;
    let Some((_, header)) = rows.first() else {
        return Err("the CSV file is empty".to_owned());
    };
    let column = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let groups_at = column("groups");
    let (Some(number_at), Some(holder_at)) = (column("number"), column("holder")) else {
        return Err(format!(
            "the CSV header needs \"number\" and \"holder\" columns, found: {}",
            header.join(",")
        ));
    };
    let mut tickets = Vec::new();
    for (line, row) in &rows[1..] {
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let field = |at: usize| row.get(at).map(String::as_str).unwrap_or("");
        let number = field(number_at).trim();
        let number = number
            .parse()
            .map_err(|_| format!("line {line}: ticket number \"{number}\" is not a whole number"))?;
        // Holders are compared exactly by the draw, so they are not trimmed.
        let groups = match groups_at {
            Some(at) => venue_contract::groups::parse(field(at)).map_err(|e| format!("line {line}: {e}"))?,
            None => Vec::new(),
        };
        tickets.push(EngineTicket {
            number,
            holder: field(holder_at).to_owned(),
            groups,
        });
    }
    Ok(tickets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::engine::EngineWinner;
    use crate::draw::journal::tests::{pool, sample_records};
    use crate::draw::journal::{JOURNAL_FILE, Journal, JournalEntry, tickets_snapshot_path};

    /// A journal directory with the sample draws, their reveals and the tickets snapshot.
    fn genuine_journal() -> (tempfile::TempDir, Vec<AuditRecord>) {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool();
        let records = sample_records(&pool);
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        journal.save_tickets(&pool).unwrap();
        for record in &records {
            journal.append(&JournalEntry::Committed { record: record.clone() }).unwrap();
            let at = record.committed_at.unwrap() + chrono::Duration::seconds(30);
            journal
                .append(&JournalEntry::Revealed {
                    sequence: record.sequence,
                    at,
                })
                .unwrap();
        }
        journal
            .append(&JournalEntry::Acknowledged {
                sequence: 0,
                server_status: 201,
                at: records[0].committed_at.unwrap(),
            })
            .unwrap();
        (dir, records)
    }

    fn winners_line(record: &AuditRecord) -> String {
        let tickets: Vec<String> = record.winners.iter().map(|w| format!("#{}", w.ticket)).collect();
        format!(
            "OK prize {} batch {}: winners {}",
            record.prize_id,
            record.batch,
            tickets.join(", ")
        )
    }

    #[test]
    fn genuine_journal_verifies_from_its_directory_alone() {
        let (dir, records) = genuine_journal();
        let report = verify_audit(&dir.path().join(JOURNAL_FILE), None).unwrap();
        assert!(report.ok, "{report}");
        assert!(report.lines.contains(&winners_line(&records[0])), "{report}");
        assert!(report.lines.contains(&winners_line(&records[1])), "{report}");
        let replacement = format!(
            "OK prize tv batch 3: winner #{} (replaces no-show #{})",
            records[2].winners[0].ticket,
            records[2].replaces.as_ref().unwrap().ticket
        );
        assert!(report.lines.contains(&replacement), "{report}");
        assert!(report.to_string().contains("VERIFIED: all 3 record(s)"), "{report}");

        // The same records as a JSON array, with the contract's draw JSON as the ticket list.
        let array = dir.path().join("audit.json");
        fs::write(&array, serde_json::to_string_pretty(&records).unwrap()).unwrap();
        let tickets: Vec<serde_json::Value> = pool()
            .iter()
            .map(|t| serde_json::json!({"number": t.number, "display_name": "K*m", "holder": t.holder}))
            .collect();
        let draw = dir.path().join("draw.json");
        fs::write(
            &draw,
            serde_json::json!({"version": 1, "prizes": [], "tickets": tickets}).to_string(),
        )
        .unwrap();
        let report = verify_audit(&array, Some(&draw)).unwrap();
        assert!(report.ok, "{report}");
    }

    #[test]
    fn tampered_winner_is_reported_with_expected_and_found() {
        let (dir, records) = genuine_journal();
        let path = dir.path().join(JOURNAL_FILE);
        let genuine = records[1].winners[1].clone();
        let impostor = pool()
            .into_iter()
            .find(|t| records.iter().all(|r| r.winners.iter().all(|w| w.holder != t.holder)))
            .unwrap();
        let forged = EngineWinner {
            ticket: impostor.number,
            holder: impostor.holder,
        };
        let text = fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut record = records[1].clone();
        record.winners[1] = forged.clone();
        lines[2] = serde_json::to_string(&JournalEntry::Committed { record }).unwrap();
        fs::write(&path, lines.join("\n") + "\n").unwrap();

        let report = verify_audit(&path, None).unwrap();
        assert!(!report.ok, "{report}");
        assert!(
            report.lines.contains(&"MISMATCH prize tv batch 2 (record 1):".to_owned()),
            "{report}"
        );
        assert!(
            report.lines.contains(&format!("  winners[1]: expected {genuine}, found {forged}")),
            "{report}"
        );
        assert!(report.lines.contains(&winners_line(&records[0])), "{report}");
        assert!(report.to_string().contains("NOT VERIFIED"), "{report}");
    }

    #[test]
    fn wrong_tickets_file_is_a_tickets_hash_mismatch() {
        let (dir, records) = genuine_journal();
        let mut other = pool();
        other.retain(|t| t.number != records[0].winners[0].ticket);
        let draw = dir.path().join("other.json");
        fs::write(&draw, serde_json::json!({"tickets": other}).to_string()).unwrap();
        let report = verify_audit(&dir.path().join(JOURNAL_FILE), Some(&draw)).unwrap();
        assert!(!report.ok);
        let hash_line = format!(
            "  tickets_hash: expected {}, found {}",
            tickets_hash(&other),
            records[0].tickets_hash
        );
        assert!(report.lines.contains(&hash_line), "{report}");
        assert!(report.to_string().contains("tickets are not the ones this draw ran on"));
    }

    #[test]
    fn missing_snapshot_is_reported_per_record() {
        let (dir, records) = genuine_journal();
        fs::remove_file(tickets_snapshot_path(dir.path(), &records[0].tickets_hash)).unwrap();
        let report = verify_audit(&dir.path().join(JOURNAL_FILE), None).unwrap();
        assert!(!report.ok);
        assert!(
            report
                .lines
                .iter()
                .filter(|l| l.starts_with("FAIL prize tv batch ") && l.contains("no ticket list for tickets_hash"))
                .count()
                == 3,
            "{report}"
        );
    }

    #[test]
    fn a_draw_with_groups_verifies_and_a_forged_one_is_a_mismatch() {
        use crate::draw::engine::{EnginePrize, draw_batch};
        let dir = tempfile::tempdir().unwrap();
        let mut pool = pool();
        for t in pool.iter_mut().filter(|t| t.number % 3 == 0) {
            t.groups = vec!["staff".into()];
        }
        let main = EnginePrize {
            id: "main".into(),
            winner_count: 4,
            allow_previous_winners: false,
            batch_size: None,
            eligible_groups: Vec::new(),
            excluded_groups: vec!["staff".into()],
        };
        let record = draw_batch(&mut DrawState::new(), &pool, &main, None, [5u8; 32]).unwrap().record;
        assert!(record.winners.iter().all(|w| w.ticket % 3 != 0), "{record:?}");
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        journal.save_tickets(&pool).unwrap();
        journal.append(&JournalEntry::Committed { record: record.clone() }).unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        let report = verify_audit(&path, None).unwrap();
        assert!(report.ok, "{report}");
        assert!(
            report.lines.iter().any(|l| l.contains("eligible ticket(s): excluding staff")),
            "{report}"
        );

        // The same tickets as CSV with a groups column verify too; without the column they do not.
        let mut csv = String::from("number,holder,groups\n");
        for t in &pool {
            csv.push_str(&format!("{},{},{}\n", t.number, t.holder, t.groups.join(";")));
        }
        let with_groups = dir.path().join("tickets.csv");
        fs::write(&with_groups, &csv).unwrap();
        assert!(verify_audit(&path, Some(&with_groups)).unwrap().ok);
        let plain = dir.path().join("plain.csv");
        let text: String = pool.iter().map(|t| format!("{},{}\n", t.number, t.holder)).collect();
        fs::write(&plain, format!("number,holder\n{text}")).unwrap();
        let report = verify_audit(&path, Some(&plain)).unwrap();
        assert!(!report.ok && report.to_string().contains("tickets_hash"), "{report}");

        // A record whose excluded groups were removed afterwards does not recompute.
        let mut forged = record.clone();
        forged.excluded_groups.clear();
        let array = dir.path().join("forged.json");
        fs::write(&array, serde_json::to_string(&[forged]).unwrap()).unwrap();
        let report = verify_audit(&array, Some(&with_groups)).unwrap();
        assert!(!report.ok, "{report}");
        assert!(
            report.lines.iter().any(|l| l.starts_with("  eligible_tickets: expected ")),
            "{report}"
        );
    }

    #[test]
    fn empty_audit_is_not_verified() {
        let dir = tempfile::tempdir().unwrap();
        Journal::open(dir.path()).unwrap();
        let report = verify_audit(&dir.path().join(JOURNAL_FILE), None).unwrap();
        assert!(!report.ok);
        assert!(report.lines[1].starts_with("no draw records in "), "{report}");
        assert!(
            verify_audit(&dir.path().join("absent.jsonl"), None)
                .unwrap_err()
                .starts_with("cannot read ")
        );
    }

    #[test]
    fn csv_tickets_work() {
        let (dir, _) = genuine_journal();
        let mut csv = String::from("\u{feff}display_name,Number,holder\r\n");
        for ticket in pool() {
            csv.push_str(&format!("\"Kim, \"\"J\"\"\",{},{}\r\n", ticket.number, ticket.holder));
        }
        csv.push_str(",,\r\n");
        let path = dir.path().join("tickets.csv");
        fs::write(&path, csv).unwrap();
        assert_eq!(read_tickets_file(&path).unwrap(), pool());
        let report = verify_audit(&dir.path().join(JOURNAL_FILE), Some(&path)).unwrap();
        assert!(report.ok, "{report}");

        fs::write(&path, "number,holder\n1,a\nx2,b\n").unwrap();
        assert!(read_tickets_file(&path).unwrap_err().contains("line 3: ticket number \"x2\""));
        fs::write(&path, "number,name\n1,a\n").unwrap();
        assert!(read_tickets_file(&path).unwrap_err().contains("\"number\" and \"holder\""));
    }

    /// Found by tests/parsers_prop.rs: a record claiming u32::MAX winners in a batch made the
    /// recomputation reserve room for all of them (146 GB) and abort verify-draw.
    #[test]
    fn record_asking_for_billions_of_winners_fails_without_aborting() {
        let (dir, records) = genuine_journal();
        let mut forged = records.clone();
        forged[1].winner_count = u32::MAX;
        forged[1].batch_size = u32::MAX;
        let path = dir.path().join("forged.json");
        fs::write(&path, serde_json::to_string(&forged).unwrap()).unwrap();
        let report = verify_audit(&path, None).unwrap();
        assert!(!report.ok, "{report}");
        assert!(
            report.lines.contains(&format!(
                "FAIL prize tv batch 2 (record 1): it asks for {} winners from 40 tickets, so it cannot have been drawn from them",
                u32::MAX
            )),
            "{report}"
        );
        assert!(report.lines.contains(&winners_line(&records[0])), "{report}");
    }

    #[test]
    fn csv_tickets_with_quotes_and_line_breaks() {
        let tickets = tickets_from_csv("number,holder\n\"7\",\"h,7\"\r\n\n8,\"two\nlines\"\n").unwrap();
        assert_eq!(
            tickets.iter().map(|t| (t.number, t.holder.as_str())).collect::<Vec<_>>(),
            [(7, "h,7"), (8, "two\nlines")]
        );
        assert!(tickets_from_csv("number,holder\n1,\"open\n").unwrap_err().contains("line 2"));
    }

    /// A kiosk that grinds seeds: many armed commitments thrown away before one decides a draw,
    /// an anchored draw, a prize and a ticket change, after a reset. verify-draw lists it all.
    #[test]
    fn the_trail_of_a_grinding_kiosk_is_reported() {
        use crate::draw::engine::{EnginePrize, ServerAnchor, draw_batch_anchored, seed_commitment};
        let dir = tempfile::tempdir().unwrap();
        let pool = pool();
        let at = |s: i64| chrono::DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap();
        // An old journal, reset: the new one links to it with its hash.
        let (mut old, _) = Journal::open(dir.path()).unwrap();
        old.append(&JournalEntry::Armed {
            seed_commitment: "ab".repeat(32),
            prize_id: None,
            at: at(0),
        })
        .unwrap();
        drop(old);
        let archive = crate::draw::journal::reset(dir.path(), "20261204-101010", at(1)).unwrap();
        let (mut journal, replayed) = Journal::open(dir.path()).unwrap();
        assert!(replayed.records.is_empty());
        journal.save_tickets(&pool).unwrap();
        let mut commitments = Vec::new();
        for i in 0..9u8 {
            let commitment = seed_commitment(&[100 + i; 32]);
            journal
                .append(&JournalEntry::Armed {
                    seed_commitment: commitment.clone(),
                    prize_id: Some("tv".into()),
                    at: at(10 + i64::from(i)),
                })
                .unwrap();
            journal
                .append(&JournalEntry::Discarded {
                    seed_commitment: commitment.clone(),
                    reason: "Esc: the operator threw the armed seed away".into(),
                    at: at(11 + i64::from(i)),
                })
                .unwrap();
            commitments.push(commitment);
        }
        let seed = [200u8; 32];
        journal
            .append(&JournalEntry::Armed {
                seed_commitment: seed_commitment(&seed),
                prize_id: Some("tv".into()),
                at: at(30),
            })
            .unwrap();
        let anchor = ServerAnchor {
            server_nonce: hex::encode([5u8; 32]),
            registered_at: at(31),
        };
        let tv = EnginePrize {
            id: "tv".into(),
            winner_count: 2,
            allow_previous_winners: false,
            batch_size: None,
            eligible_groups: Vec::new(),
            excluded_groups: Vec::new(),
        };
        let mut record = draw_batch_anchored(&mut DrawState::new(), &pool, &tv, None, seed, Some(&anchor))
            .unwrap()
            .record;
        record.committed_at = Some(at(32));
        journal.append(&JournalEntry::Committed { record: record.clone() }).unwrap();
        journal
            .append(&JournalEntry::PrizeChanged {
                prize_id: "tv".into(),
                before: tv.clone(),
                after: Some(EnginePrize {
                    winner_count: 3,
                    ..tv.clone()
                }),
                at: at(40),
            })
            .unwrap();
        journal
            .append(&JournalEntry::TicketsChanged {
                from_hash: record.tickets_hash.clone(),
                to_hash: "cd".repeat(32),
                tickets: 41,
                at: at(41),
            })
            .unwrap();
        journal
            .append(&JournalEntry::Armed {
                seed_commitment: "ef".repeat(32),
                prize_id: Some("tv".into()),
                at: at(42),
            })
            .unwrap();
        drop(journal);
        let (_, replayed) = Journal::open(dir.path()).unwrap();
        assert_eq!(
            replayed.open_commitments,
            ["ef".repeat(32)],
            "armed at the stop, to discard at the next start"
        );

        let report = verify_audit(&dir.path().join(JOURNAL_FILE), None).unwrap();
        let text = report.to_string();
        assert!(report.ok, "{text}");
        assert!(text.contains("anchored: the event server registered commitment"), "{text}");
        assert!(text.contains("anchoring: all 1 result(s) anchored"), "{text}");
        assert!(
            text.contains("seed commitments: 11 armed, 1 decided a draw, 9 DISCARDED before a draw, 1 armed and never drawn"),
            "{text}"
        );
        for commitment in &commitments {
            assert!(
                text.contains(&format!("  DISCARDED {}: armed ", fingerprint(commitment))),
                "{commitment}: {text}"
            );
        }
        assert!(
            text.contains(&format!("  ARMED, NEVER DRAWN {}", fingerprint(&"ef".repeat(32)))),
            "{text}"
        );
        assert!(text.contains("PRIZE CHANGED after results: tv at"), "{text}");
        assert!(text.contains("winner_count 2 → 3"), "{text}");
        assert!(text.contains("TICKETS CHANGED at"), "{text}");
        let name = archive.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            text.contains(&format!(
                "RESET at 2027-01-15T08:00:01+00:00: this journal follows {name} (0 result(s)"
            )),
            "{text}"
        );
        assert!(text.contains("the archive is here and matches its hash"), "{text}");
        // A changed archive is caught.
        fs::write(&archive, "{}\n").unwrap();
        let text = verify_audit(&dir.path().join(JOURNAL_FILE), None).unwrap().to_string();
        assert!(text.contains("DOES NOT MATCH its hash"), "{text}");
    }

    #[test]
    fn an_old_journal_without_the_trail_still_verifies_and_says_what_it_lacks() {
        let (dir, _) = genuine_journal();
        let report = verify_audit(&dir.path().join(JOURNAL_FILE), None).unwrap();
        assert!(report.ok, "{report}");
        let text = report.to_string();
        assert!(text.contains("NOT ANCHORED (recorded before anchoring existed)"), "{text}");
        assert!(
            text.contains("anchoring: 0 of 3 result(s) anchored with the event server; 3 NOT ANCHORED"),
            "{text}"
        );
        assert!(text.contains("no armed-commitment entries"), "{text}");
        assert!(text.contains("REPLACEMENT prize tv batch 3: no-show #"), "{text}");
    }
}
