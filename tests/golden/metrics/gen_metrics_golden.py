"""Oracle for the metrics stage: writes golden cases that verdict_metrics_test replays.

Run from the repository root:  .venv/bin/python tests/golden/metrics/gen_metrics_golden.py

Each case is one JSON file here: the inputs (labels, flat row-major scores, options) and every key
EvaluateBinary / EvaluateMulticlass must emit, with its expected value (null where verdict's
convention says undefined) and the absolute tolerance of the comparison. Expected values come
from scikit-learn, statsmodels (Wilson), torchmetrics (recall at fixed precision; ECE cross-check),
SciPy (normal quantile, midranks for DeLong) and, for conventions no library pins (averages over
defined classes, F1-optimal threshold on ties, ECE bin edges k/B), small formulas written out
below.
"""

import json
import pathlib
import warnings
from fractions import Fraction

import numpy as np
import torch
from scipy.stats import norm, rankdata
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, average_precision_score, balanced_accuracy_score,
                             brier_score_loss, confusion_matrix, f1_score, log_loss,
                             matthews_corrcoef, precision_recall_curve, precision_score,
                             recall_score, roc_auc_score, roc_curve, top_k_accuracy_score)
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, label_binarize
from statsmodels.stats.proportion import proportion_confint
from torchmetrics.functional.classification import (binary_calibration_error,
                                                    binary_recall_at_fixed_precision)

warnings.filterwarnings("ignore")
OUT = pathlib.Path(__file__).resolve().parent
TOLERANCE = 1e-9
DEFAULT_OPTIONS = {"thresholds": [0.3, 0.5, 0.7], "calibration_bins": 10,
                   "recall_at_precision": [0.9], "top_k": [2, 3], "confidence_level": 0.95,
                   "max_curve_points": 100000}


def key_float(value):
    return str(float(value))


def z_value(level):
    return norm.ppf(0.5 + level / 2)


def wilson(successes, trials, level):
    low, high = proportion_confint(successes, trials, alpha=1 - level, method="wilson")
    return float(low), float(high)


def delong_interval(y, p, level):
    """DeLong variance by midranks (Sun & Xu 2014), independent of verdict's counting walk."""
    pos, neg = y == 1, y == 0
    m, n = pos.sum(), neg.sum()
    tz, tx, ty = rankdata(p), rankdata(p[pos]), rankdata(p[neg])
    auc = (tz[pos].sum() - m * (m + 1) / 2) / (m * n)
    v10 = (tz[pos] - tx) / n
    v01 = 1.0 - (tz[neg] - ty) / m
    if m < 2 or n < 2:
        return None
    se = np.sqrt(np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n)
    half = z_value(level) * se
    return max(0.0, auc - half), min(1.0, auc + half)


def add_interval(expected, name, interval):
    expected[name + "_ci_lower"] = None if interval is None else interval[0]
    expected[name + "_ci_upper"] = None if interval is None else interval[1]


def f1_or_null(y, predicted):
    value = f1_score(y, predicted, labels=[0, 1], zero_division=np.nan)
    return None if np.isnan(value) else float(value)


def operating_points(y, p):
    """(threshold, tp, fp) for every distinct score, highest first, exact integers."""
    fpr, tpr, thresholds = roc_curve(y, p, drop_intermediate=False)
    m, n = int((y == 1).sum()), int((y == 0).sum())
    tps = np.rint(tpr * m).astype(int) if m else np.zeros(len(tpr), int)
    fps = np.rint(fpr * n).astype(int) if n else np.zeros(len(fpr), int)
    return list(zip(thresholds[1:], tps[1:], fps[1:])), m


def optimal_f1(y, p):
    points, m = operating_points(y, p)
    best, best_f1 = None, Fraction(0)
    for threshold, tp, fp in points:
        f1 = Fraction(2 * tp, tp + fp + m)
        if f1 > best_f1:
            best, best_f1 = (threshold, tp, fp), f1
    threshold, tp, fp = best
    return {"f1_optimal_threshold": float(threshold), "f1_optimal_f1_score": float(best_f1),
            "f1_optimal_precision": tp / (tp + fp), "f1_optimal_recall": tp / m}


def recall_at_precision(y, p, level):
    points, m = operating_points(y, p)
    best = None
    for threshold, tp, fp in points:
        if Fraction(int(tp), int(tp + fp)) >= Fraction(level) and (best is None or tp > best[1]):
            best = (threshold, tp)
    recall = 0.0 if best is None or best[1] == 0 else best[1] / m
    tm_recall, _ = binary_recall_at_fixed_precision(torch.tensor(p), torch.tensor(y),
                                                    min_precision=level, thresholds=None)
    assert abs(float(tm_recall) - recall) < 1e-6, (float(tm_recall), recall)  # float32 there
    threshold = None if best is None or best[1] == 0 else float(best[0])
    return recall, threshold


