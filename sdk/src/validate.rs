//! Checks and normalisers for the formats the POLE Data Standards Dictionary sets, for the
//! fields connectors fill most: vehicle registration marks (DS_065), dates (DS_034), UK
//! postcodes (DS_010) and telephone numbers (DS_053).
//!
//! Each normaliser returns `None` when the value cannot be made valid: the contract says
//! unknown means absent, so a connector leaves the field empty (or, for a postcode, moves the
//! text to the county line as DS_010 asks) rather than passing on a malformed value.

/// Normalises a vehicle registration mark (DS_065): removes whitespace and uppercases.
///
/// Returns `None` unless the result is 1–11 ASCII letters and digits.
///
/// ```
/// assert_eq!(interop_sdk::validate::normalise_vrm(" zx51 abc "), Some("ZX51ABC".to_string()));
/// assert_eq!(interop_sdk::validate::normalise_vrm("ZX-51"), None);
/// ```
pub fn normalise_vrm(vrm: &str) -> Option<String> {
    let vrm: String = vrm
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let ok = (1..=11).contains(&vrm.len()) && vrm.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then_some(vrm)
}

/// Converts a `DD/MM/YYYY` date (also `DD-MM-YYYY`, the Dictionary's DS_076 form) to the
/// contract's ISO 8601 `YYYY-MM-DD`, checking that the day exists.
///
/// ```
/// use interop_sdk::validate::dmy_to_iso;
/// assert_eq!(dmy_to_iso("14/03/1988"), Some("1988-03-14".to_string()));
/// assert_eq!(dmy_to_iso("29/02/2023"), None);
/// ```
pub fn dmy_to_iso(date: &str) -> Option<String> {
    let b = date.trim().as_bytes();
    if b.len() != 10 || b[2] != b[5] || !(b[2] == b'/' || b[2] == b'-') {
        return None;
    }
    let day = digits(&b[0..2])?;
    let month = digits(&b[3..5])?;
    let year = digits(&b[6..10])?;
    is_real_date(year, month, day).then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// Converts an ISO 8601 `YYYY-MM-DD` date to `DD/MM/YYYY`, for vendor systems that want it.
///
/// ```
/// assert_eq!(interop_sdk::validate::iso_to_dmy("1988-03-14"), Some("14/03/1988".to_string()));
/// ```
pub fn iso_to_dmy(date: &str) -> Option<String> {
    let (year, month, day) = parse_iso_date(date)?;
    Some(format!("{day:02}/{month:02}/{year:04}"))
}

/// True for an ISO 8601 calendar date `YYYY-MM-DD` that exists (leap years included).
pub fn is_iso_date(date: &str) -> bool {
    parse_iso_date(date).is_some()
}

fn parse_iso_date(date: &str) -> Option<(u32, u32, u32)> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    is_real_date(year, month, day).then_some((year, month, day))
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn is_real_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1 && (1..=days_in_month).contains(&day)
}

/// True for a UK postcode in the Dictionary's DS_010 form, outward code, one space, inward
/// code, e.g. `SW1A 2AA` (or the one exception, `GIR 0AA`).
///
/// The letter rules are Royal Mail's: position 1 is never Q, V or X; position 2 (when a
/// letter) never I, J or Z; a letter in position 3 only A–H, J, K, P, S, T, U, W; a letter in
/// position 4 only A, B, E, H, M, N, P, R, V, W, X, Y; the inward letters never C, I, K, M, O, V.
/// It checks the format only: whether the postcode exists needs the PAF.
pub fn is_uk_postcode(postcode: &str) -> bool {
    if postcode == "GIR 0AA" {
        return true;
    }
    let Some((outward, inward)) = postcode.split_once(' ') else {
        return false;
    };
    valid_outward(outward.as_bytes()) && valid_inward(inward.as_bytes())
}

/// Uppercases a postcode and puts exactly one space before the inward code, then checks it
/// with [`is_uk_postcode`].
///
/// ```
/// use interop_sdk::validate::normalise_postcode;
/// assert_eq!(normalise_postcode("sw1a2aa"), Some("SW1A 2AA".to_string()));
/// assert_eq!(normalise_postcode("ZZ1 1AA"), None); // Z is never a second letter
/// ```
pub fn normalise_postcode(postcode: &str) -> Option<String> {
    let compact: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let postcode = format!("{outward} {inward}");
    is_uk_postcode(&postcode).then_some(postcode)
}

fn valid_outward(o: &[u8]) -> bool {
    let letter = |c: u8| c.is_ascii_uppercase();
    let digit = |c: u8| c.is_ascii_digit();
    let first = |c: u8| letter(c) && !b"QVX".contains(&c);
    let second = |c: u8| letter(c) && !b"IJZ".contains(&c);
    let third = |c: u8| b"ABCDEFGHJKPSTUW".contains(&c);
    let fourth = |c: u8| b"ABEHMNPRVWXY".contains(&c);
    match *o {
        [a, n] => first(a) && digit(n),
        [a, n, x] if digit(n) => first(a) && (digit(x) || third(x)),
        [a, b, n] => first(a) && second(b) && digit(n),
        [a, b, n, x] => first(a) && second(b) && digit(n) && (digit(x) || fourth(x)),
        _ => false,
    }
}

