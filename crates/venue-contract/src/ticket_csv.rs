//! The ticket list as CSV: one reader for the event server's upload (`POST
//! /api/v1/admin/tickets` with `text/csv`, the console's ticket file) and the kiosk's ticket import.
//!
//! A header names the columns, in any order: `number` (also `ticket`, `ticket_number`, `no`),
//! `holder` (also `holder_id`) and optionally `name` (also `display_name`) and `groups` (also
//! `group`; eligibility groups as `staff; speaker`, see [`crate::groups`]); other columns (a
//! registration export's `email`, …) are ignored. Then one ticket per line. A UTF-8 byte order mark
//! (Excel's "CSV UTF-8") is skipped. Memory stays bounded whatever the input: a line with more than
//! [`MAX_FIELDS`] fields or a field over [`MAX_FIELD_BYTES`] ends the reading at once.

use std::collections::HashMap;

use crate::csv::Reader;
use crate::wire::Ticket;

/// Most tickets in the pool (the server's limit; the kiosk's import too).
pub const MAX_TICKETS: usize = 100_000;
/// Fields one line may have: room for a registration export's columns, not for a line of commas.
pub const MAX_FIELDS: usize = 200;
/// Longest field, in bytes (a name is at most 300 characters; an ignored column may hold notes).
pub const MAX_FIELD_BYTES: usize = 16 * 1024;
/// Longest holder, in characters (the contract's id limit).
pub const MAX_HOLDER_CHARS: usize = 128;
/// Longest display name, in characters (the contract's name limit).
pub const MAX_NAME_CHARS: usize = 300;
/// The display name of a ticket whose line gives none (the draw shows it).
pub const NO_NAME: &str = "—";
/// Problems listed in a [`TicketCsv`]; the rest are counted.
pub const LISTED_PROBLEMS: usize = 50;

/// What to do with a file whose first line is a ticket, not a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headerless {
    /// Refuse it: the column order would be a guess (the kiosk's import).
    Refuse,
    /// Read it as `number,display_name,holder` (contract v1's order for the server's upload, whose
    /// header line is optional).
    ContractOrder,
}

/// A ticket list read line by line: every ticket that reads, and every problem with its line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketCsv {
    /// Sorted by number.
    pub tickets: Vec<Ticket>,
    /// The first [`LISTED_PROBLEMS`] problems, each with its line number.
    pub problems: Vec<String>,
    /// Problems beyond those listed.
    pub more_problems: usize,
}

impl TicketCsv {
    /// All problems found, listed or not.
    pub fn problem_count(&self) -> usize {
        self.problems.len() + self.more_problems
    }