def expected_calibration_error(y, p, bins):
    """L1 ECE over bins [k/B, (k+1)/B), the last closed at 1; checked against torchmetrics where
    torchmetrics' own binning (float64 linspace edges, p = 1 in a bin of its own) agrees."""
    edges = np.array([k / bins for k in range(bins + 1)])
    index = np.minimum(np.searchsorted(edges, p, side="right") - 1, bins - 1)
    ece = 0.0
    for b in range(bins):
        inside = index == b
        if inside.any():
            ece += abs(y[inside].mean() - p[inside].mean()) * inside.sum() / len(y)
    torch_edges = torch.linspace(0, 1, bins + 1, dtype=torch.float64).numpy()
    if (p < 1).all() and not np.isin(p, np.concatenate([torch_edges, edges])).any():
        reference = float(binary_calibration_error(torch.tensor(p, dtype=torch.float64),
                                                   torch.tensor(y), n_bins=bins, norm="l1"))
        assert abs(reference - ece) < 1e-12, (reference, ece)
    return float(ece)


def binary_expected(y, p, options):
    level = options["confidence_level"]
    m, n, total = int((y == 1).sum()), int((y == 0).sum()), len(y)
    both = m > 0 and n > 0
    probabilities = p.min() >= 0 and p.max() <= 1
    e = {}
    e["auc_roc"] = float(roc_auc_score(y, p)) if both else None
    add_interval(e, "auc_roc", delong_interval(y, p, level) if both else None)
    e["average_precision"] = float(average_precision_score(y, p)) if m else None
    e["f1_score"] = f1_or_null(y, (p > 0.5).astype(int))
    for t in options["thresholds"]:
        predicted = (p >= t).astype(int)
        tp, fp = int(((predicted == 1) & (y == 1)).sum()), int(((predicted == 1) & (y == 0)).sum())
        e["f1_score_at_" + key_float(t)] = f1_or_null(y, predicted)
        name = "precision_at_" + key_float(t)
        e[name] = float(precision_score(y, predicted, zero_division=np.nan)) if tp + fp else None
        add_interval(e, name, wilson(tp, tp + fp, level) if tp + fp else None)
        name = "recall_at_" + key_float(t)
        e[name] = float(recall_score(y, predicted, zero_division=np.nan)) if m else None
        add_interval(e, name, wilson(tp, m, level) if m else None)
    decided = (p > 0.5).astype(int)
    e["accuracy"] = float(accuracy_score(y, decided))
    add_interval(e, "accuracy", wilson(int((decided == y).sum()), total, level))
    e["balanced_accuracy"] = float(balanced_accuracy_score(y, decided)) if both else None
    cm = confusion_matrix(y, decided, labels=[0, 1])
    mcc_defined = all(v > 0 for v in (cm[:, 1].sum(), cm[1].sum(), cm[0].sum(), cm[:, 0].sum()))
    e["mcc"] = float(matthews_corrcoef(y, decided)) if mcc_defined else None
    for i in range(2):
        for j in range(2):
            e[f"confusion_matrix_true_{i}_pred_{j}"] = int(cm[i, j])
    if probabilities:
        e["log_loss"] = float(log_loss(y, p, labels=[0, 1]))
        e["brier_score"] = float(brier_score_loss(y, p, pos_label=1))
        e["expected_calibration_error"] = expected_calibration_error(
            y, p, options["calibration_bins"])
    else:
        e.update({"log_loss": None, "brier_score": None, "expected_calibration_error": None})
    if m:
        e.update(optimal_f1(y, p))
    else:
        e.update({k: None for k in ("f1_optimal_threshold", "f1_optimal_f1_score",
                                    "f1_optimal_precision", "f1_optimal_recall")})
    for level_p in options["recall_at_precision"]:
        name = "recall_at_precision_" + key_float(level_p)
        if m:
            e[name], e[name + "_threshold"] = recall_at_precision(y, p, level_p)
        else:
            e[name], e[name + "_threshold"] = None, None
    e["count"], e["positive_count"], e["negative_count"] = total, m, n
    e["positive_rate"] = m / total
    add_interval(e, "positive_rate", wilson(m, total, level))
    return e


