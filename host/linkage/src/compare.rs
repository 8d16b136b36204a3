//! Field comparisons with graded agreement.
//!
//! Each [`Field`] compares two prepared records and answers with an agreement level: an index
//! into [`Field::levels`], the strongest agreement first and `different` last, or nothing when
//! either record lacks the field (no evidence either way). The levels are the categories whose
//! match weights the model estimates; the thresholds that define them are named here.

use strsim::{jaro_winkler, osa_distance};

pub use crate::field::{FIELD_COUNT, Field};
pub(crate) use crate::field::{Level, NOT_COMPARED};
use crate::nicknames::share_family;
use crate::normalise::{PreparedAddress, PreparedRecord};
use crate::record::PartialDate;

/// Jaro–Winkler similarity at or above which two names are `similar`: one slip of the keyboard
/// in a name of six or more letters (`Examplewood` / `Exampelwood` is 0.98) but not two
/// different common names.
pub const NAME_SIMILAR: f64 = 0.92;

/// Jaro–Winkler similarity at or above which two names are `roughly_similar`: two or three
/// slips, or a different spelling of the same sound. Weak evidence; the model weighs it.
pub const NAME_ROUGHLY_SIMILAR: f64 = 0.80;

/// Shortest name prefix that counts as a short form (`Chris` for `Christopher`): shorter ones
/// (`Al`, `Jo`) begin too many unrelated names.
pub const MIN_SHORT_FORM_LETTERS: usize = 3;

/// The levels of every field for one pair of records, in [`Field::ALL`] order.
pub(crate) type ComparisonVector = [Level; FIELD_COUNT];

/// Compare every field of two prepared records.
pub(crate) fn compare_records(a: &PreparedRecord, b: &PreparedRecord) -> ComparisonVector {
    let mut v = [NOT_COMPARED; FIELD_COUNT];
    for field in Field::ALL {
        v[field.index()] = field.compare(a, b);
    }
    v
}

fn both<T>(a: &Option<T>, b: &Option<T>, f: impl Fn(&T, &T) -> Level) -> Level {
    match (a, b) {
        (Some(a), Some(b)) => f(a, b),
        _ => NOT_COMPARED,
    }
}

/// The strongest level over every pair of values (a person may have several addresses or
/// numbers; one in common is the evidence).
fn best<T>(a: &[T], b: &[T], f: impl Fn(&T, &T) -> Level) -> Level {
    let mut level = NOT_COMPARED;
    for x in a {
        for y in b {
            level = level.min(f(x, y));
            if level == 0 {
                return 0;
            }
        }
    }
    level
}

fn any_shared(a: &[String], b: &[String]) -> Level {
    if a.is_empty() || b.is_empty() {
        NOT_COMPARED
    } else {
        u8::from(!a.iter().any(|x| b.contains(x)))
    }
}

/// Jaro–Winkler similarity of two names, or 0 when it is certainly below
/// [`NAME_ROUGHLY_SIMILAR`] (the lowest threshold any level asks about).
///
/// Most pairs compared are strangers whose names share few letters; counting shared letters
/// bounds Jaro from above (Jaro's matches are a subset of them), so those pairs skip the full
/// computation. The answer is the same for every threshold this module uses.
fn name_similarity(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        let mut counts = [0i32; 128];
        for c in a.bytes() {
            counts[usize::from(c)] += 1;
        }
        let mut common = 0i32;
        for c in b.bytes() {
            let slot = &mut counts[usize::from(c)];
            if *slot > 0 {
                *slot -= 1;
                common += 1;
            }
        }
        let (c, la, lb) = (f64::from(common), a.len() as f64, b.len() as f64);
        let jaro_bound = (c / la + c / lb + 1.0) / 3.0;
        // Winkler's bonus is at most four prefix letters at 0.1 each.
        if jaro_bound + 0.4 * (1.0 - jaro_bound) < NAME_ROUGHLY_SIMILAR {
            return 0.0;
        }
    }
    jaro_winkler(a, b)
}

