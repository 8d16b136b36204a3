//! Grouping of things other than people by the identifiers they share: vehicles by VIN and
//! registration mark, telephones by number, e-mail addresses, and places by UPRN or postcode
//! and street.
//!
//! These entities carry identifiers that name one thing, so no weighing is needed: two records
//! that share a normalised identifier are one thing, with two rules that keep apart what only
//! looks alike:
//! - an identifier that names one thing for good ([`KeyField::is_decisive`]: a VIN, a UPRN)
//!   overrides a shared weaker one: two vehicles showing one registration mark with different
//!   VINs are a cloned plate, two records of one postcode and street with different UPRNs are
//!   two flats. Such a pair is kept apart and shown as a [`KeyConflict`] beside both groups;
//! - values are normalised by the linker's own rules ([`vehicle_keys`], [`telephone_keys`],
//!   [`email_keys`], [`location_keys`]), so `ZV70 STU` and `zv70stu`, `07700 900123` and
//!   `+447700900123`, and UPRN `000012345678` and `12345678` agree.
//!
//! As with [`crate::link`], the result does not depend on input order: records are taken in
//! key order, and group ids are [`GroupId::of_members`].

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::explain::GroupId;
use crate::linker::{LinkError, MAX_POSSIBLE_MATCHES_PER_GROUP};
use crate::normalise::{
    normalise_email, normalise_phone, normalise_postcode, normalise_uprn, normalise_vehicle_mark,
};
use crate::record::RecordKey;

/// Most records sharing one identifier value that are grouped by it. A value shared by more
/// is a placeholder (`UNKNOWN`, a custody suite's address), not one thing; such records are
/// not grouped by it, and the grouping says how many values were skipped.
pub const MAX_RECORDS_PER_KEY: usize = 500;

/// An identifier a non-person record is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyField {
    /// Vehicle identification number: one vehicle for its life.
    Vin,
    /// Vehicle registration mark: can be moved between vehicles, or cloned.
    Vrm,
    /// Telephone number in E.164.
    Telephone,
    /// E-mail address, lower case.
    Email,
    /// Unique Property Reference Number (DS_011): one addressable place.
    Uprn,
    /// Postcode and street, for places without a UPRN.
    PostcodeAndStreet,
}

impl KeyField {
    /// Whether two different values of this field mean two different things, whatever else
    /// they share.
    pub fn is_decisive(self) -> bool {
        matches!(self, KeyField::Vin | KeyField::Uprn)
    }

    /// The field's name as explanations write it.
    pub fn name(self) -> &'static str {
        match self {
            KeyField::Vin => "vin",
            KeyField::Vrm => "vrm",
            KeyField::Telephone => "telephone",
            KeyField::Email => "email",
            KeyField::Uprn => "uprn",
            KeyField::PostcodeAndStreet => "postcode_and_street",
        }
    }
}

/// One record and its normalised identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRecord {
    /// Which record.
    pub key: RecordKey,
    /// Its identifiers, normalised (use the `*_keys` functions).
    pub keys: Vec<(KeyField, String)>,
}

/// A vehicle's identifiers: VIN and registration mark, letters and digits upper-cased.
pub fn vehicle_keys(vrm: Option<&str>, vin: Option<&str>) -> Vec<(KeyField, String)> {
    let mut out = Vec::new();
    if let Some(v) = vin.and_then(normalise_vehicle_mark) {
        out.push((KeyField::Vin, v));
    }
    if let Some(v) = vrm.and_then(normalise_vehicle_mark) {
        out.push((KeyField::Vrm, v));
    }
    out
}

/// A telephone's identifier: its number in E.164 (UK national forms converted), or, for a
/// number of no E.164 shape, its digits.
pub fn telephone_keys(number: &str) -> Vec<(KeyField, String)> {
    let e164 = normalise_phone(number).or_else(|| {
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        (!digits.is_empty()).then_some(digits)
    });
    e164.map(|n| (KeyField::Telephone, n)).into_iter().collect()
}

/// An e-mail address's identifier: trimmed and lower-cased, if it has one `@`.
pub fn email_keys(address: &str) -> Vec<(KeyField, String)> {
    normalise_email(address)
        .map(|a| (KeyField::Email, a))
        .into_iter()
        .collect()
}

