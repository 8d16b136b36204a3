//! The linker end to end: the cases the issue names, order independence, and estimation on a
//! synthetic population large enough to estimate from. Every name, date and number is invented.

use interop_linkage::{
    Address, Field, LinkConfig, Linkage, ModelSource, NotGroupedBecause, PartialDate, PersonRecord,
    RecordKey, WeightSource, link,
};
use proptest::prelude::*;

fn person(system: &str, id: &str, given: &str, surname: &str, dob: &str) -> PersonRecord {
    let mut r = PersonRecord::new(RecordKey::new(system, id));
    r.given_names = vec![given.into()];
    r.surname = Some(surname.into());
    r.date_of_birth = PartialDate::parse_iso(dob);
    r
}

fn with_address(mut r: PersonRecord, postcode: &str) -> PersonRecord {
    r.addresses.push(Address {
        postcode: Some(postcode.into()),
        uprn: None,
    });
    r
}

fn group_members(linkage: &Linkage) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = linkage
        .groups
        .iter()
        .map(|g| g.members.iter().map(ToString::to_string).collect())
        .collect();
    groups.sort();
    groups
}

#[test]
fn alex_and_alexander_with_a_transposed_date_of_birth_are_one_person_and_the_group_says_why() {
    let records = vec![
        with_address(
            person(
                "Kestrel RMS",
                "NOM-000101",
                "Alex",
                "Examplewood",
                "1988-03-04",
            ),
            "YY1 2AB",
        ),
        with_address(
            person(
                "Osprey Custody",
                "CUS-7",
                "Alexander",
                "Examplewood",
                "1988-04-03",
            ),
            "YY1 2AB",
        ),
        with_address(
            person(
                "Kestrel RMS",
                "NOM-000102",
                "Priya",
                "Testfield",
                "1975-11-02",
            ),
            "YY9 9ZZ",
        ),
    ];
    let linkage = link(&records, &LinkConfig::default()).expect("links");
    assert_eq!(linkage.groups.len(), 2);
    let alex = linkage.group_of(0).expect("grouped");
    assert_eq!(Some(alex), linkage.group_of(1));
    assert_ne!(Some(alex), linkage.group_of(2));
    assert_eq!(alex.members.len(), 2);
    assert_eq!(alex.links.len(), 1);
    let link = &alex.links[0];
    assert!(link.match_probability >= 0.5, "{}", link.match_probability);
    let level = |field: Field| {
        link.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| (f.agreement.as_str(), f.weight))
    };
    let (given, given_weight) = level(Field::GivenName).expect("given compared");
    assert_eq!(given, "nickname");
    assert!(given_weight > 0.0);
    assert_eq!(
        level(Field::DateOfBirth).map(|l| l.0),
        Some("day_month_transposed")
    );
    assert_eq!(level(Field::Surname).map(|l| l.0), Some("exact"));
    assert_eq!(level(Field::Address).map(|l| l.0), Some("same_postcode"));
    assert!(level(Field::PncId).is_none(), "neither holds a PNC id");
    // The explanation is ids, weights and level names, never record content.
    let text = serde_json::to_string(alex).expect("serialises");
    for content in ["Alex", "Examplewood", "1988", "YY1"] {
        assert!(!text.contains(content), "{content} leaked into {text}");
    }
}

#[test]
fn strangers_sharing_name_and_date_of_birth_with_different_pnc_ids_stay_apart_as_a_possible_match()
{
    let mut a = with_address(
        person(
            "Kestrel RMS",
            "NOM-1",
            "Jordan",
            "Samplefield",
            "1990-06-21",
        ),
        "YY3 4DE",
    );
    a.pnc_id = Some("2008/0012345P".into());
    a.gender = Some("male".into());
    let mut b = with_address(
        person(
            "Osprey Custody",
            "CUS-1",
            "Jordan",
            "Samplefield",
            "1990-06-21",
        ),
        "YY3 4DE",
    );
    // A valid id (its check letter agrees), and not the same one.
    b.pnc_id = Some("2009/0054321F".into());
    b.gender = Some("male".into());
    assert_eq!(interop_linkage::normalise::pnc_check_letter(9, 54321), 'F');
    assert_eq!(interop_linkage::normalise::pnc_check_letter(8, 12345), 'P');
    let linkage = link(&[a, b], &LinkConfig::default()).expect("links");
    assert_eq!(linkage.groups.len(), 2, "not merged");
    let first = &linkage.groups[0];
    let second = &linkage.groups[1];
    assert_eq!(first.possible_matches.len(), 1);
    let possible = &first.possible_matches[0];
    assert_eq!(possible.other_group, second.id);
    assert_eq!(
        possible.because,
        NotGroupedBecause::ConflictingIdentifier {
            field: Field::PncId
        }
    );
    let pnc = possible
        .link
        .fields
        .iter()
        .find(|f| f.field == Field::PncId)
        .expect("PNC compared");
    assert_eq!(pnc.agreement, "different");
    assert!(pnc.weight < -5.0, "a conflict is strong counter-evidence");
    assert_eq!(second.possible_matches[0].other_group, first.id);
}

