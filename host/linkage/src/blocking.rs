//! Blocking: which pairs of records are compared at all.
//!
//! Comparing every pair is quadratic (50 million pairs at 10,000 records). Instead each
//! [`BlockingRule`] puts records that share a key (the same date of birth, the same PNC id, …)
//! into a block, and only pairs within a block are compared. The rules are chosen so that two
//! records of one person nearly always share at least one key even when several fields are
//! wrong, and a block larger than [`LinkConfig::max_block_records`](crate::LinkConfig) is
//! skipped rather than compared pair by pair, which keeps the work near-linear.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::normalise::PreparedRecord;

/// A rule for which records are compared: those that share its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// The same PNC id.
    PncId,
    /// The same CRO number.
    CroNumber,
    /// The same full date of birth.
    DateOfBirth,
    /// The same surname and the same first letter of the first given name.
    SurnameAndInitial,
    /// The same postcode and the same first letter of the first given name.
    PostcodeAndInitial,
    /// The same UPRN.
    Uprn,
    /// The same telephone number.
    Phone,
    /// The same e-mail address.
    Email,
    /// The same vehicle registration mark.
    Vrm,
    /// The same VIN.
    Vin,
}

impl BlockingRule {
    /// Every rule, in the order they are applied.
    pub const ALL: [BlockingRule; 10] = [
        BlockingRule::PncId,
        BlockingRule::CroNumber,
        BlockingRule::DateOfBirth,
        BlockingRule::SurnameAndInitial,
        BlockingRule::PostcodeAndInitial,
        BlockingRule::Uprn,
        BlockingRule::Phone,
        BlockingRule::Email,
        BlockingRule::Vrm,
        BlockingRule::Vin,
    ];

    /// The record's keys under this rule (none if it lacks the fields).
    pub(crate) fn keys(self, r: &PreparedRecord) -> Vec<String> {
        let initial = || r.first_given().and_then(|g| g.chars().next());
        match self {
            BlockingRule::PncId => r.pnc_id.iter().cloned().collect(),
            BlockingRule::CroNumber => r.cro_number.iter().cloned().collect(),
            BlockingRule::DateOfBirth => r
                .date_of_birth
                .filter(|d| d.is_full())
                .map(|d| format!("{}-{}-{}", d.year, d.month.unwrap_or(0), d.day.unwrap_or(0)))
                .into_iter()
                .collect(),
            BlockingRule::SurnameAndInitial => match (&r.surname, initial()) {
                (Some(s), Some(i)) => vec![format!("{s}/{i}")],
                _ => vec![],
            },
            BlockingRule::PostcodeAndInitial => match initial() {
                Some(i) => r
                    .addresses
                    .iter()
                    .filter_map(|a| a.postcode.as_ref())
                    .map(|p| format!("{}/{i}", p.full))
                    .collect(),
                None => vec![],
            },
            BlockingRule::Uprn => r.addresses.iter().filter_map(|a| a.uprn.clone()).collect(),
            BlockingRule::Phone => r.phones.clone(),
            BlockingRule::Email => r.emails.clone(),
            BlockingRule::Vrm => r.vrms.clone(),
            BlockingRule::Vin => r.vins.clone(),
        }
    }
}

/// A pair of record positions `(i, j)`, `i < j`, packed into one integer so pair lists sort and
/// deduplicate fast.
pub(crate) type PackedPair = u64;

pub(crate) fn pack(i: u32, j: u32) -> PackedPair {
    let (a, b) = if i < j { (i, j) } else { (j, i) };
    (u64::from(a) << 32) | u64::from(b)
}

pub(crate) fn unpack(p: PackedPair) -> (u32, u32) {
    // The high and low halves of a u64 each fit a u32.
    ((p >> 32) as u32, (p & 0xFFFF_FFFF) as u32)
}

/// Blocks that were too large to compare, by rule: how many and how many records they held
/// (no key values: those are record content).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedBlocks {
    /// The rule.
    pub rule: Option<BlockingRule>,
    /// Blocks skipped under it.
    pub blocks: usize,
    /// Records in them, counted once per block.
    pub records: usize,
}