/// Whether two different names are `similar` given their Jaro–Winkler similarity: close enough
/// by that measure, or one slip apart in names of four letters or more (where Jaro–Winkler
/// undervalues one slip).
fn similar(a: &str, b: &str, jw: f64) -> bool {
    if jw >= NAME_SIMILAR {
        return true;
    }
    // One slip in four letters or more keeps Jaro–Winkler above the rough threshold, so a
    // name the letter bound already put below it is more than one slip away.
    if jw < NAME_ROUGHLY_SIMILAR {
        return false;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    la.abs_diff(lb) <= 1 && la.min(lb) >= 4 && one_edit_apart(a, b)
}

/// Whether two strings are at most one edit apart (a substitution, insertion, deletion or
/// swap of neighbours): strsim's optimal string alignment distance, after a quick count of
/// differing positions that rules out most pairs of equal length (one edit changes at most
/// two positions).
fn one_edit_apart(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        // One byte is one character: lengths more than one apart are more than one edit,
        // and one insertion leaves the rest equal around it.
        let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
        match long.len() - short.len() {
            0 => {
                let differing = a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count();
                if differing > 2 {
                    return false;
                }
            }
            1 => {
                let prefix = long
                    .bytes()
                    .zip(short.bytes())
                    .take_while(|(x, y)| x == y)
                    .count();
                return long.as_bytes()[prefix + 1..] == short.as_bytes()[prefix..];
            }
            _ => return false,
        }
    }
    osa_distance(a, b) <= 1
}

fn compare_surname(a: &str, b: &str, ra: &PreparedRecord, rb: &PreparedRecord) -> Level {
    if a == b {
        return 0;
    }
    if (ra.surname_parts.len() > 1 || rb.surname_parts.len() > 1)
        && ra
            .surname_parts
            .iter()
            .any(|p| rb.surname_parts.contains(p))
    {
        return 1;
    }
    let jw = name_similarity(a, b);
    if similar(a, b, jw) {
        2
    } else if jw >= NAME_ROUGHLY_SIMILAR {
        3
    } else {
        4
    }
}

/// Whether one name is an initial of the other (`A` and `Alex`).
fn is_initial_of(initial: &str, name: &str) -> bool {
    initial.chars().count() == 1 && name.starts_with(initial)
}

/// Whether one name is a short form of the other by prefix (`Chris` and `Christopher`).
fn is_short_form(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.chars().count() >= MIN_SHORT_FORM_LETTERS && long.starts_with(short)
}

fn compare_given_names(a: &PreparedRecord, b: &PreparedRecord) -> Level {
    let (Some(x), Some(y)) = (a.first_given(), b.first_given()) else {
        return NOT_COMPARED;
    };
    if x == y {
        return 0;
    }
    fn families(r: &PreparedRecord, i: usize) -> &'static [u16] {
        r.name_families.get(i).copied().unwrap_or(&[])
    }
    fn names(r: &PreparedRecord) -> impl Iterator<Item = (usize, &String)> {
        r.given_names.iter().chain(&r.middle_names).enumerate()
    }
    if is_short_form(x, y) || share_family(families(a, 0), families(b, 0)) {
        return 1;
    }
    let jw = name_similarity(x, y);
    if similar(x, y, jw) {
        return 2;
    }
    if is_initial_of(x, y) || is_initial_of(y, x) {
        return 3;
    }
    // A first name recorded as a middle name elsewhere, or given names in another order.
    let any_other = names(a).any(|(i, n)| {
        n.chars().count() > 1
            && names(b).any(|(j, m)| m == n || share_family(families(a, i), families(b, j)))
    });
    if any_other {
        return 4;
    }
    if jw >= NAME_ROUGHLY_SIMILAR { 5 } else { 6 }
}

fn compare_dates(a: &PartialDate, b: &PartialDate) -> Level {
    if a.is_full() && b.is_full() {
        let same = [a.year == b.year, a.month == b.month, a.day == b.day];
        let agreeing = same.iter().filter(|s| **s).count();
        return if agreeing == 3 {
            0
        } else if a.year == b.year && a.month == b.day && a.day == b.month {
            1
        } else if agreeing == 2 {
            3
        } else {
            4
        };
    }
    // At least one partial date: compare the parts both hold.
    let month = match (a.month, b.month) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let day = match (a.day, b.day) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    match (a.year == b.year, month, day) {
        (true, Some(false), _) | (true, _, Some(false)) => 3,
        (true, _, _) => 2,
        (false, Some(true) | None, Some(true) | None) if month.is_some() => 3,
        _ => 4,
    }
}

