"""End to end: comparison mode. A quickly trained binary model is evaluated by `verdict eval`
against a weaker previous score (its own score plus noise, some rows without a previous score);
the outputs, the decision and a few comparison keys are checked against SciPy and scikit-learn
(tolerance 1e-9). Also: COMPARISON_MODE without a field, `verdict metrics --previous-score-col`,
and a multiclass comparison on the tiny fixture bundle."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from conftest import ROOT, run_engine
from e2e.helpers import write_table
from verdict.examples.tabular_data import make_customers
from verdict.examples.train_tabular import train
from verdict.export import _read_json_beside, build_model, export_bundle

METRIC_TOLERANCE = 1e-9
MISSING_PREVIOUS = 7  # rows whose previous score is left empty
COMPARISON_PLOTS = ["comparison_roc_curves.jpg", "comparison_pr_curves.jpg",
                    "score_scatter_plot.jpg", "score_distributions.jpg"]


class BinaryRun:
    """A trained binary bundle, evaluation data with a weaker previous score, and a comparison
    run of `verdict eval` on it."""

    def __init__(self, root: pathlib.Path, engine: str):
        data = root / "data"
        write_table(make_customers(1200, "binary", seed=3), data / "train.csv")
        eval_df = make_customers(400, "binary", seed=4)
        sample = write_table(eval_df, data / "sample.csv")
        train_output = pathlib.Path(train(str(data / "train.csv"), str(root / "train_output"), "binary",
                                          epochs=2))
        hp_path = train_output / "hyperparameters.json"
        hp = json.loads(hp_path.read_text())
        model = build_model("verdict.examples.tabular_model:build_model", hp, str(train_output / "model.pth"))
        self.bundle = pathlib.Path(export_bundle(
            model, hp, str(sample), str(root / "bundle"),
            impute_dict=_read_json_beside(str(hp_path), "impute_dict.json"),
            risk_table_map=_read_json_beside(str(hp_path), "risk_table_map.json"), engine=engine).bundle_dir)
        standard = evaluate(self.bundle, sample, root / "standard")
        assert standard.returncode == 0, standard.stderr
        new = pd.read_csv(root / "standard" / "eval" / "eval_predictions.csv")["prob_class_1"].to_numpy()
        rng = np.random.default_rng(11)
        previous = np.clip(new + rng.normal(0, 0.35, len(new)), 0, 1)
        self.previous = pd.Series(previous)
        self.previous.iloc[:MISSING_PREVIOUS] = np.nan
        eval_df["prev_score"] = self.previous
        self.data = write_table(eval_df, data / "eval_with_previous.csv")
        self.out = root / "comparison"
        self.done = evaluate(self.bundle, self.data, self.out, "--margin", "0.01",
                             env={"COMPARISON_MODE": "true", "PREVIOUS_SCORE_FIELD": "prev_score"})


def evaluate(bundle: pathlib.Path, data: pathlib.Path, out: pathlib.Path, *extra: str, env=None):
    return run_engine("eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir", str(out / "eval"),
                      "--metrics-dir", str(out / "metrics"), "--bootstrap-resamples", "200", *extra, env=env)


@pytest.fixture(scope="module")
def binary_run(tmp_path_factory, engine) -> BinaryRun:
    return BinaryRun(tmp_path_factory.mktemp("comparison"), engine)


def compared(run: BinaryRun) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, new scores and previous scores of the rows that have a previous score."""
    predictions = pd.read_csv(run.out / "eval" / "eval_predictions_with_comparison.csv")
    kept = predictions["previous_model_score"].notna().to_numpy()
    return (predictions["label"].to_numpy()[kept].astype(int),
            predictions["new_model_prob_class_1"].to_numpy()[kept],
            predictions["previous_model_score"].to_numpy()[kept])


def test_comparison_outputs(binary_run):
    assert binary_run.done.returncode == 0, binary_run.done.stderr
    metrics_dir = binary_run.out / "metrics"
    for name in ["comparison_report.txt", "comparison_flips.csv", "report.html", "_SUCCESS", *COMPARISON_PLOTS]:
        assert (metrics_dir / name).exists(), name
    assert not (binary_run.out / "eval" / "eval_predictions.csv").exists(), "the comparison file replaces it"
    predictions = pd.read_csv(binary_run.out / "eval" / "eval_predictions_with_comparison.csv")
    assert list(predictions.columns) == ["customer_id", "label", "new_model_prob_class_0", "new_model_prob_class_1",
                                         "previous_model_score", "score_difference"]
    np.testing.assert_allclose(predictions["previous_model_score"], binary_run.previous, rtol=0, atol=1e-12)
    difference = predictions["new_model_prob_class_1"] - predictions["previous_model_score"]
    np.testing.assert_allclose(predictions["score_difference"], difference, rtol=0, atol=1e-6)
    assert "MODEL COMPARISON REPORT" in (metrics_dir / "comparison_report.txt").read_text()
    assert "<svg" in (metrics_dir / "report.html").read_text()
    assert f"{MISSING_PREVIOUS} row(s) have no previous score" in binary_run.done.stderr


