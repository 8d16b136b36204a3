//! What the linker says about its groups: serialisable, small, and free of record content.
//!
//! An explanation holds record keys (system and local id), weights, probabilities, field names
//! and agreement level names, never a name, a date or an address, so it can be written to the
//! audit log as the reason for a combination (DPA 2018 s.62) without copying the data.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::blocking::SkippedBlocks;
use crate::compare::Field;
use crate::model::ModelSource;
use crate::normalise::Unusable;
use crate::record::RecordKey;

/// A group's id: `grp_` and 32 hex digits of the SHA-256 of its sorted member keys, so the same
/// members always give the same id, whatever order they arrived in, and a changed membership
/// gives a new one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupId(pub String);

impl GroupId {
    /// The id of a group with these members (any order).
    pub fn of_members<'a>(members: impl IntoIterator<Item = &'a RecordKey>) -> Self {
        let mut keys: Vec<&RecordKey> = members.into_iter().collect();
        keys.sort();
        keys.dedup();
        let mut hash = Sha256::new();
        for key in keys {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            for part in [&key.system, &key.local_id] {
                hash.update((part.len() as u64).to_le_bytes());
                hash.update(part.as_bytes());
            }
        }
        let digest = hash.finalize();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("grp_{hex}"))
    }
}

impl std::fmt::Display for GroupId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How one field compared in one link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldAgreement {
    /// The field.
    pub field: Field,
    /// The agreement level reached, one of [`Field::levels`].
    pub agreement: String,
    /// Its match weight in bits: positive for, negative against.
    pub weight: f64,
}

/// One scored pair of records and why it scored so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkExplanation {
    /// The two records, in key order.
    pub records: [RecordKey; 2],
    /// The prior plus every field's weight, in bits.
    pub match_weight: f64,
    /// The match weight as a probability.
    pub match_probability: f64,
    /// Every field both records hold, with the level it reached. Fields either record lacks
    /// are not listed: they are no evidence either way.
    pub fields: Vec<FieldAgreement>,
}

impl LinkExplanation {
    /// The fields that agreed at some level (weight above zero).
    pub fn agreeing_fields(&self) -> impl Iterator<Item = &FieldAgreement> {
        self.fields.iter().filter(|f| f.weight > 0.0)
    }

    /// The fields that counted against the link (weight below zero).
    pub fn disagreeing_fields(&self) -> impl Iterator<Item = &FieldAgreement> {
        self.fields.iter().filter(|f| f.weight < 0.0)
    }
}

/// Why a possible match was not grouped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotGroupedBecause {
    /// The link's probability is below the grouping threshold.
    BelowGroupThreshold,
    /// The two groups hold different values of a personal identifier (PNC id, CRO number):
    /// one person has one, so they are two people, however alike.
    ConflictingIdentifier {
        /// The identifier.
        field: Field,
    },
    /// Joining would make a group larger than the configured limit.
    GroupSizeLimit,
    /// A member of one group is unlikely to be the same person as a member of the other.
    MemberUnlikely {
        /// The two records.
        records: [RecordKey; 2],
        /// Their link's probability.
        match_probability: f64,
    },
}

/// A link to a record outside the group, shown beside it and never merged silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PossibleMatch {
    /// The group the other record is in.
    pub other_group: GroupId,
    /// The link, with its fields.
    pub link: LinkExplanation,
    /// Why it was not grouped.
    #[serde(flatten)]
    pub because: NotGroupedBecause,
}

/// Records judged to be one person, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// The group's id.
    pub id: GroupId,
    /// Its members, in key order.
    pub members: Vec<RecordKey>,
    /// The links that joined the members, strongest first: one fewer than the members, each
    /// above the grouping threshold.
    pub links: Vec<LinkExplanation>,
    /// Possible matches outside the group, most probable first.
    pub possible_matches: Vec<PossibleMatch>,
    /// Possible matches left off after the first
    /// [`MAX_POSSIBLE_MATCHES_PER_GROUP`](crate::MAX_POSSIBLE_MATCHES_PER_GROUP).
    pub possible_matches_left_off: usize,
}

/// How long each stage took, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Normalising records and proposing candidate pairs.
    pub prepare_and_block: f64,
    /// Comparing candidate pairs.
    pub compare: f64,
    /// Estimating the model (0 with a configured or built-in one).
    pub train: f64,
    /// Scoring pairs and forming groups.
    pub score_and_cluster: f64,
}

/// Counts from one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSummary {
    /// Records linked.
    pub records: usize,
    /// Groups formed (a record grouped with nothing is a group of one).
    pub groups: usize,
    /// Pairs proposed by blocking and compared.
    pub candidate_pairs: usize,
    /// Links that joined records into groups.
    pub grouped_links: usize,
    /// Pairs shown as possible matches (each once).
    pub possible_matches: usize,
    /// Blocks too large to compare, per rule.
    pub skipped_blocks: Vec<SkippedBlocks>,
    /// Where the model came from.
    pub model: ModelSource,
    /// Stage timings.
    pub timings: Timings,
}

/// The outcome of linking: groups, which group each record is in, and notes on fields the
/// linker could not use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Linkage {
    /// Every group, ordered by its first member's key.
    pub groups: Vec<Group>,
    /// For each input record, in input order, its group's position in `groups`.
    pub record_groups: Vec<usize>,
    /// For each input record, in input order, fields present but unusable.
    pub unusable: Vec<Vec<Unusable>>,
    /// The model used, so a run can be reproduced or audited.
    pub model: crate::model::Model,
    /// Counts and timings.
    pub summary: LinkSummary,
}

impl Linkage {
    /// The group of the record at `position` in the input.
    pub fn group_of(&self, position: usize) -> Option<&Group> {
        self.record_groups
            .get(position)
            .and_then(|g| self.groups.get(*g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_ignore_member_order_and_separate_fields() {
        let a = RecordKey::new("Kestrel RMS", "NOM-1");
        let b = RecordKey::new("Osprey Custody", "C-9");
        let one = GroupId::of_members([&a, &b]);
        let two = GroupId::of_members([&b, &a]);
        assert_eq!(one, two);
        assert!(one.0.starts_with("grp_") && one.0.len() == 36);
        let split_differently = GroupId::of_members([&RecordKey::new("Kestrel RM", "SNOM-1"), &b]);
        assert_ne!(one, split_differently);
        assert_ne!(one, GroupId::of_members([&a]));
    }
}
