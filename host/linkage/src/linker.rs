//! The linker: records in, explained groups out.

use std::collections::HashMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::blocking::{candidates, unpack};
use crate::cluster::{Refusal, cluster};
use crate::compare::{ComparisonVector, Field, NOT_COMPARED, compare_records};
use crate::estimate::{can_estimate, estimate_model};
use crate::explain::{
    FieldAgreement, Group, GroupId, LinkExplanation, LinkSummary, Linkage, NotGroupedBecause,
    PossibleMatch, Timings,
};
use crate::model::{Model, ModelError, ModelSource, WeightTable, match_weight, probability};
use crate::normalise::{PreparedRecord, prepare};
use crate::parallel::map_chunks;
use crate::record::{PersonRecord, RecordKey};

/// Most records one call links. Positions are `u32` inside the linker, and a run keeps every
/// prepared record and candidate pair in memory (about a kilobyte a record): two million is a
/// couple of gigabytes, beyond which a force should link in batches (by region or year of
/// birth).
pub const MAX_RECORDS: usize = 2_000_000;

/// Fewest records [`WeightSource::Auto`] estimates from: below this, random pairs and EM have
/// too little to go on and the built-in model is used instead.
pub const MIN_RECORDS_TO_ESTIMATE: usize = 1_000;

/// Fewest pairs each EM training session needs for [`WeightSource::Auto`] to estimate.
pub const MIN_TRAINING_PAIRS: usize = 100;

/// Possible matches listed per group; more are counted, not listed, so one record resembling
/// hundreds of others (a common name) cannot make an explanation unboundedly large.
pub const MAX_POSSIBLE_MATCHES_PER_GROUP: usize = 16;

/// Where match weights come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WeightSource {
    /// Estimate from the input when it is large enough ([`MIN_RECORDS_TO_ESTIMATE`] records
    /// and [`MIN_TRAINING_PAIRS`] per training session), else use the built-in model.
    #[default]
    Auto,
    /// Estimate from the input, or fail if it is too small.
    Estimate,
    /// Use this model (for example one estimated earlier on a force's own data).
    Configured {
        /// The model.
        model: Model,
    },
}

/// Linker settings. Every field has a default; see [`LinkConfig::default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    /// Records whose link probability is at least this are grouped (default 0.5: more likely
    /// the same person than not).
    pub group_threshold: f64,
    /// Links at least this probable but not grouped are shown as possible matches (default
    /// 0.05). Links less probable than this also stop two groups joining (see
    /// [`crate::cluster`]).
    pub possible_threshold: f64,
    /// Where match weights come from.
    pub weights: WeightSource,
    /// Replace the model's prior (log2 odds that two records are the same person), e.g. when
    /// linking the few records one search returned, which are already alike.
    pub prior_log2_odds: Option<f64>,
    /// Weigh exact agreement on a surname or given name by how common that name is in the
    /// input, when the model is estimated from the input (default true).
    pub term_frequencies: bool,
    /// Most records in one group (default 64). A person held as more records than that across
    /// the systems one search reaches is implausible; a chain that long is a symptom of a
    /// placeholder value shared by many records.
    pub max_group_size: usize,
    /// Largest block compared (default 500 records, 124,750 pairs). A key shared by more
    /// records (a placeholder date of birth, a custody suite's postcode) says little about
    /// who they are and would make linking quadratic; such blocks are skipped and counted.
    pub max_block_records: usize,
    /// Random pairs compared to estimate `u` (default 1,000,000, as Splink's tutorial uses).
    pub u_sample_pairs: usize,
    /// Seed for the random pair sample, so runs are reproducible.
    pub seed: u64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            group_threshold: 0.5,
            possible_threshold: 0.05,
            weights: WeightSource::Auto,
            prior_log2_odds: None,
            term_frequencies: true,
            max_group_size: 64,
            max_block_records: 500,
            u_sample_pairs: 1_000_000,
            seed: 0x5EED_0F11_4CA6_E000,
        }
    }
}

/// Why linking could not run.
#[derive(Debug, Error, PartialEq)]
pub enum LinkError {
    /// Two records share a system and local id.
    #[error(
        "record {key} appears twice (positions {first} and {second}); each record must be listed once"
    )]
    DuplicateRecord {
        /// The key.
        key: RecordKey,
        /// Its first position in the input (0-based).
        first: usize,
        /// Its second position.
        second: usize,
    },
    /// More records than [`MAX_RECORDS`].
    #[error("{count} records is more than the {limit} one run links; link in batches")]
    TooManyRecords {
        /// Records given.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The configuration is inconsistent.
    #[error("linkage configuration: {0}")]
    Config(String),
    /// A configured model is unusable.
    #[error("linkage model: {0}")]
    Model(#[from] ModelError),
    /// [`WeightSource::Estimate`] on an input too small to estimate from.
    #[error(
        "too little data to estimate match weights ({records} records, training sessions need {min_pairs} candidate pairs each); use weights = auto or configure a model"
    )]
    TooLittleToEstimate {
        /// Records given.
        records: usize,
        /// Pairs needed per session.
        min_pairs: usize,
    },
}

