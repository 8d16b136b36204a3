//! Checks and normalisers for the formats the POLE Data Standards Dictionary sets, for the
//! fields connectors fill most: names (DS_031/032), vehicle registration marks (DS_065), dates
//! (DS_034), UK postcodes (DS_010), telephone numbers (DS_053), e-mail addresses (DS_054), PNC
//! ids (DS_072), CRO numbers (DS_071), Home Office classifications (DS_074), offence codes
//! (DS_080) and UPRNs (DS_011), plus the contract's own RFC 3339 timestamps.
//!
//! Connectors use them through `interop_sdk::validate`; the host's conformance kit checks the
//! records a connector returns with the same functions, so a connector that uses them passes.
//!
//! Each normaliser returns `None` when the value cannot be made valid: the contract says
//! unknown means absent, so a connector leaves the field empty (or, for a postcode, moves the
//! text to the county line as DS_010 asks) rather than passing on a malformed value.

/// Normalises a vehicle registration mark (DS_065): removes whitespace and uppercases.
///
/// Returns `None` unless the result is 1–11 ASCII letters and digits.
///
/// ```
/// assert_eq!(interop_pole::normalise_vrm(" zx51 abc "), Some("ZX51ABC".to_string()));
/// assert_eq!(interop_pole::normalise_vrm("ZX-51"), None);
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
/// use interop_pole::dmy_to_iso;
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
/// assert_eq!(interop_pole::iso_to_dmy("1988-03-14"), Some("14/03/1988".to_string()));
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
/// use interop_pole::normalise_postcode;
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
/// use interop_pole::is_e164;
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
/// use interop_pole::normalise_telephone;
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

/// A given name or surname (DS_031/032): 1–35 characters of letters, digits, spaces, `-` and
/// `'`, with no leading, trailing or consecutive spaces.
///
/// ```
/// assert!(interop_pole::is_name("O'Example-Wood"));
/// assert!(!interop_pole::is_name("Mr  Example"));
/// assert!(!interop_pole::is_name("Example!"));
/// ```
pub fn is_name(name: &str) -> bool {
    (1..=35).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\''))
        && !name.starts_with(' ')
        && !name.ends_with(' ')
        && !name.contains("  ")
}

/// A VRM in DS_065 form: what [`normalise_vrm`] makes, already made (no spaces, upper case).
///
/// ```
/// assert!(interop_pole::is_vrm("ZX51ABC"));
/// assert!(!interop_pole::is_vrm("ZX51 ABC"));
/// ```
pub fn is_vrm(vrm: &str) -> bool {
    normalise_vrm(vrm).as_deref() == Some(vrm)
}

/// A vehicle identification number as the SDM holds it: 1–20 upper-case letters and digits
/// (a modern VIN is 17, without I, O or Q; older chassis numbers vary).
pub fn is_vin(vin: &str) -> bool {
    (1..=20).contains(&vin.len())
        && vin
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// An e-mail address (DS_054): 5–120 characters, one `@`, a local part and a dotted domain,
/// no spaces or control characters.
///
/// ```
/// assert!(interop_pole::is_email("a.examplewood@example.org"));
/// assert!(!interop_pole::is_email("examplewood at example.org"));
/// ```
pub fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    (5..=120).contains(&address.len())
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The check letter of a PNC id's year and serial (DS_072): `YY` followed by the seven-digit
/// serial, read as one number, modulo 23, indexing `ZABCDEFGHJKLMNPQRTUVWXY`.
///
/// ```
/// assert_eq!(interop_pole::pnc_check_letter("2001/0012345"), Some('H'));
/// ```
pub fn pnc_check_letter(year_and_serial: &str) -> Option<char> {
    const LETTERS: &[u8; 23] = b"ZABCDEFGHJKLMNPQRTUVWXY";
    let b = year_and_serial.as_bytes();
    if b.len() != 12 || b[4] != b'/' {
        return None;
    }
    let year = digits(&b[2..4])?;
    let serial = digits(&b[5..12])?;
    let _ = digits(&b[0..2])?;
    let n = u64::from(year) * 10_000_000 + u64::from(serial);
    Some(char::from(LETTERS[(n % 23) as usize]))
}

/// A PNC id in DS_072 form, `YYYY/NNNNNNNL`: a year, a seven-digit serial and a check letter
/// (not I, O or S). See [`pnc_check_letter`] for the letter itself.
///
/// ```
/// assert!(interop_pole::is_pnc_id("2001/0012345H"));
/// assert!(!interop_pole::is_pnc_id("01/12345H"));
/// ```
pub fn is_pnc_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 13
        && digits(&b[0..4]).is_some()
        && b[4] == b'/'
        && digits(&b[5..12]).is_some()
        && b[12].is_ascii_uppercase()
        && !matches!(b[12], b'I' | b'O' | b'S')
}