/// A place's identifiers: its UPRN (leading zeros dropped), and its postcode (of UK shape,
/// spacing ignored) with its street (letters and digits, lower case).
pub fn location_keys(
    uprn: Option<&str>,
    postcode: Option<&str>,
    street: Option<&str>,
) -> Vec<(KeyField, String)> {
    let mut out = Vec::new();
    if let Some(u) = uprn.and_then(normalise_uprn) {
        out.push((KeyField::Uprn, u));
    }
    let street: Option<String> = street
        .map(|s| {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        })
        .filter(|s: &String| !s.is_empty());
    if let (Some(pc), Some(street)) = (postcode.and_then(normalise_postcode), street) {
        out.push((KeyField::PostcodeAndStreet, format!("{}:{street}", pc.full)));
    }
    out
}

/// Two records joined because they share an identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLink {
    /// The two records, in key order.
    pub records: [RecordKey; 2],
    /// The identifier they share.
    pub shared: KeyField,
}

/// Two records that share an identifier but were kept apart: their groups hold different
/// values of a decisive one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyConflict {
    /// The group the other record is in.
    pub other_group: GroupId,
    /// The two records, in key order.
    pub records: [RecordKey; 2],
    /// The identifier they share.
    pub shared: KeyField,
    /// The decisive identifier their groups disagree on.
    pub conflicting: KeyField,
}

/// Records judged to be one thing by a shared identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyGroup {
    /// The group's id.
    pub id: GroupId,
    /// Its members, in key order.
    pub members: Vec<RecordKey>,
    /// The links that joined them: one fewer than the members.
    pub links: Vec<KeyLink>,
    /// Records sharing an identifier with a member but kept apart, with why.
    pub possible_matches: Vec<KeyConflict>,
    /// Possible matches left off after the first
    /// [`MAX_POSSIBLE_MATCHES_PER_GROUP`].
    pub possible_matches_left_off: usize,
}

/// The outcome of [`group_by_keys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyGrouping {
    /// Every group, ordered by its first member's key.
    pub groups: Vec<KeyGroup>,
    /// For each input record, in input order, its group's position in `groups`.
    pub record_groups: Vec<usize>,
    /// Identifier values shared by more than [`MAX_RECORDS_PER_KEY`] records, not grouped by.
    pub skipped_values: usize,
}

