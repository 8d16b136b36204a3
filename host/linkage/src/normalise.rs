//! Normalisation: every field into the one form comparisons use, and format checks that keep an
//! unreadable value from counting as evidence.
//!
//! A value that is present but unreadable (a PNC id whose check letter is wrong, a postcode of
//! no UK shape, a telephone number of no E.164 length) is treated as not known, and the record
//! says so in its [`Unusable`] notes, so a force can see which of its data the linker could not
//! use.

use serde::Serialize;

use crate::field::Field;
use crate::record::{PartialDate, PersonRecord};

/// Most names, phones, e-mails, addresses and vehicles the linker keeps per record. A person
/// has a handful of each; a record with hundreds is a data fault, and comparing every pair of
/// them would make one pair of records cost thousands of string comparisons.
pub const MAX_VALUES_PER_FIELD: usize = 16;

/// A field that was present but could not be used, and why (no value: explanations carry no
/// record content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unusable {
    /// The field.
    pub field: Field,
    /// Why, e.g. `check letter does not match`.
    pub reason: &'static str,
}

/// Gender, reduced to what can agree or disagree. Not known, not specified and prefer not to say
/// are not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Gender {
    Female,
    Male,
    TransFemale,
    TransMale,
    NonBinary,
    Intersex,
}

/// A postcode split into the parts comparisons grade by: the whole code, the sector
/// (outward code and the inward digit) and the district (outward code).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Postcode {
    /// Upper case, no space: `YY12AB`.
    pub(crate) full: String,
    /// Outward code and inward digit: `YY12`.
    pub(crate) sector: String,
    /// Outward code: `YY1`.
    pub(crate) district: String,
}

/// An address in comparable form: either part may be unknown, not both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreparedAddress {
    pub(crate) postcode: Option<Postcode>,
    pub(crate) uprn: Option<String>,
}

/// A record in comparable form.
#[derive(Debug, Clone, Default)]
pub(crate) struct PreparedRecord {
    pub(crate) given_names: Vec<String>,
    pub(crate) middle_names: Vec<String>,
    /// Nickname-table families of each given name, then each middle name, in order (looked up
    /// once here rather than for every pair compared).
    pub(crate) name_families: Vec<&'static [u16]>,
    pub(crate) surname: Option<String>,
    /// The parts of a double-barrelled or multi-word surname, each normalised.
    pub(crate) surname_parts: Vec<String>,
    pub(crate) date_of_birth: Option<PartialDate>,
    pub(crate) gender: Option<Gender>,
    pub(crate) pnc_id: Option<String>,
    pub(crate) cro_number: Option<String>,
    pub(crate) addresses: Vec<PreparedAddress>,
    pub(crate) phones: Vec<String>,
    pub(crate) emails: Vec<String>,
    pub(crate) vrms: Vec<String>,
    pub(crate) vins: Vec<String>,
    pub(crate) unusable: Vec<Unusable>,
}

impl PreparedRecord {
    /// The first given name, the one usually compared.
    pub(crate) fn first_given(&self) -> Option<&str> {
        self.given_names.first().map(String::as_str)
    }
}