impl LinkConfig {
    /// Check the settings.
    ///
    /// # Errors
    /// [`LinkError::Config`] naming the setting; [`LinkError::Model`] for a configured model
    /// that fails [`Model::validate`].
    pub fn validate(&self) -> Result<(), LinkError> {
        let open_unit = |p: f64| p.is_finite() && p > 0.0 && p < 1.0;
        if !open_unit(self.group_threshold) {
            return Err(LinkError::Config(format!(
                "group_threshold is {}; it must be a probability between 0 and 1 (exclusive)",
                self.group_threshold
            )));
        }
        if !open_unit(self.possible_threshold) || self.possible_threshold > self.group_threshold {
            return Err(LinkError::Config(format!(
                "possible_threshold is {}; it must be above 0 and at most group_threshold ({})",
                self.possible_threshold, self.group_threshold
            )));
        }
        if self.prior_log2_odds.is_some_and(|p| !p.is_finite()) {
            return Err(LinkError::Config(
                "prior_log2_odds must be a finite number of bits".into(),
            ));
        }
        if self.max_group_size < 2 {
            return Err(LinkError::Config(
                "max_group_size must be at least 2, or nothing could be grouped".into(),
            ));
        }
        if self.max_block_records < 2 {
            return Err(LinkError::Config(
                "max_block_records must be at least 2, or no pair would be compared".into(),
            ));
        }
        if let WeightSource::Configured { model } = &self.weights {
            model.validate()?;
        }
        Ok(())
    }
}