def binary_curves(y, p):
    curves = {}
    if (y == 1).any() and (y == 0).any():
        fpr, tpr, thr = roc_curve(y, p, drop_intermediate=False)
        curves["roc"] = {"x": fpr.tolist(), "y": tpr.tolist(), "thresholds": thr[1:].tolist()}
    if (y == 1).any():
        precision, recall, thr = precision_recall_curve(y, p)
        curves["pr"] = {"x": recall[::-1].tolist(), "y": precision[::-1].tolist(),
                        "thresholds": thr[::-1].tolist()}
    return curves


def mean_or_none(values, weights=None):
    pairs = [(v, w) for v, w in zip(values, weights or [1] * len(values)) if v is not None]
    if not pairs:
        return None
    return float(np.average([v for v, _ in pairs], weights=[w for _, w in pairs]))


def multiclass_expected(y, P, class_names, options):
    level = options["confidence_level"]
    total, k = P.shape
    present = [int((y == c).sum()) for c in range(k)]
    predicted = P.argmax(axis=1)
    e, auc, ap = {}, [], []
    per_class = {}
    for c in range(k):
        yc, pc = (y == c).astype(int), P[:, c]
        auc.append(float(roc_auc_score(yc, pc)) if 0 < present[c] < total else None)
        ap.append(float(average_precision_score(yc, pc)) if present[c] else None)
        per_class[f"auc_roc_class_{c}"] = auc[-1]
        per_class[f"average_precision_class_{c}"] = ap[-1]
        per_class[f"f1_score_class_{c}"] = f1_or_null(yc, (pc > 0.5).astype(int))
    normalised = np.allclose(P.sum(axis=1), 1)
    if normalised and all(0 < s < total for s in present):  # cross-check with sklearn's averages
        assert abs(mean_or_none(auc) - roc_auc_score(y, P, multi_class="ovr")) < 1e-12
        assert abs(mean_or_none(auc, present) -
                   roc_auc_score(y, P, multi_class="ovr", average="weighted")) < 1e-12
    defined_f1 = [c for c in range(k) if present[c] or (predicted == c).any()]
    binarized = label_binarize(y, classes=list(range(k)))
    e["auc_roc"] = mean_or_none(auc)
    e["average_precision"] = mean_or_none(ap)
    e["f1_score"] = float(f1_score(y, predicted, labels=list(range(k)), average="micro"))
    e.update(per_class)
    e["auc_roc_macro"] = mean_or_none(auc)
    e["auc_roc_micro"] = float(roc_auc_score(binarized.ravel(), P.ravel()))
    e["auc_roc_weighted"] = mean_or_none(auc, present)
    e["average_precision_macro"] = mean_or_none(ap)
    e["average_precision_micro"] = float(average_precision_score(binarized, P, average="micro"))
    e["f1_score_macro"] = float(f1_score(y, predicted, labels=defined_f1, average="macro"))
    e["f1_score_micro"] = e["f1_score"]
    e["f1_score_weighted"] = float(f1_score(y, predicted, labels=list(range(k)),
                                            average="weighted", zero_division=0))
    e["accuracy"] = float(accuracy_score(y, predicted))
    add_interval(e, "accuracy", wilson(int((predicted == y).sum()), total, level))
    for top in options["top_k"]:
        if top < k:
            e[f"top_{top}_accuracy"] = float(top_k_accuracy_score(y, P, k=top,
                                                                  labels=list(range(k))))
    in_range = P.min() >= 0 and P.max() <= 1
    e["log_loss"] = float(log_loss(y, P, labels=list(range(k)))) if in_range else None
    cm = confusion_matrix(y, predicted, labels=list(range(k)))
    for i in range(k):
        for j in range(k):
            e[f"confusion_matrix_true_{i}_pred_{j}"] = int(cm[i, j])
    for c in range(k):
        e[f"class_{class_names[c]}_count"] = present[c]
        e[f"class_{class_names[c]}_ratio"] = present[c] / total
    e["count"] = total
    return e


def multiclass_curves(y, P):
    curves = {}
    for c in range(P.shape[1]):
        yc = (y == c).astype(int)
        curves.update({f"{name}_class_{c}": curve
                       for name, curve in binary_curves(yc, P[:, c]).items()})
    return curves