/// A group being formed.
struct Forming {
    members: Vec<usize>,
    decisive: BTreeMap<KeyField, Vec<String>>,
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

fn conflict(a: &Forming, b: &Forming) -> Option<KeyField> {
    a.decisive.iter().find_map(|(field, xs)| {
        let ys = b.decisive.get(field)?;
        let differs = xs.iter().any(|v| !ys.contains(v)) || ys.iter().any(|v| !xs.contains(v));
        differs.then_some(*field)
    })
}

/// Group records that share an identifier, decisive identifiers first, never joining two
/// groups that hold different values of a decisive one.
///
/// # Errors
/// [`LinkError::DuplicateRecord`] if a key appears twice.
pub fn group_by_keys(records: &[KeyedRecord]) -> Result<KeyGrouping, LinkError> {
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| records[a].key.cmp(&records[b].key));
    for w in order.windows(2) {
        if records[w[0]].key == records[w[1]].key {
            return Err(LinkError::DuplicateRecord {
                key: records[w[0]].key.clone(),
                first: w[0].min(w[1]),
                second: w[0].max(w[1]),
            });
        }
    }
    // Positions in key order from here on.
    let keyed: Vec<&KeyedRecord> = order.iter().map(|&i| &records[i]).collect();
    let n = keyed.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut parts: Vec<Option<Forming>> = keyed
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut decisive: BTreeMap<KeyField, Vec<String>> = BTreeMap::new();
            for (f, v) in &r.keys {
                if f.is_decisive() {
                    let values = decisive.entry(*f).or_default();
                    if !values.contains(v) {
                        values.push(v.clone());
                    }
                }
            }
            Some(Forming {
                members: vec![i],
                decisive,
            })
        })
        .collect();
    // Buckets of positions sharing a value, decisive fields first, then by value.
    let mut buckets: BTreeMap<(KeyField, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in keyed.iter().enumerate() {
        for (f, v) in &r.keys {
            let bucket = buckets.entry((*f, v.as_str())).or_default();
            if bucket.last() != Some(&i) {
                bucket.push(i);
            }
        }
    }
    let mut skipped_values = 0;
    let mut links: Vec<(usize, usize, KeyField)> = Vec::new();
    let mut refused: Vec<(usize, usize, KeyField, KeyField)> = Vec::new();
    for ((field, _), members) in &buckets {
        if members.len() > MAX_RECORDS_PER_KEY {
            skipped_values += 1;
            continue;
        }
        for (k, &x) in members.iter().enumerate().skip(1) {
            for &y in &members[..k] {
                let (rx, ry) = (find(&mut parent, x), find(&mut parent, y));
                if rx == ry {
                    break;
                }
                let (Some(a), Some(b)) = (&parts[rx], &parts[ry]) else {
                    continue;
                };
                if let Some(c) = conflict(a, b) {
                    refused.push((y, x, *field, c));
                    continue;
                }
                let (keep, gone) = if a.members.len() >= b.members.len() {
                    (rx, ry)
                } else {
                    (ry, rx)
                };
                let Some(gone_part) = parts[gone].take() else {
                    continue;
                };
                parent[gone] = keep;
                if let Some(kept) = parts[keep].as_mut() {
                    kept.members.extend(gone_part.members);
                    for (f, vs) in gone_part.decisive {
                        let values = kept.decisive.entry(f).or_default();
                        for v in vs {
                            if !values.contains(&v) {
                                values.push(v);
                            }
                        }
                    }
                }
                links.push((y, x, *field));
                break;
            }
        }
    }
    let mut number_of_root: HashMap<usize, usize> = HashMap::new();
    let mut group_of = vec![0; n];
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, slot) in group_of.iter_mut().enumerate() {
        let root = find(&mut parent, i);
        let g = *number_of_root.entry(root).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        *slot = g;
        members[g].push(i);
    }
    let ids: Vec<GroupId> = members
        .iter()
        .map(|m| GroupId::of_members(m.iter().map(|&i| &keyed[i].key)))
        .collect();
    let pair = |a: usize, b: usize| [keyed[a.min(b)].key.clone(), keyed[a.max(b)].key.clone()];
    let mut groups: Vec<KeyGroup> = members
        .iter()
        .zip(&ids)
        .map(|(m, id)| KeyGroup {
            id: id.clone(),
            members: m.iter().map(|&i| keyed[i].key.clone()).collect(),
            links: Vec::new(),
            possible_matches: Vec::new(),
            possible_matches_left_off: 0,
        })
        .collect();
    for (a, b, shared) in links {
        groups[group_of[a]].links.push(KeyLink {
            records: pair(a, b),
            shared,
        });
    }
    // One conflict per pair of groups and side, the first found.
    let mut seen: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
    for (a, b, shared, conflicting) in refused {
        let (ga, gb) = (group_of[a], group_of[b]);
        if ga == gb {
            continue;
        }
        for (g, other) in [(ga, gb), (gb, ga)] {
            if !seen.insert((g, other)) {
                continue;
            }
            let group = &mut groups[g];
            if group.possible_matches.len() >= MAX_POSSIBLE_MATCHES_PER_GROUP {
                group.possible_matches_left_off += 1;
                continue;
            }
            group.possible_matches.push(KeyConflict {
                other_group: ids[other].clone(),
                records: pair(a, b),
                shared,
                conflicting,
            });
        }
    }
    let mut record_groups = vec![0; records.len()];
    for (position, &input) in order.iter().enumerate() {
        record_groups[input] = group_of[position];
    }
    Ok(KeyGrouping {
        groups,
        record_groups,
        skipped_values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vehicle(system: &str, id: &str, vrm: Option<&str>, vin: Option<&str>) -> KeyedRecord {
        KeyedRecord {
            key: RecordKey::new(system, id),
            keys: vehicle_keys(vrm, vin),
        }
    }

    #[test]
    fn the_linkers_normalisers_make_spellings_agree() {
        assert_eq!(
            vehicle_keys(Some("zv70 stu"), None),
            vec![(KeyField::Vrm, "ZV70STU".to_owned())]
        );
        assert_eq!(
            telephone_keys("07700 900123"),
            telephone_keys("+447700900123")
        );
        assert_eq!(
            telephone_keys("12"),
            vec![(KeyField::Telephone, "12".into())]
        );
        assert!(telephone_keys("none").is_empty());
        assert_eq!(
            email_keys(" A.B@Example.Invalid "),
            email_keys("a.b@example.invalid")
        );
        assert!(email_keys("not an address").is_empty());
        assert_eq!(
            location_keys(
                Some("000012345678"),
                Some("zz1 1aa"),
                Some("Fictional Road")
            ),
            vec![
                (KeyField::Uprn, "12345678".into()),
                (KeyField::PostcodeAndStreet, "ZZ11AA:fictionalroad".into())
            ]
        );
        assert!(location_keys(None, Some("ZZ1 1AA"), None).is_empty());
    }

    #[test]
    fn a_shared_mark_groups_but_a_different_vin_is_a_cloned_plate() {
        let grouping = group_by_keys(&[
            vehicle("kestrel", "V1", Some("ZX51 ABC"), Some("SAMPLEVIN00000001")),
            vehicle("harrier", "H1", Some("zx51abc"), None),
            vehicle("osprey", "O1", Some("ZX51ABC"), Some("SAMPLEVIN00000099")),
            vehicle("harrier", "H2", None, Some("SAMPLEVIN00000001")),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(grouping.groups.len(), 2);
        let first = &grouping.groups[grouping.record_groups[0]];
        assert_eq!(
            first.members,
            vec![
                RecordKey::new("harrier", "H1"),
                RecordKey::new("harrier", "H2"),
                RecordKey::new("kestrel", "V1")
            ]
        );
        assert_eq!(first.links.len(), 2);
        assert!(first.links.iter().any(|l| l.shared == KeyField::Vin));
        let clone = &grouping.groups[grouping.record_groups[2]];
        assert_eq!(clone.members, vec![RecordKey::new("osprey", "O1")]);
        assert_eq!(clone.possible_matches.len(), 1);
        assert_eq!(clone.possible_matches[0].conflicting, KeyField::Vin);
        assert_eq!(clone.possible_matches[0].shared, KeyField::Vrm);
        assert_eq!(clone.possible_matches[0].other_group, first.id);
        assert_eq!(first.possible_matches[0].other_group, clone.id);
    }

    #[test]
    fn flats_of_one_street_with_their_own_uprns_stay_apart() {
        let place = |id: &str, uprn: Option<&str>| KeyedRecord {
            key: RecordKey::new("s", id),
            keys: location_keys(uprn, Some("ZZ3 7CE"), Some("Notreal Street")),
        };
        let grouping = group_by_keys(&[
            place("1", Some("1001")),
            place("2", Some("1002")),
            place("3", None),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        // The record without a UPRN joins the first flat; the second stays apart.
        assert_eq!(grouping.groups.len(), 2);
        assert_eq!(grouping.record_groups, vec![0, 1, 0]);
        assert_eq!(
            grouping.groups[1].possible_matches[0].conflicting,
            KeyField::Uprn
        );
    }

    #[test]
    fn grouping_and_ids_do_not_depend_on_input_order() {
        let records = vec![
            vehicle("a", "1", Some("ZX51ABC"), None),
            vehicle("b", "2", Some("ZX51ABC"), Some("SAMPLEVIN00000001")),
            vehicle("c", "3", Some("ZX51ABC"), Some("SAMPLEVIN00000002")),
            vehicle("d", "4", Some("ZY19DEF"), None),
            vehicle("e", "5", None, Some("SAMPLEVIN00000002")),
        ];
        let forward = group_by_keys(&records).unwrap_or_else(|e| panic!("{e}"));
        let mut reversed = records.clone();
        reversed.reverse();
        let backward = group_by_keys(&reversed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(forward.groups, backward.groups);
        for (i, g) in forward.record_groups.iter().enumerate() {
            assert_eq!(
                forward.groups[*g].id,
                backward.groups[backward.record_groups[records.len() - 1 - i]].id
            );
        }
    }

    #[test]
    fn a_placeholder_shared_by_too_many_is_not_grouped_by_and_duplicates_are_refused() {
        let many: Vec<KeyedRecord> = (0..=MAX_RECORDS_PER_KEY)
            .map(|i| vehicle("s", &i.to_string(), Some("UNKNOWN"), None))
            .collect();
        let grouping = group_by_keys(&many).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(grouping.groups.len(), many.len());
        assert_eq!(grouping.skipped_values, 1);
        let twice = [
            vehicle("s", "1", Some("A1"), None),
            vehicle("s", "1", Some("A1"), None),
        ];
        assert!(matches!(
            group_by_keys(&twice),
            Err(LinkError::DuplicateRecord { .. })
        ));
    }
}