#[test]
fn a_mistyped_pnc_id_is_not_a_conflict() {
    let mut a = person(
        "Kestrel RMS",
        "NOM-1",
        "Jordan",
        "Samplefield",
        "1990-06-21",
    );
    a.pnc_id = Some("2008/0012345P".into());
    let mut b = person(
        "Osprey Custody",
        "CUS-1",
        "Jordan",
        "Samplefield",
        "1990-06-21",
    );
    b.pnc_id = Some("2008/0012354P".into()); // two digits swapped: the check letter fails
    let linkage = link(&[a, b], &LinkConfig::default()).expect("links");
    assert_eq!(linkage.groups.len(), 1);
    assert_eq!(linkage.unusable[1][0].field, Field::PncId);
}

#[test]
fn thresholds_come_from_config() {
    let records = vec![
        person("A", "1", "Alex", "Examplewood", "1988-03-04"),
        person("B", "1", "Alexander", "Examplewood", "1988-04-03"),
    ];
    let strict = LinkConfig {
        group_threshold: 0.999_999_9,
        possible_threshold: 0.01,
        ..LinkConfig::default()
    };
    let linkage = link(&records, &strict).expect("links");
    assert_eq!(linkage.groups.len(), 2);
    assert_eq!(
        linkage.groups[0].possible_matches[0].because,
        NotGroupedBecause::BelowGroupThreshold
    );
    let bad = LinkConfig {
        possible_threshold: 0.9,
        group_threshold: 0.5,
        ..LinkConfig::default()
    };
    assert!(link(&records, &bad).is_err());
}

#[test]
fn duplicate_keys_are_refused() {
    let records = vec![
        person("A", "1", "Alex", "Examplewood", "1988-03-04"),
        person("A", "1", "Alex", "Examplewood", "1988-03-04"),
    ];
    assert!(matches!(
        link(&records, &LinkConfig::default()),
        Err(interop_linkage::LinkError::DuplicateRecord {
            first: 0,
            second: 1,
            ..
        })
    ));
}

// ---- a synthetic population, in Rust, for order independence and estimation ----

/// A seeded generator (xorshift) so tests need no randomness crate of their own.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1_000_000.0 < p
    }
}

const GIVEN: [(&str, &str); 12] = [
    ("Alexander", "Alex"),
    ("William", "Bill"),
    ("Elizabeth", "Liz"),
    ("Margaret", "Peggy"),
    ("Robert", "Bob"),
    ("Katherine", "Kate"),
    ("Priya", "P"),
    ("Jordan", "J"),
    ("Thomas", "Tom"),
    ("Rebecca", "Becky"),
    ("Samuel", "Sam"),
    ("Victoria", "Vicky"),
];
const STEMS: [&str; 8] = [
    "Example", "Sample", "Test", "Specimen", "Fiction", "Mock", "Proto", "Fable",
];
const ENDINGS: [&str; 8] = ["wood", "field", "ford", "ton", "by", "ham", "well", "shaw"];

fn slip(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() > 3 {
        let i = 1 + rng.below(chars.len() as u64 - 2) as usize;
        chars.swap(i, i + 1);
    }
    chars.into_iter().collect()
}

/// `people` invented people held by three systems, each holding ~60% with some noise.
/// Returns the records and each record's person.
fn population(people: usize, seed: u64) -> (Vec<PersonRecord>, Vec<usize>) {
    let mut rng = Rng(seed | 1);
    let mut records = Vec::new();
    let mut truth = Vec::new();
    for p in 0..people {
        let (given, short) = GIVEN[rng.below(GIVEN.len() as u64) as usize];
        let surname = format!(
            "{}{}",
            STEMS[rng.below(8) as usize],
            ENDINGS[rng.below(8) as usize]
        );
        let (y, m, d) = (1950 + rng.below(55), 1 + rng.below(12), 1 + rng.below(28));
        let postcode = format!("YY{} {}AB", 1 + rng.below(40), rng.below(10));
        let phone = format!("+4477009{:05}", p);
        for (s, system) in ["Kestrel RMS", "Osprey Custody", "Harrier ANPR"]
            .iter()
            .enumerate()
        {
            if !rng.chance(0.6) {
                continue;
            }
            let id = format!("{}-{p:05}", ["NOM", "CUS", "KPR"][s]);
            let g = if rng.chance(0.1) { short } else { given };
            let sn = if rng.chance(0.05) {
                slip(&mut rng, &surname)
            } else {
                surname.clone()
            };
            let (mm, dd) = if rng.chance(0.03) && d <= 12 {
                (d, m)
            } else {
                (m, d)
            };
            let dob = if rng.chance(0.05) {
                String::new()
            } else {
                format!("{y}-{mm:02}-{dd:02}")
            };
            let mut r = person(system, &id, g, &sn, &dob);
            let pc = if rng.chance(0.15) {
                format!("YY{} 9ZZ", 41 + rng.below(40))
            } else {
                postcode.clone()
            };
            r = with_address(r, &pc);
            if !rng.chance(0.3) {
                r.phones.push(phone.clone());
            }
            records.push(r);
            truth.push(p);
        }
    }
    (records, truth)
}