/// Link person records: compare likely pairs, weigh the evidence, group the records that are
/// one person and explain every group.
///
/// The result does not depend on the order of `records`: they are sorted by key first, and
/// group ids are digests of sorted member keys. `Linkage::record_groups` and
/// `Linkage::unusable` follow the input order.
///
/// # Errors
/// [`LinkError`]: a duplicate record key, too many records, bad settings or model, or
/// [`WeightSource::Estimate`] on too little data.
///
/// # Example
/// ```
/// use interop_linkage::{LinkConfig, PartialDate, PersonRecord, RecordKey, link};
///
/// let mut a = PersonRecord::new(RecordKey::new("Kestrel RMS", "NOM-1"));
/// a.given_names = vec!["Alex".into()];
/// a.surname = Some("Examplewood".into());
/// a.date_of_birth = PartialDate::parse_iso("1988-03-04");
/// let mut b = PersonRecord::new(RecordKey::new("Osprey Custody", "C-7"));
/// b.given_names = vec!["Alexander".into()];
/// b.surname = Some("Examplewood".into());
/// b.date_of_birth = PartialDate::parse_iso("1988-04-03");
///
/// let linkage = link(&[a, b], &LinkConfig::default())?;
/// assert_eq!(linkage.groups.len(), 1);
/// let why = &linkage.groups[0].links[0];
/// assert!(why.match_probability > 0.5);
/// # Ok::<(), interop_linkage::LinkError>(())
/// ```
pub fn link(records: &[PersonRecord], config: &LinkConfig) -> Result<Linkage, LinkError> {
    config.validate()?;
    if records.len() > MAX_RECORDS {
        return Err(LinkError::TooManyRecords {
            count: records.len(),
            limit: MAX_RECORDS,
        });
    }
    let started = Instant::now();
    // Everything below works on records in key order: `order[position] = input index`.
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| records[a].key.cmp(&records[b].key).then(a.cmp(&b)));
    for w in order.windows(2) {
        if records[w[0]].key == records[w[1]].key {
            return Err(LinkError::DuplicateRecord {
                key: records[w[0]].key.clone(),
                first: w[0].min(w[1]),
                second: w[0].max(w[1]),
            });
        }
    }
    let prepared: Vec<PreparedRecord> = map_chunks(&order, |chunk| {
        chunk.iter().map(|&i| prepare(&records[i])).collect()
    });
    let candidates = candidates(&prepared, config.max_block_records);
    let mut timings = Timings {
        prepare_and_block: started.elapsed().as_secs_f64(),
        ..Timings::default()
    };

    let compare_started = Instant::now();
    let vectors: Vec<ComparisonVector> = map_chunks(&candidates.all, |chunk| {
        chunk
            .iter()
            .map(|&p| {
                let (i, j) = unpack(p);
                compare_records(&prepared[i as usize], &prepared[j as usize])
            })
            .collect()
    });
    timings.compare = compare_started.elapsed().as_secs_f64();

    let train_started = Instant::now();
    let estimable = || can_estimate(&candidates, MIN_TRAINING_PAIRS);
    let mut model = match &config.weights {
        WeightSource::Configured { model } => {
            let mut m = model.clone();
            m.source = ModelSource::Configured;
            m
        }
        WeightSource::Estimate if !estimable() => {
            return Err(LinkError::TooLittleToEstimate {
                records: records.len(),
                min_pairs: MIN_TRAINING_PAIRS,
            });
        }
        WeightSource::Auto if records.len() < MIN_RECORDS_TO_ESTIMATE || !estimable() => {
            Model::built_in()
        }
        WeightSource::Estimate | WeightSource::Auto => estimate_model(
            &prepared,
            &candidates,
            &vectors,
            config.u_sample_pairs,
            config.seed,
        ),
    };
    if let Some(prior) = config.prior_log2_odds {
        model.prior_log2_odds = prior;
    }
    timings.train = train_started.elapsed().as_secs_f64();

    let score_started = Instant::now();
    let use_tf = config.term_frequencies && matches!(model.source, ModelSource::Estimated { .. });
    let scorer = Scorer::new(&model, &prepared, use_tf);
    let weights: Vec<f64> = map_chunks(&(0..candidates.all.len()).collect::<Vec<_>>(), |ks| {
        ks.iter()
            .map(|&k| {
                let (i, j) = unpack(candidates.all[k]);
                scorer.pair_weight(&vectors[k], i as usize, j as usize)
            })
            .collect()
    });
    let group_weight = match_weight(config.group_threshold);
    let possible_weight = match_weight(config.possible_threshold);
    let clusters = cluster(
        &prepared,
        &candidates.all,
        &weights,
        group_weight,
        possible_weight,
        config.max_group_size,
    );

    let keys: Vec<&RecordKey> = order.iter().map(|&i| &records[i].key).collect();
    let explain = |k: usize| -> LinkExplanation {
        let (i, j) = unpack(candidates.all[k]);
        let (i, j) = (i as usize, j as usize);
        let v = &vectors[k];
        let fields = Field::ALL
            .iter()
            .filter(|f| v[f.index()] != NOT_COMPARED)
            .map(|&f| FieldAgreement {
                field: f,
                agreement: f.levels()[usize::from(v[f.index()])].to_owned(),
                weight: round(scorer.field_weight(f, v, i, j), 3),
            })
            .collect();
        LinkExplanation {
            records: [keys[i].clone(), keys[j].clone()],
            match_weight: round(weights[k], 3),
            match_probability: round(probability(weights[k]), 6),
            fields,
        }
    };

    let ids: Vec<GroupId> = clusters
        .members
        .iter()
        .map(|m| GroupId::of_members(m.iter().map(|&i| keys[i as usize])))
        .collect();
    let mut groups: Vec<Group> = clusters
        .members
        .iter()
        .zip(&ids)
        .map(|(m, id)| Group {
            id: id.clone(),
            members: m.iter().map(|&i| keys[i as usize].clone()).collect(),
            links: Vec::new(),
            possible_matches: Vec::new(),
            possible_matches_left_off: 0,
        })
        .collect();
    for &k in &clusters.joined_by {
        let (i, _) = unpack(candidates.all[k]);
        groups[clusters.group_of[i as usize]].links.push(explain(k));
    }
    let refusals: HashMap<usize, Refusal> = clusters.refused.iter().copied().collect();
    let mut possible: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    let mut possible_pairs = 0;
    for (k, &p) in candidates.all.iter().enumerate() {
        let (i, j) = unpack(p);
        let (gi, gj) = (clusters.group_of[i as usize], clusters.group_of[j as usize]);
        if gi != gj && weights[k] >= possible_weight {
            possible[gi].push(k);
            possible[gj].push(k);
            possible_pairs += 1;
        }
    }
    for (g, mut ks) in possible.into_iter().enumerate() {
        ks.sort_by(|&a, &b| {
            weights[b]
                .total_cmp(&weights[a])
                .then(candidates.all[a].cmp(&candidates.all[b]))
        });
        groups[g].possible_matches_left_off =
            ks.len().saturating_sub(MAX_POSSIBLE_MATCHES_PER_GROUP);
        ks.truncate(MAX_POSSIBLE_MATCHES_PER_GROUP);
        groups[g].possible_matches = ks
            .into_iter()
            .map(|k| {
                let (i, j) = unpack(candidates.all[k]);
                let other = if clusters.group_of[i as usize] == g {
                    j
                } else {
                    i
                };
                let because = match refusals.get(&k) {
                    None => NotGroupedBecause::BelowGroupThreshold,
                    Some(Refusal::Conflict(field)) => {
                        NotGroupedBecause::ConflictingIdentifier { field: *field }
                    }
                    Some(Refusal::Size) => NotGroupedBecause::GroupSizeLimit,
                    Some(Refusal::Unlikely { pair }) => {
                        let (x, y) = unpack(candidates.all[*pair]);
                        NotGroupedBecause::MemberUnlikely {
                            records: [keys[x as usize].clone(), keys[y as usize].clone()],
                            match_probability: round(probability(weights[*pair]), 6),
                        }
                    }
                };
                PossibleMatch {
                    other_group: ids[clusters.group_of[other as usize]].clone(),
                    link: explain(k),
                    because,
                }
            })
            .collect();
    }
    timings.score_and_cluster = score_started.elapsed().as_secs_f64();

    let mut record_groups = vec![0; records.len()];
    let mut unusable = vec![Vec::new(); records.len()];
    for (position, &input) in order.iter().enumerate() {
        record_groups[input] = clusters.group_of[position];
        unusable[input] = prepared[position].unusable.clone();
    }
    let summary = LinkSummary {
        records: records.len(),
        groups: groups.len(),
        candidate_pairs: candidates.all.len(),
        grouped_links: clusters.joined_by.len(),
        possible_matches: possible_pairs,
        skipped_blocks: candidates.skipped,
        model: model.source.clone(),
        timings,
    };
    Ok(Linkage {
        groups,
        record_groups,
        unusable,
        model,
        summary,
    })
}

