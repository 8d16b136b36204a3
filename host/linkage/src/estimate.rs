//! Estimating the model from the data being linked, without labels.
//!
//! - `u` (how often different people agree by chance) by comparing random pairs of records:
//!   almost every random pair is two different people.
//! - `m` (how often one person's records agree) by expectation maximisation over the pairs a
//!   blocking rule proposes, one training session per rule. Within a session the fields the
//!   rule blocks on agree by construction, so that session estimates every other field and
//!   leaves those alone; each field's `m` is the mean over the sessions that estimated it.
//! - The prior from the date-of-birth session: the share of matches among pairs that share a
//!   date of birth, divided by the evidence a shared date of birth carries.
//!
//! All randomness comes from a seeded generator over records in key order, so the same input
//! gives the same model whatever order it arrived in.

use std::collections::HashMap;

use crate::blocking::{BlockingRule, Candidates};
use crate::compare::{ComparisonVector, FIELD_COUNT, Field, NOT_COMPARED, compare_records};
use crate::model::{FieldModel, LevelModel, MAX_LEVELS, MIN_PROBABILITY, Model, ModelSource};
use crate::normalise::PreparedRecord;
use crate::parallel::map_chunks;

/// The training sessions: a blocking rule and the fields it fixes (not estimated there).
///
/// Date of birth and surname-and-initial are the sessions Splink's tutorial would run. The PNC
/// id, telephone and e-mail sessions add pairs that share a personal identifier: almost all of
/// them are one person, so they show how one person's records differ without the relatives
/// (twins at one address, a father and son of one name) who crowd the date-of-birth and
/// surname blocks and would otherwise be learnt as "the same person, given name different".
pub(crate) const TRAINING_SESSIONS: [(BlockingRule, &[Field]); 5] = [
    (BlockingRule::DateOfBirth, &[Field::DateOfBirth]),
    (
        BlockingRule::SurnameAndInitial,
        &[Field::Surname, Field::GivenName],
    ),
    (BlockingRule::PncId, &[Field::PncId]),
    (BlockingRule::Phone, &[Field::Phone]),
    (BlockingRule::Email, &[Field::Email]),
];

/// Fewest expected matches behind a field's estimate from the identifier sessions for it to
/// be used alone; with fewer, the date-of-birth and surname sessions are pooled in.
pub const MIN_MATCHES_FOR_IDENTIFIER_ESTIMATE: f64 = 50.0;

/// Whether a session blocks on a personal identifier, so its pairs are nearly all one person.
fn blocks_on_identifier(rule: BlockingRule) -> bool {
    matches!(
        rule,
        BlockingRule::PncId | BlockingRule::CroNumber | BlockingRule::Phone | BlockingRule::Email
    )
}

/// The sessions an estimate cannot do without: every field but the identifiers is estimated
/// in one of them.
const REQUIRED_SESSIONS: [BlockingRule; 2] =
    [BlockingRule::DateOfBirth, BlockingRule::SurnameAndInitial];

/// Most EM iterations per session. EM on a few hundred patterns converges in tens; the cap
/// only stops a pathological input from spinning.
pub const MAX_EM_ITERATIONS: usize = 100;

/// EM stops when no `m` and not the session's match share moves by more than this.
pub const EM_TOLERANCE: f64 = 1e-5;

/// How far every estimate is pulled towards the built-in model: pseudo-counts worth this share
/// of the pairs behind the estimate (at least one pair). A level never seen in training (no
/// partial dates in the data) then keeps about its built-in weight, because its `m` and its `u`
/// are pulled alike, instead of getting an arbitrary one from two near-zero estimates; a level
/// seen at all moves by a thousandth at most.
pub const PRIOR_SHARE: f64 = 0.001;

/// Pseudo-counts for an estimate from `total` pairs.
fn pseudo_count(total: f64) -> f64 {
    (PRIOR_SHARE * total).max(1.0)
}

/// A deterministic random number generator (SplitMix64): small, seedable and good enough to
/// pick record pairs; not for anything secret.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0), by multiply-shift: unbiased enough for sampling.
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        // The product of a u32 and the top 32 bits fits u64; its top half is below n.
        ((u64::from(n) * (self.next_u64() >> 32)) >> 32) as u32
    }
}

/// Level counts per field.
type LevelCounts = [[f64; MAX_LEVELS]; FIELD_COUNT];

fn count_levels(vectors: impl Iterator<Item = ComparisonVector>) -> LevelCounts {
    let mut counts = [[0.0; MAX_LEVELS]; FIELD_COUNT];
    for v in vectors {
        for (f, level) in v.iter().enumerate() {
            if *level != NOT_COMPARED {
                counts[f][usize::from(*level)] += 1.0;
            }
        }
    }
    counts
}

