//! Text a connector controls, made safe for a person to read: the one neutraliser every
//! human-facing output uses.

/// Make guest text safe to print on one line of a terminal or log file: every character
/// [`is_hidden`] says a screen would act on or hide (ANSI escapes, newlines that would forge
/// log lines, bidi overrides, zero-width characters) becomes a visible escape,
/// and the text is cut at `max_bytes` on a character boundary.
pub fn neutralise(text: &str, max_bytes: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_bytes) + 16);
    for (i, c) in text.char_indices() {
        if i >= max_bytes {
            out.push_str(&format!("… [{} more bytes]", text.len() - i));
            break;
        }
        let dangerous = is_hidden(c);
        if dangerous {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Is `c` a character a screen acts on or hides rather than shows: a control (escapes,
/// newlines), a bidi control, a zero-width or other format character, a line or paragraph
/// separator, a soft hyphen, an interlinear annotation mark?
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{00ad}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Is `c` one of the characters that change the order a screen shows text in (marks,
/// embeddings, overrides, isolates)? Text behind one can read as something else.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn escapes_ansi_and_newlines() {
        let s = neutralise("ok\x1b[31mred\x1b[0m\nforged line\r", 100);
        assert_eq!(s, "ok\\u{1b}[31mred\\u{1b}[0m\\nforged line\\r");
        assert!(!s.chars().any(|c| c.is_control()));
    }

    #[test]
    fn escapes_bidi_overrides() {
        assert_eq!(neutralise("a\u{202e}b", 100), "a\\u{202e}b");
    }

    #[test]
    fn cuts_long_lines_on_a_char_boundary() {
        let s = neutralise(&"é".repeat(100), 11);
        assert!(s.starts_with("éééééé… ["), "{s}");
        assert!(s.ends_with("more bytes]"));
    }
}
