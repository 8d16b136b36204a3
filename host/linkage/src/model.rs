//! The Fellegi–Sunter model: for each field and agreement level, how likely that level is
//! between two records of the same person (`m`) and between two records of different people
//! (`u`), and the prior odds that two records are the same person.
//!
//! A level's match weight is `log2(m / u)`: bits of evidence for (positive) or against
//! (negative) a match. A pair's match weight is the prior's log-odds plus the weights of the
//! levels its fields reached; its match probability is `2^w / (1 + 2^w)`.
//!
//! A model is estimated from the data ([`crate::estimate`]), configured (a serialised
//! [`Model`]), or the built-in one ([`Model::built_in`]) for inputs too small to estimate from.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::compare::{FIELD_COUNT, Field, Level, NOT_COMPARED};

/// The most levels any field has.
pub(crate) const MAX_LEVELS: usize = 7;

/// The largest weight, in bits, one level may carry either way. An `m` or `u` estimated as
/// nearly zero (no random pair shared a PNC id) would otherwise give a weight that swamps every
/// other field; 20 bits is odds of a million to one, already beyond what any one field can
/// honestly say.
pub const MAX_LEVEL_WEIGHT: f64 = 20.0;

/// Smallest probability a level may have in a model: estimates are floored here so that a
/// level never seen in training still has a finite weight.
pub const MIN_PROBABILITY: f64 = 1e-9;

/// How much each sum of `m` or `u` over a field's levels may differ from 1 in a configured
/// model (rounding in a hand-written file).
const SUM_TOLERANCE: f64 = 1e-3;

/// One agreement level of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelModel {
    /// The level's name, from [`Field::levels`].
    pub level: String,
    /// Probability of this level between two records of the same person.
    pub m: f64,
    /// Probability of this level between two records of different people.
    pub u: f64,
}

impl LevelModel {
    /// `log2(m / u)`, bounded by [`MAX_LEVEL_WEIGHT`].
    pub fn weight(&self) -> f64 {
        log2_ratio(self.m, self.u)
    }
}

/// The levels of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldModel {
    /// The field.
    pub field: Field,
    /// Its levels in [`Field::levels`] order.
    pub levels: Vec<LevelModel>,
}

/// Where a model's numbers came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelSource {
    /// The built-in model: hand-set from typical error rates, for inputs too small to estimate
    /// from.
    BuiltIn,
    /// Supplied by the caller (for example a model estimated earlier on a force's own data).
    Configured,
    /// Estimated from the input being linked.
    Estimated {
        /// Records in the input.
        records: usize,
        /// Random record pairs compared to estimate `u`.
        u_sample_pairs: usize,
        /// Candidate pairs in each EM training session, in session order.
        training_pairs: Vec<usize>,
        /// EM iterations each session ran.
        em_iterations: Vec<usize>,
    },
}

/// A Fellegi–Sunter model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Log2 of the prior odds that two records drawn at random from the input are the same
    /// person.
    pub prior_log2_odds: f64,
    /// One entry per field, in [`Field::ALL`] order.
    pub fields: Vec<FieldModel>,
    /// Where the numbers came from.
    pub source: ModelSource,
    /// `u` of each address level between different people who share a surname, used instead
    /// of the address `u` when the surnames agree. Relatives live together: a shared address
    /// is strong evidence between strangers and much weaker between two people called
    /// Examplewood, and treating the two as independent would merge twins and a father and
    /// son of one name. `None` uses the address `u` throughout.
    #[serde(default)]
    pub address_u_sharing_surname: Option<Vec<f64>>,
}

/// A model that cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum ModelError {
    /// A field is missing, repeated or out of order.
    #[error(
        "model field {position} should be `{expected}`: a model lists every field once, in the order {order}"
    )]
    FieldOrder {
        /// Position in `fields`.
        position: usize,
        /// The field expected there.
        expected: &'static str,
        /// Every field, in order.
        order: String,
    },
    /// A field's levels are not the ones the linker compares.
    #[error("model field `{field}` should have the levels {expected}")]
    Levels {
        /// The field.
        field: &'static str,
        /// The levels it should list, in order.
        expected: String,
    },
    /// A probability is out of range, or a field's probabilities do not sum to 1.
    #[error("model field `{field}`: {problem}")]
    Probability {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The prior is not a finite number.
    #[error("model prior_log2_odds must be a finite number of bits, e.g. -10")]
    Prior,
}