/// Estimate `u` from random pairs (every pair when there are fewer than `max_pairs`).
/// Returns the per-field level distributions and how many pairs were compared.
pub(crate) fn estimate_u(
    records: &[PreparedRecord],
    max_pairs: usize,
    seed: u64,
    prior: &Model,
) -> ([[f64; MAX_LEVELS]; FIELD_COUNT], usize) {
    let n = records.len();
    let all_pairs = n.saturating_mul(n.saturating_sub(1)) / 2;
    let pairs: Vec<(u32, u32)> = if all_pairs <= max_pairs {
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        (0..n32)
            .flat_map(|i| (i + 1..n32).map(move |j| (i, j)))
            .collect()
    } else {
        let mut rng = SplitMix64::new(seed);
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(max_pairs);
        while out.len() < max_pairs {
            let i = rng.below(n32);
            let j = rng.below(n32);
            if i != j {
                out.push((i, j));
            }
        }
        out
    };
    let partial: Vec<LevelCounts> = map_chunks(&pairs, |chunk| {
        vec![count_levels(chunk.iter().map(|&(i, j)| {
            compare_records(&records[i as usize], &records[j as usize])
        }))]
    });
    let mut counts = [[0.0; MAX_LEVELS]; FIELD_COUNT];
    for c in partial {
        for f in 0..FIELD_COUNT {
            for l in 0..MAX_LEVELS {
                counts[f][l] += c[f][l];
            }
        }
    }
    let mut u = [[0.0; MAX_LEVELS]; FIELD_COUNT];
    for field in Field::ALL {
        let f = field.index();
        let prior_levels = &prior.field(field).levels;
        let total: f64 = counts[f].iter().sum();
        let pseudo = pseudo_count(total);
        for (l, pl) in prior_levels.iter().enumerate() {
            u[f][l] = ((counts[f][l] + pseudo * pl.u) / (total + pseudo)).max(MIN_PROBABILITY);
        }
    }
    (u, pairs.len())
}

/// The result of one EM session.
pub(crate) struct SessionEstimate {
    /// Estimated `m`, per field; `None` for fields fixed by the session or never compared in it.
    pub(crate) m: [Option<[f64; MAX_LEVELS]>; FIELD_COUNT],
    /// Expected matches behind each field's estimate (pairs where it was compared, weighted by
    /// their match probability): how much a session's estimate counts when pooled.
    pub(crate) matches_behind: [f64; FIELD_COUNT],
    /// The share of the session's pairs that are matches.
    pub(crate) match_share: f64,
    pub(crate) iterations: usize,
}

/// Run EM over the distinct comparison patterns of one session's pairs, `u` fixed; with
/// `fix_m`, only the session's match share is estimated (`m` stays at `start`'s).
pub(crate) fn run_em(
    patterns: &[(ComparisonVector, f64)],
    fixed: &[Field],
    u: &[[f64; MAX_LEVELS]; FIELD_COUNT],
    start: &Model,
    fix_m: bool,
) -> SessionEstimate {
    let active: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| !fixed.contains(f))
        .collect();
    let mut m = [[0.0; MAX_LEVELS]; FIELD_COUNT];
    for field in Field::ALL {
        for (l, lm) in start.field(field).levels.iter().enumerate() {
            m[field.index()][l] = lm.m;
        }
    }
    let total: f64 = patterns.iter().map(|(_, c)| c).sum();
    let mut share: f64 = 0.5;
    let mut iterations = 0;
    let mut compared = [0.0; FIELD_COUNT];
    let mut matches_behind = [0.0; FIELD_COUNT];
    while iterations < MAX_EM_ITERATIONS {
        iterations += 1;
        let mut sums = [[0.0; MAX_LEVELS]; FIELD_COUNT];
        let mut matched = [0.0; FIELD_COUNT];
        let mut expected_matches = 0.0;
        compared = [0.0; FIELD_COUNT];
        for (v, count) in patterns {
            let mut log_m = share.max(MIN_PROBABILITY).ln();
            let mut log_u = (1.0 - share).max(MIN_PROBABILITY).ln();
            for field in &active {
                let f = field.index();
                let level = v[f];
                if level != NOT_COMPARED {
                    let l = usize::from(level);
                    log_m += m[f][l].max(MIN_PROBABILITY).ln();
                    log_u += u[f][l].max(MIN_PROBABILITY).ln();
                }
            }
            let p = 1.0 / (1.0 + (log_u - log_m).exp());
            expected_matches += p * count;
            for field in &active {
                let f = field.index();
                let level = v[f];
                if level != NOT_COMPARED {
                    sums[f][usize::from(level)] += p * count;
                    matched[f] += p * count;
                    compared[f] += count;
                }
            }
        }
        let mut moved: f64 = 0.0;
        let new_share = if total > 0.0 {
            (expected_matches / total).clamp(MIN_PROBABILITY, 1.0 - MIN_PROBABILITY)
        } else {
            share
        };
        moved = moved.max((new_share - share).abs());
        share = new_share;
        matches_behind = matched;
        for field in active.iter().filter(|_| !fix_m) {
            let f = field.index();
            let levels = field.levels().len();
            let pseudo = pseudo_count(matched[f]);
            for l in 0..levels {
                let prior = start.field(*field).levels[l].m;
                let new =
                    ((sums[f][l] + pseudo * prior) / (matched[f] + pseudo)).max(MIN_PROBABILITY);
                moved = moved.max((new - m[f][l]).abs());
                m[f][l] = new;
            }
        }
        if moved < EM_TOLERANCE {
            break;
        }
    }
    let mut out = [None; FIELD_COUNT];
    for field in active {
        let f = field.index();
        if compared[f] > 0.0 {
            out[f] = Some(m[f]);
        }
    }
    SessionEstimate {
        m: out,
        matches_behind,
        match_share: share,
        iterations,
    }
}

