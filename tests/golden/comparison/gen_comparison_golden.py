#!/usr/bin/env python3
"""Golden values for the comparison stage (src/comparison/), from SciPy, statsmodels and sklearn.

Run: .venv/bin/python tests/golden/comparison/gen_comparison_golden.py
Writes comparison_golden.json beside this script. Each case holds the inputs (labels, new
probabilities [N, K] row-major, previous scores [N] or [N, K]), the options, every numeric key
the C++ Compare must produce (null = undefined), the string keys, and the flips. The C++ test
(src/comparison/golden_test.cc) checks that the key sets are equal and each value matches.

Independent of the C++ code: keys from scipy.stats (pearsonr, spearmanr, ttest_rel, wilcoxon,
chi2), statsmodels (mcnemar, multipletests), sklearn (roc_auc_score, average_precision_score,
f1_score), DeLong by the O(m n) Mann-Whitney kernel and the paired stratified bootstrap with the
project's generator (both from tests/golden/stats/gen_stats_golden.py, which documents them).
"""
import importlib.util
import json
import math
import os
import warnings

import numpy as np
import scipy
import sklearn
import statsmodels
from scipy import stats
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(20261129)

_spec = importlib.util.spec_from_file_location(
    "gen_stats_golden", os.path.join(HERE, "..", "stats", "gen_stats_golden.py"))
stats_oracle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stats_oracle)

# Every value: 1e-9 relative, 1e-12 absolute (for values near 0); p-values (keys containing
# "p_value") relative only, extreme tails included.
TOLERANCE = {"abs": 1e-12, "rel": 1e-9}
P_TOLERANCE = {"abs": 1e-300, "rel": 1e-9}
SIGNIFICANCE = 0.05


def num(v):
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


def py_float_text(t):
    return str(float(t))


def decide(lower, upper, margin):
    if lower is None or upper is None or math.isnan(lower) or math.isnan(upper):
        return "inconclusive"
    if lower > 0:
        return "better"
    if lower > -margin:
        return "not_worse"
    if upper < -margin:
        return "worse"
    return "inconclusive"


def lift(new, prev):
    return (new - prev) / prev * 100 if prev > 0 else 0.0


def model_pair(keys, stem, delta, lift_key, new, prev):
    keys[f"new_model_{stem}"] = num(new)
    keys[f"previous_model_{stem}"] = num(prev)
    keys[delta] = num(new - prev)
    if lift_key:
        keys[lift_key] = num(lift(new, prev))


def mcnemar_keys(keys, new_correct, prev_correct):
    b = int(np.sum(new_correct & ~prev_correct))
    c = int(np.sum(~new_correct & prev_correct))
    keys["correct_both"] = int(np.sum(new_correct & prev_correct))
    keys["new_correct_prev_wrong"] = b
    keys["new_wrong_prev_correct"] = c
    keys["wrong_both"] = int(np.sum(~new_correct & ~prev_correct))
    table = [[0, b], [c, 0]]
    if b + c == 0:  # the seed's rule; statsmodels would give inf and p = 0
        statistic, p = 0.0, 1.0
    else:
        result = mcnemar(table, exact=False, correction=True)
        statistic, p = float(result.statistic), float(result.pvalue)
    keys["mcnemar_statistic"] = statistic
    keys["mcnemar_p_value"] = p
    keys["mcnemar_significant"] = bool(p < SIGNIFICANCE)
    keys["mcnemar_exact_p_value"] = float(mcnemar(table, exact=True).pvalue) if b + c else 1.0


def flip_keys(keys, new_correct, prev_correct):
    b = int(np.sum(new_correct & ~prev_correct))
    c = int(np.sum(~new_correct & prev_correct))
    keys["flips_new_correct"] = b
    keys["flips_previous_correct"] = c
    keys["flips_net"] = b - c


def flips(labels, new_true, prev_true, new_correct, prev_correct, top):
    rows = np.flatnonzero(new_correct != prev_correct)
    gap = np.abs(new_true[rows] - prev_true[rows])
    order = rows[np.argsort(-gap, kind="stable")][:top]
    return [{"row": int(i), "label": int(labels[i]), "new_score": float(new_true[i]),
             "previous_score": float(prev_true[i]), "new_correct": bool(new_correct[i])}
            for i in order]


