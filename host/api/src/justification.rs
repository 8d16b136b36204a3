//! How much a justification says: its visible characters.
//!
//! A justification must say why an officer needs the data (DPA 2018 s.62(2)(a)). `.`, a space
//! or a zero-width character says nothing, so only *visible* characters count: not whitespace,
//! and not the Unicode general categories Cc (controls), Cf (format characters: zero-width
//! spaces and joiners, bidi controls, the byte-order mark) or M (combining marks, which only
//! decorate the character before them).

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory as _};

/// Does `c` count as a visible character of a justification?
pub fn is_visible(c: char) -> bool {
    if c.is_whitespace() {
        return false;
    }
    let category = c.general_category();
    !matches!(category, GeneralCategory::Control | GeneralCategory::Format)
        && c.general_category_group() != GeneralCategoryGroup::Mark
}

/// How many visible characters `text` has.
pub fn visible_chars(text: &str) -> usize {
    text.chars().filter(|c| is_visible(*c)).count()
}

/// The characters that do not count, as the inside of a regular-expression character class
/// (`[…]`), built from [`is_visible`] itself so a schema's pattern and the check agree on every
/// character. Ranges in the Basic Multilingual Plane are written `\uXXXX`; beyond it, as the
/// characters themselves: both forms read the same in ECMA-262 (with the `u` flag), Python and
/// Rust regular expressions.
pub fn invisible_class() -> &'static str {
    static CLASS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CLASS.get_or_init(|| {
        let mut out = String::new();
        let mut run: Option<(char, char)> = None;
        let flush = |(a, b): (char, char), out: &mut String| {
            let one = |c: char, out: &mut String| {
                if (c as u32) < 0x1_0000 {
                    out.push_str(&format!("\\u{:04X}", c as u32));
                } else {
                    out.push(c);
                }
            };
            one(a, out);
            if b != a {
                out.push('-');
                one(b, out);
            }
        };
        for c in (0..=0x10_FFFF_u32).filter_map(char::from_u32) {
            if is_visible(c) {
                if let Some(r) = run.take() {
                    flush(r, &mut out);
                }
            } else {
                run = match run {
                    Some((a, b)) if b as u32 + 1 == c as u32 => Some((a, c)),
                    Some(r) => {
                        flush(r, &mut out);
                        Some((c, c))
                    }
                    None => Some((c, c)),
                };
            }
        }
        if let Some(r) = run {
            flush(r, &mut out);
        }
        out
    })
}

/// A regular expression matching exactly the texts with at least `min` visible characters
/// (for a JSON Schema `pattern`, which matches anywhere in the text).
pub fn visible_pattern(min: usize) -> String {
    let class = invisible_class();
    if min == 1 {
        format!("[^{class}]")
    } else {
        format!("^(?:[{class}]*[^{class}]){{{min}}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_visible_characters_count() {
        assert_eq!(visible_chars("."), 1);
        assert_eq!(visible_chars("\u{200b}\u{200b}"), 0, "zero-width spaces");
        assert_eq!(visible_chars(" \t\n\u{a0}\u{3000}"), 0, "whitespace");
        assert_eq!(
            visible_chars("\u{202e}\u{2066}\u{feff}\u{ad}"),
            0,
            "bidi, BOM, soft hyphen"
        );
        assert_eq!(visible_chars("\u{1}\u{7f}\u{85}"), 0, "controls");
        assert_eq!(
            visible_chars("e\u{301}\u{301}\u{301}"),
            1,
            "combining marks"
        );
        assert_eq!(visible_chars("Burglary KR/1"), 12);
        assert_eq!(visible_chars("盗窃案调查"), 5);
    }

    #[test]
    fn the_pattern_agrees_with_the_check_on_every_character() {
        let class = regex::Regex::new(&format!("^[{}]$", invisible_class())).unwrap();
        let mut buf = [0u8; 4];
        for c in (0..=0x10_FFFF_u32).filter_map(char::from_u32) {
            assert_eq!(
                class.is_match(c.encode_utf8(&mut buf)),
                !is_visible(c),
                "U+{:04X}",
                c as u32
            );
        }
        let ten = regex::Regex::new(&visible_pattern(10)).unwrap();
        for (text, ok) in [
            ("Burglary KR/1", true),
            ("          .", false),
            ("\u{200b}a\u{301}b c d e f g h i", false),
            ("\u{200b}a\u{301}b c d e f g h i j", true),
            ("盗窃案调查盗窃案调查", true),
        ] {
            assert_eq!(ten.is_match(text), ok, "{text:?}");
            assert_eq!(visible_chars(text) >= 10, ok, "{text:?}");
        }
        let one = regex::Regex::new(&visible_pattern(1)).unwrap();
        assert!(!one.is_match(" \u{feff}\t"));
        assert!(one.is_match(" x "));
    }
}
