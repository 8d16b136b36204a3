//! Forming groups from scored links, the same way whatever order the records came in.
//!
//! Links above the grouping threshold are taken strongest first (ties by record key) and each
//! joins its two records' groups unless joining would
//! - put two different PNC ids or CRO numbers in one group (one person has one of each),
//! - join a record to one the model thinks unlikely to be the same person (a scored pair
//!   across the two groups below the possible-match threshold), or
//! - make a group larger than the size limit.
//!
//! A link refused for any of these stays a possible match, with the reason. This is why two
//! strangers who share a name and a date of birth but hold different PNC ids stay apart however
//! strongly the rest agrees, and why one weak record cannot chain two people together the way
//! plain connected components would.

use crate::blocking::{PackedPair, pack, unpack};
use crate::compare::Field;
use crate::normalise::PreparedRecord;

/// Why a link above the threshold did not join its groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Refusal {
    Conflict(Field),
    Unlikely { pair: usize },
    Size,
}

/// Groups of record positions.
pub(crate) struct Clusters {
    /// For each record position, its group's number; groups are numbered in order of their
    /// first (lowest-positioned) member.
    pub(crate) group_of: Vec<usize>,
    /// Members of each group, ascending.
    pub(crate) members: Vec<Vec<u32>>,
    /// Pair indexes of the links that joined groups, strongest first.
    pub(crate) joined_by: Vec<usize>,
    /// Pair indexes of links above the threshold that were refused, and why.
    pub(crate) refused: Vec<(usize, Refusal)>,
}