def write_case(name, description, y, scores, options=None, class_names=None, curves=True):
    options = {**DEFAULT_OPTIONS, **(options or {})}
    y = np.asarray(y, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    case = {"name": name, "description": description, "tolerance": TOLERANCE,
            "options": options, "labels": y.tolist()}
    if scores.ndim == 1:
        case.update({"task": "binary", "num_classes": 2, "scores": scores.tolist(),
                     "expected": binary_expected(y, scores, options),
                     "curves": binary_curves(y, scores)})
    else:
        names = class_names or [str(c) for c in range(scores.shape[1])]
        case.update({"task": "multiclass", "num_classes": scores.shape[1], "class_names": names,
                     "scores": scores.ravel().tolist(),
                     "expected": multiclass_expected(y, scores, names, options),
                     "curves": multiclass_curves(y, scores) if curves else {}})
    (OUT / f"{name}.json").write_text(json.dumps(case, separators=(",", ":")) + "\n")


def real_probabilities(loader, rows=None, seed=0):
    data = loader()
    x, y = data.data, data.target
    if rows is not None:
        keep = np.random.default_rng(seed).choice(len(y), rows, replace=False)
        x, y = x[keep], y[keep]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return y, cross_val_predict(model, x, y, cv=5, method="predict_proba")


def main():
    rng = np.random.default_rng(20261129)

    y = (rng.random(2000) < 0.3).astype(int)
    p = np.clip(np.round(rng.normal(0.35 + 0.25 * y, 0.2), 2), 0, 1)
    write_case("binary_ties", "2000 rows, 30% positives, scores on a 0.01 grid (ties, scores "
               "exactly 0, 0.3, 0.5, 0.7 and 1)", y, p)

    y = (rng.random(3000) < 0.01).astype(int)
    p = np.round(1 / (1 + np.exp(-rng.normal(-3 + 2.5 * y, 1.2))), 4)
    write_case("binary_imbalanced", "3000 rows, about 1% positives, 4-decimal scores", y, p,
               {"thresholds": [0.1, 0.1 + 0.2, 0.9], "calibration_bins": 15,
                "recall_at_precision": [0.5, 0.8], "confidence_level": 0.9})

    y = np.arange(400) % 2
    p = np.round(np.where(y == 1, 0.6 + 0.4 * rng.random(400), 0.4 * rng.random(400)), 3)
    write_case("binary_perfect", "perfect separation", y, p)
    write_case("binary_inverted", "perfectly inverted scores (AUC 0)", y, 1 - p)

    y = (rng.random(300) < 0.4).astype(int)
    write_case("binary_constant", "every score 0.5 (one tie group)", y, np.full(300, 0.5))

    y = np.zeros(200, int)
    write_case("binary_one_class", "no positive rows: ranking metrics null", y,
               np.round(rng.random(200), 3))

    y = (rng.random(500) < 0.5).astype(int)
    write_case("binary_logits", "scores are logits (outside [0, 1]): probability metrics null",
               y, np.round(rng.normal(2 * y - 1, 1.5), 3))

    y = (rng.random(600) < 0.5).astype(int)
    p = np.where(rng.random(600) < 0.2, y.astype(float), rng.random(600))
    write_case("binary_extremes", "many scores exactly 0 or 1 (log loss clipping)", y, p)

    y, proba = real_probabilities(datasets.load_breast_cancer)
    write_case("binary_breast_cancer", "scikit-learn breast_cancer, 5-fold LogisticRegression "
               "P(class 1)", y, proba[:, 1])

    y, proba = real_probabilities(datasets.load_wine)
    write_case("multiclass_wine", "scikit-learn wine (3 classes), 5-fold LogisticRegression "
               "probabilities", y, proba, class_names=["cultivar_a", "cultivar_b", "cultivar_c"])

    y, proba = real_probabilities(datasets.load_digits, rows=700, seed=1)
    write_case("multiclass_digits", "scikit-learn digits (10 classes), 700 random rows, 5-fold "
               "LogisticRegression probabilities (curves not stored, to keep the file small)", y,
               proba, curves=False)

    y = rng.choice([0, 1, 3], size=900, p=[0.5, 0.3, 0.2])
    P = np.round(rng.dirichlet([1, 1, 1, 1], size=900), 2)
    P[np.arange(900), y] += 0.15
    write_case("multiclass_missing_class", "4 classes, class 2 absent from labels, rows not "
               "normalised, 2-decimal probabilities with ties", y, np.clip(P, 0, 1))

    y = rng.integers(0, 3, size=600)
    P = rng.choice([0.2, 0.3, 0.5], size=(600, 3))
    write_case("multiclass_ties", "3 classes, probabilities from {0.2, 0.3, 0.5} (argmax and "
               "top-k ties)", y, P, {"top_k": [1, 2]})


if __name__ == "__main__":
    main()