def bootstrap_keys(keys, decisions, labels, new, prev, fn, metric, stem, opts):
    out = stats_oracle.paired_bootstrap(labels, np.asarray(new, float), np.asarray(prev, float),
                                        fn, opts["resamples"], opts["seed"], opts["level"])
    keys[f"{stem}_ci_lower"] = num(out["lower"])
    keys[f"{stem}_ci_upper"] = num(out["upper"])
    keys[f"{stem}_standard_error"] = num(out["standard_error"])
    keys[f"{stem}_degenerate_resamples"] = 0
    decisions.append({"metric": metric, "method": "bootstrap", "estimate": out["estimate"],
                      "lower": out["lower"], "upper": out["upper"],
                      "decision": decide(out["lower"], out["upper"], opts["margin"])})


def delong_keys(keys, labels01, new, prev, suffix, level):
    d = stats_oracle.delong_kernel(labels01, new, prev, level)
    keys[f"delong_z{suffix}"] = num(d["z"])
    keys[f"delong_p_value{suffix}"] = num(d["p_value"])
    keys[f"delong_auc_delta_ci_lower{suffix}"] = num(d["ci"][0])
    keys[f"delong_auc_delta_ci_upper{suffix}"] = num(d["ci"][1])
    return d


def binary_expected(labels, new, prev, opts):
    keys, text, decisions = {}, {}, []
    n = len(labels)
    keys["comparison_rows"] = n
    keys["comparison_rows_without_previous"] = opts["rows_without_previous"]
    r = stats.pearsonr(new, prev)
    rho = stats.spearmanr(new, prev)
    keys["pearson_correlation"], keys["pearson_p_value"] = num(r[0]), num(r[1])
    keys["spearman_correlation"], keys["spearman_p_value"] = num(rho[0]), num(rho[1])
    model_pair(keys, "auc", "auc_delta", "auc_lift_percent", roc_auc_score(labels, new),
               roc_auc_score(labels, prev))
    model_pair(keys, "ap", "ap_delta", "ap_lift_percent", average_precision_score(labels, new),
               average_precision_score(labels, prev))
    for t in opts["thresholds"]:
        at = "_at_" + py_float_text(t)
        f_new = f1_score(labels, (new >= t).astype(int), zero_division=0.0)
        f_prev = f1_score(labels, (prev >= t).astype(int), zero_division=0.0)
        keys["new_model_f1" + at], keys["previous_model_f1" + at] = f_new, f_prev
        keys["f1_delta" + at] = f_new - f_prev
    keys["new_score_mean"], keys["previous_score_mean"] = float(np.mean(new)), float(np.mean(prev))
    keys["new_score_std"], keys["previous_score_std"] = float(np.std(new)), float(np.std(prev))
    keys["score_mean_delta"] = float(np.mean(new) - np.mean(prev))
    for t in opts["thresholds"]:
        keys["prediction_agreement_at_" + py_float_text(t)] = float(
            np.mean((new >= t) == (prev >= t)))
    new_correct = (new >= 0.5) == (labels == 1)
    prev_correct = (prev >= 0.5) == (labels == 1)
    flip_keys(keys, new_correct, prev_correct)
    mcnemar_keys(keys, new_correct, prev_correct)

    tt = stats.ttest_rel(new, prev)
    ci = tt.confidence_interval(opts["level"])
    keys["paired_t_statistic"], keys["paired_t_p_value"] = num(tt.statistic), num(tt.pvalue)
    keys["paired_t_significant"] = bool(tt.pvalue < SIGNIFICANCE)
    keys["paired_t_mean_difference"] = float(np.mean(new - prev))
    keys["paired_t_ci_lower"], keys["paired_t_ci_upper"] = num(ci.low), num(ci.high)
    zeros = int(np.sum(new == prev))
    if zeros == n:  # SciPy raises or returns NaN; the seed writes NaN, verdict null
        keys["wilcoxon_statistic"] = keys["wilcoxon_p_value"] = None
        keys["wilcoxon_significant"] = False
    else:
        w = stats.wilcoxon(new, prev)
        keys["wilcoxon_statistic"], keys["wilcoxon_p_value"] = num(w.statistic), num(w.pvalue)
        keys["wilcoxon_significant"] = bool(w.pvalue < SIGNIFICANCE)
        text["wilcoxon_method"] = opts["wilcoxon_method"]
    keys["wilcoxon_zero_differences"] = zeros

    d = delong_keys(keys, labels, new, prev, "", opts["level"])
    keys["delong_significant"] = bool(d["p_value"] < SIGNIFICANCE)
    decisions.append({"metric": "auc_roc", "method": "delong", "estimate": d["difference"],
                      "lower": d["ci"][0], "upper": d["ci"][1],
                      "decision": decide(d["ci"][0], d["ci"][1], opts["margin"])})
    keys["bootstrap_resamples"] = opts["resamples"]
    bootstrap_keys(keys, decisions, labels, new, prev, average_precision_score,
                   "average_precision", "ap_delta", opts)
    for t in opts["thresholds"]:
        at = "_at_" + py_float_text(t)
        fn = (lambda thr: lambda y, s: f1_score(y, (s >= thr).astype(int), zero_division=0.0))(t)
        bootstrap_keys(keys, decisions, labels, new, prev, fn, "f1_score" + at, "f1_delta" + at,
                       opts)
    text["auc_decision"] = decisions[0]["decision"]
    text["ap_decision"] = decisions[1]["decision"]
    for t, dec in zip(opts["thresholds"], decisions[2:]):
        text["f1_decision_at_" + py_float_text(t)] = dec["decision"]
    keys["comparison_margin"] = float(opts["margin"])
    text["comparison_decision"] = decisions[0]["decision"]
    text["comparison_decision_metric"] = "auc_roc"
    true_prev = np.where(labels == 1, prev, 1.0 - prev)
    true_new = np.where(labels == 1, new, 1.0 - new)
    return keys, text, decisions, flips(labels, true_new, true_prev, new_correct, prev_correct,
                                        opts["top_flips"])