def test_decision_and_keys_match_scipy(binary_run):
    metrics = json.loads((binary_run.out / "metrics" / "metrics.json").read_text())
    labels, new, previous = compared(binary_run)
    assert metrics["comparison_decision"] == "better"
    assert metrics["comparison_rows"] == 400 - MISSING_PREVIOUS
    assert metrics["comparison_rows_without_previous"] == MISSING_PREVIOUS
    assert "auc_roc" in metrics, "the standard metrics stay"
    assert metrics["pearson_correlation"] == pytest.approx(stats.pearsonr(new, previous)[0], abs=METRIC_TOLERANCE)
    auc_delta = roc_auc_score(labels, new) - roc_auc_score(labels, previous)
    assert metrics["auc_delta"] == pytest.approx(auc_delta, abs=METRIC_TOLERANCE)
    new_right, previous_right = (new >= 0.5) == labels, (previous >= 0.5) == labels
    b, c = int(np.sum(new_right & ~previous_right)), int(np.sum(~new_right & previous_right))
    assert (metrics["new_correct_prev_wrong"], metrics["new_wrong_prev_correct"]) == (b, c)
    p_value = stats.chi2.sf((abs(b - c) - 1) ** 2 / (b + c), 1)
    assert metrics["mcnemar_p_value"] == pytest.approx(p_value, abs=METRIC_TOLERANCE)


def test_without_previous_field_runs_standard_mode(binary_run, tmp_path):
    done = evaluate(binary_run.bundle, binary_run.data, tmp_path, env={"COMPARISON_MODE": "true"})
    assert done.returncode == 0, done.stderr
    assert "PREVIOUS_SCORE_FIELD is empty: standard mode" in done.stderr
    assert (tmp_path / "eval" / "eval_predictions.csv").exists()
    assert not (tmp_path / "metrics" / "comparison_report.txt").exists()
    assert "auc_delta" not in json.loads((tmp_path / "metrics" / "metrics.json").read_text())


def test_without_labels_scores_in_standard_mode(binary_run, tmp_path):
    path = write_table(pd.read_csv(binary_run.data).drop(columns=["label"]), tmp_path / "unlabelled.csv")
    done = evaluate(binary_run.bundle, path, tmp_path, env={"COMPARISON_MODE": "true",
                                                             "PREVIOUS_SCORE_FIELD": "prev_score"})
    assert done.returncode == 0, done.stderr
    assert "comparison mode needs a label column: standard mode" in done.stderr
    assert (tmp_path / "eval" / "eval_predictions.csv").exists()
    assert not (tmp_path / "eval" / "eval_predictions_with_comparison.csv").exists()


def test_comparison_switches(binary_run, tmp_path):
    done = evaluate(binary_run.bundle, binary_run.data, tmp_path, env={
        "COMPARISON_MODE": "true", "PREVIOUS_SCORE_FIELD": "prev_score", "COMPARISON_METRICS": "none",
        "STATISTICAL_TESTS": "false", "COMPARISON_PLOTS": "false"})
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "metrics" / "metrics.json").read_text())
    assert "pearson_correlation" not in metrics and "auc_delta" not in metrics
    assert "comparison_decision" not in metrics and "mcnemar_p_value" not in metrics
    assert metrics["comparison_rows_without_previous"] == MISSING_PREVIOUS
    assert not any((tmp_path / "metrics" / name).exists() for name in COMPARISON_PLOTS)
    assert (tmp_path / "metrics" / "comparison_report.txt").exists()
    assert (tmp_path / "eval" / "eval_predictions_with_comparison.csv").exists()


def test_non_numeric_previous_score_fails_naming_the_row(binary_run, tmp_path):
    data = pd.read_csv(binary_run.data)
    data["prev_score"] = data["prev_score"].astype(object)
    data.loc[20, "prev_score"] = "high"
    path = write_table(data, tmp_path / "bad.csv")
    done = evaluate(binary_run.bundle, path, tmp_path, "--comparison-mode", "true", "--previous-score-field",
                    "prev_score")
    assert done.returncode == 1, done.stderr
    assert "prev_score" in done.stderr and "bad.csv" in done.stderr
    assert (tmp_path / "metrics" / "_FAILURE").exists() and not (tmp_path / "metrics" / "_SUCCESS").exists()
    assert not list((tmp_path / "eval").glob("eval_predictions*"))


