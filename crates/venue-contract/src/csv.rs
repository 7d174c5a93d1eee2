//! Just enough RFC 4180 CSV for ticket imports (the event server's upload and the draw panel's
//! file) and result exports: quoted fields, doubled quotes, commas and line breaks inside quotes,
//! `\n` or `\r\n` line ends. One reader and one writer for the whole crate.

use std::borrow::Cow;

/// Records of `text`, without their line numbers.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    Ok(records(text)?.into_iter().map(|(_, record)| record).collect())
}

/// Records of `text`, each with the line it starts on. Blank (or all-space) lines are skipped;
/// spaces around a quoted field are allowed, as spreadsheets write them.
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let (mut in_quotes, mut quoted) = (false, false);
    let (mut line, mut start) = (1usize, 1usize);
    let mut chars = text.chars().peekable();
    let end = |records: &mut Vec<(usize, Vec<String>)>, record: &mut Vec<String>, field: &mut String, quoted: bool, start: usize| {
        if !(record.is_empty() && field.trim().is_empty() && !quoted) {
            record.push(std::mem::take(field));
            records.push((start, std::mem::take(record)));
        }
        field.clear();
    };
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() && !quoted => {
                field.clear();
                in_quotes = true;
                quoted = true;
            }
            '"' => return Err(format!("line {line}: a quote inside an unquoted field")),
            ',' => {
                record.push(std::mem::take(&mut field));
                quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                end(&mut records, &mut record, &mut field, quoted, start);
                quoted = false;
                line += 1;
                start = line;
            }
            c if quoted && !c.is_whitespace() => return Err(format!("line {line}: text after a closing quote")),
            _ if quoted => {}
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!("line {start}: a quoted field is not closed"));
    }
    end(&mut records, &mut record, &mut field, quoted, start);
    Ok(records)
}

/// `value` as one CSV field, quoted when it has to be (also when it starts or ends with a space,
/// which a reader may otherwise trim).
pub fn field(value: &str) -> Cow<'_, str> {
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

/// One CSV line (with its `\n`) of `fields`.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = fields.iter().map(|f| field(f.as_ref()).into_owned()).collect::<Vec<_>>().join(",");
    out.push('\n');
    out
}

/// One CSV line for a spreadsheet: a text cell that starts like a formula (`=`, `+`, `-`, `@`, a tab
/// or a carriage return) gets a leading `'`, so a name like `=HYPERLINK(…)` stays text when the
/// export is opened. Numbers (`-600`) are left as they are.
pub fn spreadsheet_line<S: AsRef<str>>(fields: &[S]) -> String {
    let cells: Vec<Cow<'_, str>> = fields.iter().map(|f| neutralise_formula(f.as_ref())).collect();
    line(&cells)
}

fn neutralise_formula(value: &str) -> Cow<'_, str> {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && value.trim().parse::<f64>().is_err() {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_cells_never_start_a_formula() {
        let text = spreadsheet_line(&["=HYPERLINK(\"http://x\")", "-600", "+1", "@SUM(A1)", "김*수", "-x"]);
        let cells = &parse(&text).unwrap()[0];
        assert_eq!(cells, &["'=HYPERLINK(\"http://x\")", "-600", "+1", "'@SUM(A1)", "김*수", "'-x"]);
    }

    #[test]
    fn quoted_fields_round_trip() {
        let text = line(&["1001", "Kim, J.", "say \"hi\"", "two\nlines"]);
        assert_eq!(parse(&text).unwrap(), vec![vec!["1001", "Kim, J.", "say \"hi\"", "two\nlines"]]);
    }

    #[test]
    fn blank_lines_and_crlf() {
        let records = parse("number,display_name,holder\r\n\r\n1,A*,h1\r\n2,B*,h2").unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[2], vec!["2", "B*", "h2"]);
    }

    #[test]
    fn records_know_their_lines_and_allow_spaces_around_quotes() {
        let records = records("a,b\n\n  \n\"x\ny\", \"z\" \n last").unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[1], (4, vec!["x\ny".to_string(), "z".to_string()]));
        assert_eq!(records[2].0, 6);
        assert_eq!(line(&[" padded", "x"]), "\" padded\",x\n");
        assert_eq!(parse(&line(&[" ", "x "])).unwrap(), vec![vec![" ", "x "]]);
    }

    #[test]
    fn broken_quotes_are_errors() {
        assert!(parse("1,\"open").unwrap_err().contains("not closed"));
        assert!(parse("1,ab\"c").unwrap_err().contains("quote"));
        assert!(parse("1,\"ab\"c").unwrap_err().contains("after a closing quote"));
    }
}
