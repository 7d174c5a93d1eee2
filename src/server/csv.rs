//! Just enough RFC 4180 CSV for ticket uploads and result exports: quoted fields, doubled quotes,
//! commas and line breaks inside quotes, `\n` or `\r\n` line ends.

use std::borrow::Cow;

/// Records of `text`; blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut field_was_quoted = false;
    let mut line = 1usize;
    let mut chars = text.chars().peekable();
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
            '"' if field.is_empty() && !field_was_quoted => {
                in_quotes = true;
                field_was_quoted = true;
            }
            '"' => return Err(format!("line {line}: a quote inside an unquoted field")),
            ',' => {
                record.push(std::mem::take(&mut field));
                field_was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                end_record(&mut records, &mut record, &mut field, field_was_quoted);
                field_was_quoted = false;
                line += 1;
            }
            _ if field_was_quoted => return Err(format!("line {line}: text after a closing quote")),
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!("line {line}: a quoted field is not closed"));
    }
    end_record(&mut records, &mut record, &mut field, field_was_quoted);
    Ok(records)
}

fn end_record(records: &mut Vec<Vec<String>>, record: &mut Vec<String>, field: &mut String, field_was_quoted: bool) {
    if record.is_empty() && field.is_empty() && !field_was_quoted {
        return; // blank line
    }
    record.push(std::mem::take(field));
    records.push(std::mem::take(record));
}

/// `value` as one CSV field, quoted when it has to be.
pub fn field(value: &str) -> Cow<'_, str> {
    if value.contains([',', '"', '\n', '\r']) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn broken_quotes_are_errors() {
        assert!(parse("1,\"open").unwrap_err().contains("not closed"));
        assert!(parse("1,ab\"c").unwrap_err().contains("quote"));
        assert!(parse("1,\"ab\"c").unwrap_err().contains("after a closing quote"));
    }
}
