//! Just enough RFC 4180 CSV for ticket imports (the event server's upload and the draw panel's
//! file) and result exports: quoted fields, doubled quotes, commas and line breaks inside quotes,
//! `\n` or `\r\n` line ends. One reader and one writer for the whole crate.

use std::borrow::Cow;

/// Fields one record may have in [`parse`] and [`records`]: far more than any real file has, few
/// enough that a line of a million commas is refused before a million fields are allocated.
pub const MAX_FIELDS: usize = 1_000;

/// Records of `text`, without their line numbers.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    Ok(records(text)?.into_iter().map(|(_, record)| record).collect())
}

/// Records of `text`, each with the line it starts on. Blank (or all-space) lines are skipped;
/// spaces around a quoted field are allowed, as spreadsheets write them. At most [`MAX_FIELDS`]
/// fields a record.
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    Reader::new(text).collect()
}

/// The records of a text one at a time, each with the line it starts on, within limits: a record
/// with more than `max_fields` fields or a field over `max_field_bytes` ends the reading with an
/// error as soon as the reader meets it, so memory stays bounded by the limits, not by the input.
/// After an error the reader yields nothing more.
pub struct Reader<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    max_fields: usize,
    max_field_bytes: usize,
    done: bool,
}

impl<'a> Reader<'a> {
    /// At most [`MAX_FIELDS`] fields a record, fields of any length.
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader {
            chars: text.chars().peekable(),
            line: 1,
            max_fields: MAX_FIELDS,
            max_field_bytes: usize::MAX,
            done: false,
        }
    }

    pub fn max_fields(mut self, max: usize) -> Self {
        self.max_fields = max.max(1);
        self
    }

    pub fn max_field_bytes(mut self, max: usize) -> Self {
        self.max_field_bytes = max;
        self
    }

    fn fail(&mut self, message: String) -> Option<Result<(usize, Vec<String>), String>> {
        self.done = true;
        Some(Err(message))
    }
}

impl Iterator for Reader<'_> {
    type Item = Result<(usize, Vec<String>), String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut record: Vec<String> = Vec::new();
        let mut field = String::new();
        let (mut in_quotes, mut quoted) = (false, false);
        let mut start = self.line;
        let blank = |record: &Vec<String>, field: &String, quoted: bool| record.is_empty() && field.trim().is_empty() && !quoted;
        loop {
            if field.len() > self.max_field_bytes {
                let (line, max) = (self.line, self.max_field_bytes);
                return self.fail(format!("line {line}: a field is longer than {max} bytes"));
            }
            let Some(c) = self.chars.next() else {
                self.done = true;
                if in_quotes {
                    return Some(Err(format!("line {start}: a quoted field is not closed")));
                }
                if blank(&record, &field, quoted) {
                    return None;
                }
                record.push(field);
                return Some(Ok((start, record)));
            };
            if in_quotes {
                match c {
                    '"' if self.chars.peek() == Some(&'"') => {
                        self.chars.next();
                        field.push('"');
                    }
                    '"' => in_quotes = false,
                    '\n' => {
                        self.line += 1;
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
                '"' => {
                    let line = self.line;
                    return self.fail(format!("line {line}: a quote inside an unquoted field"));
                }
                ',' => {
                    if record.len() + 1 >= self.max_fields {
                        let max = self.max_fields;
                        return self.fail(format!("line {start}: more than {max} fields in one line"));
                    }
                    record.push(std::mem::take(&mut field));
                    quoted = false;
                }
                '\r' if self.chars.peek() == Some(&'\n') => {}
                '\n' => {
                    self.line += 1;
                    if blank(&record, &field, quoted) {
                        field.clear();
                        quoted = false;
                        start = self.line;
                        continue;
                    }
                    record.push(field);
                    return Some(Ok((start, record)));
                }
                c if quoted && !c.is_whitespace() => {
                    let line = self.line;
                    return self.fail(format!("line {line}: text after a closing quote"));
                }
                _ if quoted => {}
                _ => field.push(c),
            }
        }
    }
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

    /// Issue #18: an 8 MiB line of commas (a million fields) is refused at the limit, without a
    /// field allocated for each comma.
    #[test]
    fn a_line_of_a_million_commas_is_refused_at_the_field_limit() {
        let commas = ",".repeat(8 * 1024 * 1024);
        let text = format!("number,holder\n{commas}\n");
        let err = records(&text).unwrap_err();
        assert_eq!(err, format!("line 2: more than {MAX_FIELDS} fields in one line"));
        let mut reader = Reader::new(&text).max_fields(3);
        assert_eq!(
            reader.next().unwrap().unwrap(),
            (1, vec!["number".to_string(), "holder".to_string()])
        );
        assert_eq!(reader.next().unwrap().unwrap_err(), "line 2: more than 3 fields in one line");
        assert!(reader.next().is_none(), "nothing after an error");
        // Exactly at the limit is fine.
        assert_eq!(Reader::new("a,b,c").max_fields(3).next().unwrap().unwrap().1.len(), 3);
        let long = format!("1,\"{}\"\n", "x".repeat(100));
        assert!(
            Reader::new(&long)
                .max_field_bytes(64)
                .next()
                .unwrap()
                .unwrap_err()
                .contains("longer than 64 bytes")
        );
        assert_eq!(Reader::new(&long).max_field_bytes(100).next().unwrap().unwrap().1[1].len(), 100);
    }

    #[test]
    fn broken_quotes_are_errors() {
        assert!(parse("1,\"open").unwrap_err().contains("not closed"));
        assert!(parse("1,ab\"c").unwrap_err().contains("quote"));
        assert!(parse("1,\"ab\"c").unwrap_err().contains("after a closing quote"));
    }
}