    fn problem(&mut self, message: String) {
        if self.problems.len() < LISTED_PROBLEMS {
            self.problems.push(message);
        } else {
            self.more_problems += 1;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Number,
    Holder,
    Name,
    Groups,
    /// A column this reader does not use.
    Other,
}

fn column(name: &str) -> Column {
    match name.trim().to_ascii_lowercase().as_str() {
        "number" | "ticket" | "ticket_number" | "no" => Column::Number,
        "holder" | "holder_id" => Column::Holder,
        "name" | "display_name" => Column::Name,
        "groups" | "group" => Column::Groups,
        _ => Column::Other,
    }
}

fn is_digits(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a ticket list. `Err` is a refusal of the whole file (empty, no usable header, broken CSV, a
/// line over the limits); `Ok` lists the tickets that read and the problems of the lines that did
/// not, so a caller can refuse all (API, kiosk) or show a preview (console).
pub fn read(text: &str, headerless: Headerless) -> Result<TicketCsv, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Reader::new(text).max_fields(MAX_FIELDS).max_field_bytes(MAX_FIELD_BYTES);
    let Some(first) = records.next() else {
        return Err("the file is empty; expected a header `number,holder,name` and one ticket per line".into());
    };
    let (header_line, header) = first?;
    let mut first_row = None;
    let columns: Vec<Column> = if header.iter().any(|name| is_digits(name)) {
        match headerless {
            Headerless::Refuse => {
                return Err(format!(
                    "line {header_line}: the first line must be a header naming the columns (number,holder,name), not a ticket"
                ));
            }
            Headerless::ContractOrder => {
                first_row = Some((header_line, header));
                vec![Column::Number, Column::Name, Column::Holder]
            }
        }
    } else {
        let columns: Vec<Column> = header.iter().map(|name| column(name)).collect();
        for (i, (name, col)) in header.iter().zip(&columns).enumerate() {
            if *col != Column::Other && columns[..i].contains(col) {
                return Err(format!("line {header_line}: column `{}` appears twice", name.trim()));
            }
        }
        for (needed, label) in [(Column::Number, "number"), (Column::Holder, "holder")] {
            if !columns.contains(&needed) {
                return Err(format!(
                    "line {header_line}: the header has no `{label}` column (expected number,holder[,name] in any order)"
                ));
            }
        }
        columns
    };
    let expected = if first_row.is_some() {
        "number,display_name,holder has"
    } else {
        "the header has"
    };
    let mut out = TicketCsv::default();
    let mut seen: HashMap<u32, usize> = HashMap::new();
    for record in first_row.into_iter().map(Ok).chain(records) {
        let (line, fields) = record?;
        if fields.len() != columns.len() {
            out.problem(format!("line {line}: {} fields, but {expected} {}", fields.len(), columns.len()));
            continue;
        }
        match ticket(&columns, &fields) {
            Ok(ticket) => {
                if let Some(first) = seen.get(&ticket.number) {
                    out.problem(format!("line {line}: ticket {} is already on line {first}", ticket.number));
                    continue;
                }
                if out.tickets.len() == MAX_TICKETS {
                    // Stop here: the rest cannot fit, and memory stays bounded by the pool.
                    out.problem(format!(
                        "line {line}: more than {MAX_TICKETS} tickets; at most {MAX_TICKETS} fit in the pool"
                    ));
                    break;
                }
                seen.insert(ticket.number, line);
                out.tickets.push(ticket);
            }
            Err(why) => out.problem(format!("line {line}: {why}")),
        }
    }
    if out.tickets.is_empty() && out.problem_count() == 0 {
        return Err("no tickets: the file has a header but no ticket lines".into());
    }
    out.tickets.sort_by_key(|t| t.number);
    Ok(out)
}

/// Read all or nothing: the tickets, or every problem (listed and counted) as one message.
pub fn read_all(text: &str, headerless: Headerless) -> Result<Vec<Ticket>, String> {
    let read = read(text, headerless)?;
    if read.problem_count() == 0 {
        return Ok(read.tickets);
    }
    let mut message = format!(
        "nothing imported: {} problem{} ({} good row{})",
        read.problem_count(),
        if read.problem_count() == 1 { "" } else { "s" },
        read.tickets.len(),
        if read.tickets.len() == 1 { "" } else { "s" }
    );
    for problem in &read.problems {
        message.push('\n');
        message.push_str(problem);
    }
    if read.more_problems > 0 {
        message.push_str(&format!("\n… and {} more", read.more_problems));
    }
    Err(message)
}

fn ticket(columns: &[Column], fields: &[String]) -> Result<Ticket, String> {
    let mut ticket = Ticket {
        number: 0,
        display_name: String::new(),
        holder: String::new(),
        groups: Vec::new(),
    };
    for (column, value) in columns.iter().zip(fields) {
        let value = value.trim();
        match column {
            Column::Number => ticket.number = parse_number(value)?,
            Column::Holder if value.is_empty() => return Err("the holder is empty".into()),
            Column::Holder if value.chars().count() > MAX_HOLDER_CHARS || value.chars().any(|c| c.is_control() || c.is_whitespace()) => {
                return Err(format!(
                    "the holder `{}` must be 1–{MAX_HOLDER_CHARS} characters without spaces",
                    shorten(value)
                ));
            }
            Column::Holder => ticket.holder = value.to_string(),
            Column::Name if value.chars().count() > MAX_NAME_CHARS || value.chars().any(char::is_control) => {
                return Err(format!("the name is over {MAX_NAME_CHARS} characters or has a line break"));
            }
            Column::Name => ticket.display_name = value.to_string(),
            Column::Groups => ticket.groups = crate::groups::parse(value)?,
            Column::Other => {}
        }
    }
    if ticket.display_name.is_empty() {
        ticket.display_name = NO_NAME.to_string();
    }
    Ok(ticket)
}

fn parse_number(value: &str) -> Result<u32, String> {
    if value.is_empty() {
        return Err("the ticket number is empty".into());
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{}` is not a ticket number (digits only)", shorten(value)));
    }
    value.parse().map_err(|_| format!("ticket number {} is too large", shorten(value)))
}

fn shorten(value: &str) -> String {
    let mut s: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_by_header_name_in_any_order_and_unknown_ones_ignored() {
        let text = "\u{feff}Email,Holder,Seat,Number,Name\r\nkim@x,h-a,3,1001,김*수\r\n\r\nd@x,h-b,4,1000,\"Doe, J.\"\n";
        let read = read(text, Headerless::Refuse).unwrap();
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let got: Vec<_> = read
            .tickets
            .iter()
            .map(|t| (t.number, t.holder.as_str(), t.display_name.as_str()))
            .collect();
        assert_eq!(got, [(1000, "h-b", "Doe, J."), (1001, "h-a", "김*수")]);
        let no_names = read_all("ticket,holder_id\n7,h7\n", Headerless::Refuse).unwrap();
        assert_eq!(no_names[0].display_name, NO_NAME);
    }

    #[test]
    fn a_groups_column_by_name_is_read_and_checked() {
        let text = "number,holder,Groups,name\n1,h1,\"Staff; speaker\",A\n2,h2,,B\n3,h3,bad!,C\n";
        let read = read(text, Headerless::Refuse).unwrap();
        assert_eq!(read.tickets[0].groups, ["speaker", "staff"]);
        assert!(read.tickets[1].groups.is_empty());
        assert_eq!(read.problems.len(), 1);
        assert!(read.problems[0].starts_with("line 4: group `bad!`"), "{:?}", read.problems);
        // Files without the column read as before.
        assert!(read_all("number,holder\n1,h\n", Headerless::Refuse).unwrap()[0].groups.is_empty());
    }

    #[test]
    fn a_missing_column_is_named() {
        let err = read("number,name,email\n1,A,a@x\n", Headerless::Refuse).unwrap_err();
        assert!(err.contains("line 1: the header has no `holder` column"), "{err}");
        let err = read("holder,name\nh,A\n", Headerless::ContractOrder).unwrap_err();
        assert!(err.contains("no `number` column"), "{err}");
        assert!(
            read("number,holder,Number\n", Headerless::Refuse)
                .unwrap_err()
                .contains("`Number` appears twice")
        );
    }

    #[test]
    fn headerless_files_follow_the_callers_rule() {
        assert!(read("1,A,h1\n", Headerless::Refuse).unwrap_err().contains("must be a header"));
        let tickets = read_all("1,\"Kim, J.\",h1\n2,B*,h2\n", Headerless::ContractOrder).unwrap();
        assert_eq!((tickets[0].display_name.as_str(), tickets[0].holder.as_str()), ("Kim, J.", "h1"));
        let err = read_all("1001,A*\n", Headerless::ContractOrder).unwrap_err();
        assert!(err.contains("line 1: 2 fields, but number,display_name,holder has 3"), "{err}");
    }

    #[test]
    fn problems_name_their_lines() {
        let text = "number,holder,name\n1,h1,A\n2,,B\nx7,h3,C\n1,h4,D\n5,h5\n99999999999,h6,F\n8,h8,H\n";
        let read = read(text, Headerless::Refuse).unwrap();
        assert_eq!(read.tickets.len(), 2);
        let all = read.problems.join("\n");
        assert!(all.contains("line 3: the holder is empty"), "{all}");
        assert!(all.contains("line 4: `x7` is not a ticket number"), "{all}");
        assert!(all.contains("line 5: ticket 1 is already on line 2"), "{all}");
        assert!(all.contains("line 6: 2 fields, but the header has 3"), "{all}");
        assert!(all.contains("line 7: ticket number 99999999999 is too large"), "{all}");
        let err = read_all(text, Headerless::Refuse).unwrap_err();
        assert!(err.starts_with("nothing imported: 5 problems (2 good rows)\nline 3:"), "{err}");
        assert!(read_all("number,holder\n", Headerless::Refuse).unwrap_err().contains("no tickets"));
        assert!(read_all("", Headerless::Refuse).unwrap_err().contains("empty"));
    }

    /// Issue #18: an 8 MiB line of commas, or a line of a million fields, is refused at
    /// [`MAX_FIELDS`] with a clear message, before a field is allocated for each comma.
    #[test]
    fn a_line_of_commas_is_refused_cheaply() {
        let commas = format!("number,holder,name\n{}\n", ",".repeat(8 * 1024 * 1024));
        let err = read(&commas, Headerless::Refuse).unwrap_err();
        assert_eq!(err, format!("line 2: more than {MAX_FIELDS} fields in one line"));
        let fields = format!("number,holder\n1,h{}\n", ",x".repeat(1_000_000));
        assert!(
            read(&fields, Headerless::ContractOrder)
                .unwrap_err()
                .contains("more than 200 fields")
        );
        let header = ",".repeat(1_000_000);
        assert!(read(&header, Headerless::Refuse).unwrap_err().starts_with("line 1: more than"));
        let long = format!("number,holder,notes\n1,h,\"{}\"\n", "x".repeat(MAX_FIELD_BYTES + 1));
        assert!(read(&long, Headerless::Refuse).unwrap_err().contains("longer than"));
    }
}
