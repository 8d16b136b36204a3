#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of a clustering against the generator's ground truth.

A pair is two records; it is predicted when both are in one cluster and true when both are
copies of one invented person. Standard library only.

    python3 scripts/linkage/score.py truth.csv groups.jsonl   # interop-linkage output
"""

import csv
import json
import sys
from collections import Counter


def read_truth(path):
    with open(path, newline="") as f:
        return {(row["system"], row["local_id"]): row["person_id"] for row in csv.DictReader(f)}


def read_groups_jsonl(path):
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            out[(r["source"]["system"], r["source"]["local_id"])] = r["group_id"]
    return out


def pairs(n):
    return n * (n - 1) // 2


def pairwise_scores(truth, clusters):
    """truth and clusters map record key -> label; every truth key must be clustered."""
    missing = [k for k in truth if k not in clusters]
    if missing:
        raise SystemExit(f"{len(missing)} records have no cluster, e.g. {missing[0]}")
    both = Counter((clusters[k], truth[k]) for k in truth)
    true_positive = sum(pairs(n) for n in both.values())
    predicted = sum(pairs(n) for n in Counter(clusters[k] for k in truth).values())
    actual = sum(pairs(n) for n in Counter(truth.values()).values())
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "true_pairs": actual, "predicted_pairs": predicted, "correct_pairs": true_positive}


if __name__ == "__main__":
    print(json.dumps(pairwise_scores(read_truth(sys.argv[1]), read_groups_jsonl(sys.argv[2]))))
