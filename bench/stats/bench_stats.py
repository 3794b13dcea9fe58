"""Benchmark: verdict's paired statistics against SciPy / statsmodels / NumPy on the same rows.

    .venv/bin/python bench/stats/bench_stats.py [--rows N] [--repeats R] [--resamples B]
                                                [--binary PATH]

Generates N rows (20% positives; new and previous scores correlated and rounded to 1e-4 so that
they tie), writes them as raw int32 / float64 arrays, runs bench/stats/stats_bench (built here
with g++ -O3 from src/core, src/metrics and src/stats unless --binary names one), then times the
Python alternatives on the same arrays: scipy.stats pearsonr, spearmanr, ttest_rel, wilcoxon,
statsmodels mcnemar (exact, with the table counted by NumPy), DeLong by the NumPy midrank
algorithm of docs/statistics.md, and a NumPy paired stratified bootstrap of the F1 difference
(vectorised per resample). It checks that the tests agree (1e-9 relative, or 1e-12 absolute
for p-values) and prints both times and the ratio. Both sides run on one thread. The two
bootstraps use different generators, so only their intervals are shown side by side.
"""

import argparse
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import time

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402
from statsmodels.stats.contingency_tables import mcnemar  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


def build(out_dir):
    sources = [str(p) for stage in ("core", "numeric", "metrics", "stats")
               for p in sorted((ROOT / "src" / stage).glob("*.cc"))
               if not p.name.endswith("_test.cc") and p.name != "golden.cc"]
    binary = out_dir / "stats_bench"
    command = ["g++", "-std=c++20", "-O3", "-DNDEBUG", "-I", str(ROOT / "src"),
               str(ROOT / "bench" / "stats" / "stats_bench.cc"), *sources, "-o", str(binary)]
    subprocess.run(command, check=True)
    return binary


def generate(rows, seed=20261129):
    rng = np.random.default_rng(seed)
    labels = (rng.random(rows) < 0.2).astype(np.int32)
    shared = rng.normal(size=rows)
    new = 1 / (1 + np.exp(-(1.4 * labels - 1.0 + shared + 0.5 * rng.normal(size=rows))))
    prev = 1 / (1 + np.exp(-(1.0 * labels - 0.9 + shared + 0.7 * rng.normal(size=rows))))
    return labels, np.round(new, 4), np.round(prev, 4)


def delong_midranks(y, a, b):
    y = y.astype(bool)
    m, n = y.sum(), (~y).sum()
    aucs, v10, v01 = [], [], []
    for s in (a, b):
        tz, tx, ty = stats.rankdata(s), stats.rankdata(s[y]), stats.rankdata(s[~y])
        aucs.append((tz[y].sum() - m * (m + 1) / 2) / (m * n))
        v10.append((tz[y] - tx) / n)
        v01.append(1.0 - (tz[~y] - ty) / m)
    cov = np.cov(np.array(v10)) / m + np.cov(np.array(v01)) / n
    diff = aucs[0] - aucs[1]
    z = diff / math.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    return diff, 2 * stats.norm.sf(abs(z))


def f1_at_half(y, s):
    predicted = s >= 0.5
    tp = np.count_nonzero(predicted & (y == 1))
    fp = np.count_nonzero(predicted & (y == 0))
    fn = np.count_nonzero(~predicted & (y == 1))
    return 2 * tp / (2 * tp + fp + fn)


def numpy_bootstrap(y, a, b, resamples, seed=20261129):
    rng = np.random.default_rng(seed)
    strata = [np.flatnonzero(y == v) for v in np.unique(y)]
    labels = np.concatenate([y[rows] for rows in strata])
    diffs = np.empty(resamples)
    for r in range(resamples):
        idx = np.concatenate([rows[rng.integers(0, len(rows), len(rows))] for rows in strata])
        diffs[r] = f1_at_half(labels, a[idx]) - f1_at_half(labels, b[idx])
    return np.quantile(diffs, 0.025), np.quantile(diffs, 0.975)


def mcnemar_python(y, a, b):
    new_correct = (a >= 0.5) == (y == 1)
    prev_correct = (b >= 0.5) == (y == 1)
    table = np.array([[np.count_nonzero(new_correct & prev_correct),
                       np.count_nonzero(new_correct & ~prev_correct)],
                      [np.count_nonzero(~new_correct & prev_correct),
                       np.count_nonzero(~new_correct & ~prev_correct)]])
    corrected = mcnemar(table, exact=False, correction=True).statistic
    return corrected, mcnemar(table, exact=True).pvalue


def best_of(repeats, fn):
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return value, best * 1000


def agree(got, want):
    if math.isnan(want):
        return math.isnan(got)
    return abs(got - want) <= max(1e-12, 1e-9 * abs(want))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--binary")
    args = parser.parse_args()

    y, a, b = generate(args.rows)
    python = {
        "pearson": lambda: tuple(stats.pearsonr(a, b)),
        "spearman": lambda: tuple(stats.spearmanr(a, b)),
        "paired_t": lambda: tuple(stats.ttest_rel(a, b)),
        "wilcoxon": lambda: tuple(stats.wilcoxon(a, b)),
        "mcnemar": lambda: mcnemar_python(y, a, b),
        "delong": lambda: delong_midranks(y, a, b),
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        binary = args.binary or build(tmp)
        for name, array in (("labels", y), ("new", a), ("previous", b)):
            array.tofile(tmp / name)
        out = subprocess.run([str(binary), str(tmp / "labels"), str(tmp / "new"),
                              str(tmp / "previous"), str(args.repeats), str(args.resamples)],
                             check=True, capture_output=True, text=True).stdout
    verdict = json.loads(out)

    print(f"{args.rows} rows, best of {args.repeats}; bootstrap {args.resamples} resamples, once")
    print(f"{'test':<14}{'verdict ms':>12}{'python ms':>12}{'ratio':>9}  values agree")
    failures = 0
    for name, fn in python.items():
        values, ms = best_of(args.repeats, fn)
        ok = all(agree(g, float(w)) for g, w in zip(verdict[name][:2], values))
        failures += not ok
        print(f"{name:<14}{verdict[name][2]:>12.1f}{ms:>12.1f}{ms / verdict[name][2]:>8.1f}x"
              f"  {'yes' if ok else 'NO'}")
    (low, high), ms = best_of(1, lambda: numpy_bootstrap(y, a, b, args.resamples))
    v = verdict["bootstrap_f1"]
    print(f"{'bootstrap_f1':<14}{v[2]:>12.1f}{ms:>12.1f}{ms / v[2]:>8.1f}x"
          f"  intervals [{v[0]:.5f}, {v[1]:.5f}] vs NumPy [{low:.5f}, {high:.5f}]")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