fn log2_ratio(m: f64, u: f64) -> f64 {
    (m.max(MIN_PROBABILITY) / u.max(MIN_PROBABILITY))
        .log2()
        .clamp(-MAX_LEVEL_WEIGHT, MAX_LEVEL_WEIGHT)
}

/// The built-in model's numbers: for each field, `(m, u)` of every level but the last
/// (`different`), which takes the remainder so each column sums to 1.
///
/// Set by hand from typical error rates in police nominal data (a few percent of names and
/// dates mistyped, one in ten given names a short form, addresses out of date for one record
/// in six, a person's PNC id almost never wrong once its check letter passes), and `u` from how
/// often unrelated people share a value (a surname among a few hundred common ones, a birthday
/// among about 25,000 dates). They are not fitted to any benchmark.
const BUILT_IN: [(Field, &[(f64, f64)]); FIELD_COUNT] = [
    (
        Field::Surname,
        &[(0.90, 0.004), (0.02, 0.0005), (0.05, 0.002), (0.015, 0.02)],
    ),
    (
        Field::GivenName,
        &[
            (0.80, 0.01),
            (0.08, 0.003),
            (0.04, 0.003),
            (0.03, 0.002),
            (0.01, 0.002),
            (0.02, 0.03),
        ],
    ),
    (
        Field::DateOfBirth,
        &[
            (0.88, 0.000_04),
            (0.02, 0.000_02),
            (0.02, 0.000_5),
            (0.06, 0.004),
        ],
    ),
    (Field::Gender, &[(0.99, 0.5)]),
    (
        Field::Address,
        &[
            (0.50, 0.000_1),
            (0.30, 0.000_3),
            (0.02, 0.000_2),
            (0.02, 0.005),
            (0.02, 0.03),
        ],
    ),
    (Field::Phone, &[(0.85, 0.000_1), (0.03, 0.000_1)]),
    (Field::Email, &[(0.85, 0.000_1), (0.05, 0.000_2)]),
    (Field::PncId, &[(0.995, 0.000_1)]),
    (Field::CroNumber, &[(0.995, 0.000_1)]),
    (Field::Vrm, &[(0.6, 0.000_1)]),
    (Field::Vin, &[(0.6, 0.000_1)]),
];

/// The built-in prior: odds of 1 to 1,024 that two records are the same person, about right for
/// a file of a few thousand people held in two or three systems. A caller linking the handful of
/// records one search returned (already alike) should configure a higher one.
pub const BUILT_IN_PRIOR_LOG2_ODDS: f64 = -10.0;

impl Model {
    /// The built-in model (see [`BUILT_IN_PRIOR_LOG2_ODDS`] and the table in the source).
    pub fn built_in() -> Self {
        let fields = BUILT_IN
            .iter()
            .map(|(field, leading)| {
                let names = field.levels();
                let mut levels: Vec<LevelModel> = leading
                    .iter()
                    .zip(names)
                    .map(|((m, u), name)| LevelModel {
                        level: (*name).to_owned(),
                        m: *m,
                        u: *u,
                    })
                    .collect();
                let m_rest = 1.0 - leading.iter().map(|(m, _)| m).sum::<f64>();
                let u_rest = 1.0 - leading.iter().map(|(_, u)| u).sum::<f64>();
                levels.push(LevelModel {
                    level: names[names.len() - 1].to_owned(),
                    m: m_rest,
                    u: u_rest,
                });
                FieldModel {
                    field: *field,
                    levels,
                }
            })
            .collect();
        Self {
            prior_log2_odds: BUILT_IN_PRIOR_LOG2_ODDS,
            fields,
            source: ModelSource::BuiltIn,
            address_u_sharing_surname: None,
        }
    }

    /// The model's entry for a field.
    pub fn field(&self, field: Field) -> &FieldModel {
        &self.fields[field.index()]
    }