fn compare_addresses(a: &PreparedAddress, b: &PreparedAddress) -> Level {
    if let (Some(x), Some(y)) = (&a.uprn, &b.uprn)
        && x == y
    {
        return 0;
    }
    let (Some(x), Some(y)) = (&a.postcode, &b.postcode) else {
        // UPRNs that differ, with no postcode on one side: two different addresses.
        return if a.uprn.is_some() && b.uprn.is_some() {
            5
        } else {
            NOT_COMPARED
        };
    };
    if x.full == y.full {
        if a.uprn.is_some() && b.uprn.is_some() {
            2
        } else {
            1
        }
    } else if x.sector == y.sector {
        3
    } else if x.district == y.district {
        4
    } else {
        5
    }
}

fn compare_emails(a: &String, b: &String) -> Level {
    if a == b {
        return 0;
    }
    fn local(e: &str) -> Option<&str> {
        e.split_once('@').map(|(l, _)| l)
    }
    // A slip in a letter is a typing error; a different number (`a.example58`, `a.example88`)
    // is usually someone else's address: relatives' addresses differ in just that.
    let digits = |e: &str| e.bytes().filter(u8::is_ascii_digit).collect::<Vec<u8>>();
    if local(a) == local(b) || one_edit_apart(a, b) && digits(a) == digits(b) {
        1
    } else {
        2
    }
}

fn compare_phones(a: &String, b: &String) -> Level {
    if a == b {
        0
    } else if one_edit_apart(a, b) {
        1
    } else {
        2
    }
}