/// A group being formed: its members and the personal identifiers they hold.
struct FormingGroup {
    members: Vec<u32>,
    pnc_ids: Vec<String>,
    cro_numbers: Vec<String>,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// Conflict on a personal identifier between two parts.
fn conflict(a: &FormingGroup, b: &FormingGroup) -> Option<Field> {
    let differs = |x: &[String], y: &[String]| {
        !x.is_empty()
            && !y.is_empty()
            && (x.iter().any(|v| !y.contains(v)) || y.iter().any(|v| !x.contains(v)))
    };
    if differs(&a.pnc_ids, &b.pnc_ids) {
        Some(Field::PncId)
    } else if differs(&a.cro_numbers, &b.cro_numbers) {
        Some(Field::CroNumber)
    } else {
        None
    }
}

/// Group records. `pairs` are the scored pairs (sorted), `weights[k]` the match weight of
/// `pairs[k]`.
pub(crate) fn cluster(
    records: &[PreparedRecord],
    pairs: &[PackedPair],
    weights: &[f64],
    group_weight: f64,
    possible_weight: f64,
    max_group_size: usize,
) -> Clusters {
    let n = records.len();
    let mut parent: Vec<u32> = (0u32..).take(n).collect();
    let mut parts: Vec<Option<FormingGroup>> = records
        .iter()
        .zip(0u32..)
        .map(|(r, i)| {
            Some(FormingGroup {
                members: vec![i],
                pnc_ids: r.pnc_id.iter().cloned().collect(),
                cro_numbers: r.cro_number.iter().cloned().collect(),
            })
        })
        .collect();
    let mut edges: Vec<usize> = (0..pairs.len())
        .filter(|&k| weights[k] >= group_weight)
        .collect();
    edges.sort_by(|&a, &b| {
        weights[b]
            .total_cmp(&weights[a])
            .then(pairs[a].cmp(&pairs[b]))
    });
    let mut joined_by = Vec::new();
    let mut refused = Vec::new();
    for k in edges {
        let (i, j) = unpack(pairs[k]);
        let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
        if ri == rj {
            continue;
        }
        let (Some(a), Some(b)) = (&parts[ri as usize], &parts[rj as usize]) else {
            continue;
        };
        if a.members.len() + b.members.len() > max_group_size {
            refused.push((k, Refusal::Size));
            continue;
        }
        if let Some(field) = conflict(a, b) {
            refused.push((k, Refusal::Conflict(field)));
            continue;
        }
        let unlikely = a.members.iter().find_map(|&x| {
            b.members.iter().find_map(|&y| {
                let pos = pairs.binary_search(&pack(x, y)).ok()?;
                (weights[pos] < possible_weight).then_some(pos)
            })
        });
        if let Some(pair) = unlikely {
            refused.push((k, Refusal::Unlikely { pair }));
            continue;
        }
        // Join the smaller part into the larger.
        let (keep, gone) = if a.members.len() >= b.members.len() {
            (ri, rj)
        } else {
            (rj, ri)
        };
        let Some(gone_part) = parts[gone as usize].take() else {
            continue;
        };
        parent[gone as usize] = keep;
        if let Some(kept) = parts[keep as usize].as_mut() {
            kept.members.extend(gone_part.members);
            for id in gone_part.pnc_ids {
                if !kept.pnc_ids.contains(&id) {
                    kept.pnc_ids.push(id);
                }
            }
            for id in gone_part.cro_numbers {
                if !kept.cro_numbers.contains(&id) {
                    kept.cro_numbers.push(id);
                }
            }
        }
        joined_by.push(k);
    }
    let mut number_of_root = vec![usize::MAX; n];
    let mut group_of = vec![0; n];
    let mut members: Vec<Vec<u32>> = Vec::new();
    for (i, group) in (0u32..).zip(group_of.iter_mut()) {
        let root = find(&mut parent, i) as usize;
        if number_of_root[root] == usize::MAX {
            number_of_root[root] = members.len();
            members.push(Vec::new());
        }
        *group = number_of_root[root];
        members[number_of_root[root]].push(i);
    }
    Clusters {
        group_of,
        members,
        joined_by,
        refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pnc: Option<&str>) -> PreparedRecord {
        PreparedRecord {
            pnc_id: pnc.map(str::to_owned),
            ..PreparedRecord::default()
        }
    }

    #[test]
    fn links_join_strongest_first_and_conflicts_refuse() {
        // 0–1 strong, 1–2 strong but 2 holds another PNC id than 0, 2–3 strong.
        let records = vec![
            record(Some("P1")),
            record(None),
            record(Some("P2")),
            record(None),
        ];
        let pairs = vec![pack(0, 1), pack(1, 2), pack(2, 3)];
        let weights = vec![20.0, 10.0, 15.0];
        let c = cluster(&records, &pairs, &weights, 0.0, -5.0, 10);
        assert_eq!(c.members, vec![vec![0, 1], vec![2, 3]]);
        assert_eq!(c.group_of, vec![0, 0, 1, 1]);
        assert_eq!(c.joined_by, vec![0, 2]);
        assert_eq!(c.refused, vec![(1, Refusal::Conflict(Field::PncId))]);
    }

    #[test]
    fn an_unlikely_member_and_the_size_limit_refuse() {
        let records = vec![record(None), record(None), record(None)];
        // 0–1 and 1–2 strong, but 0–2 scored and very unlikely.
        let pairs = vec![pack(0, 1), pack(0, 2), pack(1, 2)];
        let weights = vec![12.0, -30.0, 11.0];
        let c = cluster(&records, &pairs, &weights, 0.0, -4.0, 10);
        assert_eq!(c.members, vec![vec![0, 1], vec![2]]);
        assert_eq!(c.refused, vec![(2, Refusal::Unlikely { pair: 1 })]);
        let weights = vec![12.0, 5.0, 11.0];
        let c = cluster(&records, &pairs, &weights, 0.0, -4.0, 2);
        assert_eq!(c.members, vec![vec![0, 1], vec![2]]);
        assert_eq!(c.refused, vec![(2, Refusal::Size), (1, Refusal::Size)]);
    }

    #[test]
    fn the_same_pnc_id_is_no_conflict() {
        let records = vec![record(Some("P1")), record(Some("P1"))];
        let c = cluster(&records, &[pack(0, 1)], &[3.0], 0.0, -4.0, 10);
        assert_eq!(c.members, vec![vec![0, 1]]);
    }
}