fn valid_inward(i: &[u8]) -> bool {
    let letter = |c: u8| c.is_ascii_uppercase() && !b"CIKMOV".contains(&c);
    matches!(*i, [n, a, b] if n.is_ascii_digit() && letter(a) && letter(b))
}

/// True for a full international telephone number as DS_053 wants it: a leading `+`, then
/// 7–15 digits (the E.164 maximum), no spaces, no leading zero in the country code, and for
/// UK numbers (`+44`) no zero after the country code.
///
/// ```
/// use interop_sdk::validate::is_e164;
/// assert!(is_e164("+447700900123"));
/// assert!(!is_e164("+4407700900123"));
/// assert!(!is_e164("07700 900123"));
/// ```
pub fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
        && !digits.starts_with("440")
}

/// Normalises a telephone number to DS_053 form: drops spaces, `-`, `.`, `(` and `)`, turns a
/// leading `00` into `+` and a UK national `0…` into `+44…`, then checks it with [`is_e164`].
///
/// ```
/// use interop_sdk::validate::normalise_telephone;
/// assert_eq!(normalise_telephone("07700 900123"), Some("+447700900123".to_string()));
/// assert_eq!(normalise_telephone("0044 (0)7700 900123"), Some("+447700900123".to_string()));
/// ```
pub fn normalise_telephone(number: &str) -> Option<String> {
    let mut n: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    if let Some(rest) = n.strip_prefix("00") {
        n = format!("+{rest}");
    } else if let Some(rest) = n.strip_prefix('0') {
        n = format!("+44{rest}");
    }
    // The UK habit of writing the trunk zero in brackets, `+44 (0)20…`, leaves `+440…` here.
    if let Some(rest) = n.strip_prefix("+440") {
        n = format!("+44{rest}");
    }
    is_e164(&n).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vrm() {
        assert_eq!(normalise_vrm("ab12 cde"), Some("AB12CDE".into()));
        assert_eq!(normalise_vrm("\tA 1 "), Some("A1".into()));
        assert_eq!(normalise_vrm(""), None);
        assert_eq!(normalise_vrm("   "), None);
        assert_eq!(normalise_vrm("ABCDEFGHIJKL"), None);
        assert_eq!(normalise_vrm("ÅB12"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(dmy_to_iso("01/01/2000"), Some("2000-01-01".into()));
        assert_eq!(dmy_to_iso("29-02-2024"), Some("2024-02-29".into()));
        assert_eq!(dmy_to_iso(" 31/12/1999 "), Some("1999-12-31".into()));
        for bad in [
            "29/02/2100",
            "31/04/2020",
            "00/01/2020",
            "01/13/2020",
            "1/1/2020",
            "01/01-2020",
            "2020-01-01",
            "aa/bb/cccc",
            "01/01/0000",
            "",
        ] {
            assert_eq!(dmy_to_iso(bad), None, "{bad}");
        }
        assert!(is_iso_date("2000-02-29"));
        assert!(!is_iso_date("1900-02-29"));
        assert!(!is_iso_date("2000-2-29"));
        assert_eq!(iso_to_dmy("2001-09-30"), Some("30/09/2001".into()));
        assert_eq!(iso_to_dmy("30/09/2001"), None);
    }

    #[test]
    fn postcodes() {
        for good in [
            "SW1A 2AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB",
            "GIR 0AA",
        ] {
            assert!(is_uk_postcode(good), "{good}");
        }
        for bad in [
            "SW1A2AA", "ZZ1 1AA", "QA1 1AA", "AI1 1AA", "W1L 1AA", "EC1C 1BB", "M1 1AC", "M1  1AE",
            "m1 1ae", "M 1AE", "", "SW1A 2A",
        ] {
            assert!(!is_uk_postcode(bad), "{bad}");
        }
        assert_eq!(normalise_postcode(" ec1a1bb"), Some("EC1A 1BB".into()));
        assert_eq!(normalise_postcode("B33  8TH"), Some("B33 8TH".into()));
        assert_eq!(normalise_postcode("12345"), None);
        assert_eq!(normalise_postcode("Ä1 1AA"), None);
    }

    #[test]
    fn telephones() {
        assert!(is_e164("+12025550123"));
        assert!(!is_e164("+0123456789"));
        assert!(!is_e164("+44 7700 900123"));
        assert!(!is_e164("+1234"));
        assert!(!is_e164("+1234567890123456"));
        assert_eq!(
            normalise_telephone("+44 20 7946 0018"),
            Some("+442079460018".into())
        );
        assert_eq!(
            normalise_telephone("+44 (0)20 7946 0018"),
            Some("+442079460018".into())
        );
        assert_eq!(
            normalise_telephone("001-202-555-0123"),
            Some("+12025550123".into())
        );
        assert_eq!(normalise_telephone("call me"), None);
    }
}
