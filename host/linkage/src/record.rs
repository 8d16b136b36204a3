//! The linker's input: one person as one source system holds them, as plain Rust values.
//!
//! This is the linker's own type, independent of any wire format: the JSONL layer
//! ([`crate::jsonl`]) and the gateway each convert their records into it. Every field but the
//! [`RecordKey`] may be empty; the linker treats an empty field as "not known", never as a
//! disagreement.

use serde::{Deserialize, Serialize};

/// Which record this is: the system that holds it and that system's own id for it.
///
/// Keys order by system, then local id; the linker sorts its input by key before it does
/// anything else, so its results never depend on the order records arrive in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordKey {
    /// The source system, e.g. `Kestrel RMS`.
    pub system: String,
    /// The record's id in that system, e.g. `NOM-000101`.
    pub local_id: String,
}

impl RecordKey {
    /// A key from a system name and a local id.
    pub fn new(system: impl Into<String>, local_id: impl Into<String>) -> Self {
        Self {
            system: system.into(),
            local_id: local_id.into(),
        }
    }
}

impl std::fmt::Display for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.system, self.local_id)
    }
}

/// A date of birth as far as it is known: a year, optionally a month, optionally a day.
///
/// Partial dates are common in police data (`1988`, `1988-03`), and a partial date that agrees
/// with a full one is evidence, only weaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    /// The year, e.g. 1988.
    pub year: u16,
    /// The month, 1–12, if known.
    pub month: Option<u8>,
    /// The day of the month, 1–31, if known (only with a month).
    pub day: Option<u8>,
}

impl PartialDate {
    /// Parse `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (ISO 8601, as DS_034 asks). Anything else,
    /// including an impossible month or day, is `None`: an unreadable date is not known.
    pub fn parse_iso(text: &str) -> Option<Self> {
        let text = text.trim();
        let mut parts = text.split('-');
        let year_text = parts.next()?;
        if year_text.len() != 4 {
            return None;
        }
        let year: u16 = year_text.parse().ok()?;
        let month = match parts.next() {
            None => None,
            Some(m) if m.len() == 2 => Some(m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?),
            Some(_) => return None,
        };
        let day = match parts.next() {
            None => None,
            Some(d) if d.len() == 2 && month.is_some() => {
                Some(d.parse::<u8>().ok().filter(|d| (1..=31).contains(d))?)
            }
            Some(_) => return None,
        };
        if parts.next().is_some() || !(1800..=2200).contains(&year) {
            return None;
        }
        Some(Self { year, month, day })
    }

    /// A full date.
    pub fn full(year: u16, month: u8, day: u8) -> Self {
        Self {
            year,
            month: Some(month),
            day: Some(day),
        }
    }

    /// Whether year, month and day are all known.
    pub fn is_full(&self) -> bool {
        self.month.is_some() && self.day.is_some()
    }
}

/// An address a person is linked to (home, current, …), as far as the source holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Postcode as written, e.g. `YY1 2AB`; normalised and format-checked by the linker.
    pub postcode: Option<String>,
    /// The OS AddressBase UPRN (DS_011), up to 12 digits.
    pub uprn: Option<String>,
}

/// A vehicle a person is linked to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    /// Registration mark (DS_065), spacing and case ignored.
    pub vrm: Option<String>,
    /// Vehicle identification number.
    pub vin: Option<String>,
}

/// One person as one system holds them: the linker's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    /// Which system and which record.
    pub key: RecordKey,
    /// Given (first) names in order; the first is the one usually compared.
    pub given_names: Vec<String>,
    /// Middle names in order.
    pub middle_names: Vec<String>,
    /// Surname, possibly double-barrelled.
    pub surname: Option<String>,
    /// Date of birth, if known.
    pub date_of_birth: Option<PartialDate>,
    /// Gender as written (DS_037 words or SDM codes); `Not Known` and similar are not known.
    pub gender: Option<String>,
    /// PNC id (DS_072), `YYYY/NNNNNNNL` or the short `YY/NNNNNL`; the check letter is verified.
    pub pnc_id: Option<String>,
    /// CRO number (DS_071), `NNNNNN/YYL` or `SF YY/NNNNNL`.
    pub cro_number: Option<String>,
    /// Addresses the person is linked to.
    pub addresses: Vec<Address>,
    /// Telephone numbers, ideally E.164 (`+447700900123`); UK national forms are converted.
    pub phones: Vec<String>,
    /// E-mail addresses.
    pub emails: Vec<String>,
    /// Vehicles the person is linked to.
    pub vehicles: Vec<Vehicle>,
}

impl PersonRecord {
    /// A record with only its key: every other field unknown.
    pub fn new(key: RecordKey) -> Self {
        Self {
            key,
            given_names: Vec::new(),
            middle_names: Vec::new(),
            surname: None,
            date_of_birth: None,
            gender: None,
            pnc_id: None,
            cro_number: None,
            addresses: Vec::new(),
            phones: Vec::new(),
            emails: Vec::new(),
            vehicles: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_parse_full_and_partial() {
        assert_eq!(
            PartialDate::parse_iso("1988-03-14"),
            Some(PartialDate::full(1988, 3, 14))
        );
        assert_eq!(
            PartialDate::parse_iso("1988-03"),
            Some(PartialDate {
                year: 1988,
                month: Some(3),
                day: None
            })
        );
        assert_eq!(
            PartialDate::parse_iso("1988").map(|d| (d.month, d.day)),
            Some((None, None))
        );
    }

    #[test]
    fn unreadable_dates_are_not_known() {
        for bad in [
            "14/03/1988",
            "1988-13-01",
            "1988-02-32",
            "88-03-14",
            "1988-3-14",
            "",
            "1988-03-14-01",
            "0001-01-01",
        ] {
            assert_eq!(PartialDate::parse_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn keys_order_by_system_then_local_id() {
        let mut keys = [
            RecordKey::new("b", "1"),
            RecordKey::new("a", "2"),
            RecordKey::new("a", "10"),
        ];
        keys.sort();
        assert_eq!(keys[0], RecordKey::new("a", "10"));
        assert_eq!(keys[2], RecordKey::new("b", "1"));
        assert_eq!(keys[1].to_string(), "a:2");
    }
}