/// Collapse pairs into distinct comparison patterns with counts (EM's cost then depends on how
/// many distinct patterns there are, a few thousand at most, not on the number of pairs).
fn patterns_of(
    pairs: &[u64],
    all: &[u64],
    vectors: &[ComparisonVector],
) -> Vec<(ComparisonVector, f64)> {
    let mut counts: HashMap<ComparisonVector, f64> = HashMap::new();
    for p in pairs {
        if let Ok(pos) = all.binary_search(p) {
            *counts.entry(vectors[pos]).or_default() += 1.0;
        }
    }
    let mut out: Vec<(ComparisonVector, f64)> = counts.into_iter().collect();
    // Deterministic order, so floating-point sums come out the same every run.
    out.sort_unstable_by_key(|a| a.0);
    out
}

/// Fewest pairs behind an estimate of [`Model::address_u_sharing_surname`]; with fewer, the
/// address `u` is used throughout.
pub const MIN_PAIRS_SHARING_SURNAME: f64 = 30.0;

/// How often different people who share a surname share an address: measured on pairs that
/// share a surname and initial but whose full dates of birth differ outright, which are almost
/// never one person (their `m` is a fraction of a percent), pulled towards the random-pair `u`.
fn address_u_sharing_surname(
    candidates: &Candidates,
    vectors: &[ComparisonVector],
    u: &[[f64; MAX_LEVELS]; FIELD_COUNT],
) -> Option<Vec<f64>> {
    let dob_different = Field::DateOfBirth.levels().len() - 1;
    let address = Field::Address.index();
    let levels = Field::Address.levels().len();
    let pairs = candidates
        .by_rule
        .iter()
        .find(|(r, _)| *r == BlockingRule::SurnameAndInitial)
        .map(|(_, p)| p.as_slice())?;
    let mut counts = [0.0; MAX_LEVELS];
    for p in pairs {
        let Ok(pos) = candidates.all.binary_search(p) else {
            continue;
        };
        let v = &vectors[pos];
        if usize::from(v[Field::DateOfBirth.index()]) == dob_different && v[address] != NOT_COMPARED
        {
            counts[usize::from(v[address])] += 1.0;
        }
    }
    let total: f64 = counts.iter().sum();
    if total < MIN_PAIRS_SHARING_SURNAME {
        return None;
    }
    let pseudo = pseudo_count(total);
    Some(
        (0..levels)
            .map(|l| ((counts[l] + pseudo * u[address][l]) / (total + pseudo)).max(MIN_PROBABILITY))
            .collect(),
    )
}

/// Whether there is enough to estimate from: the date-of-birth and surname sessions have at
/// least `min_pairs` each (the identifier sessions only refine their estimates).
pub(crate) fn can_estimate(candidates: &Candidates, min_pairs: usize) -> bool {
    REQUIRED_SESSIONS.iter().all(|rule| {
        candidates
            .by_rule
            .iter()
            .find(|(r, _)| r == rule)
            .is_some_and(|(_, p)| p.len() >= min_pairs)
    })
}