def test_metrics_command_with_previous_score(binary_run, tmp_path):
    predictions = binary_run.out / "eval" / "eval_predictions_with_comparison.csv"
    done = run_engine("metrics", "--predictions", str(predictions), "--label-col", "label", "--id-col",
                      "customer_id", "--score-cols", "new_model_prob_class_0,new_model_prob_class_1",
                      "--previous-score-col", "previous_model_score", "--bootstrap-resamples", "200",
                      "--margin", "0.01", "--output-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    from_file = json.loads((tmp_path / "metrics.json").read_text())
    from_eval = json.loads((binary_run.out / "metrics" / "metrics.json").read_text())
    for key in ["comparison_decision", "auc_delta", "pearson_correlation", "mcnemar_p_value",
                "comparison_rows_without_previous"]:
        assert from_file[key] == pytest.approx(from_eval[key], abs=METRIC_TOLERANCE), key
    assert (tmp_path / "comparison_report.txt").exists()


def test_multiclass_comparison_on_the_tiny_bundle(tmp_path):
    bundle = ROOT / "tests" / "golden" / "bundle" / "tiny"
    rng = np.random.default_rng(5)
    n = 60
    data = pd.DataFrame({"id": np.arange(n), "a": rng.normal(size=n), "b": rng.choice(["p", "q"], size=n),
                         "label": rng.choice(["x", "y", "z"], size=n)})
    previous = rng.dirichlet(np.ones(3), size=n)
    for c in range(3):
        data[f"prev_{c}"] = previous[:, c]
    path = write_table(data, tmp_path / "data.parquet")
    done = evaluate(bundle, path, tmp_path, env={"COMPARISON_MODE": "true",
                                                  "PREVIOUS_SCORE_FIELD": "prev_0,prev_1,prev_2"})
    assert done.returncode == 0, done.stderr
    predictions = pd.read_parquet(tmp_path / "eval" / "eval_predictions_with_comparison.parquet")
    assert list(predictions.columns) == ["id", "label", *[f"new_model_prob_class_{c}" for c in range(3)],
                                         *[f"previous_model_prob_class_{c}" for c in range(3)]]
    for c in range(3):
        np.testing.assert_array_equal(predictions[f"previous_model_prob_class_{c}"], previous[:, c])
    metrics = json.loads((tmp_path / "metrics" / "metrics.json").read_text())
    assert metrics["comparison_rows"] == n
    assert metrics["comparison_decision"] in {"better", "not_worse", "worse", "inconclusive"}
    assert (tmp_path / "metrics" / "comparison_report.txt").exists()


# The predictions file is the record (docs/outputs.md): `verdict metrics` on eval's own file, in
# every format and in both modes, reproduces eval's metrics.json exactly (equality, no tolerance:
# both compute on the numbers the file holds).
RECORD_OPTIONS = ["--margin", "0.01", "--thresholds", "0.25,0.45"]  # evaluate() adds the resamples


@pytest.mark.parametrize("output_format", ["csv", "tsv", "parquet"])
@pytest.mark.parametrize("comparing", [False, True], ids=["standard", "comparison"])
def test_metrics_on_eval_predictions_reproduce_metrics_json(binary_run, tmp_path, output_format, comparing):
    env = {"COMPARISON_MODE": "true", "PREVIOUS_SCORE_FIELD": "prev_score"} if comparing else {}
    done = evaluate(binary_run.bundle, binary_run.data, tmp_path, "--output-format", output_format,
                    *RECORD_OPTIONS, env=env)
    assert done.returncode == 0, done.stderr
    if comparing:
        name = "eval_predictions_with_comparison"
        columns = ["--id-col", "customer_id", "--score-cols", "new_model_prob_class_0,new_model_prob_class_1",
                   "--previous-score-col", "previous_model_score"]
    else:
        name, columns = "eval_predictions", []
    predictions = tmp_path / "eval" / f"{name}.{output_format}"
    again = run_engine("metrics", "--predictions", str(predictions), "--label-col", "label", *columns,
                       "--bootstrap-resamples", "200", *RECORD_OPTIONS, "--output-dir", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    from_eval = json.loads((tmp_path / "metrics" / "metrics.json").read_text())
    from_file = json.loads((tmp_path / "again" / "metrics.json").read_text())
    assert from_file == from_eval
    assert "f1_score_at_0.25" in from_eval and "f1_score_at_0.3" not in from_eval
    if comparing:
        for key in ["new_model_f1_at_0.25", "f1_delta_at_0.45", "prediction_agreement_at_0.25"]:
            assert key in from_eval, f"--thresholds reaches comparison mode: {key}"
        assert not any(key.endswith("_at_0.3") for key in from_eval), "no comparison key at the old 0.3"
        assert (tmp_path / "metrics" / "comparison_report.txt").read_text().split("Generated")[0] == \
            (tmp_path / "again" / "comparison_report.txt").read_text().split("Generated")[0]


@pytest.mark.parametrize("output_format", ["csv", "tsv", "parquet"])
def test_multiclass_metrics_on_eval_predictions_reproduce_metrics_json(tmp_path, output_format):
    bundle = ROOT / "tests" / "golden" / "bundle" / "tiny"
    rng = np.random.default_rng(9)
    n = 90
    data = pd.DataFrame({"id": np.arange(n), "a": rng.normal(size=n), "b": rng.choice(["p", "q"], size=n),
                         "label": rng.choice(["x", "y", "z"], size=n)})
    path = write_table(data, tmp_path / f"data.{output_format}")
    done = evaluate(bundle, path, tmp_path)
    assert done.returncode == 0, done.stderr
    again = run_engine("metrics", "--predictions", str(tmp_path / "eval" / f"eval_predictions.{output_format}"),
                       "--label-col", "label", "--class-labels", "x,y,z", "--output-dir", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    assert json.loads((tmp_path / "again" / "metrics.json").read_text()) == \
        json.loads((tmp_path / "metrics" / "metrics.json").read_text())
