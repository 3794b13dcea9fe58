"""Benchmark: verdict's exact binary metrics against scikit-learn on 10^7 predictions.

    .venv/bin/python bench/metrics/bench_metrics.py [--rows N] [--repeats R] [--binary PATH]

Generates N binary predictions (30% positives, float32 scores rounded to 1e-5 so that scores
tie), writes them as raw int32 labels and float32 scores, runs bench/metrics/metrics_bench (built
here with g++ -O3 from src/core and src/metrics unless --binary names one), times scikit-learn's
roc_auc_score, average_precision_score and f1_score at thresholds 0.3/0.5/0.7 (rule p >= T) on
the same values (as float64, converted before timing on both sides), checks that the values agree to 1e-9 and prints both times and the ratio.
Both sides run on one thread (the C++ program is single-threaded; BLAS threads are pinned to 1).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import numpy as np  # noqa: E402
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
THRESHOLDS = (0.3, 0.5, 0.7)


def build(out_dir):
    sources = [str(p) for p in sorted((ROOT / "src" / "metrics").glob("*.cc"))
               if not p.name.endswith("_test.cc")]
    binary = out_dir / "metrics_bench"
    command = ["g++", "-std=c++20", "-O3", "-DNDEBUG", "-I", str(ROOT / "src"),
               str(ROOT / "bench" / "metrics" / "metrics_bench.cc"), *sources,
               str(ROOT / "src" / "core" / "core.cc"), "-o", str(binary)]
    subprocess.run(command, check=True)
    return binary


def generate(rows, seed=20261129):
    rng = np.random.default_rng(seed)
    labels = (rng.random(rows) < 0.3).astype(np.int32)
    logits = rng.normal(1.2 * labels - 0.8, 1.0)
    scores = np.round(1.0 / (1.0 + np.exp(-logits)), 5).astype(np.float32)
    return labels, scores


def time_sklearn(labels, scores32, repeats):
    scores = scores32.astype(np.float64)  # the doubles verdict sees; converted outside the timing
    values, best, best_cpu = {}, float("inf"), float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        values["auc_roc"] = roc_auc_score(labels, scores)
        values["average_precision"] = average_precision_score(labels, scores)
        for t in THRESHOLDS:
            values[f"f1_score_at_{t}"] = f1_score(labels, (scores >= t).astype(np.int32))
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return values, best * 1000, best_cpu * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--binary", type=pathlib.Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        binary = args.binary or build(tmp)
        labels, scores = generate(args.rows)
        labels.tofile(tmp / "labels.int32")
        scores.tofile(tmp / "scores.float32")
        run = subprocess.run([str(binary), str(tmp / "labels.int32"), str(tmp / "scores.float32"),
                              str(args.repeats)], check=True, capture_output=True, text=True)
        ours = json.loads(run.stdout)
    reference, sklearn_ms, sklearn_cpu_ms = time_sklearn(labels, scores, args.repeats)
    worst = max(abs(ours[key] - float(value)) for key, value in reference.items())
    print(f"rows: {args.rows}, positives: {labels.mean():.3f}, distinct scores: "
          f"{len(np.unique(scores))}, threads: 1, best of {args.repeats}")
    for key, value in reference.items():
        print(f"  {key:18s} verdict {ours[key]:.12f}  scikit-learn {float(value):.12f}")
    print(f"largest difference: {worst:.3g} ({'agree' if worst <= 1e-9 else 'DISAGREE'} at 1e-9)")
    print("best wall ms (best CPU ms; the CPU figure is less disturbed by other load)")
    print(f"scikit-learn (AUC + AP + 3 x F1): {sklearn_ms:9.1f} ({sklearn_cpu_ms:.1f})")
    print(f"verdict      (same metrics):      {ours['core_ms']:9.1f} ({ours['core_cpu_ms']:.1f})"
          f"   ratio {sklearn_ms / ours['core_ms']:.1f}x "
          f"(CPU {sklearn_cpu_ms / ours['core_cpu_ms']:.1f}x)")
    print(f"verdict      EvaluateBinary:      {ours['evaluate_binary_ms']:9.1f} "
          f"({ours['evaluate_binary_cpu_ms']:.1f})   ratio {sklearn_ms / ours['evaluate_binary_ms']:.1f}x"
          f"   [{ours['evaluate_binary_metrics']} keys, curves, DeLong, calibration]")
    return 0 if worst <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
