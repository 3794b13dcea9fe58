"""Benchmark: verdict's comparison mode against the Python stack computing the same keys.

    .venv/bin/python bench/comparison/bench_comparison.py [--rows N] [--resamples B]

Generates N binary rows (30% positives; correlated new and previous scores rounded to 1e-4 so
that they tie), writes them as raw arrays, builds bench/comparison/comparison_bench with g++ -O3
from src/core, src/metrics, src/stats and the comparison computations (no plots on either side),
and times comparison::Compare against the fair Python alternative on the same arrays: SciPy
(pearsonr, spearmanr, ttest_rel, wilcoxon), statsmodels mcnemar, scikit-learn (roc_auc_score,
average_precision_score, f1_score), DeLong by NumPy midranks, and a paired stratified NumPy
bootstrap (same B) of the AP difference (scikit-learn) and of the F1 differences at 0.3/0.5/0.7.
It checks that the deterministic keys agree (1e-9 relative) and prints both times and the
ratio. Both sides run on one thread. The bootstraps use different generators, so their
intervals are not compared.
"""

import argparse
import json
import os
import pathlib
import subprocess
import tempfile
import time

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402
from statsmodels.stats.contingency_tables import mcnemar  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
THRESHOLDS = (0.3, 0.5, 0.7)


def build(out_dir):
    sources = [str(p) for stage in ("core", "numeric", "metrics", "stats")
               for p in sorted((ROOT / "src" / stage).glob("*.cc"))
               if not p.name.endswith("_test.cc") and p.name != "golden.cc"]
    sources += [str(ROOT / "src" / "comparison" / name) for name in ("compare.cc",)]
    binary = out_dir / "comparison_bench"
    command = ["g++", "-std=c++20", "-O3", "-DNDEBUG", "-I", str(ROOT / "src"),
               str(ROOT / "bench" / "comparison" / "comparison_bench.cc"), *sources, "-o",
               str(binary)]
    subprocess.run(command, check=True)
    return binary


def generate(rows, seed=20261129):
    rng = np.random.default_rng(seed)
    labels = (rng.random(rows) < 0.3).astype(np.int32)
    shared = rng.normal(size=rows)
    new = 1 / (1 + np.exp(-(2.4 * (labels - 0.5) + 0.8 * shared + 0.6 * rng.normal(size=rows))))
    prev = 1 / (1 + np.exp(-(1.6 * (labels - 0.5) + 0.8 * shared + 0.6 * rng.normal(size=rows))))
    return labels, np.round(new, 4), np.round(prev, 4)


def f1(y, predicted):
    tp = np.count_nonzero(predicted & (y == 1))
    return 2 * tp / (np.count_nonzero(predicted) + np.count_nonzero(y == 1))


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
    d = aucs[0] - aucs[1]
    se = np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    return d / se, 2 * stats.norm.sf(abs(d / se))


def python_keys(y, new, prev, resamples):
    keys = {}
    keys["pearson_correlation"], keys["pearson_p_value"] = stats.pearsonr(new, prev)
    keys["spearman_correlation"], keys["spearman_p_value"] = stats.spearmanr(new, prev)
    keys["new_model_auc"], keys["previous_model_auc"] = roc_auc_score(y, new), roc_auc_score(y, prev)
    keys["new_model_ap"] = average_precision_score(y, new)
    keys["previous_model_ap"] = average_precision_score(y, prev)
    for t in THRESHOLDS:
        keys[f"new_model_f1_at_{t}"] = f1(y, new >= t)
        keys[f"previous_model_f1_at_{t}"] = f1(y, prev >= t)
        keys[f"prediction_agreement_at_{t}"] = np.mean((new >= t) == (prev >= t))
    keys["new_score_std"], keys["previous_score_std"] = np.std(new), np.std(prev)
    new_ok, prev_ok = (new >= 0.5) == (y == 1), (prev >= 0.5) == (y == 1)
    b, c = np.count_nonzero(new_ok & ~prev_ok), np.count_nonzero(~new_ok & prev_ok)
    keys["mcnemar_p_value"] = mcnemar([[0, b], [c, 0]], exact=False, correction=True).pvalue
    keys["mcnemar_exact_p_value"] = mcnemar([[0, b], [c, 0]], exact=True).pvalue
    keys["paired_t_p_value"] = stats.ttest_rel(new, prev).pvalue
    keys["wilcoxon_p_value"] = stats.wilcoxon(new, prev).pvalue
    keys["delong_z"], keys["delong_p_value"] = delong_midranks(y, new, prev)
    rng = np.random.default_rng(7)
    strata = [np.flatnonzero(y == 0), np.flatnonzero(y == 1)]
    y_boot = np.concatenate([y[s] for s in strata])
    differences = {"ap": [], **{t: [] for t in THRESHOLDS}}
    for _ in range(resamples):
        idx = np.concatenate([rng.choice(s, size=len(s)) for s in strata])
        a, p = new[idx], prev[idx]
        differences["ap"].append(average_precision_score(y_boot, a) -
                                 average_precision_score(y_boot, p))
        for t in THRESHOLDS:
            differences[t].append(f1(y_boot, a >= t) - f1(y_boot, p >= t))
    keys["ap_delta_ci_lower"], keys["ap_delta_ci_upper"] = np.quantile(differences["ap"],
                                                                       [0.025, 0.975])
    return keys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--resamples", type=int, default=200)
    args = parser.parse_args()
    y, new, prev = generate(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        y.tofile(tmp / "labels.i32")
        new.astype(np.float64).tofile(tmp / "new.f64")
        prev.astype(np.float64).tofile(tmp / "previous.f64")
        binary = build(tmp)
        run = subprocess.run([str(binary), str(tmp), str(args.rows), str(args.resamples)],
                             check=True, capture_output=True, text=True)
    verdict = json.loads(run.stdout)
    start = time.perf_counter()
    python = python_keys(y, new, prev, args.resamples)
    python_seconds = time.perf_counter() - start
    for name, value in python.items():
        if name.startswith("ap_delta_ci"):
            print(f"  {name}: verdict {verdict['keys'][name]:.6f}  python {value:.6f} "
                  "(different generators)")
            continue
        got = verdict["keys"][name]
        assert abs(got - value) <= max(1e-300, 1e-9 * abs(value)), (name, got, value)
    print(f"rows {args.rows}, resamples {args.resamples}: {len(python) - 2} keys agree (1e-9)")
    print(f"verdict comparison::Compare: {verdict['seconds']:.3f} s")
    print(f"Python (SciPy/statsmodels/sklearn/NumPy): {python_seconds:.3f} s")
    print(f"ratio: {python_seconds / verdict['seconds']:.1f}x")


if __name__ == "__main__":
    main()
