//! Explainable probabilistic record linkage of person records across police systems.
//!
//! Records of one person held by different systems rarely agree exactly: `Alex` here is
//! `Alexander` there, a date of birth is keyed day-for-month, a surname is misspelt, an address
//! is out of date, one system holds a PNC id and another does not. And two different people
//! can share a name and a birthday. This crate decides which records are one person the way a
//! careful analyst would, and says why:
//!
//! 1. **Normalise** every field ([`normalise`]): names folded, postcodes split into sector and
//!    district, telephones to E.164, PNC ids with their check letter verified (a mistyped id is
//!    not known, never a conflict).
//! 2. **Block** ([`blocking`]): compare only records that share some key (a PNC id, a date of
//!    birth, a surname and initial, a postcode and initial, a telephone, an e-mail…), so the
//!    work grows with the records, not with their square.
//! 3. **Compare** ([`compare`]) each field at graded levels: exact, nickname, similar, initial,
//!    transposed, same sector… or different.
//! 4. **Weigh** ([`model`]) each level by Fellegi–Sunter match weights, `log2(m / u)`,
//!    estimated from the data ([`estimate`]: `u` from random pairs, `m` by expectation
//!    maximisation) or configured.
//! 5. **Group** ([`cluster`]) strongest links first, never joining two different PNC ids or CRO
//!    numbers, and **explain** ([`explain`]) every group: members, the links that joined them
//!    with their weights and field agreements, and possible matches shown beside it.
//!
//! The same input gives the same groups and group ids in any order. Explanations hold ids,
//! weights and level names, never record content, so they can be audited.
//!
//! Vehicles, telephones, e-mail addresses and places are grouped by the identifiers they share
//! ([`keys`]), with a VIN or UPRN conflict keeping apart a cloned plate or two flats.
//!
//! [`jsonl`] reads and writes the line-per-record files `interop link` works on; the
//! `link-bench` binary runs that without the rest of interop.

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod estimate;
pub mod explain;
pub mod field;
pub mod jsonl;
pub mod keys;
mod linker;
pub mod model;
mod nicknames;
pub mod normalise;
mod parallel;
mod record;

pub use blocking::{BlockingRule, SkippedBlocks};
pub use compare::Field;
pub use explain::{
    FieldAgreement, Group, GroupId, LinkExplanation, LinkSummary, Linkage, NotGroupedBecause,
    PossibleMatch, Timings,
};
pub use linker::{
    LinkConfig, LinkError, MAX_POSSIBLE_MATCHES_PER_GROUP, MAX_RECORDS, MIN_RECORDS_TO_ESTIMATE,
    MIN_TRAINING_PAIRS, WeightSource, link,
};
pub use model::{FieldModel, LevelModel, Model, ModelError, ModelSource};
pub use normalise::Unusable;
pub use record::{Address, PartialDate, PersonRecord, RecordKey, Vehicle};