/// A CRO number in DS_071 form: `NNNNNN/YYL` (serial, year, check letter) or
/// `SF YY/NNNNNNL` (a scanned-fingerprint number); 1–12 characters.
///
/// ```
/// assert!(interop_pole::is_cro_number("012345/99K"));
/// assert!(interop_pole::is_cro_number("SF 99/12345L"));
/// assert!(!interop_pole::is_cro_number("12345"));
/// ```
pub fn is_cro_number(cro: &str) -> bool {
    let check = |c: u8| c.is_ascii_uppercase() && !matches!(c, b'I' | b'O' | b'S');
    if let Some(rest) = cro.strip_prefix("SF ") {
        let b = rest.as_bytes();
        return (5..=9).contains(&b.len())
            && digits(&b[0..2]).is_some()
            && b[2] == b'/'
            && b.len() > 4
            && digits(&b[3..b.len() - 1]).is_some()
            && check(b[b.len() - 1]);
    }
    let Some((serial, tail)) = cro.split_once('/') else {
        return false;
    };
    let t = tail.as_bytes();
    cro.len() <= 12
        && (1..=6).contains(&serial.len())
        && digits(serial.as_bytes()).is_some()
        && t.len() == 3
        && digits(&t[0..2]).is_some()
        && check(t[2])
}

/// A Home Office classification (DS_074): `NNN/NN`.
///
/// ```
/// assert!(interop_pole::is_ho_classification("028/01"));
/// assert!(!interop_pole::is_ho_classification("28/1"));
/// ```
pub fn is_ho_classification(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 6 && digits(&b[0..3]).is_some() && b[3] == b'/' && digits(&b[4..6]).is_some()
}

/// A PNLD offence code (DS_080): `AAYYNNN` (act letters, year, number), `COMLNNN` (common law)
/// or `XX00NNN` (indictment), with an optional eighth character `A`, `B`, `C` or `I`
/// (attempt, aid/abet, conspire, incite).
///
/// ```
/// assert!(interop_pole::is_offence_code("MD71101"));
/// assert!(interop_pole::is_offence_code("COML026A"));
/// assert!(!interop_pole::is_offence_code("MD7110"));
/// ```
pub fn is_offence_code(code: &str) -> bool {
    let b = code.as_bytes();
    let (base, suffix) = match b.len() {
        7 => (b, None),
        8 => (&b[..7], Some(b[7])),
        _ => return false,
    };
    let body = (base[..2].iter().all(u8::is_ascii_uppercase)
        && digits(&base[2..4]).is_some()
        && digits(&base[4..7]).is_some())
        || (&base[..4] == b"COML" && digits(&base[4..7]).is_some());
    body && suffix.is_none_or(|c| matches!(c, b'A' | b'B' | b'C' | b'I'))
}

/// A UPRN (DS_011): the OS AddressBase identifier, 1–12 digits.
pub fn is_uprn(uprn: &str) -> bool {
    (1..=12).contains(&uprn.len()) && uprn.bytes().all(|b| b.is_ascii_digit())
}