    /// Check that the model lists every field once, in order, with the linker's levels and
    /// probabilities that are probabilities.
    ///
    /// # Errors
    /// [`ModelError`] naming the field and what is wrong with it.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !self.prior_log2_odds.is_finite() {
            return Err(ModelError::Prior);
        }
        let order = || {
            Field::ALL
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.fields.len() != FIELD_COUNT {
            let position = self.fields.len().min(FIELD_COUNT - 1);
            return Err(ModelError::FieldOrder {
                position,
                expected: Field::ALL[position].name(),
                order: order(),
            });
        }
        if let Some(u) = &self.address_u_sharing_surname {
            let levels = Field::Address.levels().len();
            let sum: f64 = u.iter().sum();
            if u.len() != levels
                || u.iter().any(|p| !(p.is_finite() && *p > 0.0 && *p <= 1.0))
                || (sum - 1.0).abs() > SUM_TOLERANCE
            {
                return Err(ModelError::Probability {
                    field: Field::Address.name(),
                    problem: format!(
                        "address_u_sharing_surname must list {levels} probabilities above 0 that sum to 1"
                    ),
                });
            }
        }
        for (position, (fm, field)) in self.fields.iter().zip(Field::ALL).enumerate() {
            if fm.field != field {
                return Err(ModelError::FieldOrder {
                    position,
                    expected: field.name(),
                    order: order(),
                });
            }
            let names = field.levels();
            if fm.levels.len() != names.len()
                || fm.levels.iter().zip(names).any(|(l, n)| l.level != *n)
            {
                return Err(ModelError::Levels {
                    field: field.name(),
                    expected: names.join(", "),
                });
            }
            for l in &fm.levels {
                for (which, p) in [("m", l.m), ("u", l.u)] {
                    if !(p.is_finite() && p > 0.0 && p <= 1.0) {
                        return Err(ModelError::Probability {
                            field: field.name(),
                            problem: format!(
                                "{which} of level `{}` is {p}; it must be above 0 and at most 1",
                                l.level
                            ),
                        });
                    }
                }
            }
            for (which, sum) in [
                ("m", fm.levels.iter().map(|l| l.m).sum::<f64>()),
                ("u", fm.levels.iter().map(|l| l.u).sum::<f64>()),
            ] {
                if (sum - 1.0).abs() > SUM_TOLERANCE {
                    return Err(ModelError::Probability {
                        field: field.name(),
                        problem: format!("{which} over its levels sums to {sum}, not 1"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Every level's weight as a table, for scoring.
    pub(crate) fn weights(&self) -> WeightTable {
        let mut table = [[0.0; MAX_LEVELS]; FIELD_COUNT];
        let mut m_exact = [0.0; FIELD_COUNT];
        for (i, fm) in self.fields.iter().enumerate().take(FIELD_COUNT) {
            for (j, l) in fm.levels.iter().enumerate().take(MAX_LEVELS) {
                table[i][j] = l.weight();
            }
            m_exact[i] = fm.levels.first().map_or(0.0, |l| l.m);
        }
        let address = Field::Address.index();
        let address_sharing_surname = self.address_u_sharing_surname.as_ref().map(|u| {
            let mut w = table[address];
            for (l, (u, lm)) in u.iter().zip(&self.fields[address].levels).enumerate() {
                w[l] = log2_ratio(lm.m, *u);
            }
            w
        });
        WeightTable {
            prior: self.prior_log2_odds,
            table,
            m_exact,
            address_sharing_surname,
        }
    }
}

/// A model's weights, laid out for scoring.
#[derive(Debug, Clone)]
pub(crate) struct WeightTable {
    pub(crate) prior: f64,
    table: [[f64; MAX_LEVELS]; FIELD_COUNT],
    m_exact: [f64; FIELD_COUNT],
    address_sharing_surname: Option<[f64; MAX_LEVELS]>,
}

impl WeightTable {
    /// The weight of a field's level (0 when not compared).
    pub(crate) fn weight(&self, field: Field, level: Level) -> f64 {
        if level == NOT_COMPARED {
            0.0
        } else {
            self.table[field.index()][usize::from(level).min(MAX_LEVELS - 1)]
        }
    }

    /// The weight of an address level between records whose surnames agree, if the model
    /// has one (see [`Model::address_u_sharing_surname`]).
    pub(crate) fn address_weight_sharing_surname(&self, level: Level) -> Option<f64> {
        let w = self.address_sharing_surname.as_ref()?;
        (level != NOT_COMPARED).then(|| w[usize::from(level).min(MAX_LEVELS - 1)])
    }

    /// The weight of an exact agreement on a value with the given term frequency (the share of
    /// records holding it): `log2(m_exact / frequency)`. Agreeing on a rare surname is stronger
    /// evidence than agreeing on a common one.
    pub(crate) fn exact_weight_for_frequency(&self, field: Field, frequency: f64) -> f64 {
        log2_ratio(self.m_exact[field.index()], frequency)
    }
}

/// A match weight as a probability.
pub fn probability(match_weight: f64) -> f64 {
    1.0 / (1.0 + (-match_weight).exp2())
}

/// A probability as a match weight (log2 odds); 0 and 1 map to ∓infinity-free bounds.
pub fn match_weight(probability: f64) -> f64 {
    let p = probability.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_model_is_valid_and_sensible() {
        let m = Model::built_in();
        assert_eq!(m.validate(), Ok(()));
        for fm in &m.fields {
            let first = fm.levels[0].weight();
            let last = fm.levels[fm.levels.len() - 1].weight();
            assert!(first > 0.0, "{:?} exact is evidence for", fm.field);
            assert!(last < 0.0, "{:?} different is evidence against", fm.field);
        }
        let pnc = m.field(Field::PncId);
        assert!(
            pnc.levels[1].weight() < -5.0,
            "a PNC conflict is strong counter-evidence"
        );
    }

    #[test]
    fn validation_names_what_is_wrong() {
        let mut m = Model::built_in();
        m.fields.swap(0, 1);
        assert!(matches!(
            m.validate(),
            Err(ModelError::FieldOrder { position: 0, .. })
        ));
        let mut m = Model::built_in();
        m.fields[2].levels[0].m = 0.0;
        assert!(matches!(
            m.validate(),
            Err(ModelError::Probability {
                field: "date_of_birth",
                ..
            })
        ));
        let mut m = Model::built_in();
        m.fields[3].levels[0].u = 0.9;
        assert!(matches!(
            m.validate(),
            Err(ModelError::Probability {
                field: "gender",
                ..
            })
        ));
        let mut m = Model::built_in();
        m.fields[4].levels.pop();
        assert!(matches!(
            m.validate(),
            Err(ModelError::Levels {
                field: "address",
                ..
            })
        ));
        let mut m = Model::built_in();
        m.prior_log2_odds = f64::NAN;
        assert_eq!(m.validate(), Err(ModelError::Prior));
        let mut m = Model::built_in();
        m.fields.pop();
        assert!(m.validate().is_err());
    }

    #[test]
    fn weights_are_bounded_and_probabilities_invert() {
        assert_eq!(log2_ratio(1.0, 0.0), MAX_LEVEL_WEIGHT);
        assert_eq!(log2_ratio(0.0, 1.0), -MAX_LEVEL_WEIGHT);
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
        assert!((match_weight(probability(3.5)) - 3.5).abs() < 1e-9);
        assert!(match_weight(1.0).is_finite());
    }

    #[test]
    fn a_model_round_trips_through_json() {
        let m = Model::built_in();
        let text = serde_json::to_string(&m).unwrap_or_default();
        let back: Model = serde_json::from_str(&text).unwrap_or_else(|_| Model {
            prior_log2_odds: 0.0,
            fields: vec![],
            source: ModelSource::Configured,
            address_u_sharing_surname: None,
        });
        // serde_json reads floats to within a unit in the last place.
        assert_eq!(back.fields.len(), m.fields.len());
        for (b, o) in back.fields.iter().zip(&m.fields) {
            assert_eq!(b.field, o.field);
            for (bl, ol) in b.levels.iter().zip(&o.levels) {
                assert_eq!(bl.level, ol.level);
                assert!((bl.m - ol.m).abs() < 1e-12 && (bl.u - ol.u).abs() < 1e-12);
            }
        }
        assert_eq!(back.source, m.source);
        assert_eq!(back.prior_log2_odds, m.prior_log2_odds);
    }
}