/// The pairs each rule proposes, sorted and deduplicated, and the blocks skipped.
pub(crate) struct Candidates {
    /// Per rule, in [`BlockingRule::ALL`] order.
    pub(crate) by_rule: Vec<(BlockingRule, Vec<PackedPair>)>,
    /// Every pair any rule proposes, sorted, each once.
    pub(crate) all: Vec<PackedPair>,
    /// Rules under which some block was skipped.
    pub(crate) skipped: Vec<SkippedBlocks>,
}

/// Propose candidate pairs. Record positions are those of `records`; a block with more than
/// `max_block_records` records is skipped.
pub(crate) fn candidates(records: &[PreparedRecord], max_block_records: usize) -> Candidates {
    let mut by_rule = Vec::with_capacity(BlockingRule::ALL.len());
    let mut skipped = Vec::new();
    for rule in BlockingRule::ALL {
        let mut blocks: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, r) in (0u32..).zip(records) {
            for key in rule.keys(r) {
                let members = blocks.entry(key).or_default();
                // A record with two values under one key (two addresses, one postcode) is
                // in that block once.
                if members.last() != Some(&i) {
                    members.push(i);
                }
            }
        }
        let mut pairs = Vec::new();
        let mut skip = SkippedBlocks {
            rule: Some(rule),
            ..SkippedBlocks::default()
        };
        for members in blocks.values() {
            if members.len() > max_block_records {
                skip.blocks += 1;
                skip.records += members.len();
                continue;
            }
            for (x, &i) in members.iter().enumerate() {
                for &j in &members[x + 1..] {
                    pairs.push(pack(i, j));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        if skip.blocks > 0 {
            skipped.push(skip);
        }
        by_rule.push((rule, pairs));
    }
    let mut all: Vec<PackedPair> = by_rule
        .iter()
        .flat_map(|(_, p)| p.iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    Candidates {
        by_rule,
        all,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::prepare;
    use crate::record::{PartialDate, PersonRecord, RecordKey};

    fn person(id: &str, given: &str, surname: &str, dob: &str) -> PreparedRecord {
        let mut r = PersonRecord::new(RecordKey::new("s", id));
        r.given_names = vec![given.into()];
        r.surname = Some(surname.into());
        r.date_of_birth = PartialDate::parse_iso(dob);
        prepare(&r)
    }

    #[test]
    fn pairs_come_only_from_shared_keys() {
        let records = vec![
            person("1", "Alex", "Examplewood", "1988-03-14"),
            person("2", "Alexander", "Examplewood", "1988-03-14"),
            person("3", "Priya", "Testfield", "1975-11-02"),
            person("4", "Alex", "Examplewood", "1988-14-03"),
        ];
        let c = candidates(&records, 100);
        let pairs: Vec<(u32, u32)> = c.all.iter().map(|p| unpack(*p)).collect();
        // 1 and 2 share a DOB and surname+initial; 4's DOB is unreadable but it shares
        // surname+initial with 1 and 2; 3 shares nothing.
        assert_eq!(pairs, vec![(0, 1), (0, 3), (1, 3)]);
        assert!(c.skipped.is_empty());
    }

    #[test]
    fn oversized_blocks_are_skipped_and_counted() {
        let records: Vec<PreparedRecord> = (0..5)
            .map(|i| {
                person(
                    &i.to_string(),
                    &format!("N{i}"),
                    &format!("S{i}"),
                    "1900-01-01",
                )
            })
            .collect();
        let c = candidates(&records, 4);
        assert!(c.all.is_empty());
        assert_eq!(
            c.skipped,
            vec![SkippedBlocks {
                rule: Some(BlockingRule::DateOfBirth),
                blocks: 1,
                records: 5
            }]
        );
    }

    #[test]
    fn pairs_pack_in_order() {
        assert_eq!(unpack(pack(7, 3)), (3, 7));
        assert!(pack(1, 9) < pack(2, 3));
    }
}
