"""End to end: train example models, export them with verdict-export, evaluate them with
build/verdict eval from CSV, TSV and Parquet, and compare with PyTorch eager (tolerance 1e-5 on
probabilities) and scikit-learn (tolerance 1e-9 on metrics)."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from conftest import run_engine
from e2e.helpers import FORMATS, eager_probabilities, prediction_matrix, read_table, write_table
from verdict.examples.tabular_data import CLASSES, make_customers
from verdict.examples.train_tabular import train
from verdict.export import _read_json_beside, build_model, export_bundle, main as export_main

PROBABILITY_TOLERANCE = 1e-5
METRIC_TOLERANCE = 1e-9


class Trained:
    def __init__(self, task: str, root: pathlib.Path, engine: str):
        self.task = task
        data = root / "data"
        write_table(make_customers(1200, task, seed=3), data / "train.csv")
        self.eval_df = make_customers(400, task, seed=4)
        self.sample = write_table(self.eval_df, data / "sample.csv")
        self.train_output = pathlib.Path(train(str(data / "train.csv"), str(root / "train_output"), task, epochs=2))
        hp_path = self.train_output / "hyperparameters.json"
        self.hp = json.loads(hp_path.read_text())
        self.model = build_model("verdict.examples.tabular_model:build_model", self.hp,
                                 str(self.train_output / "model.pth"))
        self.report = export_bundle(self.model, self.hp, str(self.sample), str(root / "bundle"),
                                    impute_dict=_read_json_beside(str(hp_path), "impute_dict.json"),
                                    risk_table_map=_read_json_beside(str(hp_path), "risk_table_map.json"),
                                    engine=engine)
        self.bundle = pathlib.Path(self.report.bundle_dir)
        self.classes = 2 if task == "binary" else len(CLASSES)


@pytest.fixture(scope="session", params=["binary", "multiclass"])
def trained(request, tmp_path_factory, engine) -> Trained:
    return Trained(request.param, tmp_path_factory.mktemp(request.param), engine)


def evaluate(trained: Trained, data: pathlib.Path, out: pathlib.Path, *extra: str, env=None):
    return run_engine("eval", "--model-dir", str(trained.bundle), "--data", str(data),
                      "--output-dir", str(out / "eval"), "--metrics-dir", str(out / "metrics"), *extra, env=env)


def test_export_check_passed(trained):
    check = json.loads((trained.bundle / "export_check.json").read_text())
    assert check["max_abs_difference"] <= PROBABILITY_TOLERANCE
    assert check["rows_checked"] == 400
    manifest = json.loads((trained.bundle / "verdict.json").read_text())
    assert manifest["task"] == trained.task
    assert [i["name"] for i in manifest["inputs"]] == trained.hp["tab_field_list"]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_probabilities_match_pytorch_eager(trained, fmt, tmp_path):
    data = write_table(trained.eval_df, tmp_path / f"eval{FORMATS[fmt]}")
    done = evaluate(trained, data, tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "eval" / f"eval_predictions{FORMATS[fmt]}"
    assert out.exists(), "the output format follows the input's"
    predictions = read_table(out)
    assert list(predictions.columns) == ["customer_id", "label"] + [f"prob_class_{c}" for c in range(trained.classes)]
    assert list(predictions["customer_id"]) == list(trained.eval_df["customer_id"]), "row order and ids kept"
    assert [str(v) for v in predictions["label"]] == [str(v) for v in trained.eval_df["label"]]
    expected = eager_probabilities(trained.model, trained.eval_df, trained.train_output)
    got = prediction_matrix(predictions, trained.classes)
    assert np.abs(got - expected).max() <= PROBABILITY_TOLERANCE
    assert (tmp_path / "metrics" / "_SUCCESS").exists()
    assert (tmp_path / "metrics" / "_HEALTH").read_text().startswith("healthy: ")
    assert not (tmp_path / "metrics" / "_FAILURE").exists()


def test_headline_metrics_match_scikit_learn(trained, tmp_path):
    data = write_table(trained.eval_df, tmp_path / "eval.csv")
    assert evaluate(trained, data, tmp_path).returncode == 0
    metrics = json.loads((tmp_path / "metrics" / "metrics.json").read_text())
    probs = prediction_matrix(read_table(tmp_path / "eval" / "eval_predictions.csv"), trained.classes)
    if trained.task == "binary":
        y = trained.eval_df["label"].to_numpy()
        assert metrics["auc_roc"] == pytest.approx(roc_auc_score(y, probs[:, 1]), abs=METRIC_TOLERANCE)
        assert metrics["average_precision"] == pytest.approx(average_precision_score(y, probs[:, 1]), abs=METRIC_TOLERANCE)
        assert metrics["f1_score"] == pytest.approx(f1_score(y, probs[:, 1] > 0.5), abs=METRIC_TOLERANCE)
        for t in (0.3, 0.5, 0.7):
            assert metrics[f"f1_score_at_{t}"] == pytest.approx(f1_score(y, probs[:, 1] >= t), abs=METRIC_TOLERANCE)
    else:
        y = np.array([CLASSES.index(v) for v in trained.eval_df["label"]])
        assert metrics["auc_roc_macro"] == pytest.approx(
            roc_auc_score(y, probs, multi_class="ovr", average="macro"), abs=METRIC_TOLERANCE)
        assert metrics["f1_score_macro"] == pytest.approx(f1_score(y, probs.argmax(1), average="macro"), abs=METRIC_TOLERANCE)
        assert metrics["f1_score_micro"] == pytest.approx(f1_score(y, probs.argmax(1), average="micro"), abs=METRIC_TOLERANCE)
    summary = (tmp_path / "metrics" / "metrics_summary.txt").read_text()
    assert summary.startswith("PYTORCH MODEL EVALUATION METRICS\n")
    assert "ALL METRICS" in summary


def test_folder_of_shards_and_output_format_override(trained, tmp_path):
    shards = tmp_path / "shards"
    write_table(trained.eval_df.iloc[:150], shards / "part-00000.parquet")
    write_table(trained.eval_df.iloc[150:], shards / "part-00001.parquet")
    done = evaluate(trained, shards, tmp_path, env={"OUTPUT_FORMAT": "tsv"})
    assert done.returncode == 0, done.stderr
    predictions = read_table(tmp_path / "eval" / "eval_predictions.tsv")
    assert list(predictions["customer_id"]) == list(trained.eval_df["customer_id"])
    expected = eager_probabilities(trained.model, trained.eval_df, trained.train_output)
    assert np.abs(prediction_matrix(predictions, trained.classes) - expected).max() <= PROBABILITY_TOLERANCE


def test_data_without_labels_is_scored(trained, tmp_path):
    data = write_table(trained.eval_df.drop(columns=["label"]), tmp_path / "unlabelled.csv")
    done = evaluate(trained, data, tmp_path)
    assert done.returncode == 0, done.stderr
    predictions = read_table(tmp_path / "eval" / "eval_predictions.csv")
    assert "label" not in predictions.columns and len(predictions) == len(trained.eval_df)
    assert not (tmp_path / "metrics" / "metrics.json").exists()
    assert "Metrics skipped" in (tmp_path / "metrics" / "metrics_summary.txt").read_text()
    assert (tmp_path / "metrics" / "_SUCCESS").exists()


def test_inspect_describes_the_bundle(trained):
    done = run_engine("inspect", str(trained.bundle))
    assert done.returncode == 0, done.stderr
    assert f"task:        {trained.task}" in done.stdout
    assert "inputs match the manifest: OK" in done.stdout


def test_cli_exporter_with_lightning_checkpoint(trained, tmp_path):
    """verdict-export from the command line, with the weights inside a Lightning-style .ckpt."""
    import torch
    ckpt = tmp_path / "last.ckpt"
    torch.save({"state_dict": trained.model.state_dict(), "epoch": 2}, ckpt)
    code = export_main(["--model-factory", "verdict.examples.tabular_model:build_model",
                        "--state-dict", str(ckpt), "--hyperparameters", str(trained.train_output / "hyperparameters.json"),
                        "--sample-data", str(trained.sample), "--out", str(tmp_path / "bundle")])
    assert code == 0
    assert json.loads((tmp_path / "bundle" / "verdict.json").read_text())["task"] == trained.task