/// An ISO 3166-1 alpha-3 country code (DS_004), e.g. `GBR`: three upper-case letters.
pub fn is_country_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// An RFC 3339 timestamp, as the contract's `extracted-at` and event times are:
/// `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or `±HH:MM`.
///
/// ```
/// assert!(interop_pole::is_rfc3339("2026-03-01T14:05:00Z"));
/// assert!(interop_pole::is_rfc3339("2026-03-01T14:05:00.250+01:00"));
/// assert!(!interop_pole::is_rfc3339("2026-03-01 14:05"));
/// ```
pub fn is_rfc3339(ts: &str) -> bool {
    let b = ts.as_bytes();
    if b.len() < 20 || !is_iso_date(&ts[..10]) || !matches!(b[10], b'T' | b't') {
        return false;
    }
    let time_ok =
        |h: &[u8], m: &[u8]| digits(h).is_some_and(|h| h < 24) && digits(m).is_some_and(|m| m < 60);
    if !(time_ok(&b[11..13], &b[14..16])
        && b[13] == b':'
        && b[16] == b':'
        && digits(&b[17..19]).is_some_and(|s| s <= 60))
    {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => time_ok(&[*h1, *h2], &[*m1, *m2]),
        _ => false,
    }
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

    #[test]
    fn names() {
        for good in [
            "Alex",
            "Examplewood",
            "Smith-Example",
            "O'Example",
            "Jean Paul",
            "Zoë",
        ] {
            assert!(is_name(good), "{good}");
        }
        for bad in [
            "",
            " Alex",
            "Alex ",
            "Jean  Paul",
            "A.J.",
            "Alex!",
            &"x".repeat(36),
        ] {
            assert!(!is_name(bad), "{bad}");
        }
    }

    #[test]
    fn identifiers() {
        assert!(is_vrm("ZX51ABC") && !is_vrm("zx51abc") && !is_vrm(""));
        assert!(is_vin("1HGCM82633A004352") && !is_vin("1hgcm") && !is_vin(&"A".repeat(21)));
        assert!(is_pnc_id("1999/0123456X"));
        assert_eq!(pnc_check_letter("1999/0123456"), Some('X'));
        assert_eq!(pnc_check_letter("1999-0123456"), None);
        for bad in [
            "1999/0123456I",
            "1999/012345X",
            "1999/01234567",
            "99/0123456X",
        ] {
            assert!(!is_pnc_id(bad), "{bad}");
        }
        assert!(is_cro_number("1/99Z") && is_cro_number("SF 05/1L"));
        for bad in [
            "012345/99",
            "0123456/99K",
            "012345/9K",
            "SF 05/L",
            "SF 5/12345L",
        ] {
            assert!(!is_cro_number(bad), "{bad}");
        }
        assert!(is_offence_code("XX00123") && is_offence_code("TH68010B"));
        for bad in ["TH68010D", "th68010", "COM1026", "TH6801"] {
            assert!(!is_offence_code(bad), "{bad}");
        }
        assert!(is_uprn("100023336956") && !is_uprn("1000233369561") && !is_uprn("12a"));
        assert!(is_country_code("GBR") && !is_country_code("GB") && !is_country_code("gbr"));
        assert!(!is_ho_classification("028-01") && !is_ho_classification("028/1a"));
    }

    #[test]
    fn emails() {
        assert!(is_email("x@y.uk"));
        for bad in [
            "x@y",
            "@example.org",
            "a@@b.org",
            "a@.org",
            "a b@example.org",
            "a@b.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn timestamps() {
        assert!(is_rfc3339("2026-11-27T00:00:00z"));
        assert!(is_rfc3339("1999-12-31T23:59:60Z"), "a leap second");
        for bad in [
            "2026-11-27T24:00:00Z",
            "2026-11-27T10:00:00",
            "2026-11-27T10:00:00.Z",
            "2026-02-30T10:00:00Z",
            "2026-11-27T10:00:00+0100",
            "2026-11-27T10:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