fn round(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}

/// Turns comparison vectors into match weights.
struct Scorer {
    weights: WeightTable,
    /// Per record position, the share of records holding its surname and its first given name
    /// (when term frequencies are used).
    surname_frequency: Vec<Option<f64>>,
    given_frequency: Vec<Option<f64>>,
}

impl Scorer {
    fn new(model: &Model, records: &[PreparedRecord], term_frequencies: bool) -> Self {
        let mut surname_frequency = vec![None; records.len()];
        let mut given_frequency = vec![None; records.len()];
        if term_frequencies {
            fill_frequencies(records, |r| r.surname.as_deref(), &mut surname_frequency);
            fill_frequencies(records, PreparedRecord::first_given, &mut given_frequency);
        }
        Self {
            weights: model.weights(),
            surname_frequency,
            given_frequency,
        }
    }

    fn field_weight(&self, field: Field, v: &ComparisonVector, i: usize, j: usize) -> f64 {
        let level = v[field.index()];
        if field == Field::Address
            && surnames_agree(v[Field::Surname.index()])
            && let Some(w) = self.weights.address_weight_sharing_surname(level)
        {
            return w;
        }
        if level == 0 {
            let frequencies = match field {
                Field::Surname => Some(&self.surname_frequency),
                Field::GivenName => Some(&self.given_frequency),
                _ => None,
            };
            // Exact agreement means both records hold the same value, so either's frequency.
            if let Some(f) = frequencies.and_then(|f| f[i].or(f[j])) {
                return self.weights.exact_weight_for_frequency(field, f);
            }
        }
        self.weights.weight(field, level)
    }

    fn pair_weight(&self, v: &ComparisonVector, i: usize, j: usize) -> f64 {
        self.weights.prior
            + Field::ALL
                .iter()
                .map(|&f| self.field_weight(f, v, i, j))
                .sum::<f64>()
    }
}

/// Whether a surname level counts as the surnames agreeing: exact, one part of a
/// double-barrelled name, or similar.
pub(crate) fn surnames_agree(level: u8) -> bool {
    level <= 2
}

/// Set each record's value frequency: the share of records holding the field that hold its
/// value. A value held once counts as held twice, since agreeing on it takes two records.
fn fill_frequencies<'a>(
    records: &'a [PreparedRecord],
    value: impl Fn(&'a PreparedRecord) -> Option<&'a str>,
    out: &mut [Option<f64>],
) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut holding = 0usize;
    for r in records {
        if let Some(v) = value(r) {
            *counts.entry(v).or_default() += 1;
            holding += 1;
        }
    }
    if holding == 0 {
        return;
    }
    for (r, slot) in records.iter().zip(out.iter_mut()) {
        if let Some(v) = value(r) {
            let count = counts.get(v).copied().unwrap_or(1).max(2);
            *slot = Some(count as f64 / holding as f64);
        }
    }
}