def multiclass_expected(labels, new, prev, opts):
    keys, text, decisions = {}, {}, []
    n, k = new.shape
    keys["comparison_rows"] = n
    keys["comparison_rows_without_previous"] = opts["rows_without_previous"]
    onehot = np.eye(k)[labels]
    model_pair(keys, "auc_macro", "auc_macro_delta", "auc_macro_lift_percent",
               roc_auc_score(onehot, new, average="macro"),
               roc_auc_score(onehot, prev, average="macro"))
    model_pair(keys, "ap_macro", "ap_macro_delta", "ap_macro_lift_percent",
               average_precision_score(onehot, new, average="macro"),
               average_precision_score(onehot, prev, average="macro"))
    new_correct = np.argmax(new, axis=1) == labels
    prev_correct = np.argmax(prev, axis=1) == labels
    model_pair(keys, "accuracy", "accuracy_delta", None, np.mean(new_correct),
               np.mean(prev_correct))
    for c in range(k):
        model_pair(keys, f"auc_class_{c}", f"auc_delta_class_{c}", None,
                   roc_auc_score(labels == c, new[:, c]), roc_auc_score(labels == c, prev[:, c]))
    keys["prediction_agreement_argmax"] = float(
        np.mean(np.argmax(new, axis=1) == np.argmax(prev, axis=1)))
    flip_keys(keys, new_correct, prev_correct)
    mcnemar_keys(keys, new_correct, prev_correct)
    keys["bootstrap_resamples"] = opts["resamples"]
    bootstrap_keys(keys, decisions, labels, new_correct.astype(float), prev_correct.astype(float),
                   lambda y, s: float(np.mean(s)), "accuracy", "accuracy_delta", opts)
    p_values = []
    for c in range(k):
        d = delong_keys(keys, (labels == c).astype(int), new[:, c], prev[:, c], f"_class_{c}",
                        opts["level"])
        p_values.append(d["p_value"])
    for c, p in enumerate(multipletests(p_values, method="holm")[1]):
        keys[f"delong_p_value_holm_class_{c}"] = float(p)
    text["accuracy_decision"] = decisions[0]["decision"]
    keys["comparison_margin"] = float(opts["margin"])
    text["comparison_decision"] = decisions[0]["decision"]
    text["comparison_decision_metric"] = "accuracy"
    rows = np.arange(n)
    return keys, text, decisions, flips(labels, new[rows, labels], prev[rows, labels],
                                        new_correct, prev_correct, opts["top_flips"])


def options(**overrides):
    opts = {"thresholds": [0.3, 0.5, 0.7], "margin": 0.0, "resamples": 200, "seed": 20261129,
            "level": 0.95, "top_flips": 10, "rows_without_previous": 0}
    opts.update(overrides)
    return opts