impl Field {
    /// Compare this field of two prepared records.
    pub(crate) fn compare(self, a: &PreparedRecord, b: &PreparedRecord) -> Level {
        match self {
            Field::Surname => both(&a.surname, &b.surname, |x, y| compare_surname(x, y, a, b)),
            Field::GivenName => compare_given_names(a, b),
            Field::DateOfBirth => both(&a.date_of_birth, &b.date_of_birth, compare_dates),
            Field::Gender => both(&a.gender, &b.gender, |x, y| u8::from(x != y)),
            Field::Address => best(&a.addresses, &b.addresses, compare_addresses),
            Field::Phone => best(&a.phones, &b.phones, compare_phones),
            Field::Email => best(&a.emails, &b.emails, compare_emails),
            Field::PncId => both(&a.pnc_id, &b.pnc_id, |x, y| u8::from(x != y)),
            Field::CroNumber => both(&a.cro_number, &b.cro_number, |x, y| u8::from(x != y)),
            Field::Vrm => any_shared(&a.vrms, &b.vrms),
            Field::Vin => any_shared(&a.vins, &b.vins),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::prepare;
    use crate::record::{Address, PersonRecord, RecordKey, Vehicle};

    fn person(given: &str, surname: &str) -> PersonRecord {
        let mut r = PersonRecord::new(RecordKey::new("s", given));
        if !given.is_empty() {
            r.given_names = vec![given.into()];
        }
        if !surname.is_empty() {
            r.surname = Some(surname.into());
        }
        r
    }

    fn level(field: Field, a: &PersonRecord, b: &PersonRecord) -> Option<&'static str> {
        let l = field.compare(&prepare(a), &prepare(b));
        (l != NOT_COMPARED).then(|| field.levels()[usize::from(l)])
    }

    #[test]
    fn surnames_grade_from_exact_to_different() {
        let s = |a: &str, b: &str| level(Field::Surname, &person("x", a), &person("x", b));
        assert_eq!(s("Examplewood", "EXAMPLE-WOOD"), Some("exact"));
        assert_eq!(
            s("Examplewood-Testfield", "Examplewood"),
            Some("hyphenated_part")
        );
        assert_eq!(
            s("Testfield", "Examplewood Testfield"),
            Some("hyphenated_part")
        );
        assert_eq!(s("Examplewood", "Exampelwood"), Some("similar"));
        assert_eq!(s("Examplewood", "Eksamplwode"), Some("roughly_similar"));
        assert_eq!(s("Examplewood", "Testfield"), Some("different"));
        assert_eq!(s("Examplewood", ""), None);
    }

    #[test]
    fn given_names_know_nicknames_short_forms_and_initials() {
        let g = |a: &str, b: &str| level(Field::GivenName, &person(a, "x"), &person(b, "x"));
        assert_eq!(g("Alex", "ALEX"), Some("exact"));
        assert_eq!(g("Alex", "Alexander"), Some("nickname"));
        assert_eq!(g("Bill", "William"), Some("nickname"));
        assert_eq!(
            g("Chris", "Christophe"),
            Some("nickname"),
            "short form by prefix"
        );
        assert_eq!(g("Jonathon", "Jonathan"), Some("similar"));
        assert_eq!(g("A", "Alex"), Some("initial"));
        assert_eq!(g("Priya", "Jordan"), Some("different"));
        assert_eq!(g("", "Jordan"), None);
    }

    #[test]
    fn a_first_name_held_as_a_middle_name_is_another_given_name() {
        let mut a = person("Alex", "x");
        a.middle_names = vec!["Jordan".into()];
        let b = person("Jordan", "x");
        assert_eq!(level(Field::GivenName, &a, &b), Some("other_given_name"));
    }

    #[test]
    fn dates_of_birth_know_transpositions_and_partial_dates() {
        let d = |a: &str, b: &str| {
            let mut x = person("x", "x");
            let mut y = person("x", "x");
            x.date_of_birth = PartialDate::parse_iso(a);
            y.date_of_birth = PartialDate::parse_iso(b);
            level(Field::DateOfBirth, &x, &y)
        };
        assert_eq!(d("1988-03-14", "1988-03-14"), Some("exact"));
        assert_eq!(d("1988-03-04", "1988-04-03"), Some("day_month_transposed"));
        assert_eq!(d("1988-03-14", "1988-03"), Some("partial_agrees"));
        assert_eq!(d("1988-03-14", "1988"), Some("partial_agrees"));
        assert_eq!(d("1988-03-14", "1988-04"), Some("one_part_differs"));
        assert_eq!(d("1988-03-14", "1989-03-14"), Some("one_part_differs"));
        assert_eq!(d("1988-03-14", "1988-03-15"), Some("one_part_differs"));
        assert_eq!(d("1988-03-14", "1960-07-02"), Some("different"));
        assert_eq!(d("1988-03", "1960"), Some("different"));
        assert_eq!(d("1988-03-14", "not a date"), None);
    }

    #[test]
    fn addresses_grade_by_uprn_then_postcode_sector_and_district() {
        let p = |a: &str, b: &str| {
            let mut x = person("x", "x");
            let mut y = person("x", "x");
            x.addresses.push(Address {
                postcode: Some(a.into()),
                uprn: None,
            });
            y.addresses.push(Address {
                postcode: Some(b.into()),
                uprn: None,
            });
            level(Field::Address, &x, &y)
        };
        assert_eq!(p("YY1 2AB", "yy12ab"), Some("same_postcode"));
        assert_eq!(p("YY1 2AB", "YY1 2XY"), Some("same_sector"));
        assert_eq!(p("YY1 2AB", "YY1 7XY"), Some("same_district"));
        assert_eq!(p("YY1 2AB", "YY9 2AB"), Some("different"));
    }

    #[test]
    fn any_shared_address_phone_or_vehicle_agrees() {
        let mut x = person("x", "x");
        let mut y = person("x", "x");
        x.addresses.push(Address {
            postcode: None,
            uprn: Some("000012345678".into()),
        });
        y.addresses.push(Address {
            postcode: None,
            uprn: Some("99".into()),
        });
        y.addresses.push(Address {
            postcode: None,
            uprn: Some("12345678".into()),
        });
        assert_eq!(level(Field::Address, &x, &y), Some("same_uprn"));
        let mut z = person("x", "x");
        z.addresses.push(Address {
            postcode: None,
            uprn: Some("4".into()),
        });
        assert_eq!(level(Field::Address, &x, &z), Some("different"));
        x.addresses[0].postcode = Some("YY1 2AB".into());
        z.addresses[0].postcode = Some("YY1 2AB".into());
        assert_eq!(
            level(Field::Address, &x, &z),
            Some("same_postcode_other_uprn")
        );
        x.phones = vec!["07700 900123".into()];
        y.phones = vec!["+447700900124".into()];
        assert_eq!(level(Field::Phone, &x, &y), Some("one_digit_differs"));
        y.phones.push("+447700900123".into());
        assert_eq!(level(Field::Phone, &x, &y), Some("exact"));
        x.vehicles.push(Vehicle {
            vrm: Some("yy51 abc".into()),
            vin: None,
        });
        y.vehicles.push(Vehicle {
            vrm: Some("YY51ABD".into()),
            vin: None,
        });
        assert_eq!(level(Field::Vrm, &x, &y), Some("different"));
        assert_eq!(level(Field::Vin, &x, &y), None);
    }

    #[test]
    fn emails_agree_on_local_part() {
        let e = |a: &str, b: &str| {
            let mut x = person("x", "x");
            let mut y = person("x", "x");
            x.emails = vec![a.into()];
            y.emails = vec![b.into()];
            level(Field::Email, &x, &y)
        };
        assert_eq!(
            e(
                "A.Examplewood@example.invalid",
                "a.examplewood@example.invalid"
            ),
            Some("exact")
        );
        assert_eq!(
            e(
                "a.examplewood@example.invalid",
                "a.examplewood@mail.example"
            ),
            Some("similar")
        );
        assert_eq!(
            e(
                "a.examplewood@example.invalid",
                "p.testfield@example.invalid"
            ),
            Some("different")
        );
    }

    #[test]
    fn identifiers_agree_or_conflict_and_bad_ones_are_not_compared() {
        let mut x = person("x", "x");
        let mut y = person("x", "x");
        x.pnc_id = Some("2001/0012345H".into());
        y.pnc_id = Some("01/12345H".into());
        assert_eq!(level(Field::PncId, &x, &y), Some("exact"));
        y.pnc_id = Some("1988/0012345G".into());
        assert_eq!(level(Field::PncId, &x, &y), Some("different"));
        y.pnc_id = Some("1988/0012345K".into());
        assert_eq!(level(Field::PncId, &x, &y), None, "bad check letter");
        x.cro_number = Some("012345/99K".into());
        y.cro_number = Some("12345/99K".into());
        assert_eq!(level(Field::CroNumber, &x, &y), Some("exact"));
        x.gender = Some("Male".into());
        y.gender = Some("GNDR_0001".into());
        assert_eq!(level(Field::Gender, &x, &y), Some("different"));
    }

    #[test]
    fn one_edit_apart_agrees_with_osa_distance() {
        let words = [
            "+447700900123",
            "+447700900124",
            "+447700901223",
            "+44770090012",
            "+4477009001234",
            "+441632960123",
            "abcd",
            "abdc",
            "ab",
            "zoë",
            "zoe",
            "",
            "x",
            "abc",
            "xabc",
            "abxc",
            "abcx",
            "bac",
            "acb",
        ];
        for a in words {
            for b in words {
                assert_eq!(one_edit_apart(a, b), osa_distance(a, b) <= 1, "{a} {b}");
            }
        }
    }

    #[test]
    fn the_shared_letter_bound_never_hides_a_similar_name() {
        let names = [
            "examplewood",
            "exampelwood",
            "eksamplwode",
            "testfield",
            "alex",
            "alexander",
            "jo",
            "joanna",
            "priya",
            "pryia",
            "a",
            "wei",
            "mei",
            "samplefield",
            "fablehurst",
            "zoe",
        ];
        for a in names {
            for b in names {
                let jw = jaro_winkler(a, b);
                let bounded = name_similarity(a, b);
                if jw >= NAME_ROUGHLY_SIMILAR {
                    assert_eq!(bounded, jw, "{a} {b}");
                } else {
                    assert!(bounded < NAME_ROUGHLY_SIMILAR, "{a} {b}");
                }
            }
        }
    }

    #[test]
    fn every_field_has_an_exact_and_a_different_level() {
        for f in Field::ALL {
            assert!(f.levels()[0].starts_with("exact") || f.levels()[0] == "same_uprn");
            assert_eq!(f.levels()[usize::from(f.different())], "different");
            assert_eq!(Field::ALL[f.index()], f);
        }
    }
}