/// Estimate a model from the records, their candidate pairs and those pairs' comparison
/// vectors (`vectors[k]` belongs to `candidates.all[k]`).
pub(crate) fn estimate_model(
    records: &[PreparedRecord],
    candidates: &Candidates,
    vectors: &[ComparisonVector],
    u_sample_pairs: usize,
    seed: u64,
) -> Model {
    let start = Model::built_in();
    let (u, sampled) = estimate_u(records, u_sample_pairs, seed, &start);
    // Pooled m per field, [0] from the identifier sessions only, [1] from every session.
    let mut m_sum = [[[0.0; MAX_LEVELS]; FIELD_COUNT]; 2];
    let mut m_weight = [[0.0; FIELD_COUNT]; 2];
    let mut training_pairs = Vec::new();
    let mut em_iterations = Vec::new();
    let session_patterns = |rule: BlockingRule| {
        let pairs = candidates
            .by_rule
            .iter()
            .find(|(r, _)| *r == rule)
            .map_or(&[][..], |(_, p)| p.as_slice());
        (pairs.len(), patterns_of(pairs, &candidates.all, vectors))
    };
    for (rule, fixed) in TRAINING_SESSIONS {
        let (pairs, patterns) = session_patterns(rule);
        if patterns.is_empty() {
            continue;
        }
        let est = run_em(&patterns, fixed, &u, &start, false);
        training_pairs.push(pairs);
        em_iterations.push(est.iterations);
        // Pool each field's m over the sessions that estimated it, weighted by the matches
        // behind each estimate; separately over the identifier sessions, whose pairs are
        // nearly all one person and so free of relatives mistaken for matches.
        let tiers: &[usize] = if blocks_on_identifier(rule) {
            &[0, 1]
        } else {
            &[1]
        };
        for (f, m) in est.m.iter().enumerate() {
            if let Some(m) = m {
                let w = est.matches_behind[f];
                for &t in tiers {
                    for l in 0..MAX_LEVELS {
                        m_sum[t][f][l] += w * m[l];
                    }
                    m_weight[t][f] += w;
                }
            }
        }
    }
    let fields: Vec<FieldModel> = Field::ALL
        .iter()
        .map(|field| {
            let f = field.index();
            let tier = usize::from(m_weight[0][f] < MIN_MATCHES_FOR_IDENTIFIER_ESTIMATE);
            let levels = start
                .field(*field)
                .levels
                .iter()
                .enumerate()
                .map(|(l, built_in)| LevelModel {
                    level: built_in.level.clone(),
                    m: if m_weight[tier][f] > 0.0 {
                        m_sum[tier][f][l] / m_weight[tier][f]
                    } else {
                        built_in.m
                    },
                    u: u[f][l],
                })
                .collect();
            FieldModel {
                field: *field,
                levels,
            }
        })
        .collect();
    let mut model = Model {
        address_u_sharing_surname: None,
        prior_log2_odds: start.prior_log2_odds,
        fields,
        source: ModelSource::Estimated {
            records: records.len(),
            u_sample_pairs: sampled,
            training_pairs,
            em_iterations,
        },
    };
    model.address_u_sharing_surname = address_u_sharing_surname(candidates, vectors, &u);
    // The prior: the share of matches among pairs that share a date of birth, re-estimated
    // with the pooled m fixed, then divided by the evidence a shared date of birth carries:
    // odds(match | same DOB) = prior odds × m(exact) / u(exact).
    let (_, dob_patterns) = session_patterns(BlockingRule::DateOfBirth);
    if !dob_patterns.is_empty() {
        let share = run_em(&dob_patterns, &[Field::DateOfBirth], &u, &model, true).match_share;
        let dob_exact = &model.field(Field::DateOfBirth).levels[0];
        let session_odds = (share / (1.0 - share)).log2();
        model.prior_log2_odds = (session_odds - dob_exact.weight()).clamp(-60.0, 0.0);
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_deterministic_and_in_range() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..1000 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
        }
        let mut c = SplitMix64::new(8);
        assert_ne!(SplitMix64::new(7).next_u64(), c.next_u64());
    }

    /// EM recovers a planted m: matches agree on the active field 90% of the time, non-matches
    /// at the u rate.
    #[test]
    fn em_recovers_planted_parameters() {
        let start = Model::built_in();
        let mut u = [[0.0; MAX_LEVELS]; FIELD_COUNT];
        for field in Field::ALL {
            for (l, lm) in start.field(field).levels.iter().enumerate() {
                u[field.index()][l] = lm.u;
            }
        }
        // Two informative fields, gender and phone; 300 matches, 700 non-matches.
        let g = Field::Gender.index();
        let p = Field::Phone.index();
        let mut patterns = Vec::new();
        let mut vector = |gl: u8, pl: u8, count: f64| {
            let mut v = [NOT_COMPARED; FIELD_COUNT];
            v[g] = gl;
            v[p] = pl;
            patterns.push((v, count));
        };
        // Matches: phone exact 90%, different 10%; gender always agrees.
        vector(0, 0, 270.0);
        vector(0, 2, 30.0);
        // Non-matches: phone always different; gender agrees half the time.
        vector(0, 2, 350.0);
        vector(1, 2, 350.0);
        let est = run_em(&patterns, &[], &u, &start, false);
        let m_phone = est.m[p].unwrap_or([0.0; MAX_LEVELS]);
        assert!((m_phone[0] - 0.9).abs() < 0.03, "{m_phone:?}");
        assert!((est.match_share - 0.3).abs() < 0.03, "{}", est.match_share);
        assert!(est.m[Field::Surname.index()].is_none(), "never compared");
    }
}