/// Prepare a record for comparison.
pub(crate) fn prepare(record: &PersonRecord) -> PreparedRecord {
    let mut out = PreparedRecord {
        given_names: names(&record.given_names),
        middle_names: names(&record.middle_names),
        ..PreparedRecord::default()
    };
    if let Some(surname) = record.surname.as_deref() {
        let compact = normalise_name(surname);
        if !compact.is_empty() {
            out.surname_parts = surname
                .split(|c: char| c == '-' || c.is_whitespace())
                .map(normalise_name)
                .filter(|p| !p.is_empty())
                .take(MAX_VALUES_PER_FIELD)
                .collect();
            out.surname = Some(compact);
        }
    }
    out.name_families = out
        .given_names
        .iter()
        .chain(&out.middle_names)
        .map(|n| crate::nicknames::families(n))
        .collect();
    out.date_of_birth = record.date_of_birth;
    out.gender = record.gender.as_deref().and_then(normalise_gender);
    if let Some(pnc) = non_blank(record.pnc_id.as_deref()) {
        match normalise_pnc_id(pnc) {
            Ok(pnc) => out.pnc_id = Some(pnc),
            Err(reason) => out.unusable.push(Unusable {
                field: Field::PncId,
                reason,
            }),
        }
    }
    if let Some(cro) = non_blank(record.cro_number.as_deref()) {
        match normalise_cro_number(cro) {
            Some(cro) => out.cro_number = Some(cro),
            None => out.unusable.push(Unusable {
                field: Field::CroNumber,
                reason: "not of the form NNNNNN/YYL or SF YY/NNNNNL",
            }),
        }
    }
    for address in record.addresses.iter().take(MAX_VALUES_PER_FIELD) {
        let mut prepared = PreparedAddress {
            postcode: None,
            uprn: None,
        };
        if let Some(pc) = non_blank(address.postcode.as_deref()) {
            prepared.postcode = normalise_postcode(pc);
            if prepared.postcode.is_none() {
                out.unusable.push(Unusable {
                    field: Field::Address,
                    reason: "postcode not of a UK postcode's shape",
                });
            }
        }
        if let Some(uprn) = non_blank(address.uprn.as_deref()) {
            prepared.uprn = normalise_uprn(uprn);
            if prepared.uprn.is_none() {
                out.unusable.push(Unusable {
                    field: Field::Address,
                    reason: "UPRN not 1 to 12 digits",
                });
            }
        }
        if prepared.postcode.is_some() || prepared.uprn.is_some() {
            push_unique(&mut out.addresses, prepared);
        }
    }
    for phone in record.phones.iter().take(MAX_VALUES_PER_FIELD) {
        if let Some(phone) = non_blank(Some(phone)) {
            match normalise_phone(phone) {
                Some(p) => push_unique(&mut out.phones, p),
                None => out.unusable.push(Unusable {
                    field: Field::Phone,
                    reason: "not a telephone number of E.164 length",
                }),
            }
        }
    }
    for email in record.emails.iter().take(MAX_VALUES_PER_FIELD) {
        if let Some(email) = non_blank(Some(email)) {
            match normalise_email(email) {
                Some(e) => push_unique(&mut out.emails, e),
                None => out.unusable.push(Unusable {
                    field: Field::Email,
                    reason: "not of the form local@domain",
                }),
            }
        }
    }
    for vehicle in record.vehicles.iter().take(MAX_VALUES_PER_FIELD) {
        if let Some(vrm) = vehicle.vrm.as_deref().and_then(normalise_vehicle_mark) {
            push_unique(&mut out.vrms, vrm);
        }
        if let Some(vin) = vehicle.vin.as_deref().and_then(normalise_vehicle_mark) {
            push_unique(&mut out.vins, vin);
        }
    }
    out
}

fn push_unique<T: PartialEq>(values: &mut Vec<T>, value: T) {
    if !values.contains(&value) {
        values.push(value);
    }
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn names(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for value in values.iter().take(MAX_VALUES_PER_FIELD) {
        // "Alex Jordan" in one given-name field is two given names.
        for part in value.split_whitespace() {
            let n = normalise_name(part);
            if !n.is_empty() {
                out.push(n);
            }
        }
    }
    out.truncate(MAX_VALUES_PER_FIELD);
    out
}

/// A name in compact comparable form: lower case, common Latin accents removed, letters and
/// digits only (so `O'Example-Wood` and `oexamplewood` are the same).
pub fn normalise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let folded = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
                'a'
            }
            'ç' | 'Ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
            'ñ' | 'Ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => {
                'o'
            }
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
            'ý' | 'ÿ' | 'Ý' => 'y',
            c => c,
        };
        if folded.is_alphanumeric() {
            out.extend(folded.to_lowercase());
        }
    }
    out
}

fn normalise_gender(gender: &str) -> Option<Gender> {
    let g: String = gender
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    // DS_037 words, single letters, and the SDM's GNDR codes.
    match g.as_str() {
        "female" | "f" | "gndr0001" => Some(Gender::Female),
        "male" | "m" | "gndr0003" => Some(Gender::Male),
        "transfemale" | "gndr0009" => Some(Gender::TransFemale),
        "transmale" | "gndr0010" => Some(Gender::TransMale),
        "nonbinary" | "gndr0004" => Some(Gender::NonBinary),
        "intersex" | "gndr0002" => Some(Gender::Intersex),
        _ => None,
    }
}