def binary_scores(n, prevalence, separation_new, separation_prev, decimals):
    """Labels and two correlated scores in (0, 1), rounded so that ties occur."""
    labels = (RNG.random(n) < prevalence).astype(int)
    common = RNG.normal(size=n)
    new = 1 / (1 + np.exp(-(separation_new * (labels - 0.5) + 0.8 * common +
                            0.6 * RNG.normal(size=n))))
    prev = 1 / (1 + np.exp(-(separation_prev * (labels - 0.5) + 0.8 * common +
                             0.6 * RNG.normal(size=n))))
    return labels, np.round(new, decimals), np.round(prev, decimals)


def binary_case(name, labels, new, prev, opts):
    n = len(labels)
    zeros, nonzero = np.sum(new == prev), new != prev
    abs_d = np.abs(new - prev)[nonzero]
    ties = len(np.unique(abs_d)) < len(abs_d)
    opts["wilcoxon_method"] = ("exact" if zeros == 0 and not ties and n <= 50 else
                               "permutation" if n <= 13 else "normal")
    keys, text, decisions, flip_rows = binary_expected(labels, new, prev, opts)
    probs = np.stack([1 - new, new], axis=1)
    return {"name": name, "num_classes": 2, "labels": [int(v) for v in labels],
            "new_probabilities": [float(v) for v in probs.ravel()],
            "previous_scores": [float(v) for v in prev], "options": opts, "keys": keys,
            "text": text, "decisions": decisions, "flips": flip_rows, "tolerance": TOLERANCE,
            "p_tolerance": P_TOLERANCE}


def multiclass_case(name, n, k, opts):
    labels = RNG.integers(0, k, size=n)
    signal = np.eye(k)[labels]
    common = RNG.normal(size=(n, k))
    logits_new = 1.6 * signal + common + 0.7 * RNG.normal(size=(n, k))
    logits_prev = 1.1 * signal + common + 0.7 * RNG.normal(size=(n, k))
    new = np.round(stats_softmax(logits_new), 3)
    prev = np.round(stats_softmax(logits_prev), 3)
    keys, text, decisions, flip_rows = multiclass_expected(labels, new, prev, opts)
    return {"name": name, "num_classes": k, "labels": [int(v) for v in labels],
            "new_probabilities": [float(v) for v in new.ravel()],
            "previous_scores": [float(v) for v in prev.ravel()], "options": opts, "keys": keys,
            "text": text, "decisions": decisions, "flips": flip_rows, "tolerance": TOLERANCE,
            "p_tolerance": P_TOLERANCE}


def stats_softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cases():
    out = []
    # 400 rows, new clearly better, scores on a 0.01 grid (ties), 10% rows with equal scores.
    labels, new, prev = binary_scores(400, 0.35, 2.6, 1.4, 2)
    same = RNG.random(400) < 0.1
    prev = np.where(same, new, prev)
    out.append(binary_case("binary_better", labels, new, prev,
                           options(rows_without_previous=17)))
    # Same data, previous and new swapped, margin 0.02, 90% intervals, another seed.
    out.append(binary_case("binary_worse_margin", labels, prev, new,
                           options(margin=0.02, level=0.9, seed=7, resamples=150)))
    # Close models, margin 0.05: non-inferior at best.
    labels, new, prev = binary_scores(300, 0.5, 1.6, 1.6, 3)
    out.append(binary_case("binary_close_margin", labels, new, prev,
                           options(margin=0.05, thresholds=[0.25, 0.5])))
    # 12 rows with zero and tied differences: Wilcoxon by permutation.
    labels = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0])
    new = np.array([0.2, 0.8, 0.4, 0.7, 0.9, 0.3, 0.6, 0.55, 0.1, 0.65, 0.45, 0.35])
    prev = np.array([0.3, 0.7, 0.4, 0.6, 0.8, 0.3, 0.5, 0.45, 0.2, 0.65, 0.55, 0.45])
    out.append(binary_case("binary_small_ties", labels, new, prev, options(resamples=50)))
    # Identical scores: t-test and Wilcoxon undefined (null), McNemar b + c = 0.
    labels, new, _ = binary_scores(60, 0.4, 2.0, 2.0, 2)
    out.append(binary_case("binary_identical", labels, new, new.copy(), options(resamples=30)))
    out.append(multiclass_case("multiclass_3", 240, 3, options(resamples=150)))
    out.append(multiclass_case("multiclass_4_margin", 200, 4,
                               options(resamples=100, margin=0.03, level=0.9)))
    return out


def main():
    golden = {
        "generator": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__,
                      "sklearn": sklearn.__version__, "numpy": np.__version__},
        "cases": cases(),
    }
    path = os.path.join(HERE, "comparison_golden.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
