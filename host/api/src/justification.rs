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
}