/// The PNC check letters: index `n mod 23`.
const PNC_CHECK_LETTERS: &[u8; 23] = b"ZABCDEFGHJKLMNPQRTUVWXY";

/// The check letter of a PNC id (DS_072): the two-digit year followed by the seven-digit serial,
/// read as one number, modulo 23, indexing `ZABCDEFGHJKLMNPQRTUVWXY`.
pub fn pnc_check_letter(two_digit_year: u32, serial: u32) -> char {
    let n = u64::from(two_digit_year) * 10_000_000 + u64::from(serial);
    // n % 23 < 23, so the index is in range.
    char::from(PNC_CHECK_LETTERS[(n % 23) as usize])
}

/// A PNC id in canonical form `YY/NNNNNNNL`, from `YYYY/NNNNNNNL` or the short `YY/NNNNNL`
/// (serial without leading zeros), with its check letter verified.
///
/// The canonical form keeps the two-digit year because the check letter covers only that: a
/// system that writes `1988/0012345G` and one that writes `88/12345G` name the same id.
///
/// # Errors
/// Why the id cannot be used: its shape, or a check letter that does not match (a mistyped id,
/// which must not count as a conflicting one).
pub fn normalise_pnc_id(pnc: &str) -> Result<String, &'static str> {
    const SHAPE: &str = "not of the form YYYY/NNNNNNNL";
    let compact: String = pnc
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let (year, rest) = compact.split_once('/').ok_or(SHAPE)?;
    let year = match year.len() {
        4 | 2 if year.bytes().all(|b| b.is_ascii_digit()) => &year[year.len() - 2..],
        _ => return Err(SHAPE),
    };
    let letter = rest.chars().last().ok_or(SHAPE)?;
    let serial = &rest[..rest.len() - letter.len_utf8()];
    if serial.is_empty() || serial.len() > 7 || !serial.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SHAPE);
    }
    let (Ok(yy), Ok(serial)) = (year.parse::<u32>(), serial.parse::<u32>()) else {
        return Err(SHAPE);
    };
    if pnc_check_letter(yy, serial) != letter {
        return Err("check letter does not match");
    }
    Ok(format!("{yy:02}/{serial:07}{letter}"))
}

/// A CRO number (DS_071) in canonical form: `NNNNNN/YYL` with the serial zero-padded, or
/// `SFYY/NNNNNNL`. Only the shape is checked: the reference this crate follows does not define
/// which digits the mod-23 check letter covers.
pub fn normalise_cro_number(cro: &str) -> Option<String> {
    let compact: String = cro
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let check_ok = |c: char| c.is_ascii_uppercase() && !matches!(c, 'I' | 'O' | 'S');
    if let Some(rest) = compact.strip_prefix("SF") {
        let (year, tail) = rest.split_once('/')?;
        let letter = tail.chars().last()?;
        let serial = &tail[..tail.len() - letter.len_utf8()];
        let ok = year.len() == 2
            && year.bytes().all(|b| b.is_ascii_digit())
            && (1..=7).contains(&serial.len())
            && serial.bytes().all(|b| b.is_ascii_digit())
            && check_ok(letter);
        return ok.then(|| format!("SF{year}/{:0>7}{letter}", serial));
    }
    let (serial, tail) = compact.split_once('/')?;
    let t = tail.as_bytes();
    let ok = (1..=6).contains(&serial.len())
        && serial.bytes().all(|b| b.is_ascii_digit())
        && t.len() == 3
        && t[0].is_ascii_digit()
        && t[1].is_ascii_digit()
        && check_ok(char::from(t[2]));
    ok.then(|| format!("{serial:0>6}/{tail}"))
}

