#!/usr/bin/env python3
"""Run both sides of the linkage benchmark on generated seeds and print the table.

Called by scripts/bench-linkage.sh (which builds link-bench and the Splink venv):

    python3 bench.py --link-bench PATH --splink-python PATH --out DIR [--seeds 1 2] [--people 6000] [--runs 3]

For each seed: generate the population, run interop-linkage (link-bench) and Splink `--runs`
times each on the same records, score both against the truth, and report the median times.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from score import pairwise_scores, read_groups_jsonl, read_truth  # noqa: E402


def run_ours(link_bench, data, model=None, model_out=None):
    out = os.path.join(data, "ours.jsonl" if model is None else "ours-transferred.jsonl")
    extra = (["--model", model] if model else []) + (["--model-out", model_out] if model_out else [])
    started = time.perf_counter()
    p = subprocess.run([link_bench, "--input", os.path.join(data, "records.jsonl"), "--output", out, *extra],
                       check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    summary = json.loads(p.stderr.strip().splitlines()[-1])["summary"]
    t = summary["timings"]
    core = t["prepare_and_block"] + t["compare"] + t["train"] + t["score_and_cluster"]
    scores = pairwise_scores(read_truth(os.path.join(data, "truth.csv")), read_groups_jsonl(out))
    return {"core": core, "wall": wall, "scores": scores, "summary": summary}


def run_splink(python, data):
    p = subprocess.run([python, os.path.join(HERE, "splink_side.py"), os.path.join(data, "records.jsonl"),
                        os.path.join(data, "truth.csv")], check=True, capture_output=True, text=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def fmt(s):
    return f'{s["precision"]:.4f} | {s["recall"]:.4f} | {s["f1"]:.4f}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--link-bench", required=True)
    ap.add_argument("--splink-python", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--people", type=int, default=6000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    rows = []
    first_model = None
    for seed in args.seeds:
        data = os.path.join(args.out, f"seed-{seed}")
        gen = subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "--seed", str(seed),
                              "--people", str(args.people), "--out", data],
                             check=True, capture_output=True, text=True)
        records = json.loads(gen.stdout)["records"]
        ours = [run_ours(args.link_bench, data) for _ in range(args.runs)]
        # The model estimated on the first seed, applied unchanged to this one: weights that
        # carry over to data they were not estimated on.
        model_path = os.path.join(data, "model.json")
        if first_model is None:
            run_ours(args.link_bench, data, model_out=model_path)
            first_model = model_path
            transferred = None
        else:
            transferred = run_ours(args.link_bench, data, model=first_model)["scores"]
        splink = [run_splink(args.splink_python, data) for _ in range(args.runs)]
        rows.append({
            "seed": seed, "records": records,
            "ours": ours[-1]["scores"],
            "transferred": transferred,
            "ours_core": statistics.median(r["core"] for r in ours),
            "ours_wall": statistics.median(r["wall"] for r in ours),
            "candidate_pairs": ours[-1]["summary"]["candidate_pairs"],
            "splink_pairs": splink[-1]["candidate_pairs"],
            "splink_half": splink[-1]["at_0.5"],
            "splink_best": splink[-1]["best_f1"],
            "splink_core": statistics.median(r["seconds"]["total"] for r in splink),
        })

    print(f"\nLinkage benchmark: {args.people} invented people, 3 systems, seeds {' '.join(map(str, args.seeds))}, "
          f"median of {args.runs} runs\n")
    print("| seed | records | linker | threshold | precision | recall | F1 | seconds (train + predict + cluster) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f'| {r["seed"]} | {r["records"]} | interop-linkage | p ≥ 0.5 (default) | {fmt(r["ours"])} | '
              f'{r["ours_core"]:.2f} ({r["ours_wall"]:.2f} whole process, JSONL in and out) |')
        if r["transferred"]:
            print(f'| {r["seed"]} | {r["records"]} | interop-linkage, model estimated on seed {args.seeds[0]} | '
                  f'p ≥ 0.5 | {fmt(r["transferred"])} | – |')
        print(f'| {r["seed"]} | {r["records"]} | Splink | p ≥ 0.5 | {fmt(r["splink_half"])} | {r["splink_core"]:.2f} |')
        print(f'| {r["seed"]} | {r["records"]} | Splink | best F1, p ≥ {r["splink_best"]["threshold"]:.4f} | '
              f'{fmt(r["splink_best"])} | {r["splink_core"]:.2f} |')
    print("\n| seed | F1 ours / Splink best | F1 ours / Splink at 0.5 | Splink time / ours (whole process) | candidate pairs ours, Splink |")
    print("|---|---|---|---|---|")
    ok = True
    for r in rows:
        f1_best = r["ours"]["f1"] / r["splink_best"]["f1"]
        f1_half = r["ours"]["f1"] / r["splink_half"]["f1"]
        speed = r["splink_core"] / r["ours_wall"]
        ok = ok and f1_best >= 1.0 and speed > 1.0 and r["records"] >= 10_000
        print(f'| {r["seed"]} | {f1_best:.3f} | {f1_half:.3f} | {speed:.2f} | {r["candidate_pairs"]}, {r["splink_pairs"]} |')
    print(f'\nGoal (F1 ≥ Splink best at ≥ 10,000 records on every seed, in less time): {"met" if ok else "NOT met"}')
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
