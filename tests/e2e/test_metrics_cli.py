"""`verdict metrics` on prediction files it has never seen: every headline key equals
scikit-learn within 1e-9, binary and multiclass, CSV and Parquet; bad files fail clearly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (accuracy_score, average_precision_score, f1_score, log_loss,
                             precision_score, recall_score, roc_auc_score)

from conftest import run_engine
from e2e.helpers import write_table

TOLERANCE = 1e-9


def binary_predictions(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = (rng.random(rows) < 0.3).astype(int)
    p = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).round(3)  # rounding makes ties
    return pd.DataFrame({"id": np.arange(rows), "label": y, "prob_class_0": 1 - p, "prob_class_1": p})


def multiclass_predictions(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, rows)
    logits = rng.normal(size=(rows, 4)) + 1.5 * np.eye(4)[y]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    df = pd.DataFrame({"id": np.arange(rows), "label": y})
    for c in range(4):
        df[f"prob_class_{c}"] = p[:, c]
    return df


def run_metrics(path, out, *extra):
    done = run_engine("metrics", "--predictions", str(path), "--label-col", "label", "--output-dir", str(out), *extra)
    assert done.returncode == 0, done.stderr
    return json.loads((out / "metrics.json").read_text())


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_binary_keys_equal_scikit_learn(tmp_path, suffix):
    df = binary_predictions(5000, 11)
    m = run_metrics(write_table(df, tmp_path / f"p{suffix}"), tmp_path / "m")
    y, p = df["label"].to_numpy(), df["prob_class_1"].to_numpy()
    assert m["auc_roc"] == pytest.approx(roc_auc_score(y, p), abs=TOLERANCE)
    assert m["average_precision"] == pytest.approx(average_precision_score(y, p), abs=TOLERANCE)
    assert m["f1_score"] == pytest.approx(f1_score(y, p > 0.5), abs=TOLERANCE)
    for t in (0.3, 0.5, 0.7):
        assert m[f"f1_score_at_{t}"] == pytest.approx(f1_score(y, p >= t), abs=TOLERANCE)
        assert m[f"precision_at_{t}"] == pytest.approx(precision_score(y, p >= t), abs=TOLERANCE)
        assert m[f"recall_at_{t}"] == pytest.approx(recall_score(y, p >= t), abs=TOLERANCE)
    assert m["log_loss"] == pytest.approx(log_loss(y, p), abs=TOLERANCE)
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p > 0.5), abs=TOLERANCE)
    assert (tmp_path / "m" / "_SUCCESS").exists()


def test_single_score_column_is_binary(tmp_path):
    df = binary_predictions(800, 12).rename(columns={"prob_class_1": "score"}).drop(columns=["prob_class_0"])
    m = run_metrics(write_table(df, tmp_path / "p.tsv"), tmp_path / "m", "--score-cols", "score",
                    "--thresholds", "0.25,0.6")
    assert m["auc_roc"] == pytest.approx(roc_auc_score(df["label"], df["score"]), abs=TOLERANCE)
    assert "f1_score_at_0.25" in m and "f1_score_at_0.6" in m and "f1_score_at_0.3" not in m


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_multiclass_keys_equal_scikit_learn(tmp_path, suffix):
    df = multiclass_predictions(3000, 13)
    m = run_metrics(write_table(df, tmp_path / f"p{suffix}"), tmp_path / "m")
    y = df["label"].to_numpy()
    p = df[[f"prob_class_{c}" for c in range(4)]].to_numpy()
    assert m["auc_roc_macro"] == pytest.approx(roc_auc_score(y, p, multi_class="ovr", average="macro"), abs=TOLERANCE)
    assert m["auc_roc_weighted"] == pytest.approx(roc_auc_score(y, p, multi_class="ovr", average="weighted"), abs=TOLERANCE)
    onehot = np.eye(4)[y]
    assert m["auc_roc_micro"] == pytest.approx(roc_auc_score(onehot, p, average="micro"), abs=TOLERANCE)
    assert m["average_precision_macro"] == pytest.approx(average_precision_score(onehot, p, average="macro"), abs=TOLERANCE)
    assert m["average_precision_micro"] == pytest.approx(average_precision_score(onehot, p, average="micro"), abs=TOLERANCE)
    for avg in ("macro", "micro", "weighted"):
        assert m[f"f1_score_{avg}"] == pytest.approx(f1_score(y, p.argmax(1), average=avg), abs=TOLERANCE)
    for c in range(4):
        assert m[f"auc_roc_class_{c}"] == pytest.approx(roc_auc_score(y == c, p[:, c]), abs=TOLERANCE)
        assert m[f"f1_score_class_{c}"] == pytest.approx(f1_score(y == c, p[:, c] > 0.5), abs=TOLERANCE)
    assert m["log_loss"] == pytest.approx(log_loss(y, p), abs=TOLERANCE)
    assert m["class_2_count"] == int((y == 2).sum())


def test_nan_score_names_the_row(tmp_path):
    df = binary_predictions(50, 14)
    df.loc[17, "prob_class_1"] = np.nan
    path = write_table(df, tmp_path / "p.csv")
    done = run_engine("metrics", "--predictions", str(path), "--label-col", "label", "--output-dir", str(tmp_path / "m"))
    assert done.returncode == 1
    assert "column 'prob_class_1' row 18" in done.stderr.strip().splitlines()[-1]
    assert (tmp_path / "m" / "_FAILURE").exists() and not (tmp_path / "m" / "_SUCCESS").exists()


def test_label_outside_classes(tmp_path):
    df = binary_predictions(20, 15)
    df.loc[3, "label"] = 7
    path = write_table(df, tmp_path / "p.csv")
    done = run_engine("metrics", "--predictions", str(path), "--label-col", "label", "--output-dir", str(tmp_path / "m"))
    assert done.returncode == 1
    assert "column 'label' row 4: label '7' is not one of the classes" in done.stderr


def test_list_prints_the_registry():
    done = run_engine("metrics", "--list")
    assert done.returncode == 0
    keys = {line.split("\t")[0] for line in done.stdout.splitlines()}
    assert {"auc_roc", "average_precision", "f1_score", "f1_score_at_<T>", "auc_roc_class_<i>"} <= keys