/// A postcode of UK shape (DS_010): outward code of pattern AN, ANN, AAN, AANN, ANA or AANA,
/// then the inward code NAA; or `GIR 0AA`. Spacing and case are ignored.
///
/// Only the shape is checked, not the letter rules: a linker compares what systems hold, and a
/// shape is what tells a postcode from a typing slip into the wrong field. (The repo's demo data
/// use the non-existent `ZZ` area, which the letter rules would refuse.)
pub(crate) fn normalise_postcode(postcode: &str) -> Option<Postcode> {
    let full: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let b = full.as_bytes();
    if !(5..=7).contains(&b.len()) {
        return None;
    }
    let (outward, inward) = b.split_at(b.len() - 3);
    let inward_ok = inward[0].is_ascii_digit()
        && inward[1].is_ascii_uppercase()
        && inward[2].is_ascii_uppercase();
    let shape: String = outward
        .iter()
        .map(|c| match c {
            b'A'..=b'Z' => 'A',
            b'0'..=b'9' => 'N',
            _ => '?',
        })
        .collect();
    let outward_ok = matches!(
        shape.as_str(),
        "AN" | "ANN" | "AAN" | "AANN" | "ANA" | "AANA"
    ) || full == "GIR0AA";
    if !(inward_ok && outward_ok) {
        return None;
    }
    let district = String::from_utf8_lossy(outward).into_owned();
    let sector = format!("{district}{}", char::from(inward[0]));
    Some(Postcode {
        full,
        sector,
        district,
    })
}

/// A UPRN (DS_011) as a number: digits only, leading zeros dropped, so `000012345678` and
/// `12345678` agree.
pub(crate) fn normalise_uprn(uprn: &str) -> Option<String> {
    let uprn = uprn.trim();
    if uprn.is_empty() || uprn.len() > 12 || !uprn.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = uprn.trim_start_matches('0');
    Some(if trimmed.is_empty() { "0" } else { trimmed }.to_owned())
}

/// A telephone number in E.164 form, `+` and 8 to 15 digits.
///
/// Accepts E.164 with any spacing and punctuation, the international `00` prefix, the UK trunk
/// `(0)` written after `+44`, and UK national numbers (a leading `0`, read as `+44`), because
/// UK systems hold all of these.
pub fn normalise_phone(phone: &str) -> Option<String> {
    let phone = phone.trim().replace("(0)", "");
    let mut digits = String::with_capacity(phone.len());
    let mut plus = false;
    for (i, c) in phone.chars().enumerate() {
        match c {
            '+' if i == 0 => plus = true,
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' | '/' => {}
            _ => return None,
        }
    }
    let international = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("44{rest}")
    } else {
        digits
    };
    let ok = (8..=15).contains(&international.len()) && !international.starts_with('0');
    ok.then(|| format!("+{international}"))
}

/// An e-mail address, trimmed and lower-cased, if it has one `@` with text either side.
pub(crate) fn normalise_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace);
    ok.then_some(email)
}

