//! Text from the feed made safe to show: whatever a server or an import sends (control characters,
//! bidi overrides, combining-mark floods, 10k-character titles), the screen gets one line of
//! bounded length that cannot flip or smear the text around it. Applied once when a payload is
//! decoded (off the main thread), so every screen shows the same cleaned text.

/// Longest title, name or speaker line kept, in characters (the contract's limit for titles);
/// screens shorten further to fit.
pub const MAX_LABEL_CHARS: usize = 500;
/// Longest broadcast message kept, in characters (the contract's limit).
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// Combining marks kept on one base character (real scripts need a few; "zalgo" stacks dozens).
const MAX_COMBINING_MARKS: usize = 4;

/// One clean line of at most `max_chars` characters (an ellipsis marks a cut):
/// - line breaks, tabs and runs of whitespace become one space; other control characters go;
/// - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and byte-order marks
///   go, so a name cannot reverse the rest of a line (plain RTL text still renders right to left);
/// - at most a few combining marks stay on each character.
pub fn display_line(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut count = 0usize;
    let mut pending_space = false;
    let mut marks = 0usize;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = count > 0;
            marks = 0;
            continue;
        }
        if c.is_control() || is_bidi_control(c) || c == '\u{FEFF}' {
            continue;
        }
        if is_combining_mark(c) {
            if count == 0 || marks >= MAX_COMBINING_MARKS {
                continue;
            }
            marks += 1;
        } else {
            marks = 0;
        }
        if pending_space {
            if count + 1 >= max_chars {
                return cut(out, count, max_chars);
            }
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        if count + 1 > max_chars {
            return cut(out, count, max_chars);
        }
        out.push(c);
        count += 1;
    }
    out
}

/// End `out` (`count` characters, more text follows) with an ellipsis, within `max_chars`.
fn cut(mut out: String, mut count: usize, max_chars: usize) -> String {
    if max_chars == 0 {
        return String::new();
    }
    while count + 1 > max_chars {
        out.pop();
        count -= 1;
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out.push('…');
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The common combining-mark blocks (enough to stop stacking; scripts with their own vowel signs
/// keep them, those are not in these blocks).
fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_scripts_pass_through() {
        for text in [
            "Rust로 만드는 실시간 그래픽",
            "Keynote: 🚀 Shipping 🦀",
            "مرحبا بالعالم",
            "שלום עולם",
            "Café déjà vu",
        ] {
            assert_eq!(display_line(text, MAX_LABEL_CHARS), text);
        }
    }

    #[test]
    fn control_characters_and_line_breaks_become_one_line() {
        assert_eq!(display_line("  Hello\n\n\tworld\r\n ", 100), "Hello world");
        assert_eq!(display_line("a\u{0}b\u{7}c\u{1b}[31md\u{9b}e", 100), "abc[31mde");
        assert_eq!(display_line("\u{FEFF}title", 100), "title");
        assert_eq!(display_line("\n\t ", 100), "");
    }

    #[test]
    fn bidi_overrides_cannot_flip_the_line() {
        assert_eq!(display_line("evil\u{202E}gnp.exe", 100), "evilgnp.exe");
        assert_eq!(display_line("\u{2067}isolated\u{2069} text", 100), "isolated text");
        // Marks that only hint direction are harmless and stay.
        assert_eq!(display_line("a\u{200F}b", 100), "a\u{200F}b");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_within_the_limit() {
        let long = "가".repeat(10_000);
        let line = display_line(&long, MAX_LABEL_CHARS);
        assert_eq!(line.chars().count(), MAX_LABEL_CHARS);
        assert!(line.ends_with('…'));
        assert_eq!(display_line("abc def", 4), "abc…");
        assert_eq!(display_line("abcd", 4), "abcd");
        assert_eq!(display_line("abcde", 4), "abc…");
    }

    #[test]
    fn combining_mark_floods_are_trimmed() {
        let zalgo = format!("Z{}a", "\u{0336}\u{0301}".repeat(50));
        let line = display_line(&zalgo, 100);
        assert_eq!(line.chars().count(), 2 + MAX_COMBINING_MARKS);
        assert!(line.starts_with('Z') && line.ends_with('a'));
        // A mark with nothing to sit on is dropped.
        assert_eq!(display_line("\u{0301}x", 100), "x");
    }
}