/// Settings for tests that estimate: a smaller random-pair sample than the default million,
/// since tests run unoptimised.
fn estimating() -> LinkConfig {
    LinkConfig {
        u_sample_pairs: 100_000,
        ..LinkConfig::default()
    }
}

fn pairwise_f1(linkage: &Linkage, truth: &[usize]) -> f64 {
    let n = truth.len();
    let (mut tp, mut predicted, mut actual) = (0usize, 0usize, 0usize);
    for i in 0..n {
        for j in i + 1..n {
            let same_group = linkage.record_groups[i] == linkage.record_groups[j];
            let same_person = truth[i] == truth[j];
            tp += usize::from(same_group && same_person);
            predicted += usize::from(same_group);
            actual += usize::from(same_person);
        }
    }
    let precision = tp as f64 / predicted.max(1) as f64;
    let recall = tp as f64 / actual.max(1) as f64;
    2.0 * precision * recall / (precision + recall)
}

#[test]
fn weights_are_estimated_from_a_large_enough_input_and_link_well() {
    let (records, truth) = population(900, 7);
    assert!(records.len() >= 1_000, "{}", records.len());
    let linkage = link(&records, &estimating()).expect("links");
    assert!(
        matches!(linkage.model.source, ModelSource::Estimated { .. }),
        "{:?}",
        linkage.model.source
    );
    assert_eq!(linkage.model.validate(), Ok(()));
    let f1 = pairwise_f1(&linkage, &truth);
    assert!(f1 > 0.95, "pairwise F1 {f1}");
    // Blocking keeps the work near-linear: far fewer pairs than all of them.
    let all = records.len() * (records.len() - 1) / 2;
    assert!(linkage.summary.candidate_pairs * 50 < all);
}

#[test]
fn estimating_from_too_little_data_is_refused_when_asked_and_avoided_by_default() {
    let (records, _) = population(20, 3);
    let estimate = LinkConfig {
        weights: WeightSource::Estimate,
        ..LinkConfig::default()
    };
    assert!(matches!(
        link(&records, &estimate),
        Err(interop_linkage::LinkError::TooLittleToEstimate { .. })
    ));
    let linkage = link(&records, &LinkConfig::default()).expect("links");
    assert_eq!(linkage.model.source, ModelSource::BuiltIn);
}

#[test]
fn a_model_estimated_once_can_be_configured_for_later_runs() {
    let (records, _) = population(900, 11);
    let first = link(&records, &estimating()).expect("links");
    let text = serde_json::to_string(&first.model).expect("serialises");
    let model = serde_json::from_str(&text).expect("reads back");
    let configured = LinkConfig {
        weights: WeightSource::Configured { model },
        term_frequencies: false,
        ..LinkConfig::default()
    };
    let again = link(&records[..50], &configured).expect("links");
    assert_eq!(again.model.source, ModelSource::Configured);
}

#[test]
fn shuffling_the_input_gives_the_same_groups_and_ids() {
    let (records, _) = population(700, 5);
    let config = estimating();
    let first = link(&records, &config).expect("links");
    let mut shuffled = records.clone();
    let mut rng = Rng(99);
    for i in (1..shuffled.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        shuffled.swap(i, j);
    }
    let second = link(&shuffled, &config).expect("links");
    assert!(matches!(first.model.source, ModelSource::Estimated { .. }));
    assert_eq!(first.model, second.model, "the same estimate");
    assert_eq!(first.groups, second.groups, "groups, ids and explanations");
    for (i, r) in records.iter().enumerate() {
        let j = shuffled
            .iter()
            .position(|s| s.key == r.key)
            .expect("present");
        assert_eq!(
            first.group_of(i).map(|g| &g.id),
            second.group_of(j).map(|g| &g.id)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any small population, in any order: the same groups with the same ids.
    #[test]
    fn groups_do_not_depend_on_input_order(
        people in 5usize..60,
        seed in 1u64..u64::MAX,
        order in proptest::collection::vec(any::<u64>(), 200),
    ) {
        let (records, _) = population(people, seed);
        let config = LinkConfig::default();
        let first = link(&records, &config).expect("links");
        let mut shuffled = records.clone();
        for i in (1..shuffled.len()).rev() {
            let j = (order[i % order.len()] % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let second = link(&shuffled, &config).expect("links");
        prop_assert_eq!(group_members(&first), group_members(&second));
        prop_assert_eq!(&first.groups, &second.groups);
    }
}