/// A VRM or VIN: upper case, letters and digits only (DS_065 holds VRMs without spaces).
pub(crate) fn normalise_vehicle_mark(mark: &str) -> Option<String> {
    let m: String = mark
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    (!m.is_empty() && m.len() <= 20).then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Address, RecordKey};

    #[test]
    fn names_lose_case_accents_and_punctuation() {
        assert_eq!(normalise_name("O'Example-Wood"), "oexamplewood");
        assert_eq!(normalise_name("  Zoë "), "zoe");
        assert_eq!(normalise_name("ÉXAMPLE"), "example");
    }

    #[test]
    fn pnc_ids_verify_their_check_letter() {
        assert_eq!(pnc_check_letter(1, 12345), 'H');
        assert_eq!(pnc_check_letter(88, 12345), 'G');
        assert_eq!(
            normalise_pnc_id("2001/0012345H").as_deref(),
            Ok("01/0012345H")
        );
        assert_eq!(normalise_pnc_id("01/12345h").as_deref(), Ok("01/0012345H"));
        assert_eq!(
            normalise_pnc_id("1988/0012345K"),
            Err("check letter does not match")
        );
        assert!(normalise_pnc_id("2001-0012345H").is_err());
        assert!(normalise_pnc_id("2001/00123456789H").is_err());
        assert!(normalise_pnc_id("/H").is_err());
        assert!(normalise_pnc_id("2001/").is_err());
    }

    #[test]
    fn every_single_digit_slip_in_a_pnc_id_is_caught() {
        let good = "2001/0012345H";
        for i in [2usize, 3, 5, 6, 7, 8, 9, 10, 11] {
            for d in b'0'..=b'9' {
                let mut bad = good.as_bytes().to_vec();
                if bad[i] == d {
                    continue;
                }
                bad[i] = d;
                let bad = String::from_utf8(bad).unwrap_or_default();
                assert!(normalise_pnc_id(&bad).is_err(), "{bad}");
            }
        }
    }

    #[test]
    fn cro_numbers_in_both_forms() {
        assert_eq!(
            normalise_cro_number("12345/99K").as_deref(),
            Some("012345/99K")
        );
        assert_eq!(
            normalise_cro_number("SF 99/12345L").as_deref(),
            Some("SF99/0012345L")
        );
        assert_eq!(
            normalise_cro_number("012345/99I"),
            None,
            "I is no check letter"
        );
        assert_eq!(normalise_cro_number("12345"), None);
    }

    #[test]
    fn postcodes_of_uk_shape_split_into_sector_and_district() {
        let pc = normalise_postcode("yy1 2ab").expect("valid");
        assert_eq!(
            (pc.full.as_str(), pc.sector.as_str(), pc.district.as_str()),
            ("YY12AB", "YY12", "YY1")
        );
        let pc = normalise_postcode("YY10 2AB").expect("valid");
        assert_eq!(pc.district, "YY10");
        assert!(normalise_postcode("W1A 0AX").is_some());
        assert!(normalise_postcode("GIR 0AA").is_some());
        for bad in ["YY1", "12345", "YY1 2A", "YYY12 3AB", "Y!1 2AB", "YY1 AAB"] {
            assert!(normalise_postcode(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn phones_become_e164() {
        for (input, want) in [
            ("+447700900123", "+447700900123"),
            ("+44 (0)7700 900123", "+447700900123"),
            ("07700 900123", "+447700900123"),
            ("00447700900123", "+447700900123"),
            ("447700900123", "+447700900123"),
        ] {
            assert_eq!(normalise_phone(input).as_deref(), Some(want), "{input}");
        }
        assert_eq!(normalise_phone("12345"), None);
        assert_eq!(normalise_phone("07700 9OO123"), None);
        assert_eq!(normalise_phone("+4477009001234567"), None);
    }

    #[test]
    fn uprns_compare_as_numbers() {
        assert_eq!(normalise_uprn("000012345678").as_deref(), Some("12345678"));
        assert_eq!(normalise_uprn("1234567890123"), None);
        assert_eq!(normalise_uprn("12a"), None);
    }

    #[test]
    fn unreadable_fields_are_noted_not_used() {
        let mut r = PersonRecord::new(RecordKey::new("s", "1"));
        r.pnc_id = Some("1988/0012345K".into());
        r.addresses.push(Address {
            postcode: Some("not a postcode".into()),
            uprn: Some("000012345678".into()),
        });
        r.phones.push("+447700900123".into());
        r.phones.push("call the desk".into());
        r.gender = Some("Not Known".into());
        r.surname = Some("Examplewood-Testfield".into());
        let p = prepare(&r);
        assert_eq!(p.pnc_id, None);
        assert_eq!(p.addresses.len(), 1);
        assert_eq!(p.addresses[0].postcode, None);
        assert_eq!(p.addresses[0].uprn.as_deref(), Some("12345678"));
        assert_eq!(p.phones, vec!["+447700900123".to_owned()]);
        assert_eq!(p.gender, None);
        assert_eq!(p.surname.as_deref(), Some("examplewoodtestfield"));
        assert_eq!(p.surname_parts, vec!["examplewood", "testfield"]);
        let fields: Vec<Field> = p.unusable.iter().map(|u| u.field).collect();
        assert_eq!(fields, vec![Field::PncId, Field::Address, Field::Phone]);
    }
}
