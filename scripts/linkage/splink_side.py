#!/usr/bin/env python3
"""The Splink side of the linkage benchmark: the same records, fields and blocking rules as
interop-linkage, with Splink's own comparison library, trained as its tutorial trains
(u by random sampling, m by EM, the prior from deterministic rules), on DuckDB.

    python splink_side.py records.jsonl truth.csv > splink.json

Prints one JSON object: pairwise precision/recall/F1 at match probability 0.5 and at the
threshold with the best F1 (chosen by scoring every threshold against the truth, which only a
benchmark can do), and the seconds Splink took to train, predict and cluster.
"""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from score import pairwise_scores, read_truth  # noqa: E402


def clean_name(s):
    return re.sub(r"[^0-9a-z]", "", s.lower()) if s else None


def clean_postcode(s):
    if not s:
        return None
    s = re.sub(r"\s", "", s.upper())
    return f"{s[:-3]} {s[-3:]}" if len(s) >= 5 else s


def e164(s):
    """The same E.164 reading the Rust side does: +, 00, or a UK national 0."""
    if not s:
        return None
    s = s.strip().replace("(0)", "")
    plus = s.startswith("+")
    digits = re.sub(r"[ \-().+/]", "", s)
    if not digits.isdigit():
        return None
    if not plus:
        if digits.startswith("00"):
            digits = digits[2:]
        elif digits.startswith("0"):
            digits = "44" + digits[1:]
    return "+" + digits if 8 <= len(digits) <= 15 else None


def flatten(path):
    rows = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            e = r["entity"]
            row = {
                "unique_id": f'{r["source"]["system"]}|{r["source"]["local_id"]}',
                "given_name": clean_name((e.get("given_names") or [None])[0]),
                "surname": clean_name(e.get("surname")),
                "dob": e.get("date_of_birth") if e.get("date_of_birth_known", True) else None,
                "gender": (e.get("gender") or None),
                "pnc_id": re.sub(r"\s", "", e["pnc_id"].upper()) if e.get("pnc_id") else None,
                "postcode": None, "uprn": None, "phone": None, "email": None,
            }
            for linked in r.get("linked") or []:
                x = linked.get("entity") or {}
                if x.get("kind") == "location":
                    row["postcode"] = row["postcode"] or clean_postcode(x.get("postcode"))
                    if x.get("uprn"):
                        row["uprn"] = row["uprn"] or (str(x["uprn"]).lstrip("0") or "0")
                elif x.get("type") == "telephone":
                    row["phone"] = row["phone"] or e164(str(x.get("number") or ""))
                elif x.get("type") == "email" and x.get("address"):
                    row["email"] = row["email"] or x["address"].strip().lower()
            rows.append(row)
    return rows


def best_f1_threshold(truth, edges):
    """Connected components (what Splink's clustering computes) at every threshold, strongest
    edges first, keeping pairwise counts up to date as clusters join; returns the threshold
    with the best F1 and its scores."""
    parent = {i: i for i in truth}
    people = {i: {truth[i]: 1} for i in truth}  # cluster root -> person -> records
    size = {i: 1 for i in truth}
    actual = sum(n * (n - 1) // 2 for n in _counts(truth.values()))
    predicted = correct = 0
    best = None

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def scores():
        precision = correct / predicted if predicted else 1.0
        recall = correct / actual if actual else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": actual,
                "predicted_pairs": predicted, "correct_pairs": correct}

    edges = sorted(edges, key=lambda e: -e[2])
    i = 0
    while i < len(edges):
        threshold = edges[i][2]
        while i < len(edges) and edges[i][2] >= threshold:
            a, b, _ = edges[i]
            i += 1
            ra, rb = find(a), find(b)
            if ra == rb:
                continue
            if size[ra] < size[rb]:
                ra, rb = rb, ra
            predicted += size[ra] * size[rb]
            pa_, pb_ = people[ra], people.pop(rb)
            for person, n in pb_.items():
                correct += pa_.get(person, 0) * n
                pa_[person] = pa_.get(person, 0) + n
            size[ra] += size.pop(rb)
            parent[rb] = ra
        s = scores()
        if best is None or s["f1"] > best[1]["f1"]:
            best = (threshold, s)
    return best


def _counts(values):
    out = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out.values()


def main():
    records_path, truth_path = sys.argv[1], sys.argv[2]
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    rows = flatten(records_path)
    truth_raw = read_truth(truth_path)
    truth = {f"{s}|{l}": p for (s, l), p in truth_raw.items()}

    started = time.perf_counter()
    db_api = DuckDBAPI()
    table = db_api.register(pa.Table.from_pylist(rows))
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("pnc_id"),
            block_on("dob"),
            block_on("surname", "substr(given_name, 1, 1)"),
            block_on("postcode", "substr(given_name, 1, 1)"),
            block_on("uprn"),
            block_on("phone"),
            block_on("email"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("gender"),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("uprn"),
            cl.ExactMatch("phone"),
            cl.EmailComparison("email"),
            cl.ExactMatch("pnc_id"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "dob"), block_on("pnc_id"), block_on("email")],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("surname", "substr(given_name, 1, 1)")
    )
    trained = time.perf_counter()
    predictions = linker.inference.predict()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.5
    )
    cluster_rows = clusters.as_record_list()
    finished = time.perf_counter()

    at_half = {r["unique_id"]: r["cluster_id"] for r in cluster_rows}
    scores_half = pairwise_scores(truth, at_half)

    # Best-F1 threshold: every threshold at which some pair's probability changes the clusters.
    edges = [(r["unique_id_l"], r["unique_id_r"], r["match_probability"])
             for r in predictions.as_record_list()]
    best = best_f1_threshold(truth, edges)
    print(json.dumps({
        "records": len(rows),
        "candidate_pairs": len(edges),
        "seconds": {
            "train": trained - started,
            "predict_and_cluster": finished - trained,
            "total": finished - started,
        },
        "at_0.5": scores_half,
        "best_f1": {"threshold": best[0], **best[1]},
    }))


if __name__ == "__main__":
    main()
