//! Independent check of a recorded draw: recomputes every audit record with the engine and
//! reports, per record, the winners or every field that differs. Reads files only; never repairs.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::draw::engine::{AuditRecord, DrawState, EngineTicket, VerifyError, tickets_hash, verify};
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
    let (records, mut lines) = read_audit(audit_path)?;
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
                Ok(()) => lines.push(format!("OK {label}: {}", describe_winners(record))),
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
    if failed > 0 {
        ok = false;
        lines.push(format!("NOT VERIFIED: {failed} problem(s) in {} record(s)", records.len()));
    } else if ok {
        lines.push(format!("VERIFIED: all {} record(s) match a recomputation", records.len()));
    }
    Ok(VerifyReport { ok, lines })
}

/// Fails the whole run only where nothing per-record can be said.
fn read_audit(path: &Path) -> Result<(Vec<AuditRecord>, Vec<String>), String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let bytes = strip_bom(&bytes);
    let mut notes = vec![format!("audit: {}", path.display())];
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        let records = serde_json::from_slice(bytes).map_err(|e| format!("{} is not a JSON array of audit records: {e}", path.display()))?;
        return Ok((records, notes));
    }
    let parsed = parse_journal(bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    notes.extend(parsed.warnings.into_iter().map(|w| format!("note: {w}")));
    let mut records: Vec<AuditRecord> = Vec::new();
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
        }
    }
    Ok((records, notes))
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
        tickets.push(EngineTicket {
            number,
            holder: field(holder_at).to_owned(),
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
}
